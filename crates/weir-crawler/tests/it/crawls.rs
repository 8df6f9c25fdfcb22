use std::sync::Arc;

use serde_json::{json, Value};
use weir_catalog::{Catalog, SystemClock};
use weir_crawler::CrawlerService;
use weir_metastore::crawlers::CRAWLERS;
use weir_metastore::crawls::{self, Crawl};
use weir_model::ErrorKind;

use crate::support::backends;

fn service(catalog: &Catalog) -> CrawlerService {
    CrawlerService::new(
        catalog.store().clone(),
        catalog.identity().clone(),
        Arc::new(SystemClock),
    )
}

async fn call(service: &CrawlerService, op: &str, body: Value) -> Value {
    service
        .call(op, &body)
        .await
        .unwrap_or_else(|e| panic!("{op}: {e}"))
}

fn crawl(crawler: &str, id: &str, start: f64, state: &str, doc: Value) -> Crawl {
    Crawl {
        crawler_name: crawler.into(),
        crawl_id: id.into(),
        start_time: start,
        state: state.into(),
        doc,
    }
}

#[tokio::test]
async fn crawls_are_listed_newest_first_filtered_and_paged_then_deleted_with_their_crawler() {
    for backend in backends().await {
        let label = backend.label();
        let catalog = backend.catalog().await;
        let crawlers = service(&catalog);
        call(
            &crawlers,
            "CreateCrawler",
            json!({"Name": "sales", "Role": "r", "Targets": {"S3Targets": [{"Path": "s3://b/sales/"}]},
                   "Tags": {"team": "data"}}),
        )
        .await;
        call(
            &crawlers,
            "CreateCrawler",
            json!({"Name": "sales/eu", "Role": "r", "Targets": {"S3Targets": [{"Path": "s3://b/eu/"}]},
                   "Tags": {"team": "eu"}}),
        )
        .await;
        let summary = r#"{"TABLE":{"ADD":{"Count":3}}}"#;
        let mut tx = catalog.store().write().await.unwrap();
        for c in [
            crawl(
                "sales",
                "c1",
                1000.0,
                "COMPLETED",
                json!({"EndTime": 1060.0, "DPUHour": 0.1}),
            ),
            crawl(
                "sales",
                "c2",
                2000.0,
                "FAILED",
                json!({"EndTime": 2010.0, "ErrorMessage": "no access", "DPUHour": 0.0}),
            ),
            crawl(
                "sales",
                "c3",
                3000.0,
                "COMPLETED",
                json!({"EndTime": 3040.0, "Summary": summary, "DPUHour": 0.2}),
            ),
            crawl("sales", "c4", 4000.0, "RUNNING", json!({})),
            crawl(
                "sales/eu",
                "e1",
                3500.0,
                "COMPLETED",
                json!({"EndTime": 3600.0}),
            ),
        ] {
            crawls::insert(&mut tx, &c).await.unwrap();
        }
        tx.commit().await.unwrap();

        let all = call(&crawlers, "ListCrawls", json!({"CrawlerName": "sales"})).await;
        let ids: Vec<&str> = all["Crawls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["CrawlId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["c4", "c3", "c2", "c1"], "{label}");
        assert_eq!(all["Crawls"][1]["StartTime"], json!(3000.0), "{label}");
        assert_eq!(all["Crawls"][1]["State"], json!("COMPLETED"), "{label}");
        assert!(all.get("NextToken").is_none(), "{label}");

        // Pages of two, with a filter that leaves out c2: c4 c3 | c1.
        let filters =
            json!([{"FieldName": "STATE", "FilterOperator": "NE", "FieldValue": "FAILED"}]);
        let first = call(
            &crawlers,
            "ListCrawls",
            json!({"CrawlerName": "sales", "MaxResults": 2, "Filters": filters}),
        )
        .await;
        let token = first["NextToken"].as_str().unwrap().to_string();
        let second = call(&crawlers, "ListCrawls",
                          json!({"CrawlerName": "sales", "MaxResults": 2, "Filters": filters, "NextToken": token})).await;
        let ids = |page: &Value| {
            page["Crawls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["CrawlId"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            (ids(&first), ids(&second)),
            (vec!["c4".to_string(), "c3".into()], vec!["c1".to_string()]),
            "{label}"
        );
        assert!(second.get("NextToken").is_none(), "{label}");

        let window = json!([
            {"FieldName": "START_TIME", "FilterOperator": "GE", "FieldValue": "2000000"},
            {"FieldName": "END_TIME", "FilterOperator": "LT", "FieldValue": "3040000"}]);
        let got = call(
            &crawlers,
            "ListCrawls",
            json!({"CrawlerName": "sales", "Filters": window}),
        )
        .await;
        assert_eq!(ids(&got), ["c2"], "{label}");

        let missing = crawlers
            .call("ListCrawls", &json!({"CrawlerName": "nope"}))
            .await
            .unwrap_err();
        assert_eq!(missing.kind, ErrorKind::EntityNotFound, "{label}");
        assert_eq!(
            missing.message, "Crawler entry with name nope does not exist",
            "{label}"
        );

        let metrics = call(
            &crawlers,
            "GetCrawlerMetrics",
            json!({"CrawlerNameList": ["sales", "ghost"]}),
        )
        .await;
        let m = &metrics["CrawlerMetricsList"];
        assert_eq!(
            m.as_array().unwrap().len(),
            1,
            "{label}: unknown names are left out"
        );
        assert_eq!(m[0]["CrawlerName"], json!("sales"), "{label}");
        assert_eq!(m[0]["LastRuntimeSeconds"], json!(40.0), "{label}");
        assert_eq!(
            m[0]["MedianRuntimeSeconds"],
            json!(40.0),
            "{label}: runtimes 60, 10, 40"
        );
        assert_eq!(m[0]["TablesCreated"], json!(3), "{label}");
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

        // Deleting a crawler takes its crawls and tags, and nothing of a crawler whose name
        // extends its own.
        call(&crawlers, "DeleteCrawler", json!({"Name": "sales"})).await;
        let mut tx = catalog.store().read().await.unwrap();
        assert_eq!(
            crawls::list(&mut tx, "sales", None, 10).await.unwrap(),
            vec![],
            "{label}"
        );
        assert_eq!(
            crawls::get(&mut tx, "e1")
                .await
                .unwrap()
                .map(|c| c.crawler_name),
            Some("sales/eu".into()),
            "{label}"
        );
        drop(tx);
        let arn = |name: &str| format!("arn:aws:glue:us-east-1:123456789012:crawler/{name}");
        let gone = catalog
            .call("GetTags", &json!({"ResourceArn": arn("sales")}))
            .await
            .unwrap_err();
        assert_eq!(gone.kind, ErrorKind::EntityNotFound, "{label}");
        let kept = catalog
            .call("GetTags", &json!({"ResourceArn": arn("sales/eu")}))
            .await
            .unwrap();
        assert_eq!(kept, json!({"Tags": {"team": "eu"}}), "{label}");
        backend.cleanup(catalog).await;
    }
}
