//! Object stores by URL. `file://` is always there; `memory://` is one in-process store;
//! `s3://BUCKET` stores are built on first use from [`S3Config`] (any S3-compatible server:
//! endpoint, region, credentials, path-style addressing) — the bucket's own settings when a
//! job's connection gives them, else the engine's; Azure paths (`abfss://`, `az://`, …) from
//! [`AzureConfig`] when Weir is built with the `azure` feature.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::execution::runtime_env::RuntimeEnv;
use object_store::aws::AmazonS3Builder;
use object_store::memory::InMemory;
use object_store::ObjectStore;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{EngineError, Result};

/// How to reach S3 (or an S3-compatible server).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    /// e.g. `http://127.0.0.1:9000`; `None` for AWS itself.
    #[serde(deserialize_with = "weir_model::setting_text::option")]
    pub endpoint: Option<String>,
    #[serde(deserialize_with = "weir_model::setting_text::option")]
    pub region: Option<String>,
    #[serde(deserialize_with = "weir_model::setting_text::option")]
    pub access_key_id: Option<String>,
    #[serde(deserialize_with = "weir_model::setting_text::option")]
    pub secret_access_key: Option<String>,
    #[serde(deserialize_with = "weir_model::setting_text::option")]
    pub session_token: Option<String>,
    /// Path-style requests (`endpoint/bucket/key`), as most S3-compatible servers want.
    /// Defaults to true when an endpoint is set.
    pub path_style: Option<bool>,
}

/// How to reach Azure Blob Storage / ADLS Gen2 (`abfss://container@account.dfs.core.windows.net/…`,
/// `az://container/…`). Unset fields come from the `AZURE_STORAGE_*` environment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AzureConfig {
    /// The storage account, when the path does not name it (`az://container/…`).
    #[serde(deserialize_with = "weir_model::setting_text::option")]
    pub account: Option<String>,
    /// The account's shared key (base64).
    #[serde(deserialize_with = "weir_model::setting_text::option")]
    pub access_key: Option<String>,
    /// e.g. `http://127.0.0.1:10000/devstoreaccount1` for Azurite; `None` for Azure itself.
    #[serde(deserialize_with = "weir_model::setting_text::option")]
    pub endpoint: Option<String>,
    /// Azurite's well-known account and key on 127.0.0.1:10000.
    pub use_emulator: bool,
}

/// Every object store setting a session uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreSettings {
    /// `s3://` buckets without settings of their own.
    pub s3: S3Config,
    /// Settings of particular buckets (from a job's connections), by bucket name.
    pub s3_buckets: BTreeMap<String, S3Config>,
    pub azure: AzureConfig,
}

impl StoreSettings {
    /// The settings for `bucket`.
    pub fn s3_for(&self, bucket: &str) -> &S3Config {
        self.s3_buckets.get(bucket).unwrap_or(&self.s3)
    }
}

/// URL schemes of Azure storage.
const AZURE_SCHEMES: [&str; 5] = ["abfss", "abfs", "az", "adl", "azure"];

/// Turns a job path into a URL: `s3://…`, `file://…`, `memory://…`, or a local path.
pub fn path_url(path: &str) -> Result<Url> {
    if path.contains("://") {
        let path = path
            .replacen("s3a://", "s3://", 1)
            .replacen("s3n://", "s3://", 1);
        return Url::parse(&path).map_err(|e| {
            EngineError::invalid_job(format!("path '{path}' is not a valid URL: {e}"))
        });
    }
    let absolute = std::path::absolute(path)
        .map_err(|e| EngineError::invalid_job(format!("path '{path}': {e}")))?;
    let mut url = Url::from_file_path(&absolute)
        .map_err(|_| EngineError::invalid_job(format!("path '{path}' is not a valid file path")))?;
    if path.ends_with('/') && !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Ok(url)
}

/// Registers the store a URL needs, if the session's runtime does not have it yet.
pub fn ensure_store(runtime: &RuntimeEnv, settings: &StoreSettings, url: &Url) -> Result<()> {
    let root = store_root(url)?;
    if runtime
        .object_store(datafusion::execution::object_store::ObjectStoreUrl::parse(
            root.as_str(),
        )?)
        .is_ok()
    {
        return Ok(());
    }
    if url.scheme() == "file" {
        return Ok(());
    }
    let store = build_store(settings, url)?;
    runtime.register_object_store(&root, store);
    Ok(())
}

/// A new store for the bucket, container or file system of `url` (paths within it are the URL's
/// path, without its leading `/`).
pub fn build_store(settings: &StoreSettings, url: &Url) -> Result<Arc<dyn ObjectStore>> {
    Ok(match url.scheme() {
        "s3" => {
            let bucket = url.host_str().unwrap_or_default();
            Arc::new(s3_store(settings.s3_for(bucket), bucket)?)
        }
        "memory" => Arc::new(InMemory::new()),
        "file" => Arc::new(object_store::local::LocalFileSystem::new()),
        scheme if AZURE_SCHEMES.contains(&scheme) => azure_store(&settings.azure, &store_root(url)?)?,
        other => {
            return Err(EngineError::invalid_job(format!(
                "path '{url}': scheme {other}:// is not supported (use s3://, abfss://, file:// or a local path)"
            )))
        }
    })
}

/// `scheme://authority` of a URL: the root its store is registered under.
fn store_root(url: &Url) -> Result<Url> {
    Url::parse(&format!("{}://{}", url.scheme(), url.authority()))
        .map_err(|e| EngineError::invalid_job(format!("path '{url}': {e}")))
}

fn s3_store(config: &S3Config, bucket: &str) -> Result<object_store::aws::AmazonS3> {
    let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if let Some(region) = &config.region {
        b = b.with_region(region);
    }
    if let Some(endpoint) = &config.endpoint {
        b = b
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    if let Some(key) = &config.access_key_id {
        b = b.with_access_key_id(key);
    }
    if let Some(secret) = &config.secret_access_key {
        b = b.with_secret_access_key(secret);
    }
    if let Some(token) = &config.session_token {
        b = b.with_token(token);
    }
    let path_style = config.path_style.unwrap_or(config.endpoint.is_some());
    b = b.with_virtual_hosted_style_request(!path_style);
    Ok(b.build()?)
}

#[cfg(feature = "azure")]
fn azure_store(config: &AzureConfig, root: &Url) -> Result<Arc<dyn ObjectStore>> {
    use object_store::azure::MicrosoftAzureBuilder;
    let mut b = MicrosoftAzureBuilder::from_env().with_url(root.as_str());
    if let Some(account) = &config.account {
        b = b.with_account(account);
    }
    if let Some(key) = &config.access_key {
        b = b.with_access_key(key);
    }
    if let Some(endpoint) = &config.endpoint {
        b = b
            .with_endpoint(endpoint.clone())
            .with_allow_http(endpoint.starts_with("http://"));
    }
    if config.use_emulator {
        b = b.with_use_emulator(true);
    }
    Ok(Arc::new(b.build().map_err(|e| {
        EngineError::invalid_job(format!("path '{root}': {e}"))
    })?))
}

#[cfg(not(feature = "azure"))]
fn azure_store(_config: &AzureConfig, root: &Url) -> Result<Arc<dyn ObjectStore>> {
    Err(EngineError::invalid_job(format!(
        "path '{root}': this Weir was built without Azure storage (the `azure` feature)"
    )))
}
