//! The tables of a crawler's `JdbcTargets`: each entry's connection is read from the catalog
//! (passwords included) and its include path listed in the database ([`weir_jdbc::crawl`]);
//! the tables found join the crawl's plan, named with the crawler's `TablePrefix` and marked as
//! its (`UPDATED_BY_CRAWLER`), so they are found gone like the S3 targets' tables.

use serde_json::{json, Value};
use weir_engine::catalog::CatalogClient;
use weir_jdbc::JdbcConnection;

use super::{CrawlPlan, Naming, TablePlan};
use crate::crawl_spec::JdbcTarget;

/// The tables of `targets`, as a plan.
pub async fn crawl(
    catalog: &dyn CatalogClient,
    targets: &[JdbcTarget],
    naming: &Naming,
) -> Result<CrawlPlan, String> {
    let mut plan = CrawlPlan::default();
    for target in targets {
        let found = catalog
            .call(
                "GetConnection",
                json!({ "Name": target.connection, "HidePassword": false }),
            )
            .await
            .map_err(|e| {
                format!(
                    "JdbcTargets connection '{}': {}",
                    target.connection, e.message
                )
            })?;
        let connection =
            JdbcConnection::from_catalog(&found["Connection"]).map_err(|e| e.to_string())?;
        let tables = weir_jdbc::crawl::crawl(&connection, &target.path, &target.exclusions)
            .await
            .map_err(|e| e.to_string())?;
        for table in tables {
            let name = format!("{}{}", naming.table_prefix, table.name).to_lowercase();
            let mut input = table.input;
            input["Name"] = json!(name);
            if let Some(p) = input.get_mut("Parameters").and_then(Value::as_object_mut) {
                p.insert("UPDATED_BY_CRAWLER".into(), json!(naming.crawler));
                p.insert("CrawlerSchemaSerializerVersion".into(), json!("1.0"));
                p.insert("CrawlerSchemaDeserializerVersion".into(), json!("1.0"));
            }
            plan.tables.push(TablePlan {
                name,
                input,
                partitions: Vec::new(),
            });
        }
    }
    Ok(plan)
}
