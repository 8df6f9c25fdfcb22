//! The data quality service: the Glue Data Quality API over the metastore, each operation read
//! validate → one metastore transaction → check → act → commit, as the job and crawler services
//! do. Rulesets are in [`crate::rulesets`], evaluation runs (runs of the job service) in
//! [`crate::runs`], their results in [`crate::results`] and the statistics they record in
//! [`crate::statistics`].

use std::sync::Arc;

use serde_json::Value;
use weir_catalog::request::Req;
use weir_catalog::{CatalogIdentity, Clock};
use weir_jobs::{JobService, RunKind};
use weir_metastore::Metastore;
use weir_model::{ErrorKind, GlueError, Result};

/// The data quality service.
#[derive(Clone)]
pub struct QualityService {
    pub(crate) inner: Arc<Inner>,
    /// The principal this clone's operations are made by (see [`QualityService::acting_as`]).
    caller: Option<Arc<str>>,
}

pub(crate) struct Inner {
    pub(crate) store: Metastore,
    pub(crate) identity: CatalogIdentity,
    pub(crate) clock: Arc<dyn Clock>,
    /// Runs the evaluations.
    pub(crate) jobs: JobService,
}

/// Every operation [`QualityService::call`] serves.
pub const OPERATIONS: &[&str] = &[
    "CreateDataQualityRuleset",
    "GetDataQualityRuleset",
    "UpdateDataQualityRuleset",
    "DeleteDataQualityRuleset",
    "ListDataQualityRulesets",
    "StartDataQualityRulesetEvaluationRun",
    "GetDataQualityRulesetEvaluationRun",
    "ListDataQualityRulesetEvaluationRuns",
    "CancelDataQualityRulesetEvaluationRun",
    "StartDataQualityRuleRecommendationRun",
    "GetDataQualityRuleRecommendationRun",
    "ListDataQualityRuleRecommendationRuns",
    "CancelDataQualityRuleRecommendationRun",
    "GetDataQualityResult",
    "BatchGetDataQualityResult",
    "ListDataQualityResults",
    "ListDataQualityStatistics",
    "BatchPutDataQualityStatisticAnnotation",
    "ListDataQualityStatisticAnnotations",
    "PutDataQualityProfileAnnotation",
    "GetDataQualityModel",
    "GetDataQualityModelResult",
];

impl QualityService {
    /// The rulesets and results of `store`, evaluated by `jobs` (on its metastore, `store`).
    pub fn new(
        store: Metastore,
        identity: CatalogIdentity,
        clock: Arc<dyn Clock>,
        jobs: JobService,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                identity,
                clock,
                jobs,
            }),
            caller: None,
        }
    }

    /// This service, its operations made by the principal `name` (an evaluation run records
    /// who started it and reads tables as them); `None` when requests are not authenticated.
    pub fn acting_as(&self, name: Option<&str>) -> QualityService {
        QualityService {
            inner: self.inner.clone(),
            caller: name.map(Arc::from),
        }
    }

    pub(crate) fn caller(&self) -> Option<&str> {
        self.caller.as_deref()
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
            "StartDataQualityRulesetEvaluationRun" => self.start_evaluation_run(req).await,
            "GetDataQualityRulesetEvaluationRun" => self.get_run(RunKind::Quality, req).await,
            "ListDataQualityRulesetEvaluationRuns" => self.list_runs(RunKind::Quality, req).await,
            "CancelDataQualityRulesetEvaluationRun" => self.cancel_run(RunKind::Quality, req).await,
            "StartDataQualityRuleRecommendationRun" => self.start_recommendation_run(req).await,
            "GetDataQualityRuleRecommendationRun" => {
                self.get_run(RunKind::Recommendation, req).await
            }
            "ListDataQualityRuleRecommendationRuns" => {
                self.list_runs(RunKind::Recommendation, req).await
            }
            "CancelDataQualityRuleRecommendationRun" => {
                self.cancel_run(RunKind::Recommendation, req).await
            }
            "GetDataQualityResult" => self.get_result(req).await,
            "BatchGetDataQualityResult" => self.batch_get_results(req).await,
            "ListDataQualityResults" => self.list_results(req).await,
            "ListDataQualityStatistics" => self.list_statistics(req).await,
            "BatchPutDataQualityStatisticAnnotation" => {
                self.batch_put_statistic_annotations(req).await
            }
            "ListDataQualityStatisticAnnotations" => self.list_statistic_annotations(req).await,
            "PutDataQualityProfileAnnotation" => self.put_profile_annotation(req).await,
            "GetDataQualityModel" => self.get_model(req).await,
            "GetDataQualityModelResult" => self.get_model_result(req).await,
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
