//! `x IN (SELECT …)` and `EXISTS (SELECT …)` as values of a SELECT list (also inside `CASE`),
//! which Spark answers and DataFusion plans only in `WHERE`. Each such subquery becomes a left
//! join of the projection's input:
//!
//! - `x [NOT] IN (SELECT y …)` (a subquery of its own, without outer references): a join on
//!   `x = y` with the subquery's distinct values, and a cross join with its row and non-NULL
//!   counts. The answer is Spark's, which is never NULL here (Spark plans an existence join):
//!   `IN` is whether `x = y` for some `y`; `NOT IN` is true for an empty subquery, false when
//!   `x` is NULL or the subquery has a NULL, else whether no `y` equals `x`.
//! - `[NOT] EXISTS (SELECT … WHERE inner = outer [AND …])`: the outer references must be in
//!   equalities of the subquery's filter (`u.id = t.id`, `u.id = t.id - 10`); the subquery's
//!   distinct inner keys are joined on them, and a match means true.
//!
//! Other shapes (an aggregate between the filter and the outer reference, a non-equality with
//! one) stay as planned, and DataFusion refuses them as before.

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{Column, Result};
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::expr::{Exists, InSubquery};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::utils::{conjunction, split_conjunction_owned};
use datafusion::logical_expr::{
    lit, when, BinaryExpr, Expr, Filter, JoinType, LogicalPlan, LogicalPlanBuilder, Operator,
    Projection, Subquery,
};

/// `plan` with the IN and EXISTS subqueries of its SELECT lists answered by joins.
pub fn as_joins(plan: LogicalPlan) -> Result<LogicalPlan> {
    let mut next = 0usize;
    plan.transform_up(|node| match node {
        LogicalPlan::Projection(p) if p.expr.iter().any(has_subquery) => projection(p, &mut next),
        other => Ok(Transformed::no(other)),
    })
    .data()
}

fn has_subquery(e: &Expr) -> bool {
    e.exists(|e| Ok(matches!(e, Expr::InSubquery(_) | Expr::Exists(_))))
        .unwrap_or(false)
}

fn projection(p: Projection, next: &mut usize) -> Result<Transformed<LogicalPlan>> {
    let original = LogicalPlan::Projection(p.clone());
    let names = NamePreserver::new(&original);
    let mut input = Arc::unwrap_or_clone(p.input);
    let mut exprs = Vec::with_capacity(p.expr.len());
    for e in p.expr {
        let name = names.save(&e);
        let rewritten = e.transform_up(|e| match e {
            Expr::InSubquery(InSubquery {
                expr,
                subquery,
                negated,
            }) if subquery.outer_ref_columns.is_empty() => {
                *next += 1;
                let (joined, value) = in_values(input.clone(), *expr, &subquery, negated, *next)?;
                input = joined;
                Ok(Transformed::yes(value))
            }
            Expr::Exists(Exists { subquery, negated }) => {
                *next += 1;
                match exists(input.clone(), &subquery, *next)? {
                    Some((joined, found)) => {
                        input = joined;
                        Ok(Transformed::yes(if negated { !found } else { found }))
                    }
                    None => Ok(Transformed::no(Expr::Exists(Exists { subquery, negated }))),
                }
            }
            other => Ok(Transformed::no(other)),
        })?;
        exprs.push(name.restore(rewritten.data));
    }
    if exprs.iter().any(has_subquery) {
        return Ok(Transformed::no(original));
    }
    let plan = LogicalPlanBuilder::from(input).project(exprs)?.build()?;
    Ok(Transformed::yes(plan))
}

