//! Transforms and targets added for Glue parity: nested ApplyMapping, skewness and kurtosis,
//! Spark's decimal average, Merge, S3HyperDirectTarget. Every test reads back what was written.

use std::path::Path;

use serde_json::{json, Value};

use crate::support::{csv_lines, files, json_rows, run, s, write};

/// A job: JSON source `src` over `input` → `nodes` (the last named `last`) → JSON at `out`.
fn json_job(input: &Path, nodes: Value, last: &str, out: &Path) -> Value {
    let mut all = json!({
        "src": { "S3JsonSource": { "Name": "In", "Paths": [s(input)] } },
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": [last], "Path": s(out), "Format": "json" } }
    });
    for (k, v) in nodes.as_object().unwrap() {
        all[k] = v.clone();
    }
    json!({ "Name": "t", "CodeGenConfigurationNodes": all })
}

async fn rows_of(input: &Path, nodes: Value, last: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(json_job(input, nodes, last, &out)).await.unwrap();
    json_rows(&out)
}

async fn error_of(input: &Path, nodes: Value, last: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    run(json_job(input, nodes, last, &dir.path().join("out")))
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn apply_mapping_children_build_nested_structs() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "people.json",
        "{\"id\":\"1\",\"person\":{\"name\":\"Ada\",\"age\":\"36\",\"addr\":{\"city\":\"London\",\"zip\":\"N1\"}}}\n\
         {\"id\":\"2\",\"person\":null}\n\
         {\"id\":\"3\",\"person\":{\"name\":null,\"age\":\"x\",\"addr\":null}}\n",
    );
    let mapping = json!([
        { "ToKey": "id", "FromPath": ["id"], "FromType": "string", "ToType": "bigint" },
        { "ToKey": "who", "FromPath": ["person"], "FromType": "struct", "ToType": "struct", "Children": [
            { "ToKey": "full_name", "FromPath": ["name"], "FromType": "string", "ToType": "string" },
            { "ToKey": "age", "FromPath": ["person", "age"], "FromType": "string", "ToType": "int" },
            { "ToKey": "home", "FromPath": ["addr"], "FromType": "struct", "ToType": "struct", "Children": [
                { "ToKey": "city", "FromPath": ["city"], "FromType": "string", "ToType": "string" },
                { "ToKey": "zip", "FromPath": ["zip"], "FromType": "string", "ToType": "string", "Dropped": true } ] } ] },
        { "ToKey": "gone", "FromPath": ["id"], "FromType": "string", "ToType": "string", "Dropped": true }
    ]);
    let rows = rows_of(
        &input,
        json!({ "map": { "ApplyMapping": { "Name": "M", "Inputs": ["src"], "Mapping": mapping } } }),
        "map",
    )
    .await;
    // JSON output leaves nulls out: person 2 is a null struct, person 3 a struct of nulls.
    assert_eq!(
        rows,
        [
            json!({"id": 1, "who": {"full_name": "Ada", "age": 36, "home": {"city": "London"}}}),
            json!({"id": 2}),
            json!({"id": 3, "who": {}}),
        ]
    );
}

#[tokio::test]
async fn apply_mapping_children_errors_name_the_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "a.json", "{\"p\":{\"a\":1}}\n");
    let bad_child = json!({ "map": { "ApplyMapping": { "Name": "M", "Inputs": ["src"], "Mapping": [
        { "ToKey": "p", "FromPath": ["p"], "ToType": "struct", "Children": [
            { "ToKey": "b", "FromPath": ["nope"], "ToType": "int" } ] } ] } } });
    let e = error_of(&input, bad_child, "map").await;
    assert!(
        e.contains("node map")
            && e.contains("Mapping[0].Children[0].FromPath")
            && e.contains("p.nope"),
        "{e}"
    );
    let not_struct = json!({ "map": { "ApplyMapping": { "Name": "M", "Inputs": ["src"], "Mapping": [
        { "ToKey": "p", "FromPath": ["p"], "ToType": "string", "Children": [
            { "ToKey": "a", "FromPath": ["a"], "ToType": "int" } ] } ] } } });
    let e = error_of(&input, not_struct, "map").await;
    assert!(
        e.contains("node map") && e.contains("Mapping[0].ToType"),
        "{e}"
    );
}

