-- Regular expressions (Java regex semantics in Spark).
-- regexp_replace replaces every match.
SELECT id, s, regexp_replace(s, '[aeiou]', '#'), regexp_replace(s, ' ', ''), regexp_replace(s, '\\s+', '_')
FROM t ORDER BY id;

-- regexp_replace with capture groups $1 / $2.
SELECT id, regexp_replace(s, '(\\w+) (\\w+)', '$2 $1') AS swapped, regexp_replace(ds, '(\\d{4})-(\\d{2})-(\\d{2})', '$3/$2/$1') AS dmy, regexp_replace(s, '(a)', '<$1>') AS wrapped
FROM t ORDER BY id;

-- regexp_replace with a start position, empty pattern matches, anchors.
SELECT id, regexp_replace(s, 'a', 'A', 3) AS from3, regexp_replace(s, '^', '>') AS start_anchor, regexp_replace(s, '$', '<') AS end_anchor, regexp_replace(s, '', '.') AS empty_pat
FROM t WHERE id IN (1, 2, 3, 5, 8) ORDER BY id;

-- regexp_extract: group 0, 1, 2, default group and no match gives ''.
SELECT id, regexp_extract(s, '(\\w+) (\\w+)', 0), regexp_extract(s, '(\\w+) (\\w+)', 1), regexp_extract(s, '(\\w+) (\\w+)', 2), regexp_extract(s, '([a-z])_'), regexp_extract(s, 'zzz(q)', 1)
FROM t ORDER BY id;

-- regexp_extract on date-like and numeric-like text.
SELECT id, ds, regexp_extract(ds, '^(\\d{4})', 1) AS yr, regexp_extract(ds, '(\\d+)/(\\d+)/(\\d+)', 3) AS slash_yr, regexp_extract(ns, '^[-+]?\\d+', 0) AS lead_int
FROM t ORDER BY id;

-- Optional group that does not participate gives ''.
SELECT regexp_extract('ab', 'a(x)?b', 1) AS opt, regexp_extract('abc', 'b', 0) AS g0, regexp_extract('', '^$', 0) AS empty_match,
  regexp_extract('x1y22z333', '\\d+', 0) AS first_num, regexp_extract(NULL, 'a', 0) AS null_in;

-- regexp_extract_all returns every match.
SELECT id, regexp_extract_all(s, '[a-z]+', 0), regexp_extract_all(s, '(\\w)(\\w)', 2), regexp_extract_all(js, '\\d+', 0)
FROM t ORDER BY id;

-- rlike / regexp / regexp_like.
SELECT id, s RLIKE '^[A-Z]', s REGEXP 'an', regexp_like(s, 'e$'), rlike(s, '^\\s'), s RLIKE ''
FROM t ORDER BY id;

-- Filter with RLIKE in WHERE.
SELECT id, s FROM t WHERE s RLIKE '(?i)^[a-h]' ORDER BY id;

-- Case-insensitive flag and other inline flags.
SELECT id, regexp_replace(s, '(?i)a', '*') AS ci, s RLIKE '(?i)mixed' AS ci_like, regexp_extract(s, '(?i)(QUICK)\\s(\\w+)', 2) AS ci_ext, regexp_count(s, '(?i)[aeiou]') AS ci_cnt
FROM t ORDER BY id;

-- regexp_count.
SELECT id, regexp_count(s, 'a'), regexp_count(s, '\\w+'), regexp_count(s, ''), regexp_count(s, '[^\\x00-\\x7F]')
FROM t ORDER BY id;

-- regexp_instr (1-based position, 0 when no match).
SELECT id, regexp_instr(s, 'a'), regexp_instr(s, '[0-9]'), regexp_instr(s, '(\\w+),(\\w+)', 2), regexp_instr(s, 'o')
FROM t ORDER BY id;

-- regexp_substr (NULL when no match).
SELECT id, regexp_substr(s, '[A-Z][a-z]+'), regexp_substr(s, '\\d+'), regexp_substr(s, '[a-z]+$'), regexp_substr(ns, '[0-9.]+')
FROM t ORDER BY id;

-- Split by regex.
SELECT id, split(s, '[ ,_]'), split(s, '\\s*,\\s*'), split(s, '(?=[A-Z])'), split(s, '[aeiou]', 2)
FROM t ORDER BY id;

-- Character classes: digits, word chars, POSIX classes, unicode properties.
SELECT id, regexp_replace(ns, '\\D', '') AS digits_only, regexp_replace(s, '\\W', '') AS word_only, regexp_replace(s, '\\p{Upper}', 'U') AS posix_upper,
  regexp_replace(s, '\\p{L}', 'L') AS any_letter, regexp_replace(s, '[^\\p{ASCII}]', '?') AS non_ascii
FROM t ORDER BY id;

-- Anchors and boundaries.
SELECT id, regexp_replace(s, '\\b(\\w)', '[$1]') AS word_start, regexp_replace(s, '^\\s+|\\s+$', '') AS trimmed, regexp_count(s, '\\bb') AS b_starts, s RLIKE '^.{5}$' AS len5
FROM t ORDER BY id;

-- Unicode text in patterns and subjects.
SELECT id, regexp_replace(s, 'ß', 'ss') AS eszett, regexp_extract(s, '([^ ]+) ', 1) AS first_token, regexp_replace(s, '😀', ':)') AS smile, regexp_count(s, '.') AS chars
FROM t ORDER BY id;

