//! Spark SQL the generic dialect's parser cannot read, rewritten in the text before parsing:
//!
//! - the integral division `a div b` (sqlparser reads `DIV` as an operator only in MySQL's
//!   dialect): a `div` written between two operands becomes the generic dialect's `//`
//!   (`BinaryOperator::DuckIntegerDivide`), which [`super::sql_rewrite`] plans as Spark's `div`
//!   ([`super::rewrite::INT_DIVIDE`]); a `div` anywhere else — a column, an alias, a function
//!   named `div` — is left as it is;
//! - the array function `exists(arr, x -> …)`, which the parser would read as an `EXISTS`
//!   subquery: an `exists(` not followed by a query is renamed [`EXISTS_CALL`];
//! - Spark's typed numeric literals `1L`, `1S`, `1Y`, `1.5D`, `1.5F`, `1.50BD` (the parser
//!   would read the suffix as an alias): written as typed strings, `BIGINT '1'`,
//!   `DECIMAL(3,2) '1.50'`, which [`super::names`] names as Spark does (`1`, `1.5`).
//! - `x RLIKE NULL` (and `REGEXP NULL`), where the parser reads the word after `NULL` as the
//!   pattern: `NULL` is parenthesized.
//! - a quote escaped with a backslash in a string (`'it\'s'`): the doubled quote (`'it''s'`).

use std::borrow::Cow;

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Location, Token, Tokenizer, Word};

/// Keywords after which `div` starts an operand rather than dividing one.
const BEFORE_OPERAND: &[Keyword] = &[
    Keyword::SELECT,
    Keyword::DISTINCT,
    Keyword::ALL,
    Keyword::BY,
    Keyword::AND,
    Keyword::OR,
    Keyword::NOT,
    Keyword::CASE,
    Keyword::WHEN,
    Keyword::THEN,
    Keyword::ELSE,
    Keyword::ON,
    Keyword::WHERE,
    Keyword::HAVING,
    Keyword::AS,
    Keyword::IN,
    Keyword::IS,
    Keyword::LIKE,
    Keyword::BETWEEN,
    Keyword::FROM,
    Keyword::JOIN,
    Keyword::RETURN,
];

/// Keywords that end an expression: a `div` before them is an alias, not an operator.
const AFTER_OPERAND: &[Keyword] = &[
    Keyword::FROM,
    Keyword::WHERE,
    Keyword::GROUP,
    Keyword::ORDER,
    Keyword::HAVING,
    Keyword::LIMIT,
    Keyword::UNION,
    Keyword::INTERSECT,
    Keyword::EXCEPT,
    Keyword::AS,
    Keyword::AND,
    Keyword::OR,
    Keyword::END,
    Keyword::THEN,
    Keyword::ELSE,
    Keyword::WHEN,
    Keyword::JOIN,
    Keyword::ON,
    Keyword::IS,
    Keyword::IN,
    Keyword::LIKE,
    Keyword::BETWEEN,
    Keyword::LATERAL,
    Keyword::WINDOW,
];

/// The name `exists(arr, lambda)` is renamed to before parsing.
pub const EXISTS_CALL: &str = "spark_array_exists";

/// `sql` with each `div` operator written as `//` and each array `exists(` renamed (unchanged
/// when there is none, or when the text does not tokenize: the parser then reports the error).
pub fn rewrite(sql: &str) -> Cow<'_, str> {
    match escaped_quotes(sql) {
        Cow::Borrowed(sql) => rewrite_tokens(sql),
        Cow::Owned(sql) => Cow::Owned(rewrite_tokens(&sql).into_owned()),
    }
}

/// A quote escaped with a backslash inside a string literal (`'it\'s'`, Spark's escape, which
/// the generic dialect's tokenizer cannot read) written as SQL's doubled quote (`'it''s'`); an
/// escaped backslash stays escaped (Spark's other escapes are read after parsing).
fn escaped_quotes(sql: &str) -> Cow<'_, str> {
    if !sql.contains('\\') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"' | '`') => {
                quote = Some(c);
                out.push(c);
            }
            (Some(q), '\\') if q != '`' => match chars.peek().copied() {
                Some(next) if next == q => {
                    chars.next();
                    out.push(q);
                    out.push(q);
                }
                Some('\\') => {
                    chars.next();
                    out.push_str("\\\\");
                }
                _ => out.push(c),
            },
            (Some(q), c) if c == q => {
                // A doubled quote stays inside the literal.
                if chars.peek() == Some(&q) {
                    chars.next();
                    out.push(q);
                    out.push(q);
                } else {
                    quote = None;
                    out.push(c);
                }
            }
            (_, c) => out.push(c),
        }
    }
    if out == sql {
        Cow::Borrowed(sql)
    } else {
        Cow::Owned(out)
    }
}