/// Population skewness and excess kurtosis, computed directly.
fn moments(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let m = |k: i32| xs.iter().map(|x| (x - mean).powi(k)).sum::<f64>();
    (
        n.sqrt() * m(3) / m(2).powf(1.5),
        n * m(4) / (m(2) * m(2)) - 3.0,
    )
}

#[tokio::test]
async fn aggregate_skewness_and_kurtosis_follow_spark() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "v.json",
        "{\"g\":\"a\",\"v\":1}\n{\"g\":\"a\",\"v\":2}\n{\"g\":\"a\",\"v\":3}\n{\"g\":\"a\",\"v\":10}\n{\"g\":\"a\",\"v\":null}\n\
         {\"g\":\"flat\",\"v\":5}\n{\"g\":\"flat\",\"v\":5}\n{\"g\":\"one\",\"v\":7}\n{\"g\":\"none\",\"v\":null}\n",
    );
    let rows = rows_of(
        &input,
        json!({ "agg": { "Aggregate": { "Name": "A", "Inputs": ["src"], "Groups": [["g"]], "Aggs": [
            { "Column": ["v"], "AggFunc": "skewness" }, { "Column": ["v"], "AggFunc": "kurtosis" } ] } } }),
        "agg",
    )
    .await;
    let (skew, kurt) = moments(&[1.0, 2.0, 3.0, 10.0]);
    let a = rows.iter().find(|r| r["g"] == "a").unwrap();
    assert!(
        (a["skewness(v)"].as_f64().unwrap() - skew).abs() < 1e-12,
        "{a}"
    );
    assert!(
        (a["kurtosis(v)"].as_f64().unwrap() - kurt).abs() < 1e-12,
        "{a}"
    );
    // Zero variance (equal values, one value) and no values: null, as in Spark 3.
    for g in ["flat", "one", "none"] {
        let r = rows.iter().find(|r| r["g"] == g).unwrap();
        assert!(
            r.get("skewness(v)").is_none() && r.get("kurtosis(v)").is_none(),
            "{r}"
        );
    }
    // The same functions in Spark SQL.
    let rows = rows_of(
        &input,
        json!({ "sql": { "SparkSQL": { "Name": "Q", "Inputs": ["src"], "SqlAliases": [{ "From": "src", "Alias": "t" }],
            "SqlQuery": "SELECT skewness(v) AS s, kurtosis(v) AS k FROM t WHERE g = 'a'" } } }),
        "sql",
    )
    .await;
    assert!((rows[0]["s"].as_f64().unwrap() - skew).abs() < 1e-12);
    assert!((rows[0]["k"].as_f64().unwrap() - kurt).abs() < 1e-12);
}

/// The Parquet schema of the files written under `dir`, as Hive type names by column.
fn parquet_types(dir: &Path) -> Vec<(String, String)> {
    let file = files(dir)
        .into_iter()
        .find(|f| f.ends_with(".parquet"))
        .unwrap();
    let reader =
        datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(dir.join(file)).unwrap(),
        )
        .unwrap();
    reader
        .schema()
        .fields()
        .iter()
        .map(|f| {
            (
                f.name().clone(),
                weir_spark::types::hive_type(f.data_type()),
            )
        })
        .collect()
}

