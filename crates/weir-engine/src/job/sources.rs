//! Source nodes: S3CsvSource, S3JsonSource, S3ParquetSource (any object store path), and the
//! catalog sources. The engine's connectors read their own node types, and catalog tables they
//! hold (a database table a crawler catalogued).
//!
//! An S3 source reads the files [`files::list`] finds under its paths, whatever their suffix
//! (Glue reads folders of files without extensions). Without `CompressionType`, each file's
//! compression is detected (suffix, else magic bytes); files of different compressions are read
//! apart and unioned by column name. CSV files without a header get Glue's column names `col0`,
//! `col1`, …. Column types are inferred from the data, as Glue's DynamicFrame reader does.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::DataFusionError;
use datafusion::common::UnnestOptions;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::execution::context::SessionContext;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::ExprSchemable;
use datafusion::prelude::{ident, DataFrame, Expr};

use crate::catalog;
use crate::error::{AtNode, EngineError, Result};
use crate::job::bookmark::RunBookmarks;
use crate::job::extension::ConnectorIo;
use crate::job::files::{self, StoreFiles};
use crate::job::graph::Node;
use crate::job::json_lines;
use crate::job::scan::FileListTable;
use crate::session::Engine;
use crate::sql_catalog;

/// Reads a source node; an S3 source reads only what `bookmarks` let it (see [`files::list`]).
pub async fn read(
    engine: &Engine,
    ctx: &SessionContext,
    node: &Node,
    bookmarks: &RunBookmarks,
) -> Result<DataFrame> {
    if let Some(connector) = engine.connector(&node.node_type) {
        let io = ConnectorIo {
            catalog: engine.catalog_handle(),
            table: None,
            bookmarks: Some(bookmarks),
        };
        return connector.read(ctx, node, io).await;
    }
    if matches!(node.node_type.as_str(), "CatalogSource" | "S3CatalogSource") {
        return read_catalog_table(engine, ctx, node, bookmarks).await;
    }
    let files::Listing {
        files: listed,
        schema_only,
    } = files::list(engine, ctx, node, bookmarks).await?;
    let df = match node.node_type.as_str() {
        "S3CsvSource" => read_csv(ctx, node, listed).await,
        "S3JsonSource" => read_json(ctx, node, listed).await,
        "S3ParquetSource" => {
            let options = ctx.state().default_table_options().parquet;
            let format: Arc<dyn FileFormat> =
                Arc::new(ParquetFormat::default().with_options(options));
            let parts = listed.into_iter().map(|f| Part {
                files: f,
                format: format.clone(),
            });
            union_parts(ctx, node, parts.collect()).await
        }
        other => Err(EngineError::invalid(
            &node.id,
            format!("{other} is not a source"),
        )),
    }?;
    // Every file was processed in earlier runs: the source is empty, with the schema of the
    // newest file.
    match schema_only {
        true => df.limit(0, Some(0)).at(&node.id),
        false => Ok(df),
    }
}

/// Files read together: one store, one format (with its compression).
struct Part {
    files: StoreFiles,
    format: Arc<dyn FileFormat>,
}

/// Reads each part and unions them by column name (a column missing from a part is null there).
async fn union_parts(ctx: &SessionContext, node: &Node, parts: Vec<Part>) -> Result<DataFrame> {
    let mut frames = Vec::with_capacity(parts.len());
    for part in parts {
        let table = FileListTable::try_new(ctx, part.format, part.files)
            .await
            .at(&node.id)?;
        frames.push(ctx.read_table(Arc::new(table)).at(&node.id)?);
    }
    let mut frames = frames.into_iter();
    let first = frames
        .next()
        .ok_or_else(|| EngineError::invalid(&node.id, "the source has no file to read"))?;
    frames.try_fold(first, |acc, df| acc.union_by_name(df).at(&node.id))
}

/// The node's files split by compression: `CompressionType` for all when given, else each
/// file's own (see [`files::detect_compression`]). Groups keep listing order.
async fn by_compression(
    node: &Node,
    listed: Vec<StoreFiles>,
) -> Result<Vec<(FileCompressionType, StoreFiles)>> {
    let given = compression(node)?;
    let mut groups: Vec<(FileCompressionType, StoreFiles)> = Vec::new();
    for store_files in listed {
        for meta in &store_files.files {
            let c = match given {
                Some(c) => c,
                None => files::detect_compression(store_files.store.as_ref(), meta)
                    .await
                    .map_err(|e| reading_error(node, &store_files, meta, e))?,
            };
            let same = |(gc, g): &&mut (FileCompressionType, StoreFiles)| {
                *gc == c && g.store_url == store_files.store_url
            };
            match groups.iter_mut().find(same) {
                Some((_, g)) => g.files.push(meta.clone()),
                None => groups.push((
                    c,
                    StoreFiles {
                        files: vec![meta.clone()],
                        ..store_files.clone()
                    },
                )),
            }
        }
    }
    Ok(groups)
}

