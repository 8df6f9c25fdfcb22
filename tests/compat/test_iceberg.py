"""Iceberg tables: PyIceberg (from PyPI) uses Weir's Iceberg REST catalog under `/iceberg` to
create namespaces and tables, append and read; the same tables are Glue tables (boto3 sees
`table_type` ICEBERG and the current `metadata_location`); Weir's visual jobs read what PyIceberg
wrote and PyIceberg reads what the jobs wrote; commits are atomic swaps (a stale writer gets a
conflict, never a lost update); a failed run leaves the table as it was."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.catalog import load_catalog
from pyiceberg.exceptions import (
    ForbiddenError,
    NamespaceAlreadyExistsError,
    NamespaceNotEmptyError,
    NoSuchNamespaceError,
    NoSuchTableError,
    TableAlreadyExistsError,
)

from conftest import expect_error, table_input
from test_job_service import wait_run
from weir_harness import ADMIN, READER, REGION, unique


def rest_catalog(weir, principal=ADMIN):
    """PyIceberg's REST catalog on Weir, signing its requests with SigV4 as `principal` (as for
    AWS Glue's Iceberg endpoint: signing name `glue`)."""
    return load_catalog(principal.name, **{
        "type": "rest", "uri": f"{weir.url}/iceberg", "rest.sigv4-enabled": "true", "rest.signing-name": "glue",
        "rest.signing-region": REGION, "client.access-key-id": principal.access_key_id,
        "client.secret-access-key": principal.secret_access_key})


@pytest.fixture(scope="module")
def iceberg(weir):
    return rest_catalog(weir)


@pytest.fixture
def ns(iceberg) -> str:
    name = unique("ice")
    iceberg.create_namespace(name)
    return name


ORDERS = pa.table({
    "id": pa.array([1, 2, 3], pa.int64()),
    "name": pa.array(["ann", "bob", "cy"], pa.string()),
    "region": pa.array(["eu", "us", "eu"], pa.string()),
})


def run_job(glue, nodes: dict, timeout: float = 120) -> dict:
    name = unique("icejob")
    glue.create_job(Name=name, Role="admin", Command={"Name": "glueetl"}, CodeGenConfigurationNodes=nodes)
    return wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=timeout)


def rows(table) -> list[dict]:
    return sorted(table.scan().to_arrow().to_pylist(), key=lambda r: json.dumps(r, sort_keys=True, default=str))


def data_files(table) -> set[str]:
    return {task.file.file_path for task in table.scan().plan_files()}


def local(path: str) -> Path:
    assert path.startswith("file://"), path
    return Path(path[len("file://"):])


# --------------------------------------------------------------------------------------------
# The REST catalog, driven by PyIceberg
# --------------------------------------------------------------------------------------------


def test_pyiceberg_creates_appends_and_reads_through_weir(iceberg, glue, ns):
    assert (ns,) in iceberg.list_namespaces()
    iceberg.update_namespace_properties(ns, updates={"owner": "etl", "comment": "orders"})
    assert iceberg.load_namespace_properties(ns) == {"owner": "etl", "comment": "orders"}
    assert glue.get_database(Name=ns)["Database"]["Description"] == "orders"

    table = iceberg.create_table(f"{ns}.orders", schema=ORDERS.schema)
    table.append(ORDERS)
    table.append(ORDERS.slice(0, 1))

    loaded = iceberg.load_table(f"{ns}.orders")
    assert rows(loaded) == sorted(ORDERS.to_pylist() + ORDERS.slice(0, 1).to_pylist(), key=lambda r: json.dumps(r, sort_keys=True))
    assert [s.summary.operation.value for s in loaded.snapshots()] == ["append", "append"]
    assert iceberg.list_tables(ns) == [(ns, "orders")]
    assert iceberg.table_exists(f"{ns}.orders") and not iceberg.table_exists(f"{ns}.nothing")

    # The same table, as Glue keeps it (as Iceberg's own Glue catalog writes it).
    glued = glue.get_table(DatabaseName=ns, Name="orders")["Table"]
    assert glued["TableType"] == "EXTERNAL_TABLE"
    assert glued["Parameters"]["table_type"] == "ICEBERG"
    assert glued["Parameters"]["metadata_location"] == loaded.metadata_location
    assert glued["Parameters"]["previous_metadata_location"].endswith(".metadata.json")
    assert glued["StorageDescriptor"]["Location"] == loaded.location()
    assert [(c["Name"], c["Type"], c["Parameters"]["iceberg.field.id"]) for c in glued["StorageDescriptor"]["Columns"]] == [
        ("id", "bigint", "1"), ("name", "string", "2"), ("region", "string", "3")]
    # Every metadata file is where the catalog says.
    assert local(loaded.metadata_location).is_file()