#[tokio::test]
async fn avg_of_decimals_is_sparks_decimal_rounded_half_up() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "d.csv",
        "g,amount,n\na,1.00,1\na,2.00,2\na,2.00,2\nb,-1.00,1\nb,-2.00,2\nb,-2.00,2\n",
    );
    let source = json!({ "S3CsvSource": { "Name": "In", "Paths": [s(&input)], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } });
    let mapping = json!({ "ApplyMapping": { "Name": "Types", "Inputs": ["src"], "Mapping": [
        { "ToKey": "g", "FromPath": ["g"], "FromType": "string", "ToType": "string" },
        { "ToKey": "amount", "FromPath": ["amount"], "FromType": "string", "ToType": "decimal(15,2)" },
        { "ToKey": "n", "FromPath": ["n"], "FromType": "string", "ToType": "int" } ] } });
    for (label, node) in [
        (
            "aggregate",
            json!({ "Aggregate": { "Name": "A", "Inputs": ["map"], "Groups": [["g"]], "Aggs": [
            { "Column": ["amount"], "AggFunc": "avg" }, { "Column": ["n"], "AggFunc": "avg" } ] } }),
        ),
        (
            "sql",
            json!({ "SparkSQL": { "Name": "Q", "Inputs": ["map"], "SqlAliases": [{ "From": "map", "Alias": "t" }],
            "SqlQuery": "SELECT g, AVG(amount) AS `avg(amount)`, AVG(n) AS `avg(n)` FROM t GROUP BY g" } }),
        ),
    ] {
        let parquet = dir.path().join(format!("{label}.parquet"));
        let csv = dir.path().join(format!("{label}.csv"));
        run(json!({ "CodeGenConfigurationNodes": {
            "src": source, "map": mapping, "avg": node,
            "pq": { "S3GlueParquetTarget": { "Name": "P", "Inputs": ["avg"], "Path": s(&parquet) } },
            "csv": { "S3DirectTarget": { "Name": "C", "Inputs": ["avg"], "Path": s(&csv), "Format": "csv" } }
        }}))
        .await
        .unwrap();
        let types = parquet_types(&parquet);
        assert!(
            types.contains(&("avg(amount)".into(), "decimal(19,6)".into())),
            "{label}: {types:?}"
        );
        assert!(
            types.contains(&("avg(n)".into(), "double".into())),
            "{label}: {types:?}"
        );
        let (_, rows) = csv_lines(&csv);
        assert_eq!(
            rows,
            [
                "a,1.666667,1.6666666666666667",
                "b,-1.666667,1.6666666666666667"
            ],
            "{label}"
        );
    }
}

#[tokio::test]
async fn merge_replaces_matching_rows_and_adds_new_keys() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(dir.path(), "main.json",
        "{\"id\":1,\"v\":\"a\",\"s\":{\"x\":1}}\n{\"id\":2,\"v\":\"b\",\"s\":{\"x\":2}}\n{\"id\":3,\"v\":\"c\",\"s\":null}\n{\"id\":null,\"v\":\"n\",\"s\":null}\n");
    let staging = write(dir.path(), "staging.json",
        "{\"id\":2,\"v\":\"B\",\"extra\":\"x\"}\n{\"id\":2,\"v\":\"B2\",\"extra\":\"y\"}\n{\"id\":4,\"v\":\"D\",\"extra\":null}\n{\"id\":null,\"v\":\"N\"}\n");
    let out = dir.path().join("out");
    let job = |source: &str| {
        json!({ "CodeGenConfigurationNodes": {
            "main": { "S3JsonSource": { "Name": "Main", "Paths": [s(&main)] } },
            "stage": { "S3JsonSource": { "Name": "Staging", "Paths": [s(&staging)] } },
            // Inputs listed staging first: Source says which is the main frame.
            "merge": { "Merge": { "Name": "Merge", "Inputs": ["stage", "main"], "Source": source, "PrimaryKeys": [["id"]] } },
            "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["merge"], "Path": s(&out), "Format": "json" } }
        }})
    };
    run(job("main")).await.unwrap();
    let rows = json_rows(&out);
    assert_eq!(
        rows,
        [
            json!({"id": 1, "v": "a", "s": {"x": 1}}),
            json!({"id": 2, "v": "B", "extra": "x"}),
            json!({"id": 2, "v": "B2", "extra": "y"}),
            json!({"id": 3, "v": "c"}),
            json!({"id": 4, "v": "D"}),
            json!({"v": "N"}),
            json!({"v": "n"}),
        ]
    );
    let e = run(job("elsewhere")).await.unwrap_err().to_string();
    assert!(
        e.contains("node merge") && e.contains("Merge.Source") && e.contains("elsewhere"),
        "{e}"
    );
}

