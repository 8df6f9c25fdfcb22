//! The `EvaluateDataQuality` and `EvaluateDataQualityMultiFrame` nodes of visual jobs, as a
//! transform the engine runs ([`NodeTransform`]): the node's ruleset is evaluated on its first
//! input (the other inputs are the reference datasets its `AdditionalDataSources` name by
//! alias), with the history of earlier runs of the job in the same evaluation context.
//!
//! Outputs, as Glue's: `EvaluateDataQualityMultiFrame` gives a collection of `ruleOutcomes`
//! (index 0: `Rule`, `Outcome` — `Passed`/`Failed` —, `FailureReason`, `EvaluatedMetrics`,
//! `EvaluatedRule`) and `rowLevelOutcomes` (index 1: the input with the row-level outcome
//! columns); `EvaluateDataQuality` gives its input (`Output: PrimaryInput`, the default) or the
//! rule outcomes (`EvaluationResults`). Results are published (stored, visible through
//! GetDataQualityResult and ListDataQualityResults with the job's name and run) unless
//! `PublishingOptions.ResultsPublishingEnabled` is false; `StopJobOnFailureOptions` fails the run
//! when a rule does not pass — before anything is written (`Immediate`) or once the targets are
//! written (`AfterDataLoad`).

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Builder, MapBuilder, RecordBatch, StringArray, StringBuilder,
};
use datafusion::prelude::{DataFrame, SessionContext};
use serde_json::{json, Value};
use weir_engine::job::extension::{Applied, NodeTransform, RunContext, TransformFuture};
use weir_engine::job::graph::Node;
use weir_engine::EngineError;
use weir_metastore::dq_results;
use weir_metastore::Metastore;

use crate::eval::files::FileAccess;
use crate::eval::{self, Evaluation, History, NoHistory, Outcome};
use crate::statistics::statistic_id;

/// Evaluates data quality in visual jobs; with a metastore, publishes results and reads the
/// history of earlier runs.
pub struct QualityNode {
    store: Option<Metastore>,
}

impl QualityNode {
    pub fn new(store: Option<Metastore>) -> Arc<QualityNode> {
        Arc::new(QualityNode { store })
    }
}

const NODE_TYPES: &[&str] = &["EvaluateDataQuality", "EvaluateDataQualityMultiFrame"];
/// Statistics read back per context for dynamic rules and anomaly detection.
const HISTORY_LIMIT: usize = 100_000;

impl NodeTransform for QualityNode {
    fn node_types(&self) -> &'static [&'static str] {
        NODE_TYPES
    }

    fn apply<'a>(
        &'a self,
        ctx: &'a SessionContext,
        node: &'a Node,
        inputs: Vec<Vec<DataFrame>>,
        run: RunContext<'a>,
    ) -> TransformFuture<'a> {
        Box::pin(async move { self.evaluate(ctx, node, inputs, run).await })
    }
}

fn invalid(node: &Node, message: impl Into<String>) -> EngineError {
    EngineError::invalid(&node.id, message)
}

