"""Delta Lake tables: a crawler's DeltaTargets register tables the `deltalake` package (delta-rs
for Python, from PyPI) wrote, and Weir's jobs read them; jobs write Delta tables (new ones
registered in the catalog with `table_type` DELTA) that the `deltalake` package reads; appends,
overwrites, upserts and Debezium change events each make one Delta commit; time travel by
version; a failed run leaves the table as it was; S3 through an S3-compatible server."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from test_iceberg import change, row, write_first_changes
from test_job_service import wait_run
from test_jobs import run_job as run_local_job, s3_endpoint  # noqa: F401 (s3_endpoint is a fixture)
from weir_harness import unique

ORDERS = pa.table({
    "id": pa.array([1, 2, 3], pa.int64()),
    "name": pa.array(["ann", "bob", "cy"], pa.string()),
    "region": pa.array(["eu", "us", "eu"], pa.string()),
})


def run_job(glue, nodes: dict, timeout: float = 120, **extra) -> dict:
    name = unique("deltajob")
    glue.create_job(Name=name, Role="admin", Command={"Name": "glueetl"}, CodeGenConfigurationNodes=nodes, **extra)
    return wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=timeout)


def rows(table: DeltaTable) -> list[dict]:
    return sorted(table.to_pyarrow_table().to_pylist(), key=lambda r: json.dumps(r, sort_keys=True, default=str))


def json_rows(folder: Path) -> list[dict]:
    out = [json.loads(line) for f in folder.glob("*.json") for line in f.read_text().splitlines() if line]
    return sorted(out, key=lambda r: json.dumps(r, sort_keys=True))


def local(location: str) -> str:
    return location[len("file://"):] if location.startswith("file://") else location


def test_a_crawler_registers_delta_tables_the_deltalake_package_wrote(glue, db, tmp_path):
    from test_crawler_runs import wait_ready

    lake = tmp_path / "lake"
    write_deltalake(str(lake / "orders"), ORDERS, partition_by=["region"])
    write_deltalake(str(lake / "orders"), ORDERS.slice(0, 1), mode="append")   # version 1
    write_deltalake(str(lake / "refunds"), ORDERS.slice(1, 2))
    (lake / "notes.txt").write_text("not a table")

    crawler = unique("deltacrawler")
    glue.create_crawler(Name=crawler, Role="admin", DatabaseName=db, TablePrefix="lake_",
                        Targets={"DeltaTargets": [{"DeltaTables": [str(lake)], "CreateNativeDeltaTable": True}]})
    glue.start_crawler(Name=crawler)
    assert wait_ready(glue, crawler)["LastCrawl"]["Status"] == "SUCCEEDED"

    names = sorted(t["Name"] for t in glue.get_tables(DatabaseName=db)["TableList"])
    assert names == ["lake_orders", "lake_refunds"]
    table = glue.get_table(DatabaseName=db, Name="lake_orders")["Table"]
    assert table["Parameters"]["table_type"] == "DELTA"
    assert table["Parameters"]["spark.sql.sources.provider"] == "delta"
    assert table["Parameters"]["UPDATED_BY_CRAWLER"] == crawler
    assert local(table["StorageDescriptor"]["Location"]).rstrip("/") == str(lake / "orders")
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        ("id", "bigint"), ("name", "string"), ("region", "string")]

    out = tmp_path / "out"
    run = run_job(glue, {
        "src": {"CatalogDeltaSource": {"Name": "src", "Database": db, "Table": "lake_orders"}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "json",
                                   "Compression": "none"}}})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert json_rows(out) == sorted(ORDERS.to_pylist() + ORDERS.slice(0, 1).to_pylist(),
                                    key=lambda r: json.dumps(r, sort_keys=True))

    # The generic catalog node and SQL read the same table.
    out = tmp_path / "sql"
    run = run_job(glue, {
        "src": {"CatalogSource": {"Name": "src", "Database": db, "Table": "lake_refunds"}},
        "sql": {"SparkSQL": {"Name": "sql", "Inputs": ["src"], "SqlQuery": f"SELECT count(*) AS n FROM {db}.lake_orders",
                             "SqlAliases": [{"From": "src", "Alias": "refunds"}]}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["sql"], "Path": str(out), "Format": "json",
                                   "Compression": "none"}}})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert json_rows(out) == [{"n": 4}]


def test_jobs_write_delta_tables_the_deltalake_package_reads(glue, db, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "orders.json").write_text("\n".join(json.dumps(r) for r in ORDERS.to_pylist()) + "\n")
    target = {"S3DeltaCatalogTarget": {"Name": "out", "Inputs": ["src"], "Database": db, "Table": "orders",
                                       "PartitionKeys": [["region"]]}}
    nodes = {"src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}}, "out": target}
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")

    table = glue.get_table(DatabaseName=db, Name="orders")["Table"]
    assert table["Parameters"]["table_type"] == "DELTA"
    location = table["StorageDescriptor"]["Location"]
    delta = DeltaTable(location)
    assert delta.version() == 0
    assert delta.metadata().partition_columns == ["region"]
    assert rows(delta) == ORDERS.to_pylist()

    # An append adds a version; an overwrite replaces the rows.
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    delta = DeltaTable(location)
    assert delta.version() == 1 and len(rows(delta)) == 6
    (source / "orders.json").write_text(json.dumps({"id": 9, "name": "zed", "region": "us"}) + "\n")
    target["S3DeltaCatalogTarget"]["AdditionalOptions"] = {"writeMode": "overwrite"}
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    delta = DeltaTable(location)
    assert delta.version() == 2
    assert rows(delta) == [{"id": 9, "name": "zed", "region": "us"}]
    assert delta.history(1)[0]["operation"] == "WRITE"

    # A dynamic partition overwrite replaces the rows of the partitions written (eu) only.
    (source / "orders.json").write_text(json.dumps({"id": 5, "name": "eve", "region": "eu"}) + "\n")
    del target["S3DeltaCatalogTarget"]["AdditionalOptions"]
    run = run_job(glue, nodes)   # append eve (eu) to zed (us)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    (source / "orders.json").write_text(json.dumps({"id": 6, "name": "fay", "region": "eu"}) + "\n")
    target["S3DeltaCatalogTarget"]["AdditionalOptions"] = {"writeMode": "overwrite",
                                                           "partitionOverwriteMode": "dynamic"}
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert rows(DeltaTable(location)) == [{"id": 6, "name": "fay", "region": "eu"},
                                          {"id": 9, "name": "zed", "region": "us"}]

    # Time travel: version 1 still holds the first two runs' rows.
    out = tmp_path / "v1"
    run = run_job(glue, {
        "src": {"S3DeltaSource": {"Name": "src", "Paths": [location], "AdditionalDeltaOptions": {"versionAsOf": "1"}}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "json",
                                   "Compression": "none"}}})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert len(json_rows(out)) == 6

    run = run_job(glue, {
        "src": {"S3DeltaSource": {"Name": "src", "Paths": [location], "AdditionalDeltaOptions": {"versionAsOf": "x"}}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "json"}}})
    assert run["JobRunState"] == "FAILED"
    assert "versionAsOf 'x' is not a version number" in run["ErrorMessage"]


def test_new_input_columns_join_the_schema_when_the_target_says_so(glue, db, tmp_path):
    path = tmp_path / "orders"
    write_deltalake(str(path), ORDERS)
    glue.create_table(DatabaseName=db, TableInput={
        "Name": "orders", "Parameters": {"table_type": "DELTA"},
        "StorageDescriptor": {"Location": str(path), "Columns": [
            {"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}, {"Name": "region", "Type": "string"}]}})
    source = tmp_path / "in"
    source.mkdir()
    (source / "more.json").write_text(json.dumps({"id": 4, "name": "dee", "region": "us", "note": "vip"}) + "\n")
    target = {"Name": "out", "Inputs": ["src"], "Database": db, "Table": "orders"}
    nodes = {"src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}}, "out": {"S3DeltaCatalogTarget": target}}
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "FAILED"
    assert "column note is not in Delta table" in run["ErrorMessage"]

    target["SchemaChangePolicy"] = {"EnableUpdateCatalog": True, "UpdateBehavior": "UPDATE_IN_DATABASE"}
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    delta = DeltaTable(str(path))
    assert [f.name for f in delta.schema().fields] == ["id", "name", "region", "note"]
    assert rows(delta) == sorted([{**r, "note": None} for r in ORDERS.to_pylist()]
                                 + [{"id": 4, "name": "dee", "region": "us", "note": "vip"}],
                                 key=lambda r: json.dumps(r, sort_keys=True, default=str))
    columns = glue.get_table(DatabaseName=db, Name="orders")["Table"]["StorageDescriptor"]["Columns"]
    assert [c["Name"] for c in columns] == ["id", "name", "region", "note"]


def test_a_direct_target_writes_a_delta_table_at_a_path(glue, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "orders.json").write_text("\n".join(json.dumps(r) for r in ORDERS.to_pylist()) + "\n")
    path = tmp_path / "delta" / "orders"
    run = run_job(glue, {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}},
        "out": {"S3DeltaDirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(path), "Format": "delta",
                                        "Compression": "uncompressed"}}})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert rows(DeltaTable(str(path))) == ORDERS.to_pylist()
    import pyarrow.parquet as pq
    files = list(path.glob("*.parquet"))
    assert files and all(pq.ParquetFile(f).metadata.row_group(0).column(0).compression == "UNCOMPRESSED"
                         for f in files)


def test_cdc_change_events_and_upserts_merge_into_a_delta_table(glue, tmp_path):
    """Debezium change files read with job bookmarks, each run's events applied in one commit
    (the seeds' MySQL → Kafka → S3 → Delta pipeline, minus Kafka); then upserts of plain rows."""
    path = str(tmp_path / "orders")
    write_deltalake(path, ORDERS)   # ids 1 ann, 2 bob, 3 cy
    changes = tmp_path / "changes"
    changes.mkdir()
    write_first_changes(changes)
    name = unique("deltacdc")
    glue.create_job(Name=name, Role="admin", Command={"Name": "glueetl"}, CodeGenConfigurationNodes={
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(changes)]}},
        "out": {"S3DeltaDirectTarget": {"Name": "out", "Inputs": ["src"], "Path": path, "Format": "delta",
                                        "Compression": "snappy", "AdditionalOptions": {"writeMode": "cdc", "upsertKeys": "id"}}}},
                    DefaultArguments={"--job-bookmark-option": "job-bookmark-enable"})
    run = wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=120)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    delta = DeltaTable(path)
    assert rows(delta) == [row(1, "ann-2"), row(3, "cy"), row(4, "dee", "us")]
    assert delta.version() == 1

    (changes / "0002.json").write_text("\n".join([
        change("r", None, row(6, "fay"), lsn=30, wrapped=True),
        change("u", row(3, "cy"), row(3, "cy-2", "us"), lsn=31, wrapped=True),
    ]) + "\n")
    run = wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=120)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert rows(DeltaTable(path)) == [row(1, "ann-2"), row(3, "cy-2", "us"), row(4, "dee", "us"), row(6, "fay")]

    updates = tmp_path / "updates"
    updates.mkdir()
    (updates / "u.json").write_text(json.dumps(row(4, "dee-2", "us")) + "\n" + json.dumps(row(7, "gus")) + "\n")
    run = run_job(glue, {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(updates)]}},
        "out": {"S3DeltaDirectTarget": {"Name": "out", "Inputs": ["src"], "Path": path, "Format": "delta",
                                        "Compression": "snappy", "AdditionalOptions": {"writeMode": "upsert", "upsertKeys": "id"}}}})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert rows(DeltaTable(path)) == [
        row(1, "ann-2"), row(3, "cy-2", "us"), row(4, "dee-2", "us"), row(6, "fay"), row(7, "gus")]


