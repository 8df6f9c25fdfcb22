"""Errors on the wire: server-side validation (sent with a client that skips botocore's own),
error codes and HTTP statuses, unknown and unimplemented operations, /health and /metrics."""

import json

import pytest

from conftest import expect_error, partition_input, table_input, unique

LONG_NAME = "x" * 256


# --------------------------------------------------------------------------------------------
# Validation against the model (raw client: botocore does not check anything)
# --------------------------------------------------------------------------------------------


def test_missing_required_member_is_named(raw):
    message = expect_error("InvalidInputException", raw.create_database, DatabaseInput={"Description": "no name"})
    assert "databaseInput.name" in message
    assert "must not be null" in message


def test_missing_top_level_member_is_named(raw, db):
    message = expect_error("InvalidInputException", raw.get_table, DatabaseName=db)
    assert "'name'" in message
    message = expect_error("InvalidInputException", raw.create_partition, DatabaseName=db, TableName="t")
    assert "partitionInput" in message


def test_every_failure_is_listed(raw):
    message = expect_error("InvalidInputException", raw.update_table, TableInput={"Name": LONG_NAME})
    assert message.startswith("2 validation errors detected")
    assert "databaseName" in message and "tableInput.name" in message


def test_name_too_long(raw):
    message = expect_error("InvalidInputException", raw.create_database, DatabaseInput={"Name": LONG_NAME})
    assert "databaseInput.name" in message
    assert "length less than or equal to 255" in message


def test_name_too_short(raw):
    message = expect_error("InvalidInputException", raw.get_database, Name="")
    assert "length greater than or equal to 1" in message


def test_name_with_newline_breaks_the_pattern(raw):
    message = expect_error("InvalidInputException", raw.create_database, DatabaseInput={"Name": "bad\nname"})
    assert "databaseInput.name" in message
    assert "pattern" in message


def test_nested_list_member_path(raw, db):
    message = expect_error(
        "InvalidInputException",
        raw.create_table,
        DatabaseName=db,
        TableInput={"Name": "t", "StorageDescriptor": {"Columns": [{"Name": "ok"}, {"Type": "int"}]}},
    )
    assert "tableInput.storageDescriptor.columns.2.name" in message


def test_range_and_enum_constraints(raw):
    message = expect_error("InvalidInputException", raw.get_databases, MaxResults=0)
    assert "maxResults" in message and "greater than or equal to 1" in message
    message = expect_error("InvalidInputException", raw.get_databases, MaxResults=101)
    assert "less than or equal to 100" in message
    message = expect_error("InvalidInputException", raw.get_databases, ResourceShareType="EVERYTHING")
    assert "resourceShareType" in message and "ALL" in message


def test_wrong_json_type_is_serialization_error(weir):
    # botocore cannot even serialize this, so it goes over raw HTTP.
    status, _, body = weir.post_glue("AWSGlue.CreateDatabase", json.dumps({"DatabaseInput": "not a structure"}))
    assert status == 400
    assert body["__type"] == "SerializationException"
    assert "databaseInput" in body["Message"]


def test_body_that_is_not_json(weir):
    status, headers, body = weir.post_glue("AWSGlue.GetDatabases", b"{not json")
    assert status == 400
    assert body["__type"] == "SerializationException"
    assert headers["content-type"] == "application/x-amz-json-1.1"


def test_unknown_members_are_ignored(weir, db):
    """Newer SDKs send members an older model lacks: they are ignored, not rejected."""
    status, _, body = weir.post_glue("AWSGlue.GetDatabase", json.dumps({"Name": db, "SomeFutureMember": {"x": 1}}))
    assert status == 200 and body["Database"]["Name"] == db


def test_empty_body_is_an_empty_request(weir):
    status, _, body = weir.post_glue("AWSGlue.GetDatabases", b"")
    assert status == 200 and isinstance(body["DatabaseList"], list)


