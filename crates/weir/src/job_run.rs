//! `weir job run JOB.json`: runs a visual job in this process, showing each node as it
//! completes on stderr and a summary at the end.

use std::path::Path;

use anyhow::{bail, Context};
use weir_engine::job::NodeReport;
use weir_engine::{run_job, Engine, JobDefinition};

use crate::config::Config;

pub async fn run(path: &Path, args: &[String], config: Config) -> anyhow::Result<()> {
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
    let engine = Engine::new(config.engine.clone());
    eprintln!("running job {} ({} nodes)", job.name, job.nodes.len());
    let progress = |r: &NodeReport| {
        let rows = r
            .rows_written
            .map(|n| format!(", {n} rows written"))
            .unwrap_or_default();
        eprintln!(
            "  ✓ {:<12} {:<22} {}{} ({:.1?})",
            r.node, r.node_type, r.name, rows, r.elapsed
        );
    };
    let summary = run_job(&engine, &job, &progress).await.with_context(|| {
        format!(
            "job {} failed; its targets were left as they were",
            job.name
        )
    })?;
    let written: u64 = summary.nodes.iter().filter_map(|n| n.rows_written).sum();
    eprintln!(
        "job {} succeeded: run {}, {written} rows written, {} files committed, {:.2?}",
        job.name, summary.run_id, summary.files_committed, summary.elapsed
    );
    Ok(())
}
