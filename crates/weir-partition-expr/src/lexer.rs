//! Tokenizer for partition filter expressions.
//!
//! Positions are 0-based *character* (not byte) offsets into the expression, which is what error
//! messages report.

use crate::ExprError;

/// A comparison operator as written (`==` and `!=` are folded into `=` and `<>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator to use when the operands are swapped (`10 < month` is `month > 10`).
    pub(crate) fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Eq,
            CmpOp::Ne => CmpOp::Ne,
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
        }
    }

    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// Reserved words; recognised case-insensitively among bare identifiers (never inside backticks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    And,
    Or,
    Not,
    Between,
    In,
    Like,
    Is,
    Null,
}

impl Keyword {
    pub(crate) fn from_word(word: &str) -> Option<Keyword> {
        const WORDS: [(&str, Keyword); 8] = [
            ("AND", Keyword::And),
            ("OR", Keyword::Or),
            ("NOT", Keyword::Not),
            ("BETWEEN", Keyword::Between),
            ("IN", Keyword::In),
            ("LIKE", Keyword::Like),
            ("IS", Keyword::Is),
            ("NULL", Keyword::Null),
        ];
        WORDS
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|&(_, k)| k)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A bare or backtick-quoted identifier (a partition key name), unescaped.
    Ident(String),
    Keyword(Keyword),
    /// A single- or double-quoted string literal, unescaped.
    Str(String),
    /// A numeric literal, as written (including a leading sign, if any).
    Number(String),
    Cmp(CmpOp),
    LParen,
    RParen,
    Comma,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Character offset of the token's first character.
    pub position: usize,
    /// The token's source text, for error messages.
    pub text: String,
}

/// Splits `input` into tokens.
pub(crate) fn tokenize(input: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let kind = match c {
            '(' => {
                i += 1;
                TokenKind::LParen
            }
            ')' => {
                i += 1;
                TokenKind::RParen
            }
            ',' => {
                i += 1;
                TokenKind::Comma
            }
            '=' => {
                i += if chars.get(i + 1) == Some(&'=') { 2 } else { 1 };
                TokenKind::Cmp(CmpOp::Eq)
            }
            '!' => {
                if chars.get(i + 1) != Some(&'=') {
                    return Err(ExprError::at(
                        start,
                        format!("Unexpected character '!' at position {start}; did you mean '!='?"),
                    ));
                }
                i += 2;
                TokenKind::Cmp(CmpOp::Ne)
            }
            '<' => match chars.get(i + 1) {
                Some('=') => {
                    i += 2;
                    TokenKind::Cmp(CmpOp::Le)
                }
                Some('>') => {
                    i += 2;
                    TokenKind::Cmp(CmpOp::Ne)
                }
                _ => {
                    i += 1;
                    TokenKind::Cmp(CmpOp::Lt)
                }
            },
            '>' => {
                if chars.get(i + 1) == Some(&'=') {
                    i += 2;
                    TokenKind::Cmp(CmpOp::Ge)
                } else {
                    i += 1;
                    TokenKind::Cmp(CmpOp::Gt)
                }
            }
            '\'' | '"' => {
                let (value, end) = quoted(&chars, i, c).ok_or_else(|| {
                    ExprError::at(
                        start,
                        format!("Unterminated string literal starting at position {start}"),
                    )
                })?;
                i = end;
                TokenKind::Str(value)
            }
            '`' => {
                let (value, end) = quoted(&chars, i, '`').ok_or_else(|| {
                    ExprError::at(
                        start,
                        format!("Unterminated quoted identifier starting at position {start}"),
                    )
                })?;
                if value.is_empty() {
                    return Err(ExprError::at(
                        start,
                        format!("Empty quoted identifier at position {start}"),
                    ));
                }
                i = end;
                TokenKind::Ident(value)
            }
            _ if starts_number(&chars, i) => {
                i = number_end(&chars, i);
                TokenKind::Number(chars[start..i].iter().collect())
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match Keyword::from_word(&word) {
                    Some(keyword) => TokenKind::Keyword(keyword),
                    None => TokenKind::Ident(word),
                }
            }
            _ => {
                return Err(ExprError::at(
                    start,
                    format!("Unexpected character '{c}' at position {start}"),
                ));
            }
        };
        tokens.push(Token {
            kind,
            position: start,
            text: chars[start..i].iter().collect(),
        });
    }
    Ok(tokens)
}

