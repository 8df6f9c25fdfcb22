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
        staged = [p for d in tmp_path.glob("out.weir-staging-*") for p in d.rglob("*") if p.is_file() and p.stat().st_size > 0]
        if staged:
            break
        time.sleep(0.01)
    assert staged and proc.poll() is None, "the run must be caught while it writes its staging files"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert sorted(p.name for p in target.iterdir()) == ["existing.csv"], "the target path is untouched"
    assert (target / "existing.csv").read_text() == "kept\n"