#[tokio::test]
async fn merge_keys_must_exist_on_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", "{\"id\":1}\n");
    let b = write(dir.path(), "b.json", "{\"key\":1}\n");
    let e = run(json!({ "CodeGenConfigurationNodes": {
        "a": { "S3JsonSource": { "Name": "A", "Paths": [s(&a)] } },
        "b": { "S3JsonSource": { "Name": "B", "Paths": [s(&b)] } },
        "m": { "Merge": { "Name": "M", "Inputs": ["a", "b"], "Source": "a", "PrimaryKeys": [["id"]] } },
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["m"], "Path": s(&dir.path().join("o")), "Format": "json" } }
    }}))
    .await
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("node m") && e.contains("Merge.PrimaryKeys[0]") && e.contains("'id'"),
        "{e}"
    );
}

#[tokio::test]
async fn hyper_direct_target_writes_uncompressed_parquet_or_its_format() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.json",
        "{\"id\":1,\"s\":{\"x\":\"a\"}}\n{\"id\":2,\"s\":null}\n",
    );
    let parquet = dir.path().join("hyper");
    let csv = dir.path().join("hyper-csv");
    run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3JsonSource": { "Name": "In", "Paths": [s(&input)] } },
        "h": { "S3HyperDirectTarget": { "Name": "H", "Inputs": ["src"], "Path": s(&parquet), "PartitionKeys": [["id"]] } },
        "c": { "S3DirectTarget": { "Name": "C", "Inputs": ["src"], "Path": s(&csv), "Format": "json" } },
        "h2": { "S3HyperDirectTarget": { "Name": "H2", "Inputs": ["sel"], "Path": s(&dir.path().join("h2")), "Format": "csv", "Compression": "uncompressed" } },
        "sel": { "SelectFields": { "Name": "Id", "Inputs": ["src"], "Paths": [["id"]] } }
    }}))
    .await
    .unwrap();
    let written = files(&parquet);
    assert!(
        written.iter().any(|f| f.starts_with("id=1/"))
            && written.iter().any(|f| f.starts_with("id=2/")),
        "{written:?}"
    );
    let file = written.iter().find(|f| f.starts_with("id=1/")).unwrap();
    let meta = datafusion::parquet::file::reader::SerializedFileReader::new(
        std::fs::File::open(parquet.join(file)).unwrap(),
    )
    .unwrap();
    use datafusion::parquet::file::reader::FileReader;
    let codec = meta.metadata().row_group(0).column(0).compression();
    assert_eq!(codec, datafusion::parquet::basic::Compression::UNCOMPRESSED);
    // Read back through a Parquet source: the struct survives.
    let back = dir.path().join("back");
    run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3ParquetSource": { "Name": "P", "Paths": [s(&parquet)] } },
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["src"], "Path": s(&back), "Format": "json" } }
    }}))
    .await
    .unwrap();
    assert_eq!(json_rows(&back), [json!({"s": {"x": "a"}}), json!({})]);
    assert_eq!(
        csv_lines(&dir.path().join("h2")),
        ("id".to_string(), vec!["1".to_string(), "2".to_string()])
    );
}

