//! Spark's `get_json_object(json, path)`: the part of a JSON text a JSONPath names, as text.
//! Also `json_array_length` (NULL when the text is not a JSON array), `json_object_keys`
//! (the top-level keys; NULL when not an object) and `schema_of_json` (the type Spark infers, in
//! its DDL: members sorted by name, integers `BIGINT`, other numbers `DOUBLE`, `null` `STRING`).
//!
//! Paths are Spark's subset: `$`, then `.name`, `['name']`, `[n]` and `[*]`; anything else,
//! including object wildcards (`.*`), matches nothing. A string result is unquoted, other
//! results are compact JSON with numbers written as Spark (Jackson) writes them (`1.0E10`).
//! `[*]` collects the matches into an array, unwrapped when there is only one (`$[*][*]`
//! flattens, as in Hive). NULL when the JSON is invalid, the path is invalid, nothing matches or
//! the value is JSON `null`. Only the first JSON value of the text is read. Unlike Spark's
//! parser, single-quoted JSON strings are not accepted, and of repeated keys the last wins.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Int32Array, ListBuilder, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::Result;
use datafusion::logical_expr::ScalarUDF;
use serde_json::Value;

use super::cast::java_double;
use super::convert;
use super::udf::{arity, text, SparkFn};

/// `json_array_length`, `json_object_keys` and `schema_of_json`.
pub fn functions() -> Vec<ScalarUDF> {
    let one_text = |args: &[DataType]| -> std::result::Result<Vec<DataType>, String> {
        arity(args, 1, 1)?;
        Ok(vec![text(&args[0], "json")?])
    };
    vec![
        SparkFn::new(
            "json_array_length",
            one_text,
            |_| Ok(DataType::Int32),
            |args, _, _| {
                let json = convert::strings(&args[0], "json_array_length")?;
                let out: Int32Array = json
                    .iter()
                    .map(|text| match first_value(text?)? {
                        Value::Array(items) => i32::try_from(items.len()).ok(),
                        _ => None,
                    })
                    .collect();
                Ok(Arc::new(out))
            },
        )
        .udf(),
        SparkFn::new(
            "json_object_keys",
            one_text,
            |_| {
                Ok(DataType::List(Arc::new(Field::new_list_field(
                    DataType::Utf8,
                    true,
                ))))
            },
            |args, _, _| {
                let json = convert::strings(&args[0], "json_object_keys")?;
                let mut out = ListBuilder::new(StringBuilder::new());
                for text in json.iter() {
                    match text.and_then(first_value) {
                        Some(Value::Object(members)) => {
                            for key in members.keys() {
                                out.values().append_value(key);
                            }
                            out.append(true);
                        }
                        _ => out.append(false),
                    }
                }
                Ok(Arc::new(out.finish()))
            },
        )
        .udf(),
        SparkFn::new(
            "schema_of_json",
            one_text,
            |_| Ok(DataType::Utf8),
            |args, _, _| {
                let json = convert::strings(&args[0], "schema_of_json")?;
                let out: StringArray = json
                    .iter()
                    .map(|text| {
                        let value = first_value(text?)?;
                        Some(schema_of(&value).unwrap_or(Inferred::String).ddl())
                    })
                    .collect();
                Ok(Arc::new(out))
            },
        )
        .udf(),
    ]
}

/// The first JSON value of a text, if it is JSON.
fn first_value(text: &str) -> Option<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next()?
        .ok()
}

/// A type Spark's JSON schema inference gives.
#[derive(Debug, Clone, PartialEq)]
enum Inferred {
    String,
    Boolean,
    Long,
    Decimal,
    Double,
    Array(Box<Inferred>),
    /// Members sorted by name, as Spark sorts them.
    Struct(Vec<(String, Inferred)>),
}

