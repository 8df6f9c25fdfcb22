//! What the commands that read a dataset share: the dataset named on the command line (a
//! catalog table or files), the engine that reads it, and how results are printed.

use weir_engine::dataset::Dataset;
use weir_engine::Engine;

use crate::config::Config;
use crate::job_run::{self, JobCatalog};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// The dataset `text` names; files in `file_format` when given.
pub fn dataset(text: &str, file_format: &Option<String>) -> Dataset {
    match Dataset::parse(text) {
        Dataset::Files { path, .. } => Dataset::Files {
            path,
            format: file_format.clone(),
        },
        table => table,
    }
}

/// The engine that reads `datasets`: the metastore (or service) is reached only for catalog
/// tables (database tables a JDBC crawler catalogued among them).
pub async fn engine(config: &Config, catalog: JobCatalog, datasets: &[&Dataset]) -> Engine {
    let engine = config.engine();
    if datasets.iter().any(|d| matches!(d, Dataset::Table { .. })) {
        let (client, _) = job_run::client(config, catalog);
        return engine.with_catalog(client);
    }
    engine
}

/// Writes a command's results to stdout; a reader that stopped reading (`| head`) ends the
/// output quietly.
pub fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
