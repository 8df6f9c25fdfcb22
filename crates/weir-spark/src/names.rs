//! The names Spark gives SELECT items written without an alias (its `toPrettySQL`), computed
//! from the parsed query before it is rewritten, so that `SELECT id + 1, count(*)` yields the
//! columns `(id + 1)` and `count(1)` as in Spark (DataFusion would say `t.id + Int64(1)` and
//! `count(Int64(1))`). These names become catalog columns when a target creates its table.
//!
//! Spark's rules, as far as they are followed here: a column is named by its last name part
//! as written (`T.Id` → `Id`, `st.a` → `a`); a cast of a column keeps the column's name;
//! operators are parenthesised (`(a + b)`, `(NOT (a = b))` for `a <> b`); literals are their
//! text (strings without quotes, `DATE '…'` for typed ones); functions are `name(args)` with
//! the name as written (lower case) except the functions Spark prints in upper case
//! ([`UPPER_CASE`]) and arguments Spark fills in ([`default_arguments`]); `count(*)` is
//! `count(1)`; window functions carry their whole resolved specification (`ORDER BY x ASC
//! NULLS FIRST ROWS BETWEEN …`). A name not derivable here (an unusual expression) is the
//! expression's SQL text. Names Spark gives by type (`st['a']` of a struct, `dt + 1` of a
//! date) are corrected once the query is planned ([`typed_names`]).

use std::ops::ControlFlow;

use std::collections::HashMap;

use datafusion::arrow::datatypes::DataType as ArrowType;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::{Expr as LogicalExpr, ExprSchemable, LogicalPlan};
use datafusion::sql::sqlparser::ast::{
    visit_expressions, AccessExpr, BinaryOperator, CastKind, DataType, DateTimeField,
    DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Interval,
    LambdaFunction, OneOrManyWithParens, OrderByExpr, Query, SetExpr, Subscript, TableFactor,
    TrimWhereField, UnaryOperator, Value, WindowFrame, WindowFrameBound, WindowFrameUnits,
    WindowType,
};

/// Functions Spark names in upper case (their expressions' `prettyName`).
const UPPER_CASE: &[&str] = &[
    "sqrt",
    "cbrt",
    "exp",
    "expm1",
    "log10",
    "log2",
    "log1p",
    "ceil",
    "floor",
    "signum",
    "power",
    "sin",
    "cos",
    "tan",
    "cot",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "rint",
    "degrees",
    "radians",
    "rank",
    "dense_rank",
    "percent_rank",
    "regexp_like",
    "rlike",
    "regexp",
];

/// Ranking functions: their default frame is `ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`.
const RANKING: &[&str] = &["row_number", "rank", "dense_rank", "percent_rank", "ntile"];

/// Spark's name of an unaliased SELECT item.
pub fn item_name(expr: &Expr) -> String {
    match expr {
        // A cast of a column keeps the column's name (Spark 4).
        Expr::Cast { expr: inner, .. } if column(inner).is_some() => name(inner),
        Expr::BinaryOp {
            left,
            op: op @ (BinaryOperator::Plus | BinaryOperator::Minus),
            right,
        } => {
            let named = name(expr);
            let interval = match right.as_ref() {
                Expr::Interval(i) => Some(
                    matches!(
                        i.leading_field,
                        Some(DateTimeField::Day | DateTimeField::Days)
                    ) && i.last_field.is_none(),
                ),
                _ => None,
            };
            let arithmetic = Arithmetic {
                left: name(left),
                minus: *op == BinaryOperator::Minus,
                right: name(right),
                interval,
            };
            ARITHMETIC.with(|a| a.borrow_mut().insert(named.clone(), arithmetic));
            named
        }
        _ => name(expr),
    }
}

/// A `+` or `-` named by [`item_name`], which Spark names by its operands' types.
struct Arithmetic {
    left: String,
    minus: bool,
    right: String,
    /// `Some(true)` for an interval of days, `Some(false)` for another interval.
    interval: Option<bool>,
}

thread_local! {
    /// The `+` and `-` items [`item_name`] named while a statement is rewritten (a synchronous
    /// pass), until [`take_items`] takes them.
    static ARITHMETIC: std::cell::RefCell<HashMap<String, Arithmetic>> = Default::default();
}

/// The `+` and `-` items [`item_name`] named in one statement, by name.
#[derive(Default)]
pub struct NamedItems(HashMap<String, Arithmetic>);

/// Forgets the items [`item_name`] named (before a statement is rewritten).
pub fn forget_items() {
    ARITHMETIC.with(|a| a.borrow_mut().clear());
}

/// The items [`item_name`] named since [`forget_items`], taken from this thread before the
/// statement is planned (planning awaits, and the task may go on on another thread).
pub fn take_items() -> NamedItems {
    NamedItems(ARITHMETIC.with(|a| std::mem::take(&mut *a.borrow_mut())))
}

