"""Where a job's object storage settings come from: an S3 bucket's endpoint and keys from a catalog
connection the job lists (`Connections`), and Azure storage (`abfss://`) through Azurite, the
Azure Storage emulator, when it is installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from test_jobs import free_port, run_job, s3_endpoint  # noqa: F401 (s3_endpoint is a fixture)
from weir_harness import WeirServer


def copy_job(source: str, target: str, connections: list[str] | None = None) -> dict:
    job = {"Name": "copy", "CodeGenConfigurationNodes": {
        "src": {"S3CsvSource": {"Name": "In", "Paths": [source], "Separator": "comma", "QuoteChar": "quote", "WithHeader": True}},
        "out": {"S3DirectTarget": {"Name": "Out", "Inputs": ["src"], "Path": target, "Format": "json"}},
    }}
    if connections is not None:
        job["Connections"] = {"Connections": connections}
    return job


def with_connections(tmp_path: Path, *connections: dict) -> None:
    """Creates catalog connections in the data dir the job runs on."""
    server = WeirServer(backend="sqlite", data_dir=tmp_path / "state", log_dir=tmp_path).start()
    try:
        glue = server.client()
        for c in connections:
            glue.create_connection(ConnectionInput=c)
    finally:
        server.stop()


def test_a_bucket_is_reached_with_the_settings_of_the_jobs_connection(s3_endpoint, tmp_path):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="partner-drop")
    s3.put_object(Bucket="partner-drop", Key="in/orders.csv", Body=b"id,amount\n1,9.5\n2,3.25\n")
    with_connections(tmp_path, {
        "Name": "partner-s3", "ConnectionType": "NETWORK",
        "ConnectionProperties": {"CONNECTION_URL": "s3://partner-drop", "ENDPOINT": s3_endpoint,
                                 "REGION": "us-east-1", "USERNAME": "testing", "PASSWORD": "testing"}})
    # No [engine.s3] settings at all: without the connection the bucket would be looked for on AWS.
    job = copy_job("s3://partner-drop/in/", "s3://partner-drop/out/", connections=["partner-s3"])
    done = run_job(job, tmp_path)
    assert done.returncode == 0, done.stderr
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="partner-drop", Prefix="out/").get("Contents", [])]
    rows = [json.loads(line) for k in keys for line in s3.get_object(Bucket="partner-drop", Key=k)["Body"].read().decode().splitlines()]
    assert sorted((r["id"], r["amount"]) for r in rows) == [(1, 9.5), (2, 3.25)]


def test_a_connection_that_is_not_in_the_catalog_is_named(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id\n1\n")
    done = run_job(copy_job(str(source), str(tmp_path / "out"), connections=["nowhere"]), tmp_path)
    assert done.returncode != 0
    assert "Connections: connection 'nowhere': EntityNotFoundException" in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


def test_a_connection_url_without_a_bucket_is_refused(tmp_path):
    with_connections(tmp_path, {"Name": "no-bucket", "ConnectionType": "NETWORK",
                                "ConnectionProperties": {"CONNECTION_URL": "s3://", "ENDPOINT": "http://127.0.0.1:1"}})
    source = tmp_path / "in.csv"
    source.write_text("id\n1\n")
    done = run_job(copy_job(str(source), str(tmp_path / "out"), connections=["no-bucket"]), tmp_path)
    assert done.returncode != 0
    assert "connection 'no-bucket': CONNECTION_URL 's3://' names no bucket" in done.stderr, done.stderr


def azurite_executable() -> str | None:
    cached = Path(os.environ.get("HOME", "/root")) / ".cache/weir/azurite/node_modules/.bin/azurite-blob"
    return str(cached) if cached.exists() else shutil.which("azurite-blob")


@pytest.fixture(scope="module")
def azurite(tmp_path_factory):
    exe = azurite_executable()
    if exe is None:
        pytest.skip("Azurite is not installed (scripts/test.sh installs it with npm)")
    port = free_port()
    workdir = tmp_path_factory.mktemp("azurite")
    log = open(workdir / "azurite.log", "w")
    proc = subprocess.Popen([exe, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(workdir),
                             "--skipApiVersionCheck", "--loose"], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}/devstoreaccount1"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except urllib.error.HTTPError:
            break  # it answers (with an error for this bare request): it is up
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"Azurite did not start (see {log.name})")
            time.sleep(0.2)
            continue
        break
    from azure.storage.blob import BlobServiceClient

    BlobServiceClient.from_connection_string(
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE_KEY};BlobEndpoint={endpoint};"
    ).create_container("lake")
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def test_a_job_reads_and_writes_azure_storage(azurite, tmp_path):
    source = tmp_path / "orders.csv"
    source.write_text("id,amount\n1,9.5\n2,3.25\n3,1.0\n")
    config = f'[engine.azure]\naccount = "devstoreaccount1"\naccess_key = "{AZURITE_KEY}"\nendpoint = "{azurite}"\n'
    # Local file → ADLS path, then ADLS → local file: both directions through the emulator.
    lake = "abfss://lake@devstoreaccount1.dfs.core.windows.net/orders/"
    up = run_job(copy_job(str(source), lake), tmp_path, config)
    assert up.returncode == 0, up.stderr
    back = tmp_path / "back"
    down = run_job({"Name": "back", "CodeGenConfigurationNodes": {
        "src": {"S3JsonSource": {"Name": "In", "Paths": [lake]}},
        "out": {"S3DirectTarget": {"Name": "Out", "Inputs": ["src"], "Path": str(back), "Format": "csv"}},
    }}, tmp_path, config)
    assert down.returncode == 0, down.stderr
    lines = sorted(line for f in back.iterdir() for line in f.read_text().splitlines()[1:])
    assert lines == ["1,9.5", "2,3.25", "3,1.0"], lines
