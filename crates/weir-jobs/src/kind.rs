//! What the job service runs: job runs, and the runs of other work that is queued, timed out,
//! stopped and recorded the same way — a crawler's crawls. A run names its definition (a job, a
//! crawler) by kind and name; each kind says where its definitions are and what limits them.

use serde_json::Value;
use weir_metastore::crawlers::{CRAWLERS, CRAWL_RUNS};
use weir_metastore::{jobs, Tx};
use weir_model::Result;

use crate::runs::max_concurrent_runs;

/// The kind of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunKind {
    /// A run of a job (`StartJobRun`).
    Job,
    /// A crawl of a crawler (`StartCrawler`, or its schedule).
    Crawl,
}

impl RunKind {
    /// The name stored with the run.
    pub const fn name(self) -> &'static str {
        match self {
            RunKind::Job => "JOB",
            RunKind::Crawl => CRAWL_RUNS,
        }
    }

    pub fn parse(name: &str) -> Option<RunKind> {
        [RunKind::Job, RunKind::Crawl]
            .into_iter()
            .find(|k| k.name() == name)
    }

    /// How messages name a run of this kind.
    pub const fn noun(self) -> &'static str {
        match self {
            RunKind::Job => "Job run",
            RunKind::Crawl => "Crawl",
        }
    }

    /// The stored definition runs of this kind named `name` run: the `Job`, or the `Crawler`.
    pub(crate) async fn definition(self, tx: &mut Tx, name: &str) -> Result<Option<Value>> {
        Ok(match self {
            RunKind::Job => jobs::get(tx, name).await?,
            RunKind::Crawl => CRAWLERS.get(tx, name).await?,
        })
    }

    /// How many runs of one definition may run at once (a crawler crawls once at a time).
    pub(crate) fn max_concurrent_runs(self, definition: &Value) -> usize {
        match self {
            RunKind::Job => max_concurrent_runs(definition),
            RunKind::Crawl => 1,
        }
    }

    /// How often a failed run is tried again (a failed crawl is not).
    pub(crate) fn max_retries(self, definition: &Value) -> i64 {
        match self {
            RunKind::Job => definition["MaxRetries"].as_i64().unwrap_or(0),
            RunKind::Crawl => 0,
        }
    }
}

impl std::fmt::Display for RunKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
