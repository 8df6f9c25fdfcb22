//! User-defined functions, per database.

use serde_json::Value;
use sqlx::Row;

use crate::db::Tx;
use crate::doc;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct FunctionRow {
    pub database_name: String,
    pub name: String,
    /// The `UserDefinedFunction` output shape without `CatalogId`.
    pub doc: Value,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<FunctionRow> {
    let name: String = row.try_get(1)?;
    Ok(FunctionRow {
        database_name: row.try_get(0)?,
        doc: doc::parse(&format!("function {name}"), &row.try_get::<String, _>(2)?)?,
        name,
    })
}

pub async fn upsert(tx: &mut Tx, database_id: i64, name: &str, doc: &Value) -> Result<()> {
    let q = tx.sql(
        "INSERT INTO functions (database_id, name, doc) VALUES ($1, $2, $3) \
         ON CONFLICT (database_id, name) DO UPDATE SET doc = excluded.doc",
    );
    sqlx::query(&q)
        .bind(database_id)
        .bind(name)
        .bind(doc::to_text(doc))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, database_id: i64, name: &str) -> Result<Option<FunctionRow>> {
    let q = tx.sql(
        "SELECT d.name, f.name, f.doc FROM functions f JOIN databases d ON d.id = f.database_id \
         WHERE f.database_id = $1 AND f.name = $2",
    );
    let row = sqlx::query(&q)
        .bind(database_id)
        .bind(name)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Functions of one database (or of all when `database_id` is `None`), ordered by database and
/// name, after the `(database, function)` pair `after`.
pub async fn list(
    tx: &mut Tx,
    database_id: Option<i64>,
    after: Option<(&str, &str)>,
) -> Result<Vec<FunctionRow>> {
    let (after_db, after_fn) = after.unwrap_or(("", ""));
    let q = tx.sql(
        "SELECT d.name, f.name, f.doc FROM functions f JOIN databases d ON d.id = f.database_id \
         WHERE ($1 < 0 OR f.database_id = $1) AND (d.name > $2 OR (d.name = $2 AND f.name > $3)) \
         ORDER BY d.name, f.name",
    );
    let rows = sqlx::query(&q)
        .bind(database_id.unwrap_or(-1))
        .bind(after_db)
        .bind(after_fn)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn delete(tx: &mut Tx, database_id: i64, name: &str) -> Result<bool> {
    let q = tx.sql("DELETE FROM functions WHERE database_id = $1 AND name = $2");
    let done = sqlx::query(&q)
        .bind(database_id)
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}
