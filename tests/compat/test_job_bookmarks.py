"""Job bookmarks through the job service: a visual job run with `--job-bookmark-option
job-bookmark-enable` reads only the files that are new or changed since its last successful run;
failed runs leave the bookmark as it was; GetJobBookmark shows it and ResetJobBookmark clears it or
returns it to the state after a given run. Pause filters without advancing, disable reads all."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from conftest import expect_error
from weir_harness import unique

ENABLE = {"--job-bookmark-option": "job-bookmark-enable"}


def create_job(glue, source: Path, target: Path, arguments: dict | None = None, name: str | None = None) -> str:
    name = name or unique("bookmarked")
    glue.create_job(
        Name=name,
        Role="weir",
        Command={"Name": "glueetl"},
        DefaultArguments=ENABLE if arguments is None else arguments,
        CodeGenConfigurationNodes={
            "src": {"S3CsvSource": {"Name": "In", "Paths": [f"{source}/"], "Separator": "comma",
                                    "QuoteChar": "quote", "WithHeader": True}},
            "out": {"S3DirectTarget": {"Name": "Out", "Inputs": ["src"], "Path": f"file://{target}/",
                                       "Format": "csv"}},
        },
    )
    return name


def write_rows(folder: Path, name: str, ids: range) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("id,name\n" + "".join(f"{i},n{i}\n" for i in ids))


def run(glue, weir, job: str, expect: str = "SUCCEEDED", **arguments) -> tuple[str, str]:
    """Starts a run and waits for its end; returns its id and its log."""
    started = {"Arguments": arguments} if arguments else {}
    run_id = glue.start_job_run(JobName=job, **started)["JobRunId"]
    deadline = time.monotonic() + 120
    while True:
        state = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if state["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING", "WAITING"):
            break
        assert time.monotonic() < deadline, f"run {run_id} did not end: {state}"
        time.sleep(0.1)
    status, _, body = weir.http("GET", f"/runs/{run_id}/log")
    assert status == 200, body
    log = body.decode()
    assert state["JobRunState"] == expect, (state.get("ErrorMessage"), log)
    return run_id, log


def output_ids(target: Path) -> list[int]:
    """Every id written to the target so far (a CSV target adds files with each run)."""
    ids = []
    for f in sorted(target.rglob("*")):
        if f.is_file() and not any(p.startswith((".", "_")) for p in f.relative_to(target).parts):
            with open(f, newline="") as fh:
                ids += [int(row["id"]) for row in csv.DictReader(fh)]
    return sorted(ids)


def bookmark(glue, job: str, **kw) -> dict:
    return glue.get_job_bookmark(JobName=job, **kw)["JobBookmarkEntry"]


def processed(entry: dict) -> list[str]:
    """The names of the files the source node's bookmark holds."""
    state = json.loads(entry["JobBookmark"])
    return sorted(Path(url).name for url in state.get("nodes", {}).get("src", {}).get("files", {}))


def test_an_enabled_job_reads_only_new_and_changed_files(glue, weir, tmp_path):
    source, target = tmp_path / "in", tmp_path / "out"
    write_rows(source, "a.csv", range(0, 3))
    write_rows(source, "b.csv", range(3, 5))
    job = create_job(glue, source, target)
    assert bookmark(glue, job) == {"JobName": job, "Version": 0, "Run": 0, "Attempt": 0, "JobBookmark": "{}"}

    first, log = run(glue, weir, job)
    assert "5 rows written" in log, log
    assert output_ids(target) == list(range(5))
    entry = bookmark(glue, job)
    assert (entry["Version"], entry["Run"], entry["Attempt"], entry["RunId"]) == (1, 1, 0, first)
    assert "PreviousRunId" not in entry
    assert processed(entry) == ["a.csv", "b.csv"]

    write_rows(source, "c.csv", range(5, 9))
    second, log = run(glue, weir, job)
    assert "4 rows written" in log, log
    assert output_ids(target) == list(range(9)), "only c.csv was read"
    entry = bookmark(glue, job)
    assert (entry["Version"], entry["Run"], entry["RunId"], entry["PreviousRunId"]) == (2, 2, second, first)
    assert processed(entry) == ["a.csv", "b.csv", "c.csv"]

    # Nothing new: the source is empty, and the run still succeeds.
    _, log = run(glue, weir, job)
    assert "0 rows written" in log, log
    assert output_ids(target) == list(range(9))

    # A file that changed (its size) is read again, whole.
    write_rows(source, "b.csv", range(3, 6))
    _, log = run(glue, weir, job)
    assert "3 rows written" in log, log
    assert output_ids(target) == sorted([*range(9), 3, 4, 5])
    assert bookmark(glue, job)["Version"] == 4

    # The state after a given run, and the state of the job's bookmark, read by RunId.
    assert processed(bookmark(glue, job, RunId=first)) == ["a.csv", "b.csv"]


