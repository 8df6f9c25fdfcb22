#!/usr/bin/env python3
"""Authentication benchmark: what verifying every request's SigV4 signature costs.

  auth.py --weir BIN [--calls 2000] [--json-out FILE]

Starts two `weir serve` processes (loopback, temporary SQLite data dirs): one with
`[auth] mode = "none"`, one with `mode = "sigv4"` and an admin principal. The same boto3 client
workload goes to both in alternating batches (so machine noise falls on both alike):
`GetDatabase` (a small body) and `BatchCreatePartition` of 25 partitions (~12 KiB bodies, whose
payload hash the server computes). boto3 signs either way; only the server's verification
differs. Reported: the median latency per call on each server and the ratio sigv4/none.

The verification alone is timed in Rust: `cargo bench -p weir-auth --bench verify` (µs per
request). Nothing asserts on timings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

from weir_serve import start_server

KEY, SECRET = "AKIAWEIRBENCH0000001", "benchSecretKey/0000000000000000000000000"
CONFIG = f"""
[auth]
mode = "sigv4"
[[auth.principals]]
name = "bench"
access_key_id = "{KEY}"
secret_access_key = "{SECRET}"
allow = ["glue:*"]
"""


def client(url: str):
    return boto3.client("glue", endpoint_url=url, region_name="us-east-1", aws_access_key_id=KEY,
                        aws_secret_access_key=SECRET, config=Config(retries={"total_max_attempts": 1}))


def partitions(start: int, n: int) -> list[dict]:
    columns = [{"Name": f"c{i}", "Type": "string"} for i in range(12)]
    return [{"Values": [str(v)], "StorageDescriptor": {"Columns": columns, "Location": f"s3://b/t/p={v}/"}}
            for v in range(start, start + n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weir", required=True)
    parser.add_argument("--calls", type=int, default=2000, help="GetDatabase calls per server")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    servers = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode, config in (("none", ""), ("sigv4", CONFIG)):
            d = Path(tmp) / mode
            d.mkdir()
            proc, url = start_server(args.weir, d, config=config)
            glue = client(url)
            glue.create_database(DatabaseInput={"Name": "bench"})
            glue.create_table(DatabaseName="bench", TableInput={"Name": "t", "PartitionKeys": [{"Name": "p", "Type": "int"}]})
            servers[mode] = (proc, glue, {"GetDatabase": [], "BatchCreatePartition": []}, [0])
        try:
            batch = 100
            for _ in range(args.calls // batch):
                for mode, (_, glue, times, next_value) in servers.items():
                    for _ in range(batch):
                        t = time.perf_counter()
                        glue.get_database(Name="bench")
                        times["GetDatabase"].append(time.perf_counter() - t)
                    for _ in range(batch // 10):
                        t = time.perf_counter()
                        out = glue.batch_create_partition(DatabaseName="bench", TableName="t",
                                                          PartitionInputList=partitions(next_value[0], 25))
                        times["BatchCreatePartition"].append(time.perf_counter() - t)
                        assert not out.get("Errors"), out["Errors"][:1]
                        next_value[0] += 25
        finally:
            for proc, *_ in servers.values():
                proc.terminate()
                proc.wait(timeout=20)
    result = {}
    for op in ("GetDatabase", "BatchCreatePartition"):
        none = statistics.median(servers["none"][2][op]) * 1e3
        sigv4 = statistics.median(servers["sigv4"][2][op]) * 1e3
        result[op] = {"none_ms": round(none, 3), "sigv4_ms": round(sigv4, 3), "ratio": round(sigv4 / none, 3),
                      "calls": len(servers["none"][2][op])}
        print(f"{op:22} median none {none:7.3f} ms  sigv4 {sigv4:7.3f} ms  ratio {sigv4 / none:5.3f}  ({result[op]['calls']} calls each)")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
