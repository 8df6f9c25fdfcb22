//! Resource tags: TagResource, UntagResource, GetTags on the ARNs of databases, tables,
//! user-defined functions, connections, jobs, crawlers and data quality rulesets.

use serde_json::{json, Map, Value};
use weir_metastore::crawlers::CRAWLERS;
use weir_metastore::custom_entity_types::CUSTOM_ENTITY_TYPES;
use weir_metastore::dq_rulesets::DQ_RULESETS;
use weir_metastore::{connections, functions, jobs, tags, Tx};
use weir_model::{GlueError, Result};

use crate::names;
use crate::request::Req;
use crate::Catalog;

/// Glue allows at most this many tags on one resource.
const MAX_TAGS: usize = 50;

impl Catalog {
    pub(crate) async fn put_tags(
        &self,
        tx: &mut Tx,
        arn: &str,
        new: &Map<String, Value>,
    ) -> Result<()> {
        for (k, v) in new {
            tags::put(tx, arn, k, v.as_str().unwrap_or_default()).await?;
        }
        let count = tags::get(tx, arn).await?.len();
        if count > MAX_TAGS {
            return Err(GlueError::invalid_input(format!(
                "A resource can have at most {MAX_TAGS} tags; this would give it {count}"
            )));
        }
        Ok(())
    }

    /// Checks that an ARN names an existing resource of this catalog; returns it canonicalised.
    async fn resource(&self, tx: &mut Tx, arn: &str) -> Result<String> {
        let prefix = format!(
            "arn:aws:glue:{}:{}:",
            self.identity.region, self.identity.account_id
        );
        let invalid = || {
            GlueError::invalid_input(format!(
                "ResourceArn '{arn}' is not the ARN of a database, table, userDefinedFunction, connection, job, crawler, dataQualityRuleset or customEntityType of this catalog ({prefix}…)"
            ))
        };
        let rest = arn.strip_prefix(&prefix).ok_or_else(invalid)?;
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            ["database", db] => Ok(self.database_arn(&names::database(tx, db).await?.name)),
            ["table", db, table] => {
                let (db, t) = names::table(tx, db, table).await?;
                Ok(self.table_arn(&db.name, &t.name))
            }
            ["userDefinedFunction", db, function] => {
                let db = names::database(tx, db).await?;
                functions::get(tx, db.id, function).await?.ok_or_else(|| {
                    GlueError::not_found(format!("Function {function} not found."))
                })?;
                Ok(self.function_arn(&db.name, function))
            }
            ["connection", name] => {
                connections::get(tx, name)
                    .await?
                    .ok_or_else(|| GlueError::not_found(format!("Connection {name} not found.")))?;
                Ok(self.connection_arn(name))
            }
            ["job", name] => {
                jobs::get(tx, name)
                    .await?
                    .ok_or_else(|| GlueError::not_found(format!("Job {name} not found.")))?;
                Ok(format!("{prefix}job/{name}"))
            }
            // A crawler's name may hold '/'.
            ["crawler", _, ..] => {
                let name = &rest["crawler/".len()..];
                CRAWLERS.get(tx, name).await?.ok_or_else(|| {
                    GlueError::not_found(format!("Crawler entry with name {name} does not exist"))
                })?;
                Ok(format!("{prefix}crawler/{name}"))
            }
            ["dataQualityRuleset", name] => {
                DQ_RULESETS.get(tx, name).await?.ok_or_else(|| {
                    GlueError::not_found(format!("Data quality ruleset {name} not found"))
                })?;
                Ok(format!("{prefix}dataQualityRuleset/{name}"))
            }
            ["customEntityType", name] => {
                CUSTOM_ENTITY_TYPES.get(tx, name).await?.ok_or_else(|| {
                    GlueError::not_found(format!("Custom entity type {name} not found"))
                })?;
                Ok(format!("{prefix}customEntityType/{name}"))
            }
            _ => Err(invalid()),
        }
    }

    pub(crate) async fn tag_resource(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let arn = self.resource(&mut tx, req.str("ResourceArn")?).await?;
        self.put_tags(&mut tx, &arn, req.object("TagsToAdd")?)
            .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn untag_resource(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let arn = self.resource(&mut tx, req.str("ResourceArn")?).await?;
        for key in req.strings("TagsToRemove") {
            tags::remove(&mut tx, &arn, &key).await?;
        }
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn get_tags(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.read().await?;
        let arn = self.resource(&mut tx, req.str("ResourceArn")?).await?;
        Ok(json!({ "Tags": tags::get(&mut tx, &arn).await? }))
    }
}
