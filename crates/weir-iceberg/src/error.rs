//! What goes wrong with Iceberg tables, in the terms of the Iceberg REST protocol's errors (the
//! REST catalog answers with them; jobs report the message).

use weir_engine::catalog::CatalogError;
use weir_engine::job::merge::MergeError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    NoSuchNamespace(String),
    #[error("{0}")]
    NoSuchTable(String),
    #[error("{0}")]
    NoSuchView(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    NamespaceNotEmpty(String),
    /// A requirement of a commit no longer holds, or another writer committed first.
    #[error("{0}")]
    CommitFailed(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Forbidden(String),
    /// A route the REST catalog does not serve.
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Iceberg(#[from] iceberg::Error),
    /// Reading or computing the rows failed.
    #[error("{0}")]
    Execution(#[from] datafusion::error::DataFusionError),
    #[error("{0}")]
    Internal(String),
    /// Any other catalog failure: the Glue exception and its message.
    #[error("{}: {}", .0.code, .0.message)]
    Catalog(CatalogError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<MergeError> for Error {
    fn from(e: MergeError) -> Error {
        match e {
            MergeError::Invalid(message) => Error::BadRequest(message),
            MergeError::Execution(e) => Error::Execution(e),
        }
    }
}

impl Error {
    pub fn bad_request(message: impl Into<String>) -> Error {
        Error::BadRequest(message.into())
    }

    /// A catalog error that is not about a missing or existing entity.
    pub fn catalog(e: CatalogError) -> Error {
        match e.code.as_str() {
            "AccessDeniedException" => Error::Forbidden(e.message),
            "ConcurrentModificationException" => Error::CommitFailed(format!(
                "another writer changed the table first: {}",
                e.message
            )),
            "InvalidInputException" | "ValidationException" => Error::BadRequest(e.message),
            _ => Error::Catalog(e),
        }
    }

    /// The Iceberg REST error: HTTP status and the exception type.
    pub fn rest_status(&self) -> (u16, &'static str) {
        match self {
            Error::NoSuchNamespace(_) => (404, "NoSuchNamespaceException"),
            Error::NoSuchTable(_) => (404, "NoSuchTableException"),
            Error::NoSuchView(_) => (404, "NoSuchViewException"),
            Error::AlreadyExists(_) => (409, "AlreadyExistsException"),
            Error::NamespaceNotEmpty(_) => (409, "NamespaceNotEmptyException"),
            Error::CommitFailed(_) => (409, "CommitFailedException"),
            Error::BadRequest(_) => (400, "BadRequestException"),
            Error::Unsupported(_) => (406, "UnsupportedOperationException"),
            Error::Forbidden(_) => (403, "ForbiddenException"),
            Error::NotFound(_) => (404, "NotFoundException"),
            Error::Iceberg(e) => match e.kind() {
                iceberg::ErrorKind::CatalogCommitConflicts => (409, "CommitFailedException"),
                iceberg::ErrorKind::DataInvalid | iceberg::ErrorKind::PreconditionFailed => {
                    (400, "BadRequestException")
                }
                iceberg::ErrorKind::FeatureUnsupported => (406, "UnsupportedOperationException"),
                iceberg::ErrorKind::TableNotFound => (404, "NoSuchTableException"),
                iceberg::ErrorKind::NamespaceNotFound => (404, "NoSuchNamespaceException"),
                iceberg::ErrorKind::TableAlreadyExists
                | iceberg::ErrorKind::NamespaceAlreadyExists => (409, "AlreadyExistsException"),
                _ => (500, "ServiceFailureException"),
            },
            Error::Execution(_) | Error::Internal(_) | Error::Catalog(_) => {
                (500, "ServiceFailureException")
            }
        }
    }
}
