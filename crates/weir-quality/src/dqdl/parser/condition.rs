//! Conditions: the operator, its operands, and the condition's kind.
//!
//! Operands are first read as they are written ([`Raw`]); the condition's kind then follows from
//! them (numbers → numeric; strings, EMPTY, WHITESPACES_ONLY and variables → string; dates, times
//! and `now()` → date; `3 days` → duration; `5 KB` → size; only NULL → numeric) and must be one the
//! rule type accepts.

use crate::dqdl::ast::VariableValue;
use crate::dqdl::condition::{
    ArithOp, CompareOp, Comparison, Condition, ConditionKind, Date, DateOperand, Duration,
    DurationUnit, NumExpr, NumOperand, QuotedString, Sign, Size, SizeUnit, StringCondition,
    StringOperand, TimeOfDay,
};
use crate::dqdl::lexer::{Token, TokenKind};
use crate::DqdlError;

use super::Parser;

/// An operand as written, before the condition's kind is known.
#[derive(Debug, Clone)]
enum Raw {
    Num(NumExpr),
    Null,
    Str(StringOperand),
    Date(DateOperand),
    Duration(Duration),
    Size(Size),
}

impl Raw {
    fn kind(&self) -> Option<ConditionKind> {
        match self {
            Raw::Num(_) => Some(ConditionKind::Number),
            Raw::Null => None,
            Raw::Str(_) => Some(ConditionKind::String),
            Raw::Date(_) => Some(ConditionKind::Date),
            Raw::Duration(_) => Some(ConditionKind::Duration),
            Raw::Size(_) => Some(ConditionKind::Size),
        }
    }
}

fn kind_noun(kind: ConditionKind) -> &'static str {
    match kind {
        ConditionKind::Number => "numeric",
        ConditionKind::String => "string",
        ConditionKind::Date => "date",
        ConditionKind::Duration => "duration",
        ConditionKind::Size => "size",
    }
}

/// "a numeric condition", "a string, numeric or date condition"
fn describe_kinds(kinds: &[ConditionKind]) -> String {
    match kinds {
        [one] => one.describe().to_owned(),
        _ => {
            let nouns: Vec<&str> = kinds.iter().map(|k| kind_noun(*k)).collect();
            match nouns.split_last() {
                Some((last, rest)) => format!("a {} or {last} condition", rest.join(", ")),
                None => "no condition".to_owned(),
            }
        }
    }
}

/// The shape of a condition with operands as written.
enum RawCondition {
    /// The operator forms shared by every kind (boxed: it is large and the others small).
    Shared(Box<Comparison<(Raw, Token)>>),
    InVariable {
        negated: bool,
        name: String,
    },
    Matches {
        negated: bool,
        pattern: QuotedString,
    },
}

impl Parser {
    /// A condition of one of `kinds`; `header` names the rule in messages.
    pub(super) fn condition(
        &mut self,
        kinds: &[ConditionKind],
        header: &str,
    ) -> Result<Condition, DqdlError> {
        let start = self.peek().clone();
        let raw = self.raw_condition()?;
        let operands: Vec<&(Raw, Token)> = match &raw {
            RawCondition::Shared(shared) => match shared.as_ref() {
                Comparison::Compare(_, operand) => vec![operand],
                Comparison::Between { low, high, .. } => vec![low, high],
                Comparison::In { items, .. } => items.iter().collect(),
            },
            RawCondition::InVariable { .. } | RawCondition::Matches { .. } => Vec::new(),
        };
        let mut kind = match &raw {
            RawCondition::InVariable { .. } | RawCondition::Matches { .. } => {
                Some(ConditionKind::String)
            }
            _ => None,
        };
        // A unit-less integer in a size condition means bytes.
        let bytes = kinds.contains(&ConditionKind::Size) && !kinds.contains(&ConditionKind::Number);
        let effective = |k: ConditionKind| {
            if bytes && k == ConditionKind::Number {
                ConditionKind::Size
            } else {
                k
            }
        };
        for (operand, token) in &operands {
            match (kind, operand.kind().map(effective)) {
                (_, None) => {}
                (None, Some(k)) => kind = Some(k),
                (Some(a), Some(b)) if a != b => {
                    return Err(Parser::error(
                        token,
                        format!(
                            "cannot mix {} and {} values in one condition",
                            kind_noun(a),
                            kind_noun(b)
                        ),
                    ))
                }
                _ => {}
            }
        }
        let kind = effective(kind.unwrap_or(ConditionKind::Number));
        if !kinds.contains(&kind) {
            return Err(Parser::error(
                &start,
                format!(
                    "{header} takes {}, found {}",
                    describe_kinds(kinds),
                    kind.describe()
                ),
            ));
        }
        self.typed(raw, kind)
    }

