#!/usr/bin/env python3
"""Crawl benchmark: discovering tables in a folder tree, Weir beside DuckDB's schema sniffing.

  crawl.py --weir BIN [--partitions 2000] [--files 50] [--big-mb 0] [--rounds 3] [--json-out FILE]

1. Tree: PARTITIONS Hive folders (`day=N/`) of FILES small CSV files each (a header, 10 rows of
   an int, a double, a string and a boolean): 100k files by default.
2. Big: when --big-mb is given, one folder of 8 CSV files of BIG_MB/8 MB each.

Each is timed, ROUNDS times in alternation, as whole processes:
- `weir crawl ROOT --database bench --dry-run` (local metastore in a temporary data dir): lists
  every file, classifies and infers the schema of each, groups them into one partitioned table;
  and the same with `--sample-size 1` (a crawler's SampleSize: the first file of each folder is
  read, the others take its schema).
- DuckDB (the `duckdb` Python package): `DESCRIBE SELECT * FROM read_csv_auto('ROOT/**/*.csv',
  hive_partitioning = true, union_by_name = true)` — its sniffer over every file (union_by_name
  makes it read each file's header and sample, as a crawler must), and the same without
  `union_by_name` (the first file's schema only, for reference).
Reported: median seconds, files per second, and the ratio Weir/DuckDB. Nothing asserts on
timings; the script checks that both found the same columns.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROW = "{i},{x:.3f},name_{i},{b}\n"


def make_tree(root: Path, partitions: int, files: int) -> int:
    header = "id,score,name,active\n"
    for p in range(partitions):
        folder = root / f"day={p}"
        folder.mkdir(parents=True)
        for f in range(files):
            body = "".join(ROW.format(i=p * 1000 + f * 10 + r, x=r / 7, b="true" if r % 2 else "false") for r in range(10))
            (folder / f"part-{f:05d}.csv").write_text(header + body)
    return partitions * files


def make_big(root: Path, megabytes: int) -> int:
    root.mkdir(parents=True)
    line = ROW.format(i=123456, x=3.25, b="true")
    per_file = megabytes * (1 << 20) // 8
    for f in range(8):
        with open(root / f"big-{f}.csv", "w") as out:
            out.write("id,score,name,active\n")
            written, i = 0, 0
            block = "".join(ROW.format(i=i + k, x=k / 3, b="false") for k in range(10000))
            while written < per_file:
                out.write(block)
                written += len(block)
    return 8


def timed(cmd: list[str], env: dict | None = None, may_fail: bool = False) -> tuple[float | None, str]:
    """Seconds and output; for a peer that `may_fail`, (None, the error's last line) on failure."""
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        if may_fail:
            return None, done.stderr.strip().splitlines()[-1]
        sys.exit(f"{cmd[0]} failed: {done.stderr[-2000:]}")
    return elapsed, done.stdout + done.stderr


DUCKDB = """
import duckdb, sys, json, resource
# union_by_name opens every file at once: allow as many as the system does.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
root, union = sys.argv[1], sys.argv[2] == "1"
rows = duckdb.sql(f"DESCRIBE SELECT * FROM read_csv_auto('{root}/**/*.csv', hive_partitioning = true, union_by_name = {str(union).lower()})").fetchall()
print(json.dumps([(r[0], r[1]) for r in rows]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weir", required=True)
    parser.add_argument("--partitions", type=int, default=2000)
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--big-mb", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="a Python with the duckdb package")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="weir-crawl-bench-"))
    try:
        cases = {"tree": (work / "tree", make_tree(work / "tree", args.partitions, args.files))}
        if args.big_mb:
            cases["big"] = (work / "big", make_big(work / "big", args.big_mb))
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR__")}
        env["WEIR__LOG"] = "warn"
        results = {}
        for name, (root, count) in cases.items():
            times: dict[str, list[float]] = {"weir": [], "weir_sample_size_1": [], "duckdb_union_by_name": [],
                                             "duckdb_first_file": []}
            failures: dict[str, str] = {}
            duck_columns = None
            for r in range(args.rounds):
                data_dir = work / f"state-{name}-{r}"
                t, out = timed([args.weir, "crawl", str(root), "--database", "bench", "--dry-run",
                                "--data-dir", str(data_dir)], env)
                times["weir"].append(t)
                weir_out = out
                t, _ = timed([args.weir, "crawl", str(root), "--database", "bench", "--dry-run", "--sample-size", "1",
                              "--data-dir", str(data_dir)], env)
                times["weir_sample_size_1"].append(t)
                for mode, union in (("duckdb_union_by_name", "1"), ("duckdb_first_file", "0")):
                    t, out = timed([args.python, "-c", DUCKDB, str(root), union], may_fail=True)
                    if t is None:
                        failures[mode] = out
                        continue
                    times[mode].append(t)
                    duck_columns = duck_columns or json.loads(out.strip().splitlines()[-1])
            medians = {k: statistics.median(v) for k, v in times.items() if v}
            results[name] = {"files": count, **{f"{k}_s": round(v, 3) for k, v in medians.items()},
                             **{f"ratio_weir_to_{k}": round(medians["weir"] / v, 3) for k, v in medians.items() if k != "weir"},
                             "ratio_weir_sample_size_1_to_duckdb_first_file": round(
                                 medians["weir_sample_size_1"] / medians["duckdb_first_file"], 3)
                             if "duckdb_first_file" in medians else None,
                             "failures": failures,
                             "weir_columns": [l.strip() for l in weir_out.splitlines() if "columns:" in l],
                             "duckdb_columns": duck_columns}
            print(f"{name}: {count} files")
            for k in times:
                if k in medians:
                    ratio = "" if k == "weir" else f"  Weir/this {medians['weir'] / medians[k]:.2f}x"
                    print(f"  {k:22} {medians[k]:8.3f} s  {count / medians[k]:10.0f} files/s{ratio}")
                else:
                    print(f"  {k:22} failed: {failures.get(k)}")
            print(f"  Weir:   {results[name]['weir_columns']}")
            print(f"  DuckDB: {duck_columns}")
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
