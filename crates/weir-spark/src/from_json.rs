//! Spark's `from_json(json, schema)`: JSON text parsed into a value of `schema`, a string
//! literal — a DDL list of members (`a INT, b ARRAY<STRING>`) or a type (`struct<a:int>`,
//! `array<…>`, `map<string,…>`). Member names match JSON keys by case, as in Spark; missing
//! members are NULL, members the schema does not name are ignored. Values convert as Spark's
//! JSON parser converts them ([`conform`]): a member that does not convert is NULL and the
//! others are kept (Spark's partial results); text that is not JSON, or JSON of another shape,
//! gives a struct of NULLs for a struct schema and NULL for an array or map schema, as Spark's
//! default `PERMISSIVE` mode does. NULL or blank text gives NULL. As Spark's parser, it reads
//! strings in single quotes and the tokens `NaN`, `Infinity` and `INF` (signed) ([`lenient`]).
//! An options map may be given (`from_json(js, 'a INT', map('mode', 'PERMISSIVE'))`) with
//! Spark's defaults only: another mode or parser option is refused.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::json::ReaderBuilder;
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::ScalarUDF;

use serde_json::Value;

use super::cast::spark_cast;
use super::convert::{cast_safe, is_string, string_to_date, string_to_timestamp, strings};
use super::json::json_text;
use super::udf::{arity, literal_text, text, SparkFn};
use crate::types::{arrow_type_keeping_names, ddl_struct};

/// The function.
pub fn function() -> ScalarUDF {
    SparkFn::new(
        "from_json",
        |args| {
            arity(args, 2, 3)?;
            let mut types = vec![text(&args[0], "the JSON")?, text(&args[1], "the schema")?];
            match args.get(2) {
                None => {}
                Some(t @ DataType::Map(..)) => types.push(t.clone()),
                Some(other) => return Err(format!("the options must be a map, got {other}")),
            }
            Ok(types)
        },
        |_| Err(SCHEMA.into()),
        eval,
    )
    .returns_for(|_, literals| schema_type(literals.get(1).copied().flatten()))
    .udf()
}

const SCHEMA: &str = "the schema must be a string literal";

/// The type a literal schema names.
fn schema_type(schema: Option<&ScalarValue>) -> std::result::Result<DataType, String> {
    let text = literal_text(schema).ok_or(SCHEMA)?;
    parse_schema(text).ok_or_else(|| {
        format!("cannot read the schema '{text}' (a DDL list such as 'a INT, b STRING', or a type such as 'struct<a:int>')")
    })
}

fn parse_schema(text: &str) -> Option<DataType> {
    let lower = text.trim_start().to_ascii_lowercase();
    let is_type = ["struct<", "array<", "map<"]
        .iter()
        .any(|p| lower.replace(' ', "").starts_with(p));
    match is_type {
        true => arrow_type_keeping_names(text),
        false => ddl_struct(text),
    }
}

/// Each text read as Spark's JSON parser reads it against `to` ([`conform`]), written again as
/// `{"v": value}` with values Arrow's decoder reads exactly, and decoded together.
fn eval(args: &[ArrayRef], rows: usize, to: &DataType) -> Result<ArrayRef> {
    if let Some(options) = args.get(2) {
        check_options(options)?;
    }
    let json = strings(&args[0], "from_json")?;
    let schema: SchemaRef = Arc::new(Schema::new(vec![Field::new("v", to.clone(), true)]));
    let docs: Vec<String> = (0..rows)
        .map(|i| {
            let value = match json.is_null(i) {
                true => Value::Null,
                false => read_root(json.value(i), to),
            };
            format!("{{\"v\":{value}}}")
        })
        .collect();
    decode(&schema, docs.iter().map(String::as_str), rows)
}

/// Options that are Spark's defaults, which this function follows (any other is refused).
const DEFAULT_OPTIONS: &[(&str, &str)] = &[
    ("mode", "permissive"),
    ("allowsinglequotes", "true"),
    ("allownonnumericnumbers", "true"),
];

