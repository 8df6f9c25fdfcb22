//! One new snapshot that replaces data files of the table's current snapshot by other data
//! files: the building block of compaction (operation `replace`: the same rows in other files)
//! and of overwrites (operation `overwrite`). iceberg-rust only appends, so the snapshot's
//! manifests and manifest list are written here, on iceberg's spec writers:
//!
//! - a manifest that lists none of the removed files is carried over as it is (delete-file
//!   manifests always are), unless it lists no live file at all;
//! - a manifest that lists one is rewritten: the removed files' entries `DELETED`, the others
//!   `EXISTING`, all keeping their snapshot ids and sequence numbers;
//! - the added files go into one new manifest, `ADDED`.
//!
//! What comes back is the commit for [`Tables::commit`](crate::Tables::commit): it holds only if
//! the main branch is still at the snapshot read, so a concurrent writer makes it fail rather
//! than be undone. A commit that is not made leaves files behind: [`discard`] deletes them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::{stream, StreamExt};
use iceberg::spec::{
    DataFile, FormatVersion, Manifest, ManifestContentType, ManifestFile, ManifestListWriter,
    ManifestWriter, ManifestWriterBuilder, Operation, PartitionSpecRef, SchemaRef, Snapshot,
    SnapshotRef, SnapshotReference, SnapshotRetention, SnapshotSummaryCollector, Summary,
    TableMetadata, TableProperties, MAIN_BRANCH,
};
use iceberg::table::Table;
use iceberg::{TableRequirement, TableUpdate};
use uuid::Uuid;

use crate::error::{Error, Result};

/// How many manifests are read at once.
const MANIFEST_READS: usize = 8;

/// The summary's running totals: each with the properties that add to and take from it.
const TOTALS: [(&str, &str, &str); 6] = [
    ("total-data-files", "added-data-files", "deleted-data-files"),
    (
        "total-delete-files",
        "added-delete-files",
        "removed-delete-files",
    ),
    ("total-records", "added-records", "deleted-records"),
    ("total-files-size", "added-files-size", "removed-files-size"),
    (
        "total-position-deletes",
        "added-position-deletes",
        "removed-position-deletes",
    ),
    (
        "total-equality-deletes",
        "added-equality-deletes",
        "removed-equality-deletes",
    ),
];

/// Writes a snapshot of the table's current one with the data files at the paths `removed`
/// replaced by `added`, and returns the commit that makes it current: requirements (the same
/// table, its main branch still at the snapshot read) and updates (the snapshot, main moved to
/// it).
///
/// `added` are files of the table's default partition spec, as [`crate::write`] writes them.
/// `summary_extra` adds properties to the snapshot's summary; the counts computed here win over
/// them. Every removed path must be a data file of the current snapshot. Format version 3
/// tables are refused (their row lineage would have to be carried over).
pub async fn replace_files(
    table: &Table,
    removed: &BTreeSet<String>,
    added: Vec<DataFile>,
    operation: Operation,
    summary_extra: HashMap<String, String>,
) -> Result<(Vec<TableRequirement>, Vec<TableUpdate>)> {
    let metadata = table.metadata();
    supported(metadata)?;
    check_added(metadata, &added)?;
    let parent = metadata.current_snapshot();
    if parent.is_none() && !removed.is_empty() {
        return Err(Error::bad_request(format!(
            "table {} has no snapshot: there are no files to remove",
            table.identifier()
        )));
    }
    let mut writer = SnapshotWriter::new(table);
    match writer.write(removed, added, operation, summary_extra).await {
        Ok(snapshot) => Ok(commit(metadata, snapshot)),
        Err(e) => {
            writer.delete_written().await;
            Err(e)
        }
    }
}

/// Refuses tables whose snapshots this module cannot write.
pub(crate) fn supported(metadata: &TableMetadata) -> Result<()> {
    match metadata.format_version() {
        FormatVersion::V1 | FormatVersion::V2 => Ok(()),
        FormatVersion::V3 => Err(Error::Unsupported(
            "replacing files of a format version 3 table is not supported (row lineage is not carried over)"
                .to_string(),
        )),
    }
}

