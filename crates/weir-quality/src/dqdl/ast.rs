//! The parsed ruleset: sections, rules, analyzers, variables and labels.
//!
//! Everything needed to print the canonical text is kept (connector words, how a parameter was
//! written, number literals as written), so `parse(&ruleset.to_string())` gives the ruleset back.

use super::catalogue::RuleType;
use super::condition::{
    Comparison, Condition, NumOperand, NumberLiteral, QuotedString, StringOperand,
};

/// A DQDL document. At least one of `rules`/`analyzers` is present and, together, they hold at
/// least one item.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ruleset {
    pub metadata: Option<Metadata>,
    pub data_sources: Option<DataSources>,
    /// Constants declared before the rules, in declaration order (names are unique).
    pub variables: Vec<Variable>,
    /// `DefaultLabels = [...]`: applied to every rule, overridden key by key by the rule's labels.
    /// Empty when the section is absent.
    pub default_labels: Vec<Label>,
    /// `Rules = [...]`; `None` when the section is absent, `Some(vec![])` for `Rules = []`.
    pub rules: Option<Vec<RuleExpr>>,
    pub analyzers: Option<Vec<Analyzer>>,
}

impl Ruleset {
    /// The declared variable `name`.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// A parameter's text: a quoted string unescaped, a bare word as written, a `$name` replaced
    /// by the string variable's value. `None` only for a variable this ruleset does not declare
    /// as a string (the parser accepts no such parameter).
    pub fn parameter_value(&self, parameter: &Parameter) -> Option<String> {
        match &parameter.value {
            ParameterValue::Quoted(q) => Some(q.value()),
            ParameterValue::Bare(word) => Some(word.clone()),
            ParameterValue::Variable(name) => match &self.variable(name)?.value {
                VariableValue::String(q) => Some(q.value()),
                VariableValue::Keyword(_) | VariableValue::List(_) => None,
            },
        }
    }

    /// The set that `in $name` stands for: a list variable's items, or a string or keyword as a
    /// set of one. `None` if `name` is not declared.
    pub fn variable_set(&self, name: &str) -> Option<Vec<StringOperand>> {
        Some(match &self.variable(name)?.value {
            VariableValue::String(q) => vec![StringOperand::Quoted(q.clone())],
            VariableValue::Keyword(k) => vec![k.clone()],
            VariableValue::List(items) => items.clone(),
        })
    }
}

/// `Metadata = { "Version": "..." }` — `Version` is the only key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub version: QuotedString,
}

/// `DataSources = { "Primary": "...", "AdditionalDataSources": ["...", ...] }`. Informational:
/// the evaluator binds dataset aliases used by rules to the datasets supplied by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSources {
    pub primary: Option<QuotedString>,
    /// `None` when the key is absent.
    pub additional: Option<Vec<QuotedString>>,
}

/// `name = value`, referenced as `$name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub value: VariableValue,
}

/// The value of a variable. Numbers are not allowed, nor values that mention other variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableValue {
    String(QuotedString),
    /// A keyword: `NULL`, `EMPTY` or `WHITESPACES_ONLY` (never [`StringOperand::Quoted`] or
    /// [`StringOperand::Variable`]).
    Keyword(StringOperand),
    /// `[...]` of quoted strings and keywords (never [`StringOperand::Variable`]).
    List(Vec<StringOperand>),
}

/// A label, `"key"="value"`. Keys are case sensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub key: QuotedString,
    pub value: QuotedString,
}

/// An item of `Rules`: a rule or a composite of rules.
// Most items are single rules: boxing them would cost an allocation in the common case.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum RuleExpr {
    Rule(Rule),
    Composite(Composite),
}

impl RuleExpr {
    /// `left op right`, without labels.
    pub fn composite(op: LogicalOp, left: RuleExpr, right: RuleExpr) -> RuleExpr {
        RuleExpr::Composite(Composite {
            op,
            left: Box::new(left),
            right: Box::new(right),
            labels: Vec::new(),
        })
    }

    /// The same rule in the shape the parser gives: every subtree that uses one operator
    /// throughout (and carries no labels inside) becomes a left-leaning chain, which is how its
    /// canonical text, printed flat, reads back. The meaning does not change.
    pub fn normalized(self) -> RuleExpr {
        let RuleExpr::Composite(c) = self else {
            return self;
        };
        let node = Composite {
            op: c.op,
            left: Box::new(c.left.normalized()),
            right: Box::new(c.right.normalized()),
            labels: c.labels,
        };
        let uniform = |e: &RuleExpr| single_op_without_labels(e, node.op);
        if !(uniform(&node.left) && uniform(&node.right)) {
            return RuleExpr::Composite(node);
        }
        let mut flat = append(flatten(*node.left, node.op), *node.right, node.op);
        if let RuleExpr::Composite(c) = &mut flat {
            c.labels = node.labels;
        }
        flat
    }
}

