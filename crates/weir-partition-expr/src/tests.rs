//! Behavioural tests of the public API.

use crate::{index_value, ExprError, Filter, IndexValue, KeyConstraint, PartitionKey};

fn keys() -> Vec<PartitionKey> {
    vec![
        PartitionKey::new("year", "int"),
        PartitionKey::new("month", "int"),
        PartitionKey::new("region", "string"),
        PartitionKey::new("dt", "date"),
        PartitionKey::new("amount", "decimal(10,2)"),
        PartitionKey::new("ts", "timestamp"),
        PartitionKey::new("big", "bigint"),
    ]
}

fn filter(expression: &str) -> Filter {
    Filter::new(expression, &keys()).unwrap_or_else(|e| panic!("{expression}: {e}"))
}

fn error(expression: &str) -> ExprError {
    Filter::new(expression, &keys()).expect_err(expression)
}

/// A partition with the given values for year, month and region; defaults for the rest.
fn part(year: &str, month: &str, region: &str) -> Vec<String> {
    [
        year,
        month,
        region,
        "2024-03-15",
        "12.50",
        "2024-03-15 10:00:00",
        "9007199254740993",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn with(index: usize, value: &str) -> Vec<String> {
    let mut values = part("2024", "3", "eu");
    values[index] = value.to_owned();
    values
}

fn matches(expression: &str, values: &[String]) -> bool {
    filter(expression).matches(values)
}

fn num(n: f64) -> IndexValue {
    IndexValue::Number(n)
}

fn text(s: &str) -> IndexValue {
    IndexValue::Text(s.to_owned())
}

#[test]
fn empty_expression_matches_everything() {
    for expression in ["", "   ", "\n\t"] {
        let f = filter(expression);
        assert!(f.is_match_all());
        assert!(f.matches(&part("x", "y", "z")));
        assert_eq!(f.key_constraint(0), None);
        assert!(f.keys_used().is_empty());
    }
}

#[test]
fn comparison_operators_on_int() {
    let p = part("2020", "10", "eu");
    for (expression, expected) in [
        ("year = 2020", true),
        ("year == 2020", true),
        ("year = 2021", false),
        ("year <> 2020", false),
        ("year != 2021", true),
        ("year < 2021", true),
        ("year < 2020", false),
        ("year <= 2020", true),
        ("year > 2019", true),
        ("year > 2020", false),
        ("year >= 2020", true),
        ("2021 > year", true),
        ("2020 <= year", true),
        ("2020 < year", false),
        ("year = '2020'", true),
        ("year = 2020.0", true),
        ("year < 2020.5", true),
        ("year = +2020", true),
        ("year > -1", true),
    ] {
        assert_eq!(matches(expression, &p), expected, "{expression}");
    }
}

#[test]
fn typing_int_versus_string() {
    let keys = [PartitionKey::new("month", "int")];
    let int_filter = Filter::new("month > 9", &keys).expect("valid");
    assert!(int_filter.matches(&["10".to_owned()]));
    assert!(!int_filter.matches(&["9".to_owned()]));
    assert!(Filter::new("month = 10", &keys)
        .expect("valid")
        .matches(&["010".to_owned()]));

    let keys = [PartitionKey::new("month", "string")];
    let text_filter = Filter::new("month > 9", &keys).expect("valid");
    assert!(
        !text_filter.matches(&["10".to_owned()]),
        "'10' < '9' as text"
    );
    assert!(!text_filter.matches(&["9".to_owned()]));
    assert!(Filter::new("month > '9'", &keys)
        .expect("valid")
        .matches(&["a".to_owned()]));
    assert!(!Filter::new("month = 10", &keys)
        .expect("valid")
        .matches(&["010".to_owned()]));
}

#[test]
fn bigints_compare_exactly() {
    let p = part("2020", "1", "eu");
    assert!(matches("big = 9007199254740993", &p));
    assert!(!matches("big = 9007199254740992", &p));
    assert!(matches("big > 9007199254740992", &p));
    let keys = [PartitionKey::new("n", "bigint")];
    let f = Filter::new("n > 170141183460469231731687303715884105727", &keys).expect("valid");
    assert!(f.matches(&["170141183460469231731687303715884105728".to_owned()]));
    assert!(!f.matches(&["-170141183460469231731687303715884105728".to_owned()]));
}

#[test]
fn decimal_keys() {
    assert!(matches("amount = 12.5", &with(4, "12.50")));
    assert!(matches("amount = '12.500'", &with(4, "12.5")));
    assert!(matches("amount > 12.49", &with(4, "12.50")));
    assert!(matches("amount < 1e2", &with(4, "12.50")));
    assert!(matches("amount > 0.1", &with(4, "1.0E10")));
    assert!(!matches("amount > 0.1", &with(4, "NaN")));
    let keys = [PartitionKey::new("d", "double")];
    let f = Filter::new("d > 0.1", &keys).expect("valid");
    assert!(
        f.matches(&["0.10000000000000001".to_owned()]),
        "exact, not f64"
    );
}

#[test]
fn unparseable_stored_values() {
    let p = with(0, "__HIVE_DEFAULT_PARTITION__");
    for (expression, expected) in [
        ("year = 2020", false),
        ("year > 0", false),
        ("year < 0", false),
        ("year BETWEEN 0 AND 9999", false),
        ("year IN (2020)", false),
        ("year <> 2020", true),
        ("NOT year = 2020", true),
        ("NOT year > 0", true),
        ("year NOT BETWEEN 0 AND 9999", true),
        ("year NOT IN (2020)", true),
        ("year LIKE '\\_\\_HIVE%'", false),
        ("year LIKE '__HIVE%'", true),
        ("year IS NOT NULL", true),
    ] {
        assert_eq!(matches(expression, &p), expected, "{expression}");
    }
    assert!(
        !matches("year = 2020", &with(0, "2020.0")),
        "integral values must be integers"
    );
    assert!(
        matches("year = 2020", &with(0, " 2020 ")),
        "surrounding whitespace is ignored"
    );
}

#[test]
fn string_keys() {
    let p = part("2020", "1", "eu-west");
    for (expression, expected) in [
        ("region = 'eu-west'", true),
        ("region = \"eu-west\"", true),
        ("region = 'EU-WEST'", false),
        ("region > 'eu'", true),
        ("region < 'f'", true),
        ("'eu-west' = region", true),
        ("region BETWEEN 'eu' AND 'ev'", true),
        ("region IN ('us', 'eu-west')", true),
        ("region NOT IN ('us', 'eu-west')", false),
    ] {
        assert_eq!(matches(expression, &p), expected, "{expression}");
    }
    assert!(matches("region = 'it''s'", &with(2, "it's")));
    assert!(matches(
        "region = \"say \"\"hi\"\"\"",
        &with(2, "say \"hi\"")
    ));
    assert!(matches("region = ' eu '", &with(2, " eu ")));
    assert!(!matches("region = 'eu'", &with(2, " eu ")));
}

#[test]
fn date_keys() {
    let p = with(3, "2024-03-15");
    for (expression, expected) in [
        ("dt = '2024-03-15'", true),
        ("dt > '2024-02-29'", true),
        ("dt < '2024-12-01'", true),
        ("dt BETWEEN '2024-03-01' AND '2024-03-31'", true),
        ("dt BETWEEN '2024-03-16' AND '2024-03-31'", false),
        ("dt IN ('2024-03-14', '2024-03-15')", true),
        ("dt LIKE '2024-03-%'", true),
    ] {
        assert_eq!(matches(expression, &p), expected, "{expression}");
    }
    assert!(
        !matches("dt > '2000-01-01'", &with(3, "2024-3-15")),
        "malformed stored date"
    );
    let err = error("dt = '2024-02-30'");
    assert_eq!(err.position, Some(5));
    assert_eq!(
        err.message,
        "Cannot convert the value '2024-02-30' at position 5 to type date of partition key 'dt'"
    );
    assert!(error("dt = 20240315").message.contains("type date"));
}

#[test]
fn timestamp_keys_compare_trimmed_text() {
    assert!(matches(
        "ts = ' 2024-03-15 10:00:00 '",
        &with(5, "2024-03-15 10:00:00")
    ));
    assert!(matches(
        "ts > '2024-03-15'",
        &with(5, " 2024-03-15 10:00:00")
    ));
    assert!(
        matches("ts < '2024-03-15 9'", &with(5, "2024-03-15 10:00:00")),
        "text, not time, ordering"
    );
}

#[test]
fn between_is_inclusive() {
    for (month, expected) in [
        ("2", false),
        ("3", true),
        ("5", true),
        ("7", true),
        ("8", false),
    ] {
        let p = part("2020", month, "eu");
        assert_eq!(matches("month BETWEEN 3 AND 7", &p), expected, "{month}");
        assert_eq!(
            matches("month NOT BETWEEN 3 AND 7", &p),
            !expected,
            "{month}"
        );
    }
    assert!(!matches("month BETWEEN 7 AND 3", &part("2020", "5", "eu")));
}

#[test]
fn in_lists() {
    assert!(matches("month IN (1, 2, 3)", &part("2020", "2", "eu")));
    assert!(matches("month IN ('1', 02)", &part("2020", "2", "eu")));
    assert!(!matches("month IN (1, 3)", &part("2020", "2", "eu")));
    assert!(matches("month NOT IN (1, 3)", &part("2020", "2", "eu")));
    assert!(matches("month in (1)", &part("2020", "1", "eu")));
}

#[test]
fn like_patterns() {
    for (expression, region, expected) in [
        ("region LIKE 'eu%'", "eu-west", true),
        ("region LIKE 'eu%'", "us-east", false),
        ("region LIKE '%west'", "eu-west", true),
        ("region LIKE 'eu_west'", "eu-west", true),
        ("region LIKE 'eu_west'", "eu--west", false),
        ("region LIKE 'EU%'", "eu-west", false),
        ("region LIKE '%'", "", true),
        ("region NOT LIKE 'eu%'", "us-east", true),
        ("region LIKE 'eu-west'", "eu-west", true),
    ] {
        assert_eq!(
            matches(expression, &with(2, region)),
            expected,
            "{expression} on {region}"
        );
    }
    assert!(
        matches("month LIKE '1%'", &part("2020", "12", "eu")),
        "LIKE applies to the stored text"
    );
    let err = error("region LIKE 5");
    assert_eq!(err.position, Some(12));
}

#[test]
fn is_null() {
    let p = part("2020", "1", "eu");
    assert!(!matches("year IS NULL", &p));
    assert!(matches("year IS NOT NULL", &p));
    assert!(matches("year is not null and month = 1", &p));
    assert_eq!(
        filter("year IS NULL").key_constraint(0),
        Some(KeyConstraint::Values(vec![]))
    );
    assert_eq!(filter("year IS NOT NULL").key_constraint(0), None);
}

#[test]
fn boolean_operators_and_precedence() {
    let p = part("2020", "10", "eu");
    for (expression, expected) in [
        ("year = 2020 AND month = 10", true),
        ("year = 2020 AND month = 11", false),
        ("year = 2021 OR month = 10", true),
        ("year = 2021 OR month = 11", false),
        ("NOT year = 2021", true),
        ("NOT (year = 2020)", false),
        ("NOT NOT year = 2020", true),
        // AND binds tighter than OR.
        ("year = 2020 OR year = 2021 AND month = 11", true),
        ("(year = 2020 OR year = 2021) AND month = 11", false),
        ("month = 11 AND year = 2021 OR year = 2020", true),
        // NOT binds tighter than AND.
        ("NOT year = 2021 AND month = 10", true),
        ("NOT year = 2020 AND month = 10", false),
        ("NOT (year = 2020 AND month = 11)", true),
        (
            "year = 2020 and (month = 9 or month = 10) AND NOT region = 'us'",
            true,
        ),
        ("((year = 2020))", true),
        ("year = 2020 aNd MONTH = 10", true),
        ("`YEAR` = 2020", true),
    ] {
        assert_eq!(matches(expression, &p), expected, "{expression}");
    }
}

#[test]
fn keys_match_case_insensitively_and_by_backticks() {
    let keys = [
        PartitionKey::new("Event-Type", "string"),
        PartitionKey::new("Year", "int"),
    ];
    let f = Filter::new("`event-type` = 'click' AND year = 2020", &keys).expect("valid");
    assert!(f.matches(&["click".to_owned(), "2020".to_owned()]));
    assert_eq!(f.keys_used(), vec![0, 1]);
}

#[test]
fn keys_used() {
    assert_eq!(
        filter("region = 'x' AND (year = 1 OR region = 'y')").keys_used(),
        vec![0, 2]
    );
    assert_eq!(filter("NOT dt IS NULL").keys_used(), vec![3]);
}

#[test]
fn parse_errors_have_positions() {
    let err = error("year = 2020 AND )");
    assert_eq!(err.position, Some(16));
    assert_eq!(
        err.to_string(),
        "Unexpected token ')' at position 16; expected a partition key, a value or '('"
    );
    let err = error("(year = 2020 AND month = 1");
    assert_eq!(err.position, Some(26));
    assert_eq!(
        err.message,
        "Unexpected end of expression at position 26; expected ')'"
    );
    let err = error("year = 2020 month = 1");
    assert_eq!(err.position, Some(12));
    assert_eq!(
        err.message,
        "Unexpected token 'month' at position 12; expected AND, OR or the end of the expression"
    );
    assert_eq!(error("year = 'abc").position, Some(7));
    assert_eq!(error("year = 1 AND").position, Some(12));
    assert_eq!(error("year ~ 1").position, Some(5));
    assert_eq!(error("year = 1)").position, Some(8));
}

#[test]
fn unknown_keys_are_named() {
    let err = error("year = 2020 AND day = 1");
    assert_eq!(err.position, Some(16));
    assert_eq!(
        err.message,
        "Unknown partition key 'day' at position 16; the table's partition keys are: year, month, region, dt, amount, ts, big"
    );
    let err = Filter::new("a = 1", &[]).expect_err("no keys");
    assert_eq!(
        err.message,
        "Unknown partition key 'a' at position 0; the table has no partition keys"
    );
}

#[test]
fn conversion_errors() {
    let err = error("month = 'abc'");
    assert_eq!(err.position, Some(8));
    assert_eq!(
        err.message,
        "Cannot convert the value 'abc' at position 8 to type int of partition key 'month'"
    );
    assert!(error("month IN (1, 'x')").message.contains("'x'"));
    assert!(error("month BETWEEN 1 AND '1e'")
        .message
        .contains("type int"));
    assert!(error("amount > 'twelve'").message.contains("decimal(10,2)"));
}

#[test]
fn operand_shape_errors() {
    assert_eq!(error("year = month").position, Some(7));
    assert_eq!(error("1 = 1").position, Some(0));
    assert_eq!(error("1 BETWEEN year AND 2").position, Some(0));
    assert_eq!(error("year BETWEEN month AND 2").position, Some(13));
    assert_eq!(error("'x' IN ('x')").position, Some(0));
    assert_eq!(error("'x' LIKE 'x'").position, Some(0));
    assert_eq!(error("1 IS NULL").position, Some(0));
}

#[test]
fn missing_values_do_not_panic() {
    let f = filter("year = 2020 OR NOT big = 1");
    assert!(f.matches(&[]));
    assert!(!filter("year = 2020").matches(&[]));
}

#[test]
fn index_values() {
    assert_eq!(index_value("int", "10"), Some(num(10.0)));
    assert_eq!(index_value("int", " -10 "), Some(num(-10.0)));
    assert_eq!(index_value("int", "1.5"), None);
    assert_eq!(index_value("int", "__HIVE_DEFAULT_PARTITION__"), None);
    assert_eq!(index_value("decimal(10,2)", "1.5"), Some(num(1.5)));
    assert_eq!(index_value("double", "1e400"), Some(num(f64::INFINITY)));
    assert_eq!(index_value("double", "NaN"), None);
    assert_eq!(
        index_value("date", " 2024-01-02 "),
        Some(text("2024-01-02"))
    );
    assert_eq!(index_value("date", "2024-1-2"), None);
    assert_eq!(
        index_value("timestamp", " 2024-01-02 03:04:05 "),
        Some(text("2024-01-02 03:04:05"))
    );
    assert_eq!(index_value("string", " a "), Some(text(" a ")));
    assert_eq!(index_value("varchar(3)", "abc"), Some(text("abc")));
}

#[test]
fn constraints_from_conjuncts() {
    use KeyConstraint::{Range, Values};
    let c = |expression: &str, key: usize| filter(expression).key_constraint(key);
    assert_eq!(c("year = 2020", 0), Some(Values(vec![num(2020.0)])));
    assert_eq!(c("year = 2020", 1), None);
    assert_eq!(
        c("year IN (2021, 2020, 2021)", 0),
        Some(Values(vec![num(2020.0), num(2021.0)]))
    );
    assert_eq!(
        c("year >= 2020 AND year < 2023", 0),
        Some(Range {
            lower: Some((num(2020.0), true)),
            upper: Some((num(2023.0), false))
        })
    );
    assert_eq!(
        c("year > 2020 AND month = 1 AND 2023 >= year", 0),
        Some(Range {
            lower: Some((num(2020.0), false)),
            upper: Some((num(2023.0), true))
        })
    );
    assert_eq!(
        c(
            "year BETWEEN 2020 AND 2022 AND year IN (2019, 2021, 2024)",
            0
        ),
        Some(Values(vec![num(2021.0)]))
    );
    assert_eq!(c("year = 2020 AND year = 2021", 0), Some(Values(vec![])));
    assert_eq!(c("year > 2022 AND year < 2020", 0), Some(Values(vec![])));
    assert_eq!(c("year = 2020 OR month = 1", 0), None);
    assert_eq!(
        c("year = 2020 OR year = 2022", 0),
        Some(Values(vec![num(2020.0), num(2022.0)]))
    );
    assert_eq!(
        c("year = 2020 OR year > 2022", 0),
        Some(Range {
            lower: Some((num(2020.0), true)),
            upper: None
        })
    );
    assert_eq!(c("year < 2020 OR year > 2022", 0), None);
    assert_eq!(
        c("(year = 2020 OR year = 2021) AND year <> 2021", 0),
        Some(Values(vec![num(2020.0), num(2021.0)]))
    );
    assert_eq!(c("year <> 2020", 0), None);
    assert_eq!(
        c("NOT year < 2020", 0),
        None,
        "an unparseable int satisfies NOT year < 2020"
    );
    assert_eq!(
        c("NOT (year <> 2020 OR month = 1)", 0),
        Some(Values(vec![num(2020.0)]))
    );
    assert_eq!(c("year = 2020", 99), None);
}

#[test]
fn constraint_typing() {
    use KeyConstraint::{Range, Values};
    let c = |expression: &str, key: usize| filter(expression).key_constraint(key);
    assert_eq!(c("region = 'eu'", 2), Some(Values(vec![text("eu")])));
    assert_eq!(c("region = 10", 2), Some(Values(vec![text("10")])));
    assert_eq!(
        c("dt >= '2024-01-01'", 3),
        Some(Range {
            lower: Some((text("2024-01-01"), true)),
            upper: None
        })
    );
    assert_eq!(
        c("dt = ' 2024-01-01 '", 3),
        Some(Values(vec![text("2024-01-01")]))
    );
    assert_eq!(
        c("ts < ' 2024 '", 5),
        Some(Range {
            lower: None,
            upper: Some((text("2024"), false))
        })
    );
    // Strict bounds become inclusive where f64 could merge a matching value with the bound.
    assert_eq!(
        c("amount > 1.5", 4),
        Some(Range {
            lower: Some((num(1.5), true)),
            upper: None
        })
    );
    assert_eq!(
        c("month > 9.5", 1),
        Some(Range {
            lower: Some((num(9.5), true)),
            upper: None
        })
    );
    assert_eq!(
        c("big > 9007199254740992", 6),
        Some(Range {
            lower: Some((num(9_007_199_254_740_992.0), true)),
            upper: None
        })
    );
    assert_eq!(
        c("big > 9007199254740991", 6),
        Some(Range {
            lower: Some((num(9_007_199_254_740_991.0), false)),
            upper: None
        })
    );
    // Negations constrain text keys, whose every value parses.
    assert_eq!(
        c("NOT region < 'm'", 2),
        Some(Range {
            lower: Some((text("m"), true)),
            upper: None
        })
    );
    assert_eq!(
        c("NOT region >= 'm'", 2),
        Some(Range {
            lower: None,
            upper: Some((text("m"), false))
        })
    );
}

#[test]
fn like_constraints() {
    use KeyConstraint::{Range, Values};
    let c = |expression: &str| filter(expression).key_constraint(2);
    assert_eq!(
        c("region LIKE 'eu-%'"),
        Some(Range {
            lower: Some((text("eu-"), true)),
            upper: Some((text("eu."), false))
        })
    );
    assert_eq!(
        c("region LIKE 'eu_x'"),
        Some(Range {
            lower: Some((text("eu"), true)),
            upper: Some((text("ev"), false))
        })
    );
    assert_eq!(c("region LIKE 'eu'"), Some(Values(vec![text("eu")])));
    assert_eq!(c("region LIKE '%eu'"), None);
    assert_eq!(c("region NOT LIKE 'eu%'"), None);
    assert_eq!(filter("dt LIKE '2024%'").key_constraint(3), None);
}

#[test]
fn filter_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Filter>();
}
