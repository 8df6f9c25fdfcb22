"""Crawls run by the service (StartCrawler, StopCrawler) through boto3 and the AWS CLI, on SQLite
and PostgreSQL: a crawl of real folders creates the tables and partitions, which a visual job
reads back; the crawler's State and LastCrawl follow its crawl; a second start while it crawls
is CrawlerRunningException; a stopped crawl leaves the catalog as it was; a crawl runs as its
crawler's Role and fails, saying why, when that principal may not change the catalog; ListCrawls
and GetCrawlerMetrics report what each crawl did."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3

from conftest import expect_error
from test_crawl import read_back, ordered
from test_jobs import s3_endpoint  # noqa: F401 (a fixture)
from weir_harness import READER, unique


def folder_target(path: Path) -> dict:
    return {"S3Targets": [{"Path": f"file://{path}/"}]}


def write_sales(root: Path, years=(2024, 2025)) -> Path:
    sales = root / unique("sales")
    for year in years:
        (sales / f"year={year}").mkdir(parents=True)
        (sales / f"year={year}" / "part-0.csv").write_text(f"id,amount\n{year}1,1.5\n{year}2,2.5\n")
    return sales


def wait_ready(glue, name: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        crawler = glue.get_crawler(Name=name)["Crawler"]
        if crawler["State"] == "READY":
            return crawler
        time.sleep(0.05)
    raise AssertionError(f"crawler {name} still {crawler['State']} after {timeout}s")


def create(glue, database: str, targets: dict, **members) -> str:
    name = unique("crawler")
    glue.create_crawler(Name=name, Role="admin", DatabaseName=database, Targets=targets, **members)
    return name


def test_a_crawl_creates_tables_that_jobs_read_and_its_history_says_so(weir, glue, tmp_path):
    database = unique("lake")
    sales = write_sales(tmp_path)
    name = create(glue, database, folder_target(sales))
    assert glue.start_crawler(Name=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    crawler = wait_ready(glue, name)
    last = crawler["LastCrawl"]
    assert last["Status"] == "SUCCEEDED"
    assert (last["LogGroup"], last["LogStream"]) == ("/aws-glue/crawlers", name)
    assert "ErrorMessage" not in last
    assert crawler["CrawlElapsedTime"] == 0
    table = glue.get_table(DatabaseName=database, Name=sales.name.lower())["Table"]
    assert table["PartitionKeys"] == [{"Name": "year", "Type": "bigint"}]
    assert table["Parameters"]["UPDATED_BY_CRAWLER"] == name
    assert len(glue.get_partitions(DatabaseName=database, TableName=table["Name"])["Partitions"]) == 2
    rows = read_back(weir, database, table["Name"], tmp_path)
    assert rows == ordered([
        {"id": 20241, "amount": 1.5, "year": 2024}, {"id": 20242, "amount": 2.5, "year": 2024},
        {"id": 20251, "amount": 1.5, "year": 2025}, {"id": 20252, "amount": 2.5, "year": 2025},
    ])

    # Another year: the second crawl adds its partition and updates the table's sizes and counts.
    (sales / "year=2026").mkdir()
    (sales / "year=2026" / "part-0.csv").write_text("id,amount\n20261,9.5\n")
    glue.start_crawler(Name=name)
    wait_ready(glue, name)
    crawls = glue.list_crawls(CrawlerName=name)["Crawls"]
    assert [c["State"] for c in crawls] == ["COMPLETED", "COMPLETED"]
    assert [json.loads(c["Summary"]) for c in crawls] == [
        {"TABLE": {"UPDATE": {"Count": 1}}, "PARTITION": {"ADD": {"Count": 1}}},
        {"TABLE": {"ADD": {"Count": 1}}, "PARTITION": {"ADD": {"Count": 2}}},
    ]
    newest = crawls[0]
    assert set(newest) >= {"CrawlId", "State", "StartTime", "EndTime", "Summary", "LogGroup", "LogStream",
                           "MessagePrefix", "DPUHour"}
    assert newest["MessagePrefix"] == newest["CrawlId"]
    assert newest["EndTime"] >= newest["StartTime"]
    metrics = glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
    assert (metrics["TablesCreated"], metrics["TablesUpdated"], metrics["TablesDeleted"]) == (0, 1, 0)
    table = glue.get_table(DatabaseName=database, Name=table["Name"])["Table"]
    assert (table["Parameters"]["objectCount"], table["Parameters"]["recordCount"]) == ("3", "5")
    assert metrics["LastRuntimeSeconds"] >= 0 and metrics["StillEstimating"] is False
    status, _, body = weir.http("GET", "/metrics")
    counted = dict(line.rsplit(" ", 1) for line in body.decode().splitlines() if line and not line.startswith("#"))
    assert status == 200 and int(counted['weir_job_runs_ended_total{kind="CRAWL",state="SUCCEEDED"}']) >= 2


def many_files(root: Path, count: int) -> Path:
    """A folder of `count` small CSV files in 50 partitions: a crawl of it takes a while."""
    tree = root / unique("many")
    for i in range(count):
        part = tree / f"day={i % 50}"
        part.mkdir(parents=True, exist_ok=True)
        (part / f"f{i}.csv").write_text(f"id,name\n{i},n{i}\n")
    return tree


def test_one_crawl_at_a_time_and_a_stopped_crawl_changes_nothing(weir, glue, cli, tmp_path):
    database = unique("lake")
    tree = many_files(tmp_path, 4000)
    name = create(glue, database, folder_target(tree))
    assert cli("start-crawler", name=name) == {}
    message = expect_error("CrawlerRunningException", glue.start_crawler, Name=name)
    assert message.startswith(f"Crawler {name} is RUNNING")
    glue.stop_crawler(Name=name)
    assert glue.get_crawler(Name=name)["Crawler"]["State"] in ("STOPPING", "READY")
    crawler = wait_ready(glue, name)
    assert crawler["LastCrawl"]["Status"] == "CANCELLED"
    assert glue.list_crawls(CrawlerName=name)["Crawls"][0]["State"] == "STOPPED"
    assert expect_error("EntityNotFoundException", glue.get_database, Name=database)
    message = expect_error("CrawlerNotRunningException", glue.stop_crawler, Name=name)
    assert message == f"Crawler {name} is not running"
    ghost = unique("ghost")
    assert expect_error("EntityNotFoundException", glue.start_crawler, Name=ghost) == \
        f"Crawler entry with name {ghost} does not exist"


def test_a_crawl_acts_as_its_role_and_a_failure_says_why(weir, glue, tmp_path):
    database = unique("lake")
    sales = write_sales(tmp_path)
    name = unique("crawler")
    glue.create_crawler(Name=name, Role=f"arn:aws:iam::123456789012:role/{READER.name}", DatabaseName=database,
                        Targets=folder_target(sales))
    glue.start_crawler(Name=name)
    last = wait_ready(glue, name)["LastCrawl"]
    assert last["Status"] == "FAILED"
    assert last["ErrorMessage"] == (
        f"updating the catalog: User: arn:aws:iam::123456789012:user/{READER.name} is not authorized to perform: "
        f"glue:CreateDatabase because no allow pattern of principal '{READER.name}' matches it (nothing was changed)")
    assert glue.list_crawls(CrawlerName=name)["Crawls"][0]["State"] == "FAILED"
    expect_error("EntityNotFoundException", glue.get_database, Name=database)

    name = create(glue, database, {"S3Targets": [{"Path": "nowhere://bucket/data/"}]})
    glue.start_crawler(Name=name)
    last = wait_ready(glue, name)["LastCrawl"]
    assert last["Status"] == "FAILED" and "nowhere://bucket/data/" in last["ErrorMessage"], last


def test_answers_keep_to_glues_shapes(weir, glue, tmp_path):
    name = create(glue, unique("lake"), folder_target(write_sales(tmp_path)), Schedule="cron(15 12 * * ? *)")
    status, _, answer = weir.post_glue("AWSGlue.GetCrawler", json.dumps({"Name": name}))
    assert status == 200
    assert "NextFiring" not in answer["Crawler"]
    assert answer["Crawler"]["Schedule"] == {"ScheduleExpression": "cron(15 12 * * ? *)", "State": "SCHEDULED"}
    assert answer["Crawler"]["State"] == "READY"
    glue.start_crawler(Name=name)
    wait_ready(glue, name)
    _, _, listed = weir.post_glue("AWSGlue.ListCrawls", json.dumps({"CrawlerName": name}))
    crawl = listed["Crawls"][0]
    assert set(crawl) <= {"CrawlId", "State", "StartTime", "EndTime", "Summary", "ErrorMessage", "LogGroup",
                          "LogStream", "MessagePrefix", "DPUHour"}


def test_a_crawl_reaches_an_s3_compatible_server_through_its_targets_connection(weir, glue, s3_endpoint, tmp_path):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    bucket = unique("drop").replace("_", "-")
    s3.create_bucket(Bucket=bucket)
    for month in (1, 2, 3):
        s3.put_object(Bucket=bucket, Key=f"raw/orders/month={month}/part-0.json",
                      Body=b"".join(json.dumps({"id": month * 10 + i, "sku": f"s{i}"}).encode() + b"\n" for i in range(3)))
    s3.put_object(Bucket=bucket, Key="raw/orders/_SUCCESS", Body=b"")
    connection = unique("partner_s3")
    glue.create_connection(ConnectionInput={
        "Name": connection, "ConnectionType": "NETWORK",
        "ConnectionProperties": {"CONNECTION_URL": f"s3://{bucket}", "ENDPOINT": s3_endpoint, "REGION": "us-east-1",
                                 "USERNAME": "testing", "PASSWORD": "testing"}})
    database = unique("lake")
    name = create(glue, database, {"S3Targets": [{"Path": f"s3://{bucket}/raw/orders/", "ConnectionName": connection}]})
    glue.start_crawler(Name=name)
    last = wait_ready(glue, name)["LastCrawl"]
    assert last["Status"] == "SUCCEEDED", last
    table = glue.get_table(DatabaseName=database, Name="orders")["Table"]
    assert table["StorageDescriptor"]["Location"] == f"s3://{bucket}/raw/orders/"
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [("id", "int"), ("sku", "string")]
    assert table["PartitionKeys"] == [{"Name": "month", "Type": "bigint"}]
    assert table["Parameters"]["classification"] == "json"
    partitions = glue.get_partitions(DatabaseName=database, TableName="orders")["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [["1"], ["2"], ["3"]]


def test_a_crawlers_custom_classifiers_come_first_and_their_tables_read_back(weir, glue, tmp_path):
    logs = tmp_path / unique("access")
    for day, lines in (("2024-05-01", ["10.0.0.1 GET /a 200 512", "10.0.0.2 GET /b 404 0"]),
                       ("2024-05-02", ["10.0.0.3 POST /c 201 77"])):
        (logs / f"day={day}").mkdir(parents=True)
        (logs / f"day={day}" / "access.log").write_text("\n".join(lines) + "\n")
    grok = unique("weblogs")
    glue.create_classifier(GrokClassifier={
        "Name": grok, "Classification": "weblogs",
        "GrokPattern": "%{IP:client} %{WORD:method} %{URIPATH:path} %{INT:status:int} %{INT:bytes:int}"})
    # A CSV classifier first that does not recognise the files: the next one is tried.
    pipes = unique("pipes")
    glue.create_classifier(CsvClassifier={"Name": pipes, "Delimiter": "|", "ContainsHeader": "PRESENT"})
    database = unique("lake")
    name = create(glue, database, folder_target(logs), Classifiers=[pipes, grok, unique("no_such")])
    glue.start_crawler(Name=name)
    assert wait_ready(glue, name)["LastCrawl"]["Status"] == "SUCCEEDED"
    table = glue.get_table(DatabaseName=database, Name=logs.name.lower())["Table"]
    assert table["Parameters"]["classification"] == "weblogs"
    serde = table["StorageDescriptor"]["SerdeInfo"]
    assert serde["SerializationLibrary"] == "com.amazonaws.glue.serde.GrokSerDe"
    assert serde["Parameters"]["input.format"].startswith("%{IP:client}")
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("client", "string"), ("method", "string"), ("path", "string"), ("status", "int"), ("bytes", "int")]
    rows = read_back(weir, database, table["Name"], tmp_path)
    assert rows == ordered([
        {"client": "10.0.0.1", "method": "GET", "path": "/a", "status": 200, "bytes": 512, "day": "2024-05-01"},
        {"client": "10.0.0.2", "method": "GET", "path": "/b", "status": 404, "bytes": 0, "day": "2024-05-01"},
        {"client": "10.0.0.3", "method": "POST", "path": "/c", "status": 201, "bytes": 77, "day": "2024-05-02"},
    ])
