-- Dates, timestamps, intervals (UTC session). No interval-typed output columns.
-- Date parts of dates.
SELECT id, dt, year(dt), month(dt), day(dt), dayofmonth(dt), dayofweek(dt), weekday(dt), dayofyear(dt), weekofyear(dt), quarter(dt)
FROM t ORDER BY id;

-- Time parts of timestamps.
SELECT id, ts, hour(ts), minute(ts), second(ts), year(ts), dayofweek(ts), date_part('SECONDS', ts) AS sec_frac
FROM t ORDER BY id;

-- EXTRACT and date_part.
SELECT id, EXTRACT(YEAR FROM dt) AS y, EXTRACT(MONTH FROM ts) AS m, EXTRACT(DAY FROM dt) AS d, EXTRACT(DOW FROM dt) AS dow, EXTRACT(DOY FROM dt) AS doy,
  date_part('week', dt) AS wk, date_part('quarter', ts) AS q, EXTRACT(HOUR FROM ts) AS h
FROM t ORDER BY id;

-- date_add, date_sub, datediff.
SELECT id, date_add(dt, 1), date_sub(dt, 1), date_add(dt, -366), datediff(dt, DATE'2024-01-01'), datediff(DATE'2024-01-01', dt), datediff(ts, dt)
FROM t ORDER BY id;

-- add_months at month ends and leap days.
SELECT id, dt, add_months(dt, 1), add_months(dt, -1), add_months(dt, 12), add_months(dt, -12), add_months(ts, 1) AS ts_months
FROM t ORDER BY id;

-- months_between (rounded and unrounded), last_day, next_day.
SELECT id, months_between(dt, DATE'2024-01-31') AS mb, months_between(ts, TIMESTAMP'2024-01-01 12:00:00', false) AS mb_raw, last_day(dt), next_day(dt, 'Mon'), next_day(dt, 'FRIDAY')
FROM t ORDER BY id;

-- months_between literal cases.
SELECT months_between(DATE'2024-03-31', DATE'2024-02-29') AS a, months_between(DATE'2024-02-29', DATE'2024-01-31') AS b,
  months_between(DATE'2024-03-15', DATE'2024-02-15') AS c, months_between(TIMESTAMP'2024-03-15 12:00:00', TIMESTAMP'2024-02-15 00:00:00') AS d,
  months_between(DATE'2023-01-01', DATE'2024-01-01') AS e;

-- trunc on dates with every supported unit.
SELECT id, dt, trunc(dt, 'YEAR'), trunc(dt, 'yy'), trunc(dt, 'QUARTER'), trunc(dt, 'MONTH'), trunc(dt, 'mm'), trunc(dt, 'WEEK'), trunc(dt, 'bogus')
FROM t ORDER BY id;

-- date_trunc on timestamps with every unit.
SELECT id, date_trunc('YEAR', ts) AS y, date_trunc('QUARTER', ts) AS q, date_trunc('MONTH', ts) AS mo, date_trunc('WEEK', ts) AS w, date_trunc('DAY', ts) AS d,
  date_trunc('HOUR', ts) AS h, date_trunc('MINUTE', ts) AS mi, date_trunc('SECOND', ts) AS s, date_trunc('MILLISECOND', ts) AS ms, date_trunc('MICROSECOND', ts) AS us
FROM t ORDER BY id;

-- to_date with and without patterns; garbage gives NULL.
SELECT id, ds, to_date(ds), to_date(ds, 'dd/MM/yyyy'), to_date(ds, 'yyyy-MM-dd'), to_date(ds, "yyyy-MM-dd'T'HH:mm:ss")
FROM t ORDER BY id;

-- to_timestamp with and without patterns.
SELECT id, to_timestamp(ds), to_timestamp(ds, 'yyyy-MM-dd HH:mm:ss'), to_timestamp(ds, 'dd/MM/yyyy'), to_timestamp(ds, "yyyy-MM-dd'T'HH:mm:ss")
FROM t ORDER BY id;

-- to_date / to_timestamp literal patterns.
SELECT to_date('2024/02/29', 'yyyy/MM/dd') AS a, to_date('29.02.2023', 'dd.MM.yyyy') AS b, to_date('Mar 5 2024', 'MMM d yyyy') AS c,
  to_timestamp('2024-01-05 10:20:30.123', 'yyyy-MM-dd HH:mm:ss.SSS') AS d, to_timestamp('05/01/24 01:02 PM', 'dd/MM/yy hh:mm a') AS e,
  to_timestamp('20240105', 'yyyyMMdd') AS f, to_date('2024-13-01') AS g;

