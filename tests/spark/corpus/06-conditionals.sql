-- Conditionals, NULL handling and comparisons.
-- Searched CASE with and without ELSE.
SELECT id, i,
  CASE WHEN i > 100 THEN 'big' WHEN i > 0 THEN 'small' WHEN i = 0 THEN 'zero' ELSE 'neg or null' END AS bucket,
  CASE WHEN i > 0 THEN 'pos' END AS pos_only,
  CASE WHEN flag THEN 1 WHEN NOT flag THEN 0 END AS flag_num
FROM t ORDER BY id;

-- Simple CASE on strings and ints (NULL never matches).
SELECT id, k, CASE k WHEN 'a' THEN 1 WHEN 'b' THEN 2 ELSE 0 END, CASE g WHEN 1 THEN 'one' WHEN 2 THEN 'two' END, CASE k WHEN NULL THEN 'null' ELSE 'other' END
FROM t ORDER BY id;

-- CASE with mixed result types int / decimal / double / string.
SELECT id, CASE WHEN id < 4 THEN i ELSE dec END AS int_dec, CASE WHEN id < 4 THEN dec ELSE d END AS dec_dbl, CASE WHEN id < 4 THEN i ELSE 'x' END AS int_str,
  CASE WHEN id < 4 THEN l ELSE 1.5 END AS big_dec, CASE WHEN id < 4 THEN ti ELSE si END AS tiny_small
FROM t ORDER BY id;

-- Result types of CASE branches.
SELECT typeof(CASE WHEN true THEN 1 ELSE 2.5 END) AS a, typeof(CASE WHEN true THEN 1 ELSE 2.5D END) AS b, typeof(CASE WHEN true THEN 1 ELSE '2' END) AS c,
  typeof(CASE WHEN true THEN 1Y ELSE 1L END) AS d, typeof(CASE WHEN true THEN CAST(1 AS DECIMAL(10, 2)) ELSE CAST(1 AS DECIMAL(5, 4)) END) AS e, typeof(CASE WHEN true THEN NULL ELSE 1 END) AS f;

-- IF with NULL conditions and mixed branch types.
SELECT id, IF(i > 5, 'hi', 'lo'), if(flag, dec, d), if(k = 'a', id, NULL), IF(NULL, 1, 2), if(d > 0, d, -d)
FROM t ORDER BY id;

-- coalesce with mixed types.
SELECT id, coalesce(k, 'none'), coalesce(i, l), coalesce(dec, d), coalesce(dec, 0), coalesce(s, ns, k), coalesce(NULL, NULL, id)
FROM t ORDER BY id;

-- nvl / nvl2 / ifnull and their result types.
SELECT id, nvl(k, 'none'), nvl2(k, dec, d), nvl2(flag, 'set', 'unset'), ifnull(dec, 0), ifnull(i, 0.5), nvl(ti, 1000)
FROM t ORDER BY id;

-- Types of nvl / nvl2 / ifnull / coalesce.
SELECT typeof(nvl2(k, dec, d)) AS a, typeof(ifnull(dec, 0)) AS b, typeof(ifnull(i, 0.5)) AS c, typeof(nvl(ti, 1000)) AS d, typeof(coalesce(i, l)) AS e, typeof(coalesce(dec, 1.123)) AS f
FROM t WHERE id = 1;

-- nullif, isnull, isnotnull, IS NULL, IS NOT NULL.
SELECT id, nullif(k, 'a'), nullif(i, 0), nullif(d, d), isnull(s), isnotnull(dt), ts IS NULL, flag IS NOT NULL
FROM t ORDER BY id;

-- IS DISTINCT FROM and <=> (null-safe equality).
SELECT id, k, g, k <=> 'a', g <=> NULL, k IS DISTINCT FROM 'a', g IS NOT DISTINCT FROM 1, k = 'a', NULL <=> NULL
FROM t ORDER BY id;

-- Three-valued logic with NULL.
SELECT id, flag, flag AND true AS a_t, flag AND false AS a_f, flag OR true AS o_t, flag OR false AS o_f, NOT flag AS n, flag AND NULL AS a_null, flag OR NULL AS o_null
FROM t ORDER BY id;

-- Boolean literal truth table with NULL.
SELECT NULL AND false AS a, NULL AND true AS b, NULL OR true AS c, NULL OR false AS d, NOT NULL AS e, (NULL = NULL) AS f, true AND NOT false OR NULL AS g;

-- IS TRUE / IS FALSE / IS UNKNOWN.
SELECT id, flag IS TRUE, flag IS FALSE, flag IS NOT TRUE, (i > 5) IS UNKNOWN
FROM t ORDER BY id;

-- IN and NOT IN lists with NULLs.
SELECT id, g, g IN (1, 2), g NOT IN (1, 2), g IN (1, NULL), g NOT IN (1, NULL), k IN ('a', 'c'), id IN (SELECT id FROM u)
FROM t ORDER BY id;

-- NOT IN subquery with a NULL in the subquery returns no rows.
SELECT id FROM t WHERE id NOT IN (SELECT id FROM u) ORDER BY id;

