CREATE TABLE dq_results (
    seq INTEGER PRIMARY KEY,
    result_id TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    source TEXT NOT NULL,
    started_on DOUBLE PRECISION NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX dq_results_by_run ON dq_results (run_id);
CREATE INDEX dq_results_by_source ON dq_results (source, seq);
CREATE TABLE dq_statistics (
    seq INTEGER PRIMARY KEY,
    statistic_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    context TEXT NOT NULL,
    rule TEXT NOT NULL,
    metric TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    run_id TEXT NOT NULL,
    recorded_on DOUBLE PRECISION NOT NULL,
    included BIGINT NOT NULL,
    annotated_on DOUBLE PRECISION NOT NULL
);
CREATE INDEX dq_statistics_by_context ON dq_statistics (context, seq);
CREATE INDEX dq_statistics_by_series ON dq_statistics (statistic_id, seq);
CREATE INDEX dq_statistics_by_profile ON dq_statistics (profile_id, seq)
