-- Arithmetic and decimals (non-ANSI Spark).
-- Basic integer operators on int columns, unaliased names.
SELECT id, i + 1, i - 1, id * 2, i / 2, i % 3, i div 3 FROM t ORDER BY id;

-- Integer overflow wraps in non-ANSI mode.
SELECT id, i + 1 AS i_plus, i * 2 AS i_times, l + 1 AS l_plus, l * 2 AS l_times, -i AS neg_i, -l AS neg_l
FROM t WHERE id IN (3, 4, 5) ORDER BY id;

-- Tinyint and smallint arithmetic: result types and wrapping.
SELECT id, ti + ti AS tt, ti * si AS ts_mul, si + 1, ti + 1Y, si * 2S, ti / 2 AS ti_div
FROM t ORDER BY id;

-- Mixed operand types promote: int + bigint, int + double, int + decimal, double + decimal.
SELECT id, i + l AS il, i + d AS id_, i + dec AS idec, d + dec AS ddec, l * dec AS ldec, f + d AS fd
FROM t ORDER BY id;

-- Modulo and pmod with negative operands, decimals and doubles.
SELECT id, i % 7, pmod(i, 7), -7 % 3 AS neg_mod, pmod(-7, 3) AS neg_pmod, dec % 3, pmod(dec, 3), d % 2
FROM t ORDER BY id;

-- Integer division (div) and division by zero give NULL in non-ANSI mode.
SELECT id, i div 0, i / 0, i % 0, pmod(i, 0), d / 0 AS d_div0, dec / 0 AS dec_div0, l div 7
FROM t ORDER BY id;

-- abs, negative, unary minus, positive on every numeric type.
SELECT id, abs(ti), abs(i), abs(l), abs(d), abs(dec), negative(si), -dec, positive(f)
FROM t ORDER BY id;

-- Decimal literals and their types.
SELECT 1.5 * 2, 0.1 + 0.2, 1.5 * 2.25, 10.0 / 3, 1 / 3, 1.0 / 3.0, 123.456 - 0.0001;

-- Decimal column plus decimal literal keeps exact values.
SELECT id, dec + 0.005 AS a, dec * 1.5 AS b, dec - 100 AS c, dec / 4 AS q, dec * dec AS sq
FROM t ORDER BY id;

-- Decimal(38,6) arithmetic near the precision limit (overflow -> NULL in non-ANSI).
SELECT id, bd + 1, bd * 2, bd * bd, bd / 3, bd + dec, bd - bd
FROM t ORDER BY id;

-- Decimal division precision and scale.
SELECT id, dec / 3 AS d3, dec / 7.0 AS d7, dec / dec AS self, bd / dec AS bdd, CAST(dec AS DECIMAL(20, 10)) / 3 AS wide
FROM t ORDER BY id;

-- Integer literal types.
SELECT 1, 2147483647, 2147483648, 1L, 1S, 1Y, 1.0D, 1e3, 1BD, 1.0F, -2147483648, 9223372036854775807;

-- typeof of arithmetic results.
SELECT typeof(1 + 1L), typeof(1Y + 1Y), typeof(1S * 2), typeof(1 / 2), typeof(1 div 2), typeof(1.5 * 2),
  typeof(1 + 1.0D), typeof(1e3), typeof(1.0F + 1);

-- typeof of column arithmetic with decimals.
SELECT typeof(dec + 1), typeof(dec * dec), typeof(dec / 3), typeof(bd * 2), typeof(dec + d), typeof(i * dec), typeof(dec % 7)
FROM t WHERE id = 1;

-- round / bround on doubles with various scales, including negative.
SELECT id, round(d), round(d, 1), round(d, -1), bround(d), bround(d, 1), round(f, 1)
FROM t ORDER BY id;

-- round / bround on decimals, half-up vs half-even.
SELECT id, round(dec), round(dec, 1), round(dec, -2), bround(dec), bround(dec, 1), round(bd, 3), round(i, -1)
FROM t ORDER BY id;

-- Half-way literals: round uses HALF_UP, bround uses HALF_EVEN.
SELECT round(2.5) AS r1, round(-2.5) AS r2, bround(2.5) AS b1, bround(3.5) AS b2, bround(-2.5) AS b3,
  round(2.5D) AS r3, bround(2.5D) AS b4, round(1.005, 2) AS r4, round(15, -1) AS r5, round(25, -1) AS r6;

-- floor / ceil / ceiling on doubles and decimals.
SELECT id, floor(d), ceil(d), ceiling(f), floor(dec), ceil(dec), floor(i), ceil(l)
FROM t ORDER BY id;

-- floor / ceil with a scale argument.
SELECT id, floor(dec, 1) AS fl1, ceil(dec, 1) AS ce1, floor(d, -1) AS fdm1, ceil(d, 2) AS cd2, floor(1234.5678, -2) AS lit
FROM t ORDER BY id;

