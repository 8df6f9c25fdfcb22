//! Job definitions: the `Job` document by name.

use serde_json::Value;
use sqlx::Row;

use crate::db::Tx;
use crate::doc;
use crate::error::Result;

/// Inserts a job; [`crate::Error::Conflict`] when the name is taken.
pub async fn insert(tx: &mut Tx, name: &str, job: &Value) -> Result<()> {
    let q = tx.sql("INSERT INTO jobs (name, doc) VALUES ($1, $2)");
    sqlx::query(&q)
        .bind(name)
        .bind(doc::to_text(job))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, name: &str) -> Result<Option<Value>> {
    let q = tx.sql("SELECT doc FROM jobs WHERE name = $1");
    let row = sqlx::query(&q).bind(name).fetch_optional(tx.conn()).await?;
    row.map(|r| doc::parse(&format!("job {name}"), &r.try_get::<String, _>(0)?))
        .transpose()
}

/// Up to `limit` jobs ordered by name, after `after`.
pub async fn list(tx: &mut Tx, after: Option<&str>, limit: usize) -> Result<Vec<(String, Value)>> {
    let q = tx.sql("SELECT name, doc FROM jobs WHERE name > $1 ORDER BY name LIMIT $2");
    let rows = sqlx::query(&q)
        .bind(after.unwrap_or(""))
        .bind(limit as i64)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get(0)?;
            let job = doc::parse(&format!("job {name}"), &r.try_get::<String, _>(1)?)?;
            Ok((name, job))
        })
        .collect()
}

/// Replaces a job's document; returns whether it existed.
pub async fn update(tx: &mut Tx, name: &str, job: &Value) -> Result<bool> {
    let q = tx.sql("UPDATE jobs SET doc = $1 WHERE name = $2");
    let done = sqlx::query(&q)
        .bind(doc::to_text(job))
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
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
    let q = tx.sql("DELETE FROM jobs WHERE name = $1");
    let done = sqlx::query(&q).bind(name).execute(tx.conn()).await?;
    Ok(done.rows_affected() > 0)
}
