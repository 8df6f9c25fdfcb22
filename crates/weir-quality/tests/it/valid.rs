//! Every rule type and condition form of the language, read and printed canonically.

use weir_quality::{
    parse, parse_with_warnings, ArithOp, CompareOp, Comparison, Condition, Connector, DateOperand,
    Duration, DurationUnit, NumExpr, NumOperand, ParameterValue, RuleType, Size, SizeUnit,
    StringCondition, StringOperand, TagValue,
};

use crate::{canonical, parse_rules, single_rule};

/// (input, canonical text)
const RULES: &[(&str, &str)] = &[
    // Dataset-level
    ("RowCount > 100", "RowCount > 100"),
    ("RowCount between 10 and 20", "RowCount between 10 and 20"),
    ("RowCount not between 10 and 20", "RowCount not between 10 and 20"),
    ("RowCount in [1, 2,3]", "RowCount in [1,2,3]"),
    ("RowCount not in [1, NULL]", "RowCount not in [1,NULL]"),
    ("RowCount = null", "RowCount = NULL"),
    ("RowCount ! = 5", "RowCount != 5"),
    ("RowCount != -0.5", "RowCount != -0.5"),
    ("RowCount >= 1.0", "RowCount >= 1.0"),
    ("RowCount <= 7", "RowCount <= 7"),
    ("RowCount < 7 where \"a > 1\"", "RowCount < 7 where \"a > 1\""),
    ("DuplicateRowCount = 0", "DuplicateRowCount = 0"),
    ("DuplicateRowCount \"a\" \"b\" < 3", "DuplicateRowCount \"a\" \"b\" < 3"),
    ("RowCountMatch \"ref\" >= 0.9", "RowCountMatch \"ref\" >= 0.9"),
    ("ColumnCount = 5", "ColumnCount = 5"),
    // Column profiles
    ("Completeness \"c\" > 0.95", "Completeness \"c\" > 0.95"),
    ("Completeness of c >= 0.5", "Completeness of c >= 0.5"),
    ("IsComplete \"c\"", "IsComplete \"c\""),
    ("IsComplete \"c\" where \"x = 'y'\"", "IsComplete \"c\" where \"x = 'y'\""),
    ("ColumnDataType \"c\" = \"INTEGER\"", "ColumnDataType \"c\" = \"INTEGER\""),
    (
        "ColumnDataType \"c\" = \"DATE\" with threshold > 0.9 with format = \"MM/yyyy\"",
        "ColumnDataType \"c\" = \"DATE\" with threshold > 0.9 with format = \"MM/yyyy\"",
    ),
    ("ColumnNamesMatchPattern \"^[a-z_]+$\"", "ColumnNamesMatchPattern \"^[a-z_]+$\""),
    ("ColumnExists \"c\"", "ColumnExists \"c\""),
    ("ColumnCorrelation \"a\" \"b\" > 0.8", "ColumnCorrelation \"a\" \"b\" > 0.8"),
    ("ColumnCorrelation of \"a\" and \"b\" > 0.8", "ColumnCorrelation of \"a\" and \"b\" > 0.8"),
    ("Uniqueness \"id\" = 1.0", "Uniqueness \"id\" = 1.0"),
    ("Uniqueness \"a\" \"b\" > 0.5", "Uniqueness \"a\" \"b\" > 0.5"),
    ("IsUnique \"id\"", "IsUnique \"id\""),
    ("IsUnique \"a\" \"b\"", "IsUnique \"a\" \"b\""),
    ("Mean \"price\" between 1 and 100", "Mean \"price\" between 1 and 100"),
    ("Sum \"price\" > 0", "Sum \"price\" > 0"),
    ("StandardDeviation \"price\" < 5", "StandardDeviation \"price\" < 5"),
    ("Variance \"price\" < 25", "Variance \"price\" < 25"),
    ("Range \"price\" <= 10", "Range \"price\" <= 10"),
    ("Entropy \"c\" > 1", "Entropy \"c\" > 1"),
    ("DistinctValuesCount \"c\" = 4", "DistinctValuesCount \"c\" = 4"),
    ("UniqueValueRatio \"c\" > 0.5", "UniqueValueRatio \"c\" > 0.5"),
    ("ColumnLength \"name\" between 1 and 12", "ColumnLength \"name\" between 1 and 12"),
    ("IsPrimaryKey \"id\"", "IsPrimaryKey \"id\""),
    ("IsPrimaryKey \"a\" \"b\"", "IsPrimaryKey \"a\" \"b\""),
    // ColumnValues: strings
    ("ColumnValues \"c\" in [ \"a\", \"b\" , NULL ]", "ColumnValues \"c\" in [\"a\",\"b\",NULL]"),
    ("ColumnValues \"c\" not in [\"a\"]", "ColumnValues \"c\" not in [\"a\"]"),
    ("ColumnValues \"c\" = \"x\"", "ColumnValues \"c\" = \"x\""),
    ("ColumnValues \"c\" != EMPTY", "ColumnValues \"c\" != EMPTY"),
    ("ColumnValues \"c\" != whitespaces_only", "ColumnValues \"c\" != WHITESPACES_ONLY"),
    ("ColumnValues \"c\" in [EMPTY, \"a\"]", "ColumnValues \"c\" in [EMPTY,\"a\"]"),
    ("ColumnValues \"c\" matches \"[a-z]+\\d\"", "ColumnValues \"c\" matches \"[a-z]+\\d\""),
    ("ColumnValues \"c\" not matches \"x.*\"", "ColumnValues \"c\" not matches \"x.*\""),
    (
        "ColumnValues \"c\" in [\"a\",\"B\"] with ignoreCase = \"true\"",
        "ColumnValues \"c\" in [\"a\",\"B\"] with ignoreCase = \"true\"",
    ),
    // ColumnValues: numbers and dynamic expressions
    ("ColumnValues \"n\" > 0 with threshold >= 0.95", "ColumnValues \"n\" > 0 with threshold >= 0.95"),
    ("ColumnValues \"n\" in [1,2,NULL]", "ColumnValues \"n\" in [1,2,NULL]"),
    ("ColumnValues \"n\" between -1 and 1", "ColumnValues \"n\" between -1 and 1"),
    // ColumnValues: dates and times
    ("ColumnValues \"d\" > \"2024-03-01\"", "ColumnValues \"d\" > \"2024-03-01\""),
    ("ColumnValues \"d\" <= now()", "ColumnValues \"d\" <= now()"),
    ("ColumnValues \"d\" > (now() - 3 days)", "ColumnValues \"d\" > (now() - 3 days)"),
    ("ColumnValues \"d\" < (now()+4 hours)", "ColumnValues \"d\" < (now() + 4 hours)"),
    (
        "ColumnValues \"d\" between \"2024-01-01\" and (now() - 30 minutes)",
        "ColumnValues \"d\" between \"2024-01-01\" and (now() - 30 minutes)",
    ),
    (
        "ColumnValues \"d\" in [\"2024-01-01\", NULL]",
        "ColumnValues \"d\" in [\"2024-01-01\",NULL]",
    ),
    (
        "ColumnValues \"t\" > \"9:30 AM\" with timeZone = \"America/New_York\"",
        "ColumnValues \"t\" > \"9:30 AM\" with timeZone = \"America/New_York\"",
    ),
    ("ColumnValues \"t\" < \"21:45\"", "ColumnValues \"t\" < \"21:45\""),
    // Freshness
    ("DataFreshness \"ts\" <= 24 hours", "DataFreshness \"ts\" <= 24 hours"),
    ("DataFreshness \"ts\" between 2 days and 5 days", "DataFreshness \"ts\" between 2 days and 5 days"),
    ("DataFreshness \"ts\" < 30 minutes where \"region = 'eu'\"", "DataFreshness \"ts\" < 30 minutes where \"region = 'eu'\""),
    // CustomSql
    ("CustomSql \"select count(*) from primary\" > 10", "CustomSql \"select count(*) from primary\" > 10"),
    ("CustomSql \"select id from primary where id > 0\"", "CustomSql \"select id from primary where id > 0\""),
    (
        "CustomSql \"select id from primary\" with threshold > 0.5",
        "CustomSql \"select id from primary\" with threshold > 0.5",
    ),
    // Cross-dataset
    ("ReferentialIntegrity \"id\" \"ref.id\" = 1.0", "ReferentialIntegrity \"id\" \"ref.id\" = 1.0"),
    ("DatasetMatch \"ref\" \"id->ref_id\" >= 0.9", "DatasetMatch \"ref\" \"id->ref_id\" >= 0.9"),
    ("DatasetMatch \"ref\" \"id\" \"a,b\" = 1", "DatasetMatch \"ref\" \"id\" \"a,b\" = 1"),
    ("SchemaMatch \"ref\" = 1.0", "SchemaMatch \"ref\" = 1.0"),
    ("AggregateMatch \"sum(a)\" \"sum(ref.a)\" > 0.99", "AggregateMatch \"sum(a)\" \"sum(ref.a)\" > 0.99"),
    // Anomalies
    ("DetectAnomalies \"RowCount\"", "DetectAnomalies \"RowCount\""),
    ("DetectAnomalies \"Mean\" \"price\"", "DetectAnomalies \"Mean\" \"price\""),
    // Files
    ("FileMatch \"s3://a/\" \"s3://b/\"", "FileMatch \"s3://a/\" \"s3://b/\""),
    (
        "FileMatch \"s3://a/f.csv\" in [\"abc123\"] with hashAlgorithm = \"MD5\"",
        "FileMatch \"s3://a/f.csv\" in [\"abc123\"] with hashAlgorithm = \"MD5\"",
    ),
    ("FileMatch in [\"abc\"]", "FileMatch in [\"abc\"]"),
    ("FileUniqueness \"s3://a/\" > 0.9", "FileUniqueness \"s3://a/\" > 0.9"),
    ("FileUniqueness = 1.0", "FileUniqueness = 1.0"),
    ("FileFreshness \"s3://a/\" > (now() - 2 days)", "FileFreshness \"s3://a/\" > (now() - 2 days)"),
    (
        "FileFreshness between \"9:00 AM\" and \"5:00 PM\" with timeZone = \"UTC\" with recentFiles = 1",
        "FileFreshness between \"9:00 AM\" and \"5:00 PM\" with timeZone = \"UTC\" with recentFiles = 1",
    ),
    ("FileSize \"s3://a/\" < 5 MB", "FileSize \"s3://a/\" < 5 MB"),
    ("FileSize between 1 B and 1 GB with threshold > 0.5", "FileSize between 1 B and 1 GB with threshold > 0.5"),
    ("FileSize > 1024", "FileSize > 1024 B"),
    ("FileSize in [1 KB, 2 TB]", "FileSize in [1 KB,2 TB]"),
    // Labels and tags: tags print before labels
    (
        "IsComplete \"c\" labels=[\"team\"=\"core\", \"tier\"=\"1\"]",
        "IsComplete \"c\" labels=[\"team\"=\"core\", \"tier\"=\"1\"]",
    ),
    (
        "ColumnValues \"n\" > 0 where \"x > 1\" labels=[\"a\"=\"b\"] with threshold > 0.5 with x = -2",
        "ColumnValues \"n\" > 0 where \"x > 1\" with threshold > 0.5 with x = -2 labels=[\"a\"=\"b\"]",
    ),
    (
        "ColumnValues \"n\" > 0 with threshold > 0.5 labels=[\"a\"=\"b\"]",
        "ColumnValues \"n\" > 0 with threshold > 0.5 labels=[\"a\"=\"b\"]",
    ),
    ("Completeness \"c\" > 0.5 with unknownTag = \"kept\"", "Completeness \"c\" > 0.5 with unknownTag = \"kept\""),
    // Connectors and bare parameters
    ("Completeness OF colname > 0.5", "Completeness OF colname > 0.5"),
    ("ColumnCorrelation a AND b > 0.1", "ColumnCorrelation a AND b > 0.1"),
    ("IsComplete my_col.x", "IsComplete my_col.x"),
    // Escapes are kept as written
    ("ColumnValues \"c\" = \"say \\\"hi\\\"\"", "ColumnValues \"c\" = \"say \\\"hi\\\"\""),
    // Whitespace-only where is dropped
    ("RowCount > 1 where \"  \"", "RowCount > 1"),
];

