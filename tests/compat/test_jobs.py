"""`weir job run` end to end, outside any catalog server: a visual job that reads and writes S3
through a real S3-compatible server (moto), and a run killed mid-write, which must leave its
target exactly as it was."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from weir_harness import weir_bin


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """A moto S3 server on loopback for this module."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")
    moto = Path(sys.executable).parent / "moto_server"
    proc = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"moto_server did not start (see {log.name})")
            time.sleep(0.1)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def run_job(job: dict, tmp: Path, config: str = "", wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    job_file = tmp / "job.json"
    job_file.write_text(json.dumps(job))
    config_file = tmp / "weir.toml"
    config_file.write_text(config)
    cmd = [str(weir_bin()), "job", "run", str(job_file), "--config", str(config_file), "--data-dir", str(tmp / "state")]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_a_job_reads_and_writes_s3_through_an_s3_compatible_server(s3_endpoint, tmp_path):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="lake")
    s3.put_object(Bucket="lake", Key="raw/orders/part-0", Body=b"1|10|19.99\n2|11|5.00\n3|10|7.50\n")
    s3.put_object(Bucket="lake", Key="raw/customers/customers.psv", Body=b"10|Ada\n11|Grace\n")
    csv = {"Separator": "pipe", "QuoteChar": "quote", "WithHeader": False}
    job = {"Job": {"Name": "s3-job", "Role": "weir", "Command": {"Name": "glueetl"}, "CodeGenConfigurationNodes": {
        "o": {"S3CsvSource": {"Name": "Orders", "Paths": ["s3://lake/raw/orders/"], **csv}},
        "c": {"S3CsvSource": {"Name": "Customers", "Paths": ["s3://lake/raw/customers/"], **csv}},
        "mo": {"ApplyMapping": {"Name": "Orders schema", "Inputs": ["o"], "Mapping": [
            {"ToKey": "order_id", "FromPath": ["col0"], "FromType": "string", "ToType": "bigint"},
            {"ToKey": "customer", "FromPath": ["col1"], "FromType": "string", "ToType": "int"},
            {"ToKey": "amount", "FromPath": ["col2"], "FromType": "string", "ToType": "double"}]}},
        "mc": {"ApplyMapping": {"Name": "Customers schema", "Inputs": ["c"], "Mapping": [
            {"ToKey": "id", "FromPath": ["col0"], "FromType": "string", "ToType": "int"},
            {"ToKey": "name", "FromPath": ["col1"], "FromType": "string", "ToType": "string"}]}},
        "j": {"Join": {"Name": "Join", "Inputs": ["mo", "mc"], "JoinType": "equijoin",
                       "Columns": [{"From": "mo", "Keys": [["customer"]]}, {"From": "mc", "Keys": [["id"]]}]}},
        "t": {"S3DirectTarget": {"Name": "Curated", "Inputs": ["j"], "Path": "s3://lake/curated/orders/", "Format": "json",
                                 "Compression": "gzip"}},
    }}}
    config = f'[engine.s3]\nendpoint = "{s3_endpoint}"\nregion = "us-east-1"\naccess_key_id = "testing"\nsecret_access_key = "testing"\n'
    done = run_job(job, tmp_path, config)
    assert done.returncode == 0, done.stderr
    assert "3 rows written" in done.stderr and "succeeded" in done.stderr
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake").get("Contents", [])]
    out = [k for k in keys if k.startswith("curated/orders/")]
    assert out and all(k.endswith(".json.gz") or k.endswith(".gz") or k.endswith(".json") for k in out), out
    assert not [k for k in keys if "weir-staging" in k], keys
    import gzip
    rows = []
    for k in out:
        body = s3.get_object(Bucket="lake", Key=k)["Body"].read()
        rows += [json.loads(line) for line in gzip.decompress(body).decode().splitlines() if line]
    assert sorted((r["order_id"], r["name"], r["amount"]) for r in rows) == [(1, "Ada", 19.99), (2, "Grace", 5.0), (3, "Ada", 7.5)]


def written(path) -> bool:
    """Whether a file has bytes; a staging file renamed away meanwhile (its temporary name) has none."""
    try:
        return path.is_file() and path.stat().st_size > 0
    except FileNotFoundError:
        return False


