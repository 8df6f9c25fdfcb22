//! The visual jobs' JDBC nodes, as a connector the engine runs ([`NodeConnector`]).
//!
//! Sources: `PostgreSQLCatalogSource`, `MySQLCatalogSource`, `RelationalCatalogSource` and
//! `CatalogSource` on a table a JDBC crawler catalogued (the table's `connectionName`
//! parameter names the connection and its `StorageDescriptor.Location` the database table);
//! `DirectJDBCSource` (`ConnectionName` and `Table`); `JDBCConnectorSource` (`ConnectionTable`
//! or `Query`, and `AdditionalOptions`: `FilterPredicate`, `PartitionColumn` with `LowerBound`,
//! `UpperBound` and `NumPartitions`, `JobBookmarkKeys` and `JobBookmarkKeysSortOrder`,
//! `DataTypeMapping` from the JDBC type a driver reports to a Glue type). A
//! catalog table's parameters `hashfield` or `hashexpression` with `hashpartitions` split its
//! reads as Glue's do.
//!
//! Targets: `PostgreSQLCatalogTarget`, `MySQLCatalogTarget`, `CatalogTarget` on such a table,
//! and `JDBCConnectorTarget` (`ConnectionTable`; `AdditionalOptions` `writeMode` = `append`,
//! `overwrite` or `upsert` with `upsertKeys`). Each writes in one transaction, committed with
//! the run's other targets.
//!
//! With job bookmarks enabled, a source reads the rows past the bookmark keys' values of the
//! last row it read before (keys: `JobBookmarkKeys`, else the table's primary key; ascending
//! unless `JobBookmarkKeysSortOrder` is `DESC`), and records the last row's.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::prelude::{DataFrame, SessionContext};
use serde_json::Value;
use weir_engine::catalog::{self, CatalogClient};
use weir_engine::job::bookmark::RunBookmarks;
use weir_engine::job::extension::{
    ConnectorIo, NodeConnector, PendingWrite, ProviderFuture, ReadFuture, WriteFuture,
};
use weir_engine::job::graph::Node;
use weir_engine::EngineError;

use crate::connection::{JdbcConnection, Session};
use crate::dialect::Dialect;
use crate::error::Error;
use crate::read::{self, text_rows, where_clause, Partitioning, ReadSpec, Relation};
use crate::write::{self, PendingInsert, WriteMode};

/// Glue's default `hashpartitions`.
const DEFAULT_HASH_PARTITIONS: u64 = 7;

/// Reads and writes JDBC databases in visual jobs.
pub struct JdbcConnector;

impl JdbcConnector {
    pub fn new() -> Arc<JdbcConnector> {
        Arc::new(JdbcConnector)
    }
}

