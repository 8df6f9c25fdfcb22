//! Engine errors: the job's mistakes (naming the node and field) apart from execution faults.

use datafusion::error::DataFusionError;

use crate::catalog::CatalogError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The job definition is not valid: names the node (if any) and what is wrong.
    #[error("invalid job{}: {message}", node.as_ref().map(|n| format!(" (node {n})")).unwrap_or_default())]
    InvalidJob {
        node: Option<String>,
        message: String,
    },
    /// A node type of the Glue model that Weir does not run.
    #[error("node {node}: node type {node_type} is not supported by Weir{}", hint.as_ref().map(|h| format!(": {h}")).unwrap_or_default())]
    Unsupported {
        node: String,
        node_type: String,
        hint: Option<String>,
    },
    /// Executing the job failed (reading, computing or writing data).
    #[error("node {node}: {source}")]
    Execution {
        node: String,
        #[source]
        source: DataFusionError,
    },
    /// A catalog call failed for a reason that is not the job's: the catalog could not be
    /// reached or opened, or failed inside.
    #[error("catalog{}: {message}", node.as_ref().map(|n| format!(" (node {n})")).unwrap_or_default())]
    Catalog {
        node: Option<String>,
        message: String,
    },
    #[error("object store: {0}")]
    ObjectStore(#[from] object_store::Error),
    #[error("object store path: {0}")]
    ObjectPath(#[from] object_store::path::Error),
    #[error("{0}")]
    DataFusion(#[from] DataFusionError),
    /// The run's targets were committed, and a node asked for the run to fail then (a data
    /// quality evaluation with `StopJobOnFailureTiming: AfterDataLoad`).
    #[error("{0}")]
    AfterCommit(String),
    /// A fault inside the engine (a panic in planning or execution), caught so that the run's
    /// staged output is still cleaned up.
    #[error("internal error while running the job: {0}")]
    Internal(String),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

impl EngineError {
    pub fn invalid(node: impl Into<String>, message: impl Into<String>) -> Self {
        EngineError::InvalidJob {
            node: Some(node.into()),
            message: message.into(),
        }
    }

    pub fn invalid_job(message: impl Into<String>) -> Self {
        EngineError::InvalidJob {
            node: None,
            message: message.into(),
        }
    }

    /// The error of a failed catalog call made for `context` (e.g. `catalog GetTable db.t`):
    /// the job's mistake when the catalog says so (no such entity, invalid input, already
    /// exists, access denied), else a [`EngineError::Catalog`] fault.
    pub fn from_catalog(node: Option<&str>, context: &str, e: &CatalogError) -> Self {
        let node = node.map(str::to_string);
        let message = format!("{context}: {}: {}", e.code, e.message);
        match e.code.as_str() {
            "EntityNotFoundException"
            | "InvalidInputException"
            | "AlreadyExistsException"
            | "AccessDeniedException" => EngineError::InvalidJob { node, message },
            _ => EngineError::Catalog { node, message },
        }
    }
}

/// A catalog call that failed inside DataFusion (a scan's `GetPartitions`, SQL's `GetTable`),
/// carried through DataFusion's error so that the run reports it as a catalog error
/// ([`EngineError::from_catalog`]) rather than as an execution fault.
#[derive(Debug)]
pub struct CatalogCallFailed {
    /// What the call was for (`table db.t: GetPartitions`).
    pub context: String,
    pub error: CatalogError,
}

impl CatalogCallFailed {
    pub fn datafusion(context: impl Into<String>, error: CatalogError) -> DataFusionError {
        DataFusionError::External(Box::new(Self {
            context: context.into(),
            error,
        }))
    }
}

impl std::fmt::Display for CatalogCallFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.context, self.error.code, self.error.message
        )
    }
}

impl std::error::Error for CatalogCallFailed {}

/// Attaches the node id to a DataFusion error: a failed catalog call inside it is the catalog's
/// error (or the job's), anything else an execution fault.
pub trait AtNode<T> {
    fn at(self, node: &str) -> Result<T>;
}

impl<T> AtNode<T> for std::result::Result<T, DataFusionError> {
    fn at(self, node: &str) -> Result<T> {
        self.map_err(|source| match catalog_call(&source) {
            Some(failed) => EngineError::from_catalog(Some(node), &failed.context, &failed.error),
            None => EngineError::Execution {
                node: node.to_string(),
                source,
            },
        })
    }
}

/// The failed catalog call somewhere in `e`'s chain of causes.
fn catalog_call(e: &DataFusionError) -> Option<&CatalogCallFailed> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(failed) = c.downcast_ref::<CatalogCallFailed>() {
            return Some(failed);
        }
        cause = c.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn failed(code: &str) -> DataFusionError {
        let error = CatalogError {
            code: code.into(),
            message: "it failed".into(),
        };
        let inner = CatalogCallFailed::datafusion("table db.t: GetPartitions", error);
        DataFusionError::Shared(Arc::new(inner.context("scanning")))
    }

    #[test]
    fn a_catalog_call_failing_inside_datafusion_is_reported_as_the_catalogs() {
        let err = Err::<(), _>(failed("InternalServiceException"))
            .at("src")
            .unwrap_err();
        assert!(
            matches!(&err, EngineError::Catalog { node: Some(n), message } if n == "src"
                && message == "table db.t: GetPartitions: InternalServiceException: it failed"),
            "{err:?}"
        );
        let err = Err::<(), _>(failed("EntityNotFoundException"))
            .at("src")
            .unwrap_err();
        assert!(matches!(err, EngineError::InvalidJob { .. }), "{err:?}");
        let err = Err::<(), _>(DataFusionError::Execution("x".into()))
            .at("src")
            .unwrap_err();
        assert!(matches!(err, EngineError::Execution { .. }), "{err:?}");
    }
}
