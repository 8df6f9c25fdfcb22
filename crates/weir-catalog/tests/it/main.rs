//! Integration tests of the catalog service on both metastores: one conformance suite, run on
//! SQLite and on PostgreSQL, plus concurrency and durability.
#![allow(clippy::unwrap_used)]

mod concurrency;
mod conformance;
mod support;
