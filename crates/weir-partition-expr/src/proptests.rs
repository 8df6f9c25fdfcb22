//! Property tests: the parser never panics; printed ASTs parse back to the same AST and meaning (also
//! checked against an independent reference evaluator); key constraints are sound.

use std::cmp::Ordering;

use proptest::prelude::*;
use proptest::sample::select;

use crate::bind::{self, BoundKey};
use crate::lexer::CmpOp;
use crate::parser::{self, Expr, Operand, OperandKind};
use crate::{index_value, Filter, IndexValue, KeyConstraint, PartitionKey};

// ---- the test table: one key of each interesting kind ----

const INT: usize = 0;
const TEXT: usize = 1;
const DATE: usize = 2;
const DOUBLE: usize = 3;

fn keys() -> Vec<PartitionKey> {
    vec![
        PartitionKey::new("yr", "int"),
        PartitionKey::new("name", "string"),
        PartitionKey::new("Day Of", "date"),
        // A keyword as a key name: must be printed with backticks.
        PartitionKey::new("or", "double"),
    ]
}

/// Stored values, deliberately overlapping the literal pools and including unparseable ones.
fn stored_values(key: usize) -> Vec<&'static str> {
    match key {
        INT => vec![
            "-5",
            "0",
            "1",
            "2",
            "3",
            "9",
            "10",
            "12",
            "007",
            "+3",
            " 3",
            "-0",
            "abc",
            "1.5",
            "",
            "__HIVE_DEFAULT_PARTITION__",
            "9007199254740992",
            "9007199254740993",
        ],
        TEXT => vec![
            "",
            "a",
            "ab",
            "abc",
            "b",
            "ba",
            "a%",
            "a_b",
            "A",
            "10",
            "9",
            "é",
            "\u{10FFFF}",
            "ab\u{10FFFF}",
        ],
        DATE => vec![
            "2024-01-01",
            "2024-01-02",
            "2024-01-31",
            "2023-12-31",
            "2024-02-29",
            " 2024-01-02",
            "2024-02-30",
            "2024-1-1",
            "x",
        ],
        _ => vec![
            "0",
            "-0",
            "1.5",
            "1.50",
            "15e-1",
            "10",
            "1e1",
            "0.1",
            "0.10000000000000001",
            "-2.25",
            "NaN",
            "abc",
            "100",
        ],
    }
}

/// Literal operands for a key: strings, and numbers where the key's type accepts them.
fn literals(key: usize) -> Vec<OperandKind> {
    let s = |t: &str| OperandKind::Str(t.to_owned());
    let n = |t: &str| OperandKind::Number(t.to_owned());
    match key {
        INT => vec![
            n("-5"),
            n("0"),
            n("1"),
            n("3"),
            n("9"),
            n("10"),
            n("+3"),
            n("2.5"),
            s("12"),
            s(" 9 "),
            n("9007199254740992"),
            n("-0"),
        ],
        TEXT => vec![
            s(""),
            s("a"),
            s("ab"),
            s("b"),
            s("a'b"),
            s("A"),
            s("é"),
            n("10"),
            n("9"),
            s("\u{10FFFF}"),
        ],
        DATE => vec![
            s("2024-01-01"),
            s("2024-01-02"),
            s("2023-12-31"),
            s(" 2024-02-29 "),
            s("2024-01-31"),
        ],
        _ => vec![
            n("0"),
            n("1.5"),
            n("10"),
            n("0.1"),
            n("-2.25"),
            n("1e1"),
            s("1.50"),
            n(".1"),
            n("100"),
        ],
    }
}

fn like_patterns() -> Vec<&'static str> {
    vec![
        "a%",
        "%b",
        "a_",
        "_",
        "%",
        "",
        "ab",
        "a%b%",
        "%a%",
        "2024-01-%",
        "1%",
        "\u{10FFFF}%",
        "ab\u{10FFFF}%",
    ]
}

