//! A hand-written recursive-descent parser for DQDL documents.
//!
//! This module reads the document's sections (metadata, data sources, variables, labels); `rule`
//! reads rules, composites and analyzers, and `condition` reads conditions and their operands.
//! Validation against the rule-type catalogue happens while reading, so every error points at the
//! offending token.

mod condition;
mod rule;

use std::collections::HashSet;

use crate::{DqdlError, DqdlWarning};

use super::ast::{DataSources, Label, Metadata, Ruleset, Variable, VariableValue};
use super::catalogue::edit_distance;
use super::condition::{QuotedString, StringOperand};
use super::lexer::{tokenize, Token, TokenKind};

/// How deep parentheses (and function calls) may nest; deeper input is rejected rather than risk
/// exhausting the stack while reading it.
const MAX_NESTING: usize = 32;
/// How deep the tree of one rule may be: parentheses plus operators in a chain (`a + b + c`,
/// `(A) and (B) and (C)` nest to the left); this bounds the recursion of printing and comparing.
const MAX_TREE_DEPTH: usize = 128;
const MAX_LABELS: usize = 10;
const MAX_LABEL_KEY_CHARS: usize = 128;
const MAX_LABEL_VALUE_CHARS: usize = 256;

const SECTION_ORDER: &str =
    "sections go in the order Metadata, DataSources, variables, DefaultLabels, Rules, Analyzers";

pub(crate) fn parse_document(text: &str) -> Result<(Ruleset, Vec<DqdlWarning>), DqdlError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        variables: Vec::new(),
        default_label_keys: Vec::new(),
        nesting: 0,
        tree_depth: 0,
    };
    let ruleset = parser.document()?;
    let mut warnings = Vec::new();
    let rest = parser.peek();
    if rest.kind != TokenKind::Eof {
        warnings.push(DqdlWarning {
            line: rest.line,
            column: rest.column,
            message: format!(
                "ignored {} and everything after it: nothing may follow the Rules and Analyzers sections",
                rest.describe()
            ),
        });
    }
    Ok((ruleset, warnings))
}

pub(super) struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    variables: Vec<Variable>,
    /// Keys of `DefaultLabels`, to count a rule's labels against the limit.
    default_label_keys: Vec<String>,
    /// Parentheses and calls open at the cursor.
    nesting: usize,
    /// Levels of the tree being built at the cursor (nesting plus chain operators).
    tree_depth: usize,
}

fn is_section_name(name: &str) -> bool {
    matches!(
        name,
        "Metadata" | "DataSources" | "DefaultLabels" | "Rules" | "Analyzers"
    )
}

impl Parser {
    // ---- token cursor ----

    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    /// The token `n` ahead; past the end, the final `Eof`.
    fn peek_at(&self, n: usize) -> &Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[(self.pos + n).min(last)]
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    fn error(token: &Token, message: impl Into<String>) -> DqdlError {
        DqdlError::new(token.line, token.column, message)
    }

    /// "expected {what}, found {token}" at the next token.
    fn expected(&self, what: &str) -> DqdlError {
        let token = self.peek();
        Parser::error(
            token,
            format!("expected {what}, found {}", token.describe()),
        )
    }

    fn at(&self, kind: &TokenKind) -> bool {
        &self.peek().kind == kind
    }

