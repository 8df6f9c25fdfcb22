//! Spark compares floating-point values by value: `-0.0` equals `0.0`, and every NaN equals every
//! other NaN (and is above every number). Grouping (`GROUP BY`, `DISTINCT`, `UNION`), join keys
//! (also of `INTERSECT` and `EXCEPT`), sort keys and the operands of comparisons in filters,
//! join conditions and projections see floats through [`NORMALIZE`] (Spark's
//! `NormalizeFloatingNumbers`): `-0.0` becomes `0.0` and NaNs one NaN. Arrow compares their
//! bits, so `-0.0` and `0.0` would be two groups, fail to join, sort apart and compare unequal.
//! Only keys and compared values are normalized: a row keeps its own `-0.0`.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Float32Type, Float64Type};
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{
    Aggregate, BinaryExpr, Distinct, Expr, ExprSchemable, Join, LogicalPlan, LogicalPlanBuilder,
    ScalarUDF, Sort, SortExpr,
};

use super::udf::SparkFn;

/// The name of the function that normalizes a float key.
pub const NORMALIZE: &str = "weir_normalize_float";

/// The function, registered with Spark's others (it appears in plans, not in queries).
pub fn udf() -> ScalarUDF {
    SparkFn::new(
        NORMALIZE,
        |types| match types {
            [t @ (DataType::Float32 | DataType::Float64)] => Ok(vec![t.clone()]),
            _ => Err("takes one float".into()),
        },
        |types| Ok(types[0].clone()),
        |args, _, _| Ok(normalized(&args[0])),
    )
    .udf()
}

fn normalized(values: &ArrayRef) -> ArrayRef {
    match values.data_type() {
        DataType::Float64 => Arc::new(
            values
                .as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(|v| {
                    if v == 0.0 {
                        0.0
                    } else if v.is_nan() {
                        f64::NAN
                    } else {
                        v
                    }
                }),
        ),
        DataType::Float32 => Arc::new(
            values
                .as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(|v| {
                    if v == 0.0 {
                        0.0
                    } else if v.is_nan() {
                        f32::NAN
                    } else {
                        v
                    }
                }),
        ),
        _ => Arc::clone(values),
    }
}

/// `plan` with the float keys of its groupings, joins and sorts normalized.
pub fn normalize_keys(plan: LogicalPlan) -> Result<LogicalPlan> {
    let udf = Arc::new(udf());
    plan.transform_up_with_subqueries(|node| match node {
        LogicalPlan::Aggregate(a) => grouping(a, &udf),
        LogicalPlan::Distinct(Distinct::All(input)) => distinct(input, &udf),
        LogicalPlan::Join(j) => join(j, &udf),
        LogicalPlan::Sort(s) => sort(s, &udf),
        other => Ok(Transformed::no(other)),
    })?
    .data
    .transform_up_with_subqueries(|node| match node {
        LogicalPlan::Filter(_) | LogicalPlan::Projection(_) | LogicalPlan::Join(_) => {
            comparisons(node, &udf)
        }
        other => Ok(Transformed::no(other)),
    })
    .data()
}

/// The node's comparisons of floats made on normalized operands, its output names unchanged.
fn comparisons(node: LogicalPlan, udf: &Arc<ScalarUDF>) -> Result<Transformed<LogicalPlan>> {
    let mut schema = DFSchema::empty();
    for input in node.inputs() {
        schema.merge(input.schema());
    }
    let names = NamePreserver::new(&node);
    node.map_expressions(|e| {
        let name = names.save(&e);
        let rewritten = e.transform_up(|e| compared(e, &schema, udf))?;
        Ok(Transformed::new_transformed(
            name.restore(rewritten.data),
            rewritten.transformed,
        ))
    })
}

fn compared(e: Expr, schema: &DFSchema, udf: &Arc<ScalarUDF>) -> Result<Transformed<Expr>> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &e else {
        return Ok(Transformed::no(e));
    };
    use datafusion::logical_expr::Operator::*;
    if !matches!(
        op,
        Eq | NotEq | Lt | LtEq | Gt | GtEq | IsDistinctFrom | IsNotDistinctFrom
    ) {
        return Ok(Transformed::no(e));
    }
    match (key(left, schema, udf), key(right, schema, udf)) {
        (Some(l), Some(r)) => Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(
            Box::new(l),
            *op,
            Box::new(r),
        )))),
        _ => Ok(Transformed::no(e)),
    }
}

