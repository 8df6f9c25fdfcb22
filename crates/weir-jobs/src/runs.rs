//! Job runs through the API: StartJobRun (admission under the concurrency limits, or a place in
//! the queue), GetJobRun, GetJobRuns and BatchStopJobRun.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::Rng;
use serde_json::{json, Map, Value};
use weir_catalog::request::{listing, take_page, Req};
use weir_metastore::job_runs::{self, RunRow};
use weir_metastore::{jobs, Tx};
use weir_model::{ErrorKind, GlueError, Result};

use crate::capacity::run_dpus;
use crate::definitions::DEFAULT_TIMEOUT_MINUTES;
use crate::kind::RunKind;
use crate::scheduler::{Usage, ACTIVE_NAMES};
use crate::state::RunState;
use crate::{Executor, JobService};

/// The largest page of GetJobRuns.
const RUNS_PAGE: usize = 200;

/// The member of a run's stored document naming the principal that started it (not a member
/// of Glue's `JobRun`: answers never show it). Retries keep it.
pub(crate) const STARTED_BY: &str = "StartedBy";
/// Members of StartJobRun that the run records as given (the rest of its settings come from
/// the job when the request leaves them out).
const RUN_SETTINGS: &[&str] = &[
    "Timeout",
    "MaxCapacity",
    "WorkerType",
    "NumberOfWorkers",
    "SecurityConfiguration",
    "NotificationProperty",
    "ExecutionClass",
];

/// A run of other work than a job, to queue: a crawl.
#[derive(Debug, Clone)]
pub struct Submission {
    pub kind: RunKind,
    /// The name of what runs (the crawler).
    pub name: String,
    /// The members of the run's document its kind records beyond what every run has.
    pub doc: Map<String, Value>,
    /// The capacity the run takes while it runs.
    pub dpus: f64,
    /// How long it may run (minutes).
    pub timeout_minutes: i64,
}

