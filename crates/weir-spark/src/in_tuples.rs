//! Multi-column `IN` subqueries (`(a, b) IN (SELECT x, y FROM …)`), which DataFusion refuses
//! (its subqueries give one column), rewritten in the parsed query as the `EXISTS` they mean:
//! `EXISTS (SELECT 1 FROM (SELECT x, y FROM …) AS w(c1, c2) WHERE w.c1 = a AND w.c2 = b)`.
//! A row whose values hold a NULL matches nothing, as in Spark. `NOT IN` of several columns
//! is refused: Spark's answer for NULLs there is not an `EXISTS`.

use std::ops::ControlFlow;

use datafusion::common::{plan_datafusion_err, DataFusionError};
use datafusion::sql::sqlparser::ast::{Expr, VisitorMut};

/// Rewrites the multi-column `IN` subqueries of every query (see the module documentation).
#[derive(Default)]
pub struct InTuples {
    rewritten: usize,
}

impl VisitorMut for InTuples {
    type Break = DataFusionError;

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<Self::Break> {
        let Expr::InSubquery {
            expr: values,
            subquery,
            negated,
        } = expr
        else {
            return ControlFlow::Continue(());
        };
        let Expr::Tuple(items) = values.as_ref() else {
            return ControlFlow::Continue(());
        };
        if *negated {
            return ControlFlow::Break(plan_datafusion_err!(
                "NOT IN with a subquery of several columns is not supported; write it with NOT EXISTS"
            ));
        }
        self.rewritten += 1;
        let relation = format!("__weir_in_tuple_{}", self.rewritten);
        let column = |i: usize| format!("{relation}_{i}");
        let columns: Vec<String> = (1..=items.len()).map(column).collect();
        let matches: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, item)| format!("{relation}.{} = ({item})", column(i + 1)))
            .collect();
        let sql = format!(
            "SELECT 1 FROM ({subquery}) AS {relation}({}) WHERE {}",
            columns.join(", "),
            matches.join(" AND ")
        );
        match super::sql_rewrite::parse_query(&sql) {
            Ok(query) => {
                *expr = Expr::Exists {
                    subquery: query,
                    negated: false,
                };
                ControlFlow::Continue(())
            }
            Err(e) => ControlFlow::Break(e),
        }
    }
}
