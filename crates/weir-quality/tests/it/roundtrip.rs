//! Property: for generated rulesets, `parse(ruleset.to_string()) == ruleset`.
//!
//! The generators produce rulesets in the shape the parser gives (see `RuleExpr::normalized`),
//! with every rule valid for its type: the right number of parameters, a condition of a kind the
//! type accepts, `where` and thresholds only where allowed.

use proptest::prelude::*;
use proptest::sample::select;
use weir_quality::{
    parse, Analyzer, ArithOp, CompareOp, Comparison, Condition, ConditionKind, ConditionSpec,
    Connector, DataSources, Date, DateOperand, Duration, DurationUnit, Label, LogicalOp, Metadata,
    NumExpr, NumOperand, NumberLiteral, Parameter, ParameterValue, QuotedString, Rule, RuleExpr,
    RuleType, Ruleset, Sign, Size, SizeUnit, StringCondition, StringOperand, Tag, TagValue,
    TimeOfDay, Variable, VariableValue,
};

const KEYWORDS: &[&str] = &[
    "between",
    "in",
    "not",
    "matches",
    "where",
    "with",
    "labels",
    "and",
    "or",
    "of",
    "null",
    "empty",
    "whitespaces_only",
    "now",
];

fn ident() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9_.]{0,6}".prop_filter("not a keyword", |s| {
        !KEYWORDS.contains(&s.to_ascii_lowercase().as_str())
    })
}

/// Text that is neither a date nor a time of day once quoted.
fn text() -> impl Strategy<Value = String> {
    "[a-z \"\\\\'$é\n_%-]{0,8}".prop_map(|s| format!("x{s}"))
}

fn quoted() -> impl Strategy<Value = QuotedString> {
    prop_oneof![
        4 => text().prop_map(|s| QuotedString::new(&s)),
        // Backslashes that are not escapes are kept as written.
        1 => Just(QuotedString::from_raw(r"\d+\.\w").expect("valid raw text")),
    ]
}

fn number() -> impl Strategy<Value = NumberLiteral> {
    "-?[0-9]{1,4}(\\.[0-9]{1,3})?".prop_map(|s| NumberLiteral::parse(&s).expect("a number literal"))
}

fn num_expr() -> impl Strategy<Value = NumExpr> {
    number()
        .prop_map(NumExpr::Number)
        .prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| NumExpr::Parens(Box::new(e))),
                (ident(), prop::collection::vec(inner.clone(), 0..3))
                    .prop_map(|(name, args)| NumExpr::Call { name, args }),
                (
                    inner.clone(),
                    select(vec![
                        ArithOp::Add,
                        ArithOp::Subtract,
                        ArithOp::Multiply,
                        ArithOp::Divide
                    ]),
                    inner,
                )
                    .prop_map(|(left, op, right)| {
                        // The parser reads chains to the left: a binary right operand needs parentheses.
                        let right = match right {
                            b @ NumExpr::Binary { .. } => NumExpr::Parens(Box::new(b)),
                            other => other,
                        };
                        NumExpr::Binary {
                            left: Box::new(left),
                            op,
                            right: Box::new(right),
                        }
                    }),
            ]
        })
}

fn num_operand() -> impl Strategy<Value = NumOperand> {
    prop_oneof![1 => Just(NumOperand::Null), 6 => num_expr().prop_map(NumOperand::Expr)]
}

/// A comparison whose first operand comes from `first` (never NULL for kinds other than numbers,
/// so the condition's kind reads back the same) and the others from `rest`.
fn comparison<T: std::fmt::Debug + Clone + 'static>(
    first: impl Strategy<Value = T> + 'static,
    rest: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Comparison<T>> {
    let (first, rest) = (first.boxed(), rest.boxed());
    prop_oneof![
        (select(CompareOp::ALL.to_vec()), first.clone())
            .prop_map(|(op, operand)| Comparison::Compare(op, operand)),
        (any::<bool>(), first.clone(), rest.clone())
            .prop_map(|(negated, low, high)| Comparison::Between { negated, low, high }),
        (any::<bool>(), first, prop::collection::vec(rest, 0..3)).prop_map(
            |(negated, head, tail)| {
                let mut items = vec![head];
                items.extend(tail);
                Comparison::In { negated, items }
            }
        ),
    ]
}

fn string_operand() -> impl Strategy<Value = StringOperand> {
    prop_oneof![
        4 => quoted().prop_map(StringOperand::Quoted),
        1 => Just(StringOperand::Empty),
        1 => Just(StringOperand::WhitespacesOnly),
    ]
}

