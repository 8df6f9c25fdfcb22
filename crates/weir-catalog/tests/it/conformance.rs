//! The metastore conformance suite: each scenario runs on SQLite and on PostgreSQL.

use std::future::Future;

use serde_json::{json, Value};
use weir_catalog::Catalog;
use weir_model::ErrorKind;

use crate::support::{backends, call, err, ok};

/// Runs a scenario on every backend.
pub async fn on_every_backend<F, Fut>(scenario: F)
where
    F: Fn(Catalog) -> Fut,
    Fut: Future<Output = ()>,
{
    for backend in backends().await {
        eprintln!("backend: {}", backend.label());
        let catalog = backend.catalog().await;
        scenario(catalog.clone()).await;
        backend.cleanup(catalog).await;
    }
}

pub async fn setup_table(c: &Catalog, db: &str, table: &str, keys: Value) {
    let _ = call(
        c,
        "CreateDatabase",
        json!({ "DatabaseInput": { "Name": db } }),
    )
    .await;
    ok(c, "CreateTable", json!({
        "DatabaseName": db,
        "TableInput": {
            "Name": table,
            "StorageDescriptor": { "Columns": [{ "Name": "v", "Type": "string" }], "Location": "s3://bucket/t/" },
            "PartitionKeys": keys,
        }
    }))
    .await;
}