impl QualityNode {
    async fn evaluate(
        &self,
        ctx: &SessionContext,
        node: &Node,
        inputs: Vec<Vec<DataFrame>>,
        run: RunContext<'_>,
    ) -> Result<Applied, EngineError> {
        let kind = &node.node_type;
        let text = node.required_str("Ruleset")?;
        let ruleset =
            crate::parse(text).map_err(|e| invalid(node, format!("{kind}.Ruleset: {e}")))?;
        let mut frames = inputs.into_iter().map(|c| c.into_iter().next());
        let primary = frames
            .next()
            .flatten()
            .ok_or_else(|| invalid(node, format!("{kind} takes at least one input")))?;
        let by_node: BTreeMap<&String, DataFrame> = node
            .inputs
            .iter()
            .skip(1)
            .zip(frames)
            .filter_map(|(id, df)| df.map(|df| (id, df)))
            .collect();
        let mut references = BTreeMap::new();
        for (alias, input) in node
            .fields
            .get("AdditionalDataSources")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let input = input.as_str().unwrap_or_default();
            let df = by_node.get(&input.to_string()).cloned().ok_or_else(|| {
                invalid(
                    node,
                    format!("{kind}.AdditionalDataSources.{alias} names '{input}', which is not one of the node's inputs"),
                )
            })?;
            references.insert(alias.clone(), df);
        }
        let publishing = node.fields.get("PublishingOptions");
        let context = publishing
            .and_then(|p| p["EvaluationContext"].as_str())
            .unwrap_or(node.name())
            .to_string();
        let history_key = format!("{context}@{}", run.job_name);
        let history = self
            .history(&history_key)
            .await
            .map_err(|e| invalid(node, e))?;
        let now = chrono::Utc::now();
        let started = seconds(now);
        let evaluation = eval::evaluate(
            ctx,
            primary.clone(),
            references,
            &ruleset,
            now,
            history.as_ref(),
            Some(&FileAccess {
                engine: None,
                dataset: None,
            }),
        )
        .await
        .map_err(|e| invalid(node, e))?;
        let publish = publishing
            .and_then(|p| p["ResultsPublishingEnabled"].as_bool())
            .unwrap_or(true);
        if publish {
            self.publish(node, &run, &context, &history_key, started, &evaluation)
                .await
                .map_err(|e| invalid(node, e))?;
        }
        let outcomes = rule_outcomes(ctx, &evaluation).map_err(|e| invalid(node, e))?;
        let outputs = if kind == "EvaluateDataQualityMultiFrame" {
            let rows = eval::row_level(ctx, primary, &ruleset, now)
                .await
                .map_err(|e| invalid(node, e))?;
            vec![outcomes, rows]
        } else if node.str("Output") == Some("EvaluationResults") {
            vec![outcomes]
        } else {
            vec![primary]
        };
        let failing: Vec<String> = evaluation
            .rules
            .iter()
            .filter(|r| r.outcome != Outcome::Pass)
            .map(|r| format!("{} ({})", r.name, r.description))
            .collect();
        let mut fail_after_commit = None;
        if !failing.is_empty() {
            let reason = format!(
                "Data quality evaluation {} did not pass: {}",
                node.name(),
                failing.join(", ")
            );
            match node
                .fields
                .get("StopJobOnFailureOptions")
                .and_then(|o| o["StopJobOnFailureTiming"].as_str())
            {
                Some("Immediate") => return Err(invalid(node, reason)),
                Some("AfterDataLoad") => fail_after_commit = Some(reason),
                _ => {}
            }
        }
        Ok(Applied {
            outputs,
            fail_after_commit,
        })
    }

    async fn history(&self, context: &str) -> Result<Box<dyn History + Send>, String> {
        let Some(store) = &self.store else {
            return Ok(Box::new(NoHistory));
        };
        let mut tx = store.read().await.map_err(|e| e.to_string())?;
        let rows = dq_results::history(&mut tx, context, HISTORY_LIMIT)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Box::new(crate::executor::Recorded::new(rows)))
    }

    /// Stores the result and its statistics.
    async fn publish(
        &self,
        node: &Node,
        run: &RunContext<'_>,
        context: &str,
        history_key: &str,
        started: f64,
        evaluation: &Evaluation,
    ) -> Result<(), String> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let suffix = format!(
            "{}-{}",
            run.run_id.trim_start_matches("jr_"),
            &statistic_id(&node.id, "", "")[5..]
        );
        let (result_id, profile_id) = (format!("dqresult-{suffix}"), format!("dqprofile-{suffix}"));
        let completed = seconds(chrono::Utc::now());
        let mut doc = evaluation.to_json();
        crate::executor::identify_observations(&mut doc, evaluation, history_key);
        doc["ResultId"] = json!(result_id);
        doc["ProfileId"] = json!(profile_id);
        doc["EvaluationContext"] = json!(context);
        doc["JobName"] = json!(run.job_name);
        doc["JobRunId"] = json!(run.run_id);
        doc["StartedOn"] = json!(started);
        doc["CompletedOn"] = json!(completed);
        let statistics = crate::executor::statistics(
            evaluation,
            history_key,
            &profile_id,
            run.run_id,
            completed,
        );
        let results = [(result_id, started, doc)];
        crate::executor::store_results(store, run.run_id, "", &results, &statistics).await
    }
}

fn seconds(at: chrono::DateTime<chrono::Utc>) -> f64 {
    at.timestamp_micros() as f64 / 1e6
}

/// The `ruleOutcomes` frame.
fn rule_outcomes(ctx: &SessionContext, evaluation: &Evaluation) -> Result<DataFrame, String> {
    let rules = &evaluation.rules;
    let text = |f: &dyn Fn(&eval::RuleResult) -> Option<String>| -> ArrayRef {
        Arc::new(rules.iter().map(f).collect::<StringArray>())
    };
    let mut metrics = MapBuilder::new(None, StringBuilder::new(), Float64Builder::new());
    for r in rules {
        for (name, value) in &r.metrics {
            metrics.keys().append_value(name);
            metrics.values().append_option(*value);
        }
        metrics.append(true).map_err(|e| e.to_string())?;
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("Rule", text(&|r| Some(r.description.clone()))),
        (
            "Outcome",
            text(&|r| {
                Some(match r.outcome {
                    Outcome::Pass => "Passed".to_string(),
                    _ => "Failed".to_string(),
                })
            }),
        ),
        (
            "FailureReason",
            text(&|r| r.message.clone().filter(|_| r.outcome != Outcome::Pass)),
        ),
        ("EvaluatedMetrics", Arc::new(metrics.finish())),
        (
            "EvaluatedRule",
            text(&|r| {
                Some(
                    r.evaluated_rule
                        .clone()
                        .unwrap_or_else(|| r.description.clone()),
                )
            }),
        ),
    ];
    let batch = RecordBatch::try_from_iter(columns).map_err(|e| e.to_string())?;
    ctx.read_batch(batch).map_err(|e| e.to_string())
}
