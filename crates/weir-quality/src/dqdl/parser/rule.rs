//! Rules, composites, analyzers, parameters and the clauses after a condition.

use crate::dqdl::ast::{
    Analyzer, Connector, LogicalOp, Parameter, ParameterValue, Rule, RuleExpr, Tag, TagValue,
};
use crate::dqdl::catalogue::{ConditionSpec, RuleType};
use crate::dqdl::condition::{ConditionKind, NumberLiteral, QuotedString};
use crate::dqdl::lexer::{Token, TokenKind};
use crate::dqdl::printer::rule_header;
use crate::DqdlError;

use super::Parser;

/// Words that end a rule's parameters rather than being one.
const KEYWORDS: &[&str] = &[
    "between",
    "in",
    "not",
    "matches",
    "where",
    "with",
    "labels",
    "and",
    "AND",
    "or",
    "OR",
    "of",
    "OF",
    "null",
    "NULL",
    "empty",
    "EMPTY",
    "whitespaces_only",
    "WHITESPACES_ONLY",
];

/// Where a rule or analyzer is being read, for messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Rules,
    Analyzers,
}

impl Parser {
    /// `[ item, ... ]` after `Rules =`.
    pub(super) fn rule_list(&mut self) -> Result<Vec<RuleExpr>, DqdlError> {
        self.list("Rules", |p| {
            let expr = p.or_expr()?;
            Ok(expr.normalized())
        })
    }

    /// `[ analyzer, ... ]` after `Analyzers =`.
    pub(super) fn analyzer_list(&mut self) -> Result<Vec<Analyzer>, DqdlError> {
        self.list("Analyzers", Parser::analyzer)
    }

    fn list<T>(
        &mut self,
        section: &str,
        mut item: impl FnMut(&mut Parser) -> Result<T, DqdlError>,
    ) -> Result<Vec<T>, DqdlError> {
        self.expect(TokenKind::LBracket, &format!("\"[\" after {section} ="))?;
        let mut items = Vec::new();
        if self.at(&TokenKind::RBracket) {
            self.next();
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            if self.at(&TokenKind::Comma) {
                let comma = self.next();
                if self.at(&TokenKind::RBracket) {
                    return Err(Parser::error(
                        &comma,
                        format!("a trailing comma is not allowed at the end of {section}"),
                    ));
                }
            } else if self.at(&TokenKind::RBracket) {
                self.next();
                return Ok(items);
            } else {
                let what = if section == "Rules" {
                    "\",\" or \"]\" after a rule (or \"and\"/\"or\" to combine rules)"
                } else {
                    "\",\" or \"]\" after an analyzer"
                };
                return Err(self.expected(what));
            }
        }
    }

