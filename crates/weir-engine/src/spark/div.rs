//! Spark's integral division operator `a div b`. sqlparser reads `DIV` as an operator only in
//! MySQL's dialect, so before parsing, a `div` written between two operands becomes the `//`
//! operator of the generic dialect (`BinaryOperator::DuckIntegerDivide`), which
//! [`super::sql_rewrite`] plans as Spark's `div` ([`super::rewrite::INT_DIVIDE`]). A `div`
//! anywhere else — a column, an alias, a function named `div` — is left as it is.

use std::borrow::Cow;

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Location, Token, Tokenizer};

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

/// `sql` with each `div` operator written as `//` (unchanged when there is none, or when the
/// text does not tokenize: the parser then reports the error).
pub fn as_operator(sql: &str) -> Cow<'_, str> {
    if !sql.to_ascii_lowercase().contains("div") {
        return Cow::Borrowed(sql);
    }
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, sql).tokenize_with_location() else {
        return Cow::Borrowed(sql);
    };
    let significant: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let operators: Vec<Location> = significant
        .windows(3)
        .filter(|w| is_div(&w[1].token) && ends_operand(&w[0].token) && starts_operand(&w[2].token))
        .map(|w| w[1].span.start)
        .collect();
    if operators.is_empty() {
        return Cow::Borrowed(sql);
    }
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |at: Location| -> Option<usize> {
        let start = *line_starts.get(usize::try_from(at.line).ok()?.checked_sub(1)?)?;
        let column = usize::try_from(at.column).ok()?.checked_sub(1)?;
        sql[start..]
            .char_indices()
            .nth(column)
            .map(|(b, _)| start + b)
    };
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    for at in operators {
        let Some(start) = offset(at).filter(|s| sql[*s..].len() >= 3) else {
            return Cow::Borrowed(sql);
        };
        out.push_str(&sql[copied..start]);
        out.push_str("//");
        copied = start + 3;
    }
    out.push_str(&sql[copied..]);
    Cow::Owned(out)
}

fn is_div(token: &Token) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("div"))
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
    use super::as_operator;

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
        ] {
            assert_eq!(as_operator(sql), sql);
        }
    }
}
