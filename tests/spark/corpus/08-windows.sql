-- Window functions and frames. sales is unique on (region, product, month); t on id.
-- Ranking functions.
SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY id) AS rn, row_number() OVER (ORDER BY id DESC) AS rn_desc FROM t ORDER BY id;
SELECT region, product, month, qty, rank() OVER (PARTITION BY region ORDER BY qty), dense_rank() OVER (PARTITION BY region ORDER BY qty), percent_rank() OVER (PARTITION BY region ORDER BY qty), cume_dist() OVER (PARTITION BY region ORDER BY qty) FROM sales ORDER BY region, product, month;
SELECT region, product, month, rank() OVER (ORDER BY qty DESC NULLS LAST) AS r, dense_rank() OVER (ORDER BY price DESC) AS dr, cume_dist() OVER (ORDER BY month) AS cd FROM sales ORDER BY region, product, month;
SELECT id, ntile(3) OVER (ORDER BY id) AS n3, ntile(5) OVER (PARTITION BY k ORDER BY id) AS n5, ntile(1) OVER (ORDER BY id) AS n1, ntile(20) OVER (ORDER BY id) AS n20 FROM t ORDER BY id;
-- lag / lead with offsets and defaults.
SELECT id, i, lag(i) OVER (ORDER BY id), lead(i, 2) OVER (ORDER BY id), lag(s, 1, 'none') OVER (PARTITION BY k ORDER BY id), lead(d, 1, -1.0) OVER (PARTITION BY k ORDER BY id) FROM t ORDER BY id;
SELECT id, g, lag(g, 3, 0) OVER (ORDER BY id) AS lag3, lead(g, -1) OVER (ORDER BY id) AS lead_neg, lag(g, 0) OVER (ORDER BY id) AS lag0, lag(g) IGNORE NULLS OVER (ORDER BY id) AS lag_nn FROM t ORDER BY id;
SELECT region, product, month, qty, lag(qty) OVER (PARTITION BY region, product ORDER BY month) AS prev_qty, qty - lag(qty, 1, 0) OVER (PARTITION BY region, product ORDER BY month) AS delta FROM sales ORDER BY region, product, month;
-- first_value / last_value / nth_value.
SELECT id, k, first_value(s) OVER (PARTITION BY k ORDER BY id) AS fv, last_value(s) OVER (PARTITION BY k ORDER BY id) AS lv_default, last_value(s) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS lv_all FROM t ORDER BY id;
SELECT id, g, first_value(g) IGNORE NULLS OVER (ORDER BY id DESC), last_value(g, true) OVER (ORDER BY id), first_value(g) OVER (ORDER BY id DESC), last_value(g) OVER (ORDER BY id) FROM t ORDER BY id;
SELECT id, k, nth_value(id, 2) OVER (PARTITION BY k ORDER BY id) AS nv2, nth_value(s, 3) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS nv3_all, nth_value(g, 2) IGNORE NULLS OVER (ORDER BY id DESC) AS nv_nn FROM t ORDER BY id;
-- Default frame (RANGE UNBOUNDED PRECEDING .. CURRENT ROW): ties share the running total.
SELECT region, product, month, qty, sum(qty) OVER (PARTITION BY region ORDER BY month), count(*) OVER (PARTITION BY region ORDER BY month) FROM sales ORDER BY region, product, month;
SELECT region, product, month, sum(qty) OVER (ORDER BY month) AS run_qty, avg(qty) OVER (ORDER BY month) AS run_avg, max(price) OVER (ORDER BY month) AS run_max FROM sales ORDER BY region, product, month;
-- ROWS frames.
SELECT region, product, month, avg(price) OVER (PARTITION BY region ORDER BY month, product ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS ma_price, avg(discount) OVER (PARTITION BY region ORDER BY month, product ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS ma_disc FROM sales ORDER BY region, product, month;
SELECT id, i, sum(i) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING), sum(l) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), count(i) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t ORDER BY id;
SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest, min(s) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS min_rest, max(dt) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS max_rest FROM t ORDER BY id;
SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING) AS prev2, sum(id) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING) AS next3, count(id) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING) AS n_next FROM t ORDER BY id;
-- RANGE frames with numeric offsets.
SELECT region, product, month, sum(qty) OVER (PARTITION BY region ORDER BY month RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS near, count(*) OVER (PARTITION BY region ORDER BY month RANGE BETWEEN CURRENT ROW AND 1 FOLLOWING) AS fwd FROM sales ORDER BY region, product, month;
SELECT id, g, sum(id) OVER (ORDER BY g RANGE BETWEEN 1 PRECEDING AND CURRENT ROW), count(*) OVER (ORDER BY g RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), min(id) OVER (ORDER BY g DESC RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t ORDER BY id;
SELECT id, sum(id) OVER (ORDER BY id RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING) AS s5, avg(d) OVER (ORDER BY id RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) AS a2 FROM t ORDER BY id;
SELECT region, product, month, sum(qty) OVER (ORDER BY sold_on RANGE BETWEEN INTERVAL 10 DAYS PRECEDING AND CURRENT ROW) AS last10 FROM sales ORDER BY region, product, month;
-- Whole-partition frames (no ORDER BY).
SELECT region, product, month, sum(qty) OVER (PARTITION BY region), count(*) OVER (), max(price) OVER (PARTITION BY product), avg(qty) OVER (PARTITION BY region) FROM sales ORDER BY region, product, month;
SELECT region, product, month, qty - avg(qty) OVER (PARTITION BY region) AS dev, price / sum(price) OVER (PARTITION BY region) AS share FROM sales ORDER BY region, product, month;
-- NULL partition and order keys (NULLs first ascending).
SELECT id, g, row_number() OVER (ORDER BY g, id) AS asc_rn, row_number() OVER (ORDER BY g DESC NULLS LAST, id) AS desc_rn, rank() OVER (ORDER BY g NULLS LAST) AS r, count(*) OVER (PARTITION BY g) AS n FROM t ORDER BY id;
SELECT id, k, rank() OVER (PARTITION BY g ORDER BY k), dense_rank() OVER (ORDER BY k DESC), percent_rank() OVER (PARTITION BY g ORDER BY k DESC NULLS LAST) FROM t ORDER BY id;
-- Doubles with NaN and infinities, decimals near their limits.
SELECT id, d, sum(d) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2, max(d) OVER (PARTITION BY k) AS mx, min(f) OVER (PARTITION BY k) AS mn, rank() OVER (ORDER BY d) AS rd FROM t ORDER BY id;
SELECT id, dec, sum(dec) OVER (ORDER BY id) AS run, avg(dec) OVER (PARTITION BY k) AS k_avg, sum(bd) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS bd2 FROM t ORDER BY id;
-- Named WINDOW clause and several windows.
SELECT region, product, month, sum(qty) OVER w, rank() OVER w, lag(qty) OVER w FROM sales WINDOW w AS (PARTITION BY region ORDER BY month, product) ORDER BY region, product, month;
SELECT region, product, month, sum(qty) OVER w1 AS by_region, sum(qty) OVER w2 AS by_product, row_number() OVER w3 AS rn, dense_rank() OVER w3 AS dr FROM sales WINDOW w1 AS (PARTITION BY region), w2 AS (PARTITION BY product), w3 AS (PARTITION BY region ORDER BY month DESC, product) ORDER BY region, product, month;
-- Window over aggregates.
SELECT region, sum(qty), sum(sum(qty)) OVER (), rank() OVER (ORDER BY sum(qty) DESC) FROM sales GROUP BY region ORDER BY region NULLS LAST;
SELECT product, month, sum(qty) AS q, sum(sum(qty)) OVER (PARTITION BY product ORDER BY month) AS running, round(sum(qty) * 100.0 / sum(sum(qty)) OVER (), 2) AS pct FROM sales GROUP BY product, month ORDER BY product, month;
-- Top-N per group through a subquery and through QUALIFY.
SELECT region, product, month, qty FROM (SELECT *, row_number() OVER (PARTITION BY region ORDER BY qty DESC NULLS LAST, product, month) AS rn FROM sales) WHERE rn <= 2 ORDER BY region, product, month;
SELECT region, product, month, qty FROM sales QUALIFY rank() OVER (PARTITION BY region ORDER BY qty DESC NULLS LAST) = 1 ORDER BY region, product, month;
-- Windows over the empty table.
SELECT id, row_number() OVER (ORDER BY id), sum(x) OVER (PARTITION BY v) FROM e;
-- Deliberate error: DISTINCT inside a window aggregate.
SELECT region, count(DISTINCT qty) OVER (PARTITION BY region) FROM sales;
