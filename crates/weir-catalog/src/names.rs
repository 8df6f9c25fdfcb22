//! Looking up catalog entities by name, with Glue's case folding and not-found errors, and
//! building their ARNs.

use serde_json::Value;
use weir_metastore::databases::{self, DatabaseRow};
use weir_metastore::tables::{self, TableRow};
use weir_metastore::Tx;
use weir_model::{GlueError, Result};

use crate::Catalog;

/// Database and table names are stored lower-cased (Hive compatibility); lookups fold case too.
pub fn fold(name: &str) -> String {
    name.to_lowercase()
}

pub async fn database(tx: &mut Tx, name: &str) -> Result<DatabaseRow> {
    databases::get(tx, &fold(name))
        .await?
        .ok_or_else(|| GlueError::not_found(format!("Database {name} not found.")))
}

pub async fn table(
    tx: &mut Tx,
    database_name: &str,
    table_name: &str,
) -> Result<(DatabaseRow, TableRow)> {
    let db = database(tx, database_name).await?;
    let table = tables::get(tx, db.id, &fold(table_name))
        .await?
        .ok_or_else(|| GlueError::not_found(format!("Table {table_name} not found.")))?;
    Ok((db, table))
}

/// The partition keys of a table document as `(name, type)` pairs.
pub fn partition_keys(table_doc: &Value) -> Vec<weir_partition_expr::PartitionKey> {
    table_doc
        .get("PartitionKeys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .map(|k| weir_partition_expr::PartitionKey {
                    name: k
                        .get("Name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    type_name: k
                        .get("Type")
                        .and_then(Value::as_str)
                        .unwrap_or("string")
                        .to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Catalog {
    fn arn(&self, resource: &str) -> String {
        format!(
            "arn:aws:glue:{}:{}:{resource}",
            self.identity.region, self.identity.account_id
        )
    }

    pub(crate) fn database_arn(&self, database: &str) -> String {
        self.arn(&format!("database/{database}"))
    }

    pub(crate) fn table_arn(&self, database: &str, table: &str) -> String {
        self.arn(&format!("table/{database}/{table}"))
    }

    /// The prefix shared by the ARNs of every table of a database (without the trailing '/').
    pub(crate) fn tables_arn_prefix(&self, database: &str) -> String {
        self.arn(&format!("table/{database}"))
    }

    pub(crate) fn function_arn(&self, database: &str, function: &str) -> String {
        self.arn(&format!("userDefinedFunction/{database}/{function}"))
    }

    pub(crate) fn functions_arn_prefix(&self, database: &str) -> String {
        self.arn(&format!("userDefinedFunction/{database}"))
    }

    pub(crate) fn connection_arn(&self, connection: &str) -> String {
        self.arn(&format!("connection/{connection}"))
    }

    /// Adds `CatalogId` to an entity document on its way out.
    pub(crate) fn with_catalog_id(&self, mut doc: Value) -> Value {
        if let Some(obj) = doc.as_object_mut() {
            obj.insert(
                "CatalogId".into(),
                Value::String(self.identity.account_id.clone()),
            );
        }
        doc
    }
}
