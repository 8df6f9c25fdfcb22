//! Spark's implicit conversion of text to dates and timestamps where DataFusion's type coercion
//! casts otherwise, as an analyzer rule run after it ([`analyzer_rules`]): a text literal that
//! coercion casts to a date or a timestamp (`dt = '2024-03-10'`, `ts >= '2024-12-31 23:00'`)
//! is read by Spark's `CAST` rules when the query is planned — NULL when it is no date, where
//! Arrow's cast would fail the query.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::expr::{Cast, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::LogicalPlan;
use datafusion::optimizer::AnalyzerRule;
use datafusion::prelude::{lit, Expr};

use super::convert;

/// The analyzer rule of this module, to run after DataFusion's type coercion.
pub fn rule() -> Arc<dyn AnalyzerRule + Send + Sync> {
    Arc::new(SparkImplicitCasts)
}

#[derive(Debug)]
struct SparkImplicitCasts;

impl AnalyzerRule for SparkImplicitCasts {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| {
            let names = NamePreserver::new(&plan);
            plan.map_expressions(|expr| {
                let name = names.save(&expr);
                let rewritten = expr.transform_up(coerced_literal)?;
                Ok(Transformed::new_transformed(
                    name.restore(rewritten.data),
                    rewritten.transformed,
                ))
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "weir_spark_coerced_literals"
    }
}

/// A cast of a text literal to a date or timestamp (as coercion inserts them) as the literal
/// Spark reads, of the cast's type.
fn coerced_literal(expr: Expr) -> Result<Transformed<Expr>> {
    match &expr {
        Expr::Cast(Cast {
            expr: inner,
            data_type,
        })
        | Expr::TryCast(TryCast {
            expr: inner,
            data_type,
        }) => match text_literal(inner).map(|text| spark_literal(text, data_type)) {
            Some(Some(value)) => Ok(Transformed::yes(lit(value))),
            _ => Ok(Transformed::no(expr)),
        },
        _ => Ok(Transformed::no(expr)),
    }
}

fn text_literal(expr: &Expr) -> Option<Option<&str>> {
    match expr {
        Expr::Literal(
            ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v),
            _,
        ) => Some(v.as_deref()),
        _ => None,
    }
}

/// The date or timestamp literal Spark's `CAST` reads from `text` (NULL when it reads none),
/// or `None` for other types.
fn spark_literal(text: Option<&str>, to: &DataType) -> Option<ScalarValue> {
    match to {
        DataType::Date32 => Some(ScalarValue::Date32(text.and_then(convert::string_to_date))),
        DataType::Timestamp(_, zone) => {
            let micros = ScalarValue::TimestampMicrosecond(
                text.and_then(convert::string_to_timestamp),
                zone.clone(),
            );
            micros.cast_to(to).ok()
        }
        _ => None,
    }
}
