//! Deriving, from a bound expression, a constraint on one key that the SQL partition index can answer.
//!
//! Soundness is the only hard requirement: every partition the filter matches must satisfy the
//! constraint when its value is mapped with [`crate::index_value`] and compared as SQL would (text
//! byte by byte, numbers as doubles). Each step below either preserves the exact set of matching
//! values or widens it:
//!
//! * `AND` intersects the constraints of its arms (an unconstrained arm is ignored);
//! * `OR` takes the union of its arms' constraints, or the smallest range covering them, and gives
//!   up if any arm is unconstrained;
//! * `NOT` is pushed inward (De Morgan). A negated atom only yields a constraint on keys whose every
//!   value parses (text, timestamp), because on other keys an unparseable value satisfies it;
//! * a numeric literal becomes the nearest `f64`, which is monotone but may merge distinct values,
//!   so a strict bound stays strict only when that cannot lose a match.

use std::cmp::Ordering;

use crate::bind::{Atom, LikeToken, Literal, Node, Relation, Test};
use crate::types::KeyKind;
use crate::{IndexValue, KeyConstraint};

type Bound = Option<(IndexValue, bool)>;

/// The constraint on key `key` (of kind `kind`) satisfied by every value for which `node` evaluates
/// to `positive`.
pub(crate) fn derive(
    node: &Node,
    key: usize,
    kind: KeyKind,
    positive: bool,
) -> Option<KeyConstraint> {
    let arms = |nodes: &'_ [Node]| -> Vec<Option<KeyConstraint>> {
        nodes
            .iter()
            .map(|arm| derive(arm, key, kind, positive))
            .collect()
    };
    match (node, positive) {
        (Node::And(nodes), true) | (Node::Or(nodes), false) => {
            arms(nodes).into_iter().flatten().reduce(intersect)
        }
        (Node::Or(nodes), true) | (Node::And(nodes), false) => {
            // Every arm must constrain the key, or a value outside all the constraints could match.
            let mut arms = arms(nodes).into_iter();
            let first = arms.next()??;
            arms.try_fold(first, |acc, arm| union(acc, arm?))
        }
        (Node::Not(inner), _) => derive(inner, key, kind, !positive),
        (Node::Atom(atom), _) if atom.key != key => None,
        (Node::Atom(atom), true) => atom_constraint(atom, kind),
        (Node::Atom(atom), false) if kind.accepts_everything() => negated_atom_constraint(atom),
        (Node::Atom(_), false) => None,
    }
}

fn index(literal: &Literal) -> IndexValue {
    literal.value().index_value()
}

/// Whether `value < literal` (or `>`) can be kept strict in `f64`: only for integral keys and
/// integer literals below 2^53, where the next integer is exactly representable.
fn strict_is_exact(kind: KeyKind, literal: &Literal) -> bool {
    match literal {
        Literal::Number(number) => {
            kind == KeyKind::Integral
                && number.view().is_integer()
                && number.view().to_f64().abs() < 9_007_199_254_740_992.0
        }
        Literal::Text(_) | Literal::Date(_) => true,
    }
}

fn atom_constraint(atom: &Atom, kind: KeyKind) -> Option<KeyConstraint> {
    let bound = |literal: &Literal, strict: bool| {
        Some((index(literal), !(strict && strict_is_exact(kind, literal))))
    };
    let constraint = match &atom.test {
        Test::Compare(Relation::Eq, literal) => KeyConstraint::Values(vec![index(literal)]),
        Test::Compare(Relation::Lt, literal) => KeyConstraint::Range {
            lower: None,
            upper: bound(literal, true),
        },
        Test::Compare(Relation::Le, literal) => KeyConstraint::Range {
            lower: None,
            upper: bound(literal, false),
        },
        Test::Compare(Relation::Gt, literal) => KeyConstraint::Range {
            lower: bound(literal, true),
            upper: None,
        },
        Test::Compare(Relation::Ge, literal) => KeyConstraint::Range {
            lower: bound(literal, false),
            upper: None,
        },
        Test::Between(low, high) => KeyConstraint::Range {
            lower: bound(low, false),
            upper: bound(high, false),
        },
        Test::In(list) => KeyConstraint::Values(list.iter().map(index).collect()),
        // LIKE matches the stored text, which the index holds unchanged only for text keys.
        Test::Like(pattern) if kind == KeyKind::Text => {
            let prefix: String = pattern
                .tokens
                .iter()
                .map_while(|token| match token {
                    LikeToken::Char(c) => Some(*c),
                    _ => None,
                })
                .collect();
            if prefix.chars().count() == pattern.tokens.len() {
                KeyConstraint::Values(vec![IndexValue::Text(prefix)])
            } else if prefix.is_empty() {
                return None;
            } else {
                let upper = prefix_successor(&prefix).map(|upper| (IndexValue::Text(upper), false));
                KeyConstraint::Range {
                    lower: Some((IndexValue::Text(prefix), true)),
                    upper,
                }
            }
        }
        Test::Like(_) => return None,
        Test::IsNull => KeyConstraint::Values(Vec::new()),
    };
    Some(normalize(constraint))
}

