//! Glue `GetPartitions` filter expressions: parsing, typed evaluation against partition values, and
//! constraints for a partition index.
//!
//! # Language
//!
//! * Comparisons `=` (`==`), `<>` (`!=`), `<`, `<=`, `>`, `>=` between a partition key and a literal,
//!   in either order (`10 < month`).
//! * `key [NOT] BETWEEN a AND b` (inclusive), `key [NOT] IN (a, b, …)`, `key [NOT] LIKE 'pattern'`
//!   (`%` = any run of characters, `_` = one character, case-sensitive, no escape character),
//!   `key IS [NOT] NULL`.
//! * `AND`, `OR`, `NOT` and parentheses, with precedence `NOT` > `AND` > `OR`. Keywords are
//!   case-insensitive.
//! * Keys are bare identifiers (`[A-Za-z_][A-Za-z0-9_]*`, not a keyword) or backtick-quoted
//!   (`` `a``b` `` for a name containing a backtick), matched case-insensitively against the table's
//!   partition keys. Literals are single- or double-quoted strings (a doubled quote escapes it) and
//!   numbers (`-12`, `1.5`, `.5`, `1e3`).
//! * An empty or all-whitespace expression matches every partition.
//!
//! # Typing
//!
//! Each comparison is typed by its key's Hive type; literals are converted to that type when the
//! filter is built (an inconvertible literal is an error):
//!
//! | Key type | Comparison |
//! |---|---|
//! | `tinyint`, `smallint`, `int`, `integer`, `bigint`, `long` | exact numeric; stored values are `[+-]digits` (surrounding whitespace ignored) |
//! | `decimal(p,s)`, `numeric`, `double`, `float`, `real` | exact decimal (no float rounding); stored values may have a fraction and exponent |
//! | `date` | calendar date; values and literals are `YYYY-MM-DD` (literals must be quoted) |
//! | `timestamp` | text, after trimming surrounding whitespace from value and literal |
//! | anything else (`string`, `varchar(n)`, `char(n)`, …) | text, byte by byte, exactly as stored |
//!
//! Numeric literals may be quoted (`month = '10'`) and may have a fraction even on integral keys (the
//! comparison stays exact). On a text key a number literal stands for its text as written.
//!
//! A stored value that does not parse as its key's type (e.g. `__HIVE_DEFAULT_PARTITION__` on an
//! `int` key) makes every positive test on that key false: `=`, `<`, `<=`, `>`, `>=`, `BETWEEN`,
//! `IN`. The negated forms are exactly the logical negation of these: `<>` is `NOT =`, `NOT IN` is
//! `NOT (… IN …)`, etc., so they are true for such a value. `LIKE` always matches the stored text as
//! is, whatever the key's type. `IS NULL` is always false (partition values are never null) and
//! `IS NOT NULL` always true.

mod bind;
mod constraint;
mod lexer;
mod parser;
mod types;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use bind::{BoundKey, Node};
use types::KeyKind;

/// A partition key of a table: its name and Hive type name (e.g. `int`, `decimal(10,2)`, `string`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartitionKey {
    pub name: String,
    pub type_name: String,
}

impl PartitionKey {
    pub fn new(name: impl Into<String>, type_name: impl Into<String>) -> PartitionKey {
        PartitionKey {
            name: name.into(),
            type_name: type_name.into(),
        }
    }
}

/// An invalid expression: a syntax error, an unknown key, or a literal not convertible to its key's
/// type. `position` is the 0-based character offset of the offending token (also stated in the
/// message) when there is one. Displays as `message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub position: Option<usize>,
    pub message: String,
}

impl ExprError {
    pub(crate) fn at(position: usize, message: String) -> ExprError {
        ExprError {
            position: Some(position),
            message,
        }
    }
}

/// A parsed expression bound to a table's partition keys, ready to test partitions.
#[derive(Debug, Clone)]
pub struct Filter {
    keys: Vec<BoundKey>,
    /// `None` for an empty expression, which matches everything.
    root: Option<Node>,
}

