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
//!
//! The same pass gives a double and a decimal compared or combined together (`d = 0.5`,
//! `least(dec, d)`, `d IN (0.5, 1.5)`, `CASE … THEN dec ELSE d END`) Spark's common type, a
//! double; DataFusion's is a decimal, which fails on NaN and infinities. And `concat` takes
//! numbers, dates and booleans as Spark writes them as text.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, DECIMAL128_MAX_PRECISION};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::{Alias, Cast, InList, ScalarFunction};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{
    BinaryExpr, Case, Expr, ExprSchemable, LogicalPlan, Operator, Values,
};

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
    "shiftleft",
    "shiftright",
    "shiftrightunsigned",
    "pmod",
    "mod",
    "round",
    "bround",
    "abs",
    "negative",
];

/// `plan` (as the SQL planner made it) with its `bigint` integer literals that fit an `int`
/// narrowed to `int` where Spark types them so, and every schema recomputed, before type
/// coercion casts around them.
pub fn narrow_int_literals(plan: LogicalPlan) -> Result<LogicalPlan> {
    plan.transform_up_with_subqueries(|node| {
        if matches!(node, LogicalPlan::Limit(_)) {
            return Ok(Transformed::no(node));
        }
        if let LogicalPlan::Values(values) = node {
            return narrow_values(values).map(|v| Transformed::yes(LogicalPlan::Values(v)));
        }
        let projection = matches!(node, LogicalPlan::Projection(_));
        // The schema the node's expressions are typed against.
        let schema = match node.inputs().as_slice() {
            [input] => Arc::clone(input.schema()),
            _ => Arc::clone(node.schema()),
        };
        // Aggregates and windows are referred to by name above them: names stay.
        let names = NamePreserver::new(&node);
        let node = node.map_expressions(|e| {
            let name = names.save(&e);
            let e = if projection { narrow_item(e) } else { e };
            let narrowed = e.transform_up(|e| Ok(narrow_operands(e, &schema)))?;
            Ok(Transformed::new_transformed(
                name.restore(narrowed.data),
                narrowed.transformed,
            ))
        })?;
        if node.transformed {
            Ok(Transformed::yes(node.data.recompute_schema()?))
        } else {
            Ok(node)
        }
    })
    .map(|t| t.data)
}

