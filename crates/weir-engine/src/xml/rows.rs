//! XML files read as a table's rows (tables of a `rowTag`): a [`crate::self_described`] format
//! whose columns are the table's. A file is streamed (decompressed as a whole when compressed)
//! and each `rowTag` record is a row, its fields matched to the columns by name: attributes to
//! `_name` columns, child elements to theirs (a struct column takes the element's own fields, an
//! array column every child of that name), the element's text to [`VALUE_FIELD`] (names match
//! whatever their case, as catalog names do). A value that
//! is not of its column's type is NULL, as in Spark's permissive mode; a record that is not
//! well-formed XML fails the scan, naming where it starts. An uncompressed file split into byte
//! ranges is read by the records that start in each range.

use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::NaiveDate;
use datafusion::arrow::array::{RecordBatch, RecordBatchOptions};
use datafusion::arrow::compute::kernels::cast_utils::{parse_decimal, string_to_timestamp_nanos};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Fields, Schema, SchemaRef};
use datafusion::arrow::json::ReaderBuilder;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::error::{DataFusionError, Result};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore};
use serde_json::{Map, Value};

use super::{next_record, Element, VALUE_FIELD};
use crate::self_described::{Decoder, SelfDescribed};

/// The format of XML files whose `row_tag` elements are rows, compressed as `compression` says.
pub fn format(row_tag: &str, compression: FileCompressionType) -> SelfDescribed {
    SelfDescribed::new(XmlDecoder {
        row_tag: row_tag.to_string(),
        compression,
    })
}

#[derive(Debug)]
struct XmlDecoder {
    row_tag: String,
    compression: FileCompressionType,
}

#[async_trait]
impl Decoder for XmlDecoder {
    fn name(&self) -> &'static str {
        "XML"
    }

    fn extension(&self) -> &'static str {
        "xml"
    }

    async fn schema(&self, _store: Arc<dyn ObjectStore>, _meta: ObjectMeta) -> Result<Schema> {
        Err(DataFusionError::NotImplemented(
            "an XML file's columns are its table's: Weir reads XML through catalog tables".into(),
        ))
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
        let range = match range {
            Some(r) if compressed && r.start > 0 => return Ok(futures::stream::empty().boxed()),
            Some(_) if compressed => None,
            other => other,
        };
        let from = range.as_ref().map_or(0, |r| r.start);
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
        let records = Records {
            input: self.compression.convert_stream(raw)?,
            buffer: Vec::new(),
            base: from,
            at: 0,
            ended: false,
            end: range.map(|r| r.end),
            tag: self.row_tag.clone(),
        };
        let rows = Rows {
            records,
            columns,
            batch_size,
        };
        Ok(futures::stream::try_unfold(rows, |mut rows| async move {
            Ok(rows.next_batch().await?.map(|b| (b, rows)))
        })
        .boxed())
    }
}

/// The records of a byte stream that start before `end`.
struct Records {
    input: BoxStream<'static, Result<Bytes>>,
    /// Bytes read and not yet passed over.
    buffer: Vec<u8>,
    /// The offset in the file of `buffer[0]`.
    base: u64,
    /// Where in `buffer` the next record is looked for.
    at: usize,
    ended: bool,
    end: Option<u64>,
    tag: String,
}

impl Records {
    async fn next(&mut self) -> Result<Option<Element>> {
        loop {
            let found = next_record(&self.buffer, &self.tag, self.at);
            let start = match &found {
                Some(Ok(span)) => Some(span.start),
                Some(Err(start)) => Some(*start),
                None => None,
            };
            if let (Some(start), Some(end)) = (start, self.end) {
                if self.base + start as u64 >= end {
                    return Ok(None);
                }
            }
            match found {
                Some(Ok(span)) => {
                    self.at = span.end;
                    let offset = self.base + span.start as u64;
                    let text = String::from_utf8_lossy(&self.buffer[span]);
                    let element = Element::parse(&text).map_err(|e| {
                        DataFusionError::Execution(format!(
                            "the <{}> record at byte {offset} is not well-formed XML: {e}",
                            self.tag
                        ))
                    })?;
                    return Ok(Some(element));
                }
                // What is left ends inside a record, or holds none: read on.
                Some(Err(_)) | None if self.ended => return Ok(None),
                Some(Err(start)) => self.pass(start),
                None => self.pass(self.buffer.len()),
            }
            match self.input.next().await {
                Some(chunk) => self.buffer.extend_from_slice(&chunk?),
                None => self.ended = true,
            }
        }
    }

