//! Target nodes: S3DirectTarget (csv, json, parquet) and S3GlueParquetTarget. Each writes its
//! input into the run's staging location for its path; the run commits them together.

use datafusion::arrow::array::{Array, UInt64Array};
use datafusion::common::config::{CsvOptions, JsonOptions, TableParquetOptions};
use datafusion::common::parsers::CompressionTypeVariant;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::execution::context::SessionContext;
use datafusion::prelude::DataFrame;

use crate::commit::{staging_url, StagedOutput};
use crate::error::{AtNode, EngineError, Result};
use crate::job::graph::Node;
use crate::session::Engine;
use crate::stores::path_url;

/// What a target wrote (to staging).
pub struct Written {
    pub staged: StagedOutput,
    pub rows: u64,
}

pub async fn write(
    engine: &Engine,
    ctx: &SessionContext,
    node: &Node,
    df: DataFrame,
    run_id: &str,
) -> Result<Written> {
    let id = node.id.as_str();
    let path = node.required_str("Path")?;
    let mut target = path_url(path)?;
    if !target.path().ends_with('/') {
        target.set_path(&format!("{}/", target.path()));
    }
    engine.ensure_store(ctx, &target)?;
    let policy = node.fields.get("SchemaChangePolicy");
    if policy
        .and_then(|p| p.get("EnableUpdateCatalog"))
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        return Err(EngineError::Unsupported {
            node: id.to_string(),
            node_type: node.node_type.clone(),
            hint: Some("SchemaChangePolicy.EnableUpdateCatalog (catalog updates from targets) comes with catalog targets".into()),
        });
    }
    let staging = staging_url(&target, run_id);
    let options = DataFrameWriteOptions::new().with_partition_by(
        node.paths("PartitionKeys")
            .into_iter()
            .map(|p| p.join("."))
            .collect(),
    );
    let format = match node.node_type.as_str() {
        "S3GlueParquetTarget" => "parquet",
        _ => node.str("Format").unwrap_or("parquet"),
    };
    let compression = node.str("Compression");
    let batches = match format {
        "parquet" => {
            let mut parquet = TableParquetOptions::default();
            parquet.global.compression = Some(parquet_codec(node, compression)?.into());
            df.write_parquet(staging.as_str(), options, Some(parquet))
                .await
        }
        "csv" => {
            let csv = CsvOptions {
                has_header: Some(true),
                compression: text_codec(node, compression)?,
                ..Default::default()
            };
            df.write_csv(staging.as_str(), options, Some(csv)).await
        }
        "json" => {
            let json = JsonOptions {
                compression: text_codec(node, compression)?,
                ..Default::default()
            };
            df.write_json(staging.as_str(), options, Some(json)).await
        }
        other => {
            return Err(EngineError::Unsupported {
                node: id.to_string(),
                node_type: node.node_type.clone(),
                hint: Some(format!(
                    "Format '{other}' (Weir writes csv, json and parquet)"
                )),
            })
        }
    }
    .at(id)?;
    let rows = batches
        .iter()
        .filter_map(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<UInt64Array>()
                .map(|a| (0..a.len()).map(|i| a.value(i)).sum::<u64>())
        })
        .sum();
    Ok(Written {
        staged: StagedOutput::new(ctx, id, &target, &staging)?,
        rows,
    })
}

fn parquet_codec(node: &Node, compression: Option<&str>) -> Result<&'static str> {
    Ok(match compression.unwrap_or("snappy") {
        "snappy" => "snappy",
        "gzip" => "gzip(6)",
        "brotli" => "brotli(1)",
        "lz4" => "lz4_raw",
        "zstd" => "zstd(3)",
        "uncompressed" | "none" => "uncompressed",
        other => return Err(EngineError::invalid(&node.id, format!("{}.Compression '{other}' is not supported for Parquet (snappy, gzip, brotli, lz4, zstd, uncompressed)", node.node_type))),
    })
}

fn text_codec(node: &Node, compression: Option<&str>) -> Result<CompressionTypeVariant> {
    Ok(match compression.unwrap_or("none") {
        "none" | "uncompressed" => CompressionTypeVariant::UNCOMPRESSED,
        "gzip" => CompressionTypeVariant::GZIP,
        "bzip2" => CompressionTypeVariant::BZIP2,
        "zstd" => CompressionTypeVariant::ZSTD,
        other => {
            return Err(EngineError::invalid(
                &node.id,
                format!(
                    "{}.Compression '{other}' is not supported (none, gzip, bzip2, zstd)",
                    node.node_type
                ),
            ))
        }
    })
}
