//! Tables and their archived versions.
//!
//! `tables.version_id` is the current version; `table_versions` keeps every archived version
//! *including* the current one, so `GetTableVersions` reads one table. Updates are optimistic:
//! [`update`] with an expected version changes the row only if it still has that version.

use serde_json::Value;
use sqlx::Row;

use crate::db::Tx;
use crate::doc;
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct TableRow {
    pub id: i64,
    pub database_id: i64,
    pub name: String,
    pub version_id: i64,
    /// The `Table` output shape without `VersionId` and `CatalogId` (injected on read).
    pub doc: Value,
}

/// A table together with the name of its database (for cross-database listings).
#[derive(Debug, Clone)]
pub struct TableInDatabase {
    pub database_name: String,
    pub table: TableRow,
}

const COLUMNS: &str = "t.id, t.database_id, t.name, t.version_id, t.doc";

fn from_row(row: &sqlx::any::AnyRow) -> Result<TableRow> {
    let name: String = row.try_get(2)?;
    let doc = doc::parse(&format!("table {name}"), &row.try_get::<String, _>(4)?)?;
    Ok(TableRow {
        id: row.try_get(0)?,
        database_id: row.try_get(1)?,
        version_id: row.try_get(3)?,
        name,
        doc,
    })
}

/// Inserts a new table at version 0 and archives that version.
pub async fn insert(
    tx: &mut Tx,
    database_id: i64,
    name: &str,
    doc: &Value,
    now: f64,
) -> Result<i64> {
    let q = tx.sql(
        "INSERT INTO tables (database_id, name, version_id, doc, create_time, update_time) \
         VALUES ($1, $2, 0, $3, $4, $4) RETURNING id",
    );
    let text = doc::to_text(doc);
    let row = sqlx::query(&q)
        .bind(database_id)
        .bind(name)
        .bind(&text)
        .bind(now)
        .fetch_one(tx.conn())
        .await?;
    let id: i64 = row.try_get(0)?;
    insert_version(tx, id, 0, &text, now).await?;
    Ok(id)
}