fn reading_error(
    node: &Node,
    files: &StoreFiles,
    meta: &object_store::ObjectMeta,
    e: EngineError,
) -> EngineError {
    EngineError::invalid(
        &node.id,
        format!("{}: reading {}: {e}", node.node_type, files.url_of(meta)),
    )
}

/// `CompressionType`, when given.
fn compression(node: &Node) -> Result<Option<FileCompressionType>> {
    Ok(match node.str("CompressionType") {
        None => None,
        Some("gzip") => Some(FileCompressionType::GZIP),
        Some("bzip2") => Some(FileCompressionType::BZIP2),
        Some("zstd") => Some(FileCompressionType::ZSTD),
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

/// The quote byte; `disabled` is NUL, which CSV text does not hold, so nothing is a quote.
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

/// S3CsvSource. `WithHeader` names columns from the first line; `SkipFirst` without a header
/// skips the first line (read as a header and discarded), and columns are `col0`, `col1`, ….
async fn read_csv(ctx: &SessionContext, node: &Node, listed: Vec<StoreFiles>) -> Result<DataFrame> {
    let with_header = node.bool("WithHeader").unwrap_or(false);
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
    let (delimiter, quote) = (separator(node)?, quote(node)?);
    let multiline = node.bool("Multiline").unwrap_or(false);
    let parts = by_compression(node, listed)
        .await?
        .into_iter()
        .map(|(c, files)| Part {
            files,
            format: Arc::new(
                CsvFormat::default()
                    .with_options(ctx.state().default_table_options().csv)
                    .with_has_header(with_header || skip_first)
                    .with_delimiter(delimiter)
                    .with_quote(quote)
                    .with_escape(escape)
                    .with_newlines_in_values(multiline)
                    .with_file_compression_type(c),
            ),
        })
        .collect();
    let df = union_parts(ctx, node, parts).await?;
    if with_header {
        return Ok(df);
    }
    // One projection of renames (which ApplyMapping can see through to the scan).
    let renamed: Vec<Expr> = df
        .schema()
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| ident(f.name()).alias(format!("col{i}")))
        .collect();
    df.select(renamed).at(&node.id)
}

/// S3JsonSource. By default each line is a document. With `Multiline`, a file holds JSON
/// arrays of records or documents that may span lines (pretty-printed), and is read whole (see
/// [`json_lines`]). `JsonPath` picks the records within the documents: `$[*]` (files are
/// arrays of records, read whole), `$.a.b[*]` (the elements of the array at `a.b`), `$.a.b`
/// (the object at `a.b`, or its value as one column).
async fn read_json(
    ctx: &SessionContext,
    node: &Node,
    listed: Vec<StoreFiles>,
) -> Result<DataFrame> {
    let path = match node.str("JsonPath").map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(JsonPath::parse(p).ok_or_else(|| {
            EngineError::invalid(
                &node.id,
                format!("S3JsonSource.JsonPath '{p}' is not supported: Weir reads $[*], $.field[*] and $.field (fields may be nested: $.a.b[*])"),
            )
        })?),
        None => None,
    };
    let whole_files = node.bool("Multiline").unwrap_or(false)
        || path.as_ref().is_some_and(|p| p.fields.is_empty());
    let mut parts = Vec::new();
    for (c, files) in by_compression(node, listed).await? {
        let (files, c) = match whole_files {
            true => (
                json_lines::as_json_lines(ctx, node, files, c).await?,
                FileCompressionType::UNCOMPRESSED,
            ),
            false => (files, c),
        };
        let format = JsonFormat::default()
            .with_options(ctx.state().default_table_options().json)
            .with_file_compression_type(c);
        parts.push(Part {
            files,
            format: Arc::new(format),
        });
    }
    let df = union_parts(ctx, node, parts).await?;
    match path {
        Some(p) if !p.fields.is_empty() => p.records(node, df),
        _ => Ok(df),
    }
}

/// The supported forms of `JsonPath`: `$`, then `.field` steps, then optionally `[*]`.
#[derive(Debug, PartialEq)]
struct JsonPath {
    text: String,
    fields: Vec<String>,
    each: bool,
}

impl JsonPath {
    fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix('$')?;
        let (rest, each) = match rest.strip_suffix("[*]") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let fields: Vec<String> = if rest.is_empty() {
            vec![]
        } else {
            rest.strip_prefix('.')?
                .split('.')
                .map(str::to_string)
                .collect()
        };
        let plain = |f: &String| !f.is_empty() && !f.contains(['[', ']', '*', '?', '(', ')']);
        if !fields.iter().all(plain) || (fields.is_empty() && !each) {
            return None;
        }
        Some(Self {
            text: text.to_string(),
            fields,
            each,
        })
    }

    /// The records at this path of each document: an object's members become the columns; a
    /// value that is not an object becomes one column named after the path's last field.
    fn records(&self, node: &Node, df: DataFrame) -> Result<DataFrame> {
        let id = node.id.as_str();
        let invalid = |msg: String| {
            EngineError::invalid(id, format!("S3JsonSource.JsonPath '{}': {msg}", self.text))
        };
        let mut target = ident(self.fields[0].as_str());
        for f in &self.fields[1..] {
            target = get_field(target, f.as_str());
        }
        let found = target.get_type(df.schema()).map_err(|_| {
            invalid(format!(
                "the documents have no field {} (they have: {})",
                self.fields.join("."),
                crate::job::transforms::field_names(&df)
            ))
        })?;
        const RECORDS: &str = "__weir_records";
        let mut df = df.select(vec![target.alias(RECORDS)]).at(id)?;
        if self.each {
            if !matches!(found, DataType::List(_) | DataType::LargeList(_)) {
                return Err(invalid(format!(
                    "{} is not an array",
                    self.fields.join(".")
                )));
            }
            df = df
                .unnest_columns_with_options(
                    &[RECORDS],
                    UnnestOptions::new().with_preserve_nulls(false),
                )
                .at(id)?;
        }
        // Struct members become columns by unnesting the struct too: DataFusion 53's
        // `push_down_leaf_projections` moves `get_field` below an unnest, onto the list.
        let DataType::Struct(members) = df.schema().field(0).data_type().clone() else {
            let name = self.fields.last().map(String::as_str).unwrap_or("value");
            return df.with_column_renamed(RECORDS, name).at(id);
        };
        let df = df.unnest_columns(&[RECORDS]).at(id)?;
        let columns: Vec<Expr> = df
            .schema()
            .fields()
            .iter()
            .zip(members.iter())
            .map(|(f, m)| ident(f.name()).alias(m.name()))
            .collect();
        df.select(columns).at(id)
    }
}

