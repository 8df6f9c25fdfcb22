"""Fixtures of the compatibility suite.

One `weir serve` per metastore backend and session; the session-scoped `glue` fixture is
parametrized over the backends (`sqlite`, `postgres`), so every test runs once against each.
Tests share the server and isolate themselves with unique names (see `db`, `unique`). The
servers require SigV4 signatures; the clients sign as the admin (see weir_harness).

Environment:
- WEIR_BIN: the weir binary (default ~/.cache/weir/target/debug/weir).
- WEIR_TEST_PG_URL: an admin URL of a PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres);
  the suite creates `weir_compat_<random>` databases there and drops them at the end.
- WEIR_TEST_BACKENDS: comma-separated subset of `sqlite,postgres` (default both).

When WEIR_TEST_PG_URL is set, an unreachable PostgreSQL fails the `postgres` tests; with the
default URL they are skipped instead (a developer machine without PostgreSQL).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
from botocore.exceptions import ClientError

from weir_harness import (
    ACCOUNT_ID,
    DEFAULT_PG_URL,
    REGION,
    AwsCli,
    PostgresServer,
    WeirServer,
    isolate_aws_environment,
    unique,
)

isolate_aws_environment()

BACKENDS = [b.strip() for b in os.environ.get("WEIR_TEST_BACKENDS", "sqlite,postgres").split(",") if b.strip()]


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The PostgreSQL server; every database the suite created on it is dropped at the end."""
    explicit = os.environ.get("WEIR_TEST_PG_URL")
    pg = PostgresServer(explicit or DEFAULT_PG_URL)
    problem = pg.reachable()
    if problem:
        if explicit:
            pytest.fail(problem)
        pytest.skip(problem)
    yield pg
    pg.drop_all()


class Backend:
    """How to start Weir on one metastore: a data dir, and a PostgreSQL database when `postgres`."""

    def __init__(self, name: str, tmp_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
        self.name = name
        self._tmp = tmp_factory
        self._request = request

    def new_store(self) -> tuple[Path, str | None]:
        """A fresh (data dir, metastore URL) pair."""
        data_dir = self._tmp.mktemp(f"weir-{self.name}")
        if self.name == "sqlite":
            return data_dir, None
        pg: PostgresServer = self._request.getfixturevalue("postgres")
        return data_dir, pg.create_database()

    def server(self, data_dir: Path, metastore: str | None, **options) -> WeirServer:
        """A server on the store; `options` go to WeirServer (e.g. auth=False, extra_config)."""
        return WeirServer(backend=self.name, data_dir=data_dir, metastore=metastore, log_dir=data_dir.parent, **options)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory) -> Backend:
    if request.param not in ("sqlite", "postgres"):
        pytest.fail(f"unknown backend {request.param!r} in WEIR_TEST_BACKENDS")
    return Backend(request.param, tmp_path_factory, request)


@pytest.fixture(scope="session")
def weir(backend: Backend) -> Iterator[WeirServer]:
    """The session's Weir server on the backend."""
    data_dir, metastore = backend.new_store()
    server = backend.server(data_dir, metastore).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_internal_errors(request) -> Iterator[None]:
    """No request of a test may end in an internal error: the server log must gain no ERROR line
    while the test runs (a 5xx can hide behind a `pytest.raises(ClientError)`)."""
    if "weir" not in request.fixturenames:
        yield
        return
    server: WeirServer = request.getfixturevalue("weir")
    before = len(server.logged_errors())
    yield
    new = server.logged_errors()[before:]
    if new:
        pytest.fail(f"weir ({server.backend}) logged internal errors during the test:\n" + "\n".join(new[:10]))


@pytest.fixture(scope="session")
def metastore_bytes(weir: WeirServer, request) -> Callable[[], bytes]:
    """Everything the session's metastore holds at rest: the SQLite files (with the WAL), or a
    pg_dump of the PostgreSQL database."""

    def read() -> bytes:
        if weir.metastore is None:
            files = sorted(weir.data_dir.glob("metastore.db*"))
            assert files, f"no SQLite metastore in {weir.data_dir}"
            return b"".join(f.read_bytes() for f in files)
        return request.getfixturevalue("postgres").dump(weir.metastore)

    return read