def test_namespace_and_table_errors_are_the_protocols(iceberg, glue, weir, ns):
    with pytest.raises(NamespaceAlreadyExistsError):
        iceberg.create_namespace(ns)
    with pytest.raises(NoSuchNamespaceError):
        iceberg.create_table(f"{unique('nons')}.t", schema=ORDERS.schema)
    with pytest.raises(NoSuchNamespaceError):
        iceberg.load_namespace_properties(unique("nons"))
    with pytest.raises(NoSuchTableError):
        iceberg.load_table(f"{ns}.missing")
    iceberg.create_table(f"{ns}.t", schema=ORDERS.schema)
    with pytest.raises(TableAlreadyExistsError):
        iceberg.create_table(f"{ns}.t", schema=ORDERS.schema)
    with pytest.raises(NamespaceNotEmptyError):
        iceberg.drop_namespace(ns)

    # A Glue table that is not an Iceberg table is not one of the catalog's tables.
    glue.create_table(DatabaseName=ns, TableInput=table_input("plain"))
    assert iceberg.list_tables(ns) == [(ns, "t")]
    with pytest.raises(NoSuchTableError, match="is not an Iceberg table"):
        iceberg.load_table(f"{ns}.plain")

    # The error body is the protocol's ErrorModel.
    status, headers, body = weir.http("GET", f"/iceberg/v1/namespaces/{ns}/tables/missing")
    assert (status, headers["content-type"]) == (404, "application/json")
    assert json.loads(body) == {"error": {"message": f"Table does not exist: {ns}.missing",
                                          "type": "NoSuchTableException", "code": 404}}
    status, _, body = weir.http("GET", "/iceberg/v1/views")
    assert status == 404 and json.loads(body)["error"]["type"] == "NotFoundException"

    with pytest.raises(NoSuchNamespaceError):
        iceberg.list_views(unique("nons"))


def test_iceberg_views_are_glue_views(iceberg, glue, ns):
    from pyiceberg.exceptions import NoSuchViewError, ViewAlreadyExistsError
    from pyiceberg.view.metadata import SQLViewRepresentation, ViewRepresentation, ViewVersion

    iceberg.create_table(f"{ns}.orders", schema=ORDERS.schema)
    assert iceberg.list_views(ns) == []
    assert not iceberg.view_exists(f"{ns}.eu_orders")
    sql = f"SELECT id, name FROM {ns}.orders WHERE region = 'eu'"
    version = ViewVersion(version_id=1, schema_id=0, timestamp_ms=1_700_000_000_000,
                          summary={"engine-name": "spark"}, default_namespace=[ns],
                          representations=[ViewRepresentation(SQLViewRepresentation(type="sql", sql=sql, dialect="spark"))])
    schema = pa.schema([pa.field("id", pa.int64()), pa.field("name", pa.string())])
    view = iceberg.create_view(f"{ns}.eu_orders", schema=schema, view_version=version, properties={"owner": "etl"})
    assert view.metadata.current_version_id == 1
    assert iceberg.view_exists(f"{ns}.eu_orders")
    assert iceberg.list_views(ns) == [(ns, "eu_orders")]
    assert iceberg.list_tables(ns) == [(ns, "orders")]
    loaded = iceberg.load_view(f"{ns}.eu_orders")
    assert loaded.metadata.properties["owner"] == "etl"
    assert [f.name for f in loaded.metadata.schemas[0].fields] == ["id", "name"]
    assert loaded.metadata.versions[0].representations[0].root.sql == sql

    # Glue clients see a view with its SQL and columns.
    glued = glue.get_table(DatabaseName=ns, Name="eu_orders")["Table"]
    assert glued["TableType"] == "VIRTUAL_VIEW"
    assert glued["ViewOriginalText"] == sql
    assert glued["Parameters"]["table_type"] == "ICEBERG_VIEW"
    assert [(c["Name"], c["Type"]) for c in glued["StorageDescriptor"]["Columns"]] == [("id", "bigint"), ("name", "string")]

    with pytest.raises(ViewAlreadyExistsError):
        iceberg.create_view(f"{ns}.eu_orders", schema=schema, view_version=version)
    with pytest.raises(ViewAlreadyExistsError):
        iceberg.create_view(f"{ns}.orders", schema=schema, view_version=version)
    iceberg.drop_view(f"{ns}.eu_orders")
    assert not iceberg.view_exists(f"{ns}.eu_orders")
    with pytest.raises(NoSuchViewError):
        iceberg.drop_view(f"{ns}.eu_orders")
    with pytest.raises(NoSuchViewError):
        iceberg.load_view(f"{ns}.orders")


