//! The data quality service: the Glue Data Quality API over the metastore, each operation read
//! validate → one metastore transaction → check → act → commit, as the job and crawler services
//! do. Rulesets are in [`crate::rulesets`].

use std::sync::Arc;

use serde_json::Value;
use weir_catalog::request::Req;
use weir_catalog::{CatalogIdentity, Clock};
use weir_metastore::Metastore;
use weir_model::{ErrorKind, GlueError, Result};

/// The data quality service.
#[derive(Clone)]
pub struct QualityService {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Metastore,
    pub(crate) identity: CatalogIdentity,
    pub(crate) clock: Arc<dyn Clock>,
}

/// Every operation [`QualityService::call`] serves.
pub const OPERATIONS: &[&str] = &[
    "CreateDataQualityRuleset",
    "GetDataQualityRuleset",
    "UpdateDataQualityRuleset",
    "DeleteDataQualityRuleset",
    "ListDataQualityRulesets",
];

impl QualityService {
    pub fn new(store: Metastore, identity: CatalogIdentity, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                identity,
                clock,
            }),
        }
    }

    /// Whether this service implements the operation.
    pub fn serves(operation: &str) -> bool {
        OPERATIONS.contains(&operation)
    }

    /// Serves one Glue operation (the body validated against the model already).
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value> {
        let req = Req(body);
        match operation {
            "CreateDataQualityRuleset" => self.create_ruleset(req).await,
            "GetDataQualityRuleset" => self.get_ruleset(req).await,
            "UpdateDataQualityRuleset" => self.update_ruleset(req).await,
            "DeleteDataQualityRuleset" => self.delete_ruleset(req).await,
            "ListDataQualityRulesets" => self.list_rulesets(req).await,
            other => Err(GlueError::new(
                ErrorKind::UnknownOperation,
                format!("Operation {other} is not served by Weir's data quality service"),
            )),
        }
    }

    pub(crate) fn now(&self) -> f64 {
        self.inner.clock.now()
    }

    /// A ruleset's ARN, under which its tags are kept.
    pub fn ruleset_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:glue:{}:{}:dataQualityRuleset/{name}",
            self.inner.identity.region, self.inner.identity.account_id
        )
    }
}
