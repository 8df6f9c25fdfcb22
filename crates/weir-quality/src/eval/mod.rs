//! Evaluating a ruleset on a dataset with DataFusion, in as few passes over the data as the
//! rules allow: every aggregate of every rule and analyzer in one scan, the value frequencies of
//! each column set (uniqueness, distinct values, entropy, duplicates) in a grouping that reads
//! only that set's columns, and a statement of its own only for what needs one (`CustomSql`,
//! reference datasets).
//!
//! - [`compile`]: rules into aggregates, frequency sets and queries, and how each rule's metrics
//!   decide its outcome; [`sql`]: the Spark SQL text of column references, literals and per-row
//!   predicates (queries are planned as SparkSQL nodes plan theirs, so `where` clauses and
//!   `CustomSql` statements mean what they mean in Glue).
//! - [`exec`]: runs the plan; [`judge`]: outcomes, messages, dynamic operands
//!   ([`dynamic`]) and anomalies ([`anomaly`]).

pub mod anomaly;
pub mod compile;
pub mod dynamic;
pub mod exec;
pub mod files;
pub mod judge;
pub mod sql;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::prelude::{DataFrame, SessionContext};
use serde_json::{json, Map, Value};

use crate::dqdl::ast::{Label, Rule, RuleExpr, Ruleset};
use compile::{Compiled, Compiler};
use judge::{Judged, Observation};

/// The earlier values of the metrics a ruleset computed: what dynamic operands and anomaly
/// detection read.
pub trait History: Sync {
    /// The earlier values of `metric` of the rule `rule` (its canonical text), oldest first;
    /// `None` for a point a user excluded (it keeps its place in the timeline).
    fn series(&self, rule: &str, metric: &str) -> Vec<Option<f64>>;

    /// The newest `k` earlier values that are not excluded, newest first.
    fn values(&self, rule: &str, metric: &str, k: usize) -> Vec<f64> {
        self.series(rule, metric)
            .into_iter()
            .rev()
            .flatten()
            .take(k)
            .collect()
    }
}

/// No history: every dynamic rule is on its first run.
pub struct NoHistory;

impl History for NoHistory {
    fn series(&self, _: &str, _: &str) -> Vec<Option<f64>> {
        Vec::new()
    }
}

/// `PASS`, `FAIL` or `ERROR` (the rule could not be evaluated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Error => "ERROR",
        }
    }
}

/// The result of one rule of `Rules`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    /// `Rule_1`, `Rule_2`, … in the ruleset's order.
    pub name: String,
    /// The rule's canonical text.
    pub description: String,
    pub outcome: Outcome,
    pub message: Option<String>,
    pub metrics: Vec<(String, Option<f64>)>,
    /// The rule with dynamic operands replaced by their values, for dynamic rules.
    pub evaluated_rule: Option<String>,
    /// Default labels overridden by the rule's own.
    pub labels: Vec<(String, String)>,
}

/// The result of one analyzer.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzerResult {
    pub name: String,
    pub description: String,
    pub message: Option<String>,
    pub metrics: Vec<(String, Option<f64>)>,
}

/// An evaluation's results.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub rules: Vec<RuleResult>,
    pub analyzers: Vec<AnalyzerResult>,
    /// Anomalies found: `DetectAnomalies` rules that failed, and analyzer metrics outside the
    /// bounds their history predicts.
    pub observations: Vec<Observation>,
    /// Rules passed ÷ rules; `None` without rules.
    pub score: Option<f64>,
    /// Rows of the dataset.
    pub rows: u64,
    /// Statements that read data.
    pub scans: usize,
}

