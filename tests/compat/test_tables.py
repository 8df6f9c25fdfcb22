"""Tables and table versions: CreateTable, GetTable, GetTables, UpdateTable, DeleteTable,
BatchDeleteTable, GetTableVersion(s), DeleteTableVersion, BatchDeleteTableVersion, SearchTables."""

from datetime import datetime

import pytest

from conftest import ACCOUNT_ID, columns, expect_error, table_input, unique
from weir_harness import CliError


def version_ids(glue, database: str, table: str) -> list[str]:
    pages = glue.get_paginator("get_table_versions").paginate(DatabaseName=database, TableName=table)
    return [v["VersionId"] for page in pages for v in page["TableVersions"]]


def test_create_and_get_table(glue, db):
    glue.create_table(
        DatabaseName=db,
        TableInput=table_input(
            "Events",
            cols=("id:bigint", "name:string", "amount:decimal(10,2)"),
            keys=("year:string", "month:int"),
            Description="Click events",
            Owner="analytics",
            Parameters={"classification": "parquet", "table_type": "EXTERNAL"},
        ),
    )
    table = glue.get_table(DatabaseName=db, Name="events")["Table"]
    assert table["Name"] == "events", "table names are lower-cased"
    assert table["DatabaseName"] == db
    assert table["CatalogId"] == ACCOUNT_ID
    assert table["VersionId"] == "0"
    assert isinstance(table["CreateTime"], datetime)
    assert isinstance(table["UpdateTime"], datetime)
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Description"] == "Click events"
    assert table["Owner"] == "analytics"
    assert table["Parameters"] == {"classification": "parquet", "table_type": "EXTERNAL"}
    assert table["StorageDescriptor"]["Columns"] == columns("id:bigint", "name:string", "amount:decimal(10,2)")
    assert table["StorageDescriptor"]["Location"] == "s3://bucket/Events/"
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    assert table["PartitionKeys"] == columns("year:string", "month:int")
    # Case-insensitive lookup of database and table.
    assert glue.get_table(DatabaseName=db.upper(), Name="EVENTS")["Table"]["Name"] == "events"


