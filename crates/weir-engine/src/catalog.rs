//! The engine's view of a Glue Data Catalog: any service that answers Glue operations with the
//! Glue JSON shapes — Weir's own catalog in this process, or a remote Weir over HTTP. The engine
//! depends only on this seam, not on how the catalog is stored.

use std::future::Future;
use std::pin::Pin;

use serde_json::{json, Value};

use crate::error::{EngineError, Result};

/// A failed catalog call: the Glue exception name and its message.
#[derive(Debug, Clone)]
pub struct CatalogError {
    pub code: String,
    pub message: String,
}

pub type CatalogFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<Value, CatalogError>> + Send + 'a>>;

pub type AtomicFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<Vec<Value>, CatalogError>> + Send + 'a>>;

/// Answers Glue Data Catalog operations (`GetTable`, `CreateTable`, `BatchCreatePartition`, …).
pub trait CatalogClient: Send + Sync {
    fn call<'a>(&'a self, operation: &'a str, request: Value) -> CatalogFuture<'a>;

    /// Runs `(operation, request)` calls in one catalog transaction: all take effect or none.
    /// Returns each call's response in order. A failing call, or a batch call reporting
    /// per-entry `Errors`, fails the group; the error's message names the call
    /// (`call N (Operation): …`, N from 1). Later calls see the writes of earlier ones.
    fn call_atomic<'a>(&'a self, calls: Vec<(String, Value)>) -> AtomicFuture<'a>;
}

/// A `Table` (GetTable's) as the `TableInput` that writes it back: its members the input shape
/// has.
pub fn table_input(table: &Value) -> Value {
    let input: serde_json::Map<String, Value> = weir_model::service::ServiceModel::glue()
        .member_names("TableInput")
        .into_iter()
        .filter_map(|m| table.get(m).map(|v| (m.to_string(), v.clone())))
        .collect();
    Value::Object(input)
}

/// Every item of a paginated listing (`GetDatabases`, `GetTables`, …): the `member` list of
/// each page, following `NextToken` until the last page.
pub async fn all_pages(
    client: &dyn CatalogClient,
    operation: &str,
    request: Value,
    member: &str,
) -> std::result::Result<Vec<Value>, CatalogError> {
    let mut items = Vec::new();
    let mut request = request;
    loop {
        let mut page = client.call(operation, request.clone()).await?;
        if let Some(list) = page.get_mut(member).and_then(Value::as_array_mut) {
            items.append(list);
        }
        match page["NextToken"].as_str().filter(|t| !t.is_empty()) {
            Some(token) => request["NextToken"] = json!(token),
            None => return Ok(items),
        }
    }
}

/// Calls an operation, turning a catalog error into an engine error naming the node.
pub async fn call(
    client: &dyn CatalogClient,
    node: &str,
    operation: &str,
    request: Value,
) -> Result<Value> {
    client
        .call(operation, request)
        .await
        .map_err(|e| EngineError::from_catalog(Some(node), &format!("catalog {operation}"), &e))
}

/// The table, or `None` when it does not exist.
pub async fn find_table(
    client: &dyn CatalogClient,
    node: &str,
    database: &str,
    table: &str,
) -> Result<Option<Value>> {
    match client
        .call(
            "GetTable",
            json!({ "DatabaseName": database, "Name": table }),
        )
        .await
    {
        Ok(v) => Ok(v.get("Table").cloned()),
        Err(e) if e.code == "EntityNotFoundException" && e.message.starts_with("Table") => Ok(None),
        Err(e) => Err(EngineError::from_catalog(
            Some(node),
            &format!("catalog GetTable {database}.{table}"),
            &e,
        )),
    }
}

/// The table a catalog node names; an error naming the node and the table when it is not there.
pub async fn node_table(
    client: &dyn CatalogClient,
    node: &str,
    node_type: &str,
    database: &str,
    table: &str,
) -> Result<Value> {
    find_table(client, node, database, table)
        .await?
        .ok_or_else(|| {
            EngineError::invalid(
                node,
                format!("{node_type}: table {database}.{table} is not in the catalog"),
            )
        })
}

/// The table a catalog node names, with its location; errors name the node and the table.
pub async fn table_with_location(
    client: &dyn CatalogClient,
    node: &str,
    node_type: &str,
    database: &str,
    table: &str,
) -> Result<(Value, String)> {
    let found = node_table(client, node, node_type, database, table).await?;
    let location = found
        .pointer("/StorageDescriptor/Location")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            EngineError::invalid(
                node,
                format!("table {database}.{table} has no StorageDescriptor.Location"),
            )
        })?
        .to_string();
    Ok((found, location))
}
