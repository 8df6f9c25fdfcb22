//! Spark SQL functions in SparkSQL nodes, end to end: each test runs a job (JSON source →
//! SparkSQL → JSON target) and checks the exact values Spark gives, NULL and no-match cases
//! included. A NULL is written as a missing key.

use serde_json::{json, Value};

use crate::support::{json_rows, run, s, write};

/// A job reading JSON lines `input` as `t`, running `sql`, writing JSON to `out`.
fn job(input: &std::path::Path, sql: &str, out: &std::path::Path) -> Value {
    json!({ "Name": "spark-functions", "CodeGenConfigurationNodes": {
        "src": { "S3JsonSource": { "Name": "In", "Paths": [s(input)] } },
        "sql": { "SparkSQL": { "Name": "Q", "Inputs": ["src"],
                 "SqlAliases": [{ "From": "src", "Alias": "t" }], "SqlQuery": sql } },
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["sql"], "Path": s(out), "Format": "json" } }
    }})
}

/// The rows `sql` gives over the JSON lines `input`, ordered by their `id` (then by text).
async fn query(input: &str, sql: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "in/data.json", input);
    let out = dir.path().join("out");
    if let Err(e) = run(job(&path, sql, &out)).await {
        panic!("{sql}: {e}");
    }
    let mut rows = json_rows(&out);
    rows.sort_by_key(|r| r.get("id").and_then(Value::as_i64).unwrap_or_default());
    rows
}

/// The error of running `sql` over `input`.
async fn query_error(input: &str, sql: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "in/data.json", input);
    match run(job(&path, sql, &dir.path().join("out"))).await {
        Ok(_) => panic!("{sql} should fail"),
        Err(e) => e.to_string(),
    }
}

/// Column `name` of every row (NULL when the key is missing).
fn column(rows: &[Value], name: &str) -> Vec<Value> {
    rows.iter()
        .map(|r| r.get(name).cloned().unwrap_or(Value::Null))
        .collect()
}

const ONE_ROW: &str = "{\"id\": 1}\n";

#[tokio::test]
async fn to_date_and_to_timestamp_parse_like_spark_and_give_null_when_they_cannot() {
    let input = r#"{"id":1,"s":"2024-03-15","d":"15/03/2024","ts":"2024-03-15 10:20:30"}
{"id":2,"s":" 2024-3-5 10:00 ","d":"5/3/2024","ts":"2024-03-15T10:20:30.5Z"}
{"id":3,"s":"garbage","d":"31/02/2024","ts":"2024-03-15 10:20:30+02:00"}
{"id":4,"s":"","d":null,"ts":null}
"#;
    let rows = query(
        input,
        "SELECT id, to_date(s) AS a, to_date(d, 'dd/MM/yyyy') AS b, to_timestamp(ts) AS c, \
         to_timestamp(d, 'dd/MM/yyyy') AS e, to_date(ts, 'yyyy-MM-dd HH:mm:ss') AS f, \
         to_timestamp(ts, 'yyyy-MM-dd''T''HH:mm:ss.SX') AS g FROM t ORDER BY id",
    )
    .await;
    assert_eq!(
        column(&rows, "a"),
        [
            json!("2024-03-15"),
            json!("2024-03-05"),
            Value::Null,
            Value::Null
        ]
    );
    assert_eq!(
        column(&rows, "b"),
        [json!("2024-03-15"), Value::Null, Value::Null, Value::Null]
    );
    assert_eq!(
        column(&rows, "c"),
        [
            json!("2024-03-15T10:20:30"),
            json!("2024-03-15T10:20:30.500"),
            json!("2024-03-15T08:20:30"),
            Value::Null
        ]
    );
    assert_eq!(
        column(&rows, "e"),
        [
            json!("2024-03-15T00:00:00"),
            Value::Null,
            Value::Null,
            Value::Null
        ]
    );
    assert_eq!(
        column(&rows, "f"),
        [json!("2024-03-15"), Value::Null, Value::Null, Value::Null]
    );
    assert_eq!(
        column(&rows, "g"),
        [
            Value::Null,
            json!("2024-03-15T10:20:30.500"),
            Value::Null,
            Value::Null
        ]
    );
}

#[tokio::test]
async fn datetime_patterns_are_checked_when_planning() {
    let err = query_error(ONE_ROW, "SELECT to_date('2024-01', 'yyyy-ww') AS v FROM t").await;
    assert!(err.contains("to_date") && err.contains("'w'"), "{err}");
    let err = query_error(
        ONE_ROW,
        "SELECT to_timestamp('x', 'yyyy-MM-dd''') AS v FROM t",
    )
    .await;
    assert!(
        err.contains("to_timestamp") && err.contains("quote"),
        "{err}"
    );
}

#[tokio::test]
async fn unix_timestamps_and_epoch_conversions() {
    let input = r#"{"id":1,"ts":"2024-03-15 10:20:30","d":"15/03/2024","n":1700000000}
{"id":2,"ts":"2024-03-15","d":"bad","n":null}
"#;
    let rows = query(
        input,
        "SELECT id, unix_timestamp(ts) AS a, unix_timestamp(d, 'dd/MM/yyyy') AS b, \
         to_unix_timestamp(to_date(ts)) AS c, unix_timestamp() > 1700000000 AS now, \
         timestamp_seconds(n) AS e, timestamp_seconds(1.5) AS f, timestamp_millis(1500) AS g, \
         date_from_unix_date(19797) AS h, date_from_unix_date(-1) AS i FROM t ORDER BY id",
    )
    .await;
    assert_eq!(column(&rows, "a"), [json!(1710498030), Value::Null]);
    assert_eq!(column(&rows, "b"), [json!(1710460800), Value::Null]);
    assert_eq!(column(&rows, "c"), [json!(1710460800), json!(1710460800)]);
    assert_eq!(column(&rows, "now"), [json!(true), json!(true)]);
    assert_eq!(
        column(&rows, "e"),
        [json!("2023-11-14T22:13:20"), Value::Null]
    );
    assert_eq!(column(&rows, "f")[0], json!("1970-01-01T00:00:01.500"));
    assert_eq!(column(&rows, "g")[0], json!("1970-01-01T00:00:01.500"));
    assert_eq!(column(&rows, "h")[0], json!("2024-03-15"));
    assert_eq!(column(&rows, "i")[0], json!("1969-12-31"));
}

