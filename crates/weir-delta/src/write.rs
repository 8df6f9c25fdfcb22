//! A job's rows written into a Delta table: conformed to the table's schema (the engine's
//! `job::merge::conform`), written as Parquet data files under the table's folder — one writer
//! per input partition, split by the table's partition columns, with the statistics Delta keeps
//! for data skipping — and only then committed as one Delta commit. Until the commit the files
//! are invisible (no log entry names them): a run that fails deletes them.

use std::num::NonZeroU64;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::prelude::DataFrame;
use delta_kernel::table_properties::DataSkippingNumIndexedCols;
use deltalake_core::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake_core::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake_core::kernel::{Action, Add, MetadataExt, StructType};
use deltalake_core::logstore::{LogStoreRef, ObjectStoreRef};
use deltalake_core::operations::write::writer::{DeltaWriter, WriterConfig};
use deltalake_core::parquet::basic::Compression;
use deltalake_core::parquet::file::properties::WriterProperties;
use deltalake_core::protocol::{DeltaOperation, SaveMode};
use deltalake_core::DeltaTable;
use futures::StreamExt;
use object_store::path::Path;
use object_store::ObjectStoreExt;

use weir_engine::parquet_dictionaries::{replayed, with_dictionaries_chosen};

use crate::error::{Error, Result};

/// Files Delta writers aim for (delta-rs's and Spark's default).
const TARGET_FILE_SIZE: u64 = 100 * 1024 * 1024;

/// The shape rows take in a table: its Arrow schema and partition columns.
#[derive(Debug, Clone)]
pub struct Layout {
    pub schema: SchemaRef,
    pub partition_columns: Vec<String>,
    num_indexed_cols: DataSkippingNumIndexedCols,
    target_file_size: u64,
    compression: Compression,
}

impl Layout {
    /// An existing table's layout, at its loaded version.
    pub fn of(table: &DeltaTable) -> Result<Layout> {
        let snapshot = table.snapshot()?;
        let properties = snapshot.snapshot().table_properties();
        Ok(Layout {
            schema: snapshot.snapshot().arrow_schema(),
            partition_columns: snapshot.metadata().partition_columns().to_vec(),
            num_indexed_cols: properties
                .data_skipping_num_indexed_cols
                .unwrap_or(DataSkippingNumIndexedCols::NumColumns(32)),
            target_file_size: properties
                .target_file_size
                .map_or(TARGET_FILE_SIZE, NonZeroU64::get),
            compression: Compression::SNAPPY,
        })
    }

    /// A new table's layout for rows of `input`: Delta's types (microsecond timestamps, plain
    /// strings and binaries, signed integers), partitioned by `partition_columns`.
    pub fn for_rows(input: &Schema, partition_columns: Vec<String>) -> Result<Layout> {
        for column in &partition_columns {
            if input.field_with_name(column).is_err() {
                return Err(Error::invalid(format!(
                    "partition key {column} is not a column of the input"
                )));
            }
        }
        let fields: Vec<Field> = input
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_data_type(delta_type(f.data_type())))
            .collect();
        Ok(Layout {
            schema: Arc::new(Schema::new(fields)),
            partition_columns,
            num_indexed_cols: DataSkippingNumIndexedCols::NumColumns(32),
            target_file_size: TARGET_FILE_SIZE,
            compression: Compression::SNAPPY,
        })
    }

    /// The layout with data files compressed so (Snappy unless said).
    pub fn with_compression(self, compression: Compression) -> Layout {
        Layout {
            compression,
            ..self
        }
    }

    /// The layout with the columns of `input` it lacks (matched by name, ignoring case) added
    /// at its end, nullable, as Delta stores them; `None` when it lacks none.
    pub fn with_new_columns(&self, input: &Schema) -> Option<Layout> {
        let new: Vec<Field> = input
            .fields()
            .iter()
            .filter(|f| {
                self.schema
                    .fields()
                    .iter()
                    .all(|t| !t.name().eq_ignore_ascii_case(f.name()))
            })
            .map(|f| {
                f.as_ref()
                    .clone()
                    .with_data_type(delta_type(f.data_type()))
                    .with_nullable(true)
            })
            .collect();
        if new.is_empty() {
            return None;
        }
        let fields: Vec<Field> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .chain(new)
            .collect();
        Some(Layout {
            schema: Arc::new(Schema::new(fields)),
            ..self.clone()
        })
    }

    /// The layout's schema as Delta's.
    pub fn delta_schema(&self) -> Result<StructType> {
        self.schema
            .as_ref()
            .try_into_kernel()
            .map_err(|e| Error::invalid(format!("the rows cannot be a Delta table: {e}")))
    }
}

/// The type Delta stores a column of type `t` as.
fn delta_type(t: &DataType) -> DataType {
    match t {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::BinaryView | DataType::LargeBinary | DataType::FixedSizeBinary(_) => {
            DataType::Binary
        }
        DataType::UInt8 => DataType::Int16,
        DataType::UInt16 => DataType::Int32,
        DataType::UInt32 | DataType::UInt64 => DataType::Int64,
        DataType::Float16 => DataType::Float32,
        DataType::Date64 => DataType::Date32,
        DataType::Timestamp(_, tz) => DataType::Timestamp(
            TimeUnit::Microsecond,
            tz.as_ref().map(|_| Arc::<str>::from("UTC")),
        ),
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) => DataType::List(
            Arc::new(f.as_ref().clone().with_data_type(delta_type(f.data_type()))),
        ),
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| f.as_ref().clone().with_data_type(delta_type(f.data_type())))
                .collect(),
        ),
        DataType::Map(entries, sorted) => DataType::Map(
            Arc::new(
                entries
                    .as_ref()
                    .clone()
                    .with_data_type(delta_type(entries.data_type())),
            ),
            *sorted,
        ),
        other => other.clone(),
    }
}

