//! Job definitions: the `Job` document by name.

use serde_json::Value;

use crate::db::Tx;
use crate::error::Result;
use crate::named_docs::NamedDocs;

/// The jobs (delete them with [`delete`], which deletes their runs and bookmarks too).
pub const JOBS: NamedDocs = NamedDocs::new("jobs", "job");

/// Inserts a job; [`crate::Error::Conflict`] when the name is taken.
pub async fn insert(tx: &mut Tx, name: &str, job: &Value) -> Result<()> {
    JOBS.insert(tx, name, job).await
}

pub async fn get(tx: &mut Tx, name: &str) -> Result<Option<Value>> {
    JOBS.get(tx, name).await
}

/// Up to `limit` jobs ordered by name, after `after`.
pub async fn list(tx: &mut Tx, after: Option<&str>, limit: usize) -> Result<Vec<(String, Value)>> {
    JOBS.list(tx, after, limit).await
}

/// Replaces a job's document; returns whether it existed.
pub async fn update(tx: &mut Tx, name: &str, job: &Value) -> Result<bool> {
    JOBS.update(tx, name, job, None).await
}

/// Deletes a job with its runs, their logs and its bookmark; returns whether it existed.
pub async fn delete(tx: &mut Tx, name: &str) -> Result<bool> {
    crate::job_bookmarks::delete_job(tx, name).await?;
    let q = tx.sql(
        "DELETE FROM job_run_logs WHERE run_id IN (SELECT id FROM job_runs WHERE job_name = $1)",
    );
    sqlx::query(&q).bind(name).execute(tx.conn()).await?;
    let q = tx.sql("DELETE FROM job_runs WHERE job_name = $1");
    sqlx::query(&q).bind(name).execute(tx.conn()).await?;
    JOBS.delete(tx, name).await
}