/// CSV numbers with a fraction are inferred as doubles; a column ApplyMapping maps to a decimal is
/// read as that decimal, exactly: 19 significant digits survive (a double keeps 15-17). A
/// column also mapped to something else stays a double; a value too wide for the decimal fails
/// the read, naming the file and the value.
#[tokio::test]
async fn csv_columns_mapped_to_decimals_are_read_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in/d.csv",
        "id,amount,rate\n1,12345678901234567.89,0.1\n2,-0.05,2.5\n3,,\n",
    );
    let source = json!({ "S3CsvSource": { "Name": "In", "Paths": [s(&input)], "Separator": "comma",
                                          "QuoteChar": "quote", "WithHeader": true } });
    let mapping = json!({ "ApplyMapping": { "Name": "Types", "Inputs": ["src"], "Mapping": [
        { "ToKey": "id", "FromPath": ["id"], "FromType": "long", "ToType": "long" },
        { "ToKey": "amount", "FromPath": ["amount"], "FromType": "double", "ToType": "decimal(20,2)" },
        { "ToKey": "rate", "FromPath": ["rate"], "FromType": "double", "ToType": "decimal(10,3)" },
        { "ToKey": "rate_d", "FromPath": ["rate"], "FromType": "double", "ToType": "double" } ] } });
    let csv = dir.path().join("out");
    run(json!({ "CodeGenConfigurationNodes": {
        "src": source, "map": mapping,
        "out": { "S3DirectTarget": { "Name": "C", "Inputs": ["map"], "Path": s(&csv), "Format": "csv" } }
    }}))
    .await
    .unwrap();
    let (header, mut rows) = csv_lines(&csv);
    rows.sort();
    assert_eq!(header, "id,amount,rate,rate_d");
    assert_eq!(
        rows,
        [
            "1,12345678901234567.89,0.100,0.1",
            "2,-0.05,2.500,2.5",
            "3,,,"
        ]
    );

    let wide = write(
        dir.path(),
        "wide/d.csv",
        "id,amount\n1,1.5\n2,123456789012345678901.5\n",
    );
    let source = json!({ "S3CsvSource": { "Name": "In", "Paths": [s(&wide)], "Separator": "comma",
                                          "QuoteChar": "quote", "WithHeader": true } });
    let mapping = json!({ "ApplyMapping": { "Name": "Types", "Inputs": ["src"], "Mapping": [
        { "ToKey": "amount", "FromPath": ["amount"], "FromType": "double", "ToType": "decimal(20,2)" } ] } });
    let err = run(json!({ "CodeGenConfigurationNodes": {
        "src": source, "map": mapping,
        "out": { "S3DirectTarget": { "Name": "C", "Inputs": ["map"], "Path": s(&dir.path().join("o2")), "Format": "csv" } }
    }}))
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("wide/d.csv") && err.contains("123456789012345678901.5"),
        "{err}"
    );

    // A headerless file: its columns are col0, col1, … (renamed from the scan's).
    let bare = write(
        dir.path(),
        "bare/d.csv",
        "1|12345678901234567.89\n2|-0.05\n",
    );
    let source = json!({ "S3CsvSource": { "Name": "In", "Paths": [s(&bare)], "Separator": "pipe",
                                          "QuoteChar": "quote", "WithHeader": false } });
    let mapping = json!({ "ApplyMapping": { "Name": "Types", "Inputs": ["src"], "Mapping": [
        { "ToKey": "id", "FromPath": ["col0"], "FromType": "long", "ToType": "long" },
        { "ToKey": "amount", "FromPath": ["col1"], "FromType": "double", "ToType": "decimal(20,2)" } ] } });
    let out = dir.path().join("o3");
    run(json!({ "CodeGenConfigurationNodes": {
        "src": source, "map": mapping,
        "out": { "S3DirectTarget": { "Name": "C", "Inputs": ["map"], "Path": s(&out), "Format": "csv" } }
    }}))
    .await
    .unwrap();
    let (header, mut rows) = csv_lines(&out);
    rows.sort();
    assert_eq!(header, "id,amount");
    assert_eq!(rows, ["1,12345678901234567.89", "2,-0.05"]);
}