/// Spark's name of `left ± right` given the left operand's type: `date_add(dt, 1)` for a
/// date and a number, `date_add(dt, (- extractansiintervaldays(INTERVAL '1' DAY)))` for a
/// date and days, `ts + INTERVAL '02' HOUR` for a timestamp and an interval.
fn arithmetic_name(a: &Arithmetic, left: &ArrowType) -> Option<String> {
    let (l, r) = (&a.left, &a.right);
    let symbol = if a.minus { "-" } else { "+" };
    match (left, a.interval) {
        (ArrowType::Date32, None) => Some(match a.minus {
            true => format!("date_sub({l}, {r})"),
            false => format!("date_add({l}, {r})"),
        }),
        (ArrowType::Date32, Some(true)) => Some(match a.minus {
            true => format!("date_add({l}, (- extractansiintervaldays({r})))"),
            false => format!("date_add({l}, extractansiintervaldays({r}))"),
        }),
        (ArrowType::Timestamp(..), Some(_)) => Some(format!("{l} {symbol} {r}")),
        _ => None,
    }
}

/// The column a bare column reference names, if `expr` is one.
fn column(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Identifier(i) => Some(&i.value),
        Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.as_str()),
        Expr::Nested(inner) => column(inner),
        _ => None,
    }
}

/// `int(x)`, `string(x)`, …: Spark's casting functions.
fn is_cast_function(f: &Function) -> bool {
    matches!(
        function_name(f).as_str(),
        "int"
            | "bigint"
            | "smallint"
            | "tinyint"
            | "string"
            | "double"
            | "float"
            | "boolean"
            | "date"
            | "timestamp"
            | "decimal"
            | "binary"
    )
}

fn single_arg(f: &Function) -> Option<&Expr> {
    match args(f).as_slice() {
        [only] => Some(only),
        _ => None,
    }
}

fn function_name(f: &Function) -> String {
    f.name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.to_ascii_lowercase())
        .unwrap_or_default()
}

