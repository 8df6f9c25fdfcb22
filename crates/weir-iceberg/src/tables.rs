//! Iceberg tables in the Glue Data Catalog: loaded from their current metadata file, created,
//! registered, renamed and dropped, and changed by commits. A commit writes the next metadata
//! file, then swaps the table's `metadata_location` with `UpdateTable` carrying the `VersionId`
//! it read: of two writers that read the same version, one wins and the other gets a conflict
//! (never a lost update), and its metadata file is deleted.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use iceberg::io::FileIO;
use iceberg::spec::{FormatVersion, TableMetadata, TableMetadataBuilder};
use iceberg::table::Table;
use iceberg::{
    MetadataLocation, NamespaceIdent, Runtime, TableCreation, TableIdent, TableRequirement,
    TableUpdate,
};
use serde_json::{json, Value};
use weir_engine::catalog::CatalogClient;
use weir_engine::stores::StoreSettings;

use crate::error::{Error, Result};
use crate::glue;
use crate::namespaces::{self, Namespace};
use crate::storage;

/// Iceberg tables kept in a Glue catalog, their files in Weir's object stores.
#[derive(Clone, Debug)]
pub struct Tables {
    io: FileIO,
    /// The stores' settings (for listings, which Iceberg's file I/O does not do).
    settings: StoreSettings,
    /// Where new tables go when neither the request nor their database names a location.
    warehouse: String,
}

/// A table as loaded: the Iceberg table, and the catalog's `Table` it was read from (its
/// `VersionId` is what a commit swaps).
pub struct Loaded {
    pub table: Table,
    pub glue: Value,
}

/// A commit whose metadata file is written: the catalog update that makes it current.
pub struct Prepared {
    pub table: Table,
    /// `("UpdateTable", request)`, or `("CreateTable", request)` for a new table.
    pub call: (String, Value),
}

impl Tables {
    pub fn new(settings: &StoreSettings, warehouse: impl Into<String>) -> Self {
        Tables {
            io: storage::file_io(settings),
            settings: settings.clone(),
            warehouse: warehouse.into().trim_end_matches('/').to_string(),
        }
    }

    pub fn file_io(&self) -> &FileIO {
        &self.io
    }

    pub fn store_settings(&self) -> &StoreSettings {
        &self.settings
    }

    /// The table, or `NoSuchTable` (`NoSuchNamespace` when its database does not exist).
    pub async fn load(&self, catalog: &dyn CatalogClient, ident: &TableIdent) -> Result<Loaded> {
        let database = namespaces::database_name(ident.namespace())?;
        let found = catalog
            .call(
                "GetTable",
                json!({ "DatabaseName": database, "Name": ident.name() }),
            )
            .await;
        let glue = match found {
            Ok(mut response) => response["Table"].take(),
            Err(e) if e.code == "EntityNotFoundException" => {
                namespaces::load(catalog, ident.namespace()).await?;
                return Err(Error::NoSuchTable(format!(
                    "Table does not exist: {database}.{}",
                    ident.name()
                )));
            }
            Err(e) => return Err(Error::catalog(e)),
        };
        if !glue::is_iceberg(&glue) {
            return Err(Error::NoSuchTable(format!(
                "Table {database}.{} is not an Iceberg table (its parameter {} is not {})",
                ident.name(),
                glue::TABLE_TYPE,
                glue::ICEBERG
            )));
        }
        let location = glue::metadata_location(&glue).ok_or_else(|| {
            Error::bad_request(format!(
                "Iceberg table {database}.{} has no parameter {}",
                ident.name(),
                glue::METADATA_LOCATION
            ))
        })?;
        let metadata = TableMetadata::read_from(&self.io, location).await?;
        let table = self.table(ident.clone(), metadata, location)?;
        Ok(Loaded { table, glue })
    }

    /// The table of a catalog `Table` (GetTable's), without another catalog call.
    pub async fn of_glue_table(&self, database: &str, glue: &Value) -> Result<Table> {
        let name = glue["Name"].as_str().unwrap_or_default();
        let location = glue::metadata_location(glue).ok_or_else(|| {
            Error::bad_request(format!(
                "Iceberg table {database}.{name} has no parameter {}",
                glue::METADATA_LOCATION
            ))
        })?;
        let metadata = TableMetadata::read_from(&self.io, location).await?;
        let ident = TableIdent::new(NamespaceIdent::new(database.to_string()), name.to_string());
        self.table(ident, metadata, location)
    }

