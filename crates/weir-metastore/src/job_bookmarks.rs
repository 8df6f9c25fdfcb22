//! Job bookmarks: the versions of each job's bookmark, the newest being the job's bookmark. A
//! successful run with bookmarks enabled writes one (the state after the run), and so does
//! each reset; older versions are kept so that a reset can go back to the state after a run.

use sqlx::Row;

use crate::db::Tx;
use crate::error::Result;

/// One version of a job's bookmark.
#[derive(Debug, Clone, PartialEq)]
pub struct BookmarkRow {
    pub job_name: String,
    /// 1 for the first version of the job's bookmark, then one more per version.
    pub version: i64,
    /// How many runs advanced the bookmark to this state since it was last cleared.
    pub run: i64,
    /// The `Attempt` of the run that wrote this state.
    pub attempt: i64,
    /// The run after which the bookmark is in this state (none after a clearing reset).
    pub run_id: Option<String>,
    /// The run of the version this one follows.
    pub previous_run_id: Option<String>,
    /// The state, as JSON text; none when the bookmark is empty.
    pub bookmark: Option<String>,
}

const COLUMNS: &str = "job_name, version, run, attempt, run_id, previous_run_id, bookmark";

fn from_row(row: &sqlx::any::AnyRow) -> Result<BookmarkRow> {
    Ok(BookmarkRow {
        job_name: row.try_get(0)?,
        version: row.try_get(1)?,
        run: row.try_get(2)?,
        attempt: row.try_get(3)?,
        run_id: row.try_get(4)?,
        previous_run_id: row.try_get(5)?,
        bookmark: row.try_get(6)?,
    })
}

/// The job's bookmark: its newest version.
pub async fn current(tx: &mut Tx, job_name: &str) -> Result<Option<BookmarkRow>> {
    newest(tx, job_name, "").await
}

/// The newest kept version that holds the state after run `run_id`.
pub async fn after_run(tx: &mut Tx, job_name: &str, run_id: &str) -> Result<Option<BookmarkRow>> {
    newest(tx, job_name, run_id).await
}

/// The newest version of the job's bookmark, or (`run_id` not empty) of those of that run.
async fn newest(tx: &mut Tx, job_name: &str, run_id: &str) -> Result<Option<BookmarkRow>> {
    let q = tx
        .sql(&format!(
            "SELECT {COLUMNS} FROM job_bookmarks WHERE job_name = $1 AND ($2 = '' OR run_id = $2) \
             ORDER BY version DESC LIMIT 1"
        ))
        .into_owned();
    let row = sqlx::query(&q)
        .bind(job_name)
        .bind(run_id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Adds a version, then forgets all but the newest `keep` versions of the job's bookmark.
/// [`crate::Error::Conflict`] when the version exists (a concurrent writer).
pub async fn push(tx: &mut Tx, row: &BookmarkRow, keep: i64) -> Result<()> {
    let q = tx
        .sql(&format!(
            "INSERT INTO job_bookmarks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .into_owned();
    sqlx::query(&q)
        .bind(&row.job_name)
        .bind(row.version)
        .bind(row.run)
        .bind(row.attempt)
        .bind(&row.run_id)
        .bind(&row.previous_run_id)
        .bind(&row.bookmark)
        .execute(tx.conn())
        .await?;
    let q = tx.sql("DELETE FROM job_bookmarks WHERE job_name = $1 AND version <= $2");
    sqlx::query(&q)
        .bind(&row.job_name)
        .bind(row.version - keep)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Deletes every version of a job's bookmark.
pub async fn delete_job(tx: &mut Tx, job_name: &str) -> Result<()> {
    let q = tx.sql("DELETE FROM job_bookmarks WHERE job_name = $1");
    sqlx::query(&q).bind(job_name).execute(tx.conn()).await?;
    Ok(())
}
