//! Compaction, as Glue's compaction optimizer runs it: the current snapshot's small data files,
//! grouped by partition, each group of at least `min_input_files` files rewritten into files of
//! about the target size, all in one `replace` snapshot — bin-packed (rows as read), sorted by
//! the table's sort order, or along a Z-order curve over its columns ([`ordering`]). Readers of the current
//! snapshot see the same rows; older snapshots keep their files, so time travel still reads
//! them until snapshot retention expires them.
//!
//! Deletes are applied: a data file that delete files (position or equality) apply to is
//! rewritten whatever its size, its deleted rows left out. The rewritten files carry the
//! `replace` snapshot's sequence number, newer than every delete file the table holds, so no
//! delete applies to them again; delete files stay until snapshot retention expires the
//! snapshots that need them.
//!
//! Groups are read through iceberg's Arrow reader (the files' rows in the table's current
//! schema) and streamed into the writers [`crate::write`] uses, one group after another, so
//! memory holds the batches in flight and the open file's unwritten row group, never a whole
//! group (a sort holds at most [`ordering::SORT_MEMORY`], spilling the rest). The new files are written with the table's current schema and default partition spec
//! (a group of an older spec is rewritten into the current one).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::{stream, StreamExt, TryStreamExt};
use iceberg::arrow::schema_to_arrow_schema;
use iceberg::scan::{FileScanTask, FileScanTaskStream};
use iceberg::spec::{
    DataFile, DataFileFormat, Datum, ManifestContentType, Operation, SchemaRef, SnapshotRef,
    Struct, TableMetadata,
};
use iceberg::table::Table;
use iceberg::TableIdent;
use weir_engine::catalog::CatalogClient;

use crate::error::{Error, Result};
use crate::maintenance::ordering::{self, SortKey, Strategy};
use crate::maintenance::rewrite;
use crate::tables::Tables;
use crate::write;

/// How many small files one writer's reader reads at once.
const FILE_READS: usize = 16;
/// Rows per batch read (the writers' batches).
const BATCH_ROWS: usize = 8192;

/// How many manifests are read at once.
const MANIFEST_READS: usize = 8;

/// Glue's default `minInputFiles`: fewer small files in a partition are left alone.
pub const DEFAULT_MIN_INPUT_FILES: usize = 5;

/// What compaction rewrites, and into what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactionOptions {
    /// The size new files roll at.
    pub target_file_size: u64,
    /// How many small files a partition needs before they are rewritten (at least 2: a lone
    /// file has nothing to merge with).
    pub min_input_files: usize,
    /// Files smaller than this are small.
    pub small_file_threshold: u64,
    /// The order rows are written in.
    pub strategy: Strategy,
}

impl CompactionOptions {
    /// Glue's defaults for a target size: 5 input files, files below 75% of the target small.
    pub fn with_target_file_size(target_file_size: u64) -> Self {
        CompactionOptions {
            target_file_size,
            min_input_files: DEFAULT_MIN_INPUT_FILES,
            small_file_threshold: target_file_size / 4 * 3,
            strategy: Strategy::BinPack,
        }
    }

    /// The defaults for a table: its `write.target-file-size-bytes` (else 512 MiB).
    pub fn for_table(metadata: &TableMetadata) -> Result<Self> {
        let target = metadata.table_properties()?.write_target_file_size_bytes;
        Ok(Self::with_target_file_size(target as u64))
    }
}

impl Default for CompactionOptions {
    /// The defaults for a table with no `write.target-file-size-bytes`: 512 MiB files.
    fn default() -> Self {
        Self::with_target_file_size(512 * 1024 * 1024)
    }
}

/// What a compaction did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactionReport {
    /// Data files replaced.
    pub files_compacted: u64,
    /// Their bytes.
    pub bytes_compacted: u64,
    /// Data files written in their place.
    pub files_written: u64,
    /// The `replace` snapshot committed, if there was anything to compact.
    pub snapshot_id: Option<i64>,
}

