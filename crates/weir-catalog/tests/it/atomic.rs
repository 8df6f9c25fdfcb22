//! Atomic groups (`Catalog::call_atomic`): several operations in one metastore transaction, all
//! or nothing, on both backends.

use std::time::Duration;

use serde_json::{json, Value};
use weir_catalog::Catalog;
use weir_model::{ErrorKind, GlueError, Result};

use crate::conformance::{
    on_every_backend, partition, partition_values_of, setup_table, wait_for_active_indexes,
};
use crate::support::{err, ok};

/// A group that must finish within seconds: a deadlock fails the test instead of hanging it.
async fn group(c: &Catalog, calls: &[(&str, Value)]) -> Result<Vec<Value>> {
    let calls: Vec<(String, Value)> = calls
        .iter()
        .map(|(op, body)| (op.to_string(), body.clone()))
        .collect();
    tokio::time::timeout(Duration::from_secs(60), c.call_atomic(&calls))
        .await
        .expect("the group finishes (no deadlock)")
}

async fn failed_group(c: &Catalog, calls: &[(&str, Value)]) -> GlueError {
    match group(c, calls).await {
        Ok(v) => panic!("the group should have failed, returned {v:?}"),
        Err(e) => e,
    }
}

fn create_table(name: &str, keys: Value) -> Value {
    json!({
        "DatabaseName": "db",
        "TableInput": {
            "Name": name,
            "StorageDescriptor": { "Columns": [{ "Name": "v", "Type": "string" }], "Location": format!("s3://bucket/{name}/") },
            "PartitionKeys": keys,
        }
    })
}

fn add_partitions(table: &str, values: &[&[&str]]) -> Value {
    let inputs: Vec<Value> = values.iter().map(|v| partition(v)).collect();
    json!({ "DatabaseName": "db", "TableName": table, "PartitionInputList": inputs })
}

fn year_key() -> Value {
    json!([{ "Name": "year", "Type": "int" }])
}

async fn create_db(c: &Catalog) {
    ok(
        c,
        "CreateDatabase",
        json!({ "DatabaseInput": { "Name": "db" } }),
    )
    .await;
}

