//! The statistics evaluation runs record, and the models anomaly detection trains on them:
//! ListDataQualityStatistics, BatchPutDataQualityStatisticAnnotation,
//! ListDataQualityStatisticAnnotations, PutDataQualityProfileAnnotation, GetDataQualityModel and
//! GetDataQualityModelResult.
//!
//! A *statistic* (`StatisticId`) is one metric of one rule in one context (a ruleset's
//! evaluations of one table) across runs; a *profile* (`ProfileId`) is the statistics one
//! evaluation recorded. A data point is a (profile, statistic) pair: excluding it
//! (`EXCLUDE`) takes it out of the history that dynamic rules and anomaly detection read, and
//! the model is trained again without it.

use serde_json::{json, Value};
use weir_catalog::request::{listing, take_page, Req};
use weir_metastore::dq_results::{self, Statistic, StatisticFilter};
use weir_model::{GlueError, Result};

use crate::eval::anomaly;
use crate::QualityService;

const STATISTICS_PAGE: usize = 100;
/// The most data points a model reads.
const SERIES_LIMIT: usize = 10_000;

/// The id of a statistic: the same for the same metric of the same rule in the same context.
pub fn statistic_id(context: &str, rule: &str, metric: &str) -> String {
    // FNV-1a, 64 bits: stable across versions and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [context, rule, metric] {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("stat-{hash:016x}")
}

/// `Dataset.*.RowCount` → (`Dataset`, `*`, `RowCount`); `Column.fare.ColumnValues.Compliance`
/// → (`Column`, `fare`, `ColumnValues.Compliance`).
fn parts(metric: &str) -> (&str, &str, &str) {
    let (entity, rest) = metric.split_once('.').unwrap_or((metric, ""));
    let mut offset = 0;
    for (i, segment) in rest.split('.').enumerate() {
        if i > 0 && segment.starts_with(|c: char| c.is_ascii_uppercase()) {
            return (entity, &rest[..offset - 1], &rest[offset..]);
        }
        offset += segment.len() + 1;
    }
    (entity, rest, rest)
}

fn annotation(s: &Statistic) -> Value {
    let mut a = json!({ "Value": if s.included { "INCLUDE" } else { "EXCLUDE" } });
    if s.annotated_on > 0.0 {
        a["LastModifiedOn"] = json!(s.annotated_on);
    }
    a
}

/// A data point as `StatisticSummary`.
fn summary(s: &Statistic) -> Value {
    let (entity, instance, name) = parts(&s.metric);
    let columns: Vec<&str> = match entity {
        "Column" => vec![instance],
        "Multicolumn" => instance.split(',').collect(),
        _ => Vec::new(),
    };
    let level = match entity {
        "Column" | "Multicolumn" => entity,
        _ => "Dataset",
    };
    json!({
        "StatisticId": s.statistic_id,
        "ProfileId": s.profile_id,
        "RunIdentifier": { "RunId": s.run_id },
        "StatisticName": name,
        "DoubleValue": s.value,
        "EvaluationLevel": level,
        "ColumnsReferenced": columns,
        "StatisticProperties": { "Rule": s.rule, "MetricName": s.metric },
        "RecordedOn": s.recorded_on,
        "InclusionAnnotation": annotation(s),
    })
}

fn included(req: &Req<'_>, member: &str) -> Result<bool> {
    match req.str(member)? {
        "INCLUDE" => Ok(true),
        "EXCLUDE" => Ok(false),
        other => Err(GlueError::invalid_input(format!(
            "{member} must be INCLUDE or EXCLUDE, not {other}"
        ))),
    }
}

impl QualityService {
    fn filter<'r>(req: &'r Req<'r>, annotated: bool) -> StatisticFilter<'r> {
        let window = req.get("TimestampFilter");
        StatisticFilter {
            statistic_id: req.opt_str("StatisticId"),
            profile_id: req.opt_str("ProfileId"),
            after: window.and_then(|w| w["RecordedAfter"].as_f64()),
            before: window.and_then(|w| w["RecordedBefore"].as_f64()),
            annotated,
        }
    }

    async fn page(
        &self,
        req: &Req<'_>,
        annotated: bool,
    ) -> Result<(Vec<Statistic>, Option<String>)> {
        let limit = req.page_size(STATISTICS_PAGE);
        let before = req.next_token()?.and_then(|t| t.as_i64());
        let mut tx = self.inner.store.read().await?;
        let rows =
            dq_results::statistics(&mut tx, &Self::filter(req, annotated), before, limit + 1)
                .await?;
        let (rows, next) = take_page(rows, limit, |(seq, _)| json!(seq));
        Ok((rows.into_iter().map(|(_, s)| s).collect(), next))
    }

    pub(crate) async fn list_statistics(&self, req: Req<'_>) -> Result<Value> {
        let (rows, next) = self.page(&req, false).await?;
        Ok(listing(
            "Statistics",
            rows.iter().map(summary).collect(),
            next,
        ))
    }

    pub(crate) async fn list_statistic_annotations(&self, req: Req<'_>) -> Result<Value> {
        let (rows, next) = self.page(&req, true).await?;
        let annotations = rows
            .iter()
            .map(|s| {
                json!({
                    "ProfileId": s.profile_id,
                    "StatisticId": s.statistic_id,
                    "StatisticRecordedOn": s.recorded_on,
                    "InclusionAnnotation": annotation(s),
                })
            })
            .collect();
        Ok(listing("Annotations", annotations, next))
    }

