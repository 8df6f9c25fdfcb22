//! Spark SQL text for the queries an evaluation runs: column references checked against the
//! dataset's schema, literals, and each row-wise rule's per-row predicate with DQDL's NULL rules
//! (a NULL fails every positive operator and passes `!=` and `not in`, unless the operand names
//! `NULL` itself).

use chrono::{DateTime, Duration as Span, NaiveDate, Utc};
use datafusion::arrow::datatypes::{DataType, Schema};

use crate::dqdl::ast::Ruleset;
use crate::dqdl::condition::{
    CompareOp, Comparison, DateOperand, Duration, DurationUnit, Sign, StringCondition,
    StringOperand,
};

/// The table name a ruleset's SQL (`CustomSql`) reads the dataset under test by.
pub const PRIMARY: &str = "primary";

/// A Spark SQL identifier: `` `name` `` with backticks doubled.
pub fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A Spark SQL string literal (Spark reads backslash escapes in literals).
pub fn string(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A number as Spark SQL reads it exactly (a decimal literal), or an error for NaN/infinity.
pub fn number(value: f64) -> Result<String, String> {
    if value.is_finite() {
        Ok(format!("{value}"))
    } else {
        Err(format!(
            "the value {value} cannot be compared with a column"
        ))
    }
}

/// The columns of a dataset, for references that are checked before any query is planned.
pub struct Columns<'a> {
    pub schema: &'a Schema,
}

impl Columns<'_> {
    /// The SQL reference of column `name`: a top-level column of that exact name, a name in
    /// backticks as written, or a dotted path into a struct column (`"s._1"`). An unknown column
    /// is an error that names it.
    pub fn reference(&self, name: &str) -> Result<String, String> {
        self.field(name).map(|(sql, _)| sql)
    }

    /// The reference and type of a column (the type of a nested field is its top-level
    /// column's when it is inside a struct that is not resolved here).
    pub fn field(&self, name: &str) -> Result<(String, DataType), String> {
        if let Ok(field) = self.schema.field_with_name(name) {
            return Ok((ident(name), field.data_type().clone()));
        }
        if let Some(inner) = name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) {
            if let Ok(field) = self.schema.field_with_name(inner) {
                return Ok((ident(inner), field.data_type().clone()));
            }
        }
        let mut parts = name.split('.');
        if let Some(first) = parts.next() {
            if let Ok(field) = self.schema.field_with_name(first) {
                let mut data_type = field.data_type().clone();
                let mut sql = ident(first);
                for part in parts {
                    let DataType::Struct(fields) = &data_type else {
                        return Err(missing(name));
                    };
                    let Some(f) = fields.iter().find(|f| f.name() == part) else {
                        return Err(missing(name));
                    };
                    sql = format!("{sql}.{}", ident(part));
                    data_type = f.data_type().clone();
                }
                return Ok((sql, data_type));
            }
        }
        Err(missing(name))
    }

    /// A numeric column's reference; other types are an error naming the type.
    pub fn numeric(&self, name: &str) -> Result<String, String> {
        let (sql, data_type) = self.field(name)?;
        if data_type.is_numeric() {
            Ok(sql)
        } else {
            Err(format!(
                "Column \"{name}\" is of type {data_type}, not a numeric type"
            ))
        }
    }
}

fn missing(name: &str) -> String {
    format!("Column \"{name}\" does not exist in the dataset")
}

/// `CASE WHEN (where) THEN value END`: the value for rows the rule's `where` keeps, else NULL.
pub fn kept(where_clause: Option<&str>, value: &str) -> String {
    match where_clause {
        Some(w) => format!("CASE WHEN ({w}) THEN {value} END"),
        None => value.to_string(),
    }
}

