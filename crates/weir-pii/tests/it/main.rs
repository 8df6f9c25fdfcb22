//! weir-pii integration tests: the PIIDetection node over whole batches, and properties of the
//! recognizers and actions.

mod column_level;
mod properties;
mod row_level;

use std::sync::Arc;

use arrow_array::StringArray;
use weir_pii::actions::ActionPolicy;
use weir_pii::sample::ColumnSampling;
use weir_pii::transform::PiiSettings;
use weir_pii::{Action, EntityType, Hasher, ManagedEntity, PiiTransform, Sensitivity};

/// A customer table as the seeds' PII story has it: string columns only, `id` included.
pub struct Customers {
    pub id: StringArray,
    pub name: StringArray,
    pub email: StringArray,
    pub phone: StringArray,
    pub ssn: StringArray,
    pub card: StringArray,
    pub notes: StringArray,
}

pub fn customers() -> Customers {
    Customers {
        id: StringArray::from(vec!["1", "2", "3"]),
        name: StringArray::from(vec![Some("Mary Johnson"), Some("José García"), None]),
        email: StringArray::from(vec![
            Some("mary.johnson@example.com"),
            Some("jose@example.org"),
            Some("n/a"),
        ]),
        phone: StringArray::from(vec!["(415) 555-0123", "4155550199", "order 4155550100"]),
        ssn: StringArray::from(vec!["123-45-6789", "078-05-1121", "666-12-3456"]),
        card: StringArray::from(vec![
            "4111 1111 1111 1111",
            "5500000000000004",
            "4111111111111112",
        ]),
        notes: StringArray::from(vec![
            Some("Called Mary Johnson at 415-555-0123 about card 4111-1111-1111-1111."),
            Some(""),
            Some("Prefers email: ops@example.com — merci"),
        ]),
    }
}

pub fn managed(types: &[ManagedEntity]) -> Vec<EntityType> {
    types.iter().copied().map(EntityType::Managed).collect()
}

pub fn seeds_types() -> Vec<EntityType> {
    managed(&[
        ManagedEntity::PersonName,
        ManagedEntity::Email,
        ManagedEntity::CreditCard,
        ManagedEntity::UsaSsn,
        ManagedEntity::PhoneNumber,
    ])
}

pub fn transform(
    pii_type: weir_pii::actions::PiiType,
    policy: ActionPolicy,
    hasher: Hasher,
) -> PiiTransform {
    PiiTransform::new(PiiSettings {
        pii_type,
        entity_types: seeds_types(),
        custom_types: Vec::new(),
        sensitivity: Sensitivity::High,
        policy,
        hasher,
        sampling: ColumnSampling::new(1.0, 0.5).expect("valid fractions"),
    })
    .expect("the seeds' types compile")
}

pub fn replace(text: &str) -> Action {
    Action::Replace {
        text: text.to_owned(),
    }
}

pub fn strings(array: &StringArray) -> Vec<Option<String>> {
    array.iter().map(|v| v.map(str::to_owned)).collect()
}

pub fn custom(name: &str) -> EntityType {
    EntityType::Custom(Arc::from(name))
}
