//! S3 file sources on real files: listing (recursion, hidden files, exclusions, bounds),
//! compression detection, JSON layouts and JsonPath, CSV options; every test reads back what
//! the job wrote.

use std::path::Path;

use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use serde_json::{json, Value};

use crate::support::{compress, csv_lines, read_rows, run, s, to_json, write, write_bytes};

/// A source node of `node_type` over `paths`, with `extra` fields.
fn source(node_type: &str, paths: &[&Path], extra: Value) -> Value {
    let mut fields =
        json!({ "Name": "In", "Paths": paths.iter().map(|p| s(p)).collect::<Vec<_>>() });
    if node_type == "S3CsvSource" {
        fields["Separator"] = json!("comma");
        fields["QuoteChar"] = json!("quote");
    }
    for (k, v) in extra.as_object().unwrap() {
        fields[k] = v.clone();
    }
    json!({ node_type: fields })
}

fn csv(paths: &[&Path], extra: Value) -> Value {
    source("S3CsvSource", paths, extra)
}

fn json_source(paths: &[&Path], extra: Value) -> Value {
    source("S3JsonSource", paths, extra)
}

/// The values of `column` in rows, as text, sorted.
fn column(rows: &[Value], column: &str) -> Vec<String> {
    let mut v: Vec<String> = rows.iter().map(|r| r[column].to_string()).collect();
    v.sort();
    v
}

async fn error_of(source: Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    run(to_json(source, &dir.path().join("out")))
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn folders_are_read_recursively_without_hadoop_hidden_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    write(&root, "a.json", "{\"n\":1}\n");
    write(&root, "day=1/b.json", "{\"n\":2}\n");
    write(&root, "day=1/deeper/c", "{\"n\":3}\n");
    write(&root, "_SUCCESS", "");
    write(&root, ".a.json.crc", "garbage");
    write(&root, "_temporary/0/part-0", "{\"n\":99}\n");
    write(&root, "day=1/.hidden/d.json", "{\"n\":98}\n");
    write(
        dir.path(),
        "in.weir-staging-jr_1/part-0.json",
        "{\"n\":97}\n",
    );
    let rows = read_rows(json_source(&[&root], json!({}))).await;
    assert_eq!(column(&rows, "n"), ["1", "2", "3"]);
    let rows = read_rows(json_source(&[&root], json!({ "Recurse": true }))).await;
    assert_eq!(column(&rows, "n"), ["1", "2", "3"]);
}

#[tokio::test]
async fn recurse_false_reads_only_the_files_directly_under_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    write(&root, "a.csv", "x\n1\n");
    write(&root, "sub/b.csv", "x\n2\n");
    let rows = read_rows(csv(
        &[&root],
        json!({ "Recurse": false, "WithHeader": true }),
    ))
    .await;
    assert_eq!(column(&rows, "x"), ["1"]);
}

#[tokio::test]
async fn exclusions_are_globs_over_the_url_or_the_path_below_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    write(&root, "a.json", "{\"n\":1}\n");
    write(&root, "notes.txt", "{\"n\":2}\n");
    write(&root, "sub/c.txt", "{\"n\":3}\n");
    write(&root, "sub/d.json", "{\"n\":4}\n");
    write(&root, "tmp/e.json", "{\"n\":5}\n");
    let url = format!("file://{}/sub/*.json", root.display());
    let rows = read_rows(json_source(
        &[&root],
        json!({ "Exclusions": ["**.txt", url, "tmp/**"] }),
    ))
    .await;
    assert_eq!(column(&rows, "n"), ["1"]);
    // Glue documents the value as a string holding a JSON list.
    let rows = read_rows(json_source(
        &[&root],
        json!({ "Exclusions": ["[\"**.json\"]"] }),
    ))
    .await;
    assert_eq!(column(&rows, "n"), ["2", "3"]);
    // `*` stays within a folder.
    let rows = read_rows(json_source(&[&root], json!({ "Exclusions": ["*.json"] }))).await;
    assert_eq!(column(&rows, "n"), ["2", "3", "4", "5"]);
}