/// A partition's small files, rewritten together.
struct Group {
    tasks: Vec<FileScanTask>,
    /// The least and greatest value of each column (by field id) its files' statistics give.
    ranges: HashMap<i32, (Datum, Datum)>,
}

impl Group {
    fn bytes(&self) -> u64 {
        self.tasks.iter().map(|t| t.file_size_in_bytes).sum()
    }

    /// The rows it holds, when no delete applies (deletes leave fewer).
    fn records(&self) -> Option<u64> {
        if self.tasks.iter().any(|t| !t.deletes.is_empty()) {
            return None;
        }
        self.tasks.iter().map(|t| t.record_count).sum()
    }

    /// The group cut into parts of about `target` bytes of input, in file order.
    fn parts(&self, target: u64) -> Vec<Group> {
        let empty = || Group {
            tasks: Vec::new(),
            ranges: self.ranges.clone(),
        };
        let mut parts = vec![empty()];
        let mut bytes = 0;
        for task in &self.tasks {
            if bytes >= target.max(1) {
                parts.push(empty());
                bytes = 0;
            }
            bytes += task.file_size_in_bytes;
            if let Some(part) = parts.last_mut() {
                part.tasks.push(task.clone());
            }
        }
        parts
    }
}

/// Compacts the table's current snapshot: one `replace` commit, or none when no partition has
/// enough small files. If the commit fails (another writer committed first), the files written
/// are deleted and the error returned.
pub async fn compact(
    tables: &Tables,
    client: &dyn CatalogClient,
    ident: &TableIdent,
    options: &CompactionOptions,
) -> Result<CompactionReport> {
    let table = tables.load(client, ident).await?.table;
    rewrite::supported(table.metadata())?;
    let Some(snapshot) = table.metadata().current_snapshot() else {
        return Ok(CompactionReport::default());
    };
    let keys = match options.strategy {
        Strategy::BinPack => Vec::new(),
        strategy => ordering::sort_keys(table.metadata(), strategy)?,
    };
    let groups = plan(&table, snapshot, options).await?;
    if groups.is_empty() {
        return Ok(CompactionReport::default());
    }
    let written = rewrite_groups(&table, &groups, options, &keys).await?;
    let files_written = written.len() as u64;
    let snapshot_id = commit(tables, client, &table, &groups, written).await?;
    Ok(CompactionReport {
        files_compacted: groups.iter().map(|g| g.tasks.len() as u64).sum(),
        bytes_compacted: groups.iter().map(Group::bytes).sum(),
        files_written,
        snapshot_id: Some(snapshot_id),
    })
}

/// Whether [`compact`] would rewrite anything: some partition has enough small files. (Reads
/// the table's manifests, no data.)
pub async fn has_work(
    tables: &Tables,
    client: &dyn CatalogClient,
    ident: &TableIdent,
    options: &CompactionOptions,
) -> Result<bool> {
    let table = tables.load(client, ident).await?.table;
    if rewrite::supported(table.metadata()).is_err() {
        return Ok(false);
    }
    let Some(snapshot) = table.metadata().current_snapshot() else {
        return Ok(false);
    };
    Ok(!plan(&table, snapshot, options).await?.is_empty())
}

