//! Tables of documents by name (`name TEXT PRIMARY KEY, doc TEXT`): jobs, crawlers, classifiers.
//! The table name is always one of this crate's constants, never the caller's input.

use serde_json::Value;
use sqlx::Row;

use crate::db::Tx;
use crate::doc;
use crate::error::Result;

/// A document as read for a conditional update ([`NamedDocs::update`]): the stored text is
/// what the update compares (a parsed document does not always print back to the same text:
/// serde_json's float parsing may be a unit in the last place off).
#[derive(Debug, Clone)]
pub struct Read {
    pub doc: Value,
    text: String,
}

/// A table of named documents and what its entities are called in errors.
#[derive(Debug, Clone, Copy)]
pub struct NamedDocs {
    table: &'static str,
    entity: &'static str,
}

impl NamedDocs {
    pub(crate) const fn new(table: &'static str, entity: &'static str) -> Self {
        Self { table, entity }
    }

    /// Inserts a document; [`crate::Error::Conflict`] when the name is taken.
    pub async fn insert(self, tx: &mut Tx, name: &str, document: &Value) -> Result<()> {
        let q = format!("INSERT INTO {} (name, doc) VALUES ($1, $2)", self.table);
        sqlx::query(&tx.sql(&q))
            .bind(name)
            .bind(doc::to_text(document))
            .execute(tx.conn())
            .await?;
        Ok(())
    }

    pub async fn get(self, tx: &mut Tx, name: &str) -> Result<Option<Value>> {
        Ok(self.read(tx, name).await?.map(|r| r.doc))
    }

    /// A document and the text it is stored as, for a conditional [`NamedDocs::update`].
    pub async fn read(self, tx: &mut Tx, name: &str) -> Result<Option<Read>> {
        let q = format!("SELECT doc FROM {} WHERE name = $1", self.table);
        let row = sqlx::query(&tx.sql(&q))
            .bind(name)
            .fetch_optional(tx.conn())
            .await?;
        row.map(|r| {
            let text: String = r.try_get(0)?;
            Ok(Read {
                doc: self.parse(name, &text)?,
                text,
            })
        })
        .transpose()
    }

    /// Up to `limit` documents ordered by name, after `after`.
    pub async fn list(
        self,
        tx: &mut Tx,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Value)>> {
        let q = format!(
            "SELECT name, doc FROM {} WHERE name > $1 ORDER BY name LIMIT $2",
            self.table
        );
        let rows = sqlx::query(&tx.sql(&q))
            .bind(after.unwrap_or(""))
            .bind(limit as i64)
            .fetch_all(tx.conn())
            .await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get(0)?;
                let document = self.parse(&name, &r.try_get::<String, _>(1)?)?;
                Ok((name, document))
            })
            .collect()
    }

    /// Replaces a document; with `expected`, only while the stored one is still the one read
    /// (an optimistic check: a concurrent writer that replaced it first makes this one fail).
    /// Returns whether a row was replaced.
    pub async fn update(
        self,
        tx: &mut Tx,
        name: &str,
        document: &Value,
        expected: Option<&Read>,
    ) -> Result<bool> {
        let done = match expected {
            None => {
                let q = format!("UPDATE {} SET doc = $1 WHERE name = $2", self.table);
                sqlx::query(&tx.sql(&q))
                    .bind(doc::to_text(document))
                    .bind(name)
                    .execute(tx.conn())
                    .await?
            }
            Some(old) => {
                let q = format!(
                    "UPDATE {} SET doc = $1 WHERE name = $2 AND doc = $3",
                    self.table
                );
                sqlx::query(&tx.sql(&q))
                    .bind(doc::to_text(document))
                    .bind(name)
                    .bind(&old.text)
                    .execute(tx.conn())
                    .await?
            }
        };
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a document; returns whether it existed.
    pub async fn delete(self, tx: &mut Tx, name: &str) -> Result<bool> {
        let q = format!("DELETE FROM {} WHERE name = $1", self.table);
        let done = sqlx::query(&tx.sql(&q))
            .bind(name)
            .execute(tx.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    fn parse(self, name: &str, text: &str) -> Result<Value> {
        doc::parse(&format!("{} {name}", self.entity), text)
    }
}
