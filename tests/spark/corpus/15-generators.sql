-- Generators: explode, posexplode, inline, stack, LATERAL VIEW, table-valued functions.
-- explode / explode_outer of arrays as SELECT items (empty arrays and NULL give no row unless _outer).
SELECT id, explode(arr) FROM t;
SELECT id, explode_outer(arr) AS v FROM t;
SELECT id, posexplode(sarr) FROM t ORDER BY id, pos;
SELECT id, posexplode_outer(arr) AS (p, v) FROM t ORDER BY id, p;
-- explode of maps gives key and value; posexplode of maps gives pos, key, value.
SELECT id, explode(m) FROM t;
SELECT id, explode_outer(m) AS (mk, mv) FROM t;
SELECT id, posexplode(m) FROM t WHERE id IN (1, 8, 12);
SELECT id, posexplode_outer(m) AS (i, k2, v2) FROM t WHERE id <= 5;
-- LATERAL VIEW, LATERAL VIEW OUTER, several LATERAL VIEWs.
SELECT t.id, x.v FROM t LATERAL VIEW explode(arr) x AS v ORDER BY t.id, x.v;
SELECT id, x.col FROM t LATERAL VIEW explode(sarr) x;
SELECT id, v, w FROM t LATERAL VIEW explode(arr) a AS v LATERAL VIEW explode(sarr) b AS w WHERE id IN (1, 4, 6, 12);
SELECT id, pos, val FROM t LATERAL VIEW posexplode(sarr) p AS pos, val ORDER BY id, pos;
SELECT id, key, value FROM t LATERAL VIEW explode(m) mm AS key, value WHERE value IS NOT NULL;
SELECT id, k2, v2 FROM t LATERAL VIEW OUTER explode(m) mm AS k2, v2 WHERE id IN (2, 3, 4, 5, 6);
SELECT id, p, v FROM t LATERAL VIEW OUTER posexplode(arr) x AS p, v WHERE id IN (2, 3, 4, 8);
-- inline / inline_outer of arrays of structs.
SELECT inline(array(struct(1, 'a'), struct(2, 'b'), struct(NULL, NULL)));
SELECT id, inline(arrays_zip(arr, sarr)) FROM t WHERE id IN (1, 2, 4, 6, 10);
SELECT id, inline_outer(arrays_zip(arr, sarr)) AS (n, str) FROM t WHERE id IN (2, 3, 5, 9);
SELECT id, a, b FROM t LATERAL VIEW inline(array(named_struct('a', id, 'b', s), named_struct('a', id * 10, 'b', k))) x AS a, b WHERE id <= 3;
-- stack.
SELECT stack(2, 'a', 1, 'b', 2);
SELECT stack(2, 1, 2, 3) AS (x, y);
SELECT stack(3, 'only', 'two');
SELECT id, stack(2, id, k, g, s) AS (num, str) FROM t WHERE id IN (1, 2, 5);
-- Empty arrays, NULL, sequence, split.
SELECT explode(array()) AS v;
SELECT explode(CAST(NULL AS ARRAY<INT>)) AS v;
SELECT explode_outer(CAST(array() AS ARRAY<INT>)) AS v1;
SELECT explode(sequence(1, 3));
SELECT id, explode(sequence(1, id)) AS n FROM t WHERE id <= 4;
SELECT id, explode(split(s, ',')) AS part FROM t WHERE id IN (1, 3, 10);
SELECT id, posexplode(split(s, ' ')) AS (i, word) FROM t WHERE id IN (2, 7, 12) ORDER BY id, i;
-- Generators with expressions and other columns, then aggregated in an outer query.
SELECT id, k, explode(transform(arr, x -> x * 10)) AS v FROM t WHERE id <= 4;
SELECT v, count(*) AS n FROM (SELECT explode(arr) AS v FROM t) GROUP BY v ORDER BY v NULLS FIRST;
SELECT k, sum(v), count(v), count(*) FROM t LATERAL VIEW OUTER explode(arr) x AS v GROUP BY k;
SELECT w, count(DISTINCT id) AS ids FROM t LATERAL VIEW explode(sarr) x AS w GROUP BY w HAVING count(*) > 1;
SELECT z.arr, z.sarr FROM (SELECT explode(arrays_zip(arr, sarr)) AS z FROM t WHERE id = 12);
SELECT DISTINCT explode(sarr) AS w FROM t;
SELECT id, day FROM t LATERAL VIEW explode(sequence(dt, date_add(dt, 2))) x AS day WHERE id IN (1, 7);
-- Generators in FROM (table-valued functions).
SELECT * FROM explode(array(1, 2, NULL));
SELECT * FROM posexplode(array('x', 'y'));
SELECT * FROM explode(map('a', 1, 'b', 2));
SELECT * FROM inline(array(struct(1, 'a'), struct(2, 'b')));
SELECT * FROM stack(2, 'x', 10, 'y', 20) AS s(name, val);
-- range().
SELECT * FROM range(5);
SELECT id FROM range(2, 10, 3) UNION ALL SELECT id FROM range(5, 0, -2);
SELECT count(*), sum(id) FROM range(1, 101);
SELECT count(*) AS n FROM range(0);
SELECT id % 3 AS r, count(*) AS n FROM range(10) GROUP BY id % 3;
SELECT r.id, t.s FROM range(1, 4) r JOIN t ON r.id = t.id;
-- Two generators in one SELECT list (Spark 4 accepts this: a cross product per row).
SELECT id, explode(arr), explode(sarr) FROM t WHERE id IN (1, 4, 7);
-- Deliberate error: a generator nested inside an expression.
SELECT explode(arr) + 1 FROM t;
