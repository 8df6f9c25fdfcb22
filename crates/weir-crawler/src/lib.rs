//! Crawlers and classifiers: the Glue crawler and classifier API over the metastore, and
//! crawls, which list a target's files through the engine's object stores, infer each
//! folder's format and schema ([`crawl`]) and keep the catalog's tables and partitions true to
//! them.
//!
//! [`CrawlerService`] serves the API, each operation reading validate → one metastore
//! transaction → check → act → commit, as the job service does:
//! - [`definitions`](crate::definitions): crawlers (create, update, get, list, delete) and their
//!   schedules (`UpdateCrawlerSchedule`, `StartCrawlerSchedule`, `StopCrawlerSchedule`);
//! - [`crawls`](crate::crawls): `StartCrawler` and `StopCrawler` — a crawl is a run of the job
//!   service, queued, timed out, stopped and recorded by its machinery — and a crawler's state
//!   and last crawl, read from its crawls;
//! - [`executor`]: what runs a crawl ([`crawl`] on the engine, then the catalog's changes) of
//!   what the crawler's definition says ([`crawl_spec`](crate::crawl_spec)), its `CatalogTargets`
//!   included ([`catalog_targets`](crate::catalog_targets));
//! - [`firing`](crate::firing): each server's loop that starts the crawls of schedules due;
//! - [`classifiers`](crate::classifiers): Grok, XML, JSON and CSV classifiers;
//! - [`history`](crate::history): `ListCrawls` and `GetCrawlerMetrics`, read from the crawls a
//!   crawler ran;
//! - [`schedule`]: Glue's `cron(…)` syntax and the next firing of a schedule.

mod catalog_targets;
mod classifiers;
pub mod crawl;
mod crawl_spec;
mod crawls;
mod definitions;
pub mod executor;
mod firing;
mod history;
pub mod schedule;

use std::sync::Arc;

use serde_json::{json, Map, Value};
use weir_catalog::request::{listing, named_page, Req};
use weir_catalog::{CatalogIdentity, Clock};
use weir_jobs::JobService;
use weir_metastore::named_docs::{NamedDocs, Read};
use weir_metastore::{Metastore, Tx};
use weir_model::{ErrorKind, GlueError, Result};

/// The crawler and classifier service.
#[derive(Clone)]
pub struct CrawlerService {
    inner: Arc<Inner>,
    /// The principal this clone's operations are made by (see [`CrawlerService::acting_as`]).
    caller: Option<Arc<str>>,
}

struct Inner {
    store: Metastore,
    identity: CatalogIdentity,
    clock: Arc<dyn Clock>,
    /// Runs the crawls.
    jobs: JobService,
}