    /// Drops the bytes before `to` from the buffer.
    fn pass(&mut self, to: usize) {
        self.buffer.drain(..to);
        self.base += to as u64;
        self.at = 0;
    }
}

/// Batches of the rows of records.
struct Rows {
    records: Records,
    columns: SchemaRef,
    batch_size: usize,
}

impl Rows {
    async fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut rows = Vec::new();
        while rows.len() < self.batch_size {
            let Some(record) = self.records.next().await? else {
                break;
            };
            rows.push(Value::Object(fields_of(&record, self.columns.fields())));
        }
        if rows.is_empty() {
            return Ok(None);
        }
        if self.columns.fields().is_empty() {
            let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
            return Ok(Some(RecordBatch::try_new_with_options(
                self.columns.clone(),
                vec![],
                &options,
            )?));
        }
        let mut decoder = ReaderBuilder::new(self.columns.clone())
            .with_batch_size(rows.len())
            .build_decoder()?;
        decoder.serialize(&rows)?;
        decoder
            .flush()?
            .map(Some)
            .ok_or_else(|| DataFusionError::Internal("the JSON decoder held no rows".into()))
    }
}

/// Where a field's value comes from: an attribute's or element's text, or child elements.
enum Source<'a> {
    Text(&'a str),
    Elements(Vec<&'a Element>),
}

/// An element's values for `fields`, as a JSON object of the fields' types.
fn fields_of(e: &Element, fields: &Fields) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| {
            // Catalog names are case-insensitive (Hive's): `_VALUE` may be `_value`.
            let name = f.name().as_str();
            let named = |n: &str| n.eq_ignore_ascii_case(name);
            let attribute = e.attributes.iter().find(|(k, _)| named(k));
            let children: Vec<&Element> = e
                .children
                .iter()
                .filter(|(n, _)| named(n))
                .map(|(_, c)| c)
                .collect();
            let source = match attribute {
                Some((_, v)) => Some(Source::Text(v)),
                None if named(VALUE_FIELD) && !e.text.is_empty() => Some(Source::Text(&e.text)),
                None if !children.is_empty() => Some(Source::Elements(children)),
                None => None,
            };
            let value = source.map_or(Value::Null, |s| value_of(s, f.data_type()));
            (name.to_string(), value)
        })
        .collect()
}

/// A source's value as `data_type`: NULL when it is not of that type.
fn value_of(source: Source, data_type: &DataType) -> Value {
    match (source, data_type) {
        (Source::Elements(list), DataType::List(item) | DataType::LargeList(item)) => Value::Array(
            list.into_iter()
                .map(|e| value_of(Source::Elements(vec![e]), item.data_type()))
                .collect(),
        ),
        (text @ Source::Text(_), DataType::List(item) | DataType::LargeList(item)) => {
            Value::Array(vec![value_of(text, item.data_type())])
        }
        (Source::Elements(list), DataType::Struct(fields)) => {
            Value::Object(fields_of(list[0], fields))
        }
        (Source::Text(t), DataType::Struct(fields)) => {
            let wrapped = Element {
                text: t.to_string(),
                ..Element::default()
            };
            Value::Object(fields_of(&wrapped, fields))
        }
        (Source::Elements(list), leaf) => scalar(&list[0].text, leaf),
        (Source::Text(t), leaf) => scalar(t, leaf),
    }
}

