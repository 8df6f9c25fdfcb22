//! Snapshot retention: snapshots older than the retention period expire, except the newest
//! `retain` of each branch and the heads of branches and tags (iceberg-rust's expiry, which
//! follows Java's `RemoveSnapshots`); then, with `clean_expired_files`, the files that only
//! expired snapshots reached — their manifest lists, manifests and data files — are deleted.
//! Files still reached by a retained snapshot are never deleted: the deleted set is what the
//! metadata reached before the commit minus what it reaches after.

use std::collections::BTreeSet;

use iceberg::transaction::{ApplyTransactionAction, Transaction};
use iceberg::TableIdent;
use weir_engine::catalog::CatalogClient;

use crate::catalog::GlueCatalog;
use crate::error::Result;
use crate::files;
use crate::tables::Tables;

/// What to keep.
#[derive(Debug, Clone)]
pub struct RetentionOptions {
    /// Snapshots newer than this (milliseconds since the epoch) are kept.
    pub expire_older_than_ms: i64,
    /// The newest snapshots of each branch kept whatever their age (at least 1).
    pub retain: usize,
    /// Delete the files only expired snapshots reached.
    pub clean_expired_files: bool,
}

/// What a retention run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetentionReport {
    pub snapshots_expired: u64,
    pub data_files_deleted: u64,
    pub manifest_files_deleted: u64,
    pub manifest_lists_deleted: u64,
}

/// Expires the table's old snapshots (one commit, none when nothing expires).
pub async fn expire_snapshots(
    tables: &Tables,
    client: &dyn CatalogClient,
    ident: &TableIdent,
    options: &RetentionOptions,
) -> Result<RetentionReport> {
    let table = tables.load(client, ident).await?.table;
    let before_ids: BTreeSet<i64> = table
        .metadata()
        .snapshots()
        .map(|s| s.snapshot_id())
        .collect();
    let before = files::reach(&table).await?;
    let transaction = Transaction::new(&table);
    let transaction = transaction
        .expire_snapshots()
        .expire_older_than_ms(options.expire_older_than_ms)
        .retain_last(options.retain.max(1))
        .apply(transaction)?;
    let catalog = GlueCatalog { tables, client };
    let after = transaction.commit(&catalog).await?;
    let expired = before_ids
        .iter()
        .filter(|id| after.metadata().snapshot_by_id(**id).is_none())
        .count() as u64;
    let mut report = RetentionReport {
        snapshots_expired: expired,
        ..Default::default()
    };
    if expired == 0 || !options.clean_expired_files {
        return Ok(report);
    }
    let after = files::reach(&after).await?;
    let io = tables.file_io();
    report.data_files_deleted =
        files::delete_all(io, &before.data_files - &after.data_files).await?;
    report.manifest_files_deleted =
        files::delete_all(io, &before.manifests - &after.manifests).await?;
    report.manifest_lists_deleted =
        files::delete_all(io, &before.manifest_lists - &after.manifest_lists).await?;
    Ok(report)
}
