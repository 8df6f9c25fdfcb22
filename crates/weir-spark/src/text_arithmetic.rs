//! Text in arithmetic, as Spark reads it: an operand of `+`, `-` or `*` that is text, beside a
//! number or other text, is cast to `double` with Spark's cast (`'10' + 5` is 15.0, a string
//! column times 2 a double, NULL where the text is no number). DataFusion refuses to plan
//! these, and it types an expression while it reads the SQL, before any rule could rewrite it,
//! so this is an [`ExprPlanner`] that DataFusion's SQL planner asks first.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, Operator, ScalarUDF};
use datafusion::sql::sqlparser::ast::BinaryOperator;

use super::convert::is_string;

/// The planner of this module.
#[derive(Debug)]
pub struct TextArithmetic;

static DOUBLE: LazyLock<Arc<ScalarUDF>> = LazyLock::new(|| Arc::new(super::cast::double_udf()));

impl ExprPlanner for TextArithmetic {
    fn plan_binary_op(
        &self,
        expr: RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        let op = match expr.op {
            BinaryOperator::Plus => Operator::Plus,
            BinaryOperator::Minus => Operator::Minus,
            BinaryOperator::Multiply => Operator::Multiply,
            _ => return Ok(PlannerResult::Original(expr)),
        };
        let (Ok(left), Ok(right)) = (expr.left.get_type(schema), expr.right.get_type(schema))
        else {
            return Ok(PlannerResult::Original(expr));
        };
        let operand = |t: &DataType| is_string(t) || t.is_numeric() || *t == DataType::Null;
        if !(is_string(&left) || is_string(&right)) || !operand(&left) || !operand(&right) {
            return Ok(PlannerResult::Original(expr));
        }
        let double = |e: Expr, t: &DataType| {
            if is_string(t) {
                Expr::ScalarFunction(ScalarFunction::new_udf(DOUBLE.clone(), vec![e]))
            } else {
                e
            }
        };
        Ok(PlannerResult::Planned(Expr::BinaryExpr(BinaryExpr::new(
            Box::new(double(expr.left, &left)),
            op,
            Box::new(double(expr.right, &right)),
        ))))
    }
}
