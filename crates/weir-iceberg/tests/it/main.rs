//! Iceberg tables in a real Glue catalog (SQLite metastore) with a local warehouse.
#![allow(clippy::unwrap_used)]

mod compaction;
mod maintenance;
mod parquet_writes;
mod support;
