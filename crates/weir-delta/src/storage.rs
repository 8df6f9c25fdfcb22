//! Delta tables opened on Weir's object stores: the engine's stores (S3 with its endpoints and
//! keys, Azure, local files) back delta-rs's log stores, so a Delta table is reached exactly as a
//! job's other files are. Commits use the store's put-if-absent (S3's conditional writes), so two
//! writers never both commit one version.

use std::sync::{Arc, Once};

use chrono::{DateTime, Utc};
use deltalake_core::logstore::{
    default_logstore, logstore_factories, logstore_with, LogStore, LogStoreFactory, LogStoreRef,
    ObjectStoreRef, StorageConfig,
};
use deltalake_core::{DeltaTable, DeltaTableConfig, DeltaTableError};
use serde_json::Value;
use url::Url;
use weir_engine::stores::{build_store, path_url, StoreSettings};

use crate::error::{Error, Result};

/// Where Delta tables live: Weir's object stores, and the warehouse new tables go under when
/// their database has no location.
#[derive(Clone)]
pub struct Deltas {
    settings: StoreSettings,
    warehouse: String,
}

/// Which version of a table to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Version {
    #[default]
    Newest,
    Number(u64),
    /// The version current at that time.
    AsOf(DateTime<Utc>),
}

impl Deltas {
    pub fn new(settings: StoreSettings, warehouse: impl Into<String>) -> Deltas {
        register_log_stores();
        Deltas {
            settings,
            warehouse: warehouse.into().trim_end_matches('/').to_string(),
        }
    }

    pub fn store_settings(&self) -> &StoreSettings {
        &self.settings
    }

    /// The log store of the table at `location` (a URL or a local path).
    pub fn log_store(&self, location: &str) -> Result<LogStoreRef> {
        let url = table_url(location)?;
        let store = build_store(&self.settings, &url)
            .map_err(|e| Error::invalid(format!("Delta table {location}: {e}")))?;
        Ok(logstore_with(store, &url, StorageConfig::default())?)
    }

    /// The table at `location`, loaded at its newest version.
    pub async fn open(&self, location: &str) -> Result<DeltaTable> {
        self.open_at(location, Version::Newest).await
    }

    /// The table at `location`, loaded at `version`.
    pub async fn open_at(&self, location: &str, version: Version) -> Result<DeltaTable> {
        let mut table = DeltaTable::new(self.log_store(location)?, DeltaTableConfig::default());
        let loaded = match version {
            Version::Newest => table.load().await,
            Version::Number(v) => table.load_version(v).await,
            Version::AsOf(at) => table.load_with_datetime(at).await,
        };
        match loaded {
            Ok(()) => Ok(table),
            Err(DeltaTableError::NotATable(_)) => Err(Error::NotATable(format!(
                "{location} is not a Delta table (it has no _delta_log)"
            ))),
            Err(e) => Err(Error::Invalid(format!("Delta table {location}: {e}"))),
        }
    }

    /// Whether a Delta table is at `location`.
    pub async fn exists(&self, location: &str) -> Result<bool> {
        let store = self.log_store(location)?;
        Ok(store.is_delta_table_location().await?)
    }

    /// Where a new table of a database goes: under the database's `LocationUri`, else the
    /// warehouse (`<warehouse>/<database>.db/<table>`).
    pub fn default_location(&self, database: &Value, table: &str) -> String {
        match database.get("LocationUri").and_then(Value::as_str) {
            Some(location) if !location.is_empty() => {
                format!("{}/{table}", location.trim_end_matches('/'))
            }
            _ => format!(
                "{}/{}.db/{table}",
                self.warehouse,
                database["Name"].as_str().unwrap_or_default()
            ),
        }
    }
}

/// A table location as a URL delta-rs opens (local paths become `file://` URLs).
pub fn table_url(location: &str) -> Result<Url> {
    path_url(location).map_err(|e| Error::invalid(e.to_string()))
}

/// delta-rs knows log stores for local and in-memory files only; the cloud schemes get its
/// default log store too, on the store Weir builds.
fn register_log_stores() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let factories = logstore_factories();
        for scheme in ["s3", "az", "azure", "abfs", "abfss", "adl"] {
            if let Ok(url) = Url::parse(&format!("{scheme}://")) {
                if !factories.contains_key(&url) {
                    factories.insert(url, Arc::new(DefaultLogStores));
                }
            }
        }
    });
}

struct DefaultLogStores;

impl LogStoreFactory for DefaultLogStores {
    fn with_options(
        &self,
        prefixed_store: ObjectStoreRef,
        root_store: ObjectStoreRef,
        location: &Url,
        options: &StorageConfig,
    ) -> deltalake_core::DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(
            prefixed_store,
            root_store,
            location,
            options,
        ))
    }
}
