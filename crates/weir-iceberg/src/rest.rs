//! The Apache Iceberg REST catalog protocol over Weir's catalog: PyIceberg, Spark, Trino and
//! other Iceberg clients use Weir as their catalog (`uri` = `http://HOST:PORT/iceberg`). A
//! namespace is a Glue database; tables are the Iceberg tables of the Glue catalog, whichever
//! way they were created. No HTTP here: the server hands each request's method, path (after
//! `/iceberg`), query and body to [`RestCatalog::handle`] and sends back its [`Reply`].
//!
//! Served: `GET /v1/config`; namespaces (list, create, load, exists, drop, properties);
//! tables (list, create, load, exists, commit, drop with purge, register, rename, metrics
//! reports); multi-table commits (`POST /v1/transactions/commit`, one catalog transaction);
//! views are created, listed, loaded and dropped ([`crate::views`]).

use std::collections::HashMap;

use iceberg::spec::{Schema, SortOrder, UnboundPartitionSpec};
use iceberg::table::Table;
use iceberg::{NamespaceIdent, TableCreation, TableIdent, TableRequirement, TableUpdate};
use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use weir_engine::catalog::CatalogClient;

use crate::error::{Error, Result};
use crate::namespaces;
use crate::tables::Tables;

/// The separator of a multi-level namespace in a URL path (the unit separator).
const NAMESPACE_SEPARATOR: char = '\u{1f}';

/// One request, as the server received it.
pub struct Request<'a> {
    pub method: &'a str,
    /// The path after `/iceberg`, e.g. `/v1/namespaces/sales/tables/orders`.
    pub path: &'a str,
    /// The raw query string.
    pub query: &'a str,
    pub body: &'a [u8],
}

/// The answer: a status and a JSON body (none for 204 and `HEAD`).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body: Some(body),
        }
    }

    fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
        }
    }

    /// An error as the protocol's `ErrorModel`.
    pub fn error(e: &Error) -> Reply {
        let (status, kind) = e.rest_status();
        Reply {
            status,
            body: Some(
                json!({ "error": { "message": e.to_string(), "type": kind, "code": status } }),
            ),
        }
    }
}

/// The operations served, as the config endpoint lists them (`{prefix}` is empty: no prefix).
const ENDPOINTS: &[&str] = &[
    "GET /v1/{prefix}/namespaces",
    "POST /v1/{prefix}/namespaces",
    "GET /v1/{prefix}/namespaces/{namespace}",
    "HEAD /v1/{prefix}/namespaces/{namespace}",
    "DELETE /v1/{prefix}/namespaces/{namespace}",
    "POST /v1/{prefix}/namespaces/{namespace}/properties",
    "GET /v1/{prefix}/namespaces/{namespace}/tables",
    "POST /v1/{prefix}/namespaces/{namespace}/tables",
    "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    "POST /v1/{prefix}/namespaces/{namespace}/register",
    "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics",
    "POST /v1/{prefix}/tables/rename",
    "POST /v1/{prefix}/transactions/commit",
    "GET /v1/{prefix}/namespaces/{namespace}/views",
    "POST /v1/{prefix}/namespaces/{namespace}/views",
    "GET /v1/{prefix}/namespaces/{namespace}/views/{view}",
    "HEAD /v1/{prefix}/namespaces/{namespace}/views/{view}",
    "DELETE /v1/{prefix}/namespaces/{namespace}/views/{view}",
];

/// The Iceberg REST catalog.
#[derive(Clone, Debug)]
pub struct RestCatalog {
    tables: Tables,
}

impl RestCatalog {
    pub fn new(tables: Tables) -> Self {
        RestCatalog { tables }
    }

    /// The Iceberg tables it serves.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Answers one request, calling the catalog as `catalog` (the caller's principal).
    pub async fn handle(&self, catalog: &dyn CatalogClient, request: Request<'_>) -> Reply {
        let is_head = request.method == "HEAD";
        match self.route(catalog, &request).await {
            Ok(reply) if is_head => Reply {
                body: None,
                ..reply
            },
            Ok(reply) => reply,
            Err(e) if is_head => Reply {
                body: None,
                ..Reply::error(&e)
            },
            Err(e) => Reply::error(&e),
        }
    }

