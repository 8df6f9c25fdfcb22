//! Classifiers: CreateClassifier, GetClassifier, GetClassifiers, UpdateClassifier,
//! DeleteClassifier. A classifier is one of four kinds; it is stored as its `Classifier` output
//! shape (`{"CsvClassifier": {…, "CreationTime", "LastUpdated", "Version"}}`).
//!
//! A request names exactly one kind. An update is partial (members it leaves out stay), cannot
//! change the kind, and bumps `Version`; it is conditional on the document read in its
//! transaction, so of two concurrent updates one gets `VersionMismatchException`.

use serde_json::{json, Map, Value};
use weir_catalog::request::{insert_tagged, Req};
use weir_metastore::classifiers::CLASSIFIERS;
use weir_metastore::named_docs::Read;
use weir_metastore::Tx;
use weir_model::service::ServiceModel;
use weir_model::{GlueError, Result};

use crate::{already_exists, write_unchanged, CrawlerService};

/// The kinds of classifier, as the request and output members name them.
const KINDS: &[&str] = &[
    "GrokClassifier",
    "XMLClassifier",
    "JsonClassifier",
    "CsvClassifier",
];
/// The column types a CSV classifier's `CustomDatatypes` may name.
pub const CSV_DATATYPES: &[&str] = &[
    "BINARY",
    "BOOLEAN",
    "DATE",
    "DECIMAL",
    "DOUBLE",
    "FLOAT",
    "INT",
    "LONG",
    "SHORT",
    "STRING",
    "TIMESTAMP",
];
/// The types a grok pattern may cast a field to (`%{PATTERN:field:type}`).
pub const GROK_TYPES: &[&str] = &[
    "byte", "boolean", "double", "short", "int", "long", "float", "string",
];
/// A CSV classifier's delimiter and quote when it names none.
const DEFAULT_DELIMITER: &str = ",";
const DEFAULT_QUOTE: &str = "\"";

