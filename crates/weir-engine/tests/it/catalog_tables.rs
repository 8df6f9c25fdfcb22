//! Catalog tables read by jobs: CatalogSource / S3CatalogSource and `database.table` in SparkSQL,
//! with partitions as the catalog lists them (any folder layout), pruned by predicates.

use std::path::Path;

use serde_json::{json, Value};

use crate::support::{csv_lines, write, TestCatalog};

/// `sales.orders`: pipe-delimited text with a header line, partitioned by `year int, month int`,
/// its partitions in folders that are not Hive-style (`2024/05/`), one of them holding a file
/// that is not CSV at all (so reading it would fail the job).
async fn orders_table(catalog: &TestCatalog, dir: &Path) -> String {
    let root = dir.join("lake/orders");
    write(&root, "2024/05/a.txt", "id|amount\n1|10\n2|20\n");
    write(&root, "2024/05/_SUCCESS", "marker");
    write(&root, "2024/06/b.txt", "id|amount\n3|30\n");
    write(&root, "2023/12/c.txt", "id|amount\n4|40\n");
    write(&root, "broken/d.txt", "\u{0}\u{1}not|a|table|at|all\nx\n");
    let location = format!("{}/", root.display());
    catalog
        .call(
            "CreateDatabase",
            json!({ "DatabaseInput": { "Name": "sales" } }),
        )
        .await;
    let sd = |loc: String| {
        json!({
            "Columns": [{ "Name": "id", "Type": "bigint" }, { "Name": "amount", "Type": "int" }],
            "Location": loc,
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "SerdeInfo": { "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                           "Parameters": { "field.delim": "|" } }
        })
    };
    catalog
        .call(
            "CreateTable",
            json!({ "DatabaseName": "sales", "TableInput": {
                "Name": "orders",
                "Parameters": { "classification": "csv", "skip.header.line.count": "1" },
                "PartitionKeys": [{ "Name": "year", "Type": "int" }, { "Name": "month", "Type": "int" }],
                "StorageDescriptor": sd(location.clone())
            }}),
        )
        .await;
    let partition = |values: [&str; 2], folder: &str| json!({ "Values": values, "StorageDescriptor": sd(format!("{location}{folder}/")) });
    catalog
        .call(
            "BatchCreatePartition",
            json!({ "DatabaseName": "sales", "TableName": "orders", "PartitionInputList": [
                partition(["2024", "05"], "2024/05"),
                partition(["2024", "6"], "2024/06"),
                partition(["2023", "12"], "2023/12"),
                partition(["1999", "1"], "broken"),
            ]}),
        )
        .await;
    location
}

fn csv_target(input: &str, path: &Path) -> Value {
    json!({ "S3DirectTarget": { "Name": "Out", "Inputs": [input], "Path": path.to_str().unwrap(), "Format": "csv" } })
}

#[tokio::test]
async fn a_push_down_predicate_reads_only_the_partitions_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    orders_table(&catalog, dir.path()).await;
    let out = dir.path().join("out");
    let summary = catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "src": { "S3CatalogSource": { "Name": "orders", "Database": "sales", "Table": "orders",
                                          "PartitionPredicate": "year == 2024 AND month == 5" } },
            "out": csv_target("src", &out)
        }}))
        .await
        .unwrap();
    let read = summary
        .nodes
        .iter()
        .find(|n| n.node == "src")
        .unwrap()
        .read
        .unwrap();
    let file = dir.path().join("lake/orders/2024/05/a.txt");
    assert_eq!(
        (read.rows, read.bytes),
        (2, std::fs::metadata(file).unwrap().len())
    );
    let (header, rows) = csv_lines(&out);
    assert_eq!(header, "id,amount,year,month");
    assert_eq!(
        rows,
        ["1,10,2024,5", "2,20,2024,5"],
        "the partition's values come from the catalog (05 is the int 5), _SUCCESS is skipped"
    );
}

