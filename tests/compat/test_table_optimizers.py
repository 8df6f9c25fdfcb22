"""Table optimizers through the AWS CLI, as the seed post runs them: `create-table-optimizer`
for snapshot retention and orphan file deletion (and compaction), `get-table-optimizer`,
`list-table-optimizer-runs`, on an Iceberg table with a history of small appends and CDC
updates. After the optimizers ran: only the retained snapshots; files of expired snapshots and
orphan files older than the period gone, younger ones and every referenced file still there;
query results unchanged throughout. Runs start within the server's first-run delay of being
enabled (one second here) and are runs of the job service."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow as pa
import pytest
from freezegun import freeze_time
from pyiceberg.catalog.sql import SqlCatalog

from conftest import expect_error
from test_iceberg import ORDERS, local, rest_catalog, rows
from weir_harness import AwsCli, CliError, unique

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/admin"
DAY = 86_400


@pytest.fixture(scope="module")
def server(backend, tmp_path_factory):
    """A server whose optimizers run one second after being enabled."""
    data_dir, metastore = backend.new_store()
    server = backend.server(data_dir, metastore, env={
        "WEIR__OPTIMIZERS__FIRST_RUN_SECONDS": "1", "WEIR__OPTIMIZERS__POLL_SECONDS": "1",
        "WEIR__OPTIMIZERS__COMPACTION_CHECK_SECONDS": "1"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cli(server):
    return AwsCli(server.url)


def make_aged(server, tmp_path: Path, ns: str, name: str, days_ago: int, appends: int):
    """A table whose first `appends` snapshots were committed `days_ago` days ago (written by
    PyIceberg's SQL catalog then, its files dated then), registered in Weir through the REST
    catalog — a table with a history, as one migrated to Weir has."""
    warehouse = tmp_path / f"old-{name}"
    warehouse.mkdir()
    then = time.time() - days_ago * DAY
    with freeze_time(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(then))):
        old = SqlCatalog("old", uri=f"sqlite:///{warehouse}/catalog.db", warehouse=f"file://{warehouse}")
        old.create_namespace("db")
        table = old.create_table("db.t", schema=ORDERS.schema, location=f"file://{warehouse}/t")
        for i in range(appends):
            table.append(ORDERS.slice(i % 3, 1))
        location = old.load_table("db.t").metadata_location
    for path in warehouse.rglob("*"):
        os.utime(path, (then, then))
    return rest_catalog(server).register_table(f"{ns}.{name}", location)


def wait_runs(cli, ns: str, table: str, kind: str, count: int = 1, timeout: float = 60) -> list[dict]:
    """Waits until the optimizer has `count` ended runs; returns its runs, newest first."""
    deadline = time.monotonic() + timeout
    while True:
        runs = cli("list-table-optimizer-runs", catalog_id=ACCOUNT, database_name=ns, table_name=table,
                   type=kind)["TableOptimizerRuns"]
        ended = [r for r in runs if r["eventType"] in ("completed", "failed")]
        if len(ended) >= count:
            return runs
        assert time.monotonic() < deadline, f"{kind} of {ns}.{table}: runs {runs}"
        time.sleep(0.2)


def test_the_seed_posts_retention_and_orphan_file_deletion(server, cli, tmp_path):
    iceberg = rest_catalog(server)
    ns = unique("opt")
    iceberg.create_namespace(ns)
    # Three days of small appends, then today's appends and a CDC update (a copy-on-write
    # overwrite of one row).
    make_aged(server, tmp_path, ns, "customer", days_ago=3, appends=6)
    table = iceberg.load_table(f"{ns}.customer")
    table.append(ORDERS.slice(0, 1))
    table.append(ORDERS.slice(1, 1))
    table = iceberg.load_table(f"{ns}.customer")
    table.overwrite(pa.table({"id": pa.array([2], pa.int64()), "name": ["bob2"], "region": ["us"]}),
                    overwrite_filter="id == 2")
    table = iceberg.load_table(f"{ns}.customer")
    before = rows(table)
    snapshots_before = {s.snapshot_id for s in table.snapshots()}
    old_snapshots = {s.snapshot_id for s in table.snapshots() if s.timestamp_ms < (time.time() - DAY) * 1000}
    assert len(old_snapshots) == 6

    # Orphans: an old one and a young one beside the data files; and an old referenced file.
    data = local(table.location()) / "data"
    data.mkdir(exist_ok=True)
    old_orphan, young_orphan = data / "old-orphan.parquet", data / "young-orphan.parquet"
    old_orphan.write_bytes(b"x")
    young_orphan.write_bytes(b"y")
    two_days_ago = time.time() - 2 * DAY
    os.utime(old_orphan, (two_days_ago, two_days_ago))
    referenced = {local(t.file.file_path) for t in table.scan().plan_files()}

    cli("create-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="customer", type="retention",
        table_optimizer_configuration={"roleArn": ROLE, "enabled": True, "retentionConfiguration": {
            "icebergConfiguration": {"snapshotRetentionPeriodInDays": 1, "numberOfSnapshotsToRetain": 1,
                                     "cleanExpiredFiles": True}}})
    runs = wait_runs(cli, ns, "customer", "retention")
    run = runs[0]
    assert run["eventType"] == "completed", run
    metrics = run["retentionMetrics"]["IcebergMetrics"]
    assert metrics["NumberOfManifestListsDeleted"] == 6 and metrics["NumberOfDpus"] == 1, metrics

    table = iceberg.load_table(f"{ns}.customer")
    assert {s.snapshot_id for s in table.snapshots()} == snapshots_before - old_snapshots
    assert rows(table) == before

    got = cli("get-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="customer", type="retention")
    assert got["TableOptimizer"]["type"] == "retention"
    assert got["TableOptimizer"]["configuration"]["retentionConfiguration"]["icebergConfiguration"][
        "numberOfSnapshotsToRetain"] == 1
    assert got["TableOptimizer"]["lastRun"]["eventType"] == "completed"

    cli("create-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="customer",
        type="orphan_file_deletion", table_optimizer_configuration={
            "roleArn": ROLE, "enabled": True,
            "orphanFileDeletionConfiguration": {"icebergConfiguration": {"orphanFileRetentionPeriodInDays": 1}}})
    run = wait_runs(cli, ns, "customer", "orphan_file_deletion")[0]
    assert run["eventType"] == "completed", run
    assert run["orphanFileDeletionMetrics"]["IcebergMetrics"]["NumberOfOrphanFilesDeleted"] >= 1
    assert not old_orphan.exists() and young_orphan.exists()
    assert all(f.exists() for f in referenced)
    assert rows(iceberg.load_table(f"{ns}.customer")) == before

    got = cli("batch-get-table-optimizer", entries=[
        {"catalogId": ACCOUNT, "databaseName": ns, "tableName": "customer", "type": "retention"},
        {"catalogId": ACCOUNT, "databaseName": ns, "tableName": "customer", "type": "compaction"}])
    assert [o["tableOptimizer"]["type"] for o in got["TableOptimizers"]] == ["retention"]
    assert got["Failures"][0]["error"]["ErrorCode"] == "EntityNotFoundException"

    # Disabled, it runs no more; deleted, it is gone with its runs.
    cli("update-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="customer", type="retention",
        table_optimizer_configuration={"roleArn": ROLE, "enabled": False})
    cli("delete-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="customer",
        type="orphan_file_deletion")
    with pytest.raises(CliError) as error:
        cli("get-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="customer",
            type="orphan_file_deletion")
    assert error.value.code == "EntityNotFoundException"
    assert f"Table optimizer of type orphan_file_deletion not found for table {ns}.customer" in error.value.message


def test_optimizer_errors(server, cli):
    glue = server.client()
    ns = unique("opt")
    glue.create_database(DatabaseInput={"Name": ns})
    glue.create_table(DatabaseName=ns, TableInput={"Name": "plain", "StorageDescriptor": {"Columns": []}})
    config = {"roleArn": ROLE, "enabled": True}
    message = expect_error("InvalidInputException", glue.create_table_optimizer, CatalogId=ACCOUNT, DatabaseName=ns,
                           TableName="plain", Type="retention", TableOptimizerConfiguration=config)
    assert "is neither an Iceberg nor a Delta table" in message
    expect_error("EntityNotFoundException", glue.create_table_optimizer, CatalogId=ACCOUNT, DatabaseName=ns,
                 TableName="missing", Type="retention", TableOptimizerConfiguration=config)
    rest_catalog(server).create_table(f"{ns}.t", schema=ORDERS.schema)
    message = expect_error("InvalidInputException", glue.create_table_optimizer, CatalogId=ACCOUNT, DatabaseName=ns,
                           TableName="t", Type="orphan_file_deletion", TableOptimizerConfiguration={
                               **config, "orphanFileDeletionConfiguration": {
                                   "icebergConfiguration": {"orphanFileRetentionPeriodInDays": 0}}})
    assert message == "orphanFileRetentionPeriodInDays must be a whole number of at least 1, got 0"
    glue.create_table_optimizer(CatalogId=ACCOUNT, DatabaseName=ns, TableName="t", Type="retention",
                                TableOptimizerConfiguration={"roleArn": ROLE, "enabled": False})
    expect_error("AlreadyExistsException", glue.create_table_optimizer, CatalogId=ACCOUNT, DatabaseName=ns,
                 TableName="t", Type="retention", TableOptimizerConfiguration=config)
    expect_error("EntityNotFoundException", glue.get_table_optimizer, CatalogId="999999999999", DatabaseName=ns,
                 TableName="t", Type="retention")
    expect_error("EntityNotFoundException", glue.update_table_optimizer, CatalogId=ACCOUNT, DatabaseName=ns,
                 TableName="t", Type="compaction", TableOptimizerConfiguration=config)
    # A disabled optimizer never runs.
    time.sleep(2)
    assert glue.list_table_optimizer_runs(CatalogId=ACCOUNT, DatabaseName=ns, TableName="t",
                                          Type="retention")["TableOptimizerRuns"] == []
    got = glue.get_table_optimizer(CatalogId=ACCOUNT, DatabaseName=ns, TableName="t", Type="retention")
    assert got["TableOptimizer"] == {"type": "retention", "configuration": {"roleArn": ROLE, "enabled": False},
                                     "configurationSource": "table"}


def test_compaction_optimizer_rewrites_small_files_once_there_are_enough(server, cli):
    iceberg = rest_catalog(server)
    ns = unique("opt")
    iceberg.create_namespace(ns)
    table = iceberg.create_table(f"{ns}.events", schema=ORDERS.schema)
    # A streaming-like loop of small appends: one file each.
    for i in range(8):
        table.append(pa.table({"id": pa.array([i], pa.int64()), "name": [f"n{i}"], "region": ["eu"]}))
    table = iceberg.load_table(f"{ns}.events")
    before = rows(table)
    files_before = {t.file.file_path for t in table.scan().plan_files()}
    assert len(files_before) == 8

    cli("create-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="events", type="compaction",
        table_optimizer_configuration={"roleArn": ROLE, "enabled": True, "compactionConfiguration": {
            "icebergConfiguration": {"strategy": "binpack", "minInputFiles": 5}}})
    run = wait_runs(cli, ns, "events", "compaction")[0]
    assert run["eventType"] == "completed", run
    assert run["compactionStrategy"] == "binpack"
    metrics = run["compactionMetrics"]["IcebergMetrics"]
    assert metrics["NumberOfFilesCompacted"] == 8 and metrics["NumberOfBytesCompacted"] > 0, metrics
    assert run["metrics"]["NumberOfFilesCompacted"] == "8"

    table = iceberg.load_table(f"{ns}.events")
    assert len(list(table.scan().plan_files())) == 1
    assert table.current_snapshot().summary.operation.value == "replace"
    assert rows(table) == before
    # The old files stay for time travel until retention expires their snapshots.
    assert all(local(f).exists() for f in files_before)

    # No more small files: the optimizer checks again and starts no run.
    time.sleep(3)
    runs = cli("list-table-optimizer-runs", catalog_id=ACCOUNT, database_name=ns, table_name="events",
               type="compaction")["TableOptimizerRuns"]
    assert len(runs) == 1


def test_compaction_sorts_by_the_tables_sort_order_with_the_sort_strategy(server, cli):
    from pyiceberg.schema import Schema
    from pyiceberg.table.sorting import SortField, SortOrder
    from pyiceberg.transforms import IdentityTransform
    from pyiceberg.types import LongType, NestedField, StringType

    iceberg = rest_catalog(server)
    ns = unique("opt")
    iceberg.create_namespace(ns)
    schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "name", StringType(), required=False),
                    NestedField(3, "region", StringType(), required=False))
    table = iceberg.create_table(f"{ns}.sorted", schema=schema,
                                 sort_order=SortOrder(SortField(source_id=1, transform=IdentityTransform())))
    plain = iceberg.create_table(f"{ns}.plain", schema=schema)
    # Small appends whose ids interleave: no file is in order with the others.
    for i in range(6):
        batch = pa.table({"id": pa.array([j * 6 + i for j in range(10)], pa.int64()),
                          "name": [f"n{j}" for j in range(10)], "region": ["eu"] * 10})
        table.append(batch)
        plain.append(batch)
    before = rows(iceberg.load_table(f"{ns}.sorted"))

    for name in ("sorted", "plain"):
        cli("create-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name=name, type="compaction",
            table_optimizer_configuration={"roleArn": ROLE, "enabled": True, "compactionConfiguration": {
                "icebergConfiguration": {"strategy": "sort", "minInputFiles": 5}}})
    run = wait_runs(cli, ns, "sorted", "compaction")[0]
    assert run["eventType"] == "completed", run
    assert run["compactionStrategy"] == "sort"
    assert "Strategy" not in run["compactionMetrics"]["IcebergMetrics"]
    table = iceberg.load_table(f"{ns}.sorted")
    assert len(list(table.scan().plan_files())) == 1
    assert table.scan(selected_fields=("id",)).to_arrow()["id"].to_pylist() == list(range(60))
    assert rows(table) == before

    # The newest ended run (the optimizer keeps checking, and may have queued another).
    run = next(r for r in wait_runs(cli, ns, "plain", "compaction") if r["eventType"] in ("completed", "failed"))
    assert run["eventType"] == "failed", run
    assert "the sort strategy orders rows by the table's sort order, and the table has none" in run["error"]


def test_optimizers_keep_a_delta_table_healthy(server, cli, tmp_path):
    """A Delta table the `deltalake` package wrote in small appends, registered in the catalog:
    compaction bin-packs its files (delta-rs optimize), orphan file deletion removes an old file
    no version names and keeps a young one, retention expires old versions; rows unchanged."""
    from deltalake import DeltaTable, write_deltalake

    glue = server.client()
    ns = unique("opt")
    glue.create_database(DatabaseInput={"Name": ns})
    path = tmp_path / "events"
    for i in range(8):
        write_deltalake(str(path), pa.table({"id": pa.array([i], pa.int64()), "name": [f"n{i}"]}), mode="append")
    glue.create_table(DatabaseName=ns, TableInput={
        "Name": "events", "Parameters": {"table_type": "DELTA"},
        "StorageDescriptor": {"Location": str(path), "Columns": [{"Name": "id", "Type": "bigint"},
                                                                   {"Name": "name", "Type": "string"}]}})
    before = sorted(DeltaTable(str(path)).to_pyarrow_table().to_pylist(), key=lambda r: r["id"])
    assert len(DeltaTable(str(path)).file_uris()) == 8

    cli("create-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="events", type="compaction",
        table_optimizer_configuration={"roleArn": ROLE, "enabled": True, "compactionConfiguration": {
            "icebergConfiguration": {"strategy": "binpack", "minInputFiles": 5}}})
    run = wait_runs(cli, ns, "events", "compaction")[0]
    assert run["eventType"] == "completed", run
    assert run["compactionMetrics"]["IcebergMetrics"]["NumberOfFilesCompacted"] == 8, run
    table = DeltaTable(str(path))
    assert len(table.file_uris()) == 1
    assert table.history(1)[0]["operation"] == "OPTIMIZE"
    assert sorted(table.to_pyarrow_table().to_pylist(), key=lambda r: r["id"]) == before

    # An old file no version names goes; a young one stays, as do the table's files.
    old, young = path / "part-old-orphan.parquet", path / "part-young-orphan.parquet"
    old.write_bytes(b"orphan")
    young.write_bytes(b"orphan")
    os.utime(old, (time.time() - 10 * DAY, time.time() - 10 * DAY))
    cli("create-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="events",
        type="orphan_file_deletion", table_optimizer_configuration={
            "roleArn": ROLE, "enabled": True, "orphanFileDeletionConfiguration": {
                "icebergConfiguration": {"orphanFileRetentionPeriodInDays": 3}}})
    run = wait_runs(cli, ns, "events", "orphan_file_deletion")[0]
    assert run["eventType"] == "completed", run
    assert run["orphanFileDeletionMetrics"]["IcebergMetrics"]["NumberOfOrphanFilesDeleted"] == 1, run
    assert not old.exists() and young.exists()
    assert all(Path(f.removeprefix("file://")).exists() for f in DeltaTable(str(path)).file_uris())

    cli("create-table-optimizer", catalog_id=ACCOUNT, database_name=ns, table_name="events", type="retention",
        table_optimizer_configuration={"roleArn": ROLE, "enabled": True})
    run = wait_runs(cli, ns, "events", "retention")[0]
    assert run["eventType"] == "completed", run
    table = DeltaTable(str(path))
    assert sorted(table.to_pyarrow_table().to_pylist(), key=lambda r: r["id"]) == before


def test_optimizer_api_through_boto3(server):
    glue = server.client()
    ns = unique("opt")
    rest_catalog(server).create_namespace(ns)
    rest_catalog(server).create_table(f"{ns}.t", schema=ORDERS.schema)
    off = {"roleArn": ROLE, "enabled": False}
    glue.create_table_optimizer(CatalogId=ACCOUNT, DatabaseName=ns, TableName="t", Type="orphan_file_deletion",
                                TableOptimizerConfiguration=off)
    updated = {**off, "orphanFileDeletionConfiguration": {"icebergConfiguration": {
        "orphanFileRetentionPeriodInDays": 7, "location": "file:///elsewhere"}}}
    glue.update_table_optimizer(CatalogId=ACCOUNT, DatabaseName=ns, TableName="t", Type="orphan_file_deletion",
                                TableOptimizerConfiguration=updated)
    got = glue.batch_get_table_optimizer(Entries=[
        {"catalogId": ACCOUNT, "databaseName": ns, "tableName": "t", "type": "orphan_file_deletion"},
        {"catalogId": ACCOUNT, "databaseName": ns, "tableName": "nope", "type": "retention"}])
    assert [o["tableOptimizer"]["configuration"] for o in got["TableOptimizers"]] == [updated]
    assert [(f["tableName"], f["error"]["ErrorCode"]) for f in got["Failures"]] == [("nope", "EntityNotFoundException")]
    glue.delete_table_optimizer(CatalogId=ACCOUNT, DatabaseName=ns, TableName="t", Type="orphan_file_deletion")
    expect_error("EntityNotFoundException", glue.delete_table_optimizer, CatalogId=ACCOUNT, DatabaseName=ns,
                 TableName="t", Type="orphan_file_deletion")
    expect_error("EntityNotFoundException", glue.list_table_optimizer_runs, CatalogId=ACCOUNT, DatabaseName=ns,
                 TableName="t", Type="orphan_file_deletion")


def test_a_tables_optimizers_go_with_the_table(server):
    glue = server.client()
    iceberg = rest_catalog(server)
    ns = unique("opt")
    iceberg.create_namespace(ns)
    for table in ("a", "b"):
        iceberg.create_table(f"{ns}.{table}", schema=ORDERS.schema)
        glue.create_table_optimizer(CatalogId=ACCOUNT, DatabaseName=ns, TableName=table, Type="retention",
                                    TableOptimizerConfiguration={"roleArn": ROLE, "enabled": False})
    glue.delete_table(DatabaseName=ns, Name="a")
    expect_error("EntityNotFoundException", glue.get_table_optimizer, CatalogId=ACCOUNT, DatabaseName=ns,
                 TableName="a", Type="retention")
    assert glue.get_table_optimizer(CatalogId=ACCOUNT, DatabaseName=ns, TableName="b",
                                    Type="retention")["TableOptimizer"]["type"] == "retention"
    glue.delete_database(Name=ns)
    # A table of the same name later starts without optimizers.
    iceberg.create_namespace(ns)
    iceberg.create_table(f"{ns}.b", schema=ORDERS.schema)
    expect_error("EntityNotFoundException", glue.get_table_optimizer, CatalogId=ACCOUNT, DatabaseName=ns,
                 TableName="b", Type="retention")
