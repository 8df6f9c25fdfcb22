//! Databases: one row per database, keyed by its (lower-cased) name.

use serde_json::Value;
use sqlx::Row;

use crate::db::Tx;
use crate::doc;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct DatabaseRow {
    pub id: i64,
    pub name: String,
    /// The `Database` output shape, without server-injected members (`CatalogId`).
    pub doc: Value,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<DatabaseRow> {
    let name: String = row.try_get(1)?;
    Ok(DatabaseRow {
        id: row.try_get(0)?,
        doc: doc::parse(&format!("database {name}"), &row.try_get::<String, _>(2)?)?,
        name,
    })
}

pub async fn insert(tx: &mut Tx, name: &str, doc: &Value, create_time: f64) -> Result<i64> {
    let q =
        tx.sql("INSERT INTO databases (name, doc, create_time) VALUES ($1, $2, $3) RETURNING id");
    let row = sqlx::query(&q)
        .bind(name)
        .bind(doc::to_text(doc))
        .bind(create_time)
        .fetch_one(tx.conn())
        .await?;
    Ok(row.try_get(0)?)
}

pub async fn get(tx: &mut Tx, name: &str) -> Result<Option<DatabaseRow>> {
    let q = tx.sql("SELECT id, name, doc FROM databases WHERE name = $1");
    let row = sqlx::query(&q).bind(name).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// Databases ordered by name, starting after `after` (exclusive), at most `limit`.
pub async fn list(tx: &mut Tx, after: Option<&str>, limit: i64) -> Result<Vec<DatabaseRow>> {
    let q = tx.sql("SELECT id, name, doc FROM databases WHERE name > $1 ORDER BY name LIMIT $2");
    let rows = sqlx::query(&q)
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn update(tx: &mut Tx, id: i64, name: &str, doc: &Value) -> Result<()> {
    let q = tx.sql("UPDATE databases SET name = $1, doc = $2 WHERE id = $3");
    sqlx::query(&q)
        .bind(name)
        .bind(doc::to_text(doc))
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Deletes the database; its tables, partitions, versions, indexes, statistics and functions cascade.
pub async fn delete(tx: &mut Tx, id: i64) -> Result<()> {
    let q = tx.sql("DELETE FROM databases WHERE id = $1");
    sqlx::query(&q).bind(id).execute(tx.conn()).await?;
    Ok(())
}
