//! `weir job run JOB.json`: runs a visual job in this process, showing each node as it
//! completes on stderr and a summary at the end. Its catalog is the metastore's, or that of a
//! running Weir service ([`RemoteCatalog`]).

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use serde_json::Value;
use weir_engine::catalog::{AtomicFuture, CatalogClient, CatalogError, CatalogFuture};
use weir_engine::job::NodeReport;
use weir_engine::{run_job, JobDefinition};
use weir_jobs::catalog_client::ServiceCatalog;

use crate::config::Config;
use crate::remote_catalog::RemoteCatalog;

/// The catalog a job reads and updates.
pub enum JobCatalog {
    /// The configured metastore's, in this process.
    Local,
    /// A running Weir service's, over its Glue API.
    Remote(RemoteCatalog),
}

/// The engine's catalog client for this process's own catalog: requests are validated against
/// the Glue model, as they would be on the wire. The metastore is opened (and migrated) when the
/// job first uses the catalog: a job that reads and writes only paths never opens it, and
/// saves the open and the close (a WAL checkpoint) — a tenth of a short job's time.
struct LocalCatalog {
    config: Config,
    catalog: tokio::sync::OnceCell<ServiceCatalog>,
}

impl LocalCatalog {
    async fn catalog(&self) -> Result<&ServiceCatalog, CatalogError> {
        self.catalog
            .get_or_try_init(|| async {
                crate::open_catalog(&self.config)
                    .await
                    .map(ServiceCatalog::new)
            })
            .await
            .map_err(|e| CatalogError {
                code: "InternalServiceException".to_string(),
                message: format!("{e:#}"),
            })
    }
}

impl CatalogClient for LocalCatalog {
    fn call<'a>(&'a self, operation: &'a str, request: Value) -> CatalogFuture<'a> {
        Box::pin(async move { self.catalog().await?.call(operation, request).await })
    }

    fn call_atomic<'a>(&'a self, calls: Vec<(String, Value)>) -> AtomicFuture<'a> {
        Box::pin(async move { self.catalog().await?.call_atomic(calls).await })
    }
}

/// The job of a job file, with `--arg --key=value` arguments applied.
pub fn load(path: &Path, args: &[String]) -> anyhow::Result<JobDefinition> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading job file {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("job file {} is not valid JSON", path.display()))?;
    let mut job =
        JobDefinition::from_json(&value).with_context(|| format!("job file {}", path.display()))?;
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else {
            bail!("--arg '{arg}' must look like --key=value");
        };
        job.arguments.insert(key.to_string(), value.to_string());
    }
    Ok(job)
}

/// The client of the catalog, and how messages name it (` with the catalog at URL`, or nothing
/// for the local one).
pub fn client(config: &Config, catalog: JobCatalog) -> (Arc<dyn CatalogClient>, String) {
    match catalog {
        JobCatalog::Local => {
            let local = LocalCatalog {
                config: config.clone(),
                catalog: tokio::sync::OnceCell::new(),
            };
            (Arc::new(local), String::new())
        }
        JobCatalog::Remote(remote) => {
            let with = format!(" with the catalog at {}", remote.endpoint());
            (Arc::new(remote), with)
        }
    }
}

pub async fn run(job: JobDefinition, config: &Config, catalog: JobCatalog) -> anyhow::Result<()> {
    let (client, with) = client(config, catalog);
    // Data quality nodes evaluate; their results are published only by jobs the service runs
    // (which also find custom entity types for PIIDetection nodes).
    let engine = config
        .engine()
        .with_catalog(client)
        .with_transform(weir_quality::node::QualityNode::new(None))
        .with_transform(weir_pii::node::PiiNode::new(None));
    eprintln!("running job {} ({} nodes){with}", job.name, job.nodes.len());
    let progress = |r: &NodeReport| {
        let written = match (r.rows_written, r.bytes_written) {
            (Some(rows), Some(bytes)) => format!(", {rows} rows written ({})", size(bytes)),
            (Some(rows), None) => format!(", {rows} rows written"),
            _ => String::new(),
        };
        eprintln!(
            "  ✓ {:<12} {:<22} {}{written} ({:.1?})",
            r.node, r.node_type, r.name, r.elapsed
        );
    };
    let summary = run_job(&engine, &job, &progress).await.with_context(|| {
        format!(
            "job {} failed; its targets were left as they were",
            job.name
        )
    })?;
    eprintln!(
        "  {:<12} {:<22} {:>12} {:>10} {:>12} {:>10} {:>9}",
        "node", "type", "rows read", "read", "rows written", "written", "time"
    );
    for n in &summary.nodes {
        let count = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
        let bytes = |v: Option<u64>| v.map(size).unwrap_or_else(|| "-".into());
        eprintln!(
            "  {:<12} {:<22} {:>12} {:>10} {:>12} {:>10} {:>9}",
            n.node,
            n.node_type,
            count(n.read.map(|r| r.rows)),
            bytes(n.read.map(|r| r.bytes)),
            count(n.rows_written),
            bytes(n.bytes_written),
            format!("{:.2?}", n.elapsed)
        );
    }
    let written: u64 = summary.nodes.iter().filter_map(|n| n.rows_written).sum();
    eprintln!(
        "job {} succeeded: run {}, {written} rows written, {} files committed, {:.2?}",
        job.name, summary.run_id, summary.files_committed, summary.elapsed
    );
    Ok(())
}

/// A byte count for people: `812 B`, `3.4 KiB`, `201.7 MiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
