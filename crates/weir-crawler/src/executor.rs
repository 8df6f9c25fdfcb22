//! Crawls as runs of the job service: [`CrawlExecutor`] runs one crawl of a crawler — its
//! `S3Targets` listed and classified through the engine, buckets reached as their
//! `ConnectionName`s say (the engine's S3 connections, as a job's) — and makes the crawler's database hold
//! what it found, calling the catalog as the crawler's `Role` within its `SchemaChangePolicy`.
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

use crate::crawl::apply::{self, Action, Deletes, Policy, TableChange};
use crate::crawl::seen::SeenFolders;
use crate::crawl::{self, Naming, Target};

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
        Crawler::of(crawler, 0.0).map(|_| ())
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
            let crawler = Crawler::of(&spec.job, now)?;
            let result = run(&engine, &client, &store, &crawler, &spec).await;
            if let Err(message) = &result {
                spec.log.line(&format!("crawl failed: {message}"));
            }
            result
        })
    }
}

/// What a crawl of a crawler needs of its definition.
struct Crawler {
    name: String,
    database: String,
    targets: Vec<Target>,
    /// The catalog connections of its targets (`ConnectionName`): how to reach their buckets.
    connections: Vec<String>,
    /// The names of its custom classifiers, in its order.
    classifiers: Vec<String>,
    /// `RecrawlPolicy` `CRAWL_NEW_FOLDERS_ONLY`: files in folders crawled before are not read.
    new_folders_only: bool,
    naming: Naming,
    policy: Policy,
}

impl Crawler {
    /// The crawler of `doc`, crawling at `now`.
    fn of(doc: &Value, now: f64) -> Result<Crawler, String> {
        let name = doc["Name"].as_str().unwrap_or_default().to_string();
        let database = doc["DatabaseName"]
            .as_str()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                format!("Crawler {name} has no DatabaseName: the tables it finds need a database")
            })?
            .to_lowercase();
        let targets = doc.get("Targets").cloned().unwrap_or(json!({}));
        for (list, entries) in targets.as_object().into_iter().flatten() {
            let used = entries.as_array().is_some_and(|e| !e.is_empty());
            if used && list != "S3Targets" {
                return Err(format!(
                    "Crawler {name} has {list}: Weir crawls S3Targets (paths of any object store it reaches)"
                ));
            }
        }
        let targets: Vec<Target> = targets["S3Targets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| Target {
                path: t["Path"].as_str().unwrap_or_default().to_string(),
                exclusions: t["Exclusions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.as_str().map(String::from))
                    .collect(),
            })
            .collect();
        if targets.is_empty() {
            return Err(format!("Crawler {name} has no S3Targets to crawl"));
        }
        let mut connections: Vec<String> = doc["Targets"]["S3Targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["ConnectionName"].as_str())
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect();
        connections.sort();
        connections.dedup();
        let deletes = match doc
            .pointer("/SchemaChangePolicy/DeleteBehavior")
            .and_then(Value::as_str)
        {
            Some("DELETE_FROM_DATABASE") => Deletes::Delete,
            Some("LOG") => Deletes::Log,
            _ => Deletes::Deprecate,
        };
        let policy = Policy {
            update_tables: doc.pointer("/SchemaChangePolicy/UpdateBehavior") != Some(&json!("LOG")),
            deletes,
            crawler: Some(name.clone()),
            now,
        };
        Ok(Crawler {
            naming: Naming {
                table_prefix: doc["TablePrefix"].as_str().unwrap_or_default().to_string(),
                crawler: name.clone(),
            },
            name,
            database,
            targets,
            connections,
            classifiers: doc["Classifiers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(String::from))
                .collect(),
            new_folders_only: doc.pointer("/RecrawlPolicy/RecrawlBehavior")
                == Some(&json!("CRAWL_NEW_FOLDERS_ONLY")),
            policy,
        })
    }
}

async fn run(
    engine: &Engine,
    catalog: &dyn CatalogClient,
    store: &Metastore,
    crawler: &Crawler,
    spec: &RunSpec,
) -> Result<RunReport, String> {
    let log = &spec.log;
    let started = std::time::Instant::now();
    log.line(&format!(
        "crawl {} of crawler {}: {} target(s) into database {}",
        spec.run_id,
        crawler.name,
        crawler.targets.len(),
        crawler.database
    ));
    let buckets = s3_buckets(catalog, &crawler.connections)
        .await
        .map_err(|e| e.to_string())?;
    let engine = engine.clone().with_s3_buckets(buckets);
    let classifiers = classifiers(store, &crawler.classifiers).await?;
    let seen = match crawler.new_folders_only {
        true => seen_folders(catalog, crawler)
            .await
            .map_err(|e| format!("reading the catalog: {}", e.message))?,
        false => SeenFolders::default(),
    };
    let plan = crawl::crawl(
        &engine,
        &crawler.targets,
        &crawler.naming,
        &classifiers,
        &seen,
    )
    .await?;
    if plan.not_read > 0 {
        log.line(&format!(
            "{} files in folders crawled before were not read (RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY)",
            plan.not_read
        ));
    }
    for problem in &plan.problems {
        log.line(&format!("skipped {}: {}", problem.file, problem.reason));
    }
    let (calls, changes) = apply::changes(catalog, &crawler.database, &plan, &crawler.policy)
        .await
        .map_err(|e| format!("reading the catalog: {}", e.message))?;
    for change in &changes {
        log.line(&format!(
            "table {}.{}: {}{}",
            crawler.database,
            change.table,
            change.action.as_str(),
            match change.partitions_added {
                0 => String::new(),
                n => format!(", {n} partitions added"),
            } + &match (change.partitions_gone, crawler.policy.deletes) {
                (0, _) => String::new(),
                (n, Deletes::Delete) => format!(", {n} partitions whose folders are gone deleted"),
                (n, _) => format!(", {n} partitions whose folders are gone left as they were"),
            }
        ));
    }
    apply::apply(catalog, calls, weir_catalog::MAX_ATOMIC_CALLS)
        .await
        .map_err(|e| format!("updating the catalog: {}", e.message))?;
    log.line(&format!(
        "crawled {} files into {} tables, {} files skipped, in {:.3?}",
        plan.files,
        plan.tables.len(),
        plan.problems.len(),
        started.elapsed()
    ));
    Ok(RunReport {
        summary: Some(summary(&changes, crawler.policy.deletes)),
        ..RunReport::default()
    })
}

/// The folders of the tables the crawler made, and of their partitions.
async fn seen_folders(
    catalog: &dyn CatalogClient,
    crawler: &Crawler,
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
pub fn summary(changes: &[TableChange], deletes: Deletes) -> String {
    let count = |action: Action| changes.iter().filter(|c| c.action == action).count();
    let added: usize = changes.iter().map(|c| c.partitions_added).sum();
    let deleted: usize = match deletes {
        Deletes::Delete => changes.iter().map(|c| c.partitions_gone).sum(),
        _ => 0,
    };
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
