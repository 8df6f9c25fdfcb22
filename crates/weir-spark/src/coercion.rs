//! Spark's implicit types where DataFusion's coercion picks others, applied to a planned query
//! before DataFusion's analysis ([`spark_types`]):
//!
//! - An integer literal is an `int` where its value fits, as in Spark (DataFusion's are
//!   `bigint`s), so `CASE WHEN c THEN 1 END`, `i + 1`, `max(1)` and `nullif(i, 0)` are `int`s.
//!   The literal arguments of `count` (`count(1)`, DataFusion's `count(*)`) and of window
//!   functions (`lag(x, 2)`) stay as planned, as do `LIMIT`s.
//! - A decimal meeting a `float`/`double` — compared with it, or as another branch of a
//!   `CASE`, or another argument of `coalesce`, `nvl`, `ifnull`, `nvl2`, `if`, `greatest`,
//!   `least` — is read as a `double` (DataFusion makes a decimal of the double, which fails for
//!   NaN and infinities).
//! - Beside text, a number, date or timestamp is text as another branch of a `CASE` or another
//!   argument of `coalesce`, `nvl`, `ifnull`, `nvl2`, `if` (Spark's string promotion;
//!   DataFusion casts the text instead, failing for `coalesce(i, 'x')`).
//! - `nullif(a, b)` is of `a`'s type (DataFusion's, of the common type of `a` and `b`).
//! - Text compared with a number is cast to the number's type with Spark's cast (what does
//!   not convert is NULL): `'1.0' = 1` is true, `'abc' = 0` is NULL, `'123' > 5` compares
//!   numbers. A decimal number takes the text as a `double`. DataFusion compares them as text.
//!   The same holds for `BETWEEN` (Spark's `a >= low AND a <= high`), not for `IN` lists,
//!   which Spark compares as text.
//!
//! - In arithmetic (and Spark's `/` and `div`), an integer literal beside a decimal is a
//!   decimal of its digits (`dec + 1` is `decimal(p+1,s)`, not `decimal(p+11,s)`), a decimal
//!   literal beside a floating-point value a double (`f + 0.1` is a double). A decimal `+`,
//!   `-` or `*` whose exact result needs more than 38 digits is of Spark's type, which gives
//!   up scale (down to 6 digits) for integer digits: `decimal(38,6) * decimal(38,6)` is
//!   `decimal(38,6)`, rounded half up ([`spark_decimal_result`]). The value is computed at
//!   DataFusion's type first, so a product whose full scale does not fit 38 digits is NULL
//!   where Spark would round it.
//! - `concat` takes numbers, dates and booleans as Spark writes them as text.
//! - A cast to an array or a struct gives NULL for an element or field that does not convert
//!   (DataFusion's cast fails the query).
//! - An inline table's column of integer literals that fit is an `int` column.
//! - A UNION of a decimal and a double column is a double, of a date and a timestamp a
//!   timestamp (DataFusion: a decimal, which fails on NaN, and nanoseconds); of decimals
//!   whose common type needs more than 38 digits Spark's type, which gives up scale
//!   ([`wider_decimal`]; a value that does not fit is NULL).
//! - Decimal literals (`0.5`) are decimals: DataFusion's `parse_float_as_decimal`, set by the
//!   session; a number with an exponent (`1e3`) stays a double ([`super::sql_rewrite`]).
//! - A `RANGE` frame with offsets over a decimal key orders by the key widened to 38 digits
//!   (DataFusion fails otherwise, [`decimal_range_offsets`]).
//!
//! The plan is then analyzed (DataFusion's coercion), so that the query's schema is the one of
//! its results: before analysis a `CASE` is typed by its first branch.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field, TimeUnit};
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{plan_datafusion_err, Column, DFSchema, Result, ScalarValue};
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::expr::{
    Between, Case, ScalarFunction, TryCast, WindowFunctionParams,
};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::type_coercion::binary::BinaryTypeCoercer;
use datafusion::logical_expr::{
    BinaryExpr, Cast, Expr, ExprSchemable, LogicalPlan, Operator, Projection, RecursiveQuery,
    ScalarUDF, Union, Values,
};
use datafusion::logical_expr::{WindowFrameBound, WindowFrameUnits};
use datafusion::prelude::lit;

