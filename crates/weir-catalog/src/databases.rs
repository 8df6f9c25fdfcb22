//! CreateDatabase, GetDatabase, GetDatabases, UpdateDatabase, DeleteDatabase.

use serde_json::{json, Map, Value};
use weir_metastore::{databases, table_optimizers, tags};
use weir_model::{GlueError, Result};

use crate::names::{self, fold};
use crate::request::{listing, take_page, Req};
use crate::Catalog;

/// Members of `DatabaseInput` kept in the stored `Database` document.
const INPUT_MEMBERS: &[&str] = &[
    "Description",
    "LocationUri",
    "Parameters",
    "CreateTableDefaultPermissions",
    "TargetDatabase",
    "FederatedDatabase",
];

fn database_doc(input: &Map<String, Value>, name: &str, create_time: f64) -> Value {
    let mut doc = Map::new();
    doc.insert("Name".into(), json!(name));
    for member in INPUT_MEMBERS {
        if let Some(v) = input.get(*member).filter(|v| !v.is_null()) {
            doc.insert((*member).into(), v.clone());
        }
    }
    doc.entry("CreateTableDefaultPermissions").or_insert_with(|| {
        json!([{ "Principal": { "DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS" }, "Permissions": ["ALL"] }])
    });
    doc.insert("CreateTime".into(), json!(create_time));
    Value::Object(doc)
}

impl Catalog {
    pub(crate) async fn create_database(&self, req: Req<'_>) -> Result<Value> {
        let input = req.object("DatabaseInput")?;
        let name = fold(req.nested("DatabaseInput")?.str("Name")?);
        let mut tx = self.write().await?;
        if databases::get(&mut tx, &name).await?.is_some() {
            return Err(GlueError::already_exists(format!(
                "Database {name} already exists."
            )));
        }
        databases::insert(
            &mut tx,
            &name,
            &database_doc(input, &name, self.now()),
            self.now(),
        )
        .await?;
        if let Some(t) = req.get("Tags").and_then(Value::as_object) {
            self.put_tags(&mut tx, &self.database_arn(&name), t).await?;
        }
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn get_database(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.read().await?;
        let db = names::database(&mut tx, req.str("Name")?).await?;
        Ok(json!({ "Database": self.with_catalog_id(db.doc) }))
    }

    pub(crate) async fn get_databases(&self, req: Req<'_>) -> Result<Value> {
        let limit = req.page_size(100);
        let after = req.next_token()?;
        let share = req.opt_str("ResourceShareType").unwrap_or("ALL");
        let names_only = !req.array("AttributesToGet").is_empty();
        if names_only && !req.strings("AttributesToGet").iter().any(|a| a == "NAME") {
            return Err(GlueError::invalid_input(
                "AttributesToGet must include NAME",
            ));
        }
        let mut tx = self.read().await?;
        let rows = if share == "FOREIGN" {
            Vec::new() // Weir serves one account: nothing is shared into it.
        } else {
            databases::list(
                &mut tx,
                after.as_ref().and_then(Value::as_str),
                limit as i64 + 1,
            )
            .await?
        };
        // Resume after the last database scanned, even when the share filter drops it: a page
        // may hold no federated database while later pages do.
        let (rows, next) = take_page(rows, limit, |r| json!(r.name));
        let list: Vec<Value> = rows
            .into_iter()
            .filter(|r| share != "FEDERATED" || r.doc.get("FederatedDatabase").is_some())
            .map(|r| {
                if names_only {
                    database_attributes(&r.doc, &req.strings("AttributesToGet"))
                } else {
                    r.doc
                }
            })
            .map(|d| self.with_catalog_id(d))
            .collect();
        Ok(listing("DatabaseList", list, next))
    }

    pub(crate) async fn update_database(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let input = req.object("DatabaseInput")?;
        let new_name = fold(req.nested("DatabaseInput")?.str("Name")?);
        let mut tx = self.write().await?;
        let db = names::database(&mut tx, name).await?;
        if new_name != db.name {
            return Err(GlueError::invalid_input(format!(
                "DatabaseInput.Name '{new_name}' differs from Name '{name}': renaming a database is not supported"
            )));
        }
        let create_time = db
            .doc
            .get("CreateTime")
            .and_then(Value::as_f64)
            .unwrap_or_else(|| self.now());
        databases::update(
            &mut tx,
            db.id,
            &db.name,
            &database_doc(input, &db.name, create_time),
        )
        .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    /// Deletes a database with its tables, partitions, versions, indexes, statistics and functions.
    pub(crate) async fn delete_database(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let db = names::database(&mut tx, req.str("Name")?).await?;
        databases::delete(&mut tx, db.id).await?;
        table_optimizers::delete_of_database(&mut tx, &db.name).await?;
        for arn in [
            self.database_arn(&db.name),
            self.tables_arn_prefix(&db.name),
            self.functions_arn_prefix(&db.name),
        ] {
            tags::remove_resource(&mut tx, &arn).await?;
        }
        tx.commit().await?;
        Ok(json!({}))
    }
}

fn database_attributes(doc: &Value, attributes: &[String]) -> Value {
    let mut out = Map::new();
    out.insert(
        "Name".into(),
        doc.get("Name").cloned().unwrap_or(Value::Null),
    );
    if attributes.iter().any(|a| a == "TARGET_DATABASE") {
        if let Some(t) = doc.get("TargetDatabase") {
            out.insert("TargetDatabase".into(), t.clone());
        }
    }
    Value::Object(out)
}