#[tokio::test]
async fn without_a_predicate_every_partition_is_read_and_a_bad_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    orders_table(&catalog, dir.path()).await;
    let err = catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "src": { "CatalogSource": { "Name": "orders", "Database": "sales", "Table": "orders" } },
            "out": csv_target("src", &dir.path().join("out"))
        }}))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("node out"), "{err}");
    assert!(!dir.path().join("out").exists(), "nothing was committed");
}

#[tokio::test]
async fn spark_sql_reads_catalog_tables_by_database_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    orders_table(&catalog, dir.path()).await;
    let rates = write(dir.path(), "rates.csv", "month,rate\n5,2\n6,3\n12,4\n");
    let out = dir.path().join("out");
    catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "rates": { "S3CsvSource": { "Name": "rates", "Paths": [rates.to_str().unwrap()], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
            "sql": { "SparkSQL": { "Name": "join", "Inputs": ["rates"], "SqlAliases": [{ "From": "rates", "Alias": "r" }],
                "SqlQuery": "SELECT o.id, o.amount * r.rate AS scaled, o.month FROM sales.orders o JOIN r ON o.month = r.month \
                             WHERE o.year >= 2023 AND o.month IN (6, 12)" } },
            "out": csv_target("sql", &out)
        }}))
        .await
        .unwrap();
    let (header, rows) = csv_lines(&out);
    assert_eq!(header, "id,scaled,month");
    assert_eq!(rows, ["3,90,6", "4,160,12"]);
}

#[tokio::test]
async fn unqualified_names_fall_back_to_the_default_database_and_unknown_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    let data = write(
        dir.path(),
        "lake/colours/part-0.json",
        "{\"name\":\"red\"}\n{\"name\":\"blue\"}\n",
    );
    catalog
        .call(
            "CreateDatabase",
            json!({ "DatabaseInput": { "Name": "default" } }),
        )
        .await;
    catalog
        .call(
            "CreateTable",
            json!({ "DatabaseName": "default", "TableInput": {
                "Name": "colours", "Parameters": { "classification": "json" },
                "StorageDescriptor": { "Columns": [{ "Name": "name", "Type": "string" }],
                                       "Location": format!("{}/", data.parent().unwrap().display()) }
            }}),
        )
        .await;
    let input = write(dir.path(), "in.csv", "x\n1\n");
    let job = |query: &str, out: &Path| {
        json!({ "CodeGenConfigurationNodes": {
            "in": { "S3CsvSource": { "Name": "in", "Paths": [input.to_str().unwrap()], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
            "sql": { "SparkSQL": { "Name": "q", "Inputs": ["in"], "SqlAliases": [{ "From": "in", "Alias": "t" }], "SqlQuery": query } },
            "out": csv_target("sql", out)
        }})
    };
    let out = dir.path().join("out");
    catalog
        .run(job(
            "SELECT c.name, t.x FROM colours c CROSS JOIN t ORDER BY c.name",
            &out,
        ))
        .await
        .unwrap();
    assert_eq!(csv_lines(&out).1, ["blue,1", "red,1"]);
    let err = catalog
        .run(job("SELECT * FROM sales.nothing", &dir.path().join("out2")))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("node sql") && err.contains("nothing"), "{err}");
}

/// Two targets both create the same new catalog table: each alone would be fine, together the
/// run's catalog transaction fails on the second `CreateTable`. The first table creation is
/// rolled back with it, and neither target's files are committed.
#[tokio::test]
async fn a_failed_catalog_update_commits_no_file_and_no_catalog_change() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    catalog
        .call(
            "CreateDatabase",
            json!({ "DatabaseInput": { "Name": "d" } }),
        )
        .await;
    let input = write(dir.path(), "in.csv", "id,year\n1,2024\n2,2025\n");
    let (one, two) = (dir.path().join("lake/one"), dir.path().join("lake/two"));
    let target = |path: &Path| {
        json!({ "S3GlueParquetTarget": { "Name": "out", "Inputs": ["src"], "Path": path.to_str().unwrap(),
            "PartitionKeys": [["year"]],
            "SchemaChangePolicy": { "EnableUpdateCatalog": true, "UpdateBehavior": "UPDATE_IN_DATABASE", "Database": "d", "Table": "fresh" } } })
    };
    let err = catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "src": { "S3CsvSource": { "Name": "in", "Paths": [input.to_str().unwrap()], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
            "a": target(&one),
            "b": target(&two)
        }}))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("catalog update failed") && err.contains("AlreadyExistsException"),
        "{err}"
    );
    for path in [&one, &two] {
        assert!(
            crate::support::files(path).is_empty(),
            "{:?}",
            crate::support::files(path)
        );
    }
    assert!(
        crate::support::files(dir.path())
            .iter()
            .all(|f| !f.contains("weir-staging")),
        "staging is cleaned up: {:?}",
        crate::support::files(dir.path())
    );
    let tables = catalog
        .call("GetTables", json!({ "DatabaseName": "d" }))
        .await;
    assert_eq!(
        tables["TableList"],
        json!([]),
        "the first CreateTable was rolled back"
    );
}

