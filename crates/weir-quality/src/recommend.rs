//! Rule recommendations: a dataset profiled in one evaluation of analyzers (its row count and
//! `AllStatistics` of every column), and the ruleset that describes it — a `RowCount` range
//! (±10 %), `IsComplete` or a `Completeness` floor, `IsUnique` for unique columns, the value set
//! of columns with at most [`MAX_SET`] distinct values, value ranges of numeric columns and
//! length ranges of text columns. Every rule is checked on the dataset before it is
//! recommended: one that would not pass is left out.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::{DataFrame, SessionContext};

use crate::dqdl::condition::QuotedString;
use crate::eval::judge::literal_text;
use crate::eval::{self, sql, NoHistory, Outcome};

/// Columns with at most this many distinct values get an `in [...]` rule.
pub const MAX_SET: usize = 10;

/// The recommended ruleset's canonical text, with its number of rules.
pub async fn recommend(
    ctx: &SessionContext,
    data: DataFrame,
    now: DateTime<Utc>,
) -> Result<(String, usize), String> {
    let schema = data.schema().inner().clone();
    let mut profile = String::from("Analyzers = [ RowCount");
    for field in schema.fields() {
        profile.push_str(&format!(
            ", AllStatistics {}",
            QuotedString::new(field.name())
        ));
    }
    profile.push_str(" ]");
    let analyzers = crate::parse(&profile).map_err(|e| e.to_string())?;
    let evaluation = eval::evaluate(
        ctx,
        data.clone(),
        BTreeMap::new(),
        &analyzers,
        now,
        &NoHistory,
        None,
    )
    .await?;
    let metric = |name: &str| -> Option<f64> {
        evaluation
            .analyzers
            .iter()
            .flat_map(|a| &a.metrics)
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| *v)
            .filter(|v| v.is_finite())
    };
    let rows = metric("Dataset.*.RowCount").unwrap_or(0.0);
    let mut rules = vec![if rows == 0.0 {
        "RowCount = 0".to_string()
    } else {
        format!(
            "RowCount between {} and {}",
            (rows * 0.9).floor(),
            (rows * 1.1).ceil()
        )
    }];
    if rows > 0.0 {
        for field in schema.fields() {
            let name = field.name();
            let quoted = QuotedString::new(name).to_string();
            let m = |stat: &str| metric(&format!("Column.{name}.{stat}"));
            let completeness = m("Completeness").unwrap_or(0.0);
            if completeness == 1.0 {
                rules.push(format!("IsComplete {quoted}"));
            } else if completeness > 0.0 {
                rules.push(format!(
                    "Completeness {quoted} >= {}",
                    literal_text(floor2(completeness))
                ));
            }
            if m("Uniqueness") == Some(1.0) {
                rules.push(format!("IsUnique {quoted}"));
            }
            let threshold = if completeness < 1.0 {
                format!(" with threshold >= {}", literal_text(floor2(completeness)))
            } else {
                String::new()
            };
            let distinct = m("DistinctValuesCount").unwrap_or(0.0) as usize;
            let data_type = field.data_type();
            let text = matches!(
                data_type,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            );
            if text && (1..=MAX_SET).contains(&distinct) {
                if let Ok(values) = distinct_values(ctx, &data, name).await {
                    let set: Vec<String> = values
                        .iter()
                        .map(|v| QuotedString::new(v).to_string())
                        .collect();
                    rules.push(format!(
                        "ColumnValues {quoted} in [{}]{threshold}",
                        set.join(",")
                    ));
                }
            }
            if data_type.is_numeric() {
                if let (Some(min), Some(max)) = (m("Minimum"), m("Maximum")) {
                    rules.push(format!(
                        "ColumnValues {quoted} >= {}{threshold}",
                        literal_text(min)
                    ));
                    rules.push(format!(
                        "ColumnValues {quoted} <= {}{threshold}",
                        literal_text(max)
                    ));
                }
                if let Some(mean) = m("Mean") {
                    let w = (mean.abs() * 0.1).max(0.01);
                    rules.push(format!(
                        "Mean {quoted} between {} and {}",
                        literal_text(floor2(mean - w)),
                        literal_text(ceil2(mean + w))
                    ));
                }
            } else if text {
                if let (Some(min), Some(max)) = (m("MinimumLength"), m("MaximumLength")) {
                    let min = if completeness < 1.0 { 0.0 } else { min };
                    rules.push(format!(
                        "ColumnLength {quoted} between {} and {}",
                        min - 1.0,
                        max + 1.0
                    ));
                }
            }
        }
    }
    // Only rules that parse and pass on the profiled data.
    let candidates: Vec<String> = rules
        .into_iter()
        .filter(|r| crate::parse(&format!("Rules = [ {r} ]")).is_ok())
        .collect();
    let text = format!("Rules = [ {} ]", candidates.join(", "));
    let ruleset = crate::parse(&text).map_err(|e| e.to_string())?;
    let checked =
        eval::evaluate(ctx, data, BTreeMap::new(), &ruleset, now, &NoHistory, None).await?;
    let passing: Vec<String> = checked
        .rules
        .iter()
        .filter(|r| r.outcome == Outcome::Pass)
        .map(|r| r.description.clone())
        .collect();
    let count = passing.len();
    let ruleset =
        crate::parse(&format!("Rules = [ {} ]", passing.join(", "))).map_err(|e| e.to_string())?;
    Ok((ruleset.to_string(), count))
}

/// A column's distinct non-NULL values as text, in order.
async fn distinct_values(
    ctx: &SessionContext,
    data: &DataFrame,
    column: &str,
) -> Result<Vec<String>, String> {
    ctx.register_table("dq_profile", data.clone().into_view())
        .map_err(|e| e.to_string())?;
    let c = sql::ident(column);
    let query = format!(
        "SELECT DISTINCT CAST({c} AS STRING) FROM dq_profile WHERE {c} IS NOT NULL ORDER BY 1 LIMIT {}",
        MAX_SET + 1
    );
    let batches = weir_spark::sql(ctx, &query)
        .await
        .map_err(|e| e.to_string());
    let batches = match batches {
        Ok(df) => df.collect().await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    let _ = ctx.deregister_table("dq_profile");
    let mut values = Vec::new();
    for batch in batches? {
        let array = datafusion::arrow::compute::cast(batch.column(0), &DataType::Utf8)
            .map_err(|e| e.to_string())?;
        let strings = array.as_string::<i32>();
        for i in 0..strings.len() {
            if !strings.is_null(i) {
                values.push(strings.value(i).to_string());
            }
        }
    }
    Ok(values)
}

fn floor2(v: f64) -> f64 {
    (v * 100.0).floor() / 100.0
}

fn ceil2(v: f64) -> f64 {
    (v * 100.0).ceil() / 100.0
}
