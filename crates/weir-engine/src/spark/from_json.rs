//! Spark's `from_json(json, schema)`: JSON text parsed into a value of `schema`, a string
//! literal — a DDL list of members (`a INT, b ARRAY<STRING>`) or a type (`struct<a:int>`,
//! `array<…>`, `map<string,…>`). Member names match JSON keys by case, as in Spark; missing
//! members are NULL, members the schema does not name are ignored. Text that is not JSON of
//! that shape (malformed, another JSON type, a value that does not convert) gives NULL, as
//! Spark's default `PERMISSIVE` mode does. The options argument is not taken.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::json::ReaderBuilder;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::ScalarUDF;

use super::convert::strings;
use super::udf::{arity, literal_text, text, SparkFn};
use crate::types::{arrow_type_keeping_names, ddl_struct};

/// The function.
pub fn function() -> ScalarUDF {
    SparkFn::new(
        "from_json",
        |args| {
            arity(args, 2, 2).map_err(|e| format!("{e} (options are not supported)"))?;
            Ok(vec![
                text(&args[0], "the JSON")?,
                text(&args[1], "the schema")?,
            ])
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

/// Each text wrapped as `{"v": text}` and decoded together; when that fails, row by row, a row
/// that does not decode being NULL.
fn eval(args: &[ArrayRef], rows: usize, to: &DataType) -> Result<ArrayRef> {
    let json = strings(&args[0], "from_json")?;
    let schema: SchemaRef = Arc::new(Schema::new(vec![Field::new("v", to.clone(), true)]));
    let docs: Vec<String> = (0..rows)
        .map(
            |i| match json.is_null(i) || json.value(i).trim().is_empty() {
                true => "{\"v\":null}".to_string(),
                false => format!("{{\"v\":{}}}", json.value(i)),
            },
        )
        .collect();
    if let Ok(all) = decode(&schema, docs.iter().map(String::as_str), rows) {
        return Ok(all);
    }
    let parts = docs
        .iter()
        .map(|doc| {
            decode(&schema, std::iter::once(doc.as_str()), 1)
                .or_else(|_| decode(&schema, std::iter::once("{\"v\":null}"), 1))
        })
        .collect::<Result<Vec<_>>>()?;
    let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
    Ok(datafusion::arrow::compute::concat(&refs)?)
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
