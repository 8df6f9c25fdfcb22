//! Sensitive data detection for Weir: Glue's managed entity types and custom entity types
//! found in Arrow string arrays, and the actions of the PIIDetection transform.
//!
//! - [`entity_type`]: Glue's entity type names ([`ManagedEntity`], [`EntityType`]).
//! - [`detect`]: the [`Detector`] (prefilter → `RegexSet` → validators → context) and its
//!   per-row [`Match`]es.
//! - [`sample`]: column classification with `SampleFraction` / `ThresholdFraction`.
//! - [`mask`]: redaction, partial masking and salted hashing, per row and per column.
//! - [`actions`]: which action applies to which column and entity (`PiiType`,
//!   `DetectionParameters` overrides).
//! - [`detected_entities`]: the `DetectedEntities` output column.
//! - [`scan`]: which columns of a dataset hold which entity types (`weir pii scan`).
//! - [`transform`]: the PIIDetection node over a batch's string columns; [`node`]: the node in
//!   visual jobs (the engine's `NodeTransform`).

pub mod actions;
mod context;
pub mod custom;
pub mod detect;
pub mod detected_entities;
mod entities;
pub mod entity_type;
pub mod error;
pub mod mask;
pub mod node;
pub mod sample;
pub mod scan;
mod service;
pub mod transform;

pub use custom::CustomEntityType;
pub use detect::{detect, ColumnContext, Detector, Match, Sensitivity};
pub use entity_type::{EntityType, ManagedEntity};
pub use error::{Error, Result};
pub use mask::{Action, Hasher, PartialMask};
pub use service::PiiService;
pub use transform::{NamedColumn, PiiSettings, PiiTransform};
