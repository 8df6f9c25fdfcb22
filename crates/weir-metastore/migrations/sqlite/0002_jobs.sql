CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE job_runs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    job_name TEXT NOT NULL,
    state TEXT NOT NULL,
    doc TEXT NOT NULL,
    dpus DOUBLE PRECISION NOT NULL,
    queued_at DOUBLE PRECISION NOT NULL,
    queue_attempts INTEGER NOT NULL,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    owner TEXT NOT NULL,
    lease_until DOUBLE PRECISION NOT NULL
);
CREATE INDEX job_runs_by_job ON job_runs (job_name, seq);
CREATE INDEX job_runs_by_state ON job_runs (state, seq);
CREATE TABLE job_run_logs (
    run_id TEXT PRIMARY KEY,
    log TEXT NOT NULL
)
