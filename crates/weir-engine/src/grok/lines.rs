//! Files of log lines read through a grok pattern (tables of `GrokSerDe`): a
//! [`crate::self_described`] format whose schema is the pattern's fields. A file is streamed
//! (decompressed as a whole when it is gzip, bzip2, zstd or xz) and split into lines; each
//! line the pattern matches is a row, and a line it does not match is skipped. A field that
//! took no part in the match, or whose text is not of the field's type, is NULL. An
//! uncompressed file split into byte ranges is read by the lines that start in each range.

use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use datafusion::arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, StringBuilder};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::error::{DataFusionError, Result};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore};

use super::Grok;
use crate::self_described::{Decoder, SelfDescribed};
use weir_spark::types::arrow_type;

/// The format of files read through `grok`, compressed as `compression` says.
pub fn format(grok: Arc<Grok>, compression: FileCompressionType) -> SelfDescribed {
    SelfDescribed::new(GrokDecoder { grok, compression })
}

/// The Arrow schema of the pattern's fields.
pub fn schema(grok: &Grok) -> Schema {
    Schema::new(
        grok.fields()
            .iter()
            .map(|f| {
                let t = arrow_type(f.kind.hive())
                    .unwrap_or_else(|| unreachable!("every grok type is a Hive type Weir knows"));
                Field::new(&f.name, t, true)
            })
            .collect::<Vec<_>>(),
    )
}

/// Reads lines through a grok pattern.
#[derive(Debug)]
struct GrokDecoder {
    grok: Arc<Grok>,
    compression: FileCompressionType,
}

#[async_trait]
impl Decoder for GrokDecoder {
    fn name(&self) -> &'static str {
        "grok"
    }

    fn extension(&self) -> &'static str {
        "log"
    }

    async fn schema(&self, _store: Arc<dyn ObjectStore>, _meta: ObjectMeta) -> Result<Schema> {
        Ok(schema(&self.grok))
    }

    async fn batches(
        &self,
        store: Arc<dyn ObjectStore>,
        meta: ObjectMeta,
        columns: SchemaRef,
        batch_size: usize,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        let compressed = self.compression.is_compressed();
        // A compressed file is read whole, by the range that starts it.
        let range = match range {
            Some(r) if compressed && r.start > 0 => return Ok(futures::stream::empty().boxed()),
            Some(_) if compressed => None,
            other => other,
        };
        // From the byte before the range: the line there belongs to the range before, unless
        // that byte ends a line.
        let from = range.as_ref().map_or(0, |r| r.start.saturating_sub(1));
        let end = range.as_ref().map(|r| r.end);
        if from >= meta.size {
            return Ok(futures::stream::empty().boxed());
        }
        let options = GetOptions {
            range: Some(GetRange::Offset(from)),
            ..Default::default()
        };
        let raw = store
            .get_opts(&meta.location, options)
            .await?
            .into_stream()
            .map_err(DataFusionError::from)
            .boxed();
        let input = self.compression.convert_stream(raw)?;
        let lines = Lines {
            input,
            pending: Vec::new(),
            ended: false,
            position: from,
            end,
            skip_first: range.is_some_and(|r| r.start > 0),
        };
        let rows = Rows {
            lines,
            grok: self.grok.clone(),
            fields: field_indices(&self.grok, &columns)?,
            columns,
            batch_size,
        };
        Ok(futures::stream::try_unfold(rows, |mut rows| async move {
            Ok(rows.next_batch().await?.map(|b| (b, rows)))
        })
        .boxed())
    }
}

/// For each column to read, the pattern field that fills it.
fn field_indices(grok: &Grok, columns: &Schema) -> Result<Vec<usize>> {
    columns
        .fields()
        .iter()
        .map(|c| {
            grok.fields()
                .iter()
                .position(|f| f.name == *c.name())
                .ok_or_else(|| {
                    DataFusionError::Plan(format!(
                        "column {} is not a field of the table's grok pattern",
                        c.name()
                    ))
                })
        })
        .collect()
}

/// The lines of a byte stream, from `position`, those that start before `end`.
struct Lines {
    input: BoxStream<'static, Result<Bytes>>,
    pending: Vec<u8>,
    ended: bool,
    /// The offset in the file of the next line.
    position: u64,
    end: Option<u64>,
    /// The first line read is the end of a line of the range before.
    skip_first: bool,
}

impl Lines {
    async fn next(&mut self) -> Result<Option<String>> {
        loop {
            if self.end.is_some_and(|end| self.position >= end) && !self.skip_first {
                return Ok(None);
            }
            let Some(line) = self.take_line().await? else {
                return Ok(None);
            };
            if std::mem::take(&mut self.skip_first) {
                continue;
            }
            return Ok(Some(line));
        }
    }

    /// The next line, without its line break.
    async fn take_line(&mut self) -> Result<Option<String>> {
        loop {
            if let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
                let rest = self.pending.split_off(i + 1);
                let line = std::mem::replace(&mut self.pending, rest);
                self.position += line.len() as u64;
                return Ok(Some(text(&line[..i])));
            }
            if self.ended {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                let line = std::mem::take(&mut self.pending);
                self.position += line.len() as u64;
                return Ok(Some(text(&line)));
            }
            match self.input.next().await {
                Some(chunk) => self.pending.extend_from_slice(&chunk?),
                None => self.ended = true,
            }
        }
    }
}

