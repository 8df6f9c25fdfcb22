"""`weir pii scan` on files: which columns hold which entity types, with rows, shares and the
first positions, values hidden unless --show-values; unknown entity types refused by name."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from weir_harness import weir_bin


def pii(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(weir_bin()), "pii", *args, "--data-dir", str(cwd / ".weir")],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def people(tmp: Path) -> None:
    (tmp / "people.csv").write_text(
        "id,email,note,card\n"
        "1,ana@example.com,call 555-0100,4111 1111 1111 1111\n"
        "2,bo@example.org,nothing here,\n"
        "3,cy@example.net,ssn 123-45-6789 on file,5500 0000 0000 0004\n"
        "4,not an email,card 4111 1111 1111 1112 is invalid,\n")


def test_scan_reports_columns_entities_and_positions(tmp_path):
    people(tmp_path)
    done = pii("scan", "people.csv", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows"] == 4 and report["columns"] == ["email", "note", "card"]
    found = {(f["column"], f["entityType"]): f for f in report["findings"]}
    assert found[("email", "EMAIL")]["rows"] == 3 and found[("email", "EMAIL")]["share"] == 0.75
    assert [(s["row"], s["start"], s["end"]) for s in found[("email", "EMAIL")]["samples"]] == [(0, 0, 15), (1, 0, 14), (2, 0, 14)]
    assert found[("card", "CREDIT_CARD")]["rows"] == 2
    assert found[("note", "USA_SSN")]["samples"][0] == {"row": 2, "start": 4, "end": 15}
    # A number that fails the Luhn check is not a card.
    assert ("note", "CREDIT_CARD") not in found
    assert "ana@example.com" not in done.stdout


def test_scan_shows_values_only_when_asked(tmp_path):
    people(tmp_path)
    done = pii("scan", "people.csv", "--entity-types", "EMAIL", "--show-values", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ana@example.com" in done.stdout and "CREDIT_CARD" not in done.stdout
    done = pii("scan", "people.csv", "--entity-types", "NOPE", cwd=tmp_path)
    assert done.returncode != 0 and "NOPE" in done.stderr
