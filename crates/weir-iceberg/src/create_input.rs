//! Glue's `CreateTable` with `OpenTableFormatInput.IcebergInput` (`MetadataOperation` CREATE):
//! Weir creates the Iceberg table itself — its first metadata file under the input's location
//! (else the database's, else the warehouse's), its schema from the input's columns (Hive
//! types), identity partitions on its partition keys, its parameters as table properties, format
//! version `Version` (default 2) — and registers it as Iceberg's Glue catalog does.

use std::collections::HashMap;

use datafusion::arrow::datatypes::{Field, Schema as ArrowSchema};
use iceberg::arrow::arrow_schema_to_schema_auto_assign_ids;
use iceberg::spec::{FormatVersion, Transform, UnboundPartitionSpec};
use iceberg::{NamespaceIdent, TableCreation};
use serde_json::Value;
use weir_engine::catalog::CatalogClient;

use crate::error::{Error, Result};
use crate::tables::Tables;

/// Whether a `CreateTable` request asks for an Iceberg table to be created.
pub fn is_iceberg_create(request: &Value) -> bool {
    request
        .pointer("/OpenTableFormatInput/IcebergInput")
        .is_some_and(|i| !i.is_null())
}

/// Creates the Iceberg table a `CreateTable` request describes.
pub async fn create_from_input(
    tables: &Tables,
    client: &dyn CatalogClient,
    request: &Value,
) -> Result<()> {
    let iceberg = &request["OpenTableFormatInput"]["IcebergInput"];
    if iceberg["MetadataOperation"].as_str() != Some("CREATE") {
        return Err(Error::bad_request(
            "IcebergInput.MetadataOperation must be CREATE",
        ));
    }
    let format_version = match iceberg["Version"].as_str().unwrap_or("2") {
        "1" => FormatVersion::V1,
        "2" => FormatVersion::V2,
        "3" => FormatVersion::V3,
        other => {
            return Err(Error::bad_request(format!(
                "IcebergInput.Version {other} is not an Iceberg format version (1, 2 or 3)"
            )))
        }
    };
    let database = request["DatabaseName"].as_str().unwrap_or_default();
    let input = &request["TableInput"];
    let name = input["Name"].as_str().unwrap_or_default().to_lowercase();
    let columns = input
        .pointer("/StorageDescriptor/Columns")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let keys = input["PartitionKeys"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let fields = columns
        .iter()
        .chain(&keys)
        .map(|c| {
            let column = c["Name"].as_str().unwrap_or_default();
            let hive = c["Type"].as_str().unwrap_or_default();
            let data_type = weir_spark::types::arrow_type_keeping_names(hive).ok_or_else(|| {
                Error::bad_request(format!(
                    "column {column}: type '{hive}' is not a Hive type Weir reads"
                ))
            })?;
            Ok(Field::new(column, data_type, true))
        })
        .collect::<Result<Vec<_>>>()?;
    let schema = arrow_schema_to_schema_auto_assign_ids(&ArrowSchema::new(fields))?;
    let mut spec = UnboundPartitionSpec::builder().with_spec_id(0);
    for key in &keys {
        let column = key["Name"].as_str().unwrap_or_default();
        let id = schema
            .field_by_name(column)
            .map(|f| f.id)
            .unwrap_or_default();
        spec = spec.add_partition_field(id, column, Transform::Identity)?;
    }
    let properties: HashMap<String, String> = input["Parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .filter(|(k, _)| !crate::glue::is_catalog_parameter(k))
        .collect();
    let location = input
        .pointer("/StorageDescriptor/Location")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_end_matches('/').to_string());
    let creation = TableCreation {
        name,
        location,
        schema,
        partition_spec: Some(spec.build()),
        sort_order: None,
        properties,
        format_version,
    };
    tables
        .create(
            client,
            &NamespaceIdent::new(database.to_lowercase()),
            creation,
        )
        .await?;
    Ok(())
}
