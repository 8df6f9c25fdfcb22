"""Writes the differential suite's tables as Parquet files (deterministic: same bytes each run).

Every Glue/Hive type appears, with NULLs, NaN, -0.0, infinities, empty and unicode strings,
decimals near their precision, dates and timestamps across DST changes and leap days, arrays,
maps and structs. Timestamps are written without a zone (microseconds); Spark reads them as
TIMESTAMP in a UTC session (`spark.sql.parquet.inferTimestampNTZ.enabled=false`), Weir as
Glue's `timestamp`.

    python tests/spark/make_tables.py      # rewrites tests/spark/tables/*.parquet
"""
import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
D = Decimal
date = dt.date
ts = dt.datetime
nan = math.nan
inf = math.inf

# t: one row per id, every scalar type and the nested ones.
T_SCHEMA = pa.schema([
    ("id", pa.int32()),
    ("k", pa.string()),
    ("g", pa.int32()),
    ("ti", pa.int8()),
    ("si", pa.int16()),
    ("i", pa.int32()),
    ("l", pa.int64()),
    ("f", pa.float32()),
    ("d", pa.float64()),
    ("dec", pa.decimal128(10, 2)),
    ("bd", pa.decimal128(38, 6)),
    ("s", pa.string()),
    ("dt", pa.date32()),
    ("ts", pa.timestamp("us")),
    ("flag", pa.bool_()),
    ("bin", pa.binary()),
    ("arr", pa.list_(pa.int32())),
    ("sarr", pa.list_(pa.string())),
    ("m", pa.map_(pa.string(), pa.int32())),
    ("st", pa.struct([("a", pa.int32()), ("b", pa.string())])),
    ("js", pa.string()),
    ("ds", pa.string()),
    ("ns", pa.string()),
])

T_ROWS = [
    # id, k, g, ti, si, i, l, f, d, dec, bd, s, dt, ts, flag, bin, arr, sarr, m, st, js, ds, ns
    (1, "a", 1, 1, 100, 10, 1000, 1.5, 1.5, D("10.50"), D("1.000001"), "Banana",
     date(2024, 2, 29), ts(2024, 2, 29, 23, 59, 59, 999999), True, b"\x00\x01",
     [1, 2, 3], ["x", "y"], [("a", 1), ("b", 2)], {"a": 1, "b": "one"},
     '{"a": 1, "b": [1, 2], "c": {"d": "x"}}', "2024-03-15", "123"),
    (2, "b", 2, -1, -100, -10, -1000, -2.5, -2.5, D("-0.50"), D("-99.999999"), "hello world",
     date(2024, 3, 10), ts(2024, 3, 10, 2, 30, 0), False, b"abc",
     [], ["a_b_c"], [], {"a": None, "b": None},
     '{"a": 2, "b": []}', "15/03/2024", " 45 "),
    (3, "a", 1, 127, 32767, 2147483647, 9223372036854775807, 0.1, 0.1, D("99999999.99"),
     D("99999999999999999999999999999999.999999"), "", date(1970, 1, 1), ts(1970, 1, 1, 0, 0, 0),
     None, b"", None, None, None, None, "not json", "garbage", "1.5e3"),
    (4, "c", 3, -128, -32768, -2147483648, -9223372036854775808, -0.0, -0.0, D("-99999999.99"),
     D("-0.000001"), "Ünïcödé straße", date(2023, 12, 31), ts(2023, 12, 31, 23, 59, 59),
     True, None, [None, 5], [None, "z"], [("z", None)], {"a": 3, "b": None},
     '{"a": null}', "2023-12-31 10:20:30", "abc"),
    (5, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None,
     None, None, None, None, None, None, None),
    (6, "b", 2, 0, 0, 0, 0, nan, nan, D("0.00"), D("0.000000"), "日本語テキスト",
     date(2024, 10, 27), ts(2024, 10, 27, 1, 30, 0), False, b"\xff", [7, 7, 8], ["b", "a", "b"],
     [("k", 0)], {"a": 0, "b": ""}, '[1, 2, 3]', "2024-10-27", ""),
    (7, "a", 1, 5, 5, 5, 5, inf, inf, D("2.50"), D("2.500000"), "  padded  ",
     date(2000, 2, 29), ts(2000, 2, 29, 12, 0, 0, 500000), True, b"\x10", [2, 1], ["B", "a"],
     [("a", 5)], {"a": 5, "b": "five"}, '{"a": 5, "b": [5], "c": {"d": null}}', "2000-02-29",
     "-5"),
    (8, "c", 3, 8, 8, 8, 8, -inf, -inf, D("-2.50"), D("-2.500000"), "a_b_c",
     date(1900, 1, 1), ts(1900, 1, 1, 0, 0, 0), None, b"xyz", [4, None, 4], ["a"],
     [("x", 8), ("y", 9)], {"a": 8, "b": "eight"}, '{"a": "8", "b": [{"c": 1}]}', "1900-01-01",
     "8.0"),
    (9, "b", None, 9, 9, 9, 9, 3.25, 3.25, D("3.25"), D("3.250000"), "MiXeD Case",
     date(2024, 12, 31), ts(2024, 12, 31, 23, 0, 0), True, b"9", [9], [""],
     [("", 9)], {"a": 9, "b": "nine"}, '{"b": 9}', "2024-12-31T23:00:00", "9"),
    (10, "a", 2, 10, 10, 10, 10, 2.5, 2.5, D("0.01"), D("0.010000"), "apple,banana,cherry",
     date(2024, 1, 1), ts(2024, 1, 1, 0, 0, 0, 1), False, b"10", [10, 20], ["x", "y", "z"],
     [("a", 10)], {"a": 10, "b": "ten"}, '{"a": 10, "b": [10, 20]}', "2024-01-01", "10"),
    (11, "😀 emoji", 1, 11, 11, 11, 11, -1.5, -1.5, D("-1.05"), D("-1.050000"), "😀 smile",
     date(2024, 3, 31), ts(2024, 3, 31, 1, 0, 0), True, b"11", [1], ["😀"],
     [("e", 11)], {"a": 11, "b": "😀"}, '{"a": 11, "b": "😀"}', "2024-03-31", "11"),
    (12, "c", 3, 12, 12, 12, 12, 1e10, 1e-10, D("12345678.90"), D("12345678901234567890.123456"),
     "The Quick Brown Fox", date(2024, 11, 3), ts(2024, 11, 3, 6, 30, 0), False, b"12",
     [3, 1, 2], ["c", "a", "b"], [("c", 3), ("a", 1)], {"a": 12, "b": "twelve"},
     '{"a": 12.5}', "2024-11-03", "1e10"),
]

