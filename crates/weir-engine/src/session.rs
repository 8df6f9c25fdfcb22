//! The DataFusion session factory: one [`Engine`] per process, a fresh `SessionContext` per run.

use datafusion::execution::context::SessionContext;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::SessionConfig;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::catalog::CatalogClient;
use crate::error::Result;
use crate::job::extension::{NodeConnector, NodeTransform};
use crate::job::graph::ExtensionTypes;
use crate::short_key_aggregate::ShortKeyAggregateRule;
use crate::stores::{self, AzureConfig, S3Config, StoreSettings};

/// An unpartitioned write goes to one file unless the data outgrows it (DataFusion's default
/// spreads it over at least 4 files): that file's columns are still encoded in parallel, and on
/// 2 cores a 6M-row CSV-to-Parquet job ran 8-10 % faster with half the peak memory. The
/// variable overrides it.
const PARALLEL_OUTPUT_FILES_VAR: &str = "DATAFUSION_EXECUTION_MINIMUM_PARALLEL_OUTPUT_FILES";
/// DataFusion's top-k aggregation (`GROUP BY k ORDER BY k LIMIT n` keeping only n groups while
/// aggregating) leaves out a NULL group that sorts first, which Spark's ascending order always
/// does: `SELECT DISTINCT id … ORDER BY id LIMIT 3` lost its NULL row. Off, unless the variable
/// says otherwise; the query then aggregates every group and sorts the top n.
const TOPK_AGGREGATION_VAR: &str = "DATAFUSION_OPTIMIZER_ENABLE_TOPK_AGGREGATION";
/// DataFusion's `ListingTable` (files read by path) reads every file's footer at planning for
/// column statistics, and DataFusion 53 panics (debug builds) or fails with "Selectivity is
/// out of limit" (release builds) when it estimates a filter over a `bigint` column whose
/// statistics span `i64::MIN..=i64::MAX` (`Interval::cardinality` overflows). Off, as for the
/// sources of jobs (which plan without statistics), unless the variable says otherwise.
const COLLECT_STATISTICS_VAR: &str = "DATAFUSION_EXECUTION_COLLECT_STATISTICS";

/// Engine settings (the `engine` section of Weir's configuration).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// Parallelism of plans; default: the number of cores.
    pub target_partitions: Option<usize>,
    /// Object storage reached through `s3://` paths.
    pub s3: S3Config,
    /// Azure storage reached through `abfss://` (and `az://`) paths.
    pub azure: AzureConfig,
}