def test_a_failed_run_leaves_the_delta_table_as_it_was(glue, tmp_path):
    path = tmp_path / "orders"
    write_deltalake(str(path), ORDERS)
    before = sorted(p.relative_to(path) for p in path.rglob("*") if p.is_file())
    source = tmp_path / "in"
    source.mkdir()
    (source / "bad.json").write_text(json.dumps({"id": 4, "name": "dee", "region": "eu", "extra": 1}) + "\n")
    run = run_job(glue, {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}},
        "out": {"S3DeltaDirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(path), "Format": "delta", "Compression": "snappy"}}})
    assert run["JobRunState"] == "FAILED"
    assert f"column extra is not in Delta table {path} (its columns: id, name, region)" in run["ErrorMessage"]

    # A run whose second target fails after the Delta files are written: nothing is committed.
    (source / "bad.json").write_text(json.dumps({"id": 4, "name": "dee", "region": "eu"}) + "\n")
    run = run_job(glue, {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}},
        "out": {"S3DeltaDirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(path), "Format": "delta", "Compression": "snappy"}},
        "bad": {"S3DeltaCatalogTarget": {"Name": "bad", "Inputs": ["src"], "Database": "no_such_database_here",
                                         "Table": "t"}}})
    assert run["JobRunState"] == "FAILED"
    assert DeltaTable(str(path)).version() == 0
    assert sorted(p.relative_to(path) for p in path.rglob("*") if p.is_file()) == before


