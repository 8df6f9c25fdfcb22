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

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, StringArray};
use serde_json::{json, Map, Value};

use crate::mask::Applied;

/// Gathers each column's findings and writes the `DetectedEntities` array.
#[derive(Debug)]
pub struct DetectedEntitiesBuilder {
    rows: Vec<Map<String, Value>>,
}

impl DetectedEntitiesBuilder {
    pub fn new(num_rows: usize) -> DetectedEntitiesBuilder {
        DetectedEntitiesBuilder {
            rows: vec![Map::new(); num_rows],
        }
    }

    /// Adds one column's findings; `original` is the column before masking (offsets refer to it).
    pub fn add_column(&mut self, column: &str, original: &StringArray, applied: &[Vec<Applied>]) {
        for (row, findings) in applied.iter().enumerate() {
            if findings.is_empty() || original.is_null(row) {
                continue;
            }
            let value = original.value(row);
            let entries: Vec<Value> = findings
                .iter()
                .map(|finding| {
                    let start = value[..finding.start].chars().count();
                    let end = start + value[finding.start..finding.end].chars().count();
                    json!({
                        "entityType": finding.entity.name(),
                        "actionUsed": finding.action,
                        "start": start,
                        "end": end,
                    })
                })
                .collect();
            if let Some(target) = self.rows.get_mut(row) {
                target.insert(column.to_owned(), Value::Array(entries));
            }
        }
    }

    pub fn finish(self) -> StringArray {
        let mut builder = StringBuilder::with_capacity(self.rows.len(), 0);
        for row in self.rows {
            if row.is_empty() {
                builder.append_null();
            } else {
                builder.append_value(Value::Object(row).to_string());
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