fn args(f: &Function) -> Vec<&Expr> {
    match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                | FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The names of `plan`'s columns that Spark names by type, which the query as written cannot
/// tell, with Spark's names: a column named `x[a]` (a subscript by a text literal) is `x.a` where `x` is a struct
/// (a map's value keeps `x[a]`); `(dt + 1)` is `date_add(dt, 1)` where `dt` is a date
/// ([`arithmetic_name`]).
pub fn typed_names(plan: &LogicalPlan, items: &NamedItems) -> Result<HashMap<String, String>> {
    let mut names: HashMap<String, String> = HashMap::new();
    plan.apply(|node| {
        if let LogicalPlan::Projection(projection) = node {
            let input = projection.input.schema();
            for e in &projection.expr {
                if let Some((name, spark)) =
                    struct_field_name(e, input).or_else(|| typed_arithmetic_name(e, input, items))
                {
                    names.insert(name, spark);
                }
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(names)
}

/// `((dt + 1), date_add(dt, 1))` for a projected `+` or `-` [`item_name`] named, when its left
/// operand's type gives it another name in Spark.
fn typed_arithmetic_name(
    e: &LogicalExpr,
    input: &DFSchema,
    items: &NamedItems,
) -> Option<(String, String)> {
    let LogicalExpr::Alias(alias) = e else {
        return None;
    };
    let LogicalExpr::BinaryExpr(binary) = alias.expr.as_ref() else {
        return None;
    };
    let left = binary.left.get_type(input).ok()?;
    let spark = arithmetic_name(items.0.get(&alias.name)?, &left)?;
    Some((alias.name.clone(), spark))
}

/// `(x[a], x.a)` for a projected `spark_subscript(x, 'a') AS x[a]` of a struct `x`.
fn struct_field_name(e: &LogicalExpr, input: &DFSchema) -> Option<(String, String)> {
    let LogicalExpr::Alias(alias) = e else {
        return None;
    };
    let LogicalExpr::ScalarFunction(f) = alias.expr.as_ref() else {
        return None;
    };
    let [value, LogicalExpr::Literal(ScalarValue::Utf8(Some(field)), _)] = f.args.as_slice() else {
        return None;
    };
    let prefix = alias.name.strip_suffix(&format!("[{field}]"))?;
    let is_struct = matches!(value.get_type(input), Ok(ArrowType::Struct(_)));
    (f.func.name() == super::subscript::NAME && is_struct)
        .then(|| (alias.name.clone(), format!("{prefix}.{field}")))
}

/// Spark's SQL text of an expression inside a name.
pub fn name(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(i) => i.value.clone(),
        Expr::CompoundIdentifier(parts) => {
            parts.last().map(|p| p.value.clone()).unwrap_or_default()
        }
        Expr::CompoundFieldAccess { root, access_chain } => {
            let mut out = name(root);
            for access in access_chain {
                match access {
                    // A member of a column is named by the member, of any other value by
                    // the whole path.
                    AccessExpr::Dot(field) => match root.as_ref() {
                        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => out = name(field),
                        _ => out = format!("{out}.{}", name(field)),
                    },
                    AccessExpr::Subscript(Subscript::Index { index }) => match index {
                        Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_)) => {
                            out = format!("{out}[{}]", name(index));
                        }
                        _ => out = format!("{out}[{}]", name(index)),
                    },
                    AccessExpr::Subscript(other) => out = format!("{out}[{other}]"),
                }
            }
            out
        }
        Expr::Value(v) => literal(&v.value),
        Expr::TypedString(t) => typed_literal(&t.data_type, &t.value.value),
        Expr::Nested(inner) => name(inner),
        Expr::UnaryOp { op, expr: inner } => match (op, inner.as_ref()) {
            // A negative number is one literal to Spark's parser (`-1.0D` too).
            (UnaryOperator::Minus, inner) if is_number(inner) => format!("-{}", name(inner)),
            (UnaryOperator::Minus, _) => format!("(- {})", name(inner)),
            (UnaryOperator::Plus, _) => format!("(+ {})", name(inner)),
            (UnaryOperator::Not, _) => format!("(NOT {})", name(inner)),
            (UnaryOperator::BitwiseNot, _) => format!("~{}", name(inner)),
            _ => expr.to_string(),
        },
        Expr::BinaryOp { left, op, right } => binary(left, op, right),
        Expr::Interval(interval) => interval_literal(interval).unwrap_or_else(|| expr.to_string()),
        Expr::IsNull(inner) => format!("({} IS NULL)", name(inner)),
        Expr::IsNotNull(inner) => format!("({} IS NOT NULL)", name(inner)),
        Expr::IsUnknown(inner) => format!("({} IS NULL)", name(inner)),
        Expr::IsNotUnknown(inner) => format!("({} IS NOT NULL)", name(inner)),
        Expr::IsTrue(inner) => format!("({} <=> true)", name(inner)),
        Expr::IsFalse(inner) => format!("({} <=> false)", name(inner)),
        Expr::IsNotTrue(inner) => format!("(NOT ({} <=> true))", name(inner)),
        Expr::IsNotFalse(inner) => format!("(NOT ({} <=> false))", name(inner)),
        Expr::IsNotDistinctFrom(a, b) => format!("({} <=> {})", name(a), name(b)),
        Expr::IsDistinctFrom(a, b) => format!("(NOT ({} <=> {}))", name(a), name(b)),
        Expr::InList {
            expr: inner,
            list,
            negated,
        } => negate(
            *negated,
            format!("({} IN ({}))", name(inner), join(list.iter())),
        ),
        Expr::InSubquery {
            expr: inner,
            negated,
            ..
        } => negate(*negated, format!("({} IN (listquery()))", name(inner))),
        Expr::Between {
            expr: inner,
            negated,
            low,
            high,
        } => {
            let call = format!("between({}, {}, {})", name(inner), name(low), name(high));
            match negated {
                true => format!("(NOT {call})"),
                false => call,
            }
        }
        Expr::Like {
            negated,
            expr: inner,
            any,
            pattern,
            ..
        } if *any || quantified(pattern).is_some() => negate(
            *negated,
            format!(
                "{}({})",
                quantified(pattern).unwrap_or("likeany"),
                name(inner)
            ),
        ),
        Expr::ILike {
            negated,
            expr: inner,
            any,
            pattern,
            ..
        } if *any || quantified(pattern).is_some() => negate(
            *negated,
            format!(
                "{}(lower({}))",
                quantified(pattern).unwrap_or("likeany"),
                name(inner)
            ),
        ),
        Expr::Like {
            negated,
            expr: inner,
            pattern,
            any: false,
            ..
        } => {
            let like = format!("{} LIKE {}", name(inner), name(pattern));
            match negated {
                true => format!("(NOT {like})"),
                false => like,
            }
        }
        Expr::ILike {
            negated,
            expr: inner,
            pattern,
            any: false,
            ..
        } => negate(
            *negated,
            format!("ilike({}, {})", name(inner), name(pattern)),
        ),
        Expr::RLike {
            negated,
            expr: inner,
            pattern,
            ..
        } => {
            let call = format!("RLIKE({}, {})", name(inner), name(pattern));
            match negated {
                true => format!("(NOT {call})"),
                false => call,
            }
        }
        Expr::Cast {
            kind,
            expr: inner,
            data_type,
            ..
        } => {
            // Spark prints a NULL cast to an array, map or struct as the NULL it folds to.
            let nested = matches!(
                data_type,
                DataType::Array(_) | DataType::Map(..) | DataType::Struct(..)
            );
            if nested && matches!(inner.as_ref(), Expr::Value(v) if v.value == Value::Null) {
                return "NULL".into();
            }
            // Spark names a column cast to an array, map or struct by the column, also as an
            // argument (`array_join(arr, |)` for `array_join(CAST(arr AS ARRAY<STRING>), '|')`).
            if nested && column(inner).is_some() {
                return name(inner);
            }
            let call = match kind {
                CastKind::TryCast | CastKind::SafeCast => "TRY_CAST",
                _ => "CAST",
            };
            format!("{call}({} AS {})", name(inner), type_name(data_type))
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut out = String::from("CASE");
            for when in conditions {
                let condition = match operand {
                    Some(op) => format!("({} = {})", name(op), name(&when.condition)),
                    None => name(&when.condition),
                };
                out.push_str(&format!(" WHEN {condition} THEN {}", name(&when.result)));
            }
            if let Some(e) = else_result {
                out.push_str(&format!(" ELSE {}", name(e)));
            }
            out.push_str(" END");
            out
        }
        // A casting function (`double('NaN')`) is named by its argument, as Spark prints a
        // cast the query did not write as `CAST`.
        Expr::Function(f) if is_cast_function(f) && single_arg(f).is_some() => {
            single_arg(f).map(name).unwrap_or_default()
        }
        Expr::Function(f) => function(f),
        Expr::Subquery(query) => format!("scalarsubquery({})", outer_columns(query).join(", ")),
        Expr::Exists { negated, .. } => negate(*negated, "exists(listquery())".into()),
        Expr::Extract {
            field, expr: inner, ..
        } => {
            format!("extract({field} FROM {})", name(inner))
        }
        Expr::Substring {
            expr: inner,
            substring_from,
            substring_for,
            shorthand,
            ..
        } => {
            // Named as written (`substr` or `substring`), with Spark's default length.
            let called = if *shorthand { "substr" } else { "substring" };
            let mut parts = vec![name(inner)];
            parts.extend(substring_from.iter().map(|e| name(e)));
            parts.extend(substring_for.iter().map(|e| name(e)));
            parts.extend(
                default_arguments(called, parts.len())
                    .iter()
                    .map(|a| a.to_string()),
            );
            format!("{called}({})", parts.join(", "))
        }
        Expr::Trim {
            expr: inner,
            trim_where,
            trim_what,
            ..
        } => match (trim_where, trim_what) {
            (None, None) => format!("trim({})", name(inner)),
            (where_, Some(what)) => format!(
                "TRIM({} {} FROM {})",
                trim_side(where_.as_ref()),
                name(what),
                name(inner)
            ),
            (Some(side), None) => format!("TRIM({} FROM {})", trim_side(Some(side)), name(inner)),
        },
        Expr::Position { expr: needle, r#in } => {
            format!("locate({}, {}, 1)", name(needle), name(r#in))
        }
        Expr::Overlay {
            expr: inner,
            overlay_what,
            overlay_from,
            overlay_for,
        } => format!(
            "overlay({}, {}, {}, {})",
            name(inner),
            name(overlay_what),
            name(overlay_from),
            overlay_for.as_ref().map_or("-1".into(), |e| name(e))
        ),
        Expr::Ceil { expr: inner, .. } => format!("CEIL({})", name(inner)),
        Expr::Floor { expr: inner, .. } => format!("FLOOR({})", name(inner)),
        Expr::Lambda(lambda) => lambda_name(lambda),
        Expr::Struct { values, .. } => format!("struct({})", join(values.iter())),
        other => other.to_string(),
    }
}

/// Spark's function of `LIKE ALL (…)` (`likeall`) or `LIKE SOME (…)` (`likeany`), which the
/// parser reads as a call in the pattern's place (`LIKE ANY (…)` sets `any` instead).
fn quantified(pattern: &Expr) -> Option<&'static str> {
    match pattern {
        Expr::Function(f) => match function_name(f).as_str() {
            "all" => Some("likeall"),
            "any" | "some" => Some("likeany"),
            _ => None,
        },
        _ => None,
    }
}

/// The columns of the outer query a scalar subquery refers to (`t.id` in
/// `(SELECT max(x) FROM u WHERE u.id = t.id)`: a qualifier none of its own relations has), as
/// Spark lists them in the subquery's name.
fn outer_columns(query: &Query) -> Vec<String> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return Vec::new();
    };
    let own: Vec<String> = select
        .from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
        .filter_map(|relation| match relation {
            TableFactor::Table { alias: Some(a), .. }
            | TableFactor::Derived { alias: Some(a), .. } => {
                Some(a.name.value.to_ascii_lowercase())
            }
            TableFactor::Table { name, .. } => name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let mut outer: Vec<String> = Vec::new();
    let _ = visit_expressions(select.as_ref(), |e| {
        if let Expr::CompoundIdentifier(parts) = e {
            if let [qualifier, column] = parts.as_slice() {
                if !own.contains(&qualifier.value.to_ascii_lowercase())
                    && !outer.contains(&column.value)
                {
                    outer.push(column.value.clone());
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    outer
}

fn trim_side(side: Option<&TrimWhereField>) -> &'static str {
    match side {
        Some(TrimWhereField::Leading) => "LEADING",
        Some(TrimWhereField::Trailing) => "TRAILING",
        _ => "BOTH",
    }
}

fn negate(negated: bool, s: String) -> String {
    match negated {
        true => format!("(NOT {s})"),
        false => s,
    }
}

fn join<'a>(exprs: impl Iterator<Item = &'a Expr>) -> String {
    exprs.map(name).collect::<Vec<_>>().join(", ")
}

fn binary(left: &Expr, op: &BinaryOperator, right: &Expr) -> String {
    let (l, r) = (name(left), name(right));
    let symbol = match op {
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        BinaryOperator::Multiply => "*",
        BinaryOperator::Divide => "/",
        BinaryOperator::Modulo => "%",
        BinaryOperator::DuckIntegerDivide | BinaryOperator::MyIntegerDivide => "div",
        BinaryOperator::Eq => "=",
        BinaryOperator::NotEq => return format!("(NOT ({l} = {r}))"),
        BinaryOperator::Lt => "<",
        BinaryOperator::LtEq => "<=",
        BinaryOperator::Gt => ">",
        BinaryOperator::GtEq => ">=",
        BinaryOperator::Spaceship => "<=>",
        BinaryOperator::And => "AND",
        BinaryOperator::Or => "OR",
        BinaryOperator::BitwiseAnd => "&",
        BinaryOperator::BitwiseOr => "|",
        BinaryOperator::BitwiseXor => "^",
        BinaryOperator::StringConcat => return format!("concat({l}, {r})"),
        other => return format!("({l} {other} {r})"),
    };
    format!("({l} {symbol} {r})")
}

/// A number written as a literal: `1.5`, or a typed one (`1.5D`, `1L`, which
/// [`super::pre_parse`] writes as `DOUBLE '1.5'`, `BIGINT '1'`).
fn is_number(expr: &Expr) -> bool {
    match expr {
        Expr::Value(v) => matches!(v.value, Value::Number(..)),
        Expr::TypedString(t) => matches!(
            t.data_type,
            DataType::Double(_)
                | DataType::Float(_)
                | DataType::BigInt(_)
                | DataType::SmallInt(_)
                | DataType::TinyInt(_)
                | DataType::Decimal(_)
        ),
        _ => false,
    }
}

/// An interval of one unit as Spark prints its literal: `INTERVAL '1' MONTH`,
/// `INTERVAL '1' DAY`, `INTERVAL '02' HOUR` (hours, minutes and seconds in two digits);
/// `None` for other intervals.
fn interval_literal(interval: &Interval) -> Option<String> {
    if interval.last_field.is_some() || interval.fractional_seconds_precision.is_some() {
        return None;
    }
    let text = match interval.value.as_ref() {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) | Value::SingleQuotedString(n) => n.trim().to_string(),
            _ => return None,
        },
        _ => return None,
    };
    let value: i64 = text.parse().ok()?;
    let two_digits = || {
        let sign = if value < 0 { "-" } else { "" };
        format!("{sign}{:02}", value.unsigned_abs())
    };
    let (shown, unit) = match interval.leading_field.as_ref()? {
        DateTimeField::Year | DateTimeField::Years => (value.to_string(), "YEAR"),
        DateTimeField::Month | DateTimeField::Months => (value.to_string(), "MONTH"),
        DateTimeField::Day | DateTimeField::Days => (value.to_string(), "DAY"),
        DateTimeField::Hour | DateTimeField::Hours => (two_digits(), "HOUR"),
        DateTimeField::Minute | DateTimeField::Minutes => (two_digits(), "MINUTE"),
        DateTimeField::Second | DateTimeField::Seconds => (two_digits(), "SECOND"),
        _ => return None,
    };
    Some(format!("INTERVAL '{shown}' {unit}"))
}

/// A literal as Spark prints it: numbers as written (a double in Spark's form), strings
/// without quotes.
fn literal(value: &Value) -> String {
    match value {
        Value::Number(n, _) if n.contains(['e', 'E']) => n
            .parse::<f64>()
            .map(spark_double)
            .unwrap_or_else(|_| n.clone()),
        Value::Number(n, _) => n.clone(),
        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
            super::sql_rewrite::spark_unescape(s)
        }
        Value::Boolean(b) => b.to_string(),
        Value::Null => "NULL".into(),
        Value::HexStringLiteral(h) => format!("X'{h}'"),
        other => other.to_string(),
    }
}

/// A double as Spark writes it: `1.0`, `1000.0`, `1.0E10`.
fn spark_double(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e7 {
        format!("{v:.1}")
    } else if v.abs() >= 1e7 || (v != 0.0 && v.abs() < 1e-3) {
        let s = format!("{v:E}");
        match s.split_once('E') {
            Some((m, e)) if !m.contains('.') => format!("{m}.0E{e}"),
            _ => s,
        }
    } else {
        v.to_string()
    }
}

/// `DATE '2024-01-01'`; numeric typed literals (Spark's `1L`, `1.5D`, `1BD` suffixes, which
/// [`super::pre_parse`] writes as typed strings) as their value.
fn typed_literal(data_type: &DataType, value: &Value) -> String {
    let text = match value {
        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
        other => other.to_string(),
    };
    match data_type {
        DataType::Date => format!("DATE '{text}'"),
        DataType::Timestamp(..) | DataType::TimestampNtz(_) => format!("TIMESTAMP '{text}'"),
        DataType::Double(_) | DataType::DoublePrecision | DataType::Float(_) | DataType::Real => {
            text.parse::<f64>().map(spark_double).unwrap_or(text)
        }
        DataType::BigInt(_)
        | DataType::Int(_)
        | DataType::Integer(_)
        | DataType::SmallInt(_)
        | DataType::TinyInt(_)
        | DataType::Decimal(_)
        | DataType::Numeric(_) => text,
        other => format!("{other} '{text}'"),
    }
}

/// Spark's SQL name of a type written in a cast.
fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::String(_)
        | DataType::Varchar(_)
        | DataType::Char(_)
        | DataType::Character(_)
        | DataType::CharVarying(_)
        | DataType::Text => "STRING".into(),
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => "INT".into(),
        DataType::BigInt(_) | DataType::Int8(_) | DataType::Int64 => "BIGINT".into(),
        DataType::SmallInt(_) | DataType::Int2(_) => "SMALLINT".into(),
        DataType::TinyInt(_) => "TINYINT".into(),
        DataType::Double(_) | DataType::DoublePrecision | DataType::Float8 | DataType::Float64 => {
            "DOUBLE".into()
        }
        DataType::Float(_) | DataType::Real | DataType::Float4 => "FLOAT".into(),
        DataType::Boolean | DataType::Bool => "BOOLEAN".into(),
        DataType::Date => "DATE".into(),
        DataType::Timestamp(..) | DataType::TimestampNtz(_) | DataType::Datetime(_) => {
            "TIMESTAMP".into()
        }
        DataType::Decimal(info) | DataType::Dec(info) | DataType::Numeric(info) => {
            use datafusion::sql::sqlparser::ast::ExactNumberInfo;
            match info {
                ExactNumberInfo::None => "DECIMAL(10,0)".into(),
                ExactNumberInfo::Precision(p) => format!("DECIMAL({p},0)"),
                ExactNumberInfo::PrecisionAndScale(p, s) => format!("DECIMAL({p},{s})"),
            }
        }
        DataType::Custom(name, _) => match name.to_string().to_ascii_lowercase().as_str() {
            "long" => "BIGINT".into(),
            "short" => "SMALLINT".into(),
            "byte" => "TINYINT".into(),
            other => other.to_ascii_uppercase(),
        },
        other => other.to_string().to_ascii_uppercase(),
    }
}

/// The comparator `array_sort` is given when the call has none, as Spark prints it.
const ARRAY_SORT_COMPARATOR: &str = "lambdafunction((IF(((namedlambdavariable() IS NULL) AND \
    (namedlambdavariable() IS NULL)), 0, (IF((namedlambdavariable() IS NULL), 1, \
    (IF((namedlambdavariable() IS NULL), -1, (IF((namedlambdavariable() < namedlambdavariable()), \
    -1, (IF((namedlambdavariable() > namedlambdavariable()), 1, 0)))))))))), \
    namedlambdavariable(), namedlambdavariable())";

/// Arguments Spark fills in when a call leaves them out, as they appear in its names.
fn default_arguments(function: &str, given: usize) -> &'static [&'static str] {
    match (function, given) {
        ("round" | "bround", 1) => &["0"],
        ("regexp_replace", 3) => &["1"],
        ("split", 2) => &["-1"],
        ("regexp_instr", 2) => &["0"],
        ("regexp_extract" | "regexp_extract_all", 2) => &["1"],
        ("lag" | "lead", 1) => &["1", "NULL"],
        ("lag" | "lead", 2) => &["NULL"],
        ("locate", 2) => &["1"],
        ("substring" | "substr", 2) => &["2147483647"],
        ("replace", 2) => &[""],
        ("mask", 1) => &["X", "x", "n", "NULL"],
        ("percentile", 2) => &["1"],
        ("unix_timestamp" | "to_unix_timestamp" | "from_unixtime", 1) => &["yyyy-MM-dd HH:mm:ss"],
        ("percentile_approx" | "approx_percentile", 2) => &["10000"],
        ("sort_array", 1) => &["true"],
        ("listagg" | "string_agg", 1) => &["NULL"],
        ("array_sort", 1) => &[ARRAY_SORT_COMPARATOR],
        _ => &[],
    }
}

