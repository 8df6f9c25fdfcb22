//! A `LATERAL` subquery that aggregates without GROUP BY and refers to the row beside it
//! (`FROM t, LATERAL (SELECT count(*) AS n FROM u WHERE u.id = t.id) x`), which DataFusion
//! cannot decorrelate: it gives exactly one row per row of `t`, so each of its columns is the
//! scalar subquery of that column, computed beside `t`'s columns under the subquery's name —
//! which DataFusion answers with a join (a count without rows is 0, as in Spark).

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{Column, Result, ScalarValue, TableReference};
use datafusion::logical_expr::{
    Expr, Join, JoinType, LogicalPlan, LogicalPlanBuilder, Subquery, SubqueryAlias,
};

/// `plan` with its joins of lateral aggregates as scalar subqueries.
pub fn as_scalar_subqueries(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up(|node| match node {
        LogicalPlan::Join(join) if lateral_aggregate(&join).is_some() => {
            beside(join).map(Transformed::yes)
        }
        other => Ok(Transformed::no(other)),
    })
    .data()
}

/// The aggregate subquery a join (without keys or condition, inner or left) joins to each
/// row, with its alias if it has one.
fn lateral_aggregate(join: &Join) -> Option<(Option<TableReference>, &Subquery)> {
    let unconditional = match &join.filter {
        None => true,
        Some(Expr::Literal(ScalarValue::Boolean(Some(true)), _)) => true,
        Some(_) => false,
    };
    if !join.on.is_empty()
        || !unconditional
        || !matches!(join.join_type, JoinType::Inner | JoinType::Left)
    {
        return None;
    }
    let (alias, subquery) = match join.right.as_ref() {
        LogicalPlan::SubqueryAlias(SubqueryAlias { alias, input, .. }) => match input.as_ref() {
            LogicalPlan::Subquery(subquery) => (Some(alias.clone()), subquery),
            _ => return None,
        },
        LogicalPlan::Subquery(subquery) => (None, subquery),
        _ => return None,
    };
    (!subquery.outer_ref_columns.is_empty() && one_row(&subquery.subquery))
        .then_some((alias, subquery))
}

/// Does `plan` give exactly one row, as its shape tells?
fn one_row(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Aggregate(a) => a.group_expr.is_empty(),
        LogicalPlan::Projection(p) => one_row(&p.input),
        _ => false,
    }
}

fn beside(join: Join) -> Result<LogicalPlan> {
    let Some((alias, subquery)) = lateral_aggregate(&join) else {
        return Ok(LogicalPlan::Join(join));
    };
    let left = Arc::unwrap_or_clone(join.left.clone());
    let mut exprs: Vec<Expr> = left
        .schema()
        .iter()
        .map(|(qualifier, field)| Expr::Column(Column::from((qualifier, field))))
        .collect();
    let inner = subquery.subquery.as_ref();
    let columns: Vec<(String, Expr)> = inner
        .schema()
        .iter()
        .map(|(qualifier, field)| {
            (
                field.name().clone(),
                Expr::Column(Column::from((qualifier, field))),
            )
        })
        .collect();
    let qualified = |e: Expr, name: &str| e.alias_qualified(alias.clone(), name);
    let scalar = |value: Expr| -> Result<Expr> {
        let one_column = LogicalPlanBuilder::from(inner.clone())
            .project(vec![value])?
            .build()?;
        Ok(Expr::ScalarSubquery(Subquery {
            subquery: Arc::new(one_column),
            ..subquery.clone()
        }))
    };
    // One projection a column: DataFusion joins one subquery of a count per projection.
    let mut plan = left;
    for (name, value) in &columns {
        exprs.push(qualified(scalar(value.clone())?, name));
        plan = LogicalPlanBuilder::from(plan)
            .project(exprs.clone())?
            .build()?;
        let last = exprs.len() - 1;
        exprs[last] = Expr::Column(Column::new(alias.clone(), name));
    }
    Ok(plan)
}
