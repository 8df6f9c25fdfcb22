//! File formats of catalog tables: reading a table's format from its `StorageDescriptor`
//! (classification, SerDe and its parameters), and the `StorageDescriptor` Glue writes for a
//! format when a job or a crawl creates a table.

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
    /// JSON documents. `json_path` is a JSON classifier's `JsonPath` (the table's `jsonPath`):
    /// which parts of a file are the records (`$[*]`: the items of a top-level array). `None`:
    /// one document a line.
    Json {
        json_path: Option<String>,
    },
    Parquet,
    /// Avro object container files (read with `arrow-avro`: [`crate::avro`]).
    Avro,
    /// ORC files (read with [`crate::orc`]).
    Orc,
    /// Log lines split by a grok pattern (`GrokSerDe`: its `input.format` and
    /// `input.grokCustomPatterns`), read with [`crate::grok`]. `classification` is the grok
    /// classifier's.
    Grok {
        classification: String,
        pattern: String,
        custom_patterns: Option<String>,
    },
    /// XML files whose `row_tag` elements are the records (an XML classifier's `RowTag`), read
    /// with [`crate::xml`].
    Xml {
        classification: String,
        row_tag: String,
    },
}

/// The SerDe of tables of grok patterns.
pub const GROK_SERDE: &str = "com.amazonaws.glue.serde.GrokSerDe";
/// The SerDe and input format crawls write for XML tables (Weir knows XML tables by their
/// `rowTag` parameter, not by these names, which are not confirmed against Glue's).
pub const XML_SERDE: &str = "com.amazonaws.glue.serde.XMLSerDe";
pub const XML_INPUT_FORMAT: &str = "com.amazonaws.glue.xml.XMLInputFormat";

impl TableFormat {
    /// The table's `classification` parameter (a grok or XML classifier's own).
    pub fn classification(&self) -> &str {
        match self {
            TableFormat::Csv { .. } => "csv",
            TableFormat::Json { .. } => "json",
            TableFormat::Parquet => "parquet",
            TableFormat::Avro => "avro",
            TableFormat::Orc => "orc",
            TableFormat::Grok { classification, .. } | TableFormat::Xml { classification, .. } => {
                classification
            }
        }
    }