/// Whether a catalog table is a database table reached through a connection.
pub fn is_jdbc_table(table: &Value) -> bool {
    let param = |k: &str| {
        table
            .pointer(&format!("/Parameters/{k}"))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    param("connectionName").is_some()
        && param("classification").is_some_and(|c| Dialect::from_connection_type(c).is_some())
}

impl NodeConnector for JdbcConnector {
    fn source_types(&self) -> &'static [&'static str] {
        &[
            "PostgreSQLCatalogSource",
            "MySQLCatalogSource",
            "RelationalCatalogSource",
            "DirectJDBCSource",
            "JDBCConnectorSource",
        ]
    }

    fn target_types(&self) -> &'static [&'static str] {
        &[
            "PostgreSQLCatalogTarget",
            "MySQLCatalogTarget",
            "JDBCConnectorTarget",
        ]
    }

    fn holds_table(&self, table: &Value) -> bool {
        is_jdbc_table(table)
    }

    fn table_provider<'a>(
        &'a self,
        table: &'a Value,
        catalog: &'a dyn CatalogClient,
    ) -> ProviderFuture<'a> {
        Box::pin(async move {
            let source = table_source(catalog, table)
                .await
                .map_err(|e| e.to_string())?;
            let spec = source.spec();
            let (provider, _) = read::table(spec).await.map_err(|e| e.to_string())?;
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
            let source = Source::of(node, &io).await?;
            let mut spec = source.spec();
            if let Some(bookmarks) = io.bookmarks.filter(|b| b.filters()) {
                let mut session = spec.connection.open().await.map_err(at)?;
                let narrowed = async {
                    let keys = match source.bookmark_keys {
                        Some(keys) => keys,
                        None => primary_key(&mut session, &spec).await?,
                    };
                    if keys.is_empty() {
                        return Err(Error::invalid(format!(
                            "job bookmarks need JobBookmarkKeys, or a primary key on {}",
                            spec.relation.describe()
                        )));
                    }
                    let mark = Mark {
                        node: &node.id,
                        bookmarks,
                        keys: &keys,
                        descending: source.descending,
                    };
                    mark.narrow(&mut session, &mut spec).await
                }
                .await;
                session.close().await;
                narrowed.map_err(at)?;
            }
            let (table, _) = read::table(spec).await.map_err(at)?;
            ctx.read_table(Arc::new(table))
                .map_err(|e| EngineError::Execution {
                    node: node.id.clone(),
                    source: e,
                })
        })
    }

    fn write<'a>(
        &'a self,
        _ctx: &'a SessionContext,
        node: &'a Node,
        io: ConnectorIo<'a>,
        input: DataFrame,
    ) -> WriteFuture<'a> {
        Box::pin(async move {
            let target = Target::of(node, &io).await?;
            let schema = input.schema().as_arrow().clone();
            let stream = input
                .execute_stream()
                .await
                .map_err(|e| EngineError::Execution {
                    node: node.id.clone(),
                    source: e,
                })?;
            let pending = write::write(
                &target.connection,
                &target.table,
                &target.mode,
                &schema,
                stream,
            )
            .await
            .map_err(|e| at_node(node, e))?;
            Ok(Box::new(Pending {
                insert: pending,
                node: node.id.clone(),
            }) as Box<dyn PendingWrite>)
        })
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

/// What a source node reads.
struct Source {
    connection: JdbcConnection,
    relation: Relation,
    filter: Option<String>,
    partitioning: Partitioning,
    type_mapping: Vec<(String, String)>,
    bookmark_keys: Option<Vec<String>>,
    descending: bool,
}

impl Source {
    /// The read, without the bookmark.
    fn spec(&self) -> ReadSpec {
        ReadSpec {
            connection: self.connection.clone(),
            relation: self.relation.clone(),
            filter: self.filter.clone(),
            partitioning: self.partitioning.clone(),
            type_mapping: self.type_mapping.clone(),
        }
    }

