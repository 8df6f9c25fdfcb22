//! ORC files, read with `orc-rust` ([`OrcDecoder`], a [`crate::self_described`] format): the
//! schema from the footer, then stripe by stripe, only the projected columns, the stripes that
//! start in a scan's byte range.

use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::error::{DataFusionError, Result};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use orc_rust::projection::ProjectionMask;
use orc_rust::reader::AsyncChunkReader;
use orc_rust::{ArrowReaderBuilder, TimestampPrecision};

use crate::self_described::{Decoder, SelfDescribed};

/// The ORC file format.
pub fn format() -> SelfDescribed {
    SelfDescribed::new(OrcDecoder)
}

/// Reads ORC files.
#[derive(Debug)]
pub struct OrcDecoder;

#[async_trait]
impl Decoder for OrcDecoder {
    fn name(&self) -> &'static str {
        "ORC"
    }

    fn extension(&self) -> &'static str {
        "orc"
    }

    async fn schema(&self, store: Arc<dyn ObjectStore>, meta: ObjectMeta) -> Result<Schema> {
        Ok(open(store, meta).await?.schema().as_ref().clone())
    }

    async fn batches(
        &self,
        store: Arc<dyn ObjectStore>,
        meta: ObjectMeta,
        columns: SchemaRef,
        batch_size: usize,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        let builder = open(store, meta).await?;
        let names: Vec<&str> = columns.fields().iter().map(|f| f.name().as_str()).collect();
        let mask = ProjectionMask::named_roots(builder.file_metadata().root_data_type(), &names);
        let mut builder = builder.with_projection(mask).with_batch_size(batch_size);
        if let Some(range) = range {
            builder = builder.with_file_byte_range(range.start as usize..range.end as usize);
        }
        Ok(builder
            .build_async()
            .map(|b| b.map_err(DataFusionError::from))
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
    use datafusion::datasource::file_format::FileFormat;
    use datafusion::datasource::listing::PartitionedFile;
    use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
    use datafusion::datasource::table_schema::TableSchema;
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
        let source = format().file_source(TableSchema::from_file_schema(Arc::new(schema)));
        let config = FileScanConfigBuilder::new(ObjectStoreUrl::parse("memory://")?, source)
            .with_file_groups(vec![FileGroup::new(files)])
            .with_projection_indices(Some(projection))?
            .build();
        let plan = format().create_physical_plan(&ctx.state(), config).await?;
        collect(plan, ctx.task_ctx()).await
    }

    #[tokio::test]
    async fn the_schema_comes_from_the_footer() {
        let ctx = SessionContext::new();
        let (store, meta) = file(&ctx, 10).await;
        let schema = format()
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
        let source = format().file_source(TableSchema::from_file_schema(Arc::new(schema)));
        let config =
            FileScanConfigBuilder::new(ObjectStoreUrl::parse("memory://").unwrap(), source)
                .with_file_groups(vec![FileGroup::new(vec![meta.into()])])
                .build();
        let plan = format()
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