impl JobService {
    pub(crate) async fn start_job_run(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("JobName")?;
        let mut tx = self.inner.store.write().await?;
        job_runs::lock_scheduling(&mut tx).await?;
        let job = jobs::get(&mut tx, name)
            .await?
            .ok_or_else(|| GlueError::not_found(format!("Job {name} not found")))?;
        self.check(RunKind::Job, &job)?;
        let arguments = req
            .get("Arguments")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        check_overrides(&job, &arguments)?;
        let previous = match req.opt_str("JobRunId") {
            Some(id) => Some(previous_run(&mut tx, name, id).await?),
            None => None,
        };
        let mut run = Map::new();
        for member in RUN_SETTINGS {
            if let Some(v) = req
                .get(member)
                .or_else(|| job.get(*member))
                .filter(|v| !v.is_null())
            {
                run.insert((*member).into(), v.clone());
            }
        }
        if req.get("WorkerType").is_some() || req.get("NumberOfWorkers").is_some() {
            run.remove("MaxCapacity");
        }
        let flex = run.get("ExecutionClass").and_then(Value::as_str) == Some("FLEX");
        let queuing = !flex
            && req
                .get("JobRunQueuingEnabled")
                .or_else(|| job.get("JobRunQueuingEnabled"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
        if queuing && job.get("MaxRetries").and_then(Value::as_i64).unwrap_or(0) > 0 {
            return Err(GlueError::invalid_input(format!(
                "Job run queuing cannot be enabled for job {name}: its MaxRetries is greater than 0"
            )));
        }
        let dpus = run_dpus(&Value::Object(run.clone()), &job);
        let limits = &self.inner.config;
        if dpus > limits.max_dpus {
            return Err(GlueError::limit_exceeded(format!(
                "The run needs {dpus} DPUs; this service runs at most {} DPUs at once",
                limits.max_dpus
            )));
        }
        let active = job_runs::in_states(&mut tx, &ACTIVE_NAMES).await?;
        let job_runs_now = active
            .iter()
            .filter(|r| r.kind == RunKind::Job.name() && r.job_name == name)
            .count();
        let max_runs = max_concurrent_runs(&job);
        let blocked = if job_runs_now >= max_runs {
            Some((
                ErrorKind::ConcurrentRunsExceeded,
                format!("Concurrent runs exceeded for {name}: the job's MaxConcurrentRuns is {max_runs}"),
            ))
        } else {
            self.service_refusal(&active, dpus)
                .map(|why| (ErrorKind::ResourceNumberLimitExceeded, why))
        };
        let state = match (blocked, queuing) {
            (None, _) => RunState::Starting,
            (Some((_, why)), true) => {
                run.insert("StateDetail".into(), json!(format!("Waiting: {why}")));
                RunState::Waiting
            }
            (Some((kind, why)), false) => return Err(GlueError::new(kind, why)),
        };
        if let Some(previous) = previous {
            run.insert("PreviousRunId".into(), json!(previous));
        }
        run.insert("JobName".into(), json!(name));
        if let Some(mode) = job.get("JobMode") {
            run.insert("JobMode".into(), mode.clone());
        }
        run.insert("JobRunQueuingEnabled".into(), json!(queuing));
        run.insert("Arguments".into(), Value::Object(arguments));
        run.insert("PredecessorRuns".into(), json!([]));
        run.entry("Timeout")
            .or_insert(json!(DEFAULT_TIMEOUT_MINUTES));
        if let Some(c) = run.get("MaxCapacity").and_then(Value::as_f64) {
            run.insert("AllocatedCapacity".into(), json!(c.max(1.0) as i64));
        }
        run.insert("LogGroupName".into(), json!("/aws-glue/jobs"));
        if let Some(version) = job.get("GlueVersion") {
            run.insert("GlueVersion".into(), version.clone());
        }
        let id = self
            .insert_run(&mut tx, RunKind::Job, name, state, run, dpus)
            .await?;
        tx.commit().await?;
        self.wake();
        Ok(json!({ "JobRunId": id }))
    }

    /// Queues a run of other work than a job in `tx`, which the caller locked with
    /// [`job_runs::lock_scheduling`] and checked its own limits in: `STARTING`, or `WAITING`
    /// while the service has no room for it. Returns the run's id; once the caller commits,
    /// [`JobService::wake`] starts it.
    pub async fn submit(&self, tx: &mut Tx, submission: Submission) -> Result<String> {
        let Submission {
            kind,
            name,
            mut doc,
            dpus,
            timeout_minutes,
        } = submission;
        let active = job_runs::in_states(tx, &ACTIVE_NAMES).await?;
        let state = match self.service_refusal(&active, dpus) {
            None => RunState::Starting,
            Some(why) => {
                doc.insert("StateDetail".into(), json!(format!("Waiting: {why}")));
                RunState::Waiting
            }
        };
        doc.insert("Timeout".into(), json!(timeout_minutes));
        self.insert_run(tx, kind, &name, state, doc, dpus).await
    }

    /// Starts the scheduler's next pass now (a run was queued or capacity freed).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Why the service has no room for a run of `dpus` beside the `active` runs, if it has none.
    fn service_refusal(&self, active: &[RunRow], dpus: f64) -> Option<String> {
        let usage = Usage::of(
            active
                .iter()
                .filter(|r| r.state != RunState::Waiting.name()),
        );
        usage.refusal(dpus, &self.inner.config)
    }

    /// Inserts a new run in `state` with what every run's document holds (id, attempt, start,
    /// state, principal); returns its id.
    async fn insert_run(
        &self,
        tx: &mut Tx,
        kind: RunKind,
        name: &str,
        state: RunState,
        mut doc: Map<String, Value>,
        dpus: f64,
    ) -> Result<String> {
        let now = self.now();
        let id = new_run_id();
        doc.insert("Id".into(), json!(id));
        doc.insert("Attempt".into(), json!(0));
        if let Some(caller) = &self.caller {
            // Not a member of Glue's JobRun: kept in the run's document, trimmed from answers.
            doc.insert(STARTED_BY.into(), json!(caller.as_ref()));
        }
        doc.insert("StartedOn".into(), json!(now));
        doc.insert("LastModifiedOn".into(), json!(now));
        doc.insert("JobRunState".into(), json!(state.name()));
        doc.insert("ExecutionTime".into(), json!(0));
        let row = RunRow {
            seq: 0,
            id: id.clone(),
            kind: kind.name().to_string(),
            job_name: name.to_string(),
            state: state.name().to_string(),
            doc: Value::Object(doc),
            dpus,
            queued_at: now,
            queue_attempts: 0,
            next_attempt_at: now,
            owner: None,
            lease_until: None,
        };
        job_runs::insert(tx, &row).await?;
        Ok(id)
    }

    /// The executor of runs of `kind`.
    pub(crate) fn executor(&self, kind: RunKind) -> Result<&Arc<dyn Executor>> {
        self.inner.executors.of(kind).ok_or_else(|| {
            GlueError::invalid_input(format!(
                "This Weir server does not run {}s",
                kind.noun().to_lowercase()
            ))
        })
    }

    /// Why runs of `definition` (of `kind`) cannot be started, if they cannot.
    pub fn check(&self, kind: RunKind, definition: &Value) -> Result<()> {
        self.executor(kind)?
            .check(definition)
            .map_err(GlueError::invalid_input)
    }

    pub(crate) async fn get_job_run(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("JobName")?;
        let id = req.str("RunId")?;
        let mut tx = self.inner.store.read().await?;
        let run = job_runs::get(&mut tx, id)
            .await?
            .filter(|r| is_run_of(r, RunKind::Job, name))
            .ok_or_else(|| run_not_found(name, id))?;
        Ok(json!({ "JobRun": run.doc }))
    }

    pub(crate) async fn get_job_runs(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("JobName")?;
        let limit = req.page_size(RUNS_PAGE);
        let before = req.next_token()?.and_then(|t| t.as_i64());
        let mut tx = self.inner.store.read().await?;
        jobs::get(&mut tx, name)
            .await?
            .ok_or_else(|| GlueError::not_found(format!("Job {name} not found")))?;
        let rows = job_runs::list(&mut tx, RunKind::Job.name(), name, before, limit + 1).await?;
        let (rows, next) = take_page(rows, limit, |r| json!(r.seq));
        Ok(listing(
            "JobRuns",
            rows.into_iter().map(|r| r.doc).collect(),
            next,
        ))
    }

    pub(crate) async fn batch_stop_job_run(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("JobName")?;
        let (mut stopped, mut errors) = (Vec::new(), Vec::new());
        for id in req.strings("JobRunIds") {
            match self.stop(RunKind::Job, name, &id).await {
                Ok(()) => stopped.push(json!({ "JobName": name, "JobRunId": id })),
                Err(e) if e.kind == ErrorKind::InternalService => return Err(e),
                Err(e) => errors.push(json!({
                    "JobName": name,
                    "JobRunId": id,
                    "ErrorDetail": { "ErrorCode": e.kind.shape_name(), "ErrorMessage": e.message },
                })),
            }
        }
        Ok(json!({ "SuccessfulSubmissions": stopped, "Errors": errors }))
    }

    /// Stops one run of `kind` named `name`: a run not started yet at once, a running one
    /// through its server.
    pub async fn stop(&self, kind: RunKind, name: &str, id: &str) -> Result<()> {
        let mut tx = self.inner.store.write().await?;
        job_runs::lock_scheduling(&mut tx).await?;
        let mut run = job_runs::get(&mut tx, id)
            .await?
            .filter(|r| is_run_of(r, kind, name))
            .ok_or_else(|| run_not_found(name, id))?;
        let state: RunState = run.state.parse().map_err(GlueError::internal)?;
        let now = self.now();
        match state {
            RunState::Waiting | RunState::Starting if run.owner.is_none() => {
                crate::scheduler::set_state(&mut run, RunState::Stopped, now)?;
                run.doc["CompletedOn"] = json!(now);
            }
            RunState::Running => {
                crate::scheduler::set_state(&mut run, RunState::Stopping, now)?;
            }
            RunState::Waiting | RunState::Starting => {
                return Err(GlueError::concurrent_modification(format!(
                    "{} {id} is being started; stop it again in a moment",
                    kind.noun()
                )))
            }
            RunState::Stopping => return Ok(()),
            ended => {
                return Err(GlueError::invalid_input(format!(
                    "{} {id} has ended: its state is {ended}",
                    kind.noun()
                )))
            }
        }
        job_runs::update(&mut tx, &run).await?;
        tx.commit().await?;
        self.signal_stop(id);
        self.wake();
        Ok(())
    }
}

/// The job's `ExecutionProperty.MaxConcurrentRuns` (Glue's default: 1).
pub(crate) fn max_concurrent_runs(job: &Value) -> usize {
    job.pointer("/ExecutionProperty/MaxConcurrentRuns")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .max(1) as usize
}

/// A run may not set an argument the job declares non-overridable.
fn check_overrides(job: &Value, arguments: &Map<String, Value>) -> Result<()> {
    let fixed = job
        .get("NonOverridableArguments")
        .and_then(Value::as_object);
    match arguments
        .keys()
        .find(|k| fixed.is_some_and(|f| f.contains_key(*k)))
    {
        Some(key) => Err(GlueError::invalid_input(format!(
            "Argument {key} is one of the job's NonOverridableArguments: a run cannot set it"
        ))),
        None => Ok(()),
    }
}

/// The arguments a run gets: the job's `DefaultArguments`, the run's `Arguments`, the job's
/// `NonOverridableArguments`, then what Glue adds (`--JOB_NAME`, `--JOB_ID`, `--JOB_RUN_ID`).
pub(crate) fn merged_arguments(job: &Value, run: &Value) -> BTreeMap<String, String> {
    let mut merged = BTreeMap::new();
    for layer in [
        job.get("DefaultArguments"),
        run.get("Arguments"),
        job.get("NonOverridableArguments"),
    ] {
        for (k, v) in layer.and_then(Value::as_object).into_iter().flatten() {
            let text = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            merged.insert(k.clone(), text);
        }
    }
    let name = run["JobName"].as_str().unwrap_or_default().to_string();
    let id = run["Id"].as_str().unwrap_or_default().to_string();
    merged.insert(
        "--JOB_ID".into(),
        format!("j_{}", id.trim_start_matches("jr_")),
    );
    merged.insert("--JOB_NAME".into(), name);
    merged.insert("--JOB_RUN_ID".into(), id);
    merged
}

/// Whether `run` is a run of the `kind` named `name`.
pub(crate) fn is_run_of(run: &RunRow, kind: RunKind, name: &str) -> bool {
    run.kind == kind.name() && run.job_name == name
}

async fn previous_run(tx: &mut Tx, name: &str, id: &str) -> Result<String> {
    job_runs::get(tx, id)
        .await?
        .filter(|r| is_run_of(r, RunKind::Job, name))
        .map(|r| r.id)
        .ok_or_else(|| run_not_found(name, id))
}

fn run_not_found(name: &str, id: &str) -> GlueError {
    GlueError::not_found(format!("Job run {id} of job {name} not found"))
}

/// A new run id, as Glue's: `jr_` and 64 hex digits.
pub(crate) fn new_run_id() -> String {
    let mut rng = rand::thread_rng();
    let words: [u64; 4] = rng.gen();
    format!(
        "jr_{:016x}{:016x}{:016x}{:016x}",
        words[0], words[1], words[2], words[3]
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn run_arguments_override_defaults_but_not_the_fixed_ones() {
        let job = json!({
            "DefaultArguments": {"--a": "1", "--b": "2"},
            "NonOverridableArguments": {"--c": "3"},
        });
        let run =
            json!({"JobName": "j", "Id": "jr_0123456789abcdef0123", "Arguments": {"--b": "20"}});
        let merged = merged_arguments(&job, &run);
        assert_eq!(merged["--a"], "1");
        assert_eq!(merged["--b"], "20");
        assert_eq!(merged["--c"], "3");
        assert_eq!(merged["--JOB_NAME"], "j");
        assert_eq!(merged["--JOB_RUN_ID"], "jr_0123456789abcdef0123");
        let e = check_overrides(&job, json!({"--c": "x"}).as_object().unwrap()).unwrap_err();
        assert!(e.message.contains("--c"), "{e}");
    }
}