#[tokio::test]
async fn date_arithmetic_takes_integers_of_any_width_and_dates_as_text() {
    let input = r#"{"id":1,"s":"2024-01-31","n":3}
{"id":2,"s":"garbage","n":3}
{"id":3,"s":"2024-03-15 23:59:59","n":null}
"#;
    let rows = query(
        input,
        "SELECT id, date_add(to_date(s), 3) AS a, date_add(s, n) AS b, date_sub(s, 3) AS c, \
         add_months(s, 1) AS d, add_months(to_date(s), CAST(-1 AS BIGINT)) AS e, \
         last_day(s) AS f, datediff(s, '2024-01-01') AS g, next_day(s, 'Mon') AS h, \
         date_add(s, '2') AS i FROM t ORDER BY id",
    )
    .await;
    assert_eq!(
        column(&rows, "a"),
        [json!("2024-02-03"), Value::Null, json!("2024-03-18")]
    );
    assert_eq!(
        column(&rows, "b"),
        [json!("2024-02-03"), Value::Null, Value::Null]
    );
    assert_eq!(
        column(&rows, "c"),
        [json!("2024-01-28"), Value::Null, json!("2024-03-12")]
    );
    assert_eq!(
        column(&rows, "d"),
        [json!("2024-02-29"), Value::Null, json!("2024-04-15")]
    );
    assert_eq!(
        column(&rows, "e"),
        [json!("2023-12-31"), Value::Null, json!("2024-02-15")]
    );
    assert_eq!(
        column(&rows, "f"),
        [json!("2024-01-31"), Value::Null, json!("2024-03-31")]
    );
    assert_eq!(column(&rows, "g"), [json!(30), Value::Null, json!(74)]);
    assert_eq!(
        column(&rows, "h"),
        [json!("2024-02-05"), Value::Null, json!("2024-03-18")]
    );
    assert_eq!(
        column(&rows, "i"),
        [json!("2024-02-02"), Value::Null, json!("2024-03-17")]
    );
}

#[tokio::test]
async fn day_of_week_weekday_and_months_between() {
    let input = r#"{"id":1,"d":"2024-03-17","a":"1997-02-28 10:30:00","b":"1996-10-30"}
{"id":2,"d":"2024-03-16","a":"2024-03-31","b":"2024-02-29"}
{"id":3,"d":"2024-03-18","a":"2024-01-15","b":"2024-03-15"}
{"id":4,"d":null,"a":null,"b":"2024-03-15"}
"#;
    let rows = query(
        input,
        "SELECT id, dayofweek(d) AS dow, weekday(d) AS wd, months_between(a, b) AS mb, \
         months_between(a, b, false) AS raw, year(d) AS y, dayofmonth(d) AS dm FROM t ORDER BY id",
    )
    .await;
    assert_eq!(
        column(&rows, "dow"),
        [json!(1), json!(7), json!(2), Value::Null]
    );
    assert_eq!(
        column(&rows, "wd"),
        [json!(6), json!(5), json!(0), Value::Null]
    );
    assert_eq!(
        column(&rows, "mb"),
        [json!(3.94959677), json!(1.0), json!(-2.0), Value::Null]
    );
    // Unrounded: 3.9495967741935485 (the JSON writer prints doubles to 16 digits).
    let raw = column(&rows, "raw")[0].as_f64().unwrap_or_default();
    assert!(
        (raw - (4.0 - 135_000.0 / 2_678_400.0)).abs() < 1e-12,
        "{raw}"
    );
    assert_eq!(
        column(&rows, "y"),
        [json!(2024), json!(2024), json!(2024), Value::Null]
    );
    assert_eq!(
        column(&rows, "dm"),
        [json!(17), json!(16), json!(18), Value::Null]
    );
}

#[tokio::test]
async fn null_tests_and_locate() {
    let input = r#"{"id":1,"s":"banana","n":null}
{"id":2,"s":null,"n":1}
"#;
    let rows = query(
        input,
        "SELECT id, isnull(n) AS a, isnotnull(n) AS b, locate('an', s) AS c, locate('an', s, 3) AS d, \
         locate('x', s) AS e, locate('', s, 4) AS f, locate('a', s, 0) AS g, locate('a', s, NULL) AS h \
         FROM t ORDER BY id",
    )
    .await;
    assert_eq!(column(&rows, "a"), [json!(true), json!(false)]);
    assert_eq!(column(&rows, "b"), [json!(false), json!(true)]);
    assert_eq!(column(&rows, "c"), [json!(2), Value::Null]);
    assert_eq!(column(&rows, "d"), [json!(4), Value::Null]);
    assert_eq!(column(&rows, "e"), [json!(0), Value::Null]);
    assert_eq!(column(&rows, "f"), [json!(1), Value::Null]);
    assert_eq!(column(&rows, "g"), [json!(0), Value::Null]);
    // A NULL start position gives 0, even for a NULL string (as Spark).
    assert_eq!(column(&rows, "h"), [json!(0), json!(0)]);
}

#[tokio::test]
async fn regexp_extract_and_split_follow_spark() {
    let input = r#"{"id":1,"s":"ann lee"}
{"id":2,"s":"a,b,,"}
{"id":3,"s":""}
{"id":4,"s":null}
{"id":5,"s":"x1y22z"}
"#;
    let rows = query(
        input,
        "SELECT id, regexp_extract(s, '(\\\\w+) (\\\\w+)', 2) AS a, regexp_extract(s, '(\\\\w+) (\\\\w+)') AS b, \
         regexp_extract(s, '[a-z](\\\\d+)', 0) AS c, regexp_extract(s, '(a)|(x)', 2) AS d, \
         split(s, ',') AS e, split(s, ',', 2) AS f, split(s, '[0-9]+') AS g, size(split(s, ',')) AS h \
         FROM t ORDER BY id",
    )
    .await;
    assert_eq!(
        column(&rows, "a"),
        [json!("lee"), json!(""), json!(""), Value::Null, json!("")]
    );
    assert_eq!(column(&rows, "b")[0], json!("ann"));
    assert_eq!(
        column(&rows, "c"),
        [json!(""), json!(""), json!(""), Value::Null, json!("x1")]
    );
    // Group 2 did not take part in the match: ''.
    assert_eq!(column(&rows, "d")[0], json!(""));
    assert_eq!(column(&rows, "d")[4], json!("x"));
    assert_eq!(
        column(&rows, "e"),
        [
            json!(["ann lee"]),
            json!(["a", "b", "", ""]),
            json!([""]),
            Value::Null,
            json!(["x1y22z"])
        ]
    );
    assert_eq!(column(&rows, "f")[1], json!(["a", "b,,"]));
    assert_eq!(column(&rows, "g")[4], json!(["x", "y", "z"]));
    assert_eq!(
        column(&rows, "h"),
        [json!(1), json!(4), json!(1), json!(-1), json!(1)]
    );
}