#[tokio::test]
async fn bounded_files_and_size_take_files_in_listing_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    // Each file is 8 bytes.
    for (name, n) in [("a", 1), ("b", 2), ("c", 3), ("d", 4)] {
        write(&root, &format!("{name}.json"), &format!("{{\"n\":{n}}}\n"));
    }
    let rows = read_rows(json_source(
        &[&root],
        json!({ "AdditionalOptions": { "BoundedFiles": 2 } }),
    ))
    .await;
    assert_eq!(column(&rows, "n"), ["1", "2"]);
    let rows = read_rows(json_source(
        &[&root],
        json!({ "AdditionalOptions": { "BoundedSize": 25 } }),
    ))
    .await;
    assert_eq!(column(&rows, "n"), ["1", "2", "3"]);
    let e = error_of(json_source(
        &[&root],
        json!({ "AdditionalOptions": { "BoundedSize": 3 } }),
    ))
    .await;
    assert!(e.contains("node src") && e.contains("BoundedSize"), "{e}");
}

#[tokio::test]
async fn a_path_with_no_file_is_an_error_naming_the_node_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let e = error_of(csv(&[&missing], json!({}))).await;
    assert!(
        e.contains("node src") && e.contains("S3CsvSource.Paths") && e.contains("nothing-here"),
        "{e}"
    );
    let only_hidden = dir.path().join("hidden");
    write(&only_hidden, "_SUCCESS", "");
    let e = error_of(json_source(&[&only_hidden], json!({}))).await;
    assert!(
        e.contains("node src") && e.contains("hidden") && e.contains("no file"),
        "{e}"
    );
    let excluded = dir.path().join("excluded");
    write(&excluded, "a.json", "{}\n");
    let e = error_of(json_source(&[&excluded], json!({ "Exclusions": ["**"] }))).await;
    assert!(e.contains("excluded") && e.contains("Exclusions"), "{e}");
}

#[tokio::test]
async fn compression_is_detected_by_suffix_or_magic_bytes_and_groups_are_unioned() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    let text = |n: u32| format!("id,name\n{n},row{n}\n");
    write(&root, "plain.csv", &text(1));
    write_bytes(
        &root,
        "suffixed.csv.gz",
        &compress(&text(2), FileCompressionType::GZIP).await,
    );
    write_bytes(
        &root,
        "gzip-no-suffix",
        &compress(&text(3), FileCompressionType::GZIP).await,
    );
    write_bytes(
        &root,
        "bzip2-no-suffix",
        &compress(&text(4), FileCompressionType::BZIP2).await,
    );
    write_bytes(
        &root,
        "zstd-no-suffix",
        &compress(&text(5), FileCompressionType::ZSTD).await,
    );
    write_bytes(
        &root,
        "suffixed.bz2",
        &compress(&text(6), FileCompressionType::BZIP2).await,
    );
    write_bytes(
        &root,
        "suffixed.zst",
        &compress(&text(7), FileCompressionType::ZSTD).await,
    );
    let rows = read_rows(csv(&[&root], json!({ "WithHeader": true }))).await;
    assert_eq!(column(&rows, "id"), ["1", "2", "3", "4", "5", "6", "7"]);
    assert_eq!(
        column(&rows, "name"),
        ["\"row1\"", "\"row2\"", "\"row3\"", "\"row4\"", "\"row5\"", "\"row6\"", "\"row7\""]
    );
}