    fn table(&self, ident: TableIdent, metadata: TableMetadata, location: &str) -> Result<Table> {
        Ok(Table::builder()
            .file_io(self.io.clone())
            .metadata(Arc::new(metadata))
            .metadata_location(location)
            .identifier(ident)
            .runtime(Runtime::try_current()?)
            .build()?)
    }

    /// Creates a table: its first metadata file under its location (the request's, else its
    /// database's location, else the warehouse's `DATABASE.db/`, then the table's name).
    pub async fn create(
        &self,
        catalog: &dyn CatalogClient,
        namespace: &NamespaceIdent,
        creation: TableCreation,
    ) -> Result<Table> {
        let ident = TableIdent::new(namespace.clone(), creation.name.clone());
        let metadata = self.stage(catalog, namespace, creation).await?;
        self.create_with_metadata(catalog, ident, metadata).await
    }

    /// Creates a table whose first metadata is built already.
    pub async fn create_with_metadata(
        &self,
        catalog: &dyn CatalogClient,
        ident: TableIdent,
        metadata: TableMetadata,
    ) -> Result<Table> {
        self.refuse_existing(catalog, &ident).await?;
        let location = MetadataLocation::new_with_metadata(metadata.location(), &metadata);
        let prepared = self.prepare(ident, metadata, location, None).await?;
        self.apply(catalog, prepared).await
    }

    /// Registers an existing table by its metadata file.
    pub async fn register(
        &self,
        catalog: &dyn CatalogClient,
        ident: &TableIdent,
        metadata_location: &str,
    ) -> Result<Table> {
        namespaces::load(catalog, ident.namespace()).await?;
        self.refuse_existing(catalog, ident).await?;
        let metadata = TableMetadata::read_from(&self.io, metadata_location).await?;
        let input = glue::table_input(ident.name(), &metadata, metadata_location, None);
        let database = namespaces::database_name(ident.namespace())?;
        catalog
            .call(
                "CreateTable",
                json!({ "DatabaseName": database, "TableInput": input }),
            )
            .await
            .map_err(|e| already_exists(e, ident))?;
        self.table(ident.clone(), metadata, metadata_location)
    }

    /// Applies a commit's updates, if its requirements hold, and makes the result current.
    pub async fn commit(
        &self,
        catalog: &dyn CatalogClient,
        ident: &TableIdent,
        requirements: &[TableRequirement],
        updates: Vec<TableUpdate>,
    ) -> Result<Table> {
        let prepared = self
            .prepare_commit(catalog, ident, requirements, updates)
            .await?;
        self.apply(catalog, prepared).await
    }

    /// Commits to several tables at once: all or none.
    pub async fn commit_all(
        &self,
        catalog: &dyn CatalogClient,
        commits: Vec<(TableIdent, Vec<TableRequirement>, Vec<TableUpdate>)>,
    ) -> Result<()> {
        let mut prepared = Vec::with_capacity(commits.len());
        for (ident, requirements, updates) in commits {
            match self
                .prepare_commit(catalog, &ident, &requirements, updates)
                .await
            {
                Ok(p) => prepared.push(p),
                Err(e) => {
                    self.discard(&prepared).await;
                    return Err(e);
                }
            }
        }
        let calls = prepared.iter().map(|p| p.call.clone()).collect();
        if let Err(e) = catalog.call_atomic(calls).await {
            self.discard(&prepared).await;
            return Err(Error::catalog(e));
        }
        Ok(())
    }

    /// Writes the metadata file a commit makes; the catalog still points at the current one.
    pub async fn prepare_commit(
        &self,
        catalog: &dyn CatalogClient,
        ident: &TableIdent,
        requirements: &[TableRequirement],
        updates: Vec<TableUpdate>,
    ) -> Result<Prepared> {
        let loaded = match self.load(catalog, ident).await {
            Ok(loaded) => loaded,
            Err(Error::NoSuchTable(_)) if requirements.contains(&TableRequirement::NotExist) => {
                return self.prepare_create(catalog, ident, updates).await;
            }
            Err(e) => return Err(e),
        };
        for requirement in requirements {
            requirement.check(Some(loaded.table.metadata()))?;
        }
        let current = loaded.table.metadata_location_result()?.to_string();
        let mut builder = loaded
            .table
            .metadata()
            .clone()
            .into_builder(Some(current.clone()));
        for update in updates {
            builder = update.apply(builder)?;
        }
        let metadata = builder.build()?.metadata;
        let location = next_location(&current, &metadata);
        self.prepare(ident.clone(), metadata, location, Some(&loaded.glue))
            .await
    }

