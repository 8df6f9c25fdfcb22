//! File formats of catalog tables: reading a table's format from its `StorageDescriptor`
//! (classification, SerDe and its parameters), and the `StorageDescriptor` Glue writes for a
//! format when a job creates a table.

use serde_json::{json, Value};

/// A table's data format.
#[derive(Debug, Clone, PartialEq)]
pub enum TableFormat {
    /// Delimited text. `quote` is the quote character (OpenCSVSerde's `quoteChar`, else `"`),
    /// `escape` the escape character (`escapeChar` / `escape.delim`), if any.
    Csv {
        delimiter: u8,
        header: bool,
        quote: u8,
        escape: Option<u8>,
    },
    Json,
    Parquet,
}

impl TableFormat {
    pub fn classification(&self) -> &'static str {
        match self {
            TableFormat::Csv { .. } => "csv",
            TableFormat::Json => "json",
            TableFormat::Parquet => "parquet",
        }
    }

    /// The format of a target's `Format` field.
    pub fn from_target(format: &str) -> Option<Self> {
        Some(match format {
            "csv" => TableFormat::Csv {
                delimiter: b',',
                header: true,
                quote: b'"',
                escape: None,
            },
            "json" => TableFormat::Json,
            "parquet" => TableFormat::Parquet,
            _ => return None,
        })
    }

    /// The format of a catalog table, from `Parameters.classification` or its SerDe and formats.
    pub fn of_table(table: &Value) -> Result<Self, String> {
        let sd = table
            .get("StorageDescriptor")
            .cloned()
            .unwrap_or(Value::Null);
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let classification = text(table.pointer("/Parameters/classification"));
        let serde = text(sd.pointer("/SerdeInfo/SerializationLibrary"));
        let input = text(sd.get("InputFormat"));
        let params = sd
            .pointer("/SerdeInfo/Parameters")
            .cloned()
            .unwrap_or(Value::Null);
        let param = |k: &str| params.get(k).and_then(Value::as_str).map(str::to_string);
        if classification == "parquet" || serde.contains("parquet") || input.contains("parquet") {
            return Ok(TableFormat::Parquet);
        }
        if classification == "json" || serde.contains("json") {
            return Ok(TableFormat::Json);
        }
        if classification == "csv"
            || serde.contains("lazysimpleserde")
            || serde.contains("opencsvserde")
            || input.contains("textinputformat")
        {
            let delim = param("field.delim")
                .or_else(|| param("separatorChar"))
                .unwrap_or_else(|| ",".into());
            let header = table
                .pointer("/Parameters/skip.header.line.count")
                .and_then(Value::as_str)
                == Some("1");
            let byte = |k: &str| param(k).and_then(|v| v.bytes().next());
            return Ok(TableFormat::Csv {
                delimiter: delim.bytes().next().unwrap_or(b','),
                header,
                quote: byte("quoteChar").unwrap_or(b'"'),
                escape: byte("escapeChar").or_else(|| byte("escape.delim")),
            });
        }
        Err(format!(
            "the table's format is not one Weir reads (classification '{classification}', SerDe '{serde}'): csv, json and parquet are"
        ))
    }

    /// The `StorageDescriptor` Glue writes for this format at `location`.
    pub fn storage_descriptor(&self, location: &str, columns: Vec<Value>) -> Value {
        let (input, output, serde, params) = match self {
            TableFormat::Parquet => (
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                json!({ "serialization.format": "1" }),
            ),
            TableFormat::Csv { delimiter, .. } => (
                "org.apache.hadoop.mapred.TextInputFormat",
                "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                json!({ "field.delim": (*delimiter as char).to_string() }),
            ),
            TableFormat::Json => (
                "org.apache.hadoop.mapred.TextInputFormat",
                "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "org.openx.data.jsonserde.JsonSerDe",
                json!({}),
            ),
        };
        json!({
            "Columns": columns,
            "Location": location,
            "InputFormat": input,
            "OutputFormat": output,
            "Compressed": false,
            "SerdeInfo": { "SerializationLibrary": serde, "Parameters": params },
        })
    }
}
