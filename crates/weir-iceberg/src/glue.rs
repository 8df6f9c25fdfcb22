//! An Iceberg table as the Glue Data Catalog keeps it, as Iceberg's own Glue catalog writes it:
//! `TableType` `EXTERNAL_TABLE`; parameters `table_type` = `ICEBERG`, `metadata_location` (the
//! current metadata file) and `previous_metadata_location`; the table's location and its current
//! schema's columns (Hive types, with `iceberg.field.*` column parameters) in the storage
//! descriptor, so Glue readers that know nothing of Iceberg still see its columns.

use iceberg::spec::{PrimitiveType, TableMetadata, Type};
use serde_json::{json, Map, Value};

pub const TABLE_TYPE: &str = "table_type";
pub const ICEBERG: &str = "ICEBERG";
pub const METADATA_LOCATION: &str = "metadata_location";
pub const PREVIOUS_METADATA_LOCATION: &str = "previous_metadata_location";

/// Whether a table parameter is the catalog's own record of the table (not a table property).
pub fn is_catalog_parameter(key: &str) -> bool {
    [TABLE_TYPE, METADATA_LOCATION, PREVIOUS_METADATA_LOCATION].contains(&key)
}

/// Whether a catalog table (GetTable's `Table`) is an Iceberg table.
pub fn is_iceberg(table: &Value) -> bool {
    table
        .pointer(&format!("/Parameters/{TABLE_TYPE}"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(ICEBERG))
}

/// The table's current metadata file.
pub fn metadata_location(table: &Value) -> Option<&str> {
    table
        .pointer(&format!("/Parameters/{METADATA_LOCATION}"))
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
}

/// The `TableInput` that records `metadata` (written at `location`) as the table `name`: built
/// on `current` (GetTable's `Table`) when the table exists, so its other parameters, owner and
/// description stay.
pub fn table_input(
    name: &str,
    metadata: &TableMetadata,
    location: &str,
    current: Option<&Value>,
) -> Value {
    let mut input = current.map_or_else(|| json!({}), weir_engine::catalog::table_input);
    input["Name"] = json!(name);
    input["TableType"] = json!("EXTERNAL_TABLE");
    let mut parameters = input
        .get("Parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let previous = current.and_then(metadata_location).map(str::to_string);
    parameters.insert(TABLE_TYPE.into(), json!(ICEBERG));
    parameters.insert(METADATA_LOCATION.into(), json!(location));
    match previous {
        Some(previous) => parameters.insert(PREVIOUS_METADATA_LOCATION.into(), json!(previous)),
        None => parameters.remove(PREVIOUS_METADATA_LOCATION),
    };
    input["Parameters"] = Value::Object(parameters);
    if let Some(comment) = metadata.properties().get("comment") {
        input["Description"] = json!(comment);
    }
    let mut sd = input
        .get("StorageDescriptor")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    sd.insert("Location".into(), json!(metadata.location()));
    sd.insert(
        "Columns".into(),
        Value::Array(columns(metadata.current_schema())),
    );
    input["StorageDescriptor"] = Value::Object(sd);
    input
}

/// A schema's fields as Glue columns (with Iceberg's `iceberg.field.*` parameters).
pub fn columns(schema: &iceberg::spec::Schema) -> Vec<Value> {
    schema
        .as_struct()
        .fields()
        .iter()
        .map(|field| {
            let mut column = Map::new();
            column.insert("Name".into(), json!(field.name));
            column.insert("Type".into(), json!(hive_type(&field.field_type)));
            if let Some(doc) = &field.doc {
                column.insert("Comment".into(), json!(doc));
            }
            column.insert(
                "Parameters".into(),
                json!({
                    "iceberg.field.id": field.id.to_string(),
                    "iceberg.field.optional": (!field.required).to_string(),
                    "iceberg.field.current": "true",
                }),
            );
            Value::Object(column)
        })
        .collect()
}

/// An Iceberg type as a Hive type name (as Iceberg's Glue catalog writes them).
pub fn hive_type(t: &Type) -> String {
    match t {
        Type::Primitive(p) => match p {
            PrimitiveType::Boolean => "boolean".into(),
            PrimitiveType::Int => "int".into(),
            PrimitiveType::Long => "bigint".into(),
            PrimitiveType::Float => "float".into(),
            PrimitiveType::Double => "double".into(),
            PrimitiveType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
            PrimitiveType::Date => "date".into(),
            PrimitiveType::Timestamp
            | PrimitiveType::Timestamptz
            | PrimitiveType::TimestampNs
            | PrimitiveType::TimestamptzNs => "timestamp".into(),
            PrimitiveType::Time | PrimitiveType::String | PrimitiveType::Uuid => "string".into(),
            PrimitiveType::Fixed(_) | PrimitiveType::Binary => "binary".into(),
        },
        Type::Struct(s) => format!(
            "struct<{}>",
            s.fields()
                .iter()
                .map(|f| format!("{}:{}", f.name, hive_type(&f.field_type)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Type::List(l) => format!("array<{}>", hive_type(&l.element_field.field_type)),
        Type::Map(m) => format!(
            "map<{},{}>",
            hive_type(&m.key_field.field_type),
            hive_type(&m.value_field.field_type)
        ),
    }
}
