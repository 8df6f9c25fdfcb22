//! JSON classifiers: the records are what the classifier's `JsonPath` selects in each JSON
//! document of a file (`$[*]`: the items of a top-level array; `$.records[*]`: those of the
//! array under `records`). A file is recognized when its sample is JSON and the path selects at
//! least one record, every one an object. The table keeps the path as its `jsonPath`.
//!
//! The path is Glue's subset of JsonPath: `$`, then `.name`, `['name']`, `[n]`, `[*]` or `.*`
//! steps. A sample cut inside a large document is read up to its last whole array item.

use serde_json::Value;
use weir_engine::formats::TableFormat;

use super::{required, Recognized};
use crate::crawl::kind::merge_columns;
use crate::crawl::text::record_columns;

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Name(String),
    Index(usize),
    /// `[*]` or `.*`: every item or member.
    All,
}

/// A JSON classifier's path.
#[derive(Debug)]
pub struct JsonPath {
    path: String,
    steps: Vec<Step>,
}

impl JsonPath {
    /// The rule of a `JsonClassifier`'s members.
    pub fn new(fields: &Value) -> Result<Self, String> {
        let path = required(fields, "JsonPath")?;
        Ok(Self {
            path: path.to_string(),
            steps: steps(path)?,
        })
    }

    /// The file's records as this classifier selects them, if it does.
    pub fn recognize(&self, sample: &str, complete: bool) -> Option<Recognized> {
        let first = sample.trim_start().chars().next()?;
        if first != '{' && first != '[' {
            return None;
        }
        let documents = documents(sample).or_else(|| {
            // A sample cut inside its (first) document: up to its last whole array item.
            (!complete)
                .then(|| whole_items(sample))
                .flatten()
                .and_then(|cut| documents(&cut))
        })?;
        let mut columns = Vec::new();
        let mut records = 0;
        for document in &documents {
            for record in select(document, &self.steps) {
                columns = merge_columns(columns, record_columns(record)?);
                records += 1;
            }
        }
        (records > 0).then(|| Recognized {
            format: TableFormat::Json {
                json_path: Some(self.path.clone()),
            },
            columns,
            quoted: false,
            records,
        })
    }
}

/// The documents of a sample, dropping a last one cut by the end of the sample; `None` when it
/// is not JSON or its first document is cut.
fn documents(sample: &str) -> Option<Vec<Value>> {
    let mut found = Vec::new();
    for document in serde_json::Deserializer::from_str(sample).into_iter::<Value>() {
        match document {
            Ok(d) => found.push(d),
            Err(e) if e.is_eof() && !found.is_empty() => break,
            Err(_) => return None,
        }
    }
    (!found.is_empty()).then_some(found)
}

/// The sample up to the end of the last value that closes inside an array, with the arrays and
/// objects open there closed.
fn whole_items(sample: &str) -> Option<String> {
    let mut open: Vec<u8> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut cut: Option<(usize, Vec<u8>)> = None;
    for (i, b) in sample.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => open.push(b),
            b'}' | b']' => {
                open.pop();
                if open.last() == Some(&b'[') {
                    cut = Some((i + 1, open.clone()));
                }
            }
            _ => {}
        }
    }
    let (end, open) = cut?;
    let mut text = sample[..end].to_string();
    for b in open.iter().rev() {
        text.push(if *b == b'[' { ']' } else { '}' });
    }
    Some(text)
}

/// The values a path selects in a document.
fn select<'a>(document: &'a Value, steps: &[Step]) -> Vec<&'a Value> {
    let mut current = vec![document];
    for step in steps {
        current = current
            .into_iter()
            .flat_map(|v| -> Vec<&Value> {
                match (step, v) {
                    (Step::Name(n), Value::Object(m)) => m.get(n).into_iter().collect(),
                    (Step::Index(i), Value::Array(a)) => a.get(*i).into_iter().collect(),
                    (Step::All, Value::Array(a)) => a.iter().collect(),
                    (Step::All, Value::Object(m)) => m.values().collect(),
                    _ => Vec::new(),
                }
            })
            .collect();
    }
    current
}

