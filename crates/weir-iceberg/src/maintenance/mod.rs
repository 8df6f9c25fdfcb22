//! Table upkeep, as Glue's table optimizers do it: compaction (small data files rewritten into
//! fewer, larger ones, in the order the strategy says: [`ordering`]), snapshot retention (old snapshots expired, the files only they reached
//! deleted) and orphan file deletion (files under the table's location that no metadata
//! reaches, older than a retention period). Each is one commit (or none) through [`Tables`], so
//! readers never see a half-done state.
//!
//! [`Tables`]: crate::Tables

pub mod compaction;
pub mod ordering;
pub mod orphans;
pub mod retention;
pub mod rewrite;
