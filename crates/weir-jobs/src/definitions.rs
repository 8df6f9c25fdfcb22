//! Job definitions: CreateJob, UpdateJob, GetJob, GetJobs, ListJobs, BatchGetJobs, DeleteJob.
//! A job is stored as its `Job` output shape, with Glue's defaults filled in.

use serde_json::{json, Map, Value};
use weir_catalog::request::{batch_get, listing, named_page, Req};
use weir_metastore::{jobs, tags};
use weir_model::{GlueError, Result};

use crate::JobService;

/// Glue's default `Timeout` (minutes): 48 hours.
pub const DEFAULT_TIMEOUT_MINUTES: i64 = 2880;
/// The largest page of GetJobs and ListJobs.
const PAGE: usize = 1000;
/// Members of `CreateJob` that are not part of the stored `Job`.
const NOT_STORED: &[&str] = &["Name", "Tags"];

impl JobService {
    pub(crate) async fn create_job(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut job = with_defaults(members(req.0))?;
        let now = self.now();
        job.insert("Name".into(), json!(name));
        job.insert("CreatedOn".into(), json!(now));
        job.insert("LastModifiedOn".into(), json!(now));
        let job = Value::Object(job);
        let mut tx = self.inner.store.write().await?;
        match jobs::insert(&mut tx, name, &job).await {
            Err(weir_metastore::Error::Conflict) => {
                return Err(GlueError::already_exists(format!(
                    "Job with name {name} already exists"
                )))
            }
            other => other?,
        }
        let arn = self.job_arn(name);
        if let Some(new_tags) = req.get("Tags").and_then(Value::as_object) {
            for (k, v) in new_tags {
                tags::put(&mut tx, &arn, k, v.as_str().unwrap_or_default()).await?;
            }
        }
        tx.commit().await?;
        Ok(json!({ "Name": name }))
    }

    /// `JobUpdate` replaces the definition, as in Glue; `Role` and `Command` are kept when the
    /// update leaves them out (a job always has them).
    pub(crate) async fn update_job(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("JobName")?;
        let update = req.nested("JobUpdate")?;
        let mut tx = self.inner.store.write().await?;
        let old = jobs::get(&mut tx, name)
            .await?
            .ok_or_else(|| not_found(name))?;
        let mut job = members(update.0);
        for kept in ["Role", "Command"] {
            if let (false, Some(v)) = (job.contains_key(kept), old.get(kept)) {
                job.insert(kept.into(), v.clone());
            }
        }
        let mut job = with_defaults(job)?;
        job.insert("Name".into(), json!(name));
        job.insert("CreatedOn".into(), old["CreatedOn"].clone());
        job.insert("LastModifiedOn".into(), json!(self.now()));
        jobs::update(&mut tx, name, &Value::Object(job)).await?;
        tx.commit().await?;
        Ok(json!({ "JobName": name }))
    }

    pub(crate) async fn get_job(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("JobName")?;
        let mut tx = self.inner.store.read().await?;
        let job = jobs::get(&mut tx, name)
            .await?
            .ok_or_else(|| not_found(name))?;
        Ok(json!({ "Job": job }))
    }

    pub(crate) async fn get_jobs(&self, req: Req<'_>) -> Result<Value> {
        let (jobs, next) = self.page(req, None).await?;
        Ok(listing(
            "Jobs",
            jobs.into_iter().map(|(_, j)| j).collect(),
            next,
        ))
    }

    pub(crate) async fn list_jobs(&self, req: Req<'_>) -> Result<Value> {
        let (jobs, next) = self.page(req, req.tag_filter()).await?;
        Ok(listing(
            "JobNames",
            jobs.into_iter().map(|(n, _)| json!(n)).collect(),
            next,
        ))
    }

    /// One page of jobs in name order, only those carrying every tag of `wanted`.
    async fn page(
        &self,
        req: Req<'_>,
        wanted: Option<&Map<String, Value>>,
    ) -> Result<(Vec<(String, Value)>, Option<String>)> {
        let mut tx = self.inner.store.read().await?;
        named_page(&mut tx, jobs::JOBS, req, PAGE, wanted, |name| {
            self.job_arn(name)
        })
        .await
    }

