//! What crawlers did: ListCrawls and GetCrawlerMetrics, read from a crawler's crawls — runs of
//! the job service ([`crate::crawls`]) — as Glue's `CrawlerHistory`: the run's id, state, start
//! and end, its error, and its `Summary`, a JSON text such as
//! `{"TABLE":{"ADD":{"Count":2},"UPDATE":{"Count":1}},"PARTITION":{"ADD":{"Count":8}}}` from which
//! GetCrawlerMetrics counts the tables the last crawl created, updated and deleted.

use serde_json::{json, Map, Value};
use weir_catalog::request::{listing, take_page, Req};
use weir_metastore::crawlers::{CRAWLERS, CRAWL_RUNS};
use weir_metastore::job_runs::{self, RunRow};
use weir_metastore::Tx;
use weir_model::{GlueError, Result};

use crate::crawls::LOG_GROUP;
use crate::CrawlerService;

/// ListCrawls: 20 crawls a page unless asked, 100 at the most (AWS's documented bounds).
const CRAWLS_PAGE: usize = 20;
const CRAWLS_PAGE_MAX: usize = 100;
/// The largest page of GetCrawlerMetrics.
const METRICS_PAGE: usize = 1000;
/// The states of a crawl (`CrawlerHistoryState`).
const CRAWL_STATES: &[&str] = &["RUNNING", "COMPLETED", "FAILED", "STOPPED"];

/// One crawl as ListCrawls shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Crawl {
    /// Submission order: ListCrawls pages by it, newest first.
    pub seq: i64,
    pub crawl_id: String,
    /// Seconds since the Unix epoch.
    pub start_time: f64,
    /// A `CrawlerHistoryState`: RUNNING, COMPLETED, FAILED, STOPPED.
    pub state: &'static str,
    /// The `CrawlerHistory` document.
    pub doc: Value,
}

impl Crawl {
    /// A crawl run as Glue's `CrawlerHistory`.
    fn of(run: RunRow) -> Crawl {
        let state = match run.state.as_str() {
            "SUCCEEDED" => "COMPLETED",
            "STOPPED" => "STOPPED",
            "FAILED" | "TIMEOUT" | "ERROR" | "EXPIRED" => "FAILED",
            _ => "RUNNING",
        };
        let start_time = run.doc["StartedOn"].as_f64().unwrap_or(0.0);
        let mut doc = Map::new();
        doc.insert("CrawlId".into(), json!(run.id));
        doc.insert("State".into(), json!(state));
        doc.insert("StartTime".into(), json!(start_time));
        for (to, from) in [
            ("EndTime", "CompletedOn"),
            ("Summary", "Summary"),
            ("ErrorMessage", "ErrorMessage"),
        ] {
            if let Some(v) = run.doc.get(from) {
                doc.insert(to.into(), v.clone());
            }
        }
        doc.insert("LogGroup".into(), json!(LOG_GROUP));
        doc.insert("LogStream".into(), json!(run.job_name));
        doc.insert("MessagePrefix".into(), json!(run.id));
        if let Some(seconds) = run.doc["DPUSeconds"].as_f64() {
            doc.insert("DPUHour".into(), json!(seconds / 3600.0));
        }
        Crawl {
            seq: run.seq,
            crawl_id: run.id,
            start_time,
            state,
            doc: Value::Object(doc),
        }
    }
}

