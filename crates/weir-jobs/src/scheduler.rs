//! Each server's scheduler: claims queued runs in submission order under the limits, executes
//! them under a lease it renews, ends them (with a retry run when attempts remain), and resolves
//! the runs of servers whose leases lapsed.
//!
//! Every decision is one metastore transaction under the scheduling lock
//! ([`job_runs::lock_scheduling`]), so the servers sharing a metastore agree on what runs.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;
use tracing::Instrument;
use weir_metastore::job_runs::{self, RunRow};
use weir_metastore::{Backend, Tx};
use weir_model::{GlueError, Result};

use crate::capacity::memory_bytes;
use crate::executor::{Bookmark, RunLog, RunReport, RunSpec};
use crate::kind::RunKind;
use crate::runs::{merged_arguments, new_run_id};
use crate::state::RunState;
use crate::{JobService, JobsConfig};

/// The names of [`RunState::ACTIVE`], for queries.
pub const ACTIVE_NAMES: [&str; 4] = ["WAITING", "STARTING", "RUNNING", "STOPPING"];
/// A queued run gives up after waiting this long (seconds), as in Glue.
pub const QUEUE_MAX_WAIT: f64 = 15.0 * 60.0;
/// … or after this many tries for which the service had no capacity, as in Glue.
pub const QUEUE_MAX_ATTEMPTS: i64 = 10;
/// Tries of a queued run that the service's capacity refused are counted this far apart (s).
pub const QUEUE_ATTEMPT_INTERVAL: f64 = 60.0;

/// What the running runs take of the service's limits.
#[derive(Debug, Default, Clone, Copy)]
pub struct Usage {
    pub runs: usize,
    pub dpus: f64,
}

impl Usage {
    pub fn of<'a>(runs: impl Iterator<Item = &'a RunRow>) -> Self {
        runs.fold(Self::default(), |u, r| Self {
            runs: u.runs + 1,
            dpus: u.dpus + r.dpus,
        })
    }

    /// Why a run of `dpus` cannot start now, if it cannot.
    pub fn refusal(&self, dpus: f64, limits: &JobsConfig) -> Option<String> {
        if self.runs >= limits.max_concurrent_runs {
            Some(format!(
                "the service runs at most {} job runs at once",
                limits.max_concurrent_runs
            ))
        } else if self.dpus + dpus > limits.max_dpus {
            Some(format!(
                "the run needs {dpus} DPUs and {} of the service's {} are in use",
                self.dpus, limits.max_dpus
            ))
        } else {
            None
        }
    }
}

/// Moves a run to `next`, recording when; a move the state machine does not allow is an
/// internal error (nothing is written).
pub(crate) fn set_state(run: &mut RunRow, next: RunState, now: f64) -> Result<()> {
    let current: RunState = run.state.parse().map_err(GlueError::internal)?;
    if !current.can_become(next) {
        return Err(GlueError::internal(format!(
            "job run {} cannot go from {current} to {next}",
            run.id
        )));
    }
    run.state = next.name().to_string();
    run.doc["JobRunState"] = json!(next.name());
    run.doc["LastModifiedOn"] = json!(now);
    Ok(())
}

/// Why this server ends a run before its work does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Interrupt {
    Stop,
    Timeout,
}

/// A run this server executes: when it times out (by the service's clock), and how to
/// interrupt it.
pub(crate) struct RunControl {
    deadline: f64,
    interrupt: watch::Sender<Option<Interrupt>>,
}

impl RunControl {
    fn interrupt(&self, why: Interrupt) {
        self.interrupt.send_if_modified(|current| {
            let first = current.is_none();
            if first {
                *current = Some(why);
            }
            first
        });
    }
}

/// How a run's execution ended.
enum Outcome {
    Succeeded(RunReport),
    Failed(String),
    TimedOut(i64),
    Stopped,
    /// Another server took the run over, or its job was deleted: nothing is recorded.
    Lost,
}

