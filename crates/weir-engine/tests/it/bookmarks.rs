//! Job bookmarks across runs: each run starts from the bookmark the last one left, and reads
//! only the files that are new or changed since.

use std::path::Path;

use serde_json::{json, Value};
use weir_engine::job::bookmark::BookmarkState;
use weir_engine::{run_job, Engine, JobDefinition, RunSummary};

use crate::support::{csv_lines, write};

/// Runs `job` with bookmarks enabled from `bookmark`.
async fn run_from(job: &Value, bookmark: Option<BookmarkState>) -> RunSummary {
    let mut job = JobDefinition::from_json(job).unwrap();
    job.arguments
        .insert("--job-bookmark-option".into(), "job-bookmark-enable".into());
    job.bookmark = bookmark;
    run_job(&Engine::default(), &job, &|_| {}).await.unwrap()
}

fn written(summary: &RunSummary) -> Option<u64> {
    summary.nodes.last().unwrap().rows_written
}

fn processed(summary: &RunSummary, node: &str) -> Vec<String> {
    let files = &summary.bookmark.as_ref().unwrap().nodes[node].files;
    files
        .keys()
        .map(|url| url.rsplit('/').next().unwrap().to_string())
        .collect()
}

/// A headerless CSV source mapped by ApplyMapping: the run with nothing new reads an empty
/// source that still has the columns the mapping needs.
#[tokio::test]
async fn a_csv_source_reads_only_new_files_and_nothing_when_nothing_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    write(&input, "a.csv", "1|x\n2|y\n");
    let out = dir.path().join("out");
    let job = json!({ "CodeGenConfigurationNodes": {
        "src": { "S3CsvSource": { "Name": "In", "Paths": [format!("{}/", input.display())], "Separator": "pipe", "QuoteChar": "quote", "WithHeader": false } },
        "map": { "ApplyMapping": { "Name": "Map", "Inputs": ["src"], "Mapping": [
            { "ToKey": "id", "FromPath": ["col0"], "FromType": "string", "ToType": "bigint", "Dropped": false },
            { "ToKey": "name", "FromPath": ["col1"], "FromType": "string", "ToType": "string", "Dropped": false } ] } },
        "dst": { "S3DirectTarget": { "Name": "Out", "Inputs": ["map"], "Path": out.to_str().unwrap(), "Format": "csv" } }
    }});
    let first = run_from(&job, None).await;
    assert_eq!(written(&first), Some(2));
    assert_eq!(processed(&first, "src"), ["a.csv"]);

    let idle = run_from(&job, first.bookmark.clone()).await;
    assert_eq!(written(&idle), Some(0));
    assert_eq!(idle.bookmark, first.bookmark);

    write(&input, "b.csv", "3|z\n");
    let third = run_from(&job, idle.bookmark.clone()).await;
    assert_eq!(written(&third), Some(1));
    assert_eq!(processed(&third, "src"), ["a.csv", "b.csv"]);
    let (header, rows) = csv_lines(&out);
    assert_eq!(header, "id,name");
    assert_eq!(rows, ["1,x", "2,y", "3,z"]);
}

/// Bounded runs work through a backlog: the bookmark filter applies before `BoundedFiles`.
#[tokio::test]
async fn bounded_files_take_the_next_unprocessed_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    for (name, id) in [("a.json", 1), ("b.json", 2), ("c.json", 3)] {
        write(&input, name, &format!("{{\"id\":{id}}}\n"));
    }
    let job = |out: &Path| {
        json!({ "CodeGenConfigurationNodes": {
            "src": { "S3JsonSource": { "Name": "In", "Paths": [format!("{}/", input.display())], "AdditionalOptions": { "BoundedFiles": 2 } } },
            "dst": { "S3DirectTarget": { "Name": "Out", "Inputs": ["src"], "Path": out.to_str().unwrap(), "Format": "csv" } }
        }})
    };
    let first = run_from(&job(&dir.path().join("out1")), None).await;
    assert_eq!(processed(&first, "src"), ["a.json", "b.json"]);
    let second = run_from(&job(&dir.path().join("out2")), first.bookmark).await;
    assert_eq!(processed(&second, "src"), ["a.json", "b.json", "c.json"]);
    assert_eq!(csv_lines(&dir.path().join("out2")).1, ["3"]);
}

/// A Parquet source with nothing new is empty, with the columns of its files.
#[tokio::test]
async fn a_parquet_source_with_nothing_new_is_empty_with_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("parquet");
    let json_in = write(dir.path(), "in.json", "{\"id\":1,\"name\":\"a\"}\n");
    crate::support::run(json!({ "CodeGenConfigurationNodes": {
        "src": { "S3JsonSource": { "Name": "In", "Paths": [json_in.to_str().unwrap()] } },
        "dst": { "S3GlueParquetTarget": { "Name": "Out", "Inputs": ["src"], "Path": parquet.to_str().unwrap() } }
    }}))
    .await
    .unwrap();
    let job = |out: &Path| {
        json!({ "CodeGenConfigurationNodes": {
            "src": { "S3ParquetSource": { "Name": "In", "Paths": [format!("{}/", parquet.display())] } },
            "sel": { "SelectFields": { "Name": "Pick", "Inputs": ["src"], "Paths": [["name"]] } },
            "dst": { "S3DirectTarget": { "Name": "Out", "Inputs": ["sel"], "Path": out.to_str().unwrap(), "Format": "json" } }
        }})
    };
    let first = run_from(&job(&dir.path().join("out1")), None).await;
    assert_eq!(written(&first), Some(1));
    let second = run_from(&job(&dir.path().join("out2")), first.bookmark).await;
    assert_eq!(written(&second), Some(0));
}
