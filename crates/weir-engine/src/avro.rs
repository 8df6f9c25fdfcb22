//! Avro object container files, read with `arrow-avro` ([`AvroDecoder`], a
//! [`crate::self_described`] format): the schema from the file's header, then block by block,
//! only the projected columns, the blocks that start in a scan's byte range. Avro's logical
//! types read as Arrow's: `decimal` as a decimal, `date`, `timestamp-millis`/`-micros` (UTC,
//! cast to the table's `timestamp`), `local-timestamp-*`, `uuid`; enums as text; maps as maps.
//! Deflate, snappy, zstd, bzip2 and xz blocks are read and written ([`AvroEncoder`]: Arrow's
//! types as `arrow-avro` maps them, snappy unless a target says otherwise).

use std::ops::Range;
use std::sync::Arc;

use arrow_avro::compression::CompressionCodec;
use arrow_avro::reader::async_reader::read_header_info;
use arrow_avro::reader::{AsyncAvroFileReader, AvroObjectReader, HeaderInfo};
use arrow_avro::writer::format::AvroOcfFormat;
use arrow_avro::writer::{Writer, WriterBuilder};
use async_trait::async_trait;
use datafusion::arrow::array::{RecordBatch, RecordBatchOptions};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::error::{DataFusionError, Result};
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::{ObjectMeta, ObjectStore};

use crate::encoded_sink::{Chunks, Encoder, FileWriter};
use crate::self_described::{Decoder, SelfDescribed};

/// The Avro file format (read; written with snappy blocks, as Spark writes Avro).
pub fn format() -> SelfDescribed {
    with_codec(Some(CompressionCodec::Snappy))
}

/// The Avro file format, writing blocks compressed with `codec` (none when `None`).
pub fn with_codec(codec: Option<CompressionCodec>) -> SelfDescribed {
    SelfDescribed::new(AvroDecoder).with_encoder(AvroEncoder { codec })
}

/// The block codec a target's `Compression` names: `snappy` (the default), `deflate`, `zstd`,
/// `bzip2`, `xz`, `uncompressed`/`none`.
pub fn codec(compression: Option<&str>) -> std::result::Result<Option<CompressionCodec>, String> {
    Ok(match compression.unwrap_or("snappy") {
        "snappy" => Some(CompressionCodec::Snappy),
        "deflate" => Some(CompressionCodec::Deflate),
        "zstd" | "zstandard" => Some(CompressionCodec::ZStandard),
        "bzip2" => Some(CompressionCodec::Bzip2),
        "xz" => Some(CompressionCodec::Xz),
        "uncompressed" | "none" => None,
        other => {
            return Err(format!(
                "'{other}' is not an Avro codec (snappy, deflate, zstd, bzip2, xz, uncompressed)"
            ))
        }
    })
}

/// Reads Avro object container files.
#[derive(Debug)]
pub struct AvroDecoder;

#[async_trait]
impl Decoder for AvroDecoder {
    fn name(&self) -> &'static str {
        "Avro"
    }

    fn extension(&self) -> &'static str {
        "avro"
    }

    async fn schema(&self, store: Arc<dyn ObjectStore>, meta: ObjectMeta) -> Result<Schema> {
        let (_, schema) = open(&store, &meta).await?;
        // The reader's Avro names and the like are not part of a table's columns.
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_metadata(Default::default()))
            .collect();
        Ok(Schema::new(fields))
    }

    async fn batches(
        &self,
        store: Arc<dyn ObjectStore>,
        meta: ObjectMeta,
        columns: SchemaRef,
        batch_size: usize,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        let (header, schema) = open(&store, &meta).await?;
        let wanted: Vec<usize> = schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| columns.field_with_name(f.name()).is_ok())
            .map(|(i, _)| i)
            .collect();
        let reader = AvroObjectReader::new(store, meta.location.clone());
        let mut builder = AsyncAvroFileReader::builder(reader, meta.size, batch_size);
        // No column (a count): the first is decoded for its rows.
        let count_only = wanted.is_empty();
        if count_only {
            builder = builder.with_projection(vec![0]);
        } else if wanted.len() < schema.fields().len() {
            builder = builder.with_projection(wanted);
        }
        if let Some(range) = range {
            builder = builder.with_range(range);
        }
        let reader = builder.build_with_header(header).map_err(avro_error)?;
        let no_columns = Arc::new(Schema::empty());
        Ok(reader
            .map(move |b| {
                let b = b.map_err(|e| DataFusionError::ArrowError(Box::new(e), None))?;
                if !count_only {
                    return Ok(b);
                }
                let rows = RecordBatchOptions::new().with_row_count(Some(b.num_rows()));
                Ok(RecordBatch::try_new_with_options(
                    no_columns.clone(),
                    vec![],
                    &rows,
                )?)
            })
            .boxed())
    }
}

/// Writes Avro object container files.
#[derive(Debug)]
pub struct AvroEncoder {
    codec: Option<CompressionCodec>,
}

impl Encoder for AvroEncoder {
    fn name(&self) -> &'static str {
        "Avro"
    }

    fn writer(&self, schema: SchemaRef, out: Chunks) -> Result<Box<dyn FileWriter>> {
        let writer = WriterBuilder::new(schema.as_ref().clone())
            .with_compression(self.codec)
            .build::<_, AvroOcfFormat>(out)
            .map_err(avro_error)?;
        Ok(Box::new(AvroFile(writer)))
    }
}

