"""`WeirCatalog.ExecuteAtomically`: several catalog calls in one metastore transaction, over the
wire (boto3 has no such operation, so the requests are posted as the Glue protocol posts them)."""

from __future__ import annotations

import json


def table_input(name: str) -> dict:
    return {"Name": name, "PartitionKeys": [{"Name": "year", "Type": "int"}],
            "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}], "Location": f"s3://b/{name}/"}}


def test_a_group_commits_every_call(weir, glue, db):
    body = {"Calls": [
        {"Operation": "CreateTable", "Request": {"DatabaseName": db, "TableInput": table_input("t")}},
        {"Operation": "BatchCreatePartition", "Request": {"DatabaseName": db, "TableName": "t",
                                                          "PartitionInputList": [{"Values": ["2024"]}, {"Values": ["2025"]}]}},
    ]}
    status, _, response = weir.post_glue("WeirCatalog.ExecuteAtomically", json.dumps(body))
    assert status == 200, response
    responses = response["Responses"]
    assert len(responses) == 2 and responses[0] == {} and responses[1].get("Errors", []) == [], response
    values = sorted(p["Values"][0] for p in glue.get_partitions(DatabaseName=db, TableName="t")["Partitions"])
    assert values == ["2024", "2025"]


def test_a_failing_call_rolls_the_group_back(weir, glue, db):
    body = {"Calls": [
        {"Operation": "CreateTable", "Request": {"DatabaseName": db, "TableInput": table_input("gone")}},
        {"Operation": "BatchCreatePartition", "Request": {"DatabaseName": db, "TableName": "gone",
                                                          "PartitionInputList": [{"Values": ["2024", "extra"]}]}},
    ]}
    status, _, response = weir.post_glue("WeirCatalog.ExecuteAtomically", json.dumps(body))
    assert status == 400, response
    assert response["__type"] == "InvalidInputException"
    assert "call 2 (BatchCreatePartition)" in response["Message"], response
    assert [t["Name"] for t in glue.get_tables(DatabaseName=db)["TableList"]] == []


def test_a_body_without_calls_is_refused_naming_the_field(weir):
    status, _, response = weir.post_glue("WeirCatalog.ExecuteAtomically", "{}")
    assert status == 400 and response["__type"] == "InvalidInputException"
    assert "Calls" in response["Message"], response
