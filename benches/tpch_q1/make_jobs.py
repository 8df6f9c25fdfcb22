#!/usr/bin/env python3
"""Writes the Weir job definitions of the TPC-H Q1 ETL benchmark (the peer harness's v1/v2/v3/noop)
and a jobs file for the shared harness's bench.py that lists Weir's jobs beside the peers'.

  make_jobs.py [--weir BIN] [--data /tmp/tpch-sf1] [--out /tmp/bench-out] [--dir /tmp/bench-jobs]
               [--harness ../shared/bench] [--peers duckdb,polars,datafusion] [--baseline BIN]

--baseline adds the same jobs run by another Weir build (ids before/vN, outputs under OUT/before/),
so that a change is timed against the build before it in the same run.

Job files: DIR/weir-{v1,v2,v3,noop}.json.  Jobs file: DIR/jobs.tsv (ids ours/vN, <peer>/vN, bound/rust-*).
Weir's outputs go to OUT/weir-vN.parquet/ (a directory of part files, which verify.py reads) and every
ours/* command removes its output first, as the peers' scripts do in-process.
The Q1 text and the lineitem schema are imported from the harness's engines/common.py, so they are the
peers' exactly.
"""
import argparse, json, os, sys
from pathlib import Path

# Glue/Hive type names for the harness's SQL types (engines/common.py LINEITEM)
HIVE = {"BIGINT": "bigint", "DECIMAL(15,2)": "decimal(15,2)", "DATE": "date", "VARCHAR": "string"}


def csv_source(path):
    return {"S3CsvSource": {"Name": "lineitem.csv", "Paths": [path], "Separator": "pipe", "QuoteChar": "quote",
                            "WithHeader": False}}


def apply_mapping(lineitem, inp):
    mapping = [{"ToKey": name, "FromPath": [f"col{i}"], "FromType": "string", "ToType": HIVE[t]}
               for i, (name, t) in enumerate(lineitem)]
    return {"ApplyMapping": {"Name": "lineitem types", "Inputs": [inp], "Mapping": mapping}}


def q1(sql, inp):
    return {"SparkSQL": {"Name": "Q1", "Inputs": [inp], "SqlAliases": [{"From": inp, "Alias": "lineitem"}],
                         "SqlQuery": sql}}


def target(path, inp):
    return {"S3GlueParquetTarget": {"Name": "out", "Inputs": [inp], "Path": path, "Compression": "snappy"}}


def jobs(common, data, out, noop_csv):
    csv, parquet = f"{data}/lineitem.csv", f"{data}/lineitem.parquet"
    return {
        "v1": {"src": csv_source(csv), "map": apply_mapping(common.LINEITEM, "src"), "q1": q1(common.Q1, "map"),
               "out": target(f"{out}/weir-v1.parquet", "q1")},
        "v2": {"src": {"S3ParquetSource": {"Name": "lineitem.parquet", "Paths": [parquet]}},
               "q1": q1(common.Q1, "src"), "out": target(f"{out}/weir-v2.parquet", "q1")},
        "v3": {"src": csv_source(csv), "map": apply_mapping(common.LINEITEM, "src"),
               "out": target(f"{out}/weir-v3.parquet", "map")},
        # start-up floor: the smallest real job (a one-line CSV -> one-row Parquet); every node needs an input
        "noop": {"src": csv_source(noop_csv), "out": target(f"{out}/weir-noop.parquet", "src")},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weir", default=os.path.expanduser("~/.cache/weir/bench-bin/weir-q1"))
    ap.add_argument("--data", default="/tmp/tpch-sf1")
    ap.add_argument("--out", default="/tmp/bench-out")
    ap.add_argument("--dir", default="/tmp/bench-jobs")
    ap.add_argument("--harness", default=str(Path(__file__).resolve().parents[3] / "shared" / "bench"))
    ap.add_argument("--peers", default="duckdb,polars,datafusion")
    ap.add_argument("--baseline", help="another Weir binary timed beside --weir (ids before/vN)")
    a = ap.parse_args()
    sys.path.insert(0, os.path.join(a.harness, "engines"))
    import common  # the harness's Q1 text and lineitem schema

    os.makedirs(a.dir, exist_ok=True)
    state = os.path.join(a.dir, "weir-state")
    noop_csv = os.path.join(a.dir, "noop.csv")
    with open(noop_csv, "w") as f:
        f.write("1|one\n")
    lines = ["# id\tcommand   (written by benches/tpch_q1/make_jobs.py)"]
    builds = [("ours", a.weir, a.out, "weir")]
    if a.baseline:
        builds.append(("before", a.baseline, f"{a.out}/before", "before"))
    for id_, weir, out, prefix in builds:
        for v, nodes in jobs(common, a.data, out, noop_csv).items():
            path = os.path.join(a.dir, f"{prefix}-{v}.json")
            with open(path, "w") as f:
                json.dump({"Name": f"tpch-q1-{v}", "CodeGenConfigurationNodes": nodes}, f, indent=1)
            outdir = f"{out}/weir-{v}.parquet"
            lines.append(f"{id_}/{v}\tsh -c 'rm -rf {outdir} && exec {weir} job run {path} --data-dir {state}'")
    lines.append(f"ours/version\t{a.weir} --version")
    peers = [p for p in a.peers.split(",") if p]
    for v in ["noop", "v1", "v2", "v3"]:
        for p in peers:
            lines.append(f"{p}/{v}\t{{py}} {{here}}/engines/{p}_job.py --variant {v}")
    bound = "/tmp/q1-bound-target/release/q1-bound"
    if os.path.exists(bound):
        lines.append(f"bound/rust-q1\t{bound} q1 {a.data}/lineitem.parquet 2")
    with open(os.path.join(a.dir, "jobs.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {a.dir}/weir-{{v1,v2,v3,noop}}.json and {a.dir}/jobs.tsv", file=sys.stderr)


if __name__ == "__main__":
    main()
