//! Keeping a Delta table healthy, for table optimizers (delta-rs does the work):
//!
//! - [`compact`]: small files bin-packed into files of the table's target size, partition by
//!   partition, in one `OPTIMIZE` commit (the rows unchanged).
//! - [`expire_versions`]: a checkpoint, then log entries older than the retention period
//!   removed (the newest versions kept), then data files removed that long ago deleted
//!   (vacuum's lite mode).
//! - [`delete_orphans`]: files in the table's folder that no version of the log names and that
//!   are older than the retention period deleted (vacuum's full mode), or listed on a dry run.

use std::collections::HashMap;
use std::num::NonZeroU64;

use chrono::{DateTime, Utc};
use deltalake_core::checkpoints::{cleanup_expired_logs_for, create_checkpoint};
use deltalake_core::operations::optimize::OptimizeType;
use deltalake_core::operations::vacuum::VacuumMode;
use deltalake_core::DeltaTable;
use futures::StreamExt;

use crate::error::{Error, Result};
use crate::storage::Deltas;

/// The youngest files orphan deletion may delete (a writer may be about to commit them).
pub const MIN_ORPHAN_AGE_DAYS: f64 = 1.0;

/// What a compaction did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CompactionReport {
    pub files_compacted: u64,
    pub bytes_compacted: u64,
    pub files_written: u64,
}

/// The target size of a table's files (`delta.targetFileSize`, else 100 MiB).
fn target_size(table: &DeltaTable) -> Result<u64> {
    Ok(table
        .snapshot()?
        .snapshot()
        .table_properties()
        .target_file_size
        .map_or(100 * 1024 * 1024, NonZeroU64::get))
}

/// Whether some partition of the table has at least `min_input_files` files smaller than the
/// target size.
pub async fn has_work(table: &DeltaTable, min_input_files: usize) -> Result<bool> {
    let target = target_size(table)?;
    let mut small: HashMap<String, usize> = HashMap::new();
    let snapshot = table.snapshot()?;
    let log_store = table.log_store();
    let mut files = snapshot.snapshot().file_views(log_store.as_ref(), None);
    while let Some(file) = files.next().await {
        let file = file?;
        if (file.size() as u64) < target {
            let partition = format!("{:?}", file.partition_values());
            let count = small.entry(partition).or_default();
            *count += 1;
            if *count >= min_input_files.max(2) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Bin-packs the small files of every partition holding at least `min_input_files` of them.
pub async fn compact(
    deltas: &Deltas,
    location: &str,
    min_input_files: usize,
) -> Result<CompactionReport> {
    let table = deltas.open(location).await?;
    if !has_work(&table, min_input_files).await? {
        return Ok(CompactionReport::default());
    }
    let target = NonZeroU64::new(target_size(&table)?)
        .ok_or_else(|| Error::invalid("target file size 0"))?;
    let (_, metrics) = table
        .optimize()
        .with_type(OptimizeType::Compact)
        .with_target_size(target)
        .await?;
    Ok(CompactionReport {
        files_compacted: metrics.num_files_removed,
        bytes_compacted: metrics.files_removed.total_size.max(0) as u64,
        files_written: metrics.num_files_added,
    })
}

/// What version expiry did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExpiryReport {
    pub versions_expired: u64,
    pub files_deleted: u64,
}

/// Expires versions older than `older_than` (keeping the newest `retain`): checkpoints the
/// table, removes expired log entries, and (with `clean_expired_files`) deletes data files
/// removed before then.
pub async fn expire_versions(
    deltas: &Deltas,
    location: &str,
    older_than: DateTime<Utc>,
    retain: usize,
    clean_expired_files: bool,
) -> Result<ExpiryReport> {
    let table = deltas.open(location).await?;
    let version = table.version().unwrap_or(0);
    create_checkpoint(&table, None).await?;
    let keep_from = (version + 1).saturating_sub(retain.max(1) as u64);
    let expired = cleanup_expired_logs_for(
        keep_from,
        table.log_store().as_ref(),
        older_than.timestamp_millis(),
        None,
    )
    .await?;
    let mut report = ExpiryReport {
        versions_expired: expired as u64,
        files_deleted: 0,
    };
    if clean_expired_files {
        // Loaded again: vacuum must see the log as the cleanup left it.
        let table = deltas.open(location).await?;
        report.files_deleted = vacuum(table, older_than, VacuumMode::Lite, false)
            .await?
            .len() as u64;
    }
    Ok(report)
}

/// Deletes (or, on a dry run, lists) the files in the table's folder that no version names,
/// last modified before `older_than` (at least [`MIN_ORPHAN_AGE_DAYS`] ago).
pub async fn delete_orphans(
    deltas: &Deltas,
    location: &str,
    older_than: DateTime<Utc>,
    dry_run: bool,
) -> Result<Vec<String>> {
    let floor = Utc::now() - chrono::Duration::seconds((MIN_ORPHAN_AGE_DAYS * 86_400.0) as i64);
    let table = deltas.open(location).await?;
    vacuum(table, older_than.min(floor), VacuumMode::Full, dry_run).await
}

async fn vacuum(
    table: DeltaTable,
    older_than: DateTime<Utc>,
    mode: VacuumMode,
    dry_run: bool,
) -> Result<Vec<String>> {
    let retention = (Utc::now() - older_than).max(chrono::Duration::zero());
    let (_, metrics) = table
        .vacuum()
        .with_retention_period(retention)
        .with_enforce_retention_duration(false)
        .with_mode(mode)
        .with_dry_run(dry_run)
        .await?;
    Ok(metrics.files_deleted)
}
