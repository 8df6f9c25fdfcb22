//! Ruleset evaluation runs and rule recommendation runs, which are runs of the job service
//! (kinds `DATA_QUALITY` and `DATA_QUALITY_RECOMMENDATION`, named by their table
//! `database.table`): Start…Run queues one, Cancel…Run stops it, Get and List read the job
//! service's record. The results each evaluation stored are in [`crate::results`]; a
//! recommendation's ruleset is its run's summary.

use serde_json::{json, Map, Value};
use weir_catalog::request::{listing, take_page, Req};
use weir_jobs::{RunKind, Submission};
use weir_metastore::dq_results;
use weir_metastore::dq_rulesets::DQ_RULESETS;
use weir_metastore::job_runs::{self, RunRow};
use weir_model::{GlueError, Result};

use crate::QualityService;

/// The capacity an evaluation takes of the service's limits (DPUs).
const EVALUATION_DPUS: f64 = 1.0;
/// How long an evaluation may run unless its `Timeout` says (minutes): Glue's default.
const DEFAULT_TIMEOUT_MINUTES: i64 = 2880;
const RUNS_PAGE: usize = 100;

/// The members of a run's request kept in its document (those a kind does not take are never
/// present).
const REQUEST_MEMBERS: [&str; 10] = [
    "DataSource",
    "Role",
    "NumberOfWorkers",
    "Timeout",
    "AdditionalRunOptions",
    "RulesetNames",
    "AdditionalDataSources",
    "CreatedRulesetName",
    "DataQualitySecurityConfiguration",
    "RecommendationMode",
];

/// `database.table` of a `DataSource` (`GlueTable` or `DataQualityGlueTable`).
pub(crate) fn source_name(source: &Value) -> Option<String> {
    let table = source
        .get("GlueTable")
        .or_else(|| source.get("DataQualityGlueTable"))?;
    let database = table["DatabaseName"].as_str()?.to_ascii_lowercase();
    let name = table["TableName"].as_str()?.to_ascii_lowercase();
    Some(format!("{database}.{name}"))
}

/// A filter's `StartedAfter`/`StartedBefore` window.
pub(crate) struct Started {
    after: Option<f64>,
    before: Option<f64>,
}

impl Started {
    pub(crate) fn of(filter: Option<&Value>) -> Started {
        Started {
            after: filter.and_then(|f| f["StartedAfter"].as_f64()),
            before: filter.and_then(|f| f["StartedBefore"].as_f64()),
        }
    }

    /// Whether a run or result started then (its `StartedOn`).
    pub(crate) fn holds(&self, doc: &Value) -> bool {
        let started = doc["StartedOn"].as_f64().unwrap_or(0.0);
        self.after.is_none_or(|a| started > a) && self.before.is_none_or(|b| started < b)
    }
}

fn not_found(kind: RunKind, id: &str) -> GlueError {
    let noun = match kind {
        RunKind::Recommendation => "Data quality rule recommendation run",
        _ => "Data quality evaluation run",
    };
    GlueError::not_found(format!("{noun} {id} not found"))
}

/// Glue's `TaskStatusType` of a run state.
fn status(state: &str) -> &str {
    match state {
        "WAITING" => "STARTING",
        "ERROR" | "EXPIRED" => "FAILED",
        other => other,
    }
}