fn string_condition() -> impl Strategy<Value = StringCondition> {
    let rest = prop_oneof![4 => string_operand(), 1 => Just(StringOperand::Null)];
    prop_oneof![
        4 => comparison(string_operand(), rest).prop_map(StringCondition::Comparison),
        1 => (select(CompareOp::ALL.to_vec())).prop_map(|op| StringCondition::Comparison(
            Comparison::Compare(op, StringOperand::Variable("vs".into()))
        )),
        1 => (any::<bool>(), select(vec!["vs", "vl", "vk"]))
            .prop_map(|(negated, name)| StringCondition::InVariable { negated, name: name.into() }),
        1 => (any::<bool>(), quoted())
            .prop_map(|(negated, pattern)| StringCondition::Matches { negated, pattern }),
    ]
}

fn duration() -> impl Strategy<Value = Duration> {
    (
        0u64..500,
        select(vec![
            DurationUnit::Days,
            DurationUnit::Hours,
            DurationUnit::Minutes,
        ]),
    )
        .prop_map(|(amount, unit)| Duration { amount, unit })
}

fn date_operand() -> impl Strategy<Value = DateOperand> {
    prop_oneof![
        (1u16..9999, 1u8..13, 1u8..29)
            .prop_map(|(y, m, d)| DateOperand::Date(Date::new(y, m, d).expect("a valid date"))),
        (1u8..13, 0u8..60, any::<bool>(), any::<bool>()).prop_map(|(h, m, pm, pad)| {
            let text = if pad {
                format!("{h:02}:{m:02} {}", if pm { "PM" } else { "AM" })
            } else {
                format!("{h}:{m:02} {}", if pm { "PM" } else { "AM" })
            };
            DateOperand::TimeOfDay(time(&text))
        }),
        (0u8..24, 0u8..60)
            .prop_map(|(h, m)| DateOperand::TimeOfDay(time(&format!("{h:02}:{m:02}")))),
        Just(DateOperand::Now),
        (any::<bool>(), duration()).prop_map(|(plus, offset)| DateOperand::NowOffset {
            sign: if plus { Sign::Plus } else { Sign::Minus },
            offset
        }),
    ]
}

fn time(text: &str) -> TimeOfDay {
    match TimeOfDay::parse(text) {
        Some(Ok(t)) => t,
        other => panic!("{text}: {other:?}"),
    }
}

fn size() -> impl Strategy<Value = Size> {
    (0u64..5000, select(SizeUnit::ALL.to_vec())).prop_map(|(amount, unit)| Size { amount, unit })
}

fn condition(kind: ConditionKind) -> BoxedStrategy<Condition> {
    match kind {
        ConditionKind::Number => comparison(num_operand(), num_operand())
            .prop_map(Condition::Number)
            .boxed(),
        ConditionKind::String => string_condition().prop_map(Condition::String).boxed(),
        ConditionKind::Date => {
            let rest = prop_oneof![4 => date_operand(), 1 => Just(DateOperand::Null)];
            comparison(date_operand(), rest)
                .prop_map(Condition::Date)
                .boxed()
        }
        ConditionKind::Duration => comparison(duration(), duration())
            .prop_map(Condition::Duration)
            .boxed(),
        ConditionKind::Size => comparison(size(), size()).prop_map(Condition::Size).boxed(),
    }
}

fn parameter() -> impl Strategy<Value = Parameter> {
    let connector = prop_oneof![
        6 => Just(None),
        1 => select(vec![Connector::Of, Connector::OfUpper, Connector::And, Connector::AndUpper]).prop_map(Some),
    ];
    let value = prop_oneof![
        4 => quoted().prop_map(ParameterValue::Quoted),
        2 => ident().prop_map(ParameterValue::Bare),
        1 => Just(ParameterValue::Variable("vs".into())),
    ];
    (connector, value).prop_map(|(connector, value)| Parameter { connector, value })
}

fn labels(max: usize) -> impl Strategy<Value = Vec<Label>> {
    prop::collection::btree_map("[a-zA-Z0-9 _-]{1,6}", "[a-zA-Z0-9 _.-]{1,6}", 0..=max).prop_map(
        |m| {
            m.into_iter()
                .map(|(k, v)| Label {
                    key: QuotedString::new(&k),
                    value: QuotedString::new(&v),
                })
                .collect()
        },
    )
}

fn tag() -> impl Strategy<Value = Tag> {
    let value = prop_oneof![
        quoted().prop_map(TagValue::Quoted),
        number().prop_map(TagValue::Number)
    ];
    (
        ident().prop_filter("not the threshold", |n| n != "threshold"),
        value,
    )
        .prop_map(|(name, value)| Tag { name, value })
}

/// A parameter count the rule type accepts, and the condition it then takes.
fn arity(rule_type: RuleType) -> impl Strategy<Value = (usize, ConditionSpec)> {
    let options: Vec<(usize, ConditionSpec)> = rule_type
        .signatures()
        .iter()
        .flat_map(|s| {
            let max = s.max_params.unwrap_or(s.min_params + 2);
            (s.min_params..=max).map(move |n| (n, s.condition))
        })
        .collect();
    select(options)
}

