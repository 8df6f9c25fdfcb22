//! Each server's loop that starts optimizer runs: every enabled optimizer whose `NextRun` is due
//! gets a run, queued in the transaction that moves `NextRun` on by its interval — so servers
//! sharing a metastore, or a restart, never start one twice. An optimizer with a run still
//! queued or running is not started again; a compaction optimizer is started only when its
//! table has a partition with enough small files.

use serde_json::{json, Value};
use weir_metastore::job_runs;
use weir_metastore::table_optimizers::{OPTIMIZER_RUNS, TABLE_OPTIMIZERS};
use weir_model::Result;

use crate::definitions::NEXT_RUN;
use crate::settings::{enabled, Settings};
use crate::OptimizerService;

/// Run states in which a run is still to end.
const ACTIVE: [&str; 4] = ["STARTING", "WAITING", "RUNNING", "STOPPING"];

fn due(optimizer: &Value, now: f64) -> bool {
    optimizer
        .get(NEXT_RUN)
        .and_then(Value::as_f64)
        .is_some_and(|next| next <= now)
}

impl OptimizerService {
    /// Starts this server's loop; it runs until the process ends.
    pub fn start(&self) {
        let service = self.clone();
        tokio::spawn(async move {
            loop {
                let store = service.inner.catalog.store();
                if store.is_closed() {
                    return;
                }
                if let Err(e) = service.fire_due().await {
                    if store.is_closed() {
                        return;
                    }
                    tracing::error!(error = %e, "starting table optimizer runs failed");
                }
                tokio::time::sleep(std::time::Duration::from_secs(
                    service.inner.timing.poll_seconds.max(1),
                ))
                .await;
            }
        });
    }

    /// Starts a run of every optimizer due; returns the runs started.
    pub async fn fire_due(&self) -> Result<Vec<String>> {
        let now = self.now();
        let mut due_names = Vec::new();
        {
            let mut tx = self.inner.catalog.store().read().await?;
            let mut after: Option<String> = None;
            loop {
                let page = TABLE_OPTIMIZERS
                    .list(&mut tx, after.as_deref(), 500)
                    .await?;
                let Some((last, _)) = page.last() else { break };
                after = Some(last.clone());
                due_names.extend(page.into_iter().filter(|(_, o)| due(o, now)));
            }
        }
        let mut started = Vec::new();
        for (name, optimizer) in due_names {
            let work = self.has_work(&optimizer).await;
            if let Some(id) = self.fire(&name, now, work).await? {
                started.push(id);
            }
        }
        if !started.is_empty() {
            self.inner.jobs.wake();
        }
        Ok(started)
    }

    /// Starts one optimizer's run if it is still due and has work, and moves its next run on.
    async fn fire(&self, name: &str, now: f64, work: bool) -> Result<Option<String>> {
        let mut tx = self.inner.catalog.store().write().await?;
        job_runs::lock_scheduling(&mut tx).await?;
        let Some(read) = TABLE_OPTIMIZERS.read(&mut tx, name).await? else {
            return Ok(None);
        };
        if !due(&read.doc, now) || !enabled(&read.doc["Configuration"]) {
            return Ok(None);
        }
        let active = job_runs::list(&mut tx, OPTIMIZER_RUNS, name, None, 1)
            .await?
            .first()
            .is_some_and(|r| ACTIVE.contains(&r.state.as_str()));
        let id = match work && !active {
            true => Some(self.submit(&mut tx, name, &read.doc).await?),
            false => None,
        };
        let kind = read.doc["Type"].as_str().unwrap_or_default();
        let compaction_check = self.inner.timing.compaction_check_seconds as f64;
        let interval = Settings::of(kind, &read.doc["Configuration"])
            .map(|s| s.interval(compaction_check))
            .unwrap_or(compaction_check);
        let mut doc = read.doc.clone();
        doc[NEXT_RUN] = json!(now + interval);
        if !TABLE_OPTIMIZERS
            .update(&mut tx, name, &doc, Some(&read))
            .await?
        {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Whether a run would find work: always for retention and orphan file deletion; for
    /// compaction, when a partition of the table has enough small files.
    async fn has_work(&self, optimizer: &Value) -> bool {
        let kind = optimizer["Type"].as_str().unwrap_or_default();
        match Settings::of(kind, &optimizer["Configuration"]) {
            Ok(Settings::Compaction {
                min_input_files, ..
            }) => crate::executor::needs_compaction(self, optimizer, min_input_files).await,
            _ => true,
        }
    }
}
