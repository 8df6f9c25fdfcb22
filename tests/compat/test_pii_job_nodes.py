"""The PIIDetection node in visual jobs run by the service through boto3 (SQLite and
PostgreSQL): row-level masking with the DetectedEntities column, row-level hashing, column-level
masking of the columns a sample finds sensitive, a custom entity type created with
CreateCustomEntityType detected by name, and invalid settings failing the run naming the node."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from test_job_service import wait_run
from weir_harness import unique


def people(tmp: Path) -> Path:
    source = tmp / "people.csv"
    source.write_text(
        "id,email,note\n"
        "1,ana@example.com,call 555-0100\n"
        "2,bo@example.org,nothing here\n"
        "3,cy@example.net,employee EMP-123456\n")
    return source


def job(source: Path, out: Path, **pii) -> dict:
    return {
        "src": {"S3CsvSource": {"Name": "people", "Paths": [str(source)], "Separator": "comma",
                                "QuoteChar": "quote", "WithHeader": True}},
        "pii": {"PIIDetection": {"Name": "mask", "Inputs": ["src"], **pii}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["pii"], "Path": str(out), "Format": "json",
                                   "Compression": "none"}},
    }


def rows(folder: Path) -> list[dict]:
    found = [json.loads(line) for f in sorted(folder.glob("*.json")) for line in f.read_text().splitlines() if line]
    return sorted(found, key=lambda r: r["id"])


def run(glue, nodes: dict) -> dict:
    name = unique("piijob")
    glue.create_job(Name=name, Role="admin", Command={"Name": "glueetl"}, CodeGenConfigurationNodes=nodes)
    return wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"])


def test_row_masking_masks_each_finding_and_says_what_it_found(glue, tmp_path):
    out = tmp_path / "out"
    done = run(glue, job(people(tmp_path), out, PiiType="RowMasking", EntityTypesToDetect=["EMAIL"],
                         MaskValue="XXXX"))
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    got = rows(out)
    assert [r["email"] for r in got] == ["XXXX"] * 3
    assert got[0]["note"] == "call 555-0100"
    detected = json.loads(got[0]["DetectedEntities"])
    assert detected == {"email": [{"entityType": "EMAIL", "actionUsed": "REDACT", "start": 0, "end": 15}]}


def test_row_hashing_and_the_output_column_name(glue, tmp_path):
    out = tmp_path / "out"
    done = run(glue, job(people(tmp_path), out, PiiType="RowHashing", EntityTypesToDetect=["EMAIL"],
                         OutputColumnName="found"))
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    got = rows(out)
    assert got[1]["email"] == hashlib.sha256(b"bo@example.org").hexdigest()
    assert "DetectedEntities" not in got[1] and json.loads(got[1]["found"])["email"][0]["actionUsed"] == "SHA256_HASH"


def test_column_masking_masks_whole_columns_found_sensitive(glue, tmp_path):
    out = tmp_path / "out"
    done = run(glue, job(people(tmp_path), out, PiiType="ColumnMasking", EntityTypesToDetect=["EMAIL"],
                         SampleFraction=1.0, ThresholdFraction=0.5))
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    got = rows(out)
    assert [r["email"] for r in got] == ["****"] * 3
    assert [r["note"] for r in got] == ["call 555-0100", "nothing here", "employee EMP-123456"]
    assert "DetectedEntities" not in got[0]


def test_a_custom_entity_type_is_detected_by_name(glue, tmp_path):
    name = unique("EMPLOYEE_ID").upper().replace("-", "_")
    glue.create_custom_entity_type(Name=name, RegexString="EMP-[0-9]{6}")
    out = tmp_path / "out"
    done = run(glue, job(people(tmp_path), out, PiiType="RowPartialMasking", EntityTypesToDetect=[name],
                         NumLeftCharsToExclude=4, RedactChar="#"))
    assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")
    got = rows(out)
    assert got[2]["note"] == "employee EMP-######"
    assert got[0]["note"] == "call 555-0100"
    assert json.loads(got[2]["DetectedEntities"])["note"][0]["entityType"] == name


def test_invalid_settings_fail_the_run_naming_the_node(glue, tmp_path):
    done = run(glue, job(people(tmp_path), tmp_path / "out", PiiType="RowMasking",
                         EntityTypesToDetect=["NOT_A_TYPE"]))
    assert done["JobRunState"] == "FAILED"
    assert "pii" in done["ErrorMessage"] and "NOT_A_TYPE" in done["ErrorMessage"]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.json"))
