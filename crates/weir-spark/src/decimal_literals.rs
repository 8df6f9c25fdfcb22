//! Decimal literals with more digits than their precision, which DataFusion's constant folding
//! makes without a check (`CAST(99999999999999999999999999999999.999999 AS DECIMAL(38, 6)) + 1`
//! folds to a `decimal(38,6)` of 39 digits): NULL, as the same sum of columns is
//! ([`super::decimal_arith`]) and as Spark's non-ANSI overflow is. A literal written in a query
//! always fits its type.

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::LogicalPlan;
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};
use datafusion::prelude::Expr;

/// The optimizer rule (after constant folding).
pub fn rule() -> Arc<dyn OptimizerRule + Send + Sync> {
    Arc::new(OverflowedLiterals)
}

#[derive(Debug)]
struct OverflowedLiterals;

impl OptimizerRule for OverflowedLiterals {
    fn name(&self) -> &str {
        "weir_overflowed_decimal_literals"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::BottomUp)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        plan.map_expressions(|e| e.transform_up(|e| Ok(as_null_when_overflowed(e))))
    }
}

fn as_null_when_overflowed(e: Expr) -> Transformed<Expr> {
    match e {
        Expr::Literal(ScalarValue::Decimal128(Some(v), p, s), metadata)
            if p <= 38 && v.unsigned_abs() >= 10u128.pow(u32::from(p)) =>
        {
            Transformed::yes(Expr::Literal(ScalarValue::Decimal128(None, p, s), metadata))
        }
        other => Transformed::no(other),
    }
}

#[cfg(test)]
mod tests {
    use super::as_null_when_overflowed;
    use datafusion::common::ScalarValue;
    use datafusion::prelude::Expr;

    #[test]
    fn only_literals_wider_than_their_precision_are_null() {
        let literal = |v: i128| Expr::Literal(ScalarValue::Decimal128(Some(v), 3, 1), None);
        assert!(as_null_when_overflowed(literal(1000)).transformed);
        assert!(as_null_when_overflowed(literal(-1000)).transformed);
        assert!(!as_null_when_overflowed(literal(999)).transformed);
    }
}
