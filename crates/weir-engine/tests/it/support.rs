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