use super::convert::is_string;

/// The plan with Spark's implicit types, analyzed (see the module documentation).
pub fn spark_types(state: &SessionState, plan: LogicalPlan) -> Result<LogicalPlan> {
    let plan = plan
        .transform_up_with_subqueries(|node| {
            if let LogicalPlan::Values(values) = node {
                return narrow_values(values).map(|v| Transformed::yes(LogicalPlan::Values(v)));
            }
            if let LogicalPlan::Union(union) = node {
                return union_types(union).map(|u| Transformed::yes(LogicalPlan::Union(u)));
            }
            if let LogicalPlan::RecursiveQuery(query) = node {
                return recursive_types(query).map(Transformed::yes);
            }
            let inputs = node.inputs();
            if inputs.is_empty() || matches!(node, LogicalPlan::Limit(_)) {
                return Ok(Transformed::no(node));
            }
            let mut schema = DFSchema::empty();
            for input in inputs {
                schema.merge(input.schema());
            }
            // The rewritten expressions keep their names: the plan above refers to them by name.
            let names = NamePreserver::new(&node);
            let rewritten = node.map_expressions(|e| {
                let name = names.save(&e);
                Ok(int_literals(e)?
                    .transform_data(|e| e.transform_up(|e| spark_expr(e, &schema)))?
                    .update_data(|e| name.restore(e)))
            })?;
            // A rewritten input changes the types this node's expressions refer to.
            Ok(Transformed::yes(rewritten.data.recompute_schema()?))
        })?
        .data;
    state
        .analyzer()
        .execute_and_check(plan, state.config_options(), |_, _| {})
}

/// One expression over `schema` with Spark's implicit types (as [`spark_types`] gives a plan's
/// expressions), e.g. a lambda's body.
pub fn spark_expression(expr: Expr, schema: &DFSchema) -> Result<Expr> {
    int_literals(expr)?
        .transform_data(|e| e.transform_up(|e| spark_expr(e, schema)))
        .map(|t| t.data)
}

/// Integer literals as Spark types them: an `int` where the value fits (DataFusion's are all
/// `bigint`s). The literal arguments of aggregates (`count(1)`, DataFusion's `count(*)`) stay.
fn int_literals(expr: Expr) -> Result<Transformed<Expr>> {
    expr.transform_down(|e| match e {
        // DataFusion plans `count(*)` as `count(1)` with a `bigint` 1 it recognizes.
        Expr::AggregateFunction(mut f) if f.func.name() == "count" => {
            let changed = int_literals_within(&mut f.params.args)?;
            Ok(Transformed::new(
                Expr::AggregateFunction(f),
                changed,
                TreeNodeRecursion::Jump,
            ))
        }
        Expr::WindowFunction(mut f) => {
            let changed = int_literals_within(&mut f.params.args)?;
            Ok(Transformed::new(
                Expr::WindowFunction(f),
                changed,
                TreeNodeRecursion::Jump,
            ))
        }
        Expr::Literal(ScalarValue::Int64(Some(v)), meta) => match i32::try_from(v) {
            Ok(v) => Ok(Transformed::yes(Expr::Literal(
                ScalarValue::Int32(Some(v)),
                meta,
            ))),
            Err(_) => Ok(Transformed::no(Expr::Literal(
                ScalarValue::Int64(Some(v)),
                meta,
            ))),
        },
        other => Ok(Transformed::no(other)),
    })
}

/// [`int_literals`] inside the arguments that are not literals themselves.
fn int_literals_within(args: &mut [Expr]) -> Result<bool> {
    let mut changed = false;
    for arg in args.iter_mut() {
        if !matches!(arg, Expr::Literal(..)) {
            let t = int_literals(std::mem::replace(arg, lit(0)))?;
            changed |= t.transformed;
            *arg = t.data;
        }
    }
    Ok(changed)
}

