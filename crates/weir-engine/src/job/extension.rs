//! Node types implemented outside the engine: a crate above it (data quality, sensitive data)
//! implements [`NodeTransform`] for its node types and the composition root adds it to the
//! [`crate::Engine`] (`with_transform`). The engine knows only the seam: a transform's node
//! types count as known to the graph, and running one hands it the node and its inputs.

use std::future::Future;
use std::pin::Pin;

use datafusion::prelude::{DataFrame, SessionContext};

use super::graph::Node;
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
