//! `INTERSECT ALL` and `EXCEPT ALL` with Spark's multiplicities: a row present `l` times on the
//! left and `r` times on the right is kept `min(l, r)` times by `INTERSECT ALL` and
//! `max(l - r, 0)` times by `EXCEPT ALL`. DataFusion plans both as a semi (anti) join of the left
//! rows on every column, which keeps all `l` copies of a row the right has (or none of them).
//! Here each side numbers the copies of every row (`row_number() OVER (PARTITION BY` every
//! column`)`) and the join matches the numbers too: the left's `k`-th copy has a partner exactly
//! when the right has at least `k` copies.

use datafusion::common::tree_node::{Transformed, TransformedResult};
use datafusion::common::{Column, NullEquality, Result};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, Join, JoinType, LogicalPlan, LogicalPlanBuilder,
};

/// The column numbering the copies of a row on each side.
const COPY: &str = "__weir_copy";

/// `plan` with every `INTERSECT ALL` and `EXCEPT ALL` counting copies as Spark does.
pub fn with_multiplicities(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| match node {
        LogicalPlan::Join(join) if is_set_operation_all(&join) => {
            Ok(Transformed::yes(matched_copies(join)?))
        }
        other => Ok(Transformed::no(other)),
    })
    .data()
}

/// The join DataFusion plans for `INTERSECT ALL` / `EXCEPT ALL`: semi or anti, on every column
/// with NULLs equal, and (unlike the `DISTINCT` forms) over the left rows as they are.
fn is_set_operation_all(join: &Join) -> bool {
    matches!(join.join_type, JoinType::LeftSemi | JoinType::LeftAnti)
        && join.null_equality == NullEquality::NullEqualsNull
        && join.filter.is_none()
        && join.on.len() == join.left.schema().fields().len()
        && join.on.len() == join.right.schema().fields().len()
        && !matches!(join.left.as_ref(), LogicalPlan::Distinct(_))
        && join
            .on
            .iter()
            .all(|(l, r)| matches!((l, r), (Expr::Column(_), Expr::Column(_))))
}

fn matched_copies(join: Join) -> Result<LogicalPlan> {
    let output: Vec<Expr> = join
        .left
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    let numbered = |side: &LogicalPlan| -> Result<LogicalPlan> {
        let rows = side
            .schema()
            .columns()
            .into_iter()
            .map(Expr::Column)
            .collect();
        let copy = row_number().partition_by(rows).build()?.alias(COPY);
        LogicalPlanBuilder::from(side.clone())
            .window(vec![copy])?
            .build()
    };
    let key = |e: &Expr| match e {
        Expr::Column(c) => c.clone(),
        _ => unreachable!("checked by is_set_operation_all"),
    };
    let mut left_keys: Vec<Column> = join.on.iter().map(|(l, _)| key(l)).collect();
    let mut right_keys: Vec<Column> = join.on.iter().map(|(_, r)| key(r)).collect();
    left_keys.push(Column::from_name(COPY));
    right_keys.push(Column::from_name(COPY));
    LogicalPlanBuilder::from(numbered(&join.left)?)
        .join_detailed(
            numbered(&join.right)?,
            join.join_type,
            (left_keys, right_keys),
            None,
            NullEquality::NullEqualsNull,
        )?
        .project(output)?
        .build()
}
