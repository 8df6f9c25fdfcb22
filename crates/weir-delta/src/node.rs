//! The visual jobs' Delta Lake nodes, as a connector the engine runs ([`NodeConnector`]).
//!
//! Sources: `S3DeltaSource` (the table at `Paths`), `CatalogDeltaSource`, and `CatalogSource` on a
//! Delta table (scans pruned by partition values and file statistics). `AdditionalDeltaOptions`
//! `versionAsOf` reads that version, `timestampAsOf` the version current then (Spark's reader
//! options).
//!
//! Targets: `S3DeltaDirectTarget` (the table at `Path`), `S3DeltaCatalogTarget`, and
//! `CatalogTarget` on a Delta table. The rows are written as data files and committed with the
//! run's other targets as one Delta commit; `AdditionalOptions` `writeMode` `overwrite` replaces
//! the table's rows (with `partitionOverwriteMode` `dynamic`, those of the partitions written), `upsert` and `cdc` (with `upsertKeys`) merge rows or Debezium change events
//! into them (the engine's `job::merge`), committed as one commit that fails if another writer
//! committed while the run ran. A table that does not exist is created (partitioned by
//! `PartitionKeys`) by the commit, and a catalog target registers it in the catalog.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use datafusion::catalog::TableProvider;
use datafusion::prelude::{DataFrame, SessionContext};
use deltalake_core::logstore::{LogStoreRef, ObjectStoreRef};
use deltalake_core::parquet::basic::Compression;
use deltalake_core::DeltaTable;
use serde_json::{json, Value};
use weir_engine::catalog::{self, CatalogClient};
use weir_engine::job::extension::{
    ConnectorIo, NodeConnector, PendingWrite, ProviderFuture, ReadFuture, WriteFuture,
};
use weir_engine::job::graph::Node;
use weir_engine::job::merge::{self, WriteMode};
use weir_engine::EngineError;

use crate::error::{Error, Result};
use crate::glue;
use crate::storage::{Deltas, Version};
use crate::write::{self, Change, Layout, Written};

/// Reads and writes Delta tables in visual jobs.
pub struct DeltaConnector {
    deltas: Deltas,
}

impl DeltaConnector {
    pub fn new(deltas: Deltas) -> Arc<DeltaConnector> {
        Arc::new(DeltaConnector { deltas })
    }
}