#[tokio::test]
async fn a_given_compression_type_is_used_for_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    write_bytes(
        &root,
        "a.data",
        &compress("{\"n\":1}\n", FileCompressionType::GZIP).await,
    );
    write_bytes(
        &root,
        "b.data",
        &compress("{\"n\":2}\n", FileCompressionType::GZIP).await,
    );
    let rows = read_rows(json_source(&[&root], json!({ "CompressionType": "gzip" }))).await;
    assert_eq!(column(&rows, "n"), ["1", "2"]);
    // A plain file read as gzip fails, naming the file.
    write(&root, "c.data", "{\"n\":3}\n");
    let e = error_of(json_source(&[&root], json!({ "CompressionType": "gzip" }))).await;
    assert!(e.contains("node src") && e.contains("c.data"), "{e}");
}

#[tokio::test]
async fn multiline_json_reads_arrays_and_pretty_printed_documents() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    write(
        &root,
        "array.json",
        "[\n  {\"id\": 1, \"tags\": {\"a\": \"x\"}},\n  {\"id\": 2, \"tags\": null}\n]\n",
    );
    write(
        &root,
        "pretty.json",
        "{\n  \"id\": 3,\n  \"tags\": {\n    \"a\": \"z\"\n  }\n}\n{\n  \"id\": 4\n}\n",
    );
    write_bytes(
        &root,
        "array-gz",
        &compress("[{\"id\": 5}]", FileCompressionType::GZIP).await,
    );
    let rows = read_rows(json_source(&[&root], json!({ "Multiline": true }))).await;
    assert_eq!(column(&rows, "id"), ["1", "2", "3", "4", "5"]);
    let tags: Vec<&Value> = rows.iter().map(|r| &r["tags"]["a"]).collect();
    assert_eq!(
        tags,
        [
            &json!("x"),
            &Value::Null,
            &json!("z"),
            &Value::Null,
            &Value::Null
        ]
    );
}

/// DataFusion 53 splits files over 10 MiB into byte ranges, which breaks a JSON array
/// ("JSON array format does not support range-based file scanning") and documents spanning
/// lines; multi-line files are read whole.
#[tokio::test]
async fn large_multiline_json_files_are_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    let n: u64 = 120_000;
    let padding = "p".repeat(80);
    let records: Vec<String> = (0..n)
        .map(|i| format!("{{\n \"id\": {i},\n \"pad\": \"{padding}\"\n}}"))
        .collect();
    write(&root, "array.json", &format!("[{}]", records.join(",\n")));
    write(&root, "pretty.json", &records.join("\n"));
    assert!(std::fs::metadata(root.join("array.json")).unwrap().len() > 11 << 20);
    let out = dir.path().join("out");
    let job = json!({ "CodeGenConfigurationNodes": {
        "src": json_source(&[&root], json!({ "Multiline": true })),
        "agg": { "Aggregate": { "Name": "Count", "Inputs": ["src"], "Groups": [], "Aggs": [
            { "Column": ["id"], "AggFunc": "count" }, { "Column": ["id"], "AggFunc": "sum" } ] } },
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["agg"], "Path": s(&out), "Format": "json" } }
    }});
    run(job).await.unwrap();
    let rows = crate::support::json_rows(&out);
    assert_eq!(rows[0]["count(id)"], 2 * n);
    assert_eq!(rows[0]["sum(id)"], (n - 1) * n);
}

