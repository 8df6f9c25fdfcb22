-- Joins: inner/outer/semi/anti/cross/natural/using, NULL keys, non-equi, self and 3-way joins.
SELECT t.id, t.k, u.name, u.amount FROM t JOIN u ON t.id = u.id;
SELECT t.id, u.name FROM t INNER JOIN u ON t.id = u.id ORDER BY t.id, u.name;
-- two output columns both named id
SELECT t.id, u.id, u.name FROM t LEFT JOIN u ON t.id = u.id;
SELECT t.id, t.s, u.id AS uid, u.name FROM t RIGHT OUTER JOIN u ON t.id = u.id;
SELECT t.id AS tid, u.id AS uid, u.name FROM t FULL OUTER JOIN u ON t.id = u.id;
SELECT coalesce(t.id, u.id) AS id, t.k, u.amount FROM t FULL JOIN u ON t.id = u.id ORDER BY id NULLS LAST, u.amount;
SELECT * FROM t LEFT SEMI JOIN u ON t.id = u.id;
SELECT id, k FROM t LEFT ANTI JOIN u ON t.id = u.id;
-- the NULL id of u never matches, so it survives the anti join
SELECT u.id, u.name FROM u LEFT ANTI JOIN t ON u.id = t.id;
-- anti join keeps t rows whose key is NULL (unlike NOT IN)
SELECT id, g FROM t LEFT ANTI JOIN u ON t.g = u.id;
SELECT count(*), sum(t.id), sum(u.amount) FROM t CROSS JOIN u;
SELECT * FROM (SELECT id, k FROM t) a NATURAL JOIN u;
SELECT * FROM (SELECT id, k FROM t) a JOIN u USING (id);
-- USING on a FULL join: id is coalesced from both sides
SELECT * FROM (SELECT id, k FROM t) a FULL OUTER JOIN u USING (id);
-- USING on a RIGHT join: the unqualified id comes from the right side
SELECT id, k, name FROM (SELECT id, k FROM t) a RIGHT JOIN u USING (id);
SELECT a.id, u.id, id FROM (SELECT id, k FROM t) a LEFT JOIN u USING (id);
SELECT region, product, count(*) AS n FROM sales a JOIN sales b USING (region, product) GROUP BY region, product;
-- null-safe equality matches the NULL key of u with the NULL g rows of t
SELECT t.id, t.g, u.name FROM t JOIN u ON t.g <=> u.id;
SELECT t.id, t.g, u.name FROM t JOIN u ON t.g = u.id;
SELECT count(*) FROM t a JOIN t b ON a.k = b.k;
SELECT t.id, u.id AS uid FROM t JOIN u ON t.id BETWEEN u.id - 1 AND u.id + 1 WHERE t.id <= 4;
SELECT a.id, count(b.id) AS smaller FROM t a LEFT JOIN t b ON b.id < a.id GROUP BY a.id ORDER BY a.id;
SELECT a.id, b.id FROM t a JOIN t b ON a.k = b.k AND a.id < b.id ORDER BY a.id, b.id;
SELECT t.id, u.name, count(s.product) AS n_sales FROM t JOIN u ON t.id = u.id LEFT JOIN sales s ON s.month = t.id GROUP BY t.id, u.name;
SELECT t.id, u.name FROM t JOIN u ON t.id = CAST(u.id AS BIGINT);
SELECT t.id, u.id, u.name FROM t JOIN u ON t.id % 10 = u.id;
-- decimal(10,2) = decimal(8,2)
SELECT t.id, t.dec, u.name FROM t JOIN u ON t.dec = u.amount;
-- join keys normalise NaN and -0.0
SELECT t.id, t.d, v.x FROM t JOIN VALUES (0.0D), (CAST('NaN' AS DOUBLE)) AS v(x) ON t.d = v.x;
SELECT t.k, count(*), count(u.id), sum(u.amount) FROM t LEFT JOIN u ON t.id = u.id GROUP BY t.k;
-- a filter in ON keeps unmatched rows; the same filter in WHERE drops them
SELECT t.id, u.name FROM t LEFT JOIN u ON t.id = u.id AND u.amount > 2 WHERE t.id <= 4;
SELECT t.id, u.name FROM t LEFT JOIN u ON t.id = u.id WHERE u.amount > 2 AND t.id <= 4;
SELECT * FROM t JOIN e ON t.id = e.id;
SELECT count(*) FROM t CROSS JOIN e;
SELECT e.id, t.id FROM e FULL OUTER JOIN t ON e.id = t.id;
SELECT * FROM u JOIN (SELECT id, k FROM t) x ON u.id = x.id;
SELECT t.id, u.name FROM t, u WHERE t.id = u.id AND u.amount > 2;
SELECT t.id, x.n FROM t, LATERAL (SELECT count(*) AS n FROM u WHERE u.id = t.id) x;
SELECT /*+ BROADCAST(u) */ t.id, u.name FROM t JOIN u ON t.id = u.id;
SELECT /*+ SHUFFLE_HASH(t) */ t.id, u.name FROM t FULL OUTER JOIN u ON t.id = u.id;
-- error: id is ambiguous
SELECT id FROM t JOIN u ON t.id = u.id;
