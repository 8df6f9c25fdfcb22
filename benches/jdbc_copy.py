"""JDBC throughput: Weir beside the usual ways of moving a PostgreSQL table, in one run.

Two jobs over one PostgreSQL table of N rows (default 1,000,000) and 8 columns (bigint key,
two varchar, numeric(12,2), integer, timestamptz, text, text):

- extract: the table read and written as one Parquet file (snappy);
- copy: the table copied into an empty table of the same shape in another database, all or
  nothing (the seeds' database-to-database copy, without the masking).

Engines, each timed as a whole process (start-up included), the median of --repeats runs:

- weir: `weir job run` of a visual job (JDBCConnectorSource with PartitionColumn over the key,
  NumPartitions 2 → S3DirectTarget parquet, or → JDBCConnectorTarget), its connection in a
  `weir serve` started here (not timed);
- spark: PySpark local[2] with PostgreSQL's JDBC driver (Debian's libpostgresql-jdbc-java): what a
  Glue job runs; spark.read.jdbc partitioned the same way, write.parquet / write.jdbc (append,
  batchsize 10000, one transaction per partition: Spark cannot do all-or-nothing);
- polars: Polars with ConnectorX (read_database_uri, partitioned the same way) → write_parquet; the
  copy writes through ADBC's PostgreSQL driver (write_database, engine "adbc", COPY underneath);
- psycopg: a hand-written bound for the copy: `COPY orders TO STDOUT` streamed straight into
  `COPY orders FROM STDIN` in one transaction, no decoding at all; for the extract, a CSV COPY
  parsed by PyArrow (pyarrow.csv, the schema given) then a Parquet write.

Every output is checked: the row count and the sums of the key and the amount must equal the
source's. Nothing asserts on timings. Commands: see benches/README.md.
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
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from weir_serve import start_server  # noqa: E402

SPARK_JAR = "/usr/share/java/postgresql.jar"

SOURCE_DDL = """
CREATE TABLE orders (
    id bigint PRIMARY KEY, customer varchar(40), email varchar(80), amount numeric(12,2),
    qty integer, placed timestamptz, status text, note text);
"""


def psql(url: str, sql: str) -> str:
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        sys.exit(f"psql failed: {out.stderr}")
    return out.stdout.strip()


def database_url(admin: str, name: str) -> str:
    parts = urllib.parse.urlsplit(admin)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def prepare(admin: str, rows: int) -> tuple[str, str]:
    source, target = database_url(admin, "weir_bench_src"), database_url(admin, "weir_bench_dst")
    for name in ("weir_bench_src", "weir_bench_dst"):
        psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(admin, f"CREATE DATABASE {name}")
    psql(source, SOURCE_DDL)
    psql(target, SOURCE_DDL)
    psql(source, f"""INSERT INTO orders SELECT g, 'Customer ' || (g % 50000), 'user' || (g % 90000) || '@example.com',
        round((random() * 10000)::numeric, 2), (g % 97), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',
        (ARRAY['open','shipped','returned','closed'])[1 + g % 4], md5(g::text) || ' note ' || g
        FROM generate_series(1, {rows}) g""")
    psql(source, "ANALYZE orders")
    return source, target


def expected(url: str, table: str = "orders") -> tuple[int, int, str]:
    count, ids, amount = psql(url, f"SELECT count(*), coalesce(sum(id),0), coalesce(sum(amount),0) FROM {table}").split("|")
    return int(count), int(ids), f"{float(amount):.2f}"


def parquet_check(path: Path) -> tuple[int, int, str]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*.parquet"))
    table = pq.ParquetDataset(files).read(columns=["id", "amount"]) if files else None
    if table is None:
        return 0, 0, "0.00"
    return table.num_rows, pc.sum(table["id"]).as_py(), f"{float(pc.sum(table['amount'].cast('float64')).as_py()):.2f}"


def timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}… failed: {out.stderr[-3000:]}")
    return elapsed


def jdbc_parts(url: str) -> tuple[str, str, int, str]:
    p = urllib.parse.urlsplit(url)
    return p.hostname or "127.0.0.1", p.username or "postgres", p.port or 5432, p.path.lstrip("/")


# ------------------------------------------------------------------------------------------
# The engines
# ------------------------------------------------------------------------------------------

SPARK_SCRIPT = r"""
import sys
from pyspark.sql import SparkSession
mode, src, dst, out, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.driver.memory", "4g").config("spark.jars", "%s").getOrCreate())
props = {"user": "%s", "password": "unused", "driver": "org.postgresql.Driver"}
df = spark.read.jdbc(src, "orders", column="id", lowerBound=1, upperBound=rows + 1, numPartitions=2, properties=props)
if mode == "extract":
    df.coalesce(1).write.mode("overwrite").parquet(out)
else:
    df.write.option("batchsize", 10000).jdbc(dst, "orders", mode="append", properties=props)
spark.stop()
"""

POLARS_SCRIPT = r"""
import sys
import polars as pl
mode, src, dst, out, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
df = pl.read_database_uri("SELECT * FROM orders", src, engine="connectorx", partition_on="id", partition_num=2)
if mode == "extract":
    df.write_parquet(out, compression="snappy")
else:
    df.write_database("orders", dst, engine="adbc", if_table_exists="append")
"""

PSYCOPG_SCRIPT = r"""
import sys
import psycopg
mode, src, dst, out, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
if mode == "copy":
    with psycopg.connect(src) as s, psycopg.connect(dst) as d:
        with s.cursor().copy("COPY orders TO STDOUT") as reader, d.cursor().copy("COPY orders FROM STDIN") as writer:
            for chunk in reader:
                writer.write(chunk)
