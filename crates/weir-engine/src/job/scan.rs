//! A DataFusion table over an explicit list of files (what [`super::files`] listed), in one
//! format and one compression. Unlike a `ListingTable` over file URLs it needs no request per
//! file to plan, and its scans say which file failed: a read error is reported as
//! `reading <file URL>: <error>` (CSV and JSON; Parquet scans are left as DataFusion plans
//! them).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use std::collections::HashMap;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::Statistics;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{
    FileGroup, FileOpenFuture, FileOpener, FileScanConfig, FileScanConfigBuilder, FileSource,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::datasource::TableType;
use datafusion::datasource::{provider_as_source, source_as_provider};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_expr::projection::ProjectionExprs;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::{DisplayFormatType, ExecutionPlan};
use datafusion::prelude::DataFrame;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStore;

use crate::job::files::{file_url, StoreFiles};

/// Files of one store read in one format.
#[derive(Debug)]
pub struct FileListTable {
    format: Arc<dyn FileFormat>,
    files: StoreFiles,
    schema: SchemaRef,
}

impl FileListTable {
    /// Infers the schema of the files. When inference fails, the error names the first file
    /// that fails on its own.
    pub async fn try_new(
        ctx: &SessionContext,
        format: Arc<dyn FileFormat>,
        files: StoreFiles,
    ) -> Result<Self> {
        let state = ctx.state();
        let schema = match format
            .infer_schema(&state, &files.store, &files.files)
            .await
        {
            Ok(schema) => schema,
            Err(e) => return Err(culprit(&state, format.as_ref(), &files, e).await),
        };
        Ok(Self {
            format,
            files,
            schema,
        })
    }
}

/// `df` with its CSV columns named in `types` read as those types (the CSV reader parses them
/// directly), when `df` is a plain scan of CSV files ([`FileListTable`]), or such a scan with
/// its columns renamed (a headerless CSV source's `col0`, `col1`, …); else `None`.
pub fn with_csv_column_types(
    df: &DataFrame,
    types: &HashMap<String, DataType>,
) -> Option<Result<DataFrame>> {
    let (state, _) = df.clone().into_parts();
    let plan = match df.logical_plan() {
        LogicalPlan::TableScan(scan) => retyped_scan(scan, types)?,
        LogicalPlan::Projection(projection) => {
            let LogicalPlan::TableScan(scan) = projection.input.as_ref() else {
                return None;
            };
            // Only renames: each output column is an input column.
            let mut scan_types = HashMap::new();
            for (expr, field) in projection.expr.iter().zip(projection.schema.fields()) {
                let column = match expr {
                    Expr::Column(c) => c,
                    Expr::Alias(a) => match a.expr.as_ref() {
                        Expr::Column(c) => c,
                        _ => return None,
                    },
                    _ => return None,
                };
                if let Some(t) = types.get(field.name()) {
                    scan_types.insert(column.name.clone(), t.clone());
                }
            }
            retyped_scan(scan, &scan_types)?.and_then(|scan| {
                LogicalPlanBuilder::from(scan)
                    .project(projection.expr.clone())?
                    .build()
            })
        }
        _ => return None,
    };
    Some(plan.map(|plan| DataFrame::new(state, plan)))
}

/// The plan of `scan` with the named columns retyped, when it is a plain scan of CSV files.
fn retyped_scan(
    scan: &datafusion::logical_expr::TableScan,
    types: &HashMap<String, DataType>,
) -> Option<Result<LogicalPlan>> {
    if scan.projection.is_some() || !scan.filters.is_empty() || scan.fetch.is_some() {
        return None;
    }
    let (table, rewrap) = crate::metrics::observed(&source_as_provider(&scan.source).ok()?);
    let table = table.as_any().downcast_ref::<FileListTable>()?;
    if table.format.get_ext() != "csv" {
        return None;
    }
    let fields: Vec<Field> = table
        .schema
        .fields()
        .iter()
        .map(|f| match types.get(f.name()) {
            Some(t) => f.as_ref().clone().with_data_type(t.clone()),
            None => f.as_ref().clone(),
        })
        .collect();
    let retyped = rewrap(Arc::new(FileListTable {
        format: table.format.clone(),
        files: table.files.clone(),
        schema: Arc::new(Schema::new(fields)),
    }));
    Some(
        LogicalPlanBuilder::scan(scan.table_name.clone(), provider_as_source(retyped), None)
            .and_then(|b| b.build()),
    )
}

/// The error of the first file whose schema cannot be inferred alone, naming it; else `error`.
async fn culprit(
    state: &dyn Session,
    format: &dyn FileFormat,
    files: &StoreFiles,
    error: DataFusionError,
) -> DataFusionError {
    for meta in &files.files {
        let one = std::slice::from_ref(meta);
        if let Err(e) = format.infer_schema(state, &files.store, one).await {
            return reading(&files.url_of(meta), e);
        }
    }
    error
}

/// An error while reading `url`, naming it (DataFusion's CSV errors name the file's path
/// already, and are left as they are).
fn reading(url: &str, e: DataFusionError) -> DataFusionError {
    DataFusionError::Execution(format!("reading {url}: {e}"))
}

type ScanFuture<'a> = Pin<Box<dyn Future<Output = Result<Arc<dyn ExecutionPlan>>> + Send + 'a>>;

