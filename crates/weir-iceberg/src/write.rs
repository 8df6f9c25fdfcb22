//! A job's rows written into an Iceberg table: conformed to the table's current schema (columns
//! by name, cast to their types; a nullable column the input lacks is null), written as Parquet
//! data files under the table's data location — one writer per input partition, split by the
//! table's partition spec, files rolled at `write.target-file-size-bytes` — and only then
//! committed as one appended snapshot. Until the commit the files are invisible: a run that
//! fails deletes them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use datafusion::execution::SendableRecordBatchStream;
use datafusion::prelude::DataFrame;
use futures::{StreamExt, TryStreamExt};
use iceberg::arrow::{schema_to_arrow_schema, FieldMatchMode, RecordBatchPartitionSplitter};
use iceberg::io::FileIO;
use iceberg::spec::{DataFile, DataFileFormat, Operation, TableMetadata};
use iceberg::table::Table;
use iceberg::transaction::{ApplyTransactionAction, Transaction};
use iceberg::writer::base_writer::data_file_writer::DataFileWriterBuilder;
use iceberg::writer::file_writer::location_generator::{
    DefaultFileNameGenerator, DefaultLocationGenerator,
};
use iceberg::writer::file_writer::rolling_writer::RollingFileWriterBuilder;
use iceberg::writer::file_writer::ParquetWriterBuilder;
use iceberg::writer::partitioning::fanout_writer::FanoutWriter;
use iceberg::writer::partitioning::unpartitioned_writer::UnpartitionedWriter;
use iceberg::writer::partitioning::PartitioningWriter;
use weir_engine::catalog::CatalogClient;
use weir_engine::job::merge;
use weir_engine::parquet_dictionaries::{replayed, with_dictionaries_chosen};

use crate::catalog::GlueCatalog;
use crate::error::{Error, Result};
use crate::maintenance::rewrite::{discard, replace_files};
use crate::tables::Tables;

/// Data files written and not yet committed.
pub struct Written {
    pub files: Vec<DataFile>,
    pub rows: u64,
}

/// The input with the table's columns, in its order and types (see [`merge::conform`]).
pub fn conform(input: DataFrame, metadata: &TableMetadata, table: &str) -> Result<DataFrame> {
    let target = schema_to_arrow_schema(metadata.current_schema())?;
    Ok(merge::conform(
        input,
        &target,
        &format!("Iceberg table {table}"),
    )?)
}

/// Writes the input (already conformed) as data files of the table: nothing is committed.
pub async fn data_files(
    io: &FileIO,
    metadata: &TableMetadata,
    input: DataFrame,
) -> Result<Written> {
    let streams = input.execute_stream_partitioned().await?;
    let target_file_size = metadata.table_properties()?.write_target_file_size_bytes;
    let metadata = Arc::new(metadata.clone());
    let prefix = uuid::Uuid::now_v7().to_string();
    let tasks: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(i, stream)| {
            let (io, metadata) = (io.clone(), metadata.clone());
            let prefix = format!("{prefix}-{i:05}");
            tokio::spawn(async move {
                write_stream(io, &metadata, prefix, target_file_size, stream).await
            })
        })
        .collect();
    let mut written = Written {
        files: Vec::new(),
        rows: 0,
    };
    let mut failure = None;
    for task in tasks {
        match task.await {
            Ok(Ok(files)) => written.files.extend(files),
            Ok(Err(e)) => failure = failure.or(Some(e)),
            Err(e) => {
                failure = failure.or(Some(Error::Internal(format!(
                    "writing data files failed: {e}"
                ))))
            }
        }
    }
    if let Some(e) = failure {
        delete(io, &written.files).await;
        return Err(e);
    }
    written.rows = written.files.iter().map(DataFile::record_count).sum();
    Ok(written)
}

