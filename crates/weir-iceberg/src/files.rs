//! The files a table's metadata reaches: its metadata files (the current one and those its log
//! keeps), statistics files, and for every snapshot its manifest list, manifests and the data
//! and delete files they list. Purging a table deletes exactly these; snapshot retention deletes
//! what expired snapshots reached and retained ones do not; orphan file deletion keeps them.

use std::collections::BTreeSet;

use futures::{stream, StreamExt, TryStreamExt};
use iceberg::table::Table;

use crate::error::Result;

/// How many manifests are read (or files deleted) at once.
const PARALLEL: usize = 8;

/// What a table's metadata reaches, by kind of file.
#[derive(Debug, Default)]
pub struct Reach {
    /// Metadata files and statistics files.
    pub metadata: BTreeSet<String>,
    pub manifest_lists: BTreeSet<String>,
    pub manifests: BTreeSet<String>,
    /// Data files and delete files.
    pub data_files: BTreeSet<String>,
}

impl Reach {
    /// Every file reached.
    pub fn all(&self) -> BTreeSet<String> {
        let mut all = self.metadata.clone();
        for set in [&self.manifest_lists, &self.manifests, &self.data_files] {
            all.extend(set.iter().cloned());
        }
        all
    }
}

/// What the table's metadata reaches.
pub async fn reach(table: &Table) -> Result<Reach> {
    let metadata = table.metadata();
    let mut reach = Reach::default();
    reach
        .metadata
        .extend(table.metadata_location().map(str::to_string));
    reach.metadata.extend(
        metadata
            .metadata_log()
            .iter()
            .map(|l| l.metadata_file.clone()),
    );
    reach.metadata.extend(
        metadata
            .statistics_iter()
            .map(|s| s.statistics_path.clone()),
    );
    reach.metadata.extend(
        metadata
            .partition_statistics_iter()
            .map(|s| s.statistics_path.clone()),
    );
    for snapshot in metadata.snapshots() {
        reach
            .manifest_lists
            .insert(snapshot.manifest_list().to_string());
        let list = table.manifest_list_reader(snapshot).load().await?;
        reach
            .manifests
            .extend(list.consume_entries().into_iter().map(|m| m.manifest_path));
    }
    let io = table.file_io();
    let listed: Vec<Vec<String>> = stream::iter(reach.manifests.iter().cloned())
        .map(|path| async move {
            let bytes = io.new_input(&path)?.read().await?;
            let manifest = iceberg::spec::Manifest::parse_avro(&bytes)?;
            Ok::<_, iceberg::Error>(
                manifest
                    .entries()
                    .iter()
                    .map(|e| e.file_path().to_string())
                    .collect(),
            )
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await?;
    reach.data_files.extend(listed.into_iter().flatten());
    Ok(reach)
}

/// Deletes every file the table's metadata reaches.
pub async fn purge(table: &Table) -> Result<()> {
    let files = reach(table).await?.all();
    delete_all(table.file_io(), files).await?;
    Ok(())
}

/// Deletes files, several at once; returns how many.
pub async fn delete_all(
    io: &iceberg::io::FileIO,
    files: impl IntoIterator<Item = String>,
) -> Result<u64> {
    let deleted: Vec<()> = stream::iter(files)
        .map(|path| async move { io.delete(&path).await })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await?;
    Ok(deleted.len() as u64)
}
