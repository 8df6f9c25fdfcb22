//! Grok classifiers: log lines split by the classifier's `GrokPattern` (with its
//! `CustomPatterns`), compiled by the engine's [`weir_engine::grok`], which reads the tables
//! too. A file is recognized when every non-empty line of its sample matches. The columns are
//! the pattern's fields (`%{INT:status:int}` typed, others text); the table's classification is
//! the classifier's, its SerDe `GrokSerDe` with the pattern as `input.format`.

use serde_json::Value;
use weir_engine::formats::TableFormat;
use weir_engine::grok::{Grok, GrokType};

use super::{member, required, whole_lines, Recognized};
use crate::crawl::kind::Kind;

/// A grok classifier, its pattern compiled.
#[derive(Debug)]
pub struct GrokRule {
    classification: String,
    pattern: String,
    custom_patterns: Option<String>,
    grok: Grok,
}

impl GrokRule {
    /// The rule of a `GrokClassifier`'s members.
    pub fn new(fields: &Value) -> Result<Self, String> {
        let classification = required(fields, "Classification")?.to_string();
        let pattern = required(fields, "GrokPattern")?.to_string();
        let custom_patterns = member(fields, "CustomPatterns")
            .filter(|c| !c.trim().is_empty())
            .map(String::from);
        let grok =
            Grok::compile(&pattern, custom_patterns.as_deref()).map_err(|e| e.to_string())?;
        Ok(Self {
            classification,
            pattern,
            custom_patterns,
            grok,
        })
    }

    /// The file as this classifier reads it, if every line of the sample matches.
    pub fn recognize(&self, sample: &str, complete: bool) -> Option<Recognized> {
        let mut records = 0;
        for line in whole_lines(sample, complete) {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            self.grok.parse(line)?;
            records += 1;
        }
        let columns = self
            .grok
            .fields()
            .iter()
            .map(|f| {
                let kind = match f.kind {
                    GrokType::String => Kind::String,
                    other => Kind::Declared(other.hive().into()),
                };
                (f.name.clone(), kind)
            })
            .collect();
        (records > 0).then(|| Recognized {
            format: TableFormat::Grok {
                classification: self.classification.clone(),
                pattern: self.pattern.clone(),
                custom_patterns: self.custom_patterns.clone(),
            },
            columns,
            quoted: false,
            records,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_line_must_match_and_fields_are_the_columns() {
        let rule = GrokRule::new(&json!({
            "Classification": "app-log",
            "GrokPattern": "^%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} \\[%{MODULE:module}\\] %{GREEDYDATA:message}$",
            "CustomPatterns": "MODULE [a-z.]+",
        }))
        .unwrap();
        let log = "2024-01-02T03:04:05Z INFO [web.auth] signed in\n\n2024-01-02 03:04:06 WARN [db] slow query\r\n2024-01-02T03:";
        let r = rule.recognize(log, false).unwrap();
        let columns: Vec<String> = r
            .columns
            .iter()
            .map(|(n, k)| format!("{n}:{}", k.hive()))
            .collect();
        assert_eq!(
            columns,
            [
                "ts:string",
                "level:string",
                "module:string",
                "message:string"
            ]
        );
        assert_eq!(r.records, 2);
        assert_eq!(r.format.classification(), "app-log");
        // The cut line counts when the sample is the whole file.
        assert!(rule.recognize(log, true).is_none());
        assert!(rule
            .recognize(
                "2024-01-02T03:04:05Z INFO [web.auth] ok\nplain text\n",
                true
            )
            .is_none());
    }

    #[test]
    fn typed_fields_are_typed_columns() {
        let rule = GrokRule::new(&json!({"Classification": "c", "GrokPattern": "%{INT:n:long} %{NUMBER:x:float} %{WORD:b:boolean}"})).unwrap();
        let r = rule.recognize("1 2.5 true\n", true).unwrap();
        let columns: Vec<String> = r
            .columns
            .iter()
            .map(|(n, k)| format!("{n}:{}", k.hive()))
            .collect();
        assert_eq!(columns, ["n:bigint", "x:float", "b:boolean"]);
    }
}
