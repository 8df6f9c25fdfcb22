//! The differential suite: every query of `tests/spark/corpus/` run through Weir's SparkSQL
//! planning and compared with what Apache Spark gave for it (`tests/spark/expected/`, made by
//! `tests/spark/run_spark.py`): column names, Spark's type of each column, and the rows.
//!
//! Cases listed in `tests/spark/known_failures.txt` are expected to fail; any other failure is
//! a regression, and a listed case that passes must leave the list, so the score only goes
//! up. `WEIR_SPARK_FIDELITY_WRITE=1` rewrites the list from the current run;
//! `WEIR_SPARK_FIDELITY_ONLY=family/N` runs one case and prints Weir's answer. The score per
//! family is printed (nextest shows it: `.config/nextest.toml`). See `tests/spark/README.md`.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use datafusion::scalar::ScalarValue;
use futures::FutureExt;
use serde_json::{json, Value};
use weir_engine::Engine;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/spark")
}

/// The queries of a corpus file, as `run_spark.py` reads them: whole-line `--` comments
/// dropped, a query ends with `;` at the end of a line, whitespace runs become one space.
fn corpus_queries(text: &str) -> Vec<String> {
    let mut queries = Vec::new();
    let mut current = String::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("--")) {
        let line = line.trim_end_matches([' ', '\t']);
        match line.strip_suffix(';') {
            Some(head) => {
                current.push_str(head);
                queries.push(std::mem::take(&mut current));
            }
            None => {
                current.push_str(line);
                current.push('\n');
            }
        }
    }
    queries.push(current);
    queries
        .iter()
        .map(|q| q.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|q| !q.is_empty())
        .collect()
}

/// What running a query gave, in the expected files' form.
#[derive(Debug)]
struct Outcome {
    columns: Vec<(String, String)>,
    rows: Vec<Vec<Value>>,
}

async fn run_query(ctx: &SessionContext, sql: &str) -> Result<Outcome, String> {
    let df = weir_spark::sql(ctx, sql).await.map_err(|e| e.to_string())?;
    // The executed plan's schema: what a target writes.
    let plan = df.create_physical_plan().await.map_err(|e| e.to_string())?;
    let columns = plan
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), spark_type(f.data_type())))
        .collect();
    let batches: Vec<RecordBatch> = datafusion::physical_plan::collect(plan, ctx.task_ctx())
        .await
        .map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for batch in &batches {
        for row in 0..batch.num_rows() {
            rows.push(batch.columns().iter().map(|c| value(c, row)).collect());
        }
    }
    Ok(Outcome { columns, rows })
}

/// Spark's `simpleString` of the type Spark gives a column that Weir types `t`.
fn spark_type(t: &DataType) -> String {
    match t {
        DataType::Null => "void".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "binary".into(),
        DataType::Date32 => "date".into(),
        DataType::Timestamp(TimeUnit::Microsecond, None) => "timestamp".into(),
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) => {
            format!("array<{}>", spark_type(f.data_type()))
        }
        DataType::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), spark_type(f.data_type())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "map<{},{}>",
                spark_type(kv[0].data_type()),
                spark_type(kv[1].data_type())
            ),
            other => format!("map of {other}"),
        },
        DataType::Dictionary(_, v) => spark_type(v),
        other => format!("{other} (no Spark type)"),
    }
}

/// The canonical JSON of `array[row]` (see `run_spark.py`).
fn value(array: &ArrayRef, row: usize) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::List(_) => elements(&array.as_list::<i32>().value(row)),
        DataType::LargeList(_) => elements(&array.as_list::<i64>().value(row)),
        DataType::Struct(fields) => {
            let s = array.as_struct();
            let members = fields
                .iter()
                .zip(s.columns())
                .map(|(f, c)| (f.name().clone(), value(c, row)));
            Value::Object(members.collect())
        }
        DataType::Map(..) => {
            let entries = array.as_map().value(row);
            let (keys, values) = (entries.column(0), entries.column(1));
            let mut pairs: Vec<Value> = (0..entries.len())
                .map(|i| json!([value(keys, i), value(values, i)]))
                .collect();
            // Spark's entries come in hash order (run_spark.py): compare maps as sets.
            pairs.sort_by_cached_key(|p| p[0].to_string());
            Value::Array(pairs)
        }
        _ => match ScalarValue::try_from_array(array, row) {
            Ok(scalar) => scalar_value(&scalar),
            Err(e) => json!(format!("<unreadable: {e}>")),
        },
    }
}

