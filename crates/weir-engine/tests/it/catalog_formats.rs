//! Avro and ORC catalog tables, read by catalog nodes and from SQL: real files (Avro written with
//! `apache-avro`, ORC with `orc-rust` and, for the types `orc-rust` cannot write, Apache ORC's own
//! writer in `data/types.orc`), partitions from the catalog, partition pruning, read errors
//! that name the file, and targets that refuse to write these formats.

use std::path::Path;
use std::sync::Arc;

use datafusion::apache_avro::types::Value as Avro;
use datafusion::apache_avro::{Schema as AvroSchema, Writer};
use datafusion::arrow::array::{BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use serde_json::{json, Value};

use crate::support::{json_rows, s, to_json, write, write_bytes, TestCatalog};

/// Columns of both tables, as the catalog has them (Avro's lacks `price`: see
/// `avro_decimal_columns_are_refused_by_name`).
fn columns(with_price: bool) -> Value {
    let mut columns = vec![
        json!({ "Name": "id", "Type": "bigint" }),
        json!({ "Name": "name", "Type": "string" }),
        json!({ "Name": "day", "Type": "date" }),
        json!({ "Name": "ts", "Type": "timestamp" }),
        json!({ "Name": "point", "Type": "struct<x:int,label:string>" }),
        json!({ "Name": "score", "Type": "double" }),
        json!({ "Name": "flag", "Type": "boolean" }),
    ];
    if with_price {
        columns.insert(2, json!({ "Name": "price", "Type": "decimal(10,2)" }));
    }
    Value::Array(columns)
}

/// Creates table `formats.<name>` at `location`, partitioned by `year int` with a partition
/// per (year, folder), described by `format` (Parameters and StorageDescriptor members).
async fn create_table(
    catalog: &TestCatalog,
    name: &str,
    format: Value,
    columns: Value,
    location: &Path,
    partitions: &[(&str, &str)],
) {
    if catalog
        .catalog
        .call("GetDatabase", &json!({ "Name": "formats" }))
        .await
        .is_err()
    {
        catalog
            .call(
                "CreateDatabase",
                json!({ "DatabaseInput": { "Name": "formats" } }),
            )
            .await;
    }
    let sd = |location: String| {
        let mut sd = json!({ "Columns": columns, "Location": location });
        for (k, v) in format["StorageDescriptor"].as_object().unwrap() {
            sd[k] = v.clone();
        }
        sd
    };
    let root = format!("{}/", location.display());
    catalog
        .call(
            "CreateTable",
            json!({ "DatabaseName": "formats", "TableInput": {
                "Name": name,
                "Parameters": format["Parameters"],
                "PartitionKeys": [{ "Name": "year", "Type": "int" }],
                "StorageDescriptor": sd(root.clone())
            }}),
        )
        .await;
    let partitions: Vec<Value> = partitions
        .iter()
        .map(|(year, folder)| json!({ "Values": [year], "StorageDescriptor": sd(format!("{root}{folder}/")) }))
        .collect();
    catalog
        .call(
            "BatchCreatePartition",
            json!({ "DatabaseName": "formats", "TableName": name, "PartitionInputList": partitions }),
        )
        .await;
}

/// Runs `job` (which writes JSON lines to `out`) and returns the rows written.
async fn rows(catalog: &TestCatalog, job: Value, out: &Path) -> Vec<Value> {
    catalog.run(job).await.unwrap();
    json_rows(out)
}

/// A SparkSQL job over the catalog (no input of its own but a one-row CSV, as SparkSQL nodes
/// need an input), writing JSON lines to `out`.
fn sql_job(dir: &Path, query: &str, out: &Path) -> Value {
    let input = write(dir, "one.csv", "x\n1\n");
    json!({ "CodeGenConfigurationNodes": {
        "in": { "S3CsvSource": { "Name": "in", "Paths": [s(&input)], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
        "sql": { "SparkSQL": { "Name": "q", "Inputs": ["in"], "SqlAliases": [{ "From": "in", "Alias": "one" }], "SqlQuery": query } },
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["sql"], "Path": s(out), "Format": "json" } }
    }})
}

// ---------------------------------------------------------------------------------------------
// Avro

const AVRO_SCHEMA: &str = r#"{ "type": "record", "name": "row", "fields": [
    { "name": "id", "type": "long" },
    { "name": "name", "type": ["null", "string"] },
    { "name": "day", "type": ["null", { "type": "int", "logicalType": "date" }] },
    { "name": "ts", "type": ["null", { "type": "long", "logicalType": "timestamp-micros" }] },
    { "name": "point", "type": ["null", { "type": "record", "name": "point", "fields": [
        { "name": "x", "type": ["null", "int"] }, { "name": "label", "type": "string" } ] }] },
    { "name": "score", "type": ["null", "double"] },
    { "name": "flag", "type": ["null", "boolean"] }
] }"#;

