//! End-to-end runs of visual jobs on real files: every run reads and writes a temp dir.
#![allow(clippy::unwrap_used)]

mod bookmarks;
mod catalog_formats;
mod catalog_nodes;
mod catalog_tables;
mod csv_reads;
mod decimal_arithmetic;
mod edge_cases;
mod invalid_jobs;
mod memory_limit;
mod parquet_writes;
mod pipelines;
mod short_key_aggregate;
mod sources;
mod spark_fidelity;
mod spark_functions;
mod support;
mod transforms;
