//! DQDL parsing, validation and printing, through the public API.

mod errors;
mod evaluate;
mod no_panic;
mod roundtrip;
mod spec_examples;
mod valid;

use weir_quality::{parse, Rule, RuleExpr, Ruleset};

/// Parses `Rules = [ <rule> ]`, panicking with the error if it does not parse.
pub fn parse_rules(rules: &str) -> Ruleset {
    let text = format!("Rules = [ {rules} ]");
    match parse(&text) {
        Ok(ruleset) => ruleset,
        Err(e) => panic!("{text}\n{e}"),
    }
}

/// The single rule of `Rules = [ <rule> ]`.
pub fn single_rule(rule: &str) -> Rule {
    match parse_rules(rule).rules.as_deref() {
        Some([RuleExpr::Rule(r)]) => r.clone(),
        other => panic!("expected one rule, got {other:?}"),
    }
}

/// The canonical text of the rule expression in `Rules = [ <rule> ]`, after checking that the
/// printed document parses back to the same ruleset.
pub fn canonical(rule: &str) -> String {
    let ruleset = parse_rules(rule);
    assert_reparses(&ruleset);
    match ruleset.rules.as_deref() {
        Some([expr]) => expr.to_string(),
        other => panic!("expected one rule, got {other:?}"),
    }
}

pub fn assert_reparses(ruleset: &Ruleset) {
    let printed = ruleset.to_string();
    match parse(&printed) {
        Ok(again) => assert_eq!(&again, ruleset, "printed as:\n{printed}"),
        Err(e) => panic!("printed text does not parse: {e}\n{printed}"),
    }
}

/// The error message (`line L, column C: ...`) for a whole document.
pub fn error(text: &str) -> String {
    match parse(text) {
        Ok(r) => panic!("expected an error for {text:?}, parsed {r:?}"),
        Err(e) => e.to_string(),
    }
}
