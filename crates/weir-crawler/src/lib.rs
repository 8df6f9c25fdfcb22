//! Crawlers and classifiers: the Glue crawler and classifier API over the metastore, and
//! crawls, which list a target's files through the engine's object stores, infer each
//! folder's format and schema ([`crawl`]) and keep the catalog's tables and partitions true to
//! them.

pub mod crawl;