fn rewrite_tokens(sql: &str) -> Cow<'_, str> {
    let lower = sql.to_ascii_lowercase();
    let suffixed = lower
        .as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_digit() && b"lsydfb".contains(&w[1]));
    if !lower.contains("div")
        && !lower.contains("exists")
        && !lower.contains("null")
        && !lower.contains("struct")
        && !suffixed
    {
        return Cow::Borrowed(sql);
    }
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, sql).tokenize_with_location() else {
        return Cow::Borrowed(sql);
    };
    let significant: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut edits: Vec<(Location, usize, String)> = Vec::new();
    for pair in tokens.windows(2) {
        // The tokenizer reads `1L` as one number marked long.
        if let Token::Number(n, true) = &pair[0].token {
            edits.push((
                pair[0].span.start,
                n.chars().count() + 1,
                format!("BIGINT '{n}'"),
            ));
        }
        if let (Token::Number(n, false), Token::Word(w)) = (&pair[0].token, &pair[1].token) {
            if let Some(typed) = typed_literal(n, w) {
                let len = n.chars().count() + w.value.chars().count();
                edits.push((pair[0].span.start, len, typed));
            }
        }
    }
    // The type names whose `<` is open (`STRUCT<a: INT, b: ARRAY<STRING>>`).
    let mut open_types: Vec<bool> = Vec::new();
    for (i, t) in significant.iter().enumerate() {
        let at = |k: usize| significant.get(k).map(|t| &t.token);
        if at(i + 1) == Some(&Token::Lt)
            && ["struct", "array", "map"]
                .iter()
                .any(|w| is_word(&t.token, w))
        {
            open_types.push(is_word(&t.token, "struct"));
        }
        match &t.token {
            Token::Gt => {
                open_types.pop();
            }
            Token::ShiftRight => {
                open_types.pop();
                open_types.pop();
            }
            // Spark's `STRUCT<name: type>`: the parser reads `STRUCT<name type>`.
            Token::Colon if open_types.last() == Some(&true) => {
                edits.push((t.span.start, 1, " ".into()));
            }
            _ => {}
        }
        if is_word(&t.token, "div")
            && i > 0
            && at(i - 1).is_some_and(ends_operand)
            && at(i + 1).is_some_and(starts_operand)
        {
            edits.push((t.span.start, 3, "//".into()));
        }
        if is_word(&t.token, "exists")
            && at(i + 1) == Some(&Token::LParen)
            && at(i + 2).is_some_and(|next| !starts_query(next))
        {
            edits.push((t.span.start, 6, EXISTS_CALL.into()));
        }
        if (is_word(&t.token, "rlike") || is_word(&t.token, "regexp"))
            && at(i + 1).is_some_and(|next| is_word(next, "null"))
        {
            if let Some(null) = significant.get(i + 1) {
                edits.push((null.span.start, 4, "(NULL)".into()));
            }
        }
    }
    if edits.is_empty() {
        return Cow::Borrowed(sql);
    }
    edits.sort_by_key(|(at, _, _)| (at.line, at.column));
    let offset = byte_offsets(sql);
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    for (at, len, replacement) in edits {
        let Some(start) = offset(at).filter(|s| sql[*s..].len() >= len) else {
            return Cow::Borrowed(sql);
        };
        out.push_str(&sql[copied..start]);
        out.push_str(&replacement);
        copied = start + len;
    }
    out.push_str(&sql[copied..]);
    Cow::Owned(out)
}

/// The typed string a number written with one of Spark's type suffixes stands for (`1L` →
/// `BIGINT '1'`), when `suffix` is one glued to the number.
fn typed_literal(number: &str, suffix: &Word) -> Option<String> {
    if suffix.quote_style.is_some() {
        return None;
    }
    let integral = !number.contains(['.', 'e', 'E']);
    let type_name = match suffix.value.to_ascii_uppercase().as_str() {
        "L" if integral => "BIGINT".to_string(),
        "S" if integral => "SMALLINT".to_string(),
        "Y" if integral => "TINYINT".to_string(),
        "D" => "DOUBLE".to_string(),
        "F" => "FLOAT".to_string(),
        "BD" => return decimal_literal(number),
        _ => return None,
    };
    Some(format!("{type_name} '{number}'"))
}

/// The typed string of a `BD` literal (`1.50` → `DECIMAL(3,2) '1.50'`, `1E-7` →
/// `DECIMAL(7,7) '0.0000001'`): Java's `BigDecimal` of the text, its precision at least its
/// scale; `None` when its scale would be negative (`1E+3`) or it has more than 38 digits.
fn decimal_literal(number: &str) -> Option<String> {
    let (mantissa, exponent) = match number.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (number, 0),
    };
    let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len());
    let scale = i64::try_from(fraction).ok()? - exponent;
    let significant = mantissa.replace('.', "").trim_start_matches('0').len();
    let precision = i64::try_from(significant).ok()?.max(scale).max(1);
    if scale < 0 || precision > 38 {
        return None;
    }
    // The value without an exponent (the cast from text reads no exponent).
    let digits = mantissa.replace('.', "");
    let scale_digits = usize::try_from(scale).ok()?;
    let padded = format!("{digits:0>width$}", width = scale_digits + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale_digits);
    let value = match fraction.is_empty() {
        true => whole.to_string(),
        false => format!("{whole}.{fraction}"),
    };
    Some(format!("DECIMAL({precision},{scale}) '{value}'"))
}

