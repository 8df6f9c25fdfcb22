//! Runs: the run document plus what the scheduler needs to find, order and own runs (state,
//! submission order, capacity, queue bookkeeping, the lease of the server running it). Job runs
//! and the runs of other work the job service runs (a crawler's crawls) share the table, told
//! apart by their `kind`.

use serde_json::Value;
use sqlx::Row;

use crate::db::{Backend, Tx};
use crate::doc;
use crate::error::Result;

/// One stored run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// Submission order (assigned on insert).
    pub seq: i64,
    pub id: String,
    /// What runs: `JOB` (a job run), or another kind of work the job service runs (`CRAWL`).
    pub kind: String,
    /// The name of the job (or crawler…) the run is of.
    pub job_name: String,
    /// The `JobRunState` name, also in the document.
    pub state: String,
    /// The run's document (a job run's is the `JobRun` output shape).
    pub doc: Value,
    /// The capacity the run takes while it runs, in DPUs.
    pub dpus: f64,
    /// When the run was submitted (seconds since the epoch).
    pub queued_at: f64,
    /// Times a waiting run was tried and the service had no capacity for it.
    pub queue_attempts: i64,
    /// When a waiting run may be tried (and counted) again.
    pub next_attempt_at: f64,
    /// The server that runs it, while it runs.
    pub owner: Option<String>,
    /// Until when the owner's claim holds unless renewed.
    pub lease_until: Option<f64>,
}

// A run without an owner is stored with owner '' and lease 0, never NULLs: sqlx 0.8's `Any`
// driver sends a NULL `f64` as a PostgreSQL float4, and a statement prepared so on a connection
// then refuses a float8 ("incorrect binary data format in bind parameter 6").
fn stored_owner(run: &RunRow) -> &str {
    run.owner.as_deref().unwrap_or("")
}

fn stored_lease(run: &RunRow) -> f64 {
    run.lease_until.unwrap_or(0.0)
}

const COLUMNS: &str = "seq, id, job_name, state, doc, dpus, queued_at, queue_attempts, \
                       next_attempt_at, owner, lease_until, kind";

fn from_row(row: &sqlx::any::AnyRow) -> Result<RunRow> {
    let id: String = row.try_get(1)?;
    Ok(RunRow {
        seq: row.try_get(0)?,
        job_name: row.try_get(2)?,
        state: row.try_get(3)?,
        doc: doc::parse(&format!("job run {id}"), &row.try_get::<String, _>(4)?)?,
        dpus: row.try_get(5)?,
        queued_at: row.try_get(6)?,
        queue_attempts: row.try_get(7)?,
        next_attempt_at: row.try_get(8)?,
        owner: Some(row.try_get::<String, _>(9)?).filter(|o| !o.is_empty()),
        lease_until: Some(row.try_get::<f64, _>(10)?).filter(|l| *l > 0.0),
        kind: row.try_get(11)?,
        id,
    })
}

/// Inserts a run; returns its submission order.
pub async fn insert(tx: &mut Tx, run: &RunRow) -> Result<i64> {
    let q = tx.sql(
        "INSERT INTO job_runs (id, job_name, state, doc, dpus, queued_at, queue_attempts, \
         next_attempt_at, owner, lease_until, kind) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq",
    );
    let row = sqlx::query(&q)
        .bind(&run.id)
        .bind(&run.job_name)
        .bind(&run.state)
        .bind(doc::to_text(&run.doc))
        .bind(run.dpus)
        .bind(run.queued_at)
        .bind(run.queue_attempts)
        .bind(run.next_attempt_at)
        .bind(stored_owner(run))
        .bind(stored_lease(run))
        .bind(&run.kind)
        .fetch_one(tx.conn())
        .await?;
    Ok(row.try_get(0)?)
}

