//! Glue Data Quality for Weir: the Data Quality Definition Language (DQDL) ([`dqdl`]), and the
//! data quality service ([`QualityService`]) that keeps rulesets (their DQDL checked when they
//! are written).
//!
//! [`parse`] reads a DQDL document into a [`Ruleset`], validating every rule against the rule-type
//! catalogue ([`RuleType`]): parameter counts, the kind of condition, and where `where` clauses
//! and thresholds are allowed. A ruleset that fails validation is rejected as a whole. `Display`
//! on a [`Ruleset`] (and on each [`Rule`]/[`RuleExpr`]) gives the canonical text, which parses
//! back to the same ruleset.
//!
//! ```
//! let ruleset = weir_quality::parse(r#"Rules = [ RowCount between 10 and 20, IsComplete "id" ]"#)?;
//! assert_eq!(
//!     ruleset.to_string(),
//!     "Rules = [\n    RowCount between 10 and 20,\n    IsComplete \"id\"\n]"
//! );
//! let err = weir_quality::parse("Rules = [ ColumnLength \"name\" 12 ]").unwrap_err();
//! assert_eq!((err.line, err.column), (1, 31));
//! # Ok::<(), weir_quality::DqdlError>(())
//! ```
//!
//! Deliberate differences from the reference implementation: carriage returns are whitespace, a
//! comment may end the text without a line feed, text after the last section is ignored with a
//! warning ([`parse_with_warnings`]) rather than silently, the document text includes variables
//! and default labels, `labels=[...]` may also follow the `with` tags (as the canonical text puts
//! it), and a rule may nest parentheses at most 32 deep and hold at most 128 operators along one
//! path of its tree (deeper input is an error rather than a stack overflow).

pub mod dqdl;
pub mod eval;
pub mod executor;
pub mod node;
pub mod recommend;
mod results;
mod rulesets;
mod runs;
mod service;
pub mod statistics;

pub use service::{QualityService, OPERATIONS};

pub use dqdl::ast::{
    Analyzer, Composite, Connector, DataSources, Label, LogicalOp, Metadata, Parameter,
    ParameterValue, Rule, RuleExpr, Ruleset, Tag, TagValue, Variable, VariableValue,
};
pub use dqdl::catalogue::{ConditionSpec, RuleType, Signature};
pub use dqdl::condition::{
    ArithOp, CompareOp, Comparison, Condition, ConditionKind, Date, DateOperand, Duration,
    DurationUnit, NumExpr, NumOperand, NumberLiteral, QuotedString, Sign, Size, SizeUnit,
    StringCondition, StringOperand, TimeOfDay,
};

/// A DQDL document that cannot be read: a syntax error or a rule that the catalogue rejects.
/// `line` and `column` (1-based, in characters) locate the offending token. Displays as
/// `line L, column C: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct DqdlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl DqdlError {
    pub(crate) fn new(line: usize, column: usize, message: impl Into<String>) -> DqdlError {
        DqdlError {
            line,
            column,
            message: message.into(),
        }
    }
}

/// Something accepted but worth telling the author (such as ignored text after the last
/// section). Displays as `line L, column C: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DqdlWarning {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for DqdlWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Reads a DQDL document. Warnings are dropped; see [`parse_with_warnings`].
pub fn parse(text: &str) -> Result<Ruleset, DqdlError> {
    parse_with_warnings(text).map(|(ruleset, _)| ruleset)
}

/// Reads a DQDL document, also returning warnings about input that was accepted but ignored.
pub fn parse_with_warnings(text: &str) -> Result<(Ruleset, Vec<DqdlWarning>), DqdlError> {
    dqdl::parse_document(text)
}