/// Data files written and not yet committed.
#[derive(Debug, Default)]
pub struct Written {
    pub adds: Vec<Add>,
    pub rows: u64,
}

/// Writes the input (already conformed to `layout`) as data files of the table whose files
/// `store` holds (the log store's table-rooted store): nothing is committed.
pub async fn data_files(
    store: ObjectStoreRef,
    layout: &Layout,
    input: DataFrame,
) -> Result<Written> {
    let streams = input.execute_stream_partitioned().await?;
    let properties = WriterProperties::builder()
        .set_created_by(format!("weir {}", env!("CARGO_PKG_VERSION")))
        .set_compression(layout.compression)
        .build();
    let tasks: Vec<_> = streams
        .into_iter()
        .map(|mut stream| {
            let (store, properties, layout) = (store.clone(), properties.clone(), layout.clone());
            tokio::spawn(async move {
                let (properties, sample) =
                    with_dictionaries_chosen(properties, &mut stream).await?;
                let mut stream = replayed(sample, stream);
                let config = WriterConfig::new(
                    layout.schema.clone(),
                    layout.partition_columns.clone(),
                    Some(properties),
                    NonZeroU64::new(layout.target_file_size),
                    None,
                    layout.num_indexed_cols,
                    None,
                );
                let mut writer = DeltaWriter::new(store, config);
                let mut rows = 0u64;
                while let Some(batch) = stream.next().await {
                    let batch = batch?;
                    rows += batch.num_rows() as u64;
                    writer.write(&batch).await?;
                }
                Ok::<_, Error>((writer.close().await?, rows))
            })
        })
        .collect();
    let mut written = Written::default();
    let mut failure = None;
    for task in tasks {
        match task.await {
            Ok(Ok((adds, rows))) => {
                written.adds.extend(adds);
                written.rows += rows;
            }
            Ok(Err(e)) => failure = failure.or(Some(e)),
            Err(e) => {
                failure = failure.or(Some(Error::invalid(format!(
                    "writing data files failed: {e}"
                ))))
            }
        }
    }
    if let Some(e) = failure {
        delete(&store, &written.adds).await;
        return Err(e);
    }
    Ok(written)
}

/// Deletes written files no commit names (a failed or aborted run's).
pub async fn delete(store: &ObjectStoreRef, adds: &[Add]) {
    for add in adds {
        let path = Path::from_url_path(&add.path).unwrap_or_else(|_| Path::from(add.path.as_str()));
        if let Err(e) = store.delete(&path).await {
            if !matches!(e, object_store::Error::NotFound { .. }) {
                tracing::warn!(file = %add.path, error = %e, "an uncommitted data file was not deleted");
            }
        }
    }
}

/// How written files change a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Add the files to the table's (re-applied on top of a concurrent append).
    Append,
    /// Replace every file of the version read; fails if another writer committed meanwhile.
    Replace,
    /// Replace the files of the partitions written, as `Replace` does.
    ReplacePartitions,
}

/// Commits the written files to an existing table (loaded at the version the rows were
/// computed from), as one commit — with the table's schema moved to `evolved`'s when given;
/// the new version.
pub async fn commit(
    table: &DeltaTable,
    written: &Written,
    change: Change,
    evolved: Option<&Layout>,
) -> Result<u64> {
    let snapshot = table.snapshot()?;
    let mut actions: Vec<Action> = written.adds.iter().cloned().map(Action::Add).collect();
    if let Some(layout) = evolved {
        let metadata = snapshot
            .metadata()
            .clone()
            .with_schema(&layout.delta_schema()?)
            .map_err(|e| Error::invalid(format!("the table's new schema: {e}")))?;
        actions.push(Action::Metadata(metadata));
    }
    let (mode, retries) = match change {
        Change::Append => (SaveMode::Append, CommitProperties::default()),
        Change::Replace | Change::ReplacePartitions => {
            let written: Vec<_> = written.adds.iter().map(|a| &a.partition_values).collect();
            let mut files = snapshot
                .snapshot()
                .file_views(table.log_store().as_ref(), None);
            while let Some(file) = files.next().await {
                let remove = file?.remove_action(true);
                let replaced = change == Change::Replace
                    || written.contains(&&remove.partition_values.clone().unwrap_or_default());
                if replaced {
                    actions.push(Action::Remove(remove));
                }
            }
            (
                SaveMode::Overwrite,
                CommitProperties::default().with_max_retries(0),
            )
        }
    };
    let operation = DeltaOperation::Write {
        mode,
        partition_by: Some(snapshot.metadata().partition_columns().to_vec())
            .filter(|p| !p.is_empty()),
        predicate: None,
    };
    let committed = CommitBuilder::from(retries)
        .with_actions(actions)
        .build(Some(snapshot), table.log_store(), operation)
        .await?;
    Ok(committed.version())
}

/// Creates the table at `log_store`'s location with the written files as its first version.
pub async fn create(
    log_store: LogStoreRef,
    name: &str,
    layout: &Layout,
    written: &Written,
) -> Result<DeltaTable> {
    let schema = layout.delta_schema()?;
    let table = DeltaTable::new(log_store, Default::default())
        .create()
        .with_table_name(name)
        .with_columns(schema.fields().cloned())
        .with_partition_columns(layout.partition_columns.clone())
        .with_save_mode(SaveMode::ErrorIfExists)
        .with_actions(written.adds.iter().cloned().map(Action::Add))
        .await?;
    Ok(table)
}
