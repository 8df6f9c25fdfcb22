//! Evaluation runs as runs of the job service: [`QualityExecutor`] reads the run's table (and
//! its additional data sources) through the engine, calling the catalog as the principal that
//! started the run, evaluates each of its rulesets with the history of earlier runs of that
//! ruleset on that table, and stores each ruleset's result with the statistics it computed, in
//! one metastore transaction.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};
use weir_catalog::Catalog;
use weir_engine::Engine;
use weir_jobs::catalog_client::ServiceCatalog;
use weir_jobs::executor::ExecFuture;
use weir_jobs::run_access::RunAccess;
use weir_jobs::{Executor, RunReport, RunSpec};
use weir_metastore::dq_results::{self, Statistic};
use weir_metastore::dq_rulesets::DQ_RULESETS;
use weir_metastore::Metastore;

use crate::eval::files::FileAccess;
use crate::eval::{self, History};
use crate::runs::source_name;
use crate::statistics::statistic_id;
use weir_engine::dataset::Dataset;

/// Statistics read back per context (a ruleset on a table) for dynamic rules and anomaly
/// detection.
const HISTORY_LIMIT: usize = 100_000;

/// Runs data quality evaluations in this process.
pub struct QualityExecutor {
    engine: Engine,
    catalog: Catalog,
    access: RunAccess,
}

impl QualityExecutor {
    pub fn new(engine: Engine, catalog: Catalog, access: RunAccess) -> Self {
        Self {
            engine,
            catalog,
            access,
        }
    }
}

impl Executor for QualityExecutor {
    fn check(&self, _: &Value) -> Result<(), String> {
        Ok(())
    }

    fn execute(&self, spec: RunSpec) -> ExecFuture {
        let principal = self.access.principal(&spec).cloned();
        let client = ServiceCatalog::acting_as(&self.catalog, principal);
        let engine = self
            .engine
            .clone()
            .with_catalog(std::sync::Arc::new(client));
        let store = self.catalog.store().clone();
        Box::pin(async move {
            let result = match spec.kind {
                weir_jobs::RunKind::Recommendation => recommend(&engine, &store, &spec).await,
                _ => run(&engine, &store, &spec).await,
            };
            if let Err(message) = &result {
                spec.log.line(&format!("evaluation failed: {message}"));
            }
            result
        })
    }
}