/// The left-leaning chain of the leaves of a one-operator tree.
fn flatten(expr: RuleExpr, op: LogicalOp) -> RuleExpr {
    match expr {
        RuleExpr::Composite(c) => append(flatten(*c.left, op), *c.right, op),
        leaf => leaf,
    }
}

/// `chain` extended, leaf by leaf, with the leaves of `expr`.
fn append(chain: RuleExpr, expr: RuleExpr, op: LogicalOp) -> RuleExpr {
    match expr {
        RuleExpr::Composite(c) => {
            let chain = append(chain, *c.left, op);
            append(chain, *c.right, op)
        }
        leaf => RuleExpr::composite(op, chain, leaf),
    }
}

/// A rule, or a composite of `op` only whose inner composites carry no labels.
fn single_op_without_labels(expr: &RuleExpr, op: LogicalOp) -> bool {
    match expr {
        RuleExpr::Rule(_) => true,
        RuleExpr::Composite(c) => {
            c.op == op
                && c.labels.is_empty()
                && single_op_without_labels(&c.left, op)
                && single_op_without_labels(&c.right, op)
        }
    }
}

/// `and` / `or` (either all lowercase or all uppercase in the text; printed uppercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogicalOp {
    And,
    Or,
}

/// Two rules combined; `and` binds tighter than `or`, equal operators associate to the left. A
/// composite counts as one rule for outcomes and the score.
///
/// The parser keeps a tree that uses one operator throughout left-leaning (`(A) and ((B) and (C))`
/// reads as `((A) and (B)) and (C)`), which is how its canonical text `(A) AND (B) AND (C)` reads
/// back; the meaning is the same.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite {
    pub op: LogicalOp,
    pub left: Box<RuleExpr>,
    pub right: Box<RuleExpr>,
    /// Labels written after a parenthesised composite (`((A) and (B)) labels=[...]`). As in the
    /// reference implementation they are kept but not part of the canonical text.
    pub labels: Vec<Label>,
}

/// A single rule: `RuleType {parameter} [condition] [where "..."] [labels=[...]] {with tag}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub rule_type: RuleType,
    pub parameters: Vec<Parameter>,
    /// Present exactly when the rule type's signature for this many parameters takes one.
    pub condition: Option<Condition>,
    /// The `where` SQL predicate; a whitespace-only predicate is read as absent.
    pub where_clause: Option<QuotedString>,
    /// `with threshold <numeric condition>`: the condition on the ratio of passing rows.
    pub threshold: Option<Comparison<NumOperand>>,
    /// Other `with name = value` tags, in the order written (`timeZone`, `hashAlgorithm`, …;
    /// unknown tags are kept).
    pub tags: Vec<Tag>,
    pub labels: Vec<Label>,
}

impl Rule {
    /// A rule with no parameters, condition or clauses.
    pub fn new(rule_type: RuleType) -> Rule {
        Rule {
            rule_type,
            parameters: Vec::new(),
            condition: None,
            where_clause: None,
            threshold: None,
            tags: Vec::new(),
            labels: Vec::new(),
        }
    }
}

/// An analyzer: a rule type and its parameters; it only computes and reports metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Analyzer {
    pub rule_type: RuleType,
    pub parameters: Vec<Parameter>,
}

/// A rule parameter, optionally preceded by a connector word (`of`, `and`) that carries no
/// meaning but is kept in the canonical text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub connector: Option<Connector>,
    pub value: ParameterValue,
}

/// `of`/`OF`/`and`/`AND` before a parameter, kept as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Connector {
    Of,
    OfUpper,
    And,
    AndUpper,
}

impl Connector {
    pub fn text(self) -> &'static str {
        match self {
            Connector::Of => "of",
            Connector::OfUpper => "OF",
            Connector::And => "and",
            Connector::AndUpper => "AND",
        }
    }

    pub fn from_text(text: &str) -> Option<Connector> {
        match text {
            "of" => Some(Connector::Of),
            "OF" => Some(Connector::OfUpper),
            "and" => Some(Connector::And),
            "AND" => Some(Connector::AndUpper),
            _ => None,
        }
    }
}

/// How a parameter was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    Quoted(QuotedString),
    /// A bare identifier (`[A-Za-z0-9_.]+`, not a keyword).
    Bare(String),
    /// `$name`: a string variable.
    Variable(String),
}

/// `with name = value` (other than `threshold`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    pub value: TagValue,
}

/// A tag value, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagValue {
    Quoted(QuotedString),
    Number(NumberLiteral),
}