    pub(crate) async fn batch_put_statistic_annotations(&self, req: Req<'_>) -> Result<Value> {
        let annotations = req
            .get("InclusionAnnotations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let now = self.now();
        let mut failed = Vec::new();
        let mut tx = self.inner.store.write().await?;
        for a in &annotations {
            let entry = Req(a);
            let (profile, statistic) = (entry.opt_str("ProfileId"), entry.opt_str("StatisticId"));
            let (Some(profile), Some(statistic)) = (profile, statistic) else {
                failed.push(json!({
                    "ProfileId": profile, "StatisticId": statistic,
                    "FailureReason": "An annotation names both ProfileId and StatisticId",
                }));
                continue;
            };
            let include = included(&entry, "InclusionAnnotation")?;
            let found =
                dq_results::annotate(&mut tx, profile, Some(statistic), include, now).await?;
            if found == 0 {
                failed.push(json!({
                    "ProfileId": profile, "StatisticId": statistic,
                    "FailureReason": format!("Statistic {statistic} was not recorded in profile {profile}"),
                }));
            }
        }
        tx.commit().await?;
        Ok(json!({ "FailedInclusionAnnotations": failed }))
    }

    pub(crate) async fn put_profile_annotation(&self, req: Req<'_>) -> Result<Value> {
        let profile = req.str("ProfileId")?;
        let include = included(&req, "InclusionAnnotation")?;
        let now = self.now();
        let mut tx = self.inner.store.write().await?;
        if dq_results::annotate(&mut tx, profile, None, include, now).await? == 0 {
            return Err(GlueError::not_found(format!("Profile {profile} not found")));
        }
        tx.commit().await?;
        Ok(json!({}))
    }

    /// The data points of a statistic up to the one of `profile`, oldest first.
    async fn model_series(&self, statistic: &str, profile: &str) -> Result<Vec<Statistic>> {
        let mut tx = self.inner.store.read().await?;
        let mut series = dq_results::series(&mut tx, statistic, SERIES_LIMIT).await?;
        let end = series
            .iter()
            .position(|s| s.profile_id == profile)
            .ok_or_else(|| {
                GlueError::not_found(format!(
                    "Statistic {statistic} was not recorded in profile {profile}"
                ))
            })?;
        series.truncate(end + 1);
        Ok(series)
    }

    pub(crate) async fn get_model(&self, req: Req<'_>) -> Result<Value> {
        let profile = req.str("ProfileId")?;
        let point = match req.opt_str("StatisticId") {
            Some(statistic) => self.model_series(statistic, profile).await?.pop(),
            None => {
                let mut tx = self.inner.store.read().await?;
                let filter = StatisticFilter {
                    profile_id: Some(profile),
                    ..StatisticFilter::default()
                };
                dq_results::statistics(&mut tx, &filter, None, 1)
                    .await?
                    .pop()
                    .map(|(_, s)| s)
            }
        };
        let point =
            point.ok_or_else(|| GlueError::not_found(format!("Profile {profile} not found")))?;
        // Models are trained when they are read, from the included points.
        Ok(json!({
            "Status": "SUCCEEDED",
            "StartedOn": point.recorded_on,
            "CompletedOn": point.recorded_on,
        }))
    }

    pub(crate) async fn get_model_result(&self, req: Req<'_>) -> Result<Value> {
        let statistic = req.str("StatisticId")?;
        let profile = req.str("ProfileId")?;
        let series = self.model_series(statistic, profile).await?;
        let mut training: Vec<Option<f64>> = Vec::new();
        let mut model = Vec::with_capacity(series.len());
        for point in &series {
            let mut result = json!({
                "Date": point.recorded_on,
                "ActualValue": point.value,
                "InclusionAnnotation": if point.included { "INCLUDE" } else { "EXCLUDE" },
            });
            if let Some(p) = anomaly::predict(&training) {
                result["PredictedValue"] = json!(p.expected);
                result["LowerBound"] = json!(p.lower);
                result["UpperBound"] = json!(p.upper);
            }
            training.push(point.included.then_some(point.value));
            model.push(result);
        }
        Ok(json!({ "CompletedOn": self.now(), "Model": model }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_parts() {
        assert_eq!(parts("Dataset.*.RowCount"), ("Dataset", "*", "RowCount"));
        assert_eq!(
            parts("Column.fare.ColumnValues.Compliance"),
            ("Column", "fare", "ColumnValues.Compliance")
        );
        assert_eq!(parts("Column.Fare.Mean"), ("Column", "Fare", "Mean"));
        assert_eq!(
            parts("Multicolumn.a,b.Uniqueness"),
            ("Multicolumn", "a,b", "Uniqueness")
        );
    }

    #[test]
    fn statistic_ids_are_stable() {
        let a = statistic_id("r@db.t", "RowCount > 0", "Dataset.*.RowCount");
        assert_eq!(
            a,
            statistic_id("r@db.t", "RowCount > 0", "Dataset.*.RowCount")
        );
        assert_ne!(
            a,
            statistic_id("r@db.u", "RowCount > 0", "Dataset.*.RowCount")
        );
        assert!(a.starts_with("stat-") && a.len() == 21);
    }
}
