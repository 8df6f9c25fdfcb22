//! Spark SQL syntax that DataFusion parses but plans with other meanings, rewritten in the
//! parsed statement ([`super::sql_rewrite`] calls [`rewrite`] on every expression, innermost
//! first):
//!
//! - `"text"` is a string literal, as in Spark (not ANSI mode); identifiers are quoted with
//!   backticks.
//! - `SUBSTRING(s FROM p FOR n)`, `SUBSTR(s, p, n)` are Spark's `substring`,
//!   `OVERLAY(s PLACING r FROM p FOR n)` Spark's `overlay`, `POSITION(sub IN s)` `locate`
//!   ([`super::strings`]).
//! - `ltrim(trimStr, str)` and `rtrim(trimStr, str)` take the characters first, as in Spark.
//! - `LIKE … ESCAPE 'c'` with any escape character (the pattern is rewritten for the backslash
//!   DataFusion knows); `LIKE ANY (p, …)`, `LIKE SOME (…)`, `LIKE ALL (…)` and their `NOT` and
//!   `ILIKE` forms become `OR`s and `AND`s of `LIKE`s.

use datafusion::common::{plan_datafusion_err, Result};
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName, Value,
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
        Expr::Identifier(ident) if ident.quote_style == Some('"') => {
            Expr::value(Value::SingleQuotedString(ident.value.clone()))
        }
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
        Expr::Function(_) => match (function_name(expr).as_deref(), unnamed_args(expr)) {
            (Some(name @ ("ltrim" | "rtrim")), Some(mut args)) if args.len() == 2 => {
                args.swap(0, 1);
                call(name, args)?
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
