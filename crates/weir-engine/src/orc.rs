//! ORC files as a DataFusion file format, read with `orc-rust`.
//!
//! [`OrcFormat`] infers a schema from the files' footers and plans scans of [`OrcSource`]. A scan
//! reads each file through its object store by byte ranges — the footer, then stripe by stripe,
//! never the whole file at once — decoding only the projected columns. Columns are matched to
//! the table's by name, cast to the table's types, and a column the file lacks reads as nulls;
//! partition columns come from the scanned files' partition values. A file split into byte
//! ranges is read by the stripes that start in each range. Read errors name the file; a panic
//! of the decoder on a malformed file becomes such an error.

use std::any::Any;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::Statistics;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{
    FileOpenFuture, FileOpener, FileScanConfig, FileSource,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::{DataFusionError, Result};
use datafusion::physical_expr::projection::ProjectionExprs;
use datafusion::physical_expr_adapter::BatchAdapterFactory;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_datasource::projection::{ProjectionOpener, SplitProjection};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use orc_rust::projection::ProjectionMask;
use orc_rust::reader::AsyncChunkReader;
use orc_rust::{ArrowReaderBuilder, TimestampPrecision};

use crate::job::files::file_url;

/// Rows per batch when the scan does not say.
const BATCH_SIZE: usize = 8192;

/// The ORC file format.
#[derive(Debug, Default)]
pub struct OrcFormat;

#[async_trait]
impl FileFormat for OrcFormat {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn get_ext(&self) -> String {
        "orc".into()
    }

    fn get_ext_with_compression(&self, compression: &FileCompressionType) -> Result<String> {
        if compression.is_compressed() {
            return Err(DataFusionError::NotImplemented(
                "ORC files are compressed inside, not as a whole".into(),
            ));
        }
        Ok(self.get_ext())
    }

    fn compression_type(&self) -> Option<FileCompressionType> {
        None
    }

    /// The files' footer schemas, merged (without the files' key-value metadata).
    async fn infer_schema(
        &self,
        _state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        objects: &[ObjectMeta],
    ) -> Result<SchemaRef> {
        let mut schemas = Vec::with_capacity(objects.len());
        for meta in objects {
            let footer = open(store.clone(), meta.clone())
                .await
                .map_err(|e| reading(meta.location.as_ref(), e))?;
            schemas.push(Schema::new(footer.schema().fields().clone()));
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

    fn file_source(&self, table_schema: TableSchema) -> Arc<dyn FileSource> {
        Arc::new(OrcSource::new(table_schema))
    }
}

/// Scans of ORC files into a table's schema (see the module's documentation).
#[derive(Clone)]
pub struct OrcSource {
    table_schema: TableSchema,
    /// The projection: which file columns to decode, and the rest (partition columns, any
    /// expression) applied to the decoded batches.
    projection: SplitProjection,
    batch_size: Option<usize>,
    metrics: ExecutionPlanMetricsSet,
}

impl OrcSource {
    pub fn new(table_schema: TableSchema) -> Self {
        Self {
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            batch_size: None,
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }
}

impl FileSource for OrcSource {
    fn create_file_opener(
        &self,
        store: Arc<dyn ObjectStore>,
        config: &FileScanConfig,
        _partition: usize,
    ) -> Result<Arc<dyn FileOpener>> {
        let file_schema = self.table_schema.file_schema();
        let columns = Arc::new(file_schema.project(&self.projection.file_indices)?);
        let opener = Arc::new(OrcOpener {
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
        "orc"
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

/// Opens one ORC file: its batches hold `columns` (the table's file columns to read).
struct OrcOpener {
    store: Arc<dyn ObjectStore>,
    /// The store's URL, to name files in errors.
    store_url: Arc<str>,
    columns: SchemaRef,
    batch_size: usize,
}

impl FileOpener for OrcOpener {
    fn open(&self, file: PartitionedFile) -> Result<FileOpenFuture> {
        let url = file_url(&self.store_url, &file.object_meta);
        let named = move |e: DataFusionError| reading(&url, e);
        let (store, columns, batch_size) =
            (self.store.clone(), self.columns.clone(), self.batch_size);
        let range = file.range.map(|r| r.start as usize..r.end as usize);
        Ok(async move {
            let stripes = AssertUnwindSafe(stripes(
                store,
                file.object_meta,
                &columns,
                batch_size,
                range,
            ))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(panicked()))
            .map_err(&named)?;
            let adapter = BatchAdapterFactory::new(columns)
                .make_adapter(&stripes.schema())
                .map_err(&named)?;
            Ok(AssertUnwindSafe(stripes)
                .catch_unwind()
                .map(move |decoded| {
                    let batch = match decoded {
                        Ok(batch) => batch.map_err(DataFusionError::from),
                        Err(_) => Err(panicked()),
                    };
                    batch.and_then(|b| adapter.adapt_batch(&b)).map_err(&named)
                })
                .boxed())
        }
        .boxed())
    }
}

/// The footer of an ORC file, ready to read its stripes.
async fn open(
    store: Arc<dyn ObjectStore>,
    meta: ObjectMeta,
) -> Result<ArrowReaderBuilder<ObjectReader>> {
    let builder = ArrowReaderBuilder::try_new_async(ObjectReader { store, meta })
        .await
        .map_err(|e| DataFusionError::External(Box::new(e)))?;
    // Hive's and Glue's `timestamp` is microseconds; nanoseconds would overflow past 2262.
    Ok(builder.with_timestamp_precision(TimestampPrecision::Microsecond))
}

/// The stream of a file's batches: the file's columns named in `columns` (in the file's order
/// and types), from the stripes that start in `range`.
async fn stripes(
    store: Arc<dyn ObjectStore>,
    meta: ObjectMeta,
    columns: &Schema,
    batch_size: usize,
    range: Option<Range<usize>>,
) -> Result<orc_rust::ArrowStreamReader<ObjectReader>> {
    let builder = open(store, meta).await?;
    let names: Vec<&str> = columns.fields().iter().map(|f| f.name().as_str()).collect();
    let mask = ProjectionMask::named_roots(builder.file_metadata().root_data_type(), &names);
    let mut builder = builder.with_projection(mask).with_batch_size(batch_size);
    if let Some(range) = range {
        builder = builder.with_file_byte_range(range);
    }
    Ok(builder.build_async())
}

/// `orc-rust` can panic on data out of the ORC spec (arithmetic overflows): a scan catches the
/// panic and fails the file with this error rather than unwinding through the query.
fn panicked() -> DataFusionError {
    DataFusionError::Execution("the ORC decoder failed on data out of the ORC spec".into())
}

/// An error reading `file`, naming it.
fn reading(file: &str, e: DataFusionError) -> DataFusionError {
    DataFusionError::Execution(format!("reading ORC file {file}: {e}"))
}

/// An object read by byte ranges, as `orc-rust` reads files.
struct ObjectReader {
    store: Arc<dyn ObjectStore>,
    meta: ObjectMeta,
}

impl AsyncChunkReader for ObjectReader {
    fn len(&mut self) -> BoxFuture<'_, std::io::Result<u64>> {
        let size = self.meta.size;
        async move { Ok(size) }.boxed()
    }

    fn get_bytes(&mut self, offset: u64, length: u64) -> BoxFuture<'_, std::io::Result<Bytes>> {
        let range = offset..offset.saturating_add(length);
        async move {
            self.store
                .get_range(&self.meta.location, range)
                .await
                .map_err(std::io::Error::other)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field};
    use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
    use datafusion::execution::object_store::ObjectStoreUrl;
    use datafusion::physical_plan::collect;
    use datafusion::prelude::SessionContext;
    use object_store::memory::InMemory;
    use object_store::path::Path;

    /// An ORC file of `id bigint, name string` in a memory store, one stripe per 100 rows.
    async fn file(ctx: &SessionContext, rows: i64) -> (Arc<dyn ObjectStore>, ObjectMeta) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("name", DataType::Utf8, true),
        ]));
        let mut bytes = Vec::new();
        let mut writer = orc_rust::ArrowWriterBuilder::new(&mut bytes, schema.clone())
            .with_stripe_byte_size(1)
            .try_build()
            .unwrap();
        for start in (0..rows).step_by(100) {
            let ids: Vec<i64> = (start..rows.min(start + 100)).collect();
            let names: Vec<Option<String>> = ids
                .iter()
                .map(|i| (i % 3 != 0).then(|| format!("n{i}")))
                .collect();
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from(ids)),
                    Arc::new(StringArray::from(names)),
                ],
            )
            .unwrap();
            writer.write(&batch).unwrap();
        }
        writer.close().unwrap();
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let path = Path::from("t/part-0.orc");
        store.put(&path, bytes.into()).await.unwrap();
        let meta = store.head(&path).await.unwrap();
        ctx.register_object_store(
            ObjectStoreUrl::parse("memory://").unwrap().as_ref(),
            store.clone(),
        );
        (store, meta)
    }

    /// Scans `files` of a table `id bigint, name string, missing string`, projected.
    async fn scan(
        ctx: &SessionContext,
        files: Vec<PartitionedFile>,
        projection: Vec<usize>,
    ) -> Result<Vec<RecordBatch>> {
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("name", DataType::Utf8, true),
            Field::new("missing", DataType::Utf8, true),
        ]);
        let source = OrcFormat.file_source(TableSchema::from_file_schema(Arc::new(schema)));
        let config = FileScanConfigBuilder::new(ObjectStoreUrl::parse("memory://")?, source)
            .with_file_groups(vec![FileGroup::new(files)])
            .with_projection_indices(Some(projection))?
            .build();
        let plan = OrcFormat.create_physical_plan(&ctx.state(), config).await?;
        collect(plan, ctx.task_ctx()).await
    }

    #[tokio::test]
    async fn the_schema_comes_from_the_footer() {
        let ctx = SessionContext::new();
        let (store, meta) = file(&ctx, 10).await;
        let schema = OrcFormat
            .infer_schema(&ctx.state(), &store, &[meta])
            .await
            .unwrap();
        let fields: Vec<(&str, &DataType)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type()))
            .collect();
        assert_eq!(
            fields,
            [("id", &DataType::Int64), ("name", &DataType::Utf8)]
        );
    }

    #[tokio::test]
    async fn scans_read_the_projected_columns_by_name_and_missing_ones_as_nulls() {
        let ctx = SessionContext::new();
        let (_, meta) = file(&ctx, 3).await;
        let batches = scan(&ctx, vec![meta.into()], vec![2, 1]).await.unwrap();
        let batch = &batches[0];
        assert_eq!(
            batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>(),
            ["missing", "name"]
        );
        assert_eq!(batch.column(0).null_count(), 3);
        let names = batch
            .column(1)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(
            names.iter().collect::<Vec<_>>(),
            [None, Some("n1"), Some("n2")]
        );
    }

    #[tokio::test]
    async fn byte_ranges_of_a_file_read_each_stripe_once() {
        let ctx = SessionContext::new();
        let (_, meta) = file(&ctx, 1000).await;
        let size = meta.size as i64;
        let halves = vec![
            PartitionedFile::new_from_meta(meta.clone()).with_range(0, size / 2),
            PartitionedFile::new_from_meta(meta).with_range(size / 2, size),
        ];
        let batches = scan(&ctx, halves, vec![0]).await.unwrap();
        let mut ids: Vec<i64> = batches
            .iter()
            .flat_map(|b| {
                let ids = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                ids.values().to_vec()
            })
            .collect();
        ids.sort();
        assert_eq!(ids, (0..1000).collect::<Vec<_>>());
    }

    /// A pre-1970 timestamp with a fraction of a second, written with negative nanoseconds (see
    /// `make_types_orc.py`): `orc-rust` overflows on it, which is a panic in debug builds.
    #[tokio::test]
    async fn a_decoder_panic_fails_the_file_and_names_it() {
        if !cfg!(debug_assertions) {
            return;
        }
        let ctx = SessionContext::new();
        let (store, _) = file(&ctx, 1).await;
        let path = Path::from("t/negative_nanos.orc");
        let data = include_bytes!("../tests/it/data/negative_nanos.orc");
        store.put(&path, data.to_vec().into()).await.unwrap();
        let meta = store.head(&path).await.unwrap();
        let schema = Schema::new(vec![Field::new(
            "ts",
            DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Microsecond, None),
            true,
        )]);
        let source = OrcFormat.file_source(TableSchema::from_file_schema(Arc::new(schema)));
        let config =
            FileScanConfigBuilder::new(ObjectStoreUrl::parse("memory://").unwrap(), source)
                .with_file_groups(vec![FileGroup::new(vec![meta.into()])])
                .build();
        let plan = OrcFormat
            .create_physical_plan(&ctx.state(), config)
            .await
            .unwrap();
        let err = collect(plan, ctx.task_ctx()).await.unwrap_err().to_string();
        assert!(
            err.contains("memory:///t/negative_nanos.orc") && err.contains("out of the ORC spec"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_file_that_is_not_orc_is_named_in_the_error() {
        let ctx = SessionContext::new();
        let (store, _) = file(&ctx, 1).await;
        let path = Path::from("t/bad.orc");
        store
            .put(&path, b"not an ORC file at all".to_vec().into())
            .await
            .unwrap();
        let meta = store.head(&path).await.unwrap();
        let err = scan(&ctx, vec![meta.into()], vec![0])
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("reading ORC file memory:///t/bad.orc"),
            "{err}"
        );
    }
}