impl Inferred {
    fn ddl(&self) -> String {
        match self {
            Inferred::String => "STRING".into(),
            Inferred::Boolean => "BOOLEAN".into(),
            Inferred::Long => "BIGINT".into(),
            Inferred::Decimal => "DECIMAL(38,0)".into(),
            Inferred::Double => "DOUBLE".into(),
            Inferred::Array(e) => format!("ARRAY<{}>", e.ddl()),
            Inferred::Struct(fields) => format!(
                "STRUCT<{}>",
                fields
                    .iter()
                    .map(|(name, t)| {
                        let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                        match plain && !name.is_empty() {
                            true => format!("{name}: {}", t.ddl()),
                            false => format!("`{}`: {}", name.replace('`', "``"), t.ddl()),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Spark's inferred type of a JSON value (`None` for `null`: a NULL field is a string).
fn schema_of(value: &Value) -> Option<Inferred> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(_) => Inferred::Boolean,
        Value::Number(n) if n.is_i64() => Inferred::Long,
        Value::Number(n) if n.is_u64() => Inferred::Decimal,
        Value::Number(_) => Inferred::Double,
        Value::String(_) => Inferred::String,
        Value::Array(items) => Inferred::Array(Box::new(
            items
                .iter()
                .filter_map(schema_of)
                .reduce(merge)
                .unwrap_or(Inferred::String),
        )),
        Value::Object(members) => {
            let mut fields: Vec<(String, Inferred)> = members
                .iter()
                .map(|(k, v)| (k.clone(), schema_of(v).unwrap_or(Inferred::String)))
                .collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            Inferred::Struct(fields)
        }
    })
}

/// The type two inferred types merge into (Spark's `compatibleType`).
fn merge(a: Inferred, b: Inferred) -> Inferred {
    use Inferred::*;
    match (a, b) {
        (a, b) if a == b => a,
        (Long | Decimal | Double, Double) | (Double, Long | Decimal) => Double,
        (Long, Decimal) | (Decimal, Long) => Decimal,
        (Array(a), Array(b)) => Array(Box::new(merge(*a, *b))),
        (Struct(a), Struct(b)) => {
            let mut fields = a;
            for (name, t) in b {
                match fields.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, existing)) => *existing = merge(existing.clone(), t),
                    None => fields.push((name, t)),
                }
            }
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            Struct(fields)
        }
        _ => String,
    }
}

/// The function.
pub fn function() -> ScalarUDF {
    SparkFn::new(
        "get_json_object",
        |args| {
            arity(args, 2, 2)?;
            Ok(vec![text(&args[0], "json")?, text(&args[1], "path")?])
        },
        |_| Ok(DataType::Utf8),
        eval,
    )
    .udf()
}

fn eval(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let json = convert::strings(&args[0], "get_json_object")?;
    let paths = convert::strings(&args[1], "get_json_object")?;
    let mut compiled: Option<(String, Option<Vec<Step>>)> = None;
    let mut out = StringBuilder::new();
    for i in 0..json.len() {
        if json.is_null(i) || paths.is_null(i) {
            out.append_null();
            continue;
        }
        let path = paths.value(i);
        if compiled.as_ref().is_none_or(|(p, _)| p != path) {
            compiled = Some((path.to_string(), parse_path(path)));
        }
        let steps = compiled.as_ref().and_then(|(_, s)| s.as_deref());
        out.append_option(steps.and_then(|s| get_json_object(json.value(i), s)));
    }
    Ok(Arc::new(out.finish()))
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `.name` or `['name']`.
    Key(String),
    /// `[n]`.
    Index(usize),
    /// `[*]`.
    AnyElement,
    /// `.*` or `['*']`: parsed, never matches.
    AnyField,
}

/// Parses Spark's JSONPath subset; `None` when the path is not valid.
fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest
            .strip_prefix(".*")
            .or_else(|| rest.strip_prefix("['*']"))
        {
            steps.push(Step::AnyField);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("['") {
            let end = r.find(['\'', '?'])?;
            if end == 0 || !r[end..].starts_with("']") {
                return None;
            }
            steps.push(Step::Key(r[..end].to_string()));
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("[*]") {
            steps.push(Step::AnyElement);
            rest = r;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let digits = &r[..end];
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            steps.push(Step::Index(digits.parse().ok()?));
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

/// The text `path` names in `json`, or `None`.
fn get_json_object(json: &str, path: &[Step]) -> Option<String> {
    let value = serde_json::Deserializer::from_str(json)
        .into_iter::<Value>()
        .next()?
        .ok()?;
    let mut out = Writer::default();
    evaluate(&value, Style::Raw, path, &mut out).then_some(out.text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// A top-level string is written without quotes.
    Raw,
    /// Inside a wildcard's array: strings keep their quotes.
    Quoted,
    /// Arrays are flattened into the enclosing one.
    Flatten,
}

/// Writes JSON values as Jackson's generator does: commas between the values of an array,
/// a space between top-level values.
#[derive(Default)]
struct Writer {
    text: String,
    /// For each open array: whether a value has been written in it.
    open: Vec<bool>,
    top_level_values: usize,
}

impl Writer {
    fn separate(&mut self) {
        match self.open.last_mut() {
            Some(written) => {
                if *written {
                    self.text.push(',');
                }
                *written = true;
            }
            None => {
                if self.top_level_values > 0 {
                    self.text.push(' ');
                }
                self.top_level_values += 1;
            }
        }
    }

    fn start_array(&mut self) {
        self.separate();
        self.text.push('[');
        self.open.push(false);
    }

    fn end_array(&mut self) {
        self.text.push(']');
        self.open.pop();
    }

    fn value(&mut self, v: &Value) {
        self.separate();
        write_json(v, &mut self.text);
    }

    fn raw_value(&mut self, text: &str) {
        self.separate();
        self.text.push_str(text);
    }
}

/// A JSON value as compact text, numbers written as Jackson writes them (as Spark writes the
/// JSON it copies: `get_json_object`, `from_json` into a string).
pub fn json_text(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&java_double(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string as Jackson's UTF-8 generator writes it: characters beyond the Basic
/// Multilingual Plane as escaped surrogate pairs (`"\uD83D\uDE00"`).
fn write_string(s: &str, out: &mut String) {
    let quoted = Value::String(s.to_string()).to_string();
    if quoted.chars().all(|c| (c as u32) < 0x10000) {
        out.push_str(&quoted);
        return;
    }
    for c in quoted.chars() {
        match c as u32 {
            0..0x10000 => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
}

/// Spark's path evaluation: writes what matches, says whether anything did.
fn evaluate(value: &Value, style: Style, path: &[Step], out: &mut Writer) -> bool {
    match (value, path) {
        (Value::String(s), []) if style == Style::Raw => {
            out.text.push_str(s);
            true
        }
        (Value::Array(items), []) if style == Style::Flatten => {
            let mut matched = false;
            for item in items {
                matched |= evaluate(item, style, &[], out);
            }
            matched
        }
        (_, []) => {
            out.value(value);
            true
        }
        (Value::Object(fields), [Step::Key(name), rest @ ..]) => match fields.get(name) {
            Some(Value::Null) | None => false,
            Some(field) => evaluate(field, style, rest, out),
        },
        (Value::Array(items), [Step::AnyElement, Step::AnyElement, rest @ ..]) => {
            out.start_array();
            let mut matched = false;
            for item in items {
                matched |= evaluate(item, Style::Flatten, rest, out);
            }
            out.end_array();
            matched
        }
        (Value::Array(items), [Step::AnyElement, rest @ ..]) if style != Style::Quoted => {
            let inner = match style {
                Style::Flatten => Style::Flatten,
                _ => Style::Quoted,
            };
            let mut buffer = Writer::default();
            buffer.start_array();
            let mut matches = 0;
            for item in items {
                if evaluate(item, inner, rest, &mut buffer) {
                    matches += 1;
                }
            }
            buffer.end_array();
            let text = buffer.text;
            match matches {
                0 => {}
                1 => out.raw_value(&text[1..text.len() - 1]),
                _ => out.raw_value(&text),
            }
            matches > 0
        }
        (Value::Array(items), [Step::AnyElement, rest @ ..]) => {
            out.start_array();
            let mut matched = false;
            for item in items {
                matched |= evaluate(item, Style::Quoted, rest, out);
            }
            out.end_array();
            matched
        }
        (Value::Array(items), [Step::Index(i), rest @ ..]) => {
            let style = match rest.first() {
                Some(Step::AnyElement) => Style::Quoted,
                _ => style,
            };
            match items.get(*i) {
                Some(item) => evaluate(item, style, rest, out),
                None => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{get_json_object, parse_path};

    fn get(json: &str, path: &str) -> Option<String> {
        get_json_object(json, &parse_path(path)?)
    }

    #[test]
    fn follows_spark() {
        let doc = r#"{"a":{"b":[1,{"c":"x"}]},"s":"text","n":null,"f":1e10,"g":1.50,"arr":[{"k":"v1"},{"k":"v2"}],"one":[{"k":"v"}]}"#;
        assert_eq!(get(doc, "$.a.b[0]").as_deref(), Some("1"));
        // Characters beyond the BMP are escaped in JSON written out, not in a bare string.
        let emoji = r#"{"e":"😀","l":["é😀"]}"#;
        assert_eq!(get(emoji, "$.e").as_deref(), Some("😀"));
        assert_eq!(get(emoji, "$.l").as_deref(), Some(r#"["é\uD83D\uDE00"]"#));
        assert_eq!(get(doc, "$.a.b[1].c").as_deref(), Some("x"));
        assert_eq!(get(doc, "$.a.b").as_deref(), Some(r#"[1,{"c":"x"}]"#));
        assert_eq!(get(doc, "$['s']").as_deref(), Some("text"));
        assert_eq!(get(doc, "$.f").as_deref(), Some("1.0E10"));
        assert_eq!(get(doc, "$.g").as_deref(), Some("1.5"));
        assert_eq!(get(doc, "$.arr[*].k").as_deref(), Some(r#"["v1","v2"]"#));
        assert_eq!(get(doc, "$.one[*].k").as_deref(), Some(r#""v""#));
        assert_eq!(get(doc, "$.n"), None);
        assert_eq!(get(doc, "$.missing"), None);
        assert_eq!(get(doc, "$.a.b[5]"), None);
        assert_eq!(get(doc, "$.*"), None);
        assert_eq!(get(doc, "a.b"), None);
        assert_eq!(get(doc, "$..a"), None);
        assert_eq!(get("{bad json", "$.a"), None);
        assert_eq!(get(r#"[[1,2],[3]]"#, "$[*][*]").as_deref(), Some("[1,2,3]"));
        assert_eq!(get(r#"{"a":1} trailing"#, "$.a").as_deref(), Some("1"));
        assert_eq!(get(r#""top""#, "$").as_deref(), Some("top"));
    }
}
