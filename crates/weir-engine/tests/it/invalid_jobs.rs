//! Jobs rejected before they run, with errors that name the node and the field.

use serde_json::{json, Value};

use crate::support::run;

fn csv_source() -> Value {
    json!({ "S3CsvSource": { "Name": "In", "Paths": ["/nonexistent/in.csv"], "Separator": "comma", "QuoteChar": "quote" } })
}

fn target(input: &str) -> Value {
    json!({ "S3DirectTarget": { "Name": "Out", "Inputs": [input], "Path": "/nonexistent/out/", "Format": "csv" } })
}

async fn error_of(nodes: Value) -> String {
    run(json!({ "Name": "bad", "CodeGenConfigurationNodes": nodes }))
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn an_input_naming_no_node_is_rejected() {
    let e = error_of(json!({ "src": csv_source(), "out": target("ghost") })).await;
    assert!(e.contains("node out") && e.contains("ghost"), "{e}");
}

#[tokio::test]
async fn a_cycle_is_rejected_naming_its_nodes() {
    let e = error_of(json!({
        "src": csv_source(),
        "a": { "DropFields": { "Name": "A", "Inputs": ["b"], "Paths": [["x"]] } },
        "b": { "DropFields": { "Name": "B", "Inputs": ["a"], "Paths": [["x"]] } },
        "out": target("a")
    }))
    .await;
    assert!(e.contains("cycle") && e.contains("a, b"), "{e}");
}

#[tokio::test]
async fn node_types_not_run_yet_are_rejected_with_a_reason() {
    let e = error_of(json!({
        "src": csv_source(),
        "pii": { "PIIDetection": { "Name": "PII", "Inputs": ["src"], "PiiType": "RowAudit", "EntityTypesToDetect": ["EMAIL"] } },
        "out": target("pii")
    }))
    .await;
    assert!(
        e.contains("node pii") && e.contains("PIIDetection") && e.contains("not supported"),
        "{e}"
    );
}

#[tokio::test]
async fn model_constraints_name_the_field() {
    let mut source = csv_source();
    source["S3CsvSource"]["Separator"] = json!("colon");
    let e = error_of(json!({ "src": source, "out": target("src") })).await;
    assert!(e.contains("separator") && e.contains("colon"), "{e}");
    let e = error_of(json!({ "src": { "S3CsvSource": { "Name": "In", "Paths": ["/x"], "QuoteChar": "quote" } }, "out": target("src") })).await;
    assert!(e.to_lowercase().contains("separator"), "{e}");
}

#[tokio::test]
async fn a_job_without_targets_or_nodes_is_rejected() {
    assert!(error_of(json!({ "src": csv_source() }))
        .await
        .contains("no target"));
    assert!(error_of(json!({})).await.contains("no nodes"));
}

#[tokio::test]
async fn a_mapping_of_a_missing_field_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = crate::support::write(dir.path(), "in.csv", "a,b\n1,2\n");
    let mut source = csv_source();
    source["S3CsvSource"]["Paths"] = json!([input.to_str().unwrap()]);
    source["S3CsvSource"]["WithHeader"] = json!(true);
    let e = error_of(json!({
        "src": source,
        "map": { "ApplyMapping": { "Name": "M", "Inputs": ["src"], "Mapping": [{ "ToKey": "z", "FromPath": ["nope"], "FromType": "string", "ToType": "int" }] } },
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["map"], "Path": dir.path().join("out").to_str().unwrap(), "Format": "csv" } }
    }))
    .await;
    assert!(
        e.contains("node map") && e.contains("nope") && e.contains("a, b"),
        "{e}"
    );
}
