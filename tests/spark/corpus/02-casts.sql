-- Casts (non-ANSI Spark: invalid casts give NULL).
-- Numeric-like strings to integer types.
SELECT id, ns, CAST(ns AS INT), CAST(ns AS BIGINT), CAST(ns AS SMALLINT), CAST(ns AS TINYINT)
FROM t ORDER BY id;

-- Numeric-like strings to fractional types.
SELECT id, ns, CAST(ns AS DOUBLE) AS dbl, CAST(ns AS FLOAT) AS flt, CAST(ns AS DECIMAL(10, 2)) AS dec2, CAST(ns AS DECIMAL(38, 10)) AS dec38
FROM t ORDER BY id;

-- Literal strings to numbers: whitespace, signs, exponents, garbage, overflow.
SELECT CAST(' 42 ' AS INT) AS a, CAST('+7' AS INT) AS b, CAST('1.9' AS INT) AS c, CAST('-1.9' AS INT) AS d,
  CAST('2147483648' AS INT) AS e, CAST('1e2' AS INT) AS f, CAST('0x1F' AS INT) AS g, CAST('' AS INT) AS h;

-- Literal strings to doubles: special values and forms.
SELECT CAST('NaN' AS DOUBLE) AS a, CAST('Infinity' AS DOUBLE) AS b, CAST('-inf' AS DOUBLE) AS c, CAST('1e308' AS DOUBLE) AS d,
  CAST('1e309' AS DOUBLE) AS e, CAST('.5' AS DOUBLE) AS f, CAST('5.' AS DOUBLE) AS g, CAST('1,000' AS DOUBLE) AS h, CAST('1d' AS DOUBLE) AS i;

-- Strings to decimals: rounding on scale, overflow on precision.
SELECT CAST('1.005' AS DECIMAL(10, 2)) AS a, CAST('-1.005' AS DECIMAL(10, 2)) AS b, CAST('123456.7' AS DECIMAL(5, 1)) AS c,
  CAST('1e3' AS DECIMAL(10, 0)) AS d, CAST('abc' AS DECIMAL(10, 2)) AS e, CAST('  3.14  ' AS DECIMAL(4, 2)) AS f;

-- General strings to numbers and booleans.
SELECT id, s, CAST(s AS INT), CAST(s AS DOUBLE), CAST(s AS BOOLEAN)
FROM t ORDER BY id;

-- Strings to booleans.
SELECT CAST('true' AS BOOLEAN) AS a, CAST('TRUE' AS BOOLEAN) AS b, CAST('yes' AS BOOLEAN) AS c, CAST('t' AS BOOLEAN) AS d,
  CAST('1' AS BOOLEAN) AS e, CAST('no' AS BOOLEAN) AS f, CAST('0' AS BOOLEAN) AS g, CAST('y' AS BOOLEAN) AS h,
  CAST('2' AS BOOLEAN) AS i, CAST(' true ' AS BOOLEAN) AS j, CAST('' AS BOOLEAN) AS k, CAST('off' AS BOOLEAN) AS l;

-- Date-like strings to dates and timestamps.
SELECT id, ds, CAST(ds AS DATE), CAST(ds AS TIMESTAMP)
FROM t ORDER BY id;

-- Partial and odd date strings.
SELECT CAST('2024' AS DATE) AS a, CAST('2024-2' AS DATE) AS b, CAST('2024-02-30' AS DATE) AS c, CAST('2024-02-29' AS DATE) AS d,
  CAST('  2024-01-05  ' AS DATE) AS e, CAST('2024-01-05 garbage' AS DATE) AS f, CAST('0001-01-01' AS DATE) AS g, CAST('20240105' AS DATE) AS h;

-- Odd timestamp strings.
SELECT CAST('2024-01-05 10:20' AS TIMESTAMP) AS a, CAST('2024-01-05T10:20:30.123456' AS TIMESTAMP) AS b,
  CAST('2024-01-05 25:00:00' AS TIMESTAMP) AS c, CAST('2024-01-05 10:20:30Z' AS TIMESTAMP) AS d,
  CAST('2024-01-05 10:20:30+02:00' AS TIMESTAMP) AS e, CAST('2024-01-05' AS TIMESTAMP) AS f, CAST('10:20:30' AS TIMESTAMP) IS NULL AS g;

