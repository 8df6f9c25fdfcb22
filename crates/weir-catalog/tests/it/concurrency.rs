//! Many writers at once: exactly one wins per VersionId, and nothing is lost or duplicated.

use serde_json::json;
use weir_model::ErrorKind;

use crate::conformance::{on_every_backend, setup_table};
use crate::support::ok;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_with_one_version_id_have_one_winner() {
    on_every_backend(|c| async move {
        setup_table(&c, "db", "t", json!([])).await;
        let mut tasks = Vec::new();
        for i in 0..16 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                let body = json!({ "DatabaseName": "db", "VersionId": "0", "TableInput": { "Name": "t", "Description": format!("writer {i}") } });
                c.call("UpdateTable", &body).await
            }));
        }
        let mut wins = 0;
        for t in tasks {
            match t.await.expect("task") {
                Ok(_) => wins += 1,
                Err(e) => assert_eq!(e.kind, ErrorKind::ConcurrentModification, "{e}"),
            }
        }
        assert_eq!(wins, 1, "exactly one writer wins VersionId 0");
        let t = ok(&c, "GetTable", json!({ "DatabaseName": "db", "Name": "t" })).await;
        assert_eq!(t["Table"]["VersionId"], "1");
        let versions = ok(&c, "GetTableVersions", json!({ "DatabaseName": "db", "TableName": "t" })).await;
        assert_eq!(versions["TableVersions"].as_array().unwrap().len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_batch_creates_lose_and_duplicate_nothing() {
    on_every_backend(|c| async move {
        setup_table(&c, "db", "p", json!([{ "Name": "n", "Type": "int" }])).await;
        let mut tasks = Vec::new();
        // 8 writers; writer w creates 0..400 step by w-dependent overlap: every value is created by two writers.
        for w in 0..8 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                let mut created = 0usize;
                for batch in 0..4 {
                    let inputs: Vec<_> = (0..100)
                        .map(|i| {
                            let n = ((w / 2) * 400 + batch * 100 + i).to_string();
                            json!({ "Values": [n] })
                        })
                        .collect();
                    let r = c
                        .call("BatchCreatePartition", &json!({ "DatabaseName": "db", "TableName": "p", "PartitionInputList": inputs }))
                        .await
                        .expect("batch create");
                    created += 100 - r["Errors"].as_array().map(Vec::len).unwrap_or(0);
                }
                created
            }));
        }
        let mut created = 0;
        for t in tasks {
            created += t.await.expect("task");
        }
        assert_eq!(created, 1600, "each of the 1600 values is created exactly once");
        let mut count = 0;
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({ "DatabaseName": "db", "TableName": "p" });
            if let Some(t) = &token {
                body["NextToken"] = json!(t);
            }
            let page = ok(&c, "GetPartitions", body).await;
            count += page["Partitions"].as_array().unwrap().len();
            match page.get("NextToken").and_then(|t| t.as_str()) {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        assert_eq!(count, 1600);
    })
    .await;
}
