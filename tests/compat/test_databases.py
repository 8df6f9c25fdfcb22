"""Databases: CreateDatabase, GetDatabase, GetDatabases, UpdateDatabase, DeleteDatabase."""

from datetime import datetime

import pytest

from conftest import ACCOUNT_ID, arn, expect_error, table_input, unique
from weir_harness import CliError


def test_create_and_get_database(glue):
    name = unique("sales")
    glue.create_database(
        DatabaseInput={
            "Name": name,
            "Description": "Sales data",
            "LocationUri": "s3://bucket/sales/",
            "Parameters": {"owner": "analytics", "tier": "gold"},
        }
    )
    db = glue.get_database(Name=name)["Database"]
    assert db["Name"] == name
    assert db["Description"] == "Sales data"
    assert db["LocationUri"] == "s3://bucket/sales/"
    assert db["Parameters"] == {"owner": "analytics", "tier": "gold"}
    assert db["CatalogId"] == ACCOUNT_ID
    assert isinstance(db["CreateTime"], datetime)
    assert db["CreateTableDefaultPermissions"][0]["Principal"]["DataLakePrincipalIdentifier"] == "IAM_ALLOWED_PRINCIPALS"


def test_database_names_are_lower_cased(glue):
    name = unique("MixedCase_DB")
    glue.create_database(DatabaseInput={"Name": name})
    assert glue.get_database(Name=name.lower())["Database"]["Name"] == name.lower()
    assert glue.get_database(Name=name.upper())["Database"]["Name"] == name.lower()
    listed = [d["Name"] for d in glue.get_databases()["DatabaseList"]] + [
        d["Name"] for p in glue.get_paginator("get_databases").paginate() for d in p["DatabaseList"]
    ]
    assert name.lower() in listed and name not in listed
    expect_error("AlreadyExistsException", glue.create_database, DatabaseInput={"Name": name.upper()})
    glue.delete_database(Name=name.upper())
    expect_error("EntityNotFoundException", glue.get_database, Name=name.lower())


def test_duplicate_database_is_already_exists(glue, db):
    message = expect_error("AlreadyExistsException", glue.create_database, DatabaseInput={"Name": db})
    assert db in message


def test_unknown_database_is_entity_not_found(glue):
    missing = unique("missing")
    assert missing in expect_error("EntityNotFoundException", glue.get_database, Name=missing)
    expect_error("EntityNotFoundException", glue.delete_database, Name=missing)
    expect_error("EntityNotFoundException", glue.update_database, Name=missing, DatabaseInput={"Name": missing})


def test_get_databases_paginates(glue):
    prefix = unique("page")
    mine = sorted(f"{prefix}_{i}" for i in range(7))
    for name in mine:
        glue.create_database(DatabaseInput={"Name": name})

    # boto3's paginator, three per page.
    pages = list(glue.get_paginator("get_databases").paginate(PaginationConfig={"PageSize": 3}))
    assert all(len(p["DatabaseList"]) <= 3 for p in pages)
    assert len(pages) >= 3
    seen = [d["Name"] for p in pages for d in p["DatabaseList"]]
    assert len(seen) == len(set(seen)), "a database was listed twice"
    assert sorted(n for n in seen if n.startswith(prefix)) == mine

    # The same by hand with NextToken.
    manual, token, calls = [], None, 0
    while True:
        kwargs = {"MaxResults": 3, **({"NextToken": token} if token else {})}
        page = glue.get_databases(**kwargs)
        calls += 1
        assert len(page["DatabaseList"]) <= 3
        manual += [d["Name"] for d in page["DatabaseList"]]
        token = page.get("NextToken")
        if not token:
            break
        assert calls < 1000
    assert manual == seen
    assert all(d["CatalogId"] == ACCOUNT_ID for d in glue.get_databases(MaxResults=3)["DatabaseList"])


def test_get_databases_federated_paginates_past_other_databases(glue):
    prefix = unique("fed")
    plain = [f"{prefix}_a{i}" for i in range(4)]
    federated = f"{prefix}_z"
    for name in plain:
        glue.create_database(DatabaseInput={"Name": name})
    glue.create_database(
        DatabaseInput={"Name": federated, "FederatedDatabase": {"Identifier": "remote_db", "ConnectionName": "hive_conn"}}
    )
    try:
        pages = glue.get_paginator("get_databases").paginate(ResourceShareType="FEDERATED", PaginationConfig={"PageSize": 1})
        found = [d for p in pages for d in p["DatabaseList"]]
        mine = [d for d in found if d["Name"].startswith(prefix)]
        assert [d["Name"] for d in mine] == [federated]
        assert mine[0]["FederatedDatabase"]["Identifier"] == "remote_db"
        everything = [d["Name"] for p in glue.get_paginator("get_databases").paginate() for d in p["DatabaseList"]]
        assert set(plain + [federated]) <= set(everything)
    finally:
        for name in plain + [federated]:
            glue.delete_database(Name=name)


