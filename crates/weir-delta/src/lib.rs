//! Delta Lake tables in Weir, on delta-rs: read and written by visual jobs, kept in the Glue
//! Data Catalog as Glue's crawlers keep them (`table_type` = `DELTA`, the table's folder as its
//! location), their files in Weir's object stores.
//!
//! - [`storage`]: Delta tables opened on Weir's object stores (S3, Azure, local files), and
//!   where new tables go.
//! - [`glue`]: how a Delta table looks as a Glue table.
//! - [`write`]: a job's rows written as data files, committed later as one Delta commit.
//! - [`node`]: the visual jobs' Delta sources and targets, as a connector the engine runs.
//! - [`maintenance`]: compaction (delta-rs optimize) and vacuum, for table optimizers.

pub mod error;
pub mod glue;
pub mod maintenance;
pub mod node;
pub mod storage;
pub mod write;

pub use error::{Error, Result};
pub use node::DeltaConnector;
pub use storage::Deltas;
