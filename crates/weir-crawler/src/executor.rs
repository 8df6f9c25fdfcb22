//! Crawls as runs of the job service: [`CrawlExecutor`] runs one crawl of a crawler — its
//! `S3Targets` listed and classified through the engine, buckets reached as their
//! `ConnectionName`s say (the engine's S3 connections, as a job's), and the locations of its
//! `CatalogTargets`' tables ([`crate::catalog_targets`]) — and makes the catalog hold what it
//! found, calling it as the crawler's `Role` within its `SchemaChangePolicy`.
//! The run's log names each file the crawl could not read and each table it changed; its
//! summary counts what changed (ListCrawls' `Summary`, GetCrawlerMetrics' tables).

use serde_json::{json, Value};
use weir_catalog::Catalog;
use weir_engine::catalog::{CatalogClient, CatalogError};
use weir_engine::job::connections::s3_buckets;
use weir_engine::Engine;
use weir_jobs::catalog_client::ServiceCatalog;
use weir_jobs::executor::ExecFuture;
use weir_jobs::run_access::RunAccess;
use weir_jobs::{Executor, RunReport, RunSpec};
use weir_metastore::classifiers::CLASSIFIERS;
use weir_metastore::Metastore;

use crate::catalog_targets;
use crate::crawl::apply::{self, Action, Policy, TableChange};
use crate::crawl::seen::SeenFolders;
use crate::crawl::{self, CrawlPlan};
use crate::crawl_spec::CrawlSpec;

/// Runs crawls in this process.
pub struct CrawlExecutor {
    engine: Engine,
    catalog: Catalog,
    access: RunAccess,
}

impl CrawlExecutor {
    /// Crawls read files through `engine` and change `catalog` as the principal `access` says
    /// a run acts as.
    pub fn new(engine: Engine, catalog: Catalog, access: RunAccess) -> Self {
        Self {
            engine,
            catalog,
            access,
        }
    }
}

impl Executor for CrawlExecutor {
    fn check(&self, crawler: &Value) -> Result<(), String> {
        CrawlSpec::of(crawler, 0.0).map(|_| ())
    }

    fn execute(&self, spec: RunSpec) -> ExecFuture {
        let principal = self.access.principal(&spec).cloned();
        let client = ServiceCatalog::acting_as(&self.catalog, principal);
        let engine = self.engine.clone();
        let store = self.catalog.store().clone();
        Box::pin(async move {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            let crawl = CrawlSpec::of(&spec.job, now)?;
            let result = run(&engine, &client, &store, &crawl, &spec).await;
            if let Err(message) = &result {
                spec.log.line(&format!("crawl failed: {message}"));
            }
            result
        })
    }
}