#[test]
fn every_rule_type_has_a_case_here() {
    for t in RuleType::ALL {
        let covered = t.is_analyzer_only()
            || RULES
                .iter()
                .any(|(input, _)| input.split(' ').next() == Some(t.name()));
        assert!(covered, "no test case for {}", t.name());
    }
    let analyzers = parse("Analyzers = [ AllStatistics \"c\" ]").expect("parses");
    assert_eq!(
        analyzers.analyzers.map(|a| a[0].rule_type),
        Some(RuleType::AllStatistics)
    );
}

#[test]
fn every_rule_form_reads_and_prints_canonically() {
    for (input, expected) in RULES {
        assert_eq!(&canonical(input), expected, "input: {input}");
    }
}

/// Dynamic expressions: arithmetic has one precedence level and associates to the left.
const DYNAMIC: &[(&str, &str)] = &[
    (
        "RowCount > avg(last(10)) * 0.9",
        "RowCount > avg(last(10)) * 0.9",
    ),
    ("RowCount > avg( last( 10 ) )", "RowCount > avg(last(10))"),
    (
        "Completeness \"c\" between min(last(5)) - 0.05 and max(last(5)) + 0.05",
        "Completeness \"c\" between min(last(5)) - 0.05 and max(last(5)) + 0.05",
    ),
    (
        "Mean \"x\" < avg(last(3)) + 2 * std(last(3))",
        "Mean \"x\" < avg(last(3)) + 2 * std(last(3))",
    ),
    (
        "Mean \"x\" < avg(last(3)) + (2 * std(last(3)))",
        "Mean \"x\" < avg(last(3)) + (2 * std(last(3)))",
    ),
    (
        "RowCount > index(last(3), 1)",
        "RowCount > index(last(3),1)",
    ),
    ("RowCount > abs(-3)", "RowCount > abs(-3)"),
    ("RowCount > foo()", "RowCount > foo()"),
    ("RowCount > 5 -3", "RowCount > 5 - 3"),
    ("RowCount > 5 - -3", "RowCount > 5 - -3"),
    (
        "RowCount in [avg(last(2)), 3]",
        "RowCount in [avg(last(2)),3]",
    ),
];

