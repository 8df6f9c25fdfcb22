-- Aggregate functions, GROUP BY, HAVING, grouping sets.
-- Basic counts: count(*) counts rows, count(col) skips NULLs.
SELECT count(*), count(1), count(k), count(g), count(DISTINCT k), count(DISTINCT g) FROM t;
-- count(DISTINCT a, b) skips rows where any argument is NULL.
SELECT count(DISTINCT k, g) AS kg, count(DISTINCT g, flag) AS gf, count(DISTINCT k) AS dk FROM t;
SELECT count(DISTINCT region, product), count(DISTINCT region), count(DISTINCT product), count(region) FROM sales;
-- Sums of small integer types widen to bigint; avg is double.
SELECT sum(ti), sum(si), sum(i), sum(l), avg(ti), avg(si), avg(i), avg(l) FROM t;
-- Sum of ints that overflows int range: result is bigint.
SELECT sum(i) AS s_i, sum(si) AS s_si, typeof(sum(ti)) AS ty FROM t WHERE i > 0;
-- Sum of bigints that overflows bigint wraps around in non-ANSI mode.
SELECT sum(l) FROM t WHERE l > 0;
-- Decimals: sum widens precision by 10, avg adds 4 digits of scale.
SELECT sum(dec), avg(dec), min(dec), max(dec) FROM t;
SELECT k, sum(dec) AS total, avg(dec) AS mean, count(dec) AS n FROM t GROUP BY k;
-- decimal(38,6): sum overflows to NULL in non-ANSI mode (row 3), fine without it.
SELECT sum(bd), avg(bd) FROM t;
SELECT sum(bd) AS s, avg(bd) AS a, min(bd) AS mn, max(bd) AS mx FROM t WHERE id <> 3;
-- Floats and doubles with NaN and infinities.
SELECT sum(d), avg(d), min(d), max(d), sum(f), min(f), max(f) FROM t;
SELECT sum(d) AS s, avg(d) AS a, min(d) AS mn, max(d) AS mx FROM t WHERE id NOT IN (6, 7, 8);
SELECT sum(d) AS s, min(d) AS mn, max(d) AS mx, count(d) AS n FROM t WHERE id IN (6, 7);
-- min/max over strings, dates, timestamps, booleans.
SELECT min(s), max(s), min(dt), max(dt), min(ts), max(ts), min(flag), max(flag) FROM t;
-- FILTER clause.
SELECT k, count(*) FILTER (WHERE flag), sum(i) FILTER (WHERE i > 0), count(*) AS n FROM t GROUP BY k;
SELECT region, sum(qty) FILTER (WHERE month = 1) AS jan, sum(qty) FILTER (WHERE month <> 1) AS rest, avg(price) FILTER (WHERE product = 'apple') AS apple_price FROM sales GROUP BY region ORDER BY region NULLS LAST;
-- GROUP BY with HAVING.
SELECT region, sum(qty) AS total FROM sales GROUP BY region HAVING sum(qty) > 10 ORDER BY region;
SELECT product, count(*), max(price) FROM sales GROUP BY product HAVING count(*) >= 2 AND max(price) < 3;
-- GROUP BY ordinal and GROUP BY expression.
SELECT region, count(*), sum(qty) FROM sales GROUP BY 1;
SELECT id % 3 AS r, count(*) AS n, sum(id) AS s FROM t GROUP BY id % 3 ORDER BY r;
SELECT upper(product), month > 1, count(*) FROM sales GROUP BY upper(product), month > 1;
-- GROUPING SETS / ROLLUP / CUBE with grouping() and grouping_id().
SELECT region, product, sum(qty) AS q, grouping_id() AS gid FROM sales GROUP BY GROUPING SETS ((region, product), (region), ()) ORDER BY gid, region, product;
SELECT region, product, sum(qty), count(*) FROM sales GROUP BY ROLLUP (region, product);
SELECT region, month, sum(qty) AS q, grouping(region) AS gr, grouping(month) AS gm FROM sales GROUP BY CUBE (region, month);
SELECT region, product, sum(qty), grouping_id(region, product) FROM sales GROUP BY region, product WITH ROLLUP;
SELECT product, month, count(*) AS n, grouping_id() AS gid FROM sales GROUP BY product, month WITH CUBE HAVING count(*) > 1;
-- Statistical aggregates.
SELECT stddev(qty), stddev_samp(qty), stddev_pop(qty), variance(qty), var_pop(qty), var_samp(qty) FROM sales;
SELECT region, stddev(qty) AS sd, var_pop(qty) AS vp, var_samp(price) AS vs FROM sales GROUP BY region;
SELECT corr(qty, price), covar_pop(qty, price), covar_samp(qty, price), corr(month, qty) FROM sales;
SELECT skewness(qty), kurtosis(qty), skewness(price), kurtosis(discount) FROM sales;
-- Percentiles and mode.
SELECT percentile(qty, 0.5), percentile(qty, 0.25), percentile(qty, array(0.1, 0.9)), median(qty), percentile_approx(qty, 0.5), approx_percentile(qty, array(0.25, 0.75), 100) FROM sales;
SELECT region, median(price) AS med, percentile_cont(0.5) WITHIN GROUP (ORDER BY qty) AS pc, percentile_disc(0.5) WITHIN GROUP (ORDER BY qty) AS pd FROM sales GROUP BY region;
SELECT mode(month), mode(product), mode(qty), mode(region, true) AS lowest_tied FROM sales;
-- max_by / min_by (unique extremes).
SELECT region, max_by(product, qty) AS best, min_by(month, qty) AS worst_month, max_by(sold_on, price) FROM sales GROUP BY region;
-- Boolean aggregates and count_if.
SELECT bool_and(flag), bool_or(flag), every(flag), some(flag), any(flag), count_if(flag), count_if(NOT flag) FROM t;
SELECT k, bool_and(i > 0) AS all_pos, bool_or(d IS NULL) AS any_null, count_if(i > 5) AS big FROM t GROUP BY k;
-- DISTINCT aggregates.
SELECT sum(DISTINCT qty), sum(qty), avg(DISTINCT qty), count(DISTINCT qty), count(DISTINCT price) FROM sales;
SELECT approx_count_distinct(region), approx_count_distinct(qty), approx_count_distinct(price), approx_count_distinct(product) FROM sales;
-- collect_list / collect_set, made deterministic by sorting.
SELECT region, sort_array(collect_list(qty)) AS qs, array_sort(collect_set(product)) AS ps, sort_array(collect_list(month), false) AS ms FROM sales GROUP BY region;
SELECT sort_array(collect_set(k)), size(collect_list(g)), array_sort(collect_list(s)) FROM t;
-- first/last with IGNORE NULLS where the non-NULL values of a group agree.
SELECT g, first(k, true) AS f1, last(k, true) AS l1, first(k) IGNORE NULLS AS f2, any_value(g) AS av FROM t WHERE g = 3 OR g IS NULL GROUP BY g;
-- Aggregates over the empty table.
SELECT count(*), count(v), sum(x), avg(x), min(v), max(id), stddev(x), collect_list(id) FROM e;
SELECT v, count(*), sum(x) FROM e GROUP BY v;
SELECT count(*) AS n, sum(id) AS s FROM e HAVING count(*) = 0;
-- Aggregates over all-NULL input.
SELECT count(i), sum(i), avg(dec), min(s), max(d), bool_and(flag), stddev(d), sort_array(collect_set(k)) FROM t WHERE id = 5;
-- string_agg / listagg ordered WITHIN GROUP.
SELECT region, listagg(product, ',') WITHIN GROUP (ORDER BY product, month) AS products, string_agg(CAST(qty AS STRING), '|') WITHIN GROUP (ORDER BY month, product) AS qtys FROM sales GROUP BY region;
SELECT listagg(DISTINCT product, '; ') WITHIN GROUP (ORDER BY product) FROM sales;
SELECT g, string_agg(k, '') WITHIN GROUP (ORDER BY id DESC), listagg(s) WITHIN GROUP (ORDER BY id) FROM t GROUP BY g;