/// The per-row predicate of a comparison of `value` with operands already written as SQL (`None`
/// for `NULL`). A row whose value is NULL passes only `!=` and `not in`, unless the operands name
/// `NULL` (`= NULL` passes exactly the NULL rows, `in [.., NULL]` lets them pass, `not in [..,
/// NULL]` fails them).
pub fn compare(value: &str, comparison: &Comparison<Option<String>>) -> String {
    let is_null = format!("{value} IS NULL");
    let not_null = format!("{value} IS NOT NULL");
    match comparison {
        Comparison::Compare(CompareOp::Equals, None) => is_null,
        Comparison::Compare(CompareOp::NotEquals, None) => not_null,
        Comparison::Compare(_, None) => "false".into(),
        Comparison::Compare(CompareOp::NotEquals, Some(x)) => {
            format!("({is_null} OR {value} <> {x})")
        }
        Comparison::Compare(op, Some(x)) => {
            format!("coalesce({value} {} {x}, false)", sql_op(*op))
        }
        Comparison::Between { negated, low, high } => match (low, high) {
            (Some(low), Some(high)) if *negated => {
                format!("coalesce({value} <= {low} OR {value} >= {high}, false)")
            }
            (Some(low), Some(high)) => {
                format!("coalesce({value} > {low} AND {value} < {high}, false)")
            }
            _ => "false".into(),
        },
        Comparison::In { negated, items } => {
            let listed_null = items.iter().any(Option::is_none);
            let values: Vec<&str> = items.iter().flatten().map(String::as_str).collect();
            let member = if values.is_empty() {
                "false".to_string()
            } else {
                format!("coalesce({value} IN ({}), false)", values.join(", "))
            };
            match (negated, listed_null) {
                (false, false) => member,
                (false, true) => format!("({is_null} OR {member})"),
                (true, false) => format!("({is_null} OR NOT {member})"),
                (true, true) => format!("({not_null} AND NOT {member})"),
            }
        }
    }
}

fn sql_op(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Equals => "=",
        CompareOp::NotEquals => "<>",
        CompareOp::GreaterThan => ">",
        CompareOp::GreaterThanOrEqual => ">=",
        CompareOp::LessThan => "<",
        CompareOp::LessThanOrEqual => "<=",
    }
}

/// The per-row predicate of a string condition on `value`; `ignore_case` compares lower case.
pub fn string_condition(
    ruleset: &Ruleset,
    value: &str,
    condition: &StringCondition,
    ignore_case: bool,
) -> Result<String, String> {
    let value = if ignore_case {
        format!("lower({value})")
    } else {
        value.to_string()
    };
    let operand = |o: &StringOperand| -> Result<Option<String>, String> {
        let text = |s: String| {
            if ignore_case {
                s.to_lowercase()
            } else {
                s
            }
        };
        Ok(match o {
            StringOperand::Quoted(q) => Some(string(&text(q.value()))),
            StringOperand::Empty => Some(string("")),
            StringOperand::Null => None,
            StringOperand::WhitespacesOnly => None,
            StringOperand::Variable(name) => match ruleset.variable_set(name).as_deref() {
                Some([StringOperand::Quoted(q)]) => Some(string(&text(q.value()))),
                _ => return Err(format!("${name} is not a string variable")),
            },
        })
    };
    let whitespace = |o: &StringOperand| matches!(o, StringOperand::WhitespacesOnly);
    // `WHITESPACES_ONLY`: a non-empty value of whitespace only.
    let blank = format!("coalesce({value} RLIKE '^\\\\s+$', false)");
    match condition {
        StringCondition::Matches { negated, pattern } => {
            let test = format!(
                "coalesce({value} RLIKE {}, false)",
                string(&format!("^(?:{})$", pattern.value()))
            );
            Ok(if *negated {
                format!("({value} IS NOT NULL AND NOT {test})")
            } else {
                test
            })
        }
        StringCondition::InVariable { negated, name } => {
            let items = ruleset
                .variable_set(name)
                .ok_or_else(|| format!("${name} is not declared"))?;
            string_set(&value, *negated, &items, &operand, &blank)
        }
        StringCondition::Comparison(Comparison::In { negated, items }) => {
            string_set(&value, *negated, items, &operand, &blank)
        }
        StringCondition::Comparison(Comparison::Compare(op, o)) if whitespace(o) => Ok(match op {
            CompareOp::Equals => blank,
            CompareOp::NotEquals => format!("NOT {blank}"),
            _ => return Err("WHITESPACES_ONLY can only be compared with = or !=".into()),
        }),
        StringCondition::Comparison(Comparison::Compare(op, o)) => {
            Ok(compare(&value, &Comparison::Compare(*op, operand(o)?)))
        }
        StringCondition::Comparison(Comparison::Between { negated, low, high }) => Ok(compare(
            &value,
            &Comparison::Between {
                negated: *negated,
                low: operand(low)?,
                high: operand(high)?,
            },
        )),
    }
}

/// `in [...]` / `not in [...]` of strings, keywords included.
fn string_set(
    value: &str,
    negated: bool,
    items: &[StringOperand],
    operand: &dyn Fn(&StringOperand) -> Result<Option<String>, String>,
    blank: &str,
) -> Result<String, String> {
    let mut sql_items = Vec::new();
    let mut with_blank = false;
    for item in items {
        if matches!(item, StringOperand::WhitespacesOnly) {
            with_blank = true;
        } else {
            sql_items.push(operand(item)?);
        }
    }
    let base = compare(
        value,
        &Comparison::In {
            negated,
            items: sql_items,
        },
    );
    Ok(match (with_blank, negated) {
        (false, _) => base,
        (true, false) => format!("({base} OR {blank})"),
        (true, true) => format!("({base} AND NOT {blank})"),
    })
}

