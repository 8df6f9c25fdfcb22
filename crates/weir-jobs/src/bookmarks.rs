//! Job bookmarks through the API (`GetJobBookmark`, `ResetJobBookmark`), and the bookmark a run
//! starts from and leaves.
//!
//! The job's bookmark is the newest of its versions in the metastore
//! ([`weir_metastore::job_bookmarks`]). A run reads it as it starts; if the run succeeds with
//! `job-bookmark-enable`, the state it leaves becomes the next version, in the transaction that
//! records SUCCEEDED — unless the bookmark changed while the run ran (a reset, or another run of
//! the job), in which case the run's state is dropped: the next run reads again what this one
//! read rather than skip what the change asked to read. A job without a bookmark has an empty
//! one (version 0, `JobBookmark` `{}`).

use serde_json::{json, Map, Value};
use weir_catalog::request::Req;
use weir_metastore::job_bookmarks::{self, BookmarkRow};
use weir_metastore::job_runs::{self, RunRow};
use weir_metastore::{jobs, Tx};
use weir_model::{GlueError, Result};

use crate::executor::{Bookmark, RunReport};
use crate::JobService;

/// Versions of a job's bookmark kept, so that a reset can return to the state after one of the
/// job's last runs.
const KEPT_VERSIONS: i64 = 50;

impl JobService {
    /// The job's bookmark, or (with `RunId`) its state after that run.
    pub(crate) async fn get_job_bookmark(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("JobName")?;
        let mut tx = self.inner.store.read().await?;
        let row = match req.opt_str("RunId") {
            Some(run_id) => Some(after_run(&mut tx, name, run_id).await?),
            None => {
                job_exists(&mut tx, name).await?;
                job_bookmarks::current(&mut tx, name).await?
            }
        };
        Ok(json!({ "JobBookmarkEntry": entry(name, row.as_ref()) }))
    }

    /// Clears the job's bookmark, or (with `RunId`) sets it to its state after that run.
    pub(crate) async fn reset_job_bookmark(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("JobName")?;
        let mut tx = self.inner.store.write().await?;
        // Serialised with the ends of runs, which advance bookmarks under the same lock.
        job_runs::lock_scheduling(&mut tx).await?;
        let to = match req.opt_str("RunId") {
            Some(run_id) => Some(after_run(&mut tx, name, run_id).await?),
            None => {
                job_exists(&mut tx, name).await?;
                None
            }
        };
        let current = job_bookmarks::current(&mut tx, name).await?;
        let row = BookmarkRow {
            version: current.as_ref().map_or(0, |c| c.version) + 1,
            previous_run_id: current.and_then(|c| c.run_id),
            ..to.unwrap_or_else(|| BookmarkRow {
                job_name: name.to_string(),
                version: 0,
                run: 0,
                attempt: 0,
                run_id: None,
                previous_run_id: None,
                bookmark: None,
            })
        };
        job_bookmarks::push(&mut tx, &row, KEPT_VERSIONS).await?;
        tx.commit().await?;
        Ok(json!({ "JobBookmarkEntry": entry(name, Some(&row)) }))
    }

    /// The job's bookmark as a run starts.
    pub(crate) async fn start_bookmark(&self, job_name: &str) -> Result<Bookmark> {
        let mut tx = self.inner.store.read().await?;
        let Some(row) = job_bookmarks::current(&mut tx, job_name).await? else {
            return Ok(Bookmark::default());
        };
        let state = row
            .bookmark
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| {
                GlueError::internal(format!(
                    "the stored bookmark of job {job_name} is not JSON: {e}"
                ))
            })?;
        Ok(Bookmark {
            version: row.version,
            state,
        })
    }

    /// Keeps the bookmark a successful run leaves, if it leaves one and the job's bookmark is
    /// still the version the run started from.
    pub(crate) async fn advance_bookmark(
        &self,
        tx: &mut Tx,
        run: &RunRow,
        report: &RunReport,
    ) -> Result<()> {
        let Some(left) = &report.bookmark else {
            return Ok(());
        };
        let current = job_bookmarks::current(tx, &run.job_name).await?;
        let version = current.as_ref().map_or(0, |c| c.version);
        if version != left.version {
            tracing::warn!(
                started_from = left.version,
                now = version,
                "the job's bookmark changed while the run ran (a reset, or another run): the run's bookmark is not kept"
            );
            return Ok(());
        }
        let row = BookmarkRow {
            job_name: run.job_name.clone(),
            version: version + 1,
            run: current.as_ref().map_or(0, |c| c.run) + 1,
            attempt: run.doc["Attempt"].as_i64().unwrap_or(0),
            run_id: Some(run.id.clone()),
            previous_run_id: current.and_then(|c| c.run_id),
            bookmark: left.state.as_ref().map(Value::to_string),
        };
        Ok(job_bookmarks::push(tx, &row, KEPT_VERSIONS).await?)
    }
}

async fn job_exists(tx: &mut Tx, name: &str) -> Result<()> {
    match jobs::get(tx, name).await? {
        Some(_) => Ok(()),
        None => Err(GlueError::not_found(format!("Job {name} not found"))),
    }
}

/// The kept version of the job's bookmark written after run `run_id`.
async fn after_run(tx: &mut Tx, name: &str, run_id: &str) -> Result<BookmarkRow> {
    job_exists(tx, name).await?;
    job_bookmarks::after_run(tx, name, run_id)
        .await?
        .ok_or_else(|| {
            GlueError::not_found(format!(
                "Job {name} has no bookmark recorded after run {run_id}: a run records one when it succeeds with job-bookmark-enable, and the bookmarks of the job's last {KEPT_VERSIONS} changes are kept"
            ))
        })
}

/// The `JobBookmarkEntry` of a version (`None`: the job has no bookmark yet).
fn entry(name: &str, row: Option<&BookmarkRow>) -> Value {
    let mut entry = Map::new();
    entry.insert("JobName".into(), json!(name));
    entry.insert("Version".into(), json!(row.map_or(0, |r| r.version)));
    entry.insert("Run".into(), json!(row.map_or(0, |r| r.run)));
    entry.insert("Attempt".into(), json!(row.map_or(0, |r| r.attempt)));
    if let Some(id) = row.and_then(|r| r.run_id.as_ref()) {
        entry.insert("RunId".into(), json!(id));
    }
    if let Some(id) = row.and_then(|r| r.previous_run_id.as_ref()) {
        entry.insert("PreviousRunId".into(), json!(id));
    }
    let state = row.and_then(|r| r.bookmark.clone());
    entry.insert(
        "JobBookmark".into(),
        json!(state.unwrap_or_else(|| "{}".into())),
    );
    Value::Object(entry)
}
