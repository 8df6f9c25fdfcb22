//! Resource tags, keyed by resource ARN.

use std::collections::BTreeMap;

use sqlx::Row;

use crate::db::Tx;
use crate::error::Result;

pub async fn get(tx: &mut Tx, arn: &str) -> Result<BTreeMap<String, String>> {
    let q = tx.sql("SELECT tag_key, tag_value FROM tags WHERE arn = $1 ORDER BY tag_key");
    let rows = sqlx::query(&q).bind(arn).fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

pub async fn put(tx: &mut Tx, arn: &str, key: &str, value: &str) -> Result<()> {
    let q = tx.sql(
        "INSERT INTO tags (arn, tag_key, tag_value) VALUES ($1, $2, $3) \
         ON CONFLICT (arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
    );
    sqlx::query(&q)
        .bind(arn)
        .bind(key)
        .bind(value)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn remove(tx: &mut Tx, arn: &str, key: &str) -> Result<()> {
    let q = tx.sql("DELETE FROM tags WHERE arn = $1 AND tag_key = $2");
    sqlx::query(&q)
        .bind(arn)
        .bind(key)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Drops the tags of exactly this resource (a crawler: another one's name may extend it).
pub async fn remove_all(tx: &mut Tx, arn: &str) -> Result<()> {
    let q = tx.sql("DELETE FROM tags WHERE arn = $1");
    sqlx::query(&q).bind(arn).execute(tx.conn()).await?;
    Ok(())
}

/// Drops the tags of a resource and of every resource whose ARN extends `arn_prefix + "/"`
/// (a database's tables and functions).
pub async fn remove_resource(tx: &mut Tx, arn: &str) -> Result<()> {
    let q = tx.sql("DELETE FROM tags WHERE arn = $1 OR substr(arn, 1, CAST($2 AS INTEGER)) = $3");
    let prefix = format!("{arn}/");
    sqlx::query(&q)
        .bind(arn)
        .bind(prefix.chars().count() as i64)
        .bind(&prefix)
        .execute(tx.conn())
        .await?;
    Ok(())
}