    fn or_expr(&mut self) -> Result<RuleExpr, DqdlError> {
        let mut left = self.and_expr()?;
        let mut levels = 0;
        while self.at_keyword("or") {
            self.enter_chain()?;
            levels += 1;
            self.next();
            let right = self.and_expr()?;
            left = RuleExpr::composite(LogicalOp::Or, left, right);
        }
        self.leave_chain(levels);
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<RuleExpr, DqdlError> {
        let mut left = self.rule_operand()?;
        let mut levels = 0;
        while self.at_keyword("and") {
            self.enter_chain()?;
            levels += 1;
            self.next();
            let right = self.rule_operand()?;
            left = RuleExpr::composite(LogicalOp::And, left, right);
        }
        self.leave_chain(levels);
        Ok(left)
    }

    /// `( expr ) [labels=[...]]` or a rule.
    fn rule_operand(&mut self) -> Result<RuleExpr, DqdlError> {
        if !self.at(&TokenKind::LParen) {
            return self.rule().map(RuleExpr::Rule);
        }
        self.enter()?;
        self.next();
        let mut expr = self.or_expr()?;
        self.expect(
            TokenKind::RParen,
            "\")\" (or \"and\"/\"or\" to combine rules)",
        )?;
        self.leave();
        if self.at_ident("labels") {
            let labels_token = self.next();
            self.expect(TokenKind::Eq, "\"=\" after labels")?;
            let defaults = self.default_label_keys.clone();
            let labels = self.label_list(&defaults)?;
            let existing = match &mut expr {
                RuleExpr::Rule(rule) => &mut rule.labels,
                RuleExpr::Composite(c) => &mut c.labels,
            };
            if !existing.is_empty() {
                return Err(Parser::error(
                    &labels_token,
                    "this rule already has labels: give them in one list",
                ));
            }
            *existing = labels;
        }
        Ok(expr)
    }

    fn rule_type(&mut self, section: Section) -> Result<(RuleType, Token), DqdlError> {
        let token = self.peek().clone();
        let TokenKind::Ident(name) = &token.kind else {
            let what = match section {
                Section::Rules => "a rule (a rule type such as RowCount, or \"(\")",
                Section::Analyzers => "an analyzer (a rule type such as RowCount)",
            };
            return Err(self.expected(what));
        };
        let Some(rule_type) = RuleType::from_name(name) else {
            let close = RuleType::closest_to(name);
            let hint = if close.is_empty() {
                let all: Vec<&str> = RuleType::ALL.iter().map(|t| t.name()).collect();
                format!("the rule types are {}", all.join(", "))
            } else {
                let names: Vec<&str> = close.iter().map(|t| t.name()).collect();
                format!("did you mean {}?", join_or(&names))
            };
            return Err(Parser::error(
                &token,
                format!("unknown rule type \"{name}\"; {hint}"),
            ));
        };
        self.next();
        Ok((rule_type, token))
    }

    fn parameters(&mut self) -> Result<Vec<Parameter>, DqdlError> {
        let mut parameters = Vec::new();
        loop {
            let connector = match &self.peek().kind {
                TokenKind::Ident(w) if is_parameter_start(&self.peek_at(1).kind) => {
                    Connector::from_text(w)
                }
                _ => None,
            };
            let at = usize::from(connector.is_some());
            let token = self.peek_at(at).clone();
            let value = match &token.kind {
                TokenKind::Str(raw) => ParameterValue::Quoted(
                    QuotedString::from_raw(raw)
                        .ok_or_else(|| Parser::error(&token, "malformed string"))?,
                ),
                TokenKind::Ident(word) if !KEYWORDS.contains(&word.as_str()) => {
                    ParameterValue::Bare(word.clone())
                }
                TokenKind::Variable(name) => {
                    match self.variable_value(name, &token)? {
                        crate::dqdl::ast::VariableValue::String(_) => {}
                        _ => {
                            return Err(Parser::error(
                                &token,
                                format!("variable \"${name}\" is not a quoted string, so it cannot be a rule parameter"),
                            ))
                        }
                    }
                    ParameterValue::Variable(name.clone())
                }
                _ => return Ok(parameters),
            };
            if connector.is_some() {
                self.next();
            }
            self.next();
            parameters.push(Parameter { connector, value });
        }
    }

    fn analyzer(&mut self) -> Result<Analyzer, DqdlError> {
        let (rule_type, type_token) = self.rule_type(Section::Analyzers)?;
        if !rule_type.is_analyzer() {
            return Err(Parser::error(
                &type_token,
                format!(
                    "{} cannot be an analyzer: it passes or fails but computes no metric to report",
                    rule_type.name()
                ),
            ));
        }
        let parameters = self.parameters()?;
        if rule_type.signature(parameters.len()).is_none() {
            return Err(arity_error(rule_type, &type_token, &parameters));
        }
        if is_condition_start(self)
            || self.at_ident("where")
            || self.at_ident("with")
            || self.at_ident("labels")
        {
            let token = self.peek();
            return Err(Parser::error(
                token,
                format!(
                    "an analyzer takes no condition, where clause, labels or tags; found {} after {}",
                    token.describe(),
                    rule_header(rule_type, &parameters)
                ),
            ));
        }
        Ok(Analyzer {
            rule_type,
            parameters,
        })
    }

    fn rule(&mut self) -> Result<Rule, DqdlError> {
        let (rule_type, type_token) = self.rule_type(Section::Rules)?;
        if rule_type.is_analyzer_only() {
            return Err(Parser::error(
                &type_token,
                format!("{} can only be used in Analyzers", rule_type.name()),
            ));
        }
        let parameters = self.parameters()?;
        let Some(signature) = rule_type.signature(parameters.len()) else {
            return Err(arity_error(rule_type, &type_token, &parameters));
        };
        let header = rule_header(rule_type, &parameters);
        let mut rule = Rule::new(rule_type);
        let wants_condition = match signature.condition {
            ConditionSpec::None => {
                if is_condition_start(self) {
                    let token = self.peek();
                    return Err(Parser::error(
                        token,
                        format!(
                            "{header} takes no condition (it passes or fails by itself), found {}",
                            token.describe()
                        ),
                    ));
                }
                false
            }
            ConditionSpec::Required(_) => {
                if !is_condition_start(self) {
                    return Err(self.expected(&format!(
                        "a comparison (=, !=, >, >=, <, <=, between, in, matches) after {header}"
                    )));
                }
                true
            }
            ConditionSpec::Optional(_) => is_condition_start(self),
        };
        if wants_condition {
            rule.condition = Some(self.condition(signature.condition.kinds(), &header)?);
        }
        rule.parameters = parameters;
        if self.at_ident("where") {
            let token = self.next();
            if !rule_type.supports_where() {
                return Err(Parser::error(
                    &token,
                    format!("{} does not take a where clause", rule_type.name()),
                ));
            }
            let (predicate, predicate_token) = self.quoted("a quoted SQL predicate after where")?;
            if predicate.raw().is_empty() {
                return Err(Parser::error(&predicate_token, "the where clause is empty"));
            }
            if !predicate.raw().trim().is_empty() {
                rule.where_clause = Some(predicate);
            }
        }
        self.rule_labels(&mut rule)?;
        while self.at_ident("with") {
            self.next();
            self.tag(&mut rule, &header)?;
        }
        if rule.labels.is_empty() {
            self.rule_labels(&mut rule)?;
        }
        if self.at_ident("where") {
            return Err(Parser::error(
                self.peek(),
                "the where clause must come right after the condition, before labels and with",
            ));
        }
        Ok(rule)
    }

    fn rule_labels(&mut self, rule: &mut Rule) -> Result<(), DqdlError> {
        if self.at_ident("labels") {
            self.next();
            self.expect(TokenKind::Eq, "\"=\" after labels")?;
            let defaults = self.default_label_keys.clone();
            rule.labels = self.label_list(&defaults)?;
        }
        Ok(())
    }

    /// After `with`: `threshold <numeric condition>` or `name = "value" | number`.
    fn tag(&mut self, rule: &mut Rule, header: &str) -> Result<(), DqdlError> {
        let name_token = self.peek().clone();
        let TokenKind::Ident(name) = name_token.kind.clone() else {
            return Err(self.expected("a tag name after with (such as threshold)"));
        };
        self.next();
        if name == "threshold" {
            if !rule.rule_type.supports_threshold() {
                return Err(Parser::error(
                    &name_token,
                    format!("{} does not take a threshold", rule.rule_type.name()),
                ));
            }
            if rule.threshold.is_some() {
                return Err(Parser::error(&name_token, "the threshold is given twice"));
            }
            if !is_condition_start(self) {
                return Err(self.expected(
                    "a comparison (=, !=, >, >=, <, <=, between, in) after with threshold",
                ));
            }
            let condition = self.condition(&[ConditionKind::Number], "with threshold")?;
            if let crate::dqdl::condition::Condition::Number(threshold) = condition {
                rule.threshold = Some(threshold);
            }
            return Ok(());
        }
        if !self.at(&TokenKind::Eq) {
            return Err(self.expected(&format!(
                "\"=\" after with {name} (tags other than threshold are set with =)"
            )));
        }
        self.next();
        let token = self.peek().clone();
        let value = match &token.kind {
            TokenKind::Str(_) => TagValue::Quoted(self.quoted("a quoted value")?.0),
            TokenKind::Number(_) | TokenKind::Minus => {
                let literal = self.number_literal()?;
                TagValue::Number(literal)
            }
            _ => {
                return Err(self.expected(&format!(
                    "a quoted string or a number as the value of {name} in {header}"
                )))
            }
        };
        rule.tags.push(Tag { name, value });
        Ok(())
    }

    /// A number literal, with a `-` written right before it.
    pub(super) fn number_literal(&mut self) -> Result<NumberLiteral, DqdlError> {
        let negative = self.at(&TokenKind::Minus)
            && matches!(self.peek_at(1).kind, TokenKind::Number(_))
            && self.peek_at(1).start == self.peek().end;
        if negative {
            self.next();
        }
        let token = self.peek().clone();
        let TokenKind::Number(text) = &token.kind else {
            return Err(self.expected("a number"));
        };
        self.next();
        let text = if negative {
            format!("-{text}")
        } else {
            text.clone()
        };
        NumberLiteral::parse(&text).ok_or_else(|| Parser::error(&token, "malformed number"))
    }
}

fn is_parameter_start(kind: &TokenKind) -> bool {
    match kind {
        TokenKind::Str(_) | TokenKind::Variable(_) => true,
        TokenKind::Ident(w) => !KEYWORDS.contains(&w.as_str()),
        _ => false,
    }
}

pub(super) fn is_condition_start(p: &Parser) -> bool {
    match &p.peek().kind {
        TokenKind::Eq
        | TokenKind::Bang
        | TokenKind::Gt
        | TokenKind::Ge
        | TokenKind::Lt
        | TokenKind::Le => true,
        TokenKind::Ident(w) => matches!(w.as_str(), "between" | "in" | "not" | "matches"),
        _ => false,
    }
}

fn arity_error(rule_type: RuleType, type_token: &Token, parameters: &[Parameter]) -> DqdlError {
    let mut message = format!(
        "{} {}, found {}",
        rule_type.name(),
        rule_type.describe_arity(),
        parameters.len()
    );
    let swallowed_rule = parameters.iter().any(|p| {
        matches!(p.connector, Some(Connector::And | Connector::AndUpper))
            && matches!(&p.value, ParameterValue::Bare(w) if RuleType::from_name(w).is_some())
    });
    let miscased = parameters.iter().find_map(|p| match &p.value {
        ParameterValue::Bare(w)
            if w.to_ascii_lowercase() != *w
                && ["between", "in", "not", "matches", "where", "with", "labels"]
                    .contains(&w.to_ascii_lowercase().as_str()) =>
        {
            Some(w.to_ascii_lowercase())
        }
        _ => None,
    });
    if let Some(keyword) = miscased {
        message.push_str(&format!(
            " (the keyword {keyword} is written in lowercase; otherwise it is read as a parameter)"
        ));
    } else if swallowed_rule {
        message.push_str(
            " (to combine rules with and/or, put each in parentheses: (RuleA ...) and (RuleB ...))",
        );
    }
    Parser::error(type_token, message)
}

/// "A", "A or B", "A, B or C"
fn join_or(names: &[&str]) -> String {
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
