//! Weir's catalog as an iceberg-rust [`Catalog`], so iceberg-rust's transactions (appends,
//! snapshot expiry) commit through [`Tables`]: the same checks, the same atomic swap of the
//! table's `metadata_location`. A conflict is retryable, so a transaction re-applies its
//! actions to the table another writer committed and tries again.

use std::collections::HashMap;
use std::fmt;

use async_trait::async_trait;
use iceberg::table::Table;
use iceberg::{
    Catalog, ErrorKind, Namespace, NamespaceIdent, Result, TableCommit, TableCreation, TableIdent,
};
use weir_engine::catalog::CatalogClient;

use crate::error::Error;
use crate::namespaces;
use crate::tables::Tables;

/// Iceberg tables of a Glue catalog, called as one client.
pub struct GlueCatalog<'a> {
    pub tables: &'a Tables,
    pub client: &'a dyn CatalogClient,
}

impl fmt::Debug for GlueCatalog<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlueCatalog").finish_non_exhaustive()
    }
}

/// Weir's error as iceberg-rust's: a commit conflict may be retried.
pub fn to_iceberg(e: Error) -> iceberg::Error {
    let kind = match e {
        Error::Iceberg(inner) => return inner,
        Error::NoSuchNamespace(_) => ErrorKind::NamespaceNotFound,
        Error::NoSuchTable(_) | Error::NoSuchView(_) => ErrorKind::TableNotFound,
        Error::AlreadyExists(_) => ErrorKind::TableAlreadyExists,
        Error::CommitFailed(_) => ErrorKind::CatalogCommitConflicts,
        Error::BadRequest(_) => ErrorKind::DataInvalid,
        Error::Unsupported(_) => ErrorKind::FeatureUnsupported,
        _ => ErrorKind::Unexpected,
    };
    let retryable = kind == ErrorKind::CatalogCommitConflicts;
    iceberg::Error::new(kind, e.to_string()).with_retryable(retryable)
}

fn namespace_of(ns: namespaces::Namespace) -> Namespace {
    Namespace::with_properties(
        NamespaceIdent::new(ns.name),
        ns.properties.into_iter().collect(),
    )
}

#[async_trait]
impl Catalog for GlueCatalog<'_> {
    async fn list_namespaces(
        &self,
        parent: Option<&NamespaceIdent>,
    ) -> Result<Vec<NamespaceIdent>> {
        if parent.is_some() {
            return Ok(Vec::new());
        }
        let names = namespaces::list(self.client).await.map_err(to_iceberg)?;
        Ok(names.into_iter().map(NamespaceIdent::new).collect())
    }

    async fn create_namespace(
        &self,
        namespace: &NamespaceIdent,
        properties: HashMap<String, String>,
    ) -> Result<Namespace> {
        namespaces::create(self.client, namespace, properties)
            .await
            .map(namespace_of)
            .map_err(to_iceberg)
    }

    async fn get_namespace(&self, namespace: &NamespaceIdent) -> Result<Namespace> {
        namespaces::load(self.client, namespace)
            .await
            .map(namespace_of)
            .map_err(to_iceberg)
    }

    async fn namespace_exists(&self, namespace: &NamespaceIdent) -> Result<bool> {
        match namespaces::load(self.client, namespace).await {
            Ok(_) => Ok(true),
            Err(Error::NoSuchNamespace(_)) => Ok(false),
            Err(e) => Err(to_iceberg(e)),
        }
    }

    async fn update_namespace(
        &self,
        namespace: &NamespaceIdent,
        properties: HashMap<String, String>,
    ) -> Result<()> {
        namespaces::update_properties(self.client, namespace, Vec::new(), properties)
            .await
            .map(|_| ())
            .map_err(to_iceberg)
    }

    async fn drop_namespace(&self, namespace: &NamespaceIdent) -> Result<()> {
        namespaces::drop(self.client, namespace)
            .await
            .map_err(to_iceberg)
    }

    async fn list_tables(&self, namespace: &NamespaceIdent) -> Result<Vec<TableIdent>> {
        self.tables
            .list(self.client, namespace)
            .await
            .map_err(to_iceberg)
    }

    async fn create_table(
        &self,
        namespace: &NamespaceIdent,
        creation: TableCreation,
    ) -> Result<Table> {
        self.tables
            .create(self.client, namespace, creation)
            .await
            .map_err(to_iceberg)
    }

    async fn load_table(&self, table: &TableIdent) -> Result<Table> {
        self.tables
            .load(self.client, table)
            .await
            .map(|loaded| loaded.table)
            .map_err(to_iceberg)
    }

    async fn drop_table(&self, table: &TableIdent) -> Result<()> {
        self.tables
            .drop(self.client, table, false)
            .await
            .map_err(to_iceberg)
    }

    async fn purge_table(&self, table: &TableIdent) -> Result<()> {
        self.tables
            .drop(self.client, table, true)
            .await
            .map_err(to_iceberg)
    }

    async fn table_exists(&self, table: &TableIdent) -> Result<bool> {
        match self.tables.load(self.client, table).await {
            Ok(_) => Ok(true),
            Err(Error::NoSuchTable(_) | Error::NoSuchNamespace(_)) => Ok(false),
            Err(e) => Err(to_iceberg(e)),
        }
    }

    async fn rename_table(&self, src: &TableIdent, dest: &TableIdent) -> Result<()> {
        self.tables
            .rename(self.client, src, dest)
            .await
            .map_err(to_iceberg)
    }

    async fn register_table(&self, table: &TableIdent, metadata_location: String) -> Result<Table> {
        self.tables
            .register(self.client, table, &metadata_location)
            .await
            .map_err(to_iceberg)
    }

    async fn update_table(&self, mut commit: TableCommit) -> Result<Table> {
        let requirements = commit.take_requirements();
        let updates = commit.take_updates();
        self.tables
            .commit(self.client, commit.identifier(), &requirements, updates)
            .await
            .map_err(to_iceberg)
    }
}