def test_a_staged_table_exists_once_its_transaction_commits(iceberg, glue, ns):
    """PyIceberg's create_table_transaction (the REST catalog's stage-create, as Spark's CREATE
    TABLE AS SELECT uses it): the table appears with its first rows in one commit."""
    txn = iceberg.create_table_transaction(f"{ns}.staged", schema=ORDERS.schema)
    assert not iceberg.table_exists(f"{ns}.staged")
    txn.append(ORDERS)
    txn.commit_transaction()
    table = iceberg.load_table(f"{ns}.staged")
    assert rows(table) == sorted(ORDERS.to_pylist(), key=lambda r: json.dumps(r, sort_keys=True))
    assert len(table.history()) == 1
    assert glue.get_table(DatabaseName=ns, Name="staged")["Table"]["Parameters"]["table_type"] == "ICEBERG"
    # A second staged creation of the same name is refused.
    with pytest.raises(TableAlreadyExistsError):
        iceberg.create_table_transaction(f"{ns}.staged", schema=ORDERS.schema)


def test_requests_are_signed_and_the_callers_actions_apply(iceberg, weir, ns):
    iceberg.create_table(f"{ns}.t", schema=ORDERS.schema)
    status, _, body = weir.http("GET", f"/iceberg/v1/namespaces/{ns}/tables/t", sign=False)
    assert status == 403 and json.loads(body)["__type"] == "MissingAuthenticationTokenException"

    reader = rest_catalog(weir, READER)
    assert reader.list_tables(ns) == [(ns, "t")]
    assert reader.load_table(f"{ns}.t").schema() == iceberg.load_table(f"{ns}.t").schema()
    with pytest.raises(ForbiddenError, match="glue:CreateTable"):
        reader.create_table(f"{ns}.u", schema=ORDERS.schema)
    with pytest.raises(ForbiddenError, match="glue:UpdateTable"):
        reader.load_table(f"{ns}.t").append(ORDERS)
    assert iceberg.load_table(f"{ns}.t").current_snapshot() is None


def test_a_stale_writer_gets_a_conflict_not_a_lost_update(iceberg, weir, ns):
    iceberg.create_table(f"{ns}.t", schema=ORDERS.schema)
    first = iceberg.load_table(f"{ns}.t")
    second = iceberg.load_table(f"{ns}.t")
    first.append(ORDERS)
    # The second writer's commit still requires the table it read: Weir refuses it, and PyIceberg
    # re-applies its append to the table the first writer committed.
    second.append(ORDERS.slice(0, 1))
    table = iceberg.load_table(f"{ns}.t")
    assert len(rows(table)) == 4 and len(table.snapshots()) == 2

    # The refusal itself: a commit whose requirement no longer holds changes nothing.
    stale = {"requirements": [{"type": "assert-ref-snapshot-id", "ref": "main", "snapshot-id": None}],
             "updates": [{"action": "set-properties", "updates": {"k": "v"}}]}
    status, _, body = weir.http("POST", f"/iceberg/v1/namespaces/{ns}/tables/t", json.dumps(stale))
    assert status == 409 and json.loads(body)["error"]["type"] == "CommitFailedException", body
    assert iceberg.load_table(f"{ns}.t").metadata_location == table.metadata_location


def test_concurrent_appends_lose_nothing(weir, ns):
    # Each writer retries a refused commit on the newest table, as often as it takes.
    rest_catalog(weir).create_table(f"{ns}.t", schema=ORDERS.schema, properties={"commit.retry.num-retries": "100"})

    def writer(i: int) -> None:
        catalog = rest_catalog(weir)
        for j in range(3):
            catalog.load_table(f"{ns}.t").append(pa.table({
                "id": pa.array([i * 10 + j], pa.int64()), "name": pa.array([f"w{i}"]), "region": pa.array(["eu"])}))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    table = rest_catalog(weir).load_table(f"{ns}.t")
    assert sorted(r["id"] for r in rows(table)) == sorted(i * 10 + j for i in range(4) for j in range(3))
    assert len(table.snapshots()) == 12


