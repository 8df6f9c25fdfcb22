//! Grok: log lines read through a grok pattern, as Glue's grok classifiers and `GrokSerDe`
//! tables do. [`Grok::compile`] expands a pattern's `%{NAME}`, `%{NAME:field}` and
//! `%{NAME:field:type}` references (the built-in patterns of `patterns.grok`, then the
//! classifier's custom ones, which win) into one regular expression whose named captures are
//! the fields; [`Grok::parse`] splits a line into them. [`lines`] reads files of such lines in
//! DataFusion scans.
//!
//! A pattern matches anywhere in a line (as logstash's grok does): anchor it with `^` and `$`
//! to match whole lines. Expressions are Rust regular expressions with look-around and
//! back-references added (`fancy-regex`), so most Java patterns carry over.

pub mod lines;

use std::collections::HashMap;
use std::sync::OnceLock;

use fancy_regex::Regex;

/// The built-in patterns (written for Weir; the names and meanings of logstash's set).
const BUILT_IN: &str = include_str!("patterns.grok");
/// Backtracking steps a line may take before it counts as not matching.
const BACKTRACK_LIMIT: usize = 100_000;

/// Why a grok pattern cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GrokError {
    #[error("%{{{reference}}} is not %{{PATTERN}}, %{{PATTERN:field}} or %{{PATTERN:field:type}}")]
    BadReference { reference: String },
    #[error("'%{{' at '{at}' is not closed by '}}'")]
    Unclosed { at: String },
    #[error("%{{{name}}} is not a built-in grok pattern nor one of the custom patterns")]
    UnknownPattern { name: String },
    #[error("pattern {name} refers to itself")]
    Recursive { name: String },
    #[error("%{{{reference}}} casts to '{kind}'; the types are byte, boolean, double, short, int, long, float and string")]
    UnknownType { reference: String, kind: String },
    #[error("custom patterns line {line}: '{text}' is not 'NAME regular-expression'")]
    BadCustomLine { line: usize, text: String },
    #[error("the pattern has no %{{PATTERN:field}}, so its lines have no columns")]
    NoFields,
    #[error("the expanded pattern is not a valid regular expression: {message}")]
    Regex { message: String },
}

/// The type a field is cast to (`%{INT:status:int}`), as grok names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrokType {
    Byte,
    Boolean,
    Short,
    Int,
    Long,
    Float,
    Double,
    String,
}

impl GrokType {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "byte" => GrokType::Byte,
            "boolean" => GrokType::Boolean,
            "short" => GrokType::Short,
            "int" => GrokType::Int,
            "long" => GrokType::Long,
            "float" => GrokType::Float,
            "double" => GrokType::Double,
            "string" => GrokType::String,
            _ => return None,
        })
    }

    /// The Hive type of the field's catalog column.
    pub fn hive(self) -> &'static str {
        match self {
            GrokType::Byte => "tinyint",
            GrokType::Boolean => "boolean",
            GrokType::Short => "smallint",
            GrokType::Int => "int",
            GrokType::Long => "bigint",
            GrokType::Float => "float",
            GrokType::Double => "double",
            GrokType::String => "string",
        }
    }
}

/// One field of a pattern: a column of its table.
#[derive(Debug, Clone, PartialEq)]
pub struct GrokField {
    pub name: String,
    pub kind: GrokType,
    /// The capture groups that fill it (a name used twice, as in `%{INT:n}|%{WORD:n}`, is one
    /// field; the first group that took part in the match gives its value).
    groups: Vec<String>,
}

/// A compiled grok pattern.
#[derive(Debug, Clone)]
pub struct Grok {
    regex: Regex,
    fields: Vec<GrokField>,
}

impl Grok {
    /// Compiles `pattern` with the built-in patterns and `custom` ones (`NAME expression`
    /// lines; blank lines and `#` comments skipped).
    pub fn compile(pattern: &str, custom: Option<&str>) -> Result<Self, GrokError> {
        let mut definitions = built_in().clone();
        definitions.extend(definitions_of(custom.unwrap_or_default())?);
        let mut expansion = Expansion {
            definitions: &definitions,
            fields: Vec::new(),
            groups: 0,
            within: Vec::new(),
        };
        let expression = expansion.expand(pattern)?;
        if expansion.fields.is_empty() {
            return Err(GrokError::NoFields);
        }
        let regex = fancy_regex::RegexBuilder::new(&expression)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map_err(|e| GrokError::Regex {
                message: e.to_string(),
            })?;
        Ok(Self {
            regex,
            fields: expansion.fields,
        })
    }