pub fn partition(values: &[&str]) -> Value {
    json!({ "Values": values, "StorageDescriptor": { "Location": format!("s3://bucket/t/{}", values.join("/")) } })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_delete_cascades_to_everything_it_holds() {
    on_every_backend(|c| async move {
        setup_table(&c, "Sales", "orders", json!([{ "Name": "year", "Type": "int" }])).await;
        ok(&c, "BatchCreatePartition", json!({
            "DatabaseName": "sales", "TableName": "orders", "PartitionInputList": [partition(&["2023"]), partition(&["2024"])]
        }))
        .await;
        ok(&c, "CreateUserDefinedFunction", json!({
            "DatabaseName": "sales", "FunctionInput": { "FunctionName": "f", "ClassName": "a.B", "OwnerType": "USER", "OwnerName": "me" }
        }))
        .await;
        let db = ok(&c, "GetDatabase", json!({ "Name": "SALES" })).await;
        assert_eq!(db["Database"]["Name"], "sales", "names are folded to lower case");
        ok(&c, "DeleteDatabase", json!({ "Name": "sales" })).await;
        ok(&c, "CreateDatabase", json!({ "DatabaseInput": { "Name": "sales" } })).await;
        let tables = ok(&c, "GetTables", json!({ "DatabaseName": "sales" })).await;
        assert_eq!(tables["TableList"], json!([]));
        let fns = ok(&c, "GetUserDefinedFunctions", json!({ "Pattern": "*" })).await;
        assert_eq!(fns["UserDefinedFunctions"], json!([]));
        let e = err(&c, "GetTable", json!({ "DatabaseName": "sales", "Name": "orders" })).await;
        assert_eq!(e.kind, ErrorKind::EntityNotFound);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_versions_are_optimistic_and_archived() {
    on_every_backend(|c| async move {
        setup_table(&c, "db", "t", json!([])).await;
        let update = |version: Option<&str>, skip: bool, desc: &str| {
            let mut body = json!({ "DatabaseName": "db", "TableInput": { "Name": "t", "Description": desc }, "SkipArchive": skip });
            if let Some(v) = version {
                body["VersionId"] = json!(v);
            }
            body
        };
        ok(&c, "UpdateTable", update(Some("0"), false, "one")).await;
        let e = err(&c, "UpdateTable", update(Some("0"), false, "stale")).await;
        assert_eq!(e.kind, ErrorKind::ConcurrentModification);
        ok(&c, "UpdateTable", update(None, true, "two")).await;
        let t = ok(&c, "GetTable", json!({ "DatabaseName": "db", "Name": "t" })).await;
        assert_eq!(t["Table"]["VersionId"], "2");
        assert_eq!(t["Table"]["Description"], "two");
        let versions = ok(&c, "GetTableVersions", json!({ "DatabaseName": "db", "TableName": "t" })).await;
        let ids: Vec<&str> = versions["TableVersions"].as_array().unwrap().iter().map(|v| v["VersionId"].as_str().unwrap()).collect();
        assert_eq!(ids, ["2", "0"], "SkipArchive replaced version 1 instead of archiving it");
        let e = err(&c, "DeleteTableVersion", json!({ "DatabaseName": "db", "TableName": "t", "VersionId": "2" })).await;
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        ok(&c, "DeleteTableVersion", json!({ "DatabaseName": "db", "TableName": "t", "VersionId": "0" })).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_create_table_leaves_nothing_behind() {
    on_every_backend(|c| async move {
        ok(
            &c,
            "CreateDatabase",
            json!({ "DatabaseInput": { "Name": "db" } }),
        )
        .await;
        let e = err(
            &c,
            "CreateTable",
            json!({
                "DatabaseName": "db",
                "TableInput": { "Name": "t", "PartitionKeys": [{ "Name": "year", "Type": "int" }] },
                "PartitionIndexes": [{ "IndexName": "i", "Keys": ["not_a_key"] }]
            }),
        )
        .await;
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(e.message.contains("not_a_key"), "{}", e.message);
        let e = err(&c, "GetTable", json!({ "DatabaseName": "db", "Name": "t" })).await;
        assert_eq!(
            e.kind,
            ErrorKind::EntityNotFound,
            "the table of a failed create must not exist"
        );
    })
    .await;
}

/// Partition values of a 3-key table: year int, month int, region string.
fn grid() -> Vec<[String; 3]> {
    let mut out = Vec::new();
    for year in 2019..=2022 {
        for month in 1..=12 {
            for region in ["eu-west-1", "us-east-1", "ap-south-1"] {
                out.push([year.to_string(), month.to_string(), region.to_string()]);
            }
        }
    }
    out
}

async fn partition_values(c: &Catalog, expression: &str, max_results: usize) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10_000 {
        let mut body = json!({ "DatabaseName": "db", "TableName": "p", "Expression": expression, "MaxResults": max_results });
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let page = ok(c, "GetPartitions", body).await;
        for p in page["Partitions"].as_array().unwrap() {
            all.push(
                p["Values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect(),
            );
        }
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    all.sort();
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_partitions_is_typed_paginated_and_the_same_with_an_index() {
    on_every_backend(|c| async move {
        setup_table(&c, "db", "p", json!([
            { "Name": "year", "Type": "int" }, { "Name": "month", "Type": "int" }, { "Name": "region", "Type": "string" }
        ]))
        .await;
        let grid = grid();
        for chunk in grid.chunks(100) {
            let inputs: Vec<Value> = chunk.iter().map(|v| partition(&[&v[0], &v[1], &v[2]])).collect();
            let r = ok(&c, "BatchCreatePartition", json!({ "DatabaseName": "db", "TableName": "p", "PartitionInputList": inputs })).await;
            assert_eq!(r["Errors"], json!([]));
        }
        let expressions = [
            "month > 9",
            "year = 2021 AND month = 6",
            "region = 'eu-west-1' AND month BETWEEN 10 AND 12",
            "year IN (2019, 2022) AND NOT (month < 12)",
            "region LIKE 'us%' OR month = 1",
            "(year = 2020 OR year = 2021) AND region <> 'ap-south-1' AND month >= 11",
            "",
        ];
        let expected = |e: &str| -> Vec<Vec<String>> {
            let mut v: Vec<Vec<String>> = grid
                .iter()
                .filter(|p| {
                    let (y, m, r) = (p[0].parse::<i32>().unwrap(), p[1].parse::<i32>().unwrap(), p[2].as_str());
                    match e {
                        "month > 9" => m > 9,
                        "year = 2021 AND month = 6" => y == 2021 && m == 6,
                        "region = 'eu-west-1' AND month BETWEEN 10 AND 12" => r == "eu-west-1" && (10..=12).contains(&m),
                        "year IN (2019, 2022) AND NOT (month < 12)" => (y == 2019 || y == 2022) && m >= 12,
                        "region LIKE 'us%' OR month = 1" => r.starts_with("us") || m == 1,
                        "(year = 2020 OR year = 2021) AND region <> 'ap-south-1' AND month >= 11" => {
                            (y == 2020 || y == 2021) && r != "ap-south-1" && m >= 11
                        }
                        _ => true,
                    }
                })
                .map(|p| p.to_vec())
                .collect();
            v.sort();
            v
        };
        for e in expressions {
            assert_eq!(partition_values(&c, e, 7).await, expected(e), "scan: {e}");
        }
        ok(&c, "CreatePartitionIndex", json!({
            "DatabaseName": "db", "TableName": "p", "PartitionIndex": { "IndexName": "by_year_month", "Keys": ["year", "month"] }
        }))
        .await;
        ok(&c, "CreatePartitionIndex", json!({
            "DatabaseName": "db", "TableName": "p", "PartitionIndex": { "IndexName": "by_region", "Keys": ["region"] }
        }))
        .await;
        wait_for_active_indexes(&c, "db", "p").await;
        // Partitions added after the index are indexed too.
        ok(&c, "CreatePartition", json!({ "DatabaseName": "db", "TableName": "p", "PartitionInput": partition(&["2021", "6", "sa-east-1"]) })).await;
        ok(&c, "DeletePartition", json!({ "DatabaseName": "db", "TableName": "p", "PartitionValues": ["2021", "6", "sa-east-1"] })).await;
        for e in expressions {
            assert_eq!(partition_values(&c, e, 7).await, expected(e), "indexed: {e}");
        }
        let e = err(&c, "GetPartitions", json!({ "DatabaseName": "db", "TableName": "p", "Expression": "day = 1" })).await;
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(e.message.contains("day"), "{}", e.message);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_partition_errors_are_per_entry() {
    on_every_backend(|c| async move {
        setup_table(&c, "db", "p", json!([{ "Name": "k", "Type": "string" }])).await;
        let r = ok(&c, "BatchCreatePartition", json!({
            "DatabaseName": "db", "TableName": "p",
            "PartitionInputList": [partition(&["a"]), partition(&["a"]), partition(&["b", "extra"]), partition(&["c"])]
        }))
        .await;
        let codes: Vec<&str> = r["Errors"].as_array().unwrap().iter().map(|e| e["ErrorDetail"]["ErrorCode"].as_str().unwrap()).collect();
        assert_eq!(codes, ["AlreadyExistsException", "InvalidInputException"]);
        assert_eq!(partition_values_of(&c, "db", "p").await, [vec!["a".to_string()], vec!["c".to_string()]]);
        let r = ok(&c, "BatchDeletePartition", json!({
            "DatabaseName": "db", "TableName": "p", "PartitionsToDelete": [{ "Values": ["a"] }, { "Values": ["zz"] }]
        }))
        .await;
        assert_eq!(r["Errors"][0]["PartitionValues"], json!(["zz"]));
        assert_eq!(r["Errors"][0]["ErrorDetail"]["ErrorCode"], "EntityNotFoundException");
    })
    .await;
}

/// Polls GetPartitionIndexes until every index of the table is ACTIVE (they build in the background).
pub async fn wait_for_active_indexes(c: &Catalog, db: &str, table: &str) {
    for _ in 0..500 {
        let r = ok(
            c,
            "GetPartitionIndexes",
            json!({ "DatabaseName": db, "TableName": table }),
        )
        .await;
        let statuses: Vec<&str> = r["PartitionIndexDescriptorList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["IndexStatus"].as_str().unwrap())
            .collect();
        assert!(!statuses.contains(&"FAILED"), "{statuses:?}");
        if statuses.iter().all(|s| *s == "ACTIVE") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("partition indexes of {db}.{table} did not become ACTIVE");
}

/// The values of a table's partitions (one page), sorted.
pub async fn partition_values_of(c: &Catalog, db: &str, table: &str) -> Vec<Vec<String>> {
    let page = ok(
        c,
        "GetPartitions",
        json!({ "DatabaseName": db, "TableName": table }),
    )
    .await;
    let mut v: Vec<Vec<String>> = page["Partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["Values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loses_nothing() {
    for backend in backends().await {
        let c = backend.catalog().await;
        setup_table(&c, "db", "t", json!([{ "Name": "k", "Type": "string" }])).await;
        ok(
            &c,
            "CreatePartition",
            json!({ "DatabaseName": "db", "TableName": "t", "PartitionInput": partition(&["x"]) }),
        )
        .await;
        ok(&c, "CreateConnection", json!({ "ConnectionInput": {
            "Name": "pg", "ConnectionType": "JDBC",
            "ConnectionProperties": { "JDBC_CONNECTION_URL": "jdbc:postgresql://h/db", "USERNAME": "u", "PASSWORD": "s3cret" }
        }}))
        .await;
        c.store().close().await;
        let c = backend.catalog().await;
        ok(
            &c,
            "GetPartition",
            json!({ "DatabaseName": "db", "TableName": "t", "PartitionValues": ["x"] }),
        )
        .await;
        let conn = ok(&c, "GetConnection", json!({ "Name": "pg" })).await;
        assert_eq!(
            conn["Connection"]["ConnectionProperties"]["PASSWORD"],
            "s3cret"
        );
        let hidden = ok(
            &c,
            "GetConnection",
            json!({ "Name": "pg", "HidePassword": true }),
        )
        .await;
        assert!(hidden["Connection"]["ConnectionProperties"]
            .get("PASSWORD")
            .is_none());
        backend.cleanup(c).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_build_interrupted_by_a_stop_resumes_at_start() {
    on_every_backend(|c| async move {
        setup_table(&c, "db", "p", json!([{ "Name": "k", "Type": "int" }])).await;
        let inputs: Vec<Value> = (0..120).map(|i| partition(&[&i.to_string()])).collect();
        ok(&c, "BatchCreatePartition", json!({ "DatabaseName": "db", "TableName": "p", "PartitionInputList": inputs })).await;
        // An index recorded as CREATING whose build never ran: what a stop mid-build leaves.
        let mut tx = c.store().write().await.unwrap();
        let table = weir_metastore::databases::get(&mut tx, "db").await.unwrap().unwrap();
        let table = weir_metastore::tables::get(&mut tx, table.id, "p").await.unwrap().unwrap();
        weir_metastore::partitions::insert_index(&mut tx, table.id, "by_k", &["k".to_string()], "CREATING").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(c.resume_index_builds().await.unwrap(), 1);
        wait_for_active_indexes(&c, "db", "p").await;
        let page = ok(&c, "GetPartitions", json!({ "DatabaseName": "db", "TableName": "p", "Expression": "k IN (3, 77) OR k = 119" })).await;
        let mut got: Vec<String> =
            page["Partitions"].as_array().unwrap().iter().map(|p| p["Values"][0].as_str().unwrap().to_string()).collect();
        got.sort();
        assert_eq!(got, ["119", "3", "77"]);
    })
    .await;
}