def test_rename_drop_and_purge(iceberg, glue, ns):
    table = iceberg.create_table(f"{ns}.a", schema=ORDERS.schema)
    table.append(ORDERS)
    other = unique("ice")
    iceberg.create_namespace(other)
    iceberg.rename_table(f"{ns}.a", f"{other}.b")
    assert iceberg.list_tables(ns) == [] and iceberg.list_tables(other) == [(other, "b")]
    moved = iceberg.load_table(f"{other}.b")
    assert len(rows(moved)) == 3

    files = data_files(moved) | {moved.metadata_location}
    assert all(local(f).exists() for f in files)
    iceberg.purge_table(f"{other}.b")
    assert not any(local(f).exists() for f in files)
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_table(DatabaseName=other, Name="b")

    kept = iceberg.create_table(f"{ns}.kept", schema=ORDERS.schema)
    kept.append(ORDERS)
    kept_files = data_files(iceberg.load_table(f"{ns}.kept"))
    iceberg.drop_table(f"{ns}.kept")
    assert all(local(f).exists() for f in kept_files)
    iceberg.drop_namespace(other)
    assert (other,) not in iceberg.list_namespaces()


def test_register_an_existing_table_by_its_metadata_file(iceberg, ns):
    table = iceberg.create_table(f"{ns}.src", schema=ORDERS.schema)
    table.append(ORDERS)
    location = iceberg.load_table(f"{ns}.src").metadata_location
    registered = iceberg.register_table(f"{ns}.copy", location)
    assert rows(registered) == rows(table.refresh())
    with pytest.raises(TableAlreadyExistsError):
        iceberg.register_table(f"{ns}.copy", location)


# --------------------------------------------------------------------------------------------
# Visual jobs
# --------------------------------------------------------------------------------------------


def test_jobs_read_what_pyiceberg_wrote_and_pyiceberg_reads_what_jobs_wrote(iceberg, glue, ns):
    table = iceberg.create_table(f"{ns}.orders", schema=ORDERS.schema)
    table.append(ORDERS)

    run = run_job(glue, {
        "src": {"S3CatalogIcebergSource": {"Name": "src", "Database": ns, "Table": "orders"}},
        "sql": {"SparkSQL": {"Name": "sql", "Inputs": ["src"], "SqlAliases": [{"From": "src", "Alias": "o"}],
                             "SqlQuery": "SELECT id * 10 AS id, upper(name) AS name, region FROM o"}},
        # A new table, partitioned by region.
        "copy": {"S3IcebergCatalogTarget": {"Name": "copy", "Inputs": ["sql"], "Database": ns, "Table": "by_region",
                                            "PartitionKeys": [["region"]]}},
        # And back into the table read: one more snapshot.
        "back": {"S3IcebergCatalogTarget": {"Name": "back", "Inputs": ["sql"], "Database": ns, "Table": "orders"}},
    })
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")

    by_region = iceberg.load_table(f"{ns}.by_region")
    assert [f.name for f in by_region.spec().fields] == ["region"]
    assert rows(by_region) == [{"id": 10, "name": "ANN", "region": "eu"}, {"id": 20, "name": "BOB", "region": "us"},
                               {"id": 30, "name": "CY", "region": "eu"}]
    assert by_region.scan(row_filter="region == 'eu'").to_arrow().num_rows == 2
    # One data file per partition, under the table's data folder.
    assert sorted(Path(f).parent.name for f in data_files(by_region)) == ["region=eu", "region=us"]

    orders = iceberg.load_table(f"{ns}.orders")
    assert len(orders.snapshots()) == 2
    assert len(rows(orders)) == 6
    assert orders.current_snapshot().summary["added-records"] == "3"