/// `input` joined with what answers `x [NOT] IN (subquery)`, and that answer.
fn in_values(
    input: LogicalPlan,
    x: Expr,
    subquery: &Subquery,
    negated: bool,
    n: usize,
) -> Result<(LogicalPlan, Expr)> {
    let sub = subquery.subquery.as_ref().clone();
    let Some(y) = sub.schema().columns().into_iter().next() else {
        let unchanged = InSubquery::new(Box::new(x), subquery.clone(), negated);
        return Ok((input, Expr::InSubquery(unchanged)));
    };
    let (value, mark) = (
        format!("__weir_in_{n}_value"),
        format!("__weir_in_{n}_match"),
    );
    let (rows, non_null) = (
        format!("__weir_in_{n}_rows"),
        format!("__weir_in_{n}_values"),
    );
    let values = LogicalPlanBuilder::from(sub.clone())
        .project(vec![
            Expr::Column(y.clone()).alias(&value),
            lit(true).alias(&mark),
        ])?
        .distinct()?
        .alias(format!("__weir_in_{n}"))?
        .build()?;
    let counts = LogicalPlanBuilder::from(sub)
        .aggregate(
            Vec::<Expr>::new(),
            vec![
                count(lit(1)).alias(&rows),
                count(Expr::Column(y)).alias(&non_null),
            ],
        )?
        .build()?;
    let joined = LogicalPlanBuilder::from(input)
        .join_on(
            values,
            JoinType::Left,
            vec![x.clone().eq(Expr::Column(Column::from_name(&value)))],
        )?
        .cross_join(counts)?
        .build()?;
    let column = |name: &str| Expr::Column(Column::from_name(name));
    let answer = if negated {
        when(column(&rows).eq(lit(0i64)), lit(true))
            .when(
                x.is_null().or(column(&non_null).lt(column(&rows))),
                lit(false),
            )
            .otherwise(column(&mark).is_null())?
    } else {
        column(&mark).is_not_null()
    };
    Ok((joined, answer))
}

/// `input` joined with what answers `EXISTS (subquery)`, and that answer; `None` when the
/// subquery's outer references are not equalities of its filter.
fn exists(
    input: LogicalPlan,
    subquery: &Subquery,
    n: usize,
) -> Result<Option<(LogicalPlan, Expr)>> {
    let Some(filter) = filter_below(subquery.subquery.as_ref()) else {
        return Ok(None);
    };
    let mut keys = Vec::new();
    let mut kept = Vec::new();
    for conjunct in split_conjunction_owned(filter.predicate.clone()) {
        if !has_outer(&conjunct) {
            kept.push(conjunct);
            continue;
        }
        let Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Eq,
            right,
        }) = conjunct
        else {
            return Ok(None);
        };
        match (has_outer(&left), has_outer(&right)) {
            (false, true) if only_outer(&right) => keys.push((*left, outer_as_column(*right)?)),
            (true, false) if only_outer(&left) => keys.push((*right, outer_as_column(*left)?)),
            _ => return Ok(None),
        }
    }
    if keys.is_empty() {
        return Ok(None);
    }
    let mut inner = Arc::unwrap_or_clone(Arc::clone(&filter.input));
    if let Some(rest) = conjunction(kept) {
        inner = LogicalPlan::Filter(Filter::try_new(rest, Arc::new(inner))?);
    }
    let mark = format!("__weir_exists_{n}_match");
    let mut projected: Vec<Expr> = keys
        .iter()
        .enumerate()
        .map(|(i, (inner_key, _))| inner_key.clone().alias(format!("__weir_exists_{n}_key{i}")))
        .collect();
    projected.push(lit(true).alias(&mark));
    let matches = LogicalPlanBuilder::from(inner)
        .project(projected)?
        .distinct()?
        .alias(format!("__weir_exists_{n}"))?
        .build()?;
    let on: Vec<Expr> = keys
        .into_iter()
        .enumerate()
        .map(|(i, (_, outer))| {
            outer.eq(Expr::Column(Column::from_name(format!(
                "__weir_exists_{n}_key{i}"
            ))))
        })
        .collect();
    let joined = LogicalPlanBuilder::from(input)
        .join_on(matches, JoinType::Left, on)?
        .build()?;
    Ok(Some((
        joined,
        Expr::Column(Column::from_name(mark)).is_not_null(),
    )))
}

/// The filter of a subquery under its projections and aliases.
fn filter_below(plan: &LogicalPlan) -> Option<&Filter> {
    match plan {
        LogicalPlan::Filter(f) => Some(f),
        LogicalPlan::Projection(p) => filter_below(&p.input),
        LogicalPlan::SubqueryAlias(a) => filter_below(&a.input),
        _ => None,
    }
}

fn has_outer(e: &Expr) -> bool {
    e.exists(|e| Ok(matches!(e, Expr::OuterReferenceColumn(..))))
        .unwrap_or(false)
}

/// Whether the expression reads outer references and no column of the subquery.
fn only_outer(e: &Expr) -> bool {
    !e.exists(|e| Ok(matches!(e, Expr::Column(_))))
        .unwrap_or(true)
}

/// The expression over the outer query's columns.
fn outer_as_column(e: Expr) -> Result<Expr> {
    e.transform_up(|e| match e {
        Expr::OuterReferenceColumn(_, column) => Ok(Transformed::yes(Expr::Column(column))),
        other => Ok(Transformed::no(other)),
    })
    .data()
}
