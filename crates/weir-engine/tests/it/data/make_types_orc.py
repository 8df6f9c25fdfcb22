"""Writes the ORC fixtures of the engine's tests with Apache ORC's own (C++) writer.

orc-rust's writer has no decimal, date, timestamp or struct columns, so these files are made once
here and checked in:  python3 make_types_orc.py  (needs pyarrow).

- types.orc: the rows that catalog_formats.rs reads back.
- negative_nanos.orc: a timestamp before 1970 with a fraction of a second, which pyarrow's ORC
  adapter writes with negative nanoseconds (out of the ORC spec); orc-rust overflows on it.
"""

import datetime
import decimal
import os

import pyarrow as pa
import pyarrow.orc as orc

point = pa.struct([("x", pa.int32()), ("label", pa.string())])
table = pa.table(
    {
        "id": pa.array([1, 2, 3], pa.int64()),
        "name": pa.array(["ann", None, "cy"], pa.string()),
        "price": pa.array(
            [decimal.Decimal("12.34"), None, decimal.Decimal("-0.05")], pa.decimal128(10, 2)
        ),
        "day": pa.array([datetime.date(2024, 2, 29), None, datetime.date(1969, 12, 31)], pa.date32()),
        "ts": pa.array(
            [
                datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
                None,
                datetime.datetime(1969, 12, 31, 23, 59, 58),
            ],
            pa.timestamp("us"),
        ),
        "point": pa.array([{"x": 1, "label": "a"}, None, {"x": None, "label": "c"}], point),
        "score": pa.array([1.5, None, -2.25], pa.float64()),
        "flag": pa.array([True, False, None], pa.bool_()),
    }
)
here = os.path.dirname(os.path.abspath(__file__))
# ZLIB, Hive's default codec.
orc.write_table(table, os.path.join(here, "types.orc"), compression="zlib")
orc.write_table(
    pa.table({"ts": pa.array([datetime.datetime(1969, 12, 31, 23, 59, 58, 500000)], pa.timestamp("us"))}),
    os.path.join(here, "negative_nanos.orc"),
)