@pytest.fixture(scope="session")
def glue(weir: WeirServer):
    """A boto3 Glue client of the session's server (runs once per backend)."""
    return weir.client()


@pytest.fixture(scope="session")
def raw(weir: WeirServer):
    """A boto3 Glue client without client-side validation: the server's validation is what is tested."""
    return weir.client(validate=False)


@pytest.fixture(scope="session")
def cli(weir: WeirServer) -> AwsCli:
    """`cli("get-database", name="x")` runs `aws glue get-database --name x` against the server."""
    return AwsCli(weir.url)


# --------------------------------------------------------------------------------------------
# Catalog helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture
def db(glue) -> Iterator[str]:
    """A fresh database, deleted (with what it holds) after the test."""
    name = unique("db")
    glue.create_database(DatabaseInput={"Name": name})
    yield name
    try:
        glue.delete_database(Name=name)
    except glue.exceptions.EntityNotFoundException:
        pass


def columns(*specs: str) -> list[dict]:
    """`columns("id:bigint", "name:string")` → Glue Column list."""
    return [{"Name": n, "Type": t} for n, t in (s.split(":") for s in specs)]


def table_input(name: str, cols=("id:bigint", "payload:string"), keys=(), **extra) -> dict:
    """A Hive-style external table over parquet files."""
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": {
            "Columns": columns(*cols),
            "Location": f"s3://bucket/{name}/",
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
        "PartitionKeys": columns(*keys),
        **extra,
    }


def partition_input(table: str, values: list[str], **extra) -> dict:
    return {
        "Values": values,
        "StorageDescriptor": {
            "Columns": columns("id:bigint", "payload:string"),
            "Location": f"s3://bucket/{table}/" + "/".join(values) + "/",
        },
        **extra,
    }


def create_partitions(glue, database: str, table: str, value_lists: list[list[str]]) -> None:
    """Creates partitions 100 at a time; fails on any per-entry error."""
    for start in range(0, len(value_lists), 100):
        chunk = value_lists[start : start + 100]
        out = glue.batch_create_partition(
            DatabaseName=database,
            TableName=table,
            PartitionInputList=[partition_input(table, v) for v in chunk],
        )
        assert out.get("Errors", []) == []


def partition_values(glue, database: str, table: str, expression: str | None = None, **kw) -> list[tuple]:
    """All partitions matching `expression` (through the paginator), as sorted value tuples."""
    params = {"DatabaseName": database, "TableName": table, **kw}
    if expression is not None:
        params["Expression"] = expression
    pages = glue.get_paginator("get_partitions").paginate(**params)
    return sorted(tuple(p["Values"]) for page in pages for p in page["Partitions"])


def wait_for_indexes(glue, database: str, table: str, timeout: float = 20.0) -> dict:
    """Polls GetPartitionIndexes until every index of the table is ACTIVE (indexes are built in
    the background, CREATING first, as on Glue); returns the descriptors by name."""
    deadline = time.monotonic() + timeout
    while True:
        listed = glue.get_partition_indexes(DatabaseName=database, TableName=table)["PartitionIndexDescriptorList"]
        statuses = {d["IndexName"]: d["IndexStatus"] for d in listed}
        assert "FAILED" not in statuses.values(), statuses
        if all(s == "ACTIVE" for s in statuses.values()):
            return {d["IndexName"]: d for d in listed}
        assert set(statuses.values()) <= {"CREATING", "ACTIVE"}, statuses
        if time.monotonic() > deadline:
            raise AssertionError(f"partition indexes of {database}.{table} still not ACTIVE: {statuses}")
        time.sleep(0.02)


def error_code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


def error_message(exc: ClientError) -> str:
    return exc.response["Error"].get("Message", "")


def expect_error(code: str, call: Callable, *args, **kwargs) -> str:
    """Calls and asserts it fails with `code` (and HTTP 400); returns the message."""
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    assert error_code(info.value) == code, info.value.response["Error"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error_message(info.value)


def arn(resource: str) -> str:
    return f"arn:aws:glue:{REGION}:{ACCOUNT_ID}:{resource}"