fn elements(array: &ArrayRef) -> Value {
    Value::Array((0..array.len()).map(|i| value(array, i)).collect())
}

fn float(v: f64) -> Value {
    if v.is_nan() {
        json!("NaN")
    } else if v.is_infinite() {
        json!(if v > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        json!(v)
    }
}

fn decimal_text(v: i128, scale: i8) -> String {
    if scale <= 0 {
        return (v * 10i128.pow(u32::from(scale.unsigned_abs()))).to_string();
    }
    let digits = v.unsigned_abs().to_string();
    let scale = usize::from(scale.unsigned_abs());
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{}{int}.{frac}", if v < 0 { "-" } else { "" })
}

fn timestamp_text(micros: i64) -> Value {
    match DateTime::from_timestamp_micros(micros) {
        Some(t) => json!(t.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f").to_string()),
        None => json!(format!("<timestamp out of range: {micros}>")),
    }
}

fn scalar_value(scalar: &ScalarValue) -> Value {
    match scalar {
        ScalarValue::Boolean(Some(v)) => json!(v),
        ScalarValue::Int8(Some(v)) => json!(v),
        ScalarValue::Int16(Some(v)) => json!(v),
        ScalarValue::Int32(Some(v)) => json!(v),
        ScalarValue::Int64(Some(v)) => json!(v),
        ScalarValue::UInt8(Some(v)) => json!(v),
        ScalarValue::UInt16(Some(v)) => json!(v),
        ScalarValue::UInt32(Some(v)) => json!(v),
        ScalarValue::UInt64(Some(v)) => json!(v),
        ScalarValue::Float32(Some(v)) => float(f64::from(*v)),
        ScalarValue::Float64(Some(v)) => float(*v),
        ScalarValue::Decimal128(Some(v), _, s) => json!(decimal_text(*v, *s)),
        ScalarValue::Utf8(Some(v)) | ScalarValue::LargeUtf8(Some(v)) => json!(v),
        ScalarValue::Utf8View(Some(v)) => json!(v),
        ScalarValue::Binary(Some(v))
        | ScalarValue::LargeBinary(Some(v))
        | ScalarValue::BinaryView(Some(v))
        | ScalarValue::FixedSizeBinary(_, Some(v)) => {
            json!(format!(
                "0x{}",
                v.iter().map(|b| format!("{b:02x}")).collect::<String>()
            ))
        }
        ScalarValue::Date32(Some(days)) => {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
            match epoch.checked_add_signed(chrono::Duration::days(i64::from(*days))) {
                Some(d) => json!(d.format("%Y-%m-%d").to_string()),
                None => json!(format!("<date out of range: {days}>")),
            }
        }
        ScalarValue::TimestampMicrosecond(Some(v), _) => timestamp_text(*v),
        ScalarValue::TimestampMillisecond(Some(v), _) => timestamp_text(v * 1000),
        ScalarValue::TimestampSecond(Some(v), _) => timestamp_text(v * 1_000_000),
        ScalarValue::TimestampNanosecond(Some(v), _) => timestamp_text(v.div_euclid(1000)),
        ScalarValue::Dictionary(_, inner) => scalar_value(inner),
        other if other.is_null() => Value::Null,
        other => json!(format!("<{other:?}>")),
    }
}

/// Equal as the suite compares values: floats within a relative 1e-9 (NaN equals NaN).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, a), (kb, b))| ka == kb && same(a, b))
        }
        _ => a == b,
    }
}

