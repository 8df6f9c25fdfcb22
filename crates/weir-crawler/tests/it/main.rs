//! The crawler service on both metastores (SQLite, and PostgreSQL unless
//! `WEIR_TEST_PG_URL=skip`) with what the wire cannot drive: the service's clock and
//! scheduler; and crawls with custom classifiers, their tables read back through the engine.
#![allow(clippy::unwrap_used)]

/// The catalog conformance suite's backends, shared rather than copied.
#[path = "../../../weir-catalog/tests/it/support.rs"]
#[allow(dead_code)]
mod support;

mod crawls;
mod custom_classifiers;
