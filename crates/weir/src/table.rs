//! `weir table optimize DATABASE.TABLE --type TYPE`: runs one table optimizer now, in this
//! process, with Glue's defaults unless flags say otherwise, and prints its metrics (for
//! orphan file deletion with `--dry-run`: the files it would delete, deleting none).

use serde_json::{json, Value};
use weir_iceberg::maintenance::orphans::{self, OrphanOptions};
use weir_optimizers::executor::{delta_location, optimize, table_of};
use weir_optimizers::settings::{Settings, ORPHAN_FILE_DELETION};

use crate::config::Config;
use crate::job_run::{self, JobCatalog};

/// What to optimize and how.
pub struct OptimizeArgs {
    pub table: String,
    pub kind: String,
    pub retention_days: Option<i64>,
    pub snapshots_to_retain: Option<i64>,
    pub min_input_files: Option<i64>,
    pub strategy: Option<String>,
    pub location: Option<String>,
    pub dry_run: bool,
}

pub async fn optimize_table(
    args: OptimizeArgs,
    config: &Config,
    catalog: JobCatalog,
) -> anyhow::Result<()> {
    let Some((database, table)) = args.table.split_once('.') else {
        anyhow::bail!("'{}' is not DATABASE.TABLE", args.table);
    };
    let iceberg = |fields: Value| json!({ "icebergConfiguration": fields });
    let configuration = json!({
        "compactionConfiguration": iceberg(json!({
            "minInputFiles": args.min_input_files,
            "strategy": args.strategy,
        })),
        "retentionConfiguration": iceberg(json!({
            "snapshotRetentionPeriodInDays": args.retention_days,
            "numberOfSnapshotsToRetain": args.snapshots_to_retain,
        })),
        "orphanFileDeletionConfiguration": iceberg(json!({
            "orphanFileRetentionPeriodInDays": args.retention_days,
            "location": args.location,
        })),
    });
    let settings =
        Settings::of(&args.kind, &configuration).map_err(|e| anyhow::anyhow!(e.message))?;
    let ident = table_of(&json!({ "DatabaseName": database, "TableName": table }));
    let (client, _) = job_run::client(config, catalog);
    let formats = config.table_formats();
    if args.dry_run {
        let Settings::OrphanFileDeletion {
            retention_days,
            location,
            ..
        } = settings
        else {
            anyhow::bail!("--dry-run is for --type {ORPHAN_FILE_DELETION}");
        };
        let delta = delta_location(client.as_ref(), &ident)
            .await
            .map_err(anyhow::Error::msg)?;
        if let Some(location) = delta {
            let older_than = chrono::Utc::now() - chrono::Duration::days(retention_days);
            let orphans = weir_delta::maintenance::delete_orphans(
                &formats.delta,
                &location,
                older_than,
                true,
            )
            .await?;
            for file in &orphans {
                println!("{file}");
            }
            eprintln!("{} orphan files (none deleted: dry run)", orphans.len());
            return Ok(());
        }
        let options = OrphanOptions {
            older_than: chrono::Utc::now() - chrono::Duration::days(retention_days),
            location,
            dry_run: true,
        };
        let report =
            orphans::delete_orphans(&formats.iceberg, client.as_ref(), &ident, &options).await?;
        for file in &report.orphans {
            println!("{file}");
        }
        eprintln!(
            "{} orphan files of {} scanned (none deleted: dry run)",
            report.orphans.len(),
            report.files_scanned
        );
        return Ok(());
    }
    let metrics = optimize(&formats, client.as_ref(), &ident, &settings)
        .await
        .map_err(anyhow::Error::msg)?;
    println!("{}", serde_json::to_string_pretty(&metrics)?);
    Ok(())
}
