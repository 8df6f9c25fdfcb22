//! Jobs that run to completion, checked by reading what they wrote.

use serde_json::json;

use crate::support::{csv_lines, files, run, write};

/// The chain of the SFTP post, on local files: two pipe-delimited files without headers
/// (`col0…`) renamed by ApplyMapping, inner-joined, a field dropped, written as uncompressed CSV.
#[tokio::test]
async fn csv_sources_mapped_joined_and_written_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let orders = write(
        dir.path(),
        "in/orders/part-1",
        "1|10|19.99\n2|11|5.00\n3|10|7.50\n4|12|1.00\n",
    );
    let customers = write(
        dir.path(),
        "in/customers/customers.txt",
        "10|Ada|ada@example.com\n11|Grace|grace@example.com\n",
    );
    let out = dir.path().join("out");
    let job = json!({
        "Name": "sftp-chain",
        "CodeGenConfigurationNodes": {
            "node-1": { "S3CsvSource": { "Name": "Orders", "Paths": [orders.parent().unwrap().to_str().unwrap()], "Separator": "pipe", "QuoteChar": "quote", "WithHeader": false } },
            "node-2": { "S3CsvSource": { "Name": "Customers", "Paths": [customers.to_str().unwrap()], "Separator": "pipe", "QuoteChar": "quote", "WithHeader": false } },
            "node-3": { "ApplyMapping": { "Name": "Order fields", "Inputs": ["node-1"], "Mapping": [
                { "ToKey": "order_id", "FromPath": ["col0"], "FromType": "string", "ToType": "bigint", "Dropped": false },
                { "ToKey": "customer_id", "FromPath": ["col1"], "FromType": "string", "ToType": "int", "Dropped": false },
                { "ToKey": "amount", "FromPath": ["col2"], "FromType": "string", "ToType": "decimal(10,2)", "Dropped": false } ] } },
            "node-4": { "ApplyMapping": { "Name": "Customer fields", "Inputs": ["node-2"], "Mapping": [
                { "ToKey": "id", "FromPath": ["col0"], "FromType": "string", "ToType": "int", "Dropped": false },
                { "ToKey": "name", "FromPath": ["col1"], "FromType": "string", "ToType": "string", "Dropped": false },
                { "ToKey": "email", "FromPath": ["col2"], "FromType": "string", "ToType": "string", "Dropped": false } ] } },
            "node-5": { "Join": { "Name": "Join", "Inputs": ["node-3", "node-4"], "JoinType": "equijoin", "Columns": [
                { "From": "node-3", "Keys": [["customer_id"]] }, { "From": "node-4", "Keys": [["id"]] } ] } },
            "node-6": { "DropFields": { "Name": "Drop email", "Inputs": ["node-5"], "Paths": [["email"], ["id"]] } },
            "node-7": { "S3DirectTarget": { "Name": "Out", "Inputs": ["node-6"], "Path": out.to_str().unwrap(), "Format": "csv", "Compression": "none" } }
        }
    });
    let summary = run(job).await.unwrap();
    assert_eq!(summary.nodes.last().unwrap().rows_written, Some(3));
    let read = |id: &str| summary.nodes.iter().find(|n| n.node == id).unwrap().read;
    let orders_bytes = std::fs::metadata(&orders).unwrap().len();
    assert_eq!(
        read("node-1").map(|r| (r.rows, r.bytes)),
        Some((4, orders_bytes))
    );
    assert_eq!(read("node-2").map(|r| r.rows), Some(2));
    assert_eq!(read("node-3"), None, "transforms read nothing themselves");
    let out_bytes: u64 = files(&out)
        .iter()
        .map(|f| std::fs::metadata(out.join(f)).unwrap().len())
        .sum();
    assert_eq!(summary.nodes.last().unwrap().bytes_written, Some(out_bytes));
    let (header, rows) = csv_lines(&out);
    assert_eq!(header, "order_id,customer_id,amount,name");
    assert_eq!(rows, ["1,10,19.99,Ada", "2,11,5.00,Grace", "3,10,7.50,Ada"]);
    assert!(
        files(dir.path())
            .iter()
            .all(|f| !f.contains("weir-staging")),
        "no staging left: {:?}",
        files(dir.path())
    );
}