impl NodeConnector for DeltaConnector {
    fn source_types(&self) -> &'static [&'static str] {
        &["S3DeltaSource", "CatalogDeltaSource"]
    }

    fn target_types(&self) -> &'static [&'static str] {
        &["S3DeltaDirectTarget", "S3DeltaCatalogTarget"]
    }

    fn holds_table(&self, table: &Value) -> bool {
        glue::is_delta(table)
    }

    fn table_provider<'a>(
        &'a self,
        table: &'a Value,
        _catalog: &'a dyn CatalogClient,
    ) -> ProviderFuture<'a> {
        Box::pin(async move {
            let location = glue::location(table).ok_or("the Delta table has no location")?;
            let table = self
                .deltas
                .open(location)
                .await
                .map_err(|e| e.to_string())?;
            provider(&table).await.map_err(|e| e.to_string())
        })
    }

    fn read<'a>(
        &'a self,
        ctx: &'a SessionContext,
        node: &'a Node,
        io: ConnectorIo<'a>,
    ) -> ReadFuture<'a> {
        Box::pin(async move {
            let at = |e: Error| at_node(node, e);
            let location = match node.node_type.as_str() {
                "S3DeltaSource" => {
                    let paths = weir_engine::job::graph::strings(node.fields.get("Paths"));
                    match paths.as_slice() {
                        [path] => path.clone(),
                        [] => {
                            return Err(at(Error::invalid(
                                "Paths must name the Delta table's folder",
                            )))
                        }
                        _ => {
                            return Err(at(Error::invalid(
                                "Paths must name one Delta table's folder, not several",
                            )))
                        }
                    }
                }
                _ => {
                    let (database, table) = io.node_table(node).await?;
                    let table = table.ok_or_else(|| {
                        at(Error::NotATable(format!(
                            "table {database}.{} does not exist",
                            node.str("Table").unwrap_or_default()
                        )))
                    })?;
                    delta_location(&database, &table).map_err(at)?
                }
            };
            let version = version_option(node).map_err(at)?;
            let table = self.deltas.open_at(&location, version).await.map_err(at)?;
            let provider = provider(&table).await.map_err(at)?;
            ctx.read_table(provider).map_err(|e| at(e.into()))
        })
    }

    fn write<'a>(
        &'a self,
        ctx: &'a SessionContext,
        node: &'a Node,
        io: ConnectorIo<'a>,
        input: DataFrame,
    ) -> WriteFuture<'a> {
        Box::pin(async move {
            let at = |e: Error| at_node(node, e);
            let (location, register) = self.target_location(node, &io).await?;
            let log_store = self.deltas.log_store(&location).map_err(at)?;
            let store = log_store.object_store(None);
            let existing = if log_store
                .is_delta_table_location()
                .await
                .map_err(|e| at(e.into()))?
            {
                Some(self.deltas.open(&location).await.map_err(at)?)
            } else {
                None
            };
            let layout = match &existing {
                Some(table) => Layout::of(table).map_err(at)?,
                None => {
                    let partitions = node
                        .paths("PartitionKeys")
                        .iter()
                        .map(|k| k.join("."))
                        .collect();
                    Layout::for_rows(input.schema().as_arrow(), partitions).map_err(at)?
                }
            };
            let layout = layout.with_compression(compression(node).map_err(at)?);
            let label = format!("Delta table {location}");
            let mode = WriteMode::of(node).map_err(|e| at(e.into()))?;
            // New input columns join the table's schema when the node says so (not for change
            // events, whose columns are the envelope's).
            let evolved = match (&existing, &mode) {
                (Some(_), WriteMode::Merge(merge::Merge::ChangeEvents { .. })) => None,
                (Some(_), _) if merges_schema(node) => {
                    layout.with_new_columns(input.schema().as_arrow())
                }
                _ => None,
            };
            let layout = evolved.clone().unwrap_or(layout);
            let rows = match (&mode, &existing) {
                (WriteMode::Merge(how), Some(table)) => {
                    let current = ctx
                        .read_table(provider(table).await.map_err(at)?)
                        .map_err(|e| at(e.into()))?;
                    merge::merged(current, input, how, &layout.schema, &label)
                        .map_err(|e| at(e.into()))?
                }
                (WriteMode::Merge(_), None) => {
                    return Err(at(Error::NotATable(format!(
                    "{label} does not exist: upserts and change events apply to an existing table"
                ))))
                }
                _ => merge::conform(input, &layout.schema, &label).map_err(|e| at(e.into()))?,
            };
            let written = write::data_files(store.clone(), &layout, rows)
                .await
                .map_err(at)?;
            let change = match mode {
                WriteMode::Append => Change::Append,
                WriteMode::OverwritePartitions => Change::ReplacePartitions,
                WriteMode::Overwrite | WriteMode::Merge(_) => Change::Replace,
            };
            Ok(Box::new(PendingCommit {
                node: node.id.clone(),
                location,
                target: match existing {
                    Some(table) => Target::Existing(Box::new(table)),
                    None => Target::New { log_store, layout },
                },
                register,
                written,
                change,
                evolved,
                store,
            }) as Box<dyn PendingWrite>)
        })
    }
}