    async fn route(&self, catalog: &dyn CatalogClient, request: &Request<'_>) -> Result<Reply> {
        let segments: Vec<String> = request
            .path
            .trim_matches('/')
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let query = Query::parse(request.query);
        let tables = &self.tables;
        match (request.method, segments.as_slice()) {
            ("GET", ["v1", "config"]) => Ok(Reply::ok(json!({
                "defaults": {},
                "overrides": {},
                "endpoints": ENDPOINTS,
            }))),
            ("GET", ["v1", "namespaces"]) => {
                // Namespaces are one level deep: nothing is under another namespace.
                let names = match query.get("parent").filter(|p| !p.is_empty()) {
                    Some(_) => Vec::new(),
                    None => namespaces::list(catalog).await?,
                };
                let names: Vec<Value> = names.into_iter().map(|n| json!([n])).collect();
                Ok(Reply::ok(json!({ "namespaces": names })))
            }
            ("POST", ["v1", "namespaces"]) => {
                #[derive(Deserialize)]
                struct Create {
                    namespace: Vec<String>,
                    #[serde(default)]
                    properties: HashMap<String, String>,
                }
                let body: Create = parse_body(request.body)?;
                let ident = NamespaceIdent::from_vec(body.namespace)?;
                let ns = namespaces::create(catalog, &ident, body.properties).await?;
                Ok(Reply::ok(
                    json!({ "namespace": [ns.name], "properties": ns.properties }),
                ))
            }
            ("GET" | "HEAD", ["v1", "namespaces", ns]) => {
                let ns = namespaces::load(catalog, &namespace(ns)?).await?;
                match request.method {
                    "HEAD" => Ok(Reply::no_content()),
                    _ => Ok(Reply::ok(
                        json!({ "namespace": [ns.name], "properties": ns.properties }),
                    )),
                }
            }
            ("DELETE", ["v1", "namespaces", ns]) => {
                namespaces::drop(catalog, &namespace(ns)?).await?;
                Ok(Reply::no_content())
            }
            ("POST", ["v1", "namespaces", ns, "properties"]) => {
                #[derive(Deserialize)]
                struct Update {
                    #[serde(default)]
                    removals: Vec<String>,
                    #[serde(default)]
                    updates: HashMap<String, String>,
                }
                let body: Update = parse_body(request.body)?;
                let done = namespaces::update_properties(
                    catalog,
                    &namespace(ns)?,
                    body.removals,
                    body.updates,
                )
                .await?;
                Ok(Reply::ok(json!({
                    "updated": done.updated,
                    "removed": done.removed,
                    "missing": done.missing,
                })))
            }
            ("GET", ["v1", "namespaces", ns, "tables"]) => {
                let idents = tables.list(catalog, &namespace(ns)?).await?;
                let idents: Vec<Value> = idents.iter().map(ident_json).collect();
                Ok(Reply::ok(json!({ "identifiers": idents })))
            }
            ("POST", ["v1", "namespaces", ns, "tables"]) => {
                let body: CreateTable = parse_body(request.body)?;
                let staged = body.stage_create;
                let creation = TableCreation {
                    name: body.name,
                    location: body.location.filter(|l| !l.is_empty()),
                    schema: body.schema,
                    partition_spec: body.partition_spec,
                    sort_order: body.write_order,
                    properties: body.properties,
                    format_version: iceberg::spec::FormatVersion::V2,
                };
                if staged {
                    // Nothing is created until a commit requiring that the table not exist.
                    let metadata = tables.stage(catalog, &namespace(ns)?, creation).await?;
                    return Ok(Reply::ok(json!({ "metadata": metadata, "config": {} })));
                }
                let table = tables.create(catalog, &namespace(ns)?, creation).await?;
                Ok(Reply::ok(load_result(&table)))
            }
            ("POST", ["v1", "namespaces", ns, "register"]) => {
                #[derive(Deserialize)]
                #[serde(rename_all = "kebab-case")]
                struct Register {
                    name: String,
                    metadata_location: String,
                    #[serde(default)]
                    overwrite: bool,
                }
                let body: Register = parse_body(request.body)?;
                if body.overwrite {
                    return Err(Error::Unsupported(
                        "registering over an existing table (overwrite) is not supported".into(),
                    ));
                }
                let ident = TableIdent::new(namespace(ns)?, body.name);
                let table = tables
                    .register(catalog, &ident, &body.metadata_location)
                    .await?;
                Ok(Reply::ok(load_result(&table)))
            }
            ("GET" | "HEAD", ["v1", "namespaces", ns, "tables", table]) => {
                let ident = TableIdent::new(namespace(ns)?, table.to_string());
                let loaded = tables.load(catalog, &ident).await?;
                match request.method {
                    "HEAD" => Ok(Reply::no_content()),
                    _ => Ok(Reply::ok(load_result(&loaded.table))),
                }
            }
            ("POST", ["v1", "namespaces", ns, "tables", table]) => {
                let body: CommitTable = parse_body(request.body)?;
                let ident = TableIdent::new(namespace(ns)?, table.to_string());
                let table = tables
                    .commit(catalog, &ident, &body.requirements, body.updates)
                    .await?;
                Ok(Reply::ok(json!({
                    "metadata-location": table.metadata_location(),
                    "metadata": table.metadata(),
                })))
            }
            ("DELETE", ["v1", "namespaces", ns, "tables", table]) => {
                let ident = TableIdent::new(namespace(ns)?, table.to_string());
                let purge = query
                    .get("purgeRequested")
                    .is_some_and(|p| p.eq_ignore_ascii_case("true"));
                tables.drop(catalog, &ident, purge).await?;
                Ok(Reply::no_content())
            }
            ("POST", ["v1", "namespaces", ns, "tables", table, "metrics"]) => {
                // Reports are accepted and logged; Weir keeps its own metrics of commits.
                let ident = TableIdent::new(namespace(ns)?, table.to_string());
                tracing::debug!(table = %ident, "Iceberg metrics report received");
                Ok(Reply::no_content())
            }
            ("POST", ["v1", "tables", "rename"]) => {
                #[derive(Deserialize)]
                struct Rename {
                    source: TableIdent,
                    destination: TableIdent,
                }
                let body: Rename = parse_body(request.body)?;
                tables
                    .rename(catalog, &body.source, &body.destination)
                    .await?;
                Ok(Reply::no_content())
            }
            ("GET", ["v1", "namespaces", ns, "views"]) => {
                let views = crate::views::list(catalog, &namespace(ns)?).await?;
                Ok(Reply::ok(json!({ "identifiers": views })))
            }
            ("POST", ["v1", "namespaces", ns, "views"]) => {
                let body: crate::views::CreateView = parse_body(request.body)?;
                let created = crate::views::create(tables, catalog, &namespace(ns)?, body).await?;
                Ok(Reply::ok(created))
            }
            ("GET", ["v1", "namespaces", ns, "views", view]) => {
                let ident = TableIdent::new(namespace(ns)?, view.to_string());
                Ok(Reply::ok(crate::views::load(tables, catalog, &ident).await?))
            }
            ("HEAD", ["v1", "namespaces", ns, "views", view]) => {
                let ident = TableIdent::new(namespace(ns)?, view.to_string());
                crate::views::load(tables, catalog, &ident).await?;
                Ok(Reply::no_content())
            }
            ("DELETE", ["v1", "namespaces", ns, "views", view]) => {
                let ident = TableIdent::new(namespace(ns)?, view.to_string());
                crate::views::drop(catalog, &ident).await?;
                Ok(Reply::no_content())
            }
            ("POST", ["v1", "namespaces", _, "views", _]) | ("POST", ["v1", "views", "rename"]) => {
                Err(Error::Unsupported(
                    "Replacing or renaming an Iceberg view is not supported: drop it and create it again".into(),
                ))
            }
            ("POST", ["v1", "transactions", "commit"]) => {
                #[derive(Deserialize)]
                #[serde(rename_all = "kebab-case")]
                struct Transaction {
                    table_changes: Vec<CommitTable>,
                }
                let body: Transaction = parse_body(request.body)?;
                let mut commits = Vec::with_capacity(body.table_changes.len());
                for change in body.table_changes {
                    let ident = change.identifier.ok_or_else(|| {
                        Error::bad_request("each of table-changes needs its identifier")
                    })?;
                    commits.push((ident, change.requirements, change.updates));
                }
                tables.commit_all(catalog, commits).await?;
                Ok(Reply::no_content())
            }
            (method, _) => Err(Error::NotFound(format!(
                "No route for {method} {}: not an operation of the Iceberg REST catalog that Weir serves",
                request.path
            ))),
        }
    }
}

