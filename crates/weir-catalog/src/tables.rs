//! Tables and table versions: CreateTable, GetTable, GetTables, UpdateTable, DeleteTable,
//! BatchDeleteTable, GetTableVersion(s), DeleteTableVersion, BatchDeleteTableVersion.

use std::collections::HashSet;

use regex::Regex;
use serde_json::{json, Map, Value};
use weir_metastore::tables::{self, TableRow};
use weir_metastore::{table_optimizers, tags, Tx};
use weir_model::service::ServiceModel;
use weir_model::{GlueError, Result};

use crate::names::{self, fold};
use crate::request::{listing, take_page, Req};
use crate::{error_detail, views, Catalog};

/// Builds the stored `Table` document from a `TableInput`.
fn table_doc(
    input: Req<'_>,
    database: &str,
    create_time: f64,
    update_time: f64,
    view: Option<Value>,
) -> Result<Value> {
    let name = fold(input.str("Name")?);
    check_columns(input)?;
    let mut doc = Map::new();
    doc.insert("Name".into(), json!(name));
    doc.insert("DatabaseName".into(), json!(database));
    // Every member of `TableInput` but the name (folded above) and the view definition (converted
    // by the caller) is stored as it is.
    for member in ServiceModel::glue().member_names("TableInput") {
        if member == "Name" || member == "ViewDefinition" {
            continue;
        }
        if let Some(v) = input.get(member) {
            doc.insert(member.into(), v.clone());
        }
    }
    doc.insert("CreateTime".into(), json!(create_time));
    doc.insert("UpdateTime".into(), json!(update_time));
    doc.insert("IsRegisteredWithLakeFormation".into(), json!(false));
    if let Some(view) = view {
        doc.insert("ViewDefinition".into(), view);
        doc.insert("IsMultiDialectView".into(), json!(true));
        doc.entry("TableType").or_insert(json!("VIRTUAL_VIEW"));
    }
    Ok(Value::Object(doc))
}

/// Column and partition-key names must be unique within a table (case-insensitively).
fn check_columns(input: Req<'_>) -> Result<()> {
    let columns = input
        .get("StorageDescriptor")
        .map(|sd| Req(sd).array("Columns"))
        .unwrap_or(&[]);
    let mut seen = HashSet::new();
    for (kind, col) in columns.iter().map(|c| ("column", c)).chain(
        input
            .array("PartitionKeys")
            .iter()
            .map(|c| ("partition key", c)),
    ) {
        let name = col
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        if !seen.insert(name.clone()) {
            return Err(GlueError::invalid_input(format!(
                "TableInput has a duplicate {kind} name '{name}': column and partition key names must be unique"
            )));
        }
    }
    Ok(())
}

impl Catalog {
    /// The `Table` output shape of a stored table.
    pub(crate) fn table_out(&self, doc: Value, version_id: i64) -> Value {
        let mut doc = self.with_catalog_id(doc);
        doc["VersionId"] = json!(version_id.to_string());
        doc
    }

    pub(crate) async fn create_table(&self, req: Req<'_>) -> Result<Value> {
        let input = req.nested("TableInput")?;
        let name = fold(input.str("Name")?);
        let indexes = req.array("PartitionIndexes");
        let mut tx = self.write().await?;
        let db = names::database(&mut tx, req.str("DatabaseName")?).await?;
        if tables::get(&mut tx, db.id, &name).await?.is_some() {
            return Err(GlueError::already_exists(format!(
                "Table {name} already exists."
            )));
        }
        let view = input.get("ViewDefinition").map(views::definition);
        let now = self.now();
        let mut doc = table_doc(input, &db.name, now, now, view)?;
        if let Some(caller) = &self.caller {
            doc["CreatedBy"] = json!(caller.as_ref());
        }
        let table_id = tables::insert(&mut tx, db.id, &name, &doc, now).await?;
        let mut builds = Vec::new();
        for index in indexes {
            builds.push(
                self.add_partition_index(&mut tx, table_id, &doc, Req(index))
                    .await?,
            );
        }
        tx.commit().await?;
        for build in builds {
            self.start_index_build(build);
        }
        Ok(json!({}))
    }

    pub(crate) async fn get_table(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.read().await?;
        let (_, table) = names::table(&mut tx, req.str("DatabaseName")?, req.str("Name")?).await?;
        Ok(json!({ "Table": self.table_out(table.doc, table.version_id) }))
    }