    fn raw_condition(&mut self) -> Result<RawCondition, DqdlError> {
        let token = self.next();
        let word = match &token.kind {
            TokenKind::Ident(w) => w.clone(),
            TokenKind::Eq => return Ok(compare(CompareOp::Equals, self.operand()?)),
            TokenKind::Bang => {
                self.expect(TokenKind::Eq, "\"=\" after \"!\"")?;
                return Ok(compare(CompareOp::NotEquals, self.operand()?));
            }
            TokenKind::Gt => return Ok(compare(CompareOp::GreaterThan, self.operand()?)),
            TokenKind::Ge => return Ok(compare(CompareOp::GreaterThanOrEqual, self.operand()?)),
            TokenKind::Lt => return Ok(compare(CompareOp::LessThan, self.operand()?)),
            TokenKind::Le => return Ok(compare(CompareOp::LessThanOrEqual, self.operand()?)),
            _ => return Err(Parser::error(&token, "expected a comparison")),
        };
        let negated = word == "not";
        let word = if negated {
            match &self.peek().kind {
                TokenKind::Ident(w) if matches!(w.as_str(), "between" | "in" | "matches") => {
                    let w = w.clone();
                    self.next();
                    w
                }
                _ => return Err(self.expected("between, in or matches after not")),
            }
        } else {
            word
        };
        match word.as_str() {
            "between" => {
                let low = self.bound()?;
                if !self.at_keyword("and") {
                    return Err(self.expected("\"and\" between the two bounds of between"));
                }
                self.next();
                let high = self.bound()?;
                Ok(RawCondition::Shared(Box::new(Comparison::Between {
                    negated,
                    low,
                    high,
                })))
            }
            "in" => {
                if let TokenKind::Variable(name) = &self.peek().kind {
                    let name = name.clone();
                    let token = self.next();
                    self.variable_value(&name, &token)?;
                    return Ok(RawCondition::InVariable { negated, name });
                }
                self.expect(TokenKind::LBracket, "\"[\" or a $variable after in")?;
                if self.at(&TokenKind::RBracket) {
                    return Err(Parser::error(self.peek(), "the list after in is empty"));
                }
                let mut items = Vec::new();
                loop {
                    if let TokenKind::Variable(_) = self.peek().kind {
                        return Err(Parser::error(
                            self.peek(),
                            "variables cannot be used inside [...]: write in $name to use a list variable",
                        ));
                    }
                    items.push(self.operand()?);
                    if self.at(&TokenKind::Comma) {
                        self.next();
                    } else {
                        break;
                    }
                }
                self.expect(TokenKind::RBracket, "\",\" or \"]\" in the list")?;
                Ok(RawCondition::Shared(Box::new(Comparison::In {
                    negated,
                    items,
                })))
            }
            _ => {
                let (pattern, _) = self.quoted("a quoted regular expression after matches")?;
                Ok(RawCondition::Matches { negated, pattern })
            }
        }
    }

    /// A bound of `between` (not a variable).
    fn bound(&mut self) -> Result<(Raw, Token), DqdlError> {
        if let TokenKind::Variable(_) = self.peek().kind {
            return Err(Parser::error(
                self.peek(),
                "variables cannot be bounds of between: use them with =, != or in",
            ));
        }
        self.operand()
    }

