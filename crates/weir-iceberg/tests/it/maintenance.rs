//! Snapshot retention and orphan file deletion on real tables: what expires, what is kept (the
//! newest snapshots, tagged ones), which files go (only those no retained snapshot reaches), and
//! the safety rules of orphan file deletion.

use std::time::{Duration, SystemTime};

use chrono::Utc;
use iceberg::spec::{SnapshotReference, SnapshotRetention};
use iceberg::{TableRequirement, TableUpdate};
use weir_engine::catalog::CatalogClient;
use weir_iceberg::maintenance::orphans::{delete_orphans, OrphanOptions};
use weir_iceberg::maintenance::retention::{expire_snapshots, RetentionOptions};

use crate::support::{local_path, read, rows, Env, Layout};

const UNPARTITIONED: Layout = Layout {
    partitioned: false,
    format: iceberg::spec::FormatVersion::V2,
};

fn expire_all_but(retain: usize) -> RetentionOptions {
    RetentionOptions {
        // Every snapshot is older than a cutoff a minute from now.
        expire_older_than_ms: Utc::now().timestamp_millis() + 60_000,
        retain,
        clean_expired_files: true,
    }
}

#[tokio::test]
async fn retention_keeps_the_newest_snapshots_and_deletes_only_unreached_files() {
    let env = Env::new().await;
    let ident = env.create("t", UNPARTITIONED).await;
    for i in 0..5 {
        env.append(&ident, &rows(i * 10, 3, "a")).await;
    }
    let table = env.load(&ident).await;
    let before = read(&env.ctx, &table, None).await;
    // In commit order.
    let snapshots: Vec<i64> = table
        .metadata()
        .history()
        .iter()
        .map(|l| l.snapshot_id)
        .collect();
    assert_eq!(snapshots.len(), 5);

    let report = expire_snapshots(&env.tables, &env.client, &ident, &expire_all_but(2))
        .await
        .unwrap();
    assert_eq!(report.snapshots_expired, 3);
    assert_eq!(report.manifest_lists_deleted, 3);
    // Appends keep every data file: none of them is deleted.
    assert_eq!(report.data_files_deleted, 0);

    let table = env.load(&ident).await;
    let mut kept: Vec<i64> = table
        .metadata()
        .snapshots()
        .map(|s| s.snapshot_id())
        .collect();
    kept.sort();
    let mut newest = snapshots[3..].to_vec();
    newest.sort();
    assert_eq!(kept, newest);
    assert_eq!(read(&env.ctx, &table, None).await, before);
    let on_disk = env.files_on_disk(&table);
    for file in env.reachable(&table).await {
        assert!(on_disk.contains(&file), "{file} is reached and gone");
    }

    // Nothing left to expire: nothing changes.
    let again = expire_snapshots(&env.tables, &env.client, &ident, &expire_all_but(2))
        .await
        .unwrap();
    assert_eq!(again.snapshots_expired, 0);
}

#[tokio::test]
async fn retention_honours_tags() {
    let env = Env::new().await;
    let ident = env.create("t", UNPARTITIONED).await;
    for i in 0..4 {
        env.append(&ident, &rows(i * 10, 2, "a")).await;
    }
    let table = env.load(&ident).await;
    let first = table.metadata().history()[0].snapshot_id;
    let tag = TableUpdate::SetSnapshotRef {
        ref_name: "audit".into(),
        reference: SnapshotReference::new(
            first,
            SnapshotRetention::Tag {
                max_ref_age_ms: None,
            },
        ),
    };
    env.tables
        .commit(
            &env.client,
            &ident,
            &[TableRequirement::UuidMatch {
                uuid: table.metadata().uuid(),
            }],
            vec![tag],
        )
        .await
        .unwrap();

    let report = expire_snapshots(&env.tables, &env.client, &ident, &expire_all_but(1))
        .await
        .unwrap();
    assert_eq!(report.snapshots_expired, 2);
    let table = env.load(&ident).await;
    assert!(
        table.metadata().snapshot_by_id(first).is_some(),
        "the tagged snapshot expired"
    );
    assert_eq!(read(&env.ctx, &table, Some(first)).await.len(), 2);
}