/// Refuses added files whose partition tuples do not fit the default partition spec.
fn check_added(metadata: &TableMetadata, added: &[DataFile]) -> Result<()> {
    let fields = metadata.default_partition_spec().fields().len();
    match added
        .iter()
        .find(|f| f.partition().fields().len() != fields)
    {
        Some(file) => Err(Error::bad_request(format!(
            "data file {} is not of the table's partition spec {} ({fields} fields)",
            file.file_path(),
            metadata.default_partition_spec_id()
        ))),
        None => Ok(()),
    }
}

/// The updates that add the snapshot and move main to it, if main is still where it was read.
fn commit(
    metadata: &TableMetadata,
    snapshot: Snapshot,
) -> (Vec<TableRequirement>, Vec<TableUpdate>) {
    let requirements = vec![
        TableRequirement::UuidMatch {
            uuid: metadata.uuid(),
        },
        TableRequirement::RefSnapshotIdMatch {
            r#ref: MAIN_BRANCH.to_string(),
            snapshot_id: metadata.current_snapshot_id(),
        },
    ];
    let reference = SnapshotReference::new(
        snapshot.snapshot_id(),
        SnapshotRetention::branch(None, None, None),
    );
    let updates = vec![
        TableUpdate::AddSnapshot { snapshot },
        TableUpdate::SetSnapshotRef {
            ref_name: MAIN_BRANCH.to_string(),
            reference,
        },
    ];
    (requirements, updates)
}