fn key_operand(key: usize, spelling: u8) -> Operand {
    let name = keys()[key].name.clone();
    let name = match spelling % 3 {
        0 => name,
        1 => name.to_uppercase(),
        _ => name.to_lowercase(),
    };
    Operand {
        kind: OperandKind::Key(name),
        position: 0,
    }
}

fn literal(key: usize) -> impl Strategy<Value = Operand> {
    select(literals(key)).prop_map(|kind| Operand { kind, position: 0 })
}

fn cmp_op() -> impl Strategy<Value = CmpOp> {
    select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ])
}

/// A predicate on one key.
fn atom() -> impl Strategy<Value = Expr> {
    (0..4usize, any::<u8>()).prop_flat_map(|(key, spelling)| {
        let operand = key_operand(key, spelling);
        prop_oneof![
            4 => (cmp_op(), literal(key), any::<bool>()).prop_map({
                let operand = operand.clone();
                move |(op, lit, swap)| {
                    if swap {
                        Expr::Compare { left: lit, op, right: operand.clone() }
                    } else {
                        Expr::Compare { left: operand.clone(), op, right: lit }
                    }
                }
            }),
            1 => (literal(key), literal(key), any::<bool>()).prop_map({
                let operand = operand.clone();
                move |(low, high, negated)| Expr::Between { operand: operand.clone(), low, high, negated }
            }),
            1 => (prop::collection::vec(literal(key), 1..4), any::<bool>()).prop_map({
                let operand = operand.clone();
                move |(list, negated)| Expr::In { operand: operand.clone(), list, negated }
            }),
            1 => (select(like_patterns()), any::<bool>()).prop_map({
                let operand = operand.clone();
                move |(pattern, negated)| Expr::Like {
                    operand: operand.clone(),
                    pattern: Operand { kind: OperandKind::Str(pattern.to_owned()), position: 0 },
                    negated,
                }
            }),
            1 => any::<bool>().prop_map(move |negated| Expr::IsNull { operand: operand.clone(), negated }),
        ]
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    atom().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

fn partition() -> impl Strategy<Value = Vec<String>> {
    (
        select(stored_values(INT)),
        select(stored_values(TEXT)),
        select(stored_values(DATE)),
        select(stored_values(DOUBLE)),
    )
        .prop_map(|(a, b, c, d)| vec![a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned()])
}

/// Sets every position to 0, so ASTs compare by structure.
fn without_positions(expr: &Expr) -> Expr {
    let o = |operand: &Operand| Operand {
        kind: operand.kind.clone(),
        position: 0,
    };
    match expr {
        Expr::And(arms) => Expr::And(arms.iter().map(without_positions).collect()),
        Expr::Or(arms) => Expr::Or(arms.iter().map(without_positions).collect()),
        Expr::Not(inner) => Expr::Not(Box::new(without_positions(inner))),
        Expr::Compare { left, op, right } => Expr::Compare {
            left: o(left),
            op: *op,
            right: o(right),
        },
        Expr::Between {
            operand,
            low,
            high,
            negated,
        } => Expr::Between {
            operand: o(operand),
            low: o(low),
            high: o(high),
            negated: *negated,
        },
        Expr::In {
            operand,
            list,
            negated,
        } => Expr::In {
            operand: o(operand),
            list: list.iter().map(o).collect(),
            negated: *negated,
        },
        Expr::Like {
            operand,
            pattern,
            negated,
        } => Expr::Like {
            operand: o(operand),
            pattern: o(pattern),
            negated: *negated,
        },
        Expr::IsNull { operand, negated } => Expr::IsNull {
            operand: o(operand),
            negated: *negated,
        },
    }
}

// ---- an independent reference evaluator over the test table ----

/// Exact values of numeric text, scaled by 10^20, for the pools above (None: not a number of the
/// key's type). Integral keys accept only integers.
fn reference_number(key: usize, text: &str) -> Option<i128> {
    const SCALE: i128 = 100_000_000_000_000_000_000;
    let t = text.trim();
    if let Ok(i) = t.parse::<i128>() {
        return Some(i * SCALE);
    }
    if key == INT {
        return None;
    }
    Some(match t {
        "2.5" => 25 * SCALE / 10,
        "1.5" | "1.50" | "15e-1" => 15 * SCALE / 10,
        "1e1" => 10 * SCALE,
        "0.1" | ".1" => SCALE / 10,
        "0.10000000000000001" => SCALE / 10 + 1000,
        "-2.25" => -225 * SCALE / 100,
        _ => return None,
    })
}

fn reference_date(text: &str) -> Option<&str> {
    let t = text.trim();
    [
        "2024-01-01",
        "2024-01-02",
        "2024-01-31",
        "2023-12-31",
        "2024-02-29",
    ]
    .contains(&t)
    .then_some(t)
}

fn reference_like(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('%', rest)) => (0..=text.len()).any(|skip| reference_like(rest, &text[skip..])),
        Some(('_', rest)) => !text.is_empty() && reference_like(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && reference_like(rest, &text[1..]),
    }
}

fn operand_text(operand: &Operand) -> &str {
    match &operand.kind {
        OperandKind::Key(name) | OperandKind::Str(name) | OperandKind::Number(name) => name,
    }
}

/// `stored` compared with literal `lit` on `key`; None if the stored value does not parse.
fn reference_compare(key: usize, stored: &str, lit: &Operand) -> Option<Ordering> {
    let lit = operand_text(lit);
    match key {
        INT | DOUBLE => Some(reference_number(key, stored)?.cmp(&reference_number(DOUBLE, lit)?)),
        DATE => Some(reference_date(stored)?.cmp(reference_date(lit)?)),
        _ => Some(stored.cmp(lit)),
    }
}

fn reference_key(operand: &Operand) -> Option<usize> {
    match &operand.kind {
        OperandKind::Key(name) => keys()
            .iter()
            .position(|k| k.name.eq_ignore_ascii_case(name)),
        _ => None,
    }
}

fn reference_eval(expr: &Expr, values: &[String]) -> bool {
    let stored = |operand: &Operand| {
        let key = reference_key(operand).expect("generated key");
        (key, values[key].as_str())
    };
    match expr {
        Expr::And(arms) => arms.iter().all(|arm| reference_eval(arm, values)),
        Expr::Or(arms) => arms.iter().any(|arm| reference_eval(arm, values)),
        Expr::Not(inner) => !reference_eval(inner, values),
        Expr::Compare { left, op, right } => {
            let (key_side, lit, op) = if reference_key(left).is_some() {
                (left, right, *op)
            } else {
                (right, left, op.flipped())
            };
            let (key, value) = stored(key_side);
            let Some(order) = reference_compare(key, value, lit) else {
                return op == CmpOp::Ne;
            };
            match op {
                CmpOp::Eq => order.is_eq(),
                CmpOp::Ne => order.is_ne(),
                CmpOp::Lt => order.is_lt(),
                CmpOp::Le => order.is_le(),
                CmpOp::Gt => order.is_gt(),
                CmpOp::Ge => order.is_ge(),
            }
        }
        Expr::Between {
            operand,
            low,
            high,
            negated,
        } => {
            let (key, value) = stored(operand);
            let inside = reference_compare(key, value, low).is_some_and(Ordering::is_ge)
                && reference_compare(key, value, high).is_some_and(Ordering::is_le);
            inside != *negated
        }
        Expr::In {
            operand,
            list,
            negated,
        } => {
            let (key, value) = stored(operand);
            let found = list
                .iter()
                .any(|item| reference_compare(key, value, item).is_some_and(Ordering::is_eq));
            found != *negated
        }
        Expr::Like {
            operand,
            pattern,
            negated,
        } => {
            let (_, value) = stored(operand);
            let pattern: Vec<char> = operand_text(pattern).chars().collect();
            let text: Vec<char> = value.chars().collect();
            reference_like(&pattern, &text) != *negated
        }
        Expr::IsNull { negated, .. } => *negated,
    }
}

// ---- SQL-style checking of constraints ----

fn sql_compare(a: &IndexValue, b: &IndexValue) -> Ordering {
    match (a, b) {
        (IndexValue::Text(a), IndexValue::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
        (IndexValue::Number(a), IndexValue::Number(b)) => a.partial_cmp(b).expect("no NaN"),
        _ => panic!("mixed index value types {a:?} and {b:?}"),
    }
}

fn sql_admits(constraint: &KeyConstraint, value: &IndexValue) -> bool {
    match constraint {
        KeyConstraint::Values(values) => values.iter().any(|v| sql_compare(value, v).is_eq()),
        KeyConstraint::Range { lower, upper } => {
            lower.as_ref().is_none_or(|(bound, inclusive)| {
                let order = sql_compare(value, bound);
                order.is_gt() || (*inclusive && order.is_eq())
            }) && upper.as_ref().is_none_or(|(bound, inclusive)| {
                let order = sql_compare(value, bound);
                order.is_lt() || (*inclusive && order.is_eq())
            })
        }
    }
}

fn token_soup() -> impl Strategy<Value = String> {
    let pieces = vec![
        "yr",
        "name",
        "`or`",
        "`Day Of`",
        "=",
        "==",
        "<>",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "!",
        "(",
        ")",
        ",",
        "AND",
        "or",
        "NOT",
        "between",
        "IN",
        "LIKE",
        "IS",
        "NULL",
        "'a'",
        "'",
        "\"",
        "`",
        "1",
        "-1",
        ".5",
        "1e",
        "2.5e-3",
        "'2024-01-01'",
        "'%a_'",
        "é",
        "\u{10FFFF}",
        "-",
        "+",
        ".",
        "#",
    ];
    (prop::collection::vec(select(pieces), 0..16), any::<bool>())
        .prop_map(|(pieces, spaced)| pieces.join(if spaced { " " } else { "" }))
}

fn exercise(text: &str) {
    if let Ok(filter) = Filter::new(text, &keys()) {
        let values: Vec<String> = ["1", "a", "2024-01-01", "1.5"].map(str::to_owned).to_vec();
        filter.matches(&values);
        filter.matches(&[]);
        for key in 0..5 {
            filter.key_constraint(key);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn parser_never_panics_on_token_soup(text in token_soup()) {
        exercise(&text);
    }

    #[test]
    fn printed_expressions_parse_back(ast in expr(), partitions in prop::collection::vec(partition(), 8)) {
        let text = ast.to_string();
        let reparsed = parser::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let reparsed = reparsed.ok_or_else(|| TestCaseError::fail("empty"))?;
        prop_assert_eq!(without_positions(&reparsed), ast.clone(), "{}", text);

        let bound_keys: Vec<BoundKey> = keys().iter().map(BoundKey::new).collect();
        let direct = bind::bind(&ast, &bound_keys).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let filter = Filter::new(&text, &keys()).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        for values in &partitions {
            let expected = reference_eval(&ast, values);
            prop_assert_eq!(direct.eval(&bound_keys, values), expected, "{} on {:?}", text, values);
            prop_assert_eq!(filter.matches(values), expected, "{} on {:?}", text, values);
        }
    }

    #[test]
    fn key_constraints_are_sound(ast in expr(), partitions in prop::collection::vec(partition(), 16)) {
        let text = ast.to_string();
        let filter = Filter::new(&text, &keys()).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let constraints: Vec<Option<KeyConstraint>> = (0..4).map(|key| filter.key_constraint(key)).collect();
        for constraint in constraints.iter().flatten() {
            if let KeyConstraint::Range { lower: None, upper: None } = constraint {
                prop_assert!(false, "unbounded range for {}", text);
            }
        }
        for values in partitions.iter().filter(|values| filter.matches(values)) {
            for (key, constraint) in constraints.iter().enumerate() {
                let Some(constraint) = constraint else { continue };
                let index = index_value(&keys()[key].type_name, &values[key]);
                prop_assert!(
                    index.as_ref().is_some_and(|index| sql_admits(constraint, index)),
                    "{} matches {:?} but key {} value {:?} violates {:?}", text, values, key, index, constraint
                );
                prop_assert!(index.as_ref().is_some_and(|index| constraint.admits(index)));
            }
        }
    }
}