/// The groups to rewrite: the snapshot's small Parquet data files without deletes, by partition
/// (spec and value), where there are enough of them.
async fn plan(
    table: &Table,
    snapshot: &SnapshotRef,
    options: &CompactionOptions,
) -> Result<Vec<Group>> {
    let tasks: Vec<FileScanTask> = table
        .scan()
        .snapshot_id(snapshot.snapshot_id())
        .build()?
        .plan_files()
        .await?
        .try_collect()
        .await?;
    let files = live_files(table, snapshot).await?;
    let mut partitions: HashMap<(i32, Option<Struct>), Vec<FileScanTask>> = HashMap::new();
    for task in tasks {
        let Some(file) = files.get(&task.data_file_path) else {
            continue;
        };
        if is_candidate(&task, options) {
            partitions
                .entry((file.spec, task.partition.clone()))
                .or_default()
                .push(task);
        }
    }
    let min_input_files = options.min_input_files.max(2);
    Ok(partitions
        .into_values()
        .filter(|tasks| tasks.len() >= min_input_files)
        .map(|tasks| {
            let mut ranges: HashMap<i32, (Datum, Datum)> = HashMap::new();
            for file in tasks.iter().filter_map(|t| files.get(&t.data_file_path)) {
                for (id, lower) in &file.lower {
                    let Some(upper) = file.upper.get(id) else {
                        continue;
                    };
                    let range = ranges
                        .entry(*id)
                        .or_insert_with(|| (lower.clone(), upper.clone()));
                    if lower < &range.0 {
                        range.0 = lower.clone();
                    }
                    if upper > &range.1 {
                        range.1 = upper.clone();
                    }
                }
            }
            Group { tasks, ranges }
        })
        .collect())
}

/// What scan tasks do not say of a live data file: its partition spec (equal partition values
/// of two specs are different partitions) and its columns' bounds.
pub(crate) struct LiveFile {
    pub(crate) spec: i32,
    lower: HashMap<i32, Datum>,
    upper: HashMap<i32, Datum>,
}

/// The snapshot's live data files, by path.
pub(crate) async fn live_files(
    table: &Table,
    snapshot: &SnapshotRef,
) -> Result<HashMap<String, LiveFile>> {
    let list = table.manifest_list_reader(snapshot).load().await?;
    let io = table.file_io();
    // Collected: the list's own iterator is not `Send`, and this future must be.
    let manifests: Vec<_> = list
        .consume_entries()
        .into_iter()
        .filter(|m| m.content == ManifestContentType::Data)
        .collect();
    let files: Vec<Vec<(String, LiveFile)>> = stream::iter(manifests)
        .map(|manifest| async move {
            let entries = manifest.load_manifest(io).await?;
            let live = entries.entries().iter().filter(|e| e.is_alive());
            Ok::<_, iceberg::Error>(
                live.map(|e| {
                    let file = LiveFile {
                        spec: manifest.partition_spec_id,
                        lower: e.data_file().lower_bounds().clone(),
                        upper: e.data_file().upper_bounds().clone(),
                    };
                    (e.file_path().to_string(), file)
                })
                .collect(),
            )
        })
        .buffer_unordered(MANIFEST_READS)
        .try_collect()
        .await?;
    Ok(files.into_iter().flatten().collect())
}

/// A Parquet file read whole that is small or has deletes to apply.
fn is_candidate(task: &FileScanTask, options: &CompactionOptions) -> bool {
    task.data_file_format == DataFileFormat::Parquet
        && task.start == 0
        && task.length == task.file_size_in_bytes
        && (task.file_size_in_bytes < options.small_file_threshold || !task.deletes.is_empty())
}