static SPARK_CAST: LazyLock<Option<Arc<ScalarUDF>>> = LazyLock::new(|| {
    super::cast::functions()
        .into_iter()
        .find(|f| f.name() == super::cast::CAST)
        .map(Arc::new)
});

fn is_decimal(t: &DataType) -> bool {
    matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..))
}

fn to_double(e: Expr) -> Expr {
    Expr::Cast(Cast::new(Box::new(e), DataType::Float64))
}

fn spark_cast(e: Expr, to: &DataType) -> Expr {
    match SPARK_CAST.as_ref() {
        Some(udf) => Expr::ScalarFunction(ScalarFunction::new_udf(
            Arc::clone(udf),
            vec![e, lit(to.to_string())],
        )),
        None => Expr::Cast(Cast::new(Box::new(e), to.clone())),
    }
}

/// Spark's type of a decimal `+`, `-` or `*` whose exact result would need more than 38
/// digits, where it differs from DataFusion's: Spark keeps the integer digits and gives up
/// scale down to 6 digits (`DecimalPrecision` with precision loss allowed), so
/// `decimal(38,6) * decimal(38,6)` is `decimal(38,6)`, where DataFusion keeps the scale
/// (`decimal(38,12)`). The result is then DataFusion's, rounded half up to Spark's scale.
fn spark_decimal_result(
    left: &Expr,
    op: Operator,
    right: &Expr,
    schema: &DFSchema,
) -> Option<DataType> {
    let (Ok(l), Ok(r)) = (left.get_type(schema), right.get_type(schema)) else {
        return None;
    };
    let (DataType::Decimal128(p1, s1), DataType::Decimal128(p2, s2)) = (&l, &r) else {
        return None;
    };
    let (p1, s1, p2, s2) = (
        i32::from(*p1),
        i32::from(*s1),
        i32::from(*p2),
        i32::from(*s2),
    );
    if s1 < 0 || s2 < 0 {
        return None;
    }
    let (precision, scale) = match op {
        Operator::Plus | Operator::Minus => {
            let scale = s1.max(s2);
            (scale + (p1 - s1).max(p2 - s2) + 1, scale)
        }
        Operator::Multiply => (p1 + p2 + 1, s1 + s2),
        _ => return None,
    };
    if precision <= 38 {
        return None;
    }
    let scale = (38 - (precision - scale)).max(scale.min(6));
    let spark = DataType::Decimal128(38, i8::try_from(scale).ok()?);
    let datafusion = BinaryTypeCoercer::new(&l, &op, &r).get_result_type().ok()?;
    (datafusion != spark).then_some(spark)
}

const COMPARISONS: [Operator; 8] = [
    Operator::Eq,
    Operator::NotEq,
    Operator::Lt,
    Operator::LtEq,
    Operator::Gt,
    Operator::GtEq,
    Operator::IsDistinctFrom,
    Operator::IsNotDistinctFrom,
];

/// Functions whose arguments (from the given one on) take one common type.
fn common_type_args(name: &str) -> Option<usize> {
    match name {
        "coalesce" | "nvl" | "ifnull" | "greatest" | "least" => Some(0),
        "if" | "nvl2" => Some(1),
        _ => None,
    }
}

/// `values` that take one type (the branches of a `CASE`, the arguments of `coalesce`):
/// decimals as doubles beside a floating-point value ([`decimals_as_doubles`]), and, where
/// `text_wins`, numbers, dates and timestamps as text beside text (Spark's string promotion;
/// DataFusion casts the text to the other type instead).
fn one_type(values: &mut [Expr], schema: &DFSchema, text_wins: bool) -> Result<bool> {
    if decimals_as_doubles(values, schema)? {
        return Ok(true);
    }
    let Ok(types) = values
        .iter()
        .map(|v| v.get_type(schema))
        .collect::<Result<Vec<_>>>()
    else {
        return Ok(false);
    };
    let promoted =
        |t: &DataType| t.is_numeric() || matches!(t, DataType::Date32 | DataType::Timestamp(..));
    if !(text_wins && types.iter().any(is_string) && types.iter().any(promoted)) {
        return Ok(false);
    }
    for (v, t) in values.iter_mut().zip(&types) {
        if promoted(t) {
            *v = spark_cast(std::mem::replace(v, lit(0)), &DataType::Utf8);
        }
    }
    Ok(true)
}