def test_a_direct_target_creates_its_table_at_its_path(iceberg, glue, ns, tmp_path):
    import pyarrow.parquet as pq
    source = tmp_path / "in"
    source.mkdir()
    (source / "orders.json").write_text("\n".join(json.dumps(r) for r in ORDERS.to_pylist()) + "\n")
    path = tmp_path / "lake" / "orders"
    direct = {"Name": "out", "Inputs": ["src"], "Path": f"file://{path}", "Format": "iceberg", "Compression": "snappy",
              "PartitionKeys": [["region"]],
              "SchemaChangePolicy": {"EnableUpdateCatalog": True, "UpdateBehavior": "UPDATE_IN_DATABASE",
                                     "Database": ns, "Table": "orders"}}
    nodes = {"src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}}, "out": {"S3IcebergDirectTarget": direct}}
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    table = iceberg.load_table(f"{ns}.orders")
    assert table.location().rstrip("/") == f"file://{path}"
    assert rows(table) == sorted(ORDERS.to_pylist(), key=lambda r: json.dumps(r, sort_keys=True))
    assert table.properties["write.parquet.compression-codec"] == "snappy"
    files = [local(f) for f in data_files(table)]
    assert {pq.ParquetFile(f).metadata.row_group(0).column(0).compression for f in files} == {"SNAPPY"}
    # The next run appends to the same table.
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert len(rows(iceberg.load_table(f"{ns}.orders"))) == 6

    del direct["SchemaChangePolicy"]
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "FAILED"
    assert "SchemaChangePolicy must name the Database and Table of the Iceberg table" in run["ErrorMessage"]


def test_jobs_write_zstd_parquet_unless_the_table_says_otherwise(iceberg, glue, ns, tmp_path):
    import pyarrow.parquet as pq
    source = tmp_path / "in"
    source.mkdir()
    (source / "orders.json").write_text("\n".join(json.dumps(r) for r in ORDERS.to_pylist()) + "\n")
    run = run_job(glue, {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}},
        "out": {"S3IcebergCatalogTarget": {"Name": "out", "Inputs": ["src"], "Database": ns, "Table": "fresh"}}})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    files = [local(f) for f in data_files(iceberg.load_table(f"{ns}.fresh"))]
    assert {pq.ParquetFile(f).metadata.row_group(0).column(0).compression for f in files} == {"ZSTD"}


def test_job_overwrites_an_iceberg_table(iceberg, glue, ns):
    table = iceberg.create_table(f"{ns}.t", schema=ORDERS.schema)
    table.append(ORDERS)
    source = iceberg.create_table(f"{ns}.src", schema=ORDERS.schema)
    source.append(ORDERS.slice(0, 1))

    def target(mode: str) -> dict:
        return {"S3IcebergCatalogTarget": {"Name": "out", "Inputs": ["src"], "Database": ns, "Table": "t",
                                           "AdditionalOptions": {"writeMode": mode}}}
    run = run_job(glue, {"src": {"S3CatalogIcebergSource": {"Name": "src", "Database": ns, "Table": "src"}},
                         "out": target("overwrite")})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    table = iceberg.load_table(f"{ns}.t")
    assert rows(table) == ORDERS.slice(0, 1).to_pylist()
    summary = table.current_snapshot().summary
    assert summary.operation.value == "overwrite"
    assert (summary["deleted-records"], summary["added-records"], summary["total-records"]) == ("3", "1", "1")
    # The rows before are still there to travel back to.
    first = min(table.snapshots(), key=lambda snap: snap.sequence_number).snapshot_id
    assert table.scan(snapshot_id=first).to_arrow().num_rows == 3

    run = run_job(glue, {"src": {"S3CatalogIcebergSource": {"Name": "src", "Database": ns, "Table": "src"}},
                         "out": target("merge")})
    assert run["JobRunState"] == "FAILED"
    assert "AdditionalOptions.writeMode 'merge' is not append, overwrite, upsert or cdc" in run["ErrorMessage"]


def test_dynamic_partition_overwrite_replaces_only_the_partitions_written(iceberg, glue, ns, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "orders.json").write_text("\n".join(json.dumps(r) for r in ORDERS.to_pylist()) + "\n")
    target = {"Name": "out", "Inputs": ["src"], "Database": ns, "Table": "by_region", "PartitionKeys": [["region"]]}
    nodes = {"src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}},
             "out": {"S3IcebergCatalogTarget": target}}
    assert run_job(glue, nodes)["JobRunState"] == "SUCCEEDED"   # eu: ann, cy; us: bob
    (source / "orders.json").write_text(json.dumps({"id": 9, "name": "zed", "region": "eu"}) + "\n")
    target["AdditionalOptions"] = {"writeMode": "overwrite", "partitionOverwriteMode": "dynamic"}
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert rows(iceberg.load_table(f"{ns}.by_region")) == [
        {"id": 2, "name": "bob", "region": "us"}, {"id": 9, "name": "zed", "region": "eu"}]
    target["AdditionalOptions"]["partitionOverwriteMode"] = "sometimes"
    run = run_job(glue, nodes)
    assert run["JobRunState"] == "FAILED"
    assert "AdditionalOptions.partitionOverwriteMode 'sometimes' is not static or dynamic" in run["ErrorMessage"]


