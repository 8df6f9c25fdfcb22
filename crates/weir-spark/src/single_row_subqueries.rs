//! A scalar subquery without outer references that may give several rows (`SELECT (SELECT id
//! FROM u)`): Spark answers with its one value (NULL without rows) and fails the query when it
//! gives more than one; DataFusion joins it, one result row per row of the subquery. Its values
//! are gathered into one array instead ([`in_one_row`]), and [`SINGLE_VALUE`] answers with the
//! array's one value or fails. A subquery known to give at most one row (an aggregate without
//! GROUP BY, a `LIMIT 1`) stays as planned.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, UInt64Array};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{exec_err, Column, Result};
use datafusion::functions_aggregate::expr_fn::array_agg;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, ScalarUDF, Subquery};

use super::udf::{arity, SparkFn};

/// The function that answers a gathered subquery: the one element of its array.
pub const SINGLE_VALUE: &str = "weir_single_value";

/// The function (registered with Spark's others: it appears in plans, not in queries).
pub fn udf() -> ScalarUDF {
    SparkFn::new(SINGLE_VALUE, coerce, returns, eval).udf()
}

fn coerce(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    match &args[0] {
        t @ DataType::List(_) => Ok(vec![t.clone()]),
        other => Err(format!("takes a list, got {other}")),
    }
}

fn returns(args: &[DataType]) -> std::result::Result<DataType, String> {
    match args.first() {
        Some(DataType::List(item)) => Ok(item.data_type().clone()),
        other => Err(format!("takes a list, got {other:?}")),
    }
}

fn eval(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let lists = args[0].as_list::<i32>();
    let mut indices = Vec::with_capacity(lists.len());
    for (i, offsets) in lists.offsets().windows(2).enumerate() {
        let (start, end) = (offsets[0], offsets[1]);
        match end - start {
            _ if lists.is_null(i) => indices.push(None),
            0 => indices.push(None),
            1 => indices.push(Some(start as u64)),
            _ => {
                return exec_err!("more than one row returned by a subquery used as an expression")
            }
        }
    }
    Ok(take(lists.values(), &UInt64Array::from(indices), None)?)
}

/// `plan` with each scalar subquery without outer references that may give several rows
/// gathered into one row.
pub fn in_one_row(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| {
        node.map_expressions(|e| {
            e.transform_up(|e| match e {
                Expr::ScalarSubquery(subquery)
                    if subquery.outer_ref_columns.is_empty()
                        && !at_most_one_row(&subquery.subquery) =>
                {
                    gathered(subquery).map(|s| Transformed::yes(Expr::ScalarSubquery(s)))
                }
                other => Ok(Transformed::no(other)),
            })
        })
    })
    .data()
}

fn gathered(subquery: Subquery) -> Result<Subquery> {
    let plan = subquery.subquery.as_ref().clone();
    let Some((qualifier, field)) = plan.schema().iter().next() else {
        return Ok(subquery);
    };
    let value = Expr::Column(Column::from((qualifier, field)));
    let name = field.name().clone();
    let values = format!("__weir_{name}_values");
    let gathered = LogicalPlanBuilder::from(plan)
        .aggregate(Vec::<Expr>::new(), vec![array_agg(value).alias(&values)])?
        .project(vec![udf()
            .call(vec![Expr::Column(Column::from_name(values))])
            .alias(name)])?
        .build()?;
    Ok(Subquery {
        subquery: Arc::new(gathered),
        ..subquery
    })
}

/// Does `plan` give at most one row, as its shape tells?
fn at_most_one_row(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Aggregate(a) => a.group_expr.is_empty(),
        LogicalPlan::Limit(limit) => {
            matches!(limit.get_fetch_type(), Ok(datafusion::logical_expr::FetchType::Literal(Some(n))) if n <= 1)
                || at_most_one_row(&limit.input)
        }
        LogicalPlan::EmptyRelation(_) => true,
        LogicalPlan::Values(v) => v.values.len() <= 1,
        LogicalPlan::Projection(_)
        | LogicalPlan::Filter(_)
        | LogicalPlan::Sort(_)
        | LogicalPlan::SubqueryAlias(_) => plan.inputs().iter().all(|i| at_most_one_row(i)),
        _ => false,
    }
}