def test_delta_tables_on_s3(s3_endpoint, tmp_path):
    """A job writes a Delta table to an S3-compatible server (moto) and another reads it; the
    `deltalake` package reads it too."""
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="deltalake")
    source = tmp_path / "in"
    source.mkdir()
    (source / "orders.json").write_text("\n".join(json.dumps(r) for r in ORDERS.to_pylist()) + "\n")
    config = (f'[engine.s3]\nendpoint = "{s3_endpoint}"\nregion = "us-east-1"\n'
              'access_key_id = "testing"\nsecret_access_key = "testing"\n')
    job = {"Job": {"Name": "delta-s3", "Role": "weir", "Command": {"Name": "glueetl"}, "CodeGenConfigurationNodes": {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}},
        "out": {"S3DeltaDirectTarget": {"Name": "out", "Inputs": ["src"], "Path": "s3://deltalake/orders",
                                        "Format": "delta", "Compression": "snappy", "PartitionKeys": [["region"]]}}}}}
    for _ in range(2):
        done = run_local_job(job, tmp_path, config)
        assert done.returncode == 0, done.stderr
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="deltalake")["Contents"]]
    assert "orders/_delta_log/00000000000000000001.json" in keys
    options = {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_ALLOW_HTTP": "true", "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}
    delta = DeltaTable("s3://deltalake/orders", storage_options=options)
    assert len(rows(delta)) == 6

    out = tmp_path / "out"
    job = {"Job": {"Name": "delta-s3-read", "Role": "weir", "Command": {"Name": "glueetl"}, "CodeGenConfigurationNodes": {
        "src": {"S3DeltaSource": {"Name": "src", "Paths": ["s3://deltalake/orders/"]}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "json",
                                   "Compression": "none"}}}}}
    done = run_local_job(job, tmp_path / "read" if (tmp_path / "read").mkdir() is None else tmp_path, config)
    assert done.returncode == 0, done.stderr
    assert len(json_rows(out)) == 6
