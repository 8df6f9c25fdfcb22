//! Running a job: definition → validated graph → DataFrames → staged targets → commit.

pub mod bookmark;
pub mod catalog_update;
pub mod connections;
pub mod extension;
pub mod files;
pub mod graph;
pub mod json_lines;
pub mod merge;
pub mod scan;
pub mod sources;
pub mod targets;
pub mod transforms;

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::config::ConfigOptions;
use datafusion::prelude::DataFrame;
use futures::FutureExt;
use rand::Rng;
use serde_json::{json, Map, Value};

use crate::commit;
use crate::error::{AtNode, EngineError, Result};
use crate::metrics::{Read, RunMetrics};
use crate::session::Engine;
use bookmark::{BookmarkOption, BookmarkState, RunBookmarks};
use graph::Graph;

/// Rows per batch of CSV decoding ([`scan`]) and file writing ([`targets`]), as a multiple of
/// the session's batch size. 4x (32k rows) cut V3's CPU by a tenth on one machine and made it
/// 10-30 % slower on another (cache-bound); 2x and 1x measured the same within the noise on a
/// third. 1x is the safer default. The operators in between keep the session's size: larger
/// batches made aggregations slower.
const BULK_FACTOR: usize = 1;

/// See [`BULK_FACTOR`].
pub(crate) fn bulk_batch_rows(options: &ConfigOptions) -> usize {
    options.execution.batch_size.saturating_mul(BULK_FACTOR)
}

/// A job definition: the `CreateJob` input shape, or `aws glue get-job` output (`{"Job": …}`).
#[derive(Debug, Clone)]
pub struct JobDefinition {
    pub name: String,
    pub nodes: Map<String, Value>,
    /// `DefaultArguments` overlaid with the run's arguments (`--key` → value).
    pub arguments: BTreeMap<String, String>,
    /// `Connections.Connections`: catalog connections the job uses.
    pub connections: Vec<String>,
    /// The job's bookmark as the run starts from it, which the run's `--job-bookmark-option`
    /// (in `arguments`) uses when it is `job-bookmark-enable` or `job-bookmark-pause`.
    pub bookmark: Option<BookmarkState>,
}

impl JobDefinition {
    /// Reads a job definition, validating its nodes against the Glue model (field names, types,
    /// enums and required fields of every node shape).
    pub fn from_json(value: &Value) -> Result<Self> {
        let job = value.get("Job").unwrap_or(value);
        let nodes = job
            .get("CodeGenConfigurationNodes")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| EngineError::invalid_job("the job has no CodeGenConfigurationNodes (only visual jobs run on Weir's engine)"))?;
        let name = job
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or("job")
            .to_string();
        let mut as_create_job = json!({
            "Name": name,
            "Role": "weir",
            "Command": { "Name": "glueetl" },
            "CodeGenConfigurationNodes": nodes,
        });
        if let Some(connections) = job.get("Connections") {
            as_create_job["Connections"] = connections.clone();
        }
        weir_model::validate::validate_input("CreateJob", &as_create_job)
            .map_err(|e| EngineError::invalid_job(e.message))?;
        let arguments = job
            .get("DefaultArguments")
            .and_then(Value::as_object)
            .map(|a| {
                a.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let connections = graph::strings(job.pointer("/Connections/Connections"));
        Ok(Self {
            name,
            nodes,
            arguments,
            connections,
            bookmark: None,
        })
    }
}

/// One run's identity and bookkeeping, handed to the nodes that execute.
pub struct Run {
    pub id: String,
    pub metrics: Arc<RunMetrics>,
    pub bookmarks: RunBookmarks,
}

/// What one node did in a run.
#[derive(Debug, Clone)]
pub struct NodeReport {
    pub node: String,
    pub node_type: String,
    pub name: String,
    /// Rows and bytes read, for sources (complete in the run's summary, once every target ran).
    pub read: Option<Read>,
    /// Rows written, for targets (and Spigot samples).
    pub rows_written: Option<u64>,
    /// Bytes of the files written, for targets.
    pub bytes_written: Option<u64>,
    /// Time spent in the node (planning for sources and transforms, execution for targets).
    pub elapsed: Duration,
}

/// The outcome of a successful run.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub run_id: String,
    pub nodes: Vec<NodeReport>,
    pub files_committed: usize,
    pub elapsed: Duration,
    /// The job's bookmark after this run, to keep for the next: `None` unless the run's
    /// `--job-bookmark-option` is `job-bookmark-enable`.
    pub bookmark: Option<BookmarkState>,
}