    pub(crate) async fn get_tables(&self, req: Req<'_>) -> Result<Value> {
        let limit = req.page_size(100);
        let pattern = req.opt_str("Expression").map(name_pattern).transpose()?;
        let attributes = req.strings("AttributesToGet");
        let mut after: Option<String> = req
            .next_token()?
            .and_then(|t| t.as_str().map(str::to_string));
        let mut tx = self.read().await?;
        let db = names::database(&mut tx, req.str("DatabaseName")?).await?;
        let mut found: Vec<TableRow> = Vec::new();
        loop {
            let page = tables::list(&mut tx, db.id, after.as_deref(), 500).await?;
            let exhausted = page.len() < 500;
            after = page.last().map(|t| t.name.clone());
            found.extend(
                page.into_iter()
                    .filter(|t| pattern.as_ref().is_none_or(|p| p.is_match(&t.name))),
            );
            if found.len() > limit || exhausted {
                break;
            }
        }
        let (found, next) = take_page(found, limit, |t| json!(t.name));
        let list: Vec<Value> = found
            .into_iter()
            .map(|t| {
                let table = self.table_out(t.doc, t.version_id);
                if attributes.is_empty() {
                    table
                } else {
                    select_attributes(table, &attributes)
                }
            })
            .collect();
        Ok(listing("TableList", list, next))
    }

