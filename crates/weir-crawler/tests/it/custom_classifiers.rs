//! Crawls with custom classifiers, end to end: files in a temporary folder crawled with a
//! crawler's classifiers (in order, the first that recognizes a file winning, the built-in
//! classification for the rest), the tables applied to a real catalog, then read back through
//! the engine from SQL.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::util::display::array_value_to_string;
use serde_json::{json, Value};
use weir_catalog::Catalog;
use weir_crawler::crawl::{self, apply, Naming, Target};
use weir_engine::catalog::{AtomicFuture, CatalogClient, CatalogError, CatalogFuture};
use weir_engine::Engine;

use crate::support::Backend;

/// The engine's catalog seam over a test catalog.
struct Client(Catalog);

fn catalog_error(e: weir_model::GlueError) -> CatalogError {
    CatalogError {
        code: e.kind.shape_name().to_string(),
        message: e.message,
    }
}

impl CatalogClient for Client {
    fn call<'a>(&'a self, operation: &'a str, request: Value) -> CatalogFuture<'a> {
        Box::pin(async move {
            self.0
                .call(operation, &request)
                .await
                .map_err(catalog_error)
        })
    }

    fn call_atomic<'a>(&'a self, calls: Vec<(String, Value)>) -> AtomicFuture<'a> {
        Box::pin(async move { self.0.call_atomic(&calls).await.map_err(catalog_error) })
    }
}

