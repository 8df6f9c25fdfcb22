//! Table optimizers, as Glue's: an optimizer of a type (`compaction`, `retention`,
//! `orphan_file_deletion`) on an Iceberg table, configured with the Glue API
//! (CreateTableOptimizer, GetTableOptimizer, UpdateTableOptimizer, DeleteTableOptimizer,
//! BatchGetTableOptimizer, ListTableOptimizerRuns), runs on Weir's job service: each server's
//! loop ([`firing`]) submits a run of every enabled optimizer that is due — the first within a
//! minute of being enabled, then on its interval — and [`executor`] does the work through
//! `weir-iceberg`'s maintenance, recording its metrics in the run.
//!
//! An optimizer is stored as its document (`DatabaseName`, `TableName`, `Type`,
//! `Configuration`, `Role` (the configuration's `roleArn`, whom its runs act as) and
//! `NextRun`), named by the JSON text of `[database, table, type]`, which names its runs too.

pub mod definitions;
pub mod executor;
pub mod firing;
pub mod runs;
pub mod settings;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use weir_catalog::request::Req;
use weir_catalog::{Catalog, Clock};
use weir_jobs::JobService;
use weir_model::{ErrorKind, GlueError, Result};

/// Every operation [`OptimizerService::call`] serves.
pub const OPERATIONS: &[&str] = &[
    "CreateTableOptimizer",
    "GetTableOptimizer",
    "UpdateTableOptimizer",
    "DeleteTableOptimizer",
    "BatchGetTableOptimizer",
    "ListTableOptimizerRuns",
];

/// When optimizers run (`[optimizers]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timing {
    /// From enabling an optimizer to its first run.
    pub first_run_seconds: u64,
    /// Between checks of a compaction optimizer's table for work.
    pub compaction_check_seconds: u64,
    /// How often each server looks for optimizers due.
    pub poll_seconds: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            first_run_seconds: 30,
            compaction_check_seconds: 300,
            poll_seconds: 5,
        }
    }
}

/// The table optimizer service.
#[derive(Clone)]
pub struct OptimizerService {
    inner: Arc<Inner>,
    /// The principal this clone's operations are made by.
    caller: Option<Arc<str>>,
}

/// The table formats optimizers keep healthy, with where their files are.
#[derive(Clone)]
pub struct TableFormats {
    pub iceberg: weir_iceberg::Tables,
    pub delta: weir_delta::Deltas,
}

struct Inner {
    catalog: Catalog,
    formats: TableFormats,
    clock: Arc<dyn Clock>,
    jobs: JobService,
    timing: Timing,
}

impl OptimizerService {
    pub fn new(
        catalog: Catalog,
        formats: TableFormats,
        clock: Arc<dyn Clock>,
        jobs: JobService,
        timing: Timing,
    ) -> Self {
        OptimizerService {
            inner: Arc::new(Inner {
                catalog,
                formats,
                clock,
                jobs,
                timing,
            }),
            caller: None,
        }
    }

    /// This service, its operations made by the principal `name`.
    pub fn acting_as(&self, name: Option<&str>) -> OptimizerService {
        OptimizerService {
            inner: self.inner.clone(),
            caller: name.map(Arc::from),
        }
    }

    /// Whether this service implements the operation.
    pub fn serves(operation: &str) -> bool {
        OPERATIONS.contains(&operation)
    }

    /// Serves one Glue operation (the body validated against the model already).
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value> {
        let req = Req(body);
        if let Some(id) = req.opt_str("CatalogId") {
            self.check_catalog_id(id)?;
        }
        match operation {
            "CreateTableOptimizer" => self.create(req).await,
            "GetTableOptimizer" => self.get(req).await,
            "UpdateTableOptimizer" => self.update(req).await,
            "DeleteTableOptimizer" => self.delete(req).await,
            "BatchGetTableOptimizer" => self.batch_get(req).await,
            "ListTableOptimizerRuns" => self.list_runs(req).await,
            other => Err(GlueError::new(
                ErrorKind::UnknownOperation,
                format!("Operation {other} is not served by Weir's table optimizer service"),
            )),
        }
    }

    fn check_catalog_id(&self, id: &str) -> Result<()> {
        let account = &self.inner.catalog.identity().account_id;
        if id == account {
            Ok(())
        } else {
            Err(GlueError::not_found(format!(
                "Catalog {id} not found: this Weir service serves catalog {account}"
            )))
        }
    }

    fn now(&self) -> f64 {
        self.inner.clock.now()
    }

    fn account(&self) -> Value {
        json!(self.inner.catalog.identity().account_id)
    }
}

pub use weir_metastore::table_optimizers::name as optimizer_name;