def test_a_run_killed_mid_write_leaves_the_target_as_it_was(tmp_path):
    source = tmp_path / "big.csv"
    with open(source, "w") as f:
        f.write("id,value,text\n")
        for i in range(1_500_000):
            f.write(f"{i},{i * 7 % 1000},row-{i}-lorem-ipsum-dolor\n")
    target = tmp_path / "out"
    target.mkdir()
    (target / "existing.csv").write_text("kept\n")
    job = {"CodeGenConfigurationNodes": {
        "src": {"S3CsvSource": {"Name": "Big", "Paths": [str(source)], "Separator": "comma", "QuoteChar": "quote", "WithHeader": True}},
        "out": {"S3DirectTarget": {"Name": "Out", "Inputs": ["src"], "Path": str(target), "Format": "csv", "Compression": "gzip"}},
    }}
    proc = run_job(job, tmp_path, wait=False)
    deadline = time.monotonic() + 120
    staged = []
    while time.monotonic() < deadline and proc.poll() is None:
        staged = [p for d in tmp_path.glob("out.weir-staging-*") for p in d.rglob("*") if written(p)]
        if staged:
            break
        time.sleep(0.01)
    assert staged and proc.poll() is None, "the run must be caught while it writes its staging files"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert sorted(p.name for p in target.iterdir()) == ["existing.csv"], "the target path is untouched"
    assert (target / "existing.csv").read_text() == "kept\n"


LINEITEM_COLUMNS = [
    ("l_quantity", "decimal(15,2)"), ("l_extendedprice", "decimal(15,2)"), ("l_discount", "decimal(15,2)"),
    ("l_tax", "decimal(15,2)"), ("l_returnflag", "string"), ("l_linestatus", "string"), ("l_shipdate", "date"),
]

PRICING_SUMMARY = """
SELECT l_returnflag, l_linestatus,
       SUM(l_quantity) AS sum_qty, SUM(l_extendedprice) AS sum_base_price,
       SUM(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
       SUM(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
       AVG(l_quantity) AS avg_qty, AVG(l_extendedprice) AS avg_price, AVG(l_discount) AS avg_disc,
       COUNT(*) AS count_order
FROM lineitem
WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY
GROUP BY l_returnflag, l_linestatus
ORDER BY l_returnflag, l_linestatus
"""


def pricing_summary_job(lineitem: Path, out: Path) -> dict:
    """The Snowflake post's "Pricing Summary Report": TPC-H Q1 in a SparkSQL node, written as
    Parquet partitioned by return flag, creating and then updating a catalog table."""
    mapping = [{"ToKey": n, "FromPath": [f"col{i}"], "FromType": "string", "ToType": t} for i, (n, t) in enumerate(LINEITEM_COLUMNS)]
    return {"Name": "pricing-summary", "CodeGenConfigurationNodes": {
        "src": {"S3CsvSource": {"Name": "lineitem", "Paths": [str(lineitem)], "Separator": "pipe", "QuoteChar": "quote"}},
        "map": {"ApplyMapping": {"Name": "types", "Inputs": ["src"], "Mapping": mapping}},
        "q1": {"SparkSQL": {"Name": "Q1", "Inputs": ["map"], "SqlAliases": [{"From": "map", "Alias": "lineitem"}], "SqlQuery": PRICING_SUMMARY}},
        "out": {"S3GlueParquetTarget": {"Name": "report", "Inputs": ["q1"], "Path": str(out), "Compression": "snappy",
                                        "PartitionKeys": [["l_returnflag"]],
                                        "SchemaChangePolicy": {"EnableUpdateCatalog": True, "UpdateBehavior": "UPDATE_IN_DATABASE",
                                                               "Database": "reports", "Table": "pricing_summary"}}},
    }}


