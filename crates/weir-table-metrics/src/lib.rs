//! Per-commit metrics of Iceberg tables, as the Iceberg metadata-monitoring post collects them:
//! for each snapshot committed to a table of the catalog (by the Iceberg REST catalog, a job, an
//! optimizer or any Glue client moving `metadata_location`),
//!
//! - `snapshot.*`: its summary's counts (`snapshot.added_data_files`, `added_records`,
//!   `deleted_records`, `total_delete_files`, `added_position_deletes`, …);
//! - `files.*`: its live data files (`files.count`, `avg_record_count`, `avg_file_size`, their
//!   minimum and maximum);
//! - `partitions.*`: records and files per partition (`partitions.count`, averages, extremes,
//!   and the skewness of the distribution: `skew_record_count`, `skew_file_count`).
//!
//! [`compute`] reads them from the metadata (no data file is read). [`collector`] watches the
//! catalog for changed tables, records each new snapshot's metrics as a data quality profile (so
//! `ListDataQualityStatistics`, statistic annotations and `GetDataQualityModelResult` — the
//! data quality anomaly detector — apply to them), flags the values the detector finds
//! anomalous, and renders the newest of each table for `/metrics`.

pub mod collector;
pub mod compute;

pub use collector::{Collector, Settings};