/// A nullable Avro value (`["null", T]`).
fn opt(value: Option<Avro>) -> Avro {
    match value {
        Some(v) => Avro::Union(1, Box::new(v)),
        None => Avro::Union(0, Box::new(Avro::Null)),
    }
}

/// An Avro row: id, name, day (days since 1970), ts (µs since 1970), point (x, label), score,
/// flag.
#[allow(clippy::type_complexity)]
fn avro_row(
    id: i64,
    name: Option<&str>,
    day: Option<i32>,
    ts: Option<i64>,
    point: Option<(Option<i32>, &str)>,
    score: Option<f64>,
    flag: Option<bool>,
) -> Avro {
    let point = point.map(|(x, label)| {
        Avro::Record(vec![
            ("x".into(), opt(x.map(Avro::Int))),
            ("label".into(), Avro::String(label.into())),
        ])
    });
    Avro::Record(vec![
        ("id".into(), Avro::Long(id)),
        ("name".into(), opt(name.map(|n| Avro::String(n.into())))),
        ("day".into(), opt(day.map(Avro::Date))),
        ("ts".into(), opt(ts.map(Avro::TimestampMicros))),
        ("point".into(), opt(point)),
        ("score".into(), opt(score.map(Avro::Double))),
        ("flag".into(), opt(flag.map(Avro::Boolean))),
    ])
}

fn avro_file(schema: &str, rows: Vec<Avro>) -> Vec<u8> {
    let schema = AvroSchema::parse_str(schema).unwrap();
    let mut writer = Writer::new(&schema, Vec::new());
    for row in rows {
        writer.append(row).unwrap();
    }
    writer.into_inner().unwrap()
}

/// `formats.events`, Avro as Hive describes it (SerDe and input format, no classification):
/// partitions 2023 and 2024 (Hive-style folders) and 1999, whose file is not Avro at all.
async fn avro_table(catalog: &TestCatalog, dir: &Path) {
    let root = dir.join("lake/events");
    let file = avro_file(
        AVRO_SCHEMA,
        vec![
            avro_row(
                1,
                Some("ann"),
                Some(19782),
                Some(1_704_164_645_123_456),
                Some((Some(1), "a")),
                Some(1.5),
                Some(true),
            ),
            avro_row(2, None, None, None, None, None, Some(false)),
            avro_row(
                3,
                Some("cy"),
                Some(-1),
                Some(-1_500_000),
                Some((None, "c")),
                Some(-2.25),
                None,
            ),
        ],
    );
    write_bytes(&root, "year=2023/part-0.avro", &file);
    let later = avro_file(
        AVRO_SCHEMA,
        vec![avro_row(
            10,
            Some("dee"),
            Some(19875),
            None,
            None,
            None,
            None,
        )],
    );
    write_bytes(&root, "year=2024/part-0.avro", &later);
    write_bytes(&root, "year=2024/_SUCCESS", b"marker");
    write(&root, "broken/part-0.avro", "Obj\u{1}this is not avro");
    let format = json!({
        "Parameters": {},
        "StorageDescriptor": {
            "InputFormat": "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
            "SerdeInfo": { "SerializationLibrary": "org.apache.hadoop.hive.serde2.avro.AvroSerDe" }
        }
    });
    create_table(
        catalog,
        "events",
        format,
        columns(false),
        &root,
        &[
            ("2023", "year=2023"),
            ("2024", "year=2024"),
            ("1999", "broken"),
        ],
    )
    .await;
}

