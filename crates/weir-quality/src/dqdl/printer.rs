//! The canonical DQDL text of a parsed ruleset (`Display`).
//!
//! A rule prints as the reference implementation prints it (its text is the rule's identity in
//! results): type, parameters, condition, `where`, threshold, other tags, then labels; operators
//! and keywords upper case; sets without spaces (`in ["a","b"]`); numbers as written.
//!
//! The document prints `Metadata`, `DataSources`, variables, `DefaultLabels`, `Rules` and
//! `Analyzers`, blocks separated by a blank line. Unlike the reference, variables and default labels
//! are printed too, so that the text of a ruleset that uses `$name` parses again.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{
    Analyzer, Composite, Label, LogicalOp, Parameter, ParameterValue, Rule, RuleExpr, Ruleset, Tag,
    TagValue, Variable, VariableValue,
};
use super::catalogue::RuleType;
use super::condition::{
    Comparison, Condition, DateOperand, Duration, NumExpr, NumOperand, QuotedString, Sign, Size,
    StringCondition, StringOperand,
};

impl Display for QuotedString {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.raw())
    }
}

impl Display for NumExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            NumExpr::Number(n) => f.write_str(n.text()),
            NumExpr::Parens(inner) => write!(f, "({inner})"),
            NumExpr::Call { name, args } => {
                write!(f, "{name}(")?;
                write_joined(f, args, ",")?;
                f.write_char(')')
            }
            NumExpr::Binary { left, op, right } => write!(f, "{left} {} {right}", op.symbol()),
        }
    }
}

impl Display for NumOperand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            NumOperand::Null => f.write_str("NULL"),
            NumOperand::Expr(e) => e.fmt(f),
        }
    }
}

impl Display for StringOperand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            StringOperand::Quoted(q) => q.fmt(f),
            StringOperand::Null => f.write_str("NULL"),
            StringOperand::Empty => f.write_str("EMPTY"),
            StringOperand::WhitespacesOnly => f.write_str("WHITESPACES_ONLY"),
            StringOperand::Variable(name) => write!(f, "${name}"),
        }
    }
}

impl Display for Duration {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.unit.name())
    }
}

impl Display for Size {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.unit.name())
    }
}

impl Display for DateOperand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            DateOperand::Date(d) => write!(f, "\"{:04}-{:02}-{:02}\"", d.year, d.month, d.day),
            DateOperand::TimeOfDay(t) => write!(f, "\"{}\"", t.text()),
            DateOperand::Now => f.write_str("now()"),
            DateOperand::NowOffset { sign, offset } => {
                let sign = match sign {
                    Sign::Plus => "+",
                    Sign::Minus => "-",
                };
                write!(f, "(now() {sign} {offset})")
            }
            DateOperand::Null => f.write_str("NULL"),
        }
    }
}

impl<T: Display> Display for Comparison<T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Comparison::Compare(op, operand) => write!(f, "{} {operand}", op.symbol()),
            Comparison::Between { negated, low, high } => {
                write!(f, "{}between {low} and {high}", not(*negated))
            }
            Comparison::In { negated, items } => {
                write!(f, "{}in [", not(*negated))?;
                write_joined(f, items, ",")?;
                f.write_char(']')
            }
        }
    }
}

fn not(negated: bool) -> &'static str {
    if negated {
        "not "
    } else {
        ""
    }
}

impl Display for StringCondition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            StringCondition::Comparison(c) => c.fmt(f),
            StringCondition::InVariable { negated, name } => {
                write!(f, "{}in ${name}", not(*negated))
            }
            StringCondition::Matches { negated, pattern } => {
                write!(f, "{}matches {pattern}", not(*negated))
            }
        }
    }
}

impl Display for Condition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Number(c) => c.fmt(f),
            Condition::String(c) => c.fmt(f),
            Condition::Date(c) => c.fmt(f),
            Condition::Duration(c) => c.fmt(f),
            Condition::Size(c) => c.fmt(f),
        }
    }
}

impl Display for Parameter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(connector) = self.connector {
            write!(f, "{} ", connector.text())?;
        }
        match &self.value {
            ParameterValue::Quoted(q) => q.fmt(f),
            ParameterValue::Bare(word) => f.write_str(word),
            ParameterValue::Variable(name) => write!(f, "${name}"),
        }
    }
}

/// The rule type and its parameters, as printed (also used in error messages).
pub(crate) fn rule_header(rule_type: RuleType, parameters: &[Parameter]) -> String {
    let mut out = rule_type.name().to_owned();
    for p in parameters {
        // Writing to a String cannot fail.
        let _ = write!(out, " {p}");
    }
    out
}

