//! Target nodes: S3DirectTarget and S3HyperDirectTarget (csv, json, parquet, avro; the HyperDirect
//! one writes parquet and uncompressed unless told otherwise), S3GlueParquetTarget, and the catalog
//! targets (CatalogTarget, S3CatalogTarget). Each writes its input into the run's staging
//! location for its path; the run commits them together, then updates the catalog. The engine's
//! connectors write their own node types, and catalog tables they hold ([`connector`]).

use datafusion::arrow::array::{Array, UInt64Array};
use datafusion::common::config::{CsvOptions, JsonOptions};
use datafusion::common::parsers::CompressionTypeVariant;
use datafusion::datasource::file_format::csv::CsvFormatFactory;
use datafusion::datasource::file_format::json::JsonFormatFactory;
use datafusion::datasource::file_format::parquet::ParquetFormatFactory;
use datafusion::datasource::file_format::{format_as_file_type, FileFormatFactory};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::LogicalPlanBuilder;
use datafusion::physical_plan::{collect, ExecutionPlan};
use datafusion::prelude::DataFrame;

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

use crate::catalog;
use crate::commit::{staging_url, StagedOutput};
use crate::error::{AtNode, EngineError, Result};
use crate::formats::TableFormat;
use crate::job::catalog_update::CatalogUpdate;
use crate::job::extension::NodeConnector;
use crate::job::graph::Node;
use crate::job::Run;
use crate::session::Engine;
use crate::stores::path_url;

/// What a target wrote (to staging), and what it will tell the catalog once committed.
pub struct Written {
    pub staged: StagedOutput,
    pub rows: u64,
    pub catalog: Option<CatalogUpdate>,
}

/// Where a target writes: its path, its format, and the catalog table it keeps up to date.
struct Destination {
    path: String,
    format: String,
    catalog: Option<CatalogUpdate>,
}

/// The target's destination. Catalog targets write to their table's location in its format;
/// S3 targets with `SchemaChangePolicy.EnableUpdateCatalog` create or update the table named there.
async fn destination(engine: &Engine, node: &Node) -> Result<Destination> {
    let id = node.id.as_str();
    let policy = node.fields.get("SchemaChangePolicy");
    let policy_str = |k: &str| policy.and_then(|p| p.get(k)).and_then(Value::as_str);
    let update_schema =
        policy_str("UpdateBehavior").unwrap_or("UPDATE_IN_DATABASE") == "UPDATE_IN_DATABASE";
    let partition_keys: Vec<String> = node
        .paths("PartitionKeys")
        .into_iter()
        .map(|p| p.join("."))
        .collect();
    let client = || {
        engine.catalog().ok_or_else(|| {
            EngineError::invalid(
                id,
                format!(
                    "{} updates the catalog, and this run has none",
                    node.node_type
                ),
            )
        })
    };
    if matches!(node.node_type.as_str(), "CatalogTarget" | "S3CatalogTarget") {
        let (database, table) = (node.required_str("Database")?, node.required_str("Table")?);
        let (found, path) =
            catalog::table_with_location(client()?, id, &node.node_type, database, table).await?;
        let format = TableFormat::of_table(&found)
            .map_err(|m| EngineError::invalid(id, format!("table {database}.{table}: {m}")))?;
        if !format.is_written() {
            return Err(EngineError::invalid(
                id,
                format!(
                    "table {database}.{table} is stored as {}: Weir reads it, but writes only csv, json, parquet and avro tables",
                    format.classification()
                ),
            ));
        }
        let keys: Vec<String> = strings_of(found.get("PartitionKeys"), "Name");
        let update = CatalogUpdate {
            database: database.into(),
            table: table.into(),
            location: path.clone(),
            format: format.clone(),
            partition_keys: if keys.is_empty() {
                partition_keys
            } else {
                keys
            },
            create: false,
            update_schema: node.node_type == "S3CatalogTarget" && update_schema,
            schema: None,
        };
        return Ok(Destination {
            path,
            format: format.classification().into(),
            catalog: Some(update),
        });
    }
    let path = node.required_str("Path")?.to_string();
    let format = match node.node_type.as_str() {
        "S3GlueParquetTarget" => "parquet".to_string(),
        _ => node.str("Format").unwrap_or("parquet").to_string(),
    };
    let enabled = policy
        .and_then(|p| p.get("EnableUpdateCatalog"))
        .and_then(Value::as_bool)
        == Some(true);
    let catalog = if enabled {
        client()?;
        let need = |k: &str| {
            policy_str(k).ok_or_else(|| {
                EngineError::invalid(
                    id,
                    format!(
                        "{}.SchemaChangePolicy.{k} is required to update the catalog",
                        node.node_type
                    ),
                )
            })
        };
        let table_format = TableFormat::from_target(&format).ok_or_else(|| {
            EngineError::invalid(
                id,
                format!(
                    "{}: catalog updates need csv, json, parquet or avro",
                    node.node_type
                ),
            )
        })?;
        Some(CatalogUpdate {
            database: need("Database")?.into(),
            table: need("Table")?.into(),
            location: path.clone(),
            format: table_format,
            partition_keys: partition_keys.clone(),
            create: true,
            update_schema,
            schema: None,
        })
    } else {
        None
    };
    Ok(Destination {
        path,
        format,
        catalog,
    })
}

