//! A catalog table as a DataFusion table. [`GlueTable`] reads a Glue table in its format
//! (from its `StorageDescriptor`), with its partitions as the catalog lists them: each
//! partition's own `Location` and values, whatever the folder layout (Hive-style `key=value/`
//! folders or not). Filters on partition keys prune partitions twice: the part that Glue's
//! expression language can say is sent to `GetPartitions` (so partition indexes serve it), and
//! every partition-key filter is then evaluated exactly on the returned values.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, BooleanArray, RecordBatch};
use datafusion::arrow::datatypes::{Field, FieldRef, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{project_schema, DFSchema, DataFusionError, ScalarValue};
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::union::UnionExec;
use datafusion::physical_plan::ExecutionPlan;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use serde_json::{json, Value};
use url::Url;

use crate::catalog::CatalogClient;
use crate::error::CatalogCallFailed;
use crate::formats::TableFormat;
use crate::grok::Grok;
use crate::job::files;
use crate::job::scan::naming_files;
use crate::partition_filter;
use crate::stores::{self, path_url, StoreSettings};
use weir_spark::types::arrow_type;

type DfResult<T> = datafusion::error::Result<T>;

/// Hive's name for a null partition value.
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// How many partition locations are listed at once.
const LISTING_CONCURRENCY: usize = 16;

/// A Glue catalog table, readable by DataFusion.
pub struct GlueTable {
    client: Arc<dyn CatalogClient>,
    stores: StoreSettings,
    database: String,
    name: String,
    format: TableFormat,
    /// The pattern of a grok table, compiled.
    grok: Option<Arc<Grok>>,
    /// `Parameters.compressionType` (text formats), when the table says.
    compression: Option<FileCompressionType>,
    location: Url,
    file_schema: SchemaRef,
    partition_keys: Vec<partition_filter::Key>,
    schema: SchemaRef,
}

/// One partition to read: where its files are and its values, typed.
struct Part {
    location: Url,
    values: Vec<ScalarValue>,
}

impl std::fmt::Debug for GlueTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GlueTable({}.{})", self.database, self.name)
    }
}

impl GlueTable {
    /// The table of a `GetTable` response's `Table`. Errors say why the table cannot be read.
    pub fn new(
        client: Arc<dyn CatalogClient>,
        stores: StoreSettings,
        table: &Value,
    ) -> Result<Self, String> {
        let text = |k: &str| table.get(k).and_then(Value::as_str).unwrap_or_default();
        let (database, name) = (text("DatabaseName").to_string(), text("Name").to_string());
        if text("TableType").eq_ignore_ascii_case("VIRTUAL_VIEW") {
            return Err("it is a view (views read through `sql_catalog::table_provider`)".into());
        }
        let location = table
            .pointer("/StorageDescriptor/Location")
            .and_then(Value::as_str)
            .filter(|l| !l.is_empty())
            .ok_or("it has no StorageDescriptor.Location")?;
        let location = path_url(location).map_err(|e| e.to_string())?;
        let format = TableFormat::of_table(table)?;
        let grok = readable(&format)?;
        let compression = table
            .pointer("/Parameters/compressionType")
            .and_then(Value::as_str)
            .and_then(compression_named);
        let data = fields(table.pointer("/StorageDescriptor/Columns"))?;
        let keys = fields(table.get("PartitionKeys"))?;
        let partition_keys = keys
            .iter()
            .map(|(f, hive)| partition_filter::Key {
                name: f.name().clone(),
                hive_type: hive.clone(),
                data_type: f.data_type().clone(),
            })
            .collect();
        let file_schema = Arc::new(Schema::new(
            data.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>(),
        ));
        let schema = Arc::new(Schema::new(
            data.into_iter()
                .chain(keys)
                .map(|(f, _)| f)
                .collect::<Vec<_>>(),
        ));
        Ok(Self {
            client,
            stores,
            database,
            name,
            format,
            grok,
            compression,
            location,
            file_schema,
            partition_keys,
            schema,
        })
    }

    fn partition_names(&self) -> Vec<&str> {
        self.partition_keys
            .iter()
            .map(|k| k.name.as_str())
            .collect()
    }

    fn error(&self, message: impl std::fmt::Display) -> DataFusionError {
        DataFusionError::Plan(format!("table {}.{}: {message}", self.database, self.name))
    }

