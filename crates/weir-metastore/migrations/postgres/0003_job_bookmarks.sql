CREATE TABLE job_bookmarks (
    job_name TEXT NOT NULL,
    version BIGINT NOT NULL,
    run BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    run_id TEXT,
    previous_run_id TEXT,
    bookmark TEXT,
    PRIMARY KEY (job_name, version)
);
CREATE INDEX job_bookmarks_by_run ON job_bookmarks (job_name, run_id)