/// An inline table with each column of integer literals that all fit an `int` typed `int`.
fn narrow_values(values: Values) -> Result<Values> {
    let Values { schema, mut values } = values;
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    for (c, field) in fields.iter_mut().enumerate() {
        let narrowable = field.data_type() == &DataType::Int64
            && values.iter().all(|row| match &row[c] {
                Expr::Literal(ScalarValue::Int64(Some(v)), _) => i32::try_from(*v).is_ok(),
                Expr::Literal(ScalarValue::Int64(None) | ScalarValue::Null, _) => true,
                _ => false,
            });
        if !narrowable {
            continue;
        }
        for row in &mut values {
            row[c] = match std::mem::replace(&mut row[c], Expr::Literal(ScalarValue::Null, None)) {
                Expr::Literal(ScalarValue::Int64(None), meta) => {
                    Expr::Literal(ScalarValue::Int32(None), meta)
                }
                other => narrow(other),
            };
        }
        *field = field.clone().with_data_type(DataType::Int32);
    }
    let qualified = (0..fields.len()).map(|i| {
        let (qualifier, _) = schema.qualified_field(i);
        (qualifier.cloned(), Arc::new(fields[i].clone()))
    });
    let schema = DFSchema::new_with_metadata(qualified.collect(), schema.metadata().clone())?;
    Ok(Values {
        schema: Arc::new(schema),
        values,
    })
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

/// A SELECT item or an inline table's value that is a literal (`SELECT 1`, `VALUES (1)`).
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

/// A literal operand of arithmetic with an operand of type `other`, typed as Spark types it:
/// an integer beside a decimal is a decimal of its digits (`1` is `decimal(1,0)`, so
/// `dec + 1` keeps `dec`'s scale and gains one digit, not ten), a decimal literal beside a
/// floating-point value is a double, and other integers are `int`s where they fit.
fn operand(expr: Expr, other: Option<&DataType>) -> Expr {
    match (expr, other) {
        (Expr::Literal(ScalarValue::Int64(Some(v)), meta), Some(DataType::Decimal128(..))) => {
            let digits = v.unsigned_abs().checked_ilog10().map_or(1, |d| d + 1);
            let precision = u8::try_from(digits).unwrap_or(DECIMAL128_MAX_PRECISION);
            Expr::Literal(
                ScalarValue::Decimal128(Some(i128::from(v)), precision, 0),
                meta,
            )
        }
        (
            Expr::Literal(ScalarValue::Decimal128(Some(v), _, scale), meta),
            Some(DataType::Float32 | DataType::Float64),
        ) => {
            let value = v as f64 / 10f64.powi(i32::from(scale));
            Expr::Literal(ScalarValue::Float64(Some(value)), meta)
        }
        (expr, _) => narrow(expr),
    }
}

fn narrow_operands(expr: Expr, schema: &DFSchema) -> Transformed<Expr> {
    let type_of = |e: &Expr| e.get_type(schema).ok();
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if arithmetic(op) => {
            let (left_type, right_type) = (type_of(&left), type_of(&right));
            Transformed::yes(Expr::BinaryExpr(BinaryExpr {
                left: Box::new(operand(*left, right_type.as_ref())),
                op,
                right: Box::new(operand(*right, left_type.as_ref())),
            }))
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if comparison(op) => {
            let mut both = [*left, *right];
            doubles_over_decimals(&mut both, schema);
            let [left, right] = both;
            Transformed::yes(Expr::BinaryExpr(BinaryExpr {
                left: Box::new(left),
                op,
                right: Box::new(right),
            }))
        }
        Expr::InList(InList {
            expr,
            list,
            negated,
        }) => {
            let mut all: Vec<Expr> = std::iter::once(*expr).chain(list).collect();
            doubles_over_decimals(&mut all, schema);
            let expr = all.remove(0);
            Transformed::yes(Expr::InList(InList {
                expr: Box::new(expr),
                list: all,
                negated,
            }))
        }
        Expr::Case(Case {
            expr,
            when_then_expr,
            else_expr,
        }) => {
            let (whens, thens): (Vec<_>, Vec<_>) = when_then_expr.into_iter().unzip();
            let mut results: Vec<Expr> = thens.into_iter().map(|t| narrow(*t)).collect();
            let has_else = else_expr.is_some();
            results.extend(else_expr.map(|e| narrow(*e)));
            doubles_over_decimals(&mut results, schema);
            let else_expr = if has_else {
                results.pop().map(Box::new)
            } else {
                None
            };
            Transformed::yes(Expr::Case(Case {
                expr,
                when_then_expr: whens
                    .into_iter()
                    .zip(results.into_iter().map(Box::new))
                    .collect(),
                else_expr,
            }))
        }
        // Spark's `/` and `div` are planned as functions: their operands are arithmetic's.
        Expr::ScalarFunction(ScalarFunction { func, args })
            if args.len() == 2
                && [super::rewrite::DIVIDE, super::rewrite::INT_DIVIDE].contains(&func.name()) =>
        {
            let types: Vec<Option<DataType>> = args.iter().map(type_of).collect();
            let args = args
                .into_iter()
                .zip(types.iter().rev())
                .map(|(arg, other)| operand(arg, other.as_ref()))
                .collect();
            Transformed::yes(Expr::ScalarFunction(ScalarFunction { func, args }))
        }
        Expr::ScalarFunction(ScalarFunction { func, args })
            if matches!(func.name(), "concat" | "concat_ws") =>
        {
            // Spark's concat takes any value as its text (`concat('id=', id)`).
            let args = args
                .into_iter()
                .map(|a| match a.get_type(schema) {
                    Ok(t) if t.is_numeric() || t.is_temporal() || t == DataType::Boolean => {
                        Expr::ScalarFunction(ScalarFunction::new_udf(
                            Arc::new(super::cast::string_udf()),
                            vec![a],
                        ))
                    }
                    _ => a,
                })
                .collect();
            Transformed::yes(Expr::ScalarFunction(ScalarFunction { func, args }))
        }
        Expr::ScalarFunction(ScalarFunction { func, args })
            if VALUE_FUNCTIONS.contains(&func.name()) =>
        {
            let mut args = args.into_iter().map(narrow).collect::<Vec<_>>();
            doubles_over_decimals(&mut args, schema);
            Transformed::yes(Expr::ScalarFunction(ScalarFunction { func, args }))
        }
        other => Transformed::no(other),
    }
}

/// Values compared or combined together, with the decimals made doubles when one of them is
/// a floating-point number: Spark's common type of a double and a decimal is a double
/// (DataFusion's is a decimal, which fails on NaN and infinities).
fn doubles_over_decimals(exprs: &mut [Expr], schema: &DFSchema) {
    let floating = exprs
        .iter()
        .any(|e| e.get_type(schema).is_ok_and(|t| t.is_floating()));
    if !floating {
        return;
    }
    for e in exprs.iter_mut() {
        if !matches!(e.get_type(schema), Ok(DataType::Decimal128(..))) {
            continue;
        }
        let decimal = std::mem::replace(e, Expr::Literal(ScalarValue::Null, None));
        *e = match decimal {
            literal @ Expr::Literal(..) => operand(literal, Some(&DataType::Float64)),
            other => Expr::Cast(Cast::new(Box::new(other), DataType::Float64)),
        };
    }
}

fn comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
            | Operator::IsDistinctFrom
            | Operator::IsNotDistinctFrom
    )
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
