-- CTEs and VALUES: chained CTEs, column lists, shadowing, nested WITH, ETL pipelines.
WITH c AS (SELECT id, k FROM t WHERE id < 5) SELECT * FROM c;
WITH a AS (SELECT id, k, g FROM t WHERE g IS NOT NULL), b AS (SELECT g, count(*) AS n FROM a GROUP BY g) SELECT g, n FROM b;
WITH x AS (SELECT id, name FROM u), y AS (SELECT id, s FROM t) SELECT x.id, x.name, y.s FROM x JOIN y ON x.id = y.id;
-- a CTE used twice
WITH c AS (SELECT k, count(*) AS n FROM t GROUP BY k) SELECT x.k, y.k, x.n FROM c x JOIN c y ON x.n = y.n AND x.k < y.k;
WITH c(a, b) AS (SELECT id, k FROM t) SELECT * FROM c WHERE a > 10;
WITH c(x) AS (SELECT id + 1 FROM t) SELECT max(x), min(x) FROM c;
WITH c AS (SELECT id + 1, upper(k) FROM t WHERE id < 3) SELECT * FROM c;
-- a CTE shadows the table t
WITH t AS (SELECT 1 AS id, 'cte' AS k) SELECT * FROM t;
WITH u AS (SELECT * FROM u WHERE id = 2) SELECT * FROM u;
SELECT * FROM (WITH c AS (SELECT id FROM u) SELECT count(*) AS n FROM c) x;
WITH a AS (WITH b AS (SELECT 1 AS x) SELECT x + 1 AS y FROM b) SELECT * FROM a;
WITH c AS (SELECT 1 AS v) SELECT * FROM (WITH c AS (SELECT 2 AS v) SELECT v FROM c);
WITH c AS (SELECT 1 AS v) SELECT v, (SELECT max(id) FROM u) AS m FROM c;
WITH C AS (SELECT 1 AS x) SELECT * FROM c;
WITH unused AS (SELECT 1 / 0 AS x) SELECT count(*) FROM t;
-- dedup: keep the row with the highest amount per id
WITH r AS (SELECT id, name, amount, row_number() OVER (PARTITION BY id ORDER BY amount DESC) AS rn FROM u) SELECT id, name, amount FROM r WHERE rn = 1;
WITH d AS (SELECT k, id, s, row_number() OVER (PARTITION BY k ORDER BY id DESC) AS rn FROM t) SELECT k, id, s FROM d WHERE rn = 1;
-- latest record per key
WITH latest AS (SELECT region, product, qty, sold_on, row_number() OVER (PARTITION BY region ORDER BY sold_on DESC, product) AS rn FROM sales) SELECT region, product, qty, sold_on FROM latest WHERE rn = 1 ORDER BY region NULLS LAST;
-- running totals
WITH m AS (SELECT month, sum(qty) AS q FROM sales GROUP BY month) SELECT month, q, sum(q) OVER (ORDER BY month) AS running FROM m ORDER BY month;
WITH base AS (SELECT region, product, qty * price AS revenue FROM sales WHERE region IS NOT NULL),
agg AS (SELECT region, sum(revenue) AS rev FROM base GROUP BY region),
ranked AS (SELECT region, rev, rank() OVER (ORDER BY rev DESC) AS rk FROM agg)
SELECT * FROM ranked ORDER BY rk, region;
WITH o AS (SELECT region, product, month, qty, lag(qty) OVER (PARTITION BY region ORDER BY month, product) AS prev FROM sales) SELECT region, product, month, qty, prev, qty - prev AS delta FROM o;
WITH avg_k AS (SELECT k, avg(d) AS ad FROM t GROUP BY k) SELECT t.id, t.k, a.ad, t.d > a.ad AS above FROM t JOIN avg_k a ON t.k = a.k;
WITH all_ids AS (SELECT id FROM t UNION ALL SELECT id FROM u) SELECT id, count(*) AS n FROM all_ids GROUP BY id;
WITH big AS (SELECT id FROM u WHERE amount > 2) SELECT id, k FROM t WHERE id IN (SELECT id FROM big);
WITH s AS (SELECT DISTINCT region, product FROM sales) SELECT product, count(region) AS regions FROM s GROUP BY product HAVING count(region) > 1;
SELECT * FROM VALUES (1, 'a'), (2, 'b') AS v(x, y);
SELECT * FROM VALUES (1, 'a'), (2, 'b');
VALUES (1, 'a'), (2, 'b');
SELECT * FROM VALUES (1, 2.5), (2L, NULL) AS v(a, b);
SELECT * FROM VALUES (1), (2.5D) AS v(a);
SELECT v.col1 FROM VALUES (1), (2) AS v;
SELECT * FROM VALUES (DATE'2024-01-01', NULL), (NULL, TIMESTAMP'2024-01-01 10:00:00') AS v(d, ts);
WITH v(x, y) AS (VALUES (1, 'one'), (2, 'two'), (13, 'x')) SELECT v.x, v.y, t.k FROM v LEFT JOIN t ON v.x = t.id;
SELECT t.id, m.label FROM t JOIN VALUES ('a', 'Alpha'), ('b', 'Beta') AS m(code, label) ON t.k = m.code;
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r;
-- error: inline tables do not widen int and string
SELECT * FROM VALUES (1, 'x'), (2, 3) AS v(a, b);
-- error: a CTE cannot reference a later one
WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a;