-- Doubles to string: scientific notation, -0.0, NaN, Infinity.
SELECT id, d, CAST(d AS STRING), CAST(d * 1e5 AS STRING) AS big, CAST(d / 1e5 AS STRING) AS small
FROM t ORDER BY id;

-- Double literal text forms.
SELECT CAST(1e10 AS STRING) AS a, CAST(1e7 AS STRING) AS b, CAST(1234567.0D AS STRING) AS c, CAST(0.001D AS STRING) AS d,
  CAST(0.0001D AS STRING) AS e, CAST(-0.0D AS STRING) AS f, CAST(1e-10D AS STRING) AS g, CAST(123456789012345678.0D AS STRING) AS h;

-- Floats to string and to double.
SELECT id, f, CAST(f AS STRING), CAST(f AS DOUBLE), CAST(CAST(f AS STRING) AS DOUBLE) AS roundtrip
FROM t ORDER BY id;

-- Decimals and integers to string.
SELECT id, CAST(dec AS STRING), CAST(bd AS STRING), CAST(i AS STRING), CAST(l AS STRING), CAST(ti AS STRING), string(si)
FROM t ORDER BY id;

-- Decimal literal formatting to string.
SELECT CAST(0.00 AS STRING) AS a, CAST(CAST(0 AS DECIMAL(10, 4)) AS STRING) AS b, CAST(1E-7BD AS STRING) AS c,
  CAST(CAST(0.0000001 AS DECIMAL(20, 10)) AS STRING) AS d, CAST(CAST(100 AS DECIMAL(10, 2)) AS STRING) AS e;

-- Decimals to integers truncate toward zero; overflow wraps or nulls.
SELECT id, dec, CAST(dec AS INT), CAST(dec AS BIGINT), CAST(dec AS TINYINT), CAST(dec AS SMALLINT), CAST(bd AS BIGINT), CAST(bd AS INT)
FROM t ORDER BY id;

-- Doubles to integers: truncation, NaN -> 0, saturation vs overflow.
SELECT id, d, CAST(d AS INT) AS to_int, CAST(d AS BIGINT) AS to_bigint, CAST(d AS SMALLINT) AS to_small, CAST(f AS TINYINT) AS to_tiny, CAST(d AS DECIMAL(10, 2)) AS to_dec
FROM t ORDER BY id;

-- Integer narrowing casts wrap.
SELECT id, l, CAST(l AS INT), CAST(i AS SMALLINT), CAST(i AS TINYINT), CAST(si AS TINYINT), CAST(l AS DOUBLE), CAST(l AS FLOAT)
FROM t ORDER BY id;

-- Integers and doubles to decimals with overflow -> NULL.
SELECT id, CAST(i AS DECIMAL(5, 0)) AS a, CAST(l AS DECIMAL(20, 0)) AS b, CAST(d AS DECIMAL(5, 3)) AS c, CAST(dec AS DECIMAL(4, 1)) AS e, CAST(dec AS DECIMAL(12, 4)) AS f
FROM t ORDER BY id;

-- Booleans to numbers and strings, numbers to booleans.
SELECT id, flag, CAST(flag AS INT), CAST(flag AS DOUBLE), CAST(flag AS STRING), CAST(flag AS DECIMAL(3, 1)), CAST(i AS BOOLEAN), CAST(d AS BOOLEAN)
FROM t ORDER BY id;

-- Dates and timestamps to strings and to each other.
SELECT id, CAST(dt AS STRING), CAST(ts AS STRING), CAST(ts AS DATE), CAST(dt AS TIMESTAMP)
FROM t ORDER BY id;

-- Timestamps to numbers (seconds since epoch).
SELECT id, CAST(ts AS BIGINT) AS secs, CAST(ts AS DOUBLE) AS fsecs, CAST(ts AS INT) AS isecs, CAST(ts AS DECIMAL(20, 6)) AS dsecs
FROM t ORDER BY id;

