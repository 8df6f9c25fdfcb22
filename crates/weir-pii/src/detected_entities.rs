//! The `DetectedEntities` column that row-level PIIDetection adds to its output.
//!
//! Glue's exact serialisation is not in the API model. Weir writes, per row, a JSON object
//! keyed by column name, each holding the findings in that column:
//!
//! ```json
//! {"email": [{"entityType": "EMAIL", "actionUsed": "REDACT", "start": 0, "end": 17}]}
//! ```
//!
//! following Glue's fine-grained detection output as Weir understands it. `start` and `end`
//! count characters (Unicode scalar values) of the original value, end exclusive, so they do
//! not depend on Rust's byte offsets. Rows without findings get a null.

use std::fmt::Write;

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, StringArray};
use serde_json::Value;

use crate::mask::Applied;

/// Gathers each column's findings and writes the `DetectedEntities` array.
///
/// Each row's JSON is written directly as columns are added (no per-row maps): the column is
/// built for every row of every batch, so it must cost little beside detection.
#[derive(Debug)]
pub struct DetectedEntitiesBuilder {
    /// Per row, the members written so far (`"col":[...]`, comma-separated); empty for none.
    rows: Vec<String>,
}

impl DetectedEntitiesBuilder {
    pub fn new(num_rows: usize) -> DetectedEntitiesBuilder {
        DetectedEntitiesBuilder {
            rows: vec![String::new(); num_rows],
        }
    }

    /// Adds one column's findings; `original` is the column before masking (offsets refer to it).
    pub fn add_column(&mut self, column: &str, original: &StringArray, applied: &[Vec<Applied>]) {
        let key = Value::from(column).to_string();
        for (row, findings) in applied.iter().enumerate() {
            if findings.is_empty() || original.is_null(row) {
                continue;
            }
            let Some(out) = self.rows.get_mut(row) else {
                continue;
            };
            let value = original.value(row);
            if !out.is_empty() {
                out.push(',');
            }
            out.push_str(&key);
            out.push_str(":[");
            for (i, finding) in findings.iter().enumerate() {
                let start = value[..finding.start].chars().count();
                let end = start + value[finding.start..finding.end].chars().count();
                if i > 0 {
                    out.push(',');
                }
                // Writing to a String cannot fail.
                let _ = write!(
                    out,
                    r#"{{"entityType":{},"actionUsed":"{}","start":{start},"end":{end}}}"#,
                    Value::from(finding.entity.name()),
                    finding.action,
                );
            }
            out.push(']');
        }
    }

    pub fn finish(self) -> StringArray {
        let bytes: usize = self.rows.iter().map(|r| r.len() + 2).sum();
        let mut builder = StringBuilder::with_capacity(self.rows.len(), bytes);
        let mut json = String::new();
        for row in &self.rows {
            if row.is_empty() {
                builder.append_null();
            } else {
                json.clear();
                json.push('{');
                json.push_str(row);
                json.push('}');
                builder.append_value(&json);
            }
        }
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity_type::ManagedEntity;

    #[test]
    fn offsets_count_characters_and_columns_merge() {
        let notes = StringArray::from(vec![Some("é → a@b.io"), None, Some("nothing")]);
        let ssn = StringArray::from(vec![Some("123-45-6789"), None, None]);
        let mut builder = DetectedEntitiesBuilder::new(3);
        builder.add_column(
            "notes",
            &notes,
            &[
                vec![Applied {
                    entity: ManagedEntity::Email.into(),
                    start: "é → ".len(),
                    end: "é → a@b.io".len(),
                    action: "REDACT",
                }],
                vec![],
                vec![],
            ],
        );
        builder.add_column(
            "ssn",
            &ssn,
            &[
                vec![Applied {
                    entity: ManagedEntity::UsaSsn.into(),
                    start: 0,
                    end: 11,
                    action: "DETECT",
                }],
                vec![],
                vec![],
            ],
        );
        let out = builder.finish();
        assert_eq!(
            out.value(0),
            r#"{"notes":[{"entityType":"EMAIL","actionUsed":"REDACT","start":4,"end":10}],"ssn":[{"entityType":"USA_SSN","actionUsed":"DETECT","start":0,"end":11}]}"#
        );
        assert!(out.is_null(1));
        assert!(out.is_null(2));
    }
}