/// A date operand as SQL: a date (DQDL compares column values with dates and `now()`-based
/// expressions at date granularity), or a timestamp for a time of day (UTC).
pub fn date_operand(operand: &DateOperand, now: DateTime<Utc>) -> Result<Option<String>, String> {
    let date = |d: NaiveDate| Some(format!("CAST('{}' AS DATE)", d.format("%Y-%m-%d")));
    Ok(match operand {
        DateOperand::Null => None,
        DateOperand::Date(d) => {
            let day = NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                .ok_or_else(|| format!("{operand} is not a date"))?;
            date(day)
        }
        DateOperand::Now => date(now.date_naive()),
        DateOperand::NowOffset { sign, offset } => {
            let span = span(*offset)?;
            let at = match sign {
                Sign::Plus => now + span,
                Sign::Minus => now - span,
            };
            date(at.date_naive())
        }
        DateOperand::TimeOfDay(t) => {
            let at = now
                .date_naive()
                .and_hms_opt(t.hour().into(), t.minute().into(), 0)
                .ok_or_else(|| format!("{operand} is not a time of day"))?;
            Some(format!(
                "CAST('{}' AS TIMESTAMP)",
                at.format("%Y-%m-%d %H:%M:%S")
            ))
        }
    })
}

/// A date operand as seconds since the epoch (a date is its midnight, `now()` the minute, a time
/// of day today's, in UTC), for comparing with files' modification times.
pub fn date_seconds(operand: &DateOperand, now: DateTime<Utc>) -> Result<Option<f64>, String> {
    let minute = now.timestamp() - now.timestamp().rem_euclid(60);
    Ok(Some(match operand {
        DateOperand::Null => return Ok(None),
        DateOperand::Date(d) => {
            NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                .and_then(|day| day.and_hms_opt(0, 0, 0))
                .ok_or_else(|| format!("{operand} is not a date"))?
                .and_utc()
                .timestamp() as f64
        }
        DateOperand::Now => minute as f64,
        DateOperand::NowOffset { sign, offset } => {
            let span = span(*offset)?.num_seconds();
            match sign {
                Sign::Plus => (minute + span) as f64,
                Sign::Minus => (minute - span) as f64,
            }
        }
        DateOperand::TimeOfDay(t) => now
            .date_naive()
            .and_hms_opt(t.hour().into(), t.minute().into(), 0)
            .ok_or_else(|| format!("{operand} is not a time of day"))?
            .and_utc()
            .timestamp() as f64,
    }))
}

/// A duration as a time span.
pub fn span(duration: Duration) -> Result<Span, String> {
    let amount = i64::try_from(duration.amount).map_err(|_| format!("{duration} is too long"))?;
    let span = match duration.unit {
        DurationUnit::Days => Span::try_days(amount),
        DurationUnit::Hours => Span::try_hours(amount),
        DurationUnit::Minutes => Span::try_minutes(amount),
    };
    span.ok_or_else(|| format!("{duration} is too long"))
}

/// A timestamp literal.
pub fn timestamp(at: DateTime<Utc>) -> String {
    format!(
        "CAST('{}' AS TIMESTAMP)",
        at.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(ident("a`b"), "`a``b`");
        assert_eq!(string(r"it's \d"), r"'it\'s \\d'");
        assert_eq!(number(0.5).as_deref(), Ok("0.5"));
        assert!(number(f64::NAN).is_err());
    }

    #[test]
    fn null_rules_of_comparisons() {
        let c = |cmp| compare("c", &cmp);
        assert_eq!(
            c(Comparison::Compare(
                CompareOp::GreaterThan,
                Some("1".into())
            )),
            "coalesce(c > 1, false)"
        );
        assert_eq!(
            c(Comparison::Compare(CompareOp::NotEquals, Some("1".into()))),
            "(c IS NULL OR c <> 1)"
        );
        assert_eq!(c(Comparison::Compare(CompareOp::Equals, None)), "c IS NULL");
        assert_eq!(
            c(Comparison::In {
                negated: true,
                items: vec![Some("1".into()), None]
            }),
            "(c IS NOT NULL AND NOT coalesce(c IN (1), false))"
        );
    }
}
