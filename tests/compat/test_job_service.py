"""The job service through boto3 and the AWS CLI, on SQLite and PostgreSQL: jobs as Glue keeps
them, runs of visual jobs and Python shell scripts to their end, failures with their reason,
retries, stops, timeouts, queuing, logs, and runs that outlive the server that ran them."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from conftest import arn, expect_error
from weir_harness import WeirServer, unique, weir_bin

ENDED = {"SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"}


def wait_run(glue, job: str, run_id: str, states=ENDED, timeout: float = 60.0) -> dict:
    """Polls GetJobRun until the run is in one of `states`."""
    deadline = time.monotonic() + timeout
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] in states:
            return run
        assert time.monotonic() < deadline, f"run {run_id} still {run['JobRunState']} after {timeout}s"
        time.sleep(0.05)


def shell_job(glue, tmp_path: Path, code: str, **extra) -> str:
    """A pythonshell job running `code`; returns its name."""
    name = unique("shell")
    script = tmp_path / f"{name}.py"
    script.write_text(code)
    glue.create_job(
        Name=name,
        Role="arn:aws:iam::123456789012:role/glue",
        Command={"Name": "pythonshell", "ScriptLocation": script.as_uri(), "PythonVersion": "3.9"},
        **extra,
    )
    return name


ARGS_SCRIPT = """
import sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["JOB_NAME", "JOB_RUN_ID", "out", "greeting"])
with open(args["out"], "a") as f:
    f.write(f"{args['JOB_NAME']} {args['JOB_RUN_ID']} {args['greeting']}\\n")