    /// One operand as written.
    fn operand(&mut self) -> Result<(Raw, Token), DqdlError> {
        let token = self.peek().clone();
        let raw = match &token.kind {
            TokenKind::Str(raw) => {
                self.next();
                quoted_operand(raw, &token)?
            }
            TokenKind::Variable(name) => {
                let name = name.clone();
                self.next();
                match self.variable_value(&name, &token)? {
                    VariableValue::String(_) | VariableValue::Keyword(_) => {}
                    VariableValue::List(_) => {
                        return Err(Parser::error(
                            &token,
                            format!("variable \"${name}\" is a list: use it with in ${name}"),
                        ))
                    }
                }
                Raw::Str(StringOperand::Variable(name))
            }
            TokenKind::Now => {
                self.next();
                Raw::Date(DateOperand::Now)
            }
            TokenKind::Ident(_) if self.at_keyword("null") => {
                self.next();
                Raw::Null
            }
            TokenKind::Ident(_) if self.at_keyword("empty") => {
                self.next();
                Raw::Str(StringOperand::Empty)
            }
            TokenKind::Ident(_) if self.at_keyword("whitespaces_only") => {
                self.next();
                Raw::Str(StringOperand::WhitespacesOnly)
            }
            TokenKind::Ident(w)
                if ["null", "empty", "whitespaces_only"].contains(&w.to_ascii_lowercase().as_str()) =>
            {
                return Err(Parser::error(
                    &token,
                    format!(
                        "\"{w}\" is not a keyword: write {} or {}",
                        w.to_ascii_uppercase(),
                        w.to_ascii_lowercase()
                    ),
                ))
            }
            TokenKind::LParen if self.peek_at(1).kind == TokenKind::Now => self.now_offset()?,
            TokenKind::Number(_) | TokenKind::Minus => match self.unit_after_number() {
                Some(unit) => self.quantity(unit)?,
                None => {
                    self.reject_misspelt_unit()?;
                    Raw::Num(self.num_expr()?)
                }
            },
            TokenKind::LParen | TokenKind::Ident(_) => Raw::Num(self.num_expr()?),
            _ => {
                return Err(self.expected(
                    "a value to compare with (a number, a quoted string, a date, now(), NULL, EMPTY or WHITESPACES_ONLY)",
                ))
            }
        };
        Ok((raw, token))
    }

    /// The unit word after the number at the cursor (`3 days`, `5 KB`), if there is one.
    fn unit_after_number(&self) -> Option<String> {
        let at = if self.at(&TokenKind::Minus) { 2 } else { 1 };
        match &self.peek_at(at).kind {
            TokenKind::Ident(w)
                if DurationUnit::from_name(w).is_some() || SizeUnit::from_name(w).is_some() =>
            {
                Some(w.clone())
            }
            _ => None,
        }
    }

