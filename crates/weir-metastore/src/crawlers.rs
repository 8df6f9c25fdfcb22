//! Crawlers: the `Crawler` document by name.

use crate::db::Tx;
use crate::error::Result;
use crate::named_docs::NamedDocs;

/// The crawlers. Delete them with [`delete`], which deletes their crawls too.
pub const CRAWLERS: NamedDocs = NamedDocs::new("crawlers", "crawler");

/// The kind of a crawler's runs in `job_runs`: its crawls.
pub const CRAWL_RUNS: &str = "CRAWL";

/// Deletes a crawler and its crawls; returns whether it existed.
pub async fn delete(tx: &mut Tx, name: &str) -> Result<bool> {
    crate::job_runs::delete_all(tx, CRAWL_RUNS, name).await?;
    CRAWLERS.delete(tx, name).await
}