/// For text and timestamp keys, where every value parses, `NOT (v < x)` is exactly `v >= x`, etc.
fn negated_atom_constraint(atom: &Atom) -> Option<KeyConstraint> {
    let Test::Compare(relation, literal) = &atom.test else {
        return None;
    };
    let bound = Some((
        index(literal),
        *relation == Relation::Gt || *relation == Relation::Lt,
    ));
    match relation {
        Relation::Lt | Relation::Le => Some(KeyConstraint::Range {
            lower: bound,
            upper: None,
        }),
        Relation::Gt | Relation::Ge => Some(KeyConstraint::Range {
            lower: None,
            upper: bound,
        }),
        Relation::Eq => None,
    }
}

/// The smallest string greater than every string starting with `prefix`, if any.
fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// SQL ordering of index values; `None` for values of different types (never produced for one key).
fn compare(a: &IndexValue, b: &IndexValue) -> Option<Ordering> {
    match (a, b) {
        (IndexValue::Text(a), IndexValue::Text(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (IndexValue::Number(a), IndexValue::Number(b)) => a.partial_cmp(b),
        _ => None,
    }
}

/// Whether `value` lies within the bounds; true when unsure (keeping a value is always sound).
pub(crate) fn within(value: &IndexValue, lower: &Bound, upper: &Bound) -> bool {
    let ok = |bound: &Bound, wanted: Ordering| match bound {
        None => true,
        Some((limit, inclusive)) => match compare(value, limit) {
            Some(Ordering::Equal) => *inclusive,
            Some(order) => order == wanted,
            None => true,
        },
    };
    ok(lower, Ordering::Greater) && ok(upper, Ordering::Less)
}

/// Sorts and deduplicates value lists; turns empty ranges into an empty value list.
fn normalize(constraint: KeyConstraint) -> KeyConstraint {
    match constraint {
        KeyConstraint::Values(mut values) => {
            values.sort_by(|a, b| compare(a, b).unwrap_or(Ordering::Equal));
            values.dedup_by(|a, b| compare(a, b) == Some(Ordering::Equal));
            KeyConstraint::Values(values)
        }
        KeyConstraint::Range {
            lower: Some((low, low_inclusive)),
            upper: Some((high, high_inclusive)),
        } => {
            let empty = match compare(&low, &high) {
                Some(Ordering::Greater) => true,
                Some(Ordering::Equal) => !(low_inclusive && high_inclusive),
                _ => false,
            };
            if empty {
                KeyConstraint::Values(Vec::new())
            } else {
                KeyConstraint::Range {
                    lower: Some((low, low_inclusive)),
                    upper: Some((high, high_inclusive)),
                }
            }
        }
        range => range,
    }
}

/// The tighter (`tighter = true`) or looser of two lower bounds; `None` is unbounded.
fn pick_lower(a: Bound, b: Bound, tighter: bool) -> Bound {
    pick(a, b, tighter, Ordering::Greater)
}

/// The tighter or looser of two upper bounds.
fn pick_upper(a: Bound, b: Bound, tighter: bool) -> Bound {
    pick(a, b, tighter, Ordering::Less)
}

/// Picks between bounds where `inward` is the direction in which a bound is tighter.
fn pick(a: Bound, b: Bound, tighter: bool, inward: Ordering) -> Bound {
    match (a, b) {
        (None, other) | (other, None) => {
            if tighter {
                other
            } else {
                None
            }
        }
        (Some(a), Some(b)) => Some(match compare(&a.0, &b.0) {
            Some(Ordering::Equal) => {
                // Exclusive is tighter than inclusive.
                let inclusive = if tighter { a.1 && b.1 } else { a.1 || b.1 };
                (a.0, inclusive)
            }
            Some(order) => {
                if (order == inward) == tighter {
                    a
                } else {
                    b
                }
            }
            // Unreachable for one key; the looser choice is unbounded, the tighter one either.
            None if tighter => a,
            None => return None,
        }),
    }
}

/// A constraint satisfied by every value satisfying both `a` and `b`.
fn intersect(a: KeyConstraint, b: KeyConstraint) -> KeyConstraint {
    use KeyConstraint::{Range, Values};
    let constraint = match (a, b) {
        (Values(a), Values(b)) => Values(
            a.into_iter()
                .filter(|x| {
                    b.iter()
                        .any(|y| matches!(compare(x, y), Some(Ordering::Equal) | None))
                })
                .collect(),
        ),
        (Values(values), Range { lower, upper }) | (Range { lower, upper }, Values(values)) => {
            Values(
                values
                    .into_iter()
                    .filter(|v| within(v, &lower, &upper))
                    .collect(),
            )
        }
        (
            Range {
                lower: l1,
                upper: u1,
            },
            Range {
                lower: l2,
                upper: u2,
            },
        ) => Range {
            lower: pick_lower(l1, l2, true),
            upper: pick_upper(u1, u2, true),
        },
    };
    normalize(constraint)
}

/// A constraint satisfied by every value satisfying `a` or `b`; `None` if that is everything.
fn union(a: KeyConstraint, b: KeyConstraint) -> Option<KeyConstraint> {
    use KeyConstraint::{Range, Values};
    let hull = |values: Vec<IndexValue>| {
        let lower = values
            .iter()
            .cloned()
            .map(|v| Some((v, true)))
            .reduce(|a, b| pick_lower(a, b, false));
        let upper = values
            .into_iter()
            .map(|v| Some((v, true)))
            .reduce(|a, b| pick_upper(a, b, false));
        (lower.flatten(), upper.flatten())
    };
    let constraint = match (a, b) {
        (Values(mut a), Values(b)) => {
            a.extend(b);
            Values(a)
        }
        (Values(values), range) | (range, Values(values)) if values.is_empty() => range,
        (Values(values), Range { lower, upper }) | (Range { lower, upper }, Values(values)) => {
            let (low, high) = hull(values);
            Range {
                lower: pick_lower(lower, low, false),
                upper: pick_upper(upper, high, false),
            }
        }
        (
            Range {
                lower: l1,
                upper: u1,
            },
            Range {
                lower: l2,
                upper: u2,
            },
        ) => Range {
            lower: pick_lower(l1, l2, false),
            upper: pick_upper(u1, u2, false),
        },
    };
    match constraint {
        Range {
            lower: None,
            upper: None,
        } => None,
        constraint => Some(normalize(constraint)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> IndexValue {
        IndexValue::Text(s.to_owned())
    }

    #[test]
    fn successor() {
        assert_eq!(prefix_successor("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_successor("\u{10FFFF}"), None);
        assert_eq!(prefix_successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
    }

    #[test]
    fn intersect_and_union() {
        let range = |lower: Bound, upper: Bound| KeyConstraint::Range { lower, upper };
        let values = |v: &[&str]| KeyConstraint::Values(v.iter().map(|s| text(s)).collect());
        assert_eq!(
            intersect(
                range(Some((text("b"), true)), None),
                range(None, Some((text("d"), false)))
            ),
            range(Some((text("b"), true)), Some((text("d"), false)))
        );
        assert_eq!(
            intersect(
                range(Some((text("d"), true)), None),
                range(None, Some((text("b"), true)))
            ),
            values(&[])
        );
        assert_eq!(
            intersect(
                range(Some((text("b"), false)), None),
                range(None, Some((text("b"), true)))
            ),
            values(&[])
        );
        assert_eq!(
            intersect(
                values(&["a", "c", "e"]),
                range(Some((text("b"), true)), None)
            ),
            values(&["c", "e"])
        );
        assert_eq!(
            intersect(values(&["a", "c"]), values(&["c", "d"])),
            values(&["c"])
        );
        assert_eq!(
            union(values(&["c", "a"]), values(&["c"])),
            Some(values(&["a", "c"]))
        );
        assert_eq!(
            union(
                values(&["c", "a"]),
                range(Some((text("b"), false)), Some((text("d"), false)))
            ),
            Some(range(Some((text("a"), true)), Some((text("d"), false))))
        );
        assert_eq!(
            union(
                range(Some((text("b"), false)), None),
                range(None, Some((text("a"), true)))
            ),
            None
        );
        assert_eq!(
            union(values(&[]), range(Some((text("b"), false)), None)),
            Some(range(Some((text("b"), false)), None))
        );
    }
}