fn avro_rows_2023() -> Vec<Value> {
    vec![
        json!({ "id": 1, "name": "ann", "day": "2024-02-29", "ts": "2024-01-02T03:04:05.123456",
                "point": { "x": 1, "label": "a" }, "score": 1.5, "flag": true, "year": 2023 }),
        json!({ "id": 2, "flag": false, "year": 2023 }),
        json!({ "id": 3, "name": "cy", "day": "1969-12-31", "ts": "1969-12-31T23:59:58.500",
                "point": { "label": "c" }, "score": -2.25, "year": 2023 }),
    ]
}

fn avro_row_2024() -> Value {
    json!({ "id": 10, "name": "dee", "day": "2024-06-01", "year": 2024 })
}

#[tokio::test]
async fn avro_tables_read_through_catalog_nodes_pruned_by_partition_predicates() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    avro_table(&catalog, dir.path()).await;
    let out = dir.path().join("out");
    let source = json!({ "CatalogSource": { "Name": "events", "Database": "formats", "Table": "events",
                                            "PartitionPredicate": "year >= 2023" } });
    let mut expected = avro_rows_2023();
    expected.push(avro_row_2024());
    expected.sort_by_key(|r| r.to_string());
    assert_eq!(rows(&catalog, to_json(source, &out), &out).await, expected);

    let out = dir.path().join("out-2024");
    let source = json!({ "S3CatalogSource": { "Name": "events", "Database": "formats", "Table": "events",
                                              "PartitionPredicate": "year == 2024" } });
    assert_eq!(
        rows(&catalog, to_json(source, &out), &out).await,
        [avro_row_2024()]
    );
}

#[tokio::test]
async fn avro_tables_read_from_sql_with_a_partition_predicate() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    avro_table(&catalog, dir.path()).await;
    let out = dir.path().join("counts");
    let query =
        "SELECT e.year, count(*) AS n FROM formats.events e WHERE e.year > 2000 GROUP BY e.year";
    assert_eq!(
        rows(&catalog, sql_job(dir.path(), query, &out), &out).await,
        [
            json!({ "year": 2023, "n": 3 }),
            json!({ "year": 2024, "n": 1 })
        ]
    );
    let out = dir.path().join("out");
    let query =
        "SELECT e.id, e.name, e.ts, e.year FROM formats.events e WHERE e.year = 2023 AND e.id > 1";
    assert_eq!(
        rows(&catalog, sql_job(dir.path(), query, &out), &out).await,
        [
            json!({ "id": 2, "year": 2023 }),
            json!({ "id": 3, "name": "cy", "ts": "1969-12-31T23:59:58.500", "year": 2023 }),
        ]
    );
}

#[tokio::test]
async fn a_corrupt_avro_file_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    avro_table(&catalog, dir.path()).await;
    let source =
        json!({ "CatalogSource": { "Name": "events", "Database": "formats", "Table": "events" } });
    let err = catalog
        .run(to_json(source, &dir.path().join("out")))
        .await
        .unwrap_err()
        .to_string();
    let file = dir.path().join("lake/events/broken/part-0.avro");
    assert!(err.contains(&format!("file://{}", file.display())), "{err}");
    assert!(!dir.path().join("out").exists(), "nothing was committed");
}

