"""Job runs outlive the servers that run them: a server killed mid-run leaves no run RUNNING once
it (or another server) is back, queued runs proceed, two servers on one PostgreSQL run each queued
run exactly once, a run past its Timeout ends TIMEOUT, and a run past its memory spills to disk or, where
it cannot, fails alone."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from test_job_service import ENDED, wait_run
from weir_harness import WeirServer, unique

ROLE = "arn:aws:iam::123456789012:role/glue"

# Attempt 0 sleeps (and is killed with its server); the next attempt finds the marker and succeeds.
SLEEP_ONCE = """
import os, sys, time
from awsglue.utils import getResolvedOptions
a = getResolvedOptions(sys.argv, ["JOB_RUN_ID", "marker"])
if not os.path.exists(a["marker"]):
    open(a["marker"], "w").write(a["JOB_RUN_ID"])
    print("sleeping", flush=True)
    time.sleep(120)
"""

RECORD = """
import sys, time
from awsglue.utils import getResolvedOptions
a = getResolvedOptions(sys.argv, ["JOB_RUN_ID", "out"])
time.sleep(0.1)
with open(a["out"], "a") as f:
    f.write(a["JOB_RUN_ID"] + "\\n")
"""


def create_shell_job(glue, tmp_path: Path, code: str, **extra) -> str:
    name = unique("durable")
    script = tmp_path / f"{name}.py"
    script.write_text(code)
    glue.create_job(Name=name, Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": script.as_uri()}, **extra)
    return name


def wait_for_file(path: Path, timeout: float = 30.0) -> None:
    """Waits until the script under test has written `path` (it has started its work)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"the script never wrote {path}"
        time.sleep(0.05)