    fn at_ident(&self, word: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Ident(w) if w == word)
    }

    /// Whether the next word is `lower` or its all-uppercase spelling.
    fn at_keyword(&self, lower: &str) -> bool {
        matches!(&self.peek().kind, TokenKind::Ident(w) if w == lower || *w == lower.to_ascii_uppercase())
    }

    fn expect(&mut self, kind: TokenKind, what: &str) -> Result<Token, DqdlError> {
        if self.at(&kind) {
            Ok(self.next())
        } else {
            Err(self.expected(what))
        }
    }

    fn quoted(&mut self, what: &str) -> Result<(QuotedString, Token), DqdlError> {
        let token = self.peek().clone();
        match &token.kind {
            TokenKind::Str(raw) => {
                self.next();
                let q = QuotedString::from_raw(raw)
                    .ok_or_else(|| Parser::error(&token, "malformed string"))?;
                Ok((q, token))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// Opens a parenthesis or call.
    fn enter(&mut self) -> Result<(), DqdlError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(Parser::error(
                self.peek(),
                format!("parentheses nest more than {MAX_NESTING} deep"),
            ));
        }
        self.enter_chain()
    }

    fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
        self.leave_chain(1);
    }

    /// One more operator in a chain.
    fn enter_chain(&mut self) -> Result<(), DqdlError> {
        self.tree_depth += 1;
        if self.tree_depth > MAX_TREE_DEPTH {
            return Err(Parser::error(
                self.peek(),
                format!(
                    "this rule is too long: more than {MAX_TREE_DEPTH} operators and parentheses nested in one rule"
                ),
            ));
        }
        Ok(())
    }

    fn leave_chain(&mut self, n: usize) {
        self.tree_depth = self.tree_depth.saturating_sub(n);
    }

    /// `Name =` at the cursor (a section or a variable declaration).
    fn at_assignment(&self, name: &str) -> bool {
        self.at_ident(name) && self.peek_at(1).kind == TokenKind::Eq
    }

    // ---- the document ----

    fn document(&mut self) -> Result<Ruleset, DqdlError> {
        let mut ruleset = Ruleset::default();
        if self.at_assignment("Metadata") {
            ruleset.metadata = Some(self.metadata()?);
        }
        if self.at_assignment("DataSources") {
            ruleset.data_sources = Some(self.data_sources()?);
        }
        while let TokenKind::Ident(name) = &self.peek().kind {
            if is_section_name(name) || self.peek_at(1).kind != TokenKind::Eq {
                break;
            }
            let name_token = self.peek().clone();
            match self.variable() {
                Ok(variable) => self.variables.push(variable),
                Err(e) => return Err(misspelt_section(&name_token).unwrap_or(e)),
            }
        }
        if self.at_assignment("DefaultLabels") {
            self.next();
            self.next();
            let labels = self.label_list(&[])?;
            self.default_label_keys = labels.iter().map(|l| l.key.value()).collect();
            ruleset.default_labels = labels;
        }
        let start = self.peek().clone();
        if self.at_assignment("Rules") {
            self.next();
            self.next();
            ruleset.rules = Some(self.rule_list()?);
            if self.at_assignment("Analyzers") {
                self.next();
                self.next();
                ruleset.analyzers = Some(self.analyzer_list()?);
            }
        } else if self.at_assignment("Analyzers") {
            self.next();
            self.next();
            ruleset.analyzers = Some(self.analyzer_list()?);
        } else {
            let mut message = "a Rules or Analyzers section".to_owned();
            if let TokenKind::Ident(name) = &self.peek().kind {
                if is_section_name(name) {
                    message = format!("{message} ({SECTION_ORDER})");
                } else if self.peek_at(1).kind == TokenKind::Eq {
                    message = format!("{message} (variables are declared before DefaultLabels)");
                }
            }
            return Err(self.expected(&message));
        }
        ruleset.variables = std::mem::take(&mut self.variables);
        let items = ruleset.rules.as_ref().map_or(0, Vec::len)
            + ruleset.analyzers.as_ref().map_or(0, Vec::len);
        if items == 0 {
            return Err(Parser::error(
                &start,
                "the ruleset has no rules and no analyzers",
            ));
        }
        Ok(ruleset)
    }

    /// `{ "Key": value, ... }` after `Name =`; calls `entry` with each key.
    fn object(
        &mut self,
        section: &str,
        mut entry: impl FnMut(&mut Parser, String, &Token) -> Result<(), DqdlError>,
    ) -> Result<(), DqdlError> {
        self.next();
        self.next();
        self.expect(TokenKind::LBrace, &format!("\"{{\" after {section} ="))?;
        if self.at(&TokenKind::RBrace) {
            return Err(Parser::error(self.peek(), format!("{section} is empty")));
        }
        let mut seen = HashSet::new();
        loop {
            let (key, key_token) = self.quoted(&format!("a quoted key in {section}"))?;
            let key = key.value();
            if !seen.insert(key.clone()) {
                return Err(Parser::error(
                    &key_token,
                    format!("\"{key}\" is given twice in {section}"),
                ));
            }
            self.expect(TokenKind::Colon, &format!("\":\" after \"{key}\""))?;
            entry(self, key, &key_token)?;
            if self.at(&TokenKind::Comma) {
                self.next();
            } else {
                self.expect(TokenKind::RBrace, &format!("\",\" or \"}}\" in {section}"))?;
                return Ok(());
            }
        }
    }

    fn metadata(&mut self) -> Result<Metadata, DqdlError> {
        let mut version = None;
        self.object("Metadata", |p, key, key_token| {
            if key != "Version" {
                return Err(Parser::error(
                    key_token,
                    format!("unknown Metadata key \"{key}\": the only key is \"Version\""),
                ));
            }
            version = Some(p.quoted("a quoted version")?.0);
            Ok(())
        })?;
        // The only key, and the object is not empty.
        let version = version.unwrap_or_else(|| QuotedString::new(""));
        Ok(Metadata { version })
    }

    fn data_sources(&mut self) -> Result<DataSources, DqdlError> {
        let mut sources = DataSources {
            primary: None,
            additional: None,
        };
        self.object("DataSources", |p, key, key_token| {
            match key.as_str() {
                "Primary" => sources.primary = Some(p.quoted("a quoted dataset name")?.0),
                "AdditionalDataSources" => {
                    p.expect(
                        TokenKind::LBracket,
                        "a list of quoted dataset names after \"AdditionalDataSources\":",
                    )?;
                    let mut names = Vec::new();
                    if !p.at(&TokenKind::RBracket) {
                        loop {
                            names.push(p.quoted("a quoted dataset name")?.0);
                            if p.at(&TokenKind::Comma) {
                                p.next();
                            } else {
                                break;
                            }
                        }
                    }
                    p.expect(TokenKind::RBracket, "\",\" or \"]\"")?;
                    sources.additional = Some(names);
                }
                _ => {
                    return Err(Parser::error(
                        key_token,
                        format!(
                            "unknown DataSources key \"{key}\": the keys are \"Primary\" and \"AdditionalDataSources\""
                        ),
                    ))
                }
            }
            Ok(())
        })?;
        Ok(sources)
    }

    /// `name = "text" | [ ... ] | NULL | EMPTY | WHITESPACES_ONLY`
    fn variable(&mut self) -> Result<Variable, DqdlError> {
        let name_token = self.next();
        let TokenKind::Ident(name) = name_token.kind.clone() else {
            return Err(Parser::error(&name_token, "expected a variable name"));
        };
        if name.starts_with(['.', '_']) {
            return Err(Parser::error(
                &name_token,
                format!("variable names may not start with \".\" or \"_\": \"{name}\""),
            ));
        }
        if self.variables.iter().any(|v| v.name == name) {
            return Err(Parser::error(
                &name_token,
                format!("variable \"{name}\" is declared twice"),
            ));
        }
        self.next(); // `=`
        let value = if self.at(&TokenKind::LBracket) {
            self.next();
            let mut items = Vec::new();
            loop {
                items.push(self.variable_item(&name)?);
                if self.at(&TokenKind::Comma) {
                    self.next();
                } else {
                    break;
                }
            }
            self.expect(TokenKind::RBracket, "\",\" or \"]\" in the list")?;
            VariableValue::List(items)
        } else {
            match self.variable_item(&name)? {
                StringOperand::Quoted(q) => VariableValue::String(q),
                keyword => VariableValue::Keyword(keyword),
            }
        };
        Ok(Variable { name, value })
    }

    fn variable_item(&mut self, name: &str) -> Result<StringOperand, DqdlError> {
        let token = self.peek().clone();
        let operand = match &token.kind {
            TokenKind::Str(_) => {
                let (q, _) = self.quoted("a quoted string")?;
                if mentions_variable(q.raw()) {
                    return Err(Parser::error(
                        &token,
                        format!("the value of \"{name}\" refers to another variable: nested variables are not supported"),
                    ));
                }
                return Ok(StringOperand::Quoted(q));
            }
            TokenKind::Ident(_) if self.at_keyword("null") => StringOperand::Null,
            TokenKind::Ident(_) if self.at_keyword("empty") => StringOperand::Empty,
            TokenKind::Ident(_) if self.at_keyword("whitespaces_only") => {
                StringOperand::WhitespacesOnly
            }
            TokenKind::Number(_) | TokenKind::Minus => {
                return Err(Parser::error(
                    &token,
                    format!("variable \"{name}\" holds a number: variables hold quoted strings, lists of them, NULL, EMPTY or WHITESPACES_ONLY"),
                ))
            }
            TokenKind::Variable(_) => {
                return Err(Parser::error(
                    &token,
                    format!("the value of \"{name}\" refers to another variable: nested variables are not supported"),
                ))
            }
            _ => {
                return Err(self.expected(&format!(
                    "a quoted string, a list, NULL, EMPTY or WHITESPACES_ONLY as the value of \"{name}\""
                )))
            }
        };
        self.next();
        Ok(operand)
    }

    /// `[ "k"="v", ... ]` (after `labels=` or `DefaultLabels=`), checked against the limits;
    /// `defaults` are the default label keys counted against the per-rule limit.
    fn label_list(&mut self, defaults: &[String]) -> Result<Vec<Label>, DqdlError> {
        let open = self.expect(TokenKind::LBracket, "\"[\" to start the labels")?;
        if self.at(&TokenKind::RBracket) {
            return Err(Parser::error(
                self.peek(),
                "a label list needs at least one label",
            ));
        }
        let mut labels: Vec<Label> = Vec::new();
        loop {
            let (key, key_token) = self.quoted("a quoted label key")?;
            let key_text = key.value();
            if key_text.is_empty() {
                return Err(Parser::error(&key_token, "a label key may not be empty"));
            }
            if key_text.chars().count() > MAX_LABEL_KEY_CHARS {
                return Err(Parser::error(
                    &key_token,
                    format!("a label key may have at most {MAX_LABEL_KEY_CHARS} characters"),
                ));
            }
            if labels.iter().any(|l| l.key.value() == key_text) {
                return Err(Parser::error(
                    &key_token,
                    format!("label \"{key_text}\" is given twice"),
                ));
            }
            self.expect(
                TokenKind::Eq,
                &format!("\"=\" after label key \"{key_text}\""),
            )?;
            let (value, value_token) = self.quoted("a quoted label value")?;
            let value_text = value.value();
            if value_text.is_empty() {
                return Err(Parser::error(
                    &value_token,
                    "a label value may not be empty",
                ));
            }
            if value_text.chars().count() > MAX_LABEL_VALUE_CHARS {
                return Err(Parser::error(
                    &value_token,
                    format!("a label value may have at most {MAX_LABEL_VALUE_CHARS} characters"),
                ));
            }
            labels.push(Label { key, value });
            if self.at(&TokenKind::Comma) {
                self.next();
            } else {
                break;
            }
        }
        self.expect(TokenKind::RBracket, "\",\" or \"]\" in the labels")?;
        let mut keys: HashSet<String> = defaults.iter().cloned().collect();
        keys.extend(labels.iter().map(|l| l.key.value()));
        if keys.len() > MAX_LABELS {
            return Err(Parser::error(
                &open,
                format!(
                    "a rule may have at most {MAX_LABELS} labels, default labels included; this one has {}",
                    keys.len()
                ),
            ));
        }
        Ok(labels)
    }

    fn variable_value(&self, name: &str, token: &Token) -> Result<&VariableValue, DqdlError> {
        self.variables
            .iter()
            .find(|v| v.name == name)
            .map(|v| &v.value)
            .ok_or_else(|| Parser::error(token, format!("variable \"${name}\" is not declared")))
    }
}

/// For a variable declaration that failed and whose name is close to a section name
/// (`Rule = [`, `rules = [`): an error naming the section.
fn misspelt_section(name_token: &Token) -> Option<DqdlError> {
    let TokenKind::Ident(name) = &name_token.kind else {
        return None;
    };
    let section = [
        "Metadata",
        "DataSources",
        "DefaultLabels",
        "Rules",
        "Analyzers",
    ]
    .into_iter()
    .find(|s| edit_distance(&name.to_ascii_lowercase(), &s.to_ascii_lowercase()) <= 2)?;
    Some(Parser::error(
        name_token,
        format!("unknown section \"{name}\"; did you mean {section}? (section names are case sensitive)"),
    ))
}

/// Whether quoted text contains `$name`.
fn mentions_variable(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_' || *n == '.')
        {
            return true;
        }
    }
    false
}
