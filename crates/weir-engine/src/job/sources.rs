//! Source nodes: S3CsvSource, S3JsonSource, S3ParquetSource (any object store path).
//!
//! Every file under the given paths is read, whatever its suffix (Glue reads folders of files
//! without extensions). CSV files without a header get Glue's column names `col0`, `col1`, ….
//! Column types are inferred from the data, as Glue's DynamicFrame reader does.

use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::execution::context::SessionContext;
use datafusion::prelude::{CsvReadOptions, DataFrame, JsonReadOptions, ParquetReadOptions};

use std::sync::Arc;

use crate::catalog;
use crate::error::{AtNode, EngineError, Result};
use crate::glue_table::GlueTable;
use crate::job::graph::Node;
use crate::session::Engine;
use crate::stores::path_url;

pub async fn read(engine: &Engine, ctx: &SessionContext, node: &Node) -> Result<DataFrame> {
    if matches!(node.node_type.as_str(), "CatalogSource" | "S3CatalogSource") {
        return read_catalog_table(engine, ctx, node).await;
    }
    let paths = source_paths(engine, ctx, node)?;
    let df = match node.node_type.as_str() {
        "S3CsvSource" => read_csv(ctx, node, paths).await?,
        "S3JsonSource" => {
            let options = JsonReadOptions::default()
                .file_extension("")
                .file_compression_type(compression(node)?)
                .newline_delimited(!node.bool("Multiline").unwrap_or(false));
            ctx.read_json(paths, options).await.at(&node.id)?
        }
        "S3ParquetSource" => {
            let options = ParquetReadOptions {
                file_extension: "",
                ..Default::default()
            };
            ctx.read_parquet(paths, options).await.at(&node.id)?
        }
        other => {
            return Err(EngineError::invalid(
                &node.id,
                format!("{other} is not a source"),
            ))
        }
    };
    Ok(df)
}

fn source_paths(engine: &Engine, ctx: &SessionContext, node: &Node) -> Result<Vec<String>> {
    let paths: Vec<&str> = node
        .array("Paths")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    if paths.is_empty() {
        return Err(EngineError::invalid(
            &node.id,
            format!("{}.Paths is empty: give at least one path", node.node_type),
        ));
    }
    paths
        .into_iter()
        .map(|p| {
            let url = path_url(p)?;
            engine.ensure_store(ctx, &url)?;
            Ok(url.to_string())
        })
        .collect()
}

fn compression(node: &Node) -> Result<FileCompressionType> {
    Ok(match node.str("CompressionType") {
        None => FileCompressionType::UNCOMPRESSED,
        Some("gzip") => FileCompressionType::GZIP,
        Some("bzip2") => FileCompressionType::BZIP2,
        Some("zstd") => FileCompressionType::ZSTD,
        Some(other) => {
            return Err(EngineError::invalid(
                &node.id,
                format!(
                    "{}.CompressionType '{other}' is not one of gzip, bzip2",
                    node.node_type
                ),
            ))
        }
    })
}

fn separator(node: &Node) -> Result<u8> {
    Ok(match node.str("Separator").unwrap_or("comma") {
        "comma" => b',',
        "ctrla" => 0x01,
        "pipe" => b'|',
        "semicolon" => b';',
        "tab" => b'\t',
        other => {
            return Err(EngineError::invalid(
                &node.id,
                format!(
                "S3CsvSource.Separator '{other}' is not one of comma, ctrla, pipe, semicolon, tab"
            ),
            ))
        }
    })
}

fn quote(node: &Node) -> Result<u8> {
    Ok(match node.str("QuoteChar").unwrap_or("quote") {
        "quote" => b'"',
        "single_quote" => b'\'',
        "disabled" => 0,
        other => {
            return Err(EngineError::invalid(
                &node.id,
                format!(
                "S3CsvSource.QuoteChar '{other}' is not supported (quote, single_quote, disabled)"
            ),
            ))
        }
    })
}

async fn read_csv(ctx: &SessionContext, node: &Node, paths: Vec<String>) -> Result<DataFrame> {
    let with_header = node.bool("WithHeader").unwrap_or(false);
    // SkipFirst without a header: read the first line as a header, then name columns as Glue does.
    let skip_first = node.bool("SkipFirst").unwrap_or(false);
    let escape = match node.str("Escaper").filter(|e| !e.is_empty()) {
        Some(e) if e.len() == 1 => Some(e.as_bytes()[0]),
        Some(e) => {
            return Err(EngineError::invalid(
                &node.id,
                format!("S3CsvSource.Escaper '{e}' must be one ASCII character"),
            ))
        }
        None => None,
    };
    let mut options = CsvReadOptions::new()
        .has_header(with_header || skip_first)
        .delimiter(separator(node)?)
        .quote(quote(node)?)
        .file_extension("")
        .newlines_in_values(node.bool("Multiline").unwrap_or(false))
        .file_compression_type(compression(node)?);
    if let Some(e) = escape {
        options = options.escape(e);
    }
    let df = ctx.read_csv(paths, options).await.at(&node.id)?;
    if with_header {
        return Ok(df);
    }
    let names: Vec<String> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut df = df;
    for (i, name) in names.iter().enumerate() {
        df = df
            .with_column_renamed(name, &format!("col{i}"))
            .at(&node.id)?;
    }
    Ok(df)
}

/// CatalogSource / S3CatalogSource: a catalog table ([`GlueTable`]: its format, its partitions
/// from the catalog) with the node's `PartitionPredicate` (Glue's push-down predicate, `==`
/// allowed) as a filter, which prunes the partitions before any file is listed.
async fn read_catalog_table(
    engine: &Engine,
    ctx: &SessionContext,
    node: &Node,
) -> Result<DataFrame> {
    let id = node.id.as_str();
    let client = engine.catalog_handle().ok_or_else(|| {
        EngineError::invalid(
            id,
            format!("{} needs a catalog, and this run has none", node.node_type),
        )
    })?;
    let (database, name) = (node.required_str("Database")?, node.required_str("Table")?);
    let (table, _) =
        catalog::table_with_location(client.as_ref(), id, &node.node_type, database, name).await?;
    let table = GlueTable::new(client, engine.s3().clone(), &table)
        .map_err(|m| EngineError::invalid(id, format!("table {database}.{name}: {m}")))?;
    let df = ctx.read_table(Arc::new(table)).at(id)?;
    let predicate = node
        .str("PartitionPredicate")
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let Some(predicate) = predicate else {
        return Ok(df);
    };
    let expr = ctx
        .parse_sql_expr(&predicate.replace("==", "="), df.schema())
        .map_err(|e| {
            EngineError::invalid(
                id,
                format!("{}.PartitionPredicate '{predicate}': {e}", node.node_type),
            )
        })?;
    df.filter(expr).at(id)
}
