//! The example rulesets and rule fragments of the DQDL specification, each read, printed and read
//! again to the same ruleset. Fragments written with placeholders in the specification are filled
//! in with concrete names.

use weir_quality::parse;

use crate::assert_reparses;

const EXAMPLES: &[&str] = &[
    // §3 Document structure: every section, in order.
    r#"Metadata = { "Version": "1.0" }
DataSources = { "Primary": "orders", "AdditionalDataSources": ["ref", "customers"] }
allowed = ["A", "B", "C"]
DefaultLabels = ["team"="quality"]
Rules = [ RowCountMatch "ref" >= 0.9, ColumnValues "code" in $allowed ]
Analyzers = [ RowCount ]"#,
    // §3: either list may be empty if the document has a rule or an analyzer.
    "Rules = [] Analyzers = [ RowCount ]",
    "Analyzers = [ RowCount ]",
    // §4.1 tags.
    r#"Rules = [
    FileMatch "s3://bucket/a.csv" in ["5d41402abc4b2a76b9719d911017c592"] with hashAlgorithm = "SHA-256",
    FileFreshness "s3://bucket/" > (now() - 1 days) with recentFiles = 1,
    ColumnValues "code" in ["a", "b"] with ignoreCase = "true",
    ColumnDataType "d" = "DATE" with format = "MM/yyyy",
    ColumnValues "t" > "9:30 AM" with timeZone = "America/New_York",
    Completeness "c" > 0.5 with someUnknownTag = "kept"
]"#,
    // §4.2 composite rules.
    r#"Rules = [
    (IsComplete "a") and (IsUnique "b"),
    (IsComplete "a") or ((IsUnique "b") and (ColumnValues "c" > 0)),
    (IsComplete "a") and (IsUnique "b") and (RowCount > 0)
]"#,
    // §4.3 analyzers.
    r#"Analyzers = [ RowCount, Completeness "c", AllStatistics "c" ]"#,
    // §4.4 labels: per rule, per parenthesised operand, and defaults.
    r#"DefaultLabels = ["owner"="data", "tier"="2"]
Rules = [
    IsComplete "c" where "region = 'eu'" labels=["tier"="1", "pii"="no"],
    (IsComplete "a") labels=["k"="v"] and (IsComplete "b")
]"#,
    // §5 operator table.
    r#"Rules = [
    RowCount = 5, RowCount != 5, RowCount ! = 5, RowCount > 5, RowCount >= 5, RowCount < 5,
    RowCount <= 5, RowCount between 1 and 10, RowCount not between 1 and 10,
    RowCount in [1, 2, 3], RowCount not in [1, 2, 3],
    ColumnValues "c" matches "[a-z]+", ColumnValues "c" not matches "[0-9]+",
    RowCount between 5 and 1
]"#,
    // §5.1 numeric operands and expressions.
    r#"Rules = [
    RowCount > 1 + 2 * 3,
    RowCount > (1 + 2) * 3,
    RowCount > foo(1),
    ColumnValues "n" in [1, 2, NULL]
]"#,
    // §5.2 string conditions.
    r#"Rules = [
    ColumnValues "c" = EMPTY,
    ColumnValues "c" != WHITESPACES_ONLY,
    ColumnValues "c" in ["a", "b", NULL],
    ColumnValues "c" = "x$y",
    ColumnValues "c" in ["say \"hi\""]
]"#,
    // §5.4 dates, times and durations.
    r#"Rules = [
    ColumnValues "d" > "2024-03-01",
    ColumnValues "d" <= now(),
    ColumnValues "d" > (now() - 3 days),
    ColumnValues "d" < (now() + 4 hours),
    ColumnValues "d" between (now() - 90 minutes) and now(),
    ColumnValues "t" > "21:45",
    DataFreshness "ts" <= 3 days,
    DataFreshness "ts" < 12 hours
]"#,
    // §5.6 thresholds and §5.7 sizes.
    r#"Rules = [
    ColumnValues "n" > 0 with threshold > 0.9,
    FileSize "s3://bucket/" < 5 KB,
    FileSize between 1 B and 1 GB,
    FileSize > 100
]"#,
    // §6 dynamic rules.
    r#"Rules = [
    RowCount > avg(last(10)) * 0.9,
    Completeness "c" between min(last(5)) - 0.05 and max(last(5)) + 0.05,
    Mean "price" < avg(last(3)) + 2 * std(last(3)),
    RowCount > index(last(3), 0),
    RowCount > abs(avg(last(2)) - 10)
]"#,
    // §7 variables.
    r#"allowed = ["A", "B", "C"]