def test_pricing_summary_creates_the_catalog_table_then_adds_partitions(tmp_path):
    from weir_harness import WeirServer

    state = tmp_path / "state"
    out = tmp_path / "warehouse" / "pricing_summary"
    # The catalog database the job writes into, created through the API.
    server = WeirServer(backend="sqlite", data_dir=state, log_dir=tmp_path).start()
    server.client().create_database(DatabaseInput={"Name": "reports"})
    server.stop()

    first = tmp_path / "lineitem-1.tbl"
    first.write_text("17|21168.23|0.04|0.02|N|O|1996-03-13\n36|45983.16|0.09|0.06|N|O|1996-04-12\n8|13309.60|0.10|0.02|R|F|1994-02-02\n")
    done = run_job(pricing_summary_job(first, out), tmp_path)
    assert done.returncode == 0, done.stderr
    second = tmp_path / "lineitem-2.tbl"
    second.write_text("28|28955.64|0.09|0.06|A|F|1993-11-09\n24|22824.48|0.10|0.04|A|F|1994-10-31\n5|5000.00|0.00|0.00|N|O|1996-01-01\n")
    done = run_job(pricing_summary_job(second, out), tmp_path)
    assert done.returncode == 0, done.stderr

    server = WeirServer(backend="sqlite", data_dir=state, log_dir=tmp_path).start()
    try:
        glue = server.client()
        table = glue.get_table(DatabaseName="reports", Name="pricing_summary")["Table"]
        assert table["Parameters"]["classification"] == "parquet"
        assert table["PartitionKeys"] == [{"Name": "l_returnflag", "Type": "string"}]
        columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
        assert columns["l_linestatus"] == "string" and columns["count_order"] == "bigint"
        assert columns["sum_qty"].startswith("decimal(")
        assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
        assert table["VersionId"] == "0", "the second run kept the table (same schema: no new version)"
        partitions = glue.get_partitions(DatabaseName="reports", TableName="pricing_summary")["Partitions"]
        assert sorted(p["Values"][0] for p in partitions) == ["A", "N", "R"], "the second run added A"
        assert all(p["StorageDescriptor"]["Location"].endswith(f"l_returnflag={p['Values'][0]}/") for p in partitions)
    finally:
        server.stop()

    # A second job reads the table back through the catalog, pruned by a push-down predicate.
    back = tmp_path / "back"
    reader = {"CodeGenConfigurationNodes": {
        "src": {"S3CatalogSource": {"Name": "report", "Database": "reports", "Table": "pricing_summary",
                                    "PartitionPredicate": "l_returnflag == 'N'"}},
        "sel": {"SelectFields": {"Name": "pick", "Inputs": ["src"], "Paths": [["l_returnflag"], ["l_linestatus"], ["count_order"]]}},
        "out": {"S3DirectTarget": {"Name": "csv", "Inputs": ["sel"], "Path": str(back), "Format": "csv"}},
    }}
    done = run_job(reader, tmp_path)
    assert done.returncode == 0, done.stderr
    rows = sorted(line for f in back.iterdir() for line in f.read_text().splitlines()[1:])
    assert rows == ["N,O,1", "N,O,2"], rows


def test_the_metastore_is_opened_only_by_a_job_that_uses_the_catalog(tmp_path):
    """A job of paths only runs without ever opening the local metastore (here one nothing
    can open); a job that reads the catalog fails naming it (a catalog fault, not an invalid
    job) and leaves its target absent."""
    unusable = "sqlite:///proc/never/opened/metastore.db"
    source = tmp_path / "in" / "rows.json"
    source.parent.mkdir()
    source.write_text('{"id": 1}\n{"id": 2}\n')
    out = tmp_path / "out"
    paths_only = {"Name": "paths-only", "CodeGenConfigurationNodes": {
        "src": {"S3JsonSource": {"Name": "rows", "Paths": [str(source)]}},
        "out": {"S3DirectTarget": {"Name": "copy", "Inputs": ["src"], "Path": str(out), "Format": "json"}}}}
    done = run_job(paths_only, tmp_path, config=f'metastore = "{unusable}"\n')
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(line)["id"] for f in out.iterdir() for line in f.read_text().splitlines()) == [1, 2]

    catalog_out = tmp_path / "catalog-out"
    from_catalog = {"Name": "from-catalog", "CodeGenConfigurationNodes": {
        "src": {"CatalogSource": {"Name": "events", "Database": "db", "Table": "events"}},
        "out": {"S3DirectTarget": {"Name": "copy", "Inputs": ["src"], "Path": str(catalog_out), "Format": "json"}}}}
    done = run_job(from_catalog, tmp_path, config=f'metastore = "{unusable}"\n')
    assert done.returncode != 0
    assert f"connecting to the metastore {unusable}" in done.stderr, done.stderr
    # The catalog failing is a fault, not the job's mistake.
    assert "catalog (node src): catalog GetTable db.events: InternalServiceException" in done.stderr, done.stderr
    assert "invalid job" not in done.stderr, done.stderr
    assert not catalog_out.exists()
