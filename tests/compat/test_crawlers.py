"""Crawlers and classifiers through boto3 and the AWS CLI, on SQLite and PostgreSQL: crawlers as
Glue keeps them (every member, Glue's defaults, versions), listings and their pages and tag
filters, schedules and their errors, Glue's cron syntax, classifiers of the four kinds, tags on
crawler ARNs, and the metrics and crawl history of crawlers that never ran. Crawls that run are
in `test_crawler_runs.py`."""

from __future__ import annotations

import json
import threading

import pytest
from botocore.exceptions import ClientError

from conftest import arn, error_code, expect_error
from weir_harness import CliError, unique

S3_TARGET = {"S3Targets": [{"Path": "s3://lake/raw/"}]}

#: Every member of CreateCrawler but Name, Tags and Role (whose ARN Glue reports as a name).
ALL_MEMBERS = dict(
    DatabaseName="lake",
    Description="nightly crawl of the raw zone",
    Targets={
        "S3Targets": [{"Path": "s3://lake/raw/", "Exclusions": ["**.tmp", "_meta/**"], "ConnectionName": "vpc",
                       "SampleSize": 10, "EventQueueArn": "arn:aws:sqs:us-east-1:123456789012:q",
                       "DlqEventQueueArn": "arn:aws:sqs:us-east-1:123456789012:dlq"}],
        "JdbcTargets": [{"ConnectionName": "pg", "Path": "shop/public/%", "Exclusions": ["shop/public/tmp_%"],
                         "EnableAdditionalMetadata": ["COMMENTS", "RAWTYPES"]}],
        "MongoDBTargets": [{"ConnectionName": "mongo", "Path": "shop/orders", "ScanAll": False}],
        "DynamoDBTargets": [{"Path": "orders", "scanAll": True, "scanRate": 0.5}],
        "CatalogTargets": [{"DatabaseName": "lake", "Tables": ["orders", "customers"], "ConnectionName": "vpc"}],
        "DeltaTargets": [{"DeltaTables": ["s3://lake/delta/orders/"], "ConnectionName": "vpc", "WriteManifest": True,
                          "CreateNativeDeltaTable": False}],
        "IcebergTargets": [{"Paths": ["s3://lake/iceberg/"], "ConnectionName": "vpc", "Exclusions": ["x/**"],
                            "MaximumTraversalDepth": 5}],
        "HudiTargets": [{"Paths": ["s3://lake/hudi/"], "Exclusions": [], "MaximumTraversalDepth": 3}],
    },
    Classifiers=["pipes", "applogs"],
    TablePrefix="raw_",
    SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "DELETE_FROM_DATABASE"},
    RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
    LineageConfiguration={"CrawlerLineageSettings": "ENABLE"},
    LakeFormationConfiguration={"UseLakeFormationCredentials": True, "AccountId": "123456789012"},
    Configuration='{"Version":1.0,"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}},'
                  '"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"}}',
    CrawlerSecurityConfiguration="encrypted",
    CatalogId="123456789012",
)

DEFAULTS = {
    "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DEPRECATE_IN_DATABASE"},
    "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
    "LineageConfiguration": {"CrawlerLineageSettings": "DISABLE"},
    "LakeFormationConfiguration": {"UseLakeFormationCredentials": False, "AccountId": ""},
    "Classifiers": [],
}


def crawler(glue, **members) -> str:
    """Creates a crawler of an S3 target (plus `members`); returns its name."""
    name = unique("crawler")
    glue.create_crawler(Name=name, Role="glue", Targets=S3_TARGET, **members)
    return name


def get(glue, name: str) -> dict:
    return glue.get_crawler(Name=name)["Crawler"]