def test_create_table_errors(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t"))
    assert "t" in expect_error("AlreadyExistsException", glue.create_table, DatabaseName=db, TableInput=table_input("T"))
    missing = unique("nodb")
    assert missing in expect_error(
        "EntityNotFoundException", glue.create_table, DatabaseName=missing, TableInput=table_input("t")
    )
    message = expect_error(
        "InvalidInputException",
        glue.create_table,
        DatabaseName=db,
        TableInput=table_input("dup", cols=("id:bigint", "ID:string")),
    )
    assert "id" in message.lower()
    expect_error("EntityNotFoundException", glue.get_table, DatabaseName=db, Name="nope")


def test_get_tables_expression_and_pagination(glue, db):
    for name in ("sales_2023", "sales_2024", "sales_eu", "inventory", "old_sales"):
        glue.create_table(DatabaseName=db, TableInput=table_input(name))
    matched = [t["Name"] for t in glue.get_tables(DatabaseName=db, Expression="sales*")["TableList"]]
    assert sorted(matched) == ["sales_2023", "sales_2024", "sales_eu"]
    assert [t["Name"] for t in glue.get_tables(DatabaseName=db, Expression="inventory")["TableList"]] == ["inventory"]

    pages = list(glue.get_paginator("get_tables").paginate(DatabaseName=db, PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3 and all(len(p["TableList"]) <= 2 for p in pages)
    names = [t["Name"] for p in pages for t in p["TableList"]]
    assert sorted(names) == ["inventory", "old_sales", "sales_2023", "sales_2024", "sales_eu"]

    first = glue.get_tables(DatabaseName=db, Expression="sales*", MaxResults=2)
    assert len(first["TableList"]) == 2 and first.get("NextToken")
    rest = glue.get_tables(DatabaseName=db, Expression="sales*", MaxResults=2, NextToken=first["NextToken"])
    assert [t["Name"] for t in first["TableList"] + rest["TableList"]] == sorted(matched)
    assert "NextToken" not in rest
    assert all(t["VersionId"] == "0" and t["CatalogId"] == ACCOUNT_ID for t in first["TableList"])
    expect_error("EntityNotFoundException", glue.get_tables, DatabaseName=unique("nodb"))


def test_update_table_optimistic_locking(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t", Description="v0"))
    glue.update_table(DatabaseName=db, TableInput=table_input("t", Description="v1"), VersionId="0")
    table = glue.get_table(DatabaseName=db, Name="t")["Table"]
    assert table["VersionId"] == "1" and table["Description"] == "v1"

    message = expect_error(
        "ConcurrentModificationException",
        glue.update_table,
        DatabaseName=db,
        TableInput=table_input("t", Description="lost update"),
        VersionId="0",
    )
    assert "0" in message
    assert glue.get_table(DatabaseName=db, Name="t")["Table"]["Description"] == "v1"

    # Without VersionId the update is unconditional.
    glue.update_table(DatabaseName=db, TableInput=table_input("t", Description="v2"))
    assert glue.get_table(DatabaseName=db, Name="t")["Table"]["VersionId"] == "2"
    expect_error("EntityNotFoundException", glue.update_table, DatabaseName=db, TableInput=table_input("nope"))


def test_update_table_keeps_create_time(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t"))
    before = glue.get_table(DatabaseName=db, Name="t")["Table"]
    glue.update_table(DatabaseName=db, TableInput=table_input("t", Description="changed"))
    after = glue.get_table(DatabaseName=db, Name="t")["Table"]
    assert after["CreateTime"] == before["CreateTime"]
    assert after["UpdateTime"] >= before["UpdateTime"]


def test_table_versions(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t", Description="v0"))
    glue.update_table(DatabaseName=db, TableInput=table_input("t", Description="v1"))
    glue.update_table(DatabaseName=db, TableInput=table_input("t", Description="v2"))
    assert sorted(version_ids(glue, db, "t")) == ["0", "1", "2"]

    versions = glue.get_table_versions(DatabaseName=db, TableName="t")["TableVersions"]
    for v in versions:
        assert v["Table"]["VersionId"] == v["VersionId"]
        assert v["Table"]["Description"] == "v" + v["VersionId"]

    paged = list(glue.get_paginator("get_table_versions").paginate(
        DatabaseName=db, TableName="t", PaginationConfig={"PageSize": 1}
    ))
    assert len([v for p in paged for v in p["TableVersions"]]) == 3 and len(paged) >= 3

    old = glue.get_table_version(DatabaseName=db, TableName="t", VersionId="0")["TableVersion"]
    assert old["VersionId"] == "0" and old["Table"]["Description"] == "v0" and old["Table"]["Name"] == "t"
    current = glue.get_table_version(DatabaseName=db, TableName="t")["TableVersion"]
    assert current["VersionId"] == "2" and current["Table"]["Description"] == "v2"
    expect_error("EntityNotFoundException", glue.get_table_version, DatabaseName=db, TableName="t", VersionId="42")
    expect_error("InvalidInputException", glue.get_table_version, DatabaseName=db, TableName="t", VersionId="abc")


def test_skip_archive_does_not_add_a_version(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t", Description="v0"))
    glue.update_table(DatabaseName=db, TableInput=table_input("t", Description="v1"))
    before = version_ids(glue, db, "t")
    glue.update_table(DatabaseName=db, TableInput=table_input("t", Description="v2"), SkipArchive=True)
    after = version_ids(glue, db, "t")
    assert len(after) == len(before)
    table = glue.get_table(DatabaseName=db, Name="t")["Table"]
    assert table["Description"] == "v2"
    assert table["VersionId"] in after


def test_delete_table_versions(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t"))
    for i in range(1, 4):
        glue.update_table(DatabaseName=db, TableInput=table_input("t", Description=f"v{i}"))
    glue.delete_table_version(DatabaseName=db, TableName="t", VersionId="0")
    expect_error("EntityNotFoundException", glue.get_table_version, DatabaseName=db, TableName="t", VersionId="0")
    expect_error("EntityNotFoundException", glue.delete_table_version, DatabaseName=db, TableName="t", VersionId="0")

    out = glue.batch_delete_table_version(DatabaseName=db, TableName="t", VersionIds=["1", "99"])
    assert len(out["Errors"]) == 1
    error = out["Errors"][0]
    assert error["VersionId"] == "99" and error["TableName"] == "t"
    assert error["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    assert "99" in error["ErrorDetail"]["ErrorMessage"]
    assert sorted(version_ids(glue, db, "t")) == ["2", "3"]
    # The current version is the table itself: it cannot be deleted as a version.
    with pytest.raises(glue.exceptions.ClientError):
        glue.delete_table_version(DatabaseName=db, TableName="t", VersionId="3")
    assert glue.get_table(DatabaseName=db, Name="t")["Table"]["VersionId"] == "3"


def test_delete_and_batch_delete_table(glue, db):
    for name in ("a", "b", "c"):
        glue.create_table(DatabaseName=db, TableInput=table_input(name))
    glue.delete_table(DatabaseName=db, Name="a")
    expect_error("EntityNotFoundException", glue.get_table, DatabaseName=db, Name="a")
    expect_error("EntityNotFoundException", glue.delete_table, DatabaseName=db, Name="a")

    out = glue.batch_delete_table(DatabaseName=db, TablesToDelete=["b", "ghost", "C"])
    assert [e["TableName"] for e in out["Errors"]] == ["ghost"]
    assert out["Errors"][0]["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    assert glue.get_tables(DatabaseName=db)["TableList"] == []
    expect_error("EntityNotFoundException", glue.batch_delete_table, DatabaseName=unique("nodb"), TablesToDelete=["x"])


def test_recreated_table_starts_at_version_zero(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t"))
    glue.update_table(DatabaseName=db, TableInput=table_input("t", Description="v1"))
    glue.delete_table(DatabaseName=db, Name="t")
    glue.create_table(DatabaseName=db, TableInput=table_input("t"))
    assert glue.get_table(DatabaseName=db, Name="t")["Table"]["VersionId"] == "0"
    assert version_ids(glue, db, "t") == ["0"]


# --------------------------------------------------------------------------------------------
# SearchTables (account-wide: every search is scoped to the test's database with a filter)
# --------------------------------------------------------------------------------------------


def search(glue, db, **kwargs) -> list[str]:
    filters = [{"Key": "DatabaseName", "Value": db, "Comparator": "EQUALS"}] + kwargs.pop("Filters", [])
    names, token = [], None
    while True:
        page = glue.search_tables(Filters=filters, **kwargs, **({"NextToken": token} if token else {}))
        names += [t["Name"] for t in page["TableList"]]
        token = page.get("NextToken")
        if not token:
            return names


@pytest.fixture
def searchable(glue, db):
    """Four tables with distinctive words in a column name, a description and a parameter value."""
    word = unique("zebra")
    glue.create_table(DatabaseName=db, TableInput=table_input("by_column", cols=("id:bigint", f"{word}_col:string")))
    glue.create_table(DatabaseName=db, TableInput=table_input("by_description", Description=f"All about {word} herds"))
    glue.create_table(
        DatabaseName=db, TableInput=table_input("by_parameter", Parameters={"source": f"{word}-feed", "format": "csv"})
    )
    glue.create_table(DatabaseName=db, TableInput=table_input("customer_link", Parameters={"format": "parquet"}))
    return word


def test_search_tables_by_text(glue, db, searchable):
    assert sorted(search(glue, db, SearchText=searchable)) == ["by_column", "by_description", "by_parameter"]
    # Without the database filter the search is account-wide and still finds them.
    found = glue.search_tables(SearchText=searchable)["TableList"]
    assert sorted(t["Name"] for t in found) == ["by_column", "by_description", "by_parameter"]
    assert all(t["DatabaseName"] == db and t["CatalogId"] == ACCOUNT_ID for t in found)
    assert search(glue, db, SearchText=unique("nothing")) == []


def test_search_tables_filters_and_sort(glue, db, searchable):
    assert search(glue, db, Filters=[{"Key": "format", "Value": "csv"}]) == ["by_parameter"]
    # A parameter (here `format`) or a table member (`Name`) can be the key of a filter.
    assert search(glue, db, Filters=[{"Key": "Name", "Value": "customer_link"}]) == ["customer_link"]
    ascending = search(glue, db, SortCriteria=[{"FieldName": "Name", "Sort": "ASC"}])
    assert ascending == sorted(ascending) and len(ascending) == 4
    descending = search(glue, db, SortCriteria=[{"FieldName": "Name", "Sort": "DESC"}])
    assert descending == ascending[::-1]


def test_search_tables_token_match(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("customer-link"))
    glue.create_table(DatabaseName=db, TableInput=table_input("xxlinkyy"))
    assert search(glue, db, Filters=[{"Key": "Name", "Value": "link"}]) == ["customer-link"]


def test_search_tables_paginates(glue, db, searchable):
    filters = [{"Key": "DatabaseName", "Value": db}]
    first = glue.search_tables(Filters=filters, MaxResults=3, SortCriteria=[{"FieldName": "Name", "Sort": "ASC"}])
    assert len(first["TableList"]) == 3 and first.get("NextToken")
    second = glue.search_tables(
        Filters=filters, MaxResults=3, NextToken=first["NextToken"], SortCriteria=[{"FieldName": "Name", "Sort": "ASC"}]
    )
    names = [t["Name"] for t in first["TableList"] + second["TableList"]]
    assert names == ["by_column", "by_description", "by_parameter", "customer_link"]
    assert "NextToken" not in second


# --------------------------------------------------------------------------------------------
# AWS CLI
# --------------------------------------------------------------------------------------------


def test_cli_tables(cli, glue, db):
    cli("create-table", database_name=db, table_input=table_input("sales_cli", keys=("dt:string",)))
    cli("create-table", database_name=db, table_input=table_input("other_cli"))
    table = cli("get-table", database_name=db, name="sales_cli")["Table"]
    assert table["VersionId"] == "0" and table["PartitionKeys"] == columns("dt:string")
    assert [t["Name"] for t in cli("get-tables", database_name=db, expression="sales*")["TableList"]] == ["sales_cli"]
    cli("update-table", database_name=db, table_input=table_input("sales_cli", Description="v1"), version_id="0")
    with pytest.raises(CliError) as info:
        cli("update-table", database_name=db, table_input=table_input("sales_cli", Description="x"), version_id="0")
    assert info.value.code == "ConcurrentModificationException"
    versions = cli("get-table-versions", database_name=db, table_name="sales_cli")["TableVersions"]
    assert sorted(v["VersionId"] for v in versions) == ["0", "1"]
    assert cli("get-table-version", database_name=db, table_name="sales_cli", version_id="0")["TableVersion"]["VersionId"] == "0"
    cli("delete-table", database_name=db, name="other_cli")
    with pytest.raises(CliError) as info:
        cli("get-table", database_name=db, name="other_cli")
    assert info.value.code == "EntityNotFoundException"
