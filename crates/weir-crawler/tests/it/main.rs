//! The crawler service on both metastores (SQLite, and PostgreSQL unless
//! `WEIR_TEST_PG_URL=skip`): what the wire cannot reach yet — crawls written to the `crawls`
//! table, read back by ListCrawls and GetCrawlerMetrics — and the conditional writes; and
//! crawls with custom classifiers, their tables read back through the engine.
#![allow(clippy::unwrap_used)]

/// The catalog conformance suite's backends, shared rather than copied.
#[path = "../../../weir-catalog/tests/it/support.rs"]
#[allow(dead_code)]
mod support;

mod crawls;
mod custom_classifiers;