struct AvroFile(Writer<Chunks, AvroOcfFormat>);

impl FileWriter for AvroFile {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.0.write(batch).map_err(avro_error)
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.0.finish().map_err(avro_error)
    }
}

/// The header of an Avro file and the Arrow schema of its records.
async fn open(store: &Arc<dyn ObjectStore>, meta: &ObjectMeta) -> Result<(HeaderInfo, SchemaRef)> {
    if meta.size == 0 {
        return Err(DataFusionError::Execution(
            "the file is empty (an Avro file starts with a header)".into(),
        ));
    }
    let mut reader = AvroObjectReader::new(store.clone(), meta.location.clone());
    let header = read_header_info(&mut reader, meta.size, None)
        .await
        .map_err(avro_error)?;
    let schema = AsyncAvroFileReader::builder(reader, meta.size, 1)
        .build_with_header(header.clone())
        .map_err(avro_error)?
        .schema();
    Ok((header, schema))
}

fn avro_error(e: arrow_avro::errors::AvroError) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
    use datafusion::arrow::datatypes::DataType;
    use object_store::memory::InMemory;
    use object_store::path::Path;
    use object_store::ObjectStoreExt;

    async fn file(metadata: bool) -> (Arc<dyn ObjectStore>, ObjectMeta) {
        let mut schema = Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
        ]);
        if metadata {
            let avro = r#"{ "type": "record", "name": "row", "fields": [
                { "name": "id", "type": "long" }, { "name": "name", "type": ["null", "string"] } ] }"#;
            schema = schema.with_metadata([("avro.schema".to_string(), avro.to_string())].into());
        }
        let schema = Arc::new(schema);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![1, 2, 3])),
            Arc::new(StringArray::from(vec![Some("a"), None, Some("c")])),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let mut writer =
            arrow_avro::writer::AvroWriter::new(Vec::new(), schema.as_ref().clone()).unwrap();
        writer.write(&batch).unwrap();
        writer.finish().unwrap();
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let path = Path::from("t/a.avro");
        store.put(&path, writer.into_inner().into()).await.unwrap();
        let meta = store.head(&path).await.unwrap();
        (store, meta)
    }

    async fn read(metadata: bool, columns: &[&str]) -> Result<Vec<RecordBatch>> {
        let (store, meta) = file(metadata).await;
        let schema = AvroDecoder.schema(store.clone(), meta.clone()).await?;
        let wanted = Schema::new(
            columns
                .iter()
                .map(|c| schema.field_with_name(c).unwrap().clone())
                .collect::<Vec<_>>(),
        );
        let stream = AvroDecoder
            .batches(store, meta, Arc::new(wanted), 100, None)
            .await?;
        stream.collect::<Vec<_>>().await.into_iter().collect()
    }

    /// Avro's zig-zag varint of `v`.
    fn long(v: i64) -> Vec<u8> {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        let mut out = Vec::new();
        loop {
            if z < 0x80 {
                out.push(z as u8);
                return out;
            }
            out.push((z as u8 & 0x7f) | 0x80);
            z >>= 7;
        }
    }

    /// Spark writes decimals as `fixed`: a file made byte by byte (header, one block of one
    /// record) reads as the decimal.
    #[tokio::test]
    async fn a_fixed_size_decimal_reads_as_a_decimal() {
        let schema = r#"{"type":"record","name":"row","fields":[{"name":"c","type":{"type":"fixed","name":"big","size":16,"logicalType":"decimal","precision":38,"scale":4}}]}"#;
        let mut f = b"Obj\x01".to_vec();
        f.extend(long(1));
        f.extend(long(11));
        f.extend(b"avro.schema");
        f.extend(long(schema.len() as i64));
        f.extend(schema.as_bytes());
        f.extend(long(0));
        let sync = [7u8; 16];
        f.extend(sync);
        f.extend(long(1));
        f.extend(long(16));
        f.extend((-5i128).to_be_bytes());
        f.extend(sync);
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let path = Path::from("t/a.avro");
        store.put(&path, f.into()).await.unwrap();
        let meta = store.head(&path).await.unwrap();
        let schema = AvroDecoder
            .schema(store.clone(), meta.clone())
            .await
            .unwrap();
        let stream = AvroDecoder
            .batches(store, meta, Arc::new(schema), 100, None)
            .await
            .unwrap();
        let batches: Vec<RecordBatch> = stream
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_>>()
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches).unwrap();
        assert_eq!(
            text.to_string(),
            "+---------+\n| c       |\n+---------+\n| -0.0005 |\n+---------+"
        );
    }

    /// Every projection of a file's columns, none included (a count), with the file's own
    /// Avro schema or one given by the writer.
    #[tokio::test]
    async fn projections_read_the_columns_they_name() {
        for metadata in [false, true] {
            for columns in [&["id", "name"][..], &["name"], &["id"], &[]] {
                let batches = read(metadata, columns).await;
                let batches = batches.unwrap_or_else(|e| panic!("{metadata} {columns:?}: {e}"));
                let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                assert_eq!(rows, 3, "{metadata} {columns:?}");
                let names: Vec<String> = batches[0]
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect();
                assert_eq!(names, columns, "{metadata}");
            }
        }
    }
}