fn check_options(options: &ArrayRef) -> Result<()> {
    let Some(map) = options.as_map_opt() else {
        return exec_err!("from_json: the options must be a map");
    };
    let (keys, values) = (
        cast_safe(map.keys(), &DataType::Utf8)?,
        cast_safe(map.values(), &DataType::Utf8)?,
    );
    let (keys, values) = (keys.as_string::<i32>(), values.as_string::<i32>());
    for i in 0..keys.len() {
        let (key, value) = (keys.value(i), values.value(i));
        let default = DEFAULT_OPTIONS
            .iter()
            .any(|(k, v)| key.eq_ignore_ascii_case(k) && value.trim().eq_ignore_ascii_case(v));
        if !default {
            return exec_err!(
                "from_json: the option '{key}' = '{value}' is not supported (only Spark's defaults: mode PERMISSIVE, allowSingleQuotes and allowNonNumericNumbers true)"
            );
        }
    }
    Ok(())
}

/// The first JSON value of `text`, if it is one.
fn parse_first(text: &str) -> Option<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next()
        .and_then(|v| v.ok())
}

/// Text that Spark's lenient parser reads written as strict JSON: a string in single quotes
/// in double quotes, and the tokens `NaN`, `Infinity`, `INF` (signed) as strings, which
/// [`conform`] reads as floating point. `None` when there is nothing to rewrite.
fn lenient(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.char_indices().peekable();
    let mut changed = false;
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                out.push(c);
                while let Some((_, c)) = chars.next() {
                    out.push(c);
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                out.push(escaped);
                            }
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' => {
                changed = true;
                out.push('"');
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some((_, '\'')) => out.push('\''),
                            Some((_, escaped)) => {
                                out.push('\\');
                                out.push(escaped);
                            }
                            None => {}
                        },
                        '"' => out.push_str("\\\""),
                        '\'' => break,
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            '-' | '+' | 'N' | 'I' => {
                let rest = &text[at..];
                let token = [
                    "NaN",
                    "-Infinity",
                    "+Infinity",
                    "Infinity",
                    "-INF",
                    "+INF",
                    "INF",
                ]
                .into_iter()
                .find(|t| rest.starts_with(t));
                match token {
                    Some(token) => {
                        changed = true;
                        out.push('"');
                        out.push_str(token);
                        out.push('"');
                        for _ in 1..token.len() {
                            chars.next();
                        }
                    }
                    None => out.push(c),
                }
            }
            c => out.push(c),
        }
    }
    changed.then_some(out)
}

/// The value of a JSON text for a schema: what [`conform`] gives, and when the text is not
/// JSON or does not fit, a struct of NULLs for a struct schema (NULL otherwise), as Spark's
/// default `PERMISSIVE` mode gives. Empty text is NULL.
fn read_root(text: &str, to: &DataType) -> Value {
    if text.trim().is_empty() {
        return Value::Null;
    }
    let parsed = parse_first(text).or_else(|| lenient(text).and_then(|t| parse_first(&t)));
    match parsed.map(|v| conform(&v, to)) {
        Some(Conformed::Whole(v) | Conformed::Partial(v)) => v,
        _ => match to {
            DataType::Struct(_) => Value::Object(Default::default()),
            _ => Value::Null,
        },
    }
}

/// A JSON value read for a type: whole, partly (some struct members did not convert and are
/// NULL: Spark's partial results), or not at all.
#[derive(Debug, PartialEq)]
enum Conformed {
    Whole(Value),
    Partial(Value),
    Failed,
}

