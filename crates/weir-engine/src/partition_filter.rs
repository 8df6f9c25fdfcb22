//! Filters on a catalog table's partition keys: which DataFusion filters touch only partition
//! keys, and the part of them that Glue's `GetPartitions` expression language can say, so the
//! catalog (and its partition indexes) prunes partitions before any is listed.
//!
//! The translation may only *weaken* a filter, never strengthen it: the partitions the catalog
//! returns are filtered again exactly (`GlueTable`), so an untranslatable conjunct is dropped,
//! but a disjunction or negation is sent only when it is translated whole.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator};

/// A partition key: its name, Hive type name and Arrow type.
#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub hive_type: String,
    pub data_type: DataType,
}

/// Whether `filter` refers to columns and only to the named partition keys (and is not volatile).
pub fn only_on(filter: &Expr, keys: &[&str]) -> bool {
    let columns = filter.column_refs();
    !keys.is_empty()
        && !columns.is_empty()
        && columns.iter().all(|c| keys.contains(&c.name.as_str()))
        && !filter.is_volatile()
}

/// The Glue expression implied by the conjunction of `filters`, if any part can be said.
pub fn glue_expression(filters: &[Expr], keys: &[Key]) -> Option<String> {
    let parts: Vec<String> = filters.iter().filter_map(|f| weakened(f, keys)).collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// A Glue expression that every row matching `e` matches (conjuncts that cannot be said are dropped).
fn weakened(e: &Expr, keys: &[Key]) -> Option<String> {
    if let Expr::BinaryExpr(BinaryExpr {
        left,
        op: Operator::And,
        right,
    }) = e
    {
        return match (weakened(left, keys), weakened(right, keys)) {
            (Some(l), Some(r)) => Some(format!("({l} AND {r})")),
            (one, other) => one.or(other),
        };
    }
    exact(e, keys)
}

/// A Glue expression equivalent to `e`, or `None`.
fn exact(e: &Expr, keys: &[Key]) -> Option<String> {
    match e {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            if let Some(logical) = match op {
                Operator::And => Some("AND"),
                Operator::Or => Some("OR"),
                _ => None,
            } {
                return Some(format!(
                    "({} {logical} {})",
                    exact(left, keys)?,
                    exact(right, keys)?
                ));
            }
            let symbol = comparison(op)?;
            if let (Some(key), Some(value)) = (key_of(left, keys), literal(right)) {
                return Some(format!(
                    "{} {symbol} {}",
                    quoted_name(&key.name),
                    text(key, value)?
                ));
            }
            let (key, value) = (key_of(right, keys)?, literal(left)?);
            Some(format!(
                "{} {symbol} {}",
                text(key, value)?,
                quoted_name(&key.name)
            ))
        }
        Expr::Not(inner) => Some(format!("NOT ({})", exact(inner, keys)?)),
        Expr::InList(list) => {
            let key = key_of(&list.expr, keys)?;
            let values: Option<Vec<String>> =
                list.list.iter().map(|v| text(key, literal(v)?)).collect();
            let not = if list.negated { "NOT " } else { "" };
            Some(format!(
                "{} {not}IN ({})",
                quoted_name(&key.name),
                values?.join(", ")
            ))
        }
        Expr::Between(Between {
            expr,
            negated,
            low,
            high,
        }) => {
            let key = key_of(expr, keys)?;
            let not = if *negated { "NOT " } else { "" };
            Some(format!(
                "{} {not}BETWEEN {} AND {}",
                quoted_name(&key.name),
                text(key, literal(low)?)?,
                text(key, literal(high)?)?
            ))
        }
        _ => None,
    }
}

fn comparison(op: &Operator) -> Option<&'static str> {
    Some(match op {
        Operator::Eq => "=",
        Operator::NotEq => "<>",
        Operator::Lt => "<",
        Operator::LtEq => "<=",
        Operator::Gt => ">",
        Operator::GtEq => ">=",
        _ => return None,
    })
}

/// The key a (possibly integer-widened) column expression names.
fn key_of<'k>(e: &Expr, keys: &'k [Key]) -> Option<&'k Key> {
    match e {
        Expr::Column(c) => keys.iter().find(|k| k.name == c.name),
        Expr::Cast(cast) if cast.data_type.is_integer() => {
            key_of(&cast.expr, keys).filter(|k| k.data_type.is_integer())
        }
        _ => None,
    }
}

fn literal(e: &Expr) -> Option<&ScalarValue> {
    match e {
        Expr::Literal(v, _) if !v.is_null() => Some(v),
        _ => None,
    }
}

/// A literal as Glue expression text for a comparison with `key` (only where both agree on the
/// comparison: integers with integer keys, strings with text keys, dates with date keys).
fn text(key: &Key, value: &ScalarValue) -> Option<String> {
    let t = &key.data_type;
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
            if matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) =>
        {
            Some(format!("'{}'", s.replace('\'', "''")))
        }
        ScalarValue::Date32(Some(_)) if *t == DataType::Date32 => Some(format!("'{value}'")),
        v if t.is_integer() && v.data_type().is_integer() => Some(v.to_string()),
        _ => None,
    }
}

/// A key name as the expression language takes it (backticks when it is not a bare identifier).
fn quoted_name(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if bare {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::{col, lit};

    use super::*;

    fn keys() -> Vec<Key> {
        vec![
            Key {
                name: "year".into(),
                hive_type: "int".into(),
                data_type: DataType::Int32,
            },
            Key {
                name: "region".into(),
                hive_type: "string".into(),
                data_type: DataType::Utf8,
            },
        ]
    }

    #[test]
    fn conjunctions_translate_and_unsayable_parts_are_dropped() {
        let f = col("year")
            .eq(lit(2024))
            .and(col("region").like(lit("eu%")))
            .and(col("region").in_list(vec![lit("eu-west-1"), lit("o'k")], false));
        assert_eq!(
            glue_expression(&[f], &keys()).as_deref(),
            Some("(year = 2024 AND region IN ('eu-west-1', 'o''k'))")
        );
    }

    #[test]
    fn disjunctions_and_negations_translate_whole_or_not_at_all() {
        let partial = col("year").eq(lit(2024)).or(col("region").like(lit("x%")));
        assert_eq!(glue_expression(&[partial], &keys()), None);
        let whole = Expr::Not(Box::new(col("year").between(lit(2020), lit(2022))));
        assert_eq!(
            glue_expression(&[whole], &keys()).as_deref(),
            Some("NOT (year BETWEEN 2020 AND 2022)")
        );
        let swapped = lit(2020).lt(col("year"));
        assert_eq!(
            glue_expression(&[swapped], &keys()).as_deref(),
            Some("2020 < year")
        );
    }

    #[test]
    fn mismatched_literal_types_are_not_sent() {
        assert_eq!(
            glue_expression(&[col("year").eq(lit("2024"))], &keys()),
            None
        );
        assert_eq!(glue_expression(&[col("region").eq(lit(5))], &keys()), None);
    }

    #[test]
    fn only_partition_key_filters_prune() {
        assert!(only_on(&col("year").eq(lit(1)), &["year", "region"]));
        assert!(!only_on(&col("amount").gt(lit(1)), &["year"]));
        assert!(!only_on(&lit(true), &["year"]));
    }
}
