//! Glue/Hive type names (`bigint`, `decimal(10,2)`, `timestamp`, …) and Arrow types.
//!
//! Weir keeps Arrow types in memory and speaks Hive type names in mappings and the catalog.
//! Nested types (`struct<…>`, `array<…>`, `map<…>`) are parsed recursively.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields, TimeUnit};

/// The Arrow type of a Hive type name; `None` when the name is not a type Weir knows. Struct
/// member names are lower-cased, as the catalog keeps them.
pub fn arrow_type(hive: &str) -> Option<DataType> {
    parse(hive, Names::Lower)
}

/// [`arrow_type`] keeping the case of struct member names (JSON keys match by case).
pub fn arrow_type_keeping_names(hive: &str) -> Option<DataType> {
    parse(hive, Names::Kept)
}

/// A Spark DDL schema, `a INT, b STRUCT<c: STRING>` (or `a: INT`, names in backquotes or
/// not), as a struct type; member names keep their case.
pub fn ddl_struct(ddl: &str) -> Option<DataType> {
    let mut fields = Vec::new();
    for member in split_top_level(ddl, ',') {
        let member = member.trim();
        let (name, ty) = match member.strip_prefix('`') {
            Some(rest) => rest.split_once('`')?,
            None => member.split_once(|c: char| c.is_whitespace() || c == ':')?,
        };
        let ty = ty.trim_start().trim_start_matches(':');
        fields.push(Field::new(name, parse(ty, Names::Kept)?, true));
    }
    Some(DataType::Struct(Fields::from(fields)))
}

#[derive(Clone, Copy)]
enum Names {
    Lower,
    Kept,
}

fn parse(hive: &str, names: Names) -> Option<DataType> {
    let t = hive.trim();
    let (base, args) = match t.find(['(', '<']) {
        Some(i) => (t[..i].trim().to_ascii_lowercase(), Some(&t[i..])),
        None => (t.to_ascii_lowercase(), None),
    };
    Some(match (base.as_str(), args) {
        ("string" | "varchar" | "char", _) => DataType::Utf8,
        ("boolean", None) => DataType::Boolean,
        ("tinyint" | "byte", None) => DataType::Int8,
        ("smallint" | "short", None) => DataType::Int16,
        ("int" | "integer", None) => DataType::Int32,
        ("bigint" | "long", None) => DataType::Int64,
        ("float", None) => DataType::Float32,
        ("double", None) => DataType::Float64,
        ("date", None) => DataType::Date32,
        ("timestamp", None) => DataType::Timestamp(TimeUnit::Microsecond, None),
        ("binary", None) => DataType::Binary,
        ("void", None) => DataType::Null,
        ("decimal", None) => DataType::Decimal128(10, 0),
        ("decimal", Some(args)) => {
            let inner = args.strip_prefix('(')?.strip_suffix(')')?;
            let (p, s) = inner.split_once(',').unwrap_or((inner, "0"));
            DataType::Decimal128(p.trim().parse().ok()?, s.trim().parse().ok()?)
        }
        ("array", Some(args)) => {
            let inner = args.strip_prefix('<')?.strip_suffix('>')?;
            DataType::List(Arc::new(Field::new("element", parse(inner, names)?, true)))
        }
        ("map", Some(args)) => {
            let inner = args.strip_prefix('<')?.strip_suffix('>')?;
            let parts = split_top_level(inner, ',');
            let [k, v] = parts.as_slice() else {
                return None;
            };
            let entries = Fields::from(vec![
                Field::new("key", parse(k, names)?, false),
                Field::new("value", parse(v, names)?, true),
            ]);
            DataType::Map(
                Arc::new(Field::new("entries", DataType::Struct(entries), false)),
                false,
            )
        }
        ("struct", Some(args)) => {
            let inner = args.strip_prefix('<')?.strip_suffix('>')?;
            let mut fields = Vec::new();
            for member in split_top_level(inner, ',') {
                let (name, ty) = member.split_once(':')?;
                let name = match names {
                    Names::Lower => name.trim().to_ascii_lowercase(),
                    Names::Kept => name.trim().to_string(),
                };
                fields.push(Field::new(name, parse(ty, names)?, true));
            }
            DataType::Struct(Fields::from(fields))
        }
        _ => return None,
    })
}

/// The Hive type name of an Arrow type, as Glue writes it in the catalog (and Spark's
/// `typeof` gives it).
pub fn hive_type(t: &DataType) -> String {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 | DataType::UInt8 => "tinyint".into(),
        DataType::Int16 | DataType::UInt16 => "smallint".into(),
        DataType::Int32 | DataType::UInt32 => "int".into(),
        DataType::Int64 | DataType::UInt64 => "bigint".into(),
        DataType::Float16 | DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "binary".into(),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("decimal({p},{s})"),
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) => {
            format!("array<{}>", hive_type(f.data_type()))
        }
        DataType::Struct(fields) => {
            let members: Vec<String> = fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), hive_type(f.data_type())))
                .collect();
            format!("struct<{}>", members.join(","))
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "map<{},{}>",
                hive_type(kv[0].data_type()),
                hive_type(kv[1].data_type())
            ),
            _ => "map<string,string>".into(),
        },
        DataType::Null => "void".into(),
        DataType::Dictionary(_, v) => hive_type(v),
        DataType::Interval(_) | DataType::Duration(_) => "interval".into(),
        other => other.to_string().to_lowercase(),
    }
}

/// Splits at `sep` outside of `<…>` and `(…)`.
fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(s[start..].trim());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_names_round_trip_through_arrow() {
        for name in [
            "string",
            "bigint",
            "int",
            "double",
            "date",
            "timestamp",
            "decimal(15,2)",
            "array<int>",
            "struct<a:int,b:array<string>>",
            "map<string,bigint>",
        ] {
            let t = arrow_type(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(hive_type(&t), name);
        }
        assert_eq!(arrow_type("LONG"), Some(DataType::Int64));
        assert_eq!(arrow_type("varchar(20)"), Some(DataType::Utf8));
        assert_eq!(arrow_type("nonsense"), None);
        assert_eq!(arrow_type("decimal(x,2)"), None);
    }
}
