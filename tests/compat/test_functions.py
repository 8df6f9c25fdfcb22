"""User-defined functions: Create, Get, GetUserDefinedFunctions (Pattern), Update, Delete."""

from datetime import datetime

import pytest

from conftest import ACCOUNT_ID, expect_error, unique
from weir_harness import CliError


def function_input(name: str, class_name: str = "com.example.udf.Upper") -> dict:
    return {
        "FunctionName": name,
        "ClassName": class_name,
        "OwnerName": "analytics",
        "OwnerType": "USER",
        "FunctionType": "REGULAR_FUNCTION",
        "ResourceUris": [{"ResourceType": "JAR", "Uri": "s3://bucket/udfs.jar"}],
    }


def listed(glue, pattern: str, database: str | None = None, **kw) -> list[tuple[str, str]]:
    params = {"Pattern": pattern, **({"DatabaseName": database} if database else {}), **kw}
    pages = glue.get_paginator("get_user_defined_functions").paginate(**params)
    return sorted((f["DatabaseName"], f["FunctionName"]) for p in pages for f in p["UserDefinedFunctions"])


@pytest.fixture
def two_databases(glue):
    """Two databases with functions: fn_upper, fn_lower, other in the first; fn_trim in the second."""
    first, second = unique("udf_a"), unique("udf_b")
    for name in (first, second):
        glue.create_database(DatabaseInput={"Name": name})
    for f in ("fn_upper", "fn_lower", "other"):
        glue.create_user_defined_function(DatabaseName=first, FunctionInput=function_input(f))
    glue.create_user_defined_function(DatabaseName=second, FunctionInput=function_input("fn_trim"))
    yield first, second
    for name in (first, second):
        glue.delete_database(Name=name)


def test_create_and_get_function(glue, db):
    glue.create_user_defined_function(DatabaseName=db, FunctionInput=function_input("to_upper"))
    f = glue.get_user_defined_function(DatabaseName=db, FunctionName="to_upper")["UserDefinedFunction"]
    assert f["FunctionName"] == "to_upper"
    assert f["DatabaseName"] == db
    assert f["ClassName"] == "com.example.udf.Upper"
    assert f["OwnerName"] == "analytics" and f["OwnerType"] == "USER"
    assert f["FunctionType"] == "REGULAR_FUNCTION"
    assert f["ResourceUris"] == [{"ResourceType": "JAR", "Uri": "s3://bucket/udfs.jar"}]
    assert f["CatalogId"] == ACCOUNT_ID
    assert isinstance(f["CreateTime"], datetime)


def test_function_errors(glue, db):
    glue.create_user_defined_function(DatabaseName=db, FunctionInput=function_input("f"))
    expect_error("AlreadyExistsException", glue.create_user_defined_function, DatabaseName=db, FunctionInput=function_input("f"))
    assert "ghost" in expect_error("EntityNotFoundException", glue.get_user_defined_function, DatabaseName=db, FunctionName="ghost")
    expect_error("EntityNotFoundException", glue.create_user_defined_function, DatabaseName=unique("nodb"), FunctionInput=function_input("f"))
    expect_error("EntityNotFoundException", glue.update_user_defined_function, DatabaseName=db, FunctionName="ghost", FunctionInput=function_input("ghost"))
    expect_error("EntityNotFoundException", glue.delete_user_defined_function, DatabaseName=db, FunctionName="ghost")
    expect_error("EntityNotFoundException", glue.get_user_defined_functions, DatabaseName=unique("nodb"), Pattern="*")


def test_get_functions_by_pattern_within_a_database(glue, two_databases):
    first, second = two_databases
    assert listed(glue, "*", first) == [(first, "fn_lower"), (first, "fn_upper"), (first, "other")]
    assert listed(glue, "fn_*", first) == [(first, "fn_lower"), (first, "fn_upper")]
    assert listed(glue, "other", first) == [(first, "other")]
    assert listed(glue, "fn_*", second) == [(second, "fn_trim")]
    assert listed(glue, "nothing*", first) == []


