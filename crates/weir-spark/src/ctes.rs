//! Spark's `WITH` clauses that DataFusion plans otherwise, rewritten in the parsed query:
//!
//! - a recursive CTE with a column list (`WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT
//!   n + 1 FROM r …)`): DataFusion names the columns only after planning the recursive term,
//!   which then cannot read `n`; the anchor's SELECT items are named by the list instead.
//! - a CTE of an inner query that has the name of a CTE of an enclosing one (Spark: the inner
//!   one is meant inside the inner query; DataFusion refuses the name): the inner CTE is planned
//!   under a name of its own, and the inner query's references to it keep the written name as
//!   their alias. An inner CTE whose body reads the CTE of that name it hides is refused (its
//!   body would read itself).

use std::ops::ControlFlow;

use datafusion::common::DataFusionError;
use datafusion::sql::sqlparser::ast::{
    Ident, ObjectName, Query, SelectItem, SetExpr, TableAlias, TableFactor, VisitorMut,
};

/// Rewrites the `WITH` clauses of every query (see the module documentation).
#[derive(Default)]
pub struct Ctes {
    /// The CTEs in scope, innermost query last: the written name (lower case) and the name
    /// it is planned under.
    scopes: Vec<Vec<(String, Ident)>>,
    renamed: usize,
}

impl VisitorMut for Ctes {
    type Break = DataFusionError;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<Self::Break> {
        let mut scope = Vec::new();
        if let Some(with) = &mut query.with {
            for cte in &mut with.cte_tables {
                if with.recursive {
                    name_anchor_columns(&mut cte.query.body, &cte.alias);
                }
                let written = cte.alias.name.value.to_lowercase();
                if self.planned_name(&written).is_some() {
                    self.renamed += 1;
                    cte.alias.name =
                        Ident::new(format!("{written}__weir_inner_cte_{}", self.renamed));
                }
                scope.push((written, cte.alias.name.clone()));
            }
        }
        self.scopes.push(scope);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<Self::Break> {
        self.scopes.pop();
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
    /// The name the innermost CTE called `written` is planned under.
    fn planned_name(&self, written: &str) -> Option<&Ident> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter())
            .find(|(name, _)| name == written)
            .map(|(_, planned)| planned)
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
