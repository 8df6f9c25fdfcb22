//! Database column types as Arrow types (and so as Glue's, through the engine's mapping), and
//! how each is fetched.
//!
//! | PostgreSQL | MySQL / MariaDB | Arrow (Glue) |
//! |---|---|---|
//! | `boolean` | `tinyint(1)`, `bool` | Boolean (boolean) |
//! | `smallint` | `tinyint`, `smallint`, `year` | Int16 (smallint) |
//! | `integer` | `mediumint`, `int` (unsigned: `tinyint`, `smallint`) | Int32 (int) |
//! | `bigint` | `bigint` (unsigned: `mediumint`, `int`), `bit` | Int64 (bigint) |
//! | — | `bigint unsigned` | Decimal128(20, 0) (decimal(20,0)) |
//! | `numeric(p,s)` | `decimal(p,s)` | Decimal128(p, s); unconstrained `numeric`: (38, 18) |
//! | `real` / `double precision` | `float` / `double` | Float32 / Float64 (float / double) |
//! | `text`, `varchar`, `char`, `uuid`, `json`, `jsonb`, anything else | `char`, `varchar`, `text`, `json`, `enum`, `set`, `time`, anything else | Utf8 (string) |
//! | `date` | `date` | Date32 (date) |
//! | `timestamp`, `timestamptz` (as UTC) | `datetime`, `timestamp` (as UTC) | Timestamp(µs) (timestamp) |
//! | `bytea` | `binary`, `varbinary`, `blob` | Binary (binary) |
//! | `T[]` | — | List of T's type (array<…>) |
//!
//! Decimals wider than 38 digits are read as 38 (Spark's widest); values beyond fail the read.

use datafusion::arrow::datatypes::{DataType, Field, TimeUnit};

use crate::dialect::Dialect;

/// How a column's values are decoded from the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    Bool,
    I16,
    I32,
    /// Any signed integer (MySQL decodes every width as 64 bits).
    I64,
    F32,
    F64,
    /// Text, as the driver gives it or as the column cast to text.
    Text,
    /// Text the database made with [`Dialect::as_text`], converted to the Arrow type.
    TextCast,
    /// A PostgreSQL array, as JSON text.
    JsonList,
    Bytes,
    Date,
    Timestamp,
    TimestampTz,
}

/// A column of a result: its name, database type, Arrow type and how it is fetched.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// The database's name of the type (`numeric(10,2)`, `int(11) unsigned`, …).
    pub db_type: String,
    pub arrow: DataType,
    pub fetch: Fetch,
}

impl Column {
    pub fn new(dialect: Dialect, name: &str, db_type: &str) -> Self {
        let (arrow, fetch) = match dialect {
            Dialect::Postgres => postgres(db_type),
            Dialect::MySql => mysql(db_type),
        };
        Column {
            name: name.to_string(),
            db_type: db_type.to_string(),
            arrow,
            fetch,
        }
    }

    /// The `java.sql.Types` name a JDBC driver reports for the column (what `DataTypeMapping`
    /// keys name): PostgreSQL's driver reports `boolean` as BIT and `timestamptz` as TIMESTAMP.
    pub fn jdbc_type(&self, dialect: Dialect) -> &'static str {
        let (base, args) = parts(&self.db_type);
        if self.db_type.trim().ends_with("[]") {
            return "ARRAY";
        }
        let base = base
            .trim_end_matches(" zerofill")
            .trim_end_matches(" unsigned")
            .trim()
            .to_string();
        match (dialect, base.as_str()) {
            (_, "smallint" | "int2" | "smallserial") => "SMALLINT",
            (_, "integer" | "int" | "int4" | "serial" | "mediumint") => "INTEGER",
            (_, "bigint" | "int8" | "bigserial") => "BIGINT",
            (Dialect::MySql, "tinyint") if args.trim() == "1" => "BIT",
            (_, "tinyint") => "TINYINT",
            (Dialect::Postgres, "real" | "float4") | (Dialect::MySql, "float") => "REAL",
            (_, "double precision" | "float8" | "double") => "DOUBLE",
            (Dialect::Postgres, "numeric") => "NUMERIC",
            (_, "decimal" | "numeric" | "dec" | "fixed") => "DECIMAL",
            (_, "boolean" | "bool" | "bit") => "BIT",
            (_, "character" | "char" | "bpchar" | "enum" | "set") => "CHAR",
            (Dialect::MySql, "text" | "mediumtext" | "longtext" | "json") => "LONGVARCHAR",
            (_, "text" | "character varying" | "varchar" | "name" | "citext" | "tinytext") => {
                "VARCHAR"
            }
            (_, "date" | "year") => "DATE",
            (_, t) if t.starts_with("time ") || t == "time" => "TIME",
            (_, t) if t.starts_with("timestamp") || t == "datetime" => "TIMESTAMP",
            (Dialect::Postgres, "bytea") | (Dialect::MySql, "binary") => "BINARY",
            (_, "varbinary" | "tinyblob") => "VARBINARY",
            (_, "blob" | "mediumblob" | "longblob") => "LONGVARBINARY",
            _ => "OTHER",
        }
    }

    /// The column's expression in the SELECT list.
    pub fn select(&self, dialect: Dialect) -> String {
        match self.fetch {
            Fetch::TextCast => dialect.as_text(&self.name),
            Fetch::JsonList => dialect.as_json(&self.name),
            _ => dialect.quote(&self.name),
        }
    }
}

