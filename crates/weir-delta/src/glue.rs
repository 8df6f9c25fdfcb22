//! How a Delta table looks in the Glue Data Catalog, as Glue's crawlers register one (a "native"
//! Delta table): `table_type` `DELTA`, `classification` and `spark.sql.sources.provider`
//! `delta`, the table's folder as its location and its schema as Hive columns (partition
//! columns among them: the Delta log, not Hive folders, says where rows are).

use datafusion::arrow::datatypes::Schema;
use serde_json::{json, Map, Value};
use weir_spark::types::hive_type;

/// Whether a Glue table (GetTable's `Table`) is a Delta table.
pub fn is_delta(table: &Value) -> bool {
    let parameter = |key: &str| {
        table
            .pointer(&format!("/Parameters/{}", key.replace('/', "~1")))
            .and_then(Value::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case("delta"))
    };
    parameter("table_type") || parameter("spark.sql.sources.provider")
}

/// The table's folder.
pub fn location(table: &Value) -> Option<&str> {
    table
        .pointer("/StorageDescriptor/Location")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
}

/// The `TableInput` registering a Delta table: `current` (a Glue table) keeps its description,
/// owner and other parameters.
pub fn table_input(
    name: &str,
    location: &str,
    schema: &Schema,
    partition_columns: &[String],
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
    parameters.insert("table_type".into(), json!("DELTA"));
    parameters.insert("classification".into(), json!("delta"));
    parameters.insert("spark.sql.sources.provider".into(), json!("delta"));
    parameters.insert("EXTERNAL".into(), json!("TRUE"));
    if !partition_columns.is_empty() {
        parameters.insert(
            "delta.partitionColumns".into(),
            json!(partition_columns.join(",")),
        );
    }
    input["Parameters"] = Value::Object(parameters);
    let columns: Vec<Value> = schema
        .fields()
        .iter()
        .map(|f| {
            let mut column = Map::new();
            column.insert("Name".into(), json!(f.name()));
            column.insert("Type".into(), json!(hive_type(f.data_type())));
            Value::Object(column)
        })
        .collect();
    input["StorageDescriptor"] = json!({
        "Columns": columns,
        "Location": location,
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            "Parameters": {"serialization.format": "1", "path": location}
        },
        "Compressed": false,
        "StoredAsSubDirectories": false,
    });
    input["PartitionKeys"] = json!([]);
    input
}
