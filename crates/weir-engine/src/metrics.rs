//! What a run read, per source node: rows and bytes.
//!
//! Every source's table is wrapped in a [`SourceTable`] that, when DataFusion scans it, records
//! which files the scan reads for which node. After a target's plan has run, [`RunMetrics::add_plan`]
//! walks it: each file scan's `output_rows` and its files' bytes are added to the node that
//! owns those files. The plans themselves are not changed (the wrapper only observes `scan`), so
//! filter, projection and limit push-down and file repartitioning work as without it.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::datasource::physical_plan::FileScanConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::{provider_as_source, source_as_provider};
use datafusion::logical_expr::{Expr, LogicalPlan, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::DataFrame;

type DfResult<T> = datafusion::error::Result<T>;

/// Rows and bytes one source node read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Read {
    pub rows: u64,
    /// Bytes of the files (or file ranges) its scans read.
    pub bytes: u64,
}

/// The run's bookkeeping: which node each scanned file belongs to, and what each node read.
#[derive(Debug, Default)]
pub struct RunMetrics {
    owners: Mutex<HashMap<String, String>>,
    read: Mutex<HashMap<String, Read>>,
}

impl RunMetrics {
    /// `df` with every table it scans attributed to `node`.
    pub fn observe(self: &Arc<Self>, node: &str, df: DataFrame) -> DfResult<DataFrame> {
        let (state, plan) = df.into_parts();
        let plan = plan
            .transform_up(|p| match p {
                LogicalPlan::TableScan(mut scan) => {
                    let inner = source_as_provider(&scan.source)?;
                    scan.source = provider_as_source(Arc::new(SourceTable {
                        inner,
                        node: node.to_string(),
                        metrics: self.clone(),
                    }));
                    Ok(Transformed::yes(LogicalPlan::TableScan(scan)))
                }
                other => Ok(Transformed::no(other)),
            })?
            .data;
        Ok(DataFrame::new(state, plan))
    }

    /// Adds what the file scans of an executed plan read to their nodes.
    pub fn add_plan(&self, plan: &Arc<dyn ExecutionPlan>) {
        if let Some((config, rows)) = file_scan(plan) {
            let owner = config
                .file_groups
                .iter()
                .flat_map(|g| g.iter())
                .find_map(|f| self.owner(f.object_meta.location.as_ref()));
            if let Some(node) = owner {
                let bytes: u64 = config
                    .file_groups
                    .iter()
                    .flat_map(|g| g.iter())
                    .map(|f| match &f.range {
                        Some(r) => (r.end - r.start).max(0) as u64,
                        None => f.object_meta.size,
                    })
                    .sum();
                let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
                let entry = read.entry(node).or_default();
                entry.rows += rows;
                entry.bytes += bytes;
            }
        }
        for child in plan.children() {
            self.add_plan(child);
        }
    }

    /// What `node` has read so far.
    pub fn read_by(&self, node: &str) -> Option<Read> {
        self.read
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(node)
            .copied()
    }

    fn owner(&self, file: &str) -> Option<String> {
        self.owners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(file)
            .cloned()
    }

    fn record(&self, node: &str, plan: &Arc<dyn ExecutionPlan>) {
        if let Some((config, _)) = file_scan(plan) {
            let mut owners = self.owners.lock().unwrap_or_else(|e| e.into_inner());
            for f in config.file_groups.iter().flat_map(|g| g.iter()) {
                owners.insert(f.object_meta.location.to_string(), node.to_string());
            }
        }
        for child in plan.children() {
            self.record(node, child);
        }
    }
}

/// The file scan configuration of a plan node, with the rows it produced (if it ran).
fn file_scan(plan: &Arc<dyn ExecutionPlan>) -> Option<(&FileScanConfig, u64)> {
    let exec = plan.as_any().downcast_ref::<DataSourceExec>()?;
    let config = exec
        .data_source()
        .as_any()
        .downcast_ref::<FileScanConfig>()?;
    let rows = plan
        .metrics()
        .and_then(|m| m.output_rows())
        .unwrap_or_default() as u64;
    Some((config, rows))
}

/// A source's table: scans it as the inner table does and records the files each scan reads.
#[derive(Debug)]
struct SourceTable {
    inner: Arc<dyn TableProvider>,
    node: String,
    metrics: Arc<RunMetrics>,
}

/// Puts a table in the place of another, observed the same way.
pub type Replace = Box<dyn Fn(Arc<dyn TableProvider>) -> Arc<dyn TableProvider>>;

/// The table a source's table observes (itself when it is not one), and a function that puts
/// another table in its place, observed the same way.
pub fn observed(table: &Arc<dyn TableProvider>) -> (Arc<dyn TableProvider>, Replace) {
    match table.as_any().downcast_ref::<SourceTable>() {
        Some(source) => {
            let (node, metrics) = (source.node.clone(), source.metrics.clone());
            let rewrap = move |inner| -> Arc<dyn TableProvider> {
                Arc::new(SourceTable {
                    inner,
                    node: node.clone(),
                    metrics: metrics.clone(),
                })
            };
            (source.inner.clone(), Box::new(rewrap))
        }
        None => (table.clone(), Box::new(|inner| inner)),
    }
}

#[async_trait]
impl TableProvider for SourceTable {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let plan = self.inner.scan(state, projection, filters, limit).await?;
        self.metrics.record(&self.node, &plan);
        Ok(plan)
    }
}
