//! The Glue Data Catalog service.
//!
//! [`Catalog::call`] serves one Glue operation: it takes the request body (already validated
//! against the botocore model by the wire layer) and returns the response body. Each API area
//! has its own module; every operation reads top to bottom as check → transaction → act →
//! commit. [`Catalog::call_atomic`] serves several operations in one transaction, all or
//! nothing ([`atomic`]). Nothing here knows about HTTP.

pub mod atomic;
mod column_stats;
mod connections;
mod databases;
mod functions;
mod names;
mod partition_indexes;
mod partitions;
pub mod request;
mod search;
pub mod secrets;
mod tables;
mod tags;
mod views;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use weir_metastore::Metastore;
use weir_model::{ErrorKind, GlueError, Result};

use crate::atomic::Group;
pub use crate::atomic::MAX_ATOMIC_CALLS;
use crate::request::Req;
pub use crate::secrets::SecretBox;

/// The source of "now" for timestamps (injectable for tests).
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> f64;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }
}

/// Identity of the catalog Weir serves: one account in one region.
#[derive(Debug, Clone)]
pub struct CatalogIdentity {
    /// The account id, returned as `CatalogId` and used in ARNs.
    pub account_id: String,
    /// The region used in ARNs.
    pub region: String,
}

/// The Data Catalog service over a metastore.
#[derive(Clone)]
pub struct Catalog {
    store: Metastore,
    identity: Arc<CatalogIdentity>,
    secrets: Arc<SecretBox>,
    clock: Arc<dyn Clock>,
    /// The atomic group whose transaction this clone's operations work in (see [`atomic`]).
    group: Option<Arc<Group>>,
    /// The ARN of the principal this clone's operations are made by (see [`Catalog::acting_as`]).
    caller: Option<Arc<str>>,
}

impl Catalog {
    pub fn new(
        store: Metastore,
        identity: CatalogIdentity,
        secrets: SecretBox,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            identity: Arc::new(identity),
            secrets: Arc::new(secrets),
            clock,
            group: None,
            caller: None,
        }
    }

    /// This catalog, its operations made by the principal `name` (recorded as a table's
    /// `CreatedBy`); `None` when requests are not authenticated.
    pub fn acting_as(&self, name: Option<&str>) -> Catalog {
        Catalog {
            caller: name
                .map(|n| format!("arn:aws:iam::{}:user/{n}", self.identity.account_id).into()),
            ..self.clone()
        }
    }

    pub fn store(&self) -> &Metastore {
        &self.store
    }

    pub fn identity(&self) -> &CatalogIdentity {
        &self.identity
    }

    /// Whether this service implements the operation.
    pub fn serves(operation: &str) -> bool {
        OPERATIONS.contains(&operation)
    }

    /// Serves one Glue operation.
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value> {
        let req = Req(body);
        self.check_catalog_id(req)?;
        match operation {
            "CreateDatabase" => self.create_database(req).await,
            "GetDatabase" => self.get_database(req).await,
            "GetDatabases" => self.get_databases(req).await,
            "UpdateDatabase" => self.update_database(req).await,
            "DeleteDatabase" => self.delete_database(req).await,
            "CreateTable" => self.create_table(req).await,
            "GetTable" => self.get_table(req).await,
            "GetTables" => self.get_tables(req).await,
            "UpdateTable" => self.update_table(req).await,
            "DeleteTable" => self.delete_table(req).await,
            "BatchDeleteTable" => self.batch_delete_table(req).await,
            "GetTableVersion" => self.get_table_version(req).await,
            "GetTableVersions" => self.get_table_versions(req).await,
            "DeleteTableVersion" => self.delete_table_version(req).await,
            "BatchDeleteTableVersion" => self.batch_delete_table_version(req).await,
            "SearchTables" => self.search_tables(req).await,
            "CreatePartition" => self.create_partition(req).await,
            "BatchCreatePartition" => self.batch_create_partition(req).await,
            "GetPartition" => self.get_partition(req).await,
            "GetPartitions" => self.get_partitions(req).await,
            "BatchGetPartition" => self.batch_get_partition(req).await,
            "UpdatePartition" => self.update_partition(req).await,
            "BatchUpdatePartition" => self.batch_update_partition(req).await,
            "DeletePartition" => self.delete_partition(req).await,
            "BatchDeletePartition" => self.batch_delete_partition(req).await,
            "CreatePartitionIndex" => self.create_partition_index(req).await,
            "GetPartitionIndexes" => self.get_partition_indexes(req).await,
            "DeletePartitionIndex" => self.delete_partition_index(req).await,
            "GetColumnStatisticsForTable" => self.get_column_statistics(req, false).await,
            "UpdateColumnStatisticsForTable" => self.update_column_statistics(req, false).await,
            "DeleteColumnStatisticsForTable" => self.delete_column_statistics(req, false).await,
            "GetColumnStatisticsForPartition" => self.get_column_statistics(req, true).await,
            "UpdateColumnStatisticsForPartition" => self.update_column_statistics(req, true).await,
            "DeleteColumnStatisticsForPartition" => self.delete_column_statistics(req, true).await,
            "CreateUserDefinedFunction" => self.create_function(req).await,
            "GetUserDefinedFunction" => self.get_function(req).await,
            "GetUserDefinedFunctions" => self.get_functions(req).await,
            "UpdateUserDefinedFunction" => self.update_function(req).await,
            "DeleteUserDefinedFunction" => self.delete_function(req).await,
            "CreateConnection" => self.create_connection(req).await,
            "GetConnection" => self.get_connection(req).await,
            "GetConnections" => self.get_connections(req).await,
            "UpdateConnection" => self.update_connection(req).await,
            "DeleteConnection" => self.delete_connection(req).await,
            "BatchDeleteConnection" => self.batch_delete_connection(req).await,
            "TagResource" => self.tag_resource(req).await,
            "UntagResource" => self.untag_resource(req).await,
            "GetTags" => self.get_tags(req).await,
            other => Err(GlueError::new(
                ErrorKind::UnknownOperation,
                format!("Operation {other} is not served by Weir's catalog"),
            )),
        }
    }

    fn now(&self) -> f64 {
        self.clock.now()
    }

    /// Weir serves one catalog: a `CatalogId` naming another account is an error.
    fn check_catalog_id(&self, req: Req<'_>) -> Result<()> {
        match req.opt_str("CatalogId") {
            Some(id) if id != self.identity.account_id => Err(GlueError::not_found(format!(
                "Catalog {id} not found: this Weir service serves catalog {}",
                self.identity.account_id
            ))),
            _ => Ok(()),
        }
    }
}

