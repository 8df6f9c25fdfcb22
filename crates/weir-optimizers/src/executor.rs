//! Optimizer runs as runs of the job service: [`OptimizerExecutor`] does what the run's
//! optimizer says on its table — compaction, snapshot retention or orphan file deletion, through
//! `weir-iceberg`'s maintenance on an Iceberg table and `weir-delta`'s (delta-rs optimize and
//! vacuum) on a Delta table — calling the catalog as the optimizer's role, and reports the run's
//! metrics (the metrics of Glue's `TableOptimizerRun`) as its summary.

use iceberg::{NamespaceIdent, TableIdent};
use serde_json::{json, Value};
use weir_catalog::Catalog;
use weir_iceberg::maintenance::compaction::{self, CompactionOptions};
use weir_iceberg::maintenance::orphans::{self, OrphanOptions};
use weir_iceberg::maintenance::retention::{self, RetentionOptions};
use weir_jobs::catalog_client::ServiceCatalog;
use weir_jobs::executor::ExecFuture;
use weir_jobs::run_access::RunAccess;
use weir_jobs::{Executor, RunReport, RunSpec};

use crate::settings::Settings;
use crate::{OptimizerService, TableFormats};

const DAY_SECONDS: f64 = 86_400.0;

/// The member of a compaction run's summary that names its strategy (not one of Glue's
/// metrics: [`crate::runs`] shows it as the run's `compactionStrategy`).
pub const STRATEGY: &str = "Strategy";

/// Runs table optimizers in this process.
pub struct OptimizerExecutor {
    formats: TableFormats,
    catalog: Catalog,
    access: RunAccess,
}

impl OptimizerExecutor {
    pub fn new(formats: TableFormats, catalog: Catalog, access: RunAccess) -> Self {
        OptimizerExecutor {
            formats,
            catalog,
            access,
        }
    }
}

impl Executor for OptimizerExecutor {
    fn check(&self, _: &Value) -> Result<(), String> {
        Ok(())
    }

    fn execute(&self, spec: RunSpec) -> ExecFuture {
        let principal = self.access.principal(&spec).cloned();
        let client = ServiceCatalog::acting_as(&self.catalog, principal);
        let formats = self.formats.clone();
        Box::pin(async move {
            let optimizer = &spec.job;
            let kind = optimizer["Type"].as_str().unwrap_or_default();
            let settings =
                Settings::of(kind, &optimizer["Configuration"]).map_err(|e| e.message)?;
            let ident = table_of(optimizer);
            spec.log.line(&format!("{kind} of table {ident}"));
            let metrics = optimize(&formats, &client, &ident, &settings)
                .await
                .map_err(|e| format!("{kind} of table {ident}: {e}"))?;
            spec.log.line(&format!("done: {metrics}"));
            Ok(RunReport {
                summary: Some(metrics.to_string()),
                ..RunReport::default()
            })
        })
    }
}

/// The table an optimizer is on.
pub fn table_of(optimizer: &Value) -> TableIdent {
    let text = |m: &str| optimizer[m].as_str().unwrap_or_default().to_string();
    TableIdent::new(NamespaceIdent::new(text("DatabaseName")), text("TableName"))
}

/// Does what `settings` say on the table (an Iceberg or a Delta table); returns the metrics of
/// the run.
pub async fn optimize(
    formats: &TableFormats,
    client: &dyn weir_engine::catalog::CatalogClient,
    ident: &TableIdent,
    settings: &Settings,
) -> Result<Value, String> {
    match delta_location(client, ident).await? {
        Some(location) => optimize_delta(&formats.delta, &location, settings)
            .await
            .map_err(|e| e.to_string()),
        None => optimize_iceberg(&formats.iceberg, client, ident, settings)
            .await
            .map_err(|e| e.to_string()),
    }
}

/// The folder of the table when it is a Delta table.
pub async fn delta_location(
    client: &dyn weir_engine::catalog::CatalogClient,
    ident: &TableIdent,
) -> Result<Option<String>, String> {
    let found = client
        .call(
            "GetTable",
            json!({ "DatabaseName": ident.namespace().to_url_string(), "Name": ident.name() }),
        )
        .await
        .map_err(|e| format!("{}: {}", e.code, e.message))?;
    let table = &found["Table"];
    if !weir_delta::glue::is_delta(table) {
        return Ok(None);
    }
    weir_delta::glue::location(table)
        .map(|l| Some(l.to_string()))
        .ok_or_else(|| format!("Delta table {ident} has no location"))
}

