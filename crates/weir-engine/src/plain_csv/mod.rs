//! Weir's reader of plain CSV: files, or byte ranges of files, whose text holds no quote
//! characters — most machine-written CSV, TPC-H's `.tbl` files among them. DataFusion's CSV
//! scan reads through Arrow's reader, which runs each byte through `csv_core`'s state machine,
//! copies every field twice (into its records, then into the column) and parses dates and
//! decimals with general parsers. Here the delimiters and line ends of 64 bytes are found as
//! the bits of one word ([`split`]), each column is read straight from the text
//! ([`columns`]), and `YYYY-MM-DD` dates, plain decimals and integers have parsers of their own
//! ([`values`]), which Arrow's parsers back for every other spelling.
//!
//! The result is what Arrow's reader gives, value for value: empty fields are null, blank
//! lines are skipped, `\r\n` ends a line. A block of text that holds a quote character or a
//! carriage return of its own is not plain: from there on the scan hands the rest of its range
//! to Arrow's reader. Options this reader does not handle (an escape, comment or terminator
//! character; a column of another type) leave the whole scan to DataFusion's.

mod columns;
mod split;
mod values;

use std::collections::VecDeque;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use bytes::Bytes;
use datafusion::arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use datafusion::arrow::csv::reader::Decoder as ArrowDecoder;
use datafusion::arrow::csv::ReaderBuilder;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{
    CsvSource, FileOpenFuture, FileOpener, FileScanConfig, FileSource,
};
use datafusion::error::{DataFusionError, Result};
use datafusion_datasource::projection::{ProjectionOpener, SplitProjection};
use datafusion_datasource::{calculate_range, RangeCalculation};
use futures::{stream, StreamExt, TryStreamExt};
use object_store::{GetOptions, GetRange, GetResultPayload, ObjectStore};

use split::{Layout, Lines};

/// Bytes read before a block of whole lines is split: about 8,000 rows of 130 bytes, a batch
/// of DataFusion's size. The text and its fields' ends stay in the core's cache while the
/// columns are read from them: on TPC-H's `lineitem`, 1 MiB blocks took the CPU time of 2 MiB
/// blocks, and with 8 MiB blocks a Q1 job over it peaked at 137 MB against 104.
const BLOCK: usize = 1 << 20;

/// The opener of a scan by `source` (DataFusion's CSV source) that reads with this reader, or
/// `None` when the scan's options or column types are not this reader's.
pub(crate) fn opener(
    source: &Arc<dyn FileSource>,
    store: Arc<dyn ObjectStore>,
    config: &FileScanConfig,
) -> Result<Option<Arc<dyn FileOpener>>> {
    let Some(csv) = source.as_any().downcast_ref::<CsvSource>() else {
        return Ok(None);
    };
    let file_schema = csv.table_schema().file_schema().clone();
    let Some(projection) = csv.projection() else {
        return Ok(None);
    };
    let split = SplitProjection::new(&file_schema, projection);
    let plain = csv.escape().is_none() && csv.comment().is_none() && csv.terminator().is_none();
    let readable = split
        .file_indices
        .iter()
        .all(|&i| columns::readable(file_schema.field(i).data_type()));
    if !plain || !readable || file_schema.fields().is_empty() {
        return Ok(None);
    }
    let format = Arc::new(Format {
        projected: Arc::new(file_schema.project(&split.file_indices)?),
        projection: split.file_indices.clone(),
        schema: file_schema.clone(),
        has_header: csv.has_header(),
        layout: Layout {
            delimiter: csv.delimiter(),
            quote: csv.quote(),
            width: file_schema.fields().len(),
            short_rows: csv.truncate_rows(),
        },
        batch_rows: config.batch_size.unwrap_or(8192).max(1),
    });
    let opener = Arc::new(PlainCsvOpener {
        format,
        store,
        compression: config.file_compression_type,
    });
    Ok(Some(ProjectionOpener::try_new(
        split,
        opener,
        &file_schema,
    )?))
}

/// What a scan reads: the file's columns, those it keeps, and how lines are split.
#[derive(Debug)]
struct Format {
    schema: SchemaRef,
    projection: Vec<usize>,
    projected: SchemaRef,
    has_header: bool,
    layout: Layout,
    batch_rows: usize,
}

