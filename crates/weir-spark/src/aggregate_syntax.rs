//! Spark's aggregate syntax DataFusion plans otherwise, rewritten in the parsed SQL.
//!
//! Grouping functions, in a query with `GROUP BY`:
//!
//! - `grouping_id(a, b, …)` is DataFusion's `grouping(a, b, …)` (the same bits: the first
//!   argument's is the highest, set where the column is aggregated over) as a `bigint`;
//!   `grouping_id()` is that over every grouping column, in the order of the `GROUP BY`.
//! - `grouping(a)` is a `tinyint`, as Spark's (DataFusion's is an `int`).
//! - `GROUP BY a, b WITH ROLLUP` / `WITH CUBE` (Hive's syntax) is `GROUP BY ROLLUP (a, b)` /
//!   `CUBE (a, b)`.
//!
//! Window frames: an interval offset written as Spark allows, with an unquoted number
//! (`RANGE BETWEEN INTERVAL 10 DAYS PRECEDING AND CURRENT ROW`), is quoted
//! (`INTERVAL '10' DAYS`), which DataFusion reads.
//!
//! Ordered-set aggregates (`WITHIN GROUP (ORDER BY …)`):
//!
//! - `listagg(x[, delimiter]) WITHIN GROUP (ORDER BY …)` and `string_agg` are DataFusion's
//!   `string_agg(x, delimiter ORDER BY …)` (no delimiter is the empty one, as Spark's NULL).
//! - `percentile_disc(p) WITHIN GROUP (ORDER BY x)` is [`super::aggregates`]'
//!   `percentile_disc(x, p)` (ascending order only).

use std::ops::ControlFlow;

use datafusion::common::{plan_datafusion_err, DataFusionError, Result};
use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArgumentList, FunctionArguments, GroupByExpr, GroupByWithModifier, Ident, ObjectName,
    Query, Select, SelectItem, SetExpr, Value, VisitorMut, WindowFrameBound, WindowType,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

/// Rewrites the aggregate syntax of every query of a statement.
pub struct AggregateSyntax;