def test_large_request_gets_a_glue_error(weir):
    """A 3 MiB body gets a Glue error (JSON with __type, a 4xx status), whether it is over the
    body limit or validated (the name is far over 255 characters)."""
    body = json.dumps({"Name": "x" * (3 << 20)}).encode()
    status, headers, raw_body = weir.http("POST", "/", body, {"X-Amz-Target": "AWSGlue.GetDatabase", "Content-Type": "application/x-amz-json-1.1"})
    assert 400 <= status < 500
    assert headers["content-type"] == "application/x-amz-json-1.1", raw_body[:200]
    assert json.loads(raw_body)["__type"] in ("InvalidInputException", "SerializationException")


# --------------------------------------------------------------------------------------------
# Catalog errors
# --------------------------------------------------------------------------------------------


def test_catalog_error_codes(glue, db):
    expect_error("EntityNotFoundException", glue.get_database, Name=unique("nodb"))
    expect_error("EntityNotFoundException", glue.get_table, DatabaseName=db, Name="ghost")
    expect_error("EntityNotFoundException", glue.get_table, DatabaseName=unique("nodb"), Name="ghost")
    expect_error("AlreadyExistsException", glue.create_database, DatabaseInput={"Name": db})
    glue.create_table(DatabaseName=db, TableInput=table_input("t", keys=("a:string", "b:string")))
    glue.update_table(DatabaseName=db, TableInput=table_input("t", keys=("a:string", "b:string")), VersionId="0")
    expect_error(
        "ConcurrentModificationException",
        glue.update_table,
        DatabaseName=db,
        TableInput=table_input("t", keys=("a:string", "b:string")),
        VersionId="0",
    )
    message = expect_error(
        "InvalidInputException", glue.create_partition, DatabaseName=db, TableName="t", PartitionInput=partition_input("t", ["only-one"])
    )
    assert "2" in message and "1" in message


def test_error_response_shape(weir, db):
    status, headers, body = weir.post_glue("AWSGlue.GetTable", json.dumps({"DatabaseName": db, "Name": "ghost"}))
    assert status == 400
    assert body["__type"] == "EntityNotFoundException"
    assert "ghost" in body["Message"]
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert len(headers["x-amzn-requestid"]) >= 16


def test_request_id_reaches_boto3(glue, db):
    meta = glue.get_database(Name=db)["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 200 and len(meta["RequestId"]) >= 16


# --------------------------------------------------------------------------------------------
# Operations Weir does not serve
# --------------------------------------------------------------------------------------------


def test_unknown_operation(weir):
    status, _, body = weir.post_glue("AWSGlue.NoSuchOp")
    assert status == 400
    assert body["__type"] == "UnknownOperationException"
    assert "NoSuchOp" in body["Message"]


def test_missing_target_header(weir):
    status, _, body = weir.http("POST", "/", b"{}", {"Content-Type": "application/x-amz-json-1.1"})
    assert status == 400
    assert json.loads(body)["__type"] == "UnknownOperationException"


def test_other_service_target(weir):
    status, _, body = weir.post_glue("DynamoDB_20120810.ListTables")
    assert status == 400 and body["__type"] == "UnknownOperationException"


def test_model_operation_not_implemented(glue):
    with pytest.raises(glue.exceptions.ClientError) as info:
        glue.get_triggers()
    error = info.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert "GetTriggers" in error["Message"] and "not supported by Weir" in error["Message"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --------------------------------------------------------------------------------------------
# /health and /metrics
# --------------------------------------------------------------------------------------------


def test_health(weir):
    status, _, body = weir.http("GET", "/health")
    assert status == 200
    assert body.strip() == b"ok"


def test_metrics_count_requests_by_operation(weir, glue, db):
    glue.get_database(Name=db)
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_database(Name=unique("nodb"))
    weir.post_glue("AWSGlue.NoSuchOp")
    status, headers, body = weir.http("GET", "/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    text = body.decode()
    assert "# TYPE weir_api_requests_total counter" in text
    assert 'weir_api_requests_total{operation="GetDatabase",outcome="ok"}' in text
    assert 'weir_api_requests_total{operation="GetDatabase",outcome="EntityNotFoundException"}' in text
    assert 'weir_api_requests_total{operation="unknown",outcome="UnknownOperationException"}' in text
    assert 'operation="NoSuchOp"' not in text, "label values stay bounded"
    assert "weir_api_request_duration_seconds_bucket" in text
