CREATE TABLE crawlers (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE classifiers (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE crawls (
    crawler_name TEXT NOT NULL,
    crawl_id TEXT PRIMARY KEY,
    start_time DOUBLE PRECISION NOT NULL,
    state TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX crawls_by_crawler ON crawls (crawler_name, start_time)
