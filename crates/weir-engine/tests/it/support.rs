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

/// A real catalog (SQLite metastore in a temp dir) for catalog sources, targets and SQL.
pub struct TestCatalog {
    pub catalog: weir_catalog::Catalog,
    _dir: tempfile::TempDir,
}

impl TestCatalog {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/metastore.db", dir.path().display());
        let store = weir_metastore::Metastore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let identity = weir_catalog::CatalogIdentity {
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
        };
        let catalog = weir_catalog::Catalog::new(
            store,
            identity,
            weir_catalog::SecretBox::new(&[7u8; 32]),
            std::sync::Arc::new(weir_catalog::SystemClock),
        );
        Self { catalog, _dir: dir }
    }

    /// Calls a Glue operation, validated against the model as on the wire.
    pub async fn call(&self, operation: &str, request: Value) -> Value {
        weir_model::validate::validate_input(operation, &request).unwrap();
        self.catalog.call(operation, &request).await.unwrap()
    }

    pub fn engine(&self) -> Engine {
        Engine::default().with_catalog(std::sync::Arc::new(Client(self.catalog.clone())))
    }

    pub async fn run(&self, job: Value) -> Result<RunSummary, EngineError> {
        let job = JobDefinition::from_json(&job)?;
        run_job(&self.engine(), &job, &|_| {}).await
    }
}

/// The engine's catalog seam over the test catalog.
struct Client(weir_catalog::Catalog);

impl weir_engine::catalog::CatalogClient for Client {
    fn call_atomic<'a>(
        &'a self,
        calls: Vec<(String, Value)>,
    ) -> weir_engine::catalog::AtomicFuture<'a> {
        Box::pin(async move {
            self.0
                .call_atomic(&calls)
                .await
                .map_err(|e| weir_engine::catalog::CatalogError {
                    code: e.kind.shape_name().to_string(),
                    message: e.message,
                })
        })
    }

    fn call<'a>(
        &'a self,
        operation: &'a str,
        request: Value,
    ) -> weir_engine::catalog::CatalogFuture<'a> {
        Box::pin(async move {
            let result = match weir_model::validate::validate_input(operation, &request) {
                Ok(()) => self.0.call(operation, &request).await,
                Err(e) => Err(e),
            };
            result.map_err(|e| weir_engine::catalog::CatalogError {
                code: e.kind.shape_name().to_string(),
                message: e.message,
            })
        })
    }
}