/// Why Weir's answer to `case` differs from Spark's, if it does.
fn difference(case: &Value, got: Result<Outcome, String>) -> Option<String> {
    let spark_error = case.get("error").and_then(Value::as_str);
    let outcome = match (got, spark_error) {
        (Err(_), Some(_)) => return None,
        (Err(e), None) => return Some(format!("Weir fails: {}", first_line(&e))),
        (Ok(_), Some(e)) => return Some(format!("Spark fails ({e}) but Weir answers")),
        (Ok(outcome), None) => outcome,
    };
    let expected_columns: Vec<(String, String)> = case["columns"]
        .as_array()
        .map(|cols| cols.iter().map(|c| (text(&c[0]), text(&c[1]))).collect())
        .unwrap_or_default();
    let names = |cols: &[(String, String)]| cols.iter().map(|c| c.0.clone()).collect::<Vec<_>>();
    let types = |cols: &[(String, String)]| cols.iter().map(|c| c.1.clone()).collect::<Vec<_>>();
    // Every aspect that differs is told, so that a wrong name does not hide wrong values.
    let mut differences = Vec::new();
    if names(&outcome.columns) != names(&expected_columns) {
        differences.push(format!(
            "column names {:?}, Spark {:?}",
            names(&outcome.columns),
            names(&expected_columns)
        ));
    }
    if types(&outcome.columns) != types(&expected_columns) {
        differences.push(format!(
            "column types {:?}, Spark {:?}",
            types(&outcome.columns),
            types(&expected_columns)
        ));
    }
    let mut expected: Vec<Value> = case["rows"].as_array().cloned().unwrap_or_default();
    let mut rows: Vec<Value> = outcome.rows.into_iter().map(Value::Array).collect();
    if case["ordered"] != json!(true) {
        expected.sort_by_cached_key(Value::to_string);
        rows.sort_by_cached_key(Value::to_string);
    }
    if rows.len() != expected.len() {
        differences.push(format!(
            "{} rows, Spark {}: {} vs {}",
            rows.len(),
            expected.len(),
            abbreviate(&Value::Array(rows)),
            abbreviate(&Value::Array(expected))
        ));
    } else if let Some((i, (got, want))) = rows
        .iter()
        .zip(&expected)
        .enumerate()
        .find(|(_, (a, b))| !same(a, b))
    {
        differences.push(format!(
            "row {}: {}, Spark {}",
            i + 1,
            abbreviate(got),
            abbreviate(want)
        ));
    }
    (!differences.is_empty()).then(|| differences.join("; "))
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(240)
        .collect()
}

