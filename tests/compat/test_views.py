"""Multi-dialect views: CreateTable with a ViewDefinition, UpdateTable with ViewUpdateAction."""

import pytest

from conftest import columns, expect_error


def representation(dialect: str, sql: str, version: str = "1.0") -> dict:
    return {"Dialect": dialect, "DialectVersion": version, "ViewOriginalText": sql, "ViewExpandedText": sql}


def view_input(name: str, *representations: dict) -> dict:
    return {
        "Name": name,
        "TableType": "VIRTUAL_VIEW",
        "StorageDescriptor": {"Columns": columns("id:bigint", "total:double")},
        "ViewDefinition": {"IsProtected": True, "Representations": list(representations)},
    }


ATHENA = representation("ATHENA", "SELECT id, sum(amount) AS total FROM sales GROUP BY id", "3")
SPARK = representation("SPARK", "SELECT id, SUM(amount) AS total FROM sales GROUP BY id", "3.5")
REDSHIFT = representation("REDSHIFT", "SELECT id, SUM(amount) AS total FROM sales GROUP BY id", "1.0")


def dialects(glue, db, name) -> dict:
    view = glue.get_table(DatabaseName=db, Name=name)["Table"]["ViewDefinition"]
    return {r["Dialect"]: r for r in view["Representations"]}


@pytest.fixture
def view(glue, db) -> str:
    glue.create_table(DatabaseName=db, TableInput=view_input("sales_view", ATHENA, SPARK))
    return "sales_view"


def test_create_multi_dialect_view(glue, db, view):
    table = glue.get_table(DatabaseName=db, Name=view)["Table"]
    assert table["TableType"] == "VIRTUAL_VIEW"
    assert table["IsMultiDialectView"] is True
    assert table["ViewDefinition"]["IsProtected"] is True
    reps = {r["Dialect"]: r for r in table["ViewDefinition"]["Representations"]}
    assert set(reps) == {"ATHENA", "SPARK"}
    assert reps["ATHENA"]["ViewOriginalText"] == ATHENA["ViewOriginalText"]
    assert reps["ATHENA"]["DialectVersion"] == "3"
    assert reps["SPARK"]["ViewExpandedText"] == SPARK["ViewExpandedText"]
    assert reps["SPARK"]["IsStale"] is False


def test_view_update_add(glue, db, view):
    glue.update_table(DatabaseName=db, TableInput=view_input(view, REDSHIFT), ViewUpdateAction="ADD")
    assert set(dialects(glue, db, view)) == {"ATHENA", "SPARK", "REDSHIFT"}
    message = expect_error(
        "InvalidInputException", glue.update_table, DatabaseName=db, TableInput=view_input(view, ATHENA), ViewUpdateAction="ADD"
    )
    assert "ATHENA" in message


def test_view_update_replace(glue, db, view):
    new_athena = representation("ATHENA", "SELECT id, 0.0 AS total FROM sales", "3")
    glue.update_table(DatabaseName=db, TableInput=view_input(view, new_athena), ViewUpdateAction="REPLACE")
    reps = dialects(glue, db, view)
    assert reps["ATHENA"]["ViewOriginalText"] == new_athena["ViewOriginalText"]
    assert reps["SPARK"]["ViewOriginalText"] == SPARK["ViewOriginalText"], "other dialects are untouched"
    assert glue.get_table(DatabaseName=db, Name=view)["Table"]["VersionId"] == "1"
    message = expect_error(
        "InvalidInputException", glue.update_table, DatabaseName=db, TableInput=view_input(view, REDSHIFT), ViewUpdateAction="REPLACE"
    )
    assert "REDSHIFT" in message


def test_view_update_drop(glue, db, view):
    glue.update_table(DatabaseName=db, TableInput=view_input(view, SPARK), ViewUpdateAction="DROP")
    assert set(dialects(glue, db, view)) == {"ATHENA"}
    # The last dialect cannot be dropped.
    expect_error("InvalidInputException", glue.update_table, DatabaseName=db, TableInput=view_input(view, ATHENA), ViewUpdateAction="DROP")
    assert set(dialects(glue, db, view)) == {"ATHENA"}


def test_view_update_add_or_replace(glue, db, view):
    glue.update_table(DatabaseName=db, TableInput=view_input(view, REDSHIFT, SPARK), ViewUpdateAction="ADD_OR_REPLACE")
    assert set(dialects(glue, db, view)) == {"ATHENA", "SPARK", "REDSHIFT"}


def test_view_versions_keep_each_definition(glue, db, view):
    glue.update_table(DatabaseName=db, TableInput=view_input(view, REDSHIFT), ViewUpdateAction="ADD")
    old = glue.get_table_version(DatabaseName=db, TableName=view, VersionId="0")["TableVersion"]["Table"]
    assert {r["Dialect"] for r in old["ViewDefinition"]["Representations"]} == {"ATHENA", "SPARK"}


def test_view_with_maximum_length_texts(glue, db):
    """ViewTextString allows 409,600 characters: three dialects at the maximum (a ~2.5 MB request) are legal."""
    sql = ("SELECT " + ", ".join(f"column_{i}" for i in range(60000)))[:409_600]
    reps = [representation(d, sql) for d in ("ATHENA", "SPARK", "REDSHIFT")]
    glue.create_table(DatabaseName=db, TableInput=view_input("wide_view", *reps))
    got = dialects(glue, db, "wide_view")
    assert set(got) == {"ATHENA", "SPARK", "REDSHIFT"}
    assert all(len(r["ViewOriginalText"]) == 409_600 and len(r["ViewExpandedText"]) == 409_600 for r in got.values())