/// Sets a file's modification time `age` ago.
fn age(path: &std::path::Path, age: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

#[tokio::test]
async fn orphan_deletion_takes_old_unreached_files_only() {
    let env = Env::new().await;
    let ident = env.create("t", UNPARTITIONED).await;
    env.append(&ident, &rows(0, 3, "a")).await;
    let table = env.append(&ident, &rows(3, 3, "a")).await;
    let data = local_path(table.metadata().location()).join("data");
    let (old, young) = (data.join("old.parquet"), data.join("young.parquet"));
    std::fs::write(&old, b"x").unwrap();
    std::fs::write(&young, b"y").unwrap();
    age(&old, Duration::from_secs(3 * 86_400));
    // Referenced files as old as the orphan stay.
    for file in env.reachable(&table).await {
        age(std::path::Path::new(&file), Duration::from_secs(3 * 86_400));
    }
    let options = |dry_run| OrphanOptions {
        older_than: Utc::now() - chrono::Duration::days(1),
        location: None,
        dry_run,
    };

    let listed = delete_orphans(&env.tables, &env.client, &ident, &options(true))
        .await
        .unwrap();
    assert_eq!(listed.orphans, vec![format!("file://{}", old.display())]);
    assert_eq!(listed.deleted, 0);
    assert!(old.exists());

    let report = delete_orphans(&env.tables, &env.client, &ident, &options(false))
        .await
        .unwrap();
    assert_eq!(report.deleted, 1);
    assert!(!old.exists() && young.exists());
    let on_disk = env.files_on_disk(&table);
    for file in env.reachable(&env.load(&ident).await).await {
        assert!(on_disk.contains(&file), "{file} is reached and gone");
    }
    assert_eq!(read(&env.ctx, &env.load(&ident).await, None).await.len(), 6);
}

#[tokio::test]
async fn orphan_deletion_refuses_what_is_not_safe() {
    let env = Env::new().await;
    let ident = env.create("t", UNPARTITIONED).await;
    let table = env.append(&ident, &rows(0, 3, "a")).await;
    let location = table.metadata().location().to_string();
    let options = |location: Option<String>| OrphanOptions {
        older_than: Utc::now() - chrono::Duration::days(1),
        location,
        dry_run: true,
    };

    let outside = delete_orphans(
        &env.tables,
        &env.client,
        &ident,
        &options(Some("file:///elsewhere".into())),
    )
    .await
    .unwrap_err();
    assert!(
        outside
            .to_string()
            .contains("is not in the location of table"),
        "{outside}"
    );

    // Another table inside this one's location.
    env.client
        .call(
            "CreateTable",
            serde_json::json!({ "DatabaseName": "db", "TableInput": {
                "Name": "inner", "StorageDescriptor": { "Location": format!("{location}/data/inner") } } }),
        )
        .await
        .unwrap();
    let shared = delete_orphans(&env.tables, &env.client, &ident, &options(None))
        .await
        .unwrap_err();
    assert!(
        shared.to_string().contains("is shared with table db.inner"),
        "{shared}"
    );
    env.client
        .call(
            "DeleteTable",
            serde_json::json!({ "DatabaseName": "db", "Name": "inner" }),
        )
        .await
        .unwrap();

    let gc_off = TableUpdate::SetProperties {
        updates: [("gc.enabled".to_string(), "false".to_string())].into(),
    };
    env.tables
        .commit(&env.client, &ident, &[], vec![gc_off])
        .await
        .unwrap();
    let refused = delete_orphans(&env.tables, &env.client, &ident, &options(None))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("gc.enabled=false"),
        "{refused}"
    );
}
