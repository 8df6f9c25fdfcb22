//! JDBC connections for Weir: PostgreSQL (and Redshift) and MySQL/MariaDB, reached through a
//! catalog connection of type `JDBC`.
//!
//! - [`connection`]: a catalog connection's URL, credentials and TLS settings, and
//!   TestConnection's check.
//! - [`read`]: a table or query read as Arrow batches, streamed, in parallel partitions.
//! - [`write`]: a target table written in one transaction per run (append, overwrite,
//!   upsert on keys), committed or rolled back with the rest of the run.
//! - [`node`]: the visual jobs' JDBC sources and targets, as a connector the engine runs.
//! - [`crawl`]: a crawler's `JdbcTargets`: the tables an include path matches, as catalog tables.
//! - [`service`]: the `TestConnection` operation.
//!
//! Column types map as [`types`] tells; timestamps are read and written as UTC.

pub mod connection;
pub mod crawl;
pub mod dialect;
pub mod error;
pub mod node;
pub mod read;
pub mod service;
pub mod types;
pub mod write;

pub use connection::JdbcConnection;
pub use dialect::Dialect;
pub use error::{Error, Result};
