//! Weir's metastore: the Data Catalog's storage.
//!
//! One logical schema on two backends — SQLite (embedded default) and PostgreSQL — reached
//! through one code path ([`db`]). Each catalog aggregate has its own module of queries
//! that take the transaction ([`Tx`]) as a value, so a service composes several of them in one
//! transaction. Entities are stored as their Glue JSON documents plus the columns needed to
//! find them (names, version ids, partition values, indexed partition-key values).

pub mod classifiers;
pub mod column_stats;
pub mod connections;
pub mod crawlers;
pub mod custom_entity_types;
pub mod databases;
pub mod db;
mod doc;
pub mod dq_results;
pub mod dq_rulesets;
pub mod error;
pub mod functions;
pub mod job_bookmarks;
pub mod job_runs;
pub mod jobs;
mod migrations;
pub mod named_docs;
pub mod partitions;
pub mod table_optimizers;
pub mod tables;
pub mod tags;

pub use db::{Backend, Metastore, Tx};
pub use error::{Error, Result};