/// Deletes the manifests and manifest list of a snapshot that [`replace_files`] wrote and that
/// was not committed (the updates it returned). Failures are logged: what is left is an orphan.
pub async fn discard(table: &Table, updates: &[TableUpdate]) {
    for update in updates {
        let TableUpdate::AddSnapshot { snapshot } = update else {
            continue;
        };
        let snapshot = Arc::new(snapshot.clone());
        match table.manifest_list_reader(&snapshot).load().await {
            Ok(list) => {
                for manifest in list.entries() {
                    if manifest.added_snapshot_id == snapshot.snapshot_id() {
                        delete_logged(table, &manifest.manifest_path).await;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(manifest_list = snapshot.manifest_list(), error = %e, "the manifests of an uncommitted snapshot were not deleted");
            }
        }
        delete_logged(table, snapshot.manifest_list()).await;
    }
}

async fn delete_logged(table: &Table, path: &str) {
    if let Err(e) = table.file_io().delete(path).await {
        tracing::warn!(path, error = %e, "a file of an uncommitted snapshot was not deleted");
    }
}

/// Writes one snapshot's manifests and manifest list, remembering the files written so that a
/// failure deletes them.
struct SnapshotWriter<'a> {
    table: &'a Table,
    snapshot_id: i64,
    sequence_number: i64,
    /// Names this snapshot's files apart from any other's.
    commit_id: Uuid,
    written: Vec<String>,
    summary: SnapshotSummaryCollector,
}

impl<'a> SnapshotWriter<'a> {
    fn new(table: &'a Table) -> Self {
        let metadata = table.metadata();
        let mut summary = SnapshotSummaryCollector::default();
        summary.set_partition_summary_limit(partition_summary_limit(metadata));
        SnapshotWriter {
            table,
            snapshot_id: new_snapshot_id(metadata),
            sequence_number: metadata.next_sequence_number(),
            commit_id: Uuid::new_v4(),
            written: Vec::new(),
            summary,
        }
    }

    /// Writes the manifests and manifest list; the snapshot that lists them.
    async fn write(
        &mut self,
        removed: &BTreeSet<String>,
        added: Vec<DataFile>,
        operation: Operation,
        summary_extra: HashMap<String, String>,
    ) -> Result<Snapshot> {
        let table = self.table;
        let metadata = table.metadata();
        let parent = metadata.current_snapshot();
        let mut manifests = match parent {
            Some(parent) => self.carry_over(parent, removed, &added).await?,
            None => Vec::new(),
        };
        if !added.is_empty() {
            manifests.push(self.added_manifest(added).await?);
        }
        let manifest_list = self.manifest_list(manifests).await?;
        let summary = summary(
            operation,
            summary_extra,
            self.summary.build(),
            parent.map(|p| p.summary()),
        );
        Ok(Snapshot::builder()
            .with_snapshot_id(self.snapshot_id)
            .with_parent_snapshot_id(metadata.current_snapshot_id())
            .with_sequence_number(self.sequence_number)
            .with_timestamp_ms(now_ms().max(metadata.last_updated_ms()))
            .with_manifest_list(manifest_list)
            .with_summary(summary)
            .with_schema_id(metadata.current_schema_id())
            .build())
    }

    /// The parent's manifests, those that list removed files rewritten and those that list no
    /// live file left out. Fails if a removed path is not a live data file of the parent, or an
    /// added one already is.
    async fn carry_over(
        &mut self,
        parent: &SnapshotRef,
        removed: &BTreeSet<String>,
        added: &[DataFile],
    ) -> Result<Vec<ManifestFile>> {
        let list = self.table.manifest_list_reader(parent).load().await?;
        let added: BTreeSet<&str> = added.iter().map(DataFile::file_path).collect();
        let io = self.table.file_io().clone();
        // Collected: the list's own iterator is not `Send`, and this future must be.
        let files: Vec<ManifestFile> = list.consume_entries().into_iter().collect();
        let mut loads = stream::iter(files)
            .map(|file| {
                let io = io.clone();
                async move {
                    let manifest = match file.content {
                        ManifestContentType::Data => Some(file.load_manifest(&io).await?),
                        ManifestContentType::Deletes => None,
                    };
                    Ok::<_, iceberg::Error>((file, manifest))
                }
            })
            .buffered(MANIFEST_READS);
        let mut manifests = Vec::new();
        let mut found = BTreeSet::new();
        while let Some(loaded) = loads.next().await {
            let (file, manifest) = loaded?;
            let carried = match manifest {
                Some(manifest) => {
                    self.carry(file, &manifest, removed, &added, &mut found)
                        .await?
                }
                None => Some(file),
            };
            manifests.extend(carried);
        }
        if let Some(missing) = removed.difference(&found).next() {
            return Err(Error::bad_request(format!(
                "{missing} is not a data file of the snapshot {} of table {}",
                parent.snapshot_id(),
                self.table.identifier()
            )));
        }
        Ok(manifests)
    }

    /// What becomes of one of the parent's data manifests: kept, rewritten without the removed
    /// files it lists (added to `found`), or left out when it lists no live file (only files an
    /// earlier snapshot deleted: that snapshot keeps the manifest).
    async fn carry(
        &mut self,
        file: ManifestFile,
        manifest: &Manifest,
        removed: &BTreeSet<String>,
        added: &BTreeSet<&str>,
        found: &mut BTreeSet<String>,
    ) -> Result<Option<ManifestFile>> {
        let live = live_paths(manifest);
        if let Some(path) = live.iter().find(|p| added.contains(*p)) {
            return Err(Error::bad_request(format!(
                "data file {path} is in the table already"
            )));
        }
        if live.is_empty() {
            return Ok(None);
        }
        let hits: Vec<&str> = live.into_iter().filter(|p| removed.contains(*p)).collect();
        if hits.is_empty() {
            return Ok(Some(file));
        }
        found.extend(hits.into_iter().map(str::to_string));
        Ok(Some(self.without(&file, manifest, removed).await?))
    }

    /// A data manifest rewritten: removed files `DELETED`, the other live ones `EXISTING`
    /// (entries deleted by an earlier snapshot are dropped, as they concern only that one).
    async fn without(
        &mut self,
        file: &ManifestFile,
        manifest: &Manifest,
        removed: &BTreeSet<String>,
    ) -> Result<ManifestFile> {
        let schema = manifest.metadata().schema().clone();
        let spec = self.spec(file, manifest);
        let mut writer = self.manifest_writer(schema.clone(), &spec)?;
        for entry in manifest.entries().iter().filter(|e| e.is_alive()) {
            let sequence_number = entry.sequence_number().ok_or_else(|| {
                Error::Internal(format!(
                    "manifest {} lists {} without a sequence number",
                    file.manifest_path,
                    entry.file_path()
                ))
            })?;
            // Entries from writers older than file sequence numbers: the data one is a bound.
            let file_sequence_number = entry.file_sequence_number.or(Some(sequence_number));
            let data_file = entry.data_file().clone();
            if removed.contains(entry.file_path()) {
                self.summary
                    .remove_file(&data_file, schema.clone(), spec.clone());
                writer.add_delete_file(data_file, sequence_number, file_sequence_number)?;
            } else {
                let added_by = entry.snapshot_id().unwrap_or(file.added_snapshot_id);
                writer.add_existing_file(
                    data_file,
                    added_by,
                    sequence_number,
                    file_sequence_number,
                )?;
            }
        }
        Ok(writer.write_manifest_file().await?)
    }

    /// The partition spec a manifest was written with.
    fn spec(&self, file: &ManifestFile, manifest: &Manifest) -> PartitionSpecRef {
        self.table
            .metadata()
            .partition_spec_by_id(file.partition_spec_id)
            .cloned()
            .unwrap_or_else(|| Arc::new(manifest.metadata().partition_spec().clone()))
    }

    /// The new manifest of the added files.
    async fn added_manifest(&mut self, added: Vec<DataFile>) -> Result<ManifestFile> {
        let table = self.table;
        let metadata = table.metadata();
        let schema = metadata.current_schema().clone();
        let spec = metadata.default_partition_spec().clone();
        let mut writer = self.manifest_writer(schema.clone(), &spec)?;
        for file in added {
            self.summary.add_file(&file, schema.clone(), spec.clone());
            writer.add_file(file, self.sequence_number)?;
        }
        Ok(writer.write_manifest_file().await?)
    }

    /// A writer of a new data manifest of this snapshot, in the table's format version.
    fn manifest_writer(
        &mut self,
        schema: SchemaRef,
        spec: &PartitionSpecRef,
    ) -> Result<ManifestWriter> {
        let path = format!(
            "{}/{}-m{}.avro",
            self.metadata_dir(),
            self.commit_id,
            self.written.len()
        );
        let output = self.table.file_io().new_output(&path)?;
        self.written.push(path);
        let builder = ManifestWriterBuilder::new(
            output,
            Some(self.snapshot_id),
            schema,
            spec.as_ref().clone(),
        );
        Ok(match self.table.metadata().format_version() {
            FormatVersion::V1 => builder.build_v1(),
            _ => builder.build_v2_data(),
        })
    }

    /// Writes the manifest list; its path.
    async fn manifest_list(&mut self, manifests: Vec<ManifestFile>) -> Result<String> {
        let table = self.table;
        let metadata = table.metadata();
        let path = format!(
            "{}/snap-{}-1-{}.avro",
            self.metadata_dir(),
            self.snapshot_id,
            self.commit_id
        );
        let output = self.table.file_io().new_output(&path)?.writer().await?;
        self.written.push(path.clone());
        let parent = metadata.current_snapshot_id();
        let mut writer = match metadata.format_version() {
            FormatVersion::V1 => ManifestListWriter::v1(output, self.snapshot_id, parent),
            _ => ManifestListWriter::v2(output, self.snapshot_id, parent, self.sequence_number),
        };
        writer.add_manifests(manifests.into_iter())?;
        writer.close().await?;
        Ok(path)
    }

    fn metadata_dir(&self) -> String {
        format!(
            "{}/metadata",
            self.table.metadata().location().trim_end_matches('/')
        )
    }

    /// Deletes what this writer wrote (after a failure).
    async fn delete_written(&self) {
        for path in &self.written {
            delete_logged(self.table, path).await;
        }
    }
}

/// The paths of the files a manifest lists as live.
fn live_paths(manifest: &Manifest) -> Vec<&str> {
    manifest
        .entries()
        .iter()
        .filter(|e| e.is_alive())
        .map(|e| e.file_path())
        .collect()
}

/// The snapshot's summary: the extra properties, the counts of what changed, and the totals
/// carried on from the parent's (a total the parent lacks is left out, as Iceberg does).
fn summary(
    operation: Operation,
    extra: HashMap<String, String>,
    changes: HashMap<String, String>,
    parent: Option<&Summary>,
) -> Summary {
    let mut properties = extra;
    properties.extend(changes);
    for (total, added, removed) in TOTALS {
        properties.remove(total);
        let count = |key: &str| properties.get(key).and_then(|v| v.parse::<u64>().ok());
        let previous = match parent {
            None => Some(0),
            Some(p) => p
                .additional_properties
                .get(total)
                .and_then(|v| v.parse::<u64>().ok()),
        };
        let value = previous
            .and_then(|p| p.checked_add(count(added).unwrap_or(0)))
            .and_then(|p| p.checked_sub(count(removed).unwrap_or(0)));
        if let Some(value) = value {
            properties.insert(total.to_string(), value.to_string());
        }
    }
    Summary {
        operation,
        additional_properties: properties,
    }
}

/// `write.summary.partition-limit`: up to how many changed partitions the summary describes.
fn partition_summary_limit(metadata: &TableMetadata) -> u64 {
    metadata
        .properties()
        .get(TableProperties::PROPERTY_WRITE_PARTITION_SUMMARY_LIMIT)
        .and_then(|v| v.parse().ok())
        .unwrap_or(TableProperties::PROPERTY_WRITE_PARTITION_SUMMARY_LIMIT_DEFAULT)
}

/// A positive snapshot id no snapshot of the table has.
fn new_snapshot_id(metadata: &TableMetadata) -> i64 {
    loop {
        let (high, low) = Uuid::new_v4().as_u64_pair();
        let id = i64::try_from((high ^ low) & i64::MAX.unsigned_abs()).unwrap_or_default();
        if id > 0 && metadata.snapshot_by_id(id).is_none() {
            return id;
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn totals_carry_on_from_the_parent() {
        let parent = Summary {
            operation: Operation::Append,
            additional_properties: props(&[
                ("total-data-files", "10"),
                ("total-records", "100"),
                ("total-files-size", "5000"),
            ]),
        };
        let changes = props(&[
            ("added-data-files", "1"),
            ("deleted-data-files", "6"),
            ("added-records", "60"),
            ("deleted-records", "60"),
            ("added-files-size", "900"),
            ("removed-files-size", "3000"),
        ]);
        let extra = props(&[("added-records", "7"), ("note", "x")]);
        let summary = summary(Operation::Replace, extra, changes, Some(&parent));
        let get = |k: &str| summary.additional_properties.get(k).map(String::as_str);
        assert_eq!(summary.operation, Operation::Replace);
        assert_eq!(get("total-data-files"), Some("5"));
        assert_eq!(get("total-records"), Some("100"));
        assert_eq!(get("total-files-size"), Some("2900"));
        assert_eq!(get("added-records"), Some("60"));
        assert_eq!(get("note"), Some("x"));
        // The parent has no delete totals: they are left out.
        assert_eq!(get("total-delete-files"), None);
    }

    #[test]
    fn a_first_snapshot_counts_from_zero() {
        let changes = props(&[("added-data-files", "2"), ("added-records", "3")]);
        let summary = summary(Operation::Append, HashMap::new(), changes, None);
        let get = |k: &str| summary.additional_properties.get(k).map(String::as_str);
        assert_eq!(get("total-data-files"), Some("2"));
        assert_eq!(get("total-records"), Some("3"));
        assert_eq!(get("total-delete-files"), Some("0"));
    }
}