fn function(f: &Function) -> String {
    let called = function_name(f);
    let mut arguments: Vec<String> = match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => "1".to_string(),
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => name(e),
                other => other.to_string(),
            })
            .collect(),
        _ => Vec::new(),
    };
    arguments.extend(
        default_arguments(&called, arguments.len())
            .iter()
            .map(|a| a.to_string()),
    );
    // assert_true's default message quotes its condition.
    if called == "assert_true" && arguments.len() == 1 {
        arguments.push(format!("'{}' is not true!", arguments[0]));
    }
    let distinct = matches!(
        &f.args,
        FunctionArguments::List(l) if l.duplicate_treatment == Some(DuplicateTreatment::Distinct)
    );
    // Arguments Spark leaves out of the name: a schema, an ignore-nulls flag.
    if matches!(
        called.as_str(),
        "from_json" | "first" | "last" | "first_value" | "last_value"
    ) {
        arguments.truncate(1);
    }
    let printed = match called.as_str() {
        "if" => return format!("(IF({}))", arguments.join(", ")),
        "isnull" => return format!("({} IS NULL)", arguments.join(", ")),
        "positive" => return format!("(+ {})", arguments.join(", ")),
        super::pre_parse::EXISTS_CALL => "exists".to_string(),
        "isnotnull" => return format!("({} IS NOT NULL)", arguments.join(", ")),
        "ltrim" | "rtrim" if arguments.len() == 2 => {
            let side = if called == "ltrim" {
                "LEADING"
            } else {
                "TRAILING"
            };
            return format!("TRIM({side} {} FROM {})", arguments[0], arguments[1]);
        }
        "log" if arguments.len() == 1 => return format!("LOG(E(), {})", arguments[0]),
        "log" => "LOG".to_string(),
        "string_agg" => "listagg".to_string(),
        "first_value" if f.null_treatment.is_some() => "first".to_string(),
        "last_value" if f.null_treatment.is_some() => "last".to_string(),
        n if UPPER_CASE.contains(&n) => n.to_ascii_uppercase(),
        n => n.to_string(),
    };
    let mut out = format!(
        "{printed}({}{})",
        if distinct { "DISTINCT " } else { "" },
        arguments.join(", ")
    );
    if !f.within_group.is_empty() {
        out.push_str(&format!(
            " WITHIN GROUP (ORDER BY {})",
            order_keys(&f.within_group)
        ));
    }
    if let Some(filter) = &f.filter {
        out.push_str(&format!(" FILTER (WHERE {})", name(filter)));
    }
    if let Some(WindowType::WindowSpec(spec)) = &f.over {
        let mut parts = Vec::new();
        if !spec.partition_by.is_empty() {
            parts.push(format!("PARTITION BY {}", join(spec.partition_by.iter())));
        }
        if !spec.order_by.is_empty() {
            parts.push(format!("ORDER BY {}", order_keys(&spec.order_by)));
        }
        parts.push(frame(
            &called,
            &arguments,
            !spec.order_by.is_empty(),
            spec.window_frame.as_ref(),
        ));
        out.push_str(&format!(" OVER ({})", parts.join(" ")));
    }
    out
}