else:
    import io
    import pyarrow as pa, pyarrow.csv as pcsv, pyarrow.parquet as pq
    buf = io.BytesIO()
    with psycopg.connect(src) as s:
        with s.cursor().copy("COPY orders TO STDOUT WITH (FORMAT csv)") as reader:
            for chunk in reader:
                buf.write(chunk)
    buf.seek(0)
    names = ["id", "customer", "email", "amount", "qty", "placed", "status", "note"]
    types = {"id": pa.int64(), "customer": pa.string(), "email": pa.string(), "amount": pa.decimal128(12, 2),
             "qty": pa.int32(), "placed": pa.timestamp("us", tz="UTC"), "status": pa.string(), "note": pa.string()}
    table = pcsv.read_csv(buf, read_options=pcsv.ReadOptions(column_names=names),
                          convert_options=pcsv.ConvertOptions(column_types=types))
    pq.write_table(table, out, compression="snappy")
"""


def weir_job(mode: str, conn_src: str, conn_dst: str, out: Path, rows: int) -> dict:
    source = {"JDBCConnectorSource": {
        "Name": "orders", "ConnectionName": conn_src, "ConnectorName": "postgresql",
        "ConnectionType": "postgresql", "ConnectionTable": "public.orders",
        "AdditionalOptions": {"PartitionColumn": "id", "LowerBound": 1, "UpperBound": rows + 1, "NumPartitions": 2}}}
    target = ({"S3DirectTarget": {"Name": "out", "Inputs": ["src"], "Path": str(out), "Format": "parquet",
                                  "Compression": "snappy"}} if mode == "extract" else
              {"JDBCConnectorTarget": {"Name": "out", "Inputs": ["src"], "ConnectionName": conn_dst,
                                       "ConnectionTable": "public.orders", "ConnectorName": "postgresql",
                                       "ConnectionType": "postgresql"}})
    return {"Name": f"bench_{mode}", "CodeGenConfigurationNodes": {"src": source, "out": target},
            "Connections": {"Connections": [conn_src, conn_dst]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weir", required=True, help="the weir binary (a release build)")
    parser.add_argument("--pg", default=os.environ.get("WEIR_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engines", default="weir,spark,polars,psycopg")
    parser.add_argument("--modes", default="extract,copy")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    engines = args.engines.split(",")
    src, dst = prepare(args.pg, args.rows)
    truth = expected(src)
    print(f"source: {truth[0]:,} rows", flush=True)
    work = Path(tempfile.mkdtemp(prefix="weir-jdbc-bench-"))
    import boto3
    (work / "weir").mkdir()
    proc, endpoint = start_server(args.weir, work / "weir")
    results: dict[str, dict[str, float]] = {}
    try:
        glue = boto3.client("glue", endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id="x", aws_secret_access_key="x")
        host, user, port, _ = jdbc_parts(src)
        conns = {}
        for label, url in (("src", src), ("dst", dst)):
            conns[label] = f"bench_{label}"
            glue.create_connection(ConnectionInput={"Name": conns[label], "ConnectionType": "JDBC", "ConnectionProperties": {
                "JDBC_CONNECTION_URL": f"jdbc:postgresql://{host}:{port}/{jdbc_parts(url)[3]}",
                "USERNAME": user, "PASSWORD": "unused"}})
        jdbc = {label: f"jdbc:postgresql://{host}:{port}/{jdbc_parts(url)[3]}" for label, url in (("src", src), ("dst", dst))}
        scripts = {"spark": SPARK_SCRIPT % (SPARK_JAR, user), "polars": POLARS_SCRIPT, "psycopg": PSYCOPG_SCRIPT}
        for mode in args.modes.split(","):
            for engine in engines:
                times = []
                for _ in range(args.repeats):
                    out = work / f"{engine}-{mode}"
                    shutil.rmtree(out, ignore_errors=True)
                    if out.suffix == "" and engine in ("polars", "psycopg"):
                        out = out.with_suffix(".parquet")
                        out.unlink(missing_ok=True)
                    psql(dst, "TRUNCATE orders")
                    if engine == "weir":
                        job = work / f"job-{mode}.json"
                        job.write_text(json.dumps(weir_job(mode, conns["src"], conns["dst"], out, args.rows)))
                        cmd = [args.weir, "job", "run", str(job), "--catalog-endpoint", endpoint]
                    else:
                        script = work / f"{engine}_job.py"
                        script.write_text(scripts[engine])
                        s, d = (jdbc["src"], jdbc["dst"]) if engine == "spark" else (src, dst)
                        cmd = [sys.executable, str(script), mode, s, d, str(out), str(args.rows)]
                    times.append(timed(cmd))
                    got = parquet_check(out) if mode == "extract" else expected(dst)
                    if got != truth:
                        raise RuntimeError(f"{engine} {mode}: output {got} differs from the source {truth}")
                results.setdefault(mode, {})[engine] = statistics.median(times)
                print(f"{mode:8} {engine:8} median {statistics.median(times):7.2f} s "
                      f"(min {min(times):.2f}, max {max(times):.2f}; output checked)", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        for name in ("weir_bench_src", "weir_bench_dst"):
            psql(args.pg, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)
    print("\nratios (engine time / Weir's time; above 1 means Weir is faster):")
    for mode, by_engine in results.items():
        base = by_engine.get("weir")
        if base:
            print(f"  {mode:8} " + "  ".join(f"{e} {t / base:.2f}x" for e, t in by_engine.items() if e != "weir"))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"rows": args.rows, "repeats": args.repeats, "seconds": results}, indent=2))


if __name__ == "__main__":
    main()
