//! Splits DQDL text into tokens with 1-based line and column positions.
//!
//! Whitespace is space, tab, line feed and carriage return (the reference rejects `\r`; Weir
//! accepts CRLF files). `#` starts a comment to the end of the line (a final comment needs no
//! line feed). Keywords are not tokens of their own: they are identifiers the parser recognises
//! in context.

use crate::DqdlError;

use super::condition::is_number_text;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// `[A-Za-z0-9_.]+` that is not a number.
    Ident(String),
    /// `-?[0-9]+(\.[0-9]+)?` without the sign: a `-` is always its own token.
    Number(String),
    /// The text between double quotes, escapes kept.
    Str(String),
    /// `$name`
    Variable(String),
    /// `now()`
    Now,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Colon,
    Eq,
    Bang,
    Gt,
    Ge,
    Lt,
    Le,
    Plus,
    Minus,
    Star,
    Slash,
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub line: usize,
    pub column: usize,
    /// Character offsets of the token in the text, to tell adjacent tokens (`-5`) from spaced
    /// ones (`- 5`).
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The token as an error message shows it after "found".
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Eof => "the end of the text".to_owned(),
            TokenKind::Str(raw) => format!("the string \"{raw}\""),
            TokenKind::Ident(s) | TokenKind::Number(s) => format!("\"{s}\""),
            TokenKind::Variable(name) => format!("\"${name}\""),
            other => format!("\"{}\"", punctuation(other)),
        }
    }
}