/// Sort keys as Spark names them: each with its direction and its NULLs' place (first when
/// ascending, last when descending, unless written).
fn order_keys(keys: &[OrderByExpr]) -> String {
    keys.iter()
        .map(|o| {
            let asc = o.options.asc.unwrap_or(true);
            let nulls_first = o.options.nulls_first.unwrap_or(asc);
            format!(
                "{} {} NULLS {}",
                name(&o.expr),
                if asc { "ASC" } else { "DESC" },
                if nulls_first { "FIRST" } else { "LAST" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The frame Spark resolves for a window function: the written one, else its default.
fn frame(
    function: &str,
    arguments: &[String],
    ordered: bool,
    written: Option<&WindowFrame>,
) -> String {
    if let Some(frame) = written {
        let units = match frame.units {
            WindowFrameUnits::Rows => "ROWS",
            WindowFrameUnits::Range => "RANGE",
            WindowFrameUnits::Groups => "GROUPS",
        };
        let end = frame
            .end_bound
            .as_ref()
            .unwrap_or(&WindowFrameBound::CurrentRow);
        return format!(
            "{units} BETWEEN {} AND {}",
            bound(&frame.start_bound),
            bound(end)
        );
    }
    if matches!(function, "lag" | "lead") {
        let offset: i64 = arguments.get(1).and_then(|o| o.parse().ok()).unwrap_or(1);
        let offset = if function == "lag" { -offset } else { offset };
        return format!("ROWS BETWEEN {offset} FOLLOWING AND {offset} FOLLOWING");
    }
    if RANKING.contains(&function) {
        return "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW".into();
    }
    match ordered {
        true => "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW".into(),
        false => "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING".into(),
    }
}

fn bound(bound: &WindowFrameBound) -> String {
    match bound {
        WindowFrameBound::CurrentRow => "CURRENT ROW".into(),
        WindowFrameBound::Preceding(None) => "UNBOUNDED PRECEDING".into(),
        WindowFrameBound::Following(None) => "UNBOUNDED FOLLOWING".into(),
        WindowFrameBound::Preceding(Some(n)) => format!("{} PRECEDING", name(n)),
        WindowFrameBound::Following(Some(n)) => format!("{} FOLLOWING", name(n)),
    }
}

/// `lambdafunction(body, params)` with every parameter printed `namedlambdavariable()`.
fn lambda_name(lambda: &LambdaFunction) -> String {
    let params: Vec<String> = match &lambda.params {
        OneOrManyWithParens::One(p) => vec![p.value.clone()],
        OneOrManyWithParens::Many(ps) => ps.iter().map(|p| p.value.clone()).collect(),
    };
    let mut body = lambda.body.as_ref().clone();
    let _ = datafusion::sql::sqlparser::ast::visit_expressions_mut(&mut body, |e| {
        if let Expr::Identifier(i) = e {
            if params.iter().any(|p| p.eq_ignore_ascii_case(&i.value)) {
                *e = Expr::Identifier(datafusion::sql::sqlparser::ast::Ident::with_quote(
                    '`',
                    "namedlambdavariable()",
                ));
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    let variables = vec!["namedlambdavariable()"; params.len()].join(", ");
    format!("lambdafunction({}, {variables})", name(&body))
}

#[cfg(test)]
mod tests {
    use super::item_name;
    use datafusion::sql::sqlparser::dialect::GenericDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn named(sql: &str) -> String {
        let expr = Parser::new(&GenericDialect {})
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        item_name(&expr)
    }

    #[test]
    fn date_and_timestamp_arithmetic_is_named_by_type() {
        use super::{arithmetic_name, forget_items, take_items};
        use datafusion::arrow::datatypes::{DataType, TimeUnit};
        forget_items();
        for sql in ["dt + 1", "dt - INTERVAL 1 DAY", "ts + INTERVAL 2 HOURS"] {
            named(sql);
        }
        let items = take_items();
        let spark = |name: &str, left: DataType| arithmetic_name(&items.0[name], &left);
        assert_eq!(
            spark("(dt + 1)", DataType::Date32).as_deref(),
            Some("date_add(dt, 1)")
        );
        assert_eq!(spark("(dt + 1)", DataType::Int32), None);
        assert_eq!(
            spark("(dt - INTERVAL '1' DAY)", DataType::Date32).as_deref(),
            Some("date_add(dt, (- extractansiintervaldays(INTERVAL '1' DAY)))")
        );
        assert_eq!(
            spark(
                "(ts + INTERVAL '02' HOUR)",
                DataType::Timestamp(TimeUnit::Microsecond, None)
            )
            .as_deref(),
            Some("ts + INTERVAL '02' HOUR")
        );
    }

    #[test]
    fn names_follow_spark() {
        for (sql, spark) in [
            ("t.id + 1", "(id + 1)"),
            ("id * 2 - 3", "((id * 2) - 3)"),
            ("-(id + 1)", "(- (id + 1))"),
            ("-1", "-1"),
            ("-DOUBLE '1.0' / 0", "(-1.0 / 0)"),
            ("INTERVAL 1 MONTH", "INTERVAL '1' MONTH"),
            ("INTERVAL 2 HOURS", "INTERVAL '02' HOUR"),
            ("id <> 2", "(NOT (id = 2))"),
            ("count(*)", "count(1)"),
            ("count(DISTINCT k)", "count(DISTINCT k)"),
            ("concat(s, '!')", "concat(s, !)"),
            ("CAST(id AS STRING)", "id"),
            ("size(CAST(arr AS ARRAY<STRING>))", "size(arr)"),
            ("typeof(CAST(dec AS DECIMAL(10,0)))", "typeof(CAST(dec AS DECIMAL(10,0)))"),
            ("CAST('2024-01-02' AS DATE)", "CAST(2024-01-02 AS DATE)"),
            ("CASE k WHEN 'a' THEN 1 END", "CASE WHEN (k = a) THEN 1 END"),
            ("k NOT IN ('a', 'b')", "(NOT (k IN (a, b)))"),
            ("s NOT LIKE '%a'", "(NOT s LIKE %a)"),
            ("st.a", "a"),
            ("m['a']", "m[a]"),
            ("regexp_replace(s, 'a', 'b')", "regexp_replace(s, a, b, 1)"),
            ("if(id > 1, 'y', 'n')", "(IF((id > 1), y, n))"),
            ("sqrt(d)", "SQRT(d)"),
            ("log(d)", "LOG(E(), d)"),
            ("1e3", "1000.0"),
            ("(SELECT max(x) FROM u WHERE u.id = t.id)", "scalarsubquery(id)"),
            ("(SELECT max(x) FROM u AS v WHERE v.id = 1)", "scalarsubquery()"),
            ("s LIKE ALL ('%a%', '%n%')", "likeall(s)"),
            ("s LIKE SOME ('%a%', '%n%')", "likeany(s)"),
            ("array(1.0, double('NaN'))", "array(1.0, NaN)"),
            ("substr(s, 2)", "substr(s, 2, 2147483647)"),
            ("SUBSTRING(s FROM 2 FOR 3)", "substring(s, 2, 3)"),
            ("from_unixtime(l)", "from_unixtime(l, yyyy-MM-dd HH:mm:ss)"),
            ("DATE '2024-01-01'", "DATE '2024-01-01'"),
            (
                "rank() OVER (PARTITION BY k ORDER BY id DESC)",
                "RANK() OVER (PARTITION BY k ORDER BY id DESC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
            ),
            (
                "lag(id, 1, 0) OVER (ORDER BY id)",
                "lag(id, 1, 0) OVER (ORDER BY id ASC NULLS FIRST ROWS BETWEEN -1 FOLLOWING AND -1 FOLLOWING)",
            ),
            (
                "count(*) OVER ()",
                "count(1) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)",
            ),
            (
                "transform(arr, x -> x + 1)",
                "transform(arr, lambdafunction((namedlambdavariable() + 1), namedlambdavariable()))",
            ),
        ] {
            assert_eq!(named(sql), spark, "{sql}");
        }
    }
}