/// SparkSQL over a JSON source, grouped, written as partitioned Parquet, read back by a second job.
#[tokio::test]
async fn spark_sql_to_partitioned_parquet_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let events = write(
        dir.path(),
        "in/events.json",
        "{\"region\":\"eu\",\"amount\":3}\n{\"region\":\"us\",\"amount\":4}\n{\"region\":\"eu\",\"amount\":5}\n",
    );
    let out = dir.path().join("summary");
    run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3JsonSource": { "Name": "Events", "Paths": [events.to_str().unwrap()] } },
        "sql": { "SparkSQL": { "Name": "Totals", "Inputs": ["src"], "SqlAliases": [{ "From": "src", "Alias": "events" }],
                 "SqlQuery": "SELECT region, SUM(amount) AS total, COUNT(*) AS n FROM events GROUP BY region" } },
        "dst": { "S3GlueParquetTarget": { "Name": "Out", "Inputs": ["sql"], "Path": out.to_str().unwrap(), "Compression": "snappy", "PartitionKeys": [["region"]] } }
    }}))
    .await
    .unwrap();
    let written = files(&out);
    assert!(
        written.iter().any(|f| f.starts_with("region=eu/"))
            && written.iter().any(|f| f.starts_with("region=us/")),
        "{written:?}"
    );
    let back = dir.path().join("back");
    run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3ParquetSource": { "Name": "Summary", "Paths": [format!("{}/", out.display())] } },
        "flt": { "Filter": { "Name": "Big", "Inputs": ["src"], "LogicalOperator": "AND", "Filters": [
            { "Operation": "GTE", "Negated": false, "Values": [ { "Type": "COLUMNEXTRACTED", "Value": ["total"] }, { "Type": "CONSTANT", "Value": ["5"] } ] } ] } },
        "sel": { "SelectFields": { "Name": "Pick", "Inputs": ["flt"], "Paths": [["total"], ["n"]] } },
        "dst": { "S3DirectTarget": { "Name": "Back", "Inputs": ["sel"], "Path": back.to_str().unwrap(), "Format": "csv" } }
    }}))
    .await
    .unwrap();
    let (header, rows) = csv_lines(&back);
    assert_eq!(header, "total,n");
    assert_eq!(rows, ["8,2"]);
}

