//! Request validation against the operation's input shape, with AWS's error kinds and messages.
//!
//! Two phases, as in AWS:
//! - a JSON value of the wrong type (a string where a structure belongs, bad base64, …) is a
//!   deserialization failure: [`ErrorKind::Serialization`], reported immediately;
//! - constraint failures (required, length, pattern, enum, range) are all collected and reported
//!   together as one [`ErrorKind::InvalidInput`]:
//!   `2 validation errors detected: Value 'x' at 'tableInput.name' failed to satisfy constraint: …; …`.
//!
//! Paths name members with their first letter lower-cased, joined with `.`; list elements appear
//! as 1-based indices (`partitionInputList.1.values`) and map values as their key.
//! Null values are treated as absent. Unknown members are ignored (forward compatibility).
//!
//! [`ErrorKind::Serialization`]: crate::ErrorKind::Serialization
//! [`ErrorKind::InvalidInput`]: crate::ErrorKind::InvalidInput

use std::fmt::Write as _;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::Value;

use crate::service::{
    FloatRange, IntRange, LengthRange, ListShape, MapShape, ServiceModel, ShapeId, ShapeKind,
    StringShape, StructureShape,
};
use crate::{GlueError, Result};

/// At most this many constraint failures are listed in a message (all are counted).
const MAX_LISTED_FAILURES: usize = 10;

/// Values quoted in messages are cut to this many characters.
const MAX_QUOTED_CHARS: usize = 64;

/// Base64 as clients send blobs: standard alphabet, padding optional.
const BLOB_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Checks a request body against the operation's input shape. Ok(()) when valid.
///
/// - A body that is not a JSON object, or a value of the wrong JSON type anywhere in it, gives
///   [`ErrorKind::Serialization`](crate::ErrorKind::Serialization) naming the path.
/// - Constraint failures give one [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
///   listing up to ten of them, in AWS's format.
/// - An operation the model does not define is not this function's concern: it returns `Ok(())`
///   (the caller answers `UnknownOperationException` before validating).
pub fn validate_input(operation: &str, input: &Value) -> Result<()> {
    if !input.is_object() {
        return Err(GlueError::serialization(format!(
            "Expected a JSON object as the request body but found {}",
            json_type(input)
        )));
    }
    let model = ServiceModel::glue();
    let Some(shape) = model.operation(operation).and_then(|op| op.input) else {
        return Ok(());
    };
    let mut validator = Validator::new(model);
    validator.value(shape, input)?;
    validator.finish()
}

/// One step of the path to the value being validated.
#[derive(Clone, Copy)]
enum Segment<'a> {
    Member(&'static str),
    /// A list element, 0-based (rendered 1-based).
    Index(usize),
    MapKey(&'a str),
}

/// Walks a request body along its shape, collecting constraint failures.
struct Validator<'a> {
    model: &'static ServiceModel,
    path: Vec<Segment<'a>>,
    failures: Vec<String>,
    failure_count: usize,
}

impl<'a> Validator<'a> {
    fn new(model: &'static ServiceModel) -> Self {
        Self {
            model,
            path: Vec::with_capacity(16),
            failures: Vec::new(),
            failure_count: 0,
        }
    }

    /// The collected failures as one `InvalidInput` error, or `Ok` when there are none.
    fn finish(self) -> Result<()> {
        match self.failure_count {
            0 => Ok(()),
            n => {
                let plural = if n == 1 { "" } else { "s" };
                Err(GlueError::invalid_input(format!(
                    "{n} validation error{plural} detected: {}",
                    self.failures.join("; ")
                )))
            }
        }
    }

