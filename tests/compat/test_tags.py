"""Resource tags: TagResource, UntagResource, GetTags on database, table, function and
connection ARNs; CreateDatabase/CreateConnection with Tags (crawler ARNs: test_crawlers.py)."""

import pytest

from conftest import arn, expect_error, table_input, unique
from weir_harness import CliError


def test_create_database_with_tags(glue):
    name = unique("tagged")
    glue.create_database(DatabaseInput={"Name": name}, Tags={"team": "data", "env": "test"})
    try:
        assert glue.get_tags(ResourceArn=arn(f"database/{name}"))["Tags"] == {"team": "data", "env": "test"}
    finally:
        glue.delete_database(Name=name)


def test_database_arns_fold_case(glue):
    name = unique("TagCase")
    glue.create_database(DatabaseInput={"Name": name}, Tags={"a": "b"})
    try:
        assert glue.get_tags(ResourceArn=arn(f"database/{name}"))["Tags"] == {"a": "b"}
        glue.tag_resource(ResourceArn=arn(f"database/{name.upper()}"), TagsToAdd={"c": "d"})
        assert glue.get_tags(ResourceArn=arn(f"database/{name.lower()}"))["Tags"] == {"a": "b", "c": "d"}
    finally:
        glue.delete_database(Name=name)


def test_create_connection_with_tags(glue):
    name = unique("tagged_conn")
    glue.create_connection(
        ConnectionInput={"Name": name, "ConnectionType": "KAFKA", "ConnectionProperties": {"KAFKA_BOOTSTRAP_SERVERS": "b:9092"}},
        Tags={"owner": "streaming"},
    )
    try:
        assert glue.get_tags(ResourceArn=arn(f"connection/{name}"))["Tags"] == {"owner": "streaming"}
    finally:
        glue.delete_connection(ConnectionName=name)


def test_tag_and_untag_database(glue, db):
    resource = arn(f"database/{db}")
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {}
    glue.tag_resource(ResourceArn=resource, TagsToAdd={"a": "1", "b": "2"})
    glue.tag_resource(ResourceArn=resource, TagsToAdd={"b": "20", "c": "3"})
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {"a": "1", "b": "20", "c": "3"}
    glue.untag_resource(ResourceArn=resource, TagsToRemove=["a", "missing"])
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {"b": "20", "c": "3"}


def test_tag_table(glue, db):
    glue.create_table(DatabaseName=db, TableInput=table_input("t"))
    resource = arn(f"table/{db}/t")
    glue.tag_resource(ResourceArn=resource, TagsToAdd={"pii": "false"})
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {"pii": "false"}
    assert glue.get_tags(ResourceArn=arn(f"database/{db}"))["Tags"] == {}, "table tags are the table's own"
    glue.untag_resource(ResourceArn=resource, TagsToRemove=["pii"])
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {}
    # Deleting the table drops its tags: a new table of that name starts untagged.
    glue.tag_resource(ResourceArn=resource, TagsToAdd={"x": "y"})
    glue.delete_table(DatabaseName=db, Name="t")
    expect_error("EntityNotFoundException", glue.get_tags, ResourceArn=resource)
    glue.create_table(DatabaseName=db, TableInput=table_input("t"))
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {}


def test_tag_function(glue, db):
    glue.create_user_defined_function(DatabaseName=db, FunctionInput={"FunctionName": "f", "ClassName": "com.example.F"})
    resource = arn(f"userDefinedFunction/{db}/f")
    glue.tag_resource(ResourceArn=resource, TagsToAdd={"lang": "java"})
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {"lang": "java"}


def test_tag_connection(glue):
    name = unique("conn")
    glue.create_connection(ConnectionInput={"Name": name, "ConnectionType": "KAFKA", "ConnectionProperties": {"KAFKA_BOOTSTRAP_SERVERS": "b:9092"}})
    resource = arn(f"connection/{name}")
    try:
        glue.tag_resource(ResourceArn=resource, TagsToAdd={"k": "v"})
        assert glue.get_tags(ResourceArn=resource)["Tags"] == {"k": "v"}
        glue.untag_resource(ResourceArn=resource, TagsToRemove=["k"])
        assert glue.get_tags(ResourceArn=resource)["Tags"] == {}
    finally:
        glue.delete_connection(ConnectionName=name)


@pytest.mark.parametrize("resource", ["database/{ghost}", "table/{db}/{ghost}", "connection/{ghost}", "userDefinedFunction/{db}/{ghost}"])
def test_unknown_resource_is_entity_not_found(glue, db, resource):
    target = arn(resource.format(db=db, ghost=unique("ghost")))
    expect_error("EntityNotFoundException", glue.get_tags, ResourceArn=target)
    expect_error("EntityNotFoundException", glue.tag_resource, ResourceArn=target, TagsToAdd={"a": "b"})
    expect_error("EntityNotFoundException", glue.untag_resource, ResourceArn=target, TagsToRemove=["a"])


def test_foreign_or_malformed_arn_is_rejected(glue, db):
    other_account = f"arn:aws:glue:us-east-1:999999999999:database/{db}"
    with pytest.raises(glue.exceptions.ClientError) as info:
        glue.get_tags(ResourceArn=other_account)
    assert info.value.response["Error"]["Code"] in ("InvalidInputException", "EntityNotFoundException")
    expect_error("InvalidInputException", glue.get_tags, ResourceArn=arn(f"trigger/{db}"))


def test_too_many_tags(glue, db):
    resource = arn(f"database/{db}")
    glue.tag_resource(ResourceArn=resource, TagsToAdd={f"k{i}": "v" for i in range(50)})
    expect_error("InvalidInputException", glue.tag_resource, ResourceArn=resource, TagsToAdd={"one_more": "v"})
    assert len(glue.get_tags(ResourceArn=resource)["Tags"]) == 50


def test_cli_tags(cli, db):
    resource = arn(f"database/{db}")
    cli("tag-resource", resource_arn=resource, tags_to_add={"team": "cli", "cost": "1"})
    assert cli("get-tags", resource_arn=resource)["Tags"] == {"team": "cli", "cost": "1"}
    cli("untag-resource", resource_arn=resource, tags_to_remove=["cost"])
    assert cli("get-tags", resource_arn=resource)["Tags"] == {"team": "cli"}
    with pytest.raises(CliError) as info:
        cli("get-tags", resource_arn=arn(f"database/{db}_ghost"))
    assert info.value.code == "EntityNotFoundException"
