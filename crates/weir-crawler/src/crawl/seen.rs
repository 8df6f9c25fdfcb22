//! Folders a crawler crawled before, for `RecrawlPolicy` `CRAWL_NEW_FOLDERS_ONLY`: the
//! locations of the tables it made and of their partitions, each with the schema the catalog
//! keeps for it. A file in one of them is described from the catalog and not read; only files
//! in folders the catalog does not know are classified.

use std::collections::HashMap;

use serde_json::Value;
use weir_engine::formats::TableFormat;

use super::file::FileSchema;
use super::kind::Kind;
use super::layout::MIXED;

/// Known folders (URLs ending in `/`) and the schema of their files.
#[derive(Debug, Clone, Default)]
pub struct SeenFolders(HashMap<String, FileSchema>);

impl SeenFolders {
    /// Adds a catalog table and the locations of its partitions (`Partition` documents); a
    /// table whose format Weir cannot tell is left out (its folders are crawled again).
    pub fn add_table(&mut self, table: &Value, partitions: &[Value]) {
        let Ok(format) = TableFormat::of_table(table) else {
            return;
        };
        let columns = table
            .pointer("/StorageDescriptor/Columns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let name = c["Name"].as_str().unwrap_or_default().to_string();
                (name, Kind::of_hive(c["Type"].as_str().unwrap_or("string")))
            })
            .collect();
        let schema = FileSchema {
            format,
            columns,
            compression: compression(table),
            quoted: table
                .pointer("/StorageDescriptor/SerdeInfo/SerializationLibrary")
                .and_then(Value::as_str)
                .is_some_and(|s| s.ends_with("OpenCSVSerde")),
            records: 0,
        };
        let locations = std::iter::once(table).chain(partitions).filter_map(|t| {
            t.pointer("/StorageDescriptor/Location")
                .and_then(Value::as_str)
        });
        for location in locations {
            let folder = format!("{}/", location.trim_end_matches('/'));
            self.0.insert(folder, schema.clone());
        }
    }

    /// The schema of the file at `url` when its folder was crawled before.
    pub fn schema_of(&self, url: &str) -> Option<&FileSchema> {
        let folder = &url[..=url.rfind('/')?];
        self.0.get(folder)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A table's `compressionType` as the crawl names compressions.
fn compression(table: &Value) -> &'static str {
    match table
        .pointer("/Parameters/compressionType")
        .and_then(Value::as_str)
    {
        Some("gzip") => "gzip",
        Some("bzip2") => "bzip2",
        Some("zstd") => "zstd",
        Some("none") | None => "none",
        Some(_) => MIXED,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn files_in_known_folders_have_the_catalogs_schema() {
        let table = json!({
            "Name": "t",
            "StorageDescriptor": {
                "Location": "s3://b/t/",
                "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "tags", "Type": "array<string>"}],
                "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ","}},
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            },
            "Parameters": {"classification": "csv", "compressionType": "gzip"},
        });
        let partition = json!({"StorageDescriptor": {"Location": "s3://b/t/day=1"}});
        let mut seen = SeenFolders::default();
        seen.add_table(&table, &[partition]);
        let schema = seen
            .schema_of("s3://b/t/day=1/part-0.csv.gz")
            .expect("a known folder");
        assert_eq!(
            schema.columns,
            [
                ("id".to_string(), Kind::BigInt),
                ("tags".to_string(), Kind::Array(Box::new(Kind::String)))
            ]
        );
        assert_eq!(schema.compression, "gzip");
        assert!(seen.schema_of("s3://b/t/day=2/part-0.csv").is_none());
        assert!(seen.schema_of("s3://b/t/day=1/deeper/x.csv").is_none());
    }
}
