//! Table optimizers: the stored optimizer document by name (the JSON text of
//! `[database, table, type]`, which names its runs too).

use crate::named_docs::NamedDocs;

/// The table optimizers.
pub const TABLE_OPTIMIZERS: NamedDocs = NamedDocs::new("table_optimizers", "table optimizer");

/// The kind of an optimizer's runs in `job_runs`.
pub const OPTIMIZER_RUNS: &str = "TABLE_OPTIMIZER";
