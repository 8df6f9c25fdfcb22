//! Weir's job service: the Glue job API (`CreateJob` … `BatchStopJobRun`) and the one place
//! where work is queued, started, timed out, retried, stopped and recorded.
//!
//! - [`definitions`]: job documents (create, update, get, list, delete).
//! - [`runs`]: `StartJobRun` (admission: concurrency limits, queuing), `GetJobRun(s)`,
//!   `BatchStopJobRun`.
//! - [`scheduler`]: each server's loop that claims runs in submission order under the limits,
//!   holds a lease on what it runs, recovers the runs of servers that stopped, and ends runs.
//! - [`bookmarks`]: `GetJobBookmark`, `ResetJobBookmark`, and the bookmark a run starts from
//!   and leaves (kept in the transaction that records the run's success).
//! - [`state`]: which `JobRunState` may follow which.
//! - [`executor`]: the seam to what runs a job; [`local`] runs them in this process (visual jobs
//!   on the engine, `pythonshell` scripts as child processes).
//! - [`kind`]: the other work runs are of — a crawler's crawls are queued, claimed, timed out,
//!   stopped and recorded by the same machinery ([`JobService::submit`], [`JobService::stop`]),
//!   each kind on its own executor.
//!
//! Runs live in the metastore, so several servers on one PostgreSQL share the queue: each run
//! is claimed by one server under a lease it renews; when a server stops renewing, another
//! resolves its runs.

mod bookmarks;
pub mod capacity;
pub mod catalog_client;
mod definitions;
pub mod executor;
pub mod kind;
pub mod local;
mod metrics;
mod pythonshell;
pub mod run_access;
mod runs;
pub mod scheduler;
pub mod state;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Notify;
use weir_catalog::request::Req;
use weir_catalog::{CatalogIdentity, Clock};
use weir_metastore::Metastore;
use weir_model::{ErrorKind, GlueError, Result};

pub use crate::executor::{Bookmark, Executor, Executors, RunLog, RunReport, RunSpec};
pub use crate::kind::RunKind;
pub use crate::runs::Submission;

/// The `[jobs]` settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Runs that may run at once across the service (Glue's concurrent job runs quota).
    pub max_concurrent_runs: usize,
    /// DPUs that running runs may take together (Glue's DPU quota).
    pub max_dpus: f64,
    /// Memory one DPU buys a run (MiB): a run's DataFusion memory pool is its DPUs times this,
    /// and it spills to disk beyond it.
    pub memory_per_dpu_mib: u64,
    /// How long a server's claim on a run holds without renewal (seconds); another server
    /// resolves the run after that.
    pub lease_seconds: u64,
    /// How often a server looks for runs other servers queued (milliseconds).
    pub poll_millis: u64,
    /// The Python interpreter of `pythonshell` jobs.
    #[serde(deserialize_with = "weir_model::setting_text::string")]
    pub python: String,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            max_concurrent_runs: 8,
            max_dpus: 100.0,
            memory_per_dpu_mib: 1024,
            lease_seconds: 15,
            poll_millis: 500,
            python: "python3".into(),
        }
    }
}

/// The job service.
#[derive(Clone)]
pub struct JobService {
    inner: Arc<Inner>,
    /// The principal this clone's operations are made by (see [`JobService::acting_as`]).
    caller: Option<Arc<str>>,
}

struct Inner {
    store: Metastore,
    identity: CatalogIdentity,
    clock: Arc<dyn Clock>,
    executors: Executors,
    config: JobsConfig,
    /// This server's name in leases: unique per process.
    server_id: String,
    /// Wakes the scheduler: a run was queued, or capacity freed.
    wake: Notify,
    /// What this server's runs did, for `/metrics`.
    metrics: metrics::RunMetrics,
    /// The runs this server executes, by id: how to interrupt them.
    running: Mutex<HashMap<String, scheduler::RunControl>>,
}

impl JobService {
    pub fn new(
        store: Metastore,
        identity: CatalogIdentity,
        clock: Arc<dyn Clock>,
        executors: Executors,
        config: JobsConfig,
    ) -> Self {
        let server_id = format!("weir-{:016x}", rand::thread_rng().gen::<u64>());
        Self {
            inner: Arc::new(Inner {
                store,
                identity,
                clock,
                executors,
                config,
                server_id,
                wake: Notify::new(),
                metrics: metrics::RunMetrics::default(),
                running: Mutex::new(HashMap::new()),
            }),
            caller: None,
        }
    }

    /// This service, its operations made by the principal `name` (a run records who started
    /// it); `None` when requests are not authenticated.
    pub fn acting_as(&self, name: Option<&str>) -> JobService {
        JobService {
            inner: self.inner.clone(),
            caller: name.map(Arc::from),
        }
    }

    /// Whether this service implements the operation.
    pub fn serves(operation: &str) -> bool {
        OPERATIONS.contains(&operation)
    }

    /// Serves one Glue operation (the body validated against the model already).
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value> {
        let req = Req(body);
        match operation {
            "CreateJob" => self.create_job(req).await,
            "UpdateJob" => self.update_job(req).await,
            "GetJob" => self.get_job(req).await,
            "GetJobs" => self.get_jobs(req).await,
            "ListJobs" => self.list_jobs(req).await,
            "BatchGetJobs" => self.batch_get_jobs(req).await,
            "DeleteJob" => self.delete_job(req).await,
            "StartJobRun" => self.start_job_run(req).await,
            "GetJobRun" => self.get_job_run(req).await,
            "GetJobRuns" => self.get_job_runs(req).await,
            "BatchStopJobRun" => self.batch_stop_job_run(req).await,
            "GetJobBookmark" => self.get_job_bookmark(req).await,
            "ResetJobBookmark" => self.reset_job_bookmark(req).await,
            other => Err(GlueError::new(
                ErrorKind::UnknownOperation,
                format!("Operation {other} is not served by Weir's job service"),
            )),
        }
    }

    /// The log of a run, if it has one yet.
    pub async fn run_log(&self, run_id: &str) -> Result<Option<String>> {
        let mut tx = self.inner.store.read().await?;
        Ok(weir_metastore::job_runs::get_log(&mut tx, run_id).await?)
    }

    /// The job run metrics of this server, as Prometheus text.
    pub fn metrics_text(&self) -> String {
        let running = self.inner.running.lock().map(|r| r.len()).unwrap_or(0);
        self.inner.metrics.render(running)
    }

    fn now(&self) -> f64 {
        self.inner.clock.now()
    }

    fn job_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:glue:{}:{}:job/{name}",
            self.inner.identity.region, self.inner.identity.account_id
        )
    }
}

/// Every operation [`JobService::call`] serves.
pub const OPERATIONS: &[&str] = &[
    "CreateJob",
    "UpdateJob",
    "GetJob",
    "GetJobs",
    "ListJobs",
    "BatchGetJobs",
    "DeleteJob",
    "StartJobRun",
    "GetJobRun",
    "GetJobRuns",
    "BatchStopJobRun",
    "GetJobBookmark",
    "ResetJobBookmark",
];