/// The steps of a path (checked as `CreateClassifier` checks it, and refused where it differs).
fn steps(path: &str) -> Result<Vec<Step>, String> {
    let bad = |why: &str| Err(format!("JsonPath '{path}' {why}"));
    let Some(mut rest) = path.strip_prefix('$') else {
        return bad("must start with $ (the root), e.g. $[*] or $.records[*]");
    };
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            match &after[..end] {
                "" => return bad("has an empty name after '.' (Weir does not apply '..')"),
                "*" => steps.push(Step::All),
                name => steps.push(Step::Name(name.to_string())),
            }
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else {
                return bad("has a '[' without its ']'");
            };
            let inside = &after[..end];
            let quoted = |q: char| {
                (inside.len() >= 2 && inside.starts_with(q) && inside.ends_with(q))
                    .then(|| inside[1..inside.len() - 1].to_string())
            };
            if inside == "*" {
                steps.push(Step::All);
            } else if let Some(name) = quoted('\'').or_else(|| quoted('"')) {
                steps.push(Step::Name(name));
            } else if let Ok(i) = inside.parse::<usize>() {
                steps.push(Step::Index(i));
            } else {
                return bad(&format!("has '[{inside}]'; a step is [*], [n] or ['name']"));
            }
            rest = &after[end + 1..];
        } else {
            return bad(&format!("has '{rest}' where '.' or '[' should be"));
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(path: &str, sample: &str, complete: bool) -> Option<Recognized> {
        JsonPath::new(&json!({ "JsonPath": path }))
            .unwrap()
            .recognize(sample, complete)
    }

    fn hive(r: &Recognized) -> Vec<String> {
        r.columns
            .iter()
            .map(|(n, k)| format!("{n}:{}", k.hive()))
            .collect()
    }

    #[test]
    fn the_path_selects_the_records() {
        let sample =
            r#"{"meta": {"v": 1}, "records": [{"id": 1, "x": "a"}, {"id": 2, "y": true}]}"#;
        let r = read("$.records[*]", sample, true).unwrap();
        assert_eq!(
            (hive(&r), r.records),
            (
                vec!["id:int".into(), "x:string".into(), "y:boolean".into()],
                2
            )
        );
        assert_eq!(
            r.format,
            TableFormat::Json {
                json_path: Some("$.records[*]".into())
            }
        );
        let one = read("$['records'][1]", sample, true).unwrap();
        assert_eq!(hive(&one), ["id:int", "y:boolean"]);
        let top = read("$[*]", r#"[{"a": 1}, {"a": 2.5}]"#, true).unwrap();
        assert_eq!((hive(&top), top.records), (vec!["a:double".into()], 2));
        // Nothing under the path, or records that are not objects: not this classifier's.
        assert!(read("$.rows[*]", sample, true).is_none());
        assert!(read("$.meta.v", sample, true).is_none());
        assert!(read("$[*]", "id,name\n1,a\n", true).is_none());
    }

    #[test]
    fn a_sample_cut_inside_a_large_document_is_read_to_its_last_whole_item() {
        let cut = r#"{"records": [{"id": 1}, {"id": 2, "s": "a ] } \" x"}, {"id": 3, "na"#;
        let r = read("$.records[*]", cut, false).unwrap();
        assert_eq!(
            (hive(&r), r.records),
            (vec!["id:int".into(), "s:string".into()], 2)
        );
        // The whole file cut like that is not JSON.
        assert!(read("$.records[*]", cut, true).is_none());
    }

    #[test]
    fn paths_weir_cannot_apply_are_refused() {
        assert!(steps("$..id").unwrap_err().contains("'..'"));
        assert!(steps("records").unwrap_err().contains("must start with $"));
        assert!(steps("$[?(@.a)]").unwrap_err().contains("'[?(@.a)]'"));
        assert_eq!(steps("$.*[0]").unwrap(), [Step::All, Step::Index(0)]);
    }
}
