//! The visual jobs' Iceberg nodes, as a connector the engine runs ([`NodeConnector`]).
//!
//! Sources: `S3CatalogIcebergSource`, `CatalogIcebergSource`, and `CatalogSource` on an Iceberg
//! table (pruned by partition and file statistics). `AdditionalIcebergOptions` (or
//! `AdditionalOptions`) `snapshot-id` reads that snapshot, `as-of-timestamp` (milliseconds since
//! the epoch) the snapshot current then.
//!
//! Targets: `S3IcebergCatalogTarget`, `S3IcebergDirectTarget` (the table its
//! `SchemaChangePolicy` names, created at its `Path`), and `CatalogTarget` on an Iceberg table:
//! the rows are
//! appended as one snapshot, committed with the run's other targets (with `AdditionalOptions`
//! `writeMode` = `overwrite`, they replace the table's rows — with `partitionOverwriteMode`
//! `dynamic`, only those of the partitions written; `upsert` and `cdc`, with
//! `upsertKeys`, merge rows or Debezium change events into them (`weir_engine::job::merge`) — each as
//! one `overwrite` snapshot that fails if another writer committed while the run ran). A table that does not
//! exist yet is created from the rows' schema (partitioned by `PartitionKeys`, identity) in the
//! same commit, under its database's location, else the warehouse.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::prelude::{DataFrame, SessionContext};
use iceberg::arrow::arrow_schema_to_schema_auto_assign_ids;
use iceberg::spec::{TableMetadata, TableMetadataBuilder, Transform, UnboundPartitionSpec};
use iceberg::table::Table;
use iceberg::{NamespaceIdent, TableCreation, TableIdent};
use iceberg_datafusion::IcebergStaticTableProvider;
use serde_json::Value;
use weir_engine::catalog::{self, CatalogClient};
use weir_engine::job::extension::{
    ConnectorIo, NodeConnector, PendingWrite, ProviderFuture, ReadFuture, WriteFuture,
};
use weir_engine::job::graph::Node;
use weir_engine::job::merge::{self, WriteMode};
use weir_engine::EngineError;

use crate::error::{Error, Result};
use crate::glue;
use crate::tables::Tables;
use crate::write::{self, Written};

/// Reads and writes Iceberg tables in visual jobs.
pub struct IcebergConnector {
    tables: Tables,
}

impl IcebergConnector {
    pub fn new(tables: Tables) -> Arc<IcebergConnector> {
        Arc::new(IcebergConnector { tables })
    }
}