impl TableProvider for FileListTable {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    // The `async fn` of the trait, written out (the crate does not use the async-trait macro).
    fn scan<'life0, 'life1, 'life2, 'life3, 'async_trait>(
        &'life0 self,
        state: &'life1 dyn Session,
        projection: Option<&'life2 Vec<usize>>,
        _filters: &'life3 [Expr],
        limit: Option<usize>,
    ) -> ScanFuture<'async_trait>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        'life3: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let partitions = state.config_options().execution.target_partitions.max(1);
            let files: Vec<PartitionedFile> = self
                .files
                .files
                .iter()
                .cloned()
                .map(PartitionedFile::from)
                .collect();
            let source = self
                .format
                .file_source(TableSchema::from_file_schema(self.schema.clone()));
            let batch_size = (source.file_type() == "csv")
                .then(|| crate::job::bulk_batch_rows(state.config_options()));
            let config = FileScanConfigBuilder::new(self.files.store_url.clone(), source)
                .with_batch_size(batch_size)
                .with_file_groups(FileGroup::new(files).split_files(partitions))
                .with_statistics(Statistics::new_unknown(&self.schema))
                .with_projection_indices(projection.cloned())?
                .with_limit(limit)
                .build();
            let plan = self.format.create_physical_plan(state, config).await?;
            Ok(naming_files(plan, &self.files.shown_as))
        })
    }
}

/// Wraps the file source of a file scan so that its read errors name the file (`shown_as`: the
/// store's URL, ending in `/`).
pub(crate) fn naming_files(plan: Arc<dyn ExecutionPlan>, shown_as: &str) -> Arc<dyn ExecutionPlan> {
    let Some(config) = plan
        .as_any()
        .downcast_ref::<DataSourceExec>()
        .and_then(|exec| exec.data_source().as_any().downcast_ref::<FileScanConfig>())
    else {
        return plan;
    };
    // Parquet sources take pushed-down predicates (row-group pruning) through methods a
    // wrapper would hide; their errors come from Parquet metadata rather than lines.
    if config.file_source().file_type() == "parquet" {
        return plan;
    }
    let source = NamedFiles::wrap(config.file_source().clone(), shown_as);
    let config = FileScanConfigBuilder::from(config.clone())
        .with_source(source)
        .build();
    DataSourceExec::from_data_source(config)
}

/// A file source whose openers name the file in their errors (as `shown_as` + its path). CSV
/// whose options and columns Weir's own reader handles is read with it ([`crate::plain_csv`]).
#[derive(Clone)]
struct NamedFiles {
    inner: Arc<dyn FileSource>,
    shown_as: Arc<str>,
}

impl NamedFiles {
    fn wrap(inner: Arc<dyn FileSource>, shown_as: &str) -> Arc<dyn FileSource> {
        Arc::new(Self {
            inner,
            shown_as: shown_as.into(),
        })
    }

    fn rewrap(&self, inner: Arc<dyn FileSource>) -> Arc<dyn FileSource> {
        Arc::new(Self {
            inner,
            ..self.clone()
        })
    }
}

impl FileSource for NamedFiles {
    fn create_file_opener(
        &self,
        object_store: Arc<dyn ObjectStore>,
        base_config: &FileScanConfig,
        partition: usize,
    ) -> Result<Arc<dyn FileOpener>> {
        let inner = match crate::plain_csv::opener(&self.inner, object_store.clone(), base_config)?
        {
            Some(plain) => plain,
            None => self
                .inner
                .create_file_opener(object_store, base_config, partition)?,
        };
        Ok(Arc::new(NamedOpener {
            inner,
            shown_as: self.shown_as.clone(),
        }))
    }

    /// The wrapped source's, so that formats recognise their own source.
    fn as_any(&self) -> &dyn Any {
        self.inner.as_any()
    }

    fn table_schema(&self) -> &TableSchema {
        self.inner.table_schema()
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        self.rewrap(self.inner.with_batch_size(batch_size))
    }

    fn filter(&self) -> Option<Arc<dyn datafusion::physical_expr::PhysicalExpr>> {
        self.inner.filter()
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        self.inner.projection()
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        self.inner.metrics()
    }

    fn file_type(&self) -> &str {
        self.inner.file_type()
    }

    fn fmt_extra(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        self.inner.fmt_extra(t, f)
    }

    /// The wrapped source's: CSV with newlines in values cannot be split into byte ranges.
    fn supports_repartitioning(&self) -> bool {
        self.inner.supports_repartitioning()
    }

    fn try_pushdown_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> Result<Option<Arc<dyn FileSource>>> {
        Ok(self
            .inner
            .try_pushdown_projection(projection)?
            .map(|inner| self.rewrap(inner)))
    }
}

struct NamedOpener {
    inner: Arc<dyn FileOpener>,
    shown_as: Arc<str>,
}

impl FileOpener for NamedOpener {
    fn open(&self, file: PartitionedFile) -> Result<FileOpenFuture> {
        let url = file_url(&self.shown_as, &file.object_meta);
        let location = file.object_meta.location.to_string();
        let name = move |e: DataFusionError| match e.to_string().contains(&location) {
            true => e,
            false => reading(&url, e),
        };
        let opening = self.inner.open(file).map_err(&name)?;
        Ok(Box::pin(async move {
            let stream = opening.await.map_err(&name)?;
            Ok(stream.map_err(name).boxed())
        }))
    }
}
