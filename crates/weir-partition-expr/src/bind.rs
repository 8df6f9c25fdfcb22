//! Binding the AST to a table's partition keys (name resolution and literal typing), and evaluation.

use std::cmp::Ordering;

use crate::lexer::CmpOp;
use crate::parser::{Expr, Operand, OperandKind};
use crate::types::{Date, Decimal, KeyKind, Value};
use crate::{ExprError, PartitionKey};

/// A partition key with its comparison kind resolved.
#[derive(Debug, Clone)]
pub(crate) struct BoundKey {
    pub name: String,
    pub type_name: String,
    pub kind: KeyKind,
}

impl BoundKey {
    pub(crate) fn new(key: &PartitionKey) -> BoundKey {
        BoundKey {
            name: key.name.clone(),
            type_name: key.type_name.clone(),
            kind: KeyKind::of(&key.type_name),
        }
    }
}

/// A bound expression: every leaf is an [`Atom`] on one key with literals of that key's type.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Atom(Atom),
}

/// A positive test of one key's value. Negated forms (`<>`, `NOT IN`, …) are `Node::Not` of an atom.
#[derive(Debug, Clone)]
pub(crate) struct Atom {
    /// Position of the key in the table's partition keys.
    pub key: usize,
    pub test: Test,
}

/// The relation of a [`Test::Compare`]: `value <relation> literal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Relation {
    fn holds(self, order: Ordering) -> bool {
        match self {
            Relation::Eq => order == Ordering::Equal,
            Relation::Lt => order == Ordering::Less,
            Relation::Le => order != Ordering::Greater,
            Relation::Gt => order == Ordering::Greater,
            Relation::Ge => order != Ordering::Less,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Test {
    Compare(Relation, Literal),
    /// Inclusive on both ends.
    Between(Literal, Literal),
    In(Vec<Literal>),
    /// Matches the stored text as is, whatever the key's type.
    Like(LikePattern),
    /// Always false: partition values are never null.
    IsNull,
}

/// A literal converted to its key's kind.
#[derive(Debug, Clone)]
pub(crate) enum Literal {
    Text(String),
    Number(Decimal<String>),
    Date(Date),
}

impl Literal {
    pub(crate) fn value(&self) -> Value<'_> {
        match self {
            Literal::Text(text) => Value::Text(text),
            Literal::Number(number) => Value::Number(number.view()),
            Literal::Date(date) => Value::Date(*date),
        }
    }
}

/// One element of a `LIKE` pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LikeToken {
    Char(char),
    /// `_`: exactly one character.
    One,
    /// `%`: any run of characters, including none.
    Any,
}

#[derive(Debug, Clone)]
pub(crate) struct LikePattern {
    pub tokens: Vec<LikeToken>,
}

impl LikePattern {
    fn new(pattern: &str) -> LikePattern {
        let mut tokens: Vec<LikeToken> = Vec::with_capacity(pattern.len());
        for c in pattern.chars() {
            let token = match c {
                '%' => LikeToken::Any,
                '_' => LikeToken::One,
                c => LikeToken::Char(c),
            };
            // Consecutive `%`s are equivalent to one.
            if !(token == LikeToken::Any && tokens.last() == Some(&LikeToken::Any)) {
                tokens.push(token);
            }
        }
        LikePattern { tokens }
    }

    /// Wildcard matching with single-`%` backtracking: O(len(text) × len(pattern)), no allocation.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let pattern = &self.tokens;
        let (mut p, mut i) = (0usize, 0usize);
        // Where to resume after the most recent `%`: (pattern index after it, text index it absorbs to).
        let mut backtrack: Option<(usize, usize)> = None;
        loop {
            let next_char = text[i..].chars().next();
            let advanced = match (pattern.get(p), next_char) {
                (Some(LikeToken::Any), _) => {
                    backtrack = Some((p + 1, i));
                    p += 1;
                    continue;
                }
                (Some(LikeToken::One), Some(c)) => Some(c.len_utf8()),
                (Some(LikeToken::Char(expected)), Some(c)) if *expected == c => Some(c.len_utf8()),
                (None, None) => return true,
                _ => None,
            };
            if let Some(len) = advanced {
                p += 1;
                i += len;
                continue;
            }
            // Mismatch: let the last `%` absorb one more character, or fail.
            match backtrack {
                Some((after_any, absorbed)) => match text[absorbed..].chars().next() {
                    Some(c) => {
                        let absorbed = absorbed + c.len_utf8();
                        backtrack = Some((after_any, absorbed));
                        p = after_any;
                        i = absorbed;
                    }
                    None => return false,
                },
                None => return false,
            }
        }
    }
}