-- Numbers to timestamps (seconds since epoch).
SELECT id, CAST(i AS TIMESTAMP) AS from_int, CAST(d AS TIMESTAMP) AS from_double, CAST(dec AS TIMESTAMP) AS from_dec
FROM t ORDER BY id;

-- Dates to numbers are not allowed in Spark: cast via unix_date instead.
SELECT id, unix_date(dt), CAST(CAST(dt AS TIMESTAMP) AS BIGINT) AS secs
FROM t ORDER BY id;

-- Binary to string and string to binary.
SELECT id, bin, CAST(bin AS STRING), CAST(s AS BINARY), CAST(CAST(s AS BINARY) AS STRING) AS roundtrip
FROM t ORDER BY id;

-- Integers to binary (big-endian bytes).
SELECT CAST(1 AS BINARY) AS a, CAST(1L AS BINARY) AS b, CAST(CAST(258 AS SMALLINT) AS BINARY) AS c, CAST(CAST(-1 AS TINYINT) AS BINARY) AS d;

-- Arrays, structs and maps to string.
SELECT id, CAST(arr AS STRING), CAST(sarr AS STRING), CAST(st AS STRING), CAST(m AS STRING)
FROM t ORDER BY id;

-- Nested collection casts.
SELECT id, CAST(arr AS ARRAY<STRING>) AS as_str, CAST(arr AS ARRAY<DOUBLE>) AS as_dbl, CAST(sarr AS ARRAY<INT>) AS as_int, CAST(st AS STRUCT<a: STRING, b: STRING>) AS st2
FROM t ORDER BY id;

-- Cast of NULL and typed NULLs.
SELECT CAST(NULL AS INT), CAST(NULL AS STRING), CAST(NULL AS DATE), CAST(NULL AS DECIMAL(5, 2)), CAST(NULL AS BOOLEAN), typeof(CAST(NULL AS BIGINT));

-- Function-style casts.
SELECT id, int(ns), bigint(ns), string(dec), double(ns), date(ds), boolean(i), float(d), smallint(i), tinyint(si), decimal(d), timestamp(ds)
FROM t ORDER BY id;

-- Default DECIMAL is DECIMAL(10,0): rounds half up, overflows to NULL.
SELECT id, CAST(d AS DECIMAL), CAST(dec AS DECIMAL), CAST(ns AS DECIMAL), CAST(l AS DECIMAL), typeof(CAST(dec AS DECIMAL))
FROM t ORDER BY id;

-- The :: cast operator.
SELECT id, ns::int, ds::date, dec::string, d::bigint, flag::int, ts::date
FROM t ORDER BY id;

-- TRY_CAST gives NULL on invalid input.
SELECT id, try_cast(ns AS INT), try_cast(ds AS DATE), try_cast(s AS DOUBLE), try_cast(ns AS DECIMAL(5, 1)), try_cast(ds AS TIMESTAMP)
FROM t ORDER BY id;

-- varchar and char casts.
SELECT id, CAST(s AS VARCHAR(5)) AS v5, CAST(k AS CHAR(3)) AS c3, length(CAST(k AS CHAR(3))) AS c3_len, CAST(i AS VARCHAR(20)) AS vi, typeof(CAST(s AS VARCHAR(5))) AS vt
FROM t ORDER BY id;

-- Implicit casts in comparisons and concatenation.
SELECT id, i = '10', ns = 10, dt = '2024-02-29', concat('id=', id), concat(d, ''), concat(dec, '|', flag)
FROM t ORDER BY id;

-- Casts in WHERE and GROUP BY on sales.
SELECT CAST(month AS STRING) AS m, CAST(sum(price) AS DOUBLE) AS total, CAST(avg(qty) AS INT) AS avg_qty, CAST(max(sold_on) AS STRING) AS last_sale
FROM sales WHERE CAST(qty AS STRING) >= '5' GROUP BY month;

-- Casting a map to an int is an analysis error (deliberate).
SELECT CAST(m AS INT) FROM t;
