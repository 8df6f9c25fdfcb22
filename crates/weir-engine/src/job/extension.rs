//! Node types implemented outside the engine: a crate above it (data quality, sensitive data)
//! implements [`NodeTransform`] for its node types, a crate reaching databases implements
//! [`NodeConnector`] for its sources and targets, and the composition root adds them to the
//! [`crate::Engine`] (`with_transform`, `with_connector`). The engine knows only the seam: their
//! node types count as known to the graph, and running one hands it the node and its inputs.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::prelude::{DataFrame, SessionContext};
use serde_json::Value;

use super::bookmark::RunBookmarks;
use super::graph::Node;
use crate::catalog::CatalogClient;
use crate::error::Result;

/// What a transform made of its inputs.
pub struct Applied {
    /// The node's output collection (one frame, or several a `SelectFromCollection` picks from).
    pub outputs: Vec<DataFrame>,
    /// A reason to fail the run once its targets are committed (data quality's
    /// `StopJobOnFailureTiming: AfterDataLoad`): the data is written and the run still fails.
    pub fail_after_commit: Option<String>,
}

/// The run a node is applied in.
pub struct RunContext<'a> {
    pub job_name: &'a str,
    pub run_id: &'a str,
}

pub type TransformFuture<'a> = Pin<Box<dyn Future<Output = Result<Applied>> + Send + 'a>>;

/// A node type implemented outside the engine.
pub trait NodeTransform: Send + Sync {
    /// The node types it runs (names of the Glue model's node shapes).
    fn node_types(&self) -> &'static [&'static str];

    /// The node's outputs from its inputs (in the order of the node's `Inputs`); an error fails
    /// the run before anything is committed.
    fn apply<'a>(
        &'a self,
        ctx: &'a SessionContext,
        node: &'a Node,
        inputs: Vec<Vec<DataFrame>>,
        run: RunContext<'a>,
    ) -> TransformFuture<'a>;
}

/// What a connector is handed for one node.
pub struct ConnectorIo<'a> {
    /// The catalog the run uses: connections and tables are looked up there (shared: a
    /// pending write may commit through it).
    pub catalog: Option<Arc<dyn CatalogClient>>,
    /// The catalog table the node names, when it is a generic catalog node (`CatalogSource`,
    /// `CatalogTarget`) on a table [`NodeConnector::holds_table`] claimed.
    pub table: Option<&'a Value>,
    /// The run's bookmarks (reads only).
    pub bookmarks: Option<&'a RunBookmarks>,
}

impl ConnectorIo<'_> {
    /// The run's catalog, or an error naming the node that needs one.
    pub fn catalog_for(&self, node: &Node) -> Result<Arc<dyn CatalogClient>> {
        self.catalog.clone().ok_or_else(|| {
            crate::EngineError::invalid(
                &node.id,
                format!("{} needs a catalog, and this run has none", node.node_type),
            )
        })
    }

    /// The database a catalog node names (the claimed table's, else `Database`), and its table
    /// (`Table`) if it exists.
    pub async fn node_table(&self, node: &Node) -> Result<(String, Option<Value>)> {
        if let Some(table) = self.table {
            let database = table["DatabaseName"]
                .as_str()
                .or_else(|| node.str("Database"))
                .unwrap_or_default();
            return Ok((database.to_string(), Some(table.clone())));
        }
        let client = self.catalog_for(node)?;
        let (database, name) = (node.required_str("Database")?, node.required_str("Table")?);
        let table = crate::catalog::find_table(client.as_ref(), &node.id, database, name).await?;
        Ok((database.to_string(), table))
    }
}

/// A table provider, or what is wrong (in words for the user).
pub type ProviderFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<Arc<dyn TableProvider>, String>> + Send + 'a>>;
pub type ReadFuture<'a> = Pin<Box<dyn Future<Output = Result<DataFrame>> + Send + 'a>>;
pub type WriteFuture<'a> = Pin<Box<dyn Future<Output = Result<Box<dyn PendingWrite>>> + Send + 'a>>;

/// Sources and targets outside object storage (databases reached through a catalog
/// connection): a crate above the engine implements them and the composition root adds them
/// (`Engine::with_connector`). Their node types count as sources and targets of the graph, and a
/// generic catalog node whose table the connector holds runs through it too.
pub trait NodeConnector: Send + Sync {
    /// The source node types it reads.
    fn source_types(&self) -> &'static [&'static str];

    /// The target node types it writes.
    fn target_types(&self) -> &'static [&'static str];

    /// Whether a catalog table (GetTable's `Table`) is stored where this connector reaches.
    fn holds_table(&self, table: &Value) -> bool;

    /// A catalog table it holds, as SQL reads it (`database.table` in SparkSQL nodes, data
    /// quality evaluations, scans of a dataset).
    fn table_provider<'a>(
        &'a self,
        table: &'a Value,
        catalog: &'a dyn CatalogClient,
    ) -> ProviderFuture<'a>;

    /// The node's rows, planned (not yet read).
    fn read<'a>(
        &'a self,
        ctx: &'a SessionContext,
        node: &'a Node,
        io: ConnectorIo<'a>,
    ) -> ReadFuture<'a>;

    /// Writes `input` without making it visible: the run commits every target together once
    /// all of them are written, or aborts them all.
    fn write<'a>(
        &'a self,
        ctx: &'a SessionContext,
        node: &'a Node,
        io: ConnectorIo<'a>,
        input: DataFrame,
    ) -> WriteFuture<'a>;
}

/// A target's rows, written and not yet committed.
pub trait PendingWrite: Send {
    /// The rows written.
    fn rows(&self) -> u64;

    /// Makes the rows visible.
    fn commit(self: Box<Self>) -> Pin<Box<dyn Future<Output = Result<()>> + Send>>;

    /// Discards the rows: the target stays as it was.
    fn abort(self: Box<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}
