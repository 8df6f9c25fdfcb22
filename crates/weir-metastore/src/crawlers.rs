//! Crawlers: the `Crawler` document by name.

use crate::db::Tx;
use crate::error::Result;
use crate::named_docs::NamedDocs;

/// The crawlers. Delete them with [`delete`], which deletes their crawls too.
pub const CRAWLERS: NamedDocs = NamedDocs::new("crawlers", "crawler");

/// Deletes a crawler and its crawls; returns whether it existed.
pub async fn delete(tx: &mut Tx, name: &str) -> Result<bool> {
    crate::crawls::delete_crawler(tx, name).await?;
    CRAWLERS.delete(tx, name).await
}