fn write(dir: &Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Apache access logs (combined format) of two days.
const DAY_1: &str = r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"
10.0.0.7 - - [10/Oct/2000:13:56:01 -0700] "POST /login?next=%2Fhome HTTP/1.1" 302 - "-" "curl/8.0"
"#;
const DAY_2: &str = r#"192.168.1.20 - alice [11/Oct/2000:08:00:00 +0000] "GET /index.html HTTP/1.1" 404 512 "-" "Mozilla/5.0"
"#;

/// The crawler's classifiers, in its order.
fn classifiers() -> Vec<Value> {
    let access = r#"^%{IPORHOST:clientip} %{HTTPDUSER:ident} %{USER:auth} \[%{HTTPDATE:timestamp}\] "%{WORD:verb} %{URIPATHPARAM:request} HTTP/%{NUMBER:httpversion}" %{INT:response:int} (?:%{INT:bytes:long}|-) %{QS:referrer} %{QS:agent}$"#;
    vec![
        json!({"JsonClassifier": {"Name": "arrays", "JsonPath": "$[*]"}}),
        json!({"GrokClassifier": {"Name": "access", "Classification": "apache-access", "GrokPattern": access}}),
        // Recognizes the access logs too, but comes after the classifier above.
        json!({"GrokClassifier": {"Name": "combined", "Classification": "combined", "GrokPattern": "%{COMBINEDAPACHELOG}"}}),
        json!({"CsvClassifier": {"Name": "hashes", "Delimiter": "#", "ContainsHeader": "PRESENT", "Header": ["Sku", "Qty"]}}),
        json!({"XMLClassifier": {"Name": "books", "Classification": "xml", "RowTag": "book"}}),
        json!({"GrokClassifier": {"Name": "broken", "Classification": "x", "GrokPattern": "%{NO_SUCH_PATTERN:x}"}}),
    ]
}

async fn rows(engine: &Engine, sql: &str) -> Vec<String> {
    let ctx = engine.session().unwrap();
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let mut out = Vec::new();
    for batch in batches {
        for row in 0..batch.num_rows() {
            let values: Vec<String> = batch
                .columns()
                .iter()
                .map(|c| array_value_to_string(c, row).unwrap())
                .collect();
            out.push(values.join("|"));
        }
    }
    out
}

#[tokio::test]
async fn custom_classifiers_classify_in_order_and_their_tables_read_back() {
    sqlx::any::install_default_drivers();
    let files = tempfile::tempdir().unwrap();
    let root = files.path();
    write(root, "logs/day=1/access.log", DAY_1);
    write(root, "logs/day=2/access.log", DAY_2);
    write(
        root,
        "events/batch.json",
        r#"[{"id": 1, "kind": "click"}, {"id": 2, "kind": "view", "ms": 1.5}]"#,
    );
    write(root, "stock/stock.txt", "sku#qty\nA-1#3\nB-2#10\n");
    write(
        root,
        "books/books.xml",
        r#"<?xml version="1.0"?>
<catalog>
  <book id="b2"><title>Second &amp; last</title><price currency="EUR">5</price><tag>x</tag></book>
  <book id="b1"><title>First</title><price currency="USD">44.95</price><tag>a</tag><tag>b</tag></book>
</catalog>"#,
    );
    // No custom classifier recognizes it: the built-in classification does.
    write(root, "plain/people.csv", "id,name\n1,ann\n2,bob\n");

    let engine = Engine::default();
    let targets = [Target {
        path: root.display().to_string(),
        ..Target::default()
    }];
    let naming = Naming {
        table_prefix: String::new(),
        crawler: "web".into(),
    };
    let plan = crawl::crawl(
        &engine,
        &targets,
        &naming,
        &crawl::Options {
            classifiers: classifiers(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let problems: Vec<String> = plan
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.file, p.reason))
        .collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .starts_with("classifier broken: GrokClassifier cannot be applied: %{NO_SUCH_PATTERN}"),
        "{problems:?}"
    );
    let table = |name: &str| {
        plan.tables
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no table {name}"))
            .input
            .clone()
    };
    let logs = table("logs");
    assert_eq!(logs["Parameters"]["classification"], "apache-access");
    let sd = &logs["StorageDescriptor"];
    assert_eq!(
        sd["SerdeInfo"]["SerializationLibrary"],
        "com.amazonaws.glue.serde.GrokSerDe"
    );
    assert!(sd["SerdeInfo"]["Parameters"]["input.format"]
        .as_str()
        .unwrap()
        .starts_with("^%{IPORHOST:clientip}"));
    assert_eq!(
        sd["InputFormat"],
        "org.apache.hadoop.mapred.TextInputFormat"
    );
    assert_eq!(
        sd["OutputFormat"],
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    );
    let columns: Vec<String> = sd["Columns"]
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
        .collect();
    assert_eq!(
        columns,
        [
            "clientip string",
            "ident string",
            "auth string",
            "timestamp string",
            "verb string",
            "request string",
            "httpversion string",
            "response int",
            "bytes bigint",
            "referrer string",
            "agent string"
        ]
    );
    assert_eq!(
        logs["PartitionKeys"],
        json!([{"Name": "day", "Type": "bigint"}])
    );
    let events = table("events");
    assert_eq!(events["Parameters"]["classification"], "json");
    assert_eq!(events["Parameters"]["jsonPath"], "$[*]");
    let stock = table("stock");
    assert_eq!(stock["Parameters"]["delimiter"], "#");
    assert_eq!(stock["Parameters"]["skip.header.line.count"], "1");
    assert_eq!(table("plain")["Parameters"]["classification"], "csv");
    let books = table("books");
    assert_eq!(books["Parameters"]["rowTag"], "book");
    let book_columns: Vec<String> = books["StorageDescriptor"]["Columns"]
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
        .collect();
    assert_eq!(
        book_columns,
        [
            "_id string",
            "title string",
            "price struct<_currency:string,_VALUE:double>",
            "tag array<string>"
        ]
    );

    // One metastore is enough: the catalog calls are the crawler service's concern.
    let metastore = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        metastore.path().join("metastore.db").display()
    );
    let backend = Backend::Sqlite {
        _dir: metastore,
        url,
    };
    let client = Arc::new(Client(backend.catalog().await));
    let (calls, _) = apply::changes(client.as_ref(), "web", &plan, &apply::Policy::default())
        .await
        .unwrap();
    apply::apply(client.as_ref(), calls, weir_catalog::MAX_ATOMIC_CALLS)
        .await
        .unwrap();

    let reader = Engine::default().with_catalog(client);
    assert_eq!(
        rows(
            &reader,
            "SELECT clientip, auth, verb, request, response, bytes, agent, day FROM web.logs ORDER BY day, clientip"
        )
        .await,
        [
            "10.0.0.7|-|POST|/login?next=%2Fhome|302||\"curl/8.0\"|1",
            "127.0.0.1|frank|GET|/apache_pb.gif|200|2326|\"Mozilla/4.08 [en] (Win98; I ;Nav)\"|1",
            "192.168.1.20|alice|GET|/index.html|404|512|\"Mozilla/5.0\"|2",
        ]
    );
    assert_eq!(
        rows(
            &reader,
            "SELECT sum(response), count(bytes) FROM web.logs WHERE day = 1"
        )
        .await,
        ["502|1"]
    );
    assert_eq!(
        rows(&reader, "SELECT id, kind, ms FROM web.events ORDER BY id").await,
        ["1|click|", "2|view|1.5"]
    );
    assert_eq!(
        rows(&reader, "SELECT sku, qty FROM web.stock ORDER BY sku").await,
        ["A-1|3", "B-2|10"]
    );
    assert_eq!(
        rows(
            &reader,
            "SELECT _id, title, price['_currency'], price['_value'] * 2, tag FROM web.books ORDER BY _id"
        )
        .await,
        ["b1|First|USD|89.9|[a, b]", "b2|Second & last|EUR|10.0|[x]"]
    );
}