-- sqrt, pow, exp on doubles (negative sqrt is NaN).
SELECT id, sqrt(d), pow(d, 2), power(i, 2), exp(d), sqrt(i) AS sq_i, cbrt(d) AS cube_root
FROM t WHERE id NOT IN (3, 4, 6, 7, 8) ORDER BY id;

-- ln, log10, log2, log(base, x): non-positive inputs give NULL.
SELECT id, ln(d), log10(d), log2(d), log(2, d), log(d), log10(i)
FROM t ORDER BY id;

-- sign / signum on numbers incl. NaN, infinities and -0.0.
SELECT id, sign(d), signum(f), sign(i), signum(dec), sign(l)
FROM t ORDER BY id;

-- greatest / least across mixed types.
SELECT id, greatest(i, l, 0), least(i, l, 0), greatest(d, 0.0), least(dec, 1, d), greatest(ti, si) AS gts
FROM t ORDER BY id;

-- NaN and infinity arithmetic.
SELECT id, d + 1 AS p1, d - d AS self_sub, d * 0 AS times0, d * -1 AS neg, 1 / d AS inv, d / d AS self_div
FROM t ORDER BY id;

-- Special double literals.
SELECT CAST('NaN' AS DOUBLE) + 1, CAST('Infinity' AS DOUBLE) - CAST('Infinity' AS DOUBLE),
  CAST('Infinity' AS DOUBLE) * 0, 1.0D / 0.0D, -1.0D / 0, 0.0D / 0.0D, sqrt(-1.0D), ln(0D);

-- -0.0 behaviour: equality with 0.0, sign, division.
SELECT id, d, d = 0.0 AS eq_zero, -d AS neg, d + 0.0 AS plus_zero, 1 / d AS inv, abs(d) AS a
FROM t WHERE id IN (4, 6) ORDER BY id;

-- shiftleft / shiftright / shiftrightunsigned.
SELECT id, shiftleft(i, 1), shiftright(i, 1), shiftrightunsigned(i, 1), shiftleft(l, 2), shiftleft(1, 31), shiftleft(1L, 63)
FROM t ORDER BY id;

-- Bitwise operators.
SELECT id, i & 6, i | 6, i ^ 6, ~i, l & 255, ti | 1Y, ~ti
FROM t ORDER BY id;

-- bit_count and bit-level functions.
SELECT id, bit_count(i), bit_count(l), bit_get(i, 0), getbit(l, 63)
FROM t WHERE id <> 5 AND i >= 0 ORDER BY id;

-- Arithmetic in WHERE and aggregates on sales.
SELECT region, product, month, qty * price AS revenue, qty * price * (1 - discount) AS net, price * 100 div 1 AS cents
FROM sales ORDER BY region, product, month;

-- Aggregates of arithmetic with decimals.
SELECT region, sum(qty * price), avg(price), sum(price) / count(price) AS manual_avg, max(qty) - min(qty) AS spread
FROM sales GROUP BY region;

-- Decimal multiplication that exceeds precision 38 (scale reduction / overflow).
SELECT CAST(12345678901234567890.123456 AS DECIMAL(38, 6)) * CAST(10 AS DECIMAL(38, 6)) AS a,
  CAST(1 AS DECIMAL(38, 10)) / CAST(3 AS DECIMAL(38, 10)) AS b,
  CAST(99999999999999999999999999999999.999999 AS DECIMAL(38, 6)) + 1 AS c,
  CAST(0.000001 AS DECIMAL(38, 6)) * CAST(0.000001 AS DECIMAL(38, 6)) AS d;

-- Unary minus on extreme values and abs of the minimum wraps.
SELECT id, -ti, -si, abs(si), abs(i), abs(l), negative(l)
FROM t WHERE id IN (3, 4) ORDER BY id;

-- Double to decimal arithmetic precision (float vs double text).
SELECT id, f * 2, f + 0.1, d * 3, f / 3, CAST(f AS DOUBLE) AS fd
FROM t ORDER BY id;

-- Operator precedence and parentheses.
SELECT 2 + 3 * 4, (2 + 3) * 4, 10 - 2 - 3, 2 * 3 % 4, -2 * -3, 7 div 2 * 2, 1 + 2 & 3, 5 | 2 ^ 1;

-- Expressions over grouped sums: decimal results of division.
SELECT k, sum(dec) AS s, sum(dec) / count(*) AS per_row, sum(i) / sum(id) AS ratio, avg(d) AS avg_d
FROM t GROUP BY k;

-- Mod/div by decimal and double zero.
SELECT id, dec % 0, d % 0, dec div 0, dec div 2, bd div 7
FROM t ORDER BY id;

-- String operands are implicitly cast to double in arithmetic.
SELECT id, ns + 1, ns * 2, '10' + 5, '3' * '4', '1.5' + i
FROM t ORDER BY id;

-- Too many arguments to pow (deliberate error).
SELECT pow(2, 3, 4);
