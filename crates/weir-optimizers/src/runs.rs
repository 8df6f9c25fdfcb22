//! Optimizer runs are runs of the job service (kind `TABLE_OPTIMIZER`, named by their
//! optimizer): ListTableOptimizerRuns shows them newest first as `TableOptimizerRun`s, their
//! metrics read from the run's summary (what the executor reported).

use serde_json::{json, Map, Value};
use weir_catalog::request::{take_page, Req};
use weir_jobs::{RunKind, Submission};
use weir_metastore::job_runs::{self, RunRow};
use weir_metastore::table_optimizers::{OPTIMIZER_RUNS, TABLE_OPTIMIZERS};
use weir_metastore::Tx;
use weir_model::{GlueError, Result};

use crate::settings::{COMPACTION, ORPHAN_FILE_DELETION, RETENTION};
use crate::{optimizer_name, OptimizerService};

/// The largest page of ListTableOptimizerRuns.
const PAGE: usize = 100;
/// The capacity an optimizer run takes.
const RUN_DPUS: f64 = 1.0;
/// How long an optimizer run may take (minutes).
const RUN_TIMEOUT_MINUTES: i64 = 12 * 60;

impl OptimizerService {
    pub(crate) async fn list_runs(&self, req: Req<'_>) -> Result<Value> {
        let (database, table, kind) = (
            req.str("DatabaseName")?,
            req.str("TableName")?,
            req.str("Type")?,
        );
        let name = optimizer_name(database, table, kind);
        let limit = req.page_size(PAGE);
        let before = req.next_token()?.and_then(|t| t.as_i64());
        let mut tx = self.inner.catalog.store().read().await?;
        if TABLE_OPTIMIZERS.get(&mut tx, &name).await?.is_none() {
            return Err(GlueError::not_found(format!(
                "Table optimizer of type {kind} not found for table {database}.{table}"
            )));
        }
        let rows = job_runs::list(&mut tx, OPTIMIZER_RUNS, &name, before, limit + 1).await?;
        let (rows, next) = take_page(rows, limit, |r| json!(r.seq));
        let mut out = json!({
            "CatalogId": self.account(),
            "DatabaseName": database.to_lowercase(),
            "TableName": table.to_lowercase(),
            "TableOptimizerRuns": rows.iter().map(|r| shown_run(r, kind)).collect::<Vec<_>>(),
        });
        if let Some(next) = next {
            out["NextToken"] = json!(next);
        }
        Ok(out)
    }

    /// Queues a run of the optimizer `name` in `tx` (locked for scheduling by the caller), as
    /// the optimizer's role; returns its id.
    pub(crate) async fn submit(
        &self,
        tx: &mut Tx,
        name: &str,
        optimizer: &Value,
    ) -> Result<String> {
        let mut doc = Map::new();
        for member in ["DatabaseName", "TableName", "Type"] {
            doc.insert(member.into(), optimizer[member].clone());
        }
        self.inner
            .jobs
            .acting_as(optimizer["Role"].as_str())
            .submit(
                tx,
                Submission {
                    kind: RunKind::Optimizer,
                    name: name.to_string(),
                    doc,
                    dpus: RUN_DPUS,
                    timeout_minutes: RUN_TIMEOUT_MINUTES,
                },
            )
            .await
    }
}

/// A run as the `TableOptimizerRun` shape.
pub fn shown_run(run: &RunRow, kind: &str) -> Value {
    let event = match run.state.as_str() {
        "STARTING" | "WAITING" => "starting",
        "RUNNING" | "STOPPING" => "in_progress",
        "SUCCEEDED" => "completed",
        _ => "failed",
    };
    let mut out = json!({ "eventType": event });
    if let Some(start) = run.doc.get("StartedOn").filter(|v| !v.is_null()) {
        out["startTimestamp"] = start.clone();
    }
    if let Some(end) = run.doc.get("CompletedOn").filter(|v| !v.is_null()) {
        out["endTimestamp"] = end.clone();
    }
    if let Some(error) = run.doc["ErrorMessage"].as_str() {
        out["error"] = json!(error);
    }
    let Some(metrics) = run.doc["Summary"]
        .as_str()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
    else {
        return out;
    };
    let hours = run.doc["ExecutionTime"].as_f64().unwrap_or(0.0) / 3600.0;
    let mut iceberg = metrics.as_object().cloned().unwrap_or_default();
    let strategy = iceberg
        .remove(crate::executor::STRATEGY)
        .unwrap_or_else(|| json!("binpack"));
    iceberg.insert("NumberOfDpus".into(), json!(RUN_DPUS as i64));
    iceberg.insert("JobDurationInHour".into(), json!(hours));
    iceberg.insert("DpuHours".into(), json!(hours * RUN_DPUS));
    match kind {
        COMPACTION => {
            out["compactionStrategy"] = strategy;
            out["metrics"] = json!({
                "NumberOfBytesCompacted": metrics["NumberOfBytesCompacted"].to_string(),
                "NumberOfFilesCompacted": metrics["NumberOfFilesCompacted"].to_string(),
                "NumberOfDpus": (RUN_DPUS as i64).to_string(),
                "JobDurationInHour": hours.to_string(),
            });
            out["compactionMetrics"] = json!({ "IcebergMetrics": iceberg });
        }
        RETENTION => out["retentionMetrics"] = json!({ "IcebergMetrics": iceberg }),
        ORPHAN_FILE_DELETION => {
            out["orphanFileDeletionMetrics"] = json!({ "IcebergMetrics": iceberg })
        }
        _ => {}
    }
    out
}
