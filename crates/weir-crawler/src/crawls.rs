//! A crawler's crawls, which are runs of the job service (kind `CRAWL`, named by the crawler):
//! StartCrawler queues one, StopCrawler stops it, and a crawler's `State`, `CrawlElapsedTime`
//! and `LastCrawl` are read from its newest crawls whenever a crawler is shown — the job
//! service's record is the one truth of what ran.

use serde_json::{json, Map, Value};
use weir_catalog::request::Req;
use weir_jobs::{RunKind, Submission};
use weir_metastore::crawlers::{CRAWLERS, CRAWL_RUNS};
use weir_metastore::job_runs::{self, RunRow};
use weir_metastore::Tx;
use weir_model::{ErrorKind, GlueError, Result};

use crate::CrawlerService;

/// The capacity a crawl takes of the service's limits (DPUs).
const CRAWL_DPUS: f64 = 1.0;
/// How long a crawl may run (minutes): Glue stops crawls after 24 hours.
const CRAWL_TIMEOUT_MINUTES: i64 = 24 * 60;
/// Where Glue says a crawler's log is.
pub(crate) const LOG_GROUP: &str = "/aws-glue/crawlers";

/// The run states of a crawl in progress.
const ACTIVE: [&str; 4] = ["WAITING", "STARTING", "RUNNING", "STOPPING"];

/// A crawler's newest crawls: the one in progress, if any, and the newest that ended.
#[derive(Debug, Default)]
pub(crate) struct Latest {
    pub active: Option<RunRow>,
    pub ended: Option<RunRow>,
}

impl Latest {
    /// Reads them (a crawler crawls once at a time, so they are among its two newest runs).
    pub(crate) async fn of(tx: &mut Tx, crawler: &str) -> Result<Latest> {
        let mut latest = Latest::default();
        for run in job_runs::list(tx, CRAWL_RUNS, crawler, None, 2).await? {
            if ACTIVE.contains(&run.state.as_str()) {
                latest.active.get_or_insert(run);
            } else {
                latest.ended.get_or_insert(run);
            }
        }
        Ok(latest)
    }

    /// The crawler's `State`: `READY`, `RUNNING` (a crawl queued or running) or `STOPPING`.
    pub(crate) fn state(&self) -> &'static str {
        match self.active.as_ref().map(|r| r.state.as_str()) {
            None => "READY",
            Some("STOPPING") => "STOPPING",
            Some(_) => "RUNNING",
        }
    }

    /// Refuses a change of the crawler while it crawls.
    pub(crate) fn not_running(&self, name: &str, action: &str) -> Result<()> {
        match self.state() {
            "READY" => Ok(()),
            state => Err(GlueError::new(
                ErrorKind::CrawlerRunning,
                format!("Crawler {name} is {state} and cannot be {action} until its crawl ends"),
            )),
        }
    }
}

/// A stored crawler as Glue shows it at `now`: its state, the time its crawl has taken so far
/// (milliseconds) and its last crawl, from its crawls.
pub(crate) fn shown(mut crawler: Value, latest: &Latest, now: f64) -> Value {
    let Some(doc) = crawler.as_object_mut() else {
        return crawler;
    };
    doc.insert("State".into(), json!(latest.state()));
    let elapsed = latest
        .active
        .as_ref()
        .and_then(|r| r.doc["StartedOn"].as_f64())
        .map_or(0, |start| ((now - start).max(0.0) * 1000.0) as i64);
    doc.insert("CrawlElapsedTime".into(), json!(elapsed));
    doc.remove("LastCrawl");
    if let Some(run) = &latest.ended {
        let mut last = Map::new();
        last.insert("Status".into(), json!(last_crawl_status(&run.state)));
        if let Some(message) = run.doc.get("ErrorMessage") {
            last.insert("ErrorMessage".into(), message.clone());
        }
        last.insert("LogGroup".into(), json!(LOG_GROUP));
        last.insert("LogStream".into(), json!(run.job_name));
        last.insert("MessagePrefix".into(), json!(run.id));
        if let Some(start) = run.doc.get("StartedOn") {
            last.insert("StartTime".into(), start.clone());
        }
        doc.insert("LastCrawl".into(), Value::Object(last));
    }
    crawler
}

/// `LastCrawlStatus` of an ended run's state.
fn last_crawl_status(state: &str) -> &'static str {
    match state {
        "SUCCEEDED" => "SUCCEEDED",
        "STOPPED" => "CANCELLED",
        _ => "FAILED",
    }
}

impl CrawlerService {
    pub(crate) async fn start_crawler(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.write().await?;
        job_runs::lock_scheduling(&mut tx).await?;
        self.start_crawl(&mut tx, name).await?;
        tx.commit().await?;
        self.inner.jobs.wake();
        Ok(json!({}))
    }

    /// Queues a crawl of `name` in `tx` (locked for scheduling); returns its id.
    pub(crate) async fn start_crawl(&self, tx: &mut Tx, name: &str) -> Result<String> {
        let crawler = CRAWLERS
            .get(tx, name)
            .await?
            .ok_or_else(|| crate::definitions::not_found(name))?;
        Latest::of(tx, name).await?.not_running(name, "started")?;
        self.inner.jobs.check(RunKind::Crawl, &crawler)?;
        let mut doc = Map::new();
        doc.insert("CrawlerName".into(), json!(name));
        doc.insert("LogGroupName".into(), json!(LOG_GROUP));
        self.inner
            .jobs
            .acting_as(self.caller())
            .submit(
                tx,
                Submission {
                    kind: RunKind::Crawl,
                    name: name.to_string(),
                    doc,
                    dpus: CRAWL_DPUS,
                    timeout_minutes: CRAWL_TIMEOUT_MINUTES,
                },
            )
            .await
    }

    pub(crate) async fn stop_crawler(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let latest = {
            let mut tx = self.inner.store.read().await?;
            if CRAWLERS.get(&mut tx, name).await?.is_none() {
                return Err(crate::definitions::not_found(name));
            }
            Latest::of(&mut tx, name).await?
        };
        match latest.active {
            None => Err(GlueError::new(
                ErrorKind::CrawlerNotRunning,
                format!("Crawler {name} is not running"),
            )),
            Some(run) if run.state == "STOPPING" => Err(GlueError::new(
                ErrorKind::CrawlerStopping,
                format!("Crawler {name} is stopping already"),
            )),
            Some(run) => {
                self.inner.jobs.stop(RunKind::Crawl, name, &run.id).await?;
                Ok(json!({}))
            }
        }
    }
}