-- date_format with many pattern letters on dates.
SELECT id, date_format(dt, 'yyyy'), date_format(dt, 'yy'), date_format(dt, 'MM'), date_format(dt, 'MMM'), date_format(dt, 'MMMM'),
  date_format(dt, 'dd'), date_format(dt, 'd'), date_format(dt, 'E'), date_format(dt, 'EEEE'), date_format(dt, 'D')
FROM t ORDER BY id;

-- date_format with time pattern letters on timestamps.
SELECT id, date_format(ts, 'HH:mm:ss'), date_format(ts, 'hh:mm a'), date_format(ts, 'yyyy-MM-dd HH:mm:ss.SSS'), date_format(ts, 'yyyy-MM-dd''T''HH:mm:ss'),
  date_format(ts, 'QQ'), date_format(ts, 'MM/dd/yyyy'), date_format(ts, 'H:m:s')
FROM t ORDER BY id;

-- unix_timestamp, to_unix_timestamp, from_unixtime.
SELECT id, unix_timestamp(ts), unix_timestamp(dt), unix_timestamp(ds, 'yyyy-MM-dd'), to_unix_timestamp(ts), from_unixtime(l), from_unixtime(i, 'yyyy-MM-dd')
FROM t WHERE id NOT IN (3, 4) ORDER BY id;

-- unix_timestamp and from_unixtime literal cases.
SELECT unix_timestamp('2024-02-29 12:00:00') AS a, unix_timestamp('1969-12-31 23:59:59') AS b, unix_timestamp('garbage') AS c,
  from_unixtime(0) AS d, from_unixtime(-1) AS e, from_unixtime(1709208000, 'EEEE, MMMM d, yyyy') AS f, unix_timestamp('2024-02-29', 'yyyy-MM-dd') AS g;

-- timestamp_seconds / millis / micros and back.
SELECT id, timestamp_seconds(i), timestamp_millis(l), timestamp_micros(l), unix_seconds(ts), unix_millis(ts), unix_micros(ts)
FROM t WHERE id NOT IN (3, 4) ORDER BY id;

-- timestamp_seconds with fractional input.
SELECT id, d, timestamp_seconds(d) AS from_double, timestamp_seconds(dec) AS from_decimal
FROM t WHERE id IN (1, 2, 9, 10, 11, 12) ORDER BY id;

-- make_date / make_timestamp, invalid gives NULL.
SELECT make_date(2024, 2, 29) AS a, make_date(2023, 2, 29) AS b, make_date(2024, 13, 1) AS c, make_date(-1, 1, 1) IS NULL AS d,
  make_timestamp(2024, 2, 29, 23, 59, 59.999999) AS e, make_timestamp(2024, 1, 1, 24, 0, 0) AS f, make_timestamp(2024, 1, 1, 0, 0, 60) AS g, make_timestamp(2024, 1, 1, 1, 2, 3.5) AS h;

-- make_date from columns.
SELECT id, make_date(2024, g, id), make_date(2000 + id, id, 31), make_timestamp(2024, id, 1, g, id, 30.5)
FROM t ORDER BY id;

-- Interval arithmetic on dates across leap days and month ends.
SELECT id, dt, dt + INTERVAL 1 DAY AS plus_day, dt + INTERVAL 1 MONTH AS plus_month, dt - INTERVAL 1 YEAR AS minus_year, dt + INTERVAL '1-2' YEAR TO MONTH AS plus_ym
FROM t ORDER BY id;

-- Interval literals on date literals.
SELECT DATE'2024-01-31' + INTERVAL 1 MONTH AS a, DATE'2024-02-29' + INTERVAL 1 YEAR AS b, DATE'2024-03-31' - INTERVAL 1 MONTH AS c,
  DATE'2023-12-31' + INTERVAL 2 MONTHS AS d, DATE'2024-02-28' + INTERVAL 1 DAY AS e, DATE'2023-02-28' + INTERVAL 1 DAY AS f, DATE'2024-01-31' + 1 AS g;