#[tokio::test]
async fn regex_errors_name_the_function() {
    let err = query_error(
        ONE_ROW,
        "SELECT regexp_extract('abc', '(a)', 2) AS v FROM t",
    )
    .await;
    assert!(
        err.contains("regexp_extract") && err.contains("group count is 1"),
        "{err}"
    );
    let err = query_error(ONE_ROW, "SELECT split('abc', '(') AS v FROM t").await;
    assert!(
        err.contains("split") && err.contains("regular expression"),
        "{err}"
    );
}

#[tokio::test]
async fn cast_functions_follow_spark_casts() {
    let input = r#"{"id":1,"s":" 42 ","f":"1.9","b":"yes","x":1.0E10}
{"id":2,"s":"abc","f":"-7.5","b":"on","x":0.1}
{"id":3,"s":null,"f":null,"b":null,"x":null}
"#;
    let rows = query(
        input,
        "SELECT id, int(s) AS i, bigint(f) AS l, double(s) AS d, float(f) AS fl, boolean(b) AS bo, \
         string(x) AS st, decimal(f) AS de, tinyint(300) AS ti, int(x) AS ix, date('2024-3-5') AS da, \
         timestamp('2024-03-15T10:20:30Z') AS ts, string(to_timestamp('2024-03-15 10:20:30.25')) AS tst, \
         string(array(1, NULL)) AS arr FROM t ORDER BY id",
    )
    .await;
    assert_eq!(column(&rows, "i"), [json!(42), Value::Null, Value::Null]);
    assert_eq!(column(&rows, "l"), [json!(1), json!(-7), Value::Null]);
    assert_eq!(column(&rows, "d"), [json!(42.0), Value::Null, Value::Null]);
    assert_eq!(column(&rows, "fl"), [json!(1.9), json!(-7.5), Value::Null]);
    assert_eq!(column(&rows, "bo"), [json!(true), Value::Null, Value::Null]);
    assert_eq!(
        column(&rows, "st"),
        [json!("1.0E10"), json!("0.1"), Value::Null]
    );
    assert_eq!(column(&rows, "de"), [json!(2), json!(-8), Value::Null]);
    assert_eq!(column(&rows, "ti")[0], json!(44));
    assert_eq!(
        column(&rows, "ix"),
        [json!(2147483647), json!(0), Value::Null]
    );
    assert_eq!(column(&rows, "da")[0], json!("2024-03-05"));
    assert_eq!(column(&rows, "ts")[0], json!("2024-03-15T10:20:30"));
    assert_eq!(column(&rows, "tst")[0], json!("2024-03-15 10:20:30.25"));
    assert_eq!(column(&rows, "arr")[0], json!("[1, null]"));
}

#[tokio::test]
async fn sql_casts_follow_spark_casts_and_are_named_as_spark_names_them() {
    let input = r#"{"id":1,"s":" 42 ","f":"1.95","ts":"2024-03-15 10:20:30","b":"yes","x":1.0E10}
{"id":2,"s":"abc","f":"123456.7","ts":"2024-3-5","b":"0","x":0.1}
{"id":3,"s":null,"f":null,"ts":"no date","b":null,"x":null}
"#;
    let rows = query(
        input,
        "SELECT id, CAST(s AS INT) AS i, CAST(f AS BIGINT) AS l, TRY_CAST(s AS DOUBLE) AS d, \
         CAST(f AS DECIMAL(5,1)) AS de, CAST(f AS DECIMAL) AS de0, CAST(ts AS DATE) AS dt, \
         CAST(ts AS TIMESTAMP) AS tm, f::long AS ll, CAST(x AS STRING) AS st, \
         CAST(b AS BOOLEAN) AS bo, CAST(CAST(f AS FLOAT) AS VARCHAR(3)) AS fs, \
         CAST(s AS INT), CAST(f AS decimal(6, 2)) FROM t ORDER BY id",
    )
    .await;
    assert_eq!(column(&rows, "i"), [json!(42), Value::Null, Value::Null]);
    assert_eq!(column(&rows, "l"), [json!(1), json!(123456), Value::Null]);
    assert_eq!(column(&rows, "d"), [json!(42.0), Value::Null, Value::Null]);
    // Rounded half up; NULL when the value does not fit.
    assert_eq!(column(&rows, "de"), [json!(2.0), Value::Null, Value::Null]);
    assert_eq!(column(&rows, "de0"), [json!(2), json!(123457), Value::Null]);
    assert_eq!(
        column(&rows, "dt"),
        [json!("2024-03-15"), json!("2024-03-05"), Value::Null]
    );
    assert_eq!(
        column(&rows, "tm"),
        [
            json!("2024-03-15T10:20:30"),
            json!("2024-03-05T00:00:00"),
            Value::Null
        ]
    );
    assert_eq!(column(&rows, "ll"), [json!(1), json!(123456), Value::Null]);
    assert_eq!(
        column(&rows, "st"),
        [json!("1.0E10"), json!("0.1"), Value::Null]
    );
    assert_eq!(
        column(&rows, "bo"),
        [json!(true), json!(false), Value::Null]
    );
    assert_eq!(
        column(&rows, "fs"),
        [json!("1.95"), json!("123456.7"), Value::Null]
    );
    // Spark 4 names an unaliased cast of a column after the column.
    assert_eq!(column(&rows, "s"), [json!(42), Value::Null, Value::Null]);
    assert_eq!(column(&rows, "f"), [json!(1.95), Value::Null, Value::Null]);
}