-- NOT IN subquery without NULLs.
SELECT id FROM t WHERE id NOT IN (SELECT id FROM u WHERE id IS NOT NULL) ORDER BY id;

-- BETWEEN and NOT BETWEEN, including reversed bounds and NULL bounds.
SELECT id, i BETWEEN 0 AND 10, i NOT BETWEEN 0 AND 10, i BETWEEN 10 AND 0, d BETWEEN -1 AND NULL, s BETWEEN 'a' AND 'm', dec BETWEEN -1 AND 3
FROM t ORDER BY id;

-- NaN comparisons: NaN = NaN is true and NaN is greater than everything.
SELECT id, d, d = d AS self_eq, d > 1e308 AS gt_big, d < CAST('Infinity' AS DOUBLE) AS lt_inf, d = CAST('NaN' AS DOUBLE) AS is_nan, d <=> CAST('NaN' AS DOUBLE) AS ns_nan, isnan(d) AS isnan_fn
FROM t ORDER BY id;

-- NaN literal comparisons and -0.0 equality.
SELECT CAST('NaN' AS DOUBLE) = CAST('NaN' AS DOUBLE) AS a, CAST('NaN' AS DOUBLE) > CAST('Infinity' AS DOUBLE) AS b, CAST('NaN' AS DOUBLE) < 0 AS c,
  -0.0D = 0.0D AS d, -0.0D < 0.0D AS e, CAST('NaN' AS FLOAT) = CAST('NaN' AS DOUBLE) AS f, greatest(1.0D, CAST('NaN' AS DOUBLE)) AS g, least(1.0D, CAST('NaN' AS DOUBLE)) AS h;

-- Ordering with NaN, infinities, -0.0 and NULL.
SELECT id, d FROM t ORDER BY d, id;

-- Ordering descending with NULLS FIRST / LAST.
SELECT id, f FROM t ORDER BY f DESC NULLS LAST, id;

-- Comparisons between ints and strings ('10' = 10).
SELECT id, ns, i, ns = 10, '10' = i, ns > 5, ns = '10', i < '9', '1.0' = 1 AS one_eq, 'abc' = 0 AS garbage_eq
FROM t ORDER BY id;

-- Comparisons between mixed numeric types and decimals.
SELECT id, dec = 2.5, dec = d, i = l, f = d, ti < si, dec > 0.5D
FROM t ORDER BY id;

-- Boolean expressions in WHERE.
SELECT id, k, i FROM t WHERE (k = 'a' OR g = 3) AND NOT (i < 0) AND coalesce(flag, true) ORDER BY id;

-- WHERE with NULL-producing predicates filters the row out.
SELECT id FROM t WHERE NOT (g = 1) ORDER BY id;

-- greatest / least with NULLs (NULLs are skipped).
SELECT id, greatest(g, ti, 4), least(g, ti, 4), greatest(k, s), least(dt, DATE'2024-01-01'), greatest(NULL, i), least(CAST(NULL AS INT), NULL)
FROM t ORDER BY id;

-- nanvl replaces NaN, not NULL.
SELECT id, d, nanvl(d, 0.0), nanvl(f, -1.0), nanvl(d, NULL), nanvl(CAST('NaN' AS DOUBLE), d)
FROM t ORDER BY id;

-- zeroifnull / nullifzero.
SELECT id, zeroifnull(i), nullifzero(i), zeroifnull(dec), nullifzero(d), zeroifnull(ti)
FROM t ORDER BY id;

-- assert_true that succeeds returns NULL.
SELECT id, assert_true(id > 0), assert_true(id IS NOT NULL, 'id missing')
FROM t ORDER BY id;

-- CASE and coalesce in aggregates over sales.
SELECT coalesce(region, 'unknown') AS r, sum(CASE WHEN product = 'apple' THEN qty ELSE 0 END) AS apples, sum(IF(discount > 0, 1, 0)) AS discounted,
  count(CASE WHEN price IS NULL THEN 1 END) AS no_price, max(nvl(qty, -1)) AS max_qty
FROM sales GROUP BY coalesce(region, 'unknown');

-- Conditional count via FILTER and CASE on t.
SELECT k, count(*) FILTER (WHERE flag) AS n_true, count(CASE WHEN flag = false THEN 1 END) AS n_false, sum(CASE WHEN d = d THEN 1 ELSE 0 END) AS non_nan
FROM t GROUP BY k;

-- CASE short-circuit: division by zero in a branch not taken, non-ANSI NULL when taken.
SELECT id, CASE WHEN i = 0 THEN NULL ELSE 100 / i END AS safe_div, CASE WHEN id > 0 THEN 1 ELSE 1 / 0 END AS not_taken, coalesce(1 / nullif(i, 0), -1) AS via_nullif
FROM t ORDER BY id;

-- Nested conditionals.
SELECT id, CASE WHEN k IS NULL THEN 'missing' WHEN k IN ('a', 'b') THEN IF(g = 1, 'a1', 'ab') ELSE coalesce(nullif(k, 'c'), 'was c') END AS label
FROM t ORDER BY id;

-- assert_true that fails (deliberate error).
SELECT assert_true(id < 5) FROM t;
