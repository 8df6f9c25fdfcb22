//! Iceberg's file I/O on Weir's object stores: the same `s3://` settings (endpoint, region,
//! credentials per bucket), `file://` and Azure paths the engine's jobs use, so an Iceberg table
//! is reachable wherever a job's files are. Paths without a scheme are local files.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use iceberg::io::{
    FileIO, FileIOBuilder, FileMetadata, FileRead, FileWrite, InputFile, OutputFile, Storage,
    StorageConfig, StorageFactory,
};
use iceberg::{Error, ErrorKind, Result};
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use weir_engine::stores::{build_store, path_url, StoreSettings};

/// A [`FileIO`] over Weir's object stores.
pub fn file_io(settings: &StoreSettings) -> FileIO {
    FileIOBuilder::new(Arc::new(ObjectStorageFactory {
        settings: settings.clone(),
    }))
    .build()
}

/// Builds [`ObjectStorage`] (the configuration's properties are not used: stores come from
/// Weir's settings).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectStorageFactory {
    settings: StoreSettings,
}

#[typetag::serde]
impl StorageFactory for ObjectStorageFactory {
    fn build(&self, _config: &StorageConfig) -> Result<Arc<dyn Storage>> {
        Ok(Arc::new(ObjectStorage {
            settings: self.settings.clone(),
            stores: Arc::default(),
        }))
    }
}

/// Files in object stores, each store built on first use of its bucket (or container, or file
/// system) and kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectStorage {
    settings: StoreSettings,
    #[serde(skip)]
    stores: Arc<Mutex<HashMap<String, Arc<dyn ObjectStore>>>>,
}

impl ObjectStorage {
    /// The store holding `path`, and the path within it.
    fn locate(&self, path: &str) -> Result<(Arc<dyn ObjectStore>, Path)> {
        let url = path_url(path).map_err(|e| invalid(path, e))?;
        let root = format!("{}://{}", url.scheme(), url.authority());
        let store = {
            let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
            match stores.get(&root) {
                Some(store) => store.clone(),
                None => {
                    let store = build_store(&self.settings, &url).map_err(|e| invalid(path, e))?;
                    stores.insert(root, store.clone());
                    store
                }
            }
        };
        let key = Path::from_url_path(url.path()).map_err(|e| invalid(path, e))?;
        Ok((store, key))
    }
}

fn invalid(path: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::DataInvalid, format!("path '{path}': {e}"))
}

fn failed(what: &str, path: &str, e: object_store::Error) -> Error {
    let kind = match e {
        object_store::Error::NotFound { .. } => ErrorKind::DataInvalid,
        _ => ErrorKind::Unexpected,
    };
    Error::new(kind, format!("{what} '{path}': {e}"))
        .with_retryable(!matches!(e, object_store::Error::NotFound { .. }))
}

#[async_trait]
#[typetag::serde]
impl Storage for ObjectStorage {
    async fn exists(&self, path: &str) -> Result<bool> {
        let (store, key) = self.locate(path)?;
        match store.head(&key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(failed("cannot check", path, e)),
        }
    }

    async fn metadata(&self, path: &str) -> Result<FileMetadata> {
        let (store, key) = self.locate(path)?;
        let meta = store
            .head(&key)
            .await
            .map_err(|e| failed("cannot read", path, e))?;
        Ok(FileMetadata { size: meta.size })
    }

    async fn read(&self, path: &str) -> Result<Bytes> {
        let (store, key) = self.locate(path)?;
        let got = store
            .get(&key)
            .await
            .map_err(|e| failed("cannot read", path, e))?;
        got.bytes()
            .await
            .map_err(|e| failed("cannot read", path, e))
    }

    async fn reader(&self, path: &str) -> Result<Box<dyn FileRead>> {
        let (store, key) = self.locate(path)?;
        Ok(Box::new(RangeReader {
            store,
            key,
            path: path.to_string(),
        }))
    }

    async fn write(&self, path: &str, bs: Bytes) -> Result<()> {
        let (store, key) = self.locate(path)?;
        store
            .put(&key, PutPayload::from_bytes(bs))
            .await
            .map_err(|e| failed("cannot write", path, e))?;
        Ok(())
    }

    async fn writer(&self, path: &str) -> Result<Box<dyn FileWrite>> {
        let (store, key) = self.locate(path)?;
        Ok(Box::new(UploadWriter {
            writer: BufWriter::new(store, key),
            path: path.to_string(),
        }))
    }

    async fn delete(&self, path: &str) -> Result<()> {
        let (store, key) = self.locate(path)?;
        match store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed("cannot delete", path, e)),
        }
    }

    async fn delete_prefix(&self, path: &str) -> Result<()> {
        let (store, key) = self.locate(path)?;
        let listed = store.list(Some(&key)).map_ok(|meta| meta.location).boxed();
        store
            .delete_stream(listed)
            .try_collect::<Vec<_>>()
            .await
            .map_err(|e| failed("cannot delete under", path, e))?;
        Ok(())
    }

    async fn delete_stream(&self, mut paths: BoxStream<'static, String>) -> Result<()> {
        while let Some(path) = paths.next().await {
            self.delete(&path).await?;
        }
        Ok(())
    }

    fn new_input(&self, path: &str) -> Result<InputFile> {
        Ok(InputFile::new(Arc::new(self.clone()), path.to_string()))
    }

    fn new_output(&self, path: &str) -> Result<OutputFile> {
        Ok(OutputFile::new(Arc::new(self.clone()), path.to_string()))
    }
}

/// Reads byte ranges of one object.
struct RangeReader {
    store: Arc<dyn ObjectStore>,
    key: Path,
    path: String,
}

#[async_trait]
impl FileRead for RangeReader {
    async fn read(&self, range: Range<u64>) -> Result<Bytes> {
        self.store
            .get_range(&self.key, range)
            .await
            .map_err(|e| failed("cannot read", &self.path, e))
    }
}

/// Writes one object: small ones in one request, large ones as a multipart upload.
struct UploadWriter {
    writer: BufWriter,
    path: String,
}

#[async_trait]
impl FileWrite for UploadWriter {
    async fn write(&mut self, bs: Bytes) -> Result<()> {
        self.writer
            .put(bs)
            .await
            .map_err(|e| failed("cannot write", &self.path, e))
    }

    async fn close(&mut self) -> Result<()> {
        self.writer.shutdown().await.map_err(|e| {
            Error::new(
                ErrorKind::Unexpected,
                format!("cannot write '{}': {e}", self.path),
            )
        })
    }
}
