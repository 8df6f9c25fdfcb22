//! Invalid rulesets and their exact messages, with line and column.

use crate::error;

/// (document, `line L, column C: message`)
const CASES: &[(&str, &str)] = &[
    (
        r#"Rules = [
    IsComplete "id",
    ColumnLength "name" 12
]"#,
        r#"line 3, column 25: expected a comparison (=, !=, >, >=, <, <=, between, in, matches) after ColumnLength "name", found "12""#,
    ),
    (
        r#"Rules = [ IsComplet "a" ]"#,
        r#"line 1, column 11: unknown rule type "IsComplet"; did you mean IsComplete?"#,
    ),
    (
        r#"Rules = [ Foo "a" ]"#,
        r#"line 1, column 11: unknown rule type "Foo"; the rule types are RowCount, DuplicateRowCount, RowCountMatch, ColumnCount, Completeness, IsComplete, ColumnDataType, ColumnNamesMatchPattern, ColumnExists, ColumnCorrelation, Uniqueness, IsUnique, Mean, Sum, StandardDeviation, Variance, Range, Entropy, DistinctValuesCount, UniqueValueRatio, ColumnLength, IsPrimaryKey, ColumnValues, DataFreshness, CustomSql, ReferentialIntegrity, DatasetMatch, SchemaMatch, AggregateMatch, DetectAnomalies, AllStatistics, FileMatch, FileUniqueness, FileFreshness, FileSize"#,
    ),
    (
        r#"Rules = [ rowcount > 1 ]"#,
        r#"line 1, column 11: unknown rule type "rowcount"; did you mean RowCount?"#,
    ),
    (
        r#"Rules = [ IsComplete "a" and IsComplete "b" ]"#,
        r#"line 1, column 11: IsComplete takes 1 parameter, found 3 (to combine rules with and/or, put each in parentheses: (RuleA ...) and (RuleB ...))"#,
    ),
    (
        r#"Rules = [ IsComplete "a" > 1 ]"#,
        r#"line 1, column 26: IsComplete "a" takes no condition (it passes or fails by itself), found ">""#,
    ),
    (
        r#"Rules = [ RowCount ]"#,
        r#"line 1, column 20: expected a comparison (=, !=, >, >=, <, <=, between, in, matches) after RowCount, found "]""#,
    ),
    (
        r#"Rules = [ RowCount "a" > 1 ]"#,
        r#"line 1, column 11: RowCount takes 0 parameters, found 1"#,
    ),
    (
        r#"Rules = [ RowCount = "a" ]"#,
        r#"line 1, column 20: RowCount takes a numeric condition, found a string condition"#,
    ),
    (
        r#"Rules = [ ColumnValues "c" in [1, "a"] ]"#,
        r#"line 1, column 35: cannot mix numeric and string values in one condition"#,
    ),
    (
        r#"Rules = [ ColumnValues "c" in [] ]"#,
        r#"line 1, column 32: the list after in is empty"#,
    ),
    (
        r#"Rules = [ RowCount > 1, ]"#,
        r#"line 1, column 23: a trailing comma is not allowed at the end of Rules"#,
    ),
    (
        r#"Rules = [ ]"#,
        r#"line 1, column 1: the ruleset has no rules and no analyzers"#,
    ),
    (
        r#""#,
        r#"line 1, column 1: expected a Rules or Analyzers section, found the end of the text"#,
    ),
    (
        r#"Rules = [ RowCount > 1 where "" ]"#,
        r#"line 1, column 30: the where clause is empty"#,
    ),
    (
        r#"Rules = [ ColumnCount > 1 where "a" ]"#,
        r#"line 1, column 27: ColumnCount does not take a where clause"#,
    ),
    (
        r#"Rules = [ RowCount > 1 with threshold > 0.5 ]"#,
        r#"line 1, column 29: RowCount does not take a threshold"#,
    ),
    (
        r#"Rules = [ ColumnValues "c" > 1 with threshold > 0.5 where "x" ]"#,
        r#"line 1, column 53: the where clause must come right after the condition, before labels and with"#,
    ),
    (
        r#"Rules = [ ColumnValues "c" > 1 with threshold > 0.5 with threshold > 0.2 ]"#,
        r#"line 1, column 58: the threshold is given twice"#,
    ),
    (
        r#"Rules = [ ColumnValues "c" > 1 with ignoreCase > 1 ]"#,
        r#"line 1, column 48: expected "=" after with ignoreCase (tags other than threshold are set with =), found ">""#,
    ),
    (
        r#"Rules = [ RowCount not = 5 ]"#,
        r#"line 1, column 24: expected between, in or matches after not, found "=""#,
    ),
    (
        r#"Rules = [ RowCount !> 5 ]"#,
        r#"line 1, column 21: expected "=" after "!", found ">""#,
    ),
    (
        r#"Rules = [ ColumnValues "c" !matches "a" ]"#,
        r#"line 1, column 29: expected "=" after "!", found "matches""#,
    ),
    (
        r#"Rules = [ RowCount between 1 or 5 ]"#,
        r#"line 1, column 30: expected "and" between the two bounds of between, found "or""#,
    ),
    (
        r#"Rules = [ RowCount > .5 ]"#,
        r#"line 1, column 22: expected a number, "(" or a function such as avg(last(3)), found ".5""#,
    ),
    (
        r#"Rules = [ RowCount > 5. ]"#,
        r#"line 1, column 22: expected a number, "(" or a function such as avg(last(3)), found "5.""#,
    ),
    (
        r#"Rules = [ RowCount > 1e3 ]"#,
        r#"line 1, column 22: expected a number, "(" or a function such as avg(last(3)), found "1e3""#,
    ),
    (
        r#"Rules = [ RowCount > +1 ]"#,
        r#"line 1, column 22: expected a value to compare with (a number, a quoted string, a date, now(), NULL, EMPTY or WHITESPACES_ONLY), found "+""#,
    ),
    (
        r#"Rules = [ ColumnValues "d" > "2024-02-30" ]"#,
        r#"line 1, column 30: "2024-02-30" is not a valid date (YYYY-MM-DD)"#,
    ),
    (
        r#"Rules = [ ColumnValues "d" > "25:30" ]"#,
        r#"line 1, column 30: "25:30" is not a valid time of day"#,
    ),
    (
        r#"Rules = [ ColumnValues "d" > "13:30 PM" ]"#,
        r#"line 1, column 30: "13:30 PM" is not a valid time of day"#,
    ),
    (
        r#"Rules = [ ColumnValues "d" > now () ]"#,
        r#"line 1, column 30: write now() without a space before "(""#,
    ),
    (
        r#"Rules = [ ColumnValues "d" > now() - 3 days ]"#,
        r#"line 1, column 36: expected "," or "]" after a rule (or "and"/"or" to combine rules), found "-""#,
    ),
    (
        r#"Rules = [ ColumnValues "d" > (now() - 3 Days) ]"#,
        r#"line 1, column 41: expected days, hours or minutes after 3, found "Days""#,
    ),
    (
        r#"Rules = [ DataFreshness "d" > 3 ]"#,
        r#"line 1, column 29: DataFreshness "d" takes a duration condition (like `<= 3 days`), found a numeric condition"#,
    ),
    (
        r#"Rules = [ DataFreshness "d" > 3 day ]"#,
        r#"line 1, column 33: unknown unit "day": durations are in days, hours or minutes, sizes in B, KB, MB, GB or TB"#,
    ),
    (
        r#"Rules = [ FileSize > 5 kb ]"#,
        r#"line 1, column 24: unknown unit "kb": durations are in days, hours or minutes, sizes in B, KB, MB, GB or TB"#,
    ),
    (
        r#"Rules = [ FileSize > 1.5 MB ]"#,
        r#"line 1, column 22: expected a whole number of MB, found "1.5""#,
    ),
    (
        r#"Rules = [ ColumnValues "c" in $nope ]"#,
        r#"line 1, column 31: variable "$nope" is not declared"#,
    ),
    (
        r#"v = 100
Rules = [ IsComplete "a" ]"#,
        r#"line 1, column 5: variable "v" holds a number: variables hold quoted strings, lists of them, NULL, EMPTY or WHITESPACES_ONLY"#,
    ),
    (
        r#"v = "x$y"
Rules = [ IsComplete "a" ]"#,
        r#"line 1, column 5: the value of "v" refers to another variable: nested variables are not supported"#,
    ),
    (
        r#"v = "a"
v = "b"
Rules = [ IsComplete "a" ]"#,
        r#"line 2, column 1: variable "v" is declared twice"#,
    ),
    (
        r#"_v = "a"
Rules = [ IsComplete "a" ]"#,
        r#"line 1, column 1: variable names may not start with "." or "_": "_v""#,
    ),
    (
        r#"l = ["a"]
Rules = [ IsComplete $l ]"#,
        r#"line 2, column 22: variable "$l" is not a quoted string, so it cannot be a rule parameter"#,
    ),
    (
        r#"l = ["a"]
Rules = [ ColumnValues "c" in [$l] ]"#,
        r#"line 2, column 32: variables cannot be used inside [...]: write in $name to use a list variable"#,
    ),
    (
        r#"v = "a"
Rules = [ RowCount > $v ]"#,
        r#"line 2, column 20: RowCount takes a numeric condition, found a string condition"#,
    ),
    (
        r#"Rules = [ AllStatistics "c" ]"#,
        r#"line 1, column 11: AllStatistics can only be used in Analyzers"#,
    ),
    (
        r#"Analyzers = [ IsComplete "c" ]"#,
        r#"line 1, column 15: IsComplete cannot be an analyzer: it passes or fails but computes no metric to report"#,
    ),
    (
        r#"Analyzers = [ RowCount > 1 ]"#,
        r#"line 1, column 24: an analyzer takes no condition, where clause, labels or tags; found ">" after RowCount"#,
    ),
    (
        r#"Metadata = { "Owner": "x" }
Rules = [ RowCount > 1 ]"#,
        r#"line 1, column 14: unknown Metadata key "Owner": the only key is "Version""#,
    ),
    (
        r#"Metadata = { }
Rules = [ RowCount > 1 ]"#,
        r#"line 1, column 14: Metadata is empty"#,
    ),
    (
        r#"DataSources = { "Primary": "a", "Other": "b" }
Rules = [ RowCount > 1 ]"#,
        r#"line 1, column 33: unknown DataSources key "Other": the keys are "Primary" and "AdditionalDataSources""#,
    ),
    (
        r#"DataSources = { "AdditionalDataSources": "b" }
Rules = [ RowCount > 1 ]"#,
        r#"line 1, column 42: expected a list of quoted dataset names after "AdditionalDataSources":, found the string "b""#,
    ),
    (
        r#"DataSources = { "Primary": "a" }
Metadata = { "Version": "1" }
Rules = [ RowCount > 1 ]"#,
        r#"line 2, column 1: expected a Rules or Analyzers section (sections go in the order Metadata, DataSources, variables, DefaultLabels, Rules, Analyzers), found "Metadata""#,
    ),
    (
        r#"DefaultLabels = ["a"="b"]
v = "x"
Rules = [ RowCount > 1 ]"#,
        r#"line 2, column 1: expected a Rules or Analyzers section (variables are declared before DefaultLabels), found "v""#,
    ),
    (
        r#"Rules = [ IsComplete "a" labels=[] ]"#,
        r#"line 1, column 34: a label list needs at least one label"#,
    ),
    (
        r#"Rules = [ IsComplete "a" labels=["a"="1", "a"="2"] ]"#,
        r#"line 1, column 43: label "a" is given twice"#,
    ),
    (
        r#"Rules = [ IsComplete "a" labels=[""="1"] ]"#,
        r#"line 1, column 34: a label key may not be empty"#,
    ),
    (
        r#"Rules = [ IsComplete "a" labels=["k"=""] ]"#,
        r#"line 1, column 38: a label value may not be empty"#,
    ),
    (
        r#"DefaultLabels = ["1"="a","2"="a","3"="a","4"="a","5"="a","6"="a"]
Rules = [ IsComplete "a" labels=["7"="a","8"="a","9"="a","10"="a","11"="a"] ]"#,
        r#"line 2, column 33: a rule may have at most 10 labels, default labels included; this one has 11"#,
    ),
    (
        r#"Rules = [ IsComplete "a" labels=["k"="v"] labels=["k"="v"] ]"#,
        r#"line 1, column 43: expected "," or "]" after a rule (or "and"/"or" to combine rules), found "labels""#,
    ),
    (
        r#"Rules = [ (IsComplete "a" labels=["k"="v"]) labels=["x"="v"] ]"#,
        r#"line 1, column 45: this rule already has labels: give them in one list"#,
    ),
    (
        r#"Rules = [ (IsComplete "a") and ]"#,
        r#"line 1, column 32: expected a rule (a rule type such as RowCount, or "("), found "]""#,
    ),
    (
        r#"Rules = [ (IsComplete "a" ]"#,
        r#"line 1, column 27: expected ")" (or "and"/"or" to combine rules), found "]""#,
    ),
    (
        r#"Rules = [ IsComplete "a""#,
        r#"line 1, column 25: expected "," or "]" after a rule (or "and"/"or" to combine rules), found the end of the text"#,
    ),
    (
        r#"Rules = [ IsComplete 'a' ]"#,
        r#"line 1, column 22: unexpected character "'" (strings are written in double quotes)"#,
    ),
    (
        r#"Rules = [ IsComplete "a ]"#,
        r#"line 1, column 22: this string has no closing double quote"#,
    ),
    (
        r#"Rules = [ RowCount > avg(last(3) ]"#,
        r#"line 1, column 34: expected "," or ")" in the arguments of avg, found "]""#,
    ),
    (
        r#"Rules = [ ColumnValues "c" matches $v ]"#,
        r#"line 1, column 36: expected a quoted regular expression after matches, found "$v""#,
    ),
    (
        r#"Rules = [ CustomSql "select 1" where "x" ]"#,
        r#"line 1, column 32: CustomSql does not take a where clause"#,
    ),
    (
        r#"Rules = [ RowCount > 1 AnD RowCount < 3 ]"#,
        r#"line 1, column 24: expected "," or "]" after a rule (or "and"/"or" to combine rules), found "AnD""#,
    ),
    (
        r#"Rules = [ ColumnValues "c" = Null ]"#,
        r#"line 1, column 30: "Null" is not a keyword: write NULL or null"#,
    ),
    (
        r#"Rules = [ DatasetMatch "a" ]"#,
        r#"line 1, column 11: DatasetMatch takes 2 or 3 parameters, found 1"#,
    ),
    (
        r#"Rules = [ FileMatch "a" "b" "c" ]"#,
        r#"line 1, column 11: FileMatch takes 0, 1 or 2 parameters, found 3"#,
    ),
    (
        r#"Rules = [ RowCount BETWEEN 1 and 5 ]"#,
        r#"line 1, column 11: RowCount takes 0 parameters, found 1 (the keyword between is written in lowercase; otherwise it is read as a parameter)"#,
    ),
    (
        r#"Rules = [ ColumnValues "c" IN ["a"] ]"#,
        r#"line 1, column 11: ColumnValues takes 1 parameter, found 2 (the keyword in is written in lowercase; otherwise it is read as a parameter)"#,
    ),
    (
        r#"Rule = [ IsComplete "a" ]"#,
        r#"line 1, column 1: unknown section "Rule"; did you mean Rules? (section names are case sensitive)"#,
    ),
    (
        r#"analyzers = [ RowCount ]"#,
        r#"line 1, column 1: unknown section "analyzers"; did you mean Analyzers? (section names are case sensitive)"#,
    ),
];

