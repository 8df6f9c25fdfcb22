//! What goes wrong with Delta tables.

use deltalake_core::DeltaTableError;
use weir_engine::catalog::CatalogError;
use weir_engine::job::merge::MergeError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request or the input is wrong.
    #[error("{0}")]
    Invalid(String),
    /// No Delta table where one was expected.
    #[error("{0}")]
    NotATable(String),
    /// Another writer committed while this one wrote.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Delta(DeltaTableError),
    /// Reading or computing the rows failed.
    #[error("{0}")]
    Execution(#[from] datafusion::error::DataFusionError),
    /// A catalog call failed: the Glue exception and its message.
    #[error("{}: {}", .0.code, .0.message)]
    Catalog(CatalogError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid(message.into())
    }
}

impl From<DeltaTableError> for Error {
    fn from(e: DeltaTableError) -> Error {
        match e {
            DeltaTableError::NotATable(message) => Error::NotATable(message),
            DeltaTableError::VersionAlreadyExists(version) => Error::Conflict(format!(
                "another writer committed version {version} of the table first"
            )),
            DeltaTableError::Transaction { source } => {
                Error::Conflict(format!("another writer changed the table first: {source}"))
            }
            other => Error::Delta(other),
        }
    }
}

impl From<MergeError> for Error {
    fn from(e: MergeError) -> Error {
        match e {
            MergeError::Invalid(message) => Error::Invalid(message),
            MergeError::Execution(e) => Error::Execution(e),
        }
    }
}

impl From<CatalogError> for Error {
    fn from(e: CatalogError) -> Error {
        Error::Catalog(e)
    }
}