/// Spark's conversion of a JSON value to a type (its `JacksonParser`): JSON `null` is NULL;
/// integers take JSON integers that fit; floating point takes numbers and the strings `NaN`,
/// `Infinity`, `-Infinity`; decimals take numbers and numeric strings (rounded half up); a
/// string takes a string, or any other value as its JSON text; dates and timestamps take text
/// as Spark's `CAST` reads it; structs and maps take objects, arrays arrays. A struct member
/// that does not convert is NULL and the rest is kept; an element or map value that does not
/// convert fails the array or map. The result is what Arrow's JSON decoder reads as the value.
fn conform(value: &Value, to: &DataType) -> Conformed {
    use Conformed::*;
    let whole = |v: Option<Value>| v.map_or(Failed, Whole);
    match (value, to) {
        (Value::Null, _) => Whole(Value::Null),
        (Value::Number(n), t) if t.is_integer() => {
            whole(n.as_i64().filter(|i| integer_fits(*i, t)).map(Value::from))
        }
        (Value::Number(n), DataType::Float32 | DataType::Float64) => {
            whole(n.as_f64().map(Value::from))
        }
        (Value::String(s), DataType::Float32 | DataType::Float64) => whole(
            match s.as_str() {
                "NaN" => Some("NaN"),
                "Infinity" | "+Infinity" | "INF" | "+INF" => Some("inf"),
                "-Infinity" | "-INF" => Some("-inf"),
                _ => None,
            }
            .map(Value::from),
        ),
        (Value::Number(_) | Value::String(_), DataType::Decimal128(..)) => {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            whole(decimal_text(&text, to).map(Value::from))
        }
        (Value::Bool(b), DataType::Boolean) => Whole(Value::Bool(*b)),
        (Value::String(s), t) if is_string(t) => Whole(Value::String(s.clone())),
        (other, t) if is_string(t) => Whole(Value::String(json_text(other))),
        (Value::String(s), DataType::Date32) => whole(string_to_date(s).map(Value::from)),
        (Value::String(s), DataType::Timestamp(TimeUnit::Microsecond, _)) => {
            whole(string_to_timestamp(s).map(Value::from))
        }
        (Value::Number(n), DataType::Timestamp(TimeUnit::Microsecond, _)) => whole(
            n.as_i64()
                .and_then(|s| s.checked_mul(1_000_000))
                .map(Value::from),
        ),
        (Value::Object(members), DataType::Struct(fields)) => {
            let mut out = serde_json::Map::new();
            let mut partial = false;
            for field in fields {
                let Some(member) = members.get(field.name()) else {
                    continue;
                };
                match conform(member, field.data_type()) {
                    Whole(v) => {
                        out.insert(field.name().clone(), v);
                    }
                    Partial(v) => {
                        partial = true;
                        out.insert(field.name().clone(), v);
                    }
                    Failed => partial = true,
                }
            }
            match partial {
                true => Partial(Value::Object(out)),
                false => Whole(Value::Object(out)),
            }
        }
        (Value::Array(items), DataType::List(element) | DataType::LargeList(element)) => collect(
            items.iter().map(|item| conform(item, element.data_type())),
        )
        .map_or(Failed, |(values, partial)| {
            let array = Value::Array(values);
            if partial {
                Partial(array)
            } else {
                Whole(array)
            }
        }),
        (Value::Object(members), DataType::Map(entries, _)) => {
            let DataType::Struct(kv) = entries.data_type() else {
                return Failed;
            };
            let Some(value_type) = kv.get(1).map(|f| f.data_type()) else {
                return Failed;
            };
            match collect(members.values().map(|v| conform(v, value_type))) {
                None => Failed,
                Some((values, partial)) => {
                    let object = Value::Object(members.keys().cloned().zip(values).collect());
                    match partial {
                        true => Partial(object),
                        false => Whole(object),
                    }
                }
            }
        }
        _ => Failed,
    }
}

/// The values of conformed elements and whether one is partial; `None` when one failed.
fn collect(items: impl Iterator<Item = Conformed>) -> Option<(Vec<Value>, bool)> {
    let mut values = Vec::new();
    let mut partial = false;
    for item in items {
        match item {
            Conformed::Whole(v) => values.push(v),
            Conformed::Partial(v) => {
                partial = true;
                values.push(v)
            }
            Conformed::Failed => return None,
        }
    }
    Some((values, partial))
}

fn integer_fits(i: i64, t: &DataType) -> bool {
    match t {
        DataType::Int8 => i8::try_from(i).is_ok(),
        DataType::Int16 => i16::try_from(i).is_ok(),
        DataType::Int32 => i32::try_from(i).is_ok(),
        _ => true,
    }
}

/// A number's text as a decimal of type `to` (rounded half up), `None` when it does not fit.
fn decimal_text(text: &str, to: &DataType) -> Option<String> {
    let input: ArrayRef = Arc::new(StringArray::from(vec![text]));
    let cast = spark_cast(&input, to).ok()?;
    match cast.is_null(0) {
        true => None,
        false => array_value_to_string(&cast, 0).ok(),
    }
}

