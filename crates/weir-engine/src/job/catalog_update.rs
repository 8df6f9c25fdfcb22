//! After a run's files are committed: the catalog update of a target. A missing table is
//! created with the columns written (Glue's "create a table in the Data Catalog and on
//! subsequent runs update the schema and add new partitions"), its schema is updated when the
//! written columns changed (`UPDATE_IN_DATABASE`), and every partition the run wrote is added.

use std::collections::BTreeSet;

use datafusion::arrow::datatypes::SchemaRef;
use serde_json::{json, Value};

use crate::catalog::{self, CatalogClient};
use crate::error::Result;
use crate::formats::TableFormat;
use weir_spark::types::hive_type;

/// The catalog table a target keeps up to date.
#[derive(Debug, Clone)]
pub struct CatalogUpdate {
    pub database: String,
    pub table: String,
    /// The table's location (the target's path, as a URL).
    pub location: String,
    pub format: TableFormat,
    pub partition_keys: Vec<String>,
    /// Create the table when it does not exist.
    pub create: bool,
    /// Replace the table's columns when the written ones differ.
    pub update_schema: bool,
    /// The schema written (data and partition columns).
    pub schema: Option<SchemaRef>,
}

/// The catalog calls that record a target's write: `CreateTable` or `UpdateTable` (with the
/// `VersionId` read here, so a concurrent change fails the run's transaction instead of being
/// overwritten), then `BatchCreatePartition` of the partitions the table lacks. Reads the catalog;
/// changes nothing — the run applies the calls of all its targets in one transaction.
pub async fn plan(
    client: &dyn CatalogClient,
    node: &str,
    update: &CatalogUpdate,
    files: &[String],
) -> Result<Vec<(String, Value)>> {
    let mut calls = Vec::new();
    let (columns, keys) = columns(update);
    let location = update.location.clone();
    let existing = catalog::find_table(client, node, &update.database, &update.table).await?;
    let sd = match existing {
        None => {
            let sd = update.format.storage_descriptor(&location, columns);
            let input = json!({
                "Name": update.table,
                "TableType": "EXTERNAL_TABLE",
                "Parameters": { "classification": update.format.classification() },
                "StorageDescriptor": sd,
                "PartitionKeys": keys,
            });
            calls.push((
                "CreateTable".to_string(),
                json!({ "DatabaseName": update.database, "TableInput": input }),
            ));
            sd
        }
        Some(table) => {
            let mut sd = table
                .get("StorageDescriptor")
                .cloned()
                .unwrap_or_else(|| update.format.storage_descriptor(&location, vec![]));
            let current = sd.get("Columns").cloned().unwrap_or(json!([]));
            let columns = merge_columns(&current, columns);
            if update.update_schema && !same_columns(&current, &columns) {
                sd["Columns"] = Value::Array(columns);
                let mut input = crate::catalog::table_input(&table);
                input["StorageDescriptor"] = sd.clone();
                let mut request = json!({ "DatabaseName": update.database, "TableInput": input });
                if let Some(version) = table.get("VersionId") {
                    request["VersionId"] = version.clone();
                }
                calls.push(("UpdateTable".to_string(), request));
            }
            sd
        }
    };
    let existed = calls.first().is_none_or(|(op, _)| op != "CreateTable");
    calls.extend(new_partitions(client, node, update, &sd, files, existed).await?);
    Ok(calls)
}

/// Data columns and partition keys of the written schema, as catalog columns.
fn columns(update: &CatalogUpdate) -> (Vec<Value>, Vec<Value>) {
    let Some(schema) = &update.schema else {
        return (vec![], vec![]);
    };
    let column = |f: &datafusion::arrow::datatypes::Field| json!({ "Name": f.name(), "Type": hive_type(f.data_type()) });
    let data = schema
        .fields()
        .iter()
        .filter(|f| !update.partition_keys.contains(f.name()))
        .map(|f| column(f))
        .collect();
    let keys = update
        .partition_keys
        .iter()
        .map(|k| {
            schema
                .field_with_name(k)
                .map(&column)
                .unwrap_or_else(|_| json!({ "Name": k, "Type": "string" }))
        })
        .collect();
    (data, keys)
}