/// Runs a job to completion: every target is written to staging, then all are committed; if
/// any node fails, what was staged is deleted and the targets stay as they were.
pub async fn run_job(
    engine: &Engine,
    job: &JobDefinition,
    progress: &(dyn Fn(&NodeReport) + Sync),
) -> Result<RunSummary> {
    let started = Instant::now();
    // The job service names its runs (`--JOB_RUN_ID`, as Glue passes it); `weir job run` does not.
    let run = Run {
        id: job
            .arguments
            .get("--JOB_RUN_ID")
            .cloned()
            .unwrap_or_else(|| format!("jr_{:016x}", rand::thread_rng().gen::<u64>())),
        metrics: Arc::new(RunMetrics::default()),
        bookmarks: RunBookmarks::new(BookmarkOption::of(&job.arguments)?, job.bookmark.clone()),
    };
    let graph = Graph::parse(&job.nodes, &engine.extension_types())?;
    let mut fail_after_commit = None;
    let engine = &with_connections(engine, job).await?;
    let ctx = engine.session()?;
    // Each node's output collection: one frame, or several after SplitFields.
    let mut frames: HashMap<String, Vec<DataFrame>> = HashMap::new();
    let mut staged = Vec::new();
    let mut updates = Vec::new();
    // Targets outside object storage (databases), written and not yet committed.
    let mut pending: Vec<Box<dyn extension::PendingWrite>> = Vec::new();
    let mut reports = Vec::new();
    // A panic inside DataFusion (on some input it does not expect) must not skip the clean-up
    // of what was staged: it becomes this run's error.
    let outcome: Result<()> = AssertUnwindSafe(async {
        for node in &graph.nodes {
            let t0 = Instant::now();
            let inputs: Vec<Vec<DataFrame>> = node
                .inputs
                .iter()
                .filter_map(|i| frames.get(i).cloned())
                .collect();
            let (mut rows_written, mut bytes_written) = (None, None);
            if node.is_source() {
                let df = sources::read(engine, &ctx, node, &run.bookmarks).await?;
                let df = run.metrics.observe(&node.id, df).at(&node.id)?;
                frames.insert(node.id.clone(), vec![df]);
            } else if node.is_target() {
                let input = inputs
                    .into_iter()
                    .next()
                    .and_then(|c| c.into_iter().next())
                    .ok_or_else(|| EngineError::invalid(&node.id, "a target takes one input"))?;
                if let Some((connector, table)) = targets::connector(engine, node).await? {
                    let io = extension::ConnectorIo {
                        catalog: engine.catalog_handle(),
                        table: table.as_ref(),
                        bookmarks: None,
                    };
                    let written = connector.write(&ctx, node, io, input).await?;
                    rows_written = Some(written.rows());
                    pending.push(written);
                } else {
                    let written = targets::write(engine, &ctx, node, input, &run).await?;
                    rows_written = Some(written.rows);
                    bytes_written = Some(written.staged.bytes().await?);
                    staged.push(written.staged);
                    updates.push((node.id.clone(), written.catalog));
                }
            } else if let Some(extension) = engine.transform(&node.node_type) {
                let run_context = extension::RunContext {
                    job_name: &job.name,
                    run_id: &run.id,
                };
                let applied = extension.apply(&ctx, node, inputs, run_context).await?;
                if fail_after_commit.is_none() {
                    fail_after_commit = applied.fail_after_commit;
                }
                frames.insert(node.id.clone(), applied.outputs);
            } else {
                let outputs = transforms::apply(&ctx, node, inputs).await?;
                if node.node_type == "Spigot" {
                    // Spigot passes its input on and writes a sample of it (Topk rows) as JSON.
                    let topk = node
                        .fields
                        .get("Topk")
                        .and_then(Value::as_u64)
                        .unwrap_or(100) as usize;
                    let sample = outputs[0].clone().limit(0, Some(topk)).map_err(|e| {
                        EngineError::Execution {
                            node: node.id.clone(),
                            source: e,
                        }
                    })?;
                    let path = node.required_str("Path")?;
                    let (out, rows) =
                        targets::stage(engine, &ctx, node, path, "json", vec![], sample, &run)
                            .await?;
                    rows_written = Some(rows);
                    staged.push(out);
                    updates.push((node.id.clone(), None));
                }
                frames.insert(node.id.clone(), outputs);
            }
            let report = NodeReport {
                node: node.id.clone(),
                node_type: node.node_type.clone(),
                name: node.name().to_string(),
                read: None,
                rows_written,
                bytes_written,
                elapsed: t0.elapsed(),
            };
            progress(&report);
            reports.push(report);
        }
        Ok(())
    })
    .catch_unwind()
    .await
    .unwrap_or_else(|panic| Err(EngineError::Internal(panic_message(panic.as_ref()))));
    if let Err(e) = outcome {
        abort_pending(pending).await;
        commit::abort(&staged).await;
        return Err(e);
    }
    let committed = match commit_run(engine, &staged, &updates, pending).await {
        Ok(files) => files,
        Err(e) => {
            commit::abort(&staged).await;
            return Err(e);
        }
    };
    if let Some(reason) = fail_after_commit {
        return Err(EngineError::AfterCommit(reason));
    }
    let files_committed = committed.iter().map(Vec::len).sum();
    for report in reports
        .iter_mut()
        .filter(|r| graph.nodes.iter().any(|n| n.id == r.node && n.is_source()))
    {
        report.read = Some(run.metrics.read_by(&report.node).unwrap_or_default());
    }
    Ok(RunSummary {
        bookmark: run.bookmarks.into_next(),
        run_id: run.id,
        nodes: reports,
        files_committed,
        elapsed: started.elapsed(),
    })
}