#[tokio::test]
async fn division_is_sparks_a_double_or_a_decimal_and_null_for_zero() {
    let input = r#"{"id":1,"a":7,"b":2,"p":"10.50"}
{"id":2,"a":1,"b":0,"p":"3.00"}
{"id":3,"a":null,"b":4,"p":null}
"#;
    let rows = query(
        input,
        "SELECT id, a / b AS q, try_divide(a, b) AS t, CAST(p AS DECIMAL(10,2)) / b AS d, \
         a / 2.0 AS f, a / b, count(*) OVER () / 2 AS half FROM t ORDER BY id",
    )
    .await;
    assert_eq!(column(&rows, "q"), [json!(3.5), Value::Null, Value::Null]);
    assert_eq!(column(&rows, "t"), [json!(3.5), Value::Null, Value::Null]);
    assert_eq!(column(&rows, "d")[0], json!(5.25));
    assert_eq!(column(&rows, "d")[1], Value::Null);
    assert_eq!(column(&rows, "f"), [json!(3.5), json!(0.5), Value::Null]);
    assert_eq!(
        column(&rows, "(a / b)"),
        [json!(3.5), Value::Null, Value::Null]
    );
    assert_eq!(column(&rows, "half"), [json!(1.5), json!(1.5), json!(1.5)]);
}

#[tokio::test]
async fn rlike_renamed_functions_from_unixtime_and_decode() {
    let input = r#"{"id":1,"s":"Abc123","n":1}
{"id":2,"s":"xyz","n":2}
{"id":3,"s":null,"n":null}
"#;
    let rows = query(
        input,
        "SELECT id, s RLIKE '[0-9]+' AS r, s NOT REGEXP '^x' AS nr, lcase(s) AS lo, ucase(s) AS up, \
         startswith(s, 'Ab') AS sw, endswith(s, 'z') AS ew, sequence(1, n) AS sq, \
         from_unixtime(n * 86400) AS fu, from_unixtime(0, 'yyyy/MM/dd') AS ff, \
         decode(n, 1, 'one', 2, 'two', 'other') AS dc, decode(n, 1, 'one') AS dn, \
         decode(NULL, NULL, 'null matched') AS dnull FROM t ORDER BY id",
    )
    .await;
    assert_eq!(column(&rows, "r"), [json!(true), json!(false), Value::Null]);
    assert_eq!(
        column(&rows, "nr"),
        [json!(true), json!(false), Value::Null]
    );
    assert_eq!(column(&rows, "lo")[0], json!("abc123"));
    assert_eq!(column(&rows, "up")[0], json!("ABC123"));
    assert_eq!(
        column(&rows, "sw"),
        [json!(true), json!(false), Value::Null]
    );
    assert_eq!(
        column(&rows, "ew"),
        [json!(false), json!(true), Value::Null]
    );
    assert_eq!(column(&rows, "sq")[..2], [json!([1]), json!([1, 2])]);
    assert_eq!(
        column(&rows, "fu"),
        [
            json!("1970-01-02 00:00:00"),
            json!("1970-01-03 00:00:00"),
            Value::Null
        ]
    );
    assert_eq!(column(&rows, "ff")[0], json!("1970/01/01"));
    assert_eq!(
        column(&rows, "dc"),
        [json!("one"), json!("two"), json!("other")]
    );
    assert_eq!(
        column(&rows, "dn"),
        [json!("one"), Value::Null, Value::Null]
    );
    assert_eq!(column(&rows, "dnull")[0], json!("null matched"));
}

#[tokio::test]
async fn bround_format_number_and_increasing_ids() {
    let input = r#"{"id":1,"x":2.5,"y":"1234567.125","n":1234}
{"id":2,"x":3.5,"y":"-0.005","n":-5}
{"id":3,"x":null,"y":null,"n":null}
"#;
    let rows = query(
        input,
        "SELECT id, bround(x) AS b0, bround(x * 10, -1) AS bt, bround(CAST(y AS DECIMAL(12,3)), 2) AS bd, \
         round(x) AS r0, format_number(CAST(y AS DECIMAL(12,3)), 2) AS fd, format_number(n, 1) AS fi, \
         format_number(x * 1000, 0) AS fx, format_number(x, -1) AS fneg, \
         monotonically_increasing_id() AS mid FROM t ORDER BY id",
    )
    .await;
    assert_eq!(column(&rows, "b0"), [json!(2.0), json!(4.0), Value::Null]);
    assert_eq!(column(&rows, "bt"), [json!(20.0), json!(40.0), Value::Null]);
    assert_eq!(
        column(&rows, "bd"),
        [json!(1234567.12), json!(-0.0), Value::Null]
    );
    assert_eq!(column(&rows, "r0"), [json!(3.0), json!(4.0), Value::Null]);
    assert_eq!(
        column(&rows, "fd"),
        [json!("1,234,567.12"), json!("0.00"), Value::Null]
    );
    assert_eq!(
        column(&rows, "fi"),
        [json!("1,234.0"), json!("-5.0"), Value::Null]
    );
    assert_eq!(
        column(&rows, "fx"),
        [json!("2,500"), json!("3,500"), Value::Null]
    );
    assert_eq!(
        column(&rows, "fneg"),
        [Value::Null, Value::Null, Value::Null]
    );
    let ids = column(&rows, "mid");
    let unique: std::collections::BTreeSet<String> = ids.iter().map(Value::to_string).collect();
    assert!(
        ids.iter().all(Value::is_i64) && unique.len() == 3,
        "{ids:?}"
    );
}