def test_a_failed_run_does_not_advance_the_bookmark(glue, weir, tmp_path):
    source, target = tmp_path / "in", tmp_path / "out"
    write_rows(source, "a.csv", range(0, 2))
    job = create_job(glue, source, target)
    first, _ = run(glue, weir, job)
    before = bookmark(glue, job)

    write_rows(source, "b.csv", range(2, 4))
    (source / "broken.csv").write_text("id,name\n9,x,too,many\n")
    failed, log = run(glue, weir, job, expect="FAILED")
    assert "broken.csv" in log, log
    assert bookmark(glue, job) == before
    expect_error("EntityNotFoundException", glue.get_job_bookmark, JobName=job, RunId=failed)

    (source / "broken.csv").unlink()
    _, log = run(glue, weir, job)
    assert "2 rows written" in log, log
    assert output_ids(target) == [0, 1, 2, 3]
    assert bookmark(glue, job)["PreviousRunId"] == first


def test_reset_clears_the_bookmark_or_returns_it_to_a_run(glue, weir, tmp_path):
    source, target = tmp_path / "in", tmp_path / "out"
    write_rows(source, "a.csv", range(0, 2))
    job = create_job(glue, source, target)
    first, _ = run(glue, weir, job)
    write_rows(source, "b.csv", range(2, 5))
    second, _ = run(glue, weir, job)
    assert output_ids(target) == list(range(5))

    entry = glue.reset_job_bookmark(JobName=job, RunId=first)["JobBookmarkEntry"]
    assert (entry["Version"], entry["RunId"], entry["PreviousRunId"]) == (3, first, second)
    assert processed(entry) == ["a.csv"]
    assert bookmark(glue, job) == entry
    _, log = run(glue, weir, job)
    assert "3 rows written" in log, "b.csv is read again after the reset to the first run"

    entry = glue.reset_job_bookmark(JobName=job)["JobBookmarkEntry"]
    assert (entry["Version"], entry["Run"], entry["JobBookmark"]) == (5, 0, "{}")
    assert "RunId" not in entry
    _, log = run(glue, weir, job)
    assert "5 rows written" in log, "everything is read again after a reset"
    entry = bookmark(glue, job)
    assert (entry["Version"], entry["Run"]) == (6, 1)
    assert processed(entry) == ["a.csv", "b.csv"]


def test_pause_filters_without_advancing_and_disable_reads_everything(glue, weir, tmp_path):
    source, target = tmp_path / "in", tmp_path / "out"
    write_rows(source, "a.csv", range(0, 2))
    job = create_job(glue, source, target)
    run(glue, weir, job)
    before = bookmark(glue, job)
    write_rows(source, "b.csv", range(2, 5))

    for _ in range(2):
        _, log = run(glue, weir, job, **{"--job-bookmark-option": "job-bookmark-pause"})
        assert "3 rows written" in log, log
    assert bookmark(glue, job) == before

    _, log = run(glue, weir, job, **{"--job-bookmark-option": "job-bookmark-disable"})
    assert "5 rows written" in log, log
    assert bookmark(glue, job) == before

    _, log = run(glue, weir, job)
    assert "3 rows written" in log, log
    assert processed(bookmark(glue, job)) == ["a.csv", "b.csv"]


def test_a_job_without_the_option_leaves_no_bookmark(glue, weir, tmp_path):
    source, target = tmp_path / "in", tmp_path / "out"
    write_rows(source, "a.csv", range(0, 2))
    job = create_job(glue, source, target, arguments={})
    run(glue, weir, job)
    _, log = run(glue, weir, job)
    assert "2 rows written" in log, log
    assert bookmark(glue, job)["Version"] == 0
    _, log = run(glue, weir, job, expect="FAILED", **{"--job-bookmark-option": "yes"})
    assert "--job-bookmark-option 'yes' is not one of job-bookmark-enable" in log, log


def test_bookmarks_of_unknown_and_deleted_jobs(glue, weir, tmp_path):
    missing = unique("nojob")
    message = expect_error("EntityNotFoundException", glue.get_job_bookmark, JobName=missing)
    assert missing in message
    message = expect_error("EntityNotFoundException", glue.reset_job_bookmark, JobName=missing)
    assert missing in message

    source, target = tmp_path / "in", tmp_path / "out"
    write_rows(source, "a.csv", range(0, 2))
    job = create_job(glue, source, target)
    run_id, _ = run(glue, weir, job)
    message = expect_error("EntityNotFoundException", glue.reset_job_bookmark, JobName=job, RunId="jr_unknown")
    assert "jr_unknown" in message
    glue.delete_job(JobName=job)
    expect_error("EntityNotFoundException", glue.get_job_bookmark, JobName=job)
    create_job(glue, source, target, name=job)
    assert bookmark(glue, job)["Version"] == 0, "a job created again starts without the old job's bookmark"
    expect_error("EntityNotFoundException", glue.get_job_bookmark, JobName=job, RunId=run_id)
