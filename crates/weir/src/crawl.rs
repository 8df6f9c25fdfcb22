//! `weir crawl PATH… --database DB`: crawls in this process and prints the tables and
//! partitions it creates or, with `--dry-run`, would change. Its catalog is the metastore's, or
//! that of a running Weir service, as for `weir job run`.

use anyhow::Context;
use weir_crawler::crawl::{self, apply, Naming, Target};
use weir_engine::Engine;

use crate::config::Config;
use crate::job_run::{self, JobCatalog};

/// What to crawl and where its tables go.
pub struct CrawlArgs {
    pub paths: Vec<String>,
    pub database: String,
    pub table_prefix: String,
    pub exclusions: Vec<String>,
    pub sample_size: Option<usize>,
    pub dry_run: bool,
}

pub async fn run(args: CrawlArgs, config: &Config, catalog: JobCatalog) -> anyhow::Result<()> {
    let (client, with) = job_run::client(config, catalog);
    let engine = Engine::new(config.engine.clone());
    let targets: Vec<Target> = args
        .paths
        .iter()
        .map(|path| Target {
            path: path.clone(),
            exclusions: args.exclusions.clone(),
            sample_size: args.sample_size,
        })
        .collect();
    let naming = Naming {
        table_prefix: args.table_prefix.clone(),
        crawler: "weir-crawl".into(),
    };
    let started = std::time::Instant::now();
    // No custom classifiers: a crawl from the command line classifies as Glue's built-in ones.
    let plan = crawl::crawl(&engine, &targets, &naming, &crawl::Options::default())
        .await
        .map_err(anyhow::Error::msg)
        .context("crawling")?;
    for problem in &plan.problems {
        eprintln!("  ! {}: {}", problem.file, problem.reason);
    }
    let (calls, changes) = apply::changes(
        client.as_ref(),
        &args.database,
        &plan,
        &apply::Policy::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))
    .with_context(|| format!("reading the catalog{with}"))?;
    for (table, change) in plan.tables.iter().zip(&changes) {
        let sd = &table.input["StorageDescriptor"];
        let columns: Vec<String> = sd["Columns"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{} {}",
                    c["Name"].as_str().unwrap_or_default(),
                    c["Type"].as_str().unwrap_or_default()
                )
            })
            .collect();
        let keys: Vec<&str> = table.input["PartitionKeys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k["Name"].as_str())
            .collect();
        println!(
            "{}.{} ({}, {}): {}{}",
            args.database,
            change.table,
            table.input["Parameters"]["classification"]
                .as_str()
                .unwrap_or_default(),
            sd["Location"].as_str().unwrap_or_default(),
            change.action.as_str(),
            if change.partitions_added > 0 {
                format!(", {} partitions added", change.partitions_added)
            } else {
                String::new()
            }
        );
        println!("  columns: {}", columns.join(", "));
        if !keys.is_empty() {
            println!("  partition keys: {}", keys.join(", "));
        }
    }
    if args.dry_run {
        eprintln!(
            "dry run: {} files, {} tables, nothing changed ({:.2?})",
            plan.files,
            plan.tables.len(),
            started.elapsed()
        );
        return Ok(());
    }
    apply::apply(client.as_ref(), calls, weir_catalog::MAX_ATOMIC_CALLS)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))
        .with_context(|| format!("updating the catalog{with}"))?;
    eprintln!(
        "crawled {} files into {} tables of {}{with}, {} files not understood ({:.2?})",
        plan.files,
        plan.tables.len(),
        args.database,
        plan.problems.len(),
        started.elapsed()
    );
    Ok(())
}