/// The member `v` of `rows` JSON documents.
fn decode<'a>(
    schema: &SchemaRef,
    docs: impl Iterator<Item = &'a str>,
    rows: usize,
) -> Result<ArrayRef> {
    let mut decoder = ReaderBuilder::new(schema.clone())
        .with_batch_size(rows.max(1))
        .build_decoder()?;
    for doc in docs {
        let bytes = doc.as_bytes();
        if decoder.decode(bytes)? < bytes.len() {
            return exec_err!("from_json: more documents than rows");
        }
        decoder.decode(b"\n")?;
    }
    match decoder.flush()? {
        Some(batch) if batch.num_rows() == rows => Ok(batch.column(0).clone()),
        _ => exec_err!("from_json: a document did not decode"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_schema;
    use datafusion::arrow::datatypes::DataType;

    #[test]
    fn schemas_read_as_ddl_or_types() {
        let ddl = parse_schema("userId INT, `full name` STRING, tags ARRAY<STRING>");
        let Some(DataType::Struct(fields)) = ddl else {
            panic!("{ddl:?}")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["userId", "full name", "tags"]);
        assert!(matches!(
            parse_schema("struct<userId:int>"),
            Some(DataType::Struct(f)) if f[0].name() == "userId"
        ));
        assert!(matches!(
            parse_schema("array<int>"),
            Some(DataType::List(_))
        ));
        assert!(matches!(
            parse_schema("MAP<STRING, INT>"),
            Some(DataType::Map(..))
        ));
        assert_eq!(parse_schema("a NOTATYPE"), None);
    }
}

#[cfg(test)]
mod reading {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, StringArray};
    use datafusion::arrow::util::display::array_value_to_string;

    use super::{eval, parse_schema};

    fn read(texts: &[Option<&str>], schema: &str) -> Vec<String> {
        let to = parse_schema(schema).expect("schema");
        let input: ArrayRef = Arc::new(StringArray::from(texts.to_vec()));
        let out = eval(&[input], texts.len(), &to).expect("from_json");
        (0..texts.len())
            .map(|i| array_value_to_string(&out, i).expect("display"))
            .collect()
    }

    #[test]
    fn single_quotes_and_non_numeric_numbers_are_read() {
        assert_eq!(
            read(
                &[
                    Some("{'a': 1, 'b': 'it\\'s \"x\"'}"),
                    Some(r#"{"a": NaN, "b": "NaN"}"#),
                    Some(r#"{"a": -Infinity}"#),
                ],
                "a DOUBLE, b STRING"
            ),
            [
                r#"{a: 1.0, b: it's "x"}"#,
                "{a: NaN, b: NaN}",
                "{a: -inf, b: }"
            ]
        );
    }

    #[test]
    fn values_convert_as_in_spark() {
        assert_eq!(
            read(
                &[
                    Some(r#"{"a": 1, "b": [1, 2]}"#),
                    Some("not json"),
                    Some(r#"{"a": "8", "b": [1]}"#),
                    Some("[1, 2]"),
                    None,
                ],
                "a INT, b ARRAY<INT>"
            ),
            [
                "{a: 1, b: [1, 2]}",
                "{a: , b: }",
                "{a: , b: [1]}",
                "{a: , b: }",
                ""
            ]
        );
        // Any JSON value is text for a string; an element that does not convert fails its array.
        assert_eq!(
            read(
                &[Some(r#"{"a": 12.5, "b": [{"c": 1}]}"#)],
                "a STRING, b STRING"
            ),
            [r#"{a: 12.5, b: [{"c":1}]}"#]
        );
        assert_eq!(
            read(
                &[Some(r#"{"b": [5, {"c": 1}]}"#)],
                "b ARRAY<STRUCT<c: INT>>"
            ),
            ["{b: }"]
        );
        assert_eq!(
            read(
                &[Some(
                    r#"{"d": "2024-02-29", "t": "2024-03-10 02:30:00", "n": 12.345, "b": true}"#
                )],
                "d DATE, t TIMESTAMP, n DECIMAL(10, 2), b BOOLEAN"
            ),
            ["{d: 2024-02-29, t: 2024-03-10T02:30:00, n: 12.35, b: true}"]
        );
        assert_eq!(
            read(&[Some(r#"{"a": null, "b": [1]}"#)], "MAP<STRING, STRING>"),
            ["{a: , b: [1]}"]
        );
    }
}