impl NodeConnector for IcebergConnector {
    fn source_types(&self) -> &'static [&'static str] {
        &["S3CatalogIcebergSource", "CatalogIcebergSource"]
    }

    fn target_types(&self) -> &'static [&'static str] {
        &["S3IcebergCatalogTarget", "S3IcebergDirectTarget"]
    }

    fn holds_table(&self, table: &Value) -> bool {
        glue::is_iceberg(table)
    }

    fn table_provider<'a>(
        &'a self,
        table: &'a Value,
        _catalog: &'a dyn CatalogClient,
    ) -> ProviderFuture<'a> {
        Box::pin(async move {
            let database = table["DatabaseName"].as_str().unwrap_or_default();
            let table = self
                .tables
                .of_glue_table(database, table)
                .await
                .map_err(|e| e.to_string())?;
            let provider = IcebergStaticTableProvider::try_new_from_table(table)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Arc::new(provider) as Arc<dyn TableProvider>)
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
            let (database, glue_table) = io.node_table(node).await?;
            let glue_table = glue_table.ok_or_else(|| {
                at(Error::NoSuchTable(format!(
                    "table {database}.{} does not exist",
                    node.str("Table").unwrap_or_default()
                )))
            })?;
            let table = self
                .tables
                .of_glue_table(&database, &glue_table)
                .await
                .map_err(at)?;
            let provider = match snapshot_option(node, &table).map_err(at)? {
                Some(snapshot) => {
                    IcebergStaticTableProvider::try_new_from_table_snapshot(table, snapshot).await
                }
                None => IcebergStaticTableProvider::try_new_from_table(table).await,
            }
            .map_err(|e| at(Error::Iceberg(e)))?;
            ctx.read_table(Arc::new(provider))
                .map_err(|e| EngineError::Execution {
                    node: node.id.clone(),
                    source: e,
                })
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
            let client = io.catalog_for(node)?;
            let direct = DirectTarget::of(node).map_err(at)?;
            let (database, glue_table) = match &direct {
                Some(d) => {
                    let found =
                        catalog::find_table(client.as_ref(), &node.id, &d.database, &d.table)
                            .await?;
                    (d.database.clone(), found)
                }
                None => io.node_table(node).await?,
            };
            let name = match (&glue_table, &direct) {
                (Some(t), _) => t["Name"].as_str().unwrap_or_default().to_string(),
                (None, Some(d)) => d.table.clone(),
                (None, None) => node.required_str("Table")?.to_string(),
            };
            let ident = TableIdent::new(NamespaceIdent::new(database.clone()), name.clone());
            let target = match &glue_table {
                Some(t) if !glue::is_iceberg(t) => {
                    return Err(at(Error::bad_request(format!(
                        "table {database}.{name} is not an Iceberg table"
                    ))))
                }
                Some(t) => {
                    Target::Existing(self.tables.of_glue_table(&database, t).await.map_err(at)?)
                }
                None => Target::New(Box::new(
                    self.new_table(client.as_ref(), node, &ident, &input, direct.as_ref())
                        .await
                        .map_err(at)?,
                )),
            };
            let metadata = match &target {
                Target::Existing(table) => table.metadata(),
                Target::New(metadata) => metadata,
            };
            let mode = WriteMode::of(node).map_err(|e| at(e.into()))?;
            let input = match (&mode, &target) {
                (WriteMode::Merge(how), Target::Existing(table)) => {
                    let current = IcebergStaticTableProvider::try_new_from_table(table.clone())
                        .await
                        .map_err(|e| at(Error::Iceberg(e)))?;
                    let current = ctx.read_table(Arc::new(current)).map_err(|e| at(e.into()))?;
                    let schema = iceberg::arrow::schema_to_arrow_schema(metadata.current_schema())
                        .map_err(|e| at(e.into()))?;
                    let label = format!("Iceberg table {ident}");
                    merge::merged(current, input, how, &schema, &label)
                        .map_err(|e| at(e.into()))?
                }
                (WriteMode::Merge(_), Target::New(_)) => {
                    return Err(at(Error::NoSuchTable(format!(
                        "Iceberg table {ident} does not exist: upserts and change events apply to an existing table"
                    ))))
                }
                // Merged rows are conformed already.
                _ => write::conform(input, metadata, &ident.to_string()).map_err(at)?,
            };
            let written = write::data_files(self.tables.file_io(), metadata, input)
                .await
                .map_err(at)?;
            Ok(Box::new(PendingCommit {
                tables: self.tables.clone(),
                client,
                node: node.id.clone(),
                ident,
                target,
                written,
                change: match mode {
                    WriteMode::Append => write::Change::Append,
                    WriteMode::OverwritePartitions => write::Change::ReplacePartitions,
                    WriteMode::Overwrite | WriteMode::Merge(_) => write::Change::Replace,
                },
            }) as Box<dyn PendingWrite>)
        })
    }
}

impl IcebergConnector {
    /// A new table's metadata for the rows: their schema, identity partitions on
    /// `PartitionKeys`, under the direct target's `Path` (else its database's location, else
    /// the warehouse), its data files compressed as the direct target says.
    async fn new_table(
        &self,
        client: &dyn CatalogClient,
        node: &Node,
        ident: &TableIdent,
        input: &DataFrame,
        direct: Option<&DirectTarget>,
    ) -> Result<TableMetadata> {
        let schema = arrow_schema_to_schema_auto_assign_ids(input.schema().as_arrow())?;
        let mut spec = UnboundPartitionSpec::builder().with_spec_id(0);
        for key in node.paths("PartitionKeys") {
            let name = key.join(".");
            let field = schema.field_by_name(&name).ok_or_else(|| {
                Error::bad_request(format!("partition key {name} is not a column of the input"))
            })?;
            spec = spec.add_partition_field(field.id, &name, Transform::Identity)?;
        }
        let namespace = crate::namespaces::load(client, ident.namespace()).await?;
        let location = match direct {
            Some(d) => d.path.trim_end_matches('/').to_string(),
            None => self.tables.default_location(&namespace, ident.name()),
        };
        let mut properties = std::collections::HashMap::new();
        if let Some(codec) = direct.and_then(|d| d.compression.clone()) {
            properties.insert(
                crate::parquet_properties::COMPRESSION_CODEC.to_string(),
                codec,
            );
        }
        let creation = TableCreation {
            name: ident.name().to_string(),
            location: Some(location),
            schema,
            partition_spec: Some(spec.build()),
            sort_order: None,
            properties,
            format_version: iceberg::spec::FormatVersion::V2,
        };
        Ok(TableMetadataBuilder::from_table_creation(creation)?
            .build()?
            .metadata)
    }
}

