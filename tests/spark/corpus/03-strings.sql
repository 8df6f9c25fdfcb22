-- String functions.
-- Lengths in characters, bytes and bits (unicode, emoji, empty, NULL).
SELECT id, s, length(s), char_length(s), character_length(s), octet_length(s), bit_length(s)
FROM t ORDER BY id;

-- Case conversion incl. unicode, underscores and German sharp s.
SELECT id, upper(s), lower(s), initcap(s), ucase(k), lcase(k)
FROM t ORDER BY id;

-- initcap on word separators.
SELECT initcap('a_b') AS a, initcap('hello-world foo') AS b, initcap('ÉCOLE élève') AS c, initcap('  two  spaces') AS d,
  initcap('o''neil mcdonald') AS e, initcap('123abc DEF') AS f, upper('straße') AS g, lower('İSTANBUL') AS h;

-- trim, ltrim, rtrim on padded strings.
SELECT id, concat('[', trim(s), ']') AS t1, concat('[', ltrim(s), ']') AS t2, concat('[', rtrim(s), ']') AS t3, length(trim(s)) AS tl
FROM t ORDER BY id;

-- TRIM with a character set, SQL syntax forms.
SELECT trim(BOTH 'x' FROM 'xxhixx') AS a, trim(LEADING 'x' FROM 'xxhixx') AS b, trim(TRAILING 'x' FROM 'xxhixx') AS c,
  trim('xy' FROM 'xyyxhixyx') AS d, ltrim('ab', 'abbaXab') AS e, rtrim('ab', 'abXbaab') AS f, btrim('--x--', '-') AS g, btrim('  y  ') AS h;

-- trim with a character set on columns.
SELECT id, trim(BOTH 'a' FROM s), ltrim('B', s), rtrim('s', k), trim('_' FROM s)
FROM t ORDER BY id;

-- lpad / rpad, including shorter target lengths and empty pad.
SELECT id, lpad(s, 8, '*'), rpad(s, 8, '-='), lpad(s, 3, '*'), rpad(s, 0, 'x'), lpad(s, 6, '')
FROM t ORDER BY id;

-- lpad / rpad defaults and negatives.
SELECT lpad('7', 3, '0') AS a, lpad('abc', 5) AS b, rpad('abc', 5) AS c, lpad('abc', -1, 'x') AS d, rpad('😀', 3, 'é') AS e, lpad(CAST(42 AS STRING), 6, 'ab') AS f;

-- substring with positive, zero, negative and out-of-range positions.
SELECT id, substring(s, 1, 2), substring(s, 0, 2), substring(s, -3), substring(s, -3, 2), substring(s, 5), substring(s, 100, 2)
FROM t ORDER BY id;

-- substr with odd lengths; SUBSTRING FROM ... FOR syntax.
SELECT id, substr(s, 2, 0), substr(s, 2, -1), substr(s, -100, 3), SUBSTRING(s FROM 2 FOR 3), SUBSTRING(s FROM 3), substr(s, -1, 5)
FROM t ORDER BY id;

-- left / right, including zero and negative lengths.
SELECT id, left(s, 3), right(s, 3), left(s, 0), right(s, -1), left(s, 100)
FROM t ORDER BY id;

-- concat propagates NULL, concat_ws skips NULLs and flattens arrays.
SELECT id, concat(k, '-', s), concat_ws('-', k, s, ns), concat_ws(',', sarr), concat_ws('|', k, sarr, 'end'), k || '/' || ns
FROM t ORDER BY id;

-- concat_ws edge cases.
SELECT concat_ws('-') AS a, concat_ws('-', NULL) AS b, concat_ws(NULL, 'a', 'b') AS c, concat_ws('', 'a', NULL, 'b') AS d,
  concat() AS e, concat('a', NULL) AS f, concat_ws(', ', array('x', NULL, 'y'), 'z') AS g;

-- replace and translate.
SELECT id, replace(s, 'a', 'A'), replace(s, ' '), replace(s, '', 'X'), translate(s, 'ae', 'AE'), translate(s, 'abc', 'x')
FROM t ORDER BY id;

-- instr, locate (with start position), position.
SELECT id, instr(s, 'a'), locate('a', s), locate('a', s, 3), position('an' IN s), position('e', s, 2), locate('', s), instr(s, '')
FROM t ORDER BY id;

-- reverse, repeat, space.
SELECT id, reverse(s), repeat(k, 3), repeat(k, 0), repeat(k, -1), concat('[', space(ti), ']') AS sp
FROM t WHERE id <> 3 ORDER BY id;

-- ascii, chr / char with edge codes.
SELECT id, ascii(s), ascii(k), chr(i + 60), char(id + 64)
FROM t ORDER BY id;

-- chr edge values.
SELECT chr(65) AS a, chr(321) AS b, chr(-1) AS c, chr(0) = '' AS d, length(chr(0)) AS e, ascii('') AS f, ascii('é') AS g, ascii('😀') AS h;

-- split with regex special characters and limits; 0-based subscript.
SELECT id, split(s, ','), split(s, ' '), split(s, ',', 2), split(s, ',', -1), split(s, ' ')[0] AS first_word, split(s, ',')[1] AS second
FROM t ORDER BY id;

