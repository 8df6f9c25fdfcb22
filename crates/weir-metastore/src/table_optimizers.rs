//! Table optimizers: the stored optimizer document by name (the JSON text of
//! `[database, table, type]`, which names its runs too). A table's optimizers and their runs go
//! with the table.

use serde_json::json;

use crate::db::Tx;
use crate::error::Result;
use crate::job_runs;
use crate::named_docs::NamedDocs;

/// The table optimizers.
pub const TABLE_OPTIMIZERS: NamedDocs = NamedDocs::new("table_optimizers", "table optimizer");

/// The kind of an optimizer's runs in `job_runs`.
pub const OPTIMIZER_RUNS: &str = "TABLE_OPTIMIZER";

/// The types of optimizer (`TableOptimizerType`).
pub const TYPES: [&str; 3] = ["compaction", "retention", "orphan_file_deletion"];

/// The name an optimizer (and its runs) is stored under; names are folded to lower case, as
/// the catalog folds them.
pub fn name(database: &str, table: &str, kind: &str) -> String {
    json!([database.to_lowercase(), table.to_lowercase(), kind]).to_string()
}

/// Deletes an optimizer and its runs; returns whether it existed.
pub async fn delete(tx: &mut Tx, name: &str) -> Result<bool> {
    job_runs::delete_all(tx, OPTIMIZER_RUNS, name).await?;
    TABLE_OPTIMIZERS.delete(tx, name).await
}

/// Deletes a table's optimizers and their runs.
pub async fn delete_of_table(tx: &mut Tx, database: &str, table: &str) -> Result<()> {
    for kind in TYPES {
        delete(tx, &name(database, table, kind)).await?;
    }
    Ok(())
}

/// Deletes the optimizers of every table of a database, and their runs.
pub async fn delete_of_database(tx: &mut Tx, database: &str) -> Result<()> {
    let prefix = json!([database.to_lowercase()]).to_string();
    let prefix = prefix.trim_end_matches(']');
    let mut after: Option<String> = None;
    loop {
        let page = TABLE_OPTIMIZERS.list(tx, after.as_deref(), 500).await?;
        let Some((last, _)) = page.last() else {
            return Ok(());
        };
        after = Some(last.clone());
        for (name, _) in &page {
            if name.starts_with(&format!("{prefix},")) {
                delete(tx, name).await?;
            }
        }
    }
}
