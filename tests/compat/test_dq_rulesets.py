"""Data quality rulesets through boto3 and the AWS CLI, on SQLite and PostgreSQL: DQDL checked
when a ruleset is written (invalid text refused naming line and column), Glue's shapes, updates,
listings with filters and tags, tags on the ruleset's ARN, and the errors of missing and taken
names."""

from __future__ import annotations

import json
import time

from conftest import arn, expect_error
from weir_harness import unique

RULES = 'Rules = [ RowCount between 10 and 20, IsComplete "id", ColumnValues "status" in ["A", "B"] ]'


def test_a_ruleset_is_created_read_listed_updated_and_deleted(glue, cli):
    name = unique("rules")
    before = time.time() - 1
    answer = glue.create_data_quality_ruleset(
        Name=name, Description="orders checks", Ruleset=RULES,
        TargetTable={"DatabaseName": "sales", "TableName": "orders"}, Tags={"team": "data"})
    assert answer["Name"] == name
    got = glue.get_data_quality_ruleset(Name=name)
    assert {k: got[k] for k in ("Name", "Description", "Ruleset", "TargetTable")} == {
        "Name": name, "Description": "orders checks", "Ruleset": RULES,
        "TargetTable": {"DatabaseName": "sales", "TableName": "orders"}}
    assert got["CreatedOn"].timestamp() >= before
    assert got["LastModifiedOn"] == got["CreatedOn"]
    assert glue.get_tags(ResourceArn=arn(f"dataQualityRuleset/{name}"))["Tags"] == {"team": "data"}

    listed = glue.list_data_quality_rulesets(Tags={"team": "data"}, Filter={"Name": name})["Rulesets"]
    assert len(listed) == 1
    assert listed[0]["RuleCount"] == 3 and listed[0]["Name"] == name
    assert "Ruleset" not in listed[0]
    assert glue.list_data_quality_rulesets(Filter={"Name": name, "Description": "other"})["Rulesets"] == []
    assert glue.list_data_quality_rulesets(Tags={"team": "nobody"}, Filter={"Name": name})["Rulesets"] == []

    updated = glue.update_data_quality_ruleset(Name=name, Ruleset='Rules = [ IsUnique "id" ]')
    assert (updated["Name"], updated["Ruleset"], updated["Description"]) == (name, 'Rules = [ IsUnique "id" ]', "orders checks")
    again = glue.get_data_quality_ruleset(Name=name)
    assert again["LastModifiedOn"] >= again["CreatedOn"]
    assert cli("list-data-quality-rulesets", filter={"Name": name})["Rulesets"][0]["RuleCount"] == 1

    glue.delete_data_quality_ruleset(Name=name)
    assert expect_error("EntityNotFoundException", glue.get_data_quality_ruleset, Name=name) == \
        f"Data quality ruleset {name} not found"
    expect_error("EntityNotFoundException", glue.delete_data_quality_ruleset, Name=name)
    expect_error("EntityNotFoundException", glue.get_tags, ResourceArn=arn(f"dataQualityRuleset/{name}"))


def test_invalid_dqdl_is_refused_naming_line_and_column(glue):
    name = unique("bad")
    message = expect_error("InvalidInputException", glue.create_data_quality_ruleset, Name=name,
                           Ruleset='Rules = [\n    ColumnLength "name" 12\n]')
    assert message.startswith("The ruleset is not valid DQDL: line 2, column 25: expected a comparison"), message
    expect_error("EntityNotFoundException", glue.get_data_quality_ruleset, Name=name)
    message = expect_error("InvalidInputException", glue.create_data_quality_ruleset, Name=name,
                           Ruleset="Rules = [ IsComplet \"id\" ]")
    assert "IsComplete" in message, message

    glue.create_data_quality_ruleset(Name=name, Ruleset=RULES)
    message = expect_error("AlreadyExistsException", glue.create_data_quality_ruleset, Name=name, Ruleset=RULES)
    assert message == f"A data quality ruleset named {name} already exists"
    expect_error("InvalidInputException", glue.update_data_quality_ruleset, Name=name, Ruleset="Rules = [")
    assert glue.get_data_quality_ruleset(Name=name)["Ruleset"] == RULES, "a refused update changes nothing"
    glue.delete_data_quality_ruleset(Name=name)


def test_listings_page_in_name_order(glue):
    prefix = unique("paged")
    names = [f"{prefix}_{i}" for i in range(5)]
    for n in names:
        glue.create_data_quality_ruleset(Name=n, Ruleset=RULES, Tags={"batch": prefix})
    seen, token = [], None
    while True:
        page = glue.list_data_quality_rulesets(MaxResults=2, Tags={"batch": prefix}, **({"NextToken": token} if token else {}))
        seen += [r["Name"] for r in page["Rulesets"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names
    for n in names:
        glue.delete_data_quality_ruleset(Name=n)
    json.dumps(seen)