-- split on regex metacharacters must be escaped.
SELECT split('a.b.c', '\\.') AS a, split('a.b.c', '.') AS b, split('a|b|c', '[|]') AS c, split('a1b22c', '[0-9]+') AS d,
  split('abc', '') AS e, split('', ',') AS f, split('a,b,,', ',') AS g, split('a,b,c', ',', 0) AS h;

-- split_part and substring_index (positive and negative counts).
SELECT id, split_part(s, ',', 1), split_part(s, ',', -1), split_part(s, ',', 5), substring_index(s, ',', 2), substring_index(s, ',', -2), substring_index(s, ' ', 0)
FROM t ORDER BY id;

-- format_string / printf.
SELECT id, format_string('%s has %d', k, id), printf('%05d|%-6s|%.2f', i, k, d), format_string('%x', l), format_string('%10.3f', d), format_string('[%s]', dec)
FROM t ORDER BY id;

-- Unicode-aware string comparison and ordering.
SELECT id, s, s < 'a' AS lt_a, s > 'Z' AS gt_z
FROM t ORDER BY s, id;

-- Ordering of keys with min / max on strings.
SELECT g, min(s), max(s), min(k), max(k)
FROM t GROUP BY g;

-- LIKE and ILIKE with wildcards.
SELECT id, s, s LIKE '%a%', s LIKE 'a_b%', s ILIKE '%QUICK%', s NOT LIKE '%e%', s LIKE '_', s LIKE ''
FROM t ORDER BY id;

-- LIKE escapes: literal underscore and percent.
SELECT id, s LIKE '%\\_%' AS has_us, s LIKE 'a!_b%' ESCAPE '!' AS esc_bang, '100%' LIKE '100\\%' AS pct, 'x_y' LIKE 'x\\_y' AS lit_us, 'xzy' LIKE 'x\\_y' AS not_us
FROM t ORDER BY id;

-- LIKE ANY / LIKE ALL.
SELECT id, s LIKE ANY ('%a%', '%o%'), s LIKE ALL ('%a%', '%n%'), s ILIKE ANY ('the%', 'mixed%')
FROM t ORDER BY id;

-- contains / startswith / endswith.
SELECT id, contains(s, 'an'), startswith(s, 'a'), endswith(s, 'e'), contains(s, ''), startswith(s, NULL)
FROM t ORDER BY id;

-- base64 / unbase64, hex / unhex.
SELECT id, base64(s), base64(bin), hex(s), hex(bin), hex(i), unhex(hex(s)), CAST(unbase64(base64(s)) AS STRING) AS rt
FROM t ORDER BY id;

-- hex / unhex literals.
SELECT hex(255) AS a, hex(-1) AS b, hex('Spark') AS c, unhex('537061726B') AS d, unhex('ZZ') AS e, unhex('F') AS f, unbase64('U3Bhcms=') AS g, CAST(unbase64('U3Bhcms=') AS STRING) AS h;

-- Hash functions.
SELECT id, md5(s), sha1(s), sha2(s, 256), sha2(s, 512), crc32(s), md5(bin)
FROM t ORDER BY id;

-- sha2 bit lengths and hash of integers cast to strings.
SELECT sha2('abc', 224) AS a, sha2('abc', 384) AS b, sha2('abc', 0) AS c, sha2('abc', 1) AS d, crc32('') AS e, md5('') AS f, sha(CAST(12 AS STRING)) AS g;

-- soundex and levenshtein.
SELECT id, soundex(s), levenshtein(s, 'banana'), levenshtein(s, k), levenshtein(s, 'hello', 3)
FROM t ORDER BY id;

-- overlay.
SELECT id, overlay(s PLACING '##' FROM 2), overlay(s PLACING '##' FROM 2 FOR 0), overlay(s PLACING '' FROM 1 FOR 3), overlay(s, '*', 3, 1)
FROM t ORDER BY id;

-- elt and find_in_set.
SELECT id, elt(g, 'one', 'two', 'three'), elt(id, 'a', 'b'), find_in_set(k, 'a,b,c'), find_in_set('b', s), find_in_set('', ',x')
FROM t ORDER BY id;

-- mask.
SELECT id, mask(s), mask(s, 'X', 'x', '9', '-'), mask(ns), mask(s, NULL, NULL, NULL, NULL)
FROM t ORDER BY id;

-- encode / decode between charsets.
SELECT id, encode(s, 'UTF-8'), decode(encode(s, 'UTF-8'), 'UTF-8'), decode(bin, 'ISO-8859-1'), encode(s, 'UTF-16')
FROM t ORDER BY id;

-- Functions on NULL arguments.
SELECT lower(NULL), upper(NULL), length(NULL), concat(NULL, 'a'), substring(NULL, 1, 2), replace('abc', NULL, 'x'), trim(NULL), lpad(NULL, 3, 'x');

-- Other string helpers.
SELECT id, quote(s), char_length(repeat(s, 2)), luhn_check(ns), is_valid_utf8(s), left(sentences(s)[0][0], 3) AS first_word
FROM t ORDER BY id;

-- String functions in GROUP BY and WHERE on sales.
SELECT upper(substr(region, 1, 1)) AS r1, concat_ws('/', sort_array(collect_set(product))) AS products, count(*) AS n
FROM sales WHERE product LIKE 'p%' OR region RLIKE '^n' GROUP BY upper(substr(region, 1, 1));

-- Wrong argument count to lpad (deliberate error).
SELECT lpad('abc');