    pub(crate) async fn update_table(&self, req: Req<'_>) -> Result<Value> {
        let input = req.nested("TableInput")?;
        let expected = req.opt_str("VersionId").map(parse_version).transpose()?;
        let mut tx = self.write().await?;
        let (db, table) =
            names::table(&mut tx, req.str("DatabaseName")?, input.str("Name")?).await?;
        // A stale VersionId is refused before anything is written, so a losing writer never takes
        // the metastore's write lock; the conditional update below still catches a concurrent
        // writer that commits in between (PostgreSQL runs writers concurrently).
        if let Some(v) = expected.filter(|v| *v != table.version_id) {
            return Err(stale_version(&table.name, v, table.version_id));
        }
        let view = match (input.get("ViewDefinition"), req.opt_str("ViewUpdateAction")) {
            (Some(update), Some(action)) => {
                let current = table
                    .doc
                    .get("ViewDefinition")
                    .cloned()
                    .unwrap_or(json!({}));
                Some(views::merge(&current, update, action)?)
            }
            (Some(update), None) => Some(views::definition(update)),
            (None, _) => None,
        };
        let create_time = table
            .doc
            .get("CreateTime")
            .and_then(Value::as_f64)
            .unwrap_or_default();
        let now = self.now();
        let mut doc = table_doc(input, &db.name, create_time, now, view)?;
        if let Some(created_by) = table.doc.get("CreatedBy") {
            doc["CreatedBy"] = created_by.clone();
        }
        let archive = !req.bool("SkipArchive");
        if tables::update(&mut tx, table.id, expected, &doc, now, archive)
            .await?
            .is_none()
        {
            let current = current_version(&mut tx, table.id).await?;
            return Err(stale_version(
                &table.name,
                expected.unwrap_or_default(),
                current,
            ));
        }
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn delete_table(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let (db, table) = names::table(&mut tx, req.str("DatabaseName")?, req.str("Name")?).await?;
        self.drop_table(&mut tx, &db.name, &table).await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    async fn drop_table(&self, tx: &mut Tx, database: &str, table: &TableRow) -> Result<()> {
        tables::delete(tx, table.id).await?;
        table_optimizers::delete_of_table(tx, database, &table.name).await?;
        tags::remove_resource(tx, &self.table_arn(database, &table.name)).await?;
        Ok(())
    }

    pub(crate) async fn batch_delete_table(&self, req: Req<'_>) -> Result<Value> {
        let database = req.str("DatabaseName")?;
        let mut tx = self.write().await?;
        let db = names::database(&mut tx, database).await?;
        let mut errors = Vec::new();
        for name in req.strings("TablesToDelete") {
            match tables::get(&mut tx, db.id, &fold(&name)).await? {
                Some(table) => self.drop_table(&mut tx, &db.name, &table).await?,
                None => errors.push(json!({
                    "TableName": name,
                    "ErrorDetail": error_detail(&GlueError::not_found(format!("Table {name} not found."))),
                })),
            }
        }
        tx.commit().await?;
        Ok(json!({ "Errors": errors }))
    }

    pub(crate) async fn get_table_version(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.read().await?;
        let (_, table) =
            names::table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let version = match req.opt_str("VersionId") {
            Some(v) => parse_version(v)?,
            None => table.version_id,
        };
        let row = tables::get_version(&mut tx, table.id, version)
            .await?
            .ok_or_else(|| {
                GlueError::not_found(format!(
                    "Version {version} of table {} not found.",
                    table.name
                ))
            })?;
        Ok(json!({ "TableVersion": self.table_version_out(row) }))
    }

    fn table_version_out(&self, row: tables::VersionRow) -> Value {
        json!({ "Table": self.table_out(row.doc, row.version_id), "VersionId": row.version_id.to_string() })
    }

    pub(crate) async fn get_table_versions(&self, req: Req<'_>) -> Result<Value> {
        let limit = req.page_size(100);
        let before = req.next_token()?.and_then(|t| t.as_i64());
        let mut tx = self.read().await?;
        let (_, table) =
            names::table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let rows = tables::list_versions(&mut tx, table.id, before, limit as i64 + 1).await?;
        let (rows, next) = take_page(rows, limit, |r| json!(r.version_id));
        let versions: Vec<Value> = rows
            .into_iter()
            .map(|r| self.table_version_out(r))
            .collect();
        Ok(listing("TableVersions", versions, next))
    }

    pub(crate) async fn delete_table_version(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let (_, table) =
            names::table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        delete_version(&mut tx, &table, req.str("VersionId")?).await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn batch_delete_table_version(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let (_, table) =
            names::table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let mut errors = Vec::new();
        for version in req.strings("VersionIds") {
            if let Err(e) = delete_version(&mut tx, &table, &version).await {
                errors.push(json!({ "TableName": table.name, "VersionId": version, "ErrorDetail": error_detail(&e) }));
            }
        }
        tx.commit().await?;
        Ok(json!({ "Errors": errors }))
    }
}

async fn delete_version(tx: &mut Tx, table: &TableRow, version: &str) -> Result<()> {
    let v = parse_version(version)?;
    if v == table.version_id {
        return Err(GlueError::invalid_input(format!(
            "Version {v} is the current version of table {}: only archived versions can be deleted",
            table.name
        )));
    }
    if !tables::delete_version(tx, table.id, v).await? {
        return Err(GlueError::not_found(format!(
            "Version {v} of table {} not found.",
            table.name
        )));
    }
    Ok(())
}

/// The ConcurrentModificationException of an update made against an old version.
fn stale_version(table: &str, expected: i64, current: i64) -> GlueError {
    GlueError::concurrent_modification(format!(
        "Table {table} was modified concurrently: VersionId {expected} is not the current version {current}"
    ))
}

async fn current_version(tx: &mut Tx, table_id: i64) -> Result<i64> {
    let versions = tables::list_versions(tx, table_id, None, 1).await?;
    Ok(versions.first().map(|v| v.version_id).unwrap_or_default())
}

fn parse_version(v: &str) -> Result<i64> {
    v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
        GlueError::invalid_input(format!("VersionId '{v}' is not a valid table version id"))
    })
}

/// The table-name filter of `GetTables`: Hive-style patterns where `*` matches any run of
/// characters and `|` separates alternatives, otherwise a regular expression; matched whole and
/// case-insensitively.
fn name_pattern(expression: &str) -> Result<Regex> {
    let mut re = String::new();
    let mut prev = None;
    for c in expression.chars() {
        if c == '*' && prev != Some('.') && prev != Some('\\') {
            re.push_str(".*");
        } else {
            re.push(c);
        }
        prev = Some(c);
    }
    Regex::new(&format!("(?i)^(?:{re})$")).map_err(|e| {
        GlueError::invalid_input(format!(
            "Expression '{expression}' is not a valid pattern: {e}"
        ))
    })
}

/// `AttributesToGet` of GetTables: NAME, TABLE_TYPE, … — always keeps the table's name.
fn select_attributes(table: Value, attributes: &[String]) -> Value {
    let mut out = Map::new();
    for (attr, member) in [("NAME", "Name"), ("TABLE_TYPE", "TableType")] {
        if attr == "NAME" || attributes.iter().any(|a| a == attr) {
            if let Some(v) = table.get(member) {
                out.insert(member.into(), v.clone());
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::name_pattern;

    #[test]
    fn get_tables_expression_is_hive_style() {
        let p = name_pattern("sales*").unwrap();
        assert!(p.is_match("sales_2024") && p.is_match("SALES") && !p.is_match("old_sales"));
        let p = name_pattern("a.*|b_table").unwrap();
        assert!(p.is_match("abc") && p.is_match("b_table") && !p.is_match("c"));
        assert!(name_pattern("(").is_err());
    }
}
