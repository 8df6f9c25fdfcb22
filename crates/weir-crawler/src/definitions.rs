//! Crawler definitions: CreateCrawler, GetCrawler, GetCrawlers, BatchGetCrawlers, ListCrawlers,
//! UpdateCrawler, DeleteCrawler, and the schedule operations. A crawler is stored as its
//! `Crawler` output shape, with Glue's defaults filled in.
//!
//! - `Role` given as an IAM role ARN is kept as the role's name (with its path), as Glue
//!   reports it.
//! - A `Schedule` set where there was none starts `SCHEDULED` (at create time too); changing
//!   the expression of an existing schedule keeps its state; `""` removes the schedule.
//! - `Classifiers` are kept as named: a name no classifier has is not refused (AWS documents no
//!   check); a crawl uses the ones that exist.
//! - Updates are partial: members the request leaves out stay. Every change is conditional on
//!   the document read in the same transaction, so of two concurrent updates one gets
//!   `VersionMismatchException`.

use serde_json::{json, Map, Value};
use weir_catalog::request::{batch_get, insert_tagged, listing, named_page, Req};
use weir_metastore::crawlers::{self, CRAWLERS};
use weir_metastore::{tags, Tx};
use weir_model::{ErrorKind, GlueError, Result};

use crate::crawls::{shown, Latest};
use crate::firing::plan_next_firing;
use crate::schedule::Cron;
use crate::{already_exists, write_unchanged, CrawlerService};

/// The largest page of ListCrawlers: its `CrawlerNames` hold at most 100 names.
const NAMES_PAGE: usize = 100;
/// Members of `CreateCrawler` / `UpdateCrawler` that a stored `Crawler` keeps as given.
const KEPT: &[&str] = &[
    "Role",
    "DatabaseName",
    "Description",
    "Targets",
    "Classifiers",
    "TablePrefix",
    "SchemaChangePolicy",
    "RecrawlPolicy",
    "LineageConfiguration",
    "LakeFormationConfiguration",
    "Configuration",
    "CrawlerSecurityConfiguration",
    "CatalogId",
];
/// Glue's defaults of a crawler's policies: member → (field, default).
const DEFAULTS: &[(&str, &str, &str)] = &[
    ("SchemaChangePolicy", "UpdateBehavior", "UPDATE_IN_DATABASE"),
    (
        "SchemaChangePolicy",
        "DeleteBehavior",
        "DEPRECATE_IN_DATABASE",
    ),
    ("RecrawlPolicy", "RecrawlBehavior", "CRAWL_EVERYTHING"),
    ("LineageConfiguration", "CrawlerLineageSettings", "DISABLE"),
];
/// The target lists of `CrawlerTargets` and, per target, the member that says what it crawls.
const TARGETS: &[(&str, &[&str])] = &[
    ("S3Targets", &["Path"]),
    ("JdbcTargets", &["ConnectionName", "Path"]),
    ("MongoDBTargets", &["ConnectionName", "Path"]),
    ("DynamoDBTargets", &["Path"]),
    ("CatalogTargets", &["DatabaseName", "Tables"]),
    ("DeltaTargets", &["DeltaTables"]),
    ("IcebergTargets", &["Paths"]),
    ("HudiTargets", &["Paths"]),
];

pub(crate) const SCHEDULED: &str = "SCHEDULED";
pub(crate) const NOT_SCHEDULED: &str = "NOT_SCHEDULED";