    /// An error for a unit word that is not one (`3 day`, `5 kb`) after the number at the cursor.
    fn reject_misspelt_unit(&self) -> Result<(), DqdlError> {
        const UNIT_LIKE: &[&str] = &[
            "day", "days", "hour", "hours", "minute", "minutes", "min", "mins", "second",
            "seconds", "sec", "secs", "week", "weeks", "b", "kb", "mb", "gb", "tb", "pb", "byte",
            "bytes",
        ];
        let at = if self.at(&TokenKind::Minus) { 2 } else { 1 };
        let token = self.peek_at(at);
        match &token.kind {
            TokenKind::Ident(w) if UNIT_LIKE.contains(&w.to_ascii_lowercase().as_str()) => {
                Err(Parser::error(
                    token,
                    format!(
                        "unknown unit \"{w}\": durations are in days, hours or minutes, sizes in B, KB, MB, GB or TB"
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// `N days|hours|minutes` or `N B|KB|MB|GB|TB`.
    fn quantity(&mut self, unit: String) -> Result<Raw, DqdlError> {
        let token = self.peek().clone();
        let literal = self.number_literal()?;
        self.next(); // the unit
        let Some(amount) = literal.as_u64() else {
            return Err(Parser::error(
                &token,
                format!(
                    "expected a whole number of {unit}, found \"{}\"",
                    literal.text()
                ),
            ));
        };
        Ok(match DurationUnit::from_name(&unit) {
            Some(unit) => Raw::Duration(Duration { amount, unit }),
            None => Raw::Size(Size {
                amount,
                unit: SizeUnit::from_name(&unit).unwrap_or(SizeUnit::B),
            }),
        })
    }

    /// `(now() - 3 days)` / `(now() + 4 hours)`.
    fn now_offset(&mut self) -> Result<Raw, DqdlError> {
        self.next(); // (
        self.next(); // now()
        let sign = match self.peek().kind {
            TokenKind::Plus => Sign::Plus,
            TokenKind::Minus => Sign::Minus,
            _ => return Err(self.expected("\"+\" or \"-\" after (now()")),
        };
        self.next();
        let token = self.peek().clone();
        let amount = match &token.kind {
            TokenKind::Number(text) => text.parse::<u64>().ok(),
            _ => None,
        };
        let Some(amount) = amount else {
            return Err(self.expected("a whole number of days, hours or minutes"));
        };
        self.next();
        let unit = match &self.peek().kind {
            TokenKind::Ident(w) => DurationUnit::from_name(w),
            _ => None,
        };
        let Some(unit) = unit else {
            return Err(self.expected(&format!("days, hours or minutes after {amount}")));
        };
        self.next();
        self.expect(TokenKind::RParen, "\")\" to close (now() ...")?;
        Ok(Raw::Date(DateOperand::NowOffset {
            sign,
            offset: Duration { amount, unit },
        }))
    }

    /// Operands joined by `+ - * /`, all of equal precedence, associating to the left.
    fn num_expr(&mut self) -> Result<NumExpr, DqdlError> {
        let mut left = self.num_primary()?;
        let mut levels = 0;
        loop {
            let op = match self.peek().kind {
                TokenKind::Plus => ArithOp::Add,
                TokenKind::Minus => ArithOp::Subtract,
                TokenKind::Star => ArithOp::Multiply,
                TokenKind::Slash => ArithOp::Divide,
                _ => {
                    self.leave_chain(levels);
                    return Ok(left);
                }
            };
            self.enter_chain()?;
            levels += 1;
            self.next();
            let right = self.num_primary()?;
            left = NumExpr::Binary {
                left: Box::new(left),
                op,
                right: Box::new(right),
            };
        }
    }

    fn num_primary(&mut self) -> Result<NumExpr, DqdlError> {
        match &self.peek().kind {
            TokenKind::Number(_) | TokenKind::Minus => Ok(NumExpr::Number(self.number_literal()?)),
            TokenKind::LParen => {
                self.enter()?;
                self.next();
                let inner = self.num_expr()?;
                self.expect(TokenKind::RParen, "\")\" or an operator (+, -, *, /)")?;
                self.leave();
                Ok(NumExpr::Parens(Box::new(inner)))
            }
            TokenKind::Ident(name) if self.peek_at(1).kind == TokenKind::LParen => {
                if name == "now" {
                    return Err(Parser::error(
                        self.peek(),
                        "write now() without a space before \"(\"",
                    ));
                }
                let name = name.clone();
                self.enter()?;
                self.next();
                self.next();
                let mut args = Vec::new();
                if !self.at(&TokenKind::RParen) {
                    loop {
                        args.push(self.num_expr()?);
                        if self.at(&TokenKind::Comma) {
                            self.next();
                        } else {
                            break;
                        }
                    }
                }
                self.expect(
                    TokenKind::RParen,
                    &format!("\",\" or \")\" in the arguments of {name}"),
                )?;
                self.leave();
                Ok(NumExpr::Call { name, args })
            }
            _ => Err(self.expected("a number, \"(\" or a function such as avg(last(3))")),
        }
    }

    /// The condition with operands of `kind` (already checked to be consistent).
    fn typed(&self, raw: RawCondition, kind: ConditionKind) -> Result<Condition, DqdlError> {
        let shared = match raw {
            RawCondition::InVariable { negated, name } => {
                return Ok(Condition::String(StringCondition::InVariable {
                    negated,
                    name,
                }))
            }
            RawCondition::Matches { negated, pattern } => {
                return Ok(Condition::String(StringCondition::Matches {
                    negated,
                    pattern,
                }))
            }
            RawCondition::Shared(shared) => *shared,
        };
        Ok(match kind {
            ConditionKind::String => Condition::String(StringCondition::Comparison(map_operands(
                shared,
                |raw, _| match raw {
                    Raw::Str(s) => Ok(s),
                    _ => Ok(StringOperand::Null),
                },
            )?)),
            ConditionKind::Number => Condition::Number(map_operands(shared, |raw, _| match raw {
                Raw::Num(e) => Ok(NumOperand::Expr(e)),
                _ => Ok(NumOperand::Null),
            })?),
            ConditionKind::Date => Condition::Date(map_operands(shared, |raw, _| match raw {
                Raw::Date(d) => Ok(d),
                _ => Ok(DateOperand::Null),
            })?),
            ConditionKind::Duration => {
                Condition::Duration(map_operands(shared, |raw, token| match raw {
                    Raw::Duration(d) => Ok(d),
                    _ => Err(Parser::error(token, "expected a duration such as 3 days")),
                })?)
            }
            ConditionKind::Size => Condition::Size(map_operands(shared, |raw, token| match raw {
                Raw::Size(s) => Ok(s),
                Raw::Num(NumExpr::Number(n)) if n.as_u64().is_some() => Ok(Size {
                    amount: n.as_u64().unwrap_or(0),
                    unit: SizeUnit::B,
                }),
                _ => Err(Parser::error(
                    token,
                    "expected a size such as 5 MB (a whole number and B, KB, MB, GB or TB)",
                )),
            })?),
        })
    }
}

fn compare(op: CompareOp, operand: (Raw, Token)) -> RawCondition {
    RawCondition::Shared(Box::new(Comparison::Compare(op, operand)))
}

/// The comparison with each operand converted.
fn map_operands<T>(
    raw: Comparison<(Raw, Token)>,
    mut convert: impl FnMut(Raw, &Token) -> Result<T, DqdlError>,
) -> Result<Comparison<T>, DqdlError> {
    let mut one = |(raw, token): (Raw, Token)| convert(raw, &token);
    Ok(match raw {
        Comparison::Compare(op, operand) => Comparison::Compare(op, one(operand)?),
        Comparison::Between { negated, low, high } => Comparison::Between {
            negated,
            low: one(low)?,
            high: one(high)?,
        },
        Comparison::In { negated, items } => Comparison::In {
            negated,
            items: items.into_iter().map(one).collect::<Result<_, _>>()?,
        },
    })
}

/// A quoted operand: a date (`"YYYY-MM-DD"`), a time of day (`"9:30 AM"`, `"21:45"`) or a string.
fn quoted_operand(raw: &str, token: &Token) -> Result<Raw, DqdlError> {
    let b = raw.as_bytes();
    let is_date_shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|i| b[*i].is_ascii_digit());
    if is_date_shape {
        let num = |r: std::ops::Range<usize>| raw[r].parse::<u16>().unwrap_or(0);
        let date = u8::try_from(num(5..7))
            .ok()
            .zip(u8::try_from(num(8..10)).ok())
            .and_then(|(m, d)| Date::new(num(0..4), m, d));
        return match date {
            Some(date) => Ok(Raw::Date(DateOperand::Date(date))),
            None => Err(Parser::error(
                token,
                format!("\"{raw}\" is not a valid date (YYYY-MM-DD)"),
            )),
        };
    }
    if let Some(time) = TimeOfDay::parse(raw) {
        return match time {
            Ok(time) => Ok(Raw::Date(DateOperand::TimeOfDay(time))),
            Err(message) => Err(Parser::error(token, message)),
        };
    }
    QuotedString::from_raw(raw)
        .map(|q| Raw::Str(StringOperand::Quoted(q)))
        .ok_or_else(|| Parser::error(token, "malformed string"))
}
