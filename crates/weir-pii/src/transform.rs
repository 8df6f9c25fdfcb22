//! The PIIDetection transform over the string columns of a batch: the pieces of the other
//! modules put together the way the node uses them.
//!
//! Row-level types detect in every cell of every column (the entity types per column follow
//! the [`ActionPolicy`]) and add a `DetectedEntities` column. Column-level types first
//! classify columns on a sample, then act on the whole of each column found to hold a type.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{Array, StringArray};

use crate::actions::{ActionPolicy, PiiType};
use crate::custom::CustomEntityType;
use crate::detect::{Detector, Sensitivity};
use crate::detected_entities::DetectedEntitiesBuilder;
use crate::entity_type::EntityType;
use crate::error::Result;
use crate::mask::{mask_rows, mask_whole_column, Hasher};
use crate::sample::{classify_column, ColumnFinding, ColumnSampling};

/// Everything a PIIDetection node configures.
#[derive(Debug, Clone)]
pub struct PiiSettings {
    pub pii_type: PiiType,
    /// `EntityTypesToDetect`, resolved.
    pub entity_types: Vec<EntityType>,
    /// Definitions of the custom types among `entity_types` (and in overrides).
    pub custom_types: Vec<CustomEntityType>,
    pub sensitivity: Sensitivity,
    pub policy: ActionPolicy,
    pub hasher: Hasher,
    pub sampling: ColumnSampling,
}

/// A string column of a batch, by name.
#[derive(Debug, Clone, Copy)]
pub struct NamedColumn<'a> {
    pub name: &'a str,
    pub values: &'a StringArray,
}

/// Row-level output: the columns after their actions, in input order, and `DetectedEntities`.
#[derive(Debug)]
pub struct RowLevelOutput {
    pub columns: Vec<StringArray>,
    pub detected_entities: StringArray,
}

/// The entity types of one column, as column-level classification found them.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnClassification {
    pub column: String,
    pub findings: Vec<ColumnFinding>,
}

/// A PIIDetection node ready to run; detectors are compiled once per distinct set of types (a
/// clone shares them: each thread of a run works on its own clone).
#[derive(Debug, Clone)]
pub struct PiiTransform {
    settings: PiiSettings,
    detectors: HashMap<Vec<EntityType>, Arc<Detector>>,
}

impl PiiTransform {
    /// Checks the settings by compiling the node-wide detector.
    pub fn new(settings: PiiSettings) -> Result<PiiTransform> {
        let mut transform = PiiTransform {
            settings,
            detectors: HashMap::new(),
        };
        let all = transform.settings.entity_types.clone();
        transform.detector(all)?;
        Ok(transform)
    }

    pub fn settings(&self) -> &PiiSettings {
        &self.settings
    }

    fn detector(&mut self, mut types: Vec<EntityType>) -> Result<Arc<Detector>> {
        types.sort();
        types.dedup();
        if let Some(detector) = self.detectors.get(&types) {
            return Ok(Arc::clone(detector));
        }
        let detector = Arc::new(Detector::new(
            &types,
            &self.settings.custom_types,
            self.settings.sensitivity,
        )?);
        self.detectors.insert(types, Arc::clone(&detector));
        Ok(detector)
    }

    fn types_for(&self, column: &str) -> Vec<EntityType> {
        self.settings
            .policy
            .entities_for_column(column, &self.settings.entity_types)
    }

    /// Row-level detection and actions over the string columns of a batch of `num_rows` rows
    /// (the batch may have no string column; `DetectedEntities` still has `num_rows` rows).
    pub fn apply_row_level(
        &mut self,
        num_rows: usize,
        columns: &[NamedColumn<'_>],
    ) -> Result<RowLevelOutput> {
        debug_assert!(columns.iter().all(|c| c.values.len() == num_rows));
        let mut detected = DetectedEntitiesBuilder::new(num_rows);
        let mut out = Vec::with_capacity(columns.len());
        for column in columns {
            let types = self.types_for(column.name);
            if types.is_empty() {
                out.push(column.values.clone());
                continue;
            }
            let detector = self.detector(types)?;
            let matches = detector.detect_column(column.values, Some(column.name));
            let policy = &self.settings.policy;
            let masked = mask_rows(
                column.values,
                &matches,
                |entity| policy.action_for(column.name, entity),
                &self.settings.hasher,
            );
            detected.add_column(column.name, column.values, &masked.applied);
            out.push(masked.array);
        }
        Ok(RowLevelOutput {
            columns: out,
            detected_entities: detected.finish(),
        })
    }

    /// Column-level classification: the types each column holds on a sample.
    pub fn classify(&mut self, columns: &[NamedColumn<'_>]) -> Result<Vec<ColumnClassification>> {
        let mut classified = Vec::with_capacity(columns.len());
        for column in columns {
            let types = self.types_for(column.name);
            let findings = if types.is_empty() {
                Vec::new()
            } else {
                let detector = self.detector(types)?;
                classify_column(
                    &detector,
                    column.values,
                    Some(column.name),
                    &self.settings.sampling,
                )
            };
            classified.push(ColumnClassification {
                column: column.name.to_owned(),
                findings,
            });
        }
        Ok(classified)
    }

    /// Column-level actions: each column classified as holding a type gets the action of its
    /// most frequent type; the others are returned unchanged.
    pub fn apply_column_level(
        &self,
        columns: &[NamedColumn<'_>],
        classification: &[ColumnClassification],
    ) -> Vec<StringArray> {
        columns
            .iter()
            .map(|column| {
                let action = classification
                    .iter()
                    .find(|c| c.column == column.name)
                    .and_then(|c| c.findings.first())
                    .and_then(|finding| {
                        self.settings
                            .policy
                            .action_for(column.name, &finding.entity)
                    });
                match action {
                    Some(action) => mask_whole_column(column.values, action, &self.settings.hasher),
                    None => column.values.clone(),
                }
            })
            .collect()
    }
}