/// Reads a literal quoted with `quote` starting at `start` (which holds the opening quote); a doubled
/// quote stands for one quote character. Returns the unescaped content and the index after the closing
/// quote, or `None` if the literal is unterminated.
fn quoted(chars: &[char], start: usize, quote: char) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut i = start + 1;
    loop {
        let c = *chars.get(i)?;
        if c == quote {
            if chars.get(i + 1) == Some(&quote) {
                value.push(quote);
                i += 2;
            } else {
                return Some((value, i + 1));
            }
        } else {
            value.push(c);
            i += 1;
        }
    }
}

/// A number starts with a digit, or `.digit`, optionally preceded by a sign.
fn starts_number(chars: &[char], i: usize) -> bool {
    let digit_at = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
    let unsigned_at = |j: usize| digit_at(j) || (chars.get(j) == Some(&'.') && digit_at(j + 1));
    match chars[i] {
        '-' | '+' => unsigned_at(i + 1),
        _ => unsigned_at(i),
    }
}

/// The end of the number starting at `i`: `[+-] digits [. digits] [e [+-] digits]` (either digit run
/// may be empty, not both).
fn number_end(chars: &[char], mut i: usize) -> usize {
    let digit_at = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
    if matches!(chars[i], '-' | '+') {
        i += 1;
    }
    while digit_at(i) {
        i += 1;
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        while digit_at(i) {
            i += 1;
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        if digit_at(j) {
            while digit_at(j) {
                j += 1;
            }
            i = j;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<TokenKind> {
        tokenize(input)
            .expect("tokenizes")
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn operators() {
        assert_eq!(
            kinds("= == <> != < <= > >="),
            [
                CmpOp::Eq,
                CmpOp::Eq,
                CmpOp::Ne,
                CmpOp::Ne,
                CmpOp::Lt,
                CmpOp::Le,
                CmpOp::Gt,
                CmpOp::Ge
            ]
            .map(TokenKind::Cmp)
            .to_vec()
        );
    }

    #[test]
    fn literals_and_identifiers() {
        assert_eq!(
            kinds("year 'it''s' \"a\"\"b\" `we``ird` -1.5e3 .5 +7 and Between"),
            vec![
                TokenKind::Ident("year".into()),
                TokenKind::Str("it's".into()),
                TokenKind::Str("a\"b".into()),
                TokenKind::Ident("we`ird".into()),
                TokenKind::Number("-1.5e3".into()),
                TokenKind::Number(".5".into()),
                TokenKind::Number("+7".into()),
                TokenKind::Keyword(Keyword::And),
                TokenKind::Keyword(Keyword::Between),
            ]
        );
    }

    #[test]
    fn positions_are_character_offsets() {
        let tokens = tokenize("'é' = x").expect("tokenizes");
        assert_eq!(
            tokens.iter().map(|t| t.position).collect::<Vec<_>>(),
            vec![0, 4, 6]
        );
    }

    #[test]
    fn errors() {
        let err = tokenize("a = 'abc").expect_err("unterminated");
        assert_eq!(err.position, Some(4));
        assert_eq!(
            err.message,
            "Unterminated string literal starting at position 4"
        );
        assert_eq!(tokenize("a # 1").expect_err("bad char").position, Some(2));
        assert_eq!(tokenize("a ! 1").expect_err("bad char").position, Some(2));
        assert_eq!(tokenize("``").expect_err("empty ident").position, Some(0));
    }
}
