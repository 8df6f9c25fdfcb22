//! `weir pii scan DATASET`: which columns of a catalog table or files hold which sensitive entity
//! types, with the rows they are in and the first positions found; values are printed only with
//! `--show-values`.

use std::fmt::Write;

use anyhow::Context;
use weir_pii::detect::Sensitivity;
use weir_pii::entity_type::{EntityType, ManagedEntity};

use crate::config::Config;
use crate::datasets::{dataset, engine, print, Format};
use crate::job_run::JobCatalog;

/// What `weir pii scan` was asked.
pub struct ScanArgs {
    pub dataset: String,
    /// Entity type names; all managed types when empty.
    pub entity_types: Vec<String>,
    pub sensitivity: String,
    pub show_values: bool,
    pub file_format: Option<String>,
    pub format: Format,
}

pub async fn scan(args: ScanArgs, config: &Config, catalog: JobCatalog) -> anyhow::Result<()> {
    let entity_types: Vec<EntityType> = if args.entity_types.is_empty() {
        ManagedEntity::all().map(EntityType::Managed).collect()
    } else {
        args.entity_types
            .iter()
            .map(|name| EntityType::resolve(name, std::iter::empty()))
            .collect::<Result<_, _>>()
            .context("--entity-types")?
    };
    let sensitivity: Sensitivity = args.sensitivity.parse().context("--sensitivity")?;
    let data = dataset(&args.dataset, &args.file_format);
    let engine = engine(config, catalog, &[&data]).await;
    let ctx = engine.session()?;
    let started = std::time::Instant::now();
    let frame = data.read(&engine, &ctx).await.map_err(anyhow::Error::msg)?;
    let report = weir_pii::scan::scan(frame, &entity_types, &[], sensitivity, args.show_values)
        .await
        .map_err(anyhow::Error::msg)?;
    match args.format {
        Format::Json => print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report.to_json())?
        ))?,
        Format::Table => {
            let mut out = String::new();
            for ((column, entity), found) in &report.findings {
                let samples: Vec<String> = found
                    .samples
                    .iter()
                    .map(|p| match &p.value {
                        Some(v) => format!("row {} [{}..{}] {v:?}", p.row, p.start, p.end),
                        None => format!("row {} [{}..{}]", p.row, p.start, p.end),
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "{column:<24} {entity:<28} {:>10} rows {:>6.2}%  {}",
                    found.rows,
                    if report.rows == 0 {
                        0.0
                    } else {
                        found.rows as f64 * 100.0 / report.rows as f64
                    },
                    samples.join(", ")
                );
            }
            print(&out)?;
        }
    }
    eprintln!(
        "{}: {} rows, {} text columns scanned for {} entity types, {} column/type pairs found ({:.2?})",
        data.describe(),
        report.rows,
        report.columns.len(),
        entity_types.len(),
        report.findings.len(),
        started.elapsed()
    );
    Ok(())
}
