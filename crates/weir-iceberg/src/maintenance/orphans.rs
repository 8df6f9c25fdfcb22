//! Orphan file deletion: files under a table's location (or a folder in it) that no metadata of
//! the table reaches — left by failed or abandoned writes, or by expiry without cleanup — and
//! older than the retention period, deleted. The known safety rules:
//! - the period is at least one day, so files of a write still in flight are never taken;
//! - paths are compared normalised (`s3a://`/`s3n://` as `s3://`, repeated `/` collapsed,
//!   percent-escapes decoded), and a listed file whose path matches a reached file's under
//!   another scheme or authority is kept, not deleted;
//! - a location that another catalog table's location is in, or is inside, is refused;
//! - a table whose `gc.enabled` property is `false` is refused;
//! - a dry run lists what would be deleted and deletes nothing.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use iceberg::TableIdent;
use object_store::path::Path;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use weir_engine::catalog::{all_pages, CatalogClient};
use weir_engine::stores::{build_store, path_url};

use crate::error::{Error, Result};
use crate::files;
use crate::tables::Tables;

/// The shortest retention period.
pub const MIN_RETENTION_DAYS: i64 = 1;

#[derive(Debug, Clone)]
pub struct OrphanOptions {
    /// Files last modified before this are candidates.
    pub older_than: DateTime<Utc>,
    /// The folder to scan (the table's location when `None`); must be in the table's location.
    pub location: Option<String>,
    /// List, do not delete.
    pub dry_run: bool,
}

/// What an orphan file deletion found (and deleted, unless a dry run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrphanReport {
    pub files_scanned: u64,
    pub orphans: Vec<String>,
    pub deleted: u64,
}

/// Finds and (unless a dry run) deletes the table's orphan files.
pub async fn delete_orphans(
    tables: &Tables,
    client: &dyn CatalogClient,
    ident: &TableIdent,
    options: &OrphanOptions,
) -> Result<OrphanReport> {
    let loaded = tables.load(client, ident).await?;
    let table = &loaded.table;
    let gc = table.metadata().properties().get("gc.enabled");
    if gc.is_some_and(|v| v.eq_ignore_ascii_case("false")) {
        return Err(Error::bad_request(format!(
            "Table {ident} has gc.enabled=false: its files are not deleted"
        )));
    }
    let table_location = normalise(table.metadata().location());
    let location = match &options.location {
        None => table.metadata().location().to_string(),
        Some(l) if within(&normalise(l), &table_location) => l.clone(),
        Some(l) => {
            return Err(Error::bad_request(format!(
                "location {l} is not in the location of table {ident} ({})",
                table.metadata().location()
            )))
        }
    };
    refuse_shared(client, ident, &normalise(&location)).await?;

    let reached: BTreeSet<String> = files::reach(table)
        .await?
        .all()
        .iter()
        .map(|f| normalise(f))
        .collect();
    let reached_paths: BTreeSet<&str> = reached.iter().map(|f| path_part(f)).collect();
    let mut report = OrphanReport::default();
    for (file, modified) in list(tables, &location).await? {
        report.files_scanned += 1;
        // Listed paths are canonical already (the store's keys under its root).
        let orphan = modified < options.older_than
            && !reached.contains(&file)
            && !reached_paths.contains(path_part(&file));
        if orphan {
            report.orphans.push(file);
        }
    }
    if !options.dry_run {
        report.deleted = files::delete_all(tables.file_io(), report.orphans.clone()).await?;
    }
    Ok(report)
}

/// Every file under `location`, with its last modification.
async fn list(tables: &Tables, location: &str) -> Result<Vec<(String, DateTime<Utc>)>> {
    let url = path_url(location).map_err(|e| Error::bad_request(e.to_string()))?;
    let store = build_store(tables.store_settings(), &url)
        .map_err(|e| Error::bad_request(e.to_string()))?;
    let prefix = Path::from_url_path(url.path()).map_err(|e| Error::bad_request(e.to_string()))?;
    let root = match url.scheme() {
        "file" => "file://".to_string(),
        scheme => format!("{scheme}://{}", url.authority()),
    };
    let listed: Vec<_> = store
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|e| Error::Internal(format!("cannot list {location}: {e}")))?;
    Ok(listed
        .into_iter()
        .map(|meta| (format!("{root}/{}", meta.location), meta.last_modified))
        .collect())
}

/// Refuses a location that another catalog table's location overlaps.
async fn refuse_shared(
    client: &dyn CatalogClient,
    ident: &TableIdent,
    location: &str,
) -> Result<()> {
    let databases = crate::namespaces::list(client).await?;
    for database in databases {
        let request = json!({ "DatabaseName": database });
        let tables = all_pages(client, "GetTables", request, "TableList")
            .await
            .map_err(Error::catalog)?;
        for table in &tables {
            let name = table["Name"].as_str().unwrap_or_default();
            let same = database == ident.namespace().join(".") && name == ident.name();
            let Some(other) = table
                .pointer("/StorageDescriptor/Location")
                .and_then(Value::as_str)
                .filter(|l| !l.is_empty())
            else {
                continue;
            };
            let other = normalise(other);
            if !same && (within(&other, location) || within(location, &other)) {
                return Err(Error::bad_request(format!(
                    "location {location} is shared with table {database}.{name} ({other}): orphan files are not deleted there"
                )));
            }
        }
    }
    Ok(())
}

/// A path in the form paths are compared in: `s3a://`/`s3n://` as `s3://`, local paths as
/// `file://` URLs, percent-escapes decoded, repeated and trailing `/` removed.
pub fn normalise(path: &str) -> String {
    let url = match path_url(path) {
        Ok(url) => url,
        Err(_) => return path.to_string(),
    };
    let decoded = percent_decode_str(url.path()).decode_utf8_lossy();
    let mut collapsed = String::with_capacity(decoded.len());
    for part in decoded.split('/').filter(|p| !p.is_empty()) {
        collapsed.push('/');
        collapsed.push_str(part);
    }
    format!("{}://{}{collapsed}", url.scheme(), url.authority())
}

/// The path of a normalised URL, without scheme and authority.
fn path_part(normal: &str) -> &str {
    let rest = normal.split_once("://").map_or(normal, |(_, rest)| rest);
    rest.find('/').map_or("", |i| &rest[i..])
}

/// Whether normalised `inner` is `outer` or inside it.
fn within(inner: &str, outer: &str) -> bool {
    inner == outer || inner.starts_with(&format!("{outer}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_schemes_slashes_and_escapes() {
        assert_eq!(
            normalise("s3a://b//t/x%20y.parquet"),
            "s3://b/t/x y.parquet"
        );
        assert_eq!(normalise("s3n://b/t/"), "s3://b/t");
        assert_eq!(normalise("file:///tmp//w/t"), "file:///tmp/w/t");
        assert_eq!(path_part("s3://b/t/x"), "/t/x");
        assert!(within("s3://b/t/x", "s3://b/t") && !within("s3://b/tt", "s3://b/t"));
    }
}