/// Asserts the table does not exist.
async fn assert_absent(c: &Catalog, table: &str) {
    let e = err(
        c,
        "GetTable",
        json!({ "DatabaseName": "db", "Name": table }),
    )
    .await;
    assert_eq!(
        e.kind,
        ErrorKind::EntityNotFound,
        "table {table} must not exist: {e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_commits_all_its_calls_and_later_calls_see_earlier_writes() {
    on_every_backend(|c| async move {
        create_db(&c).await;
        let responses = group(&c, &[
            ("CreateTable", create_table("events", year_key())),
            ("BatchCreatePartition", add_partitions("events", &[&["2023"], &["2024"]])),
            ("GetPartitions", json!({ "DatabaseName": "db", "TableName": "events", "Expression": "year > 2023" })),
        ])
        .await
        .unwrap();
        assert_eq!(responses.len(), 3);
        assert_eq!(responses[0], json!({}));
        assert_eq!(responses[1]["Errors"], json!([]));
        assert_eq!(responses[2]["Partitions"][0]["Values"], json!(["2024"]), "the group reads its own writes");
        let table = ok(&c, "GetTable", json!({ "DatabaseName": "db", "Name": "events" })).await;
        assert_eq!(table["Table"]["VersionId"], "0");
        assert_eq!(partition_values_of(&c, "db", "events").await, [vec!["2023".to_string()], vec!["2024".to_string()]]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_call_rolls_the_whole_group_back() {
    on_every_backend(|c| async move {
        create_db(&c).await;
        let e = failed_group(&c, &[
            ("CreateTable", create_table("events", year_key())),
            ("BatchCreatePartition", add_partitions("missing", &[&["2024"]])),
        ])
        .await;
        assert_eq!(e.kind, ErrorKind::EntityNotFound);
        assert_eq!(e.message, "call 2 (BatchCreatePartition): Table missing not found.");
        assert_absent(&c, "events").await;

        // A call that fails after the group's writes (wrong number of values) undoes them too.
        let e = failed_group(&c, &[
            ("CreateTable", create_table("events", year_key())),
            ("CreatePartition", json!({ "DatabaseName": "db", "TableName": "events", "PartitionInput": partition(&["2024", "01"]) })),
        ])
        .await;
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(e.message.starts_with("call 2 (CreatePartition): The number of partition keys"), "{}", e.message);
        assert_absent(&c, "events").await;

        // Nothing was left holding the metastore: the same group now commits, and so do plain calls.
        group(&c, &[
            ("CreateTable", create_table("events", year_key())),
            ("CreatePartition", json!({ "DatabaseName": "db", "TableName": "events", "PartitionInput": partition(&["2024"]) })),
        ])
        .await
        .unwrap();
        ok(&c, "CreatePartition", json!({ "DatabaseName": "db", "TableName": "events", "PartitionInput": partition(&["2025"]) })).await;
        assert_eq!(partition_values_of(&c, "db", "events").await.len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_validated_before_anything_runs() {
    on_every_backend(|c| async move {
        create_db(&c).await;
        let e = failed_group(
            &c,
            &[
                ("CreateTable", create_table("events", year_key())),
                (
                    "BatchCreatePartition",
                    json!({ "DatabaseName": "db", "TableName": "events" }),
                ),
            ],
        )
        .await;
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(
            e.message
                .starts_with("call 2 (BatchCreatePartition): 1 validation error detected"),
            "{}",
            e.message
        );
        assert!(e.message.contains("artitionInputList"), "{}", e.message);
        let e = failed_group(
            &c,
            &[
                ("CreateTable", create_table("events", year_key())),
                ("StartJobRun", json!({ "JobName": "j" })),
            ],
        )
        .await;
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(
            e.message.starts_with("call 2 (StartJobRun): "),
            "{}",
            e.message
        );
        assert_absent(&c, "events").await;
        assert_eq!(group(&c, &[]).await.unwrap(), Vec::<Value>::new());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_version_id_in_a_group_rolls_it_back() {
    on_every_backend(|c| async move {
        setup_table(&c, "db", "t", year_key()).await;
        let update = |version: &str, description: &str| {
            json!({ "DatabaseName": "db", "VersionId": version, "TableInput": { "Name": "t", "Description": description, "PartitionKeys": year_key() } })
        };
        // Version 0 is current when the group starts; its first update makes it stale.
        let e = failed_group(&c, &[
            ("UpdateTable", update("0", "first")),
            ("BatchCreatePartition", add_partitions("t", &[&["2024"]])),
            ("UpdateTable", update("0", "second")),
        ])
        .await;
        assert_eq!(e.kind, ErrorKind::ConcurrentModification);
        assert!(e.message.starts_with("call 3 (UpdateTable): "), "{}", e.message);
        let table = ok(&c, "GetTable", json!({ "DatabaseName": "db", "Name": "t" })).await;
        assert_eq!(table["Table"]["VersionId"], "0", "the first update was rolled back");
        assert!(table["Table"].get("Description").is_none());
        assert!(partition_values_of(&c, "db", "t").await.is_empty());
        let versions = ok(&c, "GetTableVersions", json!({ "DatabaseName": "db", "TableName": "t" })).await;
        assert_eq!(versions["TableVersions"].as_array().unwrap().len(), 1, "no archived version was kept");
        // With the version it just wrote, the group's second update commits.
        group(&c, &[("UpdateTable", update("0", "first")), ("UpdateTable", update("1", "second"))]).await.unwrap();
        let table = ok(&c, "GetTable", json!({ "DatabaseName": "db", "Name": "t" })).await;
        assert_eq!((&table["Table"]["VersionId"], &table["Table"]["Description"]), (&json!("2"), &json!("second")));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_entry_batch_error_rolls_the_group_back() {
    on_every_backend(|c| async move {
        setup_table(&c, "db", "t", year_key()).await;
        ok(&c, "CreatePartition", json!({ "DatabaseName": "db", "TableName": "t", "PartitionInput": partition(&["2023"]) })).await;
        let e = failed_group(&c, &[
            ("CreateTable", create_table("other", year_key())),
            ("BatchCreatePartition", add_partitions("t", &[&["2024"], &["2023"]])),
        ])
        .await;
        assert_eq!(e.kind, ErrorKind::AlreadyExists);
        assert_eq!(
            e.message,
            "call 2 (BatchCreatePartition): Partition already exists: [\"2023\"] (1 entry of the batch failed)"
        );
        assert_absent(&c, "other").await;
        assert_eq!(partition_values_of(&c, "db", "t").await, [vec!["2023".to_string()]], "2024 was rolled back");
        // BatchDeletePartition of a missing partition, after a delete that worked, undoes the delete.
        let e = failed_group(&c, &[(
            "BatchDeletePartition",
            json!({ "DatabaseName": "db", "TableName": "t", "PartitionsToDelete": [{ "Values": ["2023"] }, { "Values": ["1999"] }] }),
        )])
        .await;
        assert_eq!(e.kind, ErrorKind::EntityNotFound);
        assert!(e.message.starts_with("call 1 (BatchDeletePartition): "), "{}", e.message);
        assert_eq!(partition_values_of(&c, "db", "t").await, [vec!["2023".to_string()]]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_builds_start_when_the_group_commits_and_become_active() {
    on_every_backend(|c| async move {
        create_db(&c).await;
        let mut table = create_table("p", json!([{ "Name": "k", "Type": "int" }]));
        table["PartitionIndexes"] = json!([{ "IndexName": "by_k", "Keys": ["k"] }]);
        // A rolled-back group leaves neither the table nor its index, and starts no build.
        let e = failed_group(&c, &[
            ("CreateTable", table.clone()),
            ("DeletePartition", json!({ "DatabaseName": "db", "TableName": "p", "PartitionValues": ["1"] })),
        ])
        .await;
        assert_eq!(e.kind, ErrorKind::EntityNotFound);
        assert_absent(&c, "p").await;

        let batch = |from: i32, to: i32| {
            let inputs: Vec<Value> = (from..to).map(|i| partition(&[&i.to_string()])).collect();
            json!({ "DatabaseName": "db", "TableName": "p", "PartitionInputList": inputs })
        };
        let responses = group(&c, &[
            ("CreateTable", table),
            ("BatchCreatePartition", batch(0, 100)),
            ("BatchCreatePartition", batch(100, 120)),
            ("GetPartitionIndexes", json!({ "DatabaseName": "db", "TableName": "p" })),
            ("CreatePartitionIndex", json!({ "DatabaseName": "db", "TableName": "p", "PartitionIndex": { "IndexName": "by_k_too", "Keys": ["k"] } })),
        ])
        .await
        .unwrap();
        let listed = &responses[3]["PartitionIndexDescriptorList"];
        assert_eq!(listed[0]["IndexStatus"], "CREATING", "{listed}");
        // A build started before the commit would, on PostgreSQL, not see the uncommitted index,
        // end at once and leave it CREATING for ever.
        wait_for_active_indexes(&c, "db", "p").await;
        let page = ok(&c, "GetPartitions", json!({ "DatabaseName": "db", "TableName": "p", "Expression": "k IN (3, 77) OR k = 119" })).await;
        let mut got: Vec<&str> = page["Partitions"].as_array().unwrap().iter().map(|p| p["Values"][0].as_str().unwrap()).collect();
        got.sort();
        assert_eq!(got, ["119", "3", "77"]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn groups_and_plain_writes_run_side_by_side() {
    on_every_backend(|c| async move {
        setup_table(&c, "db", "shared", year_key()).await;
        let mut tasks = Vec::new();
        for w in 0..6 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                let name = format!("t{w}");
                let year = (2000 + w).to_string();
                if w % 2 == 0 {
                    group(&c, &[
                        ("CreateTable", create_table(&name, year_key())),
                        ("BatchCreatePartition", add_partitions(&name, &[&[&year]])),
                        ("CreatePartition", json!({ "DatabaseName": "db", "TableName": "shared", "PartitionInput": partition(&[&year]) })),
                    ])
                    .await
                    .map(|_| ())
                } else {
                    c.call("CreatePartition", &json!({ "DatabaseName": "db", "TableName": "shared", "PartitionInput": partition(&[&year]) }))
                        .await
                        .map(|_| ())
                }
            }));
        }
        for t in tasks {
            tokio::time::timeout(Duration::from_secs(60), t).await.expect("no deadlock").expect("task").unwrap();
        }
        assert_eq!(partition_values_of(&c, "db", "shared").await.len(), 6);
        for w in (0..6).step_by(2) {
            assert_eq!(partition_values_of(&c, "db", &format!("t{w}")).await.len(), 1);
        }
    })
    .await;
}