impl CrawlerService {
    pub(crate) async fn list_crawls(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("CrawlerName")?;
        let filters = req
            .array("Filters")
            .iter()
            .enumerate()
            .map(|(i, f)| CrawlFilter::parse(i, f))
            .collect::<Result<Vec<_>>>()?;
        let limit = req
            .opt_i64("MaxResults")
            .map(|n| n.clamp(1, CRAWLS_PAGE_MAX as i64) as usize)
            .unwrap_or(CRAWLS_PAGE);
        let mut before = match req.next_token()? {
            None => None,
            Some(token) => Some(token.as_i64().ok_or_else(|| {
                GlueError::invalid_input("Invalid NextToken: it was not returned by ListCrawls")
            })?),
        };
        let mut tx = self.inner.store.read().await?;
        if CRAWLERS.get(&mut tx, name).await?.is_none() {
            return Err(crate::definitions::not_found(name));
        }
        let mut page = Vec::new();
        loop {
            let batch = job_runs::list(&mut tx, CRAWL_RUNS, name, before, limit + 1).await?;
            let exhausted = batch.len() <= limit;
            for run in batch {
                before = Some(run.seq);
                let crawl = Crawl::of(run);
                if filters.iter().all(|f| f.matches(&crawl)) {
                    page.push(crawl);
                }
            }
            if exhausted || page.len() > limit {
                break;
            }
        }
        let (page, next) = take_page(page, limit, |c| json!(c.seq));
        Ok(listing(
            "Crawls",
            page.into_iter().map(|c| c.doc).collect(),
            next,
        ))
    }

    pub(crate) async fn get_crawler_metrics(&self, req: Req<'_>) -> Result<Value> {
        let limit = req.page_size(METRICS_PAGE);
        let after = req
            .next_token()?
            .and_then(|t| t.as_str().map(str::to_string));
        let mut tx = self.inner.store.read().await?;
        let mut names: Vec<String> = match req.get("CrawlerNameList") {
            Some(_) => {
                let mut wanted = req.strings("CrawlerNameList");
                wanted.sort();
                wanted.dedup();
                wanted.retain(|n| after.as_deref().is_none_or(|a| n.as_str() > a));
                let mut existing = Vec::new();
                for name in wanted {
                    if existing.len() > limit {
                        break;
                    }
                    if CRAWLERS.get(&mut tx, &name).await?.is_some() {
                        existing.push(name);
                    }
                }
                existing
            }
            None => CRAWLERS
                .list(&mut tx, after.as_deref(), limit + 1)
                .await?
                .into_iter()
                .map(|(name, _)| name)
                .collect(),
        };
        names.truncate(limit + 1);
        let (names, next) = take_page(names, limit, |n| json!(n));
        let mut metrics = Vec::new();
        for name in names {
            let crawls = all_crawls(&mut tx, &name).await?;
            metrics.push(crawler_metrics(&name, &crawls, self.now()));
        }
        let mut out = json!({ "CrawlerMetricsList": metrics });
        if let Some(token) = next {
            out["NextToken"] = json!(token);
        }
        Ok(out)
    }
}

/// Every crawl of a crawler, newest first.
async fn all_crawls(tx: &mut Tx, crawler: &str) -> Result<Vec<Crawl>> {
    const BATCH: usize = 500;
    let mut out: Vec<Crawl> = Vec::new();
    loop {
        let before = out.last().map(|c| c.seq);
        let batch = job_runs::list(tx, CRAWL_RUNS, crawler, before, BATCH).await?;
        let done = batch.len() < BATCH;
        out.extend(batch.into_iter().map(Crawl::of));
        if done {
            return Ok(out);
        }
    }
}

/// A crawler's `CrawlerMetrics` from its crawls (newest first) at `now`. A crawler never run
/// has zeros and no `LastRuntimeSeconds`.
pub fn crawler_metrics(name: &str, crawls: &[Crawl], now: f64) -> Value {
    let ended: Vec<(&Crawl, f64)> = crawls
        .iter()
        .filter(|c| c.state != "RUNNING")
        .filter_map(|c| {
            let end = c.doc.get("EndTime").and_then(Value::as_f64)?;
            Some((c, (end - c.start_time).max(0.0)))
        })
        .collect();
    let median = median(ended.iter().map(|(_, d)| *d).collect());
    let running = crawls.iter().find(|c| c.state == "RUNNING");
    let mut metrics = json!({
        "CrawlerName": name,
        "TimeLeftSeconds": 0.0,
        "StillEstimating": false,
        "MedianRuntimeSeconds": median,
        "TablesCreated": 0,
        "TablesUpdated": 0,
        "TablesDeleted": 0,
    });
    if let Some(run) = running {
        metrics["StillEstimating"] = json!(ended.is_empty());
        metrics["TimeLeftSeconds"] = json!((median - (now - run.start_time)).max(0.0));
    }
    if let Some((last, seconds)) = ended.first() {
        metrics["LastRuntimeSeconds"] = json!(seconds);
        let summary: Value = last
            .doc
            .get("Summary")
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Value::Null);
        for (member, action) in [
            ("TablesCreated", "ADD"),
            ("TablesUpdated", "UPDATE"),
            ("TablesDeleted", "DELETE"),
        ] {
            let count = summary["TABLE"][action]["Count"].as_u64().unwrap_or(0);
            metrics[member] = json!(count);
        }
    }
    metrics
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// One of ListCrawls' `Filters`.
#[derive(Debug, Clone, PartialEq)]
struct CrawlFilter {
    field: String,
    operator: String,
    value: FilterValue,
}