/// Evaluates `ruleset` on `primary`, with `references` as the datasets its rules name by alias,
/// at `now` (for `DataFreshness` and `now()`), reading dynamic operands from `history` and the
/// files of file rules through `files` (without it, file rules are `ERROR`s). A rule that cannot
/// be evaluated is an `ERROR` result; only a dataset that cannot be read at all fails the
/// evaluation.
pub async fn evaluate(
    ctx: &SessionContext,
    primary: DataFrame,
    references: BTreeMap<String, DataFrame>,
    ruleset: &Ruleset,
    now: DateTime<Utc>,
    history: &dyn History,
    files: Option<&files::FileAccess<'_>>,
) -> Result<Evaluation, String> {
    let schema: SchemaRef = primary.schema().inner().clone();
    let reference_schemas: BTreeMap<String, SchemaRef> = references
        .iter()
        .map(|(alias, df)| (alias.clone(), df.schema().inner().clone()))
        .collect();
    let mut compiler = Compiler {
        ruleset,
        schema: &schema,
        references: &reference_schemas,
        now,
        plan: compile::Plan::default(),
    };
    let row_count = compile::Src::Agg(0);
    compiler
        .plan
        .aggregates
        .push("CAST(count(1) AS DOUBLE)".into());
    let rules: Vec<Tree> = ruleset
        .rules
        .iter()
        .flatten()
        .map(|r| Tree::compile(r, &mut compiler))
        .collect();
    let analyzers: Vec<Result<Compiled, String>> = ruleset
        .analyzers
        .iter()
        .flatten()
        .map(|a| compiler.analyzer(a))
        .collect();
    let plan = compiler.plan;
    let mut wheres = Vec::new();
    for tree in &rules {
        tree.wheres(&mut wheres);
    }

    let registered = Registered::new(ctx, primary, references)?;
    let file_cache = files::FileCache::new(ctx, files);
    let answers = exec::run(ctx, &plan, &wheres, &file_cache).await;
    drop(registered);
    let rows = judge::value(&row_count, &answers)
        .map_err(|e| format!("The dataset could not be read: {e}"))?
        .unwrap_or(0.0) as u64;

    let mut observations = Vec::new();
    let mut results = Vec::with_capacity(rules.len());
    for (i, (tree, expr)) in rules.iter().zip(ruleset.rules.iter().flatten()).enumerate() {
        let judged = tree.judge(&answers, history);
        observations.extend(judged.observation.clone());
        results.push(RuleResult {
            name: format!("Rule_{}", i + 1),
            description: expr.to_string(),
            outcome: judged.outcome,
            message: judged.message,
            metrics: judged.metrics,
            evaluated_rule: judged.evaluated_rule,
            labels: labels(&ruleset.default_labels, expr),
        });
    }
    let mut analyzer_results = Vec::new();
    for (i, (compiled, analyzer)) in analyzers
        .iter()
        .zip(ruleset.analyzers.iter().flatten())
        .enumerate()
    {
        let description = analyzer.to_string();
        let judged = judge::leaf(None, compiled, &answers, history, &description);
        for (metric, value) in &judged.metrics {
            let Some(actual) = value else { continue };
            if let Some(prediction) = anomaly::predict(&history.series(&description, metric)) {
                if prediction.is_anomaly(*actual) {
                    observations.push(Observation {
                        rule: description.clone(),
                        metric: metric.clone(),
                        actual: *actual,
                        prediction,
                    });
                }
            }
        }
        analyzer_results.push(AnalyzerResult {
            name: format!("Analyzer_{}", i + 1),
            description,
            message: judged.message,
            metrics: judged.metrics,
        });
    }
    let passed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Pass)
        .count();
    Ok(Evaluation {
        score: (!results.is_empty()).then(|| passed as f64 / results.len() as f64),
        rules: results,
        analyzers: analyzer_results,
        observations,
        rows,
        scans: answers.scans,
    })
}

/// The names of the row-level outcome columns, in order.
pub const ROW_LEVEL_COLUMNS: [&str; 4] = [
    "DataQualityRulesPass",
    "DataQualityRulesFail",
    "DataQualityRulesSkip",
    "DataQualityEvaluationResult",
];