def test_create_crawler_round_trips_every_member_and_fills_glue_defaults(glue):
    name = unique("crawler")
    out = glue.create_crawler(Name=name, Role="arn:aws:iam::123456789012:role/service-role/GlueCrawler",
                              Schedule="cron(15 12 * * ? *)", Tags={"team": "data", "zone": "raw"}, **ALL_MEMBERS)
    assert {k: v for k, v in out.items() if k != "ResponseMetadata"} == {}
    got = get(glue, name)
    for key, value in ALL_MEMBERS.items():
        assert got[key] == value, key
    assert got["Name"] == name
    assert got["Role"] == "service-role/GlueCrawler", "Glue reports a role ARN as the role's name"
    assert got["Schedule"] == {"ScheduleExpression": "cron(15 12 * * ? *)", "State": "SCHEDULED"}
    assert (got["State"], got["Version"], got["CrawlElapsedTime"]) == ("READY", 1, 0)
    assert got["CreationTime"] == got["LastUpdated"]
    assert "LastCrawl" not in got
    assert glue.get_tags(ResourceArn=arn(f"crawler/{name}"))["Tags"] == {"team": "data", "zone": "raw"}
    message = expect_error("AlreadyExistsException", glue.create_crawler, Name=name, Role="glue", Targets=S3_TARGET)
    assert message == f"Crawler with name {name} already exists"

    plain = crawler(glue)
    got = get(glue, plain)
    for key, value in DEFAULTS.items():
        assert got[key] == value, key
    assert got["Targets"] == S3_TARGET and got["Role"] == "glue"
    for absent in ("Schedule", "Description", "Configuration", "DatabaseName", "TablePrefix", "CrawlerSecurityConfiguration"):
        assert absent not in got, absent
    # A policy given in part gets Glue's default for the rest.
    partial = crawler(glue, SchemaChangePolicy={"UpdateBehavior": "LOG"})
    assert get(glue, partial)["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "DEPRECATE_IN_DATABASE"}


def test_bad_crawler_definitions_are_refused_naming_what_is_wrong(glue):
    name = unique("bad")
    cases = [
        ({"Targets": {}}, "Crawler targets must not be empty: give at least one target in Targets"),
        ({"Targets": {"S3Targets": [], "JdbcTargets": []}}, "Crawler targets must not be empty: give at least one target in Targets"),
        ({"Targets": {"S3Targets": [{"Exclusions": ["a"]}]}}, "Targets.S3Targets[0].Path is required"),
        ({"Targets": {"S3Targets": [{"Path": "s3://a/"}], "JdbcTargets": [{"Path": "db/%"}]}},
         "Targets.JdbcTargets[0].ConnectionName is required"),
        ({"Targets": S3_TARGET, "Configuration": "{not json"},
         "Configuration is not a valid crawler configuration: it is not JSON"),
        ({"Targets": S3_TARGET, "Configuration": '{"Version": 2.0}'},
         "Configuration is not a valid crawler configuration: Version is 2.0; the only version is 1.0"),
        ({"Targets": S3_TARGET, "Configuration": '{"Version":1.0,"Grouping":{"TableGroupingPolicy":"Everything"}}'},
         'Configuration is not a valid crawler configuration: Grouping.TableGroupingPolicy is "Everything"; it can be CombineCompatibleSchemas'),
        ({"Targets": S3_TARGET, "Schedule": "every day"},
         "Schedule 'every day' is not a valid schedule: a schedule is cron(Minutes Hours Day-of-month Month Day-of-week Year)"),
        ({"Targets": S3_TARGET, "CatalogId": "999999999999"},
         "CatalogId 999999999999 is not the catalog this Weir serves (123456789012)"),
    ]
    for members, expected in cases:
        message = expect_error("InvalidInputException", glue.create_crawler, Name=name, Role="glue", **members)
        assert message.startswith(expected), (members, message)
    expect_error("EntityNotFoundException", glue.get_crawler, Name=name)


@pytest.mark.parametrize(
    "expression, reason",
    [
        ("cron(15 12 * * *)", "a cron expression has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), this one has 5"),
        ("cron(60 12 * * ? *)", "Minutes field: 60 is out of range 0-59"),
        ("cron(0 24 * * ? *)", "Hours field: 24 is out of range 0-23"),
        ("cron(0 12 * * * *)", "one of Day-of-month and Day-of-week must be '?' (a schedule cannot name both)"),
        ("cron(0 12 ? * ? *)", "Day-of-month and Day-of-week cannot both be '?'"),
        ("cron(0 12 ? * MON-FUN *)", "Day-of-week field: 'FUN' is not a value (1-7 or SUN-SAT)"),
        ("cron(0 8 ? * 2#6 *)", "Day-of-week field: '2#6': the week of the month after '#' is 1-5"),
        ("cron(0 12 * 13 ? *)", "Month field: 13 is out of range 1-12"),
        ("cron(0 12 * * ? 2200)", "Year field: 2200 is out of range 1970-2199"),
        ("cron(0/2 * * * ? *)", "Minutes field: the schedule fires 2 minute(s) apart; Glue schedules fire at most every 5 minutes"),
    ],
)
def test_bad_cron_expressions_are_named(glue, expression, reason):
    message = expect_error("InvalidInputException", glue.create_crawler, Name=unique("cron"), Role="glue",
                           Targets=S3_TARGET, Schedule=expression)
    assert message == f"Schedule '{expression}' is not a valid schedule: {reason}"


@pytest.mark.parametrize(
    "expression",
    ["cron(0/15 * * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 10 L * ? *)", "cron(0 8 ? * 2#1 *)",
     "cron(0 12 15W * ? *)", "cron(0 12 ? * 6L *)", "cron(30 9 1,15 JAN,JUL ? 2025-2030)", "cron(0 22-2 * * ? *)"],
)
def test_glue_cron_expressions_are_accepted(glue, expression):
    name = crawler(glue, Schedule=expression)
    assert get(glue, name)["Schedule"] == {"ScheduleExpression": expression, "State": "SCHEDULED"}


def test_update_crawler_is_partial_bumps_the_version_and_refuses_bad_input(glue):
    name = crawler(glue, Description="first", DatabaseName="lake", Configuration='{"Version":1.0}', TablePrefix="p_",
                   Classifiers=["one"])
    before = get(glue, name)
    glue.update_crawler(Name=name, Description="second", Targets={"JdbcTargets": [{"ConnectionName": "pg", "Path": "db/%"}]})
    after = get(glue, name)
    assert after["Version"] == 2 and after["LastUpdated"] >= before["LastUpdated"]
    assert after["CreationTime"] == before["CreationTime"]
    assert after["Description"] == "second"
    assert after["Targets"] == {"JdbcTargets": [{"ConnectionName": "pg", "Path": "db/%"}]}
    for kept in ("DatabaseName", "Configuration", "TablePrefix", "Classifiers", "Role", "SchemaChangePolicy"):
        assert after[kept] == before[kept], kept

    glue.update_crawler(Name=name, Schedule="cron(0 6 * * ? *)", RecrawlPolicy={"RecrawlBehavior": "CRAWL_EVENT_MODE"},
                        Role="arn:aws:iam::123456789012:role/other", Classifiers=[])
    after = get(glue, name)
    assert after["Version"] == 3
    assert after["Schedule"] == {"ScheduleExpression": "cron(0 6 * * ? *)", "State": "SCHEDULED"}
    assert after["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_EVENT_MODE"}
    assert (after["Role"], after["Classifiers"]) == ("other", [])

    # Empty strings remove the schedule, the description and the configuration, as Terraform relies on.
    glue.update_crawler(Name=name, Schedule="", Description="", Configuration="")
    after = get(glue, name)
    assert after["Version"] == 4
    for removed in ("Schedule", "Description", "Configuration"):
        assert removed not in after, removed

    assert "Crawler targets must not be empty" in expect_error("InvalidInputException", glue.update_crawler, Name=name, Targets={})
    assert "Configuration" in expect_error("InvalidInputException", glue.update_crawler, Name=name, Configuration="[")
    assert expect_error("InvalidInputException", glue.update_crawler, Name=name, Schedule="cron(61 * * * ? *)").startswith(
        "Schedule 'cron(61 * * * ? *)' is not a valid schedule: Minutes field")
    assert get(glue, name)["Version"] == 4, "a refused update changes nothing"
    missing = unique("missing")
    message = expect_error("EntityNotFoundException", glue.update_crawler, Name=missing, Description="x")
    assert message == f"Crawler entry with name {missing} does not exist"


def test_concurrent_updates_lose_none(glue):
    """Updates race; each either applies (one version each) or fails with VersionMismatchException."""
    name = crawler(glue)
    outcomes: list[str] = []

    def update(i: int) -> None:
        try:
            glue.update_crawler(Name=name, Description=f"writer {i}")
            outcomes.append("ok")
        except ClientError as e:
            outcomes.append(error_code(e))

    threads = [threading.Thread(target=update, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(outcomes) <= {"ok", "VersionMismatchException"}, outcomes
    assert get(glue, name)["Version"] == 1 + outcomes.count("ok")


def test_listings_page_filter_by_tag_and_batch_get_names_the_missing(glue):
    suite = unique("suite")
    names = sorted(unique("listed") for _ in range(3))
    for i, name in enumerate(names):
        glue.create_crawler(Name=name, Role="glue", Targets=S3_TARGET, Tags={"suite": suite, "index": str(i)})
    assert glue.list_crawlers(Tags={"suite": suite})["CrawlerNames"] == names
    assert glue.list_crawlers(Tags={"suite": suite, "index": "1"})["CrawlerNames"] == [names[1]]
    assert glue.list_crawlers(Tags={"suite": unique("none")})["CrawlerNames"] == []

    seen, token, pages = [], None, 0
    while True:
        page = glue.list_crawlers(MaxResults=1, Tags={"suite": suite}, **({"NextToken": token} if token else {}))
        assert len(page["CrawlerNames"]) <= 1
        seen += page["CrawlerNames"]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names and pages == 3

    listed = [c["Name"] for p in glue.get_paginator("get_crawlers").paginate(PaginationConfig={"PageSize": 2}) for c in p["Crawlers"]]
    assert all(n in listed for n in names) and len(listed) == len(set(listed)) and listed == sorted(listed)
    all_names = glue.list_crawlers()["CrawlerNames"]
    assert all(n in all_names for n in names)

    got = glue.batch_get_crawlers(CrawlerNames=[names[2], "no_such_crawler", names[0]])
    assert [c["Name"] for c in got["Crawlers"]] == [names[2], names[0]]
    assert got["CrawlersNotFound"] == ["no_such_crawler"]
    assert got["Crawlers"][0] == get(glue, names[2])
    assert glue.batch_get_crawlers(CrawlerNames=[])["Crawlers"] == []

    glue.delete_crawler(Name=names[2])
    message = expect_error("EntityNotFoundException", glue.delete_crawler, Name=names[2])
    assert message == f"Crawler entry with name {names[2]} does not exist"
    assert glue.list_crawlers(Tags={"suite": suite})["CrawlerNames"] == names[:2]
    expect_error("EntityNotFoundException", glue.get_tags, ResourceArn=arn(f"crawler/{names[2]}"))


def test_schedule_lifecycle_and_its_errors(glue):
    name = crawler(glue)
    message = expect_error("NoScheduleException", glue.start_crawler_schedule, CrawlerName=name)
    assert name in message
    expect_error("SchedulerNotRunningException", glue.stop_crawler_schedule, CrawlerName=name)

    glue.update_crawler_schedule(CrawlerName=name, Schedule="cron(0 18 ? * MON-FRI *)")
    got = get(glue, name)
    assert got["Schedule"] == {"ScheduleExpression": "cron(0 18 ? * MON-FRI *)", "State": "SCHEDULED"}
    assert got["Version"] == 2
    expect_error("SchedulerRunningException", glue.start_crawler_schedule, CrawlerName=name)

    glue.stop_crawler_schedule(CrawlerName=name)
    assert get(glue, name)["Schedule"]["State"] == "NOT_SCHEDULED"
    expect_error("SchedulerNotRunningException", glue.stop_crawler_schedule, CrawlerName=name)
    # A new expression keeps the schedule stopped; starting it again resumes it.
    glue.update_crawler_schedule(CrawlerName=name, Schedule="cron(30 6 L * ? *)")
    assert get(glue, name)["Schedule"] == {"ScheduleExpression": "cron(30 6 L * ? *)", "State": "NOT_SCHEDULED"}
    glue.start_crawler_schedule(CrawlerName=name)
    got = get(glue, name)
    assert got["Schedule"]["State"] == "SCHEDULED"
    assert got["Version"] == 3, "starting and stopping a schedule does not change the definition"

    message = expect_error("InvalidInputException", glue.update_crawler_schedule, CrawlerName=name, Schedule="cron(0 8 ? * 2#0 *)")
    assert message.startswith("Schedule 'cron(0 8 ? * 2#0 *)' is not a valid schedule: Day-of-week field")
    glue.update_crawler_schedule(CrawlerName=name, Schedule="")
    assert "Schedule" not in get(glue, name)
    expect_error("NoScheduleException", glue.start_crawler_schedule, CrawlerName=name)

    ghost = unique("ghost")
    for call, kwargs in [(glue.update_crawler_schedule, {"Schedule": "cron(0 1 * * ? *)"}),
                         (glue.start_crawler_schedule, {}), (glue.stop_crawler_schedule, {})]:
        assert expect_error("EntityNotFoundException", call, CrawlerName=ghost, **kwargs) == \
            f"Crawler entry with name {ghost} does not exist"


def test_tags_on_crawler_arns(glue):
    name = crawler(glue, Tags={"a": "1"})
    resource = arn(f"crawler/{name}")
    mark = unique("mark")
    glue.tag_resource(ResourceArn=resource, TagsToAdd={"b": mark})
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {"a": "1", "b": mark}
    glue.untag_resource(ResourceArn=resource, TagsToRemove=["a", "missing"])
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {"b": mark}
    assert glue.list_crawlers(Tags={"b": mark})["CrawlerNames"] == [name], "ListCrawlers sees tags added later"

    glue.delete_crawler(Name=name)
    expect_error("EntityNotFoundException", glue.get_tags, ResourceArn=resource)
    expect_error("EntityNotFoundException", glue.tag_resource, ResourceArn=resource, TagsToAdd={"x": "y"})
    glue.create_crawler(Name=name, Role="glue", Targets=S3_TARGET)
    assert glue.get_tags(ResourceArn=resource)["Tags"] == {}, "a new crawler of that name starts untagged"


def test_metrics_and_crawls_of_a_crawler_never_run(glue):
    name = crawler(glue)
    metrics = glue.get_crawler_metrics(CrawlerNameList=[name, unique("ghost")])["CrawlerMetricsList"]
    assert metrics == [{"CrawlerName": name, "TimeLeftSeconds": 0.0, "StillEstimating": False, "MedianRuntimeSeconds": 0.0,
                        "TablesCreated": 0, "TablesUpdated": 0, "TablesDeleted": 0}]
    others = [crawler(glue) for _ in range(2)]
    pages = list(glue.get_paginator("get_crawler_metrics").paginate(CrawlerNameList=[name, *others],
                                                                    PaginationConfig={"PageSize": 1}))
    assert [m["CrawlerName"] for p in pages for m in p["CrawlerMetricsList"]] == sorted([name, *others])
    everything = [m["CrawlerName"] for p in glue.get_paginator("get_crawler_metrics").paginate() for m in p["CrawlerMetricsList"]]
    assert name in everything and everything == sorted(everything)

    listed = glue.list_crawls(CrawlerName=name, MaxResults=5,
                              Filters=[{"FieldName": "STATE", "FilterOperator": "EQ", "FieldValue": "COMPLETED"}])
    assert {k: v for k, v in listed.items() if k != "ResponseMetadata"} == {"Crawls": []}
    assert glue.list_crawls(CrawlerName=name)["Crawls"] == []
    ghost = unique("ghost")
    assert expect_error("EntityNotFoundException", glue.list_crawls, CrawlerName=ghost) == \
        f"Crawler entry with name {ghost} does not exist"
    message = expect_error("InvalidInputException", glue.list_crawls, CrawlerName=name,
                           Filters=[{"FieldName": "START_TIME", "FilterOperator": "GT", "FieldValue": "yesterday"}])
    assert message == "Filters[0].FieldValue 'yesterday' is not a number: START_TIME compares epoch milliseconds"
    message = expect_error("InvalidInputException", glue.list_crawls, CrawlerName=name,
                           Filters=[{"FieldName": "STATE", "FilterOperator": "EQ"}])
    assert message == "Filters[0].FieldValue is required"


# --------------------------------------------------------------------------------------------
# Classifiers
# --------------------------------------------------------------------------------------------

CLASSIFIERS = {
    "GrokClassifier": {"Classification": "applogs", "GrokPattern": "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{NUMBER:ms:int} %{MSG:msg}",
                       "CustomPatterns": "MSG [^\\n]+\n# a comment\nWORDS [a-z ]+"},
    "XMLClassifier": {"Classification": "orders", "RowTag": "order"},
    "JsonClassifier": {"JsonPath": "$.records[*]"},
    "CsvClassifier": {"Delimiter": "|", "QuoteSymbol": "'", "ContainsHeader": "PRESENT", "Header": ["id", "name"],
                      "DisableValueTrimming": True, "AllowSingleColumn": False, "CustomDatatypeConfigured": True,
                      "CustomDatatypes": ["INT", "DECIMAL"], "Serde": "OpenCSVSerDe"},
}

UPDATES = {
    "GrokClassifier": {"GrokPattern": "%{WORD:w}"},
    "XMLClassifier": {"RowTag": "item"},
    "JsonClassifier": {"JsonPath": "$[*]"},
    "CsvClassifier": {"Delimiter": ";", "Header": ["id"]},
}


@pytest.mark.parametrize("kind", sorted(CLASSIFIERS))
def test_classifiers_of_each_kind_round_trip_and_update_in_part(glue, kind):
    name = unique(kind.lower())
    out = glue.create_classifier(**{kind: {"Name": name, **CLASSIFIERS[kind]}})
    assert {k: v for k, v in out.items() if k != "ResponseMetadata"} == {}
    got = glue.get_classifier(Name=name)["Classifier"]
    assert list(got) == [kind]
    created = got[kind]
    assert {k: v for k, v in created.items() if k not in ("CreationTime", "LastUpdated")} == \
        {"Name": name, "Version": 1, **CLASSIFIERS[kind]}
    assert created["CreationTime"] == created["LastUpdated"]
    message = expect_error("AlreadyExistsException", glue.create_classifier, **{kind: {"Name": name, **CLASSIFIERS[kind]}})
    assert message == f"Classifier with name {name} already exists"

    glue.update_classifier(**{kind: {"Name": name, **UPDATES[kind]}})
    updated = glue.get_classifier(Name=name)["Classifier"][kind]
    assert {k: v for k, v in updated.items() if k not in ("CreationTime", "LastUpdated")} == \
        {"Name": name, "Version": 2, **CLASSIFIERS[kind], **UPDATES[kind]}
    assert updated["CreationTime"] == created["CreationTime"] and updated["LastUpdated"] >= created["LastUpdated"]

    other = next(k for k in sorted(CLASSIFIERS) if k != kind)
    message = expect_error("InvalidInputException", glue.update_classifier, **{other: {"Name": name, **UPDATES[other]}})
    assert message == f"UpdateClassifierRequest can't change the type of the classifier: {name} is a {kind}, not a {other}"

    glue.delete_classifier(Name=name)
    assert expect_error("EntityNotFoundException", glue.get_classifier, Name=name) == f"Classifier with name {name} does not exist"
    expect_error("EntityNotFoundException", glue.delete_classifier, Name=name)
    expect_error("EntityNotFoundException", glue.update_classifier, **{kind: {"Name": name, **UPDATES[kind]}})


def test_a_request_names_exactly_one_kind_of_classifier(glue):
    message = expect_error("InvalidInputException", glue.create_classifier)
    assert message == "Exactly one of GrokClassifier, XMLClassifier, JsonClassifier or CsvClassifier must be given, not none"
    name = unique("two")
    message = expect_error("InvalidInputException", glue.create_classifier,
                           JsonClassifier={"Name": name, "JsonPath": "$"}, CsvClassifier={"Name": name})
    assert message.endswith("not JsonClassifier and CsvClassifier")
    expect_error("InvalidInputException", glue.update_classifier)
    expect_error("EntityNotFoundException", glue.get_classifier, Name=name)


@pytest.mark.parametrize(
    "request_members, expected",
    [
        ({"CsvClassifier": {"Delimiter": ";", "QuoteSymbol": ";"}},
         "CsvClassifier: QuoteSymbol must be different from the column Delimiter (';')"),
        ({"CsvClassifier": {"QuoteSymbol": ","}}, "CsvClassifier: QuoteSymbol must be different from the column Delimiter (',')"),
        ({"CsvClassifier": {"CustomDatatypes": ["VARCHAR"]}}, "CsvClassifier: CustomDatatypes: 'VARCHAR' is not one of BINARY"),
        ({"GrokClassifier": {"Classification": "logs", "GrokPattern": "  "}}, "GrokClassifier: GrokPattern must not be empty"),
        ({"GrokClassifier": {"Classification": "logs", "GrokPattern": "%{NUMBER:n:integer}"}},
         "GrokClassifier: GrokPattern: %{NUMBER:n:integer} casts to 'integer'"),
        ({"GrokClassifier": {"Classification": "logs", "GrokPattern": "%{WORD:w"}}, "GrokClassifier: GrokPattern: '%{' at"),
        ({"GrokClassifier": {"Classification": "logs", "GrokPattern": "%{X:x}", "CustomPatterns": "X"}},
         "GrokClassifier: CustomPatterns line 1: 'X' is not 'NAME regular-expression'"),
        ({"JsonClassifier": {"JsonPath": "records[*]"}}, "JsonClassifier: JsonPath 'records[*]' must start with $"),
        ({"XMLClassifier": {"Classification": "x", "RowTag": "<row>"}}, "XMLClassifier: RowTag '<row>' is not an XML element name"),
    ],
)
def test_classifiers_are_checked_as_glue_checks_them(glue, request_members, expected):
    name = unique("checked")
    ((kind, members),) = request_members.items()
    message = expect_error("InvalidInputException", glue.create_classifier, **{kind: {"Name": name, **members}})
    assert message.startswith(expected), message
    expect_error("EntityNotFoundException", glue.get_classifier, Name=name)


def test_an_update_is_checked_against_the_members_it_keeps(glue, weir):
    name = unique("csv")
    glue.create_classifier(CsvClassifier={"Name": name, "Delimiter": "|"})
    message = expect_error("InvalidInputException", glue.update_classifier, CsvClassifier={"Name": name, "QuoteSymbol": "|"})
    assert message == "CsvClassifier: QuoteSymbol must be different from the column Delimiter ('|')"
    assert glue.get_classifier(Name=name)["Classifier"]["CsvClassifier"]["Version"] == 1
    # Members the request shape does not have (validation lets them pass) are not kept.
    body = json.dumps({"CsvClassifier": {"Name": name, "Delimiter": ";", "Version": 99, "RowTag": "x"}})
    status, _, _ = weir.post_glue("AWSGlue.UpdateClassifier", body)
    assert status == 200
    got = glue.get_classifier(Name=name)["Classifier"]["CsvClassifier"]
    assert (got["Delimiter"], got["Version"], "RowTag" in got) == (";", 2, False)


def test_get_classifiers_pages(glue):
    names = sorted(unique("paged") for _ in range(3))
    for name in names:
        glue.create_classifier(JsonClassifier={"Name": name, "JsonPath": "$[*]"})
    pages = list(glue.get_paginator("get_classifiers").paginate(PaginationConfig={"PageSize": 2}))
    assert all(len(p["Classifiers"]) <= 2 for p in pages) and len(pages) >= 2
    listed = [next(iter(c.values()))["Name"] for p in pages for c in p["Classifiers"]]
    assert all(n in listed for n in names) and listed == sorted(set(listed))


# --------------------------------------------------------------------------------------------
# The AWS CLI
# --------------------------------------------------------------------------------------------


def test_cli_crawlers_and_classifiers(cli):
    name = unique("cli_crawler")
    cli("create-crawler", name=name, role="glue", database_name="lake",
        targets={"S3Targets": [{"Path": "s3://lake/cli/"}]}, schedule="cron(0 3 * * ? *)", tags={"via": "cli"})
    got = cli("get-crawler", name=name)["Crawler"]
    assert got["Schedule"] == {"ScheduleExpression": "cron(0 3 * * ? *)", "State": "SCHEDULED"}
    assert got["SchemaChangePolicy"] == DEFAULTS["SchemaChangePolicy"] and got["Version"] == 1
    assert name in cli("list-crawlers", tags={"via": "cli"})["CrawlerNames"]
    cli("stop-crawler-schedule", crawler_name=name)
    with pytest.raises(CliError) as info:
        cli("stop-crawler-schedule", crawler_name=name)
    assert info.value.code == "SchedulerNotRunningException"
    cli("update-crawler", name=name, description="from the cli")
    assert cli("get-crawler", name=name)["Crawler"]["Description"] == "from the cli"
    with pytest.raises(CliError) as info:
        cli("update-crawler-schedule", crawler_name=name, schedule="cron(0 3 * * * *)")
    assert info.value.code == "InvalidInputException" and "Schedule" in info.value.message

    classifier = unique("cli_csv")
    cli("create-classifier", csv_classifier={"Name": classifier, "Delimiter": "|", "ContainsHeader": "ABSENT"})
    got = cli("get-classifier", name=classifier)["Classifier"]["CsvClassifier"]
    assert (got["Delimiter"], got["ContainsHeader"], got["Version"]) == ("|", "ABSENT", 1)
    cli("delete-classifier", name=classifier)
    cli("delete-crawler", name=name)
    with pytest.raises(CliError) as info:
        cli("get-crawler", name=name)
    assert info.value.code == "EntityNotFoundException"