/// The byte offset in `sql` of a tokenizer's location (line and column, from 1, in characters).
pub(super) fn byte_offsets(sql: &str) -> impl Fn(Location) -> Option<usize> + '_ {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    move |at: Location| {
        let start = *line_starts.get(usize::try_from(at.line).ok()?.checked_sub(1)?)?;
        let column = usize::try_from(at.column).ok()?.checked_sub(1)?;
        sql[start..]
            .char_indices()
            .nth(column)
            .map(|(b, _)| start + b)
    }
}

/// An unquoted `word`, in any case.
fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// Does a parenthesis opened before `token` hold a query?
fn starts_query(token: &Token) -> bool {
    match token {
        Token::Word(w) => matches!(w.keyword, Keyword::SELECT | Keyword::WITH | Keyword::VALUES),
        Token::LParen => true,
        _ => false,
    }
}

fn ends_operand(token: &Token) -> bool {
    match token {
        Token::Word(w) => w.quote_style.is_some() || !BEFORE_OPERAND.contains(&w.keyword),
        Token::Number(..)
        | Token::RParen
        | Token::RBracket
        | Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_) => true,
        _ => false,
    }
}

fn starts_operand(token: &Token) -> bool {
    match token {
        Token::Word(w) => w.quote_style.is_some() || !AFTER_OPERAND.contains(&w.keyword),
        Token::Number(..)
        | Token::LParen
        | Token::Minus
        | Token::Plus
        | Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{rewrite as as_operator, EXISTS_CALL};

    #[test]
    fn backslash_escaped_quotes_become_doubled_quotes() {
        assert_eq!(
            as_operator(r"SELECT 'x\'y', 'a\\', 'b\n'"),
            r"SELECT 'x''y', 'a\\', 'b\n'"
        );
        assert_eq!(
            as_operator(r#"SELECT "q\"r", 'it''s'"#),
            r#"SELECT "q""r", 'it''s'"#
        );
        assert_eq!(as_operator("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn div_between_operands_becomes_the_operator() {
        assert_eq!(as_operator("SELECT a div b FROM t"), "SELECT a // b FROM t");
        assert_eq!(
            as_operator("SELECT 7 DIV 2, (x + 1) div -2 AS q"),
            "SELECT 7 // 2, (x + 1) // -2 AS q"
        );
        assert_eq!(as_operator("SELECT 'é'\n, a div 2"), "SELECT 'é'\n, a // 2");
    }

    #[test]
    fn div_as_a_name_stays() {
        for sql in [
            "SELECT div FROM t",
            "SELECT a div FROM t",
            "SELECT a, div FROM t",
            "SELECT div(a, b) FROM t",
            "SELECT 'a div b' FROM t",
            "SELECT \"div\" FROM t",
            "SELECT 1 WHERE EXISTS (SELECT 1)",
            "SELECT 1 WHERE exists((SELECT 1))",
        ] {
            assert_eq!(as_operator(sql), sql);
        }
    }

    #[test]
    fn typed_numeric_literals_become_typed_strings() {
        assert_eq!(
            as_operator("SELECT 1L, 1.0D, 1.50BD, 2S+1Y, 1.5f FROM t"),
            "SELECT BIGINT '1', DOUBLE '1.0', DECIMAL(3,2) '1.50', SMALLINT '2'+TINYINT '1', FLOAT '1.5' FROM t"
        );
        assert_eq!(
            as_operator("SELECT 1E-7BD, 1.5e-2BD, 0.00BD"),
            "SELECT DECIMAL(7,7) '0.0000001', DECIMAL(3,3) '0.015', DECIMAL(2,2) '0.00'"
        );
        for sql in [
            "SELECT 1 d FROM t",
            "SELECT 'x1L', a1L FROM t",
            "SELECT 1.5L",
        ] {
            assert_eq!(as_operator(sql), sql);
        }
    }

    #[test]
    fn struct_field_colons_are_dropped() {
        assert_eq!(
            as_operator("SELECT CAST(st AS STRUCT<a: STRING, b:ARRAY<STRUCT<c: INT>>>), m['a:b']"),
            "SELECT CAST(st AS STRUCT<a  STRING, b ARRAY<STRUCT<c  INT>>>), m['a:b']"
        );
    }

    #[test]
    fn a_null_pattern_is_parenthesized() {
        assert_eq!(
            as_operator("SELECT 'a' RLIKE NULL AS e, s regexp null"),
            "SELECT 'a' RLIKE (NULL) AS e, s regexp (NULL)"
        );
    }

    #[test]
    fn array_exists_is_renamed() {
        assert_eq!(
            as_operator("SELECT exists(a, x -> x > 1)"),
            format!("SELECT {EXISTS_CALL}(a, x -> x > 1)")
        );
    }
}
