//! Integration tests of the catalog service on both metastores: one conformance suite, run on
//! SQLite and on PostgreSQL, plus atomic groups, concurrency and durability.
#![allow(clippy::unwrap_used)]

mod atomic;
mod concurrency;
mod conformance;
mod support;
