//! `CatalogTargets`: tables the catalog has already, each crawled at its location and kept true
//! to its files — its columns, format and partitions — under its own name and database.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use weir_engine::catalog::CatalogClient;
use weir_engine::Engine;

use crate::crawl::seen::SeenFolders;
use crate::crawl::{self, CrawlPlan, Naming, Options, Problem, Target};
use crate::crawl_spec::CatalogTable;

/// The crawl of each table's location, made that table; what they found, by database. A table
/// that does not exist, has no location, or whose files do not make one table is a problem of
/// the plan, and left as it is.
pub async fn plans(
    engine: &Engine,
    catalog: &dyn CatalogClient,
    tables: &[CatalogTable],
    naming: &Naming,
    options: &Options,
) -> Result<BTreeMap<String, CrawlPlan>, String> {
    // Every file of a table's location is read: none is described by the catalog's table.
    let options = Options {
        seen: SeenFolders::default(),
        ..options.clone()
    };
    let mut plans: BTreeMap<String, CrawlPlan> = BTreeMap::new();
    for target in tables {
        let plan = plans.entry(target.database.clone()).or_default();
        let named = format!("{}.{}", target.database, target.table);
        let table = match catalog
            .call(
                "GetTable",
                json!({ "DatabaseName": target.database, "Name": target.table }),
            )
            .await
        {
            Ok(answer) => answer["Table"].clone(),
            Err(e) if e.code == "EntityNotFoundException" => {
                plan.problems
                    .push(problem(&named, "the table does not exist"));
                continue;
            }
            Err(e) => return Err(format!("reading table {named}: {}", e.message)),
        };
        let Some(location) = table
            .pointer("/StorageDescriptor/Location")
            .and_then(Value::as_str)
            .filter(|l| !l.is_empty())
        else {
            plan.problems
                .push(problem(&named, "the table has no location to crawl"));
            continue;
        };
        let at = [Target {
            path: location.to_string(),
            ..Target::default()
        }];
        let mut found = crawl::crawl(engine, &at, naming, &options).await?;
        plan.files += found.files;
        plan.problems.append(&mut found.problems);
        let root = format!("{}/", location.trim_end_matches('/'));
        match found.tables.as_mut_slice() {
            [] => {}
            [one] if one.input.pointer("/StorageDescriptor/Location") == Some(&json!(root)) => {
                one.name = target.table.clone();
                one.input["Name"] = json!(target.table);
                plan.tables.push(one.clone());
            }
            other => {
                let roots: Vec<&str> = other
                    .iter()
                    .filter_map(|t| t.input.pointer("/StorageDescriptor/Location")?.as_str())
                    .collect();
                plan.problems.push(problem(
                    &named,
                    &format!(
                        "the files at {location} do not make one table there: they make {} ({})",
                        roots.len(),
                        roots.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(plans)
}

fn problem(table: &str, reason: &str) -> Problem {
    Problem {
        file: format!("table {table}"),
        reason: reason.to_string(),
    }
}
