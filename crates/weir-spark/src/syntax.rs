//! Spark SQL syntax that DataFusion parses but plans with other meanings, rewritten in the
//! parsed statement ([`super::sql_rewrite`] calls [`rewrite`] on every expression, innermost
//! first):
//!
//! - `TIMESTAMP 'text'` is a timestamp of microseconds, as Spark's are.
//! - `"text"` is a string literal, as in Spark (not ANSI mode); identifiers are quoted with
//!   backticks.
//! - `SUBSTRING(s FROM p FOR n)`, `SUBSTR(s, p, n)` are Spark's `substring`,
//!   `OVERLAY(s PLACING r FROM p FOR n)` Spark's `overlay`, `POSITION(sub IN s)` `locate`
//!   ([`super::strings`]).
//! - `ltrim(trimStr, str)` and `rtrim(trimStr, str)` take the characters first, as in Spark.
//! - `LIKE … ESCAPE 'c'` with any escape character (the pattern is rewritten for the backslash
//!   DataFusion knows); `LIKE ANY (p, …)`, `LIKE SOME (…)`, `LIKE ALL (…)` and their `NOT` and
//!   `ILIKE` forms become `OR`s and `AND`s of `LIKE`s.
//! - `EXTRACT(field FROM source)` is Spark's `date_part` ([`super::calendar`]).
//! - `timestampadd(unit, n, ts)`, `dateadd` and `date_add` with a unit, `timestampdiff(unit,
//!   a, b)`, `datediff` and `date_diff` with a unit: the unit (an identifier) is passed as text
//!   to [`super::calendar`]'s `timestampadd` and `timestampdiff`.
//! - `INTERVAL 'y-m' YEAR TO MONTH` and `INTERVAL 'd h:m:s' DAY TO SECOND` (and the other
//!   ranges of day-time fields) become the single interval they stand for; a date (or text)
//!   plus or minus an interval with hours, minutes or seconds is a timestamp, as in Spark.

use datafusion::common::{plan_datafusion_err, Result};
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, DataType, DateTimeField, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    Ident, Interval, ObjectName, Value,
};

use super::sql_rewrite::function_name;

/// A call of the function `name` (also names the parser reads as syntax, like `substring`).
fn call(name: &str, args: Vec<Expr>) -> Result<Expr> {
    let mut expr = super::sql_rewrite::call("weir_function", args)?;
    if let Expr::Function(f) = &mut expr {
        f.name = ObjectName::from(vec![Ident::new(name)]);
    }
    Ok(expr)
}

