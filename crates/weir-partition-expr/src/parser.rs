//! Recursive-descent parser producing an untyped AST.
//!
//! Grammar (keywords case-insensitive; precedence `NOT` > `AND` > `OR`):
//!
//! ```text
//! expr      := and_expr ( OR and_expr )*
//! and_expr  := not_expr ( AND not_expr )*
//! not_expr  := NOT not_expr | primary
//! primary   := '(' expr ')' | operand predicate
//! predicate := cmp_op operand
//!            | [NOT] BETWEEN operand AND operand
//!            | [NOT] IN '(' operand ( ',' operand )* ')'
//!            | [NOT] LIKE operand
//!            | IS [NOT] NULL
//! operand   := identifier | `quoted identifier` | 'string' | "string" | number
//! ```
//!
//! Which operands are keys and which are literals is checked when binding (see `bind.rs`).

use std::fmt;

use crate::lexer::{tokenize, CmpOp, Keyword, Token, TokenKind};
use crate::ExprError;

/// Maximum nesting of parentheses and `NOT`s, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OperandKind {
    Key(String),
    Str(String),
    Number(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operand {
    pub kind: OperandKind,
    /// Character offset of the operand in the expression.
    pub position: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// Two or more conjuncts.
    And(Vec<Expr>),
    /// Two or more disjuncts.
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        left: Operand,
        op: CmpOp,
        right: Operand,
    },
    Between {
        operand: Operand,
        low: Operand,
        high: Operand,
        negated: bool,
    },
    In {
        operand: Operand,
        list: Vec<Operand>,
        negated: bool,
    },
    Like {
        operand: Operand,
        pattern: Operand,
        negated: bool,
    },
    IsNull {
        operand: Operand,
        negated: bool,
    },
}

/// Parses `input`; `Ok(None)` for an empty (all-whitespace) expression.
pub(crate) fn parse(input: &str) -> Result<Option<Expr>, ExprError> {
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let end = input.chars().count();
    let mut parser = Parser {
        tokens,
        pos: 0,
        end,
        depth: 0,
    };
    let expr = parser.expr()?;
    if let Some(token) = parser.peek() {
        return Err(unexpected(token, "AND, OR or the end of the expression"));
    }
    Ok(Some(expr))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Character length of the input, the position reported for "unexpected end".
    end: usize,
    depth: usize,
}

