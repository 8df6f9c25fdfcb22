//! Spark's `WITH` clauses that DataFusion plans otherwise, rewritten in the parsed query:
//!
//! - a recursive CTE with a column list (`WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT
//!   n + 1 FROM r …)`): DataFusion names the columns only after planning the recursive term,
//!   which then cannot read `n`; the anchor's SELECT items are named by the list instead.
//! - a CTE of an inner query that has the name of a CTE of an enclosing one (Spark: the inner
//!   one is meant inside the inner query; DataFusion refuses the name): the inner CTE is planned
//!   under a name of its own, and the inner query's references to it keep the written name as
//!   their alias. A CTE's body sees the CTEs before it (and itself in a recursive `WITH`), so
//!   `WITH c AS (SELECT v + 1 AS v FROM c)` inside a query of an outer `c` reads the outer one.

use std::ops::ControlFlow;

use datafusion::common::DataFusionError;
use datafusion::sql::sqlparser::ast::{
    Ident, ObjectName, Query, SelectItem, SetExpr, TableAlias, TableFactor, VisitorMut,
};

/// Rewrites the `WITH` clauses of every query (see the module documentation).
#[derive(Default)]
pub struct Ctes {
    /// The `WITH` clauses of the queries being visited, innermost last.
    scopes: Vec<Scope>,
    renamed: usize,
}

/// The CTEs of one `WITH` clause.
struct Scope {
    /// Each CTE's written name (lower case), the name it is planned under, and its body (to
    /// tell when the visitor enters and leaves it).
    ctes: Vec<(String, Ident, *const Query)>,
    recursive: bool,
    /// The CTEs whose bodies were visited: a CTE's body sees the CTEs before it (and itself
    /// when recursive), the query's body sees them all.
    visited: usize,
    /// Whether the visitor is inside the body of CTE `visited`.
    in_body: bool,
}

impl Scope {
    fn visible(&self) -> &[(String, Ident, *const Query)] {
        let n = match self.in_body && self.recursive {
            true => self.visited + 1,
            false => self.visited,
        };
        &self.ctes[..n.min(self.ctes.len())]
    }
}

impl VisitorMut for Ctes {
    type Break = DataFusionError;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<Self::Break> {
        let this: *const Query = query;
        if let Some(scope) = self.scopes.last_mut() {
            if scope.ctes.get(scope.visited).is_some_and(|c| c.2 == this) {
                scope.in_body = true;
            }
        }
        let mut scope = Scope {
            ctes: Vec::new(),
            recursive: false,
            visited: 0,
            in_body: false,
        };
        if let Some(with) = &mut query.with {
            scope.recursive = with.recursive;
            for cte in &mut with.cte_tables {
                if with.recursive {
                    name_anchor_columns(&mut cte.query.body, &cte.alias);
                }
                let written = cte.alias.name.value.to_lowercase();
                if self
                    .scopes
                    .iter()
                    .any(|s| s.ctes.iter().any(|c| c.0 == written))
                {
                    self.renamed += 1;
                    cte.alias.name =
                        Ident::new(format!("{written}__weir_inner_cte_{}", self.renamed));
                }
                let body: *const Query = cte.query.as_ref();
                scope.ctes.push((written, cte.alias.name.clone(), body));
            }
        }
        self.scopes.push(scope);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<Self::Break> {
        self.scopes.pop();
        let this: *const Query = query;
        if let Some(scope) = self.scopes.last_mut() {
            if scope.in_body && scope.ctes.get(scope.visited).is_some_and(|c| c.2 == this) {
                scope.in_body = false;
                scope.visited += 1;
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<Self::Break> {
        let TableFactor::Table { name, alias, .. } = factor else {
            return ControlFlow::Continue(());
        };
        let [part] = name.0.as_slice() else {
            return ControlFlow::Continue(());
        };
        let Some(written) = part.as_ident().cloned() else {
            return ControlFlow::Continue(());
        };
        if let Some(planned) = self.planned_name(&written.value.to_lowercase()) {
            if planned.value.to_lowercase() != written.value.to_lowercase() {
                *name = ObjectName::from(vec![planned.clone()]);
                alias.get_or_insert(TableAlias {
                    explicit: true,
                    name: written,
                    columns: vec![],
                });
            }
        }
        ControlFlow::Continue(())
    }
}

impl Ctes {
    /// The name the innermost visible CTE called `written` is planned under.
    fn planned_name(&self, written: &str) -> Option<&Ident> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.visible().iter().rev())
            .find(|(name, _, _)| name == written)
            .map(|(_, planned, _)| planned)
    }
}

/// The anchor (first SELECT) of a recursive CTE's body with its items named by the CTE's
/// column list, when the list names every item.
fn name_anchor_columns(body: &mut SetExpr, alias: &TableAlias) {
    if alias.columns.is_empty() {
        return;
    }
    let mut anchor = body;
    while let SetExpr::SetOperation { left, .. } = anchor {
        anchor = left.as_mut();
    }
    let SetExpr::Select(select) = anchor else {
        return;
    };
    let named = |item: &SelectItem| {
        matches!(
            item,
            SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAlias { .. }
        )
    };
    if select.projection.len() != alias.columns.len() || !select.projection.iter().all(named) {
        return;
    }
    for (item, column) in select.projection.iter_mut().zip(&alias.columns) {
        let expr = match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e.clone(),
            _ => return,
        };
        *item = SelectItem::ExprWithAlias {
            expr,
            alias: column.name.clone(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::Ctes;
    use datafusion::sql::sqlparser::ast::VisitMut;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn rewritten(sql: &str) -> String {
        let mut statements = Parser::parse_sql(&GenericDialect {}, sql).expect("parses");
        let _ = statements[0].visit(&mut Ctes::default());
        statements[0].to_string()
    }

    #[test]
    fn an_inner_cte_of_an_outer_name_is_planned_under_its_own() {
        assert_eq!(
            rewritten(
                "WITH c AS (SELECT 1 AS v) SELECT * FROM (WITH c AS (SELECT v + 1 AS v FROM c) SELECT v FROM c)"
            ),
            "WITH c AS (SELECT 1 AS v) SELECT * FROM (WITH c__weir_inner_cte_1 AS (SELECT v + 1 AS v FROM c) SELECT v FROM c__weir_inner_cte_1 AS c)"
        );
    }

    #[test]
    fn a_recursive_anchor_is_named_by_the_column_list() {
        assert_eq!(
            rewritten(
                "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r"
            ),
            "WITH RECURSIVE r (n) AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT * FROM r"
        );
    }
}