/// `expr` as Spark means it, when DataFusion would plan it otherwise.
pub fn rewrite(expr: &Expr) -> Result<Option<Expr>> {
    Ok(Some(match expr {
        Expr::Identifier(ident) if ident.quote_style == Some('"') => Expr::value(
            Value::SingleQuotedString(super::sql_rewrite::spark_unescape(&ident.value)),
        ),
        Expr::Substring {
            expr: value,
            substring_from,
            substring_for,
            ..
        } => {
            let from = match substring_from {
                Some(from) => from.as_ref().clone(),
                None => Expr::value(Value::Number("1".into(), false)),
            };
            let mut args = vec![value.as_ref().clone(), from];
            args.extend(substring_for.iter().map(|n| n.as_ref().clone()));
            call("substring", args)?
        }
        Expr::Overlay {
            expr: value,
            overlay_what,
            overlay_from,
            overlay_for,
        } => {
            let mut args = vec![
                value.as_ref().clone(),
                overlay_what.as_ref().clone(),
                overlay_from.as_ref().clone(),
            ];
            args.extend(overlay_for.iter().map(|n| n.as_ref().clone()));
            call("overlay", args)?
        }
        Expr::Position { expr: sub, r#in } => {
            call("locate", vec![sub.as_ref().clone(), r#in.as_ref().clone()])?
        }
        Expr::Like {
            negated,
            any,
            expr: value,
            pattern,
            escape_char,
        } => return like(*negated, *any, value, pattern, escape_char.as_ref(), false),
        Expr::ILike {
            negated,
            any,
            expr: value,
            pattern,
            escape_char,
        } => return like(*negated, *any, value, pattern, escape_char.as_ref(), true),
        Expr::Extract {
            field,
            expr: source,
            ..
        } => {
            let field = match field {
                DateTimeField::Custom(ident) => ident.value.clone(),
                other => other.to_string(),
            };
            call(
                "date_part",
                vec![
                    Expr::value(Value::SingleQuotedString(field)),
                    source.as_ref().clone(),
                ],
            )?
        }
        Expr::TypedString(typed) if matches!(typed.data_type, DataType::Timestamp(None, _)) => {
            // Spark's timestamps are microseconds (DataFusion's `TIMESTAMP` nanoseconds).
            let mut typed = typed.clone();
            if let DataType::Timestamp(precision, _) = &mut typed.data_type {
                *precision = Some(6);
            }
            Expr::TypedString(typed)
        }
        Expr::Interval(interval) if interval.last_field.is_some() => {
            Expr::Interval(interval_range(interval)?)
        }
        // A date (or text) plus or minus an interval with a time part is a timestamp.
        Expr::BinaryOp {
            left,
            op: op @ (BinaryOperator::Plus | BinaryOperator::Minus),
            right,
        } => {
            let timed = |e: &Expr| matches!(e, Expr::Interval(i) if has_time_part(i));
            let (left, right) = match (timed(left), timed(right)) {
                (false, true) => (as_timestamp(left)?, right.as_ref().clone()),
                (true, false) if *op == BinaryOperator::Plus => {
                    (left.as_ref().clone(), as_timestamp(right)?)
                }
                _ => return Ok(None),
            };
            Expr::BinaryOp {
                left: Box::new(left),
                op: op.clone(),
                right: Box::new(right),
            }
        }
        Expr::Function(_) => match (function_name(expr).as_deref(), unnamed_args(expr)) {
            (Some(name @ ("ltrim" | "rtrim")), Some(mut args)) if args.len() == 2 => {
                args.swap(0, 1);
                call(name, args)?
            }
            (Some(name), Some(mut args)) if args.len() == 3 => {
                let to = match name {
                    "timestampadd" | "dateadd" | "date_add" => "timestampadd",
                    "timestampdiff" | "datediff" | "date_diff" => "timestampdiff",
                    _ => return Ok(None),
                };
                if let Expr::Identifier(unit) = &args[0] {
                    args[0] =
                        Expr::value(Value::SingleQuotedString(unit.value.to_ascii_uppercase()));
                }
                call(to, args)?
            }
            _ => return Ok(None),
        },
        _ => return Ok(None),
    }))
}

/// The arguments of a call when all are plain expressions.
fn unnamed_args(expr: &Expr) -> Option<Vec<Expr>> {
    let Expr::Function(f) = expr else {
        return None;
    };
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    list.args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

/// `LIKE`/`ILIKE` with Spark's escape characters and quantified patterns.
fn like(
    negated: bool,
    any: bool,
    value: &Expr,
    pattern: &Expr,
    escape: Option<&Value>,
    case_insensitive: bool,
) -> Result<Option<Expr>> {
    let escape = match escape {
        None => None,
        Some(Value::SingleQuotedString(e)) => {
            let mut chars = e.chars();
            match (chars.next(), chars.next()) {
                (Some('\\'), None) => None,
                (Some(c), None) => Some(c),
                _ => {
                    return Err(plan_datafusion_err!(
                        "the escape character of LIKE must be one character, got '{e}'"
                    ))
                }
            }
        }
        Some(other) => {
            return Err(plan_datafusion_err!(
                "the escape character of LIKE must be a string, got {other}"
            ))
        }
    };
    // The quantifier and its patterns: `ANY (…)` is parsed as `any` with a tuple (or one
    // nested pattern), `ALL (…)` and `SOME (…)` as calls.
    let quantified: Option<(bool, Vec<Expr>)> = match pattern {
        Expr::Tuple(patterns) if any => Some((true, patterns.clone())),
        Expr::Nested(p) if any => Some((true, vec![p.as_ref().clone()])),
        Expr::Function(_) if !any => {
            match (function_name(pattern).as_deref(), unnamed_args(pattern)) {
                (Some("all"), Some(patterns)) => Some((false, patterns)),
                (Some("any" | "some"), Some(patterns)) => Some((true, patterns)),
                _ => None,
            }
        }
        _ => None,
    };
    let one = |pattern: Expr| -> Result<Expr> {
        let pattern = match escape {
            Some(e) => escaped_pattern(pattern, e)?,
            None => pattern,
        };
        let (expr, pattern) = (Box::new(value.clone()), Box::new(pattern));
        Ok(match case_insensitive {
            true => Expr::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            },
            false => Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            },
        })
    };
    match quantified {
        Some((any, patterns)) => {
            let op = match any {
                true => BinaryOperator::Or,
                false => BinaryOperator::And,
            };
            let mut terms = patterns.into_iter().map(one);
            let Some(first) = terms.next() else {
                return Err(plan_datafusion_err!(
                    "LIKE ANY/ALL needs at least one pattern"
                ));
            };
            let combined = terms.try_fold(first?, |acc, term| -> Result<Expr> {
                Ok(Expr::BinaryOp {
                    left: Box::new(acc),
                    op: op.clone(),
                    right: Box::new(term?),
                })
            })?;
            Ok(Some(Expr::Nested(Box::new(combined))))
        }
        None if escape.is_some() => Ok(Some(one(pattern.clone())?)),
        None if any => Err(plan_datafusion_err!(
            "LIKE ANY needs a parenthesized list of patterns"
        )),
        None => Ok(None),
    }
}

/// A literal LIKE pattern with the escape character `escape` rewritten for a backslash.
fn escaped_pattern(pattern: Expr, escape: char) -> Result<Expr> {
    let Expr::Value(v) = &pattern else {
        return Err(plan_datafusion_err!(
            "LIKE … ESCAPE '{escape}' needs a literal pattern"
        ));
    };
    let Value::SingleQuotedString(text) = &v.value else {
        return Err(plan_datafusion_err!(
            "LIKE … ESCAPE '{escape}' needs a string pattern"
        ));
    };
    let mut out = String::with_capacity(text.len() + 4);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c == escape => match chars.next() {
                Some(next) if next == '_' || next == '%' || next == escape => {
                    out.push('\\');
                    out.push(next);
                }
                Some(next) => {
                    return Err(plan_datafusion_err!(
                        "the escape character '{escape}' is not allowed to precede '{next}' in the LIKE pattern '{text}'"
                    ))
                }
                None => {
                    return Err(plan_datafusion_err!(
                        "the LIKE pattern '{text}' ends with the escape character '{escape}'"
                    ))
                }
            },
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    Ok(Expr::value(Value::SingleQuotedString(out)))
}

/// Does the interval have hours, minutes or seconds (by its fields, or by the words of its
/// text)?
fn has_time_part(interval: &Interval) -> bool {
    let time = |field: &Option<DateTimeField>| {
        matches!(
            field,
            Some(
                DateTimeField::Hour
                    | DateTimeField::Hours
                    | DateTimeField::Minute
                    | DateTimeField::Minutes
                    | DateTimeField::Second
                    | DateTimeField::Seconds
                    | DateTimeField::Millisecond
                    | DateTimeField::Milliseconds
                    | DateTimeField::Microsecond
                    | DateTimeField::Microseconds
            )
        )
    };
    if interval.leading_field.is_some() || interval.last_field.is_some() {
        return time(&interval.leading_field) || time(&interval.last_field);
    }
    match interval.value.as_ref() {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(text) => {
                let text = text.to_ascii_lowercase();
                ["hour", "minute", "second", "milli", "micro", "nano"]
                    .iter()
                    .any(|unit| text.contains(unit))
            }
            _ => false,
        },
        _ => false,
    }
}

