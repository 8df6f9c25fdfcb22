"""Table upkeep: compaction of many small files and an orphan file scan, Weir beside the Python
tools a user of open table formats has, in one run.

Data: N small Parquet files (default 10,000, about 100 KB each: ~1 GB) of order rows (bigint id,
bigint customer, double amount, string status, string note), written once by PyArrow.

- compaction: the files registered as one table, then rewritten into files of the target size
  (512 MiB) —
  - weir: an Iceberg table (PyIceberg's `add_files` through Weir's REST catalog), compacted by
    `weir table optimize DB.TABLE --type compaction --min-input-files 2` (whole process);
  - deltalake: the same files made a Delta table (`convert_to_deltalake`), compacted by
    `DeltaTable.optimize.compact(target_size=512 MiB)` (delta-rs, the Python `deltalake` package);
  - weir-delta: the same Delta table registered in Weir's catalog (`table_type` DELTA, its
    `delta.targetFileSize` 512 MiB), compacted by `weir table optimize … --type compaction`;
  - pyiceberg: PyIceberg's only way to rewrite a table: `overwrite(scan().to_arrow())` (the
    whole table through memory), on its own copy of the Iceberg table.
  Each run compacts a fresh table registered from the same files (registration is not timed).
- orphans: a table of 100 files with M stray files (default 100,000 tiny ones) beside its data
  files, all old —
  - weir: `weir table optimize DB.TABLE --type orphan_file_deletion --dry-run` (whole process);
  - deltalake: `DeltaTable.vacuum(dry_run=True, retention_hours=0, full=True)` (a full scan: the default looks only at removed files) on the same layout as a
    Delta table;
  - weir-delta: that Delta table registered in Weir, `weir table optimize … --dry-run`;
  - pyiceberg: what a PyIceberg user writes: the table's files from `inspect.all_files()` and its
    manifests, set against an `os.walk` of the location.

Every result is checked: the compacted tables hold the same row count and sum of ids as the
input; each orphan scan finds exactly the M stray files. Nothing asserts on timings.
Commands: see benches/README.md (section "Table upkeep").
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from weir_serve import start_server  # noqa: E402

TARGET = 512 << 20
ROWS_PER_FILE = 2_000
DAY = 86_400


def make_files(folder: Path, count: int) -> tuple[int, int]:
    """`count` Parquet files of ROWS_PER_FILE rows; returns (rows, sum of ids)."""
    folder.mkdir(parents=True, exist_ok=True)
    import random
    rng = random.Random(7)
    statuses = ["open", "paid", "shipped", "returned"]
    total_rows, total_ids = 0, 0
    for i in range(count):
        ids = list(range(i * ROWS_PER_FILE, (i + 1) * ROWS_PER_FILE))
        table = pa.table({
            "id": pa.array(ids, pa.int64()),
            "customer": pa.array([rng.randrange(100_000) for _ in ids], pa.int64()),
            "amount": pa.array([rng.random() * 1000 for _ in ids], pa.float64()),
            "status": pa.array([statuses[j % 4] for j in ids], pa.string()),
            "note": pa.array([f"note {rng.random():.12f}" for _ in ids], pa.string()),
        })
        pq.write_table(table, folder / f"part-{i:05}.parquet")
        total_rows += len(ids)
        total_ids += sum(ids)
    return total_rows, total_ids


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(cmd: list[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {out.stderr[-2000:]}")
    return out.stdout


def iceberg_catalog(url: str):
    from pyiceberg.catalog import load_catalog
    return load_catalog("weir", type="rest", uri=f"{url}/iceberg")


def register_iceberg(catalog, name: str, files: Path, work: Path) -> str:
    """A fresh Iceberg table whose data files are copies of `files`; returns DB.TABLE."""
    data = work / name
    shutil.copytree(files, data)
    schema = pq.read_schema(next(data.glob("*.parquet")))
    table = catalog.create_table(f"bench.{name}", schema=schema, location=f"file://{work}/{name}-table")
    table.add_files([f"file://{p}" for p in sorted(data.glob("*.parquet"))])
    return f"bench.{name}"


def glue_client(url: str):
    import boto3
    return boto3.client("glue", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench")


def delta_copy(files: Path, folder: Path, url: str, name: str) -> str:
    """A Delta table made of copies of `files` (target file size 512 MiB), registered in Weir's
    catalog as bench.NAME; returns DB.TABLE."""
    from deltalake import convert_to_deltalake
    shutil.copytree(files, folder)
    convert_to_deltalake(str(folder), configuration={"delta.targetFileSize": str(TARGET)})
    glue_client(url).create_table(DatabaseName="bench", TableInput={
        "Name": name, "Parameters": {"table_type": "DELTA"}, "StorageDescriptor": {"Location": str(folder)}})
    return f"bench.{name}"


def check_delta(folder: Path, want: tuple[int, int]) -> int:
    import pyarrow.compute as pc
    from deltalake import DeltaTable
    table = DeltaTable(str(folder))
    ids = table.to_pyarrow_table(columns=["id"])["id"]
    assert (len(ids), pc.sum(ids).as_py()) == want, f"{folder}: {(len(ids), pc.sum(ids).as_py())} != {want}"
    return len(table.file_uris())


def check_iceberg(catalog, name: str, want: tuple[int, int]) -> int:
    import pyarrow.compute as pc
    scanned = catalog.load_table(name).scan(selected_fields=("id",)).to_arrow()
    got = (scanned.num_rows, pc.sum(scanned["id"]).as_py())
    assert got == want, f"{name}: {got} != {want}"
    return len(list(catalog.load_table(name).scan().plan_files()))


def compaction(args, weir: str, url: str, work: Path, files: Path, want: tuple[int, int]) -> dict:
    from deltalake import DeltaTable
    catalog = iceberg_catalog(url)
    times = {"weir": [], "weir-delta": [], "deltalake": [], "pyiceberg": []}
    for r in range(args.repeats):
        name = register_iceberg(catalog, f"weir_{r}", files, work)
        times["weir"].append(timed(lambda: run([weir, "table", "optimize", name, "--type", "compaction",
                                                "--min-input-files", "2", "--catalog-endpoint", url])))
        after = check_iceberg(catalog, name, want)
        print(f"  weir: {args.files} files -> {after}", flush=True)

        delta = work / f"weir_delta_{r}"
        name = delta_copy(files, delta, url, delta.name)
        times["weir-delta"].append(timed(lambda: run([weir, "table", "optimize", name, "--type", "compaction",
                                                      "--min-input-files", "2", "--catalog-endpoint", url])))
        print(f"  weir-delta: {args.files} files -> {check_delta(delta, want)}", flush=True)

        delta = work / f"delta_{r}"
        delta_copy(files, delta, url, delta.name)
        times["deltalake"].append(timed(lambda: DeltaTable(str(delta)).optimize.compact(target_size=TARGET)))
        print(f"  deltalake: {args.files} files -> {check_delta(delta, want)}", flush=True)

        name = register_iceberg(catalog, f"pyiceberg_{r}", files, work)
        table = catalog.load_table(name)
        times["pyiceberg"].append(timed(lambda: table.overwrite(table.scan().to_arrow())))
        after = check_iceberg(catalog, name, want)
        print(f"  pyiceberg: {args.files} files -> {after}", flush=True)
    return times


def orphans(args, weir: str, url: str, work: Path) -> dict:
    from deltalake import DeltaTable
    catalog = iceberg_catalog(url)
    files = work / "orphan-src"
    make_files(files, 100)
    name = register_iceberg(catalog, "orphans", files, work)
    location = Path(catalog.load_table(name).location().removeprefix("file://"))
    delta = work / "orphans_delta"
    delta_name = delta_copy(files, delta, url, delta.name)
    old = time.time() - 10 * DAY
    for folder in (location / "data", delta):
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(args.orphans):
            stray = folder / f"stray-{i:06}.parquet"
            stray.write_bytes(b"x")
            os.utime(stray, (old, old))
    for path in location.rglob("*"):
        os.utime(path, (old, old))

    def weir_scan() -> int:
        out = run([weir, "table", "optimize", name, "--type", "orphan_file_deletion", "--dry-run",
                   "--catalog-endpoint", url])
        return len(out.splitlines())

    def weir_delta_scan() -> int:
        out = run([weir, "table", "optimize", delta_name, "--type", "orphan_file_deletion", "--dry-run",
                   "--catalog-endpoint", url])
        return len(out.splitlines())

    def delta_scan() -> int:
        return len(DeltaTable(str(delta)).vacuum(retention_hours=0, dry_run=True, enforce_retention_duration=False, full=True))

    def pyiceberg_scan() -> int:
        table = catalog.load_table(name)
        reached = {f for f in table.inspect.all_files()["file_path"].to_pylist()}
        reached |= set(table.inspect.all_manifests()["path"].to_pylist())
        reached |= {s.manifest_list for s in table.snapshots()}
        reached |= {table.metadata_location} | {m.metadata_file for m in table.metadata.metadata_log}
        found = 0
        for root, _, names in os.walk(location):
            for n in names:
                if f"file://{root}/{n}" not in reached:
                    found += 1
        return found

    times = {"weir": [], "weir-delta": [], "deltalake": [], "pyiceberg": []}
    scans = (("weir", weir_scan), ("weir-delta", weir_delta_scan), ("deltalake", delta_scan),
             ("pyiceberg", pyiceberg_scan))
    for _ in range(args.repeats):
        for engine, scan in scans:
            found = []
            times[engine].append(timed(lambda: found.append(scan())))
            assert found[0] == args.orphans, f"{engine} found {found[0]} orphans, not {args.orphans}"
    return times


def report(title: str, times: dict) -> None:
    base = statistics.median(times["weir"])
    print(f"\n{title} (median of {len(times['weir'])}; ratio = Weir's time / peer's)")
    for engine, runs in times.items():
        med = statistics.median(runs)
        print(f"  {engine:10} {med:8.2f} s   min {min(runs):.2f}  max {max(runs):.2f}   "
              f"weir/{engine} {base / med:.2f}x")
    if "weir-delta" in times:
        ratio = statistics.median(times["weir-delta"]) / statistics.median(times["deltalake"])
        print(f"  Delta tables: weir-delta/deltalake {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weir", default=str(Path.home() / ".cache/weir/target-release/release/weir"))
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--orphans", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=["compaction", "orphans"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="weir-upkeep-"))
    server = None
    try:
        (work / "weir").mkdir()
        server, url = start_server(args.weir, work / "weir")
        iceberg_catalog(url).create_namespace("bench")
        if args.only != "orphans":
            files = work / "src"
            print(f"writing {args.files} files…", flush=True)
            want = make_files(files, args.files)
            report(f"compaction of {args.files} files", compaction(args, args.weir, url, work, files, want))
        if args.only != "compaction":
            report(f"orphan scan of {args.orphans} files", orphans(args, args.weir, url, work))
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
