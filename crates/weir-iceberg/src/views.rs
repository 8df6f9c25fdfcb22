//! Iceberg views, kept in the Glue catalog as views: a Glue table of `TableType`
//! `VIRTUAL_VIEW` with `table_type` `ICEBERG_VIEW` and the `metadata_location` of the view's
//! metadata file (the Iceberg view spec: versions, schemas, SQL representations per dialect),
//! its SQL as `ViewOriginalText` and its schema as columns, so Glue clients see the view too.
//! The REST catalog creates, lists, loads and drops them.

use std::collections::HashMap;

use iceberg::spec::{
    Schema, ViewFormatVersion, ViewMetadata, ViewMetadataBuilder, ViewRepresentation, ViewVersion,
};
use iceberg::{NamespaceIdent, TableIdent};
use serde::Deserialize;
use serde_json::{json, Value};
use weir_engine::catalog::CatalogClient;

use crate::error::{Error, Result};
use crate::glue::{columns, METADATA_LOCATION, TABLE_TYPE};
use crate::namespaces;
use crate::tables::Tables;

/// `table_type` of an Iceberg view.
pub const ICEBERG_VIEW: &str = "ICEBERG_VIEW";

/// Whether a Glue table is an Iceberg view.
pub fn is_view(table: &Value) -> bool {
    table["TableType"].as_str() == Some("VIRTUAL_VIEW")
        && table
            .pointer(&format!("/Parameters/{TABLE_TYPE}"))
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case(ICEBERG_VIEW))
}

/// The REST protocol's `CreateViewRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CreateView {
    pub name: String,
    #[serde(default)]
    pub location: Option<String>,
    pub schema: Schema,
    pub view_version: ViewVersion,
    #[serde(default)]
    pub properties: HashMap<String, String>,
}

/// Creates the view; its `LoadViewResult`.
pub async fn create(
    tables: &Tables,
    catalog: &dyn CatalogClient,
    namespace: &NamespaceIdent,
    request: CreateView,
) -> Result<Value> {
    let database = namespaces::database_name(namespace)?;
    let ns = namespaces::load(catalog, namespace).await?;
    let location = request
        .location
        .clone()
        .unwrap_or_else(|| tables.default_location(&ns, &request.name));
    let metadata = ViewMetadataBuilder::new(
        location.trim_end_matches('/').to_string(),
        request.schema,
        request.view_version,
        ViewFormatVersion::V1,
        request.properties,
    )?
    .build()?
    .metadata;
    let metadata_location = format!(
        "{}/metadata/00000-{}.metadata.json",
        metadata.location(),
        uuid::Uuid::now_v7()
    );
    let bytes = serde_json::to_vec(&metadata)
        .map_err(|e| Error::Internal(format!("view metadata: {e}")))?;
    tables
        .file_io()
        .new_output(&metadata_location)?
        .write(bytes.into())
        .await?;
    let input = table_input(&request.name, &metadata, &metadata_location);
    let ident = TableIdent::new(namespace.clone(), request.name.clone());
    if let Err(e) = catalog
        .call(
            "CreateTable",
            json!({ "DatabaseName": database, "TableInput": input }),
        )
        .await
    {
        let _ = tables.file_io().delete(&metadata_location).await;
        return Err(if e.code == "AlreadyExistsException" {
            Error::AlreadyExists(format!("View already exists: {ident}"))
        } else {
            Error::catalog(e)
        });
    }
    Ok(load_result(&metadata_location, &metadata))
}

/// The view's `LoadViewResult`.
pub async fn load(
    tables: &Tables,
    catalog: &dyn CatalogClient,
    ident: &TableIdent,
) -> Result<Value> {
    let (_, location) = glue_view(catalog, ident).await?;
    let bytes = tables.file_io().new_input(&location)?.read().await?;
    let metadata: ViewMetadata = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Internal(format!("view metadata {location}: {e}")))?;
    Ok(load_result(&location, &metadata))
}

/// The namespace's views.
pub async fn list(
    catalog: &dyn CatalogClient,
    namespace: &NamespaceIdent,
) -> Result<Vec<TableIdent>> {
    namespaces::tables_where(catalog, namespace, is_view).await
}

/// Drops the view (its metadata files stay, as Glue's DeleteTable leaves a table's files).
pub async fn drop(catalog: &dyn CatalogClient, ident: &TableIdent) -> Result<()> {
    glue_view(catalog, ident).await?;
    namespaces::delete_table(catalog, ident).await
}

/// The Glue table of a view, and its metadata location.
async fn glue_view(catalog: &dyn CatalogClient, ident: &TableIdent) -> Result<(Value, String)> {
    let database = namespaces::database_name(ident.namespace())?;
    let missing = || Error::NoSuchView(format!("View does not exist: {ident}"));
    let found = match catalog
        .call(
            "GetTable",
            json!({ "DatabaseName": database, "Name": ident.name() }),
        )
        .await
    {
        Ok(found) => found["Table"].clone(),
        Err(e) if e.code == "EntityNotFoundException" => return Err(missing()),
        Err(e) => return Err(Error::catalog(e)),
    };
    if !is_view(&found) {
        return Err(missing());
    }
    let location = found
        .pointer(&format!("/Parameters/{METADATA_LOCATION}"))
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Internal(format!("view {ident} has no {METADATA_LOCATION}")))?
        .to_string();
    Ok((found, location))
}

fn load_result(location: &str, metadata: &ViewMetadata) -> Value {
    json!({ "metadata-location": location, "metadata": metadata, "config": {} })
}

/// The Glue `TableInput` of a view.
fn table_input(name: &str, metadata: &ViewMetadata, metadata_location: &str) -> Value {
    let version = metadata.current_version();
    let sql = version
        .representations()
        .iter()
        .map(|r| match r {
            ViewRepresentation::Sql(sql) => sql.sql.clone(),
        })
        .next()
        .unwrap_or_default();
    let columns = columns(metadata.current_schema());
    json!({
        "Name": name,
        "TableType": "VIRTUAL_VIEW",
        "ViewOriginalText": sql,
        "ViewExpandedText": sql,
        "Parameters": { TABLE_TYPE: ICEBERG_VIEW, METADATA_LOCATION: metadata_location },
        "StorageDescriptor": { "Columns": columns, "Location": metadata.location() },
    })
}