fn punctuation(kind: &TokenKind) -> &'static str {
    match kind {
        TokenKind::Now => "now()",
        TokenKind::LBracket => "[",
        TokenKind::RBracket => "]",
        TokenKind::LBrace => "{",
        TokenKind::RBrace => "}",
        TokenKind::LParen => "(",
        TokenKind::RParen => ")",
        TokenKind::Comma => ",",
        TokenKind::Colon => ":",
        TokenKind::Eq => "=",
        TokenKind::Bang => "!",
        TokenKind::Gt => ">",
        TokenKind::Ge => ">=",
        TokenKind::Lt => "<",
        TokenKind::Le => "<=",
        TokenKind::Plus => "+",
        TokenKind::Minus => "-",
        TokenKind::Star => "*",
        TokenKind::Slash => "/",
        TokenKind::Ident(_)
        | TokenKind::Number(_)
        | TokenKind::Str(_)
        | TokenKind::Variable(_)
        | TokenKind::Eof => "",
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Tokenises the whole text; the last token is [`TokenKind::Eof`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, DqdlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let (mut i, mut line, mut column) = (0usize, 1usize, 1usize);
    // Advances over `n` characters, keeping line and column.
    let advance = |i: &mut usize, line: &mut usize, column: &mut usize, n: usize| {
        for _ in 0..n {
            if chars.get(*i) == Some(&'\n') {
                *line += 1;
                *column = 1;
            } else {
                *column += 1;
            }
            *i += 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            advance(&mut i, &mut line, &mut column, 1);
            continue;
        }
        if c == '#' {
            let len = chars[i..].iter().take_while(|c| **c != '\n').count();
            advance(&mut i, &mut line, &mut column, len);
            continue;
        }
        let (start, start_line, start_column) = (i, line, column);
        let (kind, len) = match c {
            '"' => {
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            return Err(DqdlError::new(
                                start_line,
                                start_column,
                                "this string has no closing double quote",
                            ))
                        }
                        Some('"') => break,
                        Some('\\') if matches!(chars.get(j + 1), Some('"' | '\\')) => j += 2,
                        Some(_) => j += 1,
                    }
                }
                let raw: String = chars[i + 1..j].iter().collect();
                (TokenKind::Str(raw), j + 1 - i)
            }
            '$' => {
                let len = chars[i + 1..]
                    .iter()
                    .take_while(|c| is_word_char(**c))
                    .count();
                if len == 0 {
                    return Err(DqdlError::new(
                        line,
                        column,
                        "expected a variable name after \"$\"",
                    ));
                }
                let name: String = chars[i + 1..i + 1 + len].iter().collect();
                (TokenKind::Variable(name), len + 1)
            }
            c if is_word_char(c) => {
                let len = chars[i..].iter().take_while(|c| is_word_char(**c)).count();
                let word: String = chars[i..i + len].iter().collect();
                if word == "now"
                    && chars.get(i + len) == Some(&'(')
                    && chars.get(i + len + 1) == Some(&')')
                {
                    (TokenKind::Now, len + 2)
                } else if is_number_text(&word) {
                    (TokenKind::Number(word), len)
                } else {
                    (TokenKind::Ident(word), len)
                }
            }
            '>' | '<' if chars.get(i + 1) == Some(&'=') => (
                if c == '>' {
                    TokenKind::Ge
                } else {
                    TokenKind::Le
                },
                2,
            ),
            _ => {
                let kind = match c {
                    '[' => TokenKind::LBracket,
                    ']' => TokenKind::RBracket,
                    '{' => TokenKind::LBrace,
                    '}' => TokenKind::RBrace,
                    '(' => TokenKind::LParen,
                    ')' => TokenKind::RParen,
                    ',' => TokenKind::Comma,
                    ':' => TokenKind::Colon,
                    '=' => TokenKind::Eq,
                    '!' => TokenKind::Bang,
                    '>' => TokenKind::Gt,
                    '<' => TokenKind::Lt,
                    '+' => TokenKind::Plus,
                    '-' => TokenKind::Minus,
                    '*' => TokenKind::Star,
                    '/' => TokenKind::Slash,
                    other => {
                        let shown = if other == '\'' {
                            "\"'\" (strings are written in double quotes)".to_owned()
                        } else {
                            format!("{:?}", other.to_string())
                        };
                        return Err(DqdlError::new(
                            line,
                            column,
                            format!("unexpected character {shown}"),
                        ));
                    }
                };
                (kind, 1)
            }
        };
        advance(&mut i, &mut line, &mut column, len);
        tokens.push(Token {
            kind,
            line: start_line,
            column: start_column,
            start,
            end: i,
        });
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        line,
        column,
        start: i,
        end: i,
    });
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text)
            .expect("tokenizes")
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn tokens_and_positions() {
        use TokenKind::*;
        assert_eq!(
            kinds("RowCount >= -1.5 # c\r\n\"a\\\"b\" $v now() 5."),
            vec![
                Ident("RowCount".into()),
                Ge,
                Minus,
                Number("1.5".into()),
                Str("a\\\"b".into()),
                Variable("v".into()),
                Now,
                Ident("5.".into()),
                Eof
            ]
        );
        let tokens = tokenize("Rules = [\n  IsComplete \"é\" ]").expect("tokenizes");
        let at: Vec<(usize, usize)> = tokens.iter().map(|t| (t.line, t.column)).collect();
        assert_eq!(
            at,
            vec![(1, 1), (1, 7), (1, 9), (2, 3), (2, 14), (2, 18), (2, 19)]
        );
    }

    #[test]
    fn final_comment_without_newline() {
        assert_eq!(
            kinds("Rules # done"),
            vec![TokenKind::Ident("Rules".into()), TokenKind::Eof]
        );
    }

    #[test]
    fn lexical_errors() {
        let err = |t: &str| tokenize(t).expect_err("fails").to_string();
        assert_eq!(
            err("a\n  \"open"),
            "line 2, column 3: this string has no closing double quote"
        );
        assert_eq!(
            err("x 'a'"),
            "line 1, column 3: unexpected character \"'\" (strings are written in double quotes)"
        );
        assert_eq!(
            err("$ x"),
            "line 1, column 1: expected a variable name after \"$\""
        );
        assert_eq!(err("a ; b"), "line 1, column 3: unexpected character \";\"");
    }
}