    /// The partitions to read: all of them for an unpartitioned table (its location), else the
    /// catalog's partitions that the partition-key filters keep.
    async fn parts(&self, state: &dyn Session, filters: &[Expr]) -> DfResult<Vec<Part>> {
        if self.partition_keys.is_empty() {
            return Ok(vec![Part {
                location: self.location.clone(),
                values: vec![],
            }]);
        }
        let names = self.partition_names();
        let pruning: Vec<Expr> = filters
            .iter()
            .filter(|f| partition_filter::only_on(f, &names))
            .map(|f| unnormalize_col(f.clone()))
            .collect();
        let expression = partition_filter::glue_expression(&pruning, &self.partition_keys);
        let listed = match self.get_partitions(expression.as_deref()).await {
            Err(e) if expression.is_some() => {
                tracing::debug!(error = %e, ?expression, "GetPartitions refused the expression; listing all partitions");
                self.get_partitions(None).await?
            }
            other => other?,
        };
        let mut parts = Vec::with_capacity(listed.len());
        for (values, location) in listed {
            parts.push(self.part(values, location)?);
        }
        if pruning.is_empty() || parts.is_empty() {
            return Ok(parts);
        }
        let keep = self.evaluate(state, &pruning, &parts)?;
        Ok(parts
            .into_iter()
            .zip(keep)
            .filter_map(|(p, k)| k.then_some(p))
            .collect())
    }

    /// Every partition `GetPartitions` returns for the expression: (values, location).
    async fn get_partitions(
        &self,
        expression: Option<&str>,
    ) -> DfResult<Vec<(Vec<String>, String)>> {
        let mut found = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut request = json!({ "DatabaseName": self.database, "TableName": self.name });
            if let Some(e) = expression {
                request["Expression"] = json!(e);
            }
            if let Some(token) = &next {
                request["NextToken"] = json!(token);
            }
            let response = self
                .client
                .call("GetPartitions", request)
                .await
                .map_err(|e| {
                    let context = format!("table {}.{}: GetPartitions", self.database, self.name);
                    CatalogCallFailed::datafusion(context, e)
                })?;
            for p in response["Partitions"].as_array().into_iter().flatten() {
                let values = p["Values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect();
                let location = p
                    .pointer("/StorageDescriptor/Location")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                found.push((values, location));
            }
            match response["NextToken"].as_str() {
                Some(t) if !t.is_empty() => next = Some(t.to_string()),
                _ => return Ok(found),
            }
        }
    }

    /// A catalog partition as a part: values converted to the keys' types, its location (the
    /// Hive-style folder under the table's location when the partition has none).
    fn part(&self, values: Vec<String>, location: String) -> DfResult<Part> {
        if values.len() != self.partition_keys.len() {
            return Err(self.error(format!(
                "partition {values:?} has {} values for {} partition keys",
                values.len(),
                self.partition_keys.len()
            )));
        }
        let location = if location.is_empty() {
            let dirs: Vec<String> = self
                .partition_keys
                .iter()
                .zip(&values)
                .map(|(k, v)| format!("{}={v}", k.name))
                .collect();
            format!(
                "{}/{}/",
                self.location.as_str().trim_end_matches('/'),
                dirs.join("/")
            )
        } else {
            location
        };
        let typed = self
            .partition_keys
            .iter()
            .zip(values)
            .map(|(k, v)| {
                if v == NULL_PARTITION {
                    return ScalarValue::try_from(&k.data_type);
                }
                ScalarValue::try_from_string(v.clone(), &k.data_type).map_err(|_| {
                    self.error(format!(
                        "partition value '{v}' of key {} is not a {}",
                        k.name, k.hive_type
                    ))
                })
            })
            .collect::<DfResult<Vec<_>>>()?;
        Ok(Part {
            location: path_url(&location).map_err(|e| self.error(e))?,
            values: typed,
        })
    }

