//! Parquet written by jobs: columns of mostly distinct values are written plain, columns of few
//! values keep their dictionaries, and every value reads back.

use std::collections::BTreeMap;
use std::fs::File;

use datafusion::parquet::basic::Encoding;
use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
use serde_json::json;

use crate::support::{csv_lines, files, read_rows, run, s, write};

/// The encodings of each column over every row group of the Parquet files under `dir`.
fn encodings(dir: &std::path::Path) -> BTreeMap<String, Vec<Encoding>> {
    let mut by_column: BTreeMap<String, Vec<Encoding>> = BTreeMap::new();
    for f in files(dir) {
        let reader = SerializedFileReader::new(File::open(dir.join(f)).unwrap()).unwrap();
        for group in reader.metadata().row_groups() {
            for column in group.columns() {
                let seen = by_column.entry(column.column_path().string()).or_default();
                for e in column.encodings() {
                    if !seen.contains(&e) {
                        seen.push(e);
                    }
                }
            }
        }
    }
    by_column
}

fn dictionary(encodings: &[Encoding]) -> bool {
    encodings
        .iter()
        .any(|e| matches!(e, Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY))
}

#[tokio::test]
async fn distinct_values_are_written_plain_and_repeated_ones_in_a_dictionary() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,code,note,day\n");
    let rows = 150_000;
    for i in 0..rows {
        let code = ["AIR", "RAIL", "SHIP", "TRUCK", "MAIL"][i % 5];
        // ids in order, 2 rows each; days in runs of 500 rows, as a log in time order
        csv.push_str(&format!(
            "{},{code},note number {i} of the batch,{}\n",
            i / 2,
            20_000 + i / 500
        ));
    }
    let input = write(dir.path(), "in/rows.csv", &csv);
    let out = dir.path().join("out");
    run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3CsvSource": { "Name": "Rows", "Paths": [s(&input)], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
        "map": { "ApplyMapping": { "Name": "Types", "Inputs": ["src"], "Mapping": [
            { "ToKey": "id", "FromPath": ["id"], "FromType": "string", "ToType": "bigint" },
            { "ToKey": "code", "FromPath": ["code"], "FromType": "string", "ToType": "string" },
            { "ToKey": "note", "FromPath": ["note"], "FromType": "string", "ToType": "string" },
            { "ToKey": "day", "FromPath": ["day"], "FromType": "string", "ToType": "int" } ] } },
        "dst": { "S3GlueParquetTarget": { "Name": "Out", "Inputs": ["map"], "Path": s(&out), "Compression": "snappy" } }
    }}))
    .await
    .unwrap();

    let encodings = encodings(&out);
    assert!(!dictionary(&encodings["id"]), "{encodings:?}");
    assert!(!dictionary(&encodings["note"]), "{encodings:?}");
    assert!(dictionary(&encodings["code"]), "{encodings:?}");
    assert!(dictionary(&encodings["day"]), "{encodings:?}");

    // Every value reads back: counted and summed by a job reading the files.
    let back = dir.path().join("back");
    run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3ParquetSource": { "Name": "Written", "Paths": [format!("{}/", out.display())] } },
        "sql": { "SparkSQL": { "Name": "Totals", "Inputs": ["src"], "SqlAliases": [{ "From": "src", "Alias": "t" }],
                 "SqlQuery": "SELECT count(*) AS n, sum(id) AS ids, count(DISTINCT note) AS notes, count(DISTINCT code) AS codes, sum(day) AS days, max(note) AS last FROM t" } },
        "dst": { "S3DirectTarget": { "Name": "Back", "Inputs": ["sql"], "Path": s(&back), "Format": "csv" } }
    }}))
    .await
    .unwrap();
    let ids: usize = (0..rows).map(|i| i / 2).sum();
    let days: usize = (0..rows).map(|i| 20_000 + i / 500).sum();
    let (header, lines) = csv_lines(&back);
    assert_eq!(header, "n,ids,notes,codes,days,last");
    assert_eq!(
        lines,
        [format!(
            "{rows},{ids},{rows},5,{days},note number 99999 of the batch"
        )]
    );
}

#[tokio::test]
async fn a_small_output_of_distinct_values_keeps_its_dictionary_when_it_fits() {
    let dir = tempfile::tempdir().unwrap();
    let csv: String = std::iter::once("id\n".to_string())
        .chain((0..5_000).map(|i| format!("{i}\n")))
        .collect();
    let input = write(dir.path(), "in/ids.csv", &csv);
    let out = dir.path().join("out");
    run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3CsvSource": { "Name": "Ids", "Paths": [s(&input)], "Separator": "comma", "QuoteChar": "quote", "WithHeader": true } },
        "dst": { "S3GlueParquetTarget": { "Name": "Out", "Inputs": ["src"], "Path": s(&out), "Compression": "snappy" } }
    }}))
    .await
    .unwrap();
    // The whole output is one row group whose 5,000 values make a small dictionary: the writer
    // decides as it always did.
    assert!(dictionary(&encodings(&out)["id"]));
    let back = read_rows(
        json!({ "S3ParquetSource": { "Name": "Back", "Paths": [format!("{}/", out.display())] } }),
    )
    .await;
    assert_eq!(back.len(), 5_000);
}