/// Decimals among `values` as doubles when a floating-point value is among them.
fn decimals_as_doubles(values: &mut [Expr], schema: &DFSchema) -> Result<bool> {
    // A type not known before analysis leaves the values as they are.
    let Ok(types) = values
        .iter()
        .map(|v| v.get_type(schema))
        .collect::<Result<Vec<_>>>()
    else {
        return Ok(false);
    };
    if !(types.iter().any(is_decimal) && types.iter().any(DataType::is_floating)) {
        return Ok(false);
    }
    for (v, t) in values.iter_mut().zip(&types) {
        if is_decimal(t) {
            *v = to_double(std::mem::replace(v, lit(0)));
        }
    }
    Ok(true)
}

fn spark_expr(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    match expr {
        // A cast to an array or a struct: an element or field that does not convert is NULL
        // (Spark's non-ANSI cast), where DataFusion's cast fails the query.
        Expr::Cast(Cast { expr, data_type })
            if matches!(
                data_type,
                DataType::List(_) | DataType::LargeList(_) | DataType::Struct(_)
            ) =>
        {
            Ok(Transformed::yes(Expr::TryCast(TryCast::new(
                expr, data_type,
            ))))
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if ARITHMETIC.contains(&op) => {
            let (left_type, right_type) = (left.get_type(schema).ok(), right.get_type(schema).ok());
            let (left, right) = (
                operand(*left, right_type.as_ref()),
                operand(*right, left_type.as_ref()),
            );
            let result_type = spark_decimal_result(&left, op, &right, schema);
            let expr = Expr::BinaryExpr(BinaryExpr::new(Box::new(left), op, Box::new(right)));
            Ok(Transformed::yes(match result_type {
                Some(t) => spark_cast(expr, &t),
                None => expr,
            }))
        }
        // Spark's `/` and `div` are planned as functions: their operands are arithmetic's.
        Expr::ScalarFunction(mut f)
            if f.args.len() == 2
                && [super::rewrite::DIVIDE, super::rewrite::INT_DIVIDE]
                    .contains(&f.func.name()) =>
        {
            f.args = operands(std::mem::take(&mut f.args), schema);
            Ok(Transformed::yes(Expr::ScalarFunction(f)))
        }
        // `%` (planned as `mod`) and `pmod` of decimals: Spark's operand types, and Spark's
        // result type — the narrower integer part and the wider scale (a remainder is smaller
        // than its divisor) — where DataFusion keeps the dividend's whole precision.
        Expr::ScalarFunction(mut f)
            if f.args.len() == 2 && matches!(f.func.name(), "mod" | "pmod") =>
        {
            f.args = operands(std::mem::take(&mut f.args), schema);
            // A floating-point remainder by zero (-0.0 too) is NULL, not NaN.
            let floating = f
                .args
                .iter()
                .filter_map(|e| e.get_type(schema).ok().filter(DataType::is_floating))
                .max_by_key(|t| t.primitive_width());
            if let Some(t) = floating {
                let divisor = std::mem::replace(&mut f.args[1], lit(0));
                let divisor = Expr::Cast(Cast::new(Box::new(divisor), t.clone()));
                let normalized = super::float_keys::udf().call(vec![divisor]);
                let zero = lit(ScalarValue::new_zero(&t)?);
                f.args[1] = datafusion::functions::core::expr_fn::nullif(normalized, zero);
            }
            let remainder = decimal_remainder(&f.args[0], &f.args[1], schema);
            let call = Expr::ScalarFunction(f);
            Ok(Transformed::yes(match remainder {
                Some(t) => Expr::Cast(Cast::new(Box::new(call), t)),
                None => call,
            }))
        }
        // Spark's concat takes any value as its text (`concat('id=', id)`).
        Expr::ScalarFunction(mut f) if matches!(f.func.name(), "concat" | "concat_ws") => {
            let mut changed = false;
            for arg in f.args.iter_mut() {
                if let Ok(t) = arg.get_type(schema) {
                    if t.is_numeric() || t.is_temporal() || t == DataType::Boolean {
                        *arg = spark_cast(std::mem::replace(arg, lit(0)), &DataType::Utf8);
                        changed = true;
                    }
                }
            }
            Ok(Transformed::new_transformed(
                Expr::ScalarFunction(f),
                changed,
            ))
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if COMPARISONS.contains(&op) => {
            let mut values = vec![*left, *right];
            let changed = comparable(&mut values, schema)?;
            let [left, right]: [Expr; 2] = values
                .try_into()
                .map_err(|_| plan_datafusion_err!("a comparison has two sides"))?;
            Ok(Transformed::new_transformed(
                Expr::BinaryExpr(BinaryExpr::new(Box::new(left), op, Box::new(right))),
                changed,
            ))
        }
        Expr::Between(Between {
            expr,
            negated,
            low,
            high,
        }) => {
            let mut values = vec![*expr, *low, *high];
            let changed = comparable(&mut values, schema)?;
            let [expr, low, high]: [Expr; 3] = values
                .try_into()
                .map_err(|_| plan_datafusion_err!("BETWEEN has three values"))?;
            Ok(Transformed::new_transformed(
                Expr::Between(Between::new(
                    Box::new(expr),
                    negated,
                    Box::new(low),
                    Box::new(high),
                )),
                changed,
            ))
        }
        Expr::WindowFunction(mut f) if decimal_range_offsets(&f.params, schema) => {
            if let Some(key) = f.params.order_by.first_mut() {
                if let Ok(DataType::Decimal128(_, scale)) = key.expr.get_type(schema) {
                    let widened = Cast::new(
                        Box::new(std::mem::replace(&mut key.expr, lit(0))),
                        DataType::Decimal128(38, scale),
                    );
                    key.expr = Expr::Cast(widened);
                }
            }
            Ok(Transformed::yes(Expr::WindowFunction(f)))
        }
        Expr::Case(mut case) => {
            let mut results: Vec<Expr> = case
                .when_then_expr
                .iter()
                .map(|(_, then)| then.as_ref().clone())
                .chain(case.else_expr.as_deref().cloned())
                .collect();
            if !one_type(&mut results, schema, true)? {
                return Ok(Transformed::no(Expr::Case(case)));
            }
            let mut results = results.into_iter();
            for (_, then) in case.when_then_expr.iter_mut() {
                if let Some(r) = results.next() {
                    **then = r;
                }
            }
            if let Some(else_expr) = case.else_expr.as_mut() {
                if let Some(r) = results.next() {
                    **else_expr = r;
                }
            }
            Ok(Transformed::yes(Expr::Case(Case { ..case })))
        }
        // Spark's `nullif(a, b)` is `if(a = b, NULL, a)`: of `a`'s type.
        Expr::ScalarFunction(f) if f.func.name() == "nullif" && f.args.len() == 2 => {
            match (f.args[0].get_type(schema), f.args[1].get_type(schema)) {
                (Ok(a), Ok(b)) if a != b && !a.is_null() => Ok(Transformed::yes(Expr::Cast(
                    Cast::new(Box::new(Expr::ScalarFunction(f)), a),
                ))),
                _ => Ok(Transformed::no(Expr::ScalarFunction(f))),
            }
        }
        Expr::ScalarFunction(mut f) => match common_type_args(f.func.name()) {
            Some(from) if f.args.len() > from => {
                let text_wins = !matches!(f.func.name(), "greatest" | "least");
                match one_type(&mut f.args[from..], schema, text_wins)? {
                    true => Ok(Transformed::yes(Expr::ScalarFunction(f))),
                    false => Ok(Transformed::no(Expr::ScalarFunction(f))),
                }
            }
            _ => Ok(Transformed::no(Expr::ScalarFunction(f))),
        },
        other => Ok(Transformed::no(other)),
    }
}

const ARITHMETIC: [Operator; 9] = [
    Operator::Plus,
    Operator::Minus,
    Operator::Multiply,
    Operator::Divide,
    Operator::Modulo,
    Operator::BitwiseAnd,
    Operator::BitwiseOr,
    Operator::BitwiseXor,
    Operator::BitwiseShiftLeft,
];

/// A literal operand of arithmetic with an operand of type `other`, typed as Spark types it:
/// an integer beside a decimal is a decimal of its digits (`1` is `decimal(1,0)`, so
/// `dec + 1` keeps `dec`'s scale and gains one digit, not ten), a decimal literal beside a
/// floating-point value is a double.
/// The two operands of an arithmetic function, each typed beside the other ([`operand`]).
fn operands(args: Vec<Expr>, schema: &DFSchema) -> Vec<Expr> {
    let types: Vec<Option<DataType>> = args.iter().map(|a| a.get_type(schema).ok()).collect();
    args.into_iter()
        .zip(types.iter().rev())
        .map(|(arg, other)| operand(arg, other.as_ref()))
        .collect()
}

/// Spark's type of the remainder of two decimals.
fn decimal_remainder(a: &Expr, b: &Expr, schema: &DFSchema) -> Option<DataType> {
    let (Ok(DataType::Decimal128(p1, s1)), Ok(DataType::Decimal128(p2, s2))) =
        (a.get_type(schema), b.get_type(schema))
    else {
        return None;
    };
    let scale = s1.max(s2);
    let integer = (p1 as i8 - s1).min(p2 as i8 - s2);
    Some(DataType::Decimal128(
        (integer + scale).clamp(1, 38) as u8,
        scale,
    ))
}

fn operand(expr: Expr, other: Option<&DataType>) -> Expr {
    let integer = |v: &ScalarValue| match v {
        ScalarValue::Int32(Some(v)) => Some(i64::from(*v)),
        ScalarValue::Int64(Some(v)) => Some(*v),
        _ => None,
    };
    match (expr, other) {
        (Expr::Literal(v, meta), Some(DataType::Decimal128(..))) if integer(&v).is_some() => {
            let v = integer(&v).unwrap_or_default();
            let digits = v.unsigned_abs().checked_ilog10().map_or(1, |d| d + 1);
            Expr::Literal(
                ScalarValue::Decimal128(Some(i128::from(v)), digits as u8, 0),
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
        (expr, _) => expr,
    }
}

/// An inline table with each column of integer literals that all fit an `int` typed `int`
/// (the table's own schema is rewritten with them).
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
            if let Expr::Literal(v, _) = &mut row[c] {
                *v = match v {
                    ScalarValue::Int64(Some(x)) => ScalarValue::Int32(i32::try_from(*x).ok()),
                    _ => ScalarValue::Int32(None),
                };
            }
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

/// A UNION's columns with Spark's common types where DataFusion's differ — a double where a
/// decimal meets a double, a timestamp where a date meets a timestamp — and its schema derived
/// again from its inputs (DataFusion keeps the one planned, before literals were narrowed).
fn union_types(union: Union) -> Result<Union> {
    let Union { mut inputs, .. } = union;
    let width = inputs.first().map_or(0, |i| i.schema().fields().len());
    for c in 0..width {
        let types: Vec<DataType> = inputs
            .iter()
            .filter_map(|i| i.schema().fields().get(c).map(|f| f.data_type().clone()))
            .collect();
        let any = |f: fn(&DataType) -> bool| types.iter().any(f);
        let to = if any(is_decimal) && any(DataType::is_floating) {
            Some((is_decimal as fn(&DataType) -> bool, DataType::Float64))
        } else if any(|t| matches!(t, DataType::Date32))
            && any(|t| matches!(t, DataType::Timestamp(..)))
        {
            Some((
                (|t: &DataType| matches!(t, DataType::Date32)) as fn(&DataType) -> bool,
                DataType::Timestamp(TimeUnit::Microsecond, None),
            ))
        } else {
            wider_decimal(&types).map(|t| (is_decimal as fn(&DataType) -> bool, t))
        };
        let Some((converted, to)) = to else { continue };
        for input in inputs.iter_mut() {
            if !input
                .schema()
                .fields()
                .get(c)
                .is_some_and(|f| converted(f.data_type()))
            {
                continue;
            }
            let exprs = input
                .schema()
                .iter()
                .enumerate()
                .map(|(i, (qualifier, field))| {
                    let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
                    match i == c {
                        // A decimal that does not fit the narrower scale is NULL.
                        true if is_decimal(&to) => spark_cast(column, &to)
                            .alias_qualified(qualifier.cloned(), field.name()),
                        true => Expr::Cast(Cast::new(Box::new(column), to.clone()))
                            .alias_qualified(qualifier.cloned(), field.name()),
                        false => column,
                    }
                })
                .collect();
            *input = Arc::new(LogicalPlan::Projection(Projection::try_new(
                exprs,
                Arc::clone(input),
            )?));
        }
    }
    Union::try_new_with_loose_types(inputs)
}

/// A recursive CTE whose anchor got Spark's types (`SELECT 1 AS n` an `int`): the rows it
/// hands the recursive term are cast to the types that term was planned for (its work table's,
/// DataFusion's), and the CTE's result to the anchor's types, as Spark types it. The work
/// table's rows would otherwise not be of its declared types.
fn recursive_types(query: RecursiveQuery) -> Result<LogicalPlan> {
    let mut work_table = None;
    query.recursive_term.apply(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            if scan.table_name.table() == query.name {
                work_table = Some(scan.source.schema());
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    let anchor: Vec<DataType> = column_types(&query.static_term);
    let Some(work_table) = work_table else {
        return Ok(LogicalPlan::RecursiveQuery(query));
    };
    let declared: Vec<DataType> = work_table
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    if declared == anchor || declared.len() != anchor.len() {
        return Ok(LogicalPlan::RecursiveQuery(query));
    }
    let static_term = Arc::new(cast_columns(
        Arc::unwrap_or_clone(query.static_term.clone()),
        &declared,
    )?);
    let query = LogicalPlan::RecursiveQuery(RecursiveQuery {
        static_term,
        ..query
    });
    cast_columns(query, &anchor)
}

fn column_types(plan: &LogicalPlan) -> Vec<DataType> {
    plan.schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect()
}

/// `plan` with each column cast to the type at its place in `types`, under its name.
fn cast_columns(plan: LogicalPlan, types: &[DataType]) -> Result<LogicalPlan> {
    let exprs: Vec<Expr> = plan
        .schema()
        .iter()
        .zip(types)
        .map(|((qualifier, field), to)| {
            let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
            match field.data_type() == to {
                true => column,
                false => Expr::Cast(Cast::new(Box::new(column), to.clone()))
                    .alias_qualified(qualifier.cloned(), field.name()),
            }
        })
        .collect();
    Ok(LogicalPlan::Projection(Projection::try_new(
        exprs,
        Arc::new(plan),
    )?))
}

/// Spark's common type of decimal columns whose widest integral part and widest scale need
/// more than 38 digits together: it keeps the integral digits and gives up scale, down to 6
/// places (`decimal(38,6)` and `decimal(38,10)` meet as `decimal(38,6)`; DataFusion's type,
/// `decimal(38,10)`, cannot hold the first one's values).
fn wider_decimal(types: &[DataType]) -> Option<DataType> {
    let mut widest = (0i32, 0i32);
    for t in types {
        let DataType::Decimal128(p, s) = t else {
            return None;
        };
        let (p, s) = (i32::from(*p), i32::from(*s));
        widest = (widest.0.max(p - s), widest.1.max(s));
    }
    let (integral, scale) = widest;
    (integral + scale > 38).then(|| super::decimal_divide::adjusted(integral + scale, scale))
}

/// A `RANGE` frame with an offset over one decimal key narrower than 38 digits. DataFusion
/// finds a frame's edges by comparing the keys with `key ± offset`, a decimal one digit wider,
/// and decimals of different precisions do not compare; keys of 38 digits stay 38 digits.
fn decimal_range_offsets(params: &WindowFunctionParams, schema: &DFSchema) -> bool {
    let frame = &params.window_frame;
    let offset = |b: &WindowFrameBound| matches!(b, WindowFrameBound::Preceding(v) | WindowFrameBound::Following(v) if !v.is_null());
    frame.units == WindowFrameUnits::Range
        && (offset(&frame.start_bound) || offset(&frame.end_bound))
        && params.order_by.len() == 1
        && matches!(
            params.order_by[0].expr.get_type(schema),
            Ok(DataType::Decimal128(p, _)) if p < 38
        )
}

/// `values[0]` compared with each of the others, with Spark's types: decimals as doubles
/// beside a floating-point number; text beside a number cast to the number's type (a `double`
/// for a decimal, the decimal then a `double` too). Whether a value changed.
fn comparable(values: &mut [Expr], schema: &DFSchema) -> Result<bool> {
    if decimals_as_doubles(values, schema)? {
        return Ok(true);
    }
    // A type not known before analysis leaves the values as they are.
    let Ok(types) = values
        .iter()
        .map(|v| v.get_type(schema))
        .collect::<Result<Vec<_>>>()
    else {
        return Ok(false);
    };
    let (subject, others) = (&types[0], &types[1..]);
    let number = match (is_string(subject), subject.is_numeric()) {
        (true, _) => others.iter().find(|t| t.is_numeric()),
        (_, true) if others.iter().any(is_string) => Some(subject),
        _ => None,
    };
    let Some(number) = number else {
        return Ok(false);
    };
    let target = match is_decimal(number) {
        true => DataType::Float64,
        false => number.clone(),
    };
    for (v, t) in values.iter_mut().zip(&types) {
        let value = std::mem::replace(v, lit(0));
        *v = match t {
            t if is_string(t) => spark_cast(value, &target),
            t if is_decimal(t) && target == DataType::Float64 => to_double(value),
            _ => value,
        };
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::execution::context::SessionContext;

    use super::*;

    async fn row(sql: &str) -> Vec<(DataType, String)> {
        let ctx = SessionContext::new();
        super::super::register(&ctx).unwrap();
        let df = super::super::sql(&ctx, sql).await.unwrap();
        let types: Vec<DataType> = df
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let batch = &df.collect().await.unwrap()[0];
        types
            .into_iter()
            .zip(batch.columns())
            .map(|(t, c)| {
                let text = datafusion::arrow::compute::cast(c, &DataType::Utf8).unwrap();
                let text = text.as_string::<i32>();
                let shown = match text.is_null(0) {
                    true => "NULL".to_string(),
                    false => text.value(0).to_string(),
                };
                (t, shown)
            })
            .collect()
    }

    #[tokio::test]
    async fn text_compared_with_a_number_is_cast_to_it() {
        let got = row("SELECT '1.0' = 1, 'abc' = 0, '123' > 5, '10' BETWEEN 5 AND 20").await;
        let shown: Vec<&str> = got.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(shown, ["true", "NULL", "true", "true"]);
    }

    #[tokio::test]
    async fn a_decimal_with_a_double_is_a_double_and_literals_are_ints() {
        let got = row(
            "SELECT CASE WHEN true THEN CAST(1 AS DECIMAL(10,2)) ELSE CAST('NaN' AS DOUBLE) END, \
             coalesce(CAST(NULL AS DECIMAL(10,2)), CAST('Infinity' AS DOUBLE)), 1, 3000000000",
        )
        .await;
        let types: Vec<&DataType> = got.iter().map(|(t, _)| t).collect();
        assert_eq!(
            types,
            [
                &DataType::Float64,
                &DataType::Float64,
                &DataType::Int32,
                &DataType::Int64
            ]
        );
        assert_eq!(got[1].1, "inf");
    }
}