/// DataFusion's Avro reader has no decimals: a decimal column is refused by name when it is read,
/// and the table's other columns, and counts, stay readable.
#[tokio::test]
async fn avro_decimal_columns_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    let root = dir.path().join("lake/prices");
    let schema = r#"{ "type": "record", "name": "row", "fields": [
        { "name": "id", "type": "long" },
        { "name": "price", "type": { "type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2 } }
    ] }"#;
    let file = avro_file(
        schema,
        vec![Avro::Record(vec![
            ("id".into(), Avro::Long(1)),
            (
                "price".into(),
                Avro::Decimal(1234i64.to_be_bytes().to_vec().into()),
            ),
        ])],
    );
    write_bytes(&root, "year=2024/part-0.avro", &file);
    let format = json!({ "Parameters": { "classification": "avro" }, "StorageDescriptor": {} });
    let columns =
        json!([{ "Name": "id", "Type": "bigint" }, { "Name": "price", "Type": "decimal(10,2)" }]);
    create_table(
        &catalog,
        "prices",
        format,
        columns,
        &root,
        &[("2024", "year=2024")],
    )
    .await;
    let source =
        json!({ "CatalogSource": { "Name": "prices", "Database": "formats", "Table": "prices" } });
    let err = catalog
        .run(to_json(source, &dir.path().join("out")))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("formats.prices") && err.contains("column price is decimal(10,2)"),
        "{err}"
    );
    let out = dir.path().join("ids");
    let query = "SELECT id, year FROM formats.prices WHERE year = 2024";
    assert_eq!(
        rows(&catalog, sql_job(dir.path(), query, &out), &out).await,
        [json!({ "id": 1, "year": 2024 })]
    );
    let out = dir.path().join("count");
    let query = "SELECT year, count(*) AS n FROM formats.prices GROUP BY year";
    assert_eq!(
        rows(&catalog, sql_job(dir.path(), query, &out), &out).await,
        [json!({ "year": 2024, "n": 1 })]
    );
}

// ---------------------------------------------------------------------------------------------
// ORC

/// `data/types.orc`: the rows of `orc_rows_2023`, written by Apache ORC (ZLIB-compressed).
const TYPES_ORC: &[u8] = include_bytes!("data/types.orc");

/// An ORC file written by `orc-rust`: columns `name, id, score, flag, extra` — in another order
/// than the table's, without its date, time, decimal and struct columns, and with one it lacks.
fn orc_rust_file() -> Vec<u8> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, true),
        Field::new("id", DataType::Int64, true),
        Field::new("score", DataType::Float64, true),
        Field::new("flag", DataType::Boolean, true),
        Field::new("extra", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec![Some("dee"), None])),
            Arc::new(Int64Array::from(vec![Some(10), Some(11)])),
            Arc::new(Float64Array::from(vec![Some(0.5), None])),
            Arc::new(BooleanArray::from(vec![None, Some(true)])),
            Arc::new(StringArray::from(vec![Some("x"), Some("y")])),
        ],
    )
    .unwrap();
    let mut file = Vec::new();
    let mut writer = orc_rust::ArrowWriterBuilder::new(&mut file, schema)
        .try_build()
        .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    file
}

/// `formats.readings`, ORC as a Glue crawler describes it (classification and SerDe):
/// partitions 2023 (Apache ORC's file), 2024 (orc-rust's) and 1999, whose file is not ORC.
async fn orc_table(catalog: &TestCatalog, dir: &Path) {
    let root = dir.join("lake/readings");
    write_bytes(&root, "year=2023/part-0.orc", TYPES_ORC);
    write_bytes(&root, "year=2024/part-0.orc", &orc_rust_file());
    write_bytes(&root, "year=2024/.part-0.orc.crc", b"hidden");
    write(&root, "broken/part-0.orc", "this is not an ORC file");
    let format = json!({
        "Parameters": { "classification": "orc" },
        "StorageDescriptor": {
            "InputFormat": "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
            "SerdeInfo": { "SerializationLibrary": "org.apache.hadoop.hive.ql.io.orc.OrcSerde" }
        }
    });
    create_table(
        catalog,
        "readings",
        format,
        columns(true),
        &root,
        &[
            ("2023", "year=2023"),
            ("2024", "year=2024"),
            ("1999", "broken"),
        ],
    )
    .await;
}

