"""Connections: Create, Get (HidePassword), GetConnections (Filter), Update, Delete,
BatchDeleteConnection; secrets encrypted at rest."""

import secrets
from datetime import datetime

import pytest

from conftest import arn, expect_error, unique
from weir_harness import CliError


def jdbc_input(name: str, password: str, user: str = "etl_user", url: str = "jdbc:postgresql://db.internal:5432/sales") -> dict:
    return {
        "Name": name,
        "Description": "Sales warehouse",
        "ConnectionType": "JDBC",
        "MatchCriteria": ["warehouse", "sales"],
        "ConnectionProperties": {"JDBC_CONNECTION_URL": url, "USERNAME": user, "PASSWORD": password, "JDBC_ENFORCE_SSL": "true"},
        "PhysicalConnectionRequirements": {"SubnetId": "subnet-0abc", "AvailabilityZone": "us-east-1a"},
    }


def kafka_input(name: str) -> dict:
    return {"Name": name, "ConnectionType": "KAFKA", "ConnectionProperties": {"KAFKA_BOOTSTRAP_SERVERS": "broker:9092"}}


@pytest.fixture
def connection(glue):
    """A JDBC connection with a random password; deleted after the test."""
    name, password = unique("conn"), "pw-" + secrets.token_hex(12)
    assert glue.create_connection(ConnectionInput=jdbc_input(name, password))["CreateConnectionStatus"] == "READY"
    yield name, password
    try:
        glue.delete_connection(ConnectionName=name)
    except glue.exceptions.EntityNotFoundException:
        pass


def all_connections(glue, **kwargs) -> dict:
    pages = glue.get_paginator("get_connections").paginate(**kwargs)
    return {c["Name"]: c for p in pages for c in p["ConnectionList"]}


def test_create_and_get_connection(glue, connection):
    name, password = connection
    c = glue.get_connection(Name=name)["Connection"]
    assert c["Name"] == name
    assert c["ConnectionType"] == "JDBC"
    assert c["Description"] == "Sales warehouse"
    assert c["MatchCriteria"] == ["warehouse", "sales"]
    assert c["ConnectionProperties"]["PASSWORD"] == password, "the password is returned by default"
    assert c["ConnectionProperties"]["USERNAME"] == "etl_user"
    assert c["ConnectionProperties"]["JDBC_CONNECTION_URL"] == "jdbc:postgresql://db.internal:5432/sales"
    assert c["PhysicalConnectionRequirements"]["SubnetId"] == "subnet-0abc"
    assert isinstance(c["CreationTime"], datetime)
    assert isinstance(c["LastUpdatedTime"], datetime)


def test_hide_password(glue, connection):
    name, password = connection
    c = glue.get_connection(Name=name, HidePassword=True)["Connection"]
    assert "PASSWORD" not in c["ConnectionProperties"]
    assert c["ConnectionProperties"]["USERNAME"] == "etl_user"
    assert glue.get_connection(Name=name, HidePassword=False)["Connection"]["ConnectionProperties"]["PASSWORD"] == password


def test_get_connections_filter_and_hide_password(glue, connection):
    name, password = connection
    kafka = unique("kafka")
    glue.create_connection(ConnectionInput=kafka_input(kafka))
    try:
        jdbc = all_connections(glue, Filter={"ConnectionType": "JDBC"}, HidePassword=True)
        assert name in jdbc and kafka not in jdbc
        assert "PASSWORD" not in jdbc[name]["ConnectionProperties"]
        assert all(c["ConnectionType"] == "JDBC" for c in jdbc.values())
        assert all_connections(glue, Filter={"ConnectionType": "JDBC"})[name]["ConnectionProperties"]["PASSWORD"] == password
        streaming = all_connections(glue, Filter={"ConnectionType": "KAFKA"})
        assert kafka in streaming and name not in streaming
        by_criteria = all_connections(glue, Filter={"MatchCriteria": ["warehouse"]})
        assert name in by_criteria and kafka not in by_criteria
        both = all_connections(glue, PaginationConfig={"PageSize": 1})
        assert {name, kafka} <= set(both)
    finally:
        glue.delete_connection(ConnectionName=kafka)