#[derive(Debug, Clone, PartialEq)]
enum FilterValue {
    Text(String),
    Number(f64),
}

impl CrawlFilter {
    fn parse(index: usize, filter: &Value) -> Result<CrawlFilter> {
        let member = |name: &str| {
            filter.get(name).and_then(Value::as_str).ok_or_else(|| {
                GlueError::invalid_input(format!("Filters[{index}].{name} is required"))
            })
        };
        let (field, operator, text) = (
            member("FieldName")?,
            member("FilterOperator")?,
            member("FieldValue")?,
        );
        let value = match field {
            "CRAWL_ID" => FilterValue::Text(text.into()),
            "STATE" if CRAWL_STATES.contains(&text) => FilterValue::Text(text.into()),
            "STATE" => {
                return Err(GlueError::invalid_input(format!(
                    "Filters[{index}].FieldValue '{text}' is not a crawl state ({})",
                    CRAWL_STATES.join(", ")
                )))
            }
            _ => FilterValue::Number(
                text.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        GlueError::invalid_input(format!(
                    "Filters[{index}].FieldValue '{text}' is not a number: {field} compares {}",
                    if field == "DPU_HOUR" { "DPU hours" } else { "epoch milliseconds" }
                ))
                    })?,
            ),
        };
        Ok(CrawlFilter {
            field: field.into(),
            operator: operator.into(),
            value,
        })
    }

    fn matches(&self, crawl: &Crawl) -> bool {
        use std::cmp::Ordering;
        let seconds_as_millis = |member: &str| {
            crawl
                .doc
                .get(member)
                .and_then(Value::as_f64)
                .map(|s| s * 1000.0)
        };
        let ordering: Option<Ordering> = match (self.field.as_str(), &self.value) {
            ("CRAWL_ID", FilterValue::Text(v)) => Some(crawl.crawl_id.as_str().cmp(v)),
            ("STATE", FilterValue::Text(v)) => Some(crawl.state.cmp(v.as_str())),
            ("START_TIME", FilterValue::Number(v)) => (crawl.start_time * 1000.0).partial_cmp(v),
            ("END_TIME", FilterValue::Number(v)) => {
                seconds_as_millis("EndTime").and_then(|t| t.partial_cmp(v))
            }
            ("DPU_HOUR", FilterValue::Number(v)) => crawl
                .doc
                .get("DPUHour")
                .and_then(Value::as_f64)
                .and_then(|d| d.partial_cmp(v)),
            _ => None,
        };
        match (self.operator.as_str(), ordering) {
            // A crawl without the value (one still running has no end) differs from any.
            ("NE", None) => true,
            (_, None) => false,
            ("GT", Some(o)) => o == Ordering::Greater,
            ("GE", Some(o)) => o != Ordering::Less,
            ("LT", Some(o)) => o == Ordering::Less,
            ("LE", Some(o)) => o != Ordering::Greater,
            ("EQ", Some(o)) => o == Ordering::Equal,
            ("NE", Some(o)) => o != Ordering::Equal,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crawl(id: &str, start: f64, state: &'static str, doc: Value) -> Crawl {
        Crawl {
            seq: 0,
            crawl_id: id.into(),
            start_time: start,
            state,
            doc,
        }
    }

    fn filter(field: &str, op: &str, value: &str) -> CrawlFilter {
        CrawlFilter::parse(
            0,
            &json!({"FieldName": field, "FilterOperator": op, "FieldValue": value}),
        )
        .expect("a filter")
    }

    #[test]
    fn a_crawler_never_run_has_zeros_and_no_last_runtime() {
        assert_eq!(
            crawler_metrics("c", &[], 100.0),
            json!({"CrawlerName": "c", "TimeLeftSeconds": 0.0, "StillEstimating": false,
                   "MedianRuntimeSeconds": 0.0, "TablesCreated": 0, "TablesUpdated": 0, "TablesDeleted": 0})
        );
    }

    #[test]
    fn metrics_come_from_the_ended_crawls() {
        let summary =
            r#"{"TABLE":{"ADD":{"Count":2},"UPDATE":{"Count":1}},"PARTITION":{"ADD":{"Count":8}}}"#;
        let crawls = [
            crawl("c4", 1000.0, "RUNNING", json!({})),
            crawl(
                "c3",
                900.0,
                "COMPLETED",
                json!({"EndTime": 930.0, "Summary": summary}),
            ),
            crawl("c2", 800.0, "FAILED", json!({"EndTime": 810.0})),
            crawl("c1", 700.0, "COMPLETED", json!({"EndTime": 760.0})),
        ];
        let m = crawler_metrics("c", &crawls, 1005.0);
        assert_eq!(m["LastRuntimeSeconds"], json!(30.0));
        assert_eq!(m["MedianRuntimeSeconds"], json!(30.0));
        assert_eq!(m["TimeLeftSeconds"], json!(25.0));
        assert_eq!(m["StillEstimating"], json!(false));
        assert_eq!(
            (
                m["TablesCreated"].clone(),
                m["TablesUpdated"].clone(),
                m["TablesDeleted"].clone()
            ),
            (json!(2), json!(1), json!(0))
        );
        let first = crawler_metrics("c", &crawls[..1], 1005.0);
        assert_eq!(first["StillEstimating"], json!(true));
        assert!(first.get("LastRuntimeSeconds").is_none());
    }

    #[test]
    fn filters_compare_as_documented() {
        let done = crawl(
            "b",
            1_700_000_000.5,
            "COMPLETED",
            json!({"EndTime": 1_700_000_060.0, "DPUHour": 0.25}),
        );
        let running = crawl("a", 1_700_000_100.0, "RUNNING", json!({}));
        assert!(filter("START_TIME", "GE", "1700000000500").matches(&done));
        assert!(!filter("START_TIME", "GT", "1700000000500").matches(&done));
        assert!(filter("END_TIME", "LT", "1700000061000").matches(&done));
        assert!(!filter("END_TIME", "LT", "1700000061000").matches(&running));
        assert!(filter("END_TIME", "NE", "1").matches(&running));
        assert!(filter("STATE", "EQ", "RUNNING").matches(&running));
        assert!(filter("STATE", "NE", "RUNNING").matches(&done));
        assert!(filter("CRAWL_ID", "EQ", "b").matches(&done));
        assert!(filter("DPU_HOUR", "LE", "0.25").matches(&done));
        assert!(!filter("DPU_HOUR", "GT", "0.25").matches(&done));
        let refused = |f: Value| CrawlFilter::parse(2, &f).expect_err("refused").message;
        assert_eq!(
            refused(json!({"FieldName": "STATE", "FilterOperator": "EQ"})),
            "Filters[2].FieldValue is required"
        );
        assert!(refused(
            json!({"FieldName": "STATE", "FilterOperator": "EQ", "FieldValue": "DONE"})
        )
        .contains("'DONE' is not a crawl state"));
        assert!(refused(
            json!({"FieldName": "START_TIME", "FilterOperator": "GT", "FieldValue": "yesterday"})
        )
        .contains("epoch milliseconds"));
    }
}