def executed_here(server: WeirServer, run_id: str) -> bool:
    """Whether the server's log shows it started the run."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", server.stderr_path.read_text(errors="replace"))
    return any("run started" in line and run_id in line for line in text.splitlines())


def test_a_server_killed_mid_run_resolves_the_run_when_it_is_back_and_queued_runs_proceed(backend, tmp_path):
    data_dir, metastore = backend.new_store()
    env = {"WEIR__JOBS__LEASE_SECONDS": "2"}
    server = WeirServer(backend=backend.name, data_dir=data_dir, metastore=metastore, log_dir=tmp_path, env=env).start()
    try:
        glue = server.client()
        marker = tmp_path / "marker"
        name = create_shell_job(glue, tmp_path, SLEEP_ONCE, DefaultArguments={"--marker": str(marker)},
                                JobRunQueuingEnabled=True)
        first = glue.start_job_run(JobName=name)["JobRunId"]
        queued = glue.start_job_run(JobName=name)["JobRunId"]
        wait_run(glue, name, first, states={"RUNNING"})
        wait_for_file(marker)
        server.kill()
        server = WeirServer(backend=backend.name, data_dir=data_dir, metastore=metastore, log_dir=tmp_path, env=env).start()
        glue = server.client()
        run = wait_run(glue, name, first, timeout=30)
        assert run["JobRunState"] == "FAILED"
        assert "stopped before the run ended" in run["ErrorMessage"]
        assert wait_run(glue, name, queued, timeout=30)["JobRunState"] == "SUCCEEDED"
    finally:
        server.stop()


def test_two_servers_on_one_postgresql_run_each_queued_run_once_and_recover_each_other(postgres, tmp_path):
    metastore = postgres.create_database()
    env = {"WEIR__JOBS__LEASE_SECONDS": "2", "WEIR__JOBS__POLL_MILLIS": "100"}
    servers = [
        WeirServer(backend="postgres", data_dir=tmp_path / f"s{i}", metastore=metastore, log_dir=tmp_path, env=env).start()
        for i in range(2)
    ]
    try:
        a, b = (s.client() for s in servers)
        out = tmp_path / "runs.txt"
        name = create_shell_job(a, tmp_path, RECORD, DefaultArguments={"--out": str(out)},
                                ExecutionProperty={"MaxConcurrentRuns": 4}, JobRunQueuingEnabled=True)
        ids = [(a if i % 2 else b).start_job_run(JobName=name)["JobRunId"] for i in range(50)]
        runs = [wait_run(a, name, i, timeout=120) for i in ids]
        assert [r["JobRunState"] for r in runs] == ["SUCCEEDED"] * 50
        lines = out.read_text().split()
        assert sorted(lines) == sorted(ids), "each run executed exactly once"
        ran = [sum(executed_here(s, i) for i in ids) for s in servers]
        assert sum(ran) == 50 and all(n > 0 for n in ran), ran

        marker = tmp_path / "marker"
        long = create_shell_job(a, tmp_path, SLEEP_ONCE, DefaultArguments={"--marker": str(marker)}, MaxRetries=1)
        first = a.start_job_run(JobName=long)["JobRunId"]
        wait_run(a, long, first, states={"RUNNING"})
        wait_for_file(marker)
        owner = next(s for s in servers if executed_here(s, first))
        survivor = next(s for s in servers if s is not owner)
        owner.kill()
        glue = survivor.client()
        run = wait_run(glue, long, first, timeout=30)
        assert run["JobRunState"] == "FAILED" and "stopped before the run ended" in run["ErrorMessage"]
        retry = glue.get_job_runs(JobName=long)["JobRuns"][0]
        assert retry["PreviousRunId"] == first and retry["Attempt"] == 1
        assert wait_run(glue, long, retry["Id"], timeout=30)["JobRunState"] == "SUCCEEDED"
        assert executed_here(survivor, retry["Id"])
    finally:
        for s in servers:
            s.stop()


def test_a_run_past_its_timeout_ends_timeout(glue, backend, tmp_path):
    if backend.name != "sqlite":
        pytest.skip("a minute of real time: once is enough (the clock-driven cases are Rust tests)")
    name = create_shell_job(glue, tmp_path, "import time\nprint('working', flush=True)\ntime.sleep(300)\n", Timeout=1)
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    run = wait_run(glue, name, run_id, timeout=100)
    assert run["JobRunState"] == "TIMEOUT"
    assert "Timeout of 1 minutes" in run["ErrorMessage"]
    assert 60 <= run["ExecutionTime"] <= 75


def test_a_run_that_outgrows_its_memory_fails_or_spills_and_the_service_goes_on(backend, tmp_path):
    if backend.name != "sqlite":
        pytest.skip("the memory bound is the run's, whatever the metastore")
    data_dir, metastore = backend.new_store()
    env = {"WEIR__JOBS__MEMORY_PER_DPU_MIB": "1"}  # 2 DPUs: the smallest pool a run gets, 16 MiB
    server = WeirServer(backend=backend.name, data_dir=data_dir, metastore=metastore, log_dir=tmp_path, env=env).start()
    try:
        glue = server.client()
        big = tmp_path / "big.csv"
        with open(big, "w") as f:
            f.write("id,name\n")
            f.writelines(f"{i},name-number-{i}\n" for i in range(1_000_000))
        nodes = {
            "src": {"S3CsvSource": {"Name": "in", "Paths": [str(big)], "Separator": "comma", "QuoteChar": "quote",
                                    "WithHeader": True}},
            "q": {"SparkSQL": {"Name": "all", "Inputs": ["src"], "SqlAliases": [{"From": "src", "Alias": "t"}],
                               "SqlQuery": "SELECT size(collect_list(name)) AS n FROM t"}},
            "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["q"], "Path": str(tmp_path / "out") + "/",
                                       "Format": "json"}},
        }
        name = unique("memory")
        glue.create_job(Name=name, Role=ROLE, Command={"Name": "glueetl"}, CodeGenConfigurationNodes=nodes,
                        MaxCapacity=2.0)
        run = wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=120)
        assert run["JobRunState"] == "FAILED"
        assert "Resources exhausted" in run["ErrorMessage"], run["ErrorMessage"]
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
        assert name in glue.list_jobs()["JobNames"]

        # A grouping whose hash table outgrows the same 16 MiB spills to disk and finishes,
        # every one of its million groups counted once.
        nodes["q"]["SparkSQL"]["SqlQuery"] = (
            "SELECT count(*) AS groups, sum(n) AS n, sum(low) AS low, min(name) AS first, max(name) AS last "
            "FROM (SELECT name, count(*) AS n, min(id) AS low FROM t GROUP BY name)")
        nodes["out"]["S3DirectTarget"]["Path"] = str(tmp_path / "grouped") + "/"
        name = unique("spill")
        glue.create_job(Name=name, Role=ROLE, Command={"Name": "glueetl"}, CodeGenConfigurationNodes=nodes,
                        MaxCapacity=2.0)
        run = wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=120)
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
        rows = [json.loads(line) for f in sorted((tmp_path / "grouped").iterdir()) for line in f.read_text().splitlines()]
        assert rows == [{"groups": 1_000_000, "n": 1_000_000, "low": 499_999_500_000,
                         "first": "name-number-0", "last": "name-number-999999"}]
    finally:
        server.stop()