    pub(crate) async fn batch_get_jobs(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.inner.store.read().await?;
        let (found, missing) = batch_get(&mut tx, jobs::JOBS, &req.strings("JobNames")).await?;
        Ok(json!({ "Jobs": found, "JobsNotFound": missing }))
    }

    /// Deletes the job, its runs and its tags; a job that does not exist is no error (as in
    /// Glue). Runs in flight are stopped by their servers when they find their run gone.
    pub(crate) async fn delete_job(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("JobName")?;
        let mut tx = self.inner.store.write().await?;
        let active =
            weir_metastore::job_runs::in_states(&mut tx, &crate::scheduler::ACTIVE_NAMES).await?;
        jobs::delete(&mut tx, name).await?;
        tags::remove_resource(&mut tx, &self.job_arn(name)).await?;
        tx.commit().await?;
        for run in active
            .iter()
            .filter(|r| crate::runs::is_run_of(r, crate::RunKind::Job, name))
        {
            self.signal_stop(&run.id);
        }
        Ok(json!({ "JobName": name }))
    }
}

fn not_found(name: &str) -> GlueError {
    GlueError::not_found(format!("Job {name} not found"))
}

/// The members of a `CreateJob` request or a `JobUpdate` that a stored `Job` keeps.
fn members(request: &Value) -> Map<String, Value> {
    request
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| !v.is_null() && !NOT_STORED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Checks a definition's capacity settings and fills in Glue's defaults.
fn with_defaults(mut job: Map<String, Value>) -> Result<Map<String, Value>> {
    let command = job
        .get("Command")
        .and_then(|c| c.get("Name"))
        .and_then(Value::as_str)
        .unwrap_or("glueetl")
        .to_string();
    let has = |job: &Map<String, Value>, k: &str| job.get(k).is_some_and(|v| !v.is_null());
    match (has(&job, "WorkerType"), has(&job, "NumberOfWorkers")) {
        (true, false) | (false, true) => {
            return Err(GlueError::invalid_input(
                "WorkerType and NumberOfWorkers must be set together",
            ))
        }
        (true, true) if has(&job, "MaxCapacity") => {
            return Err(GlueError::invalid_input(
                "MaxCapacity cannot be set together with WorkerType and NumberOfWorkers",
            ))
        }
        _ => {}
    }
    if command == "pythonshell" {
        match job.get("MaxCapacity").and_then(Value::as_f64) {
            None => {
                job.insert("MaxCapacity".into(), json!(0.0625));
            }
            Some(c) if c == 0.0625 || c == 1.0 => {}
            Some(c) => {
                return Err(GlueError::invalid_input(format!(
                    "MaxCapacity of a pythonshell job must be 0.0625 or 1, got {c}"
                )))
            }
        }
    } else if !has(&job, "WorkerType") && !has(&job, "MaxCapacity") {
        let capacity = job
            .get("AllocatedCapacity")
            .and_then(Value::as_f64)
            .unwrap_or(10.0);
        job.insert("MaxCapacity".into(), json!(capacity));
    }
    if let Some(c) = job.get("MaxCapacity").and_then(Value::as_f64) {
        job.entry("AllocatedCapacity")
            .or_insert(json!(c.max(1.0) as i64));
    }
    job.entry("MaxRetries").or_insert(json!(0));
    job.entry("Timeout")
        .or_insert(json!(DEFAULT_TIMEOUT_MINUTES));
    let execution = job.entry("ExecutionProperty").or_insert_with(|| json!({}));
    if let Some(e) = execution.as_object_mut() {
        e.entry("MaxConcurrentRuns").or_insert(json!(1));
    }
    let queuing = job.get("JobRunQueuingEnabled").and_then(Value::as_bool) == Some(true);
    let retries = job.get("MaxRetries").and_then(Value::as_i64).unwrap_or(0);
    if queuing && retries > 0 {
        return Err(GlueError::invalid_input(
            "JobRunQueuingEnabled cannot be true for a job with MaxRetries greater than 0",
        ));
    }
    Ok(job)
}
