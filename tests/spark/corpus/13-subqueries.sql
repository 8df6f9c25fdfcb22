-- Subqueries: scalar (correlated or not), IN / NOT IN, EXISTS, derived tables, HAVING, CASE.
SELECT id, (SELECT max(id) FROM u) AS mx FROM t;
SELECT id, (SELECT max(amount) FROM u WHERE u.id = t.id) FROM t;
SELECT id, dec FROM t WHERE dec > (SELECT avg(amount) FROM u);
-- a scalar subquery with no row is NULL
SELECT id, (SELECT name FROM u WHERE u.id = 99) AS none FROM t WHERE id < 3;
SELECT (SELECT count(*) FROM e), (SELECT max(x) FROM e);
SELECT id FROM t WHERE id IN (SELECT id FROM u);
-- NOT IN with a NULL in the subquery gives no rows
SELECT id FROM t WHERE id NOT IN (SELECT id FROM u);
SELECT id FROM t WHERE id NOT IN (SELECT id FROM u WHERE id IS NOT NULL);
-- NOT IN over an empty subquery is TRUE even for a NULL left side
SELECT id, g FROM t WHERE g NOT IN (SELECT id FROM e);
SELECT id, g FROM t WHERE g NOT IN (SELECT id FROM u WHERE id > 2);
-- IN as a value: Spark gives false (not NULL) for unmatched ids although u has a NULL id
SELECT id, id IN (SELECT id FROM u) FROM t;
SELECT id, id NOT IN (SELECT id FROM u WHERE id IS NOT NULL) AS not_in FROM t;
SELECT region, product, month FROM sales WHERE (region, product) IN (SELECT region, product FROM sales WHERE month = 3);
-- int compared with a string subquery column
SELECT id FROM t WHERE id IN (SELECT ns FROM t);
SELECT id FROM t WHERE dec IN (SELECT amount FROM u);
SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id);
SELECT id FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.id = t.id);
SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.amount > t.dec);
SELECT id, EXISTS (SELECT 1 FROM u WHERE u.id = t.id) AS has_u FROM t;
SELECT x.k, x.n FROM (SELECT k, count(*) AS n FROM t GROUP BY k) x WHERE x.n > 2;
SELECT a, b FROM (SELECT id, k FROM t) AS x(a, b) WHERE a < 4;
SELECT * FROM (SELECT id + 1, upper(k) FROM t WHERE id < 3) AS x(a, b);
SELECT * FROM (SELECT id, k FROM t WHERE id < 3);
SELECT x.g, x.n, y.q FROM (SELECT g, count(*) AS n FROM t GROUP BY g) x JOIN (SELECT month, sum(qty) AS q FROM sales GROUP BY month) y ON x.g = y.month;
SELECT k, count(*) FROM t GROUP BY k HAVING count(*) > (SELECT count(*) FROM u WHERE id = 2);
SELECT k, sum(id) FROM t GROUP BY k HAVING sum(id) > (SELECT avg(id) FROM u);
SELECT id FROM t WHERE id IN (SELECT id FROM u WHERE amount > (SELECT min(amount) FROM u WHERE id IS NOT NULL));
SELECT s1.region, s1.product, s1.qty FROM sales s1 WHERE s1.qty = (SELECT max(qty) FROM sales s2 WHERE s2.region = s1.region);
-- correlated count: no match gives 0, not NULL (the COUNT bug)
SELECT t.id, (SELECT count(*) FROM u WHERE u.id = t.id) AS n FROM t;
SELECT t.id, (SELECT count(*) + 1 FROM u WHERE u.id = t.id) AS n1 FROM t;
SELECT id, k FROM t WHERE id = (SELECT max(id) FROM t t2 WHERE t2.k = t.k);
SELECT id, CASE WHEN id IN (SELECT id FROM u) THEN 'in u' WHEN EXISTS (SELECT 1 FROM u WHERE u.id = t.id - 10) THEN 'offset' ELSE 'no' END AS c FROM t;
SELECT id, CASE WHEN dec > (SELECT avg(amount) FROM u) THEN 'high' ELSE 'low' END FROM t;
SELECT id FROM t WHERE id IN (SELECT id FROM u WHERE id IS NOT NULL ORDER BY id DESC LIMIT 2);
SELECT k, cnt FROM (SELECT k, count(*) AS cnt FROM t GROUP BY k) WHERE cnt = (SELECT max(c) FROM (SELECT count(*) AS c FROM t GROUP BY k));
SELECT id FROM t WHERE id < 6 ORDER BY abs(id - (SELECT avg(id) FROM u)), id;
-- error: more than one row returned by a subquery used as an expression
SELECT (SELECT id FROM u) AS x;