impl CrawlerService {
    pub(crate) async fn create_crawler(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut crawler = Map::new();
        self.apply(&mut crawler, req)?;
        crawler.insert("Name".into(), json!(name));
        self.first_version(&mut crawler);
        let crawler = Value::Object(with_defaults(crawler));
        let mut tx = self.inner.store.write().await?;
        let arn = self.crawler_arn(name);
        insert_tagged(
            &mut tx,
            CRAWLERS,
            name,
            &crawler,
            (&arn, req.get("Tags")),
            || already_exists("Crawler", name),
        )
        .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn get_crawler(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.read().await?;
        let crawler = existing(&mut tx, name).await?;
        Ok(json!({ "Crawler": self.shown(&mut tx, name, crawler).await? }))
    }

    pub(crate) async fn get_crawlers(&self, req: Req<'_>) -> Result<Value> {
        /// The largest page of GetCrawlers.
        const PAGE: usize = 1000;
        let mut tx = self.inner.store.read().await?;
        let (page, next) =
            named_page(&mut tx, CRAWLERS, req, PAGE, None, |_| String::new()).await?;
        let mut crawlers = Vec::with_capacity(page.len());
        for (name, crawler) in page {
            crawlers.push(self.shown(&mut tx, &name, crawler).await?);
        }
        Ok(listing("Crawlers", crawlers, next))
    }

    /// A stored crawler as answers show it: its state and last crawl from its crawls.
    async fn shown(&self, tx: &mut Tx, name: &str, crawler: Value) -> Result<Value> {
        let latest = Latest::of(tx, name).await?;
        Ok(shown(crawler, &latest, self.now()))
    }

    pub(crate) async fn list_crawlers(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.inner.store.read().await?;
        let (crawlers, next) = named_page(
            &mut tx,
            CRAWLERS,
            req,
            NAMES_PAGE,
            req.tag_filter(),
            |name| self.crawler_arn(name),
        )
        .await?;
        Ok(listing(
            "CrawlerNames",
            crawlers.into_iter().map(|(n, _)| json!(n)).collect(),
            next,
        ))
    }

    pub(crate) async fn batch_get_crawlers(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.inner.store.read().await?;
        let (found, missing) = batch_get(&mut tx, CRAWLERS, &req.strings("CrawlerNames")).await?;
        let mut crawlers = Vec::with_capacity(found.len());
        for crawler in found {
            let name = crawler["Name"].as_str().unwrap_or_default().to_string();
            crawlers.push(self.shown(&mut tx, &name, crawler).await?);
        }
        Ok(json!({ "Crawlers": crawlers, "CrawlersNotFound": missing }))
    }

    pub(crate) async fn update_crawler(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        self.change(name, true, |service, crawler| service.apply(crawler, req))
            .await?;
        Ok(json!({}))
    }

    /// Deletes the crawler, its crawls and its tags.
    pub(crate) async fn delete_crawler(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.write().await?;
        existing(&mut tx, name).await?;
        Latest::of(&mut tx, name)
            .await?
            .not_running(name, "deleted")?;
        crawlers::delete(&mut tx, name).await?;
        tags::remove_all(&mut tx, &self.crawler_arn(name)).await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn update_crawler_schedule(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("CrawlerName")?;
        let expression = req.opt_str("Schedule").unwrap_or_default();
        self.change(name, true, |service, crawler| {
            set_schedule(crawler, expression, service.now())
        })
        .await?;
        Ok(json!({}))
    }

    pub(crate) async fn start_crawler_schedule(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("CrawlerName")?;
        self.change(name, false, |service, crawler| match schedule_state(crawler).map(str::to_string).as_deref() {
            None => Err(GlueError::new(
                ErrorKind::NoSchedule,
                format!("Crawler {name} has no schedule to start: set one with UpdateCrawlerSchedule"),
            )),
            Some(SCHEDULED) => Err(GlueError::new(
                ErrorKind::SchedulerRunning,
                format!("The schedule of crawler {name} is already SCHEDULED"),
            )),
            Some(_) => set_schedule_state(crawler, SCHEDULED, service.now()),
        })
        .await?;
        Ok(json!({}))
    }

    pub(crate) async fn stop_crawler_schedule(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("CrawlerName")?;
        self.change(name, false, |service, crawler| {
            match schedule_state(crawler).map(str::to_string).as_deref() {
                Some(SCHEDULED) => set_schedule_state(crawler, NOT_SCHEDULED, service.now()),
                _ => Err(GlueError::new(
                    ErrorKind::SchedulerNotRunning,
                    format!("The schedule of crawler {name} is not running"),
                )),
            }
        })
        .await?;
        Ok(json!({}))
    }

    /// Changes a stored crawler in one transaction: `edit` works on its document; a change of
    /// its definition (`versioned`) bumps `Version` and `LastUpdated` and is refused while the
    /// crawler runs. The write is conditional on the document read.
    async fn change(
        &self,
        name: &str,
        versioned: bool,
        edit: impl FnOnce(&Self, &mut Map<String, Value>) -> Result<()>,
    ) -> Result<()> {
        let mut tx = self.inner.store.write().await?;
        let read = CRAWLERS
            .read(&mut tx, name)
            .await?
            .ok_or_else(|| not_found(name))?;
        let old = &read.doc;
        if versioned {
            Latest::of(&mut tx, name)
                .await?
                .not_running(name, "updated")?;
        }
        let mut crawler = old.as_object().cloned().unwrap_or_default();
        edit(self, &mut crawler)?;
        if versioned {
            self.bump_version(&mut crawler);
        }
        let crawler = Value::Object(with_defaults(crawler));
        write_unchanged(&mut tx, CRAWLERS, "Crawler", name, &crawler, &read).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies the members of a `CreateCrawler` or `UpdateCrawler` request to a crawler's
    /// document, checking each as Glue does.
    fn apply(&self, crawler: &mut Map<String, Value>, req: Req<'_>) -> Result<()> {
        for member in KEPT {
            if let Some(value) = req.get(member) {
                crawler.insert((*member).to_string(), value.clone());
            }
        }
        if let Some(role) = req.opt_str("Role") {
            crawler.insert("Role".into(), json!(role_name(role)));
        }
        // "Removable": an empty description, configuration or prefix removes it.
        for member in ["Description", "Configuration"] {
            if crawler.get(member).and_then(Value::as_str) == Some("") {
                crawler.remove(member);
            }
        }
        if let Some(expression) = req.opt_str("Schedule") {
            set_schedule(crawler, expression, self.now())?;
        }
        if let Some(configuration) = crawler.get("Configuration").and_then(Value::as_str) {
            check_configuration(configuration)?;
        }
        if let Some(id) = crawler.get("CatalogId").and_then(Value::as_str) {
            if id != self.inner.identity.account_id {
                return Err(GlueError::invalid_input(format!(
                    "CatalogId {id} is not the catalog this Weir serves ({})",
                    self.inner.identity.account_id
                )));
            }
        }
        check_targets(crawler.get("Targets"))
    }
}

/// The stored crawler, or Glue's EntityNotFoundException.
async fn existing(tx: &mut Tx, name: &str) -> Result<Value> {
    CRAWLERS.get(tx, name).await?.ok_or_else(|| not_found(name))
}

pub(crate) fn not_found(name: &str) -> GlueError {
    GlueError::not_found(format!("Crawler entry with name {name} does not exist"))
}

/// Fills in Glue's defaults of a crawler's policies and lists.
fn with_defaults(mut crawler: Map<String, Value>) -> Map<String, Value> {
    for (member, field, default) in DEFAULTS {
        let policy = crawler.entry(*member).or_insert_with(|| json!({}));
        if let Some(policy) = policy.as_object_mut() {
            policy.entry(*field).or_insert_with(|| json!(default));
        }
    }
    let lake_formation = crawler
        .entry("LakeFormationConfiguration")
        .or_insert_with(|| json!({}));
    if let Some(lf) = lake_formation.as_object_mut() {
        lf.entry("UseLakeFormationCredentials")
            .or_insert(json!(false));
        lf.entry("AccountId").or_insert(json!(""));
    }
    crawler.entry("Classifiers").or_insert(json!([]));
    crawler
}

/// `arn:aws:iam::ACCOUNT:role/PATH/NAME` → `PATH/NAME`; anything else as given.
fn role_name(role: &str) -> &str {
    role.strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":role/"))
        .filter(|(partition_service, _)| partition_service.contains(":iam:"))
        .map(|(_, name)| name)
        .unwrap_or(role)
}

pub(crate) fn schedule_state(crawler: &Map<String, Value>) -> Option<&str> {
    crawler
        .get("Schedule")
        .filter(|s| s.get("ScheduleExpression").is_some())
        .and_then(|s| s.get("State"))
        .and_then(Value::as_str)
}

/// Sets the state of a crawler's schedule at `now`, and with it its next firing.
fn set_schedule_state(crawler: &mut Map<String, Value>, state: &str, now: f64) -> Result<()> {
    if let Some(schedule) = crawler.get_mut("Schedule").and_then(Value::as_object_mut) {
        schedule.insert("State".into(), json!(state));
    }
    plan_next_firing(crawler, now);
    Ok(())
}

/// Sets (or with `""` removes) a crawler's schedule expression at `now`. A new schedule starts
/// SCHEDULED; a changed one keeps its state. Its next firing is the first after `now`.
fn set_schedule(crawler: &mut Map<String, Value>, expression: &str, now: f64) -> Result<()> {
    if expression.trim().is_empty() {
        crawler.remove("Schedule");
        plan_next_firing(crawler, now);
        return Ok(());
    }
    Cron::parse(expression).map_err(|e| {
        GlueError::invalid_input(format!(
            "Schedule '{expression}' is not a valid schedule: {e}"
        ))
    })?;
    let state = schedule_state(crawler).unwrap_or(SCHEDULED).to_string();
    crawler.insert(
        "Schedule".into(),
        json!({ "ScheduleExpression": expression, "State": state }),
    );
    plan_next_firing(crawler, now);
    Ok(())
}

/// A crawler needs at least one target, and each target what it crawls.
fn check_targets(targets: Option<&Value>) -> Result<()> {
    let mut count = 0;
    for (list, needed) in TARGETS {
        let items = targets
            .and_then(|t| t.get(*list))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for (i, target) in items.iter().enumerate() {
            for member in *needed {
                let given = match target.get(*member) {
                    Some(Value::String(s)) => !s.is_empty(),
                    Some(Value::Array(a)) => !a.is_empty(),
                    _ => false,
                };
                if !given {
                    return Err(GlueError::invalid_input(format!(
                        "Targets.{list}[{i}].{member} is required"
                    )));
                }
            }
            count += 1;
        }
    }
    if count == 0 {
        return Err(GlueError::invalid_input(
            "Crawler targets must not be empty: give at least one target in Targets",
        ));
    }
    Ok(())
}

/// A crawler's `Configuration`: a versioned JSON object of the options Glue documents.
fn check_configuration(text: &str) -> Result<()> {
    let invalid = |why: String| {
        GlueError::invalid_input(format!(
            "Configuration is not a valid crawler configuration: {why}"
        ))
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("it is not JSON ({e})")))?;
    let Some(config) = value.as_object() else {
        return Err(invalid("it is not a JSON object".into()));
    };
    match config.get("Version") {
        None => {}
        Some(v) if v.as_f64() == Some(1.0) => {}
        Some(v) => return Err(invalid(format!("Version is {v}; the only version is 1.0"))),
    }
    let text_option = |path: &[&str], allowed: &[&str]| -> Result<()> {
        let mut at = Some(&value);
        for step in path {
            at = at.and_then(|v| v.get(*step));
        }
        match at {
            None => Ok(()),
            Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
            Some(other) => Err(invalid(format!(
                "{} is {other}; it can be {}",
                path.join("."),
                allowed.join(", ")
            ))),
        }
    };
    text_option(
        &["CrawlerOutput", "Partitions", "AddOrUpdateBehavior"],
        &["InheritFromTable"],
    )?;
    text_option(
        &["CrawlerOutput", "Tables", "AddOrUpdateBehavior"],
        &["MergeNewColumns"],
    )?;
    text_option(
        &["Grouping", "TableGroupingPolicy"],
        &["CombineCompatibleSchemas"],
    )?;
    for path in [
        ["CrawlerOutput", "Tables", "TableThreshold"].as_slice(),
        ["Grouping", "TableLevelConfiguration"].as_slice(),
    ] {
        let mut at = Some(&value);
        for step in path {
            at = at.and_then(|v| v.get(*step));
        }
        if let Some(v) = at.filter(|v| v.as_u64().is_none_or(|n| n == 0)) {
            return Err(invalid(format!(
                "{} is {v}; it is a positive whole number",
                path.join(".")
            )));
        }
    }
    if let Some(v) = config
        .get("CreatePartitionIndex")
        .filter(|v| !v.is_boolean())
    {
        return Err(invalid(format!(
            "CreatePartitionIndex is {v}; it is true or false"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_become_role_names() {
        assert_eq!(role_name("arn:aws:iam::123456789012:role/glue"), "glue");
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/service-role/AWSGlueServiceRole-x"),
            "service-role/AWSGlueServiceRole-x"
        );
        assert_eq!(role_name("glue"), "glue");
        assert_eq!(
            role_name("arn:aws:sts::1:assumed-role/x/y"),
            "arn:aws:sts::1:assumed-role/x/y"
        );
    }

    #[test]
    fn configurations_are_checked() {
        assert!(check_configuration(r#"{"Version":1.0}"#).is_ok());
        assert!(check_configuration(
            r#"{"Version":1.0,"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"},"Tables":{"AddOrUpdateBehavior":"MergeNewColumns","TableThreshold":5}},"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas","TableLevelConfiguration":3},"CreatePartitionIndex":true}"#
        )
        .is_ok());
        let message = |text: &str| check_configuration(text).expect_err(text).message;
        assert!(message("{not json")
            .starts_with("Configuration is not a valid crawler configuration: it is not JSON"));
        assert!(message("[1]").ends_with("it is not a JSON object"));
        assert!(message(r#"{"Version":2.0}"#).contains("Version is 2.0"));
        assert!(
            message(r#"{"Version":1.0,"Grouping":{"TableGroupingPolicy":"Other"}}"#)
                .contains("Grouping.TableGroupingPolicy is \"Other\"")
        );
        assert!(
            message(r#"{"Version":1.0,"CrawlerOutput":{"Tables":{"TableThreshold":0}}}"#)
                .contains("CrawlerOutput.Tables.TableThreshold is 0")
        );
        assert!(message(r#"{"Version":1.0,"CreatePartitionIndex":"yes"}"#)
            .contains("CreatePartitionIndex"));
    }

    #[test]
    fn targets_must_name_what_they_crawl() {
        let err = |t: Value| check_targets(Some(&t)).expect_err("refused").message;
        assert!(err(json!({})).starts_with("Crawler targets must not be empty"));
        assert!(err(json!({"S3Targets": []})).starts_with("Crawler targets must not be empty"));
        assert_eq!(
            err(json!({"S3Targets": [{"Exclusions": ["*.tmp"]}]})),
            "Targets.S3Targets[0].Path is required"
        );
        assert_eq!(
            err(json!({"S3Targets": [{"Path": "s3://b/x"}], "JdbcTargets": [{"Path": "db/%"}]})),
            "Targets.JdbcTargets[0].ConnectionName is required"
        );
        assert_eq!(
            err(json!({"IcebergTargets": [{"Paths": []}]})),
            "Targets.IcebergTargets[0].Paths is required"
        );
        assert!(check_targets(Some(
            &json!({"CatalogTargets": [{"DatabaseName": "d", "Tables": ["t"]}]})
        ))
        .is_ok());
        assert!(check_targets(None).is_err());
    }
}
