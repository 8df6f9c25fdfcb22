//! The seam between the job service and what runs a job (or a crawl): the service decides when
//! a run starts, how long it may take and what becomes of it; an [`Executor`] does the work.
//! The process's own executor of jobs is [`crate::local::LocalExecutor`]; a cluster backend is
//! another implementation of the same trait; crawls have theirs ([`Executors`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::kind::RunKind;

/// What one run needs.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub kind: RunKind,
    /// The name of the job (or crawler) run.
    pub job_name: String,
    pub run_id: String,
    /// The definition as stored: the `Job` document (or the `Crawler`).
    pub job: Value,
    /// The job's arguments for this run, as Glue passes them: `DefaultArguments`, the run's
    /// `Arguments`, `NonOverridableArguments`, then `--JOB_NAME`, `--JOB_ID`, `--JOB_RUN_ID`.
    pub arguments: BTreeMap<String, String>,
    /// The memory the run may use (bytes), from its capacity.
    pub memory_limit: usize,
    /// Where the run writes its log.
    pub log: RunLog,
    /// The job's bookmark as the run starts (used when `--job-bookmark-option` asks for it).
    pub bookmark: Bookmark,
    /// The principal that started the run; `None` when requests are not authenticated.
    pub started_by: Option<String>,
    /// The run's document as submitted (what a data quality evaluation run evaluates).
    pub run: Value,
}

/// A job's bookmark: as a run starts from it, or as a run leaves it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bookmark {
    /// The version of the job's bookmark the run started from (0: the job has none).
    pub version: i64,
    /// The state (JSON, as the executor writes it); `None` when empty.
    pub state: Option<Value>,
}

/// What a finished run reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    pub rows_read: u64,
    pub bytes_read: u64,
    pub rows_written: u64,
    pub bytes_written: u64,
    /// The bookmark to keep if the run succeeded, with the version it started from (the
    /// spec's); `None` leaves the job's bookmark as it is.
    pub bookmark: Option<Bookmark>,
    /// What the run changed, as its kind reports it (a crawl's `Summary`), kept in the run's
    /// document.
    pub summary: Option<String>,
}

pub type ExecFuture = Pin<Box<dyn Future<Output = Result<RunReport, String>> + Send>>;

/// Runs jobs. Dropping the returned future cancels the run (stop, timeout); the executor must
/// leave the run's targets as they were then.
pub trait Executor: Send + Sync + 'static {
    /// Why runs of this job cannot be started (checked by `StartJobRun`), if they cannot.
    fn check(&self, job: &Value) -> Result<(), String>;
    /// Runs the job to its end: `Err` carries the message a user reads in `ErrorMessage`.
    fn execute(&self, spec: RunSpec) -> ExecFuture;
}

/// The executor of each kind of run.
#[derive(Clone)]
pub struct Executors {
    jobs: Arc<dyn Executor>,
    crawls: Option<Arc<dyn Executor>>,
    quality: Option<Arc<dyn Executor>>,
    optimizers: Option<Arc<dyn Executor>>,
}

impl Executors {
    /// Job runs on `jobs`; no other kind of run.
    pub fn new(jobs: Arc<dyn Executor>) -> Self {
        Self {
            jobs,
            crawls: None,
            quality: None,
            optimizers: None,
        }
    }

    /// … and crawls on `crawls`.
    pub fn with_crawls(mut self, crawls: Arc<dyn Executor>) -> Self {
        self.crawls = Some(crawls);
        self
    }

    /// … and data quality evaluations and rule recommendations on `quality`.
    pub fn with_quality(mut self, quality: Arc<dyn Executor>) -> Self {
        self.quality = Some(quality);
        self
    }

    /// … and table optimizer runs on `optimizers`.
    pub fn with_optimizers(mut self, optimizers: Arc<dyn Executor>) -> Self {
        self.optimizers = Some(optimizers);
        self
    }

    /// The executor of runs of `kind`, if this service runs them.
    pub fn of(&self, kind: RunKind) -> Option<&Arc<dyn Executor>> {
        match kind {
            RunKind::Job => Some(&self.jobs),
            RunKind::Crawl => self.crawls.as_ref(),
            RunKind::Quality | RunKind::Recommendation => self.quality.as_ref(),
            RunKind::Optimizer => self.optimizers.as_ref(),
        }
    }
}

/// A run's log: lines kept in memory, bounded to the last [`RunLog::LIMIT`] bytes.
#[derive(Debug, Clone, Default)]
pub struct RunLog(Arc<Mutex<String>>);

impl RunLog {
    pub const LIMIT: usize = 256 << 10;

    pub fn line(&self, line: &str) {
        let mut text = self.0.lock().unwrap_or_else(|e| e.into_inner());
        text.push_str(line);
        text.push('\n');
        if text.len() > Self::LIMIT {
            let mut cut = text.len() - Self::LIMIT;
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            text.drain(..cut);
        }
    }

    pub fn text(&self) -> String {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The last `lines` lines.
    pub fn tail(&self, lines: usize) -> String {
        let text = self.text();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::RunLog;

    #[test]
    fn the_log_keeps_its_tail() {
        let log = RunLog::default();
        for i in 0..100_000 {
            log.line(&format!("line {i}"));
        }
        assert!(log.text().len() <= RunLog::LIMIT);
        assert_eq!(log.tail(2), "line 99998\nline 99999");
    }
}
