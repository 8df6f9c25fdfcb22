//! Iceberg namespaces are Glue databases: one level, named as the database; a namespace's
//! properties are the database's parameters, with `location` its `LocationUri` and `comment` its
//! `Description`.

use std::collections::{BTreeMap, HashMap};

use iceberg::NamespaceIdent;
use serde_json::{json, Map, Value};
use weir_engine::catalog::{all_pages, CatalogClient};

use crate::error::{Error, Result};

/// The property that is the database's `LocationUri`.
pub const LOCATION: &str = "location";
/// The property that is the database's `Description`.
pub const COMMENT: &str = "comment";

/// A namespace and its properties.
pub struct Namespace {
    pub name: String,
    pub properties: BTreeMap<String, String>,
}

/// The database a namespace is.
pub fn database_name(namespace: &NamespaceIdent) -> Result<&str> {
    match namespace.as_ref().as_slice() {
        [name] if !name.is_empty() => Ok(name),
        _ => Err(Error::bad_request(format!(
            "Namespace {} is not a single name: namespaces are Glue databases, one level deep",
            namespace.join(".")
        ))),
    }
}

/// The namespace, or `NoSuchNamespace`.
pub async fn load(catalog: &dyn CatalogClient, namespace: &NamespaceIdent) -> Result<Namespace> {
    let name = database_name(namespace)?;
    match catalog.call("GetDatabase", json!({ "Name": name })).await {
        Ok(response) => Ok(of_database(&response["Database"])),
        Err(e) if e.code == "EntityNotFoundException" => Err(Error::NoSuchNamespace(format!(
            "Namespace does not exist: {name}"
        ))),
        Err(e) => Err(Error::catalog(e)),
    }
}

/// Every namespace.
pub async fn list(catalog: &dyn CatalogClient) -> Result<Vec<String>> {
    let databases = all_pages(catalog, "GetDatabases", json!({}), "DatabaseList")
        .await
        .map_err(Error::catalog)?;
    Ok(databases
        .iter()
        .filter_map(|d| d["Name"].as_str().map(str::to_string))
        .collect())
}

/// Creates a namespace.
pub async fn create(
    catalog: &dyn CatalogClient,
    namespace: &NamespaceIdent,
    properties: HashMap<String, String>,
) -> Result<Namespace> {
    let name = database_name(namespace)?;
    let properties: BTreeMap<String, String> = properties.into_iter().collect();
    let input = database_input(name, &properties);
    match catalog
        .call("CreateDatabase", json!({ "DatabaseInput": input }))
        .await
    {
        Ok(_) => load(catalog, namespace).await,
        Err(e) if e.code == "AlreadyExistsException" => Err(Error::AlreadyExists(format!(
            "Namespace already exists: {name}"
        ))),
        Err(e) => Err(Error::catalog(e)),
    }
}

/// Drops an empty namespace.
pub async fn drop(catalog: &dyn CatalogClient, namespace: &NamespaceIdent) -> Result<()> {
    let name = database_name(namespace)?;
    load(catalog, namespace).await?;
    let tables = catalog
        .call(
            "GetTables",
            json!({ "DatabaseName": name, "MaxResults": 1 }),
        )
        .await
        .map_err(Error::catalog)?;
    if tables["TableList"]
        .as_array()
        .is_some_and(|t| !t.is_empty())
    {
        return Err(Error::NamespaceNotEmpty(format!(
            "Namespace {name} is not empty: it has tables"
        )));
    }
    catalog
        .call("DeleteDatabase", json!({ "Name": name }))
        .await
        .map_err(Error::catalog)?;
    Ok(())
}

/// What a properties update did.
pub struct PropertiesUpdate {
    pub updated: Vec<String>,
    pub removed: Vec<String>,
    pub missing: Vec<String>,
}

/// Sets and removes properties of a namespace (a key may not be in both).
pub async fn update_properties(
    catalog: &dyn CatalogClient,
    namespace: &NamespaceIdent,
    removals: Vec<String>,
    updates: HashMap<String, String>,
) -> Result<PropertiesUpdate> {
    if let Some(both) = removals.iter().find(|k| updates.contains_key(*k)) {
        return Err(Error::bad_request(format!(
            "Property {both} is both updated and removed"
        )));
    }
    let name = database_name(namespace)?;
    let mut ns = load(catalog, namespace).await?;
    let (mut removed, mut missing) = (Vec::new(), Vec::new());
    for key in removals {
        match ns.properties.remove(&key) {
            Some(_) => removed.push(key),
            None => missing.push(key),
        }
    }
    let mut updated: Vec<String> = updates.keys().cloned().collect();
    updated.sort();
    ns.properties.extend(updates);
    let input = database_input(name, &ns.properties);
    catalog
        .call(
            "UpdateDatabase",
            json!({ "Name": name, "DatabaseInput": input }),
        )
        .await
        .map_err(Error::catalog)?;
    Ok(PropertiesUpdate {
        updated,
        removed,
        missing,
    })
}

fn of_database(database: &Value) -> Namespace {
    let mut properties: BTreeMap<String, String> = database["Parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect();
    if let Some(location) = database["LocationUri"].as_str().filter(|l| !l.is_empty()) {
        properties.insert(LOCATION.into(), location.into());
    }
    if let Some(comment) = database["Description"].as_str().filter(|d| !d.is_empty()) {
        properties.insert(COMMENT.into(), comment.into());
    }
    Namespace {
        name: database["Name"].as_str().unwrap_or_default().to_string(),
        properties,
    }
}

fn database_input(name: &str, properties: &BTreeMap<String, String>) -> Value {
    let mut input = json!({ "Name": name });
    let mut parameters = Map::new();
    for (k, v) in properties {
        match k.as_str() {
            LOCATION => input["LocationUri"] = json!(v),
            COMMENT => input["Description"] = json!(v),
            _ => {
                parameters.insert(k.clone(), json!(v));
            }
        }
    }
    input["Parameters"] = Value::Object(parameters);
    input
}

/// The namespace's Glue tables that `keep` holds, as identifiers.
pub async fn tables_where(
    catalog: &dyn CatalogClient,
    namespace: &NamespaceIdent,
    keep: fn(&Value) -> bool,
) -> Result<Vec<iceberg::TableIdent>> {
    let database = database_name(namespace)?;
    load(catalog, namespace).await?;
    let tables = weir_engine::catalog::all_pages(
        catalog,
        "GetTables",
        serde_json::json!({ "DatabaseName": database }),
        "TableList",
    )
    .await
    .map_err(Error::catalog)?;
    Ok(tables
        .iter()
        .filter(|t| keep(t))
        .filter_map(|t| t["Name"].as_str())
        .map(|name| iceberg::TableIdent::new(namespace.clone(), name.to_string()))
        .collect())
}

/// Deletes the Glue table of a table or view.
pub async fn delete_table(catalog: &dyn CatalogClient, ident: &iceberg::TableIdent) -> Result<()> {
    let database = database_name(ident.namespace())?;
    catalog
        .call(
            "DeleteTable",
            serde_json::json!({ "DatabaseName": database, "Name": ident.name() }),
        )
        .await
        .map_err(Error::catalog)?;
    Ok(())
}
