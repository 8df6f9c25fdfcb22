//! From a plan's answers to each rule's outcome: its metrics' values, the comparison with its
//! condition (dynamic operands read from the history), composites combined, and the message a
//! user reads when a rule does not pass.

use super::anomaly;
use super::compile::{Compiled, FreqStat, Src, Verdict};
use super::dynamic::{self, Unresolved};
use super::exec::{Answer, Answers};
use super::{History, Outcome};
use crate::dqdl::ast::{LogicalOp, Rule};
use crate::dqdl::condition::{
    CompareOp, Comparison, Condition, NumExpr, NumOperand, NumberLiteral,
};

/// A rule's outcome before it is named.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub outcome: Outcome,
    pub message: Option<String>,
    pub metrics: Vec<(String, Option<f64>)>,
    /// The rule with dynamic operands replaced by their values.
    pub evaluated_rule: Option<String>,
    /// The anomaly observation, for `DetectAnomalies`.
    pub observation: Option<Observation>,
}

/// A value outside the bounds its history predicts.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The rule's (or analyzer's) canonical text.
    pub rule: String,
    pub metric: String,
    pub actual: f64,
    pub prediction: anomaly::Prediction,
}

fn error(message: String) -> Judged {
    Judged {
        outcome: Outcome::Error,
        message: Some(message),
        metrics: Vec::new(),
        evaluated_rule: None,
        observation: None,
    }
}

/// The value of a metric's source.
pub fn value(src: &Src, answers: &Answers) -> Answer {
    let freq = |set: usize| -> Result<super::exec::Frequencies, String> {
        answers.frequencies[set].clone()
    };
    Ok(match src {
        Src::Agg(i) => answers.aggregates[*i].clone()?,
        Src::Query(i) => answers.queries[*i].clone()?,
        Src::Num(n) => Some(*n),
        Src::Freq(set, stat) => {
            let f = freq(*set)?;
            Some(match stat {
                FreqStat::Distinct => f.distinct,
                FreqStat::Singles => f.singles,
                FreqStat::Groups => f.groups,
                FreqStat::ValidRows => f.valid_rows,
                FreqStat::NLogN => f.nlogn,
            })
        }
        Src::Div(a, b) => match (value(a, answers)?, value(b, answers)?) {
            (Some(a), Some(b)) => Some(a / b),
            _ => None,
        },
        Src::Sub(a, b) => match (value(a, answers)?, value(b, answers)?) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        },
        Src::MatchRatio(a, b) => match (value(a, answers)?, value(b, answers)?) {
            (Some(a), Some(b)) => Some(match (a == 0.0, b == 0.0) {
                (true, true) => 1.0,
                (_, true) => 0.0,
                _ => a / b,
            }),
            _ => return Err("an aggregate has no value (no rows, or only NULLs)".into()),
        },
        Src::Entropy(set, rows) => {
            let f = freq(*set)?;
            match value(rows, answers)? {
                Some(rows) if rows > 0.0 => Some(f.valid_rows / rows * rows.ln() - f.nlogn / rows),
                _ => None,
            }
        }
    })
}

