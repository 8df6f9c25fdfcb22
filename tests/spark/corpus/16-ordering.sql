-- ORDER BY on every type, NULL placement, NaN/-0.0, ordinals, aliases, LIMIT/OFFSET.
SELECT id, k FROM t ORDER BY k, id;
SELECT id, k FROM t ORDER BY k DESC, id;
SELECT id, k FROM t ORDER BY k NULLS LAST, id;
SELECT id, k FROM t ORDER BY k DESC NULLS FIRST, id;
SELECT g, k, id FROM t ORDER BY g DESC NULLS FIRST, k ASC NULLS LAST, id;
-- empty, unicode and mixed-case strings in binary order
SELECT id, s FROM t ORDER BY s;
-- NaN sorts above +Infinity
SELECT id, d FROM t ORDER BY d;
SELECT id, d FROM t ORDER BY d DESC NULLS FIRST;
SELECT id, f FROM t ORDER BY f DESC, id;
-- -0.0 and 0.0 compare equal: the tie-breaker decides
SELECT x, y FROM VALUES (0.0D, 2), (-0.0D, 1), (1.0D, 3), (-1.0D, 4), (0.0D, 0) AS v(x, y) ORDER BY x, y;
SELECT id, ti, si, i, l FROM t ORDER BY l, id;
SELECT id, dec FROM t ORDER BY dec DESC, id;
SELECT id, bd FROM t ORDER BY bd;
SELECT id, dt FROM t ORDER BY dt, id;
SELECT id, ts FROM t ORDER BY ts DESC;
-- booleans: NULL, false, true
SELECT id, flag FROM t ORDER BY flag, id;
SELECT id, bin FROM t ORDER BY bin, id;
SELECT id, arr FROM t ORDER BY arr, id;
SELECT id, st FROM t ORDER BY st DESC, id;
SELECT k, id FROM t ORDER BY 1 DESC, 2;
SELECT id, id % 3 AS r FROM t ORDER BY r, id DESC;
SELECT id, k FROM t ORDER BY length(s) DESC, id;
SELECT id, ns FROM t ORDER BY CAST(ns AS DOUBLE) NULLS LAST, id;
SELECT id, k FROM t ORDER BY CASE k WHEN 'c' THEN 0 WHEN 'a' THEN 1 ELSE 2 END, id;
-- the output alias id (a string) shadows the column id
SELECT CAST(id AS STRING) AS id FROM t ORDER BY id;
-- the unaliased cast is named id too, so ORDER BY id sorts the strings
SELECT CAST(id AS STRING) FROM t ORDER BY id;
SELECT id, -id AS k FROM t ORDER BY k;
SELECT k, count(*) AS n, sum(id) FROM t GROUP BY k ORDER BY n DESC, k;
SELECT k FROM t GROUP BY k ORDER BY max(id) DESC;
SELECT product, region, month, price FROM sales ORDER BY price DESC NULLS LAST, month, region;
SELECT id, s FROM t ORDER BY id DESC LIMIT 3;
SELECT id FROM t ORDER BY id LIMIT 0;
SELECT * FROM t LIMIT 0;
SELECT id FROM t ORDER BY id LIMIT 3 OFFSET 4;
SELECT id FROM t ORDER BY id OFFSET 10;
SELECT * FROM (SELECT id FROM t ORDER BY id DESC LIMIT 5) ORDER BY id;
SELECT DISTINCT k FROM t ORDER BY k DESC NULLS LAST;
SELECT id, k FROM t SORT BY id;
SELECT id, k FROM t DISTRIBUTE BY k;
SELECT id, k FROM t CLUSTER BY k;
-- error: ORDER BY position 3 is not in the select list
SELECT id, k FROM t ORDER BY 3;