def test_get_connections_next_token(glue):
    prefix = unique("page")
    names = [f"{prefix}_{i}" for i in range(3)]
    for name in names:
        glue.create_connection(ConnectionInput=kafka_input(name))
    try:
        seen, token = [], None
        while True:
            page = glue.get_connections(MaxResults=2, Filter={"ConnectionType": "KAFKA"}, **({"NextToken": token} if token else {}))
            assert len(page["ConnectionList"]) <= 2
            seen += [c["Name"] for c in page["ConnectionList"]]
            token = page.get("NextToken")
            if not token:
                break
        assert len(seen) == len(set(seen))
        assert sorted(n for n in seen if n.startswith(prefix)) == names
    finally:
        glue.batch_delete_connection(ConnectionNameList=names)


def test_update_connection(glue, connection):
    name, _ = connection
    new_password = "pw-" + secrets.token_hex(12)
    glue.update_connection(Name=name, ConnectionInput=jdbc_input(name, new_password, user="new_user", url="jdbc:postgresql://db2:5432/x"))
    c = glue.get_connection(Name=name)["Connection"]
    assert c["ConnectionProperties"]["PASSWORD"] == new_password
    assert c["ConnectionProperties"]["USERNAME"] == "new_user"
    assert c["ConnectionProperties"]["JDBC_CONNECTION_URL"] == "jdbc:postgresql://db2:5432/x"
    expect_error("EntityNotFoundException", glue.update_connection, Name=unique("ghost"), ConnectionInput=kafka_input("ghost"))


def test_rename_connection(glue, connection):
    name, password = connection
    new_name = unique("renamed")
    glue.tag_resource(ResourceArn=arn(f"connection/{name}"), TagsToAdd={"old": "tag"})
    glue.update_connection(Name=name, ConnectionInput=jdbc_input(new_name, password))
    try:
        expect_error("EntityNotFoundException", glue.get_connection, Name=name)
        renamed = glue.get_connection(Name=new_name)["Connection"]
        assert renamed["ConnectionProperties"]["PASSWORD"] == password
        assert glue.get_tags(ResourceArn=arn(f"connection/{new_name}"))["Tags"] == {}
    finally:
        glue.delete_connection(ConnectionName=new_name)


def test_connection_errors(glue, connection):
    name, _ = connection
    expect_error("AlreadyExistsException", glue.create_connection, ConnectionInput=kafka_input(name))
    ghost = unique("ghost")
    assert ghost in expect_error("EntityNotFoundException", glue.get_connection, Name=ghost)
    expect_error("EntityNotFoundException", glue.delete_connection, ConnectionName=ghost)


def test_delete_connection(glue, connection):
    name, _ = connection
    glue.delete_connection(ConnectionName=name)
    expect_error("EntityNotFoundException", glue.get_connection, Name=name)
    assert name not in all_connections(glue)


def test_batch_delete_connection(glue):
    a, b, ghost = unique("bd"), unique("bd"), unique("ghost")
    glue.create_connection(ConnectionInput=kafka_input(a))
    glue.create_connection(ConnectionInput=jdbc_input(b, "secret"))
    out = glue.batch_delete_connection(ConnectionNameList=[a, ghost, b])
    assert sorted(out["Succeeded"]) == sorted([a, b])
    assert set(out["Errors"]) == {ghost}
    assert out["Errors"][ghost]["ErrorCode"] == "EntityNotFoundException"
    assert ghost in out["Errors"][ghost]["ErrorMessage"]
    for name in (a, b):
        expect_error("EntityNotFoundException", glue.get_connection, Name=name)