impl DeltaConnector {
    /// The folder a target writes, and the catalog table to register there if it is not in the
    /// catalog yet.
    async fn target_location(
        &self,
        node: &Node,
        io: &ConnectorIo<'_>,
    ) -> Result<(String, Option<Registration>), EngineError> {
        let at = |e: Error| at_node(node, e);
        if node.node_type == "S3DeltaDirectTarget" {
            if let Some(format) = node.str("Format").filter(|f| *f != "delta") {
                return Err(at(Error::invalid(format!(
                    "Format '{format}' is not delta: an S3DeltaDirectTarget writes a Delta table"
                ))));
            }
            return Ok((node.required_str("Path")?.to_string(), None));
        }
        let (database, table) = io.node_table(node).await?;
        match table {
            Some(table) => Ok((
                delta_location(&database, &table).map_err(at)?,
                io.catalog.clone().map(|client| Registration {
                    client,
                    database,
                    name: table["Name"].as_str().unwrap_or_default().to_string(),
                    current: Some(table.clone()),
                }),
            )),
            None => {
                let client = io.catalog_for(node)?;
                let name = node.required_str("Table")?.to_string();
                let found = catalog::call(
                    client.as_ref(),
                    &node.id,
                    "GetDatabase",
                    json!({ "Name": database }),
                )
                .await?;
                let location = self.deltas.default_location(&found["Database"], &name);
                Ok((
                    location,
                    Some(Registration {
                        client,
                        database,
                        name,
                        current: None,
                    }),
                ))
            }
        }
    }
}

/// The folder of a catalog table that must be a Delta table.
fn delta_location(database: &str, table: &Value) -> Result<String> {
    let name = table["Name"].as_str().unwrap_or_default();
    if !glue::is_delta(table) {
        return Err(Error::invalid(format!(
            "table {database}.{name} is not a Delta table"
        )));
    }
    glue::location(table)
        .map(str::to_string)
        .ok_or_else(|| Error::invalid(format!("Delta table {database}.{name} has no location")))
}

/// The table as DataFusion reads it (pruned by partitions and statistics).
async fn provider(table: &DeltaTable) -> Result<Arc<dyn TableProvider>> {
    Ok(table.table_provider().await?)
}