/// One leaf rule (or analyzer when `rule` is `None`).
pub fn leaf(
    rule: Option<&Rule>,
    compiled: &Result<Compiled, String>,
    answers: &Answers,
    history: &dyn History,
    rule_text: &str,
) -> Judged {
    let compiled = match compiled {
        Ok(c) => c,
        Err(m) => return error(m.clone()),
    };
    if let Some(bad) = compiled
        .where_clause
        .as_ref()
        .and_then(|w| answers.bad_wheres.get(w))
    {
        return error(bad.clone());
    }
    let mut metrics = Vec::with_capacity(compiled.metrics.len());
    for (name, src) in &compiled.metrics {
        match value(src, answers) {
            Ok(v) => metrics.push((name.clone(), v)),
            Err(m) => return error(m),
        }
    }
    let mut judged = Judged {
        outcome: Outcome::Pass,
        message: None,
        metrics,
        evaluated_rule: None,
        observation: None,
    };
    let first = judged.metrics.first().and_then(|(_, v)| *v);
    let failed = |v: Option<f64>| {
        Some(format!(
            "Value: {} does not meet the constraint requirement!",
            shown(v)
        ))
    };
    match &compiled.verdict {
        Verdict::Metrics => {}
        Verdict::AllOne => {
            if let Some((_, v)) = judged.metrics.iter().find(|(_, v)| *v != Some(1.0)) {
                judged.outcome = Outcome::Fail;
                judged.message = failed(*v);
            }
        }
        Verdict::Compare(condition) => {
            let metric = judged
                .metrics
                .first()
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            let past = |k: usize| history.values(rule_text, &metric, k);
            match compare(first, condition, &past) {
                Ok((passed, evaluated)) => {
                    if !passed {
                        judged.outcome = Outcome::Fail;
                        judged.message = failed(first);
                    }
                    if condition_is_dynamic(condition) {
                        judged.evaluated_rule = rule.map(|r| with_condition(r, evaluated));
                    }
                }
                Err(Unresolved::NoHistory) => {
                    judged.message = Some(
                        "The rule's dynamic operands have no history yet: it passes on its first run"
                            .into(),
                    );
                }
                Err(Unresolved::Error(m)) => return error(m),
            }
        }
        Verdict::Compliance {
            passing,
            rows,
            threshold,
            empty_passes,
        } => {
            let (passing, rows) = match (value(passing, answers), value(rows, answers)) {
                (Ok(p), Ok(r)) => (p.unwrap_or(0.0), r.unwrap_or(0.0)),
                (Err(m), _) | (_, Err(m)) => return error(m),
            };
            if rows == 0.0 {
                if !empty_passes {
                    judged.outcome = Outcome::Fail;
                    judged.message = Some("The dataset has no rows to evaluate".into());
                } else {
                    judged.message = Some("No rows matched the filter".into());
                }
                return judged;
            }
            let ratio = passing / rows;
            let passed = match threshold {
                None => passing == rows,
                Some(t) => match compare(Some(ratio), t, &|_| Vec::new()) {
                    Ok((passed, _)) => passed,
                    Err(Unresolved::NoHistory) => true,
                    Err(Unresolved::Error(m)) => return error(m),
                },
            };
            if !passed {
                judged.outcome = Outcome::Fail;
                let failing = rows - passing;
                judged.message = Some(format!(
                    "Value: {} does not meet the constraint requirement! {} of {} rows ({:.2}%) failed",
                    shown(Some(ratio)),
                    failing,
                    rows,
                    failing / rows * 100.0
                ));
            }
        }
        Verdict::Anomaly => {
            let Some((metric, Some(actual))) = judged.metrics.first().cloned() else {
                return error("The statistic has no value to check for anomalies".into());
            };
            let past = history.series(rule_text, &metric);
            match anomaly::predict(&past) {
                None => {
                    judged.message = Some(format!(
                        "Not enough history to detect anomalies: {} of the {} data points needed",
                        past.iter().flatten().count(),
                        anomaly::MIN_POINTS
                    ));
                }
                Some(prediction) => {
                    if prediction.is_anomaly(actual) {
                        judged.outcome = Outcome::Fail;
                        judged.message = Some(format!(
                            "Value: {} is outside the expected range {} to {} (expected {})",
                            shown(Some(actual)),
                            shown(Some(prediction.lower)),
                            shown(Some(prediction.upper)),
                            shown(Some(prediction.expected))
                        ));
                        judged.observation = Some(Observation {
                            rule: rule_text.to_string(),
                            metric,
                            actual,
                            prediction,
                        });
                    }
                }
            }
        }
    }
    if judged.outcome == Outcome::Fail {
        if let Some(detail) = &compiled.detail {
            judged.message = Some(format!(
                "{} {detail}",
                judged.message.take().unwrap_or_default()
            ));
        }
    }
    judged
}

