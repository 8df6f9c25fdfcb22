//! The collector: a loop of `weir serve` that finds the catalog's tables changed since it last
//! looked, records the metrics of each Iceberg table's new snapshots as a data quality profile
//! (one per snapshot: context `iceberg-metrics@DATABASE.TABLE`, rule `IcebergTableMetrics`,
//! metrics `Dataset.*.Iceberg.<metric>`), judges the newest snapshot's values with the data
//! quality anomaly detector against the table's earlier (included) values, and keeps them for
//! `/metrics`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use weir_metastore::dq_results::{self, Statistic, StatisticFilter};
use weir_metastore::{tables, Metastore};
use weir_quality::eval::anomaly;
use weir_quality::statistics::statistic_id;

use crate::compute::{snapshot_metrics, Metrics};

/// The rule table metrics are recorded under.
pub const RULE: &str = "IcebergTableMetrics";
/// Snapshots of one table recorded in one visit at the most (the newest ones).
const SNAPSHOTS_PER_VISIT: usize = 50;
/// The data points the anomaly detector reads at the most.
const HISTORY: usize = 1_000;
/// Changes are looked for again this far back: a transaction that committed late with an
/// earlier time is not missed.
const OVERLAP_SECONDS: f64 = 60.0;

/// How often the collector looks (`[table_metrics]` of the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Seconds between two looks at the catalog's changed tables.
    pub poll_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { poll_seconds: 10 }
    }
}

/// What a table's metrics are recorded as.
pub fn context(database: &str, table: &str) -> String {
    format!("iceberg-metrics@{database}.{table}")
}

/// The recorded name of a metric (a dataset-level statistic named `Iceberg.<metric>`).
pub fn metric_name(metric: &str) -> String {
    format!("Dataset.*.Iceberg.{metric}")
}

/// The profile of one snapshot's metrics.
pub fn profile_id(database: &str, table: &str, snapshot_id: i64) -> String {
    let table_hash = &statistic_id(&context(database, table), "", "")[5..];
    format!("iceberg-{table_hash}-{snapshot_id}")
}

/// The newest snapshot of a table, as `/metrics` shows it.
#[derive(Debug, Clone, Default)]
struct Newest {
    metrics: Metrics,
    anomalous: BTreeSet<String>,
}

/// Collects table metrics; shared by the loop and `/metrics`.
pub struct Collector {
    store: Metastore,
    tables: weir_iceberg::Tables,
    settings: Settings,
    /// The table version each table was last visited at.
    visited: Mutex<HashMap<(String, String), i64>>,
    newest: Mutex<BTreeMap<(String, String), Newest>>,
}

impl Collector {
    pub fn new(store: Metastore, tables: weir_iceberg::Tables, settings: Settings) -> Arc<Self> {
        Arc::new(Collector {
            store,
            tables,
            settings,
            visited: Mutex::new(HashMap::new()),
            newest: Mutex::new(BTreeMap::new()),
        })
    }

