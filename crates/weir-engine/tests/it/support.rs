//! Helpers: write input files, run a job, read outputs back.

use std::path::{Path, PathBuf};

use serde_json::Value;
use weir_engine::{run_job, Engine, EngineError, JobDefinition, RunSummary};

pub fn write(dir: &Path, relative: &str, text: &str) -> PathBuf {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

pub async fn run(job: Value) -> Result<RunSummary, EngineError> {
    let job = JobDefinition::from_json(&job)?;
    run_job(&Engine::default(), &job, &|_| {}).await
}

/// Every file under `dir` (recursively), as paths relative to it, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// The CSV lines of every file under `dir`, header lines once, data lines sorted.
pub fn csv_lines(dir: &Path) -> (String, Vec<String>) {
    let mut header = String::new();
    let mut rows = Vec::new();
    for f in files(dir) {
        let text = std::fs::read_to_string(dir.join(&f)).unwrap();
        let mut lines = text.lines();
        if let Some(h) = lines.next() {
            header = h.to_string();
        }
        rows.extend(lines.map(str::to_string));
    }
    rows.sort();
    (header, rows)
}

/// Every JSON line written under `dir`, as values, sorted by their text.
pub fn json_rows(dir: &Path) -> Vec<Value> {
    let mut rows: Vec<Value> = files(dir)
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(dir.join(f))
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<Value>>()
        })
        .collect();
    rows.sort_by_key(|r| r.to_string());
    rows
}

/// A job of one source node (`src`) written as JSON lines to `out`.
pub fn to_json(source: Value, out: &Path) -> Value {
    serde_json::json!({ "Name": "to-json", "CodeGenConfigurationNodes": {
        "src": source,
        "out": { "S3DirectTarget": { "Name": "Out", "Inputs": ["src"], "Path": out.to_str().unwrap(), "Format": "json" } }
    }})
}

/// Runs a one-source job and returns the rows it wrote.
pub async fn read_rows(source: Value) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run(to_json(source, &out)).await.unwrap();
    json_rows(&out)
}

/// `data` compressed with `codec` (`FileCompressionType::GZIP`, …), as DataFusion writes it.
pub async fn compress(
    data: &str,
    codec: datafusion::datasource::file_format::file_compression_type::FileCompressionType,
) -> Vec<u8> {
    use futures::StreamExt;
    let input = futures::stream::iter(vec![Ok(data.as_bytes().to_vec().into())]).boxed();
    let mut out = Vec::new();
    let mut stream = codec.convert_to_compress_stream(input).unwrap();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

pub fn write_bytes(dir: &Path, relative: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, data).unwrap();
    path
}

pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A Parquet file with columns `id: bigint, name: string` and no rows.
pub fn zero_row_parquet(path: &Path) {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let schema = std::sync::Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("name", DataType::Utf8, true),
    ]));
    let file = std::fs::File::create(path).unwrap();
    let writer = datafusion::parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    writer.close().unwrap();
}

/// An in-memory Glue catalog for catalog nodes: tables by `database.name`, partitions added.
#[derive(Default)]
pub struct FakeCatalog {
    pub tables: std::sync::Mutex<std::collections::BTreeMap<String, Value>>,
    pub partitions: std::sync::Mutex<Vec<Value>>,
}

impl weir_engine::catalog::CatalogClient for FakeCatalog {
    fn call<'a>(
        &'a self,
        operation: &'a str,
        request: Value,
    ) -> weir_engine::catalog::CatalogFuture<'a> {
        Box::pin(async move {
            let db = request["DatabaseName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let mut tables = self.tables.lock().unwrap();
            match operation {
                "GetTable" => {
                    let key = format!("{db}.{}", request["Name"].as_str().unwrap_or_default());
                    tables
                        .get(&key)
                        .map(|t| serde_json::json!({ "Table": t }))
                        .ok_or(weir_engine::catalog::CatalogError {
                            code: "EntityNotFoundException".into(),
                            message: format!("Table {key} not found"),
                        })
                }
                "CreateTable" | "UpdateTable" => {
                    let input = request["TableInput"].clone();
                    let key = format!("{db}.{}", input["Name"].as_str().unwrap_or_default());
                    tables.insert(key, input);
                    Ok(serde_json::json!({}))
                }
                "BatchCreatePartition" => {
                    let list = request["PartitionInputList"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    self.partitions.lock().unwrap().extend(list);
                    Ok(serde_json::json!({ "Errors": [] }))
                }
                other => Err(weir_engine::catalog::CatalogError {
                    code: "InvalidInputException".into(),
                    message: format!("{other} is not served by the fake catalog"),
                }),
            }
        })
    }
}

/// Runs a job against `catalog`.
pub async fn run_with(
    job: Value,
    catalog: std::sync::Arc<FakeCatalog>,
) -> Result<RunSummary, EngineError> {
    let job = JobDefinition::from_json(&job)?;
    run_job(&Engine::default().with_catalog(catalog), &job, &|_| {}).await
}
