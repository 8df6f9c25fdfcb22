//! Commit or nothing: targets write into run-private staging locations beside their paths
//! (`<path>.weir-staging-<run>/`), never into the paths themselves. Only when every target of
//! the run has written does [`commit`] move the staged files into place; a failed run
//! [`abort`]s and deletes them. A run killed mid-write leaves the target paths untouched (its
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
        let prefix = Path::from_url_path(self.staging.path())?;
        let sizes: Vec<u64> = self
            .store
            .list(Some(&prefix))
            .map_ok(|m| m.size)
            .try_collect()
            .await?;
        Ok(sizes.iter().sum())
    }

    async fn staged_files(&self) -> Result<Vec<Path>> {
        let prefix = Path::from_url_path(self.staging.path())?;
        let files: Vec<_> = self
            .store
            .list(Some(&prefix))
            .map_ok(|m| m.location)
            .try_collect()
            .await?;
        Ok(files)
    }
}

/// Moves every staged file to its place under its target path. Returns, per output, the
/// committed files' paths relative to the target path (`year=2024/part-0.parquet`).
pub async fn commit(outputs: &[StagedOutput]) -> Result<Vec<Vec<String>>> {
    let mut committed = Vec::with_capacity(outputs.len());
    for out in outputs {
        let mut files = Vec::new();
        let staging = Path::from_url_path(out.staging.path())?;
        let target = Path::from_url_path(out.target.path())?;
        for file in out.staged_files().await? {
            let relative: Vec<_> = file
                .prefix_match(&staging)
                .map(|parts| parts.collect())
                .unwrap_or_default();
            files.push(
                relative
                    .iter()
                    .map(|p| p.as_ref())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
            let destination = relative
                .into_iter()
                .fold(target.clone(), |p, part| p.join(part));
            out.store.rename(&file, &destination).await?;
        }
        remove_dir(&out.staging);
        committed.push(files);
    }
    Ok(committed)
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