def test_job_time_travel_and_sql_reads(iceberg, glue, ns, tmp_path):
    table = iceberg.create_table(f"{ns}.t", schema=ORDERS.schema)
    table.append(ORDERS.slice(0, 1))
    first = iceberg.load_table(f"{ns}.t").current_snapshot().snapshot_id
    table.append(ORDERS.slice(1, 2))

    def read(options: dict | None, out: Path) -> list[dict]:
        source = {"Name": "src", "Database": ns, "Table": "t"}
        if options is not None:
            source["AdditionalIcebergOptions"] = options
        run = run_job(glue, {
            "src": {"S3CatalogIcebergSource": source},
            "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "json",
                                       "Compression": "none"}},
        })
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
        return sorted((json.loads(line) for f in out.glob("*.json") for line in f.read_text().splitlines()),
                      key=lambda r: r["id"])

    assert [r["id"] for r in read(None, tmp_path / "now")] == [1, 2, 3]
    assert [r["id"] for r in read({"snapshot-id": str(first)}, tmp_path / "then")] == [1]

    # A SparkSQL node reads the table by name, like any catalog table.
    out = tmp_path / "sql"
    run = run_job(glue, {
        "src": {"S3CatalogIcebergSource": {"Name": "src", "Database": ns, "Table": "t"}},
        "sql": {"SparkSQL": {"Name": "sql", "Inputs": ["src"], "SqlAliases": [{"From": "src", "Alias": "o"}],
                             "SqlQuery": f"SELECT region, count(*) AS n FROM {ns}.t GROUP BY region"}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["sql"], "Path": str(out), "Format": "json",
                                   "Compression": "none"}},
    })
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    counted = sorted((json.loads(line) for f in out.glob("*.json") for line in f.read_text().splitlines()),
                     key=lambda r: r["region"])
    assert counted == [{"region": "eu", "n": 2}, {"region": "us", "n": 1}]

    run = run_job(glue, {"src": {"S3CatalogIcebergSource": {
        "Name": "src", "Database": ns, "Table": "t", "AdditionalIcebergOptions": {"snapshot-id": "12345"}}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(tmp_path / "x"), "Format": "json",
                                   "Compression": "none"}}})
    assert run["JobRunState"] == "FAILED"
    assert "snapshot-id 12345: the table has no such snapshot" in run["ErrorMessage"]


def test_a_failed_run_leaves_the_table_as_it_was(iceberg, glue, ns, tmp_path):
    table = iceberg.create_table(f"{ns}.t", schema=ORDERS.schema)
    table.append(ORDERS)
    before = iceberg.load_table(f"{ns}.t")
    folder = local(before.location()) / "data"
    files_before = sorted(folder.rglob("*"))

    # The Iceberg target writes its files, then the other target fails: nothing is committed.
    run = run_job(glue, {
        "src": {"S3CatalogIcebergSource": {"Name": "src", "Database": ns, "Table": "t"}},
        "ok": {"S3IcebergCatalogTarget": {"Name": "ok", "Inputs": ["src"], "Database": ns, "Table": "t"}},
        "bad": {"SparkSQL": {"Name": "bad", "Inputs": ["src"], "SqlAliases": [{"From": "src", "Alias": "o"}],
                             "SqlQuery": "SELECT assert_true(id < 0) AS x FROM o"}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["bad"], "Path": str(tmp_path / "out"), "Format": "json",
                                   "Compression": "none"}},
    })
    assert run["JobRunState"] == "FAILED"
    after = iceberg.load_table(f"{ns}.t")
    assert after.metadata_location == before.metadata_location
    assert sorted(folder.rglob("*")) == files_before
    assert rows(after) == rows(before)

    # Rows that do not fit the table's schema are refused by name, before anything is written.
    run = run_job(glue, {
        "src": {"S3CatalogIcebergSource": {"Name": "src", "Database": ns, "Table": "t"}},
        "sql": {"SparkSQL": {"Name": "sql", "Inputs": ["src"], "SqlAliases": [{"From": "src", "Alias": "o"}],
                             "SqlQuery": "SELECT id, name, region, 1 AS extra FROM o"}},
        "out": {"S3IcebergCatalogTarget": {"Name": "out", "Inputs": ["sql"], "Database": ns, "Table": "t"}},
    })
    assert run["JobRunState"] == "FAILED"
    assert f"column extra is not in Iceberg table {ns}.t (its columns: id, name, region)" in run["ErrorMessage"]
    assert iceberg.load_table(f"{ns}.t").metadata_location == before.metadata_location