print("wrote", args["greeting"])
"""


def test_create_job_round_trips_every_member_and_fills_glue_defaults(glue):
    name = unique("job")
    members = dict(
        Name=name,
        JobMode="VISUAL",
        JobRunQueuingEnabled=True,
        Description="daily load",
        LogUri="s3://logs/jobs/",
        Role="arn:aws:iam::123456789012:role/glue",
        ExecutionProperty={"MaxConcurrentRuns": 3},
        Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/job.py", "PythonVersion": "3"},
        DefaultArguments={"--enable-metrics": "true", "--day": "2024-01-01"},
        NonOverridableArguments={"--env": "prod"},
        Connections={"Connections": ["warehouse"]},
        MaxRetries=0,
        Timeout=60,
        SecurityConfiguration="secure",
        NotificationProperty={"NotifyDelayAfter": 5},
        GlueVersion="4.0",
        NumberOfWorkers=4,
        WorkerType="G.2X",
        CodeGenConfigurationNodes={
            "src": {"S3CsvSource": {"Name": "in", "Paths": ["/tmp/in/"], "Separator": "comma", "QuoteChar": "quote"}},
            "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": "/tmp/out/", "Format": "json"}},
        },
        ExecutionClass="STANDARD",
        SourceControlDetails={"Provider": "GITHUB", "Repository": "etl", "Branch": "main"},
        MaintenanceWindow="Sun:12",
    )
    assert glue.create_job(**members, Tags={"team": "data"})["Name"] == name
    job = glue.get_job(JobName=name)["Job"]
    for key, value in members.items():
        assert job[key] == value, key
    assert job["CreatedOn"] == job["LastModifiedOn"]
    assert glue.get_tags(ResourceArn=arn(f"job/{name}"))["Tags"] == {"team": "data"}
    expect_error("AlreadyExistsException", glue.create_job, Name=name, Role="r", Command={"Name": "glueetl"})

    plain = unique("job")
    glue.create_job(Name=plain, Role="r", Command={"Name": "glueetl"})
    job = glue.get_job(JobName=plain)["Job"]
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    assert (job["MaxRetries"], job["Timeout"], job["MaxCapacity"], job["AllocatedCapacity"]) == (0, 2880, 10.0, 10)
    shell = unique("job")
    glue.create_job(Name=shell, Role="r", Command={"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"})
    assert glue.get_job(JobName=shell)["Job"]["MaxCapacity"] == 0.0625


def test_bad_job_definitions_are_refused_naming_the_member(glue):
    message = expect_error("InvalidInputException", glue.create_job, Name=unique("j"), Role="r",
                           Command={"Name": "glueetl"}, WorkerType="G.1X")
    assert "NumberOfWorkers" in message
    message = expect_error("InvalidInputException", glue.create_job, Name=unique("j"), Role="r",
                           Command={"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"}, MaxCapacity=2.0)
    assert "MaxCapacity" in message
    message = expect_error("InvalidInputException", glue.create_job, Name=unique("j"), Role="r",
                           Command={"Name": "glueetl"}, MaxRetries=1, JobRunQueuingEnabled=True)
    assert "MaxRetries" in message
    expect_error("EntityNotFoundException", glue.get_job, JobName=unique("missing"))
    expect_error("EntityNotFoundException", glue.start_job_run, JobName=unique("missing"))


def test_update_job_replaces_the_definition_and_listings_page_and_filter_by_tag(glue):
    names = sorted(unique("list") for _ in range(3))
    for i, name in enumerate(names):
        glue.create_job(Name=name, Role="r", Command={"Name": "glueetl"}, Description=f"v{i}",
                        Tags={"suite": names[0], "index": str(i)})
    glue.update_job(JobName=names[0], JobUpdate={"Command": {"Name": "glueetl"}, "Timeout": 30})
    job = glue.get_job(JobName=names[0])["Job"]
    assert job["Timeout"] == 30 and "Description" not in job and job["Role"] == "r"
    assert job["LastModifiedOn"] >= job["CreatedOn"]
    expect_error("EntityNotFoundException", glue.update_job, JobName=unique("missing"), JobUpdate={"Timeout": 1})

    listed = glue.list_jobs(Tags={"suite": names[0]})
    assert listed["JobNames"] == names
    assert glue.list_jobs(Tags={"suite": names[0], "index": "1"})["JobNames"] == [names[1]]
    pages = list(glue.get_paginator("get_jobs").paginate(PaginationConfig={"PageSize": 2}))
    seen = [j["Name"] for p in pages for j in p["Jobs"]]
    assert all(n in seen for n in names) and len(seen) == len(set(seen))
    pages = list(glue.get_paginator("list_jobs").paginate(PaginationConfig={"PageSize": 1}))
    assert all(len(p["JobNames"]) <= 1 for p in pages)

    got = glue.batch_get_jobs(JobNames=[names[1], "no_such_job"])
    assert [j["Name"] for j in got["Jobs"]] == [names[1]] and got["JobsNotFound"] == ["no_such_job"]
    assert glue.delete_job(JobName=names[2])["JobName"] == names[2]
    assert glue.delete_job(JobName=names[2])["JobName"] == names[2]
    expect_error("EntityNotFoundException", glue.get_tags, ResourceArn=arn(f"job/{names[2]}"))


def test_a_visual_job_runs_to_succeeded_and_a_failing_node_names_its_error(glue, weir, tmp_path):
    data = tmp_path / "in"
    data.mkdir()
    (data / "a.csv").write_text("id,name\n1,one\n2,two\n")
    out = tmp_path / "out"
    name = unique("visual")
    nodes = {
        "src": {"S3CsvSource": {"Name": "in", "Paths": [str(data) + "/"], "Separator": "comma",
                                "QuoteChar": "quote", "WithHeader": True}},
        "q": {"SparkSQL": {"Name": "upper", "Inputs": ["src"], "SqlAliases": [{"From": "src", "Alias": "t"}],
                           "SqlQuery": "SELECT CAST(id AS INT) AS id, upper(name) AS name FROM t"}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["q"], "Path": str(out) + "/", "Format": "json"}},
    }
    glue.create_job(Name=name, Role="r", Command={"Name": "glueetl"}, CodeGenConfigurationNodes=nodes)
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    assert run_id.startswith("jr_") and len(run_id) == 67
    run = wait_run(glue, name, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert run["Attempt"] == 0 and run["CompletedOn"] >= run["StartedOn"]
    rows = [json.loads(line) for f in sorted(out.rglob("*.json")) for line in f.read_text().splitlines()]
    assert sorted(rows, key=lambda r: r["id"]) == [{"id": 1, "name": "ONE"}, {"id": 2, "name": "TWO"}]
    log = subprocess.run([str(weir_bin()), "job", "logs", run_id, "--endpoint", weir.url],
                         capture_output=True, text=True, check=True).stdout
    assert "job succeeded: 2 rows read, 2 rows written" in log
    status, _, body = weir.http("GET", "/metrics")
    metrics = dict(line.rsplit(" ", 1) for line in body.decode().splitlines() if line and not line.startswith("#"))
    assert status == 200 and int(metrics['weir_job_runs_ended_total{kind="JOB",state="SUCCEEDED"}']) >= 1
    assert int(metrics["weir_job_rows_written_total"]) >= 2 and int(metrics["weir_job_runs_running"]) >= 0

    nodes["q"]["SparkSQL"]["SqlQuery"] = "SELECT no_such_column FROM t"
    glue.update_job(JobName=name, JobUpdate={"Command": {"Name": "glueetl"}, "CodeGenConfigurationNodes": nodes})
    before = sorted(p.name for p in out.rglob("*"))
    run = wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"])
    assert run["JobRunState"] == "FAILED"
    assert "node q" in run["ErrorMessage"] and "no_such_column" in run["ErrorMessage"]
    assert sorted(p.name for p in out.rglob("*")) == before


def test_runs_that_cannot_start_are_refused_with_what_is_missing(glue):
    etl = unique("script")
    glue.create_job(Name=etl, Role="r", Command={"Name": "glueetl", "ScriptLocation": "s3://b/job.py"})
    assert "CodeGenConfigurationNodes" in expect_error("InvalidInputException", glue.start_job_run, JobName=etl)
    streaming = unique("stream")
    glue.create_job(Name=streaming, Role="r", Command={"Name": "gluestreaming", "ScriptLocation": "s3://b/s.py"})
    assert "streaming" in expect_error("InvalidInputException", glue.start_job_run, JobName=streaming)
    shell = unique("shell")
    glue.create_job(Name=shell, Role="r", Command={"Name": "pythonshell"})
    assert "ScriptLocation" in expect_error("InvalidInputException", glue.start_job_run, JobName=shell)


def test_a_shell_job_reads_merged_arguments_and_a_failing_one_reports_its_stderr(glue, tmp_path):
    out = tmp_path / "args.txt"
    name = shell_job(glue, tmp_path, ARGS_SCRIPT,
                     DefaultArguments={"--out": str(out), "--greeting": "default"},
                     NonOverridableArguments={"--fixed": "1"})
    run_id = glue.start_job_run(JobName=name, Arguments={"--greeting": "hello"})["JobRunId"]
    run = wait_run(glue, name, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert run["Arguments"] == {"--greeting": "hello"}
    assert out.read_text() == f"{name} {run_id} hello\n"
    message = expect_error("InvalidInputException", glue.start_job_run, JobName=name, Arguments={"--fixed": "2"})
    assert "--fixed" in message

    failing = shell_job(glue, tmp_path, "import sys\nprint('working')\nprint('bad input: row 7', file=sys.stderr)\nsys.exit(4)\n")
    run = wait_run(glue, failing, glue.start_job_run(JobName=failing)["JobRunId"])
    assert run["JobRunState"] == "FAILED"
    assert "exited with status 4" in run["ErrorMessage"] and "bad input: row 7" in run["ErrorMessage"]


def test_a_failed_run_is_retried_with_attempt_and_previous_run_id(glue, tmp_path):
    name = shell_job(glue, tmp_path, "import sys\nsys.exit(1)\n", MaxRetries=2)
    first = glue.start_job_run(JobName=name)["JobRunId"]
    deadline = time.monotonic() + 60
    while True:
        runs = glue.get_job_runs(JobName=name)["JobRuns"]
        if len(runs) == 3 and all(r["JobRunState"] == "FAILED" for r in runs):
            break
        assert time.monotonic() < deadline, runs
        time.sleep(0.1)
    runs = list(reversed(runs))
    assert [r["Attempt"] for r in runs] == [0, 1, 2]
    assert runs[0]["Id"] == first and "PreviousRunId" not in runs[0]
    assert runs[1]["PreviousRunId"] == runs[0]["Id"] and runs[2]["PreviousRunId"] == runs[1]["Id"]


def test_batch_stop_job_run_stops_a_running_script(glue, tmp_path):
    name = shell_job(glue, tmp_path, "import time\nprint('started', flush=True)\ntime.sleep(120)\n")
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    wait_run(glue, name, run_id, states={"RUNNING"})
    answer = glue.batch_stop_job_run(JobName=name, JobRunIds=[run_id, "jr_missing"])
    assert answer["SuccessfulSubmissions"] == [{"JobName": name, "JobRunId": run_id}]
    assert answer["Errors"][0]["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    run = wait_run(glue, name, run_id, timeout=20)
    assert run["JobRunState"] == "STOPPED"
    answer = glue.batch_stop_job_run(JobName=name, JobRunIds=[run_id])
    assert answer["Errors"][0]["ErrorDetail"]["ErrorCode"] == "InvalidInputException"


def test_with_queuing_five_starts_run_one_at_a_time_in_submission_order(glue, tmp_path):
    out = tmp_path / "order.txt"
    script = ("import sys, time\nfrom awsglue.utils import getResolvedOptions\n"
              "a = getResolvedOptions(sys.argv, ['JOB_RUN_ID', 'out'])\ntime.sleep(0.3)\n"
              "open(a['out'], 'a').write(a['JOB_RUN_ID'] + '\\n')\n")
    name = shell_job(glue, tmp_path, script, DefaultArguments={"--out": str(out)})
    first = glue.start_job_run(JobName=name)["JobRunId"]
    assert "MaxConcurrentRuns is 1" in expect_error("ConcurrentRunsExceededException", glue.start_job_run, JobName=name)
    ids = [first] + [glue.start_job_run(JobName=name, JobRunQueuingEnabled=True)["JobRunId"] for _ in range(4)]
    states = [glue.get_job_run(JobName=name, RunId=i)["JobRun"]["JobRunState"] for i in ids]
    assert states[0] in ("STARTING", "RUNNING") and states[1:] == ["WAITING"] * 4
    waiting = glue.get_job_run(JobName=name, RunId=ids[4])["JobRun"]
    assert waiting["JobRunQueuingEnabled"] is True and "MaxConcurrentRuns" in waiting["StateDetail"]
    runs = [wait_run(glue, name, i) for i in ids]
    assert [r["JobRunState"] for r in runs] == ["SUCCEEDED"] * 5
    assert out.read_text().split() == ids


def test_the_cli_creates_starts_and_polls_a_job(cli, tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("print('hello from the cli')\n")
    name = unique("cli")
    command = json.dumps({"Name": "pythonshell", "ScriptLocation": script.as_uri()})
    cli("create-job", "--command", command, name=name, role="r")
    run_id = cli("start-job-run", job_name=name)["JobRunId"]
    for _ in range(200):
        run = cli("get-job-run", job_name=name, run_id=run_id)["JobRun"]
        if run["JobRunState"] in ENDED:
            break
        time.sleep(0.1)
    assert run["JobRunState"] == "SUCCEEDED"
    assert cli("get-job-runs", job_name=name)["JobRuns"][0]["Id"] == run_id