/// One input partition's rows as data files (named `PREFIX-NNNNN.parquet`), rolled at
/// `target_file_size` bytes.
pub(crate) async fn write_stream(
    io: FileIO,
    metadata: &TableMetadata,
    prefix: String,
    target_file_size: usize,
    mut stream: SendableRecordBatchStream,
) -> Result<Vec<DataFile>> {
    let schema = metadata.current_schema().clone();
    let (properties, sample) = with_dictionaries_chosen(
        crate::parquet_properties::writer_properties(metadata)?,
        &mut stream,
    )
    .await?;
    let mut stream = replayed(sample, stream);
    let parquet =
        ParquetWriterBuilder::new_with_match_mode(properties, schema.clone(), FieldMatchMode::Name);
    let rolling = RollingFileWriterBuilder::new(
        parquet,
        target_file_size,
        io,
        DefaultLocationGenerator::new(metadata)?,
        DefaultFileNameGenerator::new(prefix, None, DataFileFormat::Parquet),
    );
    let builder = DataFileWriterBuilder::new(rolling);
    let spec = metadata.default_partition_spec().clone();
    if spec.is_unpartitioned() {
        let mut writer = UnpartitionedWriter::new(builder);
        while let Some(batch) = stream.next().await {
            writer.write(batch?).await?;
        }
        Ok(writer.close().await?)
    } else {
        let splitter = RecordBatchPartitionSplitter::try_new_with_computed_values(schema, spec)?;
        let mut writer = FanoutWriter::new(builder);
        while let Some(batch) = stream.next().await {
            for (key, part) in splitter.split(&batch?)? {
                writer.write(key, part).await?;
            }
        }
        Ok(writer.close().await?)
    }
}

/// Appends the data files to the table as one snapshot (re-applied to the newest metadata if
/// another writer committed meanwhile).
pub async fn append(
    tables: &Tables,
    client: &dyn CatalogClient,
    table: &Table,
    files: Vec<DataFile>,
) -> Result<Table> {
    let catalog = GlueCatalog { tables, client };
    let transaction = Transaction::new(table);
    let transaction = transaction
        .fast_append()
        .add_data_files(files)
        .apply(transaction)?;
    Ok(transaction.commit(&catalog).await?)
}

/// How written files change a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Added to the table's files.
    Append,
    /// Replace every data file of the table.
    Replace,
    /// Replace the data files of the partitions written (of the table's default spec).
    ReplacePartitions,
}

/// Replaces data files of the table's current snapshot by `files` (all of them, or with
/// [`Change::ReplacePartitions`] those of the partitions `files` are in), as one `overwrite`
/// snapshot. Unlike an append it is not re-applied to a newer table: if another writer
/// committed since `table` was read, the overwrite fails (what it would replace has changed).
pub async fn overwrite(
    tables: &Tables,
    client: &dyn CatalogClient,
    table: &Table,
    files: Vec<DataFile>,
    change: Change,
) -> Result<Table> {
    let default_spec = table.metadata().default_partition_spec().clone();
    let written: Vec<iceberg::spec::Struct> = files.iter().map(|f| f.partition().clone()).collect();
    let removed: BTreeSet<String> = match table.metadata().current_snapshot() {
        None => BTreeSet::new(),
        Some(snapshot) => {
            let tasks: Vec<_> = table
                .scan()
                .build()?
                .plan_files()
                .await?
                .try_collect()
                .await?;
            let by_partition =
                change == Change::ReplacePartitions && !default_spec.is_unpartitioned();
            // Scan tasks do not say their file's spec: the manifests do.
            let specs = if by_partition {
                crate::maintenance::compaction::live_files(table, snapshot).await?
            } else {
                HashMap::new()
            };
            tasks
                .into_iter()
                .filter(|t| {
                    !by_partition
                        || (specs
                            .get(&t.data_file_path)
                            .is_some_and(|f| f.spec == default_spec.spec_id())
                            && t.partition.as_ref().is_some_and(|p| written.contains(p)))
                })
                .map(|t| t.data_file_path)
                .collect()
        }
    };
    let (requirements, updates) =
        replace_files(table, &removed, files, Operation::Overwrite, HashMap::new()).await?;
    match tables
        .commit(client, table.identifier(), &requirements, updates.clone())
        .await
    {
        Ok(table) => Ok(table),
        Err(e) => {
            discard(table, &updates).await;
            Err(e)
        }
    }
}

/// Deletes data files that were not committed.
pub async fn delete(io: &FileIO, files: &[DataFile]) {
    for file in files {
        if let Err(e) = io.delete(file.file_path()).await {
            tracing::warn!(file = file.file_path(), error = %e, "an uncommitted data file was not deleted");
        }
    }
}