/// What an `S3IcebergDirectTarget` writes: the catalog table its `SchemaChangePolicy` names
/// (Iceberg tables are kept in the catalog), created at `Path` if it does not exist yet.
struct DirectTarget {
    database: String,
    table: String,
    path: String,
    /// `Compression` as a codec of `write.parquet.compression-codec` (for a new table).
    compression: Option<String>,
}

impl DirectTarget {
    fn of(node: &Node) -> Result<Option<DirectTarget>> {
        if node.node_type != "S3IcebergDirectTarget" {
            return Ok(None);
        }
        if let Some(format) = node.str("Format").filter(|f| *f != "iceberg") {
            return Err(Error::bad_request(format!(
                "Format '{format}' is not iceberg: an S3IcebergDirectTarget writes an Iceberg table"
            )));
        }
        let policy = node.fields.get("SchemaChangePolicy");
        let named = |member: &str| {
            policy
                .and_then(|p| p.get(member))
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (Some(database), Some(table)) = (named("Database"), named("Table")) else {
            return Err(Error::bad_request(
                "SchemaChangePolicy must name the Database and Table of the Iceberg table: Weir keeps Iceberg tables in its catalog",
            ));
        };
        let compression = match node.str("Compression") {
            None => None,
            Some("lzo") => {
                return Err(Error::bad_request(
                    "Compression lzo is not supported for Iceberg data files: use snappy, gzip or uncompressed",
                ))
            }
            Some(codec) => Some(codec.to_string()),
        };
        Ok(Some(DirectTarget {
            database,
            table,
            path: node
                .required_str("Path")
                .map_err(|e| Error::bad_request(e.to_string()))?
                .to_string(),
            compression,
        }))
    }
}

/// The snapshot a source's options ask for.
fn snapshot_option(node: &Node, table: &Table) -> Result<Option<i64>> {
    let options = node
        .fields
        .get("AdditionalIcebergOptions")
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
    let metadata = table.metadata();
    if let Some(id) = option("snapshot-id") {
        let id: i64 = id
            .parse()
            .map_err(|_| Error::bad_request(format!("snapshot-id '{id}' is not a number")))?;
        if metadata.snapshot_by_id(id).is_none() {
            return Err(Error::bad_request(format!(
                "snapshot-id {id}: the table has no such snapshot"
            )));
        }
        return Ok(Some(id));
    }
    if let Some(at) = option("as-of-timestamp") {
        let at: i64 = at.parse().map_err(|_| {
            Error::bad_request(format!(
                "as-of-timestamp '{at}' is not milliseconds since the epoch"
            ))
        })?;
        let snapshot = metadata
            .history()
            .iter()
            .filter(|entry| entry.timestamp_ms <= at)
            .max_by_key(|entry| entry.timestamp_ms)
            .ok_or_else(|| {
                Error::bad_request(format!(
                    "as-of-timestamp {at}: the table has no snapshot that old"
                ))
            })?;
        return Ok(Some(snapshot.snapshot_id));
    }
    Ok(None)
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

enum Target {
    Existing(Table),
    /// A table to create, its metadata built.
    New(Box<TableMetadata>),
}

/// Data files written, to be committed as one snapshot (an append or an overwrite) when the run
/// commits.
struct PendingCommit {
    tables: Tables,
    client: Arc<dyn CatalogClient>,
    node: String,
    ident: TableIdent,
    target: Target,
    written: Written,
    change: write::Change,
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
                tables,
                client,
                node,
                ident,
                target,
                written,
                change,
            } = *self;
            let fail = |e: Error| {
                EngineError::invalid(&node, format!("commit to Iceberg table {ident}: {e}"))
            };
            let (table, created) = match target {
                Target::Existing(table) => (table, false),
                Target::New(metadata) => {
                    match tables
                        .create_with_metadata(client.as_ref(), ident.clone(), *metadata)
                        .await
                    {
                        Ok(table) => (table, true),
                        Err(e) => {
                            write::delete(tables.file_io(), &written.files).await;
                            return Err(fail(e));
                        }
                    }
                }
            };
            let files = written.files.clone();
            let committed = match change {
                write::Change::Append => {
                    write::append(&tables, client.as_ref(), &table, written.files).await
                }
                replace => {
                    write::overwrite(&tables, client.as_ref(), &table, written.files, replace).await
                }
            };
            match committed {
                Ok(_) => Ok(()),
                Err(e) => {
                    write::delete(tables.file_io(), &files).await;
                    if created {
                        if let Err(dropped) = tables.drop(client.as_ref(), &ident, true).await {
                            tracing::warn!(table = %ident, error = %dropped, "a table created for a failed commit was not dropped");
                        }
                    }
                    Err(fail(e))
                }
            }
        })
    }

    fn abort(self: Box<Self>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async move {
            write::delete(self.tables.file_io(), &self.written.files).await;
        })
    }
}