/// `e` cast to a timestamp with Spark's rules (a timestamp stays as it is; a date is its
/// midnight).
fn as_timestamp(e: &Expr) -> Result<Expr> {
    use datafusion::arrow::datatypes::{DataType as ArrowType, TimeUnit};
    let to = ArrowType::Timestamp(TimeUnit::Microsecond, None).to_string();
    call(
        super::cast::CAST,
        vec![e.clone(), Expr::value(Value::SingleQuotedString(to))],
    )
}

/// An interval of a range of fields (`'1-2' YEAR TO MONTH`, `'1 02:03:04' DAY TO SECOND`) as
/// one interval of the text DataFusion reads (`'1 years 2 months'`).
fn interval_range(interval: &Interval) -> Result<Interval> {
    const ORDER: [&str; 6] = ["years", "months", "days", "hours", "minutes", "seconds"];
    let position = |field: &Option<DateTimeField>| -> Option<usize> {
        Some(match field.as_ref()? {
            DateTimeField::Year | DateTimeField::Years => 0,
            DateTimeField::Month | DateTimeField::Months => 1,
            DateTimeField::Day | DateTimeField::Days => 2,
            DateTimeField::Hour | DateTimeField::Hours => 3,
            DateTimeField::Minute | DateTimeField::Minutes => 4,
            DateTimeField::Second | DateTimeField::Seconds => 5,
            _ => return None,
        })
    };
    let unsupported = || {
        plan_datafusion_err!(
            "INTERVAL {}: the range of fields must be YEAR TO MONTH or within DAY TO SECOND",
            interval.value
        )
    };
    let (Some(from), Some(to)) = (
        position(&interval.leading_field),
        position(&interval.last_field),
    ) else {
        return Err(unsupported());
    };
    if from >= to || (from < 2) != (to < 2) {
        return Err(unsupported());
    }
    let text = match interval.value.as_ref() {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => s.clone(),
            Value::Number(n, _) => n.clone(),
            _ => return Err(unsupported()),
        },
        _ => return Err(unsupported()),
    };
    let trimmed = text.trim();
    let (negative, body) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let parts: Vec<&str> = body.split(['-', ' ', ':']).collect();
    let numeric = |p: &&str| {
        !p.is_empty()
            && p.chars().all(|c| c.is_ascii_digit() || c == '.')
            && p.matches('.').count() <= 1
    };
    if parts.len() != to - from + 1 || !parts.iter().all(numeric) {
        return Err(plan_datafusion_err!(
            "INTERVAL '{text}' does not match the form of its fields"
        ));
    }
    let sign = if negative { "-" } else { "" };
    let value = parts
        .iter()
        .zip(&ORDER[from..=to])
        .map(|(n, unit)| format!("{sign}{n} {unit}"))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Interval {
        value: Box::new(Expr::value(Value::SingleQuotedString(value))),
        leading_field: None,
        leading_precision: None,
        last_field: None,
        fractional_seconds_precision: None,
    })
}
