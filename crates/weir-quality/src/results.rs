//! Data quality results: GetDataQualityResult, BatchGetDataQualityResult and
//! ListDataQualityResults over what evaluation runs stored.

use serde_json::{json, Value};
use weir_catalog::request::{listing, take_page, Req};
use weir_metastore::dq_results;
use weir_model::{GlueError, Result};

use crate::runs::{source_name, Started};
use crate::QualityService;

const RESULTS_PAGE: usize = 100;

impl QualityService {
    pub(crate) async fn get_result(&self, req: Req<'_>) -> Result<Value> {
        let id = req.str("ResultId")?;
        let mut tx = self.inner.store.read().await?;
        dq_results::get(&mut tx, id)
            .await?
            .ok_or_else(|| GlueError::not_found(format!("Data quality result {id} not found")))
    }

    pub(crate) async fn batch_get_results(&self, req: Req<'_>) -> Result<Value> {
        let ids: Vec<&str> = req
            .get("ResultIds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut tx = self.inner.store.read().await?;
        let (mut found, mut missing) = (Vec::new(), Vec::new());
        for id in ids {
            match dq_results::get(&mut tx, id).await? {
                Some(result) => found.push(result),
                None => missing.push(json!(id)),
            }
        }
        let mut out = json!({ "Results": found });
        if !missing.is_empty() {
            out["ResultsNotFound"] = json!(missing);
        }
        Ok(out)
    }

    pub(crate) async fn list_results(&self, req: Req<'_>) -> Result<Value> {
        let filter = req.get("Filter");
        let limit = req.page_size(RESULTS_PAGE);
        let before = req.next_token()?.and_then(|t| t.as_i64());
        let source = filter
            .and_then(|f| f.get("DataSource"))
            .and_then(source_name);
        let started = Started::of(filter);
        let job = filter.and_then(|f| f["JobName"].as_str());
        let job_run = filter.and_then(|f| f["JobRunId"].as_str());
        let mut tx = self.inner.store.read().await?;
        let rows = dq_results::list(&mut tx, source.as_deref(), before, limit + 1).await?;
        let (rows, next) = take_page(rows, limit, |(seq, _)| json!(seq));
        let results = rows
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| {
                started.holds(r)
                    && job.is_none_or(|j| r["JobName"].as_str() == Some(j))
                    && job_run.is_none_or(|j| r["JobRunId"].as_str() == Some(j))
            })
            .map(|r| {
                let mut description = json!({
                    "ResultId": r["ResultId"],
                    "DataSource": r["DataSource"],
                    "StartedOn": r["StartedOn"],
                });
                for member in ["JobName", "JobRunId"] {
                    if let Some(v) = r.get(member) {
                        description[member] = v.clone();
                    }
                }
                description
            })
            .collect();
        Ok(listing("Results", results, next))
    }
}
