//! Column classification: which entity types a column holds, judged on a sample of its rows
//! (`SampleFraction`) against a share of values (`ThresholdFraction`).

use arrow_array::{Array, StringArrayType};

use crate::detect::Detector;
use crate::entity_type::EntityType;
use crate::error::{Error, Result};

/// `SampleFraction` and `ThresholdFraction`, and the seed that picks the sampled rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnSampling {
    sample_fraction: f64,
    threshold_fraction: f64,
    seed: u64,
}

impl Default for ColumnSampling {
    /// Glue's defaults: a tenth of the rows sampled, a tenth of them must hold the type.
    fn default() -> Self {
        ColumnSampling {
            sample_fraction: 0.1,
            threshold_fraction: 0.1,
            seed: 0,
        }
    }
}

impl ColumnSampling {
    pub fn new(sample_fraction: f64, threshold_fraction: f64) -> Result<ColumnSampling> {
        Ok(ColumnSampling {
            sample_fraction: fraction("SampleFraction", sample_fraction)?,
            threshold_fraction: fraction("ThresholdFraction", threshold_fraction)?,
            seed: 0,
        })
    }

    pub fn sample_fraction(&self) -> f64 {
        self.sample_fraction
    }

    pub fn threshold_fraction(&self) -> f64 {
        self.threshold_fraction
    }

    /// A different seed samples different rows; the same seed always samples the same rows.
    pub fn with_seed(mut self, seed: u64) -> ColumnSampling {
        self.seed = seed;
        self
    }

    /// Whether row `row` is in the sample: a hash of the row number and the seed, so the
    /// choice is spread evenly, reproducible and independent of batch boundaries only as far
    /// as row numbers are.
    fn samples(&self, row: usize) -> bool {
        let point = splitmix64(self.seed ^ row as u64) as f64 / u64::MAX as f64;
        point < self.sample_fraction
    }
}

fn fraction(option: &'static str, value: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::InvalidOption {
            option,
            value: value.to_string(),
            expected: "a fraction between 0 and 1",
        })
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// An entity type a column was found to hold.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnFinding {
    pub entity: EntityType,
    /// Sampled non-null values holding the type at least once.
    pub values_with_entity: usize,
    /// Non-null values sampled.
    pub values_sampled: usize,
}

impl ColumnFinding {
    pub fn fraction(&self) -> f64 {
        self.values_with_entity as f64 / self.values_sampled.max(1) as f64
    }
}

/// The entity types at least `threshold_fraction` of the sampled non-null values hold, most
/// frequent first. A column with non-null values always has at least one sampled, however
/// small the fraction, unless the fraction is 0.
pub fn classify_column<'a>(
    detector: &Detector,
    array: impl StringArrayType<'a>,
    column: Option<&str>,
    sampling: &ColumnSampling,
) -> Vec<ColumnFinding> {
    let context = detector.column_context(column);
    let len = Array::len(&array);
    let mut rows: Vec<usize> = (0..len)
        .filter(|&row| array.is_valid(row) && sampling.samples(row))
        .collect();
    if rows.is_empty() && sampling.sample_fraction > 0.0 {
        rows.extend((0..len).find(|&row| array.is_valid(row)));
    }
    let types: Vec<&EntityType> = detector.entity_types().collect();
    let mut counts = vec![0usize; types.len()];
    for &row in &rows {
        let matches = detector.detect_value(array.value(row), &context);
        for (index, entity) in types.iter().enumerate() {
            if matches.iter().any(|m| &m.entity == *entity) {
                counts[index] += 1;
            }
        }
    }
    let sampled = rows.len();
    let mut findings: Vec<ColumnFinding> = types
        .into_iter()
        .zip(counts)
        .filter(|&(_, hits)| {
            hits > 0 && hits as f64 >= sampling.threshold_fraction * sampled as f64
        })
        .map(|(entity, hits)| ColumnFinding {
            entity: entity.clone(),
            values_with_entity: hits,
            values_sampled: sampled,
        })
        .collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.values_with_entity));
    findings
}

#[cfg(test)]
mod tests {
    use arrow_array::StringArray;

    use super::*;
    use crate::detect::Sensitivity;
    use crate::entity_type::ManagedEntity;

    fn detector() -> Detector {
        let types = [ManagedEntity::Email, ManagedEntity::UsaSsn].map(EntityType::Managed);
        Detector::new(&types, &[], Sensitivity::Low).unwrap()
    }

    fn column(emails: usize, others: usize) -> StringArray {
        let mut values: Vec<Option<String>> = (0..emails)
            .map(|i| Some(format!("user{i}@example.com")))
            .collect();
        values.extend((0..others).map(|i| Some(format!("note {i}"))));
        values.push(None);
        StringArray::from(values)
    }

    #[test]
    fn a_column_holds_a_type_at_the_threshold() {
        let array = column(300, 700);
        let all = ColumnSampling::new(1.0, 0.3).unwrap();
        let findings = classify_column(&detector(), &array, None, &all);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].entity.name(), "EMAIL");
        assert_eq!(
            (findings[0].values_with_entity, findings[0].values_sampled),
            (300, 1000)
        );
        let stricter = ColumnSampling::new(1.0, 0.31).unwrap();
        assert!(classify_column(&detector(), &array, None, &stricter).is_empty());
    }

    #[test]
    fn sampling_reads_about_the_fraction_and_is_reproducible() {
        let array = column(5000, 5000);
        let sampling = ColumnSampling::new(0.1, 0.1).unwrap();
        let first = classify_column(&detector(), &array, None, &sampling);
        let again = classify_column(&detector(), &array, None, &sampling);
        assert_eq!(first, again);
        let sampled = first[0].values_sampled;
        assert!((800..1200).contains(&sampled), "{sampled}");
        assert!((first[0].fraction() - 0.5).abs() < 0.08);
        let reseeded = classify_column(&detector(), &array, None, &sampling.with_seed(7));
        assert_ne!(reseeded[0].values_sampled, 0);
    }

    #[test]
    fn tiny_and_null_columns() {
        let tiny = StringArray::from(vec![Some("a@b.io")]);
        let findings = classify_column(&detector(), &tiny, None, &ColumnSampling::default());
        assert_eq!(findings.len(), 1);
        let nulls = StringArray::from(vec![None::<&str>; 3]);
        assert!(classify_column(&detector(), &nulls, None, &ColumnSampling::default()).is_empty());
        let empty = StringArray::from(Vec::<&str>::new());
        assert!(classify_column(&detector(), &empty, None, &ColumnSampling::default()).is_empty());
    }

    #[test]
    fn fractions_outside_zero_to_one_are_refused() {
        assert!(matches!(
            ColumnSampling::new(1.5, 0.1),
            Err(Error::InvalidOption {
                option: "SampleFraction",
                ..
            })
        ));
        assert!(ColumnSampling::new(0.1, -0.1).is_err());
    }
}
