//! The metrics of one snapshot of an Iceberg table, from its metadata.

use std::collections::{BTreeMap, HashMap};

use futures::{stream, StreamExt, TryStreamExt};
use iceberg::spec::{DataContentType, SnapshotRef};
use iceberg::table::Table;

/// How many manifests are read at once.
const PARALLEL: usize = 8;

/// Metric name → value.
pub type Metrics = BTreeMap<String, f64>;

/// The snapshot's metrics: its summary's counts, and those of its live data files and
/// partitions.
pub async fn snapshot_metrics(table: &Table, snapshot: &SnapshotRef) -> iceberg::Result<Metrics> {
    let mut metrics = Metrics::new();
    for (key, value) in &snapshot.summary().additional_properties {
        if let Ok(number) = value.parse::<f64>() {
            metrics.insert(format!("snapshot.{}", key.replace('-', "_")), number);
        }
    }
    let manifests: Vec<_> = table
        .manifest_list_reader(snapshot)
        .load()
        .await?
        .consume_entries()
        .into_iter()
        .collect();
    let io = table.file_io();
    // (partition, records, bytes) of every live data file.
    let files: Vec<Vec<(String, f64, f64)>> = stream::iter(manifests)
        .map(|manifest| async move {
            let manifest = manifest.load_manifest(io).await?;
            Ok::<_, iceberg::Error>(
                manifest
                    .entries()
                    .iter()
                    .filter(|e| e.is_alive() && e.content_type() == DataContentType::Data)
                    .map(|e| {
                        let file = e.data_file();
                        (
                            format!("{:?}", file.partition()),
                            file.record_count() as f64,
                            file.file_size_in_bytes() as f64,
                        )
                    })
                    .collect(),
            )
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await?;
    let files: Vec<(String, f64, f64)> = files.into_iter().flatten().collect();
    let records: Vec<f64> = files.iter().map(|f| f.1).collect();
    let sizes: Vec<f64> = files.iter().map(|f| f.2).collect();
    metrics.insert("files.count".into(), files.len() as f64);
    describe(&mut metrics, "files", "record_count", &records);
    describe(&mut metrics, "files", "file_size", &sizes);

    let mut partitions: HashMap<&str, (f64, f64)> = HashMap::new();
    for (partition, records, _) in &files {
        let entry = partitions.entry(partition.as_str()).or_default();
        entry.0 += records;
        entry.1 += 1.0;
    }
    let records: Vec<f64> = partitions.values().map(|p| p.0).collect();
    let counts: Vec<f64> = partitions.values().map(|p| p.1).collect();
    metrics.insert("partitions.count".into(), partitions.len() as f64);
    describe(&mut metrics, "partitions", "record_count", &records);
    describe(&mut metrics, "partitions", "file_count", &counts);
    metrics.insert("partitions.skew_record_count".into(), skewness(&records));
    metrics.insert("partitions.skew_file_count".into(), skewness(&counts));
    Ok(metrics)
}

/// `GROUP.avg_NAME`, `min_NAME` and `max_NAME` of the values (none when there are none).
fn describe(metrics: &mut Metrics, group: &str, name: &str, values: &[f64]) {
    if values.is_empty() {
        return;
    }
    let sum: f64 = values.iter().sum();
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    metrics.insert(format!("{group}.avg_{name}"), sum / values.len() as f64);
    metrics.insert(format!("{group}.min_{name}"), min);
    metrics.insert(format!("{group}.max_{name}"), max);
}

/// The (Fisher–Pearson) skewness of the values: 0 for a symmetric distribution (and for fewer
/// than three values or no spread), positive when a few are much larger than the rest.
pub fn skewness(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if values.len() < 3 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n;
    let moment = |k: i32| values.iter().map(|v| (v - mean).powi(k)).sum::<f64>() / n;
    let variance = moment(2);
    if variance <= f64::EPSILON * mean.abs().max(1.0) {
        return 0.0;
    }
    moment(3) / variance.powf(1.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skewness_is_zero_when_balanced_and_positive_when_one_partition_dominates() {
        assert_eq!(skewness(&[10.0, 10.0, 10.0, 10.0]), 0.0);
        assert!(skewness(&[1.0, 2.0, 3.0]).abs() < 1e-12);
        assert!(skewness(&[10.0, 10.0, 10.0, 1000.0]) > 1.0);
        assert!(skewness(&[1000.0, 1000.0, 1000.0, 1.0]) < -1.0);
        assert_eq!(skewness(&[5.0, 500.0]), 0.0);
    }
}