# u: join partner of t (ids that match, miss and repeat; a NULL key).
U_SCHEMA = pa.schema([("id", pa.int32()), ("name", pa.string()), ("amount", pa.decimal128(8, 2))])
U_ROWS = [
    (1, "one", D("1.10")), (2, "two", D("2.20")), (2, "two again", D("2.25")),
    (3, "three", None), (13, "thirteen", D("13.00")), (None, "nobody", D("0.00")),
    (6, None, D("-6.60")),
]

# sales: a small fact table for aggregates, windows and grouping sets (ties on purpose).
SALES_SCHEMA = pa.schema([
    ("region", pa.string()), ("product", pa.string()), ("month", pa.int32()),
    ("qty", pa.int32()), ("price", pa.decimal128(10, 2)), ("discount", pa.float64()),
    ("sold_on", pa.date32()),
])
SALES_ROWS = [
    ("east", "apple", 1, 10, D("1.20"), 0.0, date(2024, 1, 15)),
    ("east", "apple", 2, 5, D("1.25"), 0.1, date(2024, 2, 15)),
    ("east", "pear", 1, 7, D("2.00"), None, date(2024, 1, 20)),
    ("east", "pear", 3, 7, D("2.10"), 0.05, date(2024, 3, 20)),
    ("west", "apple", 1, 3, D("1.30"), 0.0, date(2024, 1, 5)),
    ("west", "apple", 2, 12, D("1.30"), 0.2, date(2024, 2, 5)),
    ("west", "plum", 2, None, D("3.00"), 0.0, date(2024, 2, 28)),
    ("west", "plum", 3, 4, None, 0.15, date(2024, 3, 1)),
    ("north", "apple", 1, 1, D("1.00"), 0.0, date(2024, 1, 1)),
    ("north", "pear", 2, 9, D("1.95"), 0.3, date(2024, 2, 29)),
    (None, "apple", 3, 2, D("1.10"), None, None),
    ("south", None, 1, 6, D("0.99"), 0.0, date(2024, 1, 31)),
]

# e: an empty table.
E_SCHEMA = pa.schema([("id", pa.int32()), ("v", pa.string()), ("x", pa.float64())])


def write(name, schema, rows):
    columns = list(zip(*rows)) if rows else [[] for _ in schema]
    table = pa.table([pa.array(list(c), type=f.type) for c, f in zip(columns, schema)],
                     schema=schema)
    pq.write_table(table, HERE / "tables" / f"{name}.parquet", compression="none",
                   use_dictionary=False, write_statistics=True)


if __name__ == "__main__":
    (HERE / "tables").mkdir(exist_ok=True)
    write("t", T_SCHEMA, T_ROWS)
    write("u", U_SCHEMA, U_ROWS)
    write("sales", SALES_SCHEMA, SALES_ROWS)
    write("e", E_SCHEMA, [])
    print("wrote", sorted(p.name for p in (HERE / "tables").glob("*.parquet")))