fn strings_of(list: Option<&Value>, member: &str) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get(member).and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// The connector writing the node, when one does: its own node types, and `CatalogTarget`s on a
/// table it holds (that table then comes along).
pub async fn connector(
    engine: &Engine,
    node: &Node,
) -> Result<Option<(Arc<dyn NodeConnector>, Option<Value>)>> {
    if let Some(connector) = engine.connector(&node.node_type) {
        return Ok(Some((connector.clone(), None)));
    }
    let Some(client) = engine
        .catalog()
        .filter(|_| node.node_type == "CatalogTarget")
    else {
        return Ok(None);
    };
    let (database, table) = (node.required_str("Database")?, node.required_str("Table")?);
    let found = catalog::node_table(client, &node.id, &node.node_type, database, table).await?;
    Ok(engine
        .connector_holding(&found)
        .map(|c| (c.clone(), Some(found))))
}

pub async fn write(
    engine: &Engine,
    ctx: &SessionContext,
    node: &Node,
    df: DataFrame,
    run: &Run,
) -> Result<Written> {
    let Destination {
        path,
        format,
        mut catalog,
    } = destination(engine, node).await?;
    let partition_by = match &catalog {
        Some(c) => c.partition_keys.clone(),
        None => node
            .paths("PartitionKeys")
            .into_iter()
            .map(|p| p.join("."))
            .collect(),
    };
    let schema = df.schema().inner().clone();
    let (staged, rows) = stage(engine, ctx, node, &path, &format, partition_by, df, run).await?;
    if let Some(update) = catalog.as_mut() {
        update.location = staged.target.to_string();
        update.schema = Some(schema);
    }
    Ok(Written {
        staged,
        rows,
        catalog,
    })
}

