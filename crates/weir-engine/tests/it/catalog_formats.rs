//! Avro and ORC catalog tables, read by catalog nodes and from SQL: real files (Avro written with
//! `arrow-avro`, ORC with `orc-rust` and, for the types `orc-rust` cannot write, Apache ORC's own
//! writer in `data/types.orc`), partitions from the catalog, partition pruning, read errors
//! that name the file, and targets that refuse to write these formats.

use std::path::Path;
use std::sync::Arc;

use arrow_avro::writer::AvroWriter;
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array,
    MapArray, RecordBatch, StringArray, StructArray, TimestampMicrosecondArray,
    TimestampMillisecondArray,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema};
use serde_json::{json, Value};

use crate::support::{files, json_rows, s, to_json, write, write_bytes, TestCatalog};

/// Columns of both tables, as the catalog has them (Avro's lacks `price`: see
/// `avro_logical_types_and_maps_read_as_the_catalog_types`).
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

/// An Avro row: id, name, day (days since 1970), ts (µs since 1970), point (x, label), score,
/// flag.
type AvroRow<'a> = (
    i64,
    Option<&'a str>,
    Option<i32>,
    Option<i64>,
    Option<(Option<i32>, &'a str)>,
    Option<f64>,
    Option<bool>,
);

/// An Avro file of `rows` with the Avro schema `AVRO_SCHEMA`, written by `arrow-avro`.
fn avro_file(rows: &[AvroRow]) -> Vec<u8> {
    let point_fields = Fields::from(vec![
        Field::new("x", DataType::Int32, true),
        Field::new("label", DataType::Utf8, false),
    ]);
    let points = StructArray::new(
        point_fields.clone(),
        vec![
            Arc::new(Int32Array::from_iter(
                rows.iter().map(|r| r.4.and_then(|p| p.0)),
            )),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.4.map_or("", |p| p.1)),
            )),
        ],
        Some(NullBuffer::from_iter(rows.iter().map(|r| r.4.is_some()))),
    );
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.1))),
        Arc::new(Date32Array::from_iter(rows.iter().map(|r| r.2))),
        Arc::new(
            TimestampMicrosecondArray::from_iter(rows.iter().map(|r| r.3)).with_timezone("+00:00"),
        ),
        Arc::new(points),
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.5))),
        Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.6))),
    ];
    avro_bytes(AVRO_SCHEMA, columns)
}

/// An Avro file holding `columns` under the Avro schema `schema` (JSON; a field is nullable
/// when its type is a union).
fn avro_bytes(schema: &str, columns: Vec<ArrayRef>) -> Vec<u8> {
    let record: Value = serde_json::from_str(schema).unwrap();
    let names = record["fields"].as_array().unwrap().iter();
    let fields: Vec<Field> = names
        .zip(&columns)
        .map(|(f, c)| {
            let union = f["type"].is_array();
            Field::new(f["name"].as_str().unwrap(), c.data_type().clone(), union)
        })
        .collect();
    let metadata = [("avro.schema".to_string(), schema.to_string())].into();
    let arrow = Arc::new(Schema::new_with_metadata(fields, metadata));
    let batch = RecordBatch::try_new(arrow.clone(), columns).unwrap();
    let mut writer = AvroWriter::new(Vec::new(), arrow.as_ref().clone()).unwrap();
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
    writer.into_inner()
}

