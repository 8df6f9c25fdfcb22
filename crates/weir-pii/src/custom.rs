//! Custom entity types, as CreateCustomEntityType defines them.

use regex::Regex;

use crate::entity_type::ManagedEntity;
use crate::error::{Error, Result};

/// A custom entity type: a name, a regular expression and optional context words.
///
/// When `context_words` is not empty, a match counts only if one of the words is near it in
/// the cell, or in the column name; otherwise the expression alone decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomEntityType {
    pub name: String,
    pub regex_string: String,
    pub context_words: Vec<String>,
}

impl CustomEntityType {
    pub fn new(name: impl Into<String>, regex_string: impl Into<String>) -> Self {
        CustomEntityType {
            name: name.into(),
            regex_string: regex_string.into(),
            context_words: Vec::new(),
        }
    }

    pub fn with_context_words<I, S>(mut self, words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.context_words = words.into_iter().map(Into::into).collect();
        self
    }

    /// Checks what CreateCustomEntityType checks: the name is not a managed type's, and the
    /// expression compiles. Returns the compiled expression.
    pub fn validate(&self) -> Result<Regex> {
        if ManagedEntity::from_name(&self.name).is_some() {
            return Err(Error::ReservedName {
                name: self.name.clone(),
            });
        }
        Regex::new(&self.regex_string).map_err(|source| Error::InvalidPattern {
            name: self.name.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_patterns_and_reserved_names_are_refused() {
        assert!(matches!(
            CustomEntityType::new("EMPLOYEE_ID", "EMP-(").validate(),
            Err(Error::InvalidPattern { name, .. }) if name == "EMPLOYEE_ID"
        ));
        assert!(matches!(
            CustomEntityType::new("EMAIL", "x").validate(),
            Err(Error::ReservedName { .. })
        ));
        assert!(CustomEntityType::new("EMPLOYEE_ID", r"EMP-\d{6}")
            .validate()
            .is_ok());
    }
}
