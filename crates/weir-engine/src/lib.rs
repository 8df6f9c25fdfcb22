//! Weir's data plane: Glue visual jobs run on Apache DataFusion.
//!
//! A job is the `CreateJob` input shape (or `aws glue get-job` output). Its
//! `CodeGenConfigurationNodes` map is validated against the botocore model, checked as a graph
//! ([`job::graph`]: supported node types, inputs that exist, no cycles), compiled node by node
//! into DataFusion `DataFrame`s ([`job::sources`], [`job::transforms`]) and executed by the
//! targets ([`job::targets`]), which write to run-private staging locations that
//! [`commit`] moves into place only when every target of the run succeeded.
//!
//! - [`session`]: the DataFusion session factory (object stores, configuration);
//!   [`dataset`]: a dataset named on a command line or in a request (a catalog table or files).
//! - [`stores`]: object stores by URL (`file://`, `s3://` with endpoint and path-style, `memory://`).
//! - [`glue_table`]: a catalog table as a DataFusion table (partitions from the catalog, pruned
//!   by [`partition_filter`]); [`sql_catalog`] makes every catalog table readable from SQL.
//! - [`formats`]: a catalog table's format (CSV, JSON, Parquet, Avro, ORC, grok patterns);
//!   [`self_described`] reads files that carry their schema in DataFusion scans, with a decoder
//!   per format: [`orc`], [`avro`], [`grok`]'s lines (their schema their pattern's) and [`xml`]'s
//!   records (their schema their table's).
//! - `plain_csv`: Weir's reader of CSV without quote characters, which CSV scans use where
//!   their options and column types allow (Arrow's reader reads the rest).
//!
//! Spark SQL itself — Spark's functions, aggregates, decimal arithmetic and Glue/Hive type
//! names — is `weir-spark`, which every session registers ([`session`]).

pub mod avro;
pub mod catalog;
pub mod commit;
pub mod dataset;
pub mod encoded_sink;
pub mod error;
pub mod formats;
pub mod glue_table;
pub mod grok;
pub mod job;
pub mod metrics;
pub mod orc;
pub mod parquet_dictionaries;
pub mod partition_filter;
mod plain_csv;
pub mod self_described;
pub mod session;
pub mod short_key_aggregate;
pub mod sql_catalog;
pub mod stores;
pub mod xml;

pub use error::{EngineError, Result};
pub use job::{run_job, JobDefinition, RunSummary};
pub use session::{Engine, EngineConfig};
