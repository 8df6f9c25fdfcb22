//! Crawls as runs of the job service, end to end on both metastores: StartCrawler queues a
//! crawl that reads real files into the catalog, the crawler's state and last crawl follow it,
//! StopCrawler stops it, ListCrawls and GetCrawlerMetrics read what the crawls did, and
//! schedules fire by the service's clock — once per firing, across a restart.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use weir_catalog::{Catalog, Clock};
use weir_crawler::executor::CrawlExecutor;
use weir_crawler::CrawlerService;
use weir_engine::Engine;
use weir_jobs::executor::ExecFuture;
use weir_jobs::run_access::RunAccess;
use weir_jobs::{Executor, Executors, JobService, JobsConfig, RunSpec};
use weir_metastore::crawlers::CRAWLERS;
use weir_model::{ErrorKind, GlueError};

use crate::support::{backends, Backend};

/// A clock that moves only when told: 2027-01-15 08:00:00 UTC to begin with.
#[derive(Clone)]
struct ManualClock(Arc<Mutex<f64>>);

const START: f64 = 1_800_000_000.0;

impl ManualClock {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(START)))
    }

    fn set(&self, seconds: f64) {
        *self.0.lock().unwrap() = seconds;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> f64 {
        *self.0.lock().unwrap()
    }
}

/// Job runs are not what these tests run.
struct NoJobs;

impl Executor for NoJobs {
    fn check(&self, _: &Value) -> Result<(), String> {
        Err("no jobs here".into())
    }

    fn execute(&self, _: RunSpec) -> ExecFuture {
        Box::pin(async { Err("no jobs here".to_string()) })
    }
}

/// The crawler service of one server on the catalog's metastore, crawling on the engine,
/// without background loops: the test drives the scheduler (`tick`) and the schedules.
fn service(catalog: &Catalog, clock: &ManualClock) -> (CrawlerService, JobService) {
    let crawls = CrawlExecutor::new(Engine::default(), catalog.clone(), RunAccess::default());
    let jobs = JobService::new(
        catalog.store().clone(),
        catalog.identity().clone(),
        Arc::new(clock.clone()),
        Executors::new(Arc::new(NoJobs)).with_crawls(Arc::new(crawls)),
        JobsConfig::default(),
    );
    let crawlers = CrawlerService::new(
        catalog.store().clone(),
        catalog.identity().clone(),
        Arc::new(clock.clone()),
        jobs.clone(),
    );
    (crawlers, jobs)
}

/// A test's world on one backend: its catalog, a crawler service of one server driven by a
/// manual clock, and a folder for data.
struct Setup {
    label: &'static str,
    catalog: Catalog,
    clock: ManualClock,
    crawlers: CrawlerService,
    jobs: JobService,
    data: tempfile::TempDir,
}

impl Setup {
    async fn new(backend: &Backend) -> Setup {
        let catalog = backend.catalog().await;
        let clock = ManualClock::new();
        let (crawlers, jobs) = service(&catalog, &clock);
        Setup {
            label: backend.label(),
            catalog,
            clock,
            crawlers,
            jobs,
            data: tempfile::tempdir().unwrap(),
        }
    }
}

async fn call(service: &CrawlerService, op: &str, body: Value) -> Value {
    service
        .call(op, &body)
        .await
        .unwrap_or_else(|e| panic!("{op}: {e}"))
}

async fn refused(service: &CrawlerService, op: &str, body: Value) -> GlueError {
    match service.call(op, &body).await {
        Ok(v) => panic!("{op} should have failed, returned {v}"),
        Err(e) => e,
    }
}

async fn crawler(service: &CrawlerService, name: &str) -> Value {
    call(service, "GetCrawler", json!({ "Name": name })).await["Crawler"].clone()
}

/// Runs what is queued and waits (a bounded while) until the crawler is READY again.
async fn crawl_to_end(service: &CrawlerService, jobs: &JobService, name: &str) -> Value {
    jobs.tick().await.unwrap();
    for _ in 0..1000 {
        let c = crawler(service, name).await;
        if c["State"] == "READY" {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "crawler {name} did not finish: {}",
        crawler(service, name).await
    );
}

fn write(root: &Path, path: &str, text: &str) {
    let file = root.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, text).unwrap();
}