/// A run whose second target fails leaves the first target's path exactly as it was.
#[tokio::test]
async fn a_failed_run_leaves_every_target_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in/a.csv", "x,y\n1,2\n");
    let good = dir.path().join("good");
    write(&good, "existing.csv", "kept\n");
    let job = json!({ "CodeGenConfigurationNodes": {
        "src": { "S3CsvSource": { "Name": "In", "Paths": [input.to_str().unwrap()], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
        "t1": { "S3DirectTarget": { "Name": "Good", "Inputs": ["src"], "Path": good.to_str().unwrap(), "Format": "csv" } },
        "sql": { "SparkSQL": { "Name": "Bad", "Inputs": ["src"], "SqlAliases": [{ "From": "src", "Alias": "t" }],
                 "SqlQuery": "SELECT map_concat(map(x, 1), map(x, 2)) AS boom FROM t" } },
        "t2": { "S3DirectTarget": { "Name": "Bad out", "Inputs": ["sql"], "Path": dir.path().join("bad").to_str().unwrap(), "Format": "csv" } }
    }});
    let err = run(job).await.unwrap_err();
    assert!(
        err.to_string().contains("t2"),
        "the error names the failing node: {err}"
    );
    assert_eq!(
        files(&good),
        ["existing.csv"],
        "the first target's staged files were not committed"
    );
    assert!(!dir.path().join("bad").exists());
    assert!(
        files(dir.path())
            .iter()
            .all(|f| !f.contains("weir-staging")),
        "{:?}",
        files(dir.path())
    );
}

/// Union by name, DropDuplicates and Aggregate.
#[tokio::test]
async fn union_dedupe_and_aggregate() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.csv", "k,v\na,1\nb,2\n");
    let b = write(dir.path(), "b.csv", "v,k,extra\n2,b,x\n3,c,y\n");
    let out = dir.path().join("out");
    run(json!({ "CodeGenConfigurationNodes": {
        "a": { "S3CsvSource": { "Name": "A", "Paths": [a.to_str().unwrap()], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
        "b": { "S3CsvSource": { "Name": "B", "Paths": [b.to_str().unwrap()], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
        "drop": { "DropFields": { "Name": "No extra", "Inputs": ["b"], "Paths": [["extra"]] } },
        "u": { "Union": { "Name": "U", "Inputs": ["a", "drop"], "UnionType": "ALL" } },
        "d": { "DropDuplicates": { "Name": "D", "Inputs": ["u"] } },
        "g": { "Aggregate": { "Name": "G", "Inputs": ["d"], "Groups": [], "Aggs": [
            { "Column": ["v"], "AggFunc": "sum" }, { "Column": ["k"], "AggFunc": "countDistinct" } ] } },
        "o": { "S3DirectTarget": { "Name": "O", "Inputs": ["g"], "Path": out.to_str().unwrap(), "Format": "json" } }
    }}))
    .await
    .unwrap();
    let text: String = files(&out)
        .iter()
        .map(|f| std::fs::read_to_string(out.join(f)).unwrap())
        .collect();
    let row: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(row["sum(v)"], 6);
    assert_eq!(row["countDistinct(k)"], 3);
}

/// The Spark SQL functions Glue users reach for most, in a SparkSQL node.
#[tokio::test]
async fn spark_sql_functions_behave_as_in_spark() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.csv",
        "a,b,d\nx,,2024-03-05\ny,q,2024-01-01\n",
    );
    let out = dir.path().join("out");
    run(json!({ "CodeGenConfigurationNodes": {
        "s": { "S3CsvSource": { "Name": "In", "Paths": [input.to_str().unwrap()], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
        "q": { "SparkSQL": { "Name": "Q", "Inputs": ["s"], "SqlAliases": [{ "From": "s", "Alias": "t" }], "SqlQuery":
            "SELECT a, concat_ws('-', a, b) AS cw, nvl(b, 'none') AS n, date_format(to_date(d), 'yyyy/MM') AS ym, \
             year(to_date(d)) AS y, datediff(to_date(d), to_date('2024-01-01')) AS days FROM t" } },
        "o": { "S3DirectTarget": { "Name": "O", "Inputs": ["q"], "Path": out.to_str().unwrap(), "Format": "csv" } }
    }}))
    .await
    .unwrap();
    let (header, rows) = csv_lines(&out);
    assert_eq!(header, "a,cw,n,ym,y,days");
    assert_eq!(rows, ["x,x,none,2024/03,2024,64", "y,y-q,q,2024/01,2024,0"]);
}

/// SplitFields into a collection, SelectFromCollection, FillMissingValues, DropNullFields and a
/// Spigot sample on the way.
#[tokio::test]
async fn collections_imputation_null_fields_and_spigot() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "in.csv",
        "id,price,colour,unused,blank\n1,10,red,,\n2,,red,,\n3,20,blue,,\n4,30,,,\n",
    );
    let out = dir.path().join("out");
    let sample = dir.path().join("sample");
    run(json!({ "CodeGenConfigurationNodes": {
        "s": { "S3CsvSource": { "Name": "In", "Paths": [input.to_str().unwrap()], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
        "spigot": { "Spigot": { "Name": "Peek", "Inputs": ["s"], "Path": sample.to_str().unwrap(), "Topk": 2 } },
        "split": { "SplitFields": { "Name": "Split", "Inputs": ["spigot"], "Paths": [["id"], ["price"], ["colour"], ["unused"]] } },
        "pick": { "SelectFromCollection": { "Name": "Pick", "Inputs": ["split"], "Index": 0 } },
        "nulls": { "DropNullFields": { "Name": "No empty columns", "Inputs": ["pick"], "NullCheckBoxList": { "IsEmpty": true, "IsNullString": true, "IsNegOne": false } } },
        "fill_price": { "FillMissingValues": { "Name": "Price", "Inputs": ["nulls"], "ImputedPath": "price" } },
        "fill_colour": { "FillMissingValues": { "Name": "Colour", "Inputs": ["fill_price"], "ImputedPath": "colour", "FilledPath": "colour_guess" } },
        "o": { "S3DirectTarget": { "Name": "O", "Inputs": ["fill_colour"], "Path": out.to_str().unwrap(), "Format": "csv" } }
    }}))
    .await
    .unwrap();
    let (header, rows) = csv_lines(&out);
    assert_eq!(header, "id,price,colour,price_filled,colour_guess");
    assert_eq!(
        rows,
        [
            "1,10,red,10,red",
            "2,,red,20,red",
            "3,20,blue,20,blue",
            "4,30,,30,red"
        ]
    );
    let sampled: usize = files(&sample)
        .iter()
        .map(|f| {
            std::fs::read_to_string(sample.join(f))
                .unwrap()
                .lines()
                .count()
        })
        .sum();
    assert_eq!(sampled, 2, "Spigot wrote its Topk rows");
}