    async fn of(node: &Node, io: &ConnectorIo<'_>) -> Result<Source, EngineError> {
        let options = node.fields.get("AdditionalOptions");
        let option = |k: &str| options.and_then(|o| o.get(k));
        let text = |k: &str| {
            option(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let number = |k: &str| option(k).and_then(Value::as_i64);
        match node.node_type.as_str() {
            "JDBCConnectorSource" => {
                let connection = named_connection(node, io).await?;
                let relation = match (node.str("ConnectionTable"), node.str("Query")) {
                    (Some(_), Some(_)) => {
                        return Err(EngineError::invalid(
                            &node.id,
                            "JDBCConnectorSource: give ConnectionTable or Query, not both",
                        ))
                    }
                    (Some(table), None) => Relation::Table(table.to_string()),
                    (None, Some(query)) => Relation::Query(query.to_string()),
                    (None, None) => {
                        return Err(EngineError::invalid(
                            &node.id,
                            "JDBCConnectorSource needs ConnectionTable or Query",
                        ))
                    }
                };
                let partitioning = match text("PartitionColumn") {
                    None => Partitioning::Single,
                    Some(column) => {
                        let need = |k: &str| {
                            number(k).ok_or_else(|| {
                                EngineError::invalid(
                                    &node.id,
                                    format!("JDBCConnectorSource.AdditionalOptions.PartitionColumn needs {k}"),
                                )
                            })
                        };
                        let (lower, upper, n) = (
                            need("LowerBound")?,
                            need("UpperBound")?,
                            need("NumPartitions")?,
                        );
                        if upper < lower || n < 1 {
                            return Err(EngineError::invalid(
                                &node.id,
                                format!("JDBCConnectorSource.AdditionalOptions: LowerBound {lower}, UpperBound {upper} and NumPartitions {n} make no partitions (LowerBound ≤ UpperBound, NumPartitions ≥ 1)"),
                            ));
                        }
                        Partitioning::Range {
                            column,
                            lower,
                            upper,
                            n: n as u64,
                        }
                    }
                };
                let keys: Vec<String> = option("JobBookmarkKeys")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                let descending = match text("JobBookmarkKeysSortOrder").map(|o| o.to_ascii_uppercase()) {
                    None => false,
                    Some(o) if o == "ASC" || o == "ASCENDING" => false,
                    Some(o) if o == "DESC" || o == "DESCENDING" => true,
                    Some(o) => {
                        return Err(EngineError::invalid(
                            &node.id,
                            format!("JDBCConnectorSource.AdditionalOptions.JobBookmarkKeysSortOrder '{o}' is not ASC or DESC"),
                        ))
                    }
                };
                let type_mapping = option("DataTypeMapping")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(from, to)| Some((from.clone(), to.as_str()?.to_string())))
                    .collect();
                Ok(Source {
                    connection,
                    relation,
                    type_mapping,
                    filter: text("FilterPredicate"),
                    partitioning,
                    bookmark_keys: (!keys.is_empty()).then_some(keys),
                    descending,
                })
            }
            "DirectJDBCSource" => Ok(Source {
                connection: named_connection(node, io).await?,
                relation: Relation::Table(node.required_str("Table")?.to_string()),
                filter: None,
                type_mapping: Vec::new(),
                partitioning: Partitioning::Single,
                bookmark_keys: None,
                descending: false,
            }),
            _ => {
                let table = catalog_table(node, io).await?;
                table_source(catalog_of(node, io)?, &table)
                    .await
                    .map_err(|e| at_node(node, e))
            }
        }
    }
}

/// What a JDBC catalog table reads: its connection (in the database its location names), the
/// table, and the split its parameters ask for (`hashexpression` or `hashfield`, with
/// `hashpartitions`), and its bookmark keys (`jobBookmarkKeys`).
async fn table_source(client: &dyn CatalogClient, table: &Value) -> crate::Result<Source> {
    let (connection, location) = table_connection(client, table).await?;
    let param = |k: &str| {
        table
            .pointer(&format!("/Parameters/{k}"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let n = match param("hashpartitions") {
        None => DEFAULT_HASH_PARTITIONS,
        Some(p) => p.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            Error::invalid(format!(
                "the table's parameter hashpartitions '{p}' is not a positive number"
            ))
        })?,
    };
    let partitioning = match (param("hashexpression"), param("hashfield")) {
        (Some(expression), _) => Partitioning::HashExpression {
            expression: expression.to_string(),
            n,
        },
        (None, Some(column)) => Partitioning::HashField {
            column: column.to_string(),
            n,
        },
        (None, None) => Partitioning::Single,
    };
    let keys = param("jobBookmarkKeys").map(|k| {
        k.trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    });
    Ok(Source {
        connection,
        relation: Relation::Table(location),
        filter: None,
        partitioning,
        type_mapping: Vec::new(),
        bookmark_keys: keys,
        descending: param("jobBookmarkKeysSortOrder")
            .is_some_and(|o| o.eq_ignore_ascii_case("desc")),
    })
}

/// What a target node writes.
struct Target {
    connection: JdbcConnection,
    table: String,
    mode: WriteMode,
}

impl Target {
    async fn of(node: &Node, io: &ConnectorIo<'_>) -> Result<Target, EngineError> {
        if node.node_type == "JDBCConnectorTarget" {
            let options = node.fields.get("AdditionalOptions");
            let option = |k: &str| {
                options
                    .and_then(|o| o.get(k))
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
            };
            let keys: Vec<String> = option("upsertKeys")
                .map(|k| {
                    k.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let mode = match option("writeMode").map(str::to_ascii_lowercase).as_deref() {
                None | Some("append") => WriteMode::Append,
                Some("overwrite") => WriteMode::Overwrite,
                Some("upsert") if !keys.is_empty() => WriteMode::Upsert(keys),
                Some("upsert") => {
                    return Err(EngineError::invalid(
                        &node.id,
                        "JDBCConnectorTarget.AdditionalOptions: writeMode upsert needs upsertKeys (the key columns, comma-separated)",
                    ))
                }
                Some(other) => {
                    return Err(EngineError::invalid(
                        &node.id,
                        format!("JDBCConnectorTarget.AdditionalOptions.writeMode '{other}' is not one of append, overwrite, upsert"),
                    ))
                }
            };
            return Ok(Target {
                connection: named_connection(node, io).await?,
                table: node.required_str("ConnectionTable")?.to_string(),
                mode,
            });
        }
        let table = catalog_table(node, io).await?;
        let (connection, location) = table_connection(catalog_of(node, io)?, &table)
            .await
            .map_err(|e| at_node(node, e))?;
        Ok(Target {
            connection,
            table: location,
            mode: WriteMode::Append,
        })
    }
}

/// The catalog, or an error saying the node needs one.
fn catalog_of<'b>(
    node: &Node,
    io: &'b ConnectorIo<'_>,
) -> Result<&'b dyn CatalogClient, EngineError> {
    io.catalog.as_deref().ok_or_else(|| {
        EngineError::invalid(
            &node.id,
            format!(
                "{} needs a catalog (for its connection), and this run has none",
                node.node_type
            ),
        )
    })
}

/// The connection a node names in `ConnectionName`.
async fn named_connection(
    node: &Node,
    io: &ConnectorIo<'_>,
) -> Result<JdbcConnection, EngineError> {
    let name = node.required_str("ConnectionName")?;
    JdbcConnection::named(catalog_of(node, io)?, name)
        .await
        .map_err(|e| at_node(node, e))
}

/// The catalog table a catalog node names (given by the engine for generic catalog nodes).
async fn catalog_table(node: &Node, io: &ConnectorIo<'_>) -> Result<Value, EngineError> {
    if let Some(table) = io.table {
        return Ok(table.clone());
    }
    let (database, name) = (node.required_str("Database")?, node.required_str("Table")?);
    catalog::node_table(
        catalog_of(node, io)?,
        &node.id,
        &node.node_type,
        database,
        name,
    )
    .await
}

/// A JDBC catalog table's connection (in the database its location names) and its table name
/// in that database.
async fn table_connection(
    client: &dyn CatalogClient,
    table: &Value,
) -> crate::Result<(JdbcConnection, String)> {
    let table_name = table
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let invalid = |m: &str| Error::invalid(format!("table {table_name} {m}"));
    let name = table
        .pointer("/Parameters/connectionName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("has no connectionName parameter: it is not a JDBC table"))?;
    let location = table
        .pointer("/StorageDescriptor/Location")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| {
            invalid(
                "has no StorageDescriptor.Location (the database table, e.g. sourcedb.cx.customer)",
            )
        })?;
    let connection = JdbcConnection::named(client, name).await?;
    let parts: Vec<&str> = location.split('.').collect();
    let connection = match (connection.dialect, parts.as_slice()) {
        (Dialect::Postgres, [database, _, _]) if *database != connection.database => {
            connection.in_database(database)
        }
        _ => connection,
    };
    Ok((connection, location.to_string()))
}

/// The relation's primary key columns, in key order.
async fn primary_key(session: &mut Session, spec: &ReadSpec) -> crate::Result<Vec<String>> {
    let Relation::Table(name) = &spec.relation else {
        return Ok(Vec::new());
    };
    let dialect = spec.connection.dialect;
    let sql = match dialect {
        Dialect::Postgres => format!(
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = {}::regclass AND i.indisprimary \
             ORDER BY array_position(i.indkey::int2[], a.attnum)",
            dialect.literal(&dialect.table(name))
        ),
        Dialect::MySql => {
            let parts: Vec<&str> = name.split('.').collect();
            let (schema, table) = match parts.as_slice() {
                [schema, table] => (
                    dialect.literal(schema.trim_matches('`')),
                    dialect.literal(table.trim_matches('`')),
                ),
                _ => (
                    "DATABASE()".to_string(),
                    dialect.literal(name.trim_matches('`')),
                ),
            };
            format!(
                "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE \
                 WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {table} AND CONSTRAINT_NAME = 'PRIMARY' \
                 ORDER BY ORDINAL_POSITION"
            )
        }
    };
    let rows = text_rows(session, &sql, 1).await;
    let rows =
        rows.map_err(|e| Error::database(format!("finding the primary key of table {name}"), e))?;
    Ok(rows.into_iter().flatten().collect())
}

/// A source's job bookmark in this run.
struct Mark<'a> {
    node: &'a str,
    bookmarks: &'a RunBookmarks,
    keys: &'a [String],
    descending: bool,
}

impl Mark<'_> {
    /// Narrows the read to the rows past the bookmark and up to the last row now there, and
    /// records that row's keys.
    async fn narrow(&self, session: &mut Session, spec: &mut ReadSpec) -> crate::Result<()> {
        let (keys, descending) = (self.keys, self.descending);
        let dialect = spec.connection.dialect;
        let tuple = |values: Vec<String>| format!("({})", values.join(", "));
        let key_tuple = tuple(keys.iter().map(|k| dialect.quote(k)).collect());
        let (past, upto) = match descending {
            false => (">", "<="),
            true => ("<", ">="),
        };
        let mut conditions: Vec<String> = spec.filter.iter().cloned().collect();
        let previous = self.bookmarks.processed_keys(self.node);
        if let Some(previous) = previous {
            if previous.len() != keys.len() {
                return Err(Error::invalid(format!(
                    "the job's bookmark holds {} key values, and the source has {} bookmark keys: reset the job bookmark after changing the keys",
                    previous.len(),
                    keys.len()
                )));
            }
            let values = previous.iter().map(|v| dialect.literal(v)).collect();
            conditions.push(format!("{key_tuple} {past} {}", tuple(values)));
        }
        let order: Vec<String> = keys
            .iter()
            .map(|k| {
                format!(
                    "{} {}",
                    dialect.quote(k),
                    if descending { "ASC" } else { "DESC" }
                )
            })
            .collect();
        let selected: Vec<String> = keys.iter().map(|k| dialect.as_text(k)).collect();
        let sql = format!(
            "SELECT {} FROM {}{} ORDER BY {} LIMIT 1",
            selected.join(", "),
            spec.relation.sql(dialect),
            where_clause(&conditions),
            order.join(", ")
        );
        let last = text_rows(session, &sql, keys.len()).await.map_err(|e| {
            Error::database(
                format!(
                    "finding the bookmark keys' last values in {}",
                    spec.relation.describe()
                ),
                e,
            )
        })?;
        match last.into_iter().next() {
            Some(values) => {
                let literals = values.iter().map(|v| dialect.literal(v)).collect();
                conditions.push(format!("{key_tuple} {upto} {}", tuple(literals)));
                self.bookmarks.record_keys(self.node, values);
            }
            None => {
                // Nothing new: the bookmark stays where it was.
                if let Some(previous) = previous {
                    self.bookmarks.record_keys(self.node, previous.to_vec());
                }
                conditions.push("1 = 0".into());
            }
        }
        spec.filter = Some(conditions.join(") AND ("));
        Ok(())
    }
}

/// A JDBC target's open transaction, as the engine commits it.
struct Pending {
    insert: PendingInsert,
    node: String,
}

impl PendingWrite for Pending {
    fn rows(&self) -> u64 {
        self.insert.rows()
    }

    fn commit(
        self: Box<Self>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = weir_engine::Result<()>> + Send>> {
        Box::pin(async move {
            let node = self.node;
            self.insert
                .commit()
                .await
                .map_err(|e| EngineError::invalid(node, e.to_string()))
        })
    }

    fn abort(self: Box<Self>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(self.insert.abort())
    }
}
