//! Crawler schedules firing: each server's loop starts a crawl of every crawler whose
//! `SCHEDULED` schedule is due, in the transaction that moves the schedule on to its next
//! firing — so neither servers sharing a metastore nor a restart fire one firing twice, and
//! firings missed while no server ran are fired once when one starts. A firing that finds its
//! crawler crawling is skipped, as in Glue.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use weir_metastore::crawlers::CRAWLERS;
use weir_metastore::job_runs;
use weir_model::{ErrorKind, Result};

use crate::crawls::Latest;
use crate::definitions::{schedule_state, SCHEDULED};
use crate::schedule::Cron;
use crate::{write_unchanged, CrawlerService};

/// The member of a stored crawler holding its schedule's next firing (seconds since the
/// epoch). Not a member of Glue's `Crawler`: answers never show it.
pub(crate) const NEXT_FIRING: &str = "NextFiring";
/// How often a server looks for schedules due (firings fall on whole minutes).
const POLL: Duration = Duration::from_secs(5);

/// Sets a scheduled crawler's next firing: the first after `now` of its schedule, none when it
/// is not scheduled or never fires again.
pub(crate) fn plan_next_firing(crawler: &mut Map<String, Value>, now: f64) {
    let next = match schedule_state(crawler) {
        Some(SCHEDULED) => crawler
            .get("Schedule")
            .and_then(|s| s["ScheduleExpression"].as_str())
            .and_then(|e| Cron::parse(e).ok())
            .and_then(|cron| cron.next_after(at(now)))
            .map(|t| t.timestamp() as f64),
        _ => None,
    };
    match next {
        Some(next) => crawler.insert(NEXT_FIRING.into(), json!(next)),
        None => crawler.remove(NEXT_FIRING),
    };
}

fn at(seconds: f64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds.floor() as i64, 0).unwrap_or_default()
}

fn due(crawler: &Value, now: f64) -> bool {
    crawler
        .get(NEXT_FIRING)
        .and_then(Value::as_f64)
        .is_some_and(|next| next <= now)
}

impl CrawlerService {
    /// Starts this server's loop that fires crawler schedules; it runs until the process ends.
    pub fn start(&self) {
        let service = self.clone();
        tokio::spawn(async move {
            loop {
                if service.inner.store.is_closed() {
                    return;
                }
                if let Err(e) = service.fire_schedules().await {
                    if service.inner.store.is_closed() {
                        return;
                    }
                    tracing::error!(error = %e, "firing crawler schedules failed");
                }
                tokio::time::sleep(POLL).await;
            }
        });
    }

    /// Fires every schedule due by the service's clock; returns the crawls it started.
    pub async fn fire_schedules(&self) -> Result<Vec<String>> {
        let now = self.now();
        let mut due_names = Vec::new();
        {
            let mut tx = self.inner.store.read().await?;
            let mut after: Option<String> = None;
            loop {
                let page = CRAWLERS.list(&mut tx, after.as_deref(), 500).await?;
                let Some((last, _)) = page.last() else { break };
                after = Some(last.clone());
                due_names.extend(
                    page.into_iter()
                        .filter(|(_, c)| due(c, now))
                        .map(|(name, _)| name),
                );
            }
        }
        let mut started = Vec::new();
        for name in due_names {
            if let Some(id) = self.fire(&name, now).await? {
                started.push(id);
            }
        }
        if !started.is_empty() {
            self.inner.jobs.wake();
        }
        Ok(started)
    }

    /// Fires one crawler's schedule if it is still due: the crawl and the next firing commit
    /// together.
    async fn fire(&self, name: &str, now: f64) -> Result<Option<String>> {
        let mut tx = self.inner.store.write().await?;
        job_runs::lock_scheduling(&mut tx).await?;
        let Some(read) = CRAWLERS.read(&mut tx, name).await? else {
            return Ok(None);
        };
        if !due(&read.doc, now) {
            return Ok(None);
        }
        let crawl = if Latest::of(&mut tx, name).await?.state() == "READY" {
            match self.start_crawl(&mut tx, name).await {
                Ok(id) => Some(id),
                Err(e) if e.kind == ErrorKind::InternalService => return Err(e),
                Err(e) => {
                    tracing::warn!(crawler = name, error = %e, "a scheduled crawl could not start");
                    None
                }
            }
        } else {
            tracing::info!(
                crawler = name,
                "scheduled crawl skipped: the crawler is crawling"
            );
            None
        };
        let mut crawler = read.doc.as_object().cloned().unwrap_or_default();
        plan_next_firing(&mut crawler, now);
        write_unchanged(
            &mut tx,
            CRAWLERS,
            "Crawler",
            name,
            &Value::Object(crawler),
            &read,
        )
        .await?;
        tx.commit().await?;
        Ok(crawl)
    }
}
