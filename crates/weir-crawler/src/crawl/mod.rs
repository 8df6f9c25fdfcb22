//! A crawl: from files to the catalog changes that describe them.