/// `CreateTableRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct CreateTable {
    name: String,
    location: Option<String>,
    schema: Schema,
    partition_spec: Option<UnboundPartitionSpec>,
    write_order: Option<SortOrder>,
    #[serde(default)]
    stage_create: bool,
    #[serde(default)]
    properties: HashMap<String, String>,
}

/// `CommitTableRequest`.
#[derive(Deserialize)]
struct CommitTable {
    identifier: Option<TableIdent>,
    #[serde(default)]
    requirements: Vec<TableRequirement>,
    #[serde(default)]
    updates: Vec<TableUpdate>,
}

/// `LoadTableResult`.
fn load_result(table: &Table) -> Value {
    json!({
        "metadata-location": table.metadata_location(),
        "metadata": table.metadata(),
        "config": {},
    })
}

fn ident_json(ident: &TableIdent) -> Value {
    json!({ "namespace": ident.namespace().as_ref(), "name": ident.name() })
}

/// A namespace in a path: its levels separated by the unit separator.
fn namespace(segment: &str) -> Result<NamespaceIdent> {
    Ok(NamespaceIdent::from_vec(
        segment
            .split(NAMESPACE_SEPARATOR)
            .map(str::to_string)
            .collect(),
    )?)
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body)
        .map_err(|e| Error::bad_request(format!("The request body is not valid: {e}")))
}

/// Query parameters, decoded.
struct Query(HashMap<String, String>);

impl Query {
    fn parse(query: &str) -> Query {
        Query(
            url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}