impl CrawlerService {
    /// The crawlers of `store`, crawled by `jobs` (on its metastore, `store`).
    pub fn new(
        store: Metastore,
        identity: CatalogIdentity,
        clock: Arc<dyn Clock>,
        jobs: JobService,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                identity,
                clock,
                jobs,
            }),
            caller: None,
        }
    }

    /// This service, its operations made by the principal `name` (a crawl records who started
    /// it; it runs as its crawler's `Role`); `None` when requests are not authenticated.
    pub fn acting_as(&self, name: Option<&str>) -> CrawlerService {
        CrawlerService {
            inner: self.inner.clone(),
            caller: name.map(Arc::from),
        }
    }

    /// The principal this service acts as, if requests are authenticated.
    pub fn caller(&self) -> Option<&str> {
        self.caller.as_deref()
    }

    /// Whether this service implements the operation.
    pub fn serves(operation: &str) -> bool {
        OPERATIONS.contains(&operation)
    }

    /// Serves one Glue operation (the body validated against the model already).
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value> {
        let req = Req(body);
        match operation {
            "CreateCrawler" => self.create_crawler(req).await,
            "GetCrawler" => self.get_crawler(req).await,
            "GetCrawlers" => self.get_crawlers(req).await,
            "BatchGetCrawlers" => self.batch_get_crawlers(req).await,
            "ListCrawlers" => self.list_crawlers(req).await,
            "UpdateCrawler" => self.update_crawler(req).await,
            "DeleteCrawler" => self.delete_crawler(req).await,
            "StartCrawler" => self.start_crawler(req).await,
            "StopCrawler" => self.stop_crawler(req).await,
            "UpdateCrawlerSchedule" => self.update_crawler_schedule(req).await,
            "StartCrawlerSchedule" => self.start_crawler_schedule(req).await,
            "StopCrawlerSchedule" => self.stop_crawler_schedule(req).await,
            "GetCrawlerMetrics" => self.get_crawler_metrics(req).await,
            "ListCrawls" => self.list_crawls(req).await,
            "CreateClassifier" => self.create_classifier(req).await,
            "GetClassifier" => self.get_classifier(req).await,
            "GetClassifiers" => self.get_classifiers(req).await,
            "UpdateClassifier" => self.update_classifier(req).await,
            "DeleteClassifier" => self.delete_classifier(req).await,
            other => Err(GlueError::new(
                ErrorKind::UnknownOperation,
                format!("Operation {other} is not served by Weir's crawler service"),
            )),
        }
    }

    fn now(&self) -> f64 {
        self.inner.clock.now()
    }

    /// Stamps a new definition: `CreationTime` and `LastUpdated` now, `Version` 1.
    fn first_version(&self, created: &mut Map<String, Value>) {
        let now = self.now();
        created.insert("CreationTime".into(), json!(now));
        created.insert("LastUpdated".into(), json!(now));
        created.insert("Version".into(), json!(1));
    }

    /// Marks a stored definition changed: `Version` one more, `LastUpdated` now.
    fn bump_version(&self, changed: &mut Map<String, Value>) {
        let version = changed.get("Version").and_then(Value::as_i64).unwrap_or(0);
        changed.insert("Version".into(), json!(version + 1));
        changed.insert("LastUpdated".into(), json!(self.now()));
    }

    /// One page of a table's documents, as `GetClassifiers` answers.
    async fn documents(&self, table: NamedDocs, req: Req<'_>, member: &str) -> Result<Value> {
        /// The largest page of GetClassifiers.
        const PAGE: usize = 1000;
        let mut tx = self.inner.store.read().await?;
        let (page, next) = named_page(&mut tx, table, req, PAGE, None, |_| String::new()).await?;
        Ok(listing(
            member,
            page.into_iter().map(|(_, doc)| doc).collect(),
            next,
        ))
    }

    /// A crawler's ARN, under which its tags are kept.
    pub fn crawler_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:glue:{}:{}:crawler/{name}",
            self.inner.identity.region, self.inner.identity.account_id
        )
    }
}

/// Glue's message for a name taken already by an `entity`.
fn already_exists(entity: &str, name: &str) -> String {
    format!("{entity} with name {name} already exists")
}

/// Replaces `name`'s document in `table` if it is still the one `read` in this transaction;
/// else (a concurrent writer was first) `VersionMismatchException`, naming the `entity`.
async fn write_unchanged(
    tx: &mut Tx,
    table: NamedDocs,
    entity: &str,
    name: &str,
    doc: &Value,
    read: &Read,
) -> Result<()> {
    if table.update(tx, name, doc, Some(read)).await? {
        return Ok(());
    }
    Err(GlueError::new(
        ErrorKind::VersionMismatch,
        format!("{entity} {name} was changed concurrently; read it again and retry"),
    ))
}

/// Every operation [`CrawlerService::call`] serves.
pub const OPERATIONS: &[&str] = &[
    "CreateCrawler",
    "GetCrawler",
    "GetCrawlers",
    "BatchGetCrawlers",
    "ListCrawlers",
    "UpdateCrawler",
    "DeleteCrawler",
    "StartCrawler",
    "StopCrawler",
    "UpdateCrawlerSchedule",
    "StartCrawlerSchedule",
    "StopCrawlerSchedule",
    "GetCrawlerMetrics",
    "ListCrawls",
    "CreateClassifier",
    "GetClassifier",
    "GetClassifiers",
    "UpdateClassifier",
    "DeleteClassifier",
];
