#!/usr/bin/env python3
"""Job service benchmark: what going through `weir serve` costs a job run.

  job_service.py --weir BIN [--metastore sqlite|postgres://USER@HOST:PORT/postgres] [--runs 1000]
                 [--overhead-runs 30] [--json-out FILE]

1. Queue: one no-op visual job (a one-line CSV to Parquet) with MaxConcurrentRuns=1 and job run
   queuing; RUNS StartJobRun calls as fast as one boto3 client sends them (admissions per second),
   then every run to its end. Reported: StartJobRun calls/s, runs finished/s, and the delay from
   a run's end (its CompletedOn) to the next queued run's start (its StartedOn) — the time
   capacity stays idle — p50/p99/max.
2. Overhead: the same job started with StartJobRun and polled with GetJobRun (every 2 ms) until
   SUCCEEDED, one at a time, beside `weir job run` of the same job as a process: medians.

The script starts and stops its own `weir serve` (loopback, a temp data dir; with a PostgreSQL
admin URL it creates and drops a fresh database). Nothing asserts on timings; every run must end
SUCCEEDED.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
from botocore.config import Config

from weir_serve import start_server


def client(url: str):
    return boto3.client("glue", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench", config=Config(retries={"total_max_attempts": 1}))


def noop_job(name: str, work: Path) -> dict:
    csv = work / "one.csv"
    csv.write_text("1|one\n")
    return {
        "Name": name, "Role": "bench", "Command": {"Name": "glueetl"},
        "CodeGenConfigurationNodes": {
            "src": {"S3CsvSource": {"Name": "one", "Paths": [str(csv)], "Separator": "pipe", "QuoteChar": "quote",
                                    "WithHeader": False}},
            "out": {"S3GlueParquetTarget": {"Name": "out", "Inputs": ["src"], "Path": str(work / name) + "/",
                                            "Compression": "snappy"}},
        },
    }


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def all_runs(glue, job: str) -> list[dict]:
    runs = []
    for page in glue.get_paginator("get_job_runs").paginate(JobName=job):
        runs += page["JobRuns"]
    return runs


def queue_phase(glue, work: Path, n: int) -> dict:
    job = noop_job("bench-queue", work)
    glue.create_job(**job, ExecutionProperty={"MaxConcurrentRuns": 1}, JobRunQueuingEnabled=True)
    t0 = time.perf_counter()
    ids = [glue.start_job_run(JobName="bench-queue")["JobRunId"] for _ in range(n)]
    submit = time.perf_counter() - t0
    while True:
        runs = {r["Id"]: r for r in all_runs(glue, "bench-queue")}
        if all(runs[i]["JobRunState"] in ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT") for i in ids):
            break
        time.sleep(0.5)
    ordered = [runs[i] for i in ids]
    failed = [r for r in ordered if r["JobRunState"] != "SUCCEEDED"]
    if failed:
        sys.exit(f"{len(failed)} runs did not succeed, e.g. {failed[0].get('ErrorMessage')}")
    delays = [(b["StartedOn"] - a["CompletedOn"]).total_seconds() * 1000 for a, b in zip(ordered, ordered[1:])]
    span = (ordered[-1]["CompletedOn"] - ordered[0]["StartedOn"]).total_seconds()
    return {
        "runs": n,
        "start_job_run_per_s": round(n / submit, 1),
        "runs_finished_per_s": round(n / span, 1),
        "idle_ms_p50": round(percentile(delays, 50), 2),
        "idle_ms_p99": round(percentile(delays, 99), 2),
        "idle_ms_max": round(max(delays), 2),
        "run_ms_median": round(statistics.median(
            (r["CompletedOn"] - r["StartedOn"]).total_seconds() * 1000 for r in ordered), 2),
    }


def overhead_phase(glue, weir: str, work: Path, n: int) -> dict:
    job = noop_job("bench-once", work)
    glue.create_job(**job)
    service = []
    for _ in range(n + 1):
        t0 = time.perf_counter()
        run_id = glue.start_job_run(JobName="bench-once")["JobRunId"]
        while (state := glue.get_job_run(JobName="bench-once", RunId=run_id)["JobRun"]["JobRunState"]) not in (
                "SUCCEEDED", "FAILED"):
            time.sleep(0.002)
        if state != "SUCCEEDED":
            sys.exit(f"run {run_id} ended {state}")
        service.append(time.perf_counter() - t0)
    job_file = work / "noop.json"
    job_file.write_text(json.dumps(noop_job("bench-cli", work)))
    cli = []
    for _ in range(n + 1):
        t0 = time.perf_counter()
        subprocess.run([weir, "job", "run", str(job_file), "--data-dir", str(work / "cli-state")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cli.append(time.perf_counter() - t0)
    s, c = statistics.median(service[1:]) * 1000, statistics.median(cli[1:]) * 1000
    return {"runs": n, "service_ms_median": round(s, 1), "weir_job_run_ms_median": round(c, 1),
            "service_minus_process_ms": round(s - c, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weir", required=True)
    ap.add_argument("--metastore", default="sqlite", help="sqlite, or a PostgreSQL admin URL")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--overhead-runs", type=int, default=30)
    ap.add_argument("--json-out")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="weir-jobs-bench-") as tmp:
        work = Path(tmp)
        metastore, database = None, None
        if a.metastore != "sqlite":
            database = f"weir_jobs_bench_{uuid.uuid4().hex[:8]}"
            subprocess.run(["psql", a.metastore, "-qc", f"CREATE DATABASE {database}"], check=True)
            metastore = a.metastore.rsplit("/", 1)[0] + "/" + database
        proc, url = start_server(a.weir, work, metastore)
        try:
            glue = client(url)
            result = {"backend": "postgres" if database else "sqlite",
                      "queue": queue_phase(glue, work, a.runs),
                      "overhead": overhead_phase(glue, a.weir, work, a.overhead_runs)}
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if database:
                subprocess.run(["psql", a.metastore, "-qc", f"DROP DATABASE {database}"], check=False)
    print(json.dumps(result, indent=1))
    if a.json_out:
        with open(a.json_out, "a") as f:
            f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