sql_text = "select count(*) from primary"
Rules = [ ColumnValues "code" in $allowed, CustomSql $sql_text > 0 ]"#,
    r#"col = "code"
v = "x"
Rules = [ IsComplete $col, ColumnValues "c" = $v, ColumnValues "c" not in $v ]"#,
    // §8 catalogue, one rule of each type.
    r#"Rules = [
    RowCount > 0,
    DuplicateRowCount = 0,
    DuplicateRowCount "a" "b" < 2,
    RowCountMatch "ref" >= 0.9,
    ColumnCount = 3,
    Completeness "c" > 0.95,
    IsComplete "c",
    ColumnDataType "c" = "DECIMAL(10, 2)",
    ColumnNamesMatchPattern "^[a-z_]+$",
    ColumnExists "c",
    ColumnCorrelation "a" "b" > 0.5,
    Uniqueness "id" = 1.0,
    Uniqueness "a" "b" > 0.9,
    IsUnique "id",
    Mean "p" > 0, Sum "p" > 0, StandardDeviation "p" < 3.055, Variance "p" < 10,
    Range "p" <= 100,
    Entropy "c" > 1.2425,
    DistinctValuesCount "c" = 4,
    UniqueValueRatio "c" >= 0.75,
    ColumnLength "c" between 1 and 10,
    IsPrimaryKey "a" "b",
    ColumnValues "c" in ["a"],
    DataFreshness "s._1" <= 24 hours,
    DataFreshness "`a.b`" <= 24 hours,
    CustomSql "select count(*) from primary" between 1 and 10,
    CustomSql "select id from primary",
    ReferentialIntegrity "id" "ref.id" = 1.0,
    ReferentialIntegrity "a,b" "ref.{a,b}" > 0.9,
    DatasetMatch "ref" "id->ref_id" >= 0.9,
    DatasetMatch "ref" "id" "a,b" = 1.0,
    SchemaMatch "ref" > 0.5,
    AggregateMatch "sum(amount)" "sum(ref.amount)" > 0.99,
    AggregateMatch "avg(a)" "avg(b)" = 1.0,
    DetectAnomalies "Mean" "price",
    DetectAnomalies "RowCount",
    FileMatch "s3://a/" "s3://b/",
    FileUniqueness "s3://a/" > 0.9,
    FileFreshness "s3://a/" > (now() - 2 days) with threshold > 0.5,
    FileSize "s3://a/" < 1 GB with threshold >= 0.9
]"#,
    // §12 a recommended rule from an observation.
    r#"Rules = [ RowCount between 90 and 110 ]"#,
];

#[test]
fn spec_examples_read_print_and_read_again() {
    for text in EXAMPLES {
        let ruleset = match parse(text) {
            Ok(r) => r,
            Err(e) => panic!("{text}\n{e}"),
        };
        assert_reparses(&ruleset);
        // Printing is idempotent.
        let printed = ruleset.to_string();
        let again = parse(&printed).map(|r| r.to_string());
        assert_eq!(again.as_deref(), Ok(printed.as_str()));
    }
}

#[test]
fn canonical_text_of_spec_fragments() {
    let ruleset = parse(
        r#"Rules = [
    (IsComplete "a") and (IsUnique "b") AND (RowCount > 0),
    ColumnValues "c" in [ "a", "b", null ],
    RowCount in [1, 2, 3],
    ColumnValues "n" > 0 labels=["k"="v"] with threshold > 0.9,
    Completeness of "c" > 0.5,
    FileSize < 100
]"#,
    )
    .expect("parses");
    let printed: Vec<String> = ruleset
        .rules
        .iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        printed,
        vec![
            r#"(IsComplete "a") AND (IsUnique "b") AND (RowCount > 0)"#,
            r#"ColumnValues "c" in ["a","b",NULL]"#,
            "RowCount in [1,2,3]",
            r#"ColumnValues "n" > 0 with threshold > 0.9 labels=["k"="v"]"#,
            r#"Completeness of "c" > 0.5"#,
            "FileSize < 100 B",
        ]
    );
}