def test_password_is_encrypted_at_rest(glue, connection, metastore_bytes):
    name, password = connection
    stored = metastore_bytes()
    assert name.encode() in stored, "the connection is in the metastore"
    assert b"etl_user" in stored, "non-secret properties are stored as they are"
    assert password.encode() not in stored, "the PASSWORD must not be stored in clear"
    # Updating writes a new password: it must not appear in clear either.
    new_password = "pw-" + secrets.token_hex(12)
    glue.update_connection(Name=name, ConnectionInput=jdbc_input(name, new_password))
    assert new_password.encode() not in metastore_bytes()
    assert glue.get_connection(Name=name)["Connection"]["ConnectionProperties"]["PASSWORD"] == new_password


def test_every_secret_is_sealed(glue, metastore_bytes, weir):
    name = unique("kafka_sasl")
    secret = {k: f"{k.lower()}-{secrets.token_hex(8)}" for k in ("KAFKA_SASL_SCRAM_PASSWORD", "KAFKA_CLIENT_KEYSTORE_PASSWORD", "ENCRYPTED_PASSWORD")}
    basic_password = "basic-" + secrets.token_hex(8)
    glue.create_connection(
        ConnectionInput={
            "Name": name,
            "ConnectionType": "KAFKA",
            "ConnectionProperties": {"KAFKA_BOOTSTRAP_SERVERS": "broker:9092", "KAFKA_SASL_SCRAM_USERNAME": "scram_user", **secret},
            "AuthenticationConfiguration": {
                "AuthenticationType": "BASIC",
                "BasicAuthenticationCredentials": {"Username": "basic_user", "Password": basic_password},
            },
        }
    )
    try:
        stored = metastore_bytes()
        assert name.encode() in stored
        for value in [*secret.values(), basic_password]:
            assert value.encode() not in stored, f"{value} is stored in clear"
        shown = glue.get_connection(Name=name)["Connection"]
        assert {k: shown["ConnectionProperties"][k] for k in secret} == secret
        assert shown["AuthenticationConfiguration"]["AuthenticationType"] == "BASIC"
        hidden = glue.get_connection(Name=name, HidePassword=True)["Connection"]["ConnectionProperties"]
        assert hidden == {"KAFKA_BOOTSTRAP_SERVERS": "broker:9092", "KAFKA_SASL_SCRAM_USERNAME": "scram_user"}
    finally:
        glue.delete_connection(ConnectionName=name)
    key_file = weir.data_dir / "secrets.key"
    assert key_file.stat().st_mode & 0o077 == 0, "the secrets key is readable by its owner only"


def test_cli_connections(cli):
    name, password = unique("cli_conn"), "pw-" + secrets.token_hex(8)
    assert cli("create-connection", connection_input=jdbc_input(name, password))["CreateConnectionStatus"] == "READY"
    try:
        assert cli("get-connection", name=name)["Connection"]["ConnectionProperties"]["PASSWORD"] == password
        hidden = cli("get-connection", name=name, hide_password=True)["Connection"]
        assert "PASSWORD" not in hidden["ConnectionProperties"]
        listed = cli("get-connections", filter={"ConnectionType": "JDBC"}, hide_password=True)["ConnectionList"]
        mine = [c for c in listed if c["Name"] == name]
        assert len(mine) == 1 and "PASSWORD" not in mine[0]["ConnectionProperties"]
        cli("update-connection", name=name, connection_input=jdbc_input(name, "changed"))
        assert cli("get-connection", name=name)["Connection"]["ConnectionProperties"]["PASSWORD"] == "changed"
        out = cli("batch-delete-connection", connection_name_list=[name, name + "_ghost"])
        assert out["Succeeded"] == [name] and list(out["Errors"]) == [name + "_ghost"]
    finally:
        try:
            cli("delete-connection", connection_name=name)
        except CliError as e:
            assert e.code == "EntityNotFoundException"
