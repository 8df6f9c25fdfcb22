//! Apache Iceberg tables in Weir, kept in the Glue Data Catalog as Iceberg's own Glue catalog
//! keeps them (`table_type` = `ICEBERG`, `metadata_location`), their files in Weir's object
//! stores.
//!
//! - [`tables`]: load, create, register, rename, drop, and commits that swap the table's
//!   `metadata_location` atomically (a concurrent writer gets a conflict, never a lost update).
//! - [`namespaces`]: namespaces are Glue databases.
//! - [`rest`]: the Iceberg REST catalog protocol over both, for PyIceberg, Spark, Trino;
//!   [`views`]: Iceberg views, kept as Glue views.
//! - [`node`]: the visual jobs' Iceberg sources and targets, as a connector the engine runs;
//!   [`write`] writes data files and commits them as a snapshot (upserts and Debezium change
//!   events are merged copy-on-write by the engine's `job::merge`); [`parquet_properties`]:
//!   how its Parquet files are written (the table's `write.parquet.*`, zstd by default).
//! - [`storage`]: Iceberg's file I/O on Weir's object stores; [`files`]: the files a table's
//!   metadata reaches.
//! - [`glue`]: how an Iceberg table looks as a Glue table; [`create_input`]: Glue's CreateTable
//!   with `OpenTableFormatInput`, which creates an Iceberg table.

pub mod catalog;
pub mod create_input;
pub mod error;
pub mod files;
pub mod glue;
pub mod maintenance;
pub mod namespaces;
pub mod node;
pub mod parquet_properties;
pub mod rest;
pub mod storage;
pub mod tables;
pub mod views;
pub mod write;

pub use error::{Error, Result};
pub use rest::RestCatalog;
pub use tables::Tables;