def test_get_functions_across_databases(glue, two_databases):
    first, second = two_databases
    mine = [f for f in listed(glue, "fn_*") if f[0] in (first, second)]
    assert mine == sorted([(first, "fn_lower"), (first, "fn_upper"), (second, "fn_trim")])
    everything = [f for f in listed(glue, "*") if f[0] in (first, second)]
    assert len(everything) == 4


def test_get_functions_pagination(glue, two_databases):
    first, _ = two_databases
    pages = list(glue.get_paginator("get_user_defined_functions").paginate(
        DatabaseName=first, Pattern="*", PaginationConfig={"PageSize": 1}
    ))
    names = [f["FunctionName"] for p in pages for f in p["UserDefinedFunctions"]]
    assert sorted(names) == ["fn_lower", "fn_upper", "other"] and len(names) == 3
    assert all(len(p["UserDefinedFunctions"]) <= 1 for p in pages)


def test_get_functions_pagination_across_databases(glue, two_databases):
    first, second = two_databases
    pages = list(glue.get_paginator("get_user_defined_functions").paginate(Pattern="*", PaginationConfig={"PageSize": 1}))
    seen = [(f["DatabaseName"], f["FunctionName"]) for p in pages for f in p["UserDefinedFunctions"]]
    assert len(seen) == len(set(seen)), "a function was listed twice"
    mine = sorted(f for f in seen if f[0] in (first, second))
    assert mine == sorted([(first, "fn_lower"), (first, "fn_upper"), (first, "other"), (second, "fn_trim")])


def test_update_function(glue, db):
    glue.create_user_defined_function(DatabaseName=db, FunctionInput=function_input("f"))
    created = glue.get_user_defined_function(DatabaseName=db, FunctionName="f")["UserDefinedFunction"]
    glue.update_user_defined_function(DatabaseName=db, FunctionName="f", FunctionInput=function_input("f", "com.example.udf.V2"))
    updated = glue.get_user_defined_function(DatabaseName=db, FunctionName="f")["UserDefinedFunction"]
    assert updated["ClassName"] == "com.example.udf.V2"
    assert updated["CreateTime"] == created["CreateTime"]


def test_rename_function_with_update(glue, db):
    glue.create_user_defined_function(DatabaseName=db, FunctionInput=function_input("old_name"))
    glue.update_user_defined_function(DatabaseName=db, FunctionName="old_name", FunctionInput=function_input("new_name"))
    expect_error("EntityNotFoundException", glue.get_user_defined_function, DatabaseName=db, FunctionName="old_name")
    assert glue.get_user_defined_function(DatabaseName=db, FunctionName="new_name")["UserDefinedFunction"]["FunctionName"] == "new_name"


def test_delete_function(glue, db):
    glue.create_user_defined_function(DatabaseName=db, FunctionInput=function_input("f"))
    glue.delete_user_defined_function(DatabaseName=db, FunctionName="f")
    expect_error("EntityNotFoundException", glue.get_user_defined_function, DatabaseName=db, FunctionName="f")
    assert listed(glue, "*", db) == []


def test_cli_functions(cli, db):
    cli("create-user-defined-function", database_name=db, function_input=function_input("cli_fn"))
    cli("create-user-defined-function", database_name=db, function_input=function_input("zz_other"))
    got = cli("get-user-defined-function", database_name=db, function_name="cli_fn")["UserDefinedFunction"]
    assert got["ClassName"] == "com.example.udf.Upper"
    found = cli("get-user-defined-functions", database_name=db, pattern="cli*")["UserDefinedFunctions"]
    assert [f["FunctionName"] for f in found] == ["cli_fn"]
    cli("update-user-defined-function", database_name=db, function_name="cli_fn", function_input=function_input("cli_fn", "com.example.V3"))
    assert cli("get-user-defined-function", database_name=db, function_name="cli_fn")["UserDefinedFunction"]["ClassName"] == "com.example.V3"
    cli("delete-user-defined-function", database_name=db, function_name="cli_fn")
    with pytest.raises(CliError) as info:
        cli("get-user-defined-function", database_name=db, function_name="cli_fn")
    assert info.value.code == "EntityNotFoundException"
