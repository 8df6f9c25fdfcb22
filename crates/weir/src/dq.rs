//! `weir dq evaluate --ruleset FILE DATASET`: evaluates a DQDL ruleset on a catalog table
//! (`database.table`) or files in this process and prints each rule's outcome, as a table or as
//! Glue's result JSON. `weir dq recommend DATASET` profiles the dataset and prints a ruleset
//! that it passes.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde_json::json;
use weir_engine::dataset::Dataset;
use weir_quality::eval::files::FileAccess;
use weir_quality::eval::{self, Evaluation, NoHistory};

use crate::config::Config;
use crate::datasets::{dataset, engine, print, Format};
use crate::job_run::JobCatalog;

/// What `weir dq evaluate` was asked.
pub struct EvaluateArgs {
    pub ruleset: std::path::PathBuf,
    pub dataset: String,
    /// `alias=DATASET` reference datasets.
    pub references: Vec<String>,
    pub file_format: Option<String>,
    pub format: Format,
}

pub async fn evaluate(
    args: EvaluateArgs,
    config: &Config,
    catalog: JobCatalog,
) -> anyhow::Result<()> {
    let text = read_ruleset(&args.ruleset)?;
    let ruleset = weir_quality::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.ruleset.display()))?;
    let primary = dataset(&args.dataset, &args.file_format);
    let mut references = Vec::new();
    for reference in &args.references {
        let (alias, source) = reference
            .split_once('=')
            .with_context(|| format!("--reference {reference}: expected ALIAS=DATASET"))?;
        references.push((alias.to_string(), dataset(source, &args.file_format)));
    }
    let all: Vec<&Dataset> = std::iter::once(&primary)
        .chain(references.iter().map(|(_, d)| d))
        .collect();
    let engine = engine(config, catalog, &all).await;
    let ctx = engine.session()?;
    let started = std::time::Instant::now();
    let frame = primary
        .read(&engine, &ctx)
        .await
        .map_err(anyhow::Error::msg)?;
    let mut frames = BTreeMap::new();
    for (alias, reference) in &references {
        let df = reference
            .read(&engine, &ctx)
            .await
            .map_err(anyhow::Error::msg)?;
        frames.insert(alias.clone(), df);
    }
    let evaluation = eval::evaluate(
        &ctx,
        frame,
        frames,
        &ruleset,
        chrono::Utc::now(),
        &NoHistory,
        Some(&FileAccess {
            engine: Some(&engine),
            dataset: primary.files(&engine).await,
        }),
    )
    .await
    .map_err(anyhow::Error::msg)?;
    match args.format {
        Format::Json => {
            let mut out = evaluation.to_json();
            out["RowCount"] = json!(evaluation.rows);
            out["Scans"] = json!(evaluation.scans);
            print(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        }
        Format::Table => print(&table(&evaluation, &primary, started.elapsed()))?,
    }
    Ok(())
}

fn read_ruleset(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// `name = value, …`
fn metrics(metrics: &[(String, Option<f64>)]) -> String {
    let shown: Vec<String> = metrics
        .iter()
        .map(|(n, v)| format!("{n} = {}", eval::judge::shown(*v)))
        .collect();
    shown.join(", ")
}

/// The results as a table (the summary goes to stderr).
fn table(evaluation: &Evaluation, dataset: &Dataset, elapsed: std::time::Duration) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let width = evaluation
        .rules
        .iter()
        .map(|r| r.description.chars().count())
        .max()
        .unwrap_or(0)
        .min(70);
    for r in &evaluation.rules {
        let _ = writeln!(
            out,
            "{:<8} {:<5} {:<width$}  {}",
            r.name,
            r.outcome.as_str(),
            r.description,
            metrics(&r.metrics)
        );
        if let Some(m) = &r.message {
            let _ = writeln!(out, "{:<14} {m}", "");
        }
    }
    for a in &evaluation.analyzers {
        let _ = writeln!(
            out,
            "{:<14} {:<width$}  {}",
            a.name,
            a.description,
            metrics(&a.metrics)
        );
    }
    for o in &evaluation.observations {
        let _ = writeln!(
            out,
            "anomaly: {}",
            o.to_json()["Description"].as_str().unwrap_or_default()
        );
    }
    let passed = evaluation
        .rules
        .iter()
        .filter(|r| r.outcome == eval::Outcome::Pass)
        .count();
    let score = evaluation
        .score
        .map_or("no rules".to_string(), |s| format!("score {s:.2}"));
    eprintln!(
        "{}: {passed} of {} rules passed ({score}), {} rows, {} scan(s), {:.2?}",
        dataset.describe(),
        evaluation.rules.len(),
        evaluation.rows,
        evaluation.scans,
        elapsed
    );
    out
}

/// `weir dq recommend DATASET`.
pub async fn recommend(
    dataset_text: &str,
    file_format: &Option<String>,
    config: &Config,
    catalog: JobCatalog,
) -> anyhow::Result<()> {
    let data = dataset(dataset_text, file_format);
    let engine = engine(config, catalog, &[&data]).await;
    let ctx = engine.session()?;
    let frame = data.read(&engine, &ctx).await.map_err(anyhow::Error::msg)?;
    let (ruleset, count) = weir_quality::recommend::recommend(&ctx, frame, chrono::Utc::now())
        .await
        .map_err(anyhow::Error::msg)?;
    print(&format!("{ruleset}\n"))?;
    eprintln!("{}: {count} rules recommended", data.describe());
    Ok(())
}