/// A table of the run's request as a dataset.
fn dataset(source: &Value) -> Result<Dataset, String> {
    let table = source
        .get("GlueTable")
        .or_else(|| source.get("DataQualityGlueTable"))
        .ok_or("the data source names no table")?;
    let text = |k: &str| table[k].as_str().unwrap_or_default().to_ascii_lowercase();
    Ok(Dataset::Table {
        database: text("DatabaseName"),
        table: text("TableName"),
        predicate: table
            .pointer("/AdditionalOptions/pushDownPredicate")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

async fn run(engine: &Engine, store: &Metastore, spec: &RunSpec) -> Result<RunReport, String> {
    let log = &spec.log;
    let request = &spec.run;
    let source = source_name(&request["DataSource"]).ok_or("the data source names no table")?;
    let primary = dataset(&request["DataSource"])?;
    let read = |e: weir_metastore::Error| format!("reading the metastore: {e}");
    let names: Vec<String> = request["RulesetNames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let mut rulesets = Vec::with_capacity(names.len());
    {
        let mut tx = store.read().await.map_err(read)?;
        for name in &names {
            let doc = DQ_RULESETS
                .get(&mut tx, name)
                .await
                .map_err(read)?
                .ok_or_else(|| format!("the ruleset {name} no longer exists"))?;
            let text = doc["Ruleset"].as_str().unwrap_or_default();
            let ruleset = crate::parse(text).map_err(|e| format!("ruleset {name}: {e}"))?;
            rulesets.push((name.clone(), ruleset));
        }
    }
    let ctx = engine.session().map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    let mut statistics = Vec::new();
    let mut rows_read = 0;
    for (i, (name, ruleset)) in rulesets.iter().enumerate() {
        let started = now();
        let context = format!("{name}@{source}");
        let history = {
            let mut tx = store.read().await.map_err(read)?;
            Recorded::new(
                dq_results::history(&mut tx, &context, HISTORY_LIMIT)
                    .await
                    .map_err(read)?,
            )
        };
        let data = primary.read(engine, &ctx).await?;
        let mut references = BTreeMap::new();
        for (alias, reference) in request["AdditionalDataSources"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let df = dataset(reference)?.read(engine, &ctx).await?;
            references.insert(alias.clone(), df);
        }
        let evaluation = eval::evaluate(
            &ctx,
            data,
            references,
            ruleset,
            chrono::Utc::now(),
            &history,
            Some(&FileAccess {
                engine: Some(engine),
                dataset: primary.files(engine).await,
            }),
        )
        .await?;
        rows_read = rows_read.max(evaluation.rows);
        let completed = now();
        let suffix = format!("{}{i:02}", spec.run_id.trim_start_matches("jr_"));
        let (result_id, profile_id) = (format!("dqresult-{suffix}"), format!("dqprofile-{suffix}"));
        let mut doc = evaluation.to_json();
        identify_observations(&mut doc, &evaluation, &context);
        doc["ResultId"] = json!(result_id);
        doc["ProfileId"] = json!(profile_id);
        doc["DataSource"] = request["DataSource"].clone();
        doc["RulesetName"] = json!(name);
        doc["EvaluationContext"] = json!(name);
        doc["RulesetEvaluationRunId"] = json!(spec.run_id);
        doc["StartedOn"] = json!(started);
        doc["CompletedOn"] = json!(completed);
        log.line(&format!(
            "ruleset {name} on {source}: {} of {} rules passed, {} rows, {} scan(s)",
            evaluation
                .rules
                .iter()
                .filter(|r| r.outcome == eval::Outcome::Pass)
                .count(),
            evaluation.rules.len(),
            evaluation.rows,
            evaluation.scans
        ));
        for r in &evaluation.rules {
            if r.outcome != eval::Outcome::Pass {
                log.line(&format!(
                    "  {} {}: {}",
                    r.outcome.as_str(),
                    r.description,
                    r.message.as_deref().unwrap_or_default()
                ));
            }
        }
        statistics.extend(self::statistics(
            &evaluation,
            &context,
            &profile_id,
            &spec.run_id,
            completed,
        ));
        results.push((result_id, started, doc));
    }
    store_results(store, &spec.run_id, &source, &results, &statistics).await?;
    Ok(RunReport {
        rows_read,
        summary: Some(format!("{} result(s)", results.len())),
        ..RunReport::default()
    })
}

/// Stores a run's results — (id, start, document) of `source` (empty when a job's node) — and
/// the statistics they recorded, in one metastore transaction.
pub(crate) async fn store_results(
    store: &Metastore,
    run_id: &str,
    source: &str,
    results: &[(String, f64, Value)],
    statistics: &[Statistic],
) -> Result<(), String> {
    let write = |e: weir_metastore::Error| format!("storing the results: {e}");
    let mut tx = store.write().await.map_err(write)?;
    for (id, started, doc) in results {
        dq_results::insert(&mut tx, id, run_id, source, *started, doc)
            .await
            .map_err(write)?;
    }
    dq_results::record(&mut tx, statistics)
        .await
        .map_err(write)?;
    tx.commit().await.map_err(write)
}

/// A rule recommendation: the table profiled, the ruleset that describes it as the run's
/// summary, and saved as `CreatedRulesetName` when the run names one.
async fn recommend(
    engine: &Engine,
    store: &Metastore,
    spec: &RunSpec,
) -> Result<RunReport, String> {
    let request = &spec.run;
    let source = source_name(&request["DataSource"]).ok_or("the data source names no table")?;
    let ctx = engine.session().map_err(|e| e.to_string())?;
    let data = dataset(&request["DataSource"])?.read(engine, &ctx).await?;
    let (ruleset, count) = crate::recommend::recommend(&ctx, data, chrono::Utc::now()).await?;
    spec.log
        .line(&format!("{count} rules recommended for {source}"));
    if let Some(name) = request["CreatedRulesetName"].as_str() {
        let (database, table) = source.split_once('.').unwrap_or((&source, ""));
        let now = now();
        let mut doc = json!({
            "Name": name,
            "Ruleset": ruleset,
            "TargetTable": { "DatabaseName": database, "TableName": table },
            "RecommendationRunId": spec.run_id,
            "CreatedOn": now,
            "LastModifiedOn": now,
        });
        if let Some(config) = request.get("DataQualitySecurityConfiguration") {
            doc["DataQualitySecurityConfiguration"] = config.clone();
        }
        let write = |e: weir_metastore::Error| format!("saving the ruleset {name}: {e}");
        let mut tx = store.write().await.map_err(write)?;
        if DQ_RULESETS
            .get(&mut tx, name)
            .await
            .map_err(write)?
            .is_some()
        {
            return Err(format!(
                "a data quality ruleset named {name} was created while the run recommended one"
            ));
        }
        DQ_RULESETS
            .insert(&mut tx, name, &doc)
            .await
            .map_err(write)?;
        tx.commit().await.map_err(write)?;
        spec.log.line(&format!("saved as ruleset {name}"));
    }
    Ok(RunReport {
        summary: Some(ruleset),
        ..RunReport::default()
    })
}

/// Each observation of a result document with the id of its statistic.
pub(crate) fn identify_observations(doc: &mut Value, evaluation: &eval::Evaluation, context: &str) {
    for (observation, shown) in evaluation
        .observations
        .iter()
        .zip(doc["Observations"].as_array_mut().into_iter().flatten())
    {
        shown["MetricBasedObservation"]["StatisticId"] = json!(statistic_id(
            context,
            &observation.rule,
            &observation.metric
        ));
    }
}

/// The statistics an evaluation recorded: each finite metric of each rule and analyzer.
pub(crate) fn statistics(
    evaluation: &eval::Evaluation,
    context: &str,
    profile_id: &str,
    run_id: &str,
    recorded_on: f64,
) -> Vec<Statistic> {
    let rule_metrics = evaluation
        .rules
        .iter()
        .map(|r| (&r.description, &r.metrics))
        .chain(
            evaluation
                .analyzers
                .iter()
                .map(|a| (&a.description, &a.metrics)),
        );
    let mut statistics = Vec::new();
    for (rule, metrics) in rule_metrics {
        for (metric, value) in metrics {
            if let Some(value) = value.filter(|v| v.is_finite()) {
                statistics.push(Statistic {
                    statistic_id: statistic_id(context, rule, metric),
                    profile_id: profile_id.to_string(),
                    context: context.to_string(),
                    rule: rule.clone(),
                    metric: metric.clone(),
                    value,
                    run_id: run_id.to_string(),
                    recorded_on,
                    included: true,
                    annotated_on: 0.0,
                });
            }
        }
    }
    statistics
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The recorded statistics of one context, oldest first per (rule, metric); `None` for an
/// excluded point.
pub(crate) struct Recorded(HashMap<(String, String), Vec<Option<f64>>>);

impl Recorded {
    /// From the points newest first.
    pub(crate) fn new(rows: Vec<(String, String, f64, bool)>) -> Recorded {
        let mut map: HashMap<(String, String), Vec<Option<f64>>> = HashMap::new();
        for (rule, metric, value, included) in rows.into_iter().rev() {
            map.entry((rule, metric))
                .or_default()
                .push(included.then_some(value));
        }
        Recorded(map)
    }
}

impl History for Recorded {
    fn series(&self, rule: &str, metric: &str) -> Vec<Option<f64>> {
        self.0
            .get(&(rule.to_string(), metric.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}