/// A line's text, without a carriage return before its line feed.
fn text(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

/// Batches of the rows of matching lines.
struct Rows {
    lines: Lines,
    grok: Arc<Grok>,
    columns: SchemaRef,
    /// For each column, its field in the pattern.
    fields: Vec<usize>,
    batch_size: usize,
}

impl Rows {
    async fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut builders: Vec<StringBuilder> =
            self.fields.iter().map(|_| StringBuilder::new()).collect();
        let mut rows = 0;
        while rows < self.batch_size {
            let Some(line) = self.lines.next().await? else {
                break;
            };
            let Some(values) = self.grok.parse(&line) else {
                continue;
            };
            for (builder, &field) in builders.iter_mut().zip(&self.fields) {
                builder.append_option(values[field]);
            }
            rows += 1;
        }
        if rows == 0 {
            return Ok(None);
        }
        // Text that is not of the column's type reads as NULL.
        let safe = CastOptions {
            safe: true,
            ..Default::default()
        };
        let arrays = builders
            .iter_mut()
            .zip(self.columns.fields())
            .map(|(b, f)| {
                let text: ArrayRef = Arc::new(b.finish());
                Ok(cast_with_options(&text, f.data_type(), &safe)?)
            })
            .collect::<Result<Vec<_>>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        Ok(Some(RecordBatch::try_new_with_options(
            self.columns.clone(),
            arrays,
            &options,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, Int32Array, StringArray};
    use object_store::memory::InMemory;
    use object_store::path::Path;
    use object_store::{ObjectStoreExt, PutPayload};

    use super::*;

    async fn read(
        text: &'static str,
        columns: &[&str],
        range: Option<Range<u64>>,
    ) -> Vec<RecordBatch> {
        read_file(
            text.as_bytes(),
            FileCompressionType::UNCOMPRESSED,
            columns,
            range,
        )
        .await
    }

    async fn read_file(
        data: &'static [u8],
        compression: FileCompressionType,
        columns: &[&str],
        range: Option<Range<u64>>,
    ) -> Vec<RecordBatch> {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let path = Path::from("log.txt");
        store
            .put(&path, PutPayload::from_static(data))
            .await
            .unwrap();
        let meta = store.head(&path).await.unwrap();
        let grok = Grok::compile(r"^%{WORD:user} %{INT:status:int}$", None).unwrap();
        let full = schema(&grok);
        let wanted: Vec<usize> = columns.iter().map(|c| full.index_of(c).unwrap()).collect();
        let decoder = GrokDecoder {
            grok: Arc::new(grok),
            compression,
        };
        decoder
            .batches(
                store,
                meta,
                Arc::new(full.project(&wanted).unwrap()),
                2,
                range,
            )
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap()
    }

    fn users(batches: &[RecordBatch]) -> Vec<String> {
        batches
            .iter()
            .flat_map(|b| {
                let a = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
                (0..a.len())
                    .map(|i| a.value(i).to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    const LOG: &str = "ann 200\nnot a match\nbob 404\r\ncy 99999999999\ndee 500";

    #[tokio::test]
    async fn matching_lines_are_rows_in_batches_and_bad_values_null() {
        let batches = read(LOG, &["user", "status"], None).await;
        assert_eq!(
            batches
                .iter()
                .map(RecordBatch::num_rows)
                .collect::<Vec<_>>(),
            [2, 2]
        );
        assert_eq!(users(&batches), ["ann", "bob", "cy", "dee"]);
        let status: Vec<Option<i32>> = batches
            .iter()
            .flat_map(|b| {
                let a = b.column(1).as_any().downcast_ref::<Int32Array>().unwrap();
                (0..a.len())
                    .map(|i| a.is_valid(i).then(|| a.value(i)))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(status, [Some(200), Some(404), None, Some(500)]);
        let counted = read(LOG, &[], None).await;
        assert_eq!(counted.iter().map(RecordBatch::num_rows).sum::<usize>(), 4);
    }

    #[tokio::test]
    async fn ranges_read_the_lines_that_start_in_them() {
        // Lines start at 0, 8, 20, 29, 44.
        let mut seen = Vec::new();
        for range in [0..8, 8..21, 21..29, 29..45, 45..48] {
            seen.extend(users(&read(LOG, &["user"], Some(range)).await));
        }
        assert_eq!(seen, ["ann", "bob", "cy", "dee"]);
        assert_eq!(users(&read(LOG, &["user"], Some(1..29)).await), ["bob"]);
    }

    /// `ann 200\nnot a match\nbob 404\n`, gzip-compressed.
    const GZIPPED: &[u8] = &[
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b, 0xcc, 0xcb, 0x53, 0x30,
        0x32, 0x30, 0xe0, 0xca, 0xcb, 0x2f, 0x51, 0x48, 0x54, 0xc8, 0x4d, 0x2c, 0x49, 0xce, 0xe0,
        0x4a, 0xca, 0x4f, 0x52, 0x30, 0x31, 0x30, 0xe1, 0x02, 0x00, 0x15, 0x70, 0x5b, 0x47, 0x1c,
        0x00, 0x00, 0x00,
    ];

    #[tokio::test]
    async fn a_compressed_file_is_read_whole_by_the_range_that_starts_it() {
        let gzip = FileCompressionType::GZIP;
        let whole = read_file(GZIPPED, gzip, &["user"], None).await;
        assert_eq!(users(&whole), ["ann", "bob"]);
        let first = read_file(GZIPPED, gzip, &["user"], Some(0..10)).await;
        assert_eq!(users(&first), ["ann", "bob"]);
        assert!(read_file(GZIPPED, gzip, &["user"], Some(10..48))
            .await
            .is_empty());
    }
}