#[test]
fn invalid_rulesets_say_what_is_wrong_and_where() {
    let mut wrong = Vec::new();
    for (text, expected) in CASES {
        let got = error(text);
        if got != *expected {
            wrong.push(format!("{text}\n  expected: {expected}\n  got:      {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn errors_carry_their_position_as_fields() {
    let err = weir_quality::parse("Rules = [\n  RowCount >\n]").expect_err("fails");
    assert_eq!((err.line, err.column), (3, 1));
    assert_eq!(
        err.message,
        "expected a value to compare with (a number, a quoted string, a date, now(), NULL, EMPTY or WHITESPACES_ONLY), found \"]\""
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    assert_eq!(
        error("Rules = [ IsComplete \"é\" > 1 ]"),
        "line 1, column 26: IsComplete \"é\" takes no condition (it passes or fails by itself), found \">\""
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let nested = |n: usize| format!("Rules = [ RowCount > {}1{} ]", "(".repeat(n), ")".repeat(n));
    assert!(weir_quality::parse(&nested(32)).is_ok());
    assert_eq!(
        error(&nested(33)),
        "line 1, column 54: parentheses nest more than 32 deep"
    );
    let calls = format!(
        "Rules = [ RowCount > {}1{} ]",
        "f(".repeat(5000),
        ")".repeat(5000)
    );
    assert!(error(&calls).ends_with("parentheses nest more than 32 deep"));
    let groups = format!("Rules = [ {}", "(".repeat(100_000));
    assert!(error(&groups).ends_with("parentheses nest more than 32 deep"));

    let chain = |n: usize| format!("Rules = [ RowCount > 1{} ]", " + 1".repeat(n));
    assert!(weir_quality::parse(&chain(128)).is_ok());
    assert_eq!(
        error(&chain(129)),
        "line 1, column 536: this rule is too long: more than 128 operators and parentheses nested in one rule"
    );
    let rules = format!(
        "Rules = [ (RowCount > 1){} ]",
        " and (RowCount > 1)".repeat(300)
    );
    assert!(error(&rules).ends_with("nested in one rule"));
}
