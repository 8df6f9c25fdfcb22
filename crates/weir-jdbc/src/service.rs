//! The `TestConnection` operation: connects to the database of a catalog connection (by
//! `ConnectionName`) or of an ad-hoc `TestConnectionInput`, and runs `SELECT 1`.
//!
//! Success answers `{}`. A connection that is not JDBC, lacks its URL or names an engine Weir
//! does not reach is an `InvalidInputException`; a server that cannot be reached, refuses the
//! credentials or fails the query is an `InvalidInputException` with the server's words (the
//! error Glue gives a failed test), never with the password.

use serde_json::{json, Value};
use weir_catalog::Catalog;
use weir_model::{ErrorKind, GlueError, Result};

use crate::connection::JdbcConnection;

/// Every operation [`JdbcService::call`] serves.
pub const OPERATIONS: &[&str] = &["TestConnection"];

/// The JDBC operations, over the catalog's connections.
#[derive(Clone)]
pub struct JdbcService {
    catalog: Catalog,
}

impl JdbcService {
    pub fn new(catalog: Catalog) -> Self {
        Self { catalog }
    }

    /// Whether this service implements the operation.
    pub fn serves(operation: &str) -> bool {
        OPERATIONS.contains(&operation)
    }

    /// The same service, reading connections as `caller` (who must be allowed GetConnection).
    pub fn acting_as(&self, caller: Option<&str>) -> Self {
        Self {
            catalog: self.catalog.acting_as(caller),
        }
    }

    /// Serves one Glue operation (the body validated against the model already).
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value> {
        match operation {
            "TestConnection" => self.test_connection(body).await,
            other => Err(GlueError::new(
                ErrorKind::UnknownOperation,
                format!("Operation {other} is not served by Weir's JDBC service"),
            )),
        }
    }

    async fn test_connection(&self, body: &Value) -> Result<Value> {
        let invalid = |m: String| GlueError::new(ErrorKind::InvalidInput, m);
        let connection = match (body.get("ConnectionName"), body.get("TestConnectionInput")) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "Give ConnectionName or TestConnectionInput, not both".into(),
                ))
            }
            (Some(name), None) => {
                let name = name.as_str().unwrap_or_default();
                let found = self
                    .catalog
                    .call(
                        "GetConnection",
                        &json!({ "Name": name, "HidePassword": false }),
                    )
                    .await?;
                JdbcConnection::from_catalog(&found["Connection"])
            }
            (None, Some(input)) => {
                let mut doc = input.clone();
                doc["Name"] = json!("TestConnectionInput");
                JdbcConnection::from_catalog(&doc)
            }
            (None, None) => {
                return Err(invalid(
                    "TestConnection needs ConnectionName or TestConnectionInput".into(),
                ))
            }
        }
        .map_err(|e| invalid(e.to_string()))?;
        connection
            .test()
            .await
            .map_err(|e| invalid(format!("Test connection failed: {e}")))?;
        Ok(json!({}))
    }
}