/// `data` with Glue's row-level outcomes appended: the canonical text of the rules each row
/// passed, failed and for which it has no outcome (rules checked on the whole dataset, composites
/// of such rules, and rules whose outcome for the row is NULL), and `Passed` or `Failed`. A row
/// a rule's `where` leaves out passes that rule. Lazy: nothing is read until the frame is.
pub async fn row_level(
    ctx: &SessionContext,
    data: DataFrame,
    ruleset: &Ruleset,
    now: DateTime<Utc>,
) -> Result<DataFrame, String> {
    let schema: SchemaRef = data.schema().inner().clone();
    let references = BTreeMap::new();
    let mut compiler = Compiler {
        ruleset,
        schema: &schema,
        references: &references,
        now,
        plan: compile::Plan::default(),
    };
    let rules: Vec<(String, Option<String>)> = ruleset
        .rules
        .iter()
        .flatten()
        .map(|r| (r.to_string(), Tree::compile(r, &mut compiler).row()))
        .collect();
    let table = format!("dq_rows_{:016x}", next_table_id());
    ctx.register_table(table.as_str(), data.into_view())
        .map_err(|e| e.to_string())?;
    let original: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| sql::ident(f.name()))
        .collect();
    let outcomes: Vec<String> = rules
        .iter()
        .enumerate()
        .filter_map(|(i, (_, row))| row.as_ref().map(|r| format!("{r} AS __dq_{i}")))
        .collect();
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "CAST(array() AS ARRAY<STRING>)".to_string()
        } else {
            format!("array_compact(array({}))", items.join(", "))
        }
    };
    let text = |t: &str| sql::string(t);
    let (mut pass, mut fail, mut skip) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (rule, row)) in rules.iter().enumerate() {
        match row {
            Some(_) => {
                pass.push(format!("CASE WHEN __dq_{i} THEN {} END", text(rule)));
                fail.push(format!("CASE WHEN NOT __dq_{i} THEN {} END", text(rule)));
                skip.push(format!(
                    "CASE WHEN __dq_{i} IS NULL THEN {} END",
                    text(rule)
                ));
            }
            None => skip.push(text(rule)),
        }
    }
    let inner = if outcomes.is_empty() {
        format!("SELECT * FROM {table}")
    } else {
        format!("SELECT *, {} FROM {table}", outcomes.join(", "))
    };
    let [pass_col, fail_col, skip_col, result_col] = ROW_LEVEL_COLUMNS.map(sql::ident);
    let sql = format!(
        "SELECT {columns}{comma}{pass} AS {pass_col}, {fail} AS {fail_col}, {skip} AS {skip_col}, \
         CASE WHEN size({fail}) = 0 THEN 'Passed' ELSE 'Failed' END AS {result_col} FROM ({inner})",
        columns = original.join(", "),
        comma = if original.is_empty() { "" } else { ", " },
        pass = list(pass),
        fail = list(fail.clone()),
        skip = list(skip),
    );
    let planned = weir_spark::sql(ctx, &sql).await;
    let _ = ctx.deregister_table(table.as_str());
    planned.map_err(|e| format!("row-level outcomes: {e}"))
}

/// A table name of its own for each row-level frame planned in this process.
fn next_table_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The dataset and reference datasets registered as tables for the evaluation's statements;
/// removed again when dropped.
struct Registered<'a> {
    ctx: &'a SessionContext,
    names: Vec<String>,
}

impl<'a> Registered<'a> {
    fn new(
        ctx: &'a SessionContext,
        primary: DataFrame,
        references: BTreeMap<String, DataFrame>,
    ) -> Result<Registered<'a>, String> {
        let mut registered = Registered {
            ctx,
            names: Vec::new(),
        };
        for (name, df) in std::iter::once((sql::PRIMARY.to_string(), primary)).chain(references) {
            ctx.register_table(name.as_str(), df.into_view())
                .map_err(|e| format!("The dataset {name} cannot be read: {e}"))?;
            registered.names.push(name);
        }
        Ok(registered)
    }
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = self.ctx.deregister_table(name.as_str());
        }
    }
}

/// A rule of `Rules` compiled: a leaf, or a composite of two.
enum Tree<'r> {
    Leaf(&'r Rule, Box<Result<Compiled, String>>),
    Composite(crate::LogicalOp, Box<Tree<'r>>, Box<Tree<'r>>),
}

impl<'r> Tree<'r> {
    fn compile(expr: &'r RuleExpr, compiler: &mut Compiler<'_>) -> Tree<'r> {
        match expr {
            RuleExpr::Rule(rule) => Tree::Leaf(rule, Box::new(compiler.rule(rule))),
            RuleExpr::Composite(c) => Tree::Composite(
                c.op,
                Box::new(Tree::compile(&c.left, compiler)),
                Box::new(Tree::compile(&c.right, compiler)),
            ),
        }
    }

    fn wheres(&self, into: &mut Vec<String>) {
        match self {
            Tree::Leaf(_, compiled) => {
                if let Ok(Compiled {
                    where_clause: Some(w),
                    ..
                }) = compiled.as_ref()
                {
                    into.push(w.clone());
                }
            }
            Tree::Composite(_, l, r) => {
                l.wheres(into);
                r.wheres(into);
            }
        }
    }

    /// The predicate a row passes, if the rule has an outcome per row (a composite, when all
    /// its rules have).
    fn row(&self) -> Option<String> {
        match self {
            Tree::Leaf(_, compiled) => compiled.as_ref().as_ref().ok()?.row.clone(),
            Tree::Composite(op, l, r) => {
                let (l, r) = (l.row()?, r.row()?);
                let op = match op {
                    crate::LogicalOp::And => "AND",
                    crate::LogicalOp::Or => "OR",
                };
                Some(format!("({l} {op} {r})"))
            }
        }
    }

    fn judge(&self, answers: &exec::Answers, history: &dyn History) -> Judged {
        match self {
            Tree::Leaf(rule, compiled) => {
                judge::leaf(Some(rule), compiled, answers, history, &rule.to_string())
            }
            Tree::Composite(op, l, r) => {
                judge::combine(*op, l.judge(answers, history), r.judge(answers, history))
            }
        }
    }
}