    /// Starts the loop.
    pub fn spawn(self: &Arc<Self>) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut since = f64::MIN;
            loop {
                match this.collect(since).await {
                    Ok(next) => since = next,
                    Err(e) => tracing::warn!(error = %e, "collecting table metrics failed"),
                }
                tokio::time::sleep(Duration::from_secs(this.settings.poll_seconds.max(1))).await;
            }
        });
    }

    /// Visits the tables changed after `since` (less the overlap); returns the newest change
    /// seen.
    pub async fn collect(&self, since: f64) -> Result<f64, String> {
        let changed = {
            let mut tx = self.store.read().await.map_err(|e| e.to_string())?;
            tables::changed_since(&mut tx, since - OVERLAP_SECONDS)
                .await
                .map_err(|e| e.to_string())?
        };
        let mut newest = since;
        for (table, changed_at) in changed {
            newest = newest.max(changed_at);
            let key = (table.database_name.clone(), table.table.name.clone());
            if self.lock_visited().get(&key) == Some(&table.table.version_id) {
                continue;
            }
            if weir_iceberg::glue::is_iceberg(&table.table.doc) {
                if let Err(e) = self.visit(&key.0, &key.1, &table.table.doc).await {
                    tracing::warn!(table = %format!("{}.{}", key.0, key.1), error = %e, "table metrics not collected");
                    continue;
                }
            }
            self.lock_visited().insert(key, table.table.version_id);
        }
        Ok(newest)
    }

    fn lock_visited(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), i64>> {
        self.visited.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records the table's unrecorded snapshots and judges its newest.
    async fn visit(&self, database: &str, name: &str, doc: &Value) -> Result<(), String> {
        let mut glue = doc.clone();
        glue["Name"] = Value::String(name.to_string());
        let table = self
            .tables
            .of_glue_table(database, &glue)
            .await
            .map_err(|e| e.to_string())?;
        let metadata = table.metadata();
        let Some(current) = metadata.current_snapshot() else {
            return Ok(());
        };
        let mut snapshots: Vec<_> = metadata.snapshots().cloned().collect();
        snapshots.sort_by_key(|s| (s.sequence_number(), s.timestamp_ms()));
        let context = context(database, name);
        let mut unrecorded = Vec::new();
        for snapshot in snapshots.iter().rev().take(SNAPSHOTS_PER_VISIT) {
            if self
                .recorded(&profile_id(database, name, snapshot.snapshot_id()))
                .await?
                .is_some()
            {
                break;
            }
            unrecorded.push(snapshot.clone());
        }
        for snapshot in unrecorded.iter().rev() {
            let metrics = snapshot_metrics(&table, snapshot)
                .await
                .map_err(|e| e.to_string())?;
            let profile = profile_id(database, name, snapshot.snapshot_id());
            let points: Vec<Statistic> = metrics
                .iter()
                .map(|(metric, value)| Statistic {
                    statistic_id: statistic_id(&context, RULE, &metric_name(metric)),
                    profile_id: profile.clone(),
                    context: context.clone(),
                    rule: RULE.to_string(),
                    metric: metric_name(metric),
                    value: *value,
                    run_id: format!("snapshot-{}", snapshot.snapshot_id()),
                    recorded_on: snapshot.timestamp_ms() as f64 / 1000.0,
                    included: true,
                    annotated_on: 0.0,
                })
                .collect();
            let mut tx = self.store.write().await.map_err(|e| e.to_string())?;
            dq_results::record(&mut tx, &points)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())?;
        }
        let profile = profile_id(database, name, current.snapshot_id());
        let metrics = self.recorded(&profile).await?.unwrap_or_default();
        let mut anomalous = BTreeSet::new();
        for (metric, value) in &metrics {
            let id = statistic_id(&context, RULE, &metric_name(metric));
            if let Some(p) = self.prediction(&id, &profile).await? {
                if p.is_anomaly(*value) {
                    tracing::warn!(table = %format!("{database}.{name}"), metric = %metric, value, expected = p.expected,
                        lower = p.lower, upper = p.upper, "a table metric is outside the band its history predicts");
                    anomalous.insert(metric.clone());
                }
            }
        }
        self.newest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                (database.to_string(), name.to_string()),
                Newest { metrics, anomalous },
            );
        Ok(())
    }

    /// The metrics recorded in a profile, if it was recorded.
    async fn recorded(&self, profile: &str) -> Result<Option<Metrics>, String> {
        let mut tx = self.store.read().await.map_err(|e| e.to_string())?;
        let filter = StatisticFilter {
            profile_id: Some(profile),
            ..StatisticFilter::default()
        };
        let points = dq_results::statistics(&mut tx, &filter, None, HISTORY)
            .await
            .map_err(|e| e.to_string())?;
        if points.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            points
                .into_iter()
                .filter_map(|(_, s)| {
                    let metric = s.metric.strip_prefix(&metric_name(""))?.to_string();
                    Some((metric, s.value))
                })
                .collect(),
        ))
    }

    /// What the anomaly detector expects at the profile's point, from the included points
    /// before it.
    async fn prediction(
        &self,
        statistic: &str,
        profile: &str,
    ) -> Result<Option<anomaly::Prediction>, String> {
        let mut tx = self.store.read().await.map_err(|e| e.to_string())?;
        let series = dq_results::series(&mut tx, statistic, HISTORY)
            .await
            .map_err(|e| e.to_string())?;
        let Some(at) = series.iter().position(|s| s.profile_id == profile) else {
            return Ok(None);
        };
        let history: Vec<Option<f64>> = series[..at]
            .iter()
            .map(|s| s.included.then_some(s.value))
            .collect();
        Ok(anomaly::predict(&history))
    }

    /// The Prometheus text of every table's newest snapshot.
    pub fn render(&self) -> String {
        let newest = self.newest.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        let _ = writeln!(out, "# HELP weir_table_metric An Iceberg table's metric at its newest commit (snapshot.*, files.*, partitions.*).\n# TYPE weir_table_metric gauge");
        for ((database, table), n) in newest.iter() {
            for (metric, value) in &n.metrics {
                let _ = writeln!(
                    out,
                    "weir_table_metric{{{}}} {value}",
                    labels(database, table, metric)
                );
            }
        }
        let _ = writeln!(out, "# HELP weir_table_metric_anomaly 1 when the newest commit's value is outside the band the data quality anomaly detector expects from the table's earlier commits.\n# TYPE weir_table_metric_anomaly gauge");
        for ((database, table), n) in newest.iter() {
            for metric in n.metrics.keys() {
                let flag = u8::from(n.anomalous.contains(metric));
                let _ = writeln!(
                    out,
                    "weir_table_metric_anomaly{{{}}} {flag}",
                    labels(database, table, metric)
                );
            }
        }
        out
    }
}

fn labels(database: &str, table: &str, metric: &str) -> String {
    let escape = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "database=\"{}\",table=\"{}\",metric=\"{}\"",
        escape(database),
        escape(table),
        escape(metric)
    )
}