/// A multi-dialect view `sales.big_orders` over `orders` (its SPARK text names `orders`
/// unqualified: it resolves in the view's database), and `sales.loop_a` → `loop_b` → `loop_a`.
async fn views(catalog: &TestCatalog) {
    let view = |name: &str, reps: Value| {
        json!({ "DatabaseName": "sales", "TableInput": {
            "Name": name, "TableType": "VIRTUAL_VIEW",
            "StorageDescriptor": { "Columns": [{ "Name": "id", "Type": "bigint" }] },
            "ViewDefinition": { "Representations": reps } } })
    };
    let rep = |dialect: &str, sql: &str| json!({ "Dialect": dialect, "DialectVersion": "1", "ViewOriginalText": sql, "ViewExpandedText": sql });
    for (name, reps) in [
        (
            "big_orders",
            json!([
                rep("ATHENA", "SELECT 'athena' AS id"),
                rep(
                    "SPARK",
                    "SELECT id, amount FROM orders WHERE amount >= 20 AND year = 2024"
                )
            ]),
        ),
        ("loop_a", json!([rep("SPARK", "SELECT * FROM loop_b")])),
        (
            "loop_b",
            json!([rep("SPARK", "SELECT * FROM sales.loop_a")]),
        ),
    ] {
        catalog.call("CreateTable", view(name, reps)).await;
    }
}

#[tokio::test]
async fn catalog_views_read_as_their_spark_sql_from_sources_and_sql() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    orders_table(&catalog, dir.path()).await;
    views(&catalog).await;
    let (from_source, from_sql) = (dir.path().join("a"), dir.path().join("b"));
    catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "src": { "CatalogSource": { "Name": "big", "Database": "sales", "Table": "big_orders" } },
            "out": csv_target("src", &from_source)
        }}))
        .await
        .unwrap();
    assert_eq!(
        csv_lines(&from_source),
        ("id,amount".into(), vec!["2,20".into(), "3,30".into()])
    );
    catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "src": { "CatalogSource": { "Name": "orders", "Database": "sales", "Table": "orders",
                                        "PartitionPredicate": "year = 2023" } },
            "sql": { "SparkSQL": { "Name": "q", "Inputs": ["src"], "SqlAliases": [{ "From": "src", "Alias": "o" }],
                                   "SqlQuery": "SELECT v.id FROM sales.big_orders v UNION ALL SELECT id FROM o" } },
            "out": csv_target("sql", &from_sql)
        }}))
        .await
        .unwrap();
    assert_eq!(
        csv_lines(&from_sql),
        ("id".into(), vec!["2".into(), "3".into(), "4".into()])
    );
}

#[tokio::test]
async fn a_view_that_refers_to_itself_is_refused_naming_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = TestCatalog::new().await;
    orders_table(&catalog, dir.path()).await;
    views(&catalog).await;
    let err = catalog
        .run(json!({ "CodeGenConfigurationNodes": {
            "src": { "CatalogSource": { "Name": "loop", "Database": "sales", "Table": "loop_a" } },
            "out": csv_target("src", &dir.path().join("out"))
        }}))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sales.loop_a refers to itself: sales.loop_a → sales.loop_b → sales.loop_a"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}