impl JobService {
    /// Starts this server's scheduler; it runs until the process ends.
    pub fn start(&self) {
        let service = self.clone();
        tokio::spawn(async move { service.schedule_loop().await });
        let service = self.clone();
        tokio::spawn(async move { service.lease_loop().await });
    }

    /// Resolves the runs left in flight by the last stop of a server on this metastore. On
    /// SQLite only one server uses the metastore, so every run it held is resolved at once;
    /// on PostgreSQL other servers may still be running theirs: their leases decide.
    pub async fn recover(&self) -> Result<usize> {
        let everything = self.inner.store.backend() == Backend::Sqlite;
        let mut tx = self.inner.store.write().await?;
        job_runs::lock_scheduling(&mut tx).await?;
        let queue = job_runs::in_states(&mut tx, &ACTIVE_NAMES).await?;
        let resolved = self
            .resolve_lapsed(&mut tx, &queue, everything, self.now())
            .await?;
        tx.commit().await?;
        self.after_resolving(resolved.len());
        Ok(resolved.len())
    }

    async fn schedule_loop(self) {
        let poll = Duration::from_millis(self.inner.config.poll_millis.max(10));
        loop {
            if self.inner.store.is_closed() {
                return;
            }
            if let Err(e) = self.schedule().await {
                if self.inner.store.is_closed() {
                    return;
                }
                tracing::error!(error = %e, "scheduling job runs failed");
            }
            tokio::select! {
                _ = self.inner.wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Resolves the runs of stopped servers, then starts the runs that fit; returns the ids of
    /// the runs it started.
    pub async fn schedule(&self) -> Result<Vec<String>> {
        let claimed = self.claim().await?;
        let ids = claimed.iter().map(|r| r.id.clone()).collect();
        for run in claimed {
            let service = self.clone();
            tokio::spawn(async move { service.execute(run).await });
        }
        Ok(ids)
    }

    /// What the background loops do, once: renew leases, interrupt runs past their timeout or
    /// asked to stop, resolve the runs of stopped servers and start what fits (for tests that
    /// drive the service with their own clock).
    pub async fn tick(&self) -> Result<Vec<String>> {
        self.renew().await?;
        self.schedule().await
    }

    /// One scheduling pass, one transaction: resolves the runs of servers whose lease lapsed,
    /// ends queued runs that waited too long, claims the runs that fit. It reads the queue
    /// without the runs' documents, and each job once: a pass costs little more with a
    /// thousand runs queued than with one.
    async fn claim(&self) -> Result<Vec<RunRow>> {
        let now = self.now();
        let limits = &self.inner.config;
        let mut tx = self.inner.store.write().await?;
        job_runs::lock_scheduling(&mut tx).await?;
        let mut queue = job_runs::in_states(&mut tx, &ACTIVE_NAMES).await?;
        let resolved = self.resolve_lapsed(&mut tx, &queue, false, now).await?;
        queue.retain(|r| !resolved.contains(&r.id));
        let mut usage = Usage::of(queue.iter().filter(|r| r.owner.is_some()));
        let mut per_job = HashMap::<(String, String), usize>::new();
        for r in queue.iter().filter(|r| r.owner.is_some()) {
            *per_job.entry(definition_key(r)).or_default() += 1;
        }
        let mut max_runs = HashMap::<(String, String), Option<usize>>::new();
        let mut claimed = Vec::new();
        let mut service_full = false;
        for queued in queue.into_iter().filter(|r| r.owner.is_none()) {
            let key = definition_key(&queued);
            let limit = match max_runs.get(&key) {
                Some(limit) => *limit,
                None => {
                    let limit = match RunKind::parse(&queued.kind) {
                        Some(kind) => kind
                            .definition(&mut tx, &queued.job_name)
                            .await?
                            .map(|d| kind.max_concurrent_runs(&d)),
                        None => None,
                    };
                    max_runs.insert(key.clone(), limit);
                    limit
                }
            };
            let Some(limit) = limit else { continue };
            let job_busy = per_job.get(&key).copied().unwrap_or(0) >= limit;
            let refusal = if service_full {
                Some(String::from("runs queued before it wait for capacity"))
            } else {
                usage.refusal(queued.dpus, limits)
            };
            if job_busy || refusal.is_some() {
                if queued.state == RunState::Waiting.name() {
                    self.keep_waiting(&mut tx, queued, job_busy, refusal, now)
                        .await?;
                }
                // Runs queued later do not overtake a run the service has no room for.
                service_full |= !job_busy;
                continue;
            }
            let Some(mut run) = job_runs::get(&mut tx, &queued.id).await? else {
                continue;
            };
            if run.state == RunState::Waiting.name() {
                set_state(&mut run, RunState::Starting, now)?;
            }
            set_state(&mut run, RunState::Running, now)?;
            run.doc["StartedOn"] = json!(now);
            if let Some(doc) = run.doc.as_object_mut() {
                doc.remove("StateDetail");
            }
            run.owner = Some(self.inner.server_id.clone());
            run.lease_until = Some(now + limits.lease_seconds as f64);
            job_runs::update(&mut tx, &run).await?;
            usage.runs += 1;
            usage.dpus += run.dpus;
            *per_job.entry(key).or_default() += 1;
            claimed.push(run);
        }
        tx.commit().await?;
        self.after_resolving(resolved.len());
        Ok(claimed)
    }

    /// A queued run that cannot start: counts the try when the service's capacity refused it
    /// (once a [`QUEUE_ATTEMPT_INTERVAL`]), and ends it when it has waited or tried as long as
    /// Glue lets a queued run. Writes only when one of those happens.
    async fn keep_waiting(
        &self,
        tx: &mut Tx,
        queued: RunRow,
        job_busy: bool,
        refusal: Option<String>,
        now: f64,
    ) -> Result<()> {
        let counted = !job_busy && now >= queued.next_attempt_at;
        let attempts = queued.queue_attempts + i64::from(counted);
        let gave_up = if now - queued.queued_at >= QUEUE_MAX_WAIT {
            Some(format!(
                "Job run waited in the queue for {} minutes, the most a queued run waits, without capacity to start",
                (QUEUE_MAX_WAIT / 60.0) as i64
            ))
        } else if attempts >= QUEUE_MAX_ATTEMPTS {
            Some(format!(
                "Job run could not start after {QUEUE_MAX_ATTEMPTS} attempts: {}",
                refusal.clone().unwrap_or_default()
            ))
        } else {
            None
        };
        if !counted && gave_up.is_none() {
            return Ok(());
        }
        let Some(mut run) = job_runs::get(tx, &queued.id).await? else {
            return Ok(());
        };
        run.queue_attempts = attempts;
        if counted {
            run.next_attempt_at = now + QUEUE_ATTEMPT_INTERVAL;
        }
        match gave_up {
            Some(message) => {
                set_state(&mut run, RunState::Failed, now)?;
                run.doc["ErrorMessage"] = json!(message);
                run.doc["CompletedOn"] = json!(now);
                if let Some(doc) = run.doc.as_object_mut() {
                    doc.remove("StateDetail");
                }
            }
            None => {
                run.doc["StateDetail"] = json!(format!("Waiting: {}", refusal.unwrap_or_default()))
            }
        }
        job_runs::update(tx, &run).await?;
        Ok(())
    }

    /// Executes a claimed run to its end, then records the end.
    async fn execute(self, run: RunRow) {
        let minutes = run.doc["Timeout"]
            .as_i64()
            .unwrap_or(crate::definitions::DEFAULT_TIMEOUT_MINUTES);
        let started = run.doc["StartedOn"].as_f64().unwrap_or_else(|| self.now());
        let (interrupt, interrupted) = watch::channel(None);
        let control = RunControl {
            deadline: started + minutes as f64 * 60.0,
            interrupt,
        };
        self.inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(run.id.clone(), control);
        let log = RunLog::default();
        let span =
            tracing::info_span!("run", kind = %run.kind, name = %run.job_name, run = %run.id);
        let outcome = self
            .outcome(&run, interrupted, minutes, &log)
            .instrument(span)
            .await;
        self.inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&run.id);
        if let Err(e) = self.finish(run, outcome, &log).await {
            if self.inner.store.is_closed() {
                // The server is stopping: the next start resolves the run.
                tracing::warn!("the service stopped before the end of a run was recorded");
            } else {
                tracing::error!(error = %e, "recording the end of a job run failed");
            }
        }
        self.inner.wake.notify_one();
    }

    async fn outcome(
        &self,
        run: &RunRow,
        mut interrupted: watch::Receiver<Option<Interrupt>>,
        minutes: i64,
        log: &RunLog,
    ) -> Outcome {
        let Some(kind) = RunKind::parse(&run.kind) else {
            return Outcome::Failed(format!("Runs of kind {} are not ones Weir runs", run.kind));
        };
        let executor = match self.executor(kind) {
            Ok(executor) => executor.clone(),
            Err(e) => return Outcome::Failed(e.message),
        };
        let job = {
            let mut tx = match self.inner.store.read().await {
                Ok(tx) => tx,
                Err(e) => return Outcome::Failed(format!("The metastore could not be read: {e}")),
            };
            match kind.definition(&mut tx, &run.job_name).await {
                Ok(Some(job)) => job,
                Ok(None) => return Outcome::Lost,
                Err(e) => {
                    return Outcome::Failed(format!("{} could not be read: {e}", run.job_name))
                }
            }
        };
        let bookmark = match kind {
            RunKind::Job => match self.start_bookmark(&run.job_name).await {
                Ok(bookmark) => bookmark,
                Err(e) => {
                    return Outcome::Failed(format!("The job's bookmark could not be read: {e}"))
                }
            },
            _ => Bookmark::default(),
        };
        let started_by = run.doc[crate::runs::STARTED_BY].as_str().map(String::from);
        if let Some(principal) = &started_by {
            log.line(&format!(
                "run {} of {} started by {principal}",
                run.id, run.job_name
            ));
        }
        let spec = RunSpec {
            kind,
            started_by,
            bookmark,
            job_name: run.job_name.clone(),
            run_id: run.id.clone(),
            arguments: merged_arguments(&job, &run.doc),
            memory_limit: memory_bytes(run.dpus, self.inner.config.memory_per_dpu_mib),
            job,
            log: log.clone(),
            run: run.doc.clone(),
        };
        tracing::info!(dpus = run.dpus, "run started");
        // The work's own task carries the run's span: its logs name the job and the run.
        let work = executor.execute(spec).instrument(tracing::Span::current());
        let mut work = tokio::spawn(work);
        let outcome = tokio::select! {
            joined = &mut work => return match joined {
                Ok(Ok(report)) => Outcome::Succeeded(report),
                Ok(Err(message)) => Outcome::Failed(message),
                Err(e) if e.is_panic() => Outcome::Failed(format!(
                    "The run failed: it panicked ({})",
                    panic_message(e)
                )),
                Err(_) => Outcome::Stopped,
            },
            why = interrupted.wait_for(Option::is_some) => match why.ok().and_then(|w| *w) {
                Some(Interrupt::Timeout) => Outcome::TimedOut(minutes),
                _ => Outcome::Stopped,
            },
        };
        // The work is cancelled and dropped before the end is recorded: a stopped run's targets
        // are as they were once the run reads as ended.
        work.abort();
        let _ = work.await;
        outcome
    }

    /// Records how a run ended, and queues its retry when it failed with attempts left.
    async fn finish(&self, mut run: RunRow, outcome: Outcome, log: &RunLog) -> Result<()> {
        if matches!(outcome, Outcome::Lost) {
            return Ok(());
        }
        let now = self.now();
        let mut tx = self.inner.store.write().await?;
        job_runs::lock_scheduling(&mut tx).await?;
        let Some(stored) = job_runs::get(&mut tx, &run.id).await? else {
            return Ok(());
        };
        if stored.owner.as_deref() != Some(self.inner.server_id.as_str()) {
            return Ok(());
        }
        run = stored;
        let stopping = run.state == RunState::Stopping.name();
        let (state, message) = match &outcome {
            _ if stopping => (RunState::Stopped, None),
            Outcome::Succeeded(_) => (RunState::Succeeded, None),
            Outcome::Failed(message) => (RunState::Failed, Some(message.clone())),
            Outcome::TimedOut(minutes) => (
                RunState::Timeout,
                Some(format!(
                    "{} timed out: it ran longer than its Timeout of {minutes} minutes",
                    RunKind::parse(&run.kind).map_or("Run", RunKind::noun)
                )),
            ),
            Outcome::Stopped => (RunState::Stopped, None),
            Outcome::Lost => unreachable!("returned above"),
        };
        let failed = state == RunState::Failed;
        let report = match &outcome {
            Outcome::Succeeded(report) => Some(report),
            _ => None,
        };
        if let Some(report) = report {
            tracing::info!(
                rows_read = report.rows_read,
                bytes_read = report.bytes_read,
                rows_written = report.rows_written,
                bytes_written = report.bytes_written,
                "run succeeded"
            );
            if let Some(summary) = &report.summary {
                run.doc["Summary"] = json!(summary);
            }
        }
        self.end(&mut tx, &mut run, state, message, now).await?;
        if let (RunState::Succeeded, Outcome::Succeeded(report)) = (state, &outcome) {
            self.advance_bookmark(&mut tx, &run, report).await?;
        }
        job_runs::put_log(&mut tx, &run.id, &log.text()).await?;
        if failed {
            self.retry(&mut tx, &run, now).await?;
        }
        tx.commit().await?;
        let seconds = run.doc["ExecutionTime"].as_f64().unwrap_or(0.0);
        let kind = RunKind::parse(&run.kind).unwrap_or(RunKind::Job);
        self.inner.metrics.ended(kind, state, seconds, report);
        tracing::info!(kind = %run.kind, name = %run.job_name, run = %run.id, state = %state, "run ended");
        Ok(())
    }

    /// Ends a run in `state`: times, message, no owner.
    async fn end(
        &self,
        tx: &mut Tx,
        run: &mut RunRow,
        state: RunState,
        message: Option<String>,
        now: f64,
    ) -> Result<()> {
        if state == RunState::Stopped && run.state == RunState::Running.name() {
            set_state(run, RunState::Stopping, now)?;
        }
        set_state(run, state, now)?;
        let started = run.doc["StartedOn"].as_f64().unwrap_or(now);
        let seconds = (now - started).max(0.0);
        run.doc["CompletedOn"] = json!(now);
        run.doc["ExecutionTime"] = json!(seconds.round() as i64);
        run.doc["DPUSeconds"] = json!((seconds * run.dpus * 1000.0).round() / 1000.0);
        if let Some(message) = message {
            run.doc["ErrorMessage"] = json!(message);
        }
        run.owner = None;
        run.lease_until = None;
        job_runs::update(tx, run).await?;
        Ok(())
    }

    /// Queues the next attempt of a failed run when its job allows more.
    async fn retry(&self, tx: &mut Tx, failed: &RunRow, now: f64) -> Result<()> {
        let Some(kind) = RunKind::parse(&failed.kind) else {
            return Ok(());
        };
        let Some(definition) = kind.definition(tx, &failed.job_name).await? else {
            return Ok(());
        };
        let attempt = failed.doc["Attempt"].as_i64().unwrap_or(0);
        if attempt >= kind.max_retries(&definition) {
            return Ok(());
        }
        let id = new_run_id();
        let mut doc = failed.doc.clone();
        if let Some(d) = doc.as_object_mut() {
            for ended in ["CompletedOn", "ErrorMessage", "DPUSeconds", "StateDetail"] {
                d.remove(ended);
            }
        }
        doc["Id"] = json!(id);
        doc["Attempt"] = json!(attempt + 1);
        doc["PreviousRunId"] = json!(failed.id);
        doc["StartedOn"] = json!(now);
        doc["ExecutionTime"] = json!(0);
        let mut retry = RunRow {
            seq: 0,
            id,
            doc,
            queued_at: now,
            queue_attempts: 0,
            next_attempt_at: now,
            owner: None,
            lease_until: None,
            ..failed.clone()
        };
        // The retry is a new run: it starts where every run starts.
        retry.state = RunState::Waiting.name().to_string();
        set_state(&mut retry, RunState::Starting, now)?;
        job_runs::insert(tx, &retry).await?;
        Ok(())
    }

    /// Renews this server's leases; interrupts what it runs when the run is past its timeout,
    /// or its row says STOPPING, was taken over, or is gone.
    async fn lease_loop(self) {
        // Leases are renewed three times a lease; timeouts (whole minutes) are checked as often.
        let every =
            Duration::from_secs_f64((self.inner.config.lease_seconds as f64 / 3.0).clamp(0.2, 5.0));
        loop {
            tokio::time::sleep(every).await;
            if self.inner.store.is_closed() {
                return;
            }
            if let Err(e) = self.renew().await {
                if self.inner.store.is_closed() {
                    return;
                }
                tracing::error!(error = %e, "renewing job run leases failed");
            }
        }
    }

    async fn renew(&self) -> Result<()> {
        let now = self.now();
        let local: Vec<String> = {
            let running = self.inner.running.lock().unwrap_or_else(|e| e.into_inner());
            for control in running.values().filter(|c| now >= c.deadline) {
                control.interrupt(Interrupt::Timeout);
            }
            running.keys().cloned().collect()
        };
        if local.is_empty() {
            return Ok(());
        }
        let until = now + self.inner.config.lease_seconds as f64;
        let mut tx = self.inner.store.write().await?;
        let held = job_runs::renew(&mut tx, &self.inner.server_id, until).await?;
        let stopping = job_runs::in_states(&mut tx, &["STOPPING"]).await?;
        tx.commit().await?;
        for id in &local {
            let requested = stopping.iter().any(|r| &r.id == id);
            if requested || !held.contains(id) {
                self.signal_stop(id);
            }
        }
        Ok(())
    }

    /// Tells this server's execution of a run to stop, if it has one.
    pub(crate) fn signal_stop(&self, run_id: &str) {
        let running = self.inner.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(control) = running.get(run_id) {
            control.interrupt(Interrupt::Stop);
        }
    }

    /// Resolves the runs of `queue` whose server stopped renewing its lease (or, with
    /// `everything`, every run held by any server other than this one): a stopping run is
    /// stopped, others fail, with a retry when attempts remain. Returns their ids.
    async fn resolve_lapsed(
        &self,
        tx: &mut Tx,
        queue: &[RunRow],
        everything: bool,
        now: f64,
    ) -> Result<Vec<String>> {
        let mut resolved = Vec::new();
        for queued in queue {
            let Some(owner) = &queued.owner else {
                continue;
            };
            let lapsed = queued.lease_until.is_none_or(|until| until < now);
            if *owner == self.inner.server_id || !(everything || lapsed) {
                continue;
            }
            let Some(mut run) = job_runs::get(tx, &queued.id).await? else {
                continue;
            };
            let (state, message) = if run.state == RunState::Stopping.name() {
                (RunState::Stopped, None)
            } else {
                (
                    RunState::Failed,
                    Some(
                        "The Weir server running this run stopped before the run ended".to_string(),
                    ),
                )
            };
            self.end(tx, &mut run, state, message, now).await?;
            if state == RunState::Failed {
                self.retry(tx, &run, now).await?;
            }
            resolved.push(run.id);
        }
        Ok(resolved)
    }

    /// Once resolved runs are committed: said in the log, and their retries scheduled.
    fn after_resolving(&self, resolved: usize) {
        if resolved > 0 {
            tracing::warn!(
                resolved,
                "resolved job runs left in flight by a stopped server"
            );
            self.inner.wake.notify_one();
        }
    }
}

/// What a run's concurrency is counted by: its kind and name.
fn definition_key(run: &RunRow) -> (String, String) {
    (run.kind.clone(), run.job_name.clone())
}

fn panic_message(e: tokio::task::JoinError) -> String {
    let payload = e.into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}
