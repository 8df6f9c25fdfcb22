//! Custom entity types of sensitive data detection: the `CustomEntityType` document by name.

use crate::named_docs::NamedDocs;

/// The custom entity types.
pub const CUSTOM_ENTITY_TYPES: NamedDocs =
    NamedDocs::new("custom_entity_types", "custom entity type");