    /// Which parts every filter keeps (filters are on partition keys only).
    fn evaluate(
        &self,
        state: &dyn Session,
        filters: &[Expr],
        parts: &[Part],
    ) -> DfResult<Vec<bool>> {
        let fields: Vec<Field> = self
            .partition_keys
            .iter()
            .map(|k| Field::new(&k.name, k.data_type.clone(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let columns = (0..self.partition_keys.len())
            .map(|i| ScalarValue::iter_to_array(parts.iter().map(|p| p.values[i].clone())))
            .collect::<DfResult<Vec<_>>>()?;
        let batch = RecordBatch::try_new(schema.clone(), columns)?;
        let df_schema = DFSchema::try_from(schema.as_ref().clone())?;
        let mut keep = vec![true; parts.len()];
        for filter in filters {
            let result = state
                .create_physical_expr(filter.clone(), &df_schema)?
                .evaluate(&batch)?
                .into_array(parts.len())?;
            let mask = result
                .as_any()
                .downcast_ref::<BooleanArray>()
                .ok_or_else(|| self.error(format!("filter {filter} is not a predicate")))?;
            for (i, k) in keep.iter_mut().enumerate() {
                *k &= mask.is_valid(i) && mask.value(i);
            }
        }
        Ok(keep)
    }

    /// The data files of the parts, with their partition values, grouped by object store and
    /// compression (one file scan each).
    async fn files(
        &self,
        state: &dyn Session,
        parts: Vec<Part>,
    ) -> DfResult<BTreeMap<(String, CompressionKey), Vec<PartitionedFile>>> {
        for p in &parts {
            stores::ensure_store(state.runtime_env(), &self.stores, &p.location)
                .map_err(|e| self.error(e))?;
        }
        let listed: Vec<(Part, Vec<object_store::ObjectMeta>)> = futures::stream::iter(parts)
            .map(|p| async move {
                let files = list_data_files(state, &p.location).await?;
                Ok::<_, DataFusionError>((p, files))
            })
            .buffered(LISTING_CONCURRENCY)
            .try_collect()
            .await?;
        let mut groups: BTreeMap<(String, CompressionKey), Vec<PartitionedFile>> = BTreeMap::new();
        for (part, files) in listed {
            let store = store_root(&part.location);
            let objects = state
                .runtime_env()
                .object_store(ObjectStoreUrl::parse(&store)?)?;
            for meta in files {
                // Parquet, Avro and ORC compress inside the file; text files say it by suffix
                // or content.
                let compression = match (&self.format, self.compression) {
                    (format, _) if !format.is_text() => FileCompressionType::UNCOMPRESSED,
                    (_, Some(c)) => c,
                    (_, None) => files::detect_compression(objects.as_ref(), &meta)
                        .await
                        .map_err(|e| self.error(e))?,
                };
                groups
                    .entry((store.clone(), CompressionKey(compression)))
                    .or_default()
                    .push(
                        PartitionedFile::new_from_meta(meta)
                            .with_partition_values(part.values.clone()),
                    );
            }
        }
        Ok(groups)
    }

    fn file_format(
        &self,
        state: &dyn Session,
        compression: FileCompressionType,
    ) -> DfResult<Arc<dyn FileFormat>> {
        let options = state.table_options();
        Ok(match &self.format {
            TableFormat::Parquet => {
                Arc::new(ParquetFormat::default().with_options(options.parquet.clone()))
            }
            TableFormat::Avro => Arc::new(crate::avro::format()),
            TableFormat::Orc => Arc::new(crate::orc::format()),
            TableFormat::Json { json_path } => Arc::new(
                JsonFormat::default()
                    .with_options(options.json.clone())
                    .with_newline_delimited(json_path.as_deref() != Some(ARRAY_ITEMS))
                    .with_file_compression_type(compression),
            ),
            TableFormat::Grok { .. } => {
                let grok = self
                    .grok
                    .clone()
                    .ok_or_else(|| self.error("its grok pattern was not compiled"))?;
                Arc::new(crate::grok::lines::format(grok, compression))
            }
            TableFormat::Xml { row_tag, .. } => {
                Arc::new(crate::xml::rows::format(row_tag, compression))
            }
            TableFormat::Csv {
                delimiter,
                header,
                quote,
                escape,
            } => Arc::new(
                CsvFormat::default()
                    .with_options(options.csv.clone())
                    .with_has_header(*header)
                    .with_delimiter(*delimiter)
                    .with_quote(*quote)
                    .with_escape(*escape)
                    .with_file_compression_type(compression),
            ),
        })
    }
}

/// The JSON path of records that are the items of a top-level array.
const ARRAY_ITEMS: &str = "$[*]";

/// Whether Weir reads tables of `format`, and the compiled pattern of a grok table.
fn readable(format: &TableFormat) -> Result<Option<Arc<Grok>>, String> {
    match format {
        TableFormat::Grok {
            pattern,
            custom_patterns,
            ..
        } => Grok::compile(pattern, custom_patterns.as_deref())
            .map(|g| Some(Arc::new(g)))
            .map_err(|e| format!("its grok pattern cannot be used: {e}")),
        TableFormat::Json {
            json_path: Some(path),
        } if path != "$" && path != ARRAY_ITEMS => Err(format!(
            "its jsonPath is '{path}': Weir reads JSON tables of one document a line ($) or of top-level arrays ($[*]), not records below the top level"
        )),
        _ => Ok(None),
    }
}

#[async_trait]
impl TableProvider for GlueTable {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        let names = self.partition_names();
        Ok(filters
            .iter()
            .map(|f| {
                if partition_filter::only_on(f, &names) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let file_schema = self.file_schema.clone();
        let parts = self.parts(state, filters).await?;
        let groups = self.files(state, parts).await?;
        let target_partitions = state.config_options().execution.target_partitions;
        let partition_fields: Vec<FieldRef> = self
            .partition_keys
            .iter()
            .map(|k| Arc::new(Field::new(&k.name, k.data_type.clone(), true)))
            .collect();
        let mut plans = Vec::with_capacity(groups.len());
        for ((store, compression), files) in groups {
            let format = self.file_format(state, compression.0)?;
            let source = format.file_source(TableSchema::new(
                file_schema.clone(),
                partition_fields.clone(),
            ));
            // A compressed file is not split into byte ranges.
            let config = FileScanConfigBuilder::new(ObjectStoreUrl::parse(&store)?, source)
                .with_file_compression_type(compression.0)
                .with_file_groups(FileGroup::new(files).split_files(target_partitions))
                .with_projection_indices(projection.cloned())?
                .with_limit(limit)
                .build();
            let plan = format.create_physical_plan(state, config).await?;
            plans.push(naming_files(plan, &format!("{store}/")));
        }
        if plans.is_empty() {
            return Ok(Arc::new(EmptyExec::new(project_schema(
                &self.schema,
                projection,
            )?)));
        }
        UnionExec::try_new(plans)
    }
}

/// A compression type usable as a map key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CompressionKey(FileCompressionType);

impl CompressionKey {
    fn rank(&self) -> u8 {
        match self.0 {
            FileCompressionType::UNCOMPRESSED => 0,
            FileCompressionType::GZIP => 1,
            FileCompressionType::BZIP2 => 2,
            FileCompressionType::XZ => 3,
            FileCompressionType::ZSTD => 4,
        }
    }
}

impl PartialOrd for CompressionKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CompressionKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// `scheme://authority` of a URL: the object store it is in.
fn store_root(url: &Url) -> String {
    format!("{}://{}", url.scheme(), url.authority())
}

fn compression_named(name: &str) -> Option<FileCompressionType> {
    Some(match name.to_ascii_lowercase().as_str() {
        "gz" | "gzip" => FileCompressionType::GZIP,
        "bz2" | "bzip2" => FileCompressionType::BZIP2,
        "zst" | "zstd" => FileCompressionType::ZSTD,
        "none" | "uncompressed" => FileCompressionType::UNCOMPRESSED,
        _ => return None,
    })
}

/// The data files under a location: every non-empty object below it, leaving out Hadoop's
/// hidden and marker files and Weir's staging folders (`files::hidden`).
async fn list_data_files(
    state: &dyn Session,
    location: &Url,
) -> DfResult<Vec<object_store::ObjectMeta>> {
    let store = state
        .runtime_env()
        .object_store(ObjectStoreUrl::parse(store_root(location))?)?;
    let prefix = Path::from_url_path(location.path())?;
    let depth = prefix.parts().count();
    let mut files: Vec<object_store::ObjectMeta> = store
        .list(Some(&prefix))
        .try_filter(|m| {
            let relative: Vec<String> = m
                .location
                .parts()
                .skip(depth)
                .map(|p| p.as_ref().to_string())
                .collect();
            futures::future::ready(m.size > 0 && !files::hidden(&relative.join("/")))
        })
        .try_collect()
        .await?;
    files.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(files)
}

/// Arrow fields of catalog columns (`[{Name, Type}]`) with their Hive type names.
fn fields(list: Option<&Value>) -> Result<Vec<(Field, String)>, String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let name = c.get("Name").and_then(Value::as_str).unwrap_or_default();
            let hive = c.get("Type").and_then(Value::as_str).unwrap_or("string");
            let t = arrow_type(hive).ok_or_else(|| {
                format!("column {name} has type '{hive}', which Weir does not know")
            })?;
            Ok((Field::new(name, t, true), hive.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_weir_cannot_read_are_refused_saying_why() {
        let deep = TableFormat::Json {
            json_path: Some("$.records[*]".into()),
        };
        let err = readable(&deep).unwrap_err();
        assert!(err.contains("jsonPath is '$.records[*]'"), "{err}");
        for path in [None, Some("$"), Some("$[*]")] {
            let json = TableFormat::Json {
                json_path: path.map(String::from),
            };
            assert!(readable(&json).unwrap().is_none());
        }
        let grok = |pattern: &str| TableFormat::Grok {
            classification: "logs".into(),
            pattern: pattern.into(),
            custom_patterns: None,
        };
        let err = readable(&grok("%{NOPE:x}")).unwrap_err();
        assert!(
            err.starts_with("its grok pattern cannot be used: %{NOPE}"),
            "{err}"
        );
        assert!(readable(&grok("%{WORD:w}")).unwrap().is_some());
    }
}
