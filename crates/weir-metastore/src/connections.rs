//! Connections. Secret connection properties are kept apart from the document, as ciphertext
//! produced by the caller (the metastore never sees them in clear).

use serde_json::Value;
use sqlx::Row;

use crate::db::Tx;
use crate::doc;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct ConnectionRow {
    pub name: String,
    /// The `Connection` output shape without its secret properties.
    pub doc: Value,
    /// Encrypted secret properties, if any.
    pub secrets: Option<String>,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<ConnectionRow> {
    let name: String = row.try_get(0)?;
    Ok(ConnectionRow {
        doc: doc::parse(&format!("connection {name}"), &row.try_get::<String, _>(1)?)?,
        secrets: row.try_get(2)?,
        name,
    })
}

pub async fn insert(tx: &mut Tx, name: &str, doc: &Value, secrets: Option<&str>) -> Result<()> {
    let q = tx.sql("INSERT INTO connections (name, doc, secrets) VALUES ($1, $2, $3)");
    sqlx::query(&q)
        .bind(name)
        .bind(doc::to_text(doc))
        .bind(secrets)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, name: &str) -> Result<Option<ConnectionRow>> {
    let q = tx.sql("SELECT name, doc, secrets FROM connections WHERE name = $1");
    let row = sqlx::query(&q).bind(name).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// All connections ordered by name, after `after`.
pub async fn list(tx: &mut Tx, after: Option<&str>) -> Result<Vec<ConnectionRow>> {
    let q = tx.sql("SELECT name, doc, secrets FROM connections WHERE name > $1 ORDER BY name");
    let rows = sqlx::query(&q)
        .bind(after.unwrap_or(""))
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Replaces a connection (possibly renaming it); returns whether it existed.
pub async fn update(
    tx: &mut Tx,
    name: &str,
    new_name: &str,
    doc: &Value,
    secrets: Option<&str>,
) -> Result<bool> {
    let q = tx.sql("UPDATE connections SET name = $1, doc = $2, secrets = $3 WHERE name = $4");
    let done = sqlx::query(&q)
        .bind(new_name)
        .bind(doc::to_text(doc))
        .bind(secrets)
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn delete(tx: &mut Tx, name: &str) -> Result<bool> {
    let q = tx.sql("DELETE FROM connections WHERE name = $1");
    let done = sqlx::query(&q).bind(name).execute(tx.conn()).await?;
    Ok(done.rows_affected() > 0)
}
