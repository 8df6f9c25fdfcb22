//! Column statistics of tables and of partitions (a partition is named by its values key;
//! the table itself by the empty string).

use serde_json::Value;
use sqlx::Row;

use crate::db::Tx;
use crate::doc;
use crate::error::Result;

/// The owner of a set of column statistics: the table, or one of its partitions.
pub fn owner_key(partition_values: Option<&[String]>) -> String {
    partition_values
        .map(crate::partitions::values_key)
        .unwrap_or_default()
}

pub async fn upsert(
    tx: &mut Tx,
    table_id: i64,
    owner: &str,
    column: &str,
    doc: &Value,
) -> Result<()> {
    let q = tx.sql(
        "INSERT INTO column_statistics (table_id, partition_key, column_name, doc) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (table_id, partition_key, column_name) DO UPDATE SET doc = excluded.doc",
    );
    sqlx::query(&q)
        .bind(table_id)
        .bind(owner)
        .bind(column)
        .bind(doc::to_text(doc))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, table_id: i64, owner: &str, column: &str) -> Result<Option<Value>> {
    let q = tx.sql("SELECT doc FROM column_statistics WHERE table_id = $1 AND partition_key = $2 AND column_name = $3");
    let row = sqlx::query(&q)
        .bind(table_id)
        .bind(owner)
        .bind(column)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| {
        doc::parse(
            &format!("column statistics {column}"),
            &r.try_get::<String, _>(0)?,
        )
    })
    .transpose()
}

pub async fn delete(tx: &mut Tx, table_id: i64, owner: &str, column: &str) -> Result<bool> {
    let q = tx.sql("DELETE FROM column_statistics WHERE table_id = $1 AND partition_key = $2 AND column_name = $3");
    let done = sqlx::query(&q)
        .bind(table_id)
        .bind(owner)
        .bind(column)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Drops every statistic of one owner (a deleted partition).
pub async fn delete_owner(tx: &mut Tx, table_id: i64, owner: &str) -> Result<()> {
    let q = tx.sql("DELETE FROM column_statistics WHERE table_id = $1 AND partition_key = $2");
    sqlx::query(&q)
        .bind(table_id)
        .bind(owner)
        .execute(tx.conn())
        .await?;
    Ok(())
}