    /// The fields, in the order the pattern names them first.
    pub fn fields(&self) -> &[GrokField] {
        &self.fields
    }

    /// A line's field values (`None` for a field that took no part in the match), or `None`
    /// when the line does not match.
    pub fn parse<'a>(&self, line: &'a str) -> Option<Vec<Option<&'a str>>> {
        // An error is a line that takes too many steps: it does not match.
        let captures = self.regex.captures(line).ok()??;
        Some(
            self.fields
                .iter()
                .map(|f| {
                    f.groups
                        .iter()
                        .find_map(|g| captures.name(g))
                        .map(|m| m.as_str())
                })
                .collect(),
        )
    }
}

/// The built-in patterns by name, read once.
fn built_in() -> &'static HashMap<String, String> {
    static PATTERNS: OnceLock<HashMap<String, String>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        definitions_of(BUILT_IN).unwrap_or_else(|e| unreachable!("patterns.grok: {e}"))
    })
}

/// `NAME expression` lines as definitions.
fn definitions_of(text: &str) -> Result<HashMap<String, String>, GrokError> {
    let mut definitions = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line
            .split_once(char::is_whitespace)
            .map(|(name, expression)| (name, expression.trim()))
            .filter(|(name, expression)| is_name(name) && !expression.is_empty());
        let Some((name, expression)) = parsed else {
            return Err(GrokError::BadCustomLine {
                line: i + 1,
                text: line.to_string(),
            });
        };
        definitions.insert(name.to_string(), expression.to_string());
    }
    Ok(definitions)
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A pattern being expanded: the definitions it may use, and the fields found so far.
struct Expansion<'a> {
    definitions: &'a HashMap<String, String>,
    fields: Vec<GrokField>,
    groups: usize,
    /// The patterns being expanded, outermost first.
    within: Vec<&'a str>,
}

