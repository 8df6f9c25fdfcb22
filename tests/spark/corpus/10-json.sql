-- JSON functions over t.js (objects, an array, malformed text, NULL) and literals.
-- get_json_object: fields, array elements, nested objects.
SELECT id, get_json_object(js, '$.a'), get_json_object(js, '$.b'), get_json_object(js, '$.b[0]'), get_json_object(js, '$.c.d'), get_json_object(js, '$.c') FROM t ORDER BY id;
SELECT id, get_json_object(js, '$.*') AS star, get_json_object(js, '$[0]') AS first_elem, get_json_object(js, '$.b[*]') AS all_b, get_json_object(js, '$.missing') AS missing, get_json_object(js, '$.b[5]') AS out_of_range FROM t ORDER BY id;
SELECT id, get_json_object(js, '$') AS whole, get_json_object(js, '$.b[0].c') AS bc, get_json_object(js, '$[*]') AS arr_all, get_json_object(js, 'a') AS bad_path FROM t ORDER BY id;
-- Scalars keep their JSON text; strings lose their quotes; JSON null gives SQL NULL.
SELECT get_json_object('{"x": 1.50, "y": true, "z": null, "w": "s\\"q", "v": -0, "u": 1e3}', '$.x') AS x, get_json_object('{"x": 1.50, "y": true, "z": null}', '$.y') AS y, get_json_object('{"x": 1.50, "y": true, "z": null}', '$.z') AS z, get_json_object('{"w": "s\\"q"}', '$.w') AS w, get_json_object('{"u": 1e3}', '$.u') AS u;
SELECT get_json_object('{"a": {"b": {"c": [10, {"d": "deep"}]}}}', '$.a.b.c[1].d'), get_json_object('{"a b": 1, "c": 2}', '$[\'a b\']'), get_json_object('{"ü": "ö", "e": "😀"}', '$.e'), get_json_object('[[1, 2], [3]]', '$[1][0]');
-- Malformed text and NULLs.
SELECT get_json_object('{"a":', '$.a') AS truncated, get_json_object('', '$.a') AS empty_text, get_json_object(NULL, '$.a') AS null_text, get_json_object('{"a": 1}', NULL) AS null_path, get_json_object('{"a": 1} trailing', '$.a') AS trailing;
-- Filtering and grouping on extracted values.
SELECT get_json_object(js, '$.a') AS a, count(*) AS n FROM t WHERE get_json_object(js, '$.a') IS NOT NULL GROUP BY get_json_object(js, '$.a') ORDER BY a;
SELECT id, CAST(get_json_object(js, '$.a') AS INT) + 1 AS a_plus, CAST(get_json_object(js, '$.a') AS DOUBLE) AS a_dbl FROM t ORDER BY id;
SELECT k, count(get_json_object(js, '$.b')) AS has_b, max(get_json_object(js, '$.a')) AS max_a, sum(CAST(get_json_object(js, '$.a') AS DOUBLE)) AS sum_a FROM t GROUP BY k;
-- json_tuple as a SELECT item and in LATERAL VIEW.
SELECT id, json_tuple(js, 'a', 'b') FROM t ORDER BY id;
SELECT id, json_tuple(js, 'a', 'c', 'missing') AS (a, c, m) FROM t WHERE id <= 4 ORDER BY id;
SELECT t.id, jt.a, jt.b FROM t LATERAL VIEW json_tuple(t.js, 'a', 'b') jt AS a, b ORDER BY t.id;
SELECT id, x.c0, x.c1 FROM t LATERAL VIEW json_tuple(js, 'c', 'b') x WHERE x.c0 IS NOT NULL ORDER BY id;
SELECT json_tuple('{"k": "v", "n": 1, "o": {"p": [1]}, "z": null}', 'k', 'n', 'o', 'z', 'nope');
-- from_json with DDL schemas.
SELECT id, from_json(js, 'a INT, b ARRAY<INT>') FROM t ORDER BY id;
SELECT id, from_json(js, 'STRUCT<a: DOUBLE, c: STRUCT<d: STRING>>') AS parsed FROM t ORDER BY id;
SELECT id, from_json(js, 'a STRING, b STRING') AS as_strings FROM t ORDER BY id;
SELECT id, from_json(js, 'ARRAY<INT>') AS ints, from_json(js, 'MAP<STRING, STRING>') AS kv FROM t ORDER BY id;
SELECT from_json('{"x": 1, "y": 2}', 'MAP<STRING, INT>') AS m1, from_json('{"x": {"n": 1}}', 'MAP<STRING, STRUCT<n: INT>>') AS m2, from_json('[{"a": 1}, {"a": 2}]', 'ARRAY<STRUCT<a: INT>>') AS arr_structs, from_json('{"a": [1, null, 3]}', 'a ARRAY<BIGINT>') AS with_null;
-- Malformed text gives a struct of NULLs (not NULL); NULL text gives NULL.
SELECT from_json('not json', 'a INT, b STRING') AS bad, from_json(NULL, 'a INT') AS null_in, from_json('{"a": "x"}', 'a INT') AS wrong_type, from_json('{"A": 1}', 'a INT') AS other_case, from_json('{}', 'a INT') AS empty_obj;
SELECT from_json('{"d": "2024-02-29", "t": "2024-03-10 02:30:00", "n": 12.345, "b": true}', 'd DATE, t TIMESTAMP, n DECIMAL(10, 2), b BOOLEAN') AS typed;
SELECT from_json('{\'a\': 1}', 'a INT') AS single_quotes, from_json('{"a": 1}', 'a INT', map('mode', 'PERMISSIVE')) AS permissive, from_json('{"a": NaN}', 'a DOUBLE') AS nan_token;
SELECT id, from_json(js, 'b ARRAY<STRUCT<c: INT>>') AS b_structs, from_json(js, 'b ARRAY<STRING>') AS b_strings FROM t ORDER BY id;
-- Field access on from_json results.
SELECT id, from_json(js, 'a INT, b ARRAY<INT>').a AS a, from_json(js, 'a INT, b ARRAY<INT>').b[0] AS b0, size(from_json(js, 'a INT, b ARRAY<INT>').b) AS nb, from_json(js, 'c STRUCT<d: STRING>').c.d AS cd FROM t ORDER BY id;
-- to_json of structs, maps, arrays.
SELECT id, to_json(st), to_json(m), to_json(arr), to_json(sarr) FROM t ORDER BY id;
SELECT to_json(named_struct('a', 1, 'b', CAST(NULL AS STRING))) AS drops_null, to_json(map('k', array(1, 2))) AS map_arr, to_json(array(named_struct('x', 1), named_struct('x', 2))) AS arr_structs, to_json(named_struct('s', 'quote " and \\ back', 'u', 'ü😀')) AS escaped;
SELECT id, to_json(named_struct('dt', dt, 'ts', ts, 'dec', dec, 'd', d, 'flag', flag)) AS typed FROM t ORDER BY id;
SELECT id, to_json(struct(id, k, g)) AS j, to_json(named_struct('nested', st, 'list', arr)) AS nested FROM t ORDER BY id;
SELECT to_json(map(1, 'a', 2, 'b')) AS int_keys, to_json(array(map('a', 1), map('b', 2))) AS arr_maps, to_json(named_struct('items', array(named_struct('q', 1.5D, 'n', CAST(NULL AS INT))))) AS deep, to_json(array(CAST(NULL AS STRING), 'x')) AS null_elem;
-- Round trip.
SELECT id, to_json(from_json(js, 'a INT, b ARRAY<INT>, c STRUCT<d: STRING>')) AS round FROM t ORDER BY id;
-- schema_of_json.
SELECT schema_of_json('{"a": 1, "b": [1.5], "c": {"d": "x"}}'), schema_of_json('[1, 2]'), schema_of_json('{"a": null, "b": true, "c": "2024-01-01"}'), schema_of_json('{"big": 12345678901, "f": 1e3}');
-- json_array_length and json_object_keys.
SELECT id, json_array_length(js), json_object_keys(js), json_array_length(get_json_object(js, '$.b')) FROM t ORDER BY id;
SELECT json_array_length('[1, [2, 3], {"a": 4}, null]') AS n, json_array_length('[]') AS zero, json_array_length('{"a": 1}') AS not_array, json_array_length('[1, 2') AS broken, json_object_keys('{"z": 1, "a": {"b": 2}}') AS keys, json_object_keys('{}') AS no_keys;
-- Deliberate error: from_json with an unparseable schema string.
SELECT from_json(js, 'a INTEGR') FROM t;
