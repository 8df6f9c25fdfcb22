"""Per-commit Iceberg table metrics (the metadata-monitoring post's `snapshot.added_records`,
`files.avg_file_size`, `partitions.skew_record_count`, …): every commit to an Iceberg table of
the catalog is measured from its metadata, exported on /metrics with an anomaly flag, and kept as
data quality statistics — so ListDataQualityStatistics shows the history and
GetDataQualityModelResult the anomaly detector's band around each commit."""

from __future__ import annotations

import re
import time

import pyarrow as pa
import pytest
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import LongType, NestedField, StringType

from test_iceberg import ORDERS, rest_catalog
from weir_harness import unique


@pytest.fixture(scope="module")
def server(backend):
    """A server that looks for commits every second."""
    data_dir, metastore = backend.new_store()
    server = backend.server(data_dir, metastore, env={"WEIR__TABLE_METRICS__POLL_SECONDS": "1"}).start()
    yield server
    server.stop()


def metrics_of(server, ns: str, table: str) -> tuple[dict, dict]:
    """The table's metrics and anomaly flags on /metrics."""
    status, _, body = server.http("GET", "/metrics")
    assert status == 200
    values, anomalies = {}, {}
    pattern = re.compile(r'^(weir_table_metric(?:_anomaly)?)\{database="([^"]*)",table="([^"]*)",metric="([^"]*)"\} (\S+)$')
    for line in body.decode().splitlines():
        m = pattern.match(line)
        if m and (m.group(2), m.group(3)) == (ns, table):
            (anomalies if m.group(1).endswith("anomaly") else values)[m.group(4)] = float(m.group(5))
    return values, anomalies


def wait_metrics(server, ns: str, table: str, added_records: float, timeout: float = 30) -> tuple[dict, dict]:
    deadline = time.monotonic() + timeout
    while True:
        values, anomalies = metrics_of(server, ns, table)
        if values.get("snapshot.added_records") == added_records:
            return values, anomalies
        assert time.monotonic() < deadline, f"no commit with {added_records} added records on /metrics: {values}"
        time.sleep(0.2)


def statistic_id(context: str, rule: str, metric: str) -> str:
    """Weir's statistic ids: FNV-1a (64 bits) of context, rule and metric."""
    h = 0xcbf29ce484222325
    for part in (context, rule, metric):
        for byte in part.encode() + b"\0":
            h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"stat-{h:016x}"


def rows(ids: range, region: str) -> pa.Table:
    return pa.table({"id": pa.array(list(ids), pa.int64()), "name": [f"n{i}" for i in ids],
                     "region": [region] * len(ids)})


def test_each_commit_is_measured_and_an_unusual_one_flagged(server):
    iceberg = rest_catalog(server)
    ns = unique("tm")
    iceberg.create_namespace(ns)
    spec = PartitionSpec(PartitionField(source_id=3, field_id=1000, transform=IdentityTransform(), name="region"))
    schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "name", StringType(), required=False),
                    NestedField(3, "region", StringType(), required=False))
    table = iceberg.create_table(f"{ns}.events", schema=schema, partition_spec=spec)
    # A steady loop of small appends: 30 rows a commit, ten per region.
    for i in range(6):
        table.append(pa.concat_tables([rows(range(i * 30 + j * 10, i * 30 + j * 10 + 10), region)
                                       for j, region in enumerate(["eu", "us", "apac"])]))
    values, anomalies = wait_metrics(server, ns, "events", 30)
    assert values["snapshot.added_data_files"] == 3
    assert values["snapshot.total_records"] == 180
    assert values["files.count"] == 18 and values["files.avg_record_count"] == 10
    assert values["partitions.count"] == 3 and values["partitions.skew_record_count"] == 0
    assert values["files.avg_file_size"] > 0
    assert anomalies["snapshot.added_records"] == 0

    # Then one commit of a thousand rows, all in one partition: an ingestion spike and skew.
    table.append(rows(range(1000, 2000), "eu"))
    values, anomalies = wait_metrics(server, ns, "events", 1000)
    assert values["partitions.skew_record_count"] > 0.5
    assert anomalies["snapshot.added_records"] == 1
    assert anomalies["files.count"] == 0 or values["files.count"] == 19

    # The history is data quality statistics: one point per commit, the newest first.
    glue = server.client()
    context = f"iceberg-metrics@{ns}.events"
    stat = statistic_id(context, "IcebergTableMetrics", "Dataset.*.Iceberg.snapshot.added_records")
    points = glue.list_data_quality_statistics(StatisticId=stat)["Statistics"]
    assert [p["DoubleValue"] for p in points] == [1000.0] + [30.0] * 6
    assert points[0]["StatisticName"] == "Iceberg.snapshot.added_records"
    assert points[0]["RunIdentifier"]["RunId"] == f"snapshot-{iceberg.load_table(f'{ns}.events').current_snapshot().snapshot_id}"
    # The anomaly detector's band around the spike, from the six commits before it.
    model = glue.get_data_quality_model_result(StatisticId=stat, ProfileId=points[0]["ProfileId"])["Model"]
    assert model[-1]["ActualValue"] == 1000.0
    assert model[-1]["UpperBound"] < 1000.0 and model[-1]["LowerBound"] <= 30.0


def test_commits_by_jobs_and_optimizers_are_measured_too(server, tmp_path):
    """Any writer's commit counts: here a visual job's append through the Glue catalog."""
    from test_iceberg import run_job
    iceberg = rest_catalog(server)
    ns = unique("tm")
    iceberg.create_namespace(ns)
    iceberg.create_table(f"{ns}.orders", schema=ORDERS.schema).append(ORDERS)
    source = tmp_path / "in"
    source.mkdir()
    (source / "more.json").write_text("\n".join(
        f'{{"id": {i}, "name": "n{i}", "region": "eu"}}' for i in range(10, 15)) + "\n")
    run = run_job(server.client(), {
        "src": {"S3JsonSource": {"Name": "src", "Paths": [str(source)]}},
        "out": {"S3IcebergCatalogTarget": {"Name": "out", "Inputs": ["src"], "Database": ns, "Table": "orders"}}})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    values, _ = wait_metrics(server, ns, "orders", 5)
    assert values["snapshot.total_records"] == 8