impl<'a> Expansion<'a> {
    /// `pattern` with every reference replaced by its definition, expanded in turn: a group
    /// named for its field, else a non-capturing group.
    fn expand(&mut self, pattern: &str) -> Result<String, GrokError> {
        let mut out = String::with_capacity(pattern.len());
        let mut rest = pattern;
        while let Some(start) = rest.find("%{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| GrokError::Unclosed {
                at: rest[start..].to_string(),
            })?;
            let reference = &after[..end];
            let (name, field) = self.reference(reference)?;
            let (name, definition) =
                self.definitions
                    .get_key_value(name)
                    .ok_or_else(|| GrokError::UnknownPattern {
                        name: name.to_string(),
                    })?;
            if self.within.contains(&name.as_str()) {
                return Err(GrokError::Recursive { name: name.clone() });
            }
            self.within.push(name);
            let inner = self.expand(definition)?;
            self.within.pop();
            match field {
                Some(group) => out.push_str(&format!("(?P<{group}>{inner})")),
                None => out.push_str(&format!("(?:{inner})")),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A reference's pattern name and, when it names a field, the capture group made for it.
    fn reference<'r>(
        &mut self,
        reference: &'r str,
    ) -> Result<(&'r str, Option<String>), GrokError> {
        let bad = || GrokError::BadReference {
            reference: reference.to_string(),
        };
        let parts: Vec<&str> = reference.split(':').collect();
        let (name, field, kind) = match parts.as_slice() {
            [name] => (*name, None, GrokType::String),
            [name, field] => (*name, Some(*field), GrokType::String),
            [name, field, kind] => {
                let kind = GrokType::named(kind).ok_or_else(|| GrokError::UnknownType {
                    reference: reference.to_string(),
                    kind: kind.to_string(),
                })?;
                (*name, Some(*field), kind)
            }
            _ => return Err(bad()),
        };
        if !is_name(name) || field.is_some_and(str::is_empty) {
            return Err(bad());
        }
        let Some(field) = field else {
            return Ok((name, None));
        };
        // Groups are numbered: field names need not be regex group names.
        let group = format!("f{}", self.groups);
        self.groups += 1;
        match self.fields.iter_mut().find(|f| f.name == field) {
            Some(existing) => existing.groups.push(group.clone()),
            None => self.fields.push(GrokField {
                name: field.to_string(),
                kind,
                groups: vec![group.clone()],
            }),
        }
        Ok((name, Some(group)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMBINED: &str = r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#;

    fn names(grok: &Grok) -> Vec<(&str, &str)> {
        grok.fields()
            .iter()
            .map(|f| (f.name.as_str(), f.kind.hive()))
            .collect()
    }

    #[test]
    fn every_built_in_pattern_compiles() {
        for name in built_in().keys() {
            let grok = Grok::compile(&format!("%{{{name}:x}}"), None);
            assert!(grok.is_ok(), "{name}: {grok:?}");
        }
    }

    #[test]
    fn an_apache_combined_log_line_splits_into_its_fields() {
        let grok = Grok::compile("%{COMBINEDAPACHELOG}", None).unwrap();
        assert_eq!(
            names(&grok),
            [
                ("clientip", "string"),
                ("ident", "string"),
                ("auth", "string"),
                ("timestamp", "string"),
                ("verb", "string"),
                ("request", "string"),
                ("httpversion", "string"),
                ("rawrequest", "string"),
                ("response", "string"),
                ("bytes", "string"),
                ("referrer", "string"),
                ("agent", "string"),
            ]
        );
        let values = grok.parse(COMBINED).unwrap();
        assert_eq!(
            values,
            [
                Some("127.0.0.1"),
                Some("-"),
                Some("frank"),
                Some("10/Oct/2000:13:55:36 -0700"),
                Some("GET"),
                Some("/apache_pb.gif"),
                Some("1.0"),
                None,
                Some("200"),
                Some("2326"),
                Some("\"http://www.example.com/start.html\""),
                Some("\"Mozilla/4.08 [en] (Win98; I ;Nav)\""),
            ]
        );
        assert!(grok.parse("not a log line").is_none());
    }

    #[test]
    fn fields_take_their_types_and_custom_patterns_win_over_built_in_ones() {
        let grok = Grok::compile(
            r"^%{IP:ip} %{INT:status:int} %{NUMBER:took:double} %{WORD:user}$",
            None,
        )
        .unwrap();
        assert_eq!(
            names(&grok),
            [
                ("ip", "string"),
                ("status", "int"),
                ("took", "double"),
                ("user", "string")
            ]
        );
        assert_eq!(
            grok.parse("10.1.2.3 404 0.25 bob").unwrap(),
            [Some("10.1.2.3"), Some("404"), Some("0.25"), Some("bob")]
        );
        assert!(grok.parse("10.1.2.300 404 0.25 bob").is_none());
        let custom = Grok::compile(
            "%{WORD:w} %{TICKET:t}",
            Some("# tickets\nTICKET [A-Z]+-%{INT}\n\nWORD [a-z]+"),
        )
        .unwrap();
        assert_eq!(
            custom.parse("see ABC-12").unwrap(),
            [Some("see"), Some("ABC-12")]
        );
        // WORD is the custom one: no capitals.
        assert_eq!(
            custom.parse("See ABC-12").unwrap(),
            [Some("ee"), Some("ABC-12")]
        );
    }

    #[test]
    fn a_field_named_twice_is_one_column_filled_by_whichever_part_matched() {
        let grok = Grok::compile(r"^(?:%{INT:v:int}|%{WORD:v})$", None).unwrap();
        assert_eq!(names(&grok), [("v", "int")]);
        assert_eq!(grok.parse("42").unwrap(), [Some("42")]);
        assert_eq!(grok.parse("abc").unwrap(), [Some("abc")]);
    }

    #[test]
    fn broken_patterns_say_what_is_wrong() {
        let err = |p: &str, c: Option<&str>| Grok::compile(p, c).unwrap_err().to_string();
        assert_eq!(
            err("%{NOPE:x}", None),
            "%{NOPE} is not a built-in grok pattern nor one of the custom patterns"
        );
        assert_eq!(
            err("%{A:x}", Some("A %{B}\nB %{A}")),
            "pattern A refers to itself"
        );
        assert!(err("%{INT:x:integer}", None).contains("casts to 'integer'"));
        assert!(err("%{INT:x", None).contains("is not closed"));
        assert_eq!(
            err("%{WORD}", None),
            "the pattern has no %{PATTERN:field}, so its lines have no columns"
        );
        assert!(err("%{X:x}", Some("X ([a-z]")).starts_with("the expanded pattern is not"));
        assert_eq!(
            err("%{X:x}", Some("X [a-z]\nNOREGEX")),
            "custom patterns line 2: 'NOREGEX' is not 'NAME regular-expression'"
        );
    }

    #[test]
    fn java_look_around_in_custom_patterns_works() {
        let grok = Grok::compile("%{ID:id}", Some(r"ID (?<![0-9])[0-9]{3}(?![0-9])")).unwrap();
        assert_eq!(grok.parse("id 123 ok").unwrap(), [Some("123")]);
        assert!(grok.parse("id 1234").is_none());
    }
}