struct PlainCsvOpener {
    format: Arc<Format>,
    store: Arc<dyn ObjectStore>,
    compression: FileCompressionType,
}

impl FileOpener for PlainCsvOpener {
    /// Reads the file's range as DataFusion's CSV scan does: from the first line that starts
    /// in it to the end of the line its last byte is in.
    fn open(&self, file: PartitionedFile) -> Result<FileOpenFuture> {
        let header = self.format.has_header && file.range.as_ref().is_none_or(|r| r.start == 0);
        let decoder = Decoder::new(self.format.clone(), header);
        let (store, compression) = (self.store.clone(), self.compression);
        if file.range.is_some() && compression.is_compressed() {
            return Err(DataFusionError::Internal(
                "a compressed CSV file cannot be read in byte ranges".into(),
            ));
        }
        Ok(Box::pin(async move {
            let range = match calculate_range(&file, &store, None).await? {
                RangeCalculation::Range(range) => range,
                RangeCalculation::TerminateEarly => return Ok(stream::empty().boxed()),
            };
            let options = GetOptions {
                range: range.clone().map(GetRange::Bounded),
                ..Default::default()
            };
            let got = store.get_opts(&file.object_meta.location, options).await?;
            let read = got.range.clone();
            Ok(match got.payload {
                GetResultPayload::File(mut f, _) => {
                    let reader: Box<dyn Read + Send> = match range {
                        None => compression.convert_read(f)?,
                        Some(_) => {
                            f.seek(SeekFrom::Start(read.start))?;
                            compression.convert_read(f.take(read.end - read.start))?
                        }
                    };
                    from_reader(reader, decoder).boxed()
                }
                GetResultPayload::Stream(s) => {
                    let bytes =
                        compression.convert_stream(s.map_err(DataFusionError::from).boxed())?;
                    from_stream(bytes, decoder).boxed()
                }
            })
        }))
    }
}