def test_get_databases_attributes_to_get_name(glue, db):
    listed = [d for p in glue.get_paginator("get_databases").paginate(AttributesToGet=["NAME"]) for d in p["DatabaseList"]]
    mine = [d for d in listed if d["Name"] == db]
    assert len(mine) == 1 and "CreateTime" not in mine[0]


def test_update_database_replaces_definition(glue, db):
    created = glue.get_database(Name=db)["Database"]
    glue.update_database(
        Name=db, DatabaseInput={"Name": db, "Description": "updated", "Parameters": {"k": "v2"}}
    )
    updated = glue.get_database(Name=db)["Database"]
    assert updated["Description"] == "updated"
    assert updated["Parameters"] == {"k": "v2"}
    assert updated["CreateTime"] == created["CreateTime"]
    assert "LocationUri" not in updated


def test_update_database_cannot_rename(glue, db):
    expect_error("InvalidInputException", glue.update_database, Name=db, DatabaseInput={"Name": unique("other")})


def test_delete_database_cascades(glue):
    name = unique("cascade")
    glue.create_database(DatabaseInput={"Name": name}, Tags={"team": "data"})
    glue.create_table(DatabaseName=name, TableInput=table_input("events", keys=("dt:string",)))
    glue.create_partition(DatabaseName=name, TableName="events", PartitionInput={"Values": ["2024-01-01"]})
    glue.create_user_defined_function(
        DatabaseName=name, FunctionInput={"FunctionName": "f", "ClassName": "com.example.F", "OwnerName": "me", "OwnerType": "USER"}
    )
    glue.tag_resource(ResourceArn=arn(f"table/{name}/events"), TagsToAdd={"t": "1"})

    glue.delete_database(Name=name)
    expect_error("EntityNotFoundException", glue.get_database, Name=name)
    expect_error("EntityNotFoundException", glue.get_table, DatabaseName=name, Name="events")

    # A new database of the same name starts empty: nothing of the old one survived.
    glue.create_database(DatabaseInput={"Name": name})
    try:
        assert glue.get_tables(DatabaseName=name)["TableList"] == []
        assert glue.get_user_defined_functions(DatabaseName=name, Pattern="*")["UserDefinedFunctions"] == []
        expect_error("EntityNotFoundException", glue.get_partitions, DatabaseName=name, TableName="events")
        assert glue.get_tags(ResourceArn=arn(f"database/{name}"))["Tags"] == {}
        glue.create_table(DatabaseName=name, TableInput=table_input("events", keys=("dt:string",)))
        assert glue.get_partitions(DatabaseName=name, TableName="events")["Partitions"] == []
        assert glue.get_tags(ResourceArn=arn(f"table/{name}/events"))["Tags"] == {}
    finally:
        glue.delete_database(Name=name)


def test_delete_database_leaves_similarly_named_databases_alone(glue):
    base = unique("near")
    other = base + "2"
    for n in (base, other):
        glue.create_database(DatabaseInput={"Name": n})
        glue.create_table(DatabaseName=n, TableInput=table_input("t"))
        glue.tag_resource(ResourceArn=arn(f"table/{n}/t"), TagsToAdd={"keep": n})
    glue.delete_database(Name=base)
    try:
        assert glue.get_table(DatabaseName=other, Name="t")["Table"]["Name"] == "t"
        assert glue.get_tags(ResourceArn=arn(f"table/{other}/t"))["Tags"] == {"keep": other}
    finally:
        glue.delete_database(Name=other)


def test_cli_database_lifecycle(cli):
    name = unique("cli_db")
    assert cli("create-database", database_input={"Name": name, "Description": "from the CLI"}) == {}
    got = cli("get-database", name=name)["Database"]
    assert got["Name"] == name and got["Description"] == "from the CLI" and got["CatalogId"] == ACCOUNT_ID
    assert isinstance(got["CreateTime"], (int, float))
    # The CLI follows NextToken itself: a small page size still lists everything once.
    listed = [d["Name"] for d in cli("get-databases", page_size=2)["DatabaseList"]]
    assert listed.count(name) == 1
    cli("update-database", name=name, database_input={"Name": name, "Description": "changed"})
    assert cli("get-database", name=name)["Database"]["Description"] == "changed"
    with pytest.raises(CliError) as info:
        cli("create-database", database_input={"Name": name})
    assert info.value.code == "AlreadyExistsException"
    cli("delete-database", name=name)
    with pytest.raises(CliError) as info:
        cli("get-database", name=name)
    assert info.value.code == "EntityNotFoundException"
    assert name in info.value.message
