//! Stored documents: catalog entities are kept as their Glue JSON shape in a TEXT column.

use serde_json::Value;

use crate::error::{Error, Result};

pub(crate) fn parse(entity: &str, text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|source| Error::Corrupt {
        entity: entity.to_string(),
        source,
    })
}

pub(crate) fn to_text(doc: &Value) -> String {
    doc.to_string()
}