/// Text as a JSON value of a scalar type, NULL when it is empty or not of the type.
fn scalar(text: &str, data_type: &DataType) -> Value {
    let t = text.trim();
    if t.is_empty() {
        return Value::Null;
    }
    let number = |ok: bool| {
        if ok {
            t.parse::<serde_json::Number>()
                .map(Value::Number)
                .unwrap_or(Value::Null)
        } else {
            Value::Null
        }
    };
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Value::String(text.into()),
        DataType::Boolean => match t.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Null,
        },
        DataType::Int8 => number(t.parse::<i8>().is_ok()),
        DataType::Int16 => number(t.parse::<i16>().is_ok()),
        DataType::Int32 => number(t.parse::<i32>().is_ok()),
        DataType::Int64 => number(t.parse::<i64>().is_ok()),
        DataType::Float32 | DataType::Float64 => number(t.parse::<f64>().is_ok_and(f64::is_finite)),
        DataType::Decimal128(p, s) => {
            let fits = parse_decimal::<Decimal128Type>(t, *p, *s).is_ok();
            if fits {
                Value::String(t.into())
            } else {
                Value::Null
            }
        }
        DataType::Date32 if NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok() => {
            Value::String(t.into())
        }
        DataType::Timestamp(..) if string_to_timestamp_nanos(t).is_ok() => Value::String(t.into()),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::Field;
    use datafusion::arrow::util::display::array_value_to_string;
    use object_store::memory::InMemory;
    use object_store::path::Path;
    use object_store::{ObjectStoreExt, PutPayload};

    use super::*;
    use weir_spark::types::arrow_type;

    const BOOKS: &str = r#"<?xml version="1.0"?>
<catalog>
  <book id="1" available="true">
    <title>Rust &amp; XML</title>
    <price currency="USD">44.95</price>
    <tag>a</tag><tag>b</tag>
    <published><year>2000</year></published>
  </book>
  <book id="2" available="maybe">
    <title>Second</title>
    <price currency="EUR">five</price>
    <tag>c</tag>
  </book>
</catalog>"#;

    fn columns() -> SchemaRef {
        let column = |name: &str, hive: &str| Field::new(name, arrow_type(hive).unwrap(), true);
        Arc::new(Schema::new(vec![
            column("_id", "bigint"),
            column("_available", "boolean"),
            column("title", "string"),
            column("price", "struct<_currency:string,_VALUE:double>"),
            column("tag", "array<string>"),
            column("published", "struct<year:int>"),
            column("missing", "string"),
        ]))
    }

    async fn read(range: Option<Range<u64>>, batch_size: usize) -> Vec<String> {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let path = Path::from("books.xml");
        store
            .put(&path, PutPayload::from_static(BOOKS.as_bytes()))
            .await
            .unwrap();
        let meta = store.head(&path).await.unwrap();
        let decoder = XmlDecoder {
            row_tag: "book".into(),
            compression: FileCompressionType::UNCOMPRESSED,
        };
        let batches: Vec<RecordBatch> = decoder
            .batches(store, meta, columns(), batch_size, range)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let mut rows = Vec::new();
        for b in batches {
            for r in 0..b.num_rows() {
                let values: Vec<String> = b
                    .columns()
                    .iter()
                    .map(|c| array_value_to_string(c, r).unwrap())
                    .collect();
                rows.push(values.join("|"));
            }
        }
        rows
    }

    #[test]
    fn values_not_of_their_columns_type_are_null() {
        assert_eq!(scalar(" 12 ", &DataType::Int64), Value::from(12));
        assert_eq!(scalar("300", &DataType::Int8), Value::Null);
        assert_eq!(scalar("TRUE", &DataType::Boolean), Value::Bool(true));
        assert_eq!(
            scalar("1.5", &DataType::Decimal128(3, 1)),
            Value::from("1.5")
        );
        assert_eq!(scalar("1234.5", &DataType::Decimal128(3, 1)), Value::Null);
        assert_eq!(scalar("2024-13-01", &DataType::Date32), Value::Null);
    }

    #[tokio::test]
    async fn records_are_rows_of_the_tables_columns() {
        let expected = [
            "1|true|Rust & XML|{_currency: USD, _value: 44.95}|[a, b]|{year: 2000}|",
            "2||Second|{_currency: EUR, _value: }|[c]||",
        ];
        assert_eq!(read(None, 10).await, expected);
        assert_eq!(read(None, 1).await, expected);
        // Split at the second record's start: each range reads the records that start in it.
        let second = BOOKS.find("<book id=\"2\"").unwrap() as u64;
        let size = BOOKS.len() as u64;
        assert_eq!(read(Some(0..second), 10).await, expected[..1]);
        assert_eq!(read(Some(second..size), 10).await, expected[1..]);
        let first = BOOKS.find("<book id=\"1\"").unwrap() as u64;
        assert_eq!(read(Some(first + 1..second + 1), 10).await, expected[1..]);
    }
}