impl Display for Label {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

impl Display for Tag {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.value {
            TagValue::Quoted(q) => write!(f, "with {} = {q}", self.name),
            TagValue::Number(n) => write!(f, "with {} = {}", self.name, n.text()),
        }
    }
}

impl Display for Rule {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&rule_header(self.rule_type, &self.parameters))?;
        if let Some(condition) = &self.condition {
            write!(f, " {condition}")?;
        }
        if let Some(predicate) = &self.where_clause {
            write!(f, " where {predicate}")?;
        }
        if let Some(threshold) = &self.threshold {
            write!(f, " with threshold {threshold}")?;
        }
        for tag in &self.tags {
            write!(f, " {tag}")?;
        }
        if !self.labels.is_empty() {
            f.write_str(" labels=[")?;
            write_joined(f, &self.labels, ", ")?;
            f.write_char(']')?;
        }
        Ok(())
    }
}

impl Display for Analyzer {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&rule_header(self.rule_type, &self.parameters))
    }
}

impl Display for LogicalOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogicalOp::And => "AND",
            LogicalOp::Or => "OR",
        })
    }
}

/// Whether every composite in `expr` uses `op`.
fn uses_only(expr: &RuleExpr, op: LogicalOp) -> bool {
    match expr {
        RuleExpr::Rule(_) => true,
        RuleExpr::Composite(c) => c.op == op && uses_only(&c.left, op) && uses_only(&c.right, op),
    }
}

/// `(A) AND (B) AND (C)` for a tree of one operator.
fn write_flat(f: &mut Formatter<'_>, expr: &RuleExpr, op: LogicalOp, first: bool) -> fmt::Result {
    match expr {
        RuleExpr::Composite(c) => {
            write_flat(f, &c.left, op, first)?;
            write_flat(f, &c.right, op, false)
        }
        RuleExpr::Rule(rule) => {
            if !first {
                write!(f, " {op} ")?;
            }
            write!(f, "({rule})")
        }
    }
}

impl Display for Composite {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if uses_only(&self.left, self.op) && uses_only(&self.right, self.op) {
            write_flat(f, &self.left, self.op, true)?;
            return write_flat(f, &self.right, self.op, false);
        }
        write!(f, "({}) {} ({})", self.left, self.op, self.right)
    }
}

impl Display for RuleExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            RuleExpr::Rule(rule) => rule.fmt(f),
            RuleExpr::Composite(c) => c.fmt(f),
        }
    }
}

impl Display for VariableValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            VariableValue::String(q) => q.fmt(f),
            VariableValue::Keyword(k) => k.fmt(f),
            VariableValue::List(items) => {
                f.write_char('[')?;
                write_joined(f, items, ", ")?;
                f.write_char(']')
            }
        }
    }
}

impl Display for Variable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.name, self.value)
    }
}

impl Display for Ruleset {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut blocks: Vec<String> = Vec::new();
        if let Some(metadata) = &self.metadata {
            blocks.push(format!(
                "Metadata = {{\n    \"Version\": {}\n}}",
                metadata.version
            ));
        }
        if let Some(sources) = &self.data_sources {
            let mut entries = Vec::new();
            if let Some(primary) = &sources.primary {
                entries.push(format!("    \"Primary\": {primary}"));
            }
            if let Some(additional) = &sources.additional {
                let names: Vec<String> = additional.iter().map(ToString::to_string).collect();
                entries.push(format!(
                    "    \"AdditionalDataSources\": [{}]",
                    names.join(", ")
                ));
            }
            blocks.push(format!("DataSources = {{\n{}\n}}", entries.join(",\n")));
        }
        if !self.variables.is_empty() {
            let lines: Vec<String> = self.variables.iter().map(ToString::to_string).collect();
            blocks.push(lines.join("\n"));
        }
        if !self.default_labels.is_empty() {
            let labels: Vec<String> = self
                .default_labels
                .iter()
                .map(ToString::to_string)
                .collect();
            blocks.push(format!("DefaultLabels = [{}]", labels.join(", ")));
        }
        if let Some(rules) = &self.rules {
            blocks.push(list_block("Rules", rules));
        }
        if let Some(analyzers) = &self.analyzers {
            blocks.push(list_block("Analyzers", analyzers));
        }
        f.write_str(&blocks.join("\n\n"))
    }
}

fn list_block<T: Display>(name: &str, items: &[T]) -> String {
    let lines: Vec<String> = items.iter().map(|i| format!("    {i}")).collect();
    if lines.is_empty() {
        format!("{name} = [\n]")
    } else {
        format!("{name} = [\n{}\n]", lines.join(",\n"))
    }
}

fn write_joined<T: Display>(f: &mut Formatter<'_>, items: &[T], separator: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        item.fmt(f)?;
    }
    Ok(())
}
