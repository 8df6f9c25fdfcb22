//! Spark's types of numeric literals. DataFusion reads an integer literal as a `bigint` and
//! a literal with a decimal point as a `double`; Spark reads `1` as an `int` (a `bigint` only
//! when it does not fit) and `0.005` as `decimal(3,3)`, so `i + 1` stays an `int` and
//! `qty + 0.005` stays exact. Decimal literals come from DataFusion's own switch
//! (`sql_parser.parse_float_as_decimal`, set by the session); a number with an exponent
//! (`1e3`) stays a double ([`super::sql_rewrite`]); integer literals are narrowed in the
//! planned query ([`narrow_int_literals`]), before type coercion, where their type decides
//! the type of what they take part in: arithmetic, `CASE` results, a SELECT item, and the
//! arguments of functions whose result type is their arguments' common type (`coalesce`,
//! `if`, `greatest`, `array`, …). Elsewhere (function arguments such as a scale or a
//! position, `LIMIT`) a literal keeps DataFusion's type, which changes no result.

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::expr::{Alias, ScalarFunction};
use datafusion::logical_expr::{BinaryExpr, Case, Expr, LogicalPlan, Operator};

/// Functions whose result type is the common type of (some of) their arguments.
const VALUE_FUNCTIONS: &[&str] = &[
    "coalesce",
    "nvl",
    "nvl2",
    "ifnull",
    "if",
    "nullif",
    "greatest",
    "least",
    "make_array",
    "array",
    "struct",
    "named_struct",
    super::map::NAME,
];

/// `plan` (as the SQL planner made it) with its `bigint` integer literals that fit an `int`
/// narrowed to `int` where Spark types them so, and every schema recomputed, before type
/// coercion casts around them.
pub fn narrow_int_literals(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| {
        if matches!(node, LogicalPlan::Limit(_)) {
            return Ok(Transformed::no(node));
        }
        let projection = matches!(node, LogicalPlan::Projection(_));
        let node = node.map_expressions(|e| {
            let e = if projection { narrow_item(e) } else { e };
            e.transform_up(|e| Ok(narrow_operands(e)))
        })?;
        if node.transformed {
            Ok(Transformed::yes(node.data.recompute_schema()?))
        } else {
            Ok(node)
        }
    })
    .map(|t| t.data)
}

/// `Int64(v)` as `Int32(v)` when it fits.
fn narrow(expr: Expr) -> Expr {
    match expr {
        Expr::Literal(ScalarValue::Int64(Some(v)), meta) => match i32::try_from(v) {
            Ok(v) => Expr::Literal(ScalarValue::Int32(Some(v)), meta),
            Err(_) => Expr::Literal(ScalarValue::Int64(Some(v)), meta),
        },
        other => other,
    }
}

/// A SELECT item that is a literal (`SELECT 1`, `SELECT 1 AS one`).
fn narrow_item(expr: Expr) -> Expr {
    match expr {
        Expr::Alias(Alias {
            expr,
            relation,
            name,
            metadata,
        }) => Expr::Alias(Alias {
            expr: Box::new(narrow(*expr)),
            relation,
            name,
            metadata,
        }),
        other => narrow(other),
    }
}

fn narrow_operands(expr: Expr) -> Transformed<Expr> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if arithmetic(op) => {
            Transformed::yes(Expr::BinaryExpr(BinaryExpr {
                left: Box::new(narrow(*left)),
                op,
                right: Box::new(narrow(*right)),
            }))
        }
        Expr::Case(Case {
            expr,
            when_then_expr,
            else_expr,
        }) => Transformed::yes(Expr::Case(Case {
            expr,
            when_then_expr: when_then_expr
                .into_iter()
                .map(|(when, then)| (when, Box::new(narrow(*then))))
                .collect(),
            else_expr: else_expr.map(|e| Box::new(narrow(*e))),
        })),
        Expr::ScalarFunction(ScalarFunction { func, args })
            if VALUE_FUNCTIONS.contains(&func.name()) =>
        {
            Transformed::yes(Expr::ScalarFunction(ScalarFunction {
                func,
                args: args.into_iter().map(narrow).collect(),
            }))
        }
        other => Transformed::no(other),
    }
}

fn arithmetic(op: Operator) -> bool {
    matches!(
        op,
        Operator::Plus
            | Operator::Minus
            | Operator::Multiply
            | Operator::Divide
            | Operator::Modulo
            | Operator::BitwiseAnd
            | Operator::BitwiseOr
            | Operator::BitwiseXor
            | Operator::BitwiseShiftLeft
            | Operator::BitwiseShiftRight
    )
}