/// The version a source's options ask for.
fn version_option(node: &Node) -> Result<Version> {
    let options = node
        .fields
        .get("AdditionalDeltaOptions")
        .or_else(|| node.fields.get("AdditionalOptions"));
    let option = |k: &str| {
        options
            .and_then(|o| o.get(k))
            .and_then(|v| match v {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
    };
    if let Some(version) = option("versionAsOf") {
        let number: u64 = version.parse().ok().ok_or_else(|| {
            Error::invalid(format!("versionAsOf '{version}' is not a version number"))
        })?;
        return Ok(Version::Number(number));
    }
    if let Some(at) = option("timestampAsOf") {
        return Ok(Version::AsOf(timestamp(&at).ok_or_else(|| {
            Error::invalid(format!(
                "timestampAsOf '{at}' is not a timestamp (e.g. 2024-05-01 12:00:00, or a date)"
            ))
        })?));
    }
    Ok(Version::Newest)
}

/// A timestamp as Spark's `timestampAsOf` takes it (UTC unless it names an offset).
fn timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(at.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
}

/// Whether new input columns join the table's schema: `AdditionalOptions` `mergeSchema`
/// `true` (Delta's writer option), or a `SchemaChangePolicy` updating the catalog
/// (`EnableUpdateCatalog` with `UpdateBehavior` `UPDATE_IN_DATABASE`).
fn merges_schema(node: &Node) -> bool {
    let option = node
        .fields
        .get("AdditionalOptions")
        .and_then(|o| o.get("mergeSchema"))
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let policy = node.fields.get("SchemaChangePolicy");
    let updates = policy
        .and_then(|p| p.get("EnableUpdateCatalog"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
        && policy
            .and_then(|p| p.get("UpdateBehavior"))
            .and_then(Value::as_str)
            == Some("UPDATE_IN_DATABASE");
    option || updates
}

/// How a direct target compresses its data files (`Compression`: `snappy`, the default, or
/// `uncompressed`).
fn compression(node: &Node) -> Result<Compression> {
    match node.str("Compression") {
        None | Some("snappy") => Ok(Compression::SNAPPY),
        Some("uncompressed") => Ok(Compression::UNCOMPRESSED),
        Some(other) => Err(Error::invalid(format!(
            "Compression '{other}' is not snappy or uncompressed"
        ))),
    }
}

/// A node's error, naming the node.
fn at_node(node: &Node, e: Error) -> EngineError {
    match e {
        Error::Execution(source) => EngineError::Execution {
            node: node.id.clone(),
            source,
        },
        other => EngineError::invalid(&node.id, format!("{}: {other}", node.node_type)),
    }
}

/// The catalog table of a target: to create (`current` none), or to keep true to a changed
/// schema.
struct Registration {
    client: Arc<dyn CatalogClient>,
    database: String,
    name: String,
    current: Option<Value>,
}

impl Registration {
    /// Creates (`CreateTable`) or updates (`UpdateTable`) the catalog table for the layout.
    async fn save(&self, location: &str, layout: &Layout, operation: &str) -> Result<()> {
        let input = glue::table_input(
            &self.name,
            location,
            &layout.schema,
            &layout.partition_columns,
            self.current.as_ref(),
        );
        self.client
            .call(
                operation,
                json!({ "DatabaseName": self.database, "TableInput": input }),
            )
            .await?;
        Ok(())
    }
}

enum Target {
    Existing(Box<DeltaTable>),
    New {
        log_store: LogStoreRef,
        layout: Layout,
    },
}

/// Data files written, to be committed as one Delta commit when the run commits.
struct PendingCommit {
    node: String,
    location: String,
    target: Target,
    register: Option<Registration>,
    written: Written,
    change: Change,
    /// The table's layout with the input's new columns, when they join its schema.
    evolved: Option<Layout>,
    store: ObjectStoreRef,
}

impl PendingWrite for PendingCommit {
    fn rows(&self) -> u64 {
        self.written.rows
    }

    fn commit(
        self: Box<Self>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = weir_engine::Result<()>> + Send>> {
        Box::pin(async move {
            let PendingCommit {
                node,
                location,
                target,
                register,
                written,
                change,
                evolved,
                store,
            } = *self;
            let fail = |e: Error| {
                EngineError::invalid(&node, format!("commit to Delta table {location}: {e}"))
            };
            // A catalog table is created first: a concurrent creator makes this run fail before
            // the Delta table exists.
            let created = match (&register, &target) {
                (Some(r), _) if r.current.is_none() => {
                    let layout = match &target {
                        Target::Existing(table) => Layout::of(table).map_err(fail)?,
                        Target::New { layout, .. } => layout.clone(),
                    };
                    if let Err(e) = r.save(&location, &layout, "CreateTable").await {
                        write::delete(&store, &written.adds).await;
                        return Err(fail(e));
                    }
                    true
                }
                _ => false,
            };
            let committed = match &target {
                Target::Existing(table) => write::commit(table, &written, change, evolved.as_ref())
                    .await
                    .map(|_| ()),
                Target::New { log_store, layout } => {
                    let name = register.as_ref().map_or("", |r| r.name.as_str());
                    write::create(log_store.clone(), name, layout, &written)
                        .await
                        .map(|_| ())
                }
            };
            if let Err(e) = committed {
                write::delete(&store, &written.adds).await;
                if let (true, Some(r)) = (created, &register) {
                    let _ = r
                        .client
                        .call(
                            "DeleteTable",
                            json!({ "DatabaseName": r.database, "Name": r.name }),
                        )
                        .await;
                }
                return Err(fail(e));
            }
            // The catalog's columns follow a schema that gained columns.
            if let (Some(r), Some(layout)) = (&register, &evolved) {
                if r.current.is_some() {
                    if let Err(e) = r.save(&location, layout, "UpdateTable").await {
                        tracing::warn!(table = %format!("{}.{}", r.database, r.name), error = %e,
                            "the Delta table's new columns were committed, the catalog's columns not updated");
                    }
                }
            }
            Ok(())
        })
    }

    fn abort(self: Box<Self>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async move {
            write::delete(&self.store, &self.written.adds).await;
        })
    }
}