/// The Arrow type of a Glue record type a `DataTypeMapping` names (`STRING`, `INT`, …); a
/// `BIGDECIMAL` keeps a decimal column's precision and scale.
pub fn glue_record_type(name: &str, current: &DataType) -> Option<DataType> {
    Some(match name {
        "DATE" => DataType::Date32,
        "STRING" => DataType::Utf8,
        "TIMESTAMP" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "INT" => DataType::Int32,
        "FLOAT" => DataType::Float32,
        "LONG" => DataType::Int64,
        "BIGDECIMAL" => match current {
            DataType::Decimal128(..) => current.clone(),
            _ => DataType::Decimal128(38, 18),
        },
        "BYTE" => DataType::Int8,
        "SHORT" => DataType::Int16,
        "DOUBLE" => DataType::Float64,
        _ => return None,
    })
}

/// `numeric(p,s)` / `decimal(p,s)` as a Decimal128 (38, 18 without a precision).
fn decimal(args: &str) -> DataType {
    let mut numbers = args.split(',').filter_map(|n| n.trim().parse::<i64>().ok());
    match (numbers.next(), numbers.next()) {
        (Some(p), scale) => {
            let scale = scale.unwrap_or(0);
            let precision = p.clamp(1, 38) as u8;
            let scale = scale.clamp(0, precision as i64) as i8;
            DataType::Decimal128(precision, scale)
        }
        _ => DataType::Decimal128(38, 18),
    }
}

/// The type's base name (lower case, without arguments) and its arguments.
fn parts(db_type: &str) -> (String, String) {
    let t = db_type.trim().to_ascii_lowercase();
    match t.split_once('(') {
        Some((base, rest)) => {
            let (args, after) = rest.split_once(')').unwrap_or((rest, ""));
            (format!("{}{}", base.trim(), after), args.to_string())
        }
        None => (t, String::new()),
    }
}

fn postgres(db_type: &str) -> (DataType, Fetch) {
    if let Some(element) = db_type.trim().strip_suffix("[]") {
        let (item, fetch) = postgres(element);
        let item = match fetch {
            Fetch::Bool | Fetch::I16 | Fetch::I32 | Fetch::I64 | Fetch::F32 | Fetch::F64 => item,
            _ => DataType::Utf8,
        };
        return (
            DataType::List(Field::new("element", item, true).into()),
            Fetch::JsonList,
        );
    }
    let (base, args) = parts(db_type);
    match base.as_str() {
        "boolean" | "bool" => (DataType::Boolean, Fetch::Bool),
        "smallint" | "int2" | "smallserial" => (DataType::Int16, Fetch::I16),
        "integer" | "int" | "int4" | "serial" => (DataType::Int32, Fetch::I32),
        "bigint" | "int8" | "bigserial" => (DataType::Int64, Fetch::I64),
        "real" | "float4" => (DataType::Float32, Fetch::F32),
        "double precision" | "float8" => (DataType::Float64, Fetch::F64),
        "numeric" | "decimal" => (decimal(&args), Fetch::TextCast),
        "text" | "character varying" | "varchar" | "character" | "char" | "bpchar" | "name"
        | "citext" => (DataType::Utf8, Fetch::Text),
        "date" => (DataType::Date32, Fetch::Date),
        "timestamp without time zone" | "timestamp" => (
            DataType::Timestamp(TimeUnit::Microsecond, None),
            Fetch::Timestamp,
        ),
        "timestamp with time zone" | "timestamptz" => (
            DataType::Timestamp(TimeUnit::Microsecond, None),
            Fetch::TimestampTz,
        ),
        "bytea" => (DataType::Binary, Fetch::Bytes),
        _ => (DataType::Utf8, Fetch::TextCast),
    }
}

