"""Runs the differential suite's corpus on Apache Spark and writes the expected results.

    python tests/spark/run_spark.py [FAMILY ...]   # rewrites tests/spark/expected/<family>.json

Needs PySpark (`pip install pyspark==4.3.0 pyarrow`) and Java 17. Spark runs locally in
non-ANSI mode with a UTC session time zone over the Parquet files of `tables/`
(`make_tables.py`), each registered as a view named after its file. For each query of
`corpus/<family>.sql` (queries end with a `;` at the end of a line; `--` comments are
ignored) it records the column names, Spark's type of each column (`simpleString`), and the
rows in a canonical JSON form that the Rust side produces from Arrow arrays the same way:

- NULL → null; booleans and integers as JSON; decimals as exact text with their scale;
- doubles and floats as JSON numbers, or "NaN", "Infinity", "-Infinity";
- strings as they are; binary as "0x" + hex; dates "YYYY-MM-DD";
  timestamps "YYYY-MM-DD HH:MM:SS.ffffff";
- arrays as lists; structs as objects in field order; maps as [key, value] pairs ordered by
  key (PySpark hands maps over in hash order, so the order of a map's entries is not compared).

A query whose outermost SELECT has an ORDER BY is compared row by row, others as multisets.
A query Spark rejects or fails records the error; Weir must fail it too.
"""
import json
import math
import os
import re
import sys
import time
from decimal import Decimal
from pathlib import Path
import datetime as dt

HERE = Path(__file__).resolve().parent

os.environ["TZ"] = "UTC"
time.tzset()


def queries(path):
    """The queries of a corpus file, in order."""
    text = "\n".join(l for l in path.read_text().splitlines() if not l.lstrip().startswith("--"))
    parts = re.split(r";[ \t]*(?:\n|$)", text)
    return [" ".join(p.split()) for p in parts if p.strip()]


def ordered(sql):
    """Whether the outermost query orders its rows (ORDER BY outside parentheses and quotes)."""
    depth, i, out = 0, 0, []
    while i < len(sql):
        c = sql[i]
        if c in "'\"`":
            j = sql.find(c, i + 1)
            i = len(sql) if j < 0 else j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    return re.search(r"\border\s+by\b", "".join(out), re.I) is not None


def canonical(v):
    from pyspark.sql import Row
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, dt.date):
        return f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
    if isinstance(v, Row):
        return {k: canonical(x) for k, x in zip(v.__fields__, v)}
    if isinstance(v, dict):
        pairs = [[canonical(k), canonical(x)] for k, x in v.items()]
        return sorted(pairs, key=lambda p: json.dumps(p[0], ensure_ascii=False))
    if isinstance(v, (list, tuple)):
        return [canonical(x) for x in v]
    if isinstance(v, dt.timedelta):
        return f"interval {v.total_seconds()} seconds"
    raise TypeError(f"no canonical form for {type(v).__name__}: {v!r}")


def session():
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[1]").appName("weir-fidelity")
             .config("spark.sql.ansi.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.parquet.inferTimestampNTZ.enabled", "false")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    for table in sorted((HERE / "tables").glob("*.parquet")):
        spark.read.parquet(str(table)).createOrReplaceTempView(table.stem)
    return spark


def run(spark, sql):
    case = {"sql": sql, "ordered": ordered(sql)}
    try:
        df = spark.sql(sql)
        case["columns"] = [[f.name, f.dataType.simpleString()] for f in df.schema.fields]
        case["rows"] = [[canonical(v) for v in row] for row in df.collect()]
    except Exception as e:  # Spark's AnalysisException, ParseException, runtime errors
        name = type(e).__name__
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        case = {"sql": sql, "error": f"{name}: {first[:300]}"}
    return case


def main(families):
    spark = session()
    files = sorted((HERE / "corpus").glob("*.sql"))
    if families:
        files = [f for f in files if f.stem in families]
    for path in files:
        cases = [run(spark, q) for q in queries(path)]
        out = HERE / "expected" / f"{path.stem}.json"
        lines = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
        out.write_text(f'{{"spark": "{spark.version}", "cases": [\n{lines}\n]}}\n')
        errors = sum(1 for c in cases if "error" in c)
        print(f"{path.stem}: {len(cases)} queries ({errors} Spark errors) -> {out.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
