-- Arrays, maps, structs and higher-order functions.
-- Sizes: size(NULL) is -1 in non-ANSI mode, array_size(NULL) is NULL.
SELECT id, arr, size(arr), cardinality(arr), size(sarr), size(m), array_size(arr) FROM t ORDER BY id;
SELECT array(1, 2, 3), array(1, NULL), array('a', 'b'), array(1, 2.5), size(array()), size(map()), array(array(1), array(2, 3));
-- Membership and positions.
SELECT id, array_contains(arr, 1) AS has1, array_contains(arr, CAST(NULL AS INT)) AS has_null, array_position(arr, 1) AS pos1, array_position(arr, 99) AS pos99, arrays_overlap(arr, array(1, 7)) AS ov FROM t ORDER BY id;
-- element_at is 1-based (negative counts from the end); [] is 0-based; out of range gives NULL.
SELECT id, element_at(arr, 1), element_at(arr, -1), element_at(arr, 10), arr[0], arr[2], arr[-1], get(arr, 1) FROM t ORDER BY id;
SELECT id, element_at(sarr, 2) AS e2, sarr[1] AS s1, try_element_at(sarr, -5) AS tm FROM t ORDER BY id;
-- Set-like functions.
SELECT id, array_distinct(arr), array_union(arr, array(1, 100)), array_intersect(arr, array(1, 2, 7, NULL)), array_except(arr, array(1, NULL)) FROM t ORDER BY id;
SELECT array_distinct(array(1, NULL, 1, NULL, 2)) AS d, array_union(array('a', 'b'), array('b', 'c', 'a')) AS u, array_intersect(array(1.0D, double('NaN')), array(double('NaN'))) AS nan_i, array_except(array(3, 2, 1, 2), array(2)) AS ex;
-- array_join with and without a NULL replacement.
SELECT id, array_join(sarr, ','), array_join(sarr, '-', '?'), array_join(CAST(arr AS ARRAY<STRING>), '|', 'null') FROM t ORDER BY id;
-- array_max / array_min skip NULLs.
SELECT id, array_max(arr) AS mx, array_min(arr) AS mn, array_max(sarr) AS smx, array_min(sarr) AS smn FROM t ORDER BY id;
SELECT array_max(array(1.0D, double('NaN'), 2.0D)), array_min(array(CAST(NULL AS INT))), array_max(array(DATE'2024-01-01', DATE'2023-05-05'));
-- Sorting: sort_array puts NULLs first ascending and last descending; array_sort puts NULLs last.
SELECT id, sort_array(arr), sort_array(arr, false), array_sort(arr), array_sort(sarr), sort_array(sarr, false) FROM t ORDER BY id;
SELECT id, array_sort(arr, (a, b) -> CASE WHEN a IS NULL THEN 1 WHEN b IS NULL THEN -1 WHEN a < b THEN 1 WHEN a > b THEN -1 ELSE 0 END) AS desc_nulls_last, array_sort(split(s, '[ ,]'), (a, b) -> CASE WHEN length(a) <> length(b) THEN length(b) - length(a) WHEN a < b THEN -1 WHEN a > b THEN 1 ELSE 0 END) AS by_len_desc FROM t WHERE id IN (1, 4, 6, 8, 10, 12) ORDER BY id;
-- Removing, repeating, zipping, flattening, slicing.
SELECT id, array_remove(arr, 7), array_remove(arr, NULL), array_compact(arr), array_repeat(id, 2), array_repeat(s, 0) FROM t ORDER BY id;
SELECT id, arrays_zip(arr, sarr) AS z, arrays_zip(arr, array(10, 20)) AS z2 FROM t WHERE id IN (1, 2, 4, 6, 10) ORDER BY id;
SELECT flatten(array(array(1, 2), array(3), array())), flatten(array(array(1), NULL)), flatten(array(array(array(1)), array(array(2, 3))));
SELECT id, slice(arr, 2, 2), slice(arr, -2, 2), slice(arr, 1, 10), slice(arr, 5, 1) FROM t ORDER BY id;
SELECT id, reverse(arr), concat(arr, array(0)), concat(arr, CAST(NULL AS ARRAY<INT>)), arr || array(-1), array_append(arr, 99), array_prepend(arr, 0), array_insert(arr, 2, 100) FROM t ORDER BY id;
-- sequence.
SELECT sequence(1, 5), sequence(5, 1), sequence(1, 10, 3), sequence(-2, 2, 2), sequence(DATE'2024-01-31', DATE'2024-05-01', INTERVAL 1 MONTH), sequence(10L, 20L, 5L);
-- Maps.
SELECT map('a', 1, 'b', 2), map(), map(1, 'x', 2, NULL), map_keys(map('z', 1, 'y', 2)), map_values(map('z', 1, 'y', 2)), map('k', array(1, 2));
SELECT id, m, map_keys(m), map_values(m), map_entries(m), size(m) FROM t ORDER BY id;
SELECT id, m['a'], element_at(m, 'a'), m['missing'], map_contains_key(m, 'a'), m[''] FROM t ORDER BY id;
SELECT map_from_arrays(array('x', 'y'), array(1, 2)) AS ma, map_from_entries(array(struct('a', 1), struct('b', NULL))) AS me, map_from_entries(array(named_struct('k', 1, 'v', 'x'))) AS me2, map_from_arrays(array('a'), array(NULL)) AS mn;
SELECT str_to_map('a:1,b:2') AS m1, str_to_map('k=v;x=y', ';', '=') AS m2, str_to_map('a') AS m3, str_to_map('') AS m4, str_to_map('a:1,b:2')['b'] AS b;
SELECT id, map_concat(m, map('new', 100)) AS mc, map_concat(map('first', -1), m) AS mc2 FROM t ORDER BY id;
-- Structs.
SELECT struct(1, 'a'), named_struct('x', 1, 'y', 'b'), struct(id, s) , named_struct('n', named_struct('a', 1)).n.a FROM t WHERE id = 1;
SELECT id, st, st.a, st.b, st.a + 1 AS a1, upper(st.b) AS ub FROM t ORDER BY id;
SELECT id, st = named_struct('a', 1, 'b', 'one') AS eq, st < named_struct('a', 5, 'b', '') AS lt, st > named_struct('a', 8, 'b', 'a') AS gt, st <=> NULL AS nulleq FROM t ORDER BY id;
SELECT id, st FROM t WHERE st IS NOT NULL ORDER BY st DESC, id;
-- Higher-order functions.
SELECT id, transform(arr, x -> x * 2), transform(arr, (x, i) -> x + i), transform(arr, x -> x + id), transform(sarr, x -> upper(x)) FROM t ORDER BY id;
SELECT id, filter(arr, x -> x > 2) AS big, filter(arr, (x, i) -> i % 2 = 0) AS even_pos, filter(sarr, x -> x = k) AS eq_k, filter(arr, x -> x IS NOT NULL) AS nn FROM t ORDER BY id;
SELECT id, exists(arr, x -> x > 5), forall(arr, x -> x > 0), exists(arr, x -> x IS NULL), forall(arr, x -> x < g * 10) FROM t ORDER BY id;
SELECT id, aggregate(arr, 0, (acc, x) -> acc + x) AS sum_plain, aggregate(arr, 0L, (acc, x) -> acc + coalesce(x, 0), acc -> acc * 10) AS sum_fin, reduce(arr, CAST(0 AS DOUBLE), (acc, x) -> acc + x, acc -> acc / size(arr)) AS mean, aggregate(sarr, '', (acc, x) -> concat(acc, x)) AS cat FROM t ORDER BY id;
SELECT id, zip_with(arr, sarr, (x, y) -> concat(CAST(x AS STRING), y)) AS zw, zip_with(arr, array(100, 200), (x, y) -> coalesce(x, 0) + coalesce(y, 0)) AS padded FROM t ORDER BY id;
SELECT id, map_filter(m, (k, v) -> v > 1), transform_keys(m, (k, v) -> upper(k)), transform_values(m, (k, v) -> v * 10 + id) FROM t ORDER BY id;
SELECT id, transform(arr, x -> named_struct('v', x, 'sq', x * x)) AS structs, transform(arr, x -> array(x, x)) AS nested, transform(filter(arr, x -> x IS NOT NULL), x -> x % 3) AS chained FROM t ORDER BY id;
-- Deliberate error: element_at with index 0.
SELECT element_at(arr, 0) FROM t WHERE id = 1;