fn rule() -> impl Strategy<Value = Rule> {
    let types: Vec<RuleType> = RuleType::ALL
        .iter()
        .copied()
        .filter(|t| !t.is_analyzer_only())
        .collect();
    select(types)
        .prop_flat_map(|rule_type| (Just(rule_type), arity(rule_type)))
        .prop_flat_map(|(rule_type, (params, spec))| {
            let condition: BoxedStrategy<Option<Condition>> = match spec {
                ConditionSpec::None => Just(None).boxed(),
                ConditionSpec::Required(kinds) => select(kinds.to_vec())
                    .prop_flat_map(condition)
                    .prop_map(Some)
                    .boxed(),
                ConditionSpec::Optional(kinds) => {
                    prop::option::of(select(kinds.to_vec()).prop_flat_map(condition)).boxed()
                }
            };
            let where_clause: BoxedStrategy<Option<QuotedString>> = if rule_type.supports_where() {
                prop::option::of(text().prop_map(|s| QuotedString::new(&s))).boxed()
            } else {
                Just(None).boxed()
            };
            let threshold: BoxedStrategy<Option<Comparison<NumOperand>>> =
                if rule_type.supports_threshold() {
                    prop::option::of(comparison(num_operand(), num_operand())).boxed()
                } else {
                    Just(None).boxed()
                };
            (
                Just(rule_type),
                prop::collection::vec(parameter(), params),
                condition,
                where_clause,
                threshold,
                prop::collection::vec(tag(), 0..2),
                labels(3),
            )
        })
        .prop_map(
            |(rule_type, parameters, condition, where_clause, threshold, tags, labels)| Rule {
                rule_type,
                parameters,
                condition,
                where_clause,
                threshold,
                tags,
                labels,
            },
        )
}

fn rule_expr() -> impl Strategy<Value = RuleExpr> {
    rule()
        .prop_map(RuleExpr::Rule)
        .prop_recursive(3, 8, 2, |inner| {
            (
                select(vec![LogicalOp::And, LogicalOp::Or]),
                inner.clone(),
                inner,
            )
                .prop_map(|(op, left, right)| RuleExpr::composite(op, left, right))
        })
        .prop_map(RuleExpr::normalized)
}

fn analyzer() -> impl Strategy<Value = Analyzer> {
    let types: Vec<RuleType> = RuleType::ALL
        .iter()
        .copied()
        .filter(|t| t.is_analyzer())
        .collect();
    select(types)
        .prop_flat_map(|rule_type| {
            let counts: Vec<usize> = (0..4)
                .filter(|n| {
                    rule_type.signature(*n).is_some_and(|s| {
                        s.condition != ConditionSpec::None || rule_type.is_analyzer_only()
                    })
                })
                .collect();
            (Just(rule_type), select(counts))
        })
        .prop_flat_map(|(rule_type, n)| (Just(rule_type), prop::collection::vec(parameter(), n)))
        .prop_map(|(rule_type, parameters)| Analyzer {
            rule_type,
            parameters,
        })
}

fn variables() -> Vec<Variable> {
    vec![
        Variable {
            name: "vs".into(),
            value: VariableValue::String(QuotedString::new("code")),
        },
        Variable {
            name: "vl".into(),
            value: VariableValue::List(vec![
                StringOperand::Quoted(QuotedString::new("A")),
                StringOperand::Null,
                StringOperand::WhitespacesOnly,
            ]),
        },
        Variable {
            name: "vk".into(),
            value: VariableValue::Keyword(StringOperand::Empty),
        },
    ]
}

fn ruleset() -> impl Strategy<Value = Ruleset> {
    let metadata = prop::option::of(quoted().prop_map(|version| Metadata { version }));
    let data_sources = prop::option::of(
        (
            prop::option::of(quoted()),
            prop::option::of(prop::collection::vec(quoted(), 0..3)),
        )
            .prop_filter("not empty", |(p, a)| p.is_some() || a.is_some())
            .prop_map(|(primary, additional)| DataSources {
                primary,
                additional,
            }),
    );
    (
        metadata,
        data_sources,
        labels(2),
        prop::option::of(prop::collection::vec(rule_expr(), 0..4)),
        prop::option::of(prop::collection::vec(analyzer(), 0..3)),
    )
        .prop_filter(
            "at least one rule or analyzer",
            |(_, _, _, rules, analyzers)| {
                rules.as_ref().map_or(0, Vec::len) + analyzers.as_ref().map_or(0, Vec::len) > 0
            },
        )
        .prop_map(
            |(metadata, data_sources, default_labels, rules, analyzers)| Ruleset {
                metadata,
                data_sources,
                variables: variables(),
                default_labels,
                rules,
                analyzers,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_rulesets_parse_back_to_themselves(ruleset in ruleset()) {
        let printed = ruleset.to_string();
        match parse(&printed) {
            Ok(again) => prop_assert_eq!(again, ruleset, "printed as:\n{}", printed),
            Err(e) => prop_assert!(false, "printed text does not parse: {}\n{}", e, printed),
        }
    }
}