impl VisitorMut for AggregateSyntax {
    type Break = DataFusionError;

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<Self::Break> {
        if let Expr::Function(f) = expr {
            ordered_set(f);
            if let Some(WindowType::WindowSpec(spec)) = &mut f.over {
                if let Some(frame) = &mut spec.window_frame {
                    quote_interval_offset(&mut frame.start_bound);
                    if let Some(end) = &mut frame.end_bound {
                        quote_interval_offset(end);
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<Self::Break> {
        match rewrite_set_expr(&mut query.body) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(e),
        }
    }
}

fn rewrite_set_expr(body: &mut SetExpr) -> Result<()> {
    match body {
        SetExpr::Select(select) => rewrite_select(select),
        SetExpr::SetOperation { left, right, .. } => {
            rewrite_set_expr(left)?;
            rewrite_set_expr(right)
        }
        _ => Ok(()),
    }
}

fn rewrite_select(select: &mut Select) -> Result<()> {
    let GroupByExpr::Expressions(exprs, modifiers) = &mut select.group_by else {
        return Ok(());
    };
    if exprs.is_empty() {
        return Ok(());
    }
    let sets: Vec<Vec<Expr>> = exprs.iter().map(|e| vec![e.clone()]).collect();
    if modifiers.contains(&GroupByWithModifier::Rollup) {
        *exprs = vec![Expr::Rollup(sets)];
    } else if modifiers.contains(&GroupByWithModifier::Cube) {
        *exprs = vec![Expr::Cube(sets)];
    }
    modifiers.retain(|m| !matches!(m, GroupByWithModifier::Rollup | GroupByWithModifier::Cube));
    let columns = grouping_columns(exprs);
    let mut failed = None;
    let mut rewrite = |e: &mut Expr| {
        match grouping_call(e, &columns) {
            Ok(Some(rewritten)) => *e = rewritten,
            Ok(None) => {}
            Err(err) => {
                failed = Some(err);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    };
    for item in &mut select.projection {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
            let _ = visit_expressions_mut(e, &mut rewrite);
        }
    }
    if let Some(having) = &mut select.having {
        let _ = visit_expressions_mut(having, &mut rewrite);
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// `INTERVAL 10 DAYS PRECEDING` as `INTERVAL '10' DAYS PRECEDING`.
fn quote_interval_offset(bound: &mut WindowFrameBound) {
    let (WindowFrameBound::Preceding(Some(offset)) | WindowFrameBound::Following(Some(offset))) =
        bound
    else {
        return;
    };
    if let Expr::Interval(interval) = offset.as_mut() {
        if let Expr::Value(v) = interval.value.as_mut() {
            if let Value::Number(n, _) = &v.value {
                v.value = Value::SingleQuotedString(n.clone());
            }
        }
    }
}

/// `WITHIN GROUP (ORDER BY …)` of `listagg`/`string_agg` and `percentile_disc` as DataFusion
/// plans them; other calls are left as they are.
fn ordered_set(f: &mut Function) {
    if f.within_group.is_empty() {
        return;
    }
    let name = f.name.to_string().to_lowercase();
    let FunctionArguments::List(list) = &mut f.args else {
        return;
    };
    match name.as_str() {
        "listagg" | "string_agg" if (1..=2).contains(&list.args.len()) => {
            if list.args.len() == 1 {
                let empty = Expr::value(Value::SingleQuotedString(String::new()));
                list.args
                    .push(FunctionArg::Unnamed(FunctionArgExpr::Expr(empty)));
            }
            let order = std::mem::take(&mut f.within_group);
            list.clauses.push(FunctionArgumentClause::OrderBy(order));
            f.name = ObjectName::from(vec![Ident::new("string_agg")]);
        }
        "percentile_disc"
            if list.args.len() == 1
                && f.within_group.len() == 1
                && f.within_group[0].options.asc != Some(false) =>
        {
            let order = std::mem::take(&mut f.within_group);
            let x = order[0].expr.clone();
            list.args
                .insert(0, FunctionArg::Unnamed(FunctionArgExpr::Expr(x)));
        }
        _ => {}
    }
}

/// The distinct grouping columns of a `GROUP BY`, in order.
fn grouping_columns(exprs: &[Expr]) -> Vec<Expr> {
    let mut columns: Vec<Expr> = Vec::new();
    let mut add = |e: &Expr| {
        if !columns.contains(e) {
            columns.push(e.clone());
        }
    };
    for e in exprs {
        match e {
            Expr::GroupingSets(sets) | Expr::Rollup(sets) | Expr::Cube(sets) => {
                sets.iter().flatten().for_each(&mut add)
            }
            other => add(other),
        }
    }
    columns
}

/// `grouping_id(…)` and `grouping(…)` as Spark types them, or `None` for another expression.
fn grouping_call(expr: &Expr, columns: &[Expr]) -> Result<Option<Expr>> {
    let Expr::Function(f) = expr else {
        return Ok(None);
    };
    let name = f.name.to_string().to_lowercase();
    let (cast_to, args) = match name.as_str() {
        "grouping_id" => {
            let args = match &f.args {
                FunctionArguments::List(list) if !list.args.is_empty() => list.args.clone(),
                _ => columns
                    .iter()
                    .map(|c| FunctionArg::Unnamed(FunctionArgExpr::Expr(c.clone())))
                    .collect(),
            };
            ("BIGINT", args)
        }
        "grouping" => match &f.args {
            FunctionArguments::List(list) => ("TINYINT", list.args.clone()),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let mut call = f.clone();
    call.name = ObjectName::from(vec![Ident::new("grouping")]);
    call.args = FunctionArguments::List(FunctionArgumentList {
        duplicate_treatment: None,
        args,
        clauses: vec![],
    });
    let mut cast = Parser::new(&GenericDialect)
        .try_with_sql(&format!("CAST(NULL AS {cast_to})"))
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| plan_datafusion_err!("grouping: {e}"))?;
    if let Expr::Cast { expr, .. } = &mut cast {
        **expr = Expr::Function(call);
    }
    Ok(Some(cast))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::ast::VisitMut;

    fn rewritten(sql: &str) -> String {
        let mut statements = Parser::parse_sql(&GenericDialect, sql).unwrap();
        let _ = statements[0].visit(&mut AggregateSyntax);
        statements[0].to_string()
    }

    #[test]
    fn grouping_id_without_arguments_takes_every_grouping_column() {
        assert_eq!(
            rewritten("SELECT grouping_id() FROM s GROUP BY GROUPING SETS ((a, b), (a), ())"),
            "SELECT CAST(grouping(a, b) AS BIGINT) FROM s GROUP BY GROUPING SETS ((a, b), (a), ())"
        );
        assert_eq!(
            rewritten("SELECT grouping(a), grouping_id(b, a) FROM s GROUP BY a, b WITH CUBE"),
            "SELECT CAST(grouping(a) AS TINYINT), CAST(grouping(b, a) AS BIGINT) FROM s GROUP BY CUBE (a, b)"
        );
    }

    #[test]
    fn within_group_orderings_become_the_calls_own() {
        assert_eq!(
            rewritten("SELECT listagg(s) WITHIN GROUP (ORDER BY id DESC), percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM t"),
            "SELECT string_agg(s, '' ORDER BY id DESC), percentile_disc(x, 0.5) FROM t"
        );
    }
}
