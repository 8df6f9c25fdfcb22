#!/usr/bin/env python3
"""Partition benchmark: the same boto3 Glue workload against Weir and against moto's Glue server.

Modes (see benches/README.md for the exact commands and results):

  default    create a database + partitioned table on Weir and on moto, BatchCreatePartition N
             partitions (batches of 100), GetPartitions with selective expressions (paginated,
             median of repeats, result sets compared), then on Weir CreatePartitionIndex and the
             same expressions again through the index.
  --scaling  Weir only (moto optionally up to --moto-scaling-max): grow one table incrementally
             through the given sizes; at each size time GetPartitions without and with partition
             indexes (the indexes are created, timed, used and deleted again at each size).

Every server is started and stopped by this script (also on error / Ctrl-C). With
--metastore postgres://USER@HOST:PORT/DBNAME a fresh database DBNAME is created with psql before
Weir starts and dropped afterwards.

Benchmarks are not tests: nothing here asserts on timings. The only assertions are correctness
checks (both servers, indexed and unindexed, and a Python reference agree on the partition sets).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["AWS_CONFIG_FILE"] = "/dev/null"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

DEFAULT_WEIR_BIN = os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/weir/target")), "release", "weir"
)
DATABASE = "bench_db"
TABLE = "events"

# ---------------------------------------------------------------------------------------------
# The data set: one partition per (day, region), days from 2015-01-01 onwards, 32 regions.
# Partition i is day i // 32, region i % 32, so the table grows in time as partitions are added
# (as a real date-partitioned table does): 100k partitions reach 2023-07, 1M reach 2100.
# ---------------------------------------------------------------------------------------------
REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-east-1", "sa-east-1", "me-south-1", "me-central-1", "af-south-1", "il-central-1",
    "mx-central-1", "cn-north-1", "cn-northwest-1",
]
START_DAY = dt.date(2015, 1, 1)

COLUMNS = [
    {"Name": "event_id", "Type": "string", "Comment": "unique event id"},
    {"Name": "event_time", "Type": "timestamp"},
    {"Name": "user_id", "Type": "bigint"},
    {"Name": "session_id", "Type": "string"},
    {"Name": "event_type", "Type": "string"},
    {"Name": "page_url", "Type": "string"},
    {"Name": "duration_ms", "Type": "int"},
    {"Name": "revenue", "Type": "decimal(18,4)"},
    {"Name": "attributes", "Type": "map<string,string>"},
    {"Name": "device", "Type": "struct<os:string,version:string,mobile:boolean>"},
]
PARTITION_KEYS = [
    {"Name": "year", "Type": "int"},
    {"Name": "month", "Type": "int"},
    {"Name": "day", "Type": "int"},
    {"Name": "region", "Type": "string"},
]
LOCATION = "s3://bench-datalake/warehouse/events"
PARQUET_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def partition_values(i: int) -> list[str]:
    d = START_DAY + dt.timedelta(days=i // len(REGIONS))
    return [str(d.year), str(d.month), str(d.day), REGIONS[i % len(REGIONS)]]


def storage_descriptor(location: str) -> dict:
    return {
        "Columns": COLUMNS,
        "Location": location,
        "InputFormat": PARQUET_IN,
        "OutputFormat": PARQUET_OUT,
        "Compressed": False,
        "NumberOfBuckets": -1,
        "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}},
        "BucketColumns": [],
        "SortColumns": [],
        "Parameters": {"classification": "parquet", "compressionType": "snappy", "typeOfData": "file"},
        "StoredAsSubDirectories": False,
    }


def partition_input(i: int) -> dict:
    v = partition_values(i)
    loc = f"{LOCATION}/year={v[0]}/month={v[1]}/day={v[2]}/region={v[3]}/"
    return {
        "Values": v,
        "StorageDescriptor": storage_descriptor(loc),
        "Parameters": {"recordCount": str(1000 + i % 977), "objectCount": "4", "averageRecordSize": "212"},
    }


def table_input(name: str) -> dict:
    return {
        "Name": name,
        "Description": "benchmark table, partitioned by year/month/day/region",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "PartitionKeys": PARTITION_KEYS,
        "StorageDescriptor": storage_descriptor(LOCATION + "/"),
    }


@dataclass
class Expr:
    label: str
    expression: str
    reference: Callable[[list[str]], bool]  # the same predicate in Python, for a correctness check


def _v(values: list[str]) -> tuple[int, int, int, str]:
    return int(values[0]), int(values[1]), int(values[2]), values[3]


EXPRESSIONS = [
    Expr("E1", "year = 2021 AND month = 6", lambda p: _v(p)[0] == 2021 and _v(p)[1] == 6),
    Expr("E2", "region = 'eu-west-1' AND day BETWEEN 10 AND 12",
         lambda p: p[3] == "eu-west-1" and 10 <= _v(p)[2] <= 12),
    Expr("E3", "year = 2019 AND month IN (1,2,3) AND day = 1",
         lambda p: _v(p)[0] == 2019 and _v(p)[1] in (1, 2, 3) and _v(p)[2] == 1),
    Expr("E4", "year = 2022 AND region = 'us-east-1'", lambda p: _v(p)[0] == 2022 and p[3] == "us-east-1"),
    Expr("E5", "day > 31", lambda p: _v(p)[2] > 31),  # matches nothing: the cost of a full scan
]
# Partition indexes created on Weir: Glue allows 3 per table.
INDEXES = [
    {"IndexName": "by_year_month", "Keys": ["year", "month"]},
    {"IndexName": "by_region", "Keys": ["region"]},
]
SCALING_EXPRESSIONS = ["E1", "E3", "E2"]


# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    name = "server"

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.workdir = tempfile.mkdtemp(prefix=f"weir-bench-{self.name}-")
        self.log_path = os.path.join(self.workdir, "server.log")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    def rss_mib(self) -> float | None:
        if self.proc is None:
            return None
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def log_tail(self, n: int = 20) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class WeirServer(Server):
    name = "weir"

    def __init__(self, binary: str, metastore: str | None) -> None:
        super().__init__()
        self.binary = binary
        self.metastore = metastore
        self.pg_db: PgDatabase | None = None

    def start(self) -> None:
        if not os.access(self.binary, os.X_OK):
            raise SystemExit(f"weir binary {self.binary} not found: build it with "
                             "`source scripts/cargo-env.sh && cargo build --release -p weir`")
        if self.metastore:
            self.pg_db = PgDatabase(self.metastore)
            self.pg_db.create()
        cmd = [self.binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(self.workdir, "data")]
        if self.metastore:
            cmd += ["--metastore", self.metastore]
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                                     env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")})
        found: list[str] = []

        def read() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                m = re.search(r"weir listening on (http://\S+)", line)
                if m and not found:
                    found.append(m.group(1))
                log.write(line)
                log.flush()

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + 60
        while not found:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"weir did not start:\n{self.log_tail()}")
            time.sleep(0.05)
        self.url = found[0]
        wait_http(self.url + "/health", self.proc, 30)

    def stop(self) -> None:
        super().stop()
        if self.pg_db is not None:
            self.pg_db.drop()
            self.pg_db = None

    def label(self) -> str:
        return "Weir/PostgreSQL" if self.metastore else "Weir/SQLite"


class MotoServer(Server):
    name = "moto"

    def start(self) -> None:
        exe = shutil.which("moto_server", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
        if exe is None:
            raise SystemExit("moto_server not found: pip install 'moto[server]' into this Python's venv")
        port = free_port()
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"
        wait_http(self.url + "/moto-api/", self.proc, 60)

    def label(self) -> str:
        return "moto"


def wait_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited while starting ({url})")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


class PgDatabase:
    """A fresh PostgreSQL database for one Weir run, created and dropped with psql."""

    def __init__(self, url: str) -> None:
        u = urllib.parse.urlparse(url)
        if u.scheme not in ("postgres", "postgresql") or not u.path.strip("/"):
            raise SystemExit(f"--metastore must look like postgres://USER@HOST:PORT/DBNAME, got {url}")
        self.dbname = u.path.strip("/")
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", self.dbname):
            raise SystemExit(f"database name {self.dbname!r}: use lower-case letters, digits and _")
        self.args = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres",
                     "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
        self.env = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
        if u.password:
            self.env["PGPASSWORD"] = urllib.parse.unquote(u.password)
        self.created = False

    def psql(self, sql: str) -> None:
        subprocess.run(["psql", *self.args, "-c", sql], check=True, env=self.env, timeout=120,
                       stdout=subprocess.DEVNULL)

    def create(self) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
        self.psql(f"CREATE DATABASE {self.dbname}")
        self.created = True

    def drop(self) -> None:
        if self.created:
            try:
                self.psql(f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
            except Exception as e:  # report, but keep stopping the rest
                print(f"warning: could not drop database {self.dbname}: {e}", file=sys.stderr)
            self.created = False


# ---------------------------------------------------------------------------------------------
# Client side
# ---------------------------------------------------------------------------------------------
class Client:
    """A boto3 Glue client that also records the wire time of each call: from just before the
    HTTP request is sent to just before botocore parses the response (so it excludes botocore's
    request serialisation and response parsing, which cost the same for both servers)."""

    def __init__(self, url: str) -> None:
        self.glue = boto3.client(
            "glue", endpoint_url=url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}, read_timeout=900, connect_timeout=10,
                          tcp_keepalive=True),
        )
        self.wire = 0.0
        self.calls = 0
        self._t0 = 0.0
        ev = self.glue.meta.events
        ev.register("before-send.glue.*", self._before_send)
        ev.register("before-parse.glue.*", self._before_parse)

    def _before_send(self, **_kw) -> None:
        self._t0 = time.perf_counter()

    def _before_parse(self, **_kw) -> None:
        self.wire += time.perf_counter() - self._t0
        self.calls += 1

    def reset(self) -> None:
        self.wire, self.calls = 0.0, 0


@dataclass
class Timing:
    e2e: list[float] = field(default_factory=list)  # seconds, boto3 call(s) end to end
    wire: list[float] = field(default_factory=list)  # seconds, HTTP round trips only
    calls: int = 0

    @property
    def e2e_med(self) -> float:
        return statistics.median(self.e2e)

    @property
    def wire_med(self) -> float:
        return statistics.median(self.wire)


def setup_catalog(c: Client, table: str = TABLE, indexes: list[dict] | None = None) -> None:
    try:
        c.glue.create_database(DatabaseInput={"Name": DATABASE, "Description": "partition benchmark"})
    except c.glue.exceptions.AlreadyExistsException:
        pass
    kw = {"PartitionIndexes": indexes} if indexes else {}
    c.glue.create_table(DatabaseName=DATABASE, TableInput=table_input(table), **kw)


def create_partitions(c: Client, start: int, stop: int, batch: int, table: str = TABLE,
                      progress: str = "") -> tuple[float, float]:
    """BatchCreatePartition for partitions [start, stop); returns (e2e seconds, wire seconds)."""
    c.reset()
    t0 = time.perf_counter()
    last_print = t0
    for lo in range(start, stop, batch):
        hi = min(lo + batch, stop)
        resp = c.glue.batch_create_partition(
            DatabaseName=DATABASE, TableName=table, PartitionInputList=[partition_input(i) for i in range(lo, hi)])
        if resp.get("Errors"):
            raise RuntimeError(f"BatchCreatePartition errors: {resp['Errors'][:3]}")
        now = time.perf_counter()
        if progress and now - last_print > 15:
            rate = (hi - start) / (now - t0)
            print(f"  {progress}: {hi:,} partitions, {rate:,.0f}/s", flush=True)
            last_print = now
    return time.perf_counter() - t0, c.wire


def get_partitions(c: Client, expression: str, table: str = TABLE) -> list[tuple[str, ...]]:
    pages = c.glue.get_paginator("get_partitions").paginate(
        DatabaseName=DATABASE, TableName=table, Expression=expression)
    out = []
    for page in pages:
        out.extend(tuple(p["Values"]) for p in page["Partitions"])
    return out


def time_get_partitions(c: Client, expression: str, repeats: int, table: str = TABLE,
                        budget_s: float = 300) -> tuple[Timing, list[tuple[str, ...]]]:
    """One warm-up call, then `repeats` timed ones (fewer if they exceed `budget_s` in total)."""
    result = get_partitions(c, expression, table)
    t = Timing()
    spent = 0.0
    for _ in range(repeats):
        c.reset()
        t0 = time.perf_counter()
        again = get_partitions(c, expression, table)
        t.e2e.append(time.perf_counter() - t0)
        t.wire.append(c.wire)
        t.calls = c.calls
        spent += t.e2e[-1]
        if sorted(again) != sorted(result):
            raise AssertionError(f"{expression!r}: two calls on one server returned different partitions")
        if spent > budget_s:
            break
    return t, result


def create_indexes(c: Client, table: str = TABLE) -> float:
    """Creates the indexes and waits until they are ACTIVE (Weir builds them in the background,
    CREATING first, as Glue does); returns the seconds until then."""
    t0 = time.perf_counter()
    for idx in INDEXES:
        c.glue.create_partition_index(DatabaseName=DATABASE, TableName=table, PartitionIndex=idx)
    for _ in range(200_000):
        listed = c.glue.get_partition_indexes(DatabaseName=DATABASE, TableName=table)["PartitionIndexDescriptorList"]
        statuses = {d["IndexStatus"] for d in listed}
        if "FAILED" in statuses:
            raise RuntimeError(f"partition index build failed: {listed}")
        if statuses <= {"ACTIVE"}:
            break
        time.sleep(0.05)
    return time.perf_counter() - t0


def delete_indexes(c: Client, table: str = TABLE) -> float:
    t0 = time.perf_counter()
    for idx in INDEXES:
        c.glue.delete_partition_index(DatabaseName=DATABASE, TableName=table, IndexName=idx["IndexName"])
    return time.perf_counter() - t0


def reference(expr: Expr, n: int) -> list[tuple[str, ...]]:
    return sorted(tuple(v) for v in (partition_values(i) for i in range(n)) if expr.reference(v))


def fmt_ms(s: float | None) -> str:
    return "–" if s is None else f"{s * 1000:,.1f}"


def fmt_ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:,.1f}×"


# ---------------------------------------------------------------------------------------------
# Modes
# ---------------------------------------------------------------------------------------------
def run_compare(args, servers: list[Server]) -> dict:
    n, batch = args.partitions, args.batch
    weir = servers[0]
    moto = servers[1] if len(servers) > 1 else None
    res: dict = {"mode": "compare", "partitions": n, "batch": batch, "repeats": args.repeats, "servers": {}}
    clients: dict[str, Client] = {}
    for s in servers:
        print(f"starting {s.label()} …", flush=True)
        s.start()
        c = Client(s.url)
        clients[s.name] = c
        setup_catalog(c)
        print(f"{s.label()}: BatchCreatePartition {n:,} partitions in batches of {batch} …", flush=True)
        e2e, wire = create_partitions(c, 0, n, batch, progress=s.label())
        res["servers"][s.name] = {"label": s.label(), "create_s": e2e, "create_wire_s": wire,
                                  "create_rate": n / e2e, "queries": {}}
        print(f"  {n / e2e:,.0f} partitions/s ({e2e:.1f} s, wire {wire:.1f} s); RSS {s.rss_mib() or 0:.0f} MiB",
              flush=True)

    results: dict[str, dict[str, list]] = {}
    for e in EXPRESSIONS:
        ref = reference(e, n)
        results[e.label] = {}
        for s in servers:
            t, got = time_get_partitions(clients[s.name], e.expression, args.repeats, budget_s=args.moto_budget)
            if sorted(got) != ref:
                raise AssertionError(f"{s.label()} {e.expression!r}: {len(got)} partitions, reference has {len(ref)}")
            results[e.label][s.name] = got
            res["servers"][s.name]["queries"][e.label] = {
                "expression": e.expression, "matches": len(got), "e2e_s": t.e2e, "wire_s": t.wire, "calls": t.calls}
            print(f"  {s.label():16} {e.label} {e.expression!r}: {len(got)} partitions, "
                  f"median {fmt_ms(t.e2e_med)} ms (wire {fmt_ms(t.wire_med)} ms, {t.calls} call(s)), "
                  f"n={len(t.e2e)}", flush=True)
        if moto is not None:
            assert sorted(results[e.label]["weir"]) == sorted(results[e.label]["moto"])

    # Partition indexes.
    res["moto_partition_indexes"] = None
    if moto is not None:
        try:
            clients["moto"].glue.create_partition_index(DatabaseName=DATABASE, TableName=TABLE, PartitionIndex=INDEXES[0])
            res["moto_partition_indexes"] = "CreatePartitionIndex accepted"
        except Exception as ex:  # moto 5.x: not implemented
            status = getattr(ex, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
            hint = next((ln.strip() for ln in moto.log_tail(60).splitlines()
                         if "NotImplemented" in ln or "not been implemented" in ln or "not yet implemented" in ln), "")
            res["moto_partition_indexes"] = (f"CreatePartitionIndex failed with HTTP {status} "
                                             f"({type(ex).__name__}){': ' + hint[:200] if hint else ''}")
        print(f"moto partition indexes: {res['moto_partition_indexes']}", flush=True)

    wc = clients["weir"]
    res["index_create_s"] = create_indexes(wc)
    print(f"{weir.label()}: CreatePartitionIndex {[i['Keys'] for i in INDEXES]} on {n:,} partitions: "
          f"{res['index_create_s']:.2f} s", flush=True)
    for e in EXPRESSIONS:
        t, got = time_get_partitions(wc, e.expression, args.repeats)
        assert sorted(got) == sorted(results[e.label]["weir"]), f"indexed {e.expression!r} differs from unindexed"
        res["servers"]["weir"]["queries"][e.label]["indexed_e2e_s"] = t.e2e
        res["servers"]["weir"]["queries"][e.label]["indexed_wire_s"] = t.wire
        print(f"  {weir.label():16} {e.label} indexed: median {fmt_ms(t.e2e_med)} ms (wire {fmt_ms(t.wire_med)} ms)",
              flush=True)

    # Inserting with the two indexes maintained, into a second table (Weir only).
    m = min(n, args.indexed_insert)
    if m:
        setup_catalog(wc, "events_indexed", INDEXES)
        e2e, wire = create_partitions(wc, 0, m, batch, table="events_indexed")
        res["indexed_insert"] = {"partitions": m, "e2e_s": e2e, "wire_s": wire, "rate": m / e2e}
        print(f"{weir.label()}: BatchCreatePartition {m:,} into a table with both indexes: {m / e2e:,.0f}/s",
              flush=True)
    for s in servers:
        res["servers"][s.name]["rss_mib"] = s.rss_mib()
    print_compare(res)
    return res


def print_compare(res: dict) -> None:
    w = res["servers"]["weir"]
    mo = res["servers"].get("moto")
    n = res["partitions"]
    print()
    print(f"## {w['label']} vs moto — {n:,} partitions, medians of {res['repeats']} repeats (ms)")
    print()
    print("| operation | matches | Weir e2e | moto e2e | moto/Weir e2e | Weir wire | moto wire | moto/Weir wire "
          "| Weir indexed e2e | Weir indexed wire | unindexed/indexed wire |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    # The insert row shows rates (partitions/s, higher is better); its ratios are Weir/moto so
    # that, as in the GetPartitions rows, a ratio above 1 means Weir is faster.
    wr, ww = w["create_rate"], n / w["create_wire_s"]
    mr = mo["create_rate"] if mo else None
    mw = n / mo["create_wire_s"] if mo else None
    rate = lambda r: "–" if r is None else f"{r:,.0f}/s"  # noqa: E731
    print(f"| BatchCreatePartition ×{n:,} in batches of {res['batch']} (rate; ratio Weir/moto) | – | {rate(wr)} | "
          f"{rate(mr)} | {fmt_ratio(wr, mr)} | {rate(ww)} | {rate(mw)} | {fmt_ratio(ww, mw)} | – | – | – |")
    for label, q in w["queries"].items():
        mq = mo["queries"][label] if mo else None
        we, ww = statistics.median(q["e2e_s"]), statistics.median(q["wire_s"])
        me = statistics.median(mq["e2e_s"]) if mq else None
        mw = statistics.median(mq["wire_s"]) if mq else None
        ie = statistics.median(q["indexed_e2e_s"]) if "indexed_e2e_s" in q else None
        iw = statistics.median(q["indexed_wire_s"]) if "indexed_wire_s" in q else None
        print(f"| GetPartitions {label} `{q['expression']}` | {q['matches']:,} | {fmt_ms(we)} | {fmt_ms(me)} | "
              f"{fmt_ratio(me, we)} | {fmt_ms(ww)} | {fmt_ms(mw)} | {fmt_ratio(mw, ww)} | {fmt_ms(ie)} | "
              f"{fmt_ms(iw)} | {fmt_ratio(ww, iw)} |")
    print()
    print(f"CreatePartitionIndex (both indexes, {n:,} partitions): {res['index_create_s']:.2f} s")
    if "indexed_insert" in res:
        ii = res["indexed_insert"]
        print(f"BatchCreatePartition into a table with both indexes: {ii['rate']:,.0f}/s e2e, "
              f"{ii['partitions'] / ii['wire_s']:,.0f}/s wire ({ii['partitions']:,} partitions)")
    if mo:
        print(f"moto partition indexes: {res['moto_partition_indexes']}")
        print(f"RSS at the end: Weir {w.get('rss_mib') or 0:.0f} MiB, moto {mo.get('rss_mib') or 0:.0f} MiB")


def run_scaling(args, servers: list[Server]) -> dict:
    sizes = sorted(int(s) for s in args.scaling.split(","))
    exprs = [e for e in EXPRESSIONS if e.label in args.scaling_exprs.split(",")]
    res: dict = {"mode": "scaling", "sizes": sizes, "repeats": args.repeats, "servers": {}}
    for s in servers:
        print(f"starting {s.label()} …", flush=True)
        s.start()
        c = Client(s.url)
        setup_catalog(c)
        rows = []
        res["servers"][s.name] = {"label": s.label(), "rows": rows}
        have = 0
        for size in sizes:
            if s.name == "moto" and size > args.moto_scaling_max:
                break
            e2e, wire = create_partitions(c, have, size, args.batch, progress=f"{s.label()} → {size:,}")
            row = {"size": size, "added": size - have, "create_s": e2e, "create_wire_s": wire,
                   "create_rate": (size - have) / e2e, "queries": {}}
            have = size
            print(f"{s.label()}: {size:,} partitions (+{row['added']:,} at {row['create_rate']:,.0f}/s)", flush=True)
            for e in exprs:
                t, got = time_get_partitions(c, e.expression, args.repeats, budget_s=args.moto_budget)
                ref = reference(e, size)
                if sorted(got) != ref:
                    raise AssertionError(f"{s.label()} {e.expression!r} at {size}: {len(got)} vs reference {len(ref)}")
                row["queries"][e.label] = {"expression": e.expression, "matches": len(got),
                                           "e2e_s": t.e2e, "wire_s": t.wire}
                print(f"  {e.label} {e.expression!r}: {len(got)} partitions, {fmt_ms(t.e2e_med)} ms "
                      f"(wire {fmt_ms(t.wire_med)})", flush=True)
            if s.name == "weir":
                row["index_create_s"] = create_indexes(c)
                print(f"  CreatePartitionIndex at {size:,}: {row['index_create_s']:.2f} s", flush=True)
                for e in exprs:
                    t, got = time_get_partitions(c, e.expression, args.repeats)
                    assert sorted(got) == reference(e, size), f"indexed {e.expression!r} at {size}"
                    row["queries"][e.label]["indexed_e2e_s"] = t.e2e
                    row["queries"][e.label]["indexed_wire_s"] = t.wire
                    print(f"  {e.label} indexed: {fmt_ms(t.e2e_med)} ms (wire {fmt_ms(t.wire_med)})", flush=True)
                row["index_delete_s"] = delete_indexes(c)
            row["rss_mib"] = s.rss_mib()
            rows.append(row)
        s.stop()
    print_scaling(res)
    return res


def print_scaling(res: dict) -> None:
    for srv in res["servers"].values():
        rows = srv["rows"]
        if not rows:
            continue
        labels = list(rows[0]["queries"])
        print()
        print(f"## Scaling — {srv['label']}, GetPartitions wire time in ms (median of {res['repeats']}); "
              f"e2e incl. boto3 parsing in brackets")
        print()
        head = "| partitions | insert rate e2e (wire) | " + " | ".join(
            f"{lb} unindexed | {lb} indexed | {lb} un/idx" for lb in labels) + " | CreatePartitionIndex | RSS MiB |"
        print(head)
        print("|" + "---:|" * (head.count("|") - 1))
        for r in rows:
            cells = [f"{r['size']:,}", f"{r['create_rate']:,.0f}/s ({r['added'] / r['create_wire_s']:,.0f}/s)"]
            for lb in labels:
                q = r["queries"][lb]
                uw, ue = statistics.median(q["wire_s"]), statistics.median(q["e2e_s"])
                iw = statistics.median(q["indexed_wire_s"]) if "indexed_wire_s" in q else None
                ie = statistics.median(q["indexed_e2e_s"]) if "indexed_e2e_s" in q else None
                cells.append(f"{fmt_ms(uw)} ({fmt_ms(ue)})")
                cells.append(f"{fmt_ms(iw)} ({fmt_ms(ie)})" if iw is not None else "–")
                cells.append(fmt_ratio(uw, iw))
            cells.append(f"{r['index_create_s']:.2f} s" if "index_create_s" in r else "–")
            cells.append(f"{r['rss_mib']:.0f}" if r.get("rss_mib") else "–")
            print("| " + " | ".join(cells) + " |")
        print()
        print("matches per expression: " + "; ".join(
            f"{lb}: " + ", ".join(f"{r['queries'][lb]['matches']:,}" for r in rows) for lb in labels))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weir-bin", default=DEFAULT_WEIR_BIN, help="release build of weir (default %(default)s)")
    p.add_argument("--metastore", help="postgres://USER@HOST:PORT/DBNAME: run Weir on a fresh PostgreSQL database "
                   "DBNAME (created and dropped by this script); default: SQLite in a temporary directory")
    p.add_argument("--partitions", type=int, default=100_000, help="partitions to create (default %(default)s)")
    p.add_argument("--batch", type=int, default=100, help="BatchCreatePartition batch size (default %(default)s)")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats of each GetPartitions (default %(default)s)")
    p.add_argument("--no-moto", action="store_true", help="Weir only")
    p.add_argument("--indexed-insert", type=int, default=20_000,
                   help="compare mode: also insert this many partitions into a table that has both indexes (0: skip)")
    p.add_argument("--scaling", help="comma-separated table sizes, e.g. 10000,100000,1000000 (Weir only unless "
                   "--moto-scaling-max)")
    p.add_argument("--scaling-exprs", default=",".join(SCALING_EXPRESSIONS),
                   help="expressions timed in scaling mode (default %(default)s)")
    p.add_argument("--moto-scaling-max", type=int, default=0, help="scaling mode: also run moto up to this size")
    p.add_argument("--moto-budget", type=float, default=300, help="stop repeating one GetPartitions after this "
                   "many seconds (moto can be slow at large sizes)")
    p.add_argument("--json-out", help="also write the raw results (all samples) as JSON here")
    p.add_argument("--report", metavar="JSON", help="only print the tables of a --json-out file of an earlier run")
    args = p.parse_args()

    if args.report:
        with open(args.report) as f:
            saved = json.load(f)
        (print_scaling if saved["mode"] == "scaling" else print_compare)(saved)
        return 0

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)

    servers: list[Server] = [WeirServer(args.weir_bin, args.metastore)]
    if args.scaling:
        if args.moto_scaling_max:
            servers.append(MotoServer())
    elif not args.no_moto:
        servers.append(MotoServer())

    print(f"python {sys.version.split()[0]}, boto3 {boto3.__version__}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    t0 = time.monotonic()
    try:
        res = run_scaling(args, servers) if args.scaling else run_compare(args, servers)
        res["elapsed_s"] = time.monotonic() - t0
        res["weir_bin"] = args.weir_bin
        res["metastore"] = "postgresql" if args.metastore else "sqlite"
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(res, f, indent=1)
        print(f"\ntotal {res['elapsed_s']:.0f} s, load average now {os.getloadavg()[0]:.2f}")
        return 0
    except BaseException:
        for s in servers:
            tail = s.log_tail()
            if tail:
                print(f"--- last lines of {s.label()}'s log ---\n{tail}", file=sys.stderr)
        raise
    finally:
        for s in servers:
            try:
                s.stop()
            finally:
                s.cleanup()


if __name__ == "__main__":
    sys.exit(main())
