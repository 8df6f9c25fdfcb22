//! A job service on a fresh SQLite metastore, driven by a clock and an executor the test
//! controls: runs end when the test says so, and time passes when the test moves the clock.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::oneshot;
use weir_catalog::{CatalogIdentity, Clock};
use weir_jobs::executor::ExecFuture;
use weir_jobs::{Executor, Executors, JobService, JobsConfig, RunReport, RunSpec};
use weir_metastore::Metastore;

/// A clock that moves only when told.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<f64>>);

impl ManualClock {
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(1_800_000_000.0)))
    }

    pub fn advance(&self, seconds: f64) {
        *self.0.lock().unwrap() += seconds;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> f64 {
        *self.0.lock().unwrap()
    }
}

/// How the test ends a run.
#[derive(Debug, Clone)]
pub enum End {
    Succeed,
    Fail(String),
    Panic,
}

/// An executor whose runs wait until the test ends them; it records runs dropped unfinished.
#[derive(Clone, Default)]
pub struct Controlled {
    pending: Arc<Mutex<HashMap<String, oneshot::Sender<End>>>>,
    pub dropped: Arc<Mutex<Vec<String>>>,
}

struct DropFlag {
    run: String,
    finished: bool,
    dropped: Arc<Mutex<Vec<String>>>,
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        if !self.finished {
            self.dropped.lock().unwrap().push(self.run.clone());
        }
    }
}

impl Executor for Controlled {
    fn check(&self, _job: &Value) -> Result<(), String> {
        Ok(())
    }

    fn execute(&self, spec: RunSpec) -> ExecFuture {
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(spec.run_id.clone(), tx);
        let flag = DropFlag {
            run: spec.run_id,
            finished: false,
            dropped: self.dropped.clone(),
        };
        Box::pin(async move {
            let mut flag = flag;
            let end = match rx.await {
                Ok(end) => end,
                Err(_) => std::future::pending().await,
            };
            flag.finished = true;
            match end {
                End::Succeed => Ok(RunReport::default()),
                End::Fail(message) => Err(message),
                End::Panic => panic!("the run's code panicked"),
            }
        })
    }
}

impl Controlled {
    /// Whether the run is executing here (its work started and waits for the test).
    pub fn executing(&self, run: &str) -> bool {
        self.pending.lock().unwrap().contains_key(run)
    }

    /// Ends a run that is executing; false when it is not.
    pub fn end(&self, run: &str, end: End) -> bool {
        match self.pending.lock().unwrap().remove(run) {
            Some(tx) => tx.send(end).is_ok(),
            None => false,
        }
    }
}

/// One service process on the test's metastore.
pub struct Service {
    pub jobs: JobService,
    pub executor: Controlled,
}

pub fn config() -> JobsConfig {
    JobsConfig {
        max_concurrent_runs: 3,
        max_dpus: 100.0,
        ..JobsConfig::default()
    }
}

/// Opens (and migrates) the SQLite metastore in `dir` and starts a service on it, without its
/// background loops: the test calls [`JobService::tick`].
pub async fn service(dir: &Path, clock: &ManualClock, config: JobsConfig) -> Service {
    let url = format!("sqlite://{}", dir.join("metastore.db").display());
    let store = Metastore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let executor = Controlled::default();
    let identity = CatalogIdentity {
        account_id: "123456789012".into(),
        region: "us-east-1".into(),
    };
    let jobs = JobService::new(
        store,
        identity,
        Arc::new(clock.clone()),
        Executors::new(Arc::new(executor.clone())),
        config,
    );
    Service { jobs, executor }
}

impl Service {
    pub async fn call(
        &self,
        operation: &str,
        request: Value,
    ) -> Result<Value, weir_model::GlueError> {
        self.jobs.call(operation, &request).await
    }

    pub async fn create_job(&self, name: &str, extra: Value) {
        let mut request = json!({"Name": name, "Role": "r", "Command": {"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"}});
        for (k, v) in extra.as_object().unwrap() {
            request[k] = v.clone();
        }
        self.call("CreateJob", request).await.unwrap();
    }

    pub async fn start(&self, job: &str, extra: Value) -> Result<String, weir_model::GlueError> {
        let mut request = json!({"JobName": job});
        for (k, v) in extra.as_object().unwrap() {
            request[k] = v.clone();
        }
        let answer = self.call("StartJobRun", request).await?;
        Ok(answer["JobRunId"].as_str().unwrap().to_string())
    }

    pub async fn run(&self, job: &str, id: &str) -> Value {
        self.call("GetJobRun", json!({"JobName": job, "RunId": id}))
            .await
            .unwrap()["JobRun"]
            .clone()
    }

    pub async fn state(&self, job: &str, id: &str) -> String {
        self.run(job, id).await["JobRunState"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Waits (a bounded while) until the run is in `state`.
    pub async fn wait_for(&self, job: &str, id: &str, state: &str) -> Value {
        for _ in 0..500 {
            let run = self.run(job, id).await;
            if run["JobRunState"] == state {
                return run;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "run {id} did not reach {state}: {}",
            self.run(job, id).await
        );
    }

    /// Waits (a bounded while) until the run's work is executing.
    pub async fn wait_executing(&self, id: &str) {
        for _ in 0..500 {
            if self.executor.executing(id) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("run {id} never started executing");
    }

    /// Every run of a job, newest first.
    pub async fn runs(&self, job: &str) -> Vec<Value> {
        self.call("GetJobRuns", json!({"JobName": job}))
            .await
            .unwrap()["JobRuns"]
            .as_array()
            .unwrap()
            .clone()
    }
}