    /// Whether files of this format may be compressed as a whole (gzip, bzip2, …), as text files
    /// may. Parquet, Avro and ORC compress inside the file and say how themselves.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            TableFormat::Csv { .. }
                | TableFormat::Json { .. }
                | TableFormat::Grok { .. }
                | TableFormat::Xml { .. }
        )
    }

    /// Whether jobs write tables of this format (as [`TableFormat::from_target`] names them).
    pub fn is_written(&self) -> bool {
        matches!(
            self,
            TableFormat::Csv { .. }
                | TableFormat::Json { json_path: None }
                | TableFormat::Parquet
                | TableFormat::Avro
        )
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
            "json" => TableFormat::Json { json_path: None },
            "parquet" => TableFormat::Parquet,
            "avro" => TableFormat::Avro,
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
        let table_param = |k: &str| {
            table
                .pointer(&format!("/Parameters/{k}"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        // Grok and XML tables have their classifier's classification: known by their SerDe
        // (grok) or `rowTag` (XML).
        if serde.ends_with("grokserde") {
            let pattern = param("input.format").filter(|p| !p.trim().is_empty()).ok_or(
                "its SerDe is GrokSerDe but SerdeInfo.Parameters has no input.format (the grok pattern)",
            )?;
            return Ok(TableFormat::Grok {
                classification: table_param("classification").unwrap_or_else(|| "grok".into()),
                pattern,
                custom_patterns: param("input.grokCustomPatterns"),
            });
        }
        if classification == "parquet" || serde.contains("parquet") || input.contains("parquet") {
            return Ok(TableFormat::Parquet);
        }
        if classification == "avro"
            || serde.contains("avroserde")
            || input.contains("avrocontainerinputformat")
        {
            return Ok(TableFormat::Avro);
        }
        if classification == "orc" || serde.contains("orcserde") || input.contains("orcinputformat")
        {
            return Ok(TableFormat::Orc);
        }
        if let Some(row_tag) = table_param("rowTag") {
            return Ok(TableFormat::Xml {
                classification: table_param("classification").unwrap_or_else(|| "xml".into()),
                row_tag,
            });
        }
        if classification == "json" || serde.contains("json") {
            return Ok(TableFormat::Json {
                json_path: table_param("jsonPath"),
            });
        }
        if classification == "csv"
            || serde.contains("lazysimpleserde")
            || serde.contains("opencsvserde")
            || input.contains("textinputformat")
        {
            let delim = param("field.delim")
                .or_else(|| param("separatorChar"))
                .unwrap_or_else(|| ",".into());
            let skip = table
                .pointer("/Parameters/skip.header.line.count")
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or("0");
            let header = match skip {
                "0" => false,
                "1" => true,
                other => {
                    return Err(format!(
                        "its Parameters.skip.header.line.count is '{other}': Weir reads text tables with 0 or 1 header lines"
                    ))
                }
            };
            let byte = |k: &str| param(k).and_then(|v| v.bytes().next());
            return Ok(TableFormat::Csv {
                delimiter: delim.bytes().next().unwrap_or(b','),
                header,
                quote: byte("quoteChar").unwrap_or(b'"'),
                escape: byte("escapeChar").or_else(|| byte("escape.delim")),
            });
        }
        Err(format!(
            "the table's format is not one Weir reads (classification '{classification}', SerDe '{serde}'): csv, json, parquet, avro, orc, grok (GrokSerDe) and xml (a rowTag) are"
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
            TableFormat::Json { .. } => (
                "org.apache.hadoop.mapred.TextInputFormat",
                "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "org.openx.data.jsonserde.JsonSerDe",
                json!({}),
            ),
            TableFormat::Grok {
                pattern,
                custom_patterns,
                ..
            } => {
                let mut params = json!({ "input.format": pattern });
                if let Some(custom) = custom_patterns {
                    params["input.grokCustomPatterns"] = json!(custom);
                }
                (
                    "org.apache.hadoop.mapred.TextInputFormat",
                    "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    GROK_SERDE,
                    params,
                )
            }
            TableFormat::Xml { row_tag, .. } => (
                XML_INPUT_FORMAT,
                "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                XML_SERDE,
                json!({ "rowTag": row_tag }),
            ),
            TableFormat::Avro => (
                "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
                "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
                "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
                json!({}),
            ),
            TableFormat::Orc => (
                "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
                "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
                "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn table(classification: &str, serde: &str, input: &str) -> Value {
        json!({
            "Parameters": { "classification": classification },
            "StorageDescriptor": { "InputFormat": input, "SerdeInfo": { "SerializationLibrary": serde } }
        })
    }

    #[test]
    fn avro_and_orc_tables_are_known_by_classification_serde_or_input_format() {
        for (format, cases) in [
            (
                TableFormat::Avro,
                [
                    table("avro", "", ""),
                    table("", "org.apache.hadoop.hive.serde2.avro.AvroSerDe", ""),
                    table(
                        "",
                        "",
                        "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
                    ),
                ],
            ),
            (
                TableFormat::Orc,
                [
                    table("ORC", "", ""),
                    table("", "org.apache.hadoop.hive.ql.io.orc.OrcSerde", ""),
                    table("", "", "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"),
                ],
            ),
        ] {
            for case in cases {
                assert_eq!(TableFormat::of_table(&case), Ok(format.clone()), "{case}");
            }
            let written = format.storage_descriptor("s3://b/t/", vec![]);
            let described = json!({ "StorageDescriptor": written });
            assert_eq!(TableFormat::of_table(&described), Ok(format.clone()));
            assert!(!format.is_text());
        }
    }

    #[test]
    fn text_tables_skip_at_most_one_header_line() {
        let table = |skip: &str| json!({ "Parameters": { "classification": "csv", "skip.header.line.count": skip } });
        assert!(matches!(
            TableFormat::of_table(&table("1")),
            Ok(TableFormat::Csv { header: true, .. })
        ));
        assert!(matches!(
            TableFormat::of_table(&table("0")),
            Ok(TableFormat::Csv { header: false, .. })
        ));
        let err = TableFormat::of_table(&table("2")).unwrap_err();
        assert!(err.contains("skip.header.line.count is '2'"), "{err}");
    }

    #[test]
    fn grok_xml_and_json_path_tables_read_back_as_written() {
        let grok = TableFormat::Grok {
            classification: "apache".into(),
            pattern: "%{COMBINEDAPACHELOG}".into(),
            custom_patterns: Some("X [a-z]+".into()),
        };
        let xml = TableFormat::Xml {
            classification: "xml".into(),
            row_tag: "item".into(),
        };
        let json_path = TableFormat::Json {
            json_path: Some("$[*]".into()),
        };
        for (format, extra) in [
            (grok, json!({})),
            (xml, json!({ "rowTag": "item" })),
            (json_path, json!({ "jsonPath": "$[*]" })),
        ] {
            let mut parameters = json!({ "classification": format.classification() });
            for (k, v) in extra.as_object().unwrap() {
                parameters[k] = v.clone();
            }
            let table = json!({
                "Parameters": parameters,
                "StorageDescriptor": format.storage_descriptor("s3://b/t/", vec![]),
            });
            assert_eq!(TableFormat::of_table(&table), Ok(format.clone()), "{table}");
            assert!(format.is_text());
        }
        let no_pattern = json!({ "StorageDescriptor": { "SerdeInfo": {
            "SerializationLibrary": GROK_SERDE, "Parameters": {} } } });
        let err = TableFormat::of_table(&no_pattern).unwrap_err();
        assert!(err.contains("no input.format"), "{err}");
    }

    #[test]
    fn an_unknown_format_is_refused_with_the_formats_weir_reads() {
        let err = TableFormat::of_table(&table("ion", "com.amazon.ionhiveserde.IonHiveSerDe", ""))
            .unwrap_err();
        assert!(
            err.contains("'ion'") && err.contains("orc, grok (GrokSerDe) and xml (a rowTag)"),
            "{err}"
        );
    }
}