/// Writes a run's mutable fields; returns whether the run exists.
pub async fn update(tx: &mut Tx, run: &RunRow) -> Result<bool> {
    let q = tx.sql(
        "UPDATE job_runs SET state = $1, doc = $2, queue_attempts = $3, next_attempt_at = $4, \
         owner = $5, lease_until = $6 WHERE id = $7",
    );
    let done = sqlx::query(&q)
        .bind(&run.state)
        .bind(doc::to_text(&run.doc))
        .bind(run.queue_attempts)
        .bind(run.next_attempt_at)
        .bind(stored_owner(run))
        .bind(stored_lease(run))
        .bind(&run.id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Extends the lease of every run `owner` holds; returns their ids.
pub async fn renew(tx: &mut Tx, owner: &str, until: f64) -> Result<Vec<String>> {
    let q = tx.sql("UPDATE job_runs SET lease_until = $1 WHERE owner = $2 RETURNING id");
    let rows = sqlx::query(&q)
        .bind(until)
        .bind(owner)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<RunRow>> {
    let q = tx
        .sql(&format!("SELECT {COLUMNS} FROM job_runs WHERE id = $1"))
        .into_owned();
    let row = sqlx::query(&q).bind(id).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// Up to `limit` runs of the `kind` named `job_name`, newest first, older than `before` (a
/// submission order).
pub async fn list(
    tx: &mut Tx,
    kind: &str,
    job_name: &str,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<RunRow>> {
    let q = tx
        .sql(&format!(
            "SELECT {COLUMNS} FROM job_runs WHERE kind = $1 AND job_name = $2 AND seq < $3 \
             ORDER BY seq DESC LIMIT $4"
        ))
        .into_owned();
    let rows = sqlx::query(&q)
        .bind(kind)
        .bind(job_name)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit as i64)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Up to `limit` runs of the `kind`, of the one named `job_name` when given, newest first,
/// older than `before`.
pub async fn list_of_kind(
    tx: &mut Tx,
    kind: &str,
    job_name: Option<&str>,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<RunRow>> {
    if let Some(name) = job_name {
        return list(tx, kind, name, before, limit).await;
    }
    let q = tx
        .sql(&format!(
            "SELECT {COLUMNS} FROM job_runs WHERE kind = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
        ))
        .into_owned();
    let rows = sqlx::query(&q)
        .bind(kind)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit as i64)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The runs in any of `states`, in submission order, without their documents (`doc` is null):
/// what scheduling decisions read, for any length of queue. [`get`] reads a whole run.
pub async fn in_states(tx: &mut Tx, states: &[&str]) -> Result<Vec<RunRow>> {
    let placeholders: Vec<String> = (1..=states.len()).map(|i| format!("${i}")).collect();
    let columns = COLUMNS.replace("doc", "CAST('null' AS TEXT)");
    let q = tx
        .sql(&format!(
            "SELECT {columns} FROM job_runs WHERE state IN ({}) ORDER BY seq",
            placeholders.join(", ")
        ))
        .into_owned();
    let mut query = sqlx::query(&q);
    for s in states {
        query = query.bind(*s);
    }
    let rows = query.fetch_all(tx.conn()).await?;
    rows.iter().map(from_row).collect()
}

/// Deletes every run of the `kind` named `job_name`, with their logs.
pub async fn delete_all(tx: &mut Tx, kind: &str, job_name: &str) -> Result<()> {
    let logs = tx.sql(
        "DELETE FROM job_run_logs WHERE run_id IN \
         (SELECT id FROM job_runs WHERE kind = $1 AND job_name = $2)",
    );
    sqlx::query(&logs)
        .bind(kind)
        .bind(job_name)
        .execute(tx.conn())
        .await?;
    let runs = tx.sql("DELETE FROM job_runs WHERE kind = $1 AND job_name = $2");
    sqlx::query(&runs)
        .bind(kind)
        .bind(job_name)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Serialises the scheduling decisions of every server on this metastore for the rest of the
/// transaction (PostgreSQL: an advisory lock; SQLite writers are serialised already).
pub async fn lock_scheduling(tx: &mut Tx) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(4270001)")
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Keeps a run's log (replacing what was kept).
pub async fn put_log(tx: &mut Tx, run_id: &str, log: &str) -> Result<()> {
    let q = tx.sql(
        "INSERT INTO job_run_logs (run_id, log) VALUES ($1, $2) \
         ON CONFLICT (run_id) DO UPDATE SET log = excluded.log",
    );
    sqlx::query(&q)
        .bind(run_id)
        .bind(log)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get_log(tx: &mut Tx, run_id: &str) -> Result<Option<String>> {
    let q = tx.sql("SELECT log FROM job_run_logs WHERE run_id = $1");
    let row = sqlx::query(&q)
        .bind(run_id)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| Ok(r.try_get(0)?)).transpose()
}