/// The text of a caught panic.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".into())
}

/// The engine with the object storage settings of the job's connections.
async fn with_connections(engine: &Engine, job: &JobDefinition) -> Result<Engine> {
    if job.connections.is_empty() {
        return Ok(engine.clone());
    }
    let client = engine.catalog().ok_or_else(|| {
        EngineError::invalid_job("the job names Connections, but no catalog is configured")
    })?;
    let buckets = connections::s3_buckets(client, &job.connections).await?;
    Ok(engine.clone().with_s3_buckets(buckets))
}

/// Discards what the run's database targets wrote.
async fn abort_pending(pending: Vec<Box<dyn extension::PendingWrite>>) {
    for write in pending {
        write.abort().await;
    }
}

/// Commits a run: works out the catalog changes of its targets, commits its database targets'
/// transactions, moves the staged files into place, then applies the catalog changes in one
/// catalog transaction. If a database commit fails, the others not yet committed are aborted
/// and no file moves; if the catalog update fails, the files are moved back (the caller then
/// deletes them). A job with one target (or only file targets) so leaves targets and catalog as
/// they were on any failure; databases committed before a later failure keep their rows.
async fn commit_run(
    engine: &Engine,
    staged: &[commit::StagedOutput],
    updates: &[(String, Option<catalog_update::CatalogUpdate>)],
    pending: Vec<Box<dyn extension::PendingWrite>>,
) -> Result<Vec<Vec<String>>> {
    let prepared = match commit::prepare(staged).await {
        Ok(prepared) => prepared,
        Err(e) => {
            abort_pending(pending).await;
            return Err(e);
        }
    };
    let mut calls = Vec::new();
    for ((node, update), files) in updates.iter().zip(&prepared.files) {
        if let (Some(update), Some(client)) = (update, engine.catalog()) {
            match catalog_update::plan(client, node, update, files).await {
                Ok(planned) => calls.extend(planned),
                Err(e) => {
                    abort_pending(pending).await;
                    return Err(e);
                }
            }
        }
    }
    let mut pending = pending.into_iter();
    while let Some(write) = pending.next() {
        if let Err(e) = write.commit().await {
            abort_pending(pending.collect()).await;
            return Err(e);
        }
    }
    prepared.apply().await?;
    if let (false, Some(client)) = (calls.is_empty(), engine.catalog()) {
        if let Err(e) = client.call_atomic(calls).await {
            prepared.undo().await;
            return Err(EngineError::from_catalog(
                None,
                "the run's catalog update failed, so its files were not committed",
                &e,
            ));
        }
    }
    commit::finish(staged);
    Ok(prepared.files)
}