    /// The metadata a staged table would start with (the REST catalog's `stage-create`):
    /// nothing is written; a commit requiring that the table not exist creates it.
    pub async fn stage(
        &self,
        catalog: &dyn CatalogClient,
        namespace: &NamespaceIdent,
        mut creation: TableCreation,
    ) -> Result<TableMetadata> {
        let ns = namespaces::load(catalog, namespace).await?;
        if creation.location.is_none() {
            creation.location = Some(self.default_location(&ns, &creation.name));
        }
        let ident = TableIdent::new(namespace.clone(), creation.name.clone());
        self.refuse_existing(catalog, &ident).await?;
        Ok(TableMetadataBuilder::from_table_creation(creation)?
            .build()?
            .metadata)
    }

    /// A commit that creates the table (a staged creation's): its first metadata made of the
    /// creation updates (schema, partition spec, sort order, location, properties, format
    /// version, uuid), then the others (snapshots and their references) applied.
    async fn prepare_create(
        &self,
        catalog: &dyn CatalogClient,
        ident: &TableIdent,
        updates: Vec<TableUpdate>,
    ) -> Result<Prepared> {
        let namespace = namespaces::load(catalog, ident.namespace()).await?;
        let (mut schema, mut spec, mut order, mut location) = (None, None, None, None);
        let (mut properties, mut format, mut uuid) = (HashMap::new(), FormatVersion::V2, None);
        let mut rest = Vec::new();
        for update in updates {
            match update {
                TableUpdate::AddSchema { schema: s } => schema = Some(s),
                TableUpdate::AddSpec { spec: s } => spec = Some(s),
                TableUpdate::AddSortOrder { sort_order } => order = Some(sort_order),
                TableUpdate::SetLocation { location: l } => location = Some(l),
                TableUpdate::SetProperties { updates } => properties.extend(updates),
                TableUpdate::UpgradeFormatVersion { format_version } => format = format_version,
                TableUpdate::AssignUuid { uuid: u } => uuid = Some(u),
                TableUpdate::SetCurrentSchema { .. }
                | TableUpdate::SetDefaultSpec { .. }
                | TableUpdate::SetDefaultSortOrder { .. } => {}
                other => rest.push(other),
            }
        }
        let schema = schema.ok_or_else(|| {
            Error::bad_request(format!(
                "Table {ident} does not exist, and the commit creating it adds no schema"
            ))
        })?;
        let creation = TableCreation {
            name: ident.name().to_string(),
            location: Some(
                location.unwrap_or_else(|| self.default_location(&namespace, ident.name())),
            ),
            schema,
            partition_spec: spec,
            sort_order: order,
            properties,
            format_version: format,
        };
        let mut builder = TableMetadataBuilder::from_table_creation(creation)?;
        if let Some(uuid) = uuid {
            builder = builder.assign_uuid(uuid);
        }
        for update in rest {
            builder = update.apply(builder)?;
        }
        let metadata = builder.build()?.metadata;
        self.refuse_existing(catalog, ident).await?;
        let location = MetadataLocation::new_with_metadata(metadata.location(), &metadata);
        self.prepare(ident.clone(), metadata, location, None).await
    }

    /// Writes the metadata file and says which catalog call makes it current.
    async fn prepare(
        &self,
        ident: TableIdent,
        metadata: TableMetadata,
        location: MetadataLocation,
        current: Option<&Value>,
    ) -> Result<Prepared> {
        metadata.write_to(&self.io, &location).await?;
        let location = location.to_string();
        let database = namespaces::database_name(ident.namespace())?;
        let input = glue::table_input(ident.name(), &metadata, &location, current);
        let call = match current {
            None => (
                "CreateTable".to_string(),
                json!({ "DatabaseName": database, "TableInput": input }),
            ),
            Some(current) => {
                let mut request = json!({ "DatabaseName": database, "TableInput": input });
                if let Some(version) = current.get("VersionId") {
                    request["VersionId"] = version.clone();
                }
                ("UpdateTable".to_string(), request)
            }
        };
        let table = self.table(ident, metadata, &location)?;
        Ok(Prepared { table, call })
    }

