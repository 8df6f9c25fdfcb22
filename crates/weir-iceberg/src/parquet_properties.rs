//! How Weir writes an Iceberg table's Parquet files: the table's `write.parquet.*` properties
//! (`compression-codec`, Iceberg's default `zstd`; `compression-level`; content-defined
//! chunking), which iceberg-rust's own writer builder leaves at the parquet crate's defaults
//! (uncompressed).

use datafusion::parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use datafusion::parquet::file::properties::{CdcOptions, WriterProperties};
use iceberg::spec::TableMetadata;

use crate::error::{Error, Result};

pub const COMPRESSION_CODEC: &str = "write.parquet.compression-codec";
pub const COMPRESSION_LEVEL: &str = "write.parquet.compression-level";
/// Iceberg's default codec (since 1.4).
pub const DEFAULT_CODEC: &str = "zstd";

/// The writer properties of the table's data files.
pub fn writer_properties(metadata: &TableMetadata) -> Result<WriterProperties> {
    let properties = metadata.properties();
    let codec = properties
        .get(COMPRESSION_CODEC)
        .map_or(DEFAULT_CODEC, String::as_str);
    let level = properties
        .get(COMPRESSION_LEVEL)
        .map(|l| {
            l.parse::<i32>().map_err(|_| {
                Error::bad_request(format!("{COMPRESSION_LEVEL} '{l}' is not a whole number"))
            })
        })
        .transpose()?;
    let table = metadata.table_properties()?;
    let cdc = table.cdc_enabled.then_some(CdcOptions {
        min_chunk_size: table.cdc_min_chunk_size,
        max_chunk_size: table.cdc_max_chunk_size,
        norm_level: table.cdc_norm_level,
    });
    Ok(WriterProperties::builder()
        .set_compression(compression(codec, level)?)
        .set_content_defined_chunking(cdc)
        .build())
}

/// The parquet compression of an Iceberg codec name (and level).
pub fn compression(codec: &str, level: Option<i32>) -> Result<Compression> {
    let bad_level = |e| Error::bad_request(format!("{COMPRESSION_LEVEL}: {e}"));
    Ok(match codec.to_ascii_lowercase().as_str() {
        "zstd" => Compression::ZSTD(ZstdLevel::try_new(level.unwrap_or(1)).map_err(bad_level)?),
        "snappy" => Compression::SNAPPY,
        "gzip" => Compression::GZIP(match level {
            Some(l) => GzipLevel::try_new(l as u32).map_err(bad_level)?,
            None => GzipLevel::default(),
        }),
        "brotli" => Compression::BROTLI(match level {
            Some(l) => BrotliLevel::try_new(l as u32).map_err(bad_level)?,
            None => BrotliLevel::default(),
        }),
        "lz4" => Compression::LZ4_RAW,
        "uncompressed" | "none" => Compression::UNCOMPRESSED,
        other => {
            return Err(Error::bad_request(format!(
            "{COMPRESSION_CODEC} '{other}' is not zstd, snappy, gzip, brotli, lz4 or uncompressed"
        )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_are_icebergs_names() {
        assert_eq!(compression("SNAPPY", None).unwrap(), Compression::SNAPPY);
        assert_eq!(
            compression("uncompressed", None).unwrap(),
            Compression::UNCOMPRESSED
        );
        assert!(matches!(
            compression("zstd", Some(3)).unwrap(),
            Compression::ZSTD(_)
        ));
        let e = compression("lzo", None).unwrap_err().to_string();
        assert!(e.contains("'lzo' is not zstd"), "{e}");
        assert!(compression("zstd", Some(99)).is_err());
    }
}
