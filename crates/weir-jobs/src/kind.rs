//! What the job service runs: job runs, and the runs of other work that is queued, timed out,
//! stopped and recorded the same way — a crawler's crawls, data quality evaluations, table optimizer runs. A run names its definition (a job, a
//! crawler) by kind and name; each kind says where its definitions are and what limits them.

use serde_json::Value;
use weir_metastore::crawlers::{CRAWLERS, CRAWL_RUNS};
use weir_metastore::table_optimizers::{OPTIMIZER_RUNS, TABLE_OPTIMIZERS};
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
    /// A data quality evaluation of a table (`StartDataQualityRulesetEvaluationRun`), named by
    /// the table (`database.table`); what it evaluates is in the run's document.
    Quality,
    /// A data quality rule recommendation for a table
    /// (`StartDataQualityRuleRecommendationRun`), named as an evaluation is.
    Recommendation,
    /// A run of a table optimizer (compaction, snapshot retention, orphan file deletion), named
    /// by the optimizer.
    Optimizer,
}

impl RunKind {
    /// The name stored with the run.
    pub const fn name(self) -> &'static str {
        match self {
            RunKind::Job => "JOB",
            RunKind::Crawl => CRAWL_RUNS,
            RunKind::Quality => "DATA_QUALITY",
            RunKind::Recommendation => "DATA_QUALITY_RECOMMENDATION",
            RunKind::Optimizer => OPTIMIZER_RUNS,
        }
    }

    pub fn parse(name: &str) -> Option<RunKind> {
        [
            RunKind::Job,
            RunKind::Crawl,
            RunKind::Quality,
            RunKind::Recommendation,
            RunKind::Optimizer,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }

    /// How messages name a run of this kind.
    pub const fn noun(self) -> &'static str {
        match self {
            RunKind::Job => "Job run",
            RunKind::Crawl => "Crawl",
            RunKind::Quality => "Data quality evaluation run",
            RunKind::Recommendation => "Data quality rule recommendation run",
            RunKind::Optimizer => "Table optimizer run",
        }
    }

    /// The stored definition runs of this kind named `name` run: the `Job`, or the `Crawler`;
    /// an evaluation run carries what it evaluates itself, and its definition is only the table's
    /// name.
    pub(crate) async fn definition(self, tx: &mut Tx, name: &str) -> Result<Option<Value>> {
        Ok(match self {
            RunKind::Job => jobs::get(tx, name).await?,
            RunKind::Crawl => CRAWLERS.get(tx, name).await?,
            RunKind::Quality | RunKind::Recommendation => Some(serde_json::json!({ "Name": name })),
            RunKind::Optimizer => TABLE_OPTIMIZERS.get(tx, name).await?,
        })
    }

    /// How many runs of one definition may run at once (a crawler crawls once at a time; a table
    /// may be evaluated by any number of runs at once, within the service's limits).
    pub(crate) fn max_concurrent_runs(self, definition: &Value) -> usize {
        match self {
            RunKind::Job => max_concurrent_runs(definition),
            RunKind::Crawl | RunKind::Optimizer => 1,
            RunKind::Quality | RunKind::Recommendation => usize::MAX,
        }
    }

    /// How often a failed run is tried again (a failed crawl is not).
    pub(crate) fn max_retries(self, definition: &Value) -> i64 {
        match self {
            RunKind::Job => definition["MaxRetries"].as_i64().unwrap_or(0),
            RunKind::Crawl | RunKind::Quality | RunKind::Recommendation | RunKind::Optimizer => 0,
        }
    }
}

impl std::fmt::Display for RunKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