    /// Makes a prepared commit current; if the catalog refuses, its metadata file is deleted.
    pub async fn apply(&self, catalog: &dyn CatalogClient, prepared: Prepared) -> Result<Table> {
        let (operation, request) = &prepared.call;
        if let Err(e) = catalog.call(operation, request.clone()).await {
            self.discard(std::slice::from_ref(&prepared)).await;
            return Err(already_exists(e, prepared.table.identifier()));
        }
        Ok(prepared.table)
    }

    /// Deletes the metadata files of commits that were not made.
    pub async fn discard(&self, prepared: &[Prepared]) {
        for p in prepared {
            if let Some(location) = p.table.metadata_location() {
                if let Err(e) = self.io.delete(location).await {
                    tracing::warn!(location, error = %e, "an uncommitted metadata file was not deleted");
                }
            }
        }
    }

    /// Removes a table from the catalog; with `purge`, its files too (every file its metadata
    /// reaches).
    pub async fn drop(
        &self,
        catalog: &dyn CatalogClient,
        ident: &TableIdent,
        purge: bool,
    ) -> Result<()> {
        let loaded = self.load(catalog, ident).await?;
        namespaces::delete_table(catalog, ident).await?;
        if purge {
            crate::files::purge(&loaded.table).await?;
        }
        Ok(())
    }

    /// Renames a table (within or across databases): one catalog transaction.
    pub async fn rename(
        &self,
        catalog: &dyn CatalogClient,
        from: &TableIdent,
        to: &TableIdent,
    ) -> Result<()> {
        let loaded = self.load(catalog, from).await?;
        namespaces::load(catalog, to.namespace()).await?;
        self.refuse_existing(catalog, to).await?;
        let mut input = weir_engine::catalog::table_input(&loaded.glue);
        input["Name"] = json!(to.name());
        let calls = vec![
            (
                "CreateTable".to_string(),
                json!({ "DatabaseName": namespaces::database_name(to.namespace())?, "TableInput": input }),
            ),
            (
                "DeleteTable".to_string(),
                json!({ "DatabaseName": namespaces::database_name(from.namespace())?, "Name": from.name() }),
            ),
        ];
        catalog
            .call_atomic(calls)
            .await
            .map_err(|e| already_exists(e, to))?;
        Ok(())
    }

    /// The Iceberg tables of a database.
    pub async fn list(
        &self,
        catalog: &dyn CatalogClient,
        namespace: &NamespaceIdent,
    ) -> Result<Vec<TableIdent>> {
        namespaces::tables_where(catalog, namespace, glue::is_iceberg).await
    }

    async fn refuse_existing(&self, catalog: &dyn CatalogClient, ident: &TableIdent) -> Result<()> {
        let database = namespaces::database_name(ident.namespace())?;
        match catalog
            .call(
                "GetTable",
                json!({ "DatabaseName": database, "Name": ident.name() }),
            )
            .await
        {
            Ok(_) => Err(Error::AlreadyExists(format!(
                "Table already exists: {database}.{}",
                ident.name()
            ))),
            Err(e) if e.code == "EntityNotFoundException" => Ok(()),
            Err(e) => Err(Error::catalog(e)),
        }
    }

    /// Where a new table goes when its request names no location.
    pub fn default_location(&self, ns: &Namespace, table: &str) -> String {
        match ns.properties.get(namespaces::LOCATION) {
            Some(location) if !location.is_empty() => {
                format!("{}/{table}", location.trim_end_matches('/'))
            }
            _ => format!("{}/{}.db/{table}", self.warehouse, ns.name),
        }
    }
}

/// The next metadata file after `current`: `NNNNN-<uuid>.metadata.json`, one version on (or
/// version 0 when the current file is not named so).
fn next_location(current: &str, metadata: &TableMetadata) -> MetadataLocation {
    match MetadataLocation::from_str(current) {
        Ok(location) => location.with_next_version().with_new_metadata(metadata),
        Err(_) => MetadataLocation::new_with_metadata(metadata.location(), metadata),
    }
}

fn already_exists(e: weir_engine::catalog::CatalogError, ident: &TableIdent) -> Error {
    if e.code == "AlreadyExistsException" {
        Error::AlreadyExists(format!("Table already exists: {ident}"))
    } else {
        Error::catalog(e)
    }
}