#[test]
fn dynamic_expressions() {
    for (input, expected) in DYNAMIC {
        assert_eq!(&canonical(input), expected, "input: {input}");
    }
    // 1 + 2 * 3 is (1 + 2) * 3.
    let rule = single_rule("RowCount > 1 + 2 * 3");
    let Some(Condition::Number(Comparison::Compare(CompareOp::GreaterThan, NumOperand::Expr(e)))) =
        rule.condition
    else {
        panic!("{rule:?}")
    };
    let NumExpr::Binary { left, op, right } = e else {
        panic!()
    };
    assert_eq!(op, ArithOp::Multiply);
    assert!(matches!(*right, NumExpr::Number(ref n) if n.text() == "3"));
    assert!(matches!(
        *left,
        NumExpr::Binary {
            op: ArithOp::Add,
            ..
        }
    ));
}

#[test]
fn composite_rules() {
    let cases: &[(&str, &str)] = &[
        ("(IsComplete \"a\") and (IsComplete \"b\")", "(IsComplete \"a\") AND (IsComplete \"b\")"),
        (
            "(IsComplete \"a\") AND (IsComplete \"b\") and (RowCount > 1)",
            "(IsComplete \"a\") AND (IsComplete \"b\") AND (RowCount > 1)",
        ),
        // Right-nested groups of one operator print flat.
        (
            "(IsComplete \"a\") and ((IsComplete \"b\") and (IsComplete \"c\"))",
            "(IsComplete \"a\") AND (IsComplete \"b\") AND (IsComplete \"c\")",
        ),
        // and binds tighter than or.
        (
            "(IsComplete \"a\") or (IsComplete \"b\") and (IsComplete \"c\")",
            "(IsComplete \"a\") OR ((IsComplete \"b\") AND (IsComplete \"c\"))",
        ),
        (
            "((IsComplete \"a\") or (IsComplete \"b\")) and (IsComplete \"c\")",
            "((IsComplete \"a\") OR (IsComplete \"b\")) AND (IsComplete \"c\")",
        ),
        (
            "(IsComplete \"a\") or (IsComplete \"b\") and (IsComplete \"c\") or (IsComplete \"d\")",
            "((IsComplete \"a\") OR ((IsComplete \"b\") AND (IsComplete \"c\"))) OR (IsComplete \"d\")",
        ),
        // Redundant parentheses around one rule are dropped.
        ("((RowCount > 1))", "RowCount > 1"),
        // Bare rules as operands, where unambiguous.
        ("IsComplete \"a\" or IsComplete \"b\"", "(IsComplete \"a\") OR (IsComplete \"b\")"),
        ("IsComplete \"a\" and (IsComplete \"b\")", "(IsComplete \"a\") AND (IsComplete \"b\")"),
        ("RowCount > 1 and RowCount < 5", "(RowCount > 1) AND (RowCount < 5)"),
        // Labels on a parenthesised rule belong to that rule.
        (
            "(IsComplete \"a\") labels=[\"k\"=\"v\"] and (IsComplete \"b\")",
            "(IsComplete \"a\" labels=[\"k\"=\"v\"]) AND (IsComplete \"b\")",
        ),
        (
            "(IsComplete \"a\") and (IsComplete \"b\") labels=[\"k\"=\"v\"]",
            "(IsComplete \"a\") AND (IsComplete \"b\" labels=[\"k\"=\"v\"])",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(&canonical(input), expected, "input: {input}");
    }
}

#[test]
fn labels_on_a_parenthesised_composite_are_kept_but_not_printed() {
    let ruleset = parse_rules("((IsComplete \"a\") and (IsComplete \"b\")) labels=[\"k\"=\"v\"]");
    let Some([weir_quality::RuleExpr::Composite(c)]) = ruleset.rules.as_deref() else {
        panic!("{ruleset:?}")
    };
    assert_eq!(c.labels.len(), 1);
    assert_eq!(
        ruleset
            .rules
            .as_deref()
            .map(|r| r[0].to_string())
            .as_deref(),
        Some("(IsComplete \"a\") AND (IsComplete \"b\")")
    );
}

#[test]
fn operands_are_typed() {
    let rule = single_rule("ColumnValues \"d\" > (now() - 3 days)");
    assert_eq!(
        rule.condition,
        Some(Condition::Date(Comparison::Compare(
            CompareOp::GreaterThan,
            DateOperand::NowOffset {
                sign: weir_quality::Sign::Minus,
                offset: Duration {
                    amount: 3,
                    unit: DurationUnit::Days
                }
            }
        )))
    );
    let rule = single_rule("FileSize between 1 and 2 KB");
    assert_eq!(
        rule.condition,
        Some(Condition::Size(Comparison::Between {
            negated: false,
            low: Size {
                amount: 1,
                unit: SizeUnit::B
            },
            high: Size {
                amount: 2,
                unit: SizeUnit::KB
            },
        }))
    );
    let rule = single_rule("ColumnValues \"d\" = \"12:05 PM\"");
    let Some(Condition::Date(Comparison::Compare(_, DateOperand::TimeOfDay(t)))) = rule.condition
    else {
        panic!("{rule:?}")
    };
    assert_eq!((t.hour(), t.minute()), (12, 5));
    // Only NULL: numeric.
    let rule = single_rule("ColumnValues \"c\" = NULL");
    assert_eq!(
        rule.condition,
        Some(Condition::Number(Comparison::Compare(
            CompareOp::Equals,
            NumOperand::Null
        )))
    );
    // NULL with strings: string.
    let rule = single_rule("ColumnValues \"c\" in [NULL, \"a\"]");
    assert!(matches!(
        rule.condition,
        Some(Condition::String(StringCondition::Comparison(_)))
    ));
    // Single quotes are ordinary characters inside a string.
    let rule = single_rule("ColumnValues \"c\" = \"it's\"");
    let Some(Condition::String(StringCondition::Comparison(Comparison::Compare(
        _,
        StringOperand::Quoted(q),
    )))) = rule.condition
    else {
        panic!()
    };
    assert_eq!(q.value(), "it's");
}

#[test]
fn parameters_keep_how_they_were_written() {
    let rule = single_rule("ColumnCorrelation of \"a\" AND b > 0.5");
    assert_eq!(rule.rule_type, RuleType::ColumnCorrelation);
    assert_eq!(rule.parameters[0].connector, Some(Connector::Of));
    assert_eq!(rule.parameters[1].connector, Some(Connector::AndUpper));
    assert_eq!(rule.parameters[1].value, ParameterValue::Bare("b".into()));
    let rule = single_rule("FileFreshness > now() with recentFiles = 3");
    assert_eq!(rule.tags[0].name, "recentFiles");
    assert!(matches!(&rule.tags[0].value, TagValue::Number(n) if n.as_u64() == Some(3)));
}

#[test]
fn document_sections() {
    let text = r#"
# A ruleset with every section.
Metadata = { "Version": "1.0" }
DataSources = { "Primary": "orders", "AdditionalDataSources": ["customers", "ref"] }
allowed = ["A", "B", NULL]
col = "code"
blank = EMPTY
DefaultLabels = ["team"="data"]
Rules = [
    ColumnValues $col in $allowed,
    ColumnValues "x" = $col,
    ColumnValues "y" not in $blank,
    IsComplete $col labels=["tier"="1"]
]
Analyzers = [
    RowCount,
    Completeness "c",
    AllStatistics "price"
]
"#;
    let ruleset = parse(text).expect("parses");
    assert_eq!(
        ruleset.metadata.as_ref().map(|m| m.version.value()),
        Some("1.0".into())
    );
    let sources = ruleset.data_sources.as_ref().expect("data sources");
    assert_eq!(
        sources.primary.as_ref().map(|p| p.value()),
        Some("orders".into())
    );
    assert_eq!(sources.additional.as_ref().map(Vec::len), Some(2));
    assert_eq!(ruleset.variables.len(), 3);
    assert!(ruleset.variable("allowed").is_some());
    let rules: Vec<&weir_quality::Rule> = ruleset
        .rules
        .iter()
        .flatten()
        .filter_map(|r| match r {
            weir_quality::RuleExpr::Rule(rule) => Some(rule),
            weir_quality::RuleExpr::Composite(_) => None,
        })
        .collect();
    assert_eq!(
        ruleset.parameter_value(&rules[0].parameters[0]).as_deref(),
        Some("code")
    );
    assert_eq!(
        ruleset.variable_set("allowed"),
        Some(vec![
            StringOperand::Quoted(weir_quality::QuotedString::new("A")),
            StringOperand::Quoted(weir_quality::QuotedString::new("B")),
            StringOperand::Null,
        ])
    );
    assert_eq!(
        ruleset.variable_set("blank"),
        Some(vec![StringOperand::Empty])
    );
    assert_eq!(ruleset.variable_set("nope"), None);
    assert_eq!(ruleset.default_labels.len(), 1);
    assert_eq!(ruleset.rules.as_ref().map(Vec::len), Some(4));
    assert_eq!(ruleset.analyzers.as_ref().map(Vec::len), Some(3));
    crate::assert_reparses(&ruleset);
    let printed = ruleset.to_string();
    assert!(
        printed.starts_with("Metadata = {\n    \"Version\": \"1.0\"\n}\n\nDataSources = {\n"),
        "{printed}"
    );
    assert!(
        printed.contains("Rules = [\n    ColumnValues $col in $allowed,\n"),
        "{printed}"
    );
    assert!(
        printed.ends_with(
            "Analyzers = [\n    RowCount,\n    Completeness \"c\",\n    AllStatistics \"price\"\n]"
        ),
        "{printed}"
    );
}

#[test]
fn sections_may_be_empty_or_absent() {
    let only_analyzers = parse("Analyzers = [ RowCount ]").expect("parses");
    assert!(only_analyzers.rules.is_none());
    let empty_rules = parse("Rules = [] Analyzers = [ RowCount ]").expect("parses");
    assert_eq!(empty_rules.rules, Some(vec![]));
    crate::assert_reparses(&empty_rules);
    let analyzers_empty = parse("Rules = [ RowCount > 0 ] Analyzers = []").expect("parses");
    crate::assert_reparses(&analyzers_empty);
}

#[test]
fn crlf_and_a_final_comment_are_accepted() {
    let ruleset = parse("Rules = [\r\n    IsComplete \"a\"\r\n] # the end").expect("parses");
    assert_eq!(ruleset.rules.as_ref().map(Vec::len), Some(1));
}

#[test]
fn trailing_input_is_ignored_with_a_warning() {
    let (ruleset, warnings) =
        parse_with_warnings("Rules = [ RowCount > 0 ]\nRules = [ IsComplete \"a\" ]")
            .expect("parses");
    assert_eq!(ruleset.rules.as_ref().map(Vec::len), Some(1));
    assert_eq!(
        warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec!["line 2, column 1: ignored \"Rules\" and everything after it: nothing may follow the Rules and Analyzers sections"]
    );
    // Analyzers before Rules: the Rules are ignored.
    let (ruleset, warnings) =
        parse_with_warnings("Analyzers = [ RowCount ] Rules = [ RowCount > 0 ]").expect("parses");
    assert!(ruleset.rules.is_none());
    assert_eq!(warnings.len(), 1);
    let (_, warnings) = parse_with_warnings("Rules = [ RowCount > 0 ]\n").expect("parses");
    assert!(warnings.is_empty());
}

#[test]
fn keywords_in_both_cases() {
    assert_eq!(
        canonical("ColumnValues \"c\" in [null, empty]"),
        "ColumnValues \"c\" in [NULL,EMPTY]"
    );
    assert_eq!(
        canonical("(IsComplete \"a\") OR (IsComplete \"b\") or (IsComplete \"c\")"),
        "(IsComplete \"a\") OR (IsComplete \"b\") OR (IsComplete \"c\")"
    );
}
