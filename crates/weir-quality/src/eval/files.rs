//! The files file rules check (`FileFreshness`, `FileSize`, `FileMatch`, `FileUniqueness`):
//! listed through the engine's object stores (a path names a file, or a folder whose files are
//! listed recursively, Hadoop's hidden `_`/`.` files left out), and their contents' checksums
//! computed as they stream.

use std::collections::HashMap;

use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::SessionContext;
use futures::{StreamExt, TryStreamExt};
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use sha2::Digest;
use tokio::sync::Mutex;
use weir_engine::{stores, Engine};

/// Where file rules find files: the engine's stores, and the files of the dataset (a path or
/// URL) for rules that name none.
pub struct FileAccess<'a> {
    /// Registers the stores of paths the session does not know yet; without it, only the
    /// session's stores are reached (a job's, whose sources registered them).
    pub engine: Option<&'a Engine>,
    pub dataset: Option<String>,
}

/// One listed file.
#[derive(Debug, Clone)]
pub struct File {
    pub url: String,
    pub size: u64,
    /// Last modified, seconds since the epoch.
    pub modified: f64,
}

/// A checksum algorithm of `FileMatch` (`with hashAlgorithm = "MD5"`; SHA-256 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha256,
    Md5,
}

impl Algorithm {
    pub fn parse(name: &str) -> Result<Algorithm, String> {
        match name.to_ascii_uppercase().replace('_', "-").as_str() {
            "SHA-256" | "SHA256" => Ok(Algorithm::Sha256),
            "MD5" => Ok(Algorithm::Md5),
            _ => Err(format!(
                "hashAlgorithm \"{name}\" is not supported: use \"SHA-256\" or \"MD5\""
            )),
        }
    }
}

/// The files at a path (the dataset's: `None`), or why they could not be listed.
type Listings = HashMap<Option<String>, Result<Vec<File>, String>>;

/// Listings and checksums of one evaluation, each worked out once.
pub struct FileCache<'a> {
    access: Option<&'a FileAccess<'a>>,
    ctx: &'a SessionContext,
    listings: Mutex<Listings>,
    checksums: Mutex<HashMap<(String, Algorithm), Result<String, String>>>,
}

impl<'a> FileCache<'a> {
    pub fn new(ctx: &'a SessionContext, access: Option<&'a FileAccess<'a>>) -> FileCache<'a> {
        FileCache {
            access,
            ctx,
            listings: Mutex::new(HashMap::new()),
            checksums: Mutex::new(HashMap::new()),
        }
    }

    /// The files at `path`, or the dataset's; an error when there are none.
    pub async fn list(&self, path: Option<&str>) -> Result<Vec<File>, String> {
        let key = path.map(str::to_string);
        if let Some(found) = self.listings.lock().await.get(&key) {
            return found.clone();
        }
        let listed = self.list_now(path).await;
        self.listings.lock().await.insert(key, listed.clone());
        listed
    }

    async fn list_now(&self, path: Option<&str>) -> Result<Vec<File>, String> {
        let access = self
            .access
            .ok_or("file rules need the dataset's files, and this evaluation reads rows only: name the files' path in the rule")?;
        let path = match path.or(access.dataset.as_deref()) {
            Some(p) => p.to_string(),
            None => {
                return Err(
                    "the dataset's files are not known here: name the files' path in the rule"
                        .into(),
                )
            }
        };
        let (store, root, prefix) = self.store(access, &path)?;
        let mut files = Vec::new();
        if let Ok(meta) = store.head(&prefix).await {
            files.push(file(&root, &meta));
        } else {
            let mut listing = store.list(Some(&prefix));
            while let Some(meta) = listing
                .try_next()
                .await
                .map_err(|e| format!("listing {path}: {e}"))?
            {
                let hidden = meta
                    .location
                    .parts()
                    .skip(prefix.parts().count())
                    .any(|p| p.as_ref().starts_with('_') || p.as_ref().starts_with('.'));
                if !hidden {
                    files.push(file(&root, &meta));
                }
            }
        }
        files.sort_by(|a, b| a.url.cmp(&b.url));
        if files.is_empty() {
            return Err(format!("no files were found at {path}"));
        }
        Ok(files)
    }

    /// The store of `path`, its root URL and the path within it.
    fn store(
        &self,
        access: &FileAccess<'_>,
        path: &str,
    ) -> Result<
        (
            std::sync::Arc<dyn ObjectStore>,
            String,
            object_store::path::Path,
        ),
        String,
    > {
        let url = stores::path_url(path).map_err(|e| e.to_string())?;
        if let Some(engine) = access.engine {
            engine
                .ensure_store(self.ctx, &url)
                .map_err(|e| format!("{path}: {e}"))?;
        }
        let root = format!("{}://{}", url.scheme(), url.authority());
        let store = self
            .ctx
            .runtime_env()
            .object_store(ObjectStoreUrl::parse(&root).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        let prefix =
            object_store::path::Path::from_url_path(url.path()).map_err(|e| e.to_string())?;
        Ok((store, root, prefix))
    }

    /// The hex checksum of a listed file's content.
    pub async fn checksum(&self, file: &File, algorithm: Algorithm) -> Result<String, String> {
        let key = (file.url.clone(), algorithm);
        if let Some(found) = self.checksums.lock().await.get(&key) {
            return found.clone();
        }
        let computed = self.checksum_now(file, algorithm).await;
        self.checksums.lock().await.insert(key, computed.clone());
        computed
    }

    async fn checksum_now(&self, file: &File, algorithm: Algorithm) -> Result<String, String> {
        let access = self.access.ok_or("no file access")?;
        let (store, _, path) = self.store(access, &file.url)?;
        let read = |e: object_store::Error| format!("reading {}: {e}", file.url);
        let mut stream = store.get(&path).await.map_err(read)?.into_stream();
        let mut sha = sha2::Sha256::new();
        let mut md5 = md5::Md5::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(read)?;
            match algorithm {
                Algorithm::Sha256 => sha.update(&chunk),
                Algorithm::Md5 => md5.update(&chunk),
            }
        }
        let digest: Vec<u8> = match algorithm {
            Algorithm::Sha256 => sha.finalize().to_vec(),
            Algorithm::Md5 => md5.finalize().to_vec(),
        };
        Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
    }
}

fn file(root: &str, meta: &ObjectMeta) -> File {
    File {
        url: format!("{root}/{}", meta.location),
        size: meta.size,
        modified: meta.last_modified.timestamp_micros() as f64 / 1e6,
    }
}
