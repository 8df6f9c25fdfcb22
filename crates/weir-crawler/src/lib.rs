//! Crawlers and classifiers: the Glue crawler and classifier API over the metastore, and
//! crawls, which list a target's files through the engine's object stores, infer each
//! folder's format and schema ([`crawl`]) and keep the catalog's tables and partitions true to
//! them.
//!
//! - [`schedule`]: Glue's `cron(…)` syntax and the next firing of a schedule.

pub mod crawl;
pub mod schedule;