async fn run(
    engine: &Engine,
    catalog: &dyn CatalogClient,
    store: &Metastore,
    crawl: &CrawlSpec,
    spec: &RunSpec,
) -> Result<RunReport, String> {
    let log = &spec.log;
    let started = std::time::Instant::now();
    log.line(&format!(
        "crawl {} of crawler {}: {} S3 target(s), {} JDBC target(s), {} Iceberg target(s), {} Delta target(s), {} catalog table(s)",
        spec.run_id,
        crawl.name,
        crawl.s3.len(),
        crawl.jdbc.len(),
        crawl.iceberg.len(),
        crawl.delta.len(),
        crawl.catalog_tables.len()
    ));
    let buckets = s3_buckets(catalog, &crawl.connections)
        .await
        .map_err(|e| e.to_string())?;
    let engine = engine.clone().with_s3_buckets(buckets);
    let mut options = crawl::Options {
        classifiers: classifiers(store, &crawl.classifiers).await?,
        combine_compatible: crawl.configuration.combine_compatible,
        table_level: crawl.configuration.table_level,
        ..crawl::Options::default()
    };
    let reading = |e: CatalogError| format!("reading the catalog: {}", e.message);
    // What each database should hold, and within which policy.
    let mut plans: Vec<(String, CrawlPlan, Policy)> = Vec::new();
    if !(crawl.s3.is_empty()
        && crawl.jdbc.is_empty()
        && crawl.iceberg.is_empty()
        && crawl.delta.is_empty())
    {
        let mut plan = CrawlPlan::default();
        if !crawl.s3.is_empty() {
            if crawl.new_folders_only {
                options.seen = seen_folders(catalog, crawl).await.map_err(reading)?;
            }
            plan = crawl::crawl(&engine, &crawl.s3, &crawl.naming, &options).await?;
            if plan.not_read > 0 {
                log.line(&format!(
                    "{} files in folders crawled before were not read (RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY)",
                    plan.not_read
                ));
            }
        }
        // One plan for the crawler's database: a table of either kind missing from it is gone.
        let tables = crawl::jdbc::crawl(catalog, &crawl.jdbc, &crawl.naming).await?;
        plan.tables.extend(tables.tables);
        for tables in [
            crawl::iceberg::crawl(&engine, &crawl.iceberg, &crawl.naming).await?,
            crawl::delta::crawl(&engine, &crawl.delta, &crawl.naming).await?,
        ] {
            plan.files += tables.files;
            plan.tables.extend(tables.tables);
        }
        plans.push((crawl.database.clone(), plan, crawl.policy.clone()));
    }
    let catalog_plans = catalog_targets::plans(
        &engine,
        catalog,
        &crawl.catalog_tables,
        &crawl.naming,
        &options,
    )
    .await?;
    for (database, plan) in catalog_plans {
        // A catalog target's tables are the ones named: none is found gone.
        let policy = Policy {
            crawler: None,
            ..crawl.policy.clone()
        };
        plans.push((database, plan, policy));
    }
    let (mut calls, mut changes) = (Vec::new(), Vec::new());
    let (mut files, mut tables, mut skipped) = (0, 0, 0);
    for (database, plan, policy) in &plans {
        for problem in &plan.problems {
            log.line(&format!("skipped {}: {}", problem.file, problem.reason));
        }
        let (more_calls, more_changes) = apply::changes(catalog, database, plan, policy)
            .await
            .map_err(reading)?;
        for change in &more_changes {
            log.line(&format!(
                "table {database}.{}: {}",
                change.table,
                change.described()
            ));
        }
        calls.extend(more_calls);
        changes.extend(more_changes);
        files += plan.files;
        tables += plan.tables.len();
        skipped += plan.problems.len();
    }
    let created = changes
        .iter()
        .filter(|c| c.action == Action::Created)
        .count();
    if let Some(threshold) = crawl.configuration.table_threshold.filter(|t| created > *t) {
        return Err(format!(
            "the crawl would create {created} tables, more than the crawler's TableThreshold of {threshold}: nothing was changed"
        ));
    }
    apply::apply(catalog, calls, weir_catalog::MAX_ATOMIC_CALLS)
        .await
        .map_err(|e| format!("updating the catalog: {}", e.message))?;
    log.line(&format!(
        "crawled {files} files into {tables} tables, {skipped} skipped, in {:.3?}",
        started.elapsed()
    ));
    Ok(RunReport {
        summary: Some(summary(&changes)),
        ..RunReport::default()
    })
}

/// The folders of the tables the crawler made, and of their partitions.
async fn seen_folders(
    catalog: &dyn CatalogClient,
    crawler: &CrawlSpec,
) -> Result<SeenFolders, CatalogError> {
    let mut seen = SeenFolders::default();
    for table in apply::crawler_tables(catalog, &crawler.database, &crawler.name).await? {
        let name = table["Name"].as_str().unwrap_or_default();
        let partitions = apply::partitions(catalog, &crawler.database, name).await?;
        seen.add_table(&table, &partitions);
    }
    Ok(seen)
}

/// The `Classifier` documents of `names`, in order; a name no classifier has is passed over (as
/// `CreateCrawler` accepts it).
async fn classifiers(store: &Metastore, names: &[String]) -> Result<Vec<Value>, String> {
    let read = |e: weir_metastore::Error| format!("reading the crawler's classifiers: {e}");
    let mut tx = store.read().await.map_err(read)?;
    let mut found = Vec::with_capacity(names.len());
    for name in names {
        if let Some(doc) = CLASSIFIERS.get(&mut tx, name).await.map_err(read)? {
            found.push(doc);
        }
    }
    Ok(found)
}

/// A crawl's `Summary` as Glue writes it: counts of tables and partitions by action, e.g.
/// `{"TABLE":{"ADD":{"Count":2}},"PARTITION":{"ADD":{"Count":8}}}`.
pub fn summary(changes: &[TableChange]) -> String {
    let count = |action: Action| changes.iter().filter(|c| c.action == action).count();
    let added: usize = changes.iter().map(|c| c.partitions_added).sum();
    let deleted: usize = changes.iter().map(|c| c.partitions_deleted).sum();
    let counts = |pairs: [(&str, usize); 3]| {
        let present: serde_json::Map<String, Value> = pairs
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(key, n)| (key.to_string(), json!({ "Count": n })))
            .collect();
        (!present.is_empty()).then_some(Value::Object(present))
    };
    let mut summary = serde_json::Map::new();
    let tables = counts([
        ("ADD", count(Action::Created)),
        ("UPDATE", count(Action::Updated) + count(Action::Deprecated)),
        ("DELETE", count(Action::Deleted)),
    ]);
    if let Some(tables) = tables {
        summary.insert("TABLE".into(), tables);
    }
    if let Some(partitions) = counts([("ADD", added), ("UPDATE", 0), ("DELETE", deleted)]) {
        summary.insert("PARTITION".into(), partitions);
    }
    Value::Object(summary).to_string()
}
