//! Commit or nothing: targets write into run-private staging locations beside their paths
//! (`<path>.weir-staging-<run>/`), never into the paths themselves. Only when every target of
//! the run has written does a [`Commit`] move the staged files into place — and move them back if
//! the catalog transaction that follows fails; a failed run [`abort`]s and deletes them. A run killed mid-write leaves the target paths untouched (its
//! staging directory is left for a later clean-up, invisible to readers of the targets).

use std::sync::Arc;

use datafusion::execution::context::SessionContext;
use datafusion::execution::object_store::ObjectStoreUrl;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

use crate::error::Result;

/// A target's output, written to staging and waiting for the run to commit.
pub struct StagedOutput {
    pub node: String,
    pub target: Url,
    pub staging: Url,
    store: Arc<dyn ObjectStore>,
}

/// The staging location of a target path for one run (always a directory URL).
pub fn staging_url(target: &Url, run_id: &str) -> Url {
    let mut url = target.clone();
    let path = target.path().trim_end_matches('/');
    url.set_path(&format!("{path}.weir-staging-{run_id}/"));
    url
}

impl StagedOutput {
    pub fn new(ctx: &SessionContext, node: &str, target: &Url, staging: &Url) -> Result<Self> {
        let root = ObjectStoreUrl::parse(format!("{}://{}", target.scheme(), target.authority()))?;
        Ok(Self {
            node: node.to_string(),
            target: target.clone(),
            staging: staging.clone(),
            store: ctx.runtime_env().object_store(root)?,
        })
    }

    /// Bytes of the files staged so far.
    pub async fn bytes(&self) -> Result<u64> {
        Ok(self.staged().await?.iter().map(|m| m.size).sum())
    }

    async fn staged_files(&self) -> Result<Vec<Path>> {
        Ok(self
            .staged()
            .await?
            .into_iter()
            .map(|m| m.location)
            .collect())
    }

    async fn staged(&self) -> Result<Vec<object_store::ObjectMeta>> {
        let prefix = Path::from_url_path(self.staging.path())?;
        Ok(self.store.list(Some(&prefix)).try_collect().await?)
    }
}

/// One staged file and its place under its target path.
struct Move {
    store: Arc<dyn ObjectStore>,
    from: Path,
    to: Path,
}

/// The moves that commit a run's staged outputs, prepared before any file moves so that the
/// catalog changes can be worked out first.
pub struct Commit {
    moves: Vec<Move>,
    /// Per output, the committed files' paths relative to its target (`year=2024/part-0.parquet`).
    pub files: Vec<Vec<String>>,
}

/// Lists what every output staged and where each file goes.
pub async fn prepare(outputs: &[StagedOutput]) -> Result<Commit> {
    let mut moves = Vec::new();
    let mut files = Vec::with_capacity(outputs.len());
    for out in outputs {
        let staging = Path::from_url_path(out.staging.path())?;
        let target = Path::from_url_path(out.target.path())?;
        let mut relative_files = Vec::new();
        for file in out.staged_files().await? {
            let relative: Vec<_> = file
                .prefix_match(&staging)
                .map(|parts| parts.collect())
                .unwrap_or_default();
            relative_files.push(
                relative
                    .iter()
                    .map(|p| p.as_ref())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
            let to = relative
                .into_iter()
                .fold(target.clone(), |p, part| p.join(part));
            moves.push(Move {
                store: out.store.clone(),
                from: file,
                to,
            });
        }
        files.push(relative_files);
    }
    Ok(Commit { moves, files })
}

impl Commit {
    /// Moves every staged file into place. If a move fails, the files moved so far are moved
    /// back before the error is returned.
    pub async fn apply(&self) -> Result<()> {
        for (done, m) in self.moves.iter().enumerate() {
            if let Err(e) = m.store.rename(&m.from, &m.to).await {
                self.undo_first(done).await;
                return Err(e.into());
            }
        }
        Ok(())
    }

    /// Moves every committed file back to staging (when a later step of the commit failed).
    pub async fn undo(&self) {
        self.undo_first(self.moves.len()).await;
    }

    async fn undo_first(&self, count: usize) {
        for m in self.moves.iter().take(count) {
            if let Err(e) = m.store.rename(&m.to, &m.from).await {
                tracing::error!(file = %m.to, error = %e, "could not move a committed file back to staging");
            }
        }
    }
}

/// Removes the (now empty) staging locations of committed outputs.
pub fn finish(outputs: &[StagedOutput]) {
    for out in outputs {
        remove_dir(&out.staging);
    }
}

/// Deletes what a failed run staged.
pub async fn abort(outputs: &[StagedOutput]) {
    for out in outputs {
        if let Ok(files) = out.staged_files().await {
            for file in files {
                let _ = out.store.delete(&file).await;
            }
        }
        remove_dir(&out.staging);
    }
}

/// Local staging directories are left empty by renames and deletes: remove them.
fn remove_dir(staging: &Url) {
    if staging.scheme() == "file" {
        if let Ok(dir) = staging.to_file_path() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
