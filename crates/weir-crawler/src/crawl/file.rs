//! One file's classification and schema: Parquet, ORC and Avro by their magic bytes, their
//! schema from the file's own metadata (the engine's formats); text (compressed or not, by
//! suffix or content) from a sample of its first bytes, by the crawler's custom classifiers
//! first, then as JSON or delimited text.

use std::io::Read;
use std::sync::Arc;

use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::execution::context::SessionContext;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use weir_engine::formats::TableFormat;
use weir_engine::job::files::compression_of;

use super::custom::Classifiers;
use super::kind::Kind;
use super::text;

/// Raw bytes a text file's sample reads at most.
const SAMPLE_BYTES: u64 = 1 << 20;
/// Decompressed bytes a sample keeps at most.
const SAMPLE_TEXT: usize = 4 << 20;

/// What a file holds.
#[derive(Debug, Clone)]
pub struct FileSchema {
    pub format: TableFormat,
    pub columns: Vec<(String, Kind)>,
    /// `gzip`, `bzip2`, `zstd`, `none` (or, for a table, [`super::layout::MIXED`]).
    pub compression: &'static str,
    /// Delimited text read with `OpenCSVSerde` (quoted fields, or its classifier says so).
    pub quoted: bool,
    /// Records in the file: counted when the sample was the whole file, else estimated.
    pub records: u64,
}

/// Classifies one file, text by the first of the `custom` classifiers that recognizes it, else
/// by the built-in ones; the error says why it is not one Weir can describe.
pub async fn classify(
    ctx: &SessionContext,
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    custom: &Classifiers,
) -> Result<FileSchema, String> {
    if meta.size == 0 {
        return Err("the file is empty".into());
    }
    let head = store
        .get_range(&meta.location, 0..meta.size.min(SAMPLE_BYTES))
        .await
        .map_err(|e| format!("it cannot be read: {e}"))?;
    let declared = match head.as_ref() {
        [b'P', b'A', b'R', b'1', ..] => Some(TableFormat::Parquet),
        [b'O', b'R', b'C', ..] => Some(TableFormat::Orc),
        [b'O', b'b', b'j', 1, ..] => Some(TableFormat::Avro),
        _ => None,
    };
    if let Some(format) = declared {
        let columns = declared_columns(ctx, store, meta, &format).await?;
        return Ok(FileSchema {
            format,
            columns,
            compression: "none",
            quoted: false,
            records: 0,
        });
    }
    let compression = compression_of(meta.location.filename().unwrap_or_default(), &head);
    let whole = head.len() as u64 >= meta.size;
    let (sample, complete) = decompress(compression, head.to_vec(), whole)?;
    let per_byte = |records: usize| -> u64 {
        if complete {
            records as u64
        } else {
            let read = sample.len().max(1) as f64;
            let ratio = if compression == FileCompressionType::UNCOMPRESSED {
                meta.size as f64 / read
            } else {
                meta.size as f64 / SAMPLE_BYTES as f64
            };
            (records as f64 * ratio.max(1.0)).round() as u64
        }
    };
    let name = compression_name(compression);
    if let Some(found) = custom.recognize(&sample, complete) {
        return Ok(FileSchema {
            format: found.format,
            columns: found.columns,
            compression: name,
            quoted: found.quoted,
            records: per_byte(found.records),
        });
    }
    if let Some((columns, records)) = text::json(&sample, complete) {
        return Ok(FileSchema {
            format: TableFormat::Json { json_path: None },
            columns,
            compression: name,
            quoted: false,
            records: per_byte(records),
        });
    }
    if let Some(csv) = text::delimited(&sample, complete) {
        return Ok(FileSchema {
            format: TableFormat::Csv {
                delimiter: csv.delimiter,
                header: csv.header,
                quote: b'"',
                escape: None,
            },
            columns: csv.columns,
            compression: name,
            quoted: csv.quoted,
            records: per_byte(csv.records),
        });
    }
    let tried = if custom.is_empty() {
        ""
    } else {
        "; nor did the crawler's classifiers recognize it"
    };
    Err(format!("its format is not one the crawler recognizes (Parquet, ORC, Avro, JSON, or delimited text with at least two columns and two lines){tried}"))
}

fn compression_name(c: FileCompressionType) -> &'static str {
    match c {
        FileCompressionType::GZIP => "gzip",
        FileCompressionType::BZIP2 => "bzip2",
        FileCompressionType::ZSTD => "zstd",
        FileCompressionType::XZ => "xz",
        _ => "none",
    }
}

/// The sample as text, and whether it is the whole file.
fn decompress(
    compression: FileCompressionType,
    bytes: Vec<u8>,
    whole: bool,
) -> Result<(String, bool), String> {
    let (decoded, complete) = if compression == FileCompressionType::UNCOMPRESSED {
        (bytes, whole)
    } else {
        let mut reader = compression
            .convert_read(std::io::Cursor::new(bytes))
            .map_err(|e| format!("it cannot be decompressed: {e}"))?;
        let mut out = Vec::new();
        let mut buf = [0u8; 64 << 10];
        let mut ended = false;
        loop {
            match reader.read(&mut buf) {
                Ok(0) => {
                    ended = true;
                    break;
                }
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if out.len() >= SAMPLE_TEXT {
                        break;
                    }
                }
                // The sample ends inside the compressed stream.
                Err(_) if !whole || !out.is_empty() => break,
                Err(e) => return Err(format!("it cannot be decompressed: {e}")),
            }
        }
        (out, whole && ended)
    };
    let text = match String::from_utf8(decoded) {
        Ok(text) => text,
        Err(e) => {
            // A sample may end inside a multi-byte character.
            let valid = e.utf8_error().valid_up_to();
            if complete || e.as_bytes().len() - valid > 3 {
                return Err("it is not text (not UTF-8), nor Parquet, ORC or Avro".into());
            }
            String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned()
        }
    };
    Ok((text, complete))
}

/// The columns a Parquet, ORC or Avro file declares.
async fn declared_columns(
    ctx: &SessionContext,
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    format: &TableFormat,
) -> Result<Vec<(String, Kind)>, String> {
    let reader: Arc<dyn FileFormat> = match format {
        TableFormat::Parquet => Arc::new(ParquetFormat::default()),
        TableFormat::Orc => Arc::new(weir_engine::orc::format()),
        _ => Arc::new(weir_engine::avro::format()),
    };
    let schema = reader
        .infer_schema(&ctx.state(), store, std::slice::from_ref(meta))
        .await
        .map_err(|e| {
            format!(
                "its {} metadata cannot be read: {e}",
                format.classification()
            )
        })?;
    Ok(schema
        .fields()
        .iter()
        .map(|f| {
            (
                f.name().clone(),
                Kind::Declared(weir_spark::types::hive_type(f.data_type())),
            )
        })
        .collect())
}