fn crawl_ids(page: &Value) -> Vec<String> {
    page["Crawls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["CrawlId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn crawls_run_on_the_job_service_and_are_recorded() {
    for backend in backends().await {
        let Setup {
            label,
            catalog,
            clock: _,
            crawlers,
            jobs,
            data,
        } = Setup::new(&backend).await;
        write(
            data.path(),
            "sales/year=2024/a.csv",
            "id,amount\n1,2.5\n2,3.5\n",
        );
        write(data.path(), "sales/year=2025/a.csv", "id,amount\n3,4.5\n");
        let target = format!("file://{}/sales/", data.path().display());
        call(
            &crawlers,
            "CreateCrawler",
            json!({"Name": "sales", "Role": "r", "DatabaseName": "lake",
                   "Targets": {"S3Targets": [{"Path": target}]}, "Tags": {"team": "data"}}),
        )
        .await;
        let ready = crawler(&crawlers, "sales").await;
        assert_eq!(ready["State"], json!("READY"), "{label}");
        assert!(ready.get("LastCrawl").is_none(), "{label}: {ready}");

        // Queued: the crawler is RUNNING, and can be neither started again nor changed.
        call(&crawlers, "StartCrawler", json!({"Name": "sales"})).await;
        assert_eq!(
            crawler(&crawlers, "sales").await["State"],
            json!("RUNNING"),
            "{label}"
        );
        for (op, body) in [
            ("StartCrawler", json!({"Name": "sales"})),
            (
                "UpdateCrawler",
                json!({"Name": "sales", "Description": "x"}),
            ),
            ("DeleteCrawler", json!({"Name": "sales"})),
        ] {
            let e = refused(&crawlers, op, body).await;
            assert_eq!(e.kind, ErrorKind::CrawlerRunning, "{label}: {op}");
        }
        let first = crawl_to_end(&crawlers, &jobs, "sales").await;
        assert_eq!(
            first["LastCrawl"]["Status"],
            json!("SUCCEEDED"),
            "{label}: {first}"
        );
        assert_eq!(
            first["LastCrawl"]["LogGroup"],
            json!("/aws-glue/crawlers"),
            "{label}"
        );
        assert_eq!(first["LastCrawl"]["LogStream"], json!("sales"), "{label}");
        let table = catalog
            .call(
                "GetTable",
                &json!({"DatabaseName": "lake", "Name": "sales"}),
            )
            .await
            .unwrap();
        assert_eq!(
            table["Table"]["PartitionKeys"],
            json!([{"Name": "year", "Type": "bigint"}]),
            "{label}"
        );
        assert_eq!(
            table["Table"]["Parameters"]["UPDATED_BY_CRAWLER"],
            json!("sales"),
            "{label}"
        );

        // A new partition folder: the next crawl adds it and the table's sizes and counts.
        write(data.path(), "sales/year=2026/a.csv", "id,amount\n4,5.5\n");
        crawl_once(&crawlers, &jobs, "sales").await;
        let partitions = partition_count(&catalog, "lake", "sales").await;
        assert_eq!(partitions, 3, "{label}");

        // Stopped before it started: STOPPED at once, the last crawl CANCELLED.
        call(&crawlers, "StartCrawler", json!({"Name": "sales"})).await;
        call(&crawlers, "StopCrawler", json!({"Name": "sales"})).await;
        let stopped = crawler(&crawlers, "sales").await;
        assert_eq!(stopped["State"], json!("READY"), "{label}");
        assert_eq!(
            stopped["LastCrawl"]["Status"],
            json!("CANCELLED"),
            "{label}"
        );
        let e = refused(&crawlers, "StopCrawler", json!({"Name": "sales"})).await;
        assert_eq!(e.kind, ErrorKind::CrawlerNotRunning, "{label}");
        assert_eq!(e.message, "Crawler sales is not running", "{label}");

        // A target no store reaches: the crawl fails and says why.
        call(
            &crawlers,
            "UpdateCrawler",
            json!({"Name": "sales", "Targets": {"S3Targets": [{"Path": "nowhere://bucket/x/"}]}}),
        )
        .await;
        let failed = crawl_once(&crawlers, &jobs, "sales").await;
        assert_eq!(failed["LastCrawl"]["Status"], json!("FAILED"), "{label}");
        let message = failed["LastCrawl"]["ErrorMessage"].as_str().unwrap();
        assert!(
            message.contains("nowhere://bucket/x/"),
            "{label}: {message}"
        );

        // The history, newest first: failed, stopped, completed twice.
        let all = call(&crawlers, "ListCrawls", json!({"CrawlerName": "sales"})).await;
        let states: Vec<&str> = all["Crawls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["State"].as_str().unwrap())
            .collect();
        assert_eq!(
            states,
            ["FAILED", "STOPPED", "COMPLETED", "COMPLETED"],
            "{label}"
        );
        let summaries: Vec<Value> = all["Crawls"].as_array().unwrap()[2..]
            .iter()
            .map(|c| serde_json::from_str(c["Summary"].as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(
            summaries,
            [
                json!({"TABLE": {"UPDATE": {"Count": 1}}, "PARTITION": {"ADD": {"Count": 1}}}),
                json!({"TABLE": {"ADD": {"Count": 1}}, "PARTITION": {"ADD": {"Count": 2}}}),
            ],
            "{label}"
        );
        let ids = crawl_ids(&all);
        assert_eq!(all["Crawls"][0]["MessagePrefix"], json!(ids[0]), "{label}");

        // Filters and pages: without the failed crawl, two a page.
        let filters =
            json!([{"FieldName": "STATE", "FilterOperator": "NE", "FieldValue": "FAILED"}]);
        let page1 = call(
            &crawlers,
            "ListCrawls",
            json!({"CrawlerName": "sales", "MaxResults": 2, "Filters": filters}),
        )
        .await;
        let token = page1["NextToken"].clone();
        let page2 = call(
            &crawlers,
            "ListCrawls",
            json!({"CrawlerName": "sales", "MaxResults": 2, "Filters": filters, "NextToken": token}),
        )
        .await;
        assert_eq!(crawl_ids(&page1), ids[1..3], "{label}");
        assert_eq!(crawl_ids(&page2), ids[3..], "{label}");
        assert!(page2.get("NextToken").is_none(), "{label}");

        // Metrics come from the last crawl that ended (the failed one changed nothing).
        let metrics = call(
            &crawlers,
            "GetCrawlerMetrics",
            json!({"CrawlerNameList": ["sales", "ghost"]}),
        )
        .await;
        let m = &metrics["CrawlerMetricsList"];
        assert_eq!(m.as_array().unwrap().len(), 1, "{label}");
        assert_eq!(m[0]["TablesCreated"], json!(0), "{label}");
        assert_eq!(m[0]["StillEstimating"], json!(false), "{label}");

        // A write conditional on a document that has changed since is refused.
        let mut tx = catalog.store().write().await.unwrap();
        let read = CRAWLERS.read(&mut tx, "sales").await.unwrap().unwrap();
        let mut newer = read.doc.clone();
        newer["Description"] = json!("changed first");
        assert!(CRAWLERS
            .update(&mut tx, "sales", &newer, Some(&read))
            .await
            .unwrap());
        let mut stale = read.doc.clone();
        stale["Description"] = json!("changed second");
        assert!(
            !CRAWLERS
                .update(&mut tx, "sales", &stale, Some(&read))
                .await
                .unwrap(),
            "{label}"
        );
        drop(tx);

        // Deleting a crawler takes its crawls: a new crawler of the name starts afresh.
        call(&crawlers, "DeleteCrawler", json!({"Name": "sales"})).await;
        call(
            &crawlers,
            "CreateCrawler",
            json!({"Name": "sales", "Role": "r", "DatabaseName": "lake",
                   "Targets": {"S3Targets": [{"Path": "file:///tmp/"}]}}),
        )
        .await;
        let fresh = call(&crawlers, "ListCrawls", json!({"CrawlerName": "sales"})).await;
        assert_eq!(fresh["Crawls"], json!([]), "{label}");
        assert!(
            crawler(&crawlers, "sales").await.get("LastCrawl").is_none(),
            "{label}"
        );
        backend.cleanup(catalog).await;
    }
}

#[tokio::test]
async fn schedules_fire_once_per_firing_across_restarts() {
    for backend in backends().await {
        let Setup {
            label,
            catalog,
            clock,
            crawlers,
            ..
        } = Setup::new(&backend).await;
        call(
            &crawlers,
            "CreateCrawler",
            json!({"Name": "noon", "Role": "r", "DatabaseName": "lake",
                   "Targets": {"S3Targets": [{"Path": "file:///tmp/"}]},
                   "Schedule": "cron(0 12 * * ? *)"}),
        )
        .await;
        // 08:00: nothing is due.
        assert_eq!(
            crawlers.fire_schedules().await.unwrap(),
            Vec::<String>::new(),
            "{label}"
        );
        // 12:00:30: one crawl, however often the servers look.
        clock.set(START + 4.0 * 3600.0 + 30.0);
        let fired = crawlers.fire_schedules().await.unwrap();
        assert_eq!(fired.len(), 1, "{label}");
        assert_eq!(
            crawlers.fire_schedules().await.unwrap(),
            Vec::<String>::new(),
            "{label}"
        );
        let (other_server, _) = service(&catalog, &clock);
        assert_eq!(
            other_server.fire_schedules().await.unwrap(),
            Vec::<String>::new(),
            "{label}"
        );
        // The next day's noon comes while that crawl is still queued: skipped, not queued twice.
        clock.set(START + 28.0 * 3600.0 + 30.0);
        assert_eq!(
            crawlers.fire_schedules().await.unwrap(),
            Vec::<String>::new(),
            "{label}"
        );
        call(&crawlers, "StopCrawler", json!({"Name": "noon"})).await;
        // A restart three days later: the missed firings fire once.
        let (restarted, _) = service(&catalog, &clock);
        clock.set(START + 100.0 * 3600.0);
        assert_eq!(
            restarted.fire_schedules().await.unwrap().len(),
            1,
            "{label}"
        );
        assert_eq!(
            restarted.fire_schedules().await.unwrap(),
            Vec::<String>::new(),
            "{label}"
        );
        call(&restarted, "StopCrawler", json!({"Name": "noon"})).await;
        // A stopped schedule does not fire; started again, it fires from then on.
        call(
            &restarted,
            "StopCrawlerSchedule",
            json!({"CrawlerName": "noon"}),
        )
        .await;
        clock.set(START + 124.0 * 3600.0 + 30.0);
        assert_eq!(
            restarted.fire_schedules().await.unwrap(),
            Vec::<String>::new(),
            "{label}"
        );
        call(
            &restarted,
            "StartCrawlerSchedule",
            json!({"CrawlerName": "noon"}),
        )
        .await;
        assert_eq!(
            restarted.fire_schedules().await.unwrap(),
            Vec::<String>::new(),
            "{label}"
        );
        clock.set(START + 148.0 * 3600.0 + 30.0);
        assert_eq!(
            restarted.fire_schedules().await.unwrap().len(),
            1,
            "{label}"
        );
        let history = call(&restarted, "ListCrawls", json!({"CrawlerName": "noon"})).await;
        assert_eq!(history["Crawls"].as_array().unwrap().len(), 3, "{label}");
        let shown = crawler(&restarted, "noon").await;
        assert_eq!(
            shown["Schedule"],
            json!({"ScheduleExpression": "cron(0 12 * * ? *)", "State": "SCHEDULED"}),
            "{label}"
        );
        backend.cleanup(catalog).await;
    }
}

/// What a re-crawl makes of tables and partitions whose files are gone, under each
/// `DeleteBehavior`; and a changed table under `UpdateBehavior` `LOG`.
#[tokio::test]
async fn files_gone_go_as_the_delete_behavior_says() {
    for backend in backends().await {
        let Setup {
            label,
            catalog,
            clock: _,
            crawlers,
            jobs,
            ..
        } = Setup::new(&backend).await;
        for behavior in ["DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE", "LOG"] {
            let data = tempfile::tempdir().unwrap();
            write(data.path(), "t1/year=2024/a.csv", "id,amount\n1,2.5\n");
            write(data.path(), "t1/year=2025/a.csv", "id,amount\n2,3.5\n");
            write(data.path(), "t2/b.json", "{\"k\": \"v\"}\n");
            write(data.path(), "t3/c.csv", "name,city,zip\na,b,c\n");
            let database = format!("lake_{}", behavior.to_lowercase());
            let name = format!("c_{}", behavior.to_lowercase());
            call(
                &crawlers,
                "CreateCrawler",
                json!({"Name": name, "Role": "r", "DatabaseName": database,
                       "Targets": {"S3Targets": [{"Path": format!("file://{}/", data.path().display())}]},
                       "SchemaChangePolicy": {"DeleteBehavior": behavior, "UpdateBehavior": "LOG"}}),
            )
            .await;
            crawl_once(&crawlers, &jobs, &name).await;
            let tables = |catalog: Catalog, database: String| async move {
                let listed = catalog
                    .call("GetTables", &json!({"DatabaseName": database}))
                    .await
                    .unwrap();
                listed["TableList"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| (t["Name"].as_str().unwrap().to_string(), t.clone()))
                    .collect::<std::collections::BTreeMap<_, _>>()
            };
            let before = tables(catalog.clone(), database.clone()).await;
            assert_eq!(
                before.keys().collect::<Vec<_>>(),
                ["t1", "t2", "t3"],
                "{label} {behavior}"
            );
            // Not the crawler's: never found gone.
            catalog
                .call(
                    "CreateTable",
                    &json!({"DatabaseName": database, "TableInput": {"Name": "mine"}}),
                )
                .await
                .unwrap();
            std::fs::remove_dir_all(data.path().join("t2")).unwrap();
            std::fs::remove_dir_all(data.path().join("t1/year=2024")).unwrap();
            // t3 gains a column: with UpdateBehavior LOG it stays as it was.
            write(data.path(), "t3/c.csv", "name,city,zip,country\na,b,c,d\n");
            let crawled = crawl_once(&crawlers, &jobs, &name).await;
            assert_eq!(
                crawled["LastCrawl"]["Status"],
                json!("SUCCEEDED"),
                "{label} {behavior}"
            );
            let after = tables(catalog.clone(), database.clone()).await;
            assert_eq!(after["t3"], before["t3"], "{label} {behavior}");
            assert!(after.contains_key("mine"), "{label} {behavior}");
            let partitions = partition_count(&catalog, &database, "t1").await;
            let history = call(&crawlers, "ListCrawls", json!({"CrawlerName": name})).await;
            let summary: Value =
                serde_json::from_str(history["Crawls"][0]["Summary"].as_str().unwrap()).unwrap();
            match behavior {
                "DELETE_FROM_DATABASE" => {
                    assert!(!after.contains_key("t2"), "{label}");
                    assert_eq!(partitions, 1, "{label}");
                    assert_eq!(
                        summary,
                        json!({"TABLE": {"DELETE": {"Count": 1}}, "PARTITION": {"DELETE": {"Count": 1}}}),
                        "{label}"
                    );
                }
                "DEPRECATE_IN_DATABASE" => {
                    let marked = &after["t2"]["Parameters"]["DEPRECATED_BY_CRAWLER"];
                    assert_eq!(
                        marked.as_str().map(|s| s.parse::<i64>().is_ok()),
                        Some(true),
                        "{label}: {marked}"
                    );
                    assert_eq!(partitions, 2, "{label}");
                    assert_eq!(
                        summary,
                        json!({"TABLE": {"UPDATE": {"Count": 1}}}),
                        "{label}"
                    );
                }
                _ => {
                    assert_eq!(after["t2"], before["t2"], "{label}");
                    assert_eq!(partitions, 2, "{label}");
                    assert_eq!(summary, json!({}), "{label}");
                }
            }
        }
        backend.cleanup(catalog).await;
    }
}

/// `CRAWL_NEW_FOLDERS_ONLY`: files in folders crawled before are not read again; new folders
/// are.
#[tokio::test]
async fn crawl_new_folders_only_reads_only_new_folders() {
    for backend in backends().await {
        let Setup {
            label,
            catalog,
            clock: _,
            crawlers,
            jobs,
            data,
        } = Setup::new(&backend).await;
        write(data.path(), "sales/year=2024/a.csv", "id,amount\n1,2.5\n");
        write(data.path(), "sales/year=2025/a.csv", "id,amount\n2,3.5\n");
        let target = format!("file://{}/sales/", data.path().display());
        call(
            &crawlers,
            "CreateCrawler",
            json!({"Name": "inc", "Role": "r", "DatabaseName": "lake",
                   "Targets": {"S3Targets": [{"Path": target}]},
                   "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
                   "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}}),
        )
        .await;
        crawl_once(&crawlers, &jobs, "inc").await;
        // A file of a folder crawled before that would not be understood if it were read, and
        // a new folder.
        write(
            data.path(),
            "sales/year=2024/b.csv",
            "\u{0}\u{1}not,csv\u{2}\n\u{3}",
        );
        write(data.path(), "sales/year=2026/a.csv", "id,amount\n3,4.5\n");
        let crawled = crawl_once(&crawlers, &jobs, "inc").await;
        assert_eq!(
            crawled["LastCrawl"]["Status"],
            json!("SUCCEEDED"),
            "{label}"
        );
        let log = crawl_log(&catalog, &crawled).await;
        assert!(
            log.contains("3 files in folders crawled before were not read"),
            "{label}: {log}"
        );
        assert!(!log.contains("skipped file://"), "{label}: {log}");
        let table = catalog
            .call(
                "GetTable",
                &json!({"DatabaseName": "lake", "Name": "sales"}),
            )
            .await
            .unwrap();
        assert_eq!(
            table["Table"]["StorageDescriptor"]["Columns"],
            json!([{"Name": "id", "Type": "bigint"}, {"Name": "amount", "Type": "double"}]),
            "{label}"
        );
        let partitions = partition_count(&catalog, "lake", "sales").await;
        assert_eq!(partitions, 3, "{label}");
        backend.cleanup(catalog).await;
    }
}

/// `CatalogTargets`: an existing table is crawled at its location and made true to its files,
/// under its own name; a table that does not exist is reported and the crawl goes on.
#[tokio::test]
async fn catalog_targets_keep_existing_tables_true_to_their_files() {
    for backend in backends().await {
        let Setup {
            label,
            catalog,
            clock: _,
            crawlers,
            jobs,
            data,
        } = Setup::new(&backend).await;
        write(data.path(), "raw/day=1/a.csv", "id,name\n1,x\n");
        write(data.path(), "raw/day=2/a.csv", "id,name\n2,y\n");
        let location = format!("file://{}/raw/", data.path().display());
        for request in [
            json!({"DatabaseInput": {"Name": "shop"}}),
            json!({"DatabaseName": "shop", "TableInput": {"Name": "orders",
                   "StorageDescriptor": {"Location": location, "Columns": [{"Name": "old", "Type": "string"}]}}}),
        ] {
            let op = if request.get("TableInput").is_some() {
                "CreateTable"
            } else {
                "CreateDatabase"
            };
            catalog.call(op, &request).await.unwrap();
        }
        call(
            &crawlers,
            "CreateCrawler",
            json!({"Name": "cat", "Role": "r",
                   "Targets": {"CatalogTargets": [{"DatabaseName": "shop", "Tables": ["orders", "missing"]}]},
                   "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}}),
        )
        .await;
        let crawled = crawl_once(&crawlers, &jobs, "cat").await;
        assert_eq!(
            crawled["LastCrawl"]["Status"],
            json!("SUCCEEDED"),
            "{label}: {crawled}"
        );
        let table = catalog
            .call(
                "GetTable",
                &json!({"DatabaseName": "shop", "Name": "orders"}),
            )
            .await
            .unwrap()["Table"]
            .clone();
        assert_eq!(
            table["StorageDescriptor"]["Columns"],
            json!([{"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}]),
            "{label}"
        );
        assert_eq!(
            table["PartitionKeys"],
            json!([{"Name": "day", "Type": "bigint"}]),
            "{label}"
        );
        assert_eq!(
            table["StorageDescriptor"]["Location"],
            json!(location),
            "{label}"
        );
        let partitions = partition_count(&catalog, "shop", "orders").await;
        assert_eq!(partitions, 2, "{label}");
        let log = crawl_log(&catalog, &crawled).await;
        assert!(
            log.contains("skipped table shop.missing: the table does not exist"),
            "{label}: {log}"
        );
        let tables = catalog
            .call("GetTables", &json!({"DatabaseName": "shop"}))
            .await
            .unwrap();
        assert_eq!(tables["TableList"].as_array().unwrap().len(), 1, "{label}");
        backend.cleanup(catalog).await;
    }
}

/// The partitions the catalog has for a table.
async fn partition_count(catalog: &Catalog, database: &str, table: &str) -> usize {
    let answer = catalog
        .call(
            "GetPartitions",
            &json!({"DatabaseName": database, "TableName": table}),
        )
        .await
        .unwrap_or_else(|e| panic!("{database}.{table}: {e}"));
    answer["Partitions"].as_array().unwrap().len()
}

/// The log of a crawler's last crawl.
async fn crawl_log(catalog: &Catalog, crawler: &Value) -> String {
    let run_id = crawler["LastCrawl"]["MessagePrefix"].as_str().unwrap();
    let mut tx = catalog.store().read().await.unwrap();
    weir_metastore::job_runs::get_log(&mut tx, run_id)
        .await
        .unwrap()
        .unwrap()
}

/// Starts a crawl of `name` and returns the crawler once it is READY again.
async fn crawl_once(crawlers: &CrawlerService, jobs: &JobService, name: &str) -> Value {
    call(crawlers, "StartCrawler", json!({"Name": name})).await;
    crawl_to_end(crawlers, jobs, name).await
}

async fn table_of(catalog: &Catalog, database: &str, name: &str) -> Value {
    catalog
        .call("GetTable", &json!({"DatabaseName": database, "Name": name}))
        .await
        .unwrap_or_else(|e| panic!("{database}.{name}: {e}"))["Table"]
        .clone()
}

fn column_names(table: &Value) -> Vec<String> {
    table["StorageDescriptor"]["Columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["Name"].as_str().unwrap(),
                c["Type"].as_str().unwrap()
            )
        })
        .collect()
}

/// The crawler `Configuration` options a crawl honours.
#[tokio::test]
async fn configuration_options_shape_what_a_crawl_writes() {
    for backend in backends().await {
        let Setup {
            label,
            catalog,
            clock: _,
            crawlers,
            jobs,
            data,
        } = Setup::new(&backend).await;
        let root = |folder: &str| format!("file://{}/{folder}/", data.path().display());
        let create = |name: &str, folder: &str, configuration: &str| {
            json!({"Name": name, "Role": "r", "DatabaseName": "conf",
                   "Targets": {"S3Targets": [{"Path": root(folder)}]}, "Configuration": configuration})
        };

        // TableThreshold: a crawl that would create more tables fails and changes nothing.
        for t in ["t1", "t2", "t3"] {
            write(
                data.path(),
                &format!("many/{t}/a.csv"),
                &format!("{t}_id,{t}_x\n1,2\n"),
            );
        }
        call(
            &crawlers,
            "CreateCrawler",
            create(
                "threshold",
                "many",
                r#"{"Version":1.0,"CrawlerOutput":{"Tables":{"TableThreshold":2}}}"#,
            ),
        )
        .await;
        let failed = crawl_once(&crawlers, &jobs, "threshold").await;
        assert_eq!(failed["LastCrawl"]["Status"], json!("FAILED"), "{label}");
        assert_eq!(
            failed["LastCrawl"]["ErrorMessage"],
            json!("the crawl would create 3 tables, more than the crawler's TableThreshold of 2: nothing was changed"),
            "{label}"
        );
        assert!(
            catalog
                .call("GetDatabase", &json!({"Name": "conf"}))
                .await
                .is_err(),
            "{label}"
        );

        // MergeNewColumns and CreatePartitionIndex.
        write(data.path(), "sales/year=2024/a.csv", "id,amount\n1,2.5\n");
        call(&crawlers, "CreateCrawler", create("merge", "sales",
            r#"{"Version":1.0,"CrawlerOutput":{"Tables":{"AddOrUpdateBehavior":"MergeNewColumns"}},"CreatePartitionIndex":true}"#)).await;
        crawl_once(&crawlers, &jobs, "merge").await;
        let indexes = catalog
            .call(
                "GetPartitionIndexes",
                &json!({"DatabaseName": "conf", "TableName": "sales"}),
            )
            .await
            .unwrap();
        let index = &indexes["PartitionIndexDescriptorList"][0];
        assert_eq!(
            index["IndexName"],
            json!("crawler_partition_index"),
            "{label}: {indexes}"
        );
        assert_eq!(index["Keys"][0]["Name"], json!("year"), "{label}");
        write(
            data.path(),
            "sales/year=2025/a.csv",
            "id,amount,note\n2,n/a,late\n",
        );
        crawl_once(&crawlers, &jobs, "merge").await;
        assert_eq!(
            column_names(&table_of(&catalog, "conf", "sales").await),
            ["id bigint", "amount double", "note string"],
            "{label}"
        );

        // CombineCompatibleSchemas: CSV files of different columns make one table.
        write(data.path(), "mix/a/x.csv", "id,name\n1,a\n");
        write(data.path(), "mix/b/y.csv", "zip,city,country\n1,b,c\n");
        call(
            &crawlers,
            "CreateCrawler",
            create(
                "combine",
                "mix",
                r#"{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"}}"#,
            ),
        )
        .await;
        crawl_once(&crawlers, &jobs, "combine").await;
        let mix = table_of(&catalog, "conf", "mix").await;
        assert_eq!(
            mix["PartitionKeys"],
            json!([{"Name": "partition_0", "Type": "string"}]),
            "{label}"
        );
        assert_eq!(column_names(&mix).len(), 5, "{label}: {mix}");

        // TableLevelConfiguration: tables at the level asked (the target, data/, is level 3
        // of a file:// path whose temp folder is two deep).
        let depth = data.path().components().count() - 1;
        for region in ["eu", "us"] {
            write(
                data.path(),
                &format!("data/region={region}/year=2024/f.csv"),
                "id,v\n1,2\n",
            );
        }
        let level = depth + 2;
        call(
            &crawlers,
            "CreateCrawler",
            create(
                "levels",
                "data",
                &format!(r#"{{"Version":1.0,"Grouping":{{"TableLevelConfiguration":{level}}}}}"#),
            ),
        )
        .await;
        crawl_once(&crawlers, &jobs, "levels").await;
        for region in ["eu", "us"] {
            let table = table_of(&catalog, "conf", &format!("region_{region}")).await;
            assert_eq!(
                table["PartitionKeys"],
                json!([{"Name": "year", "Type": "bigint"}]),
                "{label}"
            );
        }
        backend.cleanup(catalog).await;
    }
}

/// `SampleSize`: only the first files of each folder are read; the others take their schema.
#[tokio::test]
async fn sample_size_reads_the_first_files_of_each_folder() {
    for backend in backends().await {
        let Setup {
            label,
            catalog,
            clock: _,
            crawlers,
            jobs,
            data,
        } = Setup::new(&backend).await;
        for day in [1, 2] {
            write(data.path(), &format!("logs/day={day}/a.csv"), "id,v\n1,2\n");
            write(
                data.path(),
                &format!("logs/day={day}/b.csv"),
                "\u{0}\u{1}garbage\u{2}",
            );
        }
        let target = format!("file://{}/logs/", data.path().display());
        call(
            &crawlers,
            "CreateCrawler",
            json!({"Name": "sampled", "Role": "r", "DatabaseName": "s",
                   "Targets": {"S3Targets": [{"Path": target, "SampleSize": 1}]}}),
        )
        .await;
        let crawled = crawl_once(&crawlers, &jobs, "sampled").await;
        assert_eq!(
            crawled["LastCrawl"]["Status"],
            json!("SUCCEEDED"),
            "{label}"
        );
        let table = table_of(&catalog, "s", "logs").await;
        assert_eq!(column_names(&table), ["id bigint", "v bigint"], "{label}");
        assert_eq!(table["Parameters"]["objectCount"], json!("4"), "{label}");
        backend.cleanup(catalog).await;
    }
}