fn mysql(db_type: &str) -> (DataType, Fetch) {
    let (base, args) = parts(db_type);
    let unsigned = base.ends_with(" unsigned") || base.ends_with(" unsigned zerofill");
    let base = base
        .trim_end_matches(" zerofill")
        .trim_end_matches(" unsigned")
        .trim()
        .to_string();
    match (base.as_str(), unsigned) {
        ("tinyint", false) if args.trim() == "1" => (DataType::Boolean, Fetch::I64),
        ("bool" | "boolean", _) => (DataType::Boolean, Fetch::I64),
        ("tinyint" | "smallint", false) => (DataType::Int16, Fetch::I64),
        ("mediumint" | "int" | "integer", false) => (DataType::Int32, Fetch::I64),
        ("bigint", false) => (DataType::Int64, Fetch::I64),
        ("tinyint" | "smallint", true) => (DataType::Int32, Fetch::TextCast),
        ("mediumint" | "int" | "integer", true) => (DataType::Int64, Fetch::TextCast),
        ("bigint", true) => (DataType::Decimal128(20, 0), Fetch::TextCast),
        ("year", _) => (DataType::Int16, Fetch::TextCast),
        ("bit", _) => (DataType::Int64, Fetch::TextCast),
        ("decimal" | "numeric" | "dec" | "fixed", _) => (decimal(&args), Fetch::TextCast),
        ("float", _) => (DataType::Float32, Fetch::F64),
        ("double" | "double precision" | "real", _) => (DataType::Float64, Fetch::F64),
        // Read through CAST(… AS CHAR): a column with a binary collation (MariaDB's `json` is a
        // `longtext` collated utf8mb4_bin) comes over the wire as a BLOB otherwise.
        ("char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext", _) => {
            (DataType::Utf8, Fetch::TextCast)
        }
        ("date", _) => (DataType::Date32, Fetch::Date),
        ("datetime", _) => (
            DataType::Timestamp(TimeUnit::Microsecond, None),
            Fetch::Timestamp,
        ),
        ("timestamp", _) => (
            DataType::Timestamp(TimeUnit::Microsecond, None),
            Fetch::Timestamp,
        ),
        ("binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob", _) => {
            (DataType::Binary, Fetch::Bytes)
        }
        _ => (DataType::Utf8, Fetch::TextCast),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrow(dialect: Dialect, t: &str) -> DataType {
        Column::new(dialect, "c", t).arrow
    }

    #[test]
    fn postgres_types_map_as_spark_reads_them() {
        let pg = |t| arrow(Dialect::Postgres, t);
        assert_eq!(pg("integer"), DataType::Int32);
        assert_eq!(pg("numeric(10,2)"), DataType::Decimal128(10, 2));
        assert_eq!(pg("numeric"), DataType::Decimal128(38, 18));
        assert_eq!(pg("numeric(50,4)"), DataType::Decimal128(38, 4));
        assert_eq!(pg("character varying(40)"), DataType::Utf8);
        assert_eq!(pg("jsonb"), DataType::Utf8);
        assert_eq!(
            pg("timestamp(3) with time zone"),
            DataType::Timestamp(TimeUnit::Microsecond, None)
        );
        assert_eq!(
            pg("integer[]"),
            DataType::List(Field::new("element", DataType::Int32, true).into())
        );
        assert_eq!(
            Column::new(Dialect::Postgres, "n", "numeric(5,1)").select(Dialect::Postgres),
            "\"n\"::text"
        );
    }

    #[test]
    fn mysql_types_map_as_spark_reads_them() {
        let my = |t| arrow(Dialect::MySql, t);
        assert_eq!(my("tinyint(1)"), DataType::Boolean);
        assert_eq!(my("int(11)"), DataType::Int32);
        assert_eq!(my("int(10) unsigned"), DataType::Int64);
        assert_eq!(my("bigint(20) unsigned"), DataType::Decimal128(20, 0));
        assert_eq!(my("decimal(12,3)"), DataType::Decimal128(12, 3));
        assert_eq!(my("enum('a','b')"), DataType::Utf8);
        assert_eq!(my("longblob"), DataType::Binary);
    }
}
