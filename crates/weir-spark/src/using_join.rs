//! `a FULL JOIN b USING (k)` (and `RIGHT JOIN … USING`): Spark's `k` is the key of whichever
//! side has the row, `coalesce(a.k, b.k)`. DataFusion's `SELECT *` (or `k`) over such a join
//! reads the left side's key, NULL for the rows only the right side has. The projection
//! directly over the join reads the coalesced key instead, under the same name.

use std::sync::Arc;

use datafusion::common::tree_node::Transformed;
use datafusion::common::Result;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::logical_expr::{Expr, Join, JoinConstraint, JoinType, LogicalPlan, Projection};

/// `plan` with every projection over a full or right `USING` join reading the coalesced keys.
pub fn coalesce_using_keys(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| {
        let LogicalPlan::Projection(projection) = &node else {
            return Ok(Transformed::no(node));
        };
        let LogicalPlan::Join(Join {
            on,
            join_type: JoinType::Full | JoinType::Right,
            join_constraint: JoinConstraint::Using,
            ..
        }) = projection.input.as_ref()
        else {
            return Ok(Transformed::no(node));
        };
        let keys: Vec<(Expr, Expr)> = on.clone();
        let mut changed = false;
        let exprs = projection
            .expr
            .iter()
            .map(|e| {
                let read = match e {
                    Expr::Alias(a) => a.expr.as_ref(),
                    other => other,
                };
                let Expr::Column(column) = read else {
                    return e.clone();
                };
                match keys.iter().find(|(l, r)| {
                    matches!((l, r), (Expr::Column(a), Expr::Column(b)) if a == column || b == column)
                }) {
                    Some((l, r)) => {
                        changed = true;
                        // The same qualified name, so that what refers to it still does.
                        let (relation, name) = match e {
                            Expr::Alias(a) => (a.relation.clone(), a.name.clone()),
                            _ => (column.relation.clone(), column.name.clone()),
                        };
                        coalesce(vec![l.clone(), r.clone()]).alias_qualified(relation, name)
                    }
                    None => e.clone(),
                }
            })
            .collect::<Vec<_>>();
        if !changed {
            return Ok(Transformed::no(node));
        }
        let input = Arc::clone(&projection.input);
        Ok(Transformed::yes(LogicalPlan::Projection(
            Projection::try_new(exprs, input)?,
        )))
    })
    .map(|t| t.data)
}