-- Timestamp plus intervals of several units.
SELECT id, ts + INTERVAL '1' HOUR AS h, ts - INTERVAL 30 MINUTES AS m30, ts + INTERVAL 1 DAY AS d1, ts + INTERVAL '1 02:03:04' DAY TO SECOND AS dts, ts + INTERVAL 1 MONTH AS mo
FROM t ORDER BY id;

-- Differences of dates and timestamps as numbers.
SELECT id, datediff(dt, DATE'1970-01-01') AS days, unix_seconds(ts) - unix_seconds(TIMESTAMP'2024-01-01 00:00:00') AS secs, timestampdiff(HOUR, TIMESTAMP'2024-01-01 00:00:00', ts) AS hrs,
  timestampdiff(MONTH, DATE'2024-01-31', dt) AS mons, extract(DAY FROM dt - DATE'2024-01-01') AS day_diff
FROM t ORDER BY id;

-- dateadd / timestampadd / date_diff.
SELECT id, dateadd(DAY, 10, dt) AS da, timestampadd(MONTH, 1, ts) AS tam, timestampadd(SECOND, -1, ts) AS tas, date_diff(dt, DATE'2000-01-01') AS dd
FROM t ORDER BY id;

-- Comparisons of dates with string literals.
SELECT id, dt, dt = '2024-03-10' AS eq, dt > '2024-01-01' AS gt, dt BETWEEN '2024-01-01' AND '2024-06-30' AS h1, ts < '2024-03-10' AS ts_lt, ts >= '2024-12-31 23:00' AS ts_ge
FROM t ORDER BY id;

-- Filtering and grouping sales by date parts.
SELECT month(sold_on) AS m, count(*) AS n, min(sold_on) AS first_sale, max(sold_on) AS last_sale, sum(qty) AS q
FROM sales WHERE sold_on >= DATE'2024-01-01' AND sold_on < '2024-03-01' GROUP BY month(sold_on);

-- Date and timestamp literals and their types.
SELECT DATE'2024-02-29', TIMESTAMP'2024-02-29 23:59:59.999999', DATE'1900-01-01', TIMESTAMP'1969-12-31 23:59:59', DATE'0001-01-01', TIMESTAMP'2024-03-10 02:30:00', typeof(TIMESTAMP'2024-01-01 00:00:00');

-- Dates before 1970 and 1900.
SELECT dayofweek(DATE'1900-01-01') AS a, datediff(DATE'1970-01-01', DATE'1900-01-01') AS b, unix_timestamp(TIMESTAMP'1900-01-01 00:00:00') AS c,
  date_format(DATE'1899-12-31', 'EEEE yyyy-MM-dd') AS d, add_months(DATE'1900-02-28', 12) AS e, weekofyear(DATE'1900-12-31') AS f, last_day(DATE'1900-02-01') AS g;

-- Week-of-year and ISO week edge cases at year boundaries.
SELECT weekofyear(DATE'2024-12-30') AS a, weekofyear(DATE'2021-01-03') AS b, weekofyear(DATE'2020-12-31') AS c, dayofweek(DATE'2024-12-29') AS d,
  weekday(DATE'2024-12-29') AS e, EXTRACT(YEAROFWEEK FROM DATE'2024-12-30') AS f, date_format(DATE'2024-12-30', 'yyyy') AS g;

-- Date arithmetic in aggregates on t.
SELECT k, min(dt), max(dt), max(ts), datediff(max(dt), min(dt)) AS span
FROM t GROUP BY k;

-- Timestamps at DST change dates and microsecond precision (UTC session).
SELECT id, ts, CAST(ts AS STRING) AS txt, date_format(ts, 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS micros, ts + INTERVAL '0.000001' SECOND AS plus_us
FROM t WHERE id IN (1, 2, 6, 10, 11, 12) ORDER BY id;

-- from_utc_timestamp / to_utc_timestamp with zones.
SELECT id, from_utc_timestamp(ts, 'America/New_York') AS ny, to_utc_timestamp(ts, 'Europe/Paris') AS paris_utc, from_utc_timestamp(ts, '+05:30') AS ist
FROM t ORDER BY id;

-- Unsupported pattern letter (deliberate error).
SELECT date_format(DATE'2024-01-01', 'yyyy-MM-dd qqqqq');