/// CatalogSource / S3CatalogSource: a catalog table ([`GlueTable`]: its format, its partitions
/// from the catalog) with the node's `PartitionPredicate` (Glue's push-down predicate, `==`
/// allowed) as a filter, which prunes the partitions before any file is listed.
async fn read_catalog_table(
    engine: &Engine,
    ctx: &SessionContext,
    node: &Node,
    bookmarks: &RunBookmarks,
) -> Result<DataFrame> {
    let id = node.id.as_str();
    let client = engine.catalog_handle().ok_or_else(|| {
        EngineError::invalid(
            id,
            format!("{} needs a catalog, and this run has none", node.node_type),
        )
    })?;
    let (database, name) = (node.required_str("Database")?, node.required_str("Table")?);
    let table = catalog::node_table(client.as_ref(), id, &node.node_type, database, name).await?;
    if let Some(connector) = engine.connector_holding(&table) {
        let io = ConnectorIo {
            catalog: Some(client.clone()),
            table: Some(&table),
            bookmarks: Some(bookmarks),
        };
        return connector.read(ctx, node, io).await;
    }
    let provider = sql_catalog::table_provider(
        client,
        engine.stores().clone(),
        &|| Some(ctx.state()),
        &table,
    )
    .await
    .map_err(|e| match e {
        DataFusionError::Plan(m) => EngineError::invalid(id, m),
        other => EngineError::Execution {
            node: id.to_string(),
            source: other,
        },
    })?;
    let df = ctx.read_table(provider).at(id)?;
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