/// Batches of a local file's text, read a block at a time.
fn from_reader(
    mut reader: Box<dyn Read + Send>,
    mut decoder: Decoder,
) -> impl futures::Stream<Item = Result<RecordBatch>> + Send {
    let mut done = false;
    stream::iter(std::iter::from_fn(move || loop {
        if let Some(batch) = decoder.ready.pop_front() {
            return Some(Ok(batch));
        }
        if done {
            return None;
        }
        let step = match decoder.read_from(&mut reader) {
            Ok(0) => decoder.finish().map(|_| done = true),
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = step {
            done = true;
            return Some(Err(e));
        }
    }))
}

/// Batches of text that arrives in pieces (an object store's response).
fn from_stream(
    pieces: futures::stream::BoxStream<'static, Result<Bytes>>,
    decoder: Decoder,
) -> impl futures::Stream<Item = Result<RecordBatch>> + Send {
    stream::try_unfold(
        (pieces, decoder, false),
        |(mut pieces, mut decoder, mut done)| async move {
            loop {
                if let Some(batch) = decoder.ready.pop_front() {
                    return Ok(Some((batch, (pieces, decoder, done))));
                }
                if done {
                    return Ok(None);
                }
                match pieces.next().await.transpose()? {
                    Some(piece) => decoder.push(&piece)?,
                    None => {
                        decoder.finish()?;
                        done = true;
                    }
                }
            }
        },
    )
}

/// Text in, batches out: whole lines are split and read a block at a time, until a block is
/// not plain; from then on Arrow's reader reads the rest.
struct Decoder {
    format: Arc<Format>,
    /// Text not yet read, `buffer[..filled]`: a block in the making, or the unfinished last
    /// line of one.
    buffer: Vec<u8>,
    filled: usize,
    /// Whether the next line is the header, to be skipped.
    header: bool,
    /// The number of the next line, for messages.
    line: usize,
    arrow: Option<ArrowDecoder>,
    ready: VecDeque<RecordBatch>,
    /// The text read before it is split: [`BLOCK`] but in tests.
    block: usize,
}

impl Decoder {
    fn new(format: Arc<Format>, header: bool) -> Self {
        Self {
            format,
            buffer: Vec::new(),
            filled: 0,
            header,
            line: 1,
            arrow: None,
            ready: VecDeque::new(),
            block: BLOCK,
        }
    }

    /// Reads up to a block from `reader` straight into the pending text; the bytes read.
    fn read_from(&mut self, reader: &mut dyn Read) -> Result<usize> {
        let old = self.filled;
        self.make_room(self.block);
        // Fill the block (a decompressing reader returns little at a time).
        while self.filled < old + self.block {
            match reader.read(&mut self.buffer[self.filled..old + self.block]) {
                Ok(0) => break,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        let read = self.filled - old;
        self.decode_whole_lines()?;
        Ok(read)
    }

    fn push(&mut self, piece: &[u8]) -> Result<()> {
        self.make_room(piece.len());
        self.buffer[self.filled..self.filled + piece.len()].copy_from_slice(piece);
        self.filled += piece.len();
        match self.filled >= self.block {
            true => self.decode_whole_lines(),
            false => Ok(()),
        }
    }

    /// Room for `more` bytes after the pending text. The buffer only grows (for lines longer
    /// than a block), so that its memory is reused block after block.
    fn make_room(&mut self, more: usize) {
        if self.buffer.len() < self.filled + more {
            self.buffer.resize(self.filled + more, 0);
        }
    }

    /// Decodes the pending text up to its last line end; the rest moves to the front.
    fn decode_whole_lines(&mut self) -> Result<()> {
        let Some(last) = memchr::memrchr(b'\n', &self.buffer[..self.filled]) else {
            return Ok(());
        };
        let buffer = std::mem::take(&mut self.buffer);
        let decoded = self.decode(&buffer[..=last], false);
        self.buffer = buffer;
        self.buffer.copy_within(last + 1..self.filled, 0);
        self.filled -= last + 1;
        decoded
    }

    fn finish(&mut self) -> Result<()> {
        let buffer = std::mem::take(&mut self.buffer);
        let decoded = self.decode(&buffer[..self.filled], true);
        self.filled = 0;
        decoded
    }

    fn decode(&mut self, mut block: &[u8], last: bool) -> Result<()> {
        if self.arrow.is_none() && self.header {
            // The header is the first line that is not blank.
            let start = block
                .iter()
                .position(|&b| b != b'\n' && b != b'\r')
                .unwrap_or(block.len());
            if memchr::memchr(self.format.layout.quote, block).is_none() {
                let Some(end) = memchr::memchr(b'\n', &block[start..]) else {
                    return Ok(()); // a header alone
                };
                self.line += memchr::memchr_iter(b'\n', &block[..start]).count() + 1;
                block = &block[start + end + 1..];
                self.header = false;
            }
        }
        if self.arrow.is_none() && !self.header {
            let first_line = self.line;
            if let Some(lines) = split::split(block, self.format.layout, first_line)? {
                self.line = lines.next_line;
                return self.batches(&lines, first_line);
            }
        }
        self.decode_with_arrow(block, last)
    }

    /// The lines' rows as batches of at most `batch_rows` rows.
    fn batches(&mut self, lines: &Lines<'_>, first_line: usize) -> Result<()> {
        let format = self.format.clone();
        let mut start = 0;
        while start < lines.rows() {
            let rows = start..(start + format.batch_rows).min(lines.rows());
            let columns = format
                .projection
                .iter()
                .map(|&i| {
                    let data_type = format.schema.field(i).data_type();
                    columns::column(lines, rows.clone(), i, data_type)
                        .map_err(|bad| unreadable(lines, bad.row, i, data_type, first_line))
                })
                .collect::<Result<Vec<ArrayRef>>>()?;
            let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
            self.ready.push_back(RecordBatch::try_new_with_options(
                format.projected.clone(),
                columns,
                &options,
            )?);
            start = rows.end;
        }
        Ok(())
    }

    /// Reads `block` with Arrow's reader, which keeps reading from here on.
    fn decode_with_arrow(&mut self, block: &[u8], last: bool) -> Result<()> {
        let format = &self.format;
        let arrow = self.arrow.get_or_insert_with(|| {
            ReaderBuilder::new(format.schema.clone())
                .with_header(self.header)
                .with_delimiter(format.layout.delimiter)
                .with_quote(format.layout.quote)
                .with_truncated_rows(format.layout.short_rows)
                .with_projection(format.projection.clone())
                .with_batch_size(format.batch_rows)
                .build_decoder()
        });
        let mut rest = block;
        loop {
            let read = arrow.decode(rest)?;
            rest = &rest[read..];
            if arrow.capacity() == 0 {
                self.ready.extend(arrow.flush()?);
            } else if rest.is_empty() || read == 0 {
                break;
            }
        }
        if last {
            // The end of the input ends its last record.
            arrow.decode(&[])?;
            self.ready.extend(arrow.flush()?);
        }
        Ok(())
    }
}

/// The error of a field that does not read as its column's type.
fn unreadable(
    lines: &Lines<'_>,
    row: usize,
    column: usize,
    data_type: &DataType,
    first_line: usize,
) -> DataFusionError {
    let value = String::from_utf8_lossy(lines.field(row, column));
    // Counted, as blank lines are not rows.
    let line = first_line + memchr::memchr_iter(b'\n', &lines.text[..lines.row_start(row)]).count();
    let what = match data_type {
        DataType::Utf8 | DataType::Utf8View => {
            format!("value '{value}' of column {column} at line {line} is not valid UTF-8")
        }
        _ => format!(
            "Error while parsing value '{value}' as type '{data_type}' for column {column} at line {line}. Row data: '[{}]'",
            lines.row_text(row)
        ),
    };
    DataFusionError::ArrowError(Box::new(ArrowError::ParseError(what)), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::compute::concat_batches;
    use datafusion::arrow::datatypes::{Field, Schema};

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("key", DataType::Int64, true),
            Field::new("price", DataType::Decimal128(15, 2), true),
            Field::new("day", DataType::Date32, true),
            Field::new("note", DataType::Utf8, true),
            Field::new("ratio", DataType::Float64, true),
            Field::new("flag", DataType::Boolean, true),
            Field::new("small", DataType::Int32, true),
            Field::new("nothing", DataType::Null, true),
            Field::new("short", DataType::Int16, true),
            Field::new("view", DataType::Utf8View, true),
        ]))
    }

    fn format(schema: SchemaRef, projection: Vec<usize>, header: bool) -> Arc<Format> {
        Arc::new(Format {
            projected: Arc::new(schema.project(&projection).unwrap()),
            projection,
            layout: Layout {
                delimiter: b'|',
                quote: b'"',
                width: schema.fields().len(),
                short_rows: false,
            },
            schema,
            has_header: header,
            batch_rows: 7,
        })
    }

    /// The text read by this reader in pieces of `piece` bytes, blocks of `block` bytes.
    fn ours(format: &Arc<Format>, text: &str, piece: usize, block: usize) -> Result<RecordBatch> {
        read_bytes(format, text.as_bytes(), piece, block)
    }

    fn read_bytes(
        format: &Arc<Format>,
        text: &[u8],
        piece: usize,
        block: usize,
    ) -> Result<RecordBatch> {
        let mut decoder = Decoder::new(format.clone(), format.has_header);
        decoder.block = block;
        for p in text.chunks(piece) {
            decoder.push(p)?;
        }
        decoder.finish()?;
        let batches: Vec<_> = decoder.ready.into_iter().collect();
        assert!(batches.iter().all(|b| b.num_rows() <= format.batch_rows));
        Ok(concat_batches(&format.projected, &batches)?)
    }

    /// The text read by Arrow's reader.
    fn arrows(format: &Arc<Format>, text: &str) -> Result<RecordBatch> {
        let reader = ReaderBuilder::new(format.schema.clone())
            .with_header(format.has_header)
            .with_delimiter(b'|')
            .with_projection(format.projection.clone())
            .build(text.as_bytes())?;
        let batches = reader.collect::<Result<Vec<_>, _>>()?;
        Ok(concat_batches(&format.projected, &batches)?)
    }

    fn rows(n: usize, crlf_every: usize) -> String {
        let mut text = String::new();
        for i in 0..n {
            let row = [
                format!("{}", i as i64 * 7919 - 40_000),
                match i % 5 {
                    0 => String::new(),
                    1 => format!("-{}.{:02}", i, i % 100),
                    2 => format!("{i}"),
                    3 => format!("{i}.5"),
                    _ => format!("{i}.239"), // more digits than the scale: Arrow truncates
                },
                match i % 4 {
                    0 => format!("19{:02}-{:02}-{:02}", i % 100, i % 12 + 1, i % 28 + 1),
                    1 => String::new(),
                    2 => "2024-02-29".into(),
                    _ => format!("{}-03-01", 1000 + i),
                },
                ["", "DELIVER IN PERSON", "ü-ñ", "x"][i % 4].into(),
                ["1.5", "", "1e3", "-0.25", "NaN"][i % 5].into(),
                ["true", "FALSE", "", "True"][i % 4].into(),
                ["+12", "-7", "", "2147483647"][i % 4].into(),
                String::new(),
                ["-32768", "", "7", "+0"][i % 4].into(),
                ["", "a view of more than twelve bytes", "short"][i % 3].into(),
            ];
            text.push_str(&row.join("|"));
            text.push_str(if crlf_every > 0 && i % crlf_every == 0 {
                "\r\n"
            } else {
                "\n"
            });
            if i % 17 == 3 {
                text.push('\n'); // a blank line
            }
        }
        text
    }

    #[test]
    fn reads_every_type_as_arrow_does() {
        let all: Vec<usize> = (0..10).collect();
        for (header, projection) in [(false, all.clone()), (true, vec![3, 0, 2]), (false, vec![])] {
            let f = format(schema(), projection, header);
            let mut text = rows(300, 4);
            if header {
                text.insert_str(
                    0,
                    "\nkey|price|day|note|ratio|flag|small|nothing|short|view\r\n",
                );
            }
            let expected = arrows(&f, &text).unwrap();
            for (piece, block) in [(text.len(), 1 << 20), (100, 256), (1, 64), (333, 10)] {
                let got = ours(&f, &text, piece, block).unwrap();
                assert_eq!(got, expected, "pieces of {piece}, blocks of {block}");
            }
            // Without the last line end.
            let trimmed = text.trim_end_matches(['\n', '\r']);
            assert_eq!(
                ours(&f, trimmed, 50, 200).unwrap(),
                arrows(&f, trimmed).unwrap()
            );
        }
    }

    #[test]
    fn a_quote_hands_the_rest_to_arrow() {
        let f = format(schema(), (0..10).collect(), true);
        let mut text = String::from("key|price|day|note|ratio|flag|small|nothing|short|view\n");
        text.push_str(&rows(100, 0));
        text.push_str("5|1.00|2020-01-01|\"quoted | with a delimiter\"|1|true|1||2|v\n");
        text.push_str(&rows(100, 3));
        let expected = arrows(&f, &text).unwrap();
        assert_eq!(expected.num_rows(), 201);
        for (piece, block) in [(text.len(), 1 << 20), (64, 1000), (7, 300)] {
            assert_eq!(ours(&f, &text, piece, block).unwrap(), expected);
        }
        // A quoted header: Arrow's reader skips it.
        let quoted = format!("\"key\"{}", &text[3..]);
        assert_eq!(ours(&f, &quoted, 100, 500).unwrap(), expected);
    }

    #[test]
    fn unreadable_values_name_value_column_and_line() {
        let f = format(schema(), (0..10).collect(), false);
        let mut text = rows(40, 0);
        let (index, _) = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .nth(30)
            .unwrap();
        let bad_line = index + 1;
        let mut lines: Vec<&str> = text.lines().collect();
        let mut fields: Vec<&str> = lines[bad_line - 1].split('|').collect();
        fields[2] = "2021-02-30";
        let row = fields.join("|");
        lines[bad_line - 1] = &row;
        text = lines.join("\n");
        let err = ours(&f, &text, 1000, 512).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "Error while parsing value '2021-02-30' as type 'Date32' for column 2 at line {bad_line}"
            )),
            "{err}"
        );
        let err = ours(&f, "1|2\n", 10, 10).unwrap_err().to_string();
        assert!(
            err.contains("incorrect number of fields for line 1, expected 10 got 2"),
            "{err}"
        );
        let mut bytes = rows(3, 0).into_bytes();
        let at = bytes.iter().position(|&b| b == b'D').unwrap();
        bytes[at] = 0xff;
        let err = read_bytes(&f, &bytes, 1000, 512).unwrap_err().to_string();
        assert!(
            err.contains("column 3 at line 2 is not valid UTF-8"),
            "{err}"
        );
    }
}
