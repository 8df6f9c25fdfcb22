//! Spark's implicit types where DataFusion's coercion picks others, applied to a planned query
//! before DataFusion's analysis ([`spark_types`]):
//!
//! - An integer literal is an `int` where its value fits, as in Spark (DataFusion's are
//!   `bigint`s), so `CASE WHEN c THEN 1 END`, `i + 1` and `nullif(i, 0)` are `int`s. An
//!   aggregate or window function's arguments that are literals themselves stay as planned
//!   (`count(1)`, DataFusion's `count(*)`, `lag(x, 2)`), as do `LIMIT`s and `VALUES` rows.
//! - A decimal meeting a `float`/`double` — compared with it, or as another branch of a
//!   `CASE`, or another argument of `coalesce`, `nvl`, `ifnull`, `nvl2`, `if`, `greatest`,
//!   `least` — is read as a `double` (DataFusion makes a decimal of the double, which fails for
//!   NaN and infinities).
//! - Text compared with a number is cast to the number's type with Spark's cast (what does
//!   not convert is NULL): `'1.0' = 1` is true, `'abc' = 0` is NULL, `'123' > 5` compares
//!   numbers. A decimal number takes the text as a `double`. DataFusion compares them as text.
//!
//! The plan is then analyzed (DataFusion's coercion), so that the query's schema is the one of
//! its results: before analysis a `CASE` is typed by its first branch.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::expr::{Case, ScalarFunction};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{
    BinaryExpr, Cast, Expr, ExprSchemable, LogicalPlan, Operator, ScalarUDF,
};
use datafusion::prelude::lit;

use super::convert::is_string;

/// The plan with Spark's implicit types, analyzed (see the module documentation).
pub fn spark_types(state: &SessionState, plan: LogicalPlan) -> Result<LogicalPlan> {
    let plan = plan
        .transform_up_with_subqueries(|node| {
            let inputs = node.inputs();
            if inputs.is_empty() || matches!(node, LogicalPlan::Limit(_)) {
                return Ok(Transformed::no(node));
            }
            let mut schema = DFSchema::empty();
            for input in inputs {
                schema.merge(input.schema());
            }
            // The rewritten expressions keep their names: the plan above refers to them by name.
            let names = NamePreserver::new(&node);
            let rewritten = node.map_expressions(|e| {
                let name = names.save(&e);
                Ok(int_literals(e)?
                    .transform_data(|e| e.transform_up(|e| spark_expr(e, &schema)))?
                    .update_data(|e| name.restore(e)))
            })?;
            // A rewritten input changes the types this node's expressions refer to.
            Ok(Transformed::yes(rewritten.data.recompute_schema()?))
        })?
        .data;
    state
        .analyzer()
        .execute_and_check(plan, state.config_options(), |_, _| {})
}

/// Integer literals as Spark types them: an `int` where the value fits (DataFusion's are all
/// `bigint`s). The literal arguments of aggregates (`count(1)`, DataFusion's `count(*)`) stay.
fn int_literals(expr: Expr) -> Result<Transformed<Expr>> {
    expr.transform_down(|e| match e {
        Expr::AggregateFunction(mut f) => {
            let changed = int_literals_within(&mut f.params.args)?;
            Ok(Transformed::new(
                Expr::AggregateFunction(f),
                changed,
                TreeNodeRecursion::Jump,
            ))
        }
        Expr::WindowFunction(mut f) => {
            let changed = int_literals_within(&mut f.params.args)?;
            Ok(Transformed::new(
                Expr::WindowFunction(f),
                changed,
                TreeNodeRecursion::Jump,
            ))
        }
        Expr::Literal(ScalarValue::Int64(Some(v)), meta) => match i32::try_from(v) {
            Ok(v) => Ok(Transformed::yes(Expr::Literal(
                ScalarValue::Int32(Some(v)),
                meta,
            ))),
            Err(_) => Ok(Transformed::no(Expr::Literal(
                ScalarValue::Int64(Some(v)),
                meta,
            ))),
        },
        other => Ok(Transformed::no(other)),
    })
}

/// [`int_literals`] inside the arguments that are not literals themselves.
fn int_literals_within(args: &mut [Expr]) -> Result<bool> {
    let mut changed = false;
    for arg in args.iter_mut() {
        if !matches!(arg, Expr::Literal(..)) {
            let t = int_literals(std::mem::replace(arg, lit(0)))?;
            changed |= t.transformed;
            *arg = t.data;
        }
    }
    Ok(changed)
}

static SPARK_CAST: LazyLock<Option<Arc<ScalarUDF>>> = LazyLock::new(|| {
    super::cast::functions()
        .into_iter()
        .find(|f| f.name() == super::cast::CAST)
        .map(Arc::new)
});