/// Writes `df` under the run's staging location for `path`, in `format` (with the node's
/// `Compression`), partitioned by `partition_by`. Returns the staged output and the rows written.
#[allow(clippy::too_many_arguments)]
pub async fn stage(
    engine: &Engine,
    ctx: &SessionContext,
    node: &Node,
    path: &str,
    format: &str,
    partition_by: Vec<String>,
    df: DataFrame,
    run: &Run,
) -> Result<(StagedOutput, u64)> {
    let id = node.id.as_str();
    // A SparkSQL query can give two columns one name (`SELECT x, CAST(x AS INT)`), which no
    // format can hold by name: Spark refuses to write them ([COLUMN_ALREADY_EXISTS]), names
    // compared without case.
    let fields = df.schema().fields();
    for (i, f) in fields.iter().enumerate() {
        if fields[..i]
            .iter()
            .any(|g| g.name().eq_ignore_ascii_case(f.name()))
        {
            return Err(EngineError::invalid(
                id,
                format!(
                    "the data has two columns named `{}` (names compared without case); \
                     alias one of them before writing",
                    f.name()
                ),
            ));
        }
    }
    let mut target = path_url(path)?;
    if !target.path().ends_with('/') {
        target.set_path(&format!("{}/", target.path()));
    }
    engine.ensure_store(ctx, &target)?;
    let staging = staging_url(&target, &run.id);
    let compression = node
        .str("Compression")
        .or((node.node_type == "S3HyperDirectTarget").then_some("uncompressed"));
    let format: Arc<dyn FileFormatFactory> = match format {
        "parquet" => {
            // The session's Parquet settings (DATAFUSION_EXECUTION_PARQUET_* tune writes too).
            let mut parquet = ctx.state().default_table_options().parquet;
            parquet.global.compression = Some(parquet_codec(node, compression)?.into());
            Arc::new(ParquetFormatFactory::new_with_options(parquet))
        }
        "csv" => Arc::new(CsvFormatFactory::new_with_options(CsvOptions {
            has_header: Some(true),
            compression: text_codec(node, compression)?,
            ..Default::default()
        })),
        "json" => Arc::new(JsonFormatFactory::new_with_options(JsonOptions {
            compression: text_codec(node, compression)?,
            ..Default::default()
        })),
        "avro" => {
            let codec = crate::avro::codec(compression).map_err(|m| {
                EngineError::invalid(id, format!("{}.Compression {m}", node.node_type))
            })?;
            crate::avro::with_codec(codec).factory()
        }
        other => {
            return Err(EngineError::Unsupported {
                node: id.to_string(),
                node_type: node.node_type.clone(),
                hint: Some(format!(
                    "Format '{other}' (Weir writes csv, json, parquet and avro)"
                )),
            })
        }
    };
    let (state, plan) = df.into_parts();
    let copy = LogicalPlanBuilder::copy_to(
        plan,
        staging.to_string(),
        format_as_file_type(format),
        HashMap::new(),
        partition_by,
    )
    .at(id)?
    .build()
    .at(id)?;
    let physical = state.create_physical_plan(&copy).await.at(id)?;
    let write_rows = crate::job::bulk_batch_rows(state.config_options());
    let physical = with_write_batches(physical, write_rows).at(id)?;
    let physical = crate::parquet_dictionaries::choosing_dictionaries(physical);
    tracing::debug!(
        node = %id,
        plan = %datafusion::physical_plan::displayable(physical.as_ref()).indent(true),
        "target plan"
    );
    let batches = collect(physical.clone(), state.task_ctx()).await.at(id)?;
    run.metrics.add_plan(&physical);
    let rows = batches
        .iter()
        .filter_map(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<UInt64Array>()
                .map(|a| (0..a.len()).map(|i| a.value(i)).sum::<u64>())
        })
        .sum();
    Ok((StagedOutput::new(ctx, id, &target, &staging)?, rows))
}

/// `plan` (a write) with its input coalesced into batches of `rows`: the writer's per-batch
/// work (levels, one message per column to the column encoders) is amortised over them.
#[allow(deprecated)] // DataFusion coalesces inside operators now; a sink has no such option.
fn with_write_batches(
    plan: Arc<dyn ExecutionPlan>,
    rows: usize,
) -> datafusion::common::Result<Arc<dyn ExecutionPlan>> {
    use datafusion::physical_plan::coalesce_batches::CoalesceBatchesExec;
    let input = match plan.children().as_slice() {
        [input] => Arc::clone(input),
        _ => return Ok(plan),
    };
    let coalesced = Arc::new(CoalesceBatchesExec::new(input, rows));
    plan.with_new_children(vec![coalesced])
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