#[tokio::test]
async fn json_path_picks_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let arrays = write(dir.path(), "arrays/a.json", "[{\"id\":1},{\"id\":2}]");
    let rows = read_rows(json_source(&[&arrays], json!({ "JsonPath": "$[*]" }))).await;
    assert_eq!(column(&rows, "id"), ["1", "2"]);

    let wrapped = write(
        dir.path(),
        "wrapped/a.json",
        "{\"meta\": {\"page\": 1}, \"records\": [{\"id\": 1, \"v\": \"a\"}, {\"id\": 2, \"v\": null}]}\n{\"meta\": {\"page\": 2}, \"records\": []}\n{\"meta\": {\"page\": 3}}\n",
    );
    let rows = read_rows(json_source(
        &[&wrapped],
        json!({ "JsonPath": "$.records[*]" }),
    ))
    .await;
    assert_eq!(rows, [json!({"id": 1, "v": "a"}), json!({"id": 2})]);
    let rows = read_rows(json_source(&[&wrapped], json!({ "JsonPath": "$.meta" }))).await;
    assert_eq!(column(&rows, "page"), ["1", "2", "3"]);

    let nested = write(
        dir.path(),
        "nested/a.json",
        "{\n \"data\": {\n  \"items\": [\n   {\"sku\": \"x\", \"dims\": {\"w\": 2}},\n   {\"sku\": \"y\", \"dims\": {\"w\": 3}}\n  ]\n }\n}\n",
    );
    let rows = read_rows(json_source(
        &[&nested],
        json!({ "JsonPath": "$.data.items[*]", "Multiline": true }),
    ))
    .await;
    assert_eq!(
        rows,
        [
            json!({"sku": "x", "dims": {"w": 2}}),
            json!({"sku": "y", "dims": {"w": 3}})
        ]
    );
}

#[tokio::test]
async fn unsupported_or_unmatched_json_paths_are_errors_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "a.json", "{\"records\": [1, 2], \"n\": 1}\n");
    let e = error_of(json_source(&[&file], json!({ "JsonPath": "$..records" }))).await;
    assert!(
        e.contains("node src") && e.contains("S3JsonSource.JsonPath") && e.contains("$..records"),
        "{e}"
    );
    let e = error_of(json_source(&[&file], json!({ "JsonPath": "$.missing[*]" }))).await;
    assert!(
        e.contains("node src") && e.contains("missing") && e.contains("records, n"),
        "{e}"
    );
    let e = error_of(json_source(&[&file], json!({ "JsonPath": "$.n[*]" }))).await;
    assert!(e.contains("node src") && e.contains("not an array"), "{e}");
    // Scalars in the array become one column named after the field.
    let rows = read_rows(json_source(&[&file], json!({ "JsonPath": "$.records[*]" }))).await;
    assert_eq!(rows, [json!({"records": 1}), json!({"records": 2})]);
}

#[tokio::test]
async fn malformed_json_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    write(&root, "good.json", "{\"n\":1}\n");
    write(&root, "bad.json", "{\"n\":2}\n{\"n\": oops}\n");
    let e = error_of(json_source(&[&root], json!({}))).await;
    assert!(e.contains("node src") && e.contains("bad.json"), "{e}");
}

#[tokio::test]
async fn csv_skip_first_header_escaper_quotes_and_multiline() {
    let dir = tempfile::tempdir().unwrap();
    let skip = write(dir.path(), "skip.csv", "id,name\n1,a\n2,b\n");
    let rows = read_rows(csv(&[&skip], json!({ "SkipFirst": true }))).await;
    assert_eq!(
        rows,
        [
            json!({"col0": 1, "col1": "a"}),
            json!({"col0": 2, "col1": "b"})
        ]
    );
    // A skipped line must still be a row of the same width; else the error names the file.
    let title = write(dir.path(), "title.csv", "report title\n1,a\n");
    let e = error_of(csv(&[&title], json!({ "SkipFirst": true }))).await;
    assert!(e.contains("node src") && e.contains("title.csv"), "{e}");

    let header = write(dir.path(), "header.csv", "id,name\n1,\"Smith, J\"\n");
    let rows = read_rows(csv(&[&header], json!({ "WithHeader": true }))).await;
    assert_eq!(rows, [json!({"id": 1, "name": "Smith, J"})]);

    let escaped = write(dir.path(), "escaped.csv", "id,q\n1,\"say \\\"hi\\\"\"\n");
    let rows = read_rows(csv(
        &[&escaped],
        json!({ "WithHeader": true, "Escaper": "\\" }),
    ))
    .await;
    assert_eq!(rows, [json!({"id": 1, "q": "say \"hi\""})]);

    let unquoted = write(dir.path(), "unquoted.csv", "id,q\n1,\"kept\"\n");
    let rows = read_rows(csv(
        &[&unquoted],
        json!({ "WithHeader": true, "QuoteChar": "disabled" }),
    ))
    .await;
    assert_eq!(rows, [json!({"id": 1, "q": "\"kept\""})]);

    let multi = write(
        dir.path(),
        "multi.csv",
        "id,text\n1,\"line one\nline two\"\n2,single\n",
    );
    let rows = read_rows(csv(
        &[&multi],
        json!({ "WithHeader": true, "Multiline": true }),
    ))
    .await;
    assert_eq!(
        rows,
        [
            json!({"id": 1, "text": "line one\nline two"}),
            json!({"id": 2, "text": "single"})
        ]
    );

    let piped = write(dir.path(), "piped.csv", "a|b\n1|x\n");
    let mut source = csv(&[&piped], json!({ "WithHeader": true }));
    source["S3CsvSource"]["Separator"] = json!("pipe");
    assert_eq!(read_rows(source).await, [json!({"a": 1, "b": "x"})]);
}

