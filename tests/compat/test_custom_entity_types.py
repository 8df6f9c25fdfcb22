"""Custom entity types of sensitive data detection through boto3 and the AWS CLI, on SQLite and
PostgreSQL: created with a regular expression and context words, read one by one and in batches,
listed in pages and by tag, deleted; an expression that does not compile or a managed type's name
is refused."""

from __future__ import annotations

from conftest import arn, expect_error
from weir_harness import unique


def test_custom_entity_types_are_created_read_listed_and_deleted(glue, cli):
    name = unique("EMPLOYEE_ID").upper()
    assert glue.create_custom_entity_type(Name=name, RegexString=r"EMP-\d{6}", ContextWords=["employee", "staff"],
                                          Tags={"team": "hr"})["Name"] == name
    got = glue.get_custom_entity_type(Name=name)
    assert {k: got[k] for k in ("Name", "RegexString", "ContextWords")} == {
        "Name": name, "RegexString": r"EMP-\d{6}", "ContextWords": ["employee", "staff"]}
    assert glue.get_tags(ResourceArn=arn(f"customEntityType/{name}"))["Tags"] == {"team": "hr"}
    ghost = unique("GHOST").upper()
    batch = glue.batch_get_custom_entity_types(Names=[name, ghost])
    assert [t["Name"] for t in batch["CustomEntityTypes"]] == [name]
    assert batch["CustomEntityTypesNotFound"] == [ghost]
    listed = cli("list-custom-entity-types", tags={"team": "hr"})["CustomEntityTypes"]
    assert name in [t["Name"] for t in listed]
    assert glue.delete_custom_entity_type(Name=name)["Name"] == name
    assert expect_error("EntityNotFoundException", glue.get_custom_entity_type, Name=name) == \
        f"Custom entity type {name} not found"
    expect_error("EntityNotFoundException", glue.delete_custom_entity_type, Name=name)


def test_bad_expressions_managed_names_and_taken_names_are_refused(glue):
    name = unique("BADGE").upper()
    message = expect_error("InvalidInputException", glue.create_custom_entity_type, Name=name, RegexString="BADGE-(")
    assert message.startswith(f"the regular expression of `{name}` is not valid"), message
    message = expect_error("InvalidInputException", glue.create_custom_entity_type, Name="EMAIL", RegexString="x")
    assert "has the name of a managed entity type" in message, message
    glue.create_custom_entity_type(Name=name, RegexString=r"B-\d+")
    assert expect_error("AlreadyExistsException", glue.create_custom_entity_type, Name=name, RegexString="x") == \
        f"A custom entity type named {name} already exists"
    glue.delete_custom_entity_type(Name=name)


def test_listings_page(glue):
    prefix = unique("PAGED").upper()
    names = [f"{prefix}_{i}" for i in range(5)]
    for n in names:
        glue.create_custom_entity_type(Name=n, RegexString=r"\d+", Tags={"batch": prefix})
    seen, token = [], None
    while True:
        page = glue.list_custom_entity_types(MaxResults=2, Tags={"batch": prefix}, **({"NextToken": token} if token else {}))
        seen += [t["Name"] for t in page["CustomEntityTypes"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names
    for n in names:
        glue.delete_custom_entity_type(Name=n)