/// `formats.events`, Avro as Hive describes it (SerDe and input format, no classification):
/// partitions 2023 and 2024 (Hive-style folders) and 1999, whose file is not Avro at all.
async fn avro_table(catalog: &TestCatalog, dir: &Path) {
    let root = dir.join("lake/events");
    let file = avro_file(&[
        (
            1,
            Some("ann"),
            Some(19782),
            Some(1_704_164_645_123_456),
            Some((Some(1), "a")),
            Some(1.5),
            Some(true),
        ),
        (2, None, None, None, None, None, Some(false)),
        (
            3,
            Some("cy"),
            Some(-1),
            Some(-1_500_000),
            Some((None, "c")),
            Some(-2.25),
            None,
        ),
    ]);
    write_bytes(&root, "year=2023/part-0.avro", &file);
    let later = avro_file(&[(10, Some("dee"), Some(19875), None, None, None, None)]);
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

/// Avro's logical types read as the catalog's types: decimals (as bytes; `fixed` ones in the
/// reader's unit tests), UTC and local timestamps in milliseconds, maps.
#[tokio::test]
async fn avro_logical_types_and_maps_read_as_the_catalog_types() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    let root = dir.path().join("lake/prices");
    let schema = r#"{ "type": "record", "name": "row", "fields": [
        { "name": "id", "type": "long" },
        { "name": "price", "type": ["null", { "type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2 }] },
        { "name": "big", "type": { "type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 4 } },
        { "name": "created", "type": ["null", { "type": "long", "logicalType": "timestamp-millis" }] },
        { "name": "local", "type": { "type": "long", "logicalType": "local-timestamp-millis" } },
        { "name": "tags", "type": { "type": "map", "values": "long" } }
    ] }"#;
    let entries = Fields::from(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("value", DataType::Int64, false),
    ]);
    let tags = MapArray::new(
        Arc::new(Field::new(
            "entries",
            DataType::Struct(entries.clone()),
            false,
        )),
        OffsetBuffer::new(vec![0, 2, 2].into()),
        StructArray::new(
            entries,
            vec![
                Arc::new(StringArray::from(vec!["a", "b"])),
                Arc::new(Int64Array::from(vec![1, 2])),
            ],
            None,
        ),
        None,
        false,
    );
    let file = avro_bytes(
        schema,
        vec![
            Arc::new(Int64Array::from(vec![1, 2])),
            Arc::new(
                Decimal128Array::from(vec![Some(1234), None])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
            Arc::new(
                Decimal128Array::from(vec![-123_456_789_012_345_678_901_234_567i128, 5])
                    .with_precision_and_scale(38, 4)
                    .unwrap(),
            ),
            Arc::new(
                TimestampMillisecondArray::from(vec![Some(1_704_164_645_123), None])
                    .with_timezone("+00:00"),
            ),
            Arc::new(TimestampMillisecondArray::from(vec![0, -1])),
            Arc::new(tags),
        ],
    );
    write_bytes(&root, "year=2024/part-0.avro", &file);
    let format = json!({ "Parameters": { "classification": "avro" }, "StorageDescriptor": {} });
    let columns = json!([
        { "Name": "id", "Type": "bigint" }, { "Name": "price", "Type": "decimal(10,2)" },
        { "Name": "big", "Type": "decimal(38,4)" }, { "Name": "created", "Type": "timestamp" },
        { "Name": "local", "Type": "timestamp" }, { "Name": "tags", "Type": "map<string,bigint>" }
    ]);
    create_table(
        &catalog,
        "prices",
        format,
        columns,
        &root,
        &[("2024", "year=2024")],
    )
    .await;
    let out = dir.path().join("out");
    let query = "SELECT id, price, CAST(big AS STRING) AS big, created, local, tags['a'] AS a, \
                 cardinality(tags) AS n FROM formats.prices WHERE year = 2024";
    assert_eq!(
        rows(&catalog, sql_job(dir.path(), query, &out), &out).await,
        [
            json!({ "id": 1, "price": 12.34, "big": "-12345678901234567890123.4567",
                    "created": "2024-01-02T03:04:05.123", "local": "1970-01-01T00:00:00",
                    "a": 1, "n": 2 }),
            json!({ "id": 2, "big": "0.0005", "local": "1969-12-31T23:59:59.999", "n": 0 }),
        ]
    );
    let out = dir.path().join("count");
    let query = "SELECT year, count(*) AS n, sum(price) AS total FROM formats.prices GROUP BY year";
    assert_eq!(
        rows(&catalog, sql_job(dir.path(), query, &out), &out).await,
        [json!({ "year": 2024, "n": 2, "total": 12.34 })]
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

/// An Avro target writes Avro files (partitioned, with the codec asked for) and creates their
/// catalog table, which reads back as what was written; ORC is read but not written.
#[tokio::test]
async fn avro_targets_write_tables_that_read_back_and_orc_targets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    avro_table(&catalog, dir.path()).await;
    let copied = dir.path().join("lake/copied");
    let job = json!({ "CodeGenConfigurationNodes": {
        "src": { "CatalogSource": { "Name": "events", "Database": "formats", "Table": "events",
                                    "PartitionPredicate": "year >= 2023" } },
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["src"], "Path": s(&copied),
                 "Format": "avro", "Compression": "deflate", "PartitionKeys": [["year"]],
                 "SchemaChangePolicy": { "EnableUpdateCatalog": true, "UpdateBehavior": "UPDATE_IN_DATABASE",
                                         "Database": "formats", "Table": "copied" } } }
    }});
    let summary = catalog.run(job).await.unwrap();
    assert_eq!(
        summary
            .nodes
            .iter()
            .filter_map(|n| n.rows_written)
            .sum::<u64>(),
        4
    );
    let written = files(&copied);
    assert!(
        written.iter().all(|f| f.ends_with(".avro"))
            && written.iter().any(|f| f.starts_with("year=2023/"))
            && written.iter().any(|f| f.starts_with("year=2024/")),
        "{written:?}"
    );
    let first = std::fs::read(copied.join(&written[0])).unwrap();
    let header = String::from_utf8_lossy(&first[..first.len().min(4096)]).to_string();
    assert!(
        first.starts_with(b"Obj\x01") && header.contains("deflate"),
        "{header}"
    );
    let table = catalog
        .catalog
        .call(
            "GetTable",
            &json!({ "DatabaseName": "formats", "Name": "copied" }),
        )
        .await
        .unwrap();
    assert_eq!(table["Table"]["Parameters"]["classification"], "avro");
    let out = dir.path().join("back");
    let mut expected = avro_rows_2023();
    expected.push(avro_row_2024());
    expected.sort_by_key(|r| r.to_string());
    assert_eq!(
        rows(
            &catalog,
            sql_job(dir.path(), "SELECT * FROM formats.copied", &out),
            &out
        )
        .await,
        expected
    );

    let input = write(dir.path(), "in.json", "{\"id\":5}\n");
    let source = json!({ "S3JsonSource": { "Name": "In", "Paths": [s(&input)] } });
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
            && err.contains("Format 'orc' (Weir writes csv, json, parquet and avro)"),
        "{err}"
    );
}