/// `expr` through the function when it is a float in `schema`.
fn key(expr: &Expr, schema: &DFSchema, udf: &Arc<ScalarUDF>) -> Option<Expr> {
    match expr.get_type(schema) {
        Ok(DataType::Float32 | DataType::Float64) => Some(Expr::ScalarFunction(
            ScalarFunction::new_udf(Arc::clone(udf), vec![expr.clone()]),
        )),
        _ => None,
    }
}

/// Groups by the normalized value, under the key's own (qualified) name.
fn grouping(a: Aggregate, udf: &Arc<ScalarUDF>) -> Result<Transformed<LogicalPlan>> {
    let schema = Arc::clone(a.input.schema());
    let mut changed = false;
    let group_expr = a
        .group_expr
        .iter()
        .enumerate()
        .map(|(i, e)| match key(e, &schema, udf) {
            Some(normalized) => {
                changed = true;
                let (qualifier, field) = a.schema.qualified_field(i);
                normalized.alias_qualified(qualifier.cloned(), field.name())
            }
            None => e.clone(),
        })
        .collect();
    if !changed {
        return Ok(Transformed::no(LogicalPlan::Aggregate(a)));
    }
    let plan = Aggregate::try_new(a.input, group_expr, a.aggr_expr)?;
    Ok(Transformed::yes(LogicalPlan::Aggregate(plan)))
}

/// `DISTINCT` over rows whose floats are normalized first.
fn distinct(input: Arc<LogicalPlan>, udf: &Arc<ScalarUDF>) -> Result<Transformed<LogicalPlan>> {
    let schema = Arc::clone(input.schema());
    let mut changed = false;
    let exprs: Vec<Expr> = schema
        .iter()
        .map(|(qualifier, field)| {
            let column = Expr::Column((qualifier, field).into());
            match key(&column, &schema, udf) {
                Some(normalized) => {
                    changed = true;
                    normalized.alias_qualified(qualifier.cloned(), field.name())
                }
                None => column,
            }
        })
        .collect();
    if !changed {
        return Ok(Transformed::no(LogicalPlan::Distinct(Distinct::All(input))));
    }
    let plan = LogicalPlanBuilder::from(Arc::unwrap_or_clone(input))
        .project(exprs)?
        .distinct()?
        .build()?;
    Ok(Transformed::yes(plan))
}

/// Equi-join keys compared normalized; the rows keep their values.
fn join(mut j: Join, udf: &Arc<ScalarUDF>) -> Result<Transformed<LogicalPlan>> {
    let (left, right) = (Arc::clone(j.left.schema()), Arc::clone(j.right.schema()));
    let mut changed = false;
    for (l, r) in j.on.iter_mut() {
        if let (Some(nl), Some(nr)) = (key(l, &left, udf), key(r, &right, udf)) {
            (*l, *r) = (nl, nr);
            changed = true;
        }
    }
    Ok(Transformed::new_transformed(LogicalPlan::Join(j), changed))
}

/// Sorts by the normalized value: `-0.0` and `0.0` tie, and the next key decides.
fn sort(s: Sort, udf: &Arc<ScalarUDF>) -> Result<Transformed<LogicalPlan>> {
    let schema = Arc::clone(s.input.schema());
    let mut changed = false;
    let expr: Vec<SortExpr> = s
        .expr
        .iter()
        .map(|e| match key(&e.expr, &schema, udf) {
            Some(normalized) => {
                changed = true;
                SortExpr::new(normalized, e.asc, e.nulls_first)
            }
            None => e.clone(),
        })
        .collect();
    if !changed {
        return Ok(Transformed::no(LogicalPlan::Sort(s)));
    }
    Ok(Transformed::yes(LogicalPlan::Sort(Sort {
        expr,
        input: s.input,
        fetch: s.fetch,
    })))
}
