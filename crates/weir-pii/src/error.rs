//! What can go wrong while building a detector or reading PII options.

/// Errors of this crate; every variant is the caller's mistake (a bad pattern, name or option).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An entity type name is neither a managed type nor one of the custom types supplied.
    #[error("unknown entity type `{name}`: use one of Glue's managed entity types or a custom entity type")]
    UnknownEntityType { name: String },

    /// A custom entity type's `RegexString`, or a `MatchPattern`, does not compile.
    #[error("the regular expression of `{name}` is not valid: {source}")]
    InvalidPattern {
        name: String,
        #[source]
        source: regex::Error,
    },

    /// A custom entity type reuses the name of a managed entity type.
    #[error("the custom entity type `{name}` has the name of a managed entity type; choose another name")]
    ReservedName { name: String },

    /// An option of the PIIDetection transform has a value it cannot take.
    #[error("the option `{option}` cannot be `{value}`: {expected}")]
    InvalidOption {
        option: &'static str,
        value: String,
        expected: &'static str,
    },

    /// `DetectionParameters` is not the JSON document of fine-grained actions.
    #[error("DetectionParameters is not valid: {reason}")]
    InvalidDetectionParameters { reason: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