impl CrawlerService {
    pub(crate) async fn create_classifier(&self, req: Req<'_>) -> Result<Value> {
        let (kind, given) = one_kind(req)?;
        let name = given.str("Name")?;
        let mut fields = members(kind, given.0);
        check(kind, &fields)?;
        self.first_version(&mut fields);
        let classifier = json!({ kind: fields });
        let mut tx = self.inner.store.write().await?;
        insert_tagged(&mut tx, CLASSIFIERS, name, &classifier, ("", None), || {
            already_exists("Classifier", name)
        })
        .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn get_classifier(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.read().await?;
        let classifier = stored(&mut tx, name).await?.doc;
        Ok(json!({ "Classifier": classifier }))
    }

    pub(crate) async fn get_classifiers(&self, req: Req<'_>) -> Result<Value> {
        self.documents(CLASSIFIERS, req, "Classifiers").await
    }

    pub(crate) async fn update_classifier(&self, req: Req<'_>) -> Result<Value> {
        let (kind, given) = one_kind(req)?;
        let name = given.str("Name")?;
        let mut tx = self.inner.store.write().await?;
        let read = stored(&mut tx, name).await?;
        let old = &read.doc;
        let Some(stored) = old.get(kind).and_then(Value::as_object) else {
            let was = KINDS
                .iter()
                .find(|k| old.get(**k).is_some())
                .unwrap_or(&"?");
            return Err(GlueError::invalid_input(format!(
                "UpdateClassifierRequest can't change the type of the classifier: {name} is a {was}, not a {kind}"
            )));
        };
        let mut fields = stored.clone();
        fields.extend(members(kind, given.0));
        check(kind, &fields)?;
        self.bump_version(&mut fields);
        let classifier = json!({ kind: fields });
        write_unchanged(&mut tx, CLASSIFIERS, "Classifier", name, &classifier, &read).await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn delete_classifier(&self, req: Req<'_>) -> Result<Value> {
        let name = req.str("Name")?;
        let mut tx = self.inner.store.write().await?;
        if !CLASSIFIERS.delete(&mut tx, name).await? {
            return Err(not_found(name));
        }
        tx.commit().await?;
        Ok(json!({}))
    }
}

/// The stored classifier, or Glue's EntityNotFoundException.
async fn stored(tx: &mut Tx, name: &str) -> Result<Read> {
    CLASSIFIERS
        .read(tx, name)
        .await?
        .ok_or_else(|| not_found(name))
}

fn not_found(name: &str) -> GlueError {
    GlueError::not_found(format!("Classifier with name {name} does not exist"))
}

/// The one kind a request names, and its members.
fn one_kind<'a>(req: Req<'a>) -> Result<(&'static str, Req<'a>)> {
    let given: Vec<&'static str> = KINDS
        .iter()
        .copied()
        .filter(|k| req.get(k).is_some())
        .collect();
    match given.as_slice() {
        [kind] => Ok((kind, req.nested(kind)?)),
        _ => Err(GlueError::invalid_input(format!(
            "Exactly one of GrokClassifier, XMLClassifier, JsonClassifier or CsvClassifier must be given, not {}",
            if given.is_empty() {
                "none".to_string()
            } else {
                given.join(" and ")
            }
        ))),
    }
}

/// The members of a request that a classifier of `kind` keeps: those of its output shape but
/// the ones the service sets (unknown members pass validation; they are not stored).
fn members(kind: &str, request: &Value) -> Map<String, Value> {
    let shape = ServiceModel::glue().member_names(kind);
    request
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| {
            !v.is_null()
                && shape.contains(&k.as_str())
                && !["CreationTime", "LastUpdated", "Version"].contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Checks a classifier's members as Glue does (the model checked lengths, patterns and enums).
pub fn check(kind: &str, fields: &Map<String, Value>) -> Result<()> {
    let text = |member: &str| fields.get(member).and_then(Value::as_str);
    let invalid = |message: String| Err(GlueError::invalid_input(format!("{kind}: {message}")));
    if matches!(kind, "GrokClassifier" | "XMLClassifier")
        && text("Classification").is_none_or(|c| c.trim().is_empty())
    {
        return invalid("Classification must not be empty".into());
    }
    match kind {
        "GrokClassifier" => {
            check_grok(text("GrokPattern").unwrap_or_default(), text("CustomPatterns"))
                .or_else(invalid)
        }
        "XMLClassifier" => match text("RowTag") {
            Some(tag) if tag.is_empty() || tag.contains(['<', '>', '/']) || tag.contains(char::is_whitespace) => {
                invalid(format!("RowTag '{tag}' is not an XML element name: give the tag without angle brackets, e.g. row"))
            }
            _ => Ok(()),
        },
        "JsonClassifier" => check_json_path(text("JsonPath").unwrap_or_default()).or_else(invalid),
        "CsvClassifier" => {
            let delimiter = text("Delimiter").unwrap_or(DEFAULT_DELIMITER);
            let quote = text("QuoteSymbol").unwrap_or(DEFAULT_QUOTE);
            if delimiter == quote {
                return invalid(format!(
                    "QuoteSymbol must be different from the column Delimiter ('{delimiter}')"
                ));
            }
            for datatype in weir_catalog::request::strings(fields.get("CustomDatatypes")) {
                if !CSV_DATATYPES.contains(&datatype.as_str()) {
                    return invalid(format!(
                        "CustomDatatypes: '{datatype}' is not one of {}",
                        CSV_DATATYPES.join(", ")
                    ));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A grok pattern: text with `%{PATTERN}`, `%{PATTERN:field}` or `%{PATTERN:field:type}`
/// references; custom patterns: lines of `NAME regex` (blank lines and `#` comments aside).
fn check_grok(pattern: &str, custom: Option<&str>) -> Result<(), String> {
    if pattern.trim().is_empty() {
        return Err("GrokPattern must not be empty".into());
    }
    let mut rest = pattern;
    while let Some(start) = rest.find("%{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!(
                "GrokPattern: '%{{' at '{}' is not closed by '}}'",
                &rest[start..]
            ));
        };
        let reference = &after[..end];
        let parts: Vec<&str> = reference.split(':').collect();
        let name_ok =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let field_ok = |s: &str| !s.is_empty() && !s.contains(['{', '}', '%']);
        let ok = match parts.as_slice() {
            [name] => name_ok(name),
            [name, field] => name_ok(name) && field_ok(field),
            [name, field, kind] => {
                if !GROK_TYPES.contains(kind) {
                    return Err(format!(
                        "GrokPattern: %{{{reference}}} casts to '{kind}'; the types are {}",
                        GROK_TYPES.join(", ")
                    ));
                }
                name_ok(name) && field_ok(field)
            }
            _ => false,
        };
        if !ok {
            return Err(format!(
                "GrokPattern: %{{{reference}}} is not %{{PATTERN}}, %{{PATTERN:field}} or %{{PATTERN:field:type}}"
            ));
        }
        rest = &after[end + 1..];
    }
    for (i, line) in custom.unwrap_or_default().lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let valid = line
            .split_once(char::is_whitespace)
            .is_some_and(|(name, regex)| {
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !regex.trim().is_empty()
            });
        if !valid {
            return Err(format!(
                "CustomPatterns line {}: '{line}' is not 'NAME regular-expression'",
                i + 1
            ));
        }
    }
    Ok(())
}

/// Glue's subset of JsonPath: `$`, then `.name`, `['name']`, `[n]` or `[*]` steps (`.*` too).
fn check_json_path(path: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("JsonPath '{path}' {why}"));
    let Some(mut rest) = path.strip_prefix('$') else {
        return bad("must start with $ (the root), e.g. $[*] or $.records[*]");
    };
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return bad("has an empty name after '.'");
            }
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else {
                return bad("has a '[' without its ']'");
            };
            let inside = &after[..end];
            let quoted =
                |q: char| inside.len() >= 2 && inside.starts_with(q) && inside.ends_with(q);
            if !(inside == "*"
                || quoted('\'')
                || quoted('"')
                || (!inside.is_empty() && inside.bytes().all(|b| b.is_ascii_digit())))
            {
                return bad(&format!("has '[{inside}]'; a step is [*], [n] or ['name']"));
            }
            rest = &after[end + 1..];
        } else {
            return bad(&format!("has '{rest}' where '.' or '[' should be"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn refused(kind: &str, v: Value) -> String {
        match check(kind, &fields(v)) {
            Ok(()) => panic!("{kind} accepted"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn only_the_kinds_own_members_are_kept() {
        let kept = members(
            "CsvClassifier",
            &json!({"Name": "c", "Delimiter": "|", "Version": 99, "LastUpdated": 1, "RowTag": "x", "Other": 1, "Header": null}),
        );
        assert_eq!(Value::Object(kept), json!({"Name": "c", "Delimiter": "|"}));
    }

    #[test]
    fn csv_quote_and_delimiter_differ() {
        assert!(check(
            "CsvClassifier",
            &fields(json!({"Name": "c", "Delimiter": "|", "QuoteSymbol": "'"}))
        )
        .is_ok());
        assert_eq!(
            refused(
                "CsvClassifier",
                json!({"Delimiter": ";", "QuoteSymbol": ";"})
            ),
            "CsvClassifier: QuoteSymbol must be different from the column Delimiter (';')"
        );
        // Against the defaults: ',' delimits and '"' quotes.
        assert!(refused("CsvClassifier", json!({"QuoteSymbol": ","})).contains("(',')"));
        assert!(refused("CsvClassifier", json!({"Delimiter": "\""})).contains("('\"')"));
        assert!(check(
            "CsvClassifier",
            &fields(json!({"CustomDatatypes": ["INT", "DECIMAL"]}))
        )
        .is_ok());
        assert!(refused(
            "CsvClassifier",
            json!({"CustomDatatypes": ["INT", "VARCHAR"]})
        )
        .contains("'VARCHAR' is not one of BINARY"));
    }

    #[test]
    fn grok_patterns_are_checked() {
        let grok = |p: &str, c: Option<&str>| check_grok(p, c);
        assert!(grok(
            "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:message}",
            None
        )
        .is_ok());
        assert!(grok("%{NUMBER:num:int} - %{WORD}", None).is_ok());
        assert!(grok(
            "%{MYDATE:d}",
            Some("MYDATE %{YEAR}-%{MONTHNUM}\n\n# comment\nOTHER [a-z]+")
        )
        .is_ok());
        assert_eq!(
            grok("   ", None).unwrap_err(),
            "GrokPattern must not be empty"
        );
        assert!(grok("%{NUMBER:num", None)
            .unwrap_err()
            .contains("is not closed"));
        assert!(grok("%{NUMBER:num:integer}", None)
            .unwrap_err()
            .contains("casts to 'integer'"));
        assert!(grok("%{}", None).unwrap_err().contains("is not %{PATTERN}"));
        assert!(grok("%{BAD NAME:x}", None)
            .unwrap_err()
            .contains("%{BAD NAME:x}"));
        assert_eq!(
            grok("%{X:x}", Some("X [0-9]+\nNOREGEX")).unwrap_err(),
            "CustomPatterns line 2: 'NOREGEX' is not 'NAME regular-expression'"
        );
        assert_eq!(
            refused(
                "GrokClassifier",
                json!({"Classification": "logs", "GrokPattern": " "})
            ),
            "GrokClassifier: GrokPattern must not be empty"
        );
        assert_eq!(
            refused(
                "GrokClassifier",
                json!({"Classification": " ", "GrokPattern": "%{WORD:w}"})
            ),
            "GrokClassifier: Classification must not be empty"
        );
    }

    #[test]
    fn json_paths_and_row_tags_are_checked() {
        for ok in [
            "$",
            "$[*]",
            "$.records[*]",
            "$.a.b[0]",
            "$['odd name'][*]",
            "$.*",
        ] {
            assert!(check_json_path(ok).is_ok(), "{ok}");
        }
        assert!(check_json_path("records[*]")
            .unwrap_err()
            .contains("must start with $"));
        assert!(check_json_path("$.a[")
            .unwrap_err()
            .contains("without its ']'"));
        assert!(check_json_path("$[x]").unwrap_err().contains("'[x]'"));
        assert!(check_json_path("$..a").unwrap_err().contains("empty name"));
        assert!(check(
            "XMLClassifier",
            &fields(json!({"Classification": "xml", "RowTag": "row"}))
        )
        .is_ok());
        assert!(refused(
            "XMLClassifier",
            json!({"Classification": "xml", "RowTag": "<row>"})
        )
        .contains("without angle brackets"));
    }
}
