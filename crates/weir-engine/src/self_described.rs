//! Files that carry their own schema (ORC, Avro) as one DataFusion file format over a
//! [`Decoder`] per format ([`crate::orc`], [`crate::avro`]), written by an
//! [`Encoder`] where the format has one (Avro: [`crate::encoded_sink`]).
//!
//! [`SelfDescribed`] infers a table schema from the files' own schemas and plans scans of
//! [`DecodedSource`]. A scan reads each file through its object store by byte ranges (never the
//! whole file at once), decoding only the projected columns. Columns are matched to the table's
//! by name, cast to the table's types, and a column the file lacks reads as nulls; partition
//! columns come from the scanned files' partition values. A file split into byte ranges is read
//! by the parts (stripes, blocks) that start in each range. Read errors name the file; a panic of
//! a decoder on a malformed file becomes such an error.

use std::any::Any;
use std::collections::HashMap;
use std::fmt::Debug;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::GetExt;
use datafusion::common::Statistics;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::{FileFormat, FileFormatFactory};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{
    FileOpenFuture, FileOpener, FileScanConfig, FileSource,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::{DataFusionError, Result};
use datafusion::physical_expr::projection::ProjectionExprs;
use datafusion::physical_expr::LexRequirement;
use datafusion::physical_expr_adapter::{BatchAdapter, BatchAdapterFactory};
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_datasource::file_sink_config::FileSinkConfig;
use datafusion_datasource::projection::{ProjectionOpener, SplitProjection};
use datafusion_datasource::sink::DataSinkExec;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use object_store::{ObjectMeta, ObjectStore};

use crate::encoded_sink::{EncodedSink, Encoder};
use crate::job::files::file_url;

/// Rows per batch when the scan does not say.
const BATCH_SIZE: usize = 8192;

/// Reads one self-describing file format.
#[async_trait]
pub trait Decoder: Debug + Send + Sync + 'static {
    /// The format's name in messages (`ORC`).
    fn name(&self) -> &'static str;

    /// Its file extension, which is also its file type in plans (`orc`).
    fn extension(&self) -> &'static str;

    /// The file's own schema.
    async fn schema(&self, store: Arc<dyn ObjectStore>, meta: ObjectMeta) -> Result<Schema>;

    /// The file's batches of the columns named in `columns` that the file has (in the file's
    /// order and types), from the parts of the file that start in `range` (all when `None`).
    async fn batches(
        &self,
        store: Arc<dyn ObjectStore>,
        meta: ObjectMeta,
        columns: SchemaRef,
        batch_size: usize,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<RecordBatch>>>;
}

/// A file format read by a [`Decoder`], and written by an [`Encoder`] when it has one.
#[derive(Debug, Clone)]
pub struct SelfDescribed {
    decoder: Arc<dyn Decoder>,
    encoder: Option<Arc<dyn Encoder>>,
}

impl SelfDescribed {
    pub fn new(decoder: impl Decoder) -> Self {
        Self {
            decoder: Arc::new(decoder),
            encoder: None,
        }
    }

    /// The format written by `encoder` too.
    pub fn with_encoder(self, encoder: impl Encoder) -> Self {
        Self {
            encoder: Some(Arc::new(encoder)),
            ..self
        }
    }

    /// The format as targets name it (`COPY TO`'s file type).
    pub fn factory(self) -> Arc<dyn FileFormatFactory> {
        Arc::new(Factory(self))
    }
}

/// A [`SelfDescribed`] format as a `COPY TO` target's file type.
#[derive(Debug)]
struct Factory(SelfDescribed);

impl FileFormatFactory for Factory {
    fn create(
        &self,
        _state: &dyn Session,
        _options: &HashMap<String, String>,
    ) -> Result<Arc<dyn FileFormat>> {
        Ok(Arc::new(self.0.clone()))
    }

    fn default(&self) -> Arc<dyn FileFormat> {
        Arc::new(self.0.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl GetExt for Factory {
    fn get_ext(&self) -> String {
        FileFormat::get_ext(&self.0)
    }
}

#[async_trait]
impl FileFormat for SelfDescribed {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn get_ext(&self) -> String {
        self.decoder.extension().into()
    }

    fn get_ext_with_compression(&self, compression: &FileCompressionType) -> Result<String> {
        if compression.is_compressed() {
            return Err(DataFusionError::NotImplemented(format!(
                "{} files are compressed inside, not as a whole",
                self.decoder.name()
            )));
        }
        Ok(self.get_ext())
    }

    fn compression_type(&self) -> Option<FileCompressionType> {
        None
    }

    /// The files' schemas, merged (without the files' key-value metadata).
    async fn infer_schema(
        &self,
        _state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        objects: &[ObjectMeta],
    ) -> Result<SchemaRef> {
        let mut schemas = Vec::with_capacity(objects.len());
        for meta in objects {
            let read = AssertUnwindSafe(self.decoder.schema(store.clone(), meta.clone()))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(panicked(self.decoder.name())));
            let schema =
                read.map_err(|e| reading(self.decoder.name(), meta.location.as_ref(), e))?;
            schemas.push(Schema::new(schema.fields().clone()));
        }
        Ok(Arc::new(Schema::try_merge(schemas)?))
    }

    async fn infer_stats(
        &self,
        _state: &dyn Session,
        _store: &Arc<dyn ObjectStore>,
        table_schema: SchemaRef,
        _object: &ObjectMeta,
    ) -> Result<Statistics> {
        Ok(Statistics::new_unknown(&table_schema))
    }

    async fn create_physical_plan(
        &self,
        _state: &dyn Session,
        config: FileScanConfig,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(DataSourceExec::from_data_source(config))
    }

    async fn create_writer_physical_plan(
        &self,
        input: Arc<dyn ExecutionPlan>,
        _state: &dyn Session,
        config: FileSinkConfig,
        order: Option<LexRequirement>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let Some(encoder) = &self.encoder else {
            return Err(DataFusionError::NotImplemented(format!(
                "Weir reads {} files but does not write them",
                self.decoder.name()
            )));
        };
        let sink = EncodedSink::new(config, encoder.clone());
        Ok(Arc::new(DataSinkExec::new(input, Arc::new(sink), order)))
    }

    fn file_source(&self, table_schema: TableSchema) -> Arc<dyn FileSource> {
        Arc::new(DecodedSource {
            decoder: self.decoder.clone(),
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            batch_size: None,
            metrics: ExecutionPlanMetricsSet::new(),
        })
    }
}

/// Scans of self-describing files into a table's schema (see the module's documentation).
#[derive(Clone)]
pub struct DecodedSource {
    decoder: Arc<dyn Decoder>,
    table_schema: TableSchema,
    /// The projection: which file columns to decode, and the rest (partition columns, any
    /// expression) applied to the decoded batches.
    projection: SplitProjection,
    batch_size: Option<usize>,
    metrics: ExecutionPlanMetricsSet,
}

impl FileSource for DecodedSource {
    fn create_file_opener(
        &self,
        store: Arc<dyn ObjectStore>,
        config: &FileScanConfig,
        _partition: usize,
    ) -> Result<Arc<dyn FileOpener>> {
        let file_schema = self.table_schema.file_schema();
        let columns = Arc::new(file_schema.project(&self.projection.file_indices)?);
        let opener = Arc::new(DecodedOpener {
            decoder: self.decoder.clone(),
            store,
            store_url: config.object_store_url.as_str().into(),
            columns,
            batch_size: self.batch_size.unwrap_or(BATCH_SIZE),
        });
        ProjectionOpener::try_new(self.projection.clone(), opener, file_schema)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn table_schema(&self) -> &TableSchema {
        &self.table_schema
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        Arc::new(Self {
            batch_size: Some(batch_size),
            ..self.clone()
        })
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        Some(&self.projection.source)
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        &self.metrics
    }

    fn file_type(&self) -> &str {
        self.decoder.extension()
    }

    fn try_pushdown_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> Result<Option<Arc<dyn FileSource>>> {
        let merged = self.projection.source.try_merge(projection)?;
        Ok(Some(Arc::new(Self {
            projection: SplitProjection::new(self.table_schema.file_schema(), &merged),
            ..self.clone()
        })))
    }
}

/// Opens one file: its batches hold `columns` (the table's file columns to read).
struct DecodedOpener {
    decoder: Arc<dyn Decoder>,
    store: Arc<dyn ObjectStore>,
    /// The store's URL, to name files in errors.
    store_url: Arc<str>,
    columns: SchemaRef,
    batch_size: usize,
}

impl FileOpener for DecodedOpener {
    fn open(&self, file: PartitionedFile) -> Result<FileOpenFuture> {
        let name = self.decoder.name();
        let url = file_url(&self.store_url, &file.object_meta);
        let named = move |e: DataFusionError| reading(name, &url, e);
        let (decoder, store, columns, batch_size) = (
            self.decoder.clone(),
            self.store.clone(),
            self.columns.clone(),
            self.batch_size,
        );
        let range = file.range.map(|r| r.start as u64..r.end as u64);
        Ok(async move {
            let batches = AssertUnwindSafe(decoder.batches(
                store,
                file.object_meta,
                columns.clone(),
                batch_size,
                range,
            ))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(panicked(name)))
            .map_err(&named)?;
            let factory = BatchAdapterFactory::new(columns);
            // The adapter of the last batch's schema (a file's batches share one).
            let mut adapter: Option<(SchemaRef, BatchAdapter)> = None;
            Ok(AssertUnwindSafe(batches)
                .catch_unwind()
                .map(move |decoded| {
                    let batch = match decoded {
                        Ok(batch) => batch.map_err(&named)?,
                        Err(_) => return Err(named(panicked(name))),
                    };
                    let schema = batch.schema();
                    let current = match adapter.take() {
                        Some((s, a)) if s == schema => (s, a),
                        _ => (
                            schema.clone(),
                            factory.make_adapter(&schema).map_err(&named)?,
                        ),
                    };
                    let adapted = current.1.adapt_batch(&batch).map_err(&named);
                    adapter = Some(current);
                    adapted
                })
                .boxed())
        }
        .boxed())
    }
}

/// A decoder can panic on data out of its format's spec (arithmetic overflows): a scan catches
/// the panic and fails the file with this error rather than unwinding through the query.
fn panicked(format: &str) -> DataFusionError {
    DataFusionError::Execution(format!(
        "the {format} decoder failed on data out of the {format} spec"
    ))
}

/// An error reading `file`, naming it.
fn reading(format: &str, file: &str, e: DataFusionError) -> DataFusionError {
    DataFusionError::Execution(format!("reading {format} file {file}: {e}"))
}
