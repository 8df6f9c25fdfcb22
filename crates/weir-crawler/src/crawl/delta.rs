//! The tables of a crawler's `DeltaTargets`: each of `DeltaTables` is a Delta table's folder, or
//! a folder whose sub-folders are Delta tables (every folder holding a `_delta_log/`). A table
//! joins the crawl's plan as Glue registers a native Delta table (`table_type` DELTA, its folder
//! as location, its newest schema as columns), named by its folder with the crawler's
//! `TablePrefix`, marked as the crawler's.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::ObjectMeta;
use serde_json::{json, Value};
use weir_delta::write::Layout;
use weir_delta::Deltas;
use weir_engine::stores::{build_store, path_url};
use weir_engine::Engine;

use super::{CrawlPlan, Naming, TablePlan};
use crate::crawl_spec::DeltaTarget;

/// The tables of `targets`, as a plan.
pub async fn crawl(
    engine: &Engine,
    targets: &[DeltaTarget],
    naming: &Naming,
) -> Result<CrawlPlan, String> {
    let mut plan = CrawlPlan::default();
    if targets.is_empty() {
        return Ok(plan);
    }
    let deltas = Deltas::new(engine.stores().clone(), "");
    for target in targets {
        for path in &target.paths {
            let roots = table_folders(engine, path)
                .await
                .map_err(|e| format!("listing '{path}': {e}"))?;
            for root in roots {
                plan.files += 1;
                let table = deltas
                    .open(&root)
                    .await
                    .map_err(|e| format!("Delta table {root}: {e}"))?;
                let layout = Layout::of(&table).map_err(|e| format!("Delta table {root}: {e}"))?;
                let folder = root.rsplit('/').next().unwrap_or_default();
                let name = format!("{}{folder}", naming.table_prefix).to_lowercase();
                let mut input = weir_delta::glue::table_input(
                    &name,
                    &root,
                    &layout.schema,
                    &layout.partition_columns,
                    None,
                );
                if let Some(p) = input.get_mut("Parameters").and_then(Value::as_object_mut) {
                    p.insert("UPDATED_BY_CRAWLER".into(), json!(naming.crawler));
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

/// The folders under `path` (or `path` itself) that hold a `_delta_log/`, as URLs.
async fn table_folders(engine: &Engine, path: &str) -> Result<BTreeSet<String>, String> {
    let url = path_url(path).map_err(|e| e.to_string())?;
    let store = build_store(engine.stores(), &url).map_err(|e| e.to_string())?;
    let prefix = Path::from_url_path(url.path()).map_err(|e| e.to_string())?;
    let listed: Vec<ObjectMeta> = store
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|e| e.to_string())?;
    let root = format!("{}://{}", url.scheme(), url.authority());
    Ok(listed
        .iter()
        .filter_map(|meta| {
            let key = meta.location.as_ref();
            let folder = key
                .strip_suffix("/_delta_log")
                .or_else(|| key.split_once("/_delta_log/").map(|(f, _)| f))?;
            Some(format!("{root}/{folder}"))
        })
        .collect())
}