    /// Validates `value` (never null: callers skip nulls) against shape `id`.
    fn value(&mut self, id: ShapeId, value: &'a Value) -> Result<()> {
        match &self.model.shape(id).kind {
            ShapeKind::Structure(shape) => self.structure(shape, value),
            ShapeKind::Document => Ok(()),
            ShapeKind::List(shape) => self.list(shape, value),
            ShapeKind::Map(shape) => self.map(shape, value),
            ShapeKind::String(shape) => self.string(shape, value),
            ShapeKind::Integer(range) => self.integer(
                range,
                value,
                "an integer",
                i64::from(i32::MIN)..=i64::from(i32::MAX),
            ),
            ShapeKind::Long(range) => self.integer(range, value, "a long", i64::MIN..=i64::MAX),
            ShapeKind::Double(range) => self.double(range, value),
            ShapeKind::Boolean => self.expect(value.is_boolean(), "a boolean", value),
            ShapeKind::Timestamp => {
                self.expect(value.is_number() || value.is_string(), "a timestamp", value)
            }
            ShapeKind::Blob => self.blob(value),
        }
    }

    fn structure(&mut self, shape: &'static StructureShape, value: &'a Value) -> Result<()> {
        let Value::Object(object) = value else {
            return Err(self.type_error("a structure", value));
        };
        // Bit `slot` is set once the required member in that slot has been seen (non-null).
        let mut present: u64 = 0;
        for (key, member_value) in object {
            if member_value.is_null() {
                continue;
            }
            let Some(member) = shape.member(key) else {
                continue;
            };
            if let Some(slot) = member.required_slot {
                present |= 1 << slot;
            }
            self.path.push(Segment::Member(&member.path_name));
            let result = self.value(member.shape, member_value);
            self.path.pop();
            result?;
        }
        if present.count_ones() as usize != shape.required.len() {
            self.missing_members(shape, present);
        }
        Ok(())
    }

    /// Reports the required members whose bit is not set in `present`.
    fn missing_members(&mut self, shape: &'static StructureShape, present: u64) {
        for (slot, &index) in shape.required.iter().enumerate() {
            if present & (1 << slot) == 0 {
                self.path
                    .push(Segment::Member(&shape.members[index].path_name));
                self.fail(None, "Member must not be null");
                self.path.pop();
            }
        }
    }

    fn list(&mut self, shape: &ListShape, value: &'a Value) -> Result<()> {
        let Value::Array(items) = value else {
            return Err(self.type_error("a list", value));
        };
        self.check_length(shape.length, items.len(), value);
        for (index, item) in items.iter().enumerate() {
            if item.is_null() {
                continue;
            }
            self.path.push(Segment::Index(index));
            let result = self.value(shape.member, item);
            self.path.pop();
            result?;
        }
        Ok(())
    }

    fn map(&mut self, shape: &MapShape, value: &'a Value) -> Result<()> {
        let Value::Object(entries) = value else {
            return Err(self.type_error("a map", value));
        };
        self.check_length(shape.length, entries.len(), value);
        let key_shape = match &self.model.shape(shape.key).kind {
            ShapeKind::String(key_shape) => Some(key_shape),
            _ => None,
        };
        for (key, entry) in entries {
            if let Some(key_shape) = key_shape {
                self.map_key(key_shape, key);
            }
            if entry.is_null() {
                continue;
            }
            self.path.push(Segment::MapKey(key));
            let result = self.value(shape.value, entry);
            self.path.pop();
            result?;
        }
        Ok(())
    }

    /// A bad key is reported at the map's path, as AWS does: `Map keys must satisfy constraint: […]`.
    fn map_key(&mut self, shape: &StringShape, key: &str) {
        let mut violated = Vec::new();
        string_constraints(shape, key, |constraint| violated.push(constraint));
        if !violated.is_empty() {
            let constraint = format!(
                "Map keys must satisfy constraint: [{}]",
                violated.join(", ")
            );
            self.fail(Some(&quote_str(key)), &constraint);
        }
    }

    fn string(&mut self, shape: &StringShape, value: &'a Value) -> Result<()> {
        let Value::String(text) = value else {
            return Err(self.type_error("a string", value));
        };
        let mut violated = Vec::new();
        string_constraints(shape, text, |constraint| violated.push(constraint));
        for constraint in violated {
            self.fail(Some(&quote_str(text)), &constraint);
        }
        Ok(())
    }