/// Binds a parsed expression to `keys`.
pub(crate) fn bind(expr: &Expr, keys: &[BoundKey]) -> Result<Node, ExprError> {
    Binder { keys }.node(expr)
}

struct Binder<'k> {
    keys: &'k [BoundKey],
}

fn negate_if(negated: bool, node: Node) -> Node {
    if negated {
        Node::Not(Box::new(node))
    } else {
        node
    }
}

impl Binder<'_> {
    fn node(&self, expr: &Expr) -> Result<Node, ExprError> {
        Ok(match expr {
            Expr::And(arms) => Node::And(
                arms.iter()
                    .map(|arm| self.node(arm))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(arms) => Node::Or(
                arms.iter()
                    .map(|arm| self.node(arm))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(inner) => Node::Not(Box::new(self.node(inner)?)),
            Expr::Compare { left, op, right } => self.compare(left, *op, right)?,
            Expr::Between {
                operand,
                low,
                high,
                negated,
            } => {
                let key = self.key(operand, "BETWEEN")?;
                let test = Test::Between(self.literal(low, key)?, self.literal(high, key)?);
                negate_if(*negated, Node::Atom(Atom { key, test }))
            }
            Expr::In {
                operand,
                list,
                negated,
            } => {
                let key = self.key(operand, "IN")?;
                let list = list
                    .iter()
                    .map(|item| self.literal(item, key))
                    .collect::<Result<_, _>>()?;
                negate_if(
                    *negated,
                    Node::Atom(Atom {
                        key,
                        test: Test::In(list),
                    }),
                )
            }
            Expr::Like {
                operand,
                pattern,
                negated,
            } => {
                let key = self.key(operand, "LIKE")?;
                let OperandKind::Str(text) = &pattern.kind else {
                    return Err(ExprError::at(
                        pattern.position,
                        format!(
                            "The LIKE pattern at position {} must be a string literal",
                            pattern.position
                        ),
                    ));
                };
                negate_if(
                    *negated,
                    Node::Atom(Atom {
                        key,
                        test: Test::Like(LikePattern::new(text)),
                    }),
                )
            }
            Expr::IsNull { operand, negated } => {
                let key = self.key(operand, "IS NULL")?;
                negate_if(
                    *negated,
                    Node::Atom(Atom {
                        key,
                        test: Test::IsNull,
                    }),
                )
            }
        })
    }

    fn compare(&self, left: &Operand, op: CmpOp, right: &Operand) -> Result<Node, ExprError> {
        let (key_operand, op, literal) = match (&left.kind, &right.kind) {
            (OperandKind::Key(_), OperandKind::Key(_)) => {
                return Err(ExprError::at(
                    right.position,
                    format!(
                        "The comparison at position {} compares two partition keys; compare a partition key with a value",
                        left.position
                    ),
                ))
            }
            (OperandKind::Key(_), _) => (left, op, right),
            (_, OperandKind::Key(_)) => (right, op.flipped(), left),
            _ => {
                return Err(ExprError::at(
                    left.position,
                    format!(
                        "The comparison at position {} compares two values; compare a partition key with a value",
                        left.position
                    ),
                ))
            }
        };
        let key = self.resolve(key_operand)?;
        let literal = self.literal(literal, key)?;
        let atom = |relation| {
            Node::Atom(Atom {
                key,
                test: Test::Compare(relation, literal),
            })
        };
        Ok(match op {
            CmpOp::Eq => atom(Relation::Eq),
            CmpOp::Ne => Node::Not(Box::new(atom(Relation::Eq))),
            CmpOp::Lt => atom(Relation::Lt),
            CmpOp::Le => atom(Relation::Le),
            CmpOp::Gt => atom(Relation::Gt),
            CmpOp::Ge => atom(Relation::Ge),
        })
    }

    /// The key tested by `operator`, which must be a partition key.
    fn key(&self, operand: &Operand, operator: &str) -> Result<usize, ExprError> {
        match operand.kind {
            OperandKind::Key(_) => self.resolve(operand),
            _ => Err(ExprError::at(
                operand.position,
                format!(
                    "Expected a partition key at position {} before {operator}",
                    operand.position
                ),
            )),
        }
    }

    /// Resolves a key operand to its position, case-insensitively.
    fn resolve(&self, operand: &Operand) -> Result<usize, ExprError> {
        let OperandKind::Key(name) = &operand.kind else {
            return Err(ExprError::at(
                operand.position,
                format!("Expected a partition key at position {}", operand.position),
            ));
        };
        let same = |key: &BoundKey| {
            key.name.eq_ignore_ascii_case(name) || key.name.to_lowercase() == name.to_lowercase()
        };
        if let Some(pos) = self.keys.iter().position(same) {
            return Ok(pos);
        }
        let known = if self.keys.is_empty() {
            "the table has no partition keys".to_owned()
        } else {
            let names: Vec<&str> = self.keys.iter().map(|k| k.name.as_str()).collect();
            format!("the table's partition keys are: {}", names.join(", "))
        };
        Err(ExprError::at(
            operand.position,
            format!(
                "Unknown partition key '{name}' at position {}; {known}",
                operand.position
            ),
        ))
    }

    /// Converts a literal operand to the kind of key `key`.
    fn literal(&self, operand: &Operand, key: usize) -> Result<Literal, ExprError> {
        let bound = &self.keys[key];
        let text = match &operand.kind {
            OperandKind::Str(text) | OperandKind::Number(text) => text,
            OperandKind::Key(name) => {
                return Err(ExprError::at(
                    operand.position,
                    format!(
                        "Expected a value at position {} but found partition key '{name}'; compare a partition key with a value",
                        operand.position
                    ),
                ))
            }
        };
        let converted = match bound.kind {
            KeyKind::Text => Some(Literal::Text(text.clone())),
            KeyKind::Timestamp => Some(Literal::Text(text.trim().to_owned())),
            KeyKind::Integral | KeyKind::Decimal => {
                Decimal::parse(text.trim().to_owned(), true).map(Literal::Number)
            }
            KeyKind::Date => match operand.kind {
                OperandKind::Str(_) => Date::parse(text.trim()).map(Literal::Date),
                _ => None,
            },
        };
        converted.ok_or_else(|| {
            ExprError::at(
                operand.position,
                format!(
                    "Cannot convert the value {} at position {} to type {} of partition key '{}'",
                    quote(text),
                    operand.position,
                    bound.type_name,
                    bound.name
                ),
            )
        })
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl Node {
    /// Evaluates the expression on one partition's values (`values[i]` belongs to `keys[i]`).
    pub(crate) fn eval(&self, keys: &[BoundKey], values: &[String]) -> bool {
        match self {
            Node::And(arms) => arms.iter().all(|arm| arm.eval(keys, values)),
            Node::Or(arms) => arms.iter().any(|arm| arm.eval(keys, values)),
            Node::Not(inner) => !inner.eval(keys, values),
            Node::Atom(atom) => match (keys.get(atom.key), values.get(atom.key)) {
                (Some(key), Some(raw)) => atom.test.eval(key.kind, raw),
                _ => false,
            },
        }
    }

    /// Calls `f` with the key position of every atom.
    pub(crate) fn for_each_key(&self, f: &mut impl FnMut(usize)) {
        match self {
            Node::And(arms) | Node::Or(arms) => arms.iter().for_each(|arm| arm.for_each_key(f)),
            Node::Not(inner) => inner.for_each_key(f),
            Node::Atom(atom) => f(atom.key),
        }
    }
}

impl Test {
    /// Evaluates the test on a stored value. Apart from `LIKE`, a value that does not parse as the
    /// key's type fails every test.
    fn eval(&self, kind: KeyKind, raw: &str) -> bool {
        let parsed = || kind.parse(raw);
        match self {
            Test::Like(pattern) => pattern.matches(raw),
            Test::IsNull => false,
            Test::Compare(relation, literal) => {
                parsed().is_some_and(|value| relation.holds(value.compare(&literal.value())))
            }
            Test::Between(low, high) => parsed().is_some_and(|value| {
                value.compare(&low.value()) != Ordering::Less
                    && value.compare(&high.value()) != Ordering::Greater
            }),
            Test::In(list) => parsed().is_some_and(|value| {
                list.iter()
                    .any(|item| value.compare(&item.value()) == Ordering::Equal)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, text: &str) -> bool {
        LikePattern::new(pattern).matches(text)
    }

    #[test]
    fn like_matching() {
        assert!(like("abc", "abc"));
        assert!(!like("abc", "abcd"));
        assert!(!like("abc", "ABC"));
        assert!(like("a%", "a"));
        assert!(like("a%", "abc"));
        assert!(!like("a%", "ba"));
        assert!(like("%c", "abc"));
        assert!(like("%b%", "abc"));
        assert!(like("a_c", "abc"));
        assert!(!like("a_c", "ac"));
        assert!(like("a_c", "aéc"));
        assert!(like("%", ""));
        assert!(!like("_", ""));
        assert!(like("", ""));
        assert!(!like("", "a"));
        assert!(like("a%%b", "ab"));
        assert!(like("%a%b%c%", "xxaxxbxxcxx"));
        assert!(!like("%a%b%c%", "xxcxxbxxaxx"));
        assert!(like("%aab", "aaaab"));
        assert!(like("a%b_", "aXbbY"));
        assert!(!like("a%b_", "aXbY_b"));
    }
}
