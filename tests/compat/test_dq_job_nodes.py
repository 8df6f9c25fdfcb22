"""Data quality in visual jobs, run by the service through boto3 (SQLite and PostgreSQL): an
EvaluateDataQualityMultiFrame node whose rule outcomes (SelectFromCollection index 0) and rows
with their row-level outcomes (index 1) are written by targets, its result published and listed
by the job's name and run; StopJobOnFailureOptions failing the run before anything is written
(Immediate) or after (AfterDataLoad); an invalid ruleset refused naming the node and position."""

from __future__ import annotations

import json
from pathlib import Path

from test_job_service import wait_run
from weir_harness import unique

RULES = 'Rules = [ IsComplete "id", ColumnValues "amount" > 10, IsUnique "id", RowCount = 4 ]'


def orders(tmp: Path) -> Path:
    source = tmp / "orders.csv"
    source.write_text("id,amount\n1,5\n2,20\n3,30\n3,40\n")
    return source


def job(source: Path, out: Path, ruleset: str = RULES, stop: str | None = None) -> dict:
    dq = {"Name": "orders_checks", "Inputs": ["src"], "Ruleset": ruleset,
          "PublishingOptions": {"EvaluationContext": "orders_checks", "ResultsPublishingEnabled": True},
          "AdditionalOptions": {"observations.scope": "ALL"}}
    if stop:
        dq["StopJobOnFailureOptions"] = {"StopJobOnFailureTiming": stop}
    return {
        "src": {"S3CsvSource": {"Name": "orders", "Paths": [str(source)], "Separator": "comma",
                                "QuoteChar": "quote", "WithHeader": True}},
        "dq": {"EvaluateDataQualityMultiFrame": dq},
        "rules": {"SelectFromCollection": {"Name": "ruleOutcomes", "Inputs": ["dq"], "Index": 0}},
        "rows": {"SelectFromCollection": {"Name": "rowLevelOutcomes", "Inputs": ["dq"], "Index": 1}},
        "rules_out": {"S3DirectTarget": {"Name": "rule outcomes", "Inputs": ["rules"], "Path": str(out / "rules"),
                                         "Format": "json", "Compression": "none"}},
        "rows_out": {"S3DirectTarget": {"Name": "rows", "Inputs": ["rows"], "Path": str(out / "rows"),
                                        "Format": "json", "Compression": "none"}},
    }


def read_json_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(folder.glob("*.json")) for line in f.read_text().splitlines() if line]


def start(glue, nodes: dict) -> tuple[str, dict]:
    name = unique("dqjob")
    glue.create_job(Name=name, Role="admin", Command={"Name": "glueetl"}, CodeGenConfigurationNodes=nodes)
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    return name, wait_run(glue, name, run_id)


def test_rule_and_row_outcomes_are_written_and_published(glue, tmp_path):
    out = tmp_path / "out"
    name, run = start(glue, job(orders(tmp_path), out))
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    rules = {r["Rule"]: r for r in read_json_lines(out / "rules")}
    assert {k: v["Outcome"] for k, v in rules.items()} == {
        'IsComplete "id"': "Passed", 'ColumnValues "amount" > 10': "Failed",
        'IsUnique "id"': "Failed", "RowCount = 4": "Passed"}
    assert rules['ColumnValues "amount" > 10']["FailureReason"].startswith("Value: 0.75 does not meet")
    assert rules["RowCount = 4"]["EvaluatedMetrics"] == {"Dataset.*.RowCount": 4.0}

    rows = sorted(read_json_lines(out / "rows"), key=lambda r: (r["id"], r["amount"]))
    assert [(r["id"], r["amount"]) for r in rows] == [(1, 5), (2, 20), (3, 30), (3, 40)]
    first = rows[0]
    assert first["DataQualityRulesPass"] == ['IsComplete "id"', 'IsUnique "id"']
    assert first["DataQualityRulesFail"] == ['ColumnValues "amount" > 10']
    assert first["DataQualityRulesSkip"] == ["RowCount = 4"]
    assert first["DataQualityEvaluationResult"] == "Failed"
    assert rows[1]["DataQualityEvaluationResult"] == "Passed"
    # Both rows of id 3 fail IsUnique, the first occurrence too.
    assert [r["DataQualityRulesFail"] for r in rows[2:]] == [['IsUnique "id"']] * 2

    listed = glue.list_data_quality_results(Filter={"JobName": name})["Results"]
    assert [(r["JobName"], r["JobRunId"]) for r in listed] == [(name, run["Id"])]
    result = glue.get_data_quality_result(ResultId=listed[0]["ResultId"])
    assert result["EvaluationContext"] == "orders_checks"
    assert [r["Result"] for r in result["RuleResults"]] == ["PASS", "FAIL", "FAIL", "PASS"]
    assert result["Score"] == 0.5


def test_stop_on_failure_immediately_writes_nothing(glue, tmp_path):
    out = tmp_path / "out"
    _, run = start(glue, job(orders(tmp_path), out, stop="Immediate"))
    assert run["JobRunState"] == "FAILED"
    assert "did not pass" in run["ErrorMessage"] and 'ColumnValues "amount" > 10' in run["ErrorMessage"]
    assert not list(out.glob("**/*.json"))


def test_stop_on_failure_after_data_load_writes_then_fails(glue, tmp_path):
    out = tmp_path / "out"
    _, run = start(glue, job(orders(tmp_path), out, stop="AfterDataLoad"))
    assert run["JobRunState"] == "FAILED"
    assert "did not pass" in run["ErrorMessage"]
    assert len(read_json_lines(out / "rows")) == 4


def test_an_invalid_ruleset_fails_naming_the_node(glue, tmp_path):
    out = tmp_path / "out"
    _, run = start(glue, job(orders(tmp_path), out, ruleset='Rules = [ IsComplete "id" 3 ]'))
    assert run["JobRunState"] == "FAILED"
    assert "EvaluateDataQualityMultiFrame.Ruleset: line 1, column" in run["ErrorMessage"]
    assert "dq" in run["ErrorMessage"]