fn abbreviate(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

/// The session the suite's queries run in: Weir's, with the suite's tables read as an
/// `S3ParquetSource` reads them.
async fn session(dir: &Path) -> SessionContext {
    let ctx = Engine::default().session().unwrap();
    let mut tables: Vec<PathBuf> = std::fs::read_dir(dir.join("tables"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    tables.sort();
    for path in tables {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        ctx.register_parquet(&name, path.to_str().unwrap(), ParquetReadOptions::default())
            .await
            .unwrap();
    }
    ctx
}

/// `family/N` → reason, from `known_failures.txt` (`#` comments and blank lines ignored).
fn known_failures(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((id, reason)) => (id.to_string(), reason.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spark_fidelity() {
    let dir = suite_dir();
    let ctx = session(&dir).await;
    // `WEIR_SPARK_QUERY='SELECT …'`: answer one query over the suite's tables and show its
    // plan, instead of the suite (for finding out why a case differs).
    if let Ok(sql) = std::env::var("WEIR_SPARK_QUERY") {
        if let Ok(df) = weir_spark::sql(&ctx, &sql).await {
            println!("{}", df.logical_plan().display_indent());
            if let Ok(plan) = df.create_physical_plan().await {
                println!(
                    "{}",
                    datafusion::physical_plan::displayable(plan.as_ref()).indent(true)
                );
            }
        }
        println!("{:?}", run_query(&ctx, &sql).await);
        return;
    }
    // A query that panics is a failing case like any other: no backtrace on the output.
    std::panic::set_hook(Box::new(|_| {}));
    let known_path = dir.join("known_failures.txt");
    let known = known_failures(&known_path);
    let mut families: Vec<PathBuf> = std::fs::read_dir(dir.join("expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    families.sort();
    assert!(!families.is_empty(), "no expected results in {dir:?}");

    let mut problems = Vec::new();
    let mut failures = BTreeMap::new();
    let mut score = Vec::new();
    for path in &families {
        let family = path.file_stem().unwrap().to_string_lossy().to_string();
        let expected: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let cases = expected["cases"].as_array().cloned().unwrap_or_default();
        let corpus = dir.join("corpus").join(format!("{family}.sql"));
        let queries = corpus_queries(&std::fs::read_to_string(&corpus).unwrap_or_default());
        let recorded: Vec<String> = cases.iter().map(|c| text(&c["sql"])).collect();
        if queries != recorded {
            problems.push(format!(
                "{family}: expected/{family}.json does not match corpus/{family}.sql: \
                 run `python tests/spark/run_spark.py {family}`"
            ));
            continue;
        }
        let mut passed = 0;
        for (i, case) in cases.iter().enumerate() {
            let id = format!("{family}/{}", i + 1);
            let sql = text(&case["sql"]);
            if let Ok(only) = std::env::var("WEIR_SPARK_FIDELITY_ONLY") {
                if only == id {
                    println!(
                        "{id}: {sql}\n{:#?}",
                        run_query(&ctx, &sql).await.map(|o| o.rows)
                    );
                }
                continue;
            }
            let run = AssertUnwindSafe(run_query(&ctx, &sql)).catch_unwind();
            let got = match tokio::time::timeout(Duration::from_secs(60), run).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err("panicked".to_string()),
                Err(_) => Err("timed out after 60 s".to_string()),
            };
            match difference(case, got) {
                None => {
                    passed += 1;
                    if known.contains_key(&id) {
                        problems.push(format!(
                            "{id} now passes: remove it from known_failures.txt ({sql})"
                        ));
                    }
                }
                Some(why) => {
                    if !known.contains_key(&id) {
                        problems.push(format!("{id} fails: {why}\n    {sql}"));
                    }
                    failures.insert(id, why);
                }
            }
        }
        score.push((family, passed, cases.len()));
    }

    // The default hook again, for this test's own failures.
    drop(std::panic::take_hook());
    let (passed, total) = score
        .iter()
        .fold((0, 0), |(p, t), (_, fp, ft)| (p + fp, t + ft));
    println!(
        "SparkSQL fidelity against Apache Spark: {passed}/{total} queries give Spark's answer"
    );
    for (family, p, t) in &score {
        println!("  {family:<20} {p:>4}/{t}");
    }
    if std::env::var_os("WEIR_SPARK_FIDELITY_WRITE").is_some() {
        let mut out = String::from(
            "# Cases of the differential suite that Weir answers differently from Spark, with\n\
             # the difference seen. The suite fails on a failing case missing here and on a\n\
             # listed case that passes. Rewrite with WEIR_SPARK_FIDELITY_WRITE=1.\n",
        );
        for (id, why) in &failures {
            out.push_str(&format!("{id} {}\n", why.replace('\n', " ")));
        }
        std::fs::write(&known_path, out).unwrap();
        println!("wrote {known_path:?} ({} cases)", failures.len());
        return;
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn corpus_files_split_into_queries_as_the_spark_runner_splits_them() {
    let text = "-- a comment\nSELECT 1;\nSELECT a,\n  b\n  -- between\nFROM t ;\n\nSELECT ';' ;";
    assert_eq!(
        corpus_queries(text),
        ["SELECT 1", "SELECT a, b FROM t", "SELECT ';'"]
    );
}

#[test]
fn decimals_are_written_with_their_scale() {
    assert_eq!(decimal_text(1050, 2), "10.50");
    assert_eq!(decimal_text(-5, 2), "-0.05");
    assert_eq!(decimal_text(0, 3), "0.000");
    assert_eq!(decimal_text(12, -2), "1200");
}