/// The table's columns after a write: its columns in their order, typed as written (a column
/// written as `void` — only nulls, or no rows — keeps its type), then the written columns it
/// did not have. Columns the write lacks are kept: a job never drops a column from the table.
fn merge_columns(current: &Value, written: Vec<Value>) -> Vec<Value> {
    let name = |c: &Value| c["Name"].as_str().unwrap_or_default().to_lowercase();
    let mut merged: Vec<Value> = current.as_array().cloned().unwrap_or_default();
    for column in written {
        match merged.iter_mut().find(|c| name(c) == name(&column)) {
            Some(c) if column["Type"] != "void" => c["Type"] = column["Type"].clone(),
            Some(_) => {}
            None => merged.push(column),
        }
    }
    merged
}

fn same_columns(current: &Value, written: &[Value]) -> bool {
    let pairs = |cols: &[Value]| -> Vec<(String, String)> {
        cols.iter()
            .map(|c| {
                (
                    c["Name"].as_str().unwrap_or_default().to_lowercase(),
                    c["Type"].as_str().unwrap_or_default().to_lowercase(),
                )
            })
            .collect()
    };
    pairs(current.as_array().map(Vec::as_slice).unwrap_or(&[])) == pairs(written)
}

/// `BatchCreatePartition` calls for the partitions the run wrote (`k1=v1/k2=v2/file`) that the
/// table does not have yet (`table_exists`: else every one is new).
async fn new_partitions(
    client: &dyn CatalogClient,
    node: &str,
    update: &CatalogUpdate,
    sd: &Value,
    files: &[String],
    table_exists: bool,
) -> Result<Vec<(String, Value)>> {
    if update.partition_keys.is_empty() {
        return Ok(vec![]);
    }
    let mut written: BTreeSet<Vec<String>> = files
        .iter()
        .filter_map(|f| partition_values(f, &update.partition_keys))
        .collect();
    if table_exists {
        let listed: Vec<Vec<String>> = written.iter().cloned().collect();
        for chunk in listed.chunks(1000) {
            let wanted: Vec<Value> = chunk.iter().map(|v| json!({ "Values": v })).collect();
            let request = json!({ "DatabaseName": update.database, "TableName": update.table, "PartitionsToGet": wanted });
            let response = catalog::call(client, node, "BatchGetPartition", request).await?;
            for p in response["Partitions"].as_array().into_iter().flatten() {
                written.remove(&crate::job::graph::strings(p.get("Values")));
            }
        }
    }
    let base = update.location.trim_end_matches('/').to_string();
    let inputs: Vec<Value> = written
        .into_iter()
        .map(|values| {
            let dir: Vec<String> = update
                .partition_keys
                .iter()
                .zip(&values)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let mut partition_sd = sd.clone();
            partition_sd["Location"] = json!(format!("{base}/{}/", dir.join("/")));
            json!({ "Values": values, "StorageDescriptor": partition_sd })
        })
        .collect();
    Ok(inputs
        .chunks(100)
        .map(|chunk| {
            (
                "BatchCreatePartition".to_string(),
                json!({ "DatabaseName": update.database, "TableName": update.table, "PartitionInputList": chunk }),
            )
        })
        .collect())
}

/// The partition values of a written file's relative path, in key order.
fn partition_values(file: &str, keys: &[String]) -> Option<Vec<String>> {
    let dirs: Vec<&str> = file.split('/').collect();
    keys.iter()
        .map(|k| {
            dirs.iter()
                .find_map(|d| d.strip_prefix(&format!("{k}=")).map(percent_decode))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_come_from_hive_style_paths() {
        let keys = vec!["year".to_string(), "region".to_string()];
        assert_eq!(
            partition_values("year=2024/region=eu%2Dwest/part-0.parquet", &keys),
            Some(vec!["2024".into(), "eu-west".into()])
        );
        assert_eq!(partition_values("part-0.parquet", &keys), None);
    }
}
