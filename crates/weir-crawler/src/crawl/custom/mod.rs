//! A crawler's custom classifiers: Glue `Classifier` documents (`{"CsvClassifier": {…}}`,
//! `{"JsonClassifier": …}`, `{"GrokClassifier": …}`, `{"XMLClassifier": …}`), read once a crawl
//! ([`Classifiers::new`]) and tried in order on each text file before the built-in
//! classification. The first that recognizes a file classifies it (Glue's certainty 1.0); one
//! that does not leaves the file to the next, and to the built-in classifiers after the last.
//!
//! - [`csv`]: a delimiter, quote, header and types of the classifier's choosing;
//! - [`json_path`]: the records a `JsonPath` selects;
//! - [`grok`]: lines split by a grok pattern (compiled by the engine, which reads such tables);
//! - [`xml`]: the elements a `RowTag` names.

pub mod csv;
pub mod grok;
pub mod json_path;
pub mod xml;

use serde_json::Value;
use weir_engine::formats::TableFormat;

use super::kind::Kind;
use super::Problem;

/// What a classifier makes of a file's sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognized {
    pub format: TableFormat,
    pub columns: Vec<(String, Kind)>,
    /// Delimited text read with `OpenCSVSerde`.
    pub quoted: bool,
    /// Records in the sample.
    pub records: usize,
}

/// One classifier, ready to try on samples.
#[derive(Debug)]
enum Rule {
    Csv(csv::CsvRule),
    Json(json_path::JsonPath),
    Grok(grok::GrokRule),
    Xml(xml::RowTag),
}

/// A crawl's custom classifiers, in the crawler's order.
#[derive(Debug, Default)]
pub struct Classifiers {
    rules: Vec<(String, Rule)>,
}

impl Classifiers {
    /// The classifiers of `documents` (Glue `Classifier` shapes, in order). A document Weir
    /// cannot apply is left out, with a problem saying why.
    pub fn new(documents: &[Value]) -> (Self, Vec<Problem>) {
        let mut rules = Vec::new();
        let mut problems = Vec::new();
        for document in documents {
            match rule(document) {
                Ok(named) => rules.push(named),
                Err((name, reason)) => problems.push(Problem {
                    file: format!("classifier {name}"),
                    reason,
                }),
            }
        }
        (Self { rules }, problems)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What the first classifier that recognizes the sample makes of it. `complete` says the
    /// sample is the whole file (else its last line or document may be cut).
    pub fn recognize(&self, sample: &str, complete: bool) -> Option<Recognized> {
        self.rules.iter().find_map(|(_, rule)| match rule {
            Rule::Csv(r) => r.recognize(sample, complete),
            Rule::Json(r) => r.recognize(sample, complete),
            Rule::Grok(r) => r.recognize(sample, complete),
            Rule::Xml(r) => r.recognize(sample, complete),
        })
    }
}

/// A document's classifier, named; or its name and why it cannot be applied.
fn rule(document: &Value) -> Result<(String, Rule), (String, String)> {
    let kinds = [
        "CsvClassifier",
        "JsonClassifier",
        "GrokClassifier",
        "XMLClassifier",
    ];
    let found: Vec<(&str, &Value)> = kinds
        .iter()
        .filter_map(|k| document.get(*k).map(|v| (*k, v)))
        .collect();
    let [(kind, fields)] = found.as_slice() else {
        let name = found
            .first()
            .and_then(|(_, f)| f.get("Name"))
            .and_then(Value::as_str)
            .unwrap_or("?");
        return Err((
            name.to_string(),
            format!(
                "the classifier document must hold exactly one of {}",
                kinds.join(", ")
            ),
        ));
    };
    let name = fields
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    let rule = match *kind {
        "CsvClassifier" => csv::CsvRule::new(fields).map(Rule::Csv),
        "JsonClassifier" => json_path::JsonPath::new(fields).map(Rule::Json),
        "GrokClassifier" => grok::GrokRule::new(fields).map(Rule::Grok),
        _ => xml::RowTag::new(fields).map(Rule::Xml),
    };
    match rule {
        Ok(rule) => Ok((name, rule)),
        Err(reason) => Err((name, format!("{kind} cannot be applied: {reason}"))),
    }
}

/// A member of a classifier document, as text.
fn member<'a>(fields: &'a Value, name: &str) -> Option<&'a str> {
    fields.get(name).and_then(Value::as_str)
}

/// A required member, not empty.
fn required<'a>(fields: &'a Value, name: &str) -> Result<&'a str, String> {
    member(fields, name)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| format!("it has no {name}"))
}

/// The lines of a sample that are whole: without the last when the sample is cut inside it.
fn whole_lines(sample: &str, complete: bool) -> Vec<&str> {
    let mut lines: Vec<&str> = sample.lines().collect();
    if !complete && !sample.ends_with('\n') {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_first_classifier_that_recognizes_a_file_wins() {
        let (classifiers, problems) = Classifiers::new(&[
            json!({"GrokClassifier": {"Name": "kv", "Classification": "kv", "GrokPattern": "^%{WORD:k}=%{INT:v:int}$"}}),
            json!({"CsvClassifier": {"Name": "eq", "Delimiter": "=", "ContainsHeader": "ABSENT"}}),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        let kv = classifiers.recognize("a=1\nb=2\n", true).unwrap();
        assert_eq!(kv.format.classification(), "kv");
        // Not all lines are `word=int`: the grok classifier passes, the CSV one takes it.
        let eq = classifiers.recognize("a=1\nb=x\n", true).unwrap();
        assert_eq!(eq.format.classification(), "csv");
        assert!(classifiers.recognize("a;1\nb;2\n", true).is_none());
    }

    #[test]
    fn documents_weir_cannot_apply_are_problems_not_panics() {
        let (classifiers, problems) = Classifiers::new(&[
            json!({"GrokClassifier": {"Name": "bad", "Classification": "x", "GrokPattern": "%{NOSUCH:x}"}}),
            json!({"CsvClassifier": {"Name": "wide", "Delimiter": "::"}}),
            json!({"JsonClassifier": {"Name": "deep", "JsonPath": "$..x"}}),
            json!({"Other": {"Name": "what"}}),
            json!({"JsonClassifier": {"Name": "ok", "JsonPath": "$[*]"}}),
        ]);
        assert_eq!(classifiers.rules.len(), 1);
        let reasons: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.file, p.reason))
            .collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(reasons[0].starts_with("classifier bad: GrokClassifier cannot be applied: %{NOSUCH} is not a built-in grok pattern"), "{}", reasons[0]);
        assert!(reasons[1].contains("Delimiter '::'"), "{}", reasons[1]);
        assert!(reasons[2].contains("'$..x'"), "{}", reasons[2]);
        assert!(reasons[3].contains("exactly one of"), "{}", reasons[3]);
    }
}