pub async fn get(tx: &mut Tx, database_id: i64, name: &str) -> Result<Option<TableRow>> {
    let q = tx
        .sql(&format!(
            "SELECT {COLUMNS} FROM tables t WHERE t.database_id = $1 AND t.name = $2"
        ))
        .into_owned();
    let row = sqlx::query(&q)
        .bind(database_id)
        .bind(name)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get_by_id(tx: &mut Tx, id: i64) -> Result<Option<TableRow>> {
    let q = tx
        .sql(&format!("SELECT {COLUMNS} FROM tables t WHERE t.id = $1"))
        .into_owned();
    let row = sqlx::query(&q).bind(id).fetch_optional(tx.conn()).await?;
    row.as_ref().map(from_row).transpose()
}

/// Tables of a database ordered by name, after `after` (exclusive), at most `limit`.
pub async fn list(
    tx: &mut Tx,
    database_id: i64,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<TableRow>> {
    let q = tx
        .sql(&format!("SELECT {COLUMNS} FROM tables t WHERE t.database_id = $1 AND t.name > $2 ORDER BY t.name LIMIT $3"))
        .into_owned();
    let rows = sqlx::query(&q)
        .bind(database_id)
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Every table of the catalog with its database name, ordered by database and table name.
pub async fn list_all(tx: &mut Tx) -> Result<Vec<TableInDatabase>> {
    let q = format!(
        "SELECT {COLUMNS}, d.name FROM tables t JOIN databases d ON d.id = t.database_id ORDER BY d.name, t.name"
    );
    let rows = sqlx::query(&q).fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|r| {
            Ok(TableInDatabase {
                database_name: r.try_get(5)?,
                table: from_row(r)?,
            })
        })
        .collect()
}

/// Tables changed (created or updated) after `since` (seconds since the epoch), with their
/// databases: (table, its database's name, when it changed), oldest change first.
pub async fn changed_since(tx: &mut Tx, since: f64) -> Result<Vec<(TableInDatabase, f64)>> {
    let q = tx
        .sql(&format!(
            "SELECT {COLUMNS}, d.name, t.update_time FROM tables t JOIN databases d ON d.id = t.database_id \
             WHERE t.update_time > $1 ORDER BY t.update_time"
        ))
        .into_owned();
    let rows = sqlx::query(&q).bind(since).fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|r| {
            Ok((
                TableInDatabase {
                    database_name: r.try_get(5)?,
                    table: from_row(r)?,
                },
                r.try_get(6)?,
            ))
        })
        .collect()
}

/// Replaces the table's document and moves it to the next version.
///
/// With `expected_version`, the update applies only if the table is still at that version;
/// returns `None` when it is not (a concurrent writer won). With `archive` false, the previous
/// version is not kept in the version history (`SkipArchive`).
pub async fn update(
    tx: &mut Tx,
    id: i64,
    expected_version: Option<i64>,
    doc: &Value,
    now: f64,
    archive: bool,
) -> Result<Option<i64>> {
    let text = doc::to_text(doc);
    let row = match expected_version {
        Some(v) => {
            let q = tx.sql(
                "UPDATE tables SET version_id = version_id + 1, doc = $1, update_time = $2 \
                 WHERE id = $3 AND version_id = $4 RETURNING version_id",
            );
            sqlx::query(&q)
                .bind(&text)
                .bind(now)
                .bind(id)
                .bind(v)
                .fetch_optional(tx.conn())
                .await?
        }
        None => {
            let q = tx.sql(
                "UPDATE tables SET version_id = version_id + 1, doc = $1, update_time = $2 \
                 WHERE id = $3 RETURNING version_id",
            );
            sqlx::query(&q)
                .bind(&text)
                .bind(now)
                .bind(id)
                .fetch_optional(tx.conn())
                .await?
        }
    };
    let Some(row) = row else { return Ok(None) };
    let new_version: i64 = row.try_get(0)?;
    if !archive {
        let q = tx.sql("DELETE FROM table_versions WHERE table_id = $1 AND version_id = $2");
        sqlx::query(&q)
            .bind(id)
            .bind(new_version - 1)
            .execute(tx.conn())
            .await?;
    }
    insert_version(tx, id, new_version, &text, now).await?;
    Ok(Some(new_version))
}

/// Deletes the table; its versions, partitions, indexes and statistics cascade.
pub async fn delete(tx: &mut Tx, id: i64) -> Result<()> {
    let q = tx.sql("DELETE FROM tables WHERE id = $1");
    sqlx::query(&q).bind(id).execute(tx.conn()).await?;
    Ok(())
}

async fn insert_version(
    tx: &mut Tx,
    table_id: i64,
    version: i64,
    doc_text: &str,
    now: f64,
) -> Result<()> {
    let q = tx.sql("INSERT INTO table_versions (table_id, version_id, doc, update_time) VALUES ($1, $2, $3, $4)");
    sqlx::query(&q)
        .bind(table_id)
        .bind(version)
        .bind(doc_text)
        .bind(now)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// An archived version of a table.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version_id: i64,
    pub doc: Value,
}

pub async fn get_version(tx: &mut Tx, table_id: i64, version: i64) -> Result<Option<VersionRow>> {
    let q = tx
        .sql("SELECT version_id, doc FROM table_versions WHERE table_id = $1 AND version_id = $2");
    let row = sqlx::query(&q)
        .bind(table_id)
        .bind(version)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(version_from_row).transpose()
}

/// Versions newest first, older than `before` (exclusive) when given, at most `limit`.
pub async fn list_versions(
    tx: &mut Tx,
    table_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<VersionRow>> {
    let q = tx.sql(
        "SELECT version_id, doc FROM table_versions WHERE table_id = $1 AND version_id < $2 \
         ORDER BY version_id DESC LIMIT $3",
    );
    let rows = sqlx::query(&q)
        .bind(table_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(version_from_row).collect()
}

/// Deletes one archived version; returns whether it existed.
pub async fn delete_version(tx: &mut Tx, table_id: i64, version: i64) -> Result<bool> {
    let q = tx.sql("DELETE FROM table_versions WHERE table_id = $1 AND version_id = $2");
    let done = sqlx::query(&q)
        .bind(table_id)
        .bind(version)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

fn version_from_row(row: &sqlx::any::AnyRow) -> Result<VersionRow> {
    let version_id: i64 = row.try_get(0)?;
    Ok(VersionRow {
        version_id,
        doc: doc::parse(
            &format!("table version {version_id}"),
            &row.try_get::<String, _>(1)?,
        )?,
    })
}