#[tokio::test]
async fn to_json_writes_structs_maps_and_arrays() {
    let input = r#"{"id":1,"s":{"a":1,"b":"x","c":null},"l":[1,2],"d":"2024-03-05"}
{"id":2,"s":null,"l":null,"d":null}
"#;
    let rows = query(
        input,
        "SELECT id, to_json(s) AS js, to_json(l) AS jl, to_json(map('k', id)) AS jm, \
         to_json(named_struct('day', to_date(d), 'n', id)) AS jd FROM t ORDER BY id",
    )
    .await;
    assert_eq!(
        column(&rows, "js"),
        [json!(r#"{"a":1,"b":"x"}"#), Value::Null]
    );
    assert_eq!(column(&rows, "jl"), [json!("[1,2]"), Value::Null]);
    assert_eq!(
        column(&rows, "jm"),
        [json!(r#"{"k":1}"#), json!(r#"{"k":2}"#)]
    );
    assert_eq!(
        column(&rows, "jd"),
        [json!(r#"{"day":"2024-03-05","n":1}"#), json!(r#"{"n":2}"#)]
    );
    let err = query_error(ONE_ROW, "SELECT to_json(id) FROM t").await;
    assert!(
        err.contains("to_json") && err.contains("struct, a map or an array"),
        "{err}"
    );
}

#[tokio::test]
async fn collections_constants_and_json() {
    let input = r#"{"id":1,"arr":[3,null,1],"k":"a","j":"{\"a\":{\"b\":[10,{\"c\":\"x\"}]},\"f\":1.5,\"n\":null}"}
{"id":2,"arr":null,"k":"b","j":"not json"}
"#;
    let rows = query(
        input,
        "SELECT id, sort_array(arr) AS asc_, sort_array(arr, false) AS desc_, size(arr) AS n, \
         map(k, id, 'z', 0) AS m, element_at(map(k, id), 'a') AS ea, element_at(arr, -1) AS last_, \
         get_json_object(j, '$.a.b[1].c') AS c, get_json_object(j, '$.a.b') AS b, \
         get_json_object(j, '$.f') AS f, get_json_object(j, '$.n') AS nul, get_json_object(j, '$.zz') AS missing, \
         e() AS e, rand() < 1.0 AS r, random() >= 0.0 AS r2 FROM t ORDER BY id",
    )
    .await;
    assert_eq!(column(&rows, "asc_"), [json!([null, 1, 3]), Value::Null]);
    assert_eq!(column(&rows, "desc_"), [json!([3, 1, null]), Value::Null]);
    assert_eq!(column(&rows, "n"), [json!(3), json!(-1)]);
    assert_eq!(
        column(&rows, "m"),
        [json!({"a": 1, "z": 0}), json!({"b": 2, "z": 0})]
    );
    assert_eq!(column(&rows, "ea"), [json!(1), Value::Null]);
    assert_eq!(column(&rows, "last_"), [json!(1), Value::Null]);
    assert_eq!(column(&rows, "c"), [json!("x"), Value::Null]);
    assert_eq!(
        column(&rows, "b"),
        [json!("[10,{\"c\":\"x\"}]"), Value::Null]
    );
    assert_eq!(column(&rows, "f"), [json!("1.5"), Value::Null]);
    assert_eq!(column(&rows, "nul"), [Value::Null, Value::Null]);
    assert_eq!(column(&rows, "missing"), [Value::Null, Value::Null]);
    assert_eq!(column(&rows, "e")[0], json!(std::f64::consts::E));
    assert_eq!(column(&rows, "r"), [json!(true), json!(true)]);
    assert_eq!(column(&rows, "r2"), [json!(true), json!(true)]);
}

#[tokio::test]
async fn map_and_element_at_refuse_what_spark_refuses() {
    let err = query_error(ONE_ROW, "SELECT map('k', 1, 'k', 2) AS v FROM t").await;
    assert!(err.contains("duplicate map key"), "{err}");
    let err = query_error(ONE_ROW, "SELECT map('k') AS v FROM t").await;
    assert!(err.contains("key/value pairs"), "{err}");
    let err = query_error(ONE_ROW, "SELECT element_at(array(1, 2), 0) AS v FROM t").await;
    assert!(
        err.contains("element_at") && err.contains("start at 1"),
        "{err}"
    );
    let err = query_error(ONE_ROW, "SELECT rand(42) AS v FROM t").await;
    assert!(err.contains("rand") && err.contains("seed"), "{err}");
}

#[tokio::test]
async fn aggregates_under_spark_names() {
    let input = r#"{"id":1,"g":"a","x":null}
{"id":2,"g":"a","x":1}
{"id":3,"g":"a","x":2}
{"id":4,"g":"a","x":4}
{"id":5,"g":"a","x":2}
{"id":6,"g":"b","x":null}
"#;
    let rows = query(
        input,
        "SELECT g, min(id) AS id, first(x, true) AS f, last(x, true) AS l, approx_count_distinct(x) AS acd, \
         percentile_approx(x, 0.5) AS med, percentile_approx(x, array(0.25, 1.0)) AS qs, \
         variance(x) AS var, std(x) AS sd FROM t GROUP BY g",
    )
    .await;
    assert_eq!(column(&rows, "f"), [json!(1), Value::Null]);
    assert_eq!(column(&rows, "l"), [json!(2), Value::Null]);
    assert_eq!(column(&rows, "acd"), [json!(3), json!(0)]);
    assert_eq!(column(&rows, "med"), [json!(2), Value::Null]);
    assert_eq!(column(&rows, "qs"), [json!([1, 4]), Value::Null]);
    let close = |v: &Value, expected: f64| v.as_f64().is_some_and(|v| (v - expected).abs() < 1e-12);
    let (var, sd) = (column(&rows, "var"), column(&rows, "sd"));
    assert!(close(&var[0], 19.0 / 12.0) && var[1].is_null(), "{var:?}");
    assert!(
        close(&sd[0], (19.0f64 / 12.0).sqrt()) && sd[1].is_null(),
        "{sd:?}"
    );

    // Without ignoreNulls the first row's NULL is the answer; also as window functions.
    let input = "{\"id\":1,\"x\":null}\n{\"id\":2,\"x\":5}\n";
    let rows = query(
        input,
        "SELECT 1 AS id, first(x) AS f FROM (SELECT * FROM t ORDER BY id)",
    )
    .await;
    assert_eq!(column(&rows, "f"), [Value::Null]);
    let rows = query(
        input,
        "SELECT id, first(x) OVER (ORDER BY id) AS f, first(x, true) OVER (ORDER BY id) AS fi, \
         last(x) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS l FROM t",
    )
    .await;
    assert_eq!(column(&rows, "f"), [Value::Null, Value::Null]);
    assert_eq!(column(&rows, "fi"), [Value::Null, json!(5)]);
    assert_eq!(column(&rows, "l"), [json!(5), json!(5)]);

    let err = query_error(ONE_ROW, "SELECT percentile_approx(id, 1.5) AS v FROM t").await;
    assert!(
        err.contains("percentile_approx") && err.contains("between 0.0 and 1.0"),
        "{err}"
    );
}

#[tokio::test]
async fn explode_and_posexplode_in_the_select_list() {
    let input = r#"{"id":1,"arr":[1,2]}
{"id":2,"arr":[]}
{"id":3,"arr":null}
"#;
    let rows = query(input, "SELECT id, explode(arr) FROM t").await;
    assert_eq!(
        rows,
        [json!({"id": 1, "col": 1}), json!({"id": 1, "col": 2})]
    );
    let rows = query(input, "SELECT id, explode(arr) AS x FROM t").await;
    assert_eq!(column(&rows, "x"), [json!(1), json!(2)]);
    let rows = query(input, "SELECT id, posexplode(arr) FROM t").await;
    assert_eq!(
        rows,
        [
            json!({"id": 1, "pos": 0, "col": 1}),
            json!({"id": 1, "pos": 1, "col": 2})
        ]
    );
    // The outer forms keep rows with NULL or empty arrays, with NULLs.
    let rows = query(input, "SELECT id, explode_outer(arr) AS x FROM t").await;
    assert_eq!(
        rows,
        [
            json!({"id": 1, "x": 1}),
            json!({"id": 1, "x": 2}),
            json!({"id": 2}),
            json!({"id": 3})
        ]
    );
}

#[tokio::test]
async fn lateral_views() {
    let input = r#"{"id":1,"arr":[1,2]}
{"id":2,"arr":[]}
"#;
    let rows = query(
        input,
        "SELECT t.id, v.x FROM t LATERAL VIEW explode(arr) v AS x ORDER BY id, x",
    )
    .await;
    assert_eq!(rows, [json!({"id": 1, "x": 1}), json!({"id": 1, "x": 2})]);
    let rows = query(
        input,
        "SELECT a.id, p, c FROM t a LATERAL VIEW OUTER posexplode(arr) v AS p, c",
    )
    .await;
    assert_eq!(
        rows,
        [
            json!({"id": 1, "p": 0, "c": 1}),
            json!({"id": 1, "p": 1, "c": 2}),
            json!({"id": 2})
        ]
    );
    let rows = query(
        input,
        "SELECT id, x, y FROM t LATERAL VIEW explode(arr) v1 AS x \
         LATERAL VIEW explode(array(v1.x, v1.x * 10)) v2 AS y",
    )
    .await;
    let mut ys: Vec<i64> = column(&rows, "y")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    ys.sort_unstable();
    assert_eq!(ys, [1, 2, 10, 20]);
}

#[tokio::test]
async fn generators_where_spark_refuses_them_are_errors() {
    let input = "{\"id\":1,\"arr\":[1]}\n";
    let err = query_error(input, "SELECT upper(explode(arr)) AS v FROM t").await;
    assert!(
        err.contains("explode") && err.contains("generator"),
        "{err}"
    );
    // Several generators of one SELECT are crossed, as in Spark 4 (tests/spark: 15-generators).
    let err = query_error(
        input,
        "SELECT explode(arr) AS a, explode(arr) AS b FROM t JOIN t AS s USING (id)",
    )
    .await;
    assert!(err.contains("several generators"), "{err}");
    let err = query_error(input, "SELECT posexplode(arr) AS p FROM t").await;
    assert!(err.contains("posexplode produces 2"), "{err}");
    // A map gives two columns (key, value), as in Spark.
    let err = query_error(input, "SELECT explode(map('k', id)) AS v FROM t").await;
    assert!(err.contains("explode produces 2"), "{err}");
    let err = query_error(input, "SELECT explode(id) AS v FROM t").await;
    assert!(
        err.contains("explode") && err.contains("take an array or a map"),
        "{err}"
    );
}

#[tokio::test]
async fn string_literals_take_spark_escapes() {
    let rows = query(
        ONE_ROW,
        "SELECT id, regexp_extract('order 123', '\\\\d+', 0) AS digits, length('a\\tb') AS tab, \
         'it''s' AS quote FROM t",
    )
    .await;
    assert_eq!(
        rows,
        [json!({"id": 1, "digits": "123", "tab": 3, "quote": "it's"})]
    );
}

#[tokio::test]
async fn hash_and_xxhash64_equal_sparks() {
    // Expected values are Spark's (3.5/4.0, non-ANSI) for the same expressions.
    let input = r#"{"id":1,"s":"abc","n":1,"x":1.5}
{"id":2,"s":null,"n":null,"x":null}
"#;
    let rows = query(
        input,
        "SELECT id, hash('Spark', array(123), 2) AS doc, xxhash64('Spark', array(123), 2) AS xdoc, \
         hash(1) AS i, hash(-1 + 2) AS i2, hash(CAST(1 AS BIGINT)) AS l, hash(n) AS col, hash(s) AS str, \
         hash('') AS empty, hash('abcdefghi') AS tail, hash('ü') AS utf8, hash(x) AS dbl, \
         hash(CAST(-0.0 AS DOUBLE)) AS negzero, hash(CAST(1.5 AS FLOAT)) AS flt, \
         hash(CAST(12.34 AS DECIMAL(10,2))) AS dec, hash(CAST(-12.34 AS DECIMAL(20,2))) AS bigdec, \
         hash(to_date('2024-03-05')) AS dt, hash(to_timestamp('2024-03-05 10:00:00')) AS ts, \
         hash(true) AS b, hash(named_struct('a', 1, 'b', 'x')) AS st, hash(array(1, NULL, 2)) AS arr, \
         hash(1, 'a', NULL, CAST(2.5 AS DOUBLE)) AS many, hash(NULL) AS nul, \
         xxhash64(s) AS xstr, xxhash64(1) AS xi, xxhash64(n) AS xcol, \
         xxhash64('abcdefghijklmnopqrstuvwxyz0123456789') AS xlong, \
         xxhash64(CAST(12.34 AS DECIMAL(20,2))) AS xdec, xxhash64(named_struct('a', 1, 'b', 'x')) AS xst \
         FROM t ORDER BY id",
    )
    .await;
    let first = &rows[0];
    let expected = json!({
        "doc": -1321691492, "xdoc": 5602566077635097486_i64, "i": -559580957, "i2": -559580957,
        "l": -1712319331, "col": -1712319331, "str": 1322437556, "empty": 142593372,
        "tail": -1830117711, "utf8": -1098725648, "dbl": 1290763749, "negzero": -1670924195,
        "flt": -221251528, "dec": -1028144669, "bigdec": -378694793, "dt": 1606236036,
        "ts": 66369095, "b": -559580957, "st": -1305545736, "arr": -222940379, "many": 389417474,
        "nul": 42, "xstr": 1423657621850124518_i64, "xi": -6698625589789238999_i64,
        "xcol": -7001672635703045582_i64, "xlong": 2724237963427677065_i64,
        "xdec": 804797035677707363_i64, "xst": 8510603489595372987_i64
    });
    for (name, want) in expected.as_object().unwrap() {
        assert_eq!(first.get(name), Some(want), "{name}");
    }
    // A NULL leaves the seed: 42.
    assert_eq!(rows[1].get("col"), Some(&json!(42)));
    assert_eq!(rows[1].get("xstr"), Some(&json!(42)));
    let err = query_error(ONE_ROW, "SELECT hash(map('a', 1)) AS v FROM t").await;
    assert!(err.contains("hash") && err.contains("map"), "{err}");
}

#[tokio::test]
async fn conv_make_date_make_timestamp_and_regexp_extract_all() {
    let input = r#"{"id":1,"n":"ff","y":2024,"sec":30.5,"s":"100-200, 300-400"}
{"id":2,"n":null,"y":2023,"sec":60,"s":"abc"}
{"id":3,"n":"-10","y":null,"sec":60.5,"s":null}
"#;
    let rows = query(
        input,
        "SELECT id, conv(n, 16, 10) AS c, conv(n, 16, -10) AS cs, conv(255, 10, 16) AS ci, \
         conv('99999999999999999999', 10, 10) AS cover, conv('12xyz', 10, 10) AS cpart, \
         conv('1', 10, 99) AS cbase, make_date(y, 2, 29) AS d, \
         make_timestamp(y, 3, 5, 10, 59, sec) AS ts, \
         make_timestamp(2024, 3, 5, 10, 20, 30, '+02:00') AS tz, \
         make_timestamp(2024, 3, 5, 25, 0, 0) AS bad, \
         regexp_extract_all(s, '(\\\\d+)-(\\\\d+)', 1) AS all1, \
         regexp_extract_all(s, '(\\\\d+)-(\\\\d+)', 2) AS all2, regexp_extract_all(s, 'x', 0) AS none \
         FROM t ORDER BY id",
    )
    .await;
    assert_eq!(
        column(&rows, "c"),
        [json!("255"), Value::Null, json!("18446744073709551600")]
    );
    assert_eq!(column(&rows, "cs")[2], json!("-16"));
    assert_eq!(column(&rows, "ci")[0], json!("FF"));
    assert_eq!(column(&rows, "cover")[0], json!("18446744073709551615"));
    assert_eq!(column(&rows, "cpart")[0], json!("12"));
    assert_eq!(column(&rows, "cbase")[0], Value::Null);
    assert_eq!(
        column(&rows, "d"),
        [json!("2024-02-29"), Value::Null, Value::Null]
    );
    assert_eq!(
        column(&rows, "ts"),
        [
            json!("2024-03-05T10:59:30.500"),
            json!("2023-03-05T11:00:00"),
            Value::Null
        ]
    );
    assert_eq!(column(&rows, "tz")[0], json!("2024-03-05T08:20:30"));
    assert_eq!(column(&rows, "bad")[0], Value::Null);
    assert_eq!(
        column(&rows, "all1"),
        [json!(["100", "300"]), json!([]), Value::Null]
    );
    assert_eq!(column(&rows, "all2")[0], json!(["200", "400"]));
    assert_eq!(column(&rows, "none")[1], json!([]));
    let err = query_error(
        ONE_ROW,
        "SELECT make_timestamp(2024, 3, 5, 10, 0, 0, 'Europe/Paris') AS v FROM t",
    )
    .await;
    assert!(
        err.contains("make_timestamp") && err.contains("Europe/Paris"),
        "{err}"
    );
}

#[tokio::test]
async fn div_is_sparks_integral_division() {
    let input = r#"{"id":1,"n":7,"m":2,"div":5}
{"id":2,"n":-7,"m":0,"div":6}
"#;
    let rows = query(
        input,
        "SELECT id, n div m AS q, n DIV 2 AS h, CAST(7.5 AS DOUBLE) div 2 AS d, \
         CAST(-7.5 AS DECIMAL(3,1)) div 2 AS dd, div, n div 2 FROM t ORDER BY id",
    )
    .await;
    assert_eq!(column(&rows, "q"), [json!(3), Value::Null]);
    assert_eq!(column(&rows, "h"), [json!(3), json!(-3)]);
    assert_eq!(column(&rows, "d")[0], json!(3));
    assert_eq!(column(&rows, "dd")[0], json!(-3));
    // A column named div stays a column; an unnamed division is named as Spark names it.
    assert_eq!(column(&rows, "div"), [json!(5), json!(6)]);
    assert_eq!(column(&rows, "(n div 2)"), [json!(3), json!(-3)]);
}

#[tokio::test]
async fn from_json_parses_text_into_the_schema_and_gives_nulls_for_what_does_not_fit() {
    let input = r#"{"id":1,"j":"{\"userId\": 7, \"name\": \"ann\", \"tags\": [\"a\", \"b\"], \"extra\": true}"}
{"id":2,"j":"{\"userId\": 8}"}
{"id":3,"j":"not json"}
{"id":4,"j":null}
{"id":5,"j":"[1, 2]"}
"#;
    let rows = query(
        input,
        "SELECT id, from_json(j, 'userId INT, name STRING, tags ARRAY<STRING>') AS s, \
         from_json(j, 'struct<userId:bigint>')['userId'] AS uid, from_json(j, 'array<int>') AS arr \
         FROM t ORDER BY id",
    )
    .await;
    assert_eq!(
        column(&rows, "s"),
        [
            json!({"userId": 7, "name": "ann", "tags": ["a", "b"]}),
            json!({"userId": 8}),
            // As in Spark: text that is not a JSON object gives a struct of NULLs.
            json!({}),
            Value::Null,
            json!({}),
        ]
    );
    assert_eq!(
        column(&rows, "uid"),
        [json!(7), json!(8), Value::Null, Value::Null, Value::Null]
    );
    assert_eq!(column(&rows, "arr")[4], json!([1, 2]));
    assert_eq!(column(&rows, "arr")[0], Value::Null);
    let err = query_error(ONE_ROW, "SELECT from_json('{}', 'a NOTATYPE') AS v FROM t").await;
    assert!(
        err.contains("from_json") && err.contains("NOTATYPE"),
        "{err}"
    );
}

#[tokio::test]
async fn map_concat_joins_maps_and_refuses_a_repeated_key() {
    let input = r#"{"id":1,"k":"c"}
{"id":2,"k":null}
"#;
    let rows = query(
        input,
        "SELECT id, map_concat(map('a', 1, 'b', 2), map(coalesce(k, 'z'), 3)) AS m, \
         map_concat(map('a', 1), CASE WHEN k IS NULL THEN NULL ELSE map(k, 5) END) AS n \
         FROM t ORDER BY id",
    )
    .await;
    assert_eq!(
        column(&rows, "m"),
        [
            json!({"a": 1, "b": 2, "c": 3}),
            json!({"a": 1, "b": 2, "z": 3})
        ]
    );
    assert_eq!(column(&rows, "n"), [json!({"a": 1, "c": 5}), Value::Null]);
    let err = query_error(
        ONE_ROW,
        "SELECT map_concat(map('a', 1), map('a', 2)) AS v FROM t",
    )
    .await;
    assert!(
        err.contains("map_concat") && err.contains("duplicate map key"),
        "{err}"
    );
}

#[tokio::test]
async fn higher_order_functions_take_lambdas() {
    let input = r#"{"id":1,"a":[1,2,3,null],"s":["x","yy"]}
{"id":2,"a":[],"s":[]}
{"id":3,"a":null,"s":null}
"#;
    let rows = query(
        input,
        "SELECT id, transform(a, x -> x * 10) AS t, transform(s, (v, i) -> concat(v, CAST(i AS STRING))) AS ti, \
         filter(a, x -> x % 2 = 1) AS f, filter(a, (x, i) -> i > 0) AS fi, exists(a, x -> x > 2) AS e, \
         exists(a, x -> x > 5) AS e_null, forall(a, x -> x > 0) AS fa, forall(a, x -> x > 1) AS fa_false, \
         aggregate(a, 0, (acc, x) -> acc + coalesce(x, 0)) AS sum, \
         aggregate(a, 0, (acc, x) -> acc + coalesce(x, 0), acc -> acc * 2) AS twice, \
         reduce(s, '', (acc, v) -> concat(acc, upper(v))) AS joined \
         FROM t ORDER BY id",
    )
    .await;
    assert_eq!(
        column(&rows, "t"),
        [json!([10, 20, 30, null]), json!([]), Value::Null]
    );
    assert_eq!(column(&rows, "ti")[0], json!(["x0", "yy1"]));
    assert_eq!(column(&rows, "f"), [json!([1, 3]), json!([]), Value::Null]);
    assert_eq!(column(&rows, "fi")[0], json!([2, 3, null]));
    assert_eq!(column(&rows, "e"), [json!(true), json!(false), Value::Null]);
    // No element matches and one predicate is NULL: NULL, as in Spark.
    assert_eq!(column(&rows, "e_null")[0], Value::Null);
    assert_eq!(column(&rows, "fa"), [Value::Null, json!(true), Value::Null]);
    assert_eq!(column(&rows, "fa_false")[0], json!(false));
    assert_eq!(column(&rows, "sum"), [json!(6), json!(0), Value::Null]);
    assert_eq!(column(&rows, "twice")[0], json!(12));
    assert_eq!(
        column(&rows, "joined"),
        [json!("XYY"), json!(""), Value::Null]
    );
    // The body can use the row's other columns, as in Spark.
    let rows = query(
        "{\"id\":1,\"a\":[1, 2],\"k\":2}\n",
        "SELECT transform(a, x -> x + k) AS v, aggregate(a, 0, (acc, x) -> acc + x * k, acc -> acc - k) AS w FROM t",
    )
    .await;
    assert_eq!(column(&rows, "v")[0], json!([3, 4]));
    assert_eq!(column(&rows, "w")[0], json!(4));
    let err = query_error(
        "{\"id\":1,\"a\":[1]}\n",
        "SELECT aggregate(a, 0, x -> x) AS v FROM t",
    )
    .await;
    assert!(
        err.contains("aggregate") && err.contains("2 (acc, x)"),
        "{err}"
    );
    let err = query_error(
        "{\"id\":1,\"a\":[1]}\n",
        "SELECT filter(a, x -> x + 1) AS v FROM t",
    )
    .await;
    assert!(
        err.contains("filter") && err.contains("must return a boolean"),
        "{err}"
    );
}

#[tokio::test]
async fn mean_is_avg_rounded_half_up() {
    // Spark's `mean` is `avg`: a decimal mean at scale 6, rounded half up (3.01 / 3 is
    // 1.0033333…, 0.02 / 3 is 0.0066666…, which truncation would make 0.006666).
    let rows = query(
        "{\"id\":1,\"g\":1,\"v\":\"1.00\"}\n{\"id\":2,\"g\":1,\"v\":\"1.00\"}\n\
         {\"id\":3,\"g\":1,\"v\":\"1.01\"}\n{\"id\":4,\"g\":2,\"v\":\"0.00\"}\n\
         {\"id\":5,\"g\":2,\"v\":\"0.00\"}\n{\"id\":6,\"g\":2,\"v\":\"0.02\"}\n",
        "SELECT g AS id, CAST(mean(CAST(v AS DECIMAL(10,2))) AS STRING) AS m, \
         CAST(avg(CAST(v AS DECIMAL(10,2))) AS STRING) AS a FROM t GROUP BY g",
    )
    .await;
    assert_eq!(
        column(&rows, "m"),
        vec![json!("1.003333"), json!("0.006667")]
    );
    assert_eq!(column(&rows, "a"), column(&rows, "m"));
}