impl QualityService {
    pub(crate) async fn start_evaluation_run(&self, req: Req<'_>) -> Result<Value> {
        for (alias, reference) in req
            .get("AdditionalDataSources")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if source_name(reference).is_none() {
                return Err(GlueError::invalid_input(format!(
                    "AdditionalDataSources.{alias} must name a table: GlueTable with DatabaseName and TableName"
                )));
            }
        }
        let rulesets: Vec<String> = req
            .get("RulesetNames")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        self.start_run(RunKind::Quality, &req, |tx| {
            Box::pin(async move {
                for ruleset in &rulesets {
                    if DQ_RULESETS.get(tx, ruleset).await?.is_none() {
                        return Err(GlueError::not_found(format!(
                            "Data quality ruleset {ruleset} not found"
                        )));
                    }
                }
                Ok(())
            })
        })
        .await
    }

    pub(crate) async fn start_recommendation_run(&self, req: Req<'_>) -> Result<Value> {
        let created = req.opt_str("CreatedRulesetName").map(str::to_string);
        self.start_run(RunKind::Recommendation, &req, |tx| {
            Box::pin(async move {
                if let Some(name) = &created {
                    if DQ_RULESETS.get(tx, name).await?.is_some() {
                        return Err(GlueError::invalid_input(format!(
                            "A data quality ruleset named {name} already exists: CreatedRulesetName must name a new one"
                        )));
                    }
                }
                Ok(())
            })
        })
        .await
    }

    /// Queues a run of `kind` on the request's table once `check` (in the same transaction)
    /// accepts it.
    async fn start_run(
        &self,
        kind: RunKind,
        req: &Req<'_>,
        check: impl for<'t> FnOnce(
            &'t mut weir_metastore::Tx,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<()>> + Send + 't>,
        >,
    ) -> Result<Value> {
        let source = req.get("DataSource").cloned().unwrap_or(Value::Null);
        let name = source_name(&source).ok_or_else(|| {
            GlueError::invalid_input(
                "DataSource must name a table: GlueTable with DatabaseName and TableName",
            )
        })?;
        let mut doc = Map::new();
        for member in REQUEST_MEMBERS {
            if let Some(v) = req.get(member) {
                doc.insert(member.into(), v.clone());
            }
        }
        let timeout = req.opt_i64("Timeout").unwrap_or(DEFAULT_TIMEOUT_MINUTES);
        let jobs = &self.inner.jobs;
        let mut tx = self.inner.store.write().await?;
        job_runs::lock_scheduling(&mut tx).await?;
        check(&mut tx).await?;
        jobs.check(kind, &json!({ "Name": name }))?;
        let id = jobs
            .acting_as(self.caller())
            .submit(
                &mut tx,
                Submission {
                    kind,
                    name,
                    doc,
                    dpus: EVALUATION_DPUS,
                    timeout_minutes: timeout,
                },
            )
            .await?;
        tx.commit().await?;
        jobs.wake();
        Ok(json!({ "RunId": id }))
    }

    pub(crate) async fn get_run(&self, kind: RunKind, req: Req<'_>) -> Result<Value> {
        let id = req.str("RunId")?;
        let mut tx = self.inner.store.read().await?;
        let run = run_of(&mut tx, kind, id).await?;
        let results = match kind {
            RunKind::Quality => dq_results::of_run(&mut tx, id).await?,
            _ => Vec::new(),
        };
        Ok(shown(&run, results))
    }

    pub(crate) async fn list_runs(&self, kind: RunKind, req: Req<'_>) -> Result<Value> {
        let filter = req.get("Filter");
        let limit = req.page_size(RUNS_PAGE);
        let before = req.next_token()?.and_then(|t| t.as_i64());
        let source = filter
            .and_then(|f| f.get("DataSource"))
            .and_then(source_name);
        let started = Started::of(filter);
        let ruleset = filter.and_then(|f| f["RulesetName"].as_str());
        let mut tx = self.inner.store.read().await?;
        let rows =
            job_runs::list_of_kind(&mut tx, kind.name(), source.as_deref(), before, limit + 1)
                .await?;
        let (rows, next) = take_page(rows, limit, |r| json!(r.seq));
        let runs = rows
            .into_iter()
            .filter(|r| {
                let names = r.doc["RulesetNames"].as_array();
                started.holds(&r.doc)
                    && ruleset.is_none_or(|n| {
                        names.is_some_and(|names| names.iter().any(|x| x.as_str() == Some(n)))
                    })
            })
            .map(|r| {
                let mut description = json!({
                    "RunId": r.id,
                    "Status": status(&r.state),
                    "StartedOn": r.doc["StartedOn"],
                    "DataSource": r.doc["DataSource"],
                });
                if kind == RunKind::Recommendation {
                    for member in ["CreatedRulesetName", "RecommendationMode"] {
                        if let Some(v) = r.doc.get(member) {
                            description[member] = v.clone();
                        }
                    }
                }
                description
            })
            .collect();
        Ok(listing("Runs", runs, next))
    }

    pub(crate) async fn cancel_run(&self, kind: RunKind, req: Req<'_>) -> Result<Value> {
        let id = req.str("RunId")?;
        let run = {
            let mut tx = self.inner.store.read().await?;
            run_of(&mut tx, kind, id).await?
        };
        self.inner.jobs.stop(kind, &run.job_name, id).await?;
        self.inner.jobs.wake();
        Ok(json!({}))
    }
}

/// The run `id` of `kind`.
async fn run_of(tx: &mut weir_metastore::Tx, kind: RunKind, id: &str) -> Result<RunRow> {
    job_runs::get(tx, id)
        .await?
        .filter(|r| r.kind == kind.name())
        .ok_or_else(|| not_found(kind, id))
}

/// A run as Get…Run shows it: what it was asked, its state and times, and what it made (an
/// evaluation's result ids, a recommendation's ruleset).
fn shown(run: &RunRow, results: Vec<String>) -> Value {
    let mut out = Map::new();
    out.insert("RunId".into(), json!(run.id));
    for member in REQUEST_MEMBERS {
        if let Some(v) = run.doc.get(member) {
            out.insert(member.into(), v.clone());
        }
    }
    out.insert("Status".into(), json!(status(&run.state)));
    for (from, to) in [
        ("ErrorMessage", "ErrorString"),
        ("StartedOn", "StartedOn"),
        ("LastModifiedOn", "LastModifiedOn"),
        ("CompletedOn", "CompletedOn"),
        ("ExecutionTime", "ExecutionTime"),
        ("Summary", "RecommendedRuleset"),
    ] {
        if let Some(v) = run.doc.get(from).filter(|v| !v.is_null()) {
            out.insert(to.into(), v.clone());
        }
    }
    if !results.is_empty() {
        out.insert("ResultIds".into(), json!(results));
    }
    Value::Object(out)
}