fn is_decimal(t: &DataType) -> bool {
    matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..))
}

fn to_double(e: Expr) -> Expr {
    Expr::Cast(Cast::new(Box::new(e), DataType::Float64))
}

fn spark_cast(e: Expr, to: &DataType) -> Expr {
    match SPARK_CAST.as_ref() {
        Some(udf) => Expr::ScalarFunction(ScalarFunction::new_udf(
            Arc::clone(udf),
            vec![e, lit(to.to_string())],
        )),
        None => Expr::Cast(Cast::new(Box::new(e), to.clone())),
    }
}

const COMPARISONS: [Operator; 8] = [
    Operator::Eq,
    Operator::NotEq,
    Operator::Lt,
    Operator::LtEq,
    Operator::Gt,
    Operator::GtEq,
    Operator::IsDistinctFrom,
    Operator::IsNotDistinctFrom,
];

/// Functions whose arguments (from the given one on) take one common type.
fn common_type_args(name: &str) -> Option<usize> {
    match name {
        "coalesce" | "nvl" | "ifnull" | "greatest" | "least" => Some(0),
        "if" | "nvl2" => Some(1),
        _ => None,
    }
}

/// Decimals among `values` as doubles when a floating-point value is among them.
fn decimals_as_doubles(values: &mut [Expr], schema: &DFSchema) -> Result<bool> {
    // A type not known before analysis leaves the values as they are.
    let Ok(types) = values
        .iter()
        .map(|v| v.get_type(schema))
        .collect::<Result<Vec<_>>>()
    else {
        return Ok(false);
    };
    if !(types.iter().any(is_decimal) && types.iter().any(DataType::is_floating)) {
        return Ok(false);
    }
    for (v, t) in values.iter_mut().zip(&types) {
        if is_decimal(t) {
            *v = to_double(std::mem::replace(v, lit(0)));
        }
    }
    Ok(true)
}

fn spark_expr(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if COMPARISONS.contains(&op) => {
            let (Ok(lt), Ok(rt)) = (left.get_type(schema), right.get_type(schema)) else {
                return Ok(Transformed::no(Expr::BinaryExpr(BinaryExpr {
                    left,
                    op,
                    right,
                })));
            };
            let (left, right) = match (&lt, &rt) {
                (l, r) if is_decimal(l) && r.is_floating() => (to_double(*left), *right),
                (l, r) if l.is_floating() && is_decimal(r) => (*left, to_double(*right)),
                (l, r) if is_string(l) && (r.is_numeric()) => text_vs_number(*left, *right, r),
                (l, r) if l.is_numeric() && is_string(r) => {
                    let (r2, l2) = text_vs_number(*right, *left, l);
                    (l2, r2)
                }
                _ => {
                    return Ok(Transformed::no(Expr::BinaryExpr(BinaryExpr {
                        left,
                        op,
                        right,
                    })))
                }
            };
            Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(
                Box::new(left),
                op,
                Box::new(right),
            ))))
        }
        Expr::Case(mut case) => {
            let mut results: Vec<Expr> = case
                .when_then_expr
                .iter()
                .map(|(_, then)| then.as_ref().clone())
                .chain(case.else_expr.as_deref().cloned())
                .collect();
            if !decimals_as_doubles(&mut results, schema)? {
                return Ok(Transformed::no(Expr::Case(case)));
            }
            let mut results = results.into_iter();
            for (_, then) in case.when_then_expr.iter_mut() {
                if let Some(r) = results.next() {
                    **then = r;
                }
            }
            if let Some(else_expr) = case.else_expr.as_mut() {
                if let Some(r) = results.next() {
                    **else_expr = r;
                }
            }
            Ok(Transformed::yes(Expr::Case(Case { ..case })))
        }
        Expr::ScalarFunction(mut f) => match common_type_args(f.func.name()) {
            Some(from) if f.args.len() > from => {
                match decimals_as_doubles(&mut f.args[from..], schema)? {
                    true => Ok(Transformed::yes(Expr::ScalarFunction(f))),
                    false => Ok(Transformed::no(Expr::ScalarFunction(f))),
                }
            }
            _ => Ok(Transformed::no(Expr::ScalarFunction(f))),
        },
        other => Ok(Transformed::no(other)),
    }
}

/// `text` compared with `number` (of type `t`): the text cast to `t` (a `double` for a
/// decimal, and the decimal too).
fn text_vs_number(text: Expr, number: Expr, t: &DataType) -> (Expr, Expr) {
    match is_decimal(t) {
        true => (spark_cast(text, &DataType::Float64), to_double(number)),
        false => (spark_cast(text, t), number),
    }
}