def test_glue_create_table_with_open_table_format_input_makes_an_iceberg_table(iceberg, glue, ns, tmp_path):
    location = (tmp_path / "events").as_uri()
    glue.create_table(DatabaseName=ns, OpenTableFormatInput={"IcebergInput": {"MetadataOperation": "CREATE",
                                                                              "Version": "2"}},
                      TableInput={"Name": "Events", "StorageDescriptor": {"Location": location, "Columns": [
                          {"Name": "id", "Type": "bigint"}, {"Name": "amount", "Type": "decimal(10,2)"},
                          {"Name": "tags", "Type": "array<string>"}]},
                          "PartitionKeys": [{"Name": "day", "Type": "date"}],
                          "Parameters": {"write.parquet.compression-codec": "zstd"}})
    glued = glue.get_table(DatabaseName=ns, Name="events")["Table"]
    assert glued["Parameters"]["table_type"] == "ICEBERG"
    assert glued["StorageDescriptor"]["Location"] == location
    assert local(glued["Parameters"]["metadata_location"]).is_file()

    table = iceberg.load_table(f"{ns}.events")
    assert [f.name for f in table.schema().fields] == ["id", "amount", "tags", "day"]
    assert str(table.schema().find_field("amount").field_type) == "decimal(10, 2)"
    assert [f.name for f in table.spec().fields] == ["day"]
    assert table.properties["write.parquet.compression-codec"] == "zstd"
    assert table.format_version == 2

    message = expect_error("InvalidInputException", glue.create_table, DatabaseName=ns,
                           OpenTableFormatInput={"IcebergInput": {"MetadataOperation": "CREATE"}},
                           TableInput={"Name": "bad", "StorageDescriptor": {"Columns": [
                               {"Name": "x", "Type": "nonsense<"}]}})
    assert message == "column x: type 'nonsense<' is not a Hive type Weir reads"
    expect_error("AlreadyExistsException", glue.create_table, DatabaseName=ns,
                 OpenTableFormatInput={"IcebergInput": {"MetadataOperation": "CREATE"}},
                 TableInput={"Name": "events", "StorageDescriptor": {"Columns": [{"Name": "x", "Type": "int"}]}})


def change(op: str, before: dict | None, after: dict | None, lsn: int, wrapped: bool = False) -> str:
    """One Debezium change event as its JSON converter writes it (PostgreSQL: `source.lsn`)."""
    event = {"op": op, "before": before, "after": after, "ts_ms": 1_700_000_000_000 + lsn,
             "source": {"connector": "postgresql", "db": "shop", "table": "orders", "lsn": lsn}}
    return json.dumps({"schema": {}, "payload": event} if wrapped else event)


def row(i: int, name: str, region: str = "eu") -> dict:
    return {"id": i, "name": name, "region": region}


def write_first_changes(folder: Path) -> None:
    """Change events on ORDERS (ids 1 ann, 2 bob, 3 cy), out of order in the file (the highest
    LSN of a key wins, whatever the line order): ann updated twice, bob deleted, dee created,
    eve created and deleted."""
    (folder / "0001.json").write_text("\n".join([
        change("u", row(1, "ann"), row(1, "ann-2"), lsn=20),
        change("u", row(1, "ann"), row(1, "ann-1"), lsn=10),
        change("d", row(2, "bob", "us"), None, lsn=11),
        change("c", None, row(4, "dee", "us"), lsn=12),
        change("c", None, row(5, "eve"), lsn=13),
        change("d", row(5, "eve"), None, lsn=14),
    ]) + "\n")


