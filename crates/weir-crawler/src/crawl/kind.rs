//! Inferred column types and how they merge: across the values of a column, the records of a
//! file and the files of a table. Two types that disagree widen (`int` and `bigint` to
//! `bigint`, a number and a `double` to `double`, nested fields to their union) and, when
//! nothing holds both, become `string`: inference never fails.

/// A column's inferred type.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Only NULLs (or empty fields) seen so far.
    Null,
    Boolean,
    Int,
    BigInt,
    Double,
    String,
    Array(Box<Kind>),
    /// Fields in the order first seen.
    Struct(Vec<(String, Kind)>),
    /// A type a file declares itself (Parquet, ORC, Avro), as its Hive type.
    Declared(String),
}

impl Kind {
    /// The wider of two types.
    pub fn merge(self, other: Kind) -> Kind {
        use Kind::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Null, b) => b,
            (a, Null) => a,
            (Int, BigInt) | (BigInt, Int) => BigInt,
            (Int | BigInt, Double) | (Double, Int | BigInt) => Double,
            (Array(a), Array(b)) => Array(Box::new(a.merge(*b))),
            (Struct(mut a), Struct(b)) => {
                for (name, kind) in b {
                    match a.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, existing)) => {
                            let merged = std::mem::replace(existing, Null).merge(kind);
                            *existing = merged;
                        }
                        None => a.push((name, kind)),
                    }
                }
                Struct(a)
            }
            _ => String,
        }
    }

    /// The type a catalog column's Hive type is (a type inference does not make stays as
    /// written, [`Kind::Declared`]).
    pub fn of_hive(hive: &str) -> Kind {
        let hive = hive.trim();
        match hive.to_ascii_lowercase().as_str() {
            "string" => Kind::String,
            "boolean" => Kind::Boolean,
            "int" => Kind::Int,
            "bigint" => Kind::BigInt,
            "double" => Kind::Double,
            lower => match lower
                .strip_prefix("array<")
                .and_then(|r| r.strip_suffix('>'))
            {
                Some(element) => Kind::Array(Box::new(Kind::of_hive(element))),
                None => Kind::Declared(hive.to_string()),
            },
        }
    }

    /// The Hive type of the catalog's column.
    pub fn hive(&self) -> std::string::String {
        match self {
            Kind::Null | Kind::String => "string".into(),
            Kind::Boolean => "boolean".into(),
            Kind::Int => "int".into(),
            Kind::BigInt => "bigint".into(),
            Kind::Double => "double".into(),
            Kind::Array(k) => format!("array<{}>", k.hive()),
            Kind::Struct(fields) => {
                let fields: Vec<std::string::String> = fields
                    .iter()
                    .map(|(n, k)| format!("{n}:{}", k.hive()))
                    .collect();
                format!("struct<{}>", fields.join(","))
            }
            Kind::Declared(t) => t.clone(),
        }
    }
}

/// Columns by name, merged: a column of both keeps its place and widens, a column of one only
/// is appended.
pub fn merge_columns(
    mut into: Vec<(String, Kind)>,
    other: Vec<(String, Kind)>,
) -> Vec<(String, Kind)> {
    match Kind::Struct(std::mem::take(&mut into)).merge(Kind::Struct(other)) {
        Kind::Struct(fields) => fields,
        _ => unreachable!("two structs merge into a struct"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_widen_and_never_fail() {
        assert_eq!(Kind::Int.merge(Kind::BigInt), Kind::BigInt);
        assert_eq!(Kind::BigInt.merge(Kind::Double), Kind::Double);
        assert_eq!(Kind::Null.merge(Kind::Boolean), Kind::Boolean);
        assert_eq!(Kind::Boolean.merge(Kind::Int), Kind::String);
        assert_eq!(
            Kind::Array(Box::new(Kind::Int)).merge(Kind::Array(Box::new(Kind::Double))),
            Kind::Array(Box::new(Kind::Double))
        );
        let a = Kind::Struct(vec![("x".into(), Kind::Int)]);
        let b = Kind::Struct(vec![("y".into(), Kind::String), ("x".into(), Kind::BigInt)]);
        assert_eq!(a.merge(b).hive(), "struct<x:bigint,y:string>");
        assert_eq!(
            Kind::Declared("decimal(10,2)".into()).merge(Kind::Int),
            Kind::String
        );
    }
}