/// Creates sessions configured for Weir's jobs, and knows the catalog jobs read and update.
#[derive(Clone, Default)]
pub struct Engine {
    target_partitions: Option<usize>,
    stores: StoreSettings,
    catalog: Option<Arc<dyn CatalogClient>>,
    /// The memory a run's session may use (bytes); beyond it, operators that can spill to disk.
    memory_limit: Option<usize>,
    /// Node types implemented outside the engine.
    transforms: Vec<Arc<dyn NodeTransform>>,
    /// Sources and targets outside object storage.
    connectors: Vec<Arc<dyn NodeConnector>>,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Self {
            target_partitions: config.target_partitions,
            stores: StoreSettings {
                s3: config.s3,
                azure: config.azure,
                ..StoreSettings::default()
            },
            catalog: None,
            memory_limit: None,
            transforms: Vec::new(),
            connectors: Vec::new(),
        }
    }

    /// The same engine, running the node types of `transform` too.
    pub fn with_transform(mut self, transform: Arc<dyn NodeTransform>) -> Self {
        self.transforms.push(transform);
        self
    }

    /// The transform that runs `node_type`, if one was added.
    pub fn transform(&self, node_type: &str) -> Option<&Arc<dyn NodeTransform>> {
        self.transforms
            .iter()
            .find(|t| t.node_types().contains(&node_type))
    }

    /// The same engine, reading and writing the node types of `connector` too.
    pub fn with_connector(mut self, connector: Arc<dyn NodeConnector>) -> Self {
        self.connectors.push(connector);
        self
    }

    /// The connector that reads or writes `node_type`, if one was added.
    pub fn connector(&self, node_type: &str) -> Option<&Arc<dyn NodeConnector>> {
        self.connectors.iter().find(|c| {
            c.source_types().contains(&node_type) || c.target_types().contains(&node_type)
        })
    }

    /// The connector holding a catalog table (GetTable's `Table`), if one was added.
    pub fn connector_holding(&self, table: &Value) -> Option<&Arc<dyn NodeConnector>> {
        self.connectors.iter().find(|c| c.holds_table(table))
    }

    /// The node types the added transforms and connectors run, by role.
    pub fn extension_types(&self) -> ExtensionTypes {
        let all = |f: &dyn Fn(&dyn NodeConnector) -> &'static [&'static str]| {
            self.connectors
                .iter()
                .flat_map(|c| f(c.as_ref()).iter().copied())
                .collect()
        };
        ExtensionTypes {
            sources: all(&|c| c.source_types()),
            transforms: self
                .transforms
                .iter()
                .flat_map(|t| t.node_types().iter().copied())
                .collect(),
            targets: all(&|c| c.target_types()),
        }
    }

    /// The same engine, with each session's memory bounded to `bytes` (DataFusion's fair spill
    /// pool: sorts, aggregations and joins spill to disk past their share, anything else fails
    /// with a "resources exhausted" error).
    pub fn with_memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// The same engine, reaching the buckets in `s3_buckets` with their own settings (a job's
    /// connections).
    pub fn with_s3_buckets(mut self, s3_buckets: BTreeMap<String, S3Config>) -> Self {
        self.stores.s3_buckets.extend(s3_buckets);
        self
    }

    /// The catalog that catalog sources and targets use.
    pub fn with_catalog(mut self, catalog: Arc<dyn CatalogClient>) -> Self {
        self.catalog = Some(catalog);
        self
    }

    pub fn catalog(&self) -> Option<&dyn CatalogClient> {
        self.catalog.as_deref()
    }

    /// The catalog, shared (for table providers that outlive a call).
    pub fn catalog_handle(&self) -> Option<Arc<dyn CatalogClient>> {
        self.catalog.clone()
    }

    /// How object stores are reached.
    pub fn stores(&self) -> &StoreSettings {
        &self.stores
    }

    /// A new session for one run, with Spark's SQL functions and, when the engine has a
    /// catalog, its tables readable from SQL as `database.table`.
    pub fn session(&self) -> Result<SessionContext> {
        // DataFusion's own settings can be tuned through `DATAFUSION_*` environment variables
        // (e.g. `DATAFUSION_EXECUTION_BATCH_SIZE`); Weir's settings come after them.
        let mut config = SessionConfig::from_env()?.with_information_schema(false);
        if std::env::var_os(PARALLEL_OUTPUT_FILES_VAR).is_none() {
            config.options_mut().execution.minimum_parallel_output_files = 1;
        }
        if std::env::var_os(TOPK_AGGREGATION_VAR).is_none() {
            config.options_mut().optimizer.enable_topk_aggregation = false;
        }
        if std::env::var_os(COLLECT_STATISTICS_VAR).is_none() {
            config.options_mut().execution.collect_statistics = false;
        }
        // Spark's SQL: NULLs sort first in ascending order (last in descending); `0.5` is a
        // decimal literal (see `spark::literals`).
        let parser = &mut config.options_mut().sql_parser;
        parser.default_null_ordering = "nulls_min".into();
        parser.parse_float_as_decimal = true;
        if let Some(n) = self.target_partitions {
            config = config.with_target_partitions(n.max(1));
        }
        let mut runtime = RuntimeEnvBuilder::new();
        if let Some(bytes) = self.memory_limit {
            runtime = runtime.with_memory_pool(Arc::new(FairSpillPool::new(bytes)));
        }
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime.build_arc()?)
            .with_default_features()
            .with_physical_optimizer_rule(Arc::new(ShortKeyAggregateRule))
            .build();
        let ctx = SessionContext::new_with_state(state);
        ctx.add_optimizer_rule(weir_spark::decimal_arith::rule());
        ctx.add_optimizer_rule(weir_spark::decimal_literals::rule());
        ctx.add_analyzer_rule(weir_spark::implicit::rule());
        weir_spark::register(&ctx)?;
        if let Some(client) = &self.catalog {
            crate::sql_catalog::register(
                &ctx,
                client.clone(),
                self.stores.clone(),
                self.connectors.clone(),
            );
        }
        Ok(ctx)
    }

    /// The bytes of one object (`s3://…`, `file://…`, a local path, …), e.g. a script.
    pub async fn read_object(&self, path: &str) -> Result<Vec<u8>> {
        use object_store::ObjectStoreExt;
        let url = stores::path_url(path)?;
        let ctx = SessionContext::new();
        self.ensure_store(&ctx, &url)?;
        let root = datafusion::execution::object_store::ObjectStoreUrl::parse(format!(
            "{}://{}",
            url.scheme(),
            url.authority()
        ))?;
        let store = ctx.runtime_env().object_store(root)?;
        let location = object_store::path::Path::from_url_path(url.path())
            .map_err(|e| crate::EngineError::invalid_job(format!("path '{path}': {e}")))?;
        let bytes = store
            .get(&location)
            .await
            .map_err(|e| crate::EngineError::invalid_job(format!("reading {path}: {e}")))?
            .bytes()
            .await
            .map_err(|e| crate::EngineError::invalid_job(format!("reading {path}: {e}")))?;
        Ok(bytes.to_vec())
    }

    /// Makes sure the session can reach the store of `url`.
    pub fn ensure_store(&self, ctx: &SessionContext, url: &Url) -> Result<()> {
        stores::ensure_store(ctx.runtime_env().as_ref(), &self.stores, url)
    }
}
