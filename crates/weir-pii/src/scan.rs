//! Scanning a dataset for sensitive data (`weir pii scan`): every string column of every batch
//! through one [`Detector`], counting per column and entity type the rows and findings, with the
//! first few positions (row, characters) found — values only when asked for.

use std::collections::BTreeMap;

use arrow_array::{Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::DataFrame;
use futures::StreamExt;
use serde_json::{json, Value};

use crate::detect::{Detector, Sensitivity};
use crate::entity_type::EntityType;
use crate::CustomEntityType;

/// Positions kept per column and entity type.
pub const SAMPLES: usize = 3;

/// One finding shown as an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The row, counted from 0 in the order the dataset is read.
    pub row: u64,
    /// Characters of the value, end exclusive.
    pub start: usize,
    pub end: usize,
    /// The text found, when values may be shown.
    pub value: Option<String>,
}

/// What one column holds of one entity type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finding {
    /// Rows with at least one finding.
    pub rows: u64,
    pub findings: u64,
    pub samples: Vec<Position>,
}

/// A scan's report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub rows: u64,
    /// The string columns scanned, in order.
    pub columns: Vec<String>,
    /// By (column, entity type).
    pub findings: BTreeMap<(String, String), Finding>,
}

/// Scans every string column of `data` for `entity_types`.
pub async fn scan(
    data: DataFrame,
    entity_types: &[EntityType],
    custom_types: &[CustomEntityType],
    sensitivity: Sensitivity,
    show_values: bool,
) -> Result<Report, String> {
    let detector =
        Detector::new(entity_types, custom_types, sensitivity).map_err(|e| e.to_string())?;
    let columns: Vec<String> = data
        .schema()
        .fields()
        .iter()
        .filter(|f| {
            matches!(
                f.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            )
        })
        .map(|f| f.name().clone())
        .collect();
    let contexts: Vec<_> = columns
        .iter()
        .map(|c| detector.column_context(Some(c)))
        .collect();
    let mut report = Report {
        columns: columns.clone(),
        ..Report::default()
    };
    let mut stream = data.execute_stream().await.map_err(|e| e.to_string())?;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| e.to_string())?;
        for (c, name) in columns.iter().enumerate() {
            let Some(column) = batch.column_by_name(name) else {
                continue;
            };
            let text = cast(column, &DataType::Utf8).map_err(|e| e.to_string())?;
            let Some(values) = text.as_any().downcast_ref::<StringArray>() else {
                continue;
            };
            for row in 0..values.len() {
                if values.is_null(row) {
                    continue;
                }
                let value = values.value(row);
                let found = detector.detect_value(value, &contexts[c]);
                let mut seen_in_row: Vec<&str> = Vec::new();
                for m in &found {
                    let entry = report
                        .findings
                        .entry((name.clone(), m.entity.name().to_string()))
                        .or_default();
                    entry.findings += 1;
                    if !seen_in_row.contains(&m.entity.name()) {
                        entry.rows += 1;
                        seen_in_row.push(m.entity.name());
                    }
                    if entry.samples.len() < SAMPLES {
                        entry.samples.push(Position {
                            row: report.rows + row as u64,
                            start: value[..m.start].chars().count(),
                            end: value[..m.end].chars().count(),
                            value: show_values.then(|| value[m.start..m.end].to_string()),
                        });
                    }
                }
            }
        }
        report.rows += batch.num_rows() as u64;
    }
    Ok(report)
}

impl Report {
    pub fn to_json(&self) -> Value {
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|((column, entity), f)| {
                let samples: Vec<Value> = f
                    .samples
                    .iter()
                    .map(|p| {
                        let mut v = json!({ "row": p.row, "start": p.start, "end": p.end });
                        if let Some(text) = &p.value {
                            v["value"] = json!(text);
                        }
                        v
                    })
                    .collect();
                json!({
                    "column": column,
                    "entityType": entity,
                    "rows": f.rows,
                    "share": if self.rows == 0 { 0.0 } else { f.rows as f64 / self.rows as f64 },
                    "findings": f.findings,
                    "samples": samples,
                })
            })
            .collect();
        json!({ "rows": self.rows, "columns": self.columns, "findings": findings })
    }
}
