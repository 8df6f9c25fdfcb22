//! The optimizer API: Create/Get/Update/Delete/BatchGetTableOptimizer. An optimizer is on an
//! Iceberg table of the catalog (the table must exist and be one); its configuration is checked
//! and stored as given; enabling it (on creation or by an update) schedules its first run.

use serde_json::{json, Map, Value};
use weir_catalog::request::Req;
use weir_metastore::table_optimizers::{self, OPTIMIZER_RUNS, TABLE_OPTIMIZERS};
use weir_metastore::{job_runs, Tx};
use weir_model::{ErrorKind, GlueError, Result};

use crate::runs::shown_run;
use crate::settings::{enabled, Settings};
use crate::{optimizer_name, OptimizerService};

/// The member of a stored optimizer holding when its next run is due (seconds since the epoch);
/// absent while it is disabled.
pub(crate) const NEXT_RUN: &str = "NextRun";

impl OptimizerService {
    pub(crate) async fn create(&self, req: Req<'_>) -> Result<Value> {
        let (database, table, kind) = names(&req)?;
        let configuration = configuration(&req, kind)?;
        self.check_table(database, table).await?;
        let mut doc = Map::new();
        doc.insert("DatabaseName".into(), json!(database.to_lowercase()));
        doc.insert("TableName".into(), json!(table.to_lowercase()));
        doc.insert("Type".into(), json!(kind));
        self.configure(&mut doc, configuration, false);
        let name = optimizer_name(database, table, kind);
        let mut tx = self.inner.catalog.store().write().await?;
        if TABLE_OPTIMIZERS.get(&mut tx, &name).await?.is_some() {
            return Err(GlueError::new(
                ErrorKind::AlreadyExists,
                format!(
                    "Table optimizer of type {kind} already exists for table {database}.{table}"
                ),
            ));
        }
        TABLE_OPTIMIZERS
            .insert(&mut tx, &name, &Value::Object(doc))
            .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn get(&self, req: Req<'_>) -> Result<Value> {
        let (database, table, kind) = names(&req)?;
        let mut tx = self.inner.catalog.store().read().await?;
        let name = optimizer_name(database, table, kind);
        let optimizer = find(&mut tx, &name, database, table, kind).await?;
        Ok(json!({
            "CatalogId": self.account(),
            "DatabaseName": optimizer["DatabaseName"],
            "TableName": optimizer["TableName"],
            "TableOptimizer": shown(&mut tx, &name, &optimizer).await?,
        }))
    }

    pub(crate) async fn update(&self, req: Req<'_>) -> Result<Value> {
        let (database, table, kind) = names(&req)?;
        let configuration = configuration(&req, kind)?;
        let name = optimizer_name(database, table, kind);
        let mut tx = self.inner.catalog.store().write().await?;
        let read = TABLE_OPTIMIZERS
            .read(&mut tx, &name)
            .await?
            .ok_or_else(|| missing(database, table, kind))?;
        let mut doc = read.doc.as_object().cloned().unwrap_or_default();
        let was_enabled = doc.get("Configuration").is_some_and(enabled);
        self.configure(&mut doc, configuration, was_enabled);
        if !TABLE_OPTIMIZERS
            .update(&mut tx, &name, &Value::Object(doc), Some(&read))
            .await?
        {
            return Err(GlueError::new(
                ErrorKind::ConcurrentModification,
                format!("Table optimizer of type {kind} for table {database}.{table} was changed by another request"),
            ));
        }
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn delete(&self, req: Req<'_>) -> Result<Value> {
        let (database, table, kind) = names(&req)?;
        let name = optimizer_name(database, table, kind);
        let mut tx = self.inner.catalog.store().write().await?;
        if !table_optimizers::delete(&mut tx, &name).await? {
            return Err(missing(database, table, kind));
        }
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn batch_get(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.inner.catalog.store().read().await?;
        let (mut found, mut failures) = (Vec::new(), Vec::new());
        for entry in req.array("Entries") {
            let text = |m: &str| entry[m].as_str().unwrap_or_default();
            let (database, table, kind) = (text("databaseName"), text("tableName"), text("type"));
            let name = optimizer_name(database, table, kind);
            let catalog_id = entry
                .get("catalogId")
                .cloned()
                .unwrap_or_else(|| self.account());
            let result = match entry["catalogId"].as_str() {
                Some(id) => self.check_catalog_id(id),
                None => Ok(()),
            };
            let result = match result {
                Ok(()) => find(&mut tx, &name, database, table, kind).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(optimizer) => found.push(json!({
                    "catalogId": catalog_id,
                    "databaseName": optimizer["DatabaseName"],
                    "tableName": optimizer["TableName"],
                    "tableOptimizer": shown(&mut tx, &name, &optimizer).await?,
                })),
                Err(e) if e.kind == ErrorKind::InternalService => return Err(e),
                Err(e) => failures.push(json!({
                    "catalogId": catalog_id,
                    "databaseName": database,
                    "tableName": table,
                    "type": kind,
                    "error": { "ErrorCode": e.kind.shape_name(), "ErrorMessage": e.message },
                })),
            }
        }
        Ok(json!({ "TableOptimizers": found, "Failures": failures }))
    }

    /// Stores `configuration` in `doc`, with the role its runs act as and when it runs next: a
    /// first run soon when it becomes enabled, none while disabled.
    fn configure(&self, doc: &mut Map<String, Value>, configuration: Value, was_enabled: bool) {
        let now_enabled = enabled(&configuration);
        if let Some(role) = configuration["roleArn"].as_str() {
            doc.insert("Role".into(), json!(role));
        }
        doc.insert("Configuration".into(), configuration);
        match (was_enabled, now_enabled) {
            (_, false) => {
                doc.remove(NEXT_RUN);
            }
            (false, true) => {
                let first = self.now() + self.inner.timing.first_run_seconds as f64;
                doc.insert(NEXT_RUN.into(), json!(first));
            }
            (true, true) => {}
        }
    }

    /// The table must exist and be an Iceberg or a Delta table.
    async fn check_table(&self, database: &str, table: &str) -> Result<()> {
        let found = self
            .inner
            .catalog
            .acting_as(self.caller.as_deref())
            .call(
                "GetTable",
                &json!({ "DatabaseName": database, "Name": table }),
            )
            .await?;
        let table_found = &found["Table"];
        if !weir_iceberg::glue::is_iceberg(table_found) && !weir_delta::glue::is_delta(table_found)
        {
            return Err(GlueError::invalid_input(format!(
                "Table {database}.{table} is neither an Iceberg nor a Delta table: table optimizers work on Iceberg tables (parameter table_type = ICEBERG) and Delta tables (table_type = DELTA)"
            )));
        }
        Ok(())
    }
}

/// The database, table and type a request names.
fn names<'a>(req: &Req<'a>) -> Result<(&'a str, &'a str, &'a str)> {
    Ok((
        req.str("DatabaseName")?,
        req.str("TableName")?,
        req.str("Type")?,
    ))
}

/// The request's `TableOptimizerConfiguration`, checked for an optimizer of `kind`.
fn configuration(req: &Req<'_>, kind: &str) -> Result<Value> {
    let configuration = req
        .get("TableOptimizerConfiguration")
        .cloned()
        .unwrap_or(json!({}));
    Settings::of(kind, &configuration)?;
    Ok(configuration)
}

fn missing(database: &str, table: &str, kind: &str) -> GlueError {
    GlueError::not_found(format!(
        "Table optimizer of type {kind} not found for table {database}.{table}"
    ))
}

async fn find(tx: &mut Tx, name: &str, database: &str, table: &str, kind: &str) -> Result<Value> {
    TABLE_OPTIMIZERS
        .get(tx, name)
        .await?
        .ok_or_else(|| missing(database, table, kind))
}

/// The `TableOptimizer` shape: type, configuration as given, its newest run.
async fn shown(tx: &mut Tx, name: &str, optimizer: &Value) -> Result<Value> {
    let mut out = json!({
        "type": optimizer["Type"],
        "configuration": optimizer["Configuration"],
        "configurationSource": "table",
    });
    let kind = optimizer["Type"].as_str().unwrap_or_default();
    if let Some(run) = job_runs::list(tx, OPTIMIZER_RUNS, name, None, 1)
        .await?
        .first()
    {
        out["lastRun"] = shown_run(run, kind);
    }
    Ok(out)
}
