ALTER TABLE job_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'JOB';
DROP INDEX job_runs_by_job;
CREATE INDEX job_runs_by_name ON job_runs (kind, job_name, seq);
DROP TABLE crawls