    fn integer(
        &mut self,
        range: &IntRange,
        value: &'a Value,
        expected: &str,
        representable: std::ops::RangeInclusive<i64>,
    ) -> Result<()> {
        let Some(number) = value.as_i64().filter(|n| representable.contains(n)) else {
            return Err(self.type_error(expected, value));
        };
        if let Some(min) = range.min.filter(|&min| number < min) {
            self.fail(
                Some(&number.to_string()),
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
        if let Some(max) = range.max.filter(|&max| number > max) {
            self.fail(
                Some(&number.to_string()),
                &format!("Member must have value less than or equal to {max}"),
            );
        }
        Ok(())
    }

    fn double(&mut self, range: &FloatRange, value: &'a Value) -> Result<()> {
        let Some(number) = value.as_f64() else {
            return Err(self.type_error("a double", value));
        };
        if let Some(min) = range.min.filter(|&min| number < min) {
            self.fail(
                Some(&number.to_string()),
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
        if let Some(max) = range.max.filter(|&max| number > max) {
            self.fail(
                Some(&number.to_string()),
                &format!("Member must have value less than or equal to {max}"),
            );
        }
        Ok(())
    }

    fn blob(&mut self, value: &'a Value) -> Result<()> {
        match value {
            Value::String(text) if BLOB_BASE64.decode(text).is_ok() => Ok(()),
            _ => Err(self.type_error("a base64-encoded blob", value)),
        }
    }

    /// `Ok` when `ok`, else a type error expecting `expected`.
    fn expect(&self, ok: bool, expected: &str, value: &Value) -> Result<()> {
        if ok {
            Ok(())
        } else {
            Err(self.type_error(expected, value))
        }
    }

    /// Length bounds of a list or map (`count` elements or entries).
    fn check_length(&mut self, length: LengthRange, count: usize, value: &Value) {
        let count = count as u64;
        if let Some(min) = length.min.filter(|&min| count < min) {
            self.fail(
                Some(&quote(value)),
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if let Some(max) = length.max.filter(|&max| count > max) {
            self.fail(
                Some(&quote(value)),
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// Records a constraint failure at the current path; `value` is the quoted value, if any.
    ///
    /// A missing member reads `Value at '…'`, as elsewhere in Weir (AWS itself writes
    /// `Value null at '…'`).
    fn fail(&mut self, value: Option<&str>, constraint: &str) {
        self.failure_count += 1;
        if self.failures.len() >= MAX_LISTED_FAILURES {
            return;
        }
        let path = self.render_path();
        let message = match value {
            Some(value) => {
                format!("Value '{value}' at '{path}' failed to satisfy constraint: {constraint}")
            }
            None => format!("Value at '{path}' failed to satisfy constraint: {constraint}"),
        };
        self.failures.push(message);
    }

    fn type_error(&self, expected: &str, found: &Value) -> GlueError {
        GlueError::serialization(format!(
            "Expected {expected} at '{}' but found {}",
            self.render_path(),
            json_type(found)
        ))
    }

    /// `tableInput.storageDescriptor.columns.1.name`
    fn render_path(&self) -> String {
        let mut out = String::new();
        for (i, segment) in self.path.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            match segment {
                Segment::Member(name) => out.push_str(name),
                Segment::Index(index) => {
                    let _ = write!(out, "{}", index + 1);
                }
                Segment::MapKey(key) => out.push_str(key),
            }
        }
        out
    }
}

/// Reports each constraint of `shape` that `text` violates, as AWS's constraint text.
fn string_constraints(shape: &StringShape, text: &str, mut report: impl FnMut(String)) {
    check_string_length(shape.length, text, &mut report);
    if let Some(pattern) = &shape.pattern {
        if !pattern.matches(text) {
            report(format!(
                "Member must satisfy regular expression pattern: {}",
                pattern.source
            ));
        }
    }
    if let Some(values) = &shape.enum_values {
        if !values.contains(text) {
            report(format!(
                "Member must satisfy enum value set: {}",
                values.display
            ));
        }
    }
}

fn check_string_length(length: LengthRange, text: &str, report: &mut impl FnMut(String)) {
    let (min, max) = (length.min.unwrap_or(0), length.max.unwrap_or(u64::MAX));
    // A string of n bytes holds between n/4 and n characters: count only when that is not enough.
    let bytes = text.len() as u64;
    if bytes >= min.saturating_mul(4) && bytes <= max {
        return;
    }
    let chars = text.chars().count() as u64;
    if chars < min {
        report(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if chars > max {
        report(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
}

/// The JSON type of `value`, with its article, for type errors.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string as quoted in messages: cut to [`MAX_QUOTED_CHARS`] characters.
fn quote_str(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Any value as quoted in messages, Java-style (`[a, b]`, `{k=v}`), cut to [`MAX_QUOTED_CHARS`].
fn quote(value: &Value) -> String {
    let mut out = String::new();
    render_java(value, &mut out);
    quote_str(&out)
}

/// Renders `value` like Java's `toString`, stopping early once the text is long enough to be cut.
fn render_java(value: &Value, out: &mut String) {
    if out.len() > MAX_QUOTED_CHARS * 4 {
        return;
    }
    match value {
        Value::String(text) => out.push_str(text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_java(item, out);
            }
            out.push(']');
        }
        Value::Object(entries) => {
            out.push('{');
            for (i, (key, entry)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                render_java(entry, out);
            }
            out.push('}');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ErrorKind;

    fn column(name: &str) -> Value {
        json!({"Name": name, "Type": "string", "Comment": "a column", "Parameters": {"k": "v"}})
    }

    fn create_table(table_input: Value) -> Value {
        json!({"DatabaseName": "db", "TableInput": table_input})
    }

    fn valid_table_input() -> Value {
        json!({
            "Name": "events",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet"},
            "Retention": 0,
            "LastAccessTime": 1700000000.5,
            "StorageDescriptor": {
                "Columns": [column("id"), column("payload")],
                "Location": "s3://bucket/events/",
                "Compressed": false,
                "NumberOfBuckets": -1,
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
                "SortColumns": [{"Column": "id", "SortOrder": 1}]
            },
            "PartitionKeys": [column("dt")]
        })
    }

    fn invalid_input_message(operation: &str, input: &Value) -> String {
        let err = validate_input(operation, input).expect_err("should be invalid");
        assert_eq!(err.kind, ErrorKind::InvalidInput, "{err}");
        err.message
    }

    fn partition(columns: usize) -> Value {
        let columns: Vec<Value> = (0..columns).map(|i| column(&format!("col_{i}"))).collect();
        json!({
            "Values": ["2024-01-01", "us-east-1"],
            "Parameters": {"numRows": "100"},
            "StorageDescriptor": {
                "Columns": columns,
                "Location": "s3://bucket/events/dt=2024-01-01/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", "Parameters": {"field.delim": ","}}
            }
        })
    }

    fn batch_create_partition(count: usize, columns: usize) -> Value {
        let partitions: Vec<Value> = (0..count).map(|_| partition(columns)).collect();
        json!({"DatabaseName": "db", "TableName": "events", "PartitionInputList": partitions})
    }

    #[test]
    fn valid_create_table_passes() {
        assert_eq!(
            validate_input("CreateTable", &create_table(valid_table_input())),
            Ok(())
        );
    }

    #[test]
    fn unknown_members_and_nulls_are_ignored() {
        let mut input = valid_table_input();
        input["SomeFutureMember"] = json!({"anything": [1, 2]});
        input["Description"] = Value::Null;
        assert_eq!(validate_input("CreateTable", &create_table(input)), Ok(()));
    }

    #[test]
    fn missing_required_member_is_named() {
        let message = invalid_input_message(
            "CreateDatabase",
            &json!({"DatabaseInput": {"Description": "d"}}),
        );
        assert_eq!(
            message,
            "1 validation error detected: Value at 'databaseInput.name' failed to satisfy constraint: \
             Member must not be null"
        );
    }

    #[test]
    fn null_required_member_is_missing() {
        let message =
            invalid_input_message("CreateDatabase", &json!({"DatabaseInput": {"Name": null}}));
        assert!(message.contains("'databaseInput.name'"), "{message}");
    }

    #[test]
    fn overlong_name_fails_length() {
        let mut input = valid_table_input();
        input["Name"] = json!("x".repeat(256));
        let message = invalid_input_message("CreateTable", &create_table(input));
        let quoted = format!("{}...", "x".repeat(64));
        assert_eq!(
            message,
            format!(
                "1 validation error detected: Value '{quoted}' at 'tableInput.name' failed to satisfy constraint: \
                 Member must have length less than or equal to 255"
            )
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let mut input = valid_table_input();
        input["Name"] = json!("é".repeat(255));
        assert_eq!(validate_input("CreateTable", &create_table(input)), Ok(()));
    }

    #[test]
    fn empty_name_fails_min_length() {
        let message =
            invalid_input_message("CreateDatabase", &json!({"DatabaseInput": {"Name": ""}}));
        assert!(
            message.contains("Member must have length greater than or equal to 1"),
            "{message}"
        );
    }

    #[test]
    fn newline_fails_pattern() {
        let mut input = valid_table_input();
        input["Name"] = json!("bad\nname");
        let message = invalid_input_message("CreateTable", &create_table(input));
        assert!(
            message.starts_with("1 validation error detected: "),
            "{message}"
        );
        assert!(message.contains("at 'tableInput.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*"), "{message}");
    }

    #[test]
    fn bad_enum_names_the_value_set() {
        let message = invalid_input_message("GetDatabases", &json!({"ResourceShareType": "BOGUS"}));
        assert_eq!(
            message,
            "1 validation error detected: Value 'BOGUS' at 'resourceShareType' failed to satisfy constraint: \
             Member must satisfy enum value set: [FOREIGN, ALL, FEDERATED]"
        );
    }

    #[test]
    fn integer_range_is_checked() {
        let message = invalid_input_message("GetDatabases", &json!({"MaxResults": 0}));
        assert!(
            message.contains("Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"),
            "{message}"
        );
    }

    #[test]
    fn list_over_max_fails() {
        let message =
            invalid_input_message("BatchCreatePartition", &batch_create_partition(101, 1));
        assert!(
            message.starts_with("1 validation error detected: Value '[{"),
            "{message}"
        );
        assert!(
            message.ends_with("' at 'partitionInputList' failed to satisfy constraint: Member must have length less than or equal to 100"),
            "{message}"
        );
    }

    #[test]
    fn list_and_map_paths() {
        let mut input = batch_create_partition(2, 1);
        input["PartitionInputList"][1]["Values"][0] = json!("");
        input["PartitionInputList"][0]["Parameters"]["numRows"] = json!("x".repeat(512_001));
        let message = invalid_input_message("BatchCreatePartition", &input);
        assert!(
            message.starts_with("2 validation errors detected: "),
            "{message}"
        );
        assert!(
            message.contains("at 'partitionInputList.1.parameters.numRows' failed"),
            "{message}"
        );
        assert!(
            message.contains("at 'partitionInputList.2.values.1' failed"),
            "{message}"
        );
    }

    #[test]
    fn bad_map_key_is_reported_at_the_map() {
        let mut input = valid_table_input();
        input["Parameters"] = json!({"": "v"});
        let message = invalid_input_message("CreateTable", &create_table(input));
        assert!(
            message.contains("Value '' at 'tableInput.parameters' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length greater than or equal to 1]"),
            "{message}"
        );
    }

    #[test]
    fn multiple_errors_are_counted() {
        let mut input = valid_table_input();
        input["Name"] = json!("x".repeat(256));
        input["TableType"] = json!("t".repeat(256));
        input["StorageDescriptor"]["Columns"][1] = json!({"Type": "int"});
        let message = invalid_input_message("CreateTable", &json!({"TableInput": input}));
        assert!(
            message.starts_with("4 validation errors detected: "),
            "{message}"
        );
        assert!(
            message.contains(
                "Value at 'databaseName' failed to satisfy constraint: Member must not be null"
            ),
            "{message}"
        );
        assert!(message.contains("at 'tableInput.name'"), "{message}");
        assert!(message.contains("at 'tableInput.tableType'"), "{message}");
        assert!(
            message.contains("Value at 'tableInput.storageDescriptor.columns.2.name'"),
            "{message}"
        );
        assert_eq!(message.matches("; Value").count(), 3, "{message}");
    }

    #[test]
    fn listed_failures_are_capped() {
        let mut input = batch_create_partition(20, 0);
        for partition in input["PartitionInputList"].as_array_mut().expect("array") {
            partition["Values"] = json!([""]);
        }
        let message = invalid_input_message("BatchCreatePartition", &input);
        assert!(
            message.starts_with("20 validation errors detected: "),
            "{message}"
        );
        assert_eq!(
            message.matches("failed to satisfy constraint").count(),
            MAX_LISTED_FAILURES
        );
    }

    #[test]
    fn wrong_json_type_is_a_serialization_error() {
        let mut input = valid_table_input();
        input["StorageDescriptor"] = json!("not a structure");
        let err = validate_input("CreateTable", &create_table(input)).expect_err("invalid");
        assert_eq!(err.kind, ErrorKind::Serialization);
        assert_eq!(
            err.message,
            "Expected a structure at 'tableInput.storageDescriptor' but found a string"
        );

        let err =
            validate_input("GetDatabases", &json!({"MaxResults": "10"})).expect_err("invalid");
        assert_eq!(err.kind, ErrorKind::Serialization);
        assert_eq!(
            err.message,
            "Expected an integer at 'maxResults' but found a string"
        );

        let err = validate_input("GetDatabases", &json!({"MaxResults": 1.5})).expect_err("invalid");
        assert_eq!(err.kind, ErrorKind::Serialization);
    }

    #[test]
    fn serialization_error_wins_over_constraint_failures() {
        let mut input = valid_table_input();
        input["Name"] = json!("");
        input["PartitionKeys"] = json!({"not": "a list"});
        let err = validate_input("CreateTable", &create_table(input)).expect_err("invalid");
        assert_eq!(err.kind, ErrorKind::Serialization);
        assert_eq!(
            err.message,
            "Expected a list at 'tableInput.partitionKeys' but found an object"
        );
    }

    #[test]
    fn body_must_be_an_object() {
        for body in [json!([]), json!("x"), Value::Null] {
            let err = validate_input("GetDatabases", &body).expect_err("invalid");
            assert_eq!(err.kind, ErrorKind::Serialization);
        }
    }

    #[test]
    fn unknown_operation_is_not_validated() {
        assert_eq!(validate_input("NoSuchOperation", &json!({"x": 1})), Ok(()));
    }

    #[test]
    fn timestamps_and_blobs() {
        let mut input = valid_table_input();
        input["LastAccessTime"] = json!("2024-01-01T00:00:00Z");
        assert_eq!(
            validate_input("CreateTable", &create_table(input.clone())),
            Ok(())
        );
        input["LastAccessTime"] = json!(true);
        let err = validate_input("CreateTable", &create_table(input)).expect_err("invalid");
        assert_eq!(
            err.message,
            "Expected a timestamp at 'tableInput.lastAccessTime' but found a boolean"
        );

        let model = ServiceModel::glue();
        let blob = model.shape_id("Blob").expect("Blob shape");
        let good = json!("aGVsbG8=");
        let bad = json!("not base64!");
        let mut validator = Validator::new(model);
        assert!(validator.value(blob, &good).is_ok());
        assert_eq!(
            validator.value(blob, &bad).map_err(|e| e.kind),
            Err(ErrorKind::Serialization)
        );
    }

    #[test]
    fn a_full_batch_of_wide_partitions_validates() {
        let input = batch_create_partition(100, 20);
        validate_input("BatchCreatePartition", &input).expect("valid");
    }
}