fn orc_rows_2023() -> Vec<Value> {
    vec![
        json!({ "id": 1, "name": "ann", "price": 12.34, "day": "2024-02-29", "ts": "2024-01-02T03:04:05.123456",
                "point": { "x": 1, "label": "a" }, "score": 1.5, "flag": true, "year": 2023 }),
        json!({ "id": 2, "flag": false, "year": 2023 }),
        json!({ "id": 3, "name": "cy", "price": -0.05, "day": "1969-12-31", "ts": "1969-12-31T23:59:58",
                "point": { "label": "c" }, "score": -2.25, "year": 2023 }),
    ]
}

fn orc_rows_2024() -> Vec<Value> {
    vec![
        json!({ "id": 10, "name": "dee", "score": 0.5, "year": 2024 }),
        json!({ "id": 11, "flag": true, "year": 2024 }),
    ]
}

#[tokio::test]
async fn orc_tables_read_through_catalog_nodes_pruned_by_partition_predicates() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    orc_table(&catalog, dir.path()).await;
    let out = dir.path().join("out");
    let source = json!({ "CatalogSource": { "Name": "readings", "Database": "formats", "Table": "readings",
                                            "PartitionPredicate": "year >= 2023" } });
    let mut expected = orc_rows_2023();
    expected.extend(orc_rows_2024());
    expected.sort_by_key(|r| r.to_string());
    assert_eq!(rows(&catalog, to_json(source, &out), &out).await, expected);

    let out = dir.path().join("out-2024");
    let source = json!({ "S3CatalogSource": { "Name": "readings", "Database": "formats", "Table": "readings",
                                              "PartitionPredicate": "year == 2024" } });
    assert_eq!(
        rows(&catalog, to_json(source, &out), &out).await,
        orc_rows_2024()
    );
}

#[tokio::test]
async fn orc_tables_read_from_sql_with_a_partition_predicate() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    orc_table(&catalog, dir.path()).await;
    let out = dir.path().join("out");
    let query = "SELECT r.price, r.id, r.day, r.year FROM formats.readings r \
                 WHERE r.year = 2023 AND r.price IS NOT NULL ORDER BY r.id";
    assert_eq!(
        rows(&catalog, sql_job(dir.path(), query, &out), &out).await,
        [
            json!({ "price": -0.05, "id": 3, "day": "1969-12-31", "year": 2023 }),
            json!({ "price": 12.34, "id": 1, "day": "2024-02-29", "year": 2023 }),
        ]
    );
    let out = dir.path().join("counts");
    let query =
        "SELECT r.year, count(*) AS n FROM formats.readings r WHERE r.year > 2000 GROUP BY r.year";
    assert_eq!(
        rows(&catalog, sql_job(dir.path(), query, &out), &out).await,
        [
            json!({ "year": 2023, "n": 3 }),
            json!({ "year": 2024, "n": 2 })
        ]
    );
}

#[tokio::test]
async fn a_corrupt_orc_file_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    orc_table(&catalog, dir.path()).await;
    let source = json!({ "CatalogSource": { "Name": "readings", "Database": "formats", "Table": "readings" } });
    let err = catalog
        .run(to_json(source, &dir.path().join("out")))
        .await
        .unwrap_err()
        .to_string();
    let file = dir.path().join("lake/readings/broken/part-0.orc");
    assert!(err.contains(&format!("file://{}", file.display())), "{err}");
    assert!(!dir.path().join("out").exists(), "nothing was committed");
}

#[tokio::test]
async fn targets_refuse_to_write_avro_and_orc_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    avro_table(&catalog, dir.path()).await;
    let input = write(dir.path(), "in.json", "{\"id\":5}\n");
    let source = json!({ "S3JsonSource": { "Name": "In", "Paths": [s(&input)] } });
    let err = catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "src": source,
            "out": { "CatalogTarget": { "Name": "Out", "Inputs": ["src"], "Database": "formats", "Table": "events" } }
        }}))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("node out")
            && err.contains("formats.events is stored as avro")
            && err.contains("writes only csv, json and parquet"),
        "{err}"
    );
    let err = catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "src": source,
            "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["src"], "Path": s(&dir.path().join("o")), "Format": "orc" } }
        }}))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("node out")
            && err.contains("Format 'orc' (Weir writes csv, json and parquet)"),
        "{err}"
    );
}