#[tokio::test]
async fn a_malformed_csv_row_is_an_error_naming_the_node_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    write(&root, "good.csv", "a,b\n1,2\n");
    write(&root, "bad.csv", "a,b\n1,2\n3,4,5\n");
    let e = error_of(csv(&[&root], json!({ "WithHeader": true }))).await;
    assert!(e.contains("node src") && e.contains("bad.csv"), "{e}");
}

#[tokio::test]
async fn empty_files_and_header_only_csv_write_zero_rows() {
    let dir = tempfile::tempdir().unwrap();
    let header_only = write(dir.path(), "h/only-header.csv", "id,name\n");
    let out = dir.path().join("out-csv");
    let job = json!({ "CodeGenConfigurationNodes": {
        "src": csv(&[&header_only], json!({ "WithHeader": true })),
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["src"], "Path": s(&out), "Format": "csv" } }
    }});
    let summary = run(job).await.unwrap();
    assert_eq!(summary.nodes.last().unwrap().rows_written, Some(0));
    assert!(csv_lines(&out).1.is_empty());

    let empty = write(dir.path(), "e/empty.json", "");
    let out = dir.path().join("out-json");
    let summary = run(to_json(json_source(&[&empty], json!({})), &out))
        .await
        .unwrap();
    assert_eq!(summary.nodes.last().unwrap().rows_written, Some(0));
    assert!(crate::support::json_rows(&out).is_empty());

    // A Parquet file of zero rows reads as zero rows (DataFusion writes no file for zero rows,
    // so the file is written with Parquet's writer).
    let parquet = dir.path().join("zero.parquet");
    crate::support::zero_row_parquet(&parquet);
    let out = dir.path().join("out-parquet");
    let summary = run(to_json(
        source("S3ParquetSource", &[&parquet], json!({})),
        &out,
    ))
    .await
    .unwrap();
    assert_eq!(summary.nodes.last().unwrap().rows_written, Some(0));
}

/// DataFusion 53 infers a CSV schema chunk by chunk, cutting chunks at newlines even inside
/// quoted values, so a multi-line CSV whose first 1000 records span more than one read chunk
/// fails to plan. Weir reports it naming the node and the file (and keeps such files whole
/// when reading, so that a planned scan does not split quoted newlines).
#[tokio::test]
async fn a_large_multiline_csv_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let pad = "q".repeat(90);
    let mut text = String::from("id,text\n");
    for i in 0..5_000 {
        text.push_str(&format!("{i},\"{pad}\nline two\"\n"));
    }
    let file = write(dir.path(), "big.csv", &text);
    let e = error_of(csv(
        &[&file],
        json!({ "WithHeader": true, "Multiline": true }),
    ))
    .await;
    let url = format!("file://{}", file.display());
    assert!(e.contains("node src") && e.contains(&url), "{e}");
}
