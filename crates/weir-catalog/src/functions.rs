//! User-defined functions: Create, Get, GetUserDefinedFunctions (by pattern), Update, Delete.

use serde_json::{json, Map, Value};
use weir_metastore::{functions, tags};
use weir_model::{GlueError, Result};

use crate::names;
use crate::request::{listing, take_page, Req};
use crate::Catalog;

const INPUT_MEMBERS: &[&str] = &[
    "ClassName",
    "OwnerName",
    "FunctionType",
    "OwnerType",
    "ResourceUris",
];

fn function_doc(input: Req<'_>, database: &str, create_time: f64) -> Result<Value> {
    let mut doc = Map::new();
    doc.insert("FunctionName".into(), json!(input.str("FunctionName")?));
    doc.insert("DatabaseName".into(), json!(database));
    for member in INPUT_MEMBERS {
        if let Some(v) = input.get(member) {
            doc.insert((*member).into(), v.clone());
        }
    }
    doc.insert("CreateTime".into(), json!(create_time));
    Ok(Value::Object(doc))
}

fn not_found(name: &str) -> GlueError {
    GlueError::not_found(format!("Function {name} not found."))
}

/// The function-name pattern of GetUserDefinedFunctions: `*` matches any run of characters,
/// `|` separates alternatives; otherwise a regular expression, matched whole.
fn pattern(p: &str) -> Result<regex::Regex> {
    let re = p
        .split('|')
        .map(regex_alternative)
        .collect::<Vec<_>>()
        .join("|");
    regex::Regex::new(&format!("(?i)^(?:{re})$"))
        .map_err(|e| GlueError::invalid_input(format!("Pattern '{p}' is not a valid pattern: {e}")))
}

fn regex_alternative(alt: &str) -> String {
    let mut out = String::new();
    let mut prev = None;
    for c in alt.chars() {
        if c == '*' && prev != Some('.') && prev != Some('\\') {
            out.push_str(".*");
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

impl Catalog {
    pub(crate) async fn create_function(&self, req: Req<'_>) -> Result<Value> {
        let input = req.nested("FunctionInput")?;
        let name = input.str("FunctionName")?;
        let mut tx = self.write().await?;
        let db = names::database(&mut tx, req.str("DatabaseName")?).await?;
        if functions::get(&mut tx, db.id, name).await?.is_some() {
            return Err(GlueError::already_exists(format!(
                "Function {name} already exists."
            )));
        }
        functions::upsert(
            &mut tx,
            db.id,
            name,
            &function_doc(input, &db.name, self.now())?,
        )
        .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn get_function(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.read().await?;
        let db = names::database(&mut tx, req.str("DatabaseName")?).await?;
        let name = req.str("FunctionName")?;
        let f = functions::get(&mut tx, db.id, name)
            .await?
            .ok_or_else(|| not_found(name))?;
        Ok(json!({ "UserDefinedFunction": self.with_catalog_id(f.doc) }))
    }

    pub(crate) async fn get_functions(&self, req: Req<'_>) -> Result<Value> {
        let limit = req.page_size(100);
        let matcher = pattern(req.str("Pattern")?)?;
        let token = req.next_token()?;
        let after = token
            .as_ref()
            .and_then(|t| Some((t.get(0)?.as_str()?, t.get(1)?.as_str()?)));
        let mut tx = self.read().await?;
        let database_id = match req.opt_str("DatabaseName") {
            Some(name) => Some(names::database(&mut tx, name).await?.id),
            None => None,
        };
        let mut rows = functions::list(&mut tx, database_id, after).await?;
        rows.retain(|f| matcher.is_match(&f.name));
        let (rows, next) = take_page(rows, limit, |f| json!([f.database_name, f.name]));
        let list: Vec<Value> = rows
            .into_iter()
            .map(|f| self.with_catalog_id(f.doc))
            .collect();
        Ok(listing("UserDefinedFunctions", list, next))
    }

    pub(crate) async fn update_function(&self, req: Req<'_>) -> Result<Value> {
        let input = req.nested("FunctionInput")?;
        let name = req.str("FunctionName")?;
        let mut tx = self.write().await?;
        let db = names::database(&mut tx, req.str("DatabaseName")?).await?;
        let current = functions::get(&mut tx, db.id, name)
            .await?
            .ok_or_else(|| not_found(name))?;
        let create_time = current
            .doc
            .get("CreateTime")
            .and_then(Value::as_f64)
            .unwrap_or_default();
        let new_name = input.str("FunctionName")?;
        if new_name != name {
            if functions::get(&mut tx, db.id, new_name).await?.is_some() {
                return Err(GlueError::already_exists(format!(
                    "Function {new_name} already exists."
                )));
            }
            functions::delete(&mut tx, db.id, name).await?;
            tags::remove_resource(&mut tx, &self.function_arn(&db.name, name)).await?;
        }
        functions::upsert(
            &mut tx,
            db.id,
            new_name,
            &function_doc(input, &db.name, create_time)?,
        )
        .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn delete_function(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("FunctionName")?;
        let mut tx = self.write().await?;
        let db = names::database(&mut tx, req.str("DatabaseName")?).await?;
        if !functions::delete(&mut tx, db.id, name).await? {
            return Err(not_found(name));
        }
        tags::remove_resource(&mut tx, &self.function_arn(&db.name, name)).await?;
        tx.commit().await?;
        Ok(json!({}))
    }
}