fn unexpected(token: &Token, expected: &str) -> ExprError {
    ExprError::at(
        token.position,
        format!(
            "Unexpected token '{}' at position {}; expected {expected}",
            token.text, token.position
        ),
    )
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_kind(&self) -> Option<&TokenKind> {
        self.peek().map(|t| &t.kind)
    }

    fn peek_keyword(&self, keyword: Keyword) -> bool {
        self.peek_kind() == Some(&TokenKind::Keyword(keyword))
    }

    /// Consumes the next token if it is `keyword`.
    fn eat_keyword(&mut self, keyword: Keyword) -> bool {
        let found = self.peek_keyword(keyword);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Consumes and returns the next token, or fails with "expected `expected`".
    fn next(&mut self, expected: &str) -> Result<Token, ExprError> {
        match self.tokens.get(self.pos) {
            Some(token) => {
                self.pos += 1;
                Ok(token.clone())
            }
            None => Err(ExprError::at(
                self.end,
                format!(
                    "Unexpected end of expression at position {}; expected {expected}",
                    self.end
                ),
            )),
        }
    }

    /// Consumes the next token, which must be of kind `kind`.
    fn expect(&mut self, kind: &TokenKind, expected: &str) -> Result<(), ExprError> {
        let token = self.next(expected)?;
        if &token.kind == kind {
            Ok(())
        } else {
            Err(unexpected(&token, expected))
        }
    }

    fn enter(&mut self, position: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::at(
                position,
                format!("Expression nested too deeply at position {position} (more than {MAX_DEPTH} levels)"),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ExprError> {
        let mut arms = vec![self.and_expr()?];
        while self.eat_keyword(Keyword::Or) {
            arms.push(self.and_expr()?);
        }
        Ok(if arms.len() == 1 {
            arms.remove(0)
        } else {
            Expr::Or(arms)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, ExprError> {
        let mut arms = vec![self.not_expr()?];
        while self.eat_keyword(Keyword::And) {
            arms.push(self.not_expr()?);
        }
        Ok(if arms.len() == 1 {
            arms.remove(0)
        } else {
            Expr::And(arms)
        })
    }

    fn not_expr(&mut self) -> Result<Expr, ExprError> {
        if let Some(token) = self.peek() {
            if token.kind == TokenKind::Keyword(Keyword::Not) {
                let position = token.position;
                self.pos += 1;
                self.enter(position)?;
                let inner = self.not_expr()?;
                self.depth -= 1;
                return Ok(Expr::Not(Box::new(inner)));
            }
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        if let Some(token) = self.peek() {
            if token.kind == TokenKind::LParen {
                let position = token.position;
                self.pos += 1;
                self.enter(position)?;
                let inner = self.expr()?;
                self.depth -= 1;
                self.expect(&TokenKind::RParen, "')'")?;
                return Ok(inner);
            }
        }
        let operand = self.operand("a partition key, a value or '('")?;
        self.predicate(operand)
    }

    fn operand(&mut self, expected: &str) -> Result<Operand, ExprError> {
        let token = self.next(expected)?;
        let kind = match token.kind {
            TokenKind::Ident(name) => OperandKind::Key(name),
            TokenKind::Str(value) => OperandKind::Str(value),
            TokenKind::Number(text) => OperandKind::Number(text),
            _ => return Err(unexpected(&token, expected)),
        };
        Ok(Operand {
            kind,
            position: token.position,
        })
    }

    fn predicate(&mut self, operand: Operand) -> Result<Expr, ExprError> {
        const EXPECTED: &str = "a comparison operator, BETWEEN, IN, LIKE or IS";
        let token = self.next(EXPECTED)?;
        let negated = token.kind == TokenKind::Keyword(Keyword::Not);
        let token = if negated {
            self.next("BETWEEN, IN or LIKE after NOT")?
        } else {
            token
        };
        match token.kind {
            TokenKind::Cmp(op) if !negated => {
                let right = self.operand("a value")?;
                Ok(Expr::Compare {
                    left: operand,
                    op,
                    right,
                })
            }
            TokenKind::Keyword(Keyword::Between) => {
                let low = self.operand("a value")?;
                self.expect(&TokenKind::Keyword(Keyword::And), "AND")?;
                let high = self.operand("a value")?;
                Ok(Expr::Between {
                    operand,
                    low,
                    high,
                    negated,
                })
            }
            TokenKind::Keyword(Keyword::In) => {
                self.expect(&TokenKind::LParen, "'('")?;
                let mut list = vec![self.operand("a value")?];
                loop {
                    let token = self.next("',' or ')'")?;
                    match token.kind {
                        TokenKind::Comma => list.push(self.operand("a value")?),
                        TokenKind::RParen => break,
                        _ => return Err(unexpected(&token, "',' or ')'")),
                    }
                }
                Ok(Expr::In {
                    operand,
                    list,
                    negated,
                })
            }
            TokenKind::Keyword(Keyword::Like) => {
                let pattern = self.operand("a pattern string")?;
                Ok(Expr::Like {
                    operand,
                    pattern,
                    negated,
                })
            }
            TokenKind::Keyword(Keyword::Is) if !negated => {
                let negated = self.eat_keyword(Keyword::Not);
                self.expect(&TokenKind::Keyword(Keyword::Null), "NULL")?;
                Ok(Expr::IsNull { operand, negated })
            }
            _ if negated => Err(unexpected(&token, "BETWEEN, IN or LIKE after NOT")),
            _ => Err(unexpected(&token, EXPECTED)),
        }
    }
}

// ---- printing: Display renders an expression that parses back to the same AST (positions aside) ----

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            OperandKind::Key(name) => {
                let bare = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && Keyword::from_word(name).is_none();
                if bare {
                    f.write_str(name)
                } else {
                    write!(f, "`{}`", name.replace('`', "``"))
                }
            }
            OperandKind::Str(value) => write!(f, "'{}'", value.replace('\'', "''")),
            OperandKind::Number(text) => f.write_str(text),
        }
    }
}

impl Expr {
    /// Binding strength for printing: OR 1, AND 2, everything else 3.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(_) => 1,
            Expr::And(_) => 2,
            _ => 3,
        }
    }

    fn fmt_child(&self, f: &mut fmt::Formatter<'_>, min_precedence: u8) -> fmt::Result {
        if self.precedence() < min_precedence {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let not = |negated: bool| if negated { "NOT " } else { "" };
        match self {
            Expr::And(arms) | Expr::Or(arms) => {
                let (separator, precedence) = if matches!(self, Expr::And(_)) {
                    (" AND ", 3)
                } else {
                    (" OR ", 2)
                };
                for (i, arm) in arms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(separator)?;
                    }
                    arm.fmt_child(f, precedence)?;
                }
                Ok(())
            }
            Expr::Not(inner) => {
                f.write_str("NOT ")?;
                inner.fmt_child(f, 3)
            }
            Expr::Compare { left, op, right } => write!(f, "{left} {} {right}", op.symbol()),
            Expr::Between {
                operand,
                low,
                high,
                negated,
            } => {
                write!(f, "{operand} {}BETWEEN {low} AND {high}", not(*negated))
            }
            Expr::In {
                operand,
                list,
                negated,
            } => {
                write!(f, "{operand} {}IN (", not(*negated))?;
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
            Expr::Like {
                operand,
                pattern,
                negated,
            } => write!(f, "{operand} {}LIKE {pattern}", not(*negated)),
            Expr::IsNull { operand, negated } => write!(f, "{operand} IS {}NULL", not(*negated)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str) -> Expr {
        parse(input).expect("parses").expect("not empty")
    }

    fn error(input: &str) -> ExprError {
        parse(input).expect_err("fails")
    }

    #[test]
    fn empty_is_none() {
        assert_eq!(parse("").expect("parses"), None);
        assert_eq!(parse(" \t\n").expect("parses"), None);
    }

    #[test]
    fn precedence_not_and_or() {
        assert_eq!(
            parsed("a = 1 OR b = 2 AND NOT c = 3").to_string(),
            "a = 1 OR b = 2 AND NOT c = 3"
        );
        assert!(
            matches!(parsed("a = 1 OR b = 2 AND c = 3"), Expr::Or(arms) if matches!(arms[1], Expr::And(_)))
        );
        assert!(
            matches!(parsed("NOT a = 1 AND b = 2"), Expr::And(arms) if matches!(arms[0], Expr::Not(_)))
        );
        assert_eq!(
            parsed("(a = 1 OR b = 2) AND c = 3").to_string(),
            "(a = 1 OR b = 2) AND c = 3"
        );
        assert_eq!(
            parsed("NOT (a = 1 OR b = 2)").to_string(),
            "NOT (a = 1 OR b = 2)"
        );
        assert_eq!(
            parsed("a=1 and b=2 and c=3 or d=4").to_string(),
            "a = 1 AND b = 2 AND c = 3 OR d = 4"
        );
    }

    #[test]
    fn predicates_round_trip() {
        for text in [
            "a BETWEEN 1 AND 2",
            "a NOT BETWEEN 'x' AND 'y' AND b = 1",
            "a IN (1, 2, '3')",
            "a NOT IN ('x')",
            "a LIKE 'x%'",
            "a NOT LIKE '_'",
            "a IS NULL",
            "a IS NOT NULL",
            "10 < a",
            "`and` = 'it''s'",
        ] {
            assert_eq!(parsed(text).to_string(), text);
        }
        assert_eq!(parsed("a == 1 AND b != 2").to_string(), "a = 1 AND b <> 2");
        assert_eq!(parsed("a = \"q\"").to_string(), "a = 'q'");
    }

    #[test]
    fn error_positions() {
        let err = error("year = 2020 AND )");
        assert_eq!(err.position, Some(16));
        assert_eq!(
            err.message,
            "Unexpected token ')' at position 16; expected a partition key, a value or '('"
        );
        let err = error("(year = 2020 ");
        assert_eq!(err.position, Some(13));
        assert_eq!(
            err.message,
            "Unexpected end of expression at position 13; expected ')'"
        );
        let err = error("year = )");
        assert_eq!(
            err.message,
            "Unexpected token ')' at position 7; expected a value"
        );
        assert_eq!(error("year 2020").position, Some(5));
        assert_eq!(error("year = 1 2").position, Some(9));
        assert_eq!(error("year BETWEEN 1 OR 2").position, Some(15));
        assert_eq!(error("year IN ()").position, Some(9));
        assert_eq!(error("year IN (1 2)").position, Some(11));
        assert_eq!(error("year NOT = 1").position, Some(9));
        assert_eq!(error("year IS 1").position, Some(8));
        assert_eq!(error("NOT").position, Some(3));
    }

    #[test]
    fn nesting_is_limited() {
        let deep = format!("{}a = 1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(error(&deep).message.contains("nested too deeply"));
        let nots = format!("{}a = 1", "NOT ".repeat(5000));
        assert!(error(&nots).message.contains("nested too deeply"));
        let ok = format!("{}a = 1{}", "(".repeat(50), ")".repeat(50));
        assert!(parse(&ok).is_ok());
    }
}