/// Writes every group's rows as new data files; if one fails, deletes those written (files the
/// failing group had already finished are not known here: orphan file deletion removes them).
async fn rewrite_groups(
    table: &Table,
    groups: &[Group],
    options: &CompactionOptions,
    keys: &[SortKey],
) -> Result<Vec<DataFile>> {
    let target_file_size = usize::try_from(options.target_file_size).map_err(|_| {
        Error::bad_request(format!(
            "target file size {} is too large",
            options.target_file_size
        ))
    })?;
    let run = uuid::Uuid::now_v7();
    // Bin-packing: each part of about one target file is rewritten by its own writer, as many
    // at once as there are cores (each holds one open file's unwritten row group). Ordering
    // strategies order a whole group at once.
    let parts: Vec<Group> = match options.strategy {
        Strategy::BinPack => groups
            .iter()
            .flat_map(|g| g.parts(options.target_file_size))
            .collect(),
        _ => groups
            .iter()
            .map(|g| Group {
                tasks: g.tasks.clone(),
                ranges: g.ranges.clone(),
            })
            .collect(),
    };
    let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The futures are made first: a closure making them inside the stream is not `Send`.
    let rewrites: Vec<_> = parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let prefix = format!("{run}-{i:05}");
            let order = (options.strategy, keys);
            rewrite_group(table, part, prefix, target_file_size, order)
        })
        .collect();
    let results: Vec<Result<Vec<DataFile>>> = stream::iter(rewrites)
        .buffer_unordered(parallel)
        .collect()
        .await;
    let mut written = Vec::new();
    let mut failure = None;
    for result in results {
        match result {
            Ok(files) => written.extend(files),
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    if let Some(e) = failure {
        write::delete(table.file_io(), &written).await;
        return Err(e);
    }
    Ok(written)
}

/// One group's rows, streamed from its files into new ones. The new files must hold exactly the
/// rows of the old: anything else is an error, and they are deleted.
async fn rewrite_group(
    table: &Table,
    group: &Group,
    prefix: String,
    target_file_size: usize,
    (strategy, keys): (Strategy, &[SortKey]),
) -> Result<Vec<DataFile>> {
    let metadata = table.metadata();
    let current = metadata.current_schema();
    let tasks: Vec<_> = group
        .tasks
        .iter()
        .map(|t| Ok(in_schema(t.clone(), current)))
        .collect();
    let tasks: FileScanTaskStream = stream::iter(tasks).boxed();
    // Small files: many read at once (each is a few round trips of latency, little work).
    let batches = table
        .reader_builder()
        .with_data_file_concurrency_limit(FILE_READS)
        .with_batch_size(BATCH_ROWS)
        .build()
        .read(tasks)?
        .stream()
        .map_err(|e| DataFusionError::External(Box::new(e)));
    let schema = Arc::new(schema_to_arrow_schema(current)?);
    let rows = Box::pin(RecordBatchStreamAdapter::new(schema, batches));
    let rows = ordering::ordered(rows, strategy, keys, &group.ranges, BATCH_ROWS).await?;
    let io = table.file_io().clone();
    let files = write::write_stream(io, metadata, prefix, target_file_size, rows).await?;
    let written: u64 = files.iter().map(DataFile::record_count).sum();
    match group.records() {
        Some(read) if read != written => {
            write::delete(table.file_io(), &files).await;
            Err(Error::Internal(format!(
                "compaction read {read} rows and wrote {written}: nothing was committed"
            )))
        }
        _ => Ok(files),
    }
}

/// A scan task that reads its file in the given schema (the table's current one: scan tasks
/// read in the snapshot's, which a later schema change leaves behind).
fn in_schema(mut task: FileScanTask, schema: &SchemaRef) -> FileScanTask {
    task.project_field_ids = schema.as_struct().fields().iter().map(|f| f.id).collect();
    task.schema = schema.clone();
    task
}

/// Replaces the groups' files by the written ones in one `replace` snapshot; its id. On failure
/// nothing it wrote is left behind.
async fn commit(
    tables: &Tables,
    client: &dyn CatalogClient,
    table: &Table,
    groups: &[Group],
    written: Vec<DataFile>,
) -> Result<i64> {
    let io = table.file_io();
    let removed: BTreeSet<String> = groups
        .iter()
        .flat_map(|g| g.tasks.iter().map(|t| t.data_file_path.clone()))
        .collect();
    let replaced = rewrite::replace_files(
        table,
        &removed,
        written.clone(),
        Operation::Replace,
        HashMap::new(),
    )
    .await;
    let (requirements, updates) = match replaced {
        Ok(commit) => commit,
        Err(e) => {
            write::delete(io, &written).await;
            return Err(e);
        }
    };
    match tables
        .commit(client, table.identifier(), &requirements, updates.clone())
        .await
    {
        Ok(committed) => committed.metadata().current_snapshot_id().ok_or_else(|| {
            Error::Internal("the compaction commit left the table without a snapshot".into())
        }),
        Err(e) => {
            rewrite::discard(table, &updates).await;
            write::delete(io, &written).await;
            Err(e)
        }
    }
}