/// A rule's labels: the default labels, overridden key by key by the rule's own.
fn labels(defaults: &[Label], expr: &RuleExpr) -> Vec<(String, String)> {
    let own = match expr {
        RuleExpr::Rule(r) => &r.labels,
        RuleExpr::Composite(c) => &c.labels,
    };
    let mut merged: Vec<(String, String)> = defaults
        .iter()
        .map(|l| (l.key.value(), l.value.value()))
        .collect();
    for label in own {
        let (k, v) = (label.key.value(), label.value.value());
        match merged.iter_mut().find(|(key, _)| *key == k) {
            Some(entry) => entry.1 = v,
            None => merged.push((k, v)),
        }
    }
    merged
}

/// A map of metric names to values (values that are not finite numbers left out, as JSON has no
/// place for them).
fn metrics_json(metrics: &[(String, Option<f64>)]) -> Value {
    let mut map = Map::new();
    for (name, value) in metrics {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            map.insert(name.clone(), json!(v));
        }
    }
    Value::Object(map)
}

/// The rule that would have caught an anomalous metric: `Mean "fare" between 10.5 and 20.1`.
pub fn recommended_rule(metric: &str, lower: f64, upper: f64) -> Option<String> {
    let (entity, rest) = metric.split_once('.')?;
    let (instance, statistic) = rest.rsplit_once('.')?;
    let rule_type = crate::RuleType::from_name(statistic)?;
    let round = |v: f64| format!("{:.2}", v);
    let bounds = format!("between {} and {}", round(lower), round(upper));
    Some(match entity {
        "Dataset" if instance == "*" => format!("{} {bounds}", rule_type.name()),
        "Column" => format!(
            "{} {} {bounds}",
            rule_type.name(),
            crate::QuotedString::new(instance)
        ),
        _ => return None,
    })
}

impl Observation {
    /// Glue's `DataQualityObservation`.
    pub fn to_json(&self) -> Value {
        let p = &self.prediction;
        let new_rules: Vec<String> = recommended_rule(&self.metric, p.lower, p.upper)
            .into_iter()
            .collect();
        json!({
            "Description": format!(
                "Value {} of {} is outside the range {:.2} to {:.2} that its history predicts.",
                judge::shown(Some(self.actual)),
                self.metric,
                p.lower,
                p.upper
            ),
            "MetricBasedObservation": {
                "MetricName": self.metric,
                "MetricValues": {
                    "ActualValue": self.actual,
                    "ExpectedValue": p.expected,
                    "LowerLimit": p.lower,
                    "UpperLimit": p.upper,
                },
                "NewRules": new_rules,
            },
        })
    }
}

impl Evaluation {
    /// The results in Glue's shapes: `RuleResults`, `AnalyzerResults`, `Observations`, `Score`
    /// and `AggregatedMetrics` of a `GetDataQualityResult` response.
    pub fn to_json(&self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| {
                let mut v = json!({
                    "Name": r.name,
                    "Description": r.description,
                    "Result": r.outcome.as_str(),
                    "EvaluatedMetrics": metrics_json(&r.metrics),
                });
                if let Some(m) = &r.message {
                    v["EvaluationMessage"] = json!(m);
                }
                if let Some(e) = &r.evaluated_rule {
                    v["EvaluatedRule"] = json!(e);
                }
                if !r.labels.is_empty() {
                    let labels: Map<String, Value> = r
                        .labels
                        .iter()
                        .map(|(k, v)| (k.clone(), json!(v)))
                        .collect();
                    v["Labels"] = Value::Object(labels);
                }
                v
            })
            .collect();
        let analyzers: Vec<Value> = self
            .analyzers
            .iter()
            .map(|a| {
                let mut v = json!({
                    "Name": a.name,
                    "Description": a.description,
                    "EvaluatedMetrics": metrics_json(&a.metrics),
                });
                if let Some(m) = &a.message {
                    v["EvaluationMessage"] = json!(m);
                }
                v
            })
            .collect();
        let count = |o: Outcome| self.rules.iter().filter(|r| r.outcome == o).count() as f64;
        let mut v = json!({
            "RuleResults": rules,
            "AnalyzerResults": analyzers,
            "Observations": self.observations.iter().map(Observation::to_json).collect::<Vec<_>>(),
            "AggregatedMetrics": {
                "TotalRowsProcessed": self.rows as f64,
                "TotalRulesProcessed": self.rules.len() as f64,
                "TotalRulesPassed": count(Outcome::Pass),
                "TotalRulesFailed": count(Outcome::Fail) + count(Outcome::Error),
            },
        });
        if let Some(score) = self.score {
            v["Score"] = json!(score);
        }
        v
    }
}