/// `a AND b` / `a OR b` of two judged rules.
pub fn combine(op: LogicalOp, left: Judged, right: Judged) -> Judged {
    use Outcome::*;
    let outcome = match (op, left.outcome, right.outcome) {
        (LogicalOp::And, Pass, Pass) => Pass,
        (LogicalOp::And, Fail, _) | (LogicalOp::And, _, Fail) => Fail,
        (LogicalOp::Or, Pass, _) | (LogicalOp::Or, _, Pass) => Pass,
        (LogicalOp::Or, Fail, Fail) => Fail,
        _ => Error,
    };
    let messages: Vec<String> = [&left, &right]
        .iter()
        .filter(|j| j.outcome != Pass)
        .filter_map(|j| j.message.clone())
        .collect();
    let mut metrics = left.metrics;
    for m in right.metrics {
        if !metrics.iter().any(|(n, _)| *n == m.0) {
            metrics.push(m);
        }
    }
    Judged {
        outcome,
        message: (outcome != Pass && !messages.is_empty()).then(|| messages.join(" ")),
        metrics,
        evaluated_rule: None,
        observation: left.observation.or(right.observation),
    }
}

/// A metric's value as messages show it.
pub fn shown(v: Option<f64>) -> String {
    match v {
        None => "NULL".into(),
        Some(v) => format!("{v}"),
    }
}

/// Whether `metric` satisfies `condition`, and the condition with its operands' values.
fn compare(
    metric: Option<f64>,
    condition: &Comparison<NumOperand>,
    past: &dyn Fn(usize) -> Vec<f64>,
) -> Result<(bool, Comparison<NumOperand>), Unresolved> {
    let resolve = |o: &NumOperand| -> Result<Option<f64>, Unresolved> {
        match o {
            NumOperand::Null => Ok(None),
            NumOperand::Expr(e) => dynamic::resolve(e, past).map(Some),
        }
    };
    let literal = |v: Option<f64>| match v.and_then(|v| NumberLiteral::parse(&literal_text(v))) {
        Some(n) => NumOperand::Expr(NumExpr::Number(n)),
        None => NumOperand::Null,
    };
    Ok(match condition {
        Comparison::Compare(op, o) => {
            let x = resolve(o)?;
            let passed = match (metric, x) {
                (None, None) => *op == CompareOp::Equals,
                (Some(_), None) => *op == CompareOp::NotEquals,
                (None, Some(_)) => false,
                (Some(m), Some(x)) => match op {
                    CompareOp::Equals => m == x,
                    CompareOp::NotEquals => m != x,
                    CompareOp::GreaterThan => m > x,
                    CompareOp::GreaterThanOrEqual => m >= x,
                    CompareOp::LessThan => m < x,
                    CompareOp::LessThanOrEqual => m <= x,
                },
            };
            (passed, Comparison::Compare(*op, literal(x)))
        }
        Comparison::Between { negated, low, high } => {
            let (a, b) = (resolve(low)?, resolve(high)?);
            let passed = match (metric, a, b) {
                (Some(m), Some(a), Some(b)) if *negated => m <= a || m >= b,
                (Some(m), Some(a), Some(b)) => a < m && m < b,
                _ => false,
            };
            (
                passed,
                Comparison::Between {
                    negated: *negated,
                    low: literal(a),
                    high: literal(b),
                },
            )
        }
        Comparison::In { negated, items } => {
            let values: Vec<Option<f64>> = items.iter().map(resolve).collect::<Result<_, _>>()?;
            let member = values.iter().any(|v| match (metric, v) {
                (None, None) => true,
                (Some(m), Some(v)) => m == *v,
                _ => false,
            });
            (
                member != *negated,
                Comparison::In {
                    negated: *negated,
                    items: values.into_iter().map(literal).collect(),
                },
            )
        }
    })
}

/// A number as a DQDL literal (`-?digits(.digits)?`).
pub(crate) fn literal_text(v: f64) -> String {
    let text = format!("{v}");
    if text.contains('e') || text.contains("inf") || text.contains("NaN") {
        format!("{v:.6}")
    } else {
        text
    }
}

fn condition_is_dynamic(condition: &Comparison<NumOperand>) -> bool {
    condition.any(|o| matches!(o, NumOperand::Expr(e) if e.is_dynamic()))
}

fn with_condition(rule: &Rule, condition: Comparison<NumOperand>) -> String {
    let mut evaluated = rule.clone();
    evaluated.condition = Some(Condition::Number(condition));
    evaluated.labels.clear();
    evaluated.to_string()
}
