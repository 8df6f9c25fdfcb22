//! The tables of a crawler's `IcebergTargets`: each path is listed (to `MaximumTraversalDepth`
//! folders below it, Glue's default 10), every folder holding a `metadata/` folder of Iceberg
//! metadata files is a table, and its newest metadata file (the highest version, `NNNNN-…` or
//! `vN`, then the latest written) is its current state. The table joins the crawl's plan as
//! Iceberg's Glue catalog registers it (`table_type` ICEBERG, `metadata_location`, its schema
//! as columns), named by its folder with the crawler's `TablePrefix`, marked as the crawler's.

use std::collections::BTreeMap;

use iceberg::spec::TableMetadata;
use serde_json::{json, Value};
use weir_engine::job::files::list_tree;
use weir_engine::Engine;

use super::{CrawlPlan, Naming, TablePlan};
use crate::crawl_spec::IcebergTarget;

/// The tables of `targets`, as a plan.
pub async fn crawl(
    engine: &Engine,
    targets: &[IcebergTarget],
    naming: &Naming,
) -> Result<CrawlPlan, String> {
    let mut plan = CrawlPlan::default();
    if targets.is_empty() {
        return Ok(plan);
    }
    let ctx = engine.session().map_err(|e| e.to_string())?;
    let io = weir_iceberg::storage::file_io(engine.stores());
    for target in targets {
        for path in &target.paths {
            let listed = list_tree(engine, &ctx, path, &target.exclusions)
                .await
                .map_err(|e| e.to_string())?;
            let root = path.trim_end_matches('/');
            // The newest metadata file of each table folder: (version, written) → file.
            let mut newest: BTreeMap<String, ((i64, i64), String)> = BTreeMap::new();
            for meta in &listed.files {
                let file = listed.url_of(meta);
                let Some((table, name)) = file.rsplit_once("/metadata/") else {
                    continue;
                };
                let Some(version) = metadata_version(name) else {
                    continue;
                };
                let depth = table
                    .strip_prefix(root)
                    .map_or(0, |rest| rest.split('/').filter(|p| !p.is_empty()).count());
                if depth > target.max_depth {
                    continue;
                }
                let rank = (version, meta.last_modified.timestamp_millis());
                let entry = newest
                    .entry(table.to_string())
                    .or_insert((rank, file.clone()));
                if rank > entry.0 {
                    *entry = (rank, file);
                }
            }
            for (table, (_, location)) in newest {
                plan.files += 1;
                let metadata = TableMetadata::read_from(&io, &location)
                    .await
                    .map_err(|e| format!("Iceberg metadata {location}: {e}"))?;
                let folder = table.rsplit('/').next().unwrap_or_default();
                let name = format!("{}{folder}", naming.table_prefix).to_lowercase();
                let mut input = weir_iceberg::glue::table_input(&name, &metadata, &location, None);
                if let Some(p) = input.get_mut("Parameters").and_then(Value::as_object_mut) {
                    p.insert("UPDATED_BY_CRAWLER".into(), json!(naming.crawler));
                    p.insert("classification".into(), json!("iceberg"));
                }
                plan.tables.push(TablePlan {
                    name,
                    input,
                    partitions: Vec::new(),
                });
            }
        }
    }
    Ok(plan)
}

/// The version of a metadata file's name: `00003-<uuid>.metadata.json` (what catalogs write)
/// or `v3.metadata.json` (file-system tables); `None` for other files.
fn metadata_version(name: &str) -> Option<i64> {
    let stem = name
        .strip_suffix(".metadata.json")
        .or_else(|| name.strip_suffix(".gz.metadata.json"))?;
    let stem = stem.strip_suffix(".gz").unwrap_or(stem);
    match stem.strip_prefix('v') {
        Some(n) => n.parse().ok(),
        None => stem.split('-').next()?.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::metadata_version;

    #[test]
    fn reads_both_ways_of_numbering() {
        assert_eq!(metadata_version("00012-6f1c-4e.metadata.json"), Some(12));
        assert_eq!(metadata_version("v3.metadata.json"), Some(3));
        assert_eq!(metadata_version("00001-ab.gz.metadata.json"), Some(1));
        assert_eq!(metadata_version("snap-1-ab.avro"), None);
        assert_eq!(metadata_version("version-hint.text"), None);
    }
}
