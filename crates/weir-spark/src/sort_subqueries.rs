//! Scalar subqueries in an ORDER BY (`ORDER BY abs(x - (SELECT avg(y) FROM u))`), which
//! DataFusion plans only in a SELECT list and a filter: each such sort key is computed by a
//! projection below the sort (where DataFusion answers the subquery with a join), the sort
//! orders by that column, and a projection above it drops the column again.

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{Column, Result};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, Sort, SortExpr};

/// `plan` with the scalar subqueries of its sort keys computed below the sorts.
pub fn below_sorts(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up(|node| match node {
        LogicalPlan::Sort(sort) if sort.expr.iter().any(|k| has_scalar_subquery(&k.expr)) => {
            computed_keys(sort).map(Transformed::yes)
        }
        other => Ok(Transformed::no(other)),
    })
    .data()
}

fn has_scalar_subquery(e: &Expr) -> bool {
    e.exists(|e| Ok(matches!(e, Expr::ScalarSubquery(_))))
        .unwrap_or(false)
}

fn computed_keys(sort: Sort) -> Result<LogicalPlan> {
    let input = Arc::unwrap_or_clone(sort.input);
    let columns: Vec<Expr> = input
        .schema()
        .iter()
        .map(|(qualifier, field)| Expr::Column(Column::from((qualifier, field))))
        .collect();
    let mut computed = Vec::new();
    let keys: Vec<SortExpr> = sort
        .expr
        .into_iter()
        .enumerate()
        .map(|(i, key)| {
            if !has_scalar_subquery(&key.expr) {
                return key;
            }
            let name = format!("__weir_sort_key_{i}");
            computed.push(key.expr.clone().alias(&name));
            SortExpr {
                expr: Expr::Column(Column::from_name(name)),
                ..key
            }
        })
        .collect();
    LogicalPlanBuilder::from(input)
        .project(columns.iter().cloned().chain(computed))?
        .sort_with_limit(keys, sort.fetch)?
        .project(columns)?
        .build()
}
