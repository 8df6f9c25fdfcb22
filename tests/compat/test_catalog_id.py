"""CatalogId: Weir serves one catalog (account 123456789012). Naming it is accepted; naming any
other account is EntityNotFoundException, on reads and on writes alike."""

import pytest

from conftest import ACCOUNT_ID, expect_error, table_input, unique

OTHER = "210987654321"


def calls(db: str) -> dict:
    """Operations (with their arguments, without CatalogId) of every API area."""
    return {
        "get_database": {"Name": db},
        "get_databases": {},
        "get_table": {"DatabaseName": db, "Name": "t"},
        "get_tables": {"DatabaseName": db},
        "get_table_versions": {"DatabaseName": db, "TableName": "t"},
        "get_partitions": {"DatabaseName": db, "TableName": "t"},
        "get_partition_indexes": {"DatabaseName": db, "TableName": "t"},
        "get_user_defined_functions": {"DatabaseName": db, "Pattern": "*"},
        "get_column_statistics_for_table": {"DatabaseName": db, "TableName": "t", "ColumnNames": ["id"]},
        "get_connections": {},
        "search_tables": {"SearchText": db},
    }


@pytest.fixture
def with_table(glue, db) -> str:
    glue.create_table(DatabaseName=db, TableInput=table_input("t", keys=("dt:string",)))
    return db


@pytest.mark.parametrize("operation", list(calls("x")))
def test_own_catalog_id_is_accepted(glue, with_table, operation):
    out = getattr(glue, operation)(CatalogId=ACCOUNT_ID, **calls(with_table)[operation])
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("operation", list(calls("x")))
def test_other_catalog_id_is_not_found(glue, with_table, operation):
    message = expect_error("EntityNotFoundException", getattr(glue, operation), CatalogId=OTHER, **calls(with_table)[operation])
    assert OTHER in message


def test_writes_with_catalog_id(glue):
    name = unique("catid")
    expect_error("EntityNotFoundException", glue.create_database, CatalogId=OTHER, DatabaseInput={"Name": name})
    expect_error("EntityNotFoundException", glue.get_database, Name=name)
    glue.create_database(CatalogId=ACCOUNT_ID, DatabaseInput={"Name": name})
    try:
        glue.create_table(CatalogId=ACCOUNT_ID, DatabaseName=name, TableInput=table_input("t"))
        expect_error("EntityNotFoundException", glue.delete_table, CatalogId=OTHER, DatabaseName=name, Name="t")
        assert glue.get_table(DatabaseName=name, Name="t")["Table"]["CatalogId"] == ACCOUNT_ID
        glue.delete_table(CatalogId=ACCOUNT_ID, DatabaseName=name, Name="t")
    finally:
        glue.delete_database(CatalogId=ACCOUNT_ID, Name=name)
