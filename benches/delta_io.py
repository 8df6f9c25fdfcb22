"""Delta Lake I/O: a Parquet file written as a Delta table and the table read back and
aggregated, Weir beside the `deltalake` Python package (delta-rs), in one run.

Data: one Parquet file of N order rows (default 5,000,000: bigint id, bigint customer, double
amount, string status, string note), written once by PyArrow.

- write: the file made a new Delta table partitioned by `status` —
  - weir: `weir job run` of a visual job, `S3ParquetSource` → `S3DeltaDirectTarget` (whole
    process: start-up, plan, write, commit);
  - deltalake: `write_deltalake(path, pq.read_table(file), partition_by=["status"])` (in this
    process: reading the file into memory is part of its time).
- read: the table's rows summed by status —
  - weir: a job `S3DeltaSource` → `SparkSQL` (`SELECT status, count(*), sum(amount) … GROUP BY
    status`) → a JSON file (whole process);
  - deltalake: `DeltaTable(path).to_pyarrow_table()` then PyArrow's `group_by(...).aggregate`.

Every result is checked: each table holds N rows and each read finds the same counts and sums.
Nothing asserts on timings. Commands: benches/README.md (section "Delta Lake I/O").
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

STATUSES = ["open", "paid", "shipped", "returned"]


def make_file(path: Path, rows: int) -> None:
    import numpy as np
    rng = np.random.default_rng(7)
    ids = np.arange(rows, dtype=np.int64)
    table = pa.table({
        "id": ids,
        "customer": rng.integers(0, 100_000, rows, dtype=np.int64),
        "amount": np.round(rng.random(rows) * 1000, 2),
        "status": pa.array(np.array(STATUSES)[rng.integers(0, 4, rows)]),
        "note": pa.array([f"note {i % 1000}" for i in range(rows)]),
    })
    pq.write_table(table, path)


def expected(path: Path) -> dict:
    table = pq.read_table(path, columns=["status", "amount"])
    out = table.group_by("status").aggregate([("amount", "count"), ("amount", "sum")])
    return {r["status"]: (r["amount_count"], round(r["amount_sum"], 2)) for r in out.to_pylist()}


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def weir_job(weir: str, work: Path, nodes: dict) -> None:
    job = work / "job.json"
    job.write_text(json.dumps({"Job": {"Name": "delta-bench", "Role": "bench", "Command": {"Name": "glueetl"},
                                       "CodeGenConfigurationNodes": nodes}}))
    out = subprocess.run([weir, "job", "run", str(job), "--data-dir", str(work / "state")],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"weir job run failed: {out.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weir", default=str(Path.home() / ".cache/weir/target-release/release/weir"))
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from deltalake import DeltaTable, write_deltalake

    work = Path(tempfile.mkdtemp(prefix="weir-delta-io-"))
    try:
        source = work / "orders.parquet"
        print(f"writing {args.rows} rows…", flush=True)
        make_file(source, args.rows)
        want = expected(source)
        times = {"write": {"weir": [], "deltalake": []}, "read": {"weir": [], "deltalake": []}}
        for r in range(args.repeats):
            weir_table, delta_table = work / f"weir-{r}", work / f"delta-{r}"
            times["write"]["weir"].append(timed(lambda: weir_job(args.weir, work, {
                "src": {"S3ParquetSource": {"Name": "src", "Paths": [str(source)]}},
                "out": {"S3DeltaDirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(weir_table),
                                                "Format": "delta", "Compression": "snappy",
                                                "PartitionKeys": [["status"]]}}})))
            times["write"]["deltalake"].append(timed(lambda: write_deltalake(
                str(delta_table), pq.read_table(source), partition_by=["status"])))
            for folder in (weir_table, delta_table):
                assert DeltaTable(str(folder)).to_pyarrow_table(columns=["id"]).num_rows == args.rows, folder

            out = work / f"sums-{r}"
            times["read"]["weir"].append(timed(lambda: weir_job(args.weir, work, {
                "src": {"S3DeltaSource": {"Name": "src", "Paths": [str(delta_table)]}},
                "sql": {"SparkSQL": {"Name": "sql", "Inputs": ["src"], "SqlAliases": [{"From": "src", "Alias": "orders"}],
                                     "SqlQuery": "SELECT status, count(*) AS n, round(sum(amount), 2) AS total "
                                                 "FROM orders GROUP BY status"}},
                "out": {"S3DirectTarget": {"Name": "out", "Inputs": ["sql"], "Path": str(out), "Format": "json",
                                           "Compression": "none"}}})))
            got = {}
            for f in out.glob("*.json"):
                for line in f.read_text().splitlines():
                    row = json.loads(line)
                    got[row["status"]] = (row["n"], row["total"])
            assert got == want, (got, want)

            sums = {}
            def delta_read() -> None:
                table = DeltaTable(str(delta_table)).to_pyarrow_table(columns=["status", "amount"])
                agg = table.group_by("status").aggregate([("amount", "count"), ("amount", "sum")])
                sums.update({r["status"]: (r["amount_count"], round(r["amount_sum"], 2)) for r in agg.to_pylist()})
            times["read"]["deltalake"].append(timed(delta_read))
            assert sums == want, (sums, want)
            print(f"  run {r + 1}: write weir {times['write']['weir'][-1]:.2f} s, deltalake "
                  f"{times['write']['deltalake'][-1]:.2f} s; read weir {times['read']['weir'][-1]:.2f} s, "
                  f"deltalake {times['read']['deltalake'][-1]:.2f} s", flush=True)
        for step, runs in times.items():
            weir, delta = statistics.median(runs["weir"]), statistics.median(runs["deltalake"])
            print(f"\n{step} of {args.rows} rows (median of {args.repeats}): weir {weir:.2f} s, "
                  f"deltalake {delta:.2f} s, weir/deltalake {weir / delta:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