impl Filter {
    /// Parses `expression` and binds it to `keys` (see the crate documentation for the language and
    /// typing rules). An empty or all-whitespace expression gives a filter matching everything.
    pub fn new(expression: &str, keys: &[PartitionKey]) -> Result<Filter, ExprError> {
        let keys: Vec<BoundKey> = keys.iter().map(BoundKey::new).collect();
        let root = match parser::parse(expression)? {
            Some(expr) => Some(bind::bind(&expr, &keys)?),
            None => None,
        };
        Ok(Filter { keys, root })
    }

    /// Whether a partition with these values passes the filter. `values[i]` is the value of
    /// `keys[i]`; callers guarantee `values.len() == keys.len()` (a missing value fails every test on
    /// its key). Does not allocate.
    pub fn matches(&self, values: &[String]) -> bool {
        self.root
            .as_ref()
            .is_none_or(|root| root.eval(&self.keys, values))
    }

    /// A constraint that every partition matching the filter satisfies on key `key_pos`, when its
    /// value is mapped with [`index_value`] and compared as the SQL index does (see
    /// [`KeyConstraint`]). A matching partition's value on a constrained key always has an index
    /// value. The constraint may admit non-matching partitions, so callers must still apply
    /// [`Filter::matches`]. `None` means no useful constraint (including `key_pos` out of range).
    ///
    /// Derived from `AND` conjuncts (intersected), `OR` arms that all constrain the key (their union,
    /// or the smallest range covering it), `NOT` pushed inward, and atoms: `=` and `IN` give values;
    /// `<`, `<=`, `>`, `>=`, `BETWEEN` give ranges; `LIKE 'abc%'` on a text key gives the prefix range;
    /// `IS NULL` gives the empty value list.
    pub fn key_constraint(&self, key_pos: usize) -> Option<KeyConstraint> {
        let key = self.keys.get(key_pos)?;
        constraint::derive(self.root.as_ref()?, key_pos, key.kind, true)
    }

    /// Positions of the keys the expression refers to, ascending, without duplicates.
    pub fn keys_used(&self) -> Vec<usize> {
        let mut used = Vec::new();
        if let Some(root) = &self.root {
            root.for_each_key(&mut |key| used.push(key));
        }
        used.sort_unstable();
        used.dedup();
        used
    }

    /// Whether the filter matches every partition because the expression was empty.
    pub fn is_match_all(&self) -> bool {
        self.root.is_none()
    }
}

/// A set of index values for one key, expressed with the index's comparisons: `Text` values compare
/// byte by byte (SQL `TEXT` in a binary collation), `Number` values numerically (SQL `DOUBLE`).
#[derive(Debug, Clone, PartialEq)]
pub enum KeyConstraint {
    /// The value is one of these (sorted, without duplicates; empty means no partition matches).
    Values(Vec<IndexValue>),
    /// The value lies within the bounds; each bound is `(value, inclusive)`, `None` is unbounded.
    /// Never has both bounds `None`.
    Range {
        lower: Option<(IndexValue, bool)>,
        upper: Option<(IndexValue, bool)>,
    },
}

impl KeyConstraint {
    /// Whether an index value satisfies the constraint, comparing as the SQL index does.
    pub fn admits(&self, value: &IndexValue) -> bool {
        match self {
            KeyConstraint::Values(values) => values.contains(value),
            KeyConstraint::Range { lower, upper } => constraint::within(value, lower, upper),
        }
    }
}

/// A partition value as stored in the SQL partition index.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexValue {
    /// Compared byte by byte.
    Text(String),
    /// Compared numerically; never NaN (may be ±infinity for huge decimals).
    Number(f64),
}

/// How a stored partition value of a key of Hive type `type_name` is represented in the SQL index:
/// integral and decimal types as `Number` (the nearest `f64`), dates as `Text` in canonical
/// `YYYY-MM-DD` form, timestamps as trimmed `Text`, everything else as the `Text` itself. `None` if
/// the value does not parse as the type (such a value never satisfies a [`KeyConstraint`] derived by
/// [`Filter::key_constraint`], and never matches a filter that yields one for its key).
pub fn index_value(type_name: &str, raw: &str) -> Option<IndexValue> {
    KeyKind::of(type_name)
        .parse(raw)
        .map(|value| value.index_value())
}