/// Every operation [`Catalog::call`] serves.
pub const OPERATIONS: &[&str] = &[
    "CreateDatabase",
    "GetDatabase",
    "GetDatabases",
    "UpdateDatabase",
    "DeleteDatabase",
    "CreateTable",
    "GetTable",
    "GetTables",
    "UpdateTable",
    "DeleteTable",
    "BatchDeleteTable",
    "GetTableVersion",
    "GetTableVersions",
    "DeleteTableVersion",
    "BatchDeleteTableVersion",
    "SearchTables",
    "CreatePartition",
    "BatchCreatePartition",
    "GetPartition",
    "GetPartitions",
    "BatchGetPartition",
    "UpdatePartition",
    "BatchUpdatePartition",
    "DeletePartition",
    "BatchDeletePartition",
    "CreatePartitionIndex",
    "GetPartitionIndexes",
    "DeletePartitionIndex",
    "GetColumnStatisticsForTable",
    "UpdateColumnStatisticsForTable",
    "DeleteColumnStatisticsForTable",
    "GetColumnStatisticsForPartition",
    "UpdateColumnStatisticsForPartition",
    "DeleteColumnStatisticsForPartition",
    "CreateUserDefinedFunction",
    "GetUserDefinedFunction",
    "GetUserDefinedFunctions",
    "UpdateUserDefinedFunction",
    "DeleteUserDefinedFunction",
    "CreateConnection",
    "GetConnection",
    "GetConnections",
    "UpdateConnection",
    "DeleteConnection",
    "BatchDeleteConnection",
    "TagResource",
    "UntagResource",
    "GetTags",
];

/// A Glue `ErrorDetail` for per-entry errors of batch operations.
pub(crate) fn error_detail(e: &GlueError) -> Value {
    serde_json::json!({ "ErrorCode": e.kind.shape_name(), "ErrorMessage": e.message })
}
