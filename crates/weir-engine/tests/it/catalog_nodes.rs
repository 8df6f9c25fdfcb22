//! Catalog sources and targets on nulls, nested structs and empty input, against a real catalog:
//! a target creates the table, catalog targets append to it, catalog sources read it.

use serde_json::{json, Value};

use crate::support::{json_rows, s, write, TestCatalog};

const NESTED: &str = "{\"id\":1,\"name\":\"a\",\"s\":{\"x\":1,\"y\":\"p\"}}\n\
                      {\"id\":2,\"name\":null,\"s\":null}\n\
                      {\"id\":null,\"name\":\"c\",\"s\":{\"x\":null,\"y\":\"q\"}}\n";

fn written_rows() -> Vec<Value> {
    vec![
        json!({"id": 1, "name": "a", "s": {"x": 1, "y": "p"}}),
        json!({"id": 2}),
        json!({"name": "c", "s": {"y": "q"}}),
    ]
}

/// Reads table `d.t` through `node_type` and returns its rows.
async fn read_table(catalog: &TestCatalog, node_type: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "src": { node_type: { "Name": "Table", "Database": "d", "Table": "t" } },
            "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["src"], "Path": s(&out), "Format": "json" } }
        }}))
        .await
    .unwrap();
    json_rows(&out)
}

#[tokio::test]
async fn catalog_targets_and_sources_keep_nulls_and_structs() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.json", NESTED);
    let empty = write(dir.path(), "empty/in.csv", "id,name\n");
    let table = dir.path().join("warehouse/t");
    let catalog = TestCatalog::new().await;
    catalog
        .call(
            "CreateDatabase",
            json!({ "DatabaseInput": { "Name": "d" } }),
        )
        .await;
    // An S3 target creates the table with the written (nested) schema.
    catalog.run(
        json!({ "CodeGenConfigurationNodes": {
            "src": { "S3JsonSource": { "Name": "In", "Paths": [s(&input)] } },
            "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["src"], "Path": s(&table), "Format": "parquet",
                "SchemaChangePolicy": { "EnableUpdateCatalog": true, "UpdateBehavior": "UPDATE_IN_DATABASE", "Database": "d", "Table": "t" } } }
        }}),
    )
    .await
    .unwrap();
    let table = catalog
        .call("GetTable", json!({ "DatabaseName": "d", "Name": "t" }))
        .await;
    let columns = table["Table"]["StorageDescriptor"]["Columns"].clone();
    assert_eq!(
        columns,
        json!([{ "Name": "id", "Type": "bigint" }, { "Name": "name", "Type": "string" },
               { "Name": "s", "Type": "struct<x:bigint,y:string>" }])
    );
    for node_type in ["CatalogSource", "S3CatalogSource"] {
        assert_eq!(
            read_table(&catalog, node_type).await,
            written_rows(),
            "{node_type}"
        );
    }
    // Catalog targets append the same rows; an empty input appends none.
    for (node_type, source) in [
        (
            "CatalogTarget",
            json!({ "S3JsonSource": { "Name": "In", "Paths": [s(&input)] } }),
        ),
        (
            "S3CatalogTarget",
            json!({ "S3CsvSource": { "Name": "In", "Paths": [s(&empty)], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } }),
        ),
    ] {
        let summary = catalog.run(
            json!({ "CodeGenConfigurationNodes": {
                "src": source,
                "t": { node_type: { "Name": "T", "Inputs": ["src"], "Database": "d", "Table": "t" } }
            }}),
        )
        .await
        .unwrap_or_else(|e| panic!("{node_type}: {e}"));
        let expected = if node_type == "CatalogTarget" { 3 } else { 0 };
        let t = summary.nodes.iter().find(|n| n.node == "t").unwrap();
        assert_eq!(t.rows_written, Some(expected), "{node_type}");
    }
    let mut twice = written_rows();
    twice.extend(written_rows());
    twice.sort_by_key(|r| r.to_string());
    assert_eq!(read_table(&catalog, "CatalogSource").await, twice);
}
