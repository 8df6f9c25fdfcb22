//! Crawls: one row per run of a crawler, its `CrawlerHistory` document with the columns
//! ListCrawls pages and filters by. Listed newest first.

use serde_json::Value;
use sqlx::Row;

use crate::db::Tx;
use crate::doc;
use crate::error::Result;

/// One crawl.
#[derive(Debug, Clone, PartialEq)]
pub struct Crawl {
    pub crawler_name: String,
    pub crawl_id: String,
    /// Seconds since the Unix epoch.
    pub start_time: f64,
    /// A `CrawlerHistoryState`: RUNNING, COMPLETED, FAILED, STOPPED.
    pub state: String,
    /// The `CrawlerHistory` document (its `State` and `StartTime` are the columns').
    pub doc: Value,
}

const COLUMNS: &str = "crawler_name, crawl_id, start_time, state, doc";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Crawl> {
    let crawl_id: String = row.try_get(1)?;
    Ok(Crawl {
        crawler_name: row.try_get(0)?,
        doc: doc::parse(&format!("crawl {crawl_id}"), &row.try_get::<String, _>(4)?)?,
        crawl_id,
        start_time: row.try_get(2)?,
        state: row.try_get(3)?,
    })
}

/// Inserts a crawl; [`crate::Error::Conflict`] when its id is taken.
pub async fn insert(tx: &mut Tx, crawl: &Crawl) -> Result<()> {
    let q = tx.sql(
        "INSERT INTO crawls (crawler_name, crawl_id, start_time, state, doc) \
         VALUES ($1, $2, $3, $4, $5)",
    );
    sqlx::query(&q)
        .bind(&crawl.crawler_name)
        .bind(&crawl.crawl_id)
        .bind(crawl.start_time)
        .bind(&crawl.state)
        .bind(doc::to_text(&crawl.doc))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Replaces a crawl's state and document; returns whether it existed.
pub async fn update(tx: &mut Tx, crawl_id: &str, state: &str, document: &Value) -> Result<bool> {
    let q = tx.sql("UPDATE crawls SET state = $1, doc = $2 WHERE crawl_id = $3");
    let done = sqlx::query(&q)
        .bind(state)
        .bind(doc::to_text(document))
        .bind(crawl_id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn get(tx: &mut Tx, crawl_id: &str) -> Result<Option<Crawl>> {
    let q = format!("SELECT {COLUMNS} FROM crawls WHERE crawl_id = $1");
    let row = sqlx::query(&tx.sql(&q))
        .bind(crawl_id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Up to `limit` crawls of a crawler, newest first (by start time, then crawl id, both
/// descending), after the position `before` (the start time and id of the last one seen).
pub async fn list(
    tx: &mut Tx,
    crawler: &str,
    before: Option<(f64, &str)>,
    limit: usize,
) -> Result<Vec<Crawl>> {
    let rows = match before {
        None => {
            let q = format!(
                "SELECT {COLUMNS} FROM crawls WHERE crawler_name = $1 \
                 ORDER BY start_time DESC, crawl_id DESC LIMIT $2"
            );
            sqlx::query(&tx.sql(&q))
                .bind(crawler)
                .bind(limit as i64)
                .fetch_all(tx.conn())
                .await?
        }
        Some((start, id)) => {
            let q = format!(
                "SELECT {COLUMNS} FROM crawls WHERE crawler_name = $1 \
                 AND (start_time < $2 OR (start_time = $2 AND crawl_id < $3)) \
                 ORDER BY start_time DESC, crawl_id DESC LIMIT $4"
            );
            sqlx::query(&tx.sql(&q))
                .bind(crawler)
                .bind(start)
                .bind(id)
                .bind(limit as i64)
                .fetch_all(tx.conn())
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// Deletes every crawl of a crawler.
pub async fn delete_crawler(tx: &mut Tx, crawler: &str) -> Result<()> {
    let q = tx.sql("DELETE FROM crawls WHERE crawler_name = $1");
    sqlx::query(&q).bind(crawler).execute(tx.conn()).await?;
    Ok(())
}