def test_cdc_change_events_and_upserts_merge_into_an_iceberg_table(iceberg, glue, ns, tmp_path):
    """The seeds' MySQL → Kafka → S3 → table pipeline, minus Kafka: Debezium change files read
    with job bookmarks, each run's events applied in one commit; and an upsert of plain rows."""
    table = iceberg.create_table(f"{ns}.orders", schema=ORDERS.schema)
    table.append(ORDERS)   # ids 1 ann, 2 bob, 3 cy
    changes = tmp_path / "changes"
    changes.mkdir()
    write_first_changes(changes)
    name = unique("cdc")
    glue.create_job(Name=name, Role="admin", Command={"Name": "glueetl"}, CodeGenConfigurationNodes={
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(changes)]}},
        "out": {"S3IcebergCatalogTarget": {"Name": "out", "Inputs": ["src"], "Database": ns, "Table": "orders",
                                           "AdditionalOptions": {"writeMode": "cdc", "upsertKeys": "id"}}}},
                    DefaultArguments={"--job-bookmark-option": "job-bookmark-enable"})
    run = wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=120)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    table = iceberg.load_table(f"{ns}.orders")
    assert rows(table) == [row(1, "ann-2"), row(3, "cy"), row(4, "dee", "us")]
    assert table.current_snapshot().summary.operation.value == "overwrite"

    # The next file (with the schema/payload wrapper): only its events apply.
    (changes / "0002.json").write_text("\n".join([
        change("r", None, row(6, "fay"), lsn=30, wrapped=True),
        change("u", row(3, "cy"), row(3, "cy-2", "us"), lsn=31, wrapped=True),
    ]) + "\n")
    run = wait_run(glue, name, glue.start_job_run(JobName=name)["JobRunId"], timeout=120)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert rows(iceberg.load_table(f"{ns}.orders")) == [
        row(1, "ann-2"), row(3, "cy-2", "us"), row(4, "dee", "us"), row(6, "fay")]

    # Upserts of plain rows: matched keys updated, others inserted.
    updates = tmp_path / "updates"
    updates.mkdir()
    (updates / "u.json").write_text(json.dumps(row(4, "dee-2", "us")) + "\n" + json.dumps(row(7, "gus")) + "\n")
    run = run_job(glue, {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(updates)]}},
        "out": {"S3IcebergCatalogTarget": {"Name": "out", "Inputs": ["src"], "Database": ns, "Table": "orders",
                                           "AdditionalOptions": {"writeMode": "upsert", "upsertKeys": "id"}}}})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert rows(iceberg.load_table(f"{ns}.orders")) == [
        row(1, "ann-2"), row(3, "cy-2", "us"), row(4, "dee-2", "us"), row(6, "fay"), row(7, "gus")]

    run = run_job(glue, {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(updates)]}},
        "out": {"S3IcebergCatalogTarget": {"Name": "out", "Inputs": ["src"], "Database": ns, "Table": "orders",
                                           "AdditionalOptions": {"writeMode": "upsert"}}}})
    assert run["JobRunState"] == "FAILED"
    assert "AdditionalOptions.upsertKeys must name the key columns of the table" in run["ErrorMessage"]


def test_a_crawler_registers_iceberg_tables_found_under_its_iceberg_targets(iceberg, glue, ns, tmp_path):
    """Tables another catalog wrote (PyIceberg's SQL catalog), found by a crawler's
    IcebergTargets and registered at their newest metadata file; Weir's jobs and PyIceberg
    through Weir then read them."""
    from pyiceberg.catalog.sql import SqlCatalog
    from test_crawler_runs import wait_ready

    lake = tmp_path / "lake"
    lake.mkdir()
    other = SqlCatalog("other", uri=f"sqlite:///{tmp_path}/other.db", warehouse=f"file://{lake}")
    other.create_namespace("sales")
    for name in ("orders", "refunds"):
        table = other.create_table(f"sales.{name}", schema=ORDERS.schema, location=f"file://{lake}/sales/{name}")
        table.append(ORDERS)
        table.append(ORDERS.slice(0, 1))   # a second metadata file: the newest must be taken
    (lake / "sales" / "notes.txt").write_text("not a table")

    crawler = unique("icecrawler")
    glue.create_crawler(Name=crawler, Role="admin", DatabaseName=ns, TablePrefix="lake_",
                        Targets={"IcebergTargets": [{"Paths": [f"file://{lake}"], "MaximumTraversalDepth": 3}]})
    glue.start_crawler(Name=crawler)
    assert wait_ready(glue, crawler)["LastCrawl"]["Status"] == "SUCCEEDED"

    names = sorted(t["Name"] for t in glue.get_tables(DatabaseName=ns)["TableList"])
    assert names == ["lake_orders", "lake_refunds"]
    glued = glue.get_table(DatabaseName=ns, Name="lake_orders")["Table"]
    assert glued["Parameters"]["table_type"] == "ICEBERG"
    assert glued["Parameters"]["metadata_location"] == other.load_table("sales.orders").metadata_location
    assert glued["Parameters"]["UPDATED_BY_CRAWLER"] == crawler
    assert len(rows(iceberg.load_table(f"{ns}.lake_orders"))) == 4

    out = tmp_path / "out"
    run = run_job(glue, {
        "src": {"CatalogSource": {"Name": "src", "Database": ns, "Table": "lake_refunds"}},
        "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "json",
                                   "Compression": "none"}}})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert sum(len(f.read_text().splitlines()) for f in out.glob("*.json")) == 4
