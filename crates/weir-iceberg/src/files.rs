//! The files a table's metadata reaches: its metadata files (the current one and those its log
//! keeps), and for every snapshot its manifest list, manifests and the data and delete files they
//! list, and statistics files. Purging a table deletes exactly these.

use std::collections::BTreeSet;

use futures::{stream, StreamExt, TryStreamExt};
use iceberg::table::Table;

use crate::error::Result;

/// How many manifests are read at once.
const MANIFEST_READS: usize = 8;

/// Every file the table's metadata reaches.
pub async fn reachable(table: &Table) -> Result<BTreeSet<String>> {
    let metadata = table.metadata();
    let mut files = BTreeSet::new();
    files.extend(table.metadata_location().map(str::to_string));
    files.extend(
        metadata
            .metadata_log()
            .iter()
            .map(|l| l.metadata_file.clone()),
    );
    files.extend(
        metadata
            .statistics_iter()
            .map(|s| s.statistics_path.clone()),
    );
    files.extend(
        metadata
            .partition_statistics_iter()
            .map(|s| s.statistics_path.clone()),
    );
    let mut manifests = BTreeSet::new();
    for snapshot in metadata.snapshots() {
        files.insert(snapshot.manifest_list().to_string());
        let list = table.manifest_list_reader(snapshot).load().await?;
        manifests.extend(list.consume_entries().into_iter().map(|m| m.manifest_path));
    }
    files.extend(manifests.iter().cloned());
    let io = table.file_io();
    let listed: Vec<Vec<String>> = stream::iter(manifests)
        .map(|path| async move {
            let list = io.new_input(&path)?.read().await?;
            let manifest = iceberg::spec::Manifest::parse_avro(&list)?;
            Ok::<_, iceberg::Error>(
                manifest
                    .entries()
                    .iter()
                    .map(|e| e.file_path().to_string())
                    .collect(),
            )
        })
        .buffer_unordered(MANIFEST_READS)
        .try_collect()
        .await?;
    files.extend(listed.into_iter().flatten());
    Ok(files)
}

/// Deletes every file the table's metadata reaches.
pub async fn purge(table: &Table) -> Result<()> {
    let files = reachable(table).await?;
    let io = table.file_io();
    stream::iter(files)
        .map(|path| async move { io.delete(&path).await })
        .buffer_unordered(MANIFEST_READS)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}
