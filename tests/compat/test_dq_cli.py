"""`weir dq evaluate` and `weir dq recommend` on files: outcomes as Glue's result JSON and as a
table, reference datasets by alias, exit status 0 when rules fail and non-zero when the
evaluation cannot run (an invalid ruleset names its line and column, a missing file its path),
and a recommended ruleset that passes on the data it describes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from weir_harness import weir_bin


def dq(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(weir_bin()), "dq", *args, "--data-dir", str(cwd / ".weir")],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def files(tmp: Path) -> None:
    (tmp / "orders.csv").write_text("id,customer,amount\n1,10,5.5\n2,11,\n3,12,7\n4,10,9\n")
    (tmp / "customers.json").write_text("".join(json.dumps({"id": i}) + "\n" for i in (10, 11)))
    (tmp / "rules.dqdl").write_text(
        'Rules = [\n    RowCount = 4,\n    IsUnique "id",\n    Completeness "amount" > 0.8,\n'
        '    ReferentialIntegrity "customer" "customers.id" = 1.0\n]\n'
        'Analyzers = [ Mean "amount" ]\n')


def test_evaluate_prints_glue_results_as_json(tmp_path):
    files(tmp_path)
    done = dq("evaluate", "--ruleset", "rules.dqdl", "orders.csv", "--reference", "customers=customers.json",
              "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert [(r["Description"], r["Result"]) for r in out["RuleResults"]] == [
        ("RowCount = 4", "PASS"), ('IsUnique "id"', "PASS"),
        ('Completeness "amount" > 0.8', "FAIL"),
        ('ReferentialIntegrity "customer" "customers.id" = 1.0', "FAIL")]
    assert out["RuleResults"][3]["EvaluatedMetrics"] == {"Column.customers.id.ReferentialIntegrity": 0.75}
    assert out["AnalyzerResults"][0]["EvaluatedMetrics"] == {"Column.amount.Mean": 7.166666666666667}
    assert (out["Score"], out["RowCount"]) == (0.5, 4)
    assert out["Scans"] >= 1


def test_evaluate_prints_a_table(tmp_path):
    files(tmp_path)
    done = dq("evaluate", "--ruleset", "rules.dqdl", "orders.csv", "--reference", "customers=customers.json",
              cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:3] == ["Rule_1", "PASS", "RowCount"]
    assert "Value: 0.75 does not meet the constraint requirement!" in done.stdout
    assert "2 of 4 rules passed" in done.stderr


def test_evaluate_refuses_what_it_cannot_run(tmp_path):
    files(tmp_path)
    (tmp_path / "bad.dqdl").write_text('Rules = [\n    RowCount > 1,\n    IsComplete "id" 3\n]\n')
    done = dq("evaluate", "--ruleset", "bad.dqdl", "orders.csv", cwd=tmp_path)
    assert done.returncode != 0
    assert "bad.dqdl: line 3, column" in done.stderr
    done = dq("evaluate", "--ruleset", "rules.dqdl", "missing.csv", cwd=tmp_path)
    assert done.returncode != 0 and "missing.csv" in done.stderr


def test_recommend_prints_a_ruleset_that_passes(tmp_path):
    files(tmp_path)
    done = dq("recommend", "orders.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    recommended = done.stdout
    assert recommended.startswith("Rules = [") and 'IsUnique "id"' in recommended
    (tmp_path / "recommended.dqdl").write_text(recommended)
    done = dq("evaluate", "--ruleset", "recommended.dqdl", "orders.csv", "--format", "json", cwd=tmp_path)
    assert json.loads(done.stdout)["Score"] == 1.0
