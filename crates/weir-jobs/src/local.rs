//! Runs jobs in this process: visual `glueetl` jobs on the engine, `pythonshell` scripts as
//! child processes ([`crate::pythonshell`]).

use std::sync::Arc;

use serde_json::Value;
use weir_catalog::Catalog;
use weir_engine::job::NodeReport;
use weir_engine::{run_job, Engine, JobDefinition};

use crate::catalog_client::ServiceCatalog;
use crate::executor::{Bookmark, ExecFuture, Executor, RunReport, RunSpec};
use crate::run_access::RunAccess;

/// The executor of a single `weir serve`.
pub struct LocalExecutor {
    engine: Engine,
    catalog: Catalog,
    python: String,
    access: RunAccess,
}

impl LocalExecutor {
    /// Runs reach `catalog` (a visual job through `engine`, as the run's principal) and the
    /// object stores `engine` knows; `python` runs shell jobs, which reach the service through
    /// `access`.
    pub fn new(engine: Engine, catalog: Catalog, python: String, access: RunAccess) -> Self {
        Self {
            engine,
            catalog,
            python,
            access,
        }
    }
}

fn command(job: &Value) -> &str {
    job.pointer("/Command/Name")
        .and_then(Value::as_str)
        .unwrap_or("glueetl")
}

impl Executor for LocalExecutor {
    fn check(&self, job: &Value) -> Result<(), String> {
        let name = job["Name"].as_str().unwrap_or_default();
        match command(job) {
            "glueetl" => match job.get("CodeGenConfigurationNodes").and_then(Value::as_object) {
                Some(nodes) if !nodes.is_empty() => Ok(()),
                _ => Err(format!(
                    "Job {name} cannot run on Weir: a glueetl job runs its CodeGenConfigurationNodes (a visual job), and this job has none; Weir does not run Spark scripts"
                )),
            },
            "pythonshell" => match job.pointer("/Command/ScriptLocation").and_then(Value::as_str) {
                Some(s) if !s.is_empty() => Ok(()),
                _ => Err(format!(
                    "Job {name} cannot run: a pythonshell job needs Command.ScriptLocation"
                )),
            },
            "gluestreaming" => Err(format!(
                "Job {name} cannot run on Weir: streaming jobs (gluestreaming) are not supported"
            )),
            "glueray" => Err(format!(
                "Job {name} cannot run on Weir: Ray jobs (glueray) are not supported"
            )),
            other => Err(format!(
                "Job {name} cannot run on Weir: Command.Name {other} is not a job type it runs (glueetl with CodeGenConfigurationNodes, or pythonshell)"
            )),
        }
    }

    fn execute(&self, spec: RunSpec) -> ExecFuture {
        let principal = self.access.principal(&spec).cloned();
        let engine = self
            .engine
            .clone()
            .with_catalog(Arc::new(ServiceCatalog::acting_as(
                &self.catalog,
                principal,
            )));
        match command(&spec.job) {
            "pythonshell" => {
                let python = self.python.clone();
                let env = self.access.environment(&spec);
                Box::pin(async move { crate::pythonshell::run(&engine, &python, env, spec).await })
            }
            _ => Box::pin(async move { visual(engine, spec).await }),
        }
    }
}

/// A visual job on the engine, with its memory bounded by the run's capacity.
async fn visual(engine: Engine, spec: RunSpec) -> Result<RunReport, String> {
    let mut job = JobDefinition::from_json(&spec.job).map_err(|e| e.to_string())?;
    job.arguments = spec.arguments.clone();
    job.bookmark = spec
        .bookmark
        .state
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| format!("The job's bookmark is not one Weir wrote: {e}"))?;
    let engine = engine.with_memory_limit(spec.memory_limit);
    let log = spec.log.clone();
    let progress = move |r: &NodeReport| {
        let written = match (r.rows_written, r.bytes_written) {
            (Some(rows), Some(bytes)) => format!(", {rows} rows written ({bytes} bytes)"),
            (Some(rows), None) => format!(", {rows} rows written"),
            _ => String::new(),
        };
        log.line(&format!(
            "node {} ({}) {} done in {:.3?}{written}",
            r.node, r.node_type, r.name, r.elapsed
        ));
    };
    spec.log.line(&format!(
        "running job {} ({} nodes)",
        job.name,
        job.nodes.len()
    ));
    let summary = run_job(&engine, &job, &progress).await.map_err(|e| {
        let message = e.to_string();
        spec.log.line(&format!("job failed: {message}"));
        message
    })?;
    let mut report = RunReport {
        bookmark: match summary.bookmark {
            Some(state) => Some(Bookmark {
                version: spec.bookmark.version,
                state: Some(serde_json::to_value(state).map_err(|e| e.to_string())?),
            }),
            None => None,
        },
        ..RunReport::default()
    };
    for node in &summary.nodes {
        if let Some(read) = node.read {
            report.rows_read += read.rows;
            report.bytes_read += read.bytes;
        }
        report.rows_written += node.rows_written.unwrap_or(0);
        report.bytes_written += node.bytes_written.unwrap_or(0);
    }
    spec.log.line(&format!(
        "job succeeded: {} rows read, {} rows written, {} files committed, {:.3?}",
        report.rows_read, report.rows_written, summary.files_committed, summary.elapsed
    ));
    Ok(report)
}