-- Greedy vs reluctant quantifiers and alternation.
SELECT regexp_extract('<a><b>', '<(.+)>', 1) AS greedy, regexp_extract('<a><b>', '<(.+?)>', 1) AS lazy,
  regexp_replace('aaa', 'a*?', 'X') AS lazy_empty, regexp_replace('cat dog bird', 'cat|bird', 'pet') AS alt, regexp_extract_all('a1b2c3', '[a-z](\\d)', 1) AS groups;

-- Backslashes written as Spark string literals and escaped metacharacters.
SELECT regexp_replace('a.b*c', '\\.', '!') AS dot, regexp_replace('a.b*c', '\\*', '+') AS star, regexp_replace('C:\\temp\\x', '\\\\', '/') AS backslash,
  regexp_extract('price: $12.50', '\\$(\\d+\\.\\d+)', 1) AS dollars, 'a+b' RLIKE 'a\\+b' AS plus_lit, regexp_replace('x', 'x', '\\$1') AS lit_dollar;

-- Replacement strings with special characters.
SELECT id, regexp_replace(k, 'a', '\\\\') AS bslash, regexp_replace(k, '(a)', '$1$1') AS doubled, regexp_replace(s, '(\\w)(\\w)', '$2$1') AS pair_swap
FROM t WHERE id IN (1, 3, 7, 10) ORDER BY id;

-- NULL inputs for subject, pattern and replacement.
SELECT regexp_replace(NULL, 'a', 'b') AS a, regexp_replace('abc', NULL, 'b') AS b, regexp_replace('abc', 'a', NULL) AS c,
  NULL RLIKE 'a' AS d, 'abc' RLIKE NULL AS e, regexp_extract('abc', NULL, 0) AS f, regexp_count(NULL, 'a') AS g;

-- Column patterns (pattern from data).
SELECT id, k, s, s RLIKE k AS k_matches, regexp_count(s, k) AS k_count, regexp_replace(s, k, '_') AS k_repl
FROM t ORDER BY id;

-- Regex on JSON text.
SELECT id, js, regexp_extract(js, '"a":\\s*(-?[0-9.]+|"[^"]*"|null)', 1) AS a_val, js RLIKE '^\\{' AS is_obj, regexp_count(js, '"\\w+":') AS n_keys
FROM t ORDER BY id;

-- Multiline and dotall flags.
SELECT regexp_extract('line1\nline2', '(?m)^(line\\d)$', 1) AS m1, regexp_count('line1\nline2', '(?m)^line') AS mcount,
  'a\nb' RLIKE 'a.b' AS no_dotall, 'a\nb' RLIKE '(?s)a.b' AS dotall, regexp_replace('a\nb', '\\n', ' ') AS nl;

-- Regex in aggregates and grouping on sales.
SELECT regexp_extract(product, '^(.)', 1) AS initial, count(*) AS n, sum(qty) AS q
FROM sales WHERE region RLIKE '^(east|west)$' GROUP BY regexp_extract(product, '^(.)', 1);

-- regexp_extract_all with several groups and matches of digits in numeric text.
SELECT id, ns, regexp_extract_all(ns, '(\\d)', 1) AS digit_list, size(regexp_extract_all(ns, '\\d', 0)) AS n_digits, regexp_extract_all(s, '(\\w+)@?', 1) AS words
FROM t ORDER BY id;

-- Literal-only rlike checks for common validation patterns.
SELECT 'user@example.com' RLIKE '^[\\w.+-]+@[\\w-]+\\.[\\w.]+$' AS email, '2024-02-29' RLIKE '^\\d{4}-\\d{2}-\\d{2}$' AS iso_date,
  '192.168.1.300' RLIKE '^(\\d{1,3}\\.){3}\\d{1,3}$' AS ip_like, 'ABC123' RLIKE '^[A-Z]{3}[0-9]{3}$' AS code, 'abc' RLIKE '^[A-Z]+$' AS upper_only;

-- Regex-based cleanup pipeline a user might write.
SELECT id, lower(regexp_replace(trim(s), '[^A-Za-z0-9]+', '-')) AS slug, regexp_replace(regexp_replace(s, '\\s+', ' '), '^ | $', '') AS squeezed
FROM t ORDER BY id;

-- Clean numeric text with a regex, then cast.
SELECT id, ns, regexp_replace(ns, '[^0-9.eE-]', '') AS cleaned, CAST(regexp_replace(ns, '[^0-9.-]', '') AS DOUBLE) AS as_double, regexp_replace(CAST(dec AS STRING), '\\.?0+$', '') AS no_trailing_zeros
FROM t ORDER BY id;

-- NOT RLIKE and regex over a join.
SELECT t.id, u.name, u.name RLIKE '^t', u.name NOT RLIKE 'o', regexp_replace(u.name, '(\\w+) (\\w+)', '$2') AS second_word
FROM t JOIN u ON t.id = u.id;

-- Backreferences and alternatives that do not participate.
SELECT id, s RLIKE '(\\w)\\1' AS has_double, regexp_extract(s, '(\\w)\\1', 0) AS double_letters, regexp_extract(s, '(apple)|(banana)', 2) AS alt2,
  regexp_replace(s, '(.)\\1', '<$1$1>') AS marked, regexp_count(s, '[a-z]{2,}') AS runs
FROM t ORDER BY id;

-- Group index out of range (deliberate error).
SELECT regexp_extract('abc', '(a)', 2);

-- Invalid regex pattern (deliberate error).
SELECT regexp_replace('abc', '(', 'x');