async fn optimize_iceberg(
    tables: &weir_iceberg::Tables,
    client: &dyn weir_engine::catalog::CatalogClient,
    ident: &TableIdent,
    settings: &Settings,
) -> weir_iceberg::Result<Value> {
    let now = chrono::Utc::now();
    Ok(match settings {
        Settings::Compaction {
            min_input_files,
            strategy,
        } => {
            let table = tables.load(client, ident).await?.table;
            let options = CompactionOptions {
                min_input_files: *min_input_files,
                strategy: *strategy,
                ..CompactionOptions::for_table(table.metadata())?
            };
            let report = compaction::compact(tables, client, ident, &options).await?;
            json!({
                "NumberOfBytesCompacted": report.bytes_compacted,
                "NumberOfFilesCompacted": report.files_compacted,
                STRATEGY: strategy.name(),
            })
        }
        Settings::Retention {
            retention_days,
            snapshots_to_retain,
            clean_expired_files,
            ..
        } => {
            let cutoff =
                now.timestamp_millis() - (*retention_days as f64 * DAY_SECONDS * 1000.0) as i64;
            let options = RetentionOptions {
                expire_older_than_ms: cutoff,
                retain: *snapshots_to_retain,
                clean_expired_files: *clean_expired_files,
            };
            let report = retention::expire_snapshots(tables, client, ident, &options).await?;
            json!({
                "NumberOfSnapshotsExpired": report.snapshots_expired,
                "NumberOfDataFilesDeleted": report.data_files_deleted,
                "NumberOfManifestFilesDeleted": report.manifest_files_deleted,
                "NumberOfManifestListsDeleted": report.manifest_lists_deleted,
            })
        }
        Settings::OrphanFileDeletion {
            retention_days,
            location,
            ..
        } => {
            let options = OrphanOptions {
                older_than: now
                    - chrono::Duration::seconds((*retention_days as f64 * DAY_SECONDS) as i64),
                location: location.clone(),
                dry_run: false,
            };
            let report = orphans::delete_orphans(tables, client, ident, &options).await?;
            json!({ "NumberOfOrphanFilesDeleted": report.deleted })
        }
    })
}

/// A Delta table's optimizer run, reported in the metrics' Iceberg names (the only ones Glue's
/// `TableOptimizerRun` has).
async fn optimize_delta(
    deltas: &weir_delta::Deltas,
    location: &str,
    settings: &Settings,
) -> weir_delta::Result<Value> {
    use weir_delta::maintenance;
    let now = chrono::Utc::now();
    let days_ago = |days: f64| now - chrono::Duration::seconds((days * DAY_SECONDS) as i64);
    Ok(match settings {
        Settings::Compaction {
            min_input_files,
            strategy,
        } => {
            if *strategy != weir_iceberg::maintenance::ordering::Strategy::BinPack {
                return Err(weir_delta::Error::invalid(format!(
                    "Delta tables are compacted by bin-packing: the {} strategy orders rows by an Iceberg sort order",
                    strategy.name()
                )));
            }
            let report = maintenance::compact(deltas, location, *min_input_files).await?;
            json!({
                "NumberOfBytesCompacted": report.bytes_compacted,
                "NumberOfFilesCompacted": report.files_compacted,
            })
        }
        Settings::Retention {
            retention_days,
            snapshots_to_retain,
            clean_expired_files,
            ..
        } => {
            let report = maintenance::expire_versions(
                deltas,
                location,
                days_ago(*retention_days as f64),
                *snapshots_to_retain,
                *clean_expired_files,
            )
            .await?;
            json!({
                "NumberOfSnapshotsExpired": report.versions_expired,
                "NumberOfDataFilesDeleted": report.files_deleted,
            })
        }
        Settings::OrphanFileDeletion { retention_days, .. } => {
            let deleted = maintenance::delete_orphans(
                deltas,
                location,
                days_ago(*retention_days as f64),
                false,
            )
            .await?;
            json!({ "NumberOfOrphanFilesDeleted": deleted.len() })
        }
    })
}

/// Whether a compaction optimizer's table has a partition with at least `min_input_files`
/// small files.
pub(crate) async fn needs_compaction(
    service: &OptimizerService,
    optimizer: &Value,
    min_input_files: usize,
) -> bool {
    let client = ServiceCatalog::new(service.inner.catalog.clone());
    let ident = table_of(optimizer);
    let formats = &service.inner.formats;
    let planned = async {
        if let Some(location) = delta_location(&client, &ident).await? {
            let table = formats
                .delta
                .open(&location)
                .await
                .map_err(|e| e.to_string())?;
            return weir_delta::maintenance::has_work(&table, min_input_files)
                .await
                .map_err(|e| e.to_string());
        }
        let tables = &formats.iceberg;
        let table = tables
            .load(&client, &ident)
            .await
            .map_err(|e| e.to_string())?
            .table;
        let options = CompactionOptions {
            min_input_files,
            ..CompactionOptions::for_table(table.metadata()).map_err(|e| e.to_string())?
        };
        compaction::has_work(tables, &client, &ident, &options)
            .await
            .map_err(|e| e.to_string())
    };
    match planned.await {
        Ok(work) => work,
        Err(e) => {
            tracing::warn!(table = %ident, error = %e, "checking a table for compaction failed");
            false
        }
    }
}
