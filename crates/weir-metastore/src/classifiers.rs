//! Classifiers: the `Classifier` document (one of its four kinds) by name.

use crate::named_docs::NamedDocs;

/// The classifiers.
pub const CLASSIFIERS: NamedDocs = NamedDocs::new("classifiers", "classifier");
