//! Data quality rulesets: CreateDataQualityRuleset, GetDataQualityRuleset,
//! UpdateDataQualityRuleset, DeleteDataQualityRuleset, ListDataQualityRulesets. A ruleset is
//! stored as its `GetDataQualityRuleset` output shape; its DQDL is parsed whenever it is written,
//! and text that is not valid DQDL is refused with the line and column at fault.

use serde_json::{json, Map, Value};
use weir_catalog::request::{insert_tagged, listing, named_page, Req};
use weir_metastore::dq_rulesets::DQ_RULESETS;
use weir_metastore::{tags, Tx};
use weir_model::{GlueError, Result};

use crate::service::QualityService;

/// The largest page of ListDataQualityRulesets.
const PAGE: usize = 1000;

impl QualityService {
    pub(crate) async fn create_ruleset(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let text = req.str("Ruleset")?;
        checked(text)?;
        let now = self.now();
        let mut ruleset = Map::new();
        ruleset.insert("Name".into(), json!(name));
        ruleset.insert("Ruleset".into(), json!(text));
        for member in [
            "Description",
            "TargetTable",
            "DataQualitySecurityConfiguration",
        ] {
            if let Some(v) = req.get(member).filter(|v| !v.is_null()) {
                ruleset.insert(member.into(), v.clone());
            }
        }
        ruleset.insert("CreatedOn".into(), json!(now));
        ruleset.insert("LastModifiedOn".into(), json!(now));
        let mut tx = self.inner.store.write().await?;
        let arn = self.ruleset_arn(name);
        insert_tagged(
            &mut tx,
            DQ_RULESETS,
            name,
            &Value::Object(ruleset),
            (&arn, req.get("Tags")),
            || format!("A data quality ruleset named {name} already exists"),
        )
        .await?;
        tx.commit().await?;
        Ok(json!({ "Name": name }))
    }

    pub(crate) async fn get_ruleset(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.read().await?;
        existing(&mut tx, name).await
    }

    /// Changes the description and the rules; members the request leaves out stay.
    pub(crate) async fn update_ruleset(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.write().await?;
        let mut ruleset = existing(&mut tx, name).await?;
        if let Some(text) = req.opt_str("Ruleset") {
            checked(text)?;
            ruleset["Ruleset"] = json!(text);
        }
        if let Some(description) = req.opt_str("Description") {
            ruleset["Description"] = json!(description);
        }
        ruleset["LastModifiedOn"] = json!(self.now());
        DQ_RULESETS.update(&mut tx, name, &ruleset, None).await?;
        tx.commit().await?;
        let mut out = json!({ "Name": name, "Ruleset": ruleset["Ruleset"] });
        if let Some(description) = ruleset.get("Description") {
            out["Description"] = description.clone();
        }
        Ok(out)
    }

    /// Deletes the ruleset and its tags.
    pub(crate) async fn delete_ruleset(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.write().await?;
        if !DQ_RULESETS.delete(&mut tx, name).await? {
            return Err(not_found(name));
        }
        tags::remove_all(&mut tx, &self.ruleset_arn(name)).await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    /// The rulesets in name order, those of `Tags` and `Filter` only, as
    /// `DataQualityRulesetListDetails` (with `RuleCount`).
    pub(crate) async fn list_rulesets(&self, req: Req<'_>) -> Result<Value> {
        let filter = req.get("Filter").cloned().unwrap_or(Value::Null);
        let mut tx = self.inner.store.read().await?;
        let (page, next) = named_page(&mut tx, DQ_RULESETS, req, PAGE, req.tag_filter(), |n| {
            self.ruleset_arn(n)
        })
        .await?;
        let rulesets = page
            .into_iter()
            .map(|(_, ruleset)| ruleset)
            .filter(|ruleset| matches(ruleset, &filter))
            .map(details)
            .collect();
        Ok(listing("Rulesets", rulesets, next))
    }
}

/// The DQDL text, refused unless it parses.
fn checked(text: &str) -> Result<crate::Ruleset> {
    crate::parse(text)
        .map_err(|e| GlueError::invalid_input(format!("The ruleset is not valid DQDL: {e}")))
}

async fn existing(tx: &mut Tx, name: &str) -> Result<Value> {
    DQ_RULESETS
        .get(tx, name)
        .await?
        .ok_or_else(|| not_found(name))
}

fn not_found(name: &str) -> GlueError {
    GlueError::not_found(format!("Data quality ruleset {name} not found"))
}

/// A ruleset as a listing shows it: without its text, with how many rules it has.
fn details(ruleset: Value) -> Value {
    let rules = ruleset["Ruleset"]
        .as_str()
        .and_then(|text| crate::parse(text).ok())
        .map_or(0, |r| r.rules.map_or(0, |rules| rules.len()));
    let mut out = json!({ "RuleCount": rules });
    for member in [
        "Name",
        "Description",
        "CreatedOn",
        "LastModifiedOn",
        "TargetTable",
        "RecommendationRunId",
    ] {
        if let Some(v) = ruleset.get(member) {
            out[member] = v.clone();
        }
    }
    out
}

/// Whether a ruleset passes a `DataQualityRulesetFilterCriteria`: equal name and description,
/// creation and modification within the bounds, the same target table.
fn matches(ruleset: &Value, filter: &Value) -> bool {
    let time = |member: &str| ruleset[member].as_f64().unwrap_or(0.0);
    let bound = |member: &str| filter.get(member).and_then(Value::as_f64);
    let same = |member: &str| {
        filter
            .get(member)
            .is_none_or(|wanted| ruleset.get(member) == Some(wanted))
    };
    let table = match filter.get("TargetTable") {
        None => true,
        Some(wanted) => ["DatabaseName", "TableName"]
            .iter()
            .all(|k| ruleset["TargetTable"].get(*k) == wanted.get(*k)),
    };
    same("Name")
        && same("Description")
        && table
        && bound("CreatedBefore").is_none_or(|t| time("CreatedOn") < t)
        && bound("CreatedAfter").is_none_or(|t| time("CreatedOn") > t)
        && bound("LastModifiedBefore").is_none_or(|t| time("LastModifiedOn") < t)
        && bound("LastModifiedAfter").is_none_or(|t| time("LastModifiedOn") > t)
}
