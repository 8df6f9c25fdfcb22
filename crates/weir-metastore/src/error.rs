//! Metastore errors: database faults, constraint conflicts, and stored documents that do not parse.

use weir_model::GlueError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("metastore configuration: {0}")]
    Config(String),
    /// A unique constraint was violated: the entity exists already (a concurrent create).
    #[error("entity already exists")]
    Conflict,
    #[error("metastore database error: {0}")]
    Db(#[source] sqlx::Error),
    #[error("stored document of {entity} is not valid JSON: {source}")]
    Corrupt {
        entity: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("migration {name} failed: {source}")]
    Migration {
        name: String,
        #[source]
        source: sqlx::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict,
            _ => Error::Db(e),
        }
    }
}

impl From<Error> for GlueError {
    fn from(e: Error) -> Self {
        match e {
            Error::Conflict => {
                GlueError::already_exists("The entity already exists (concurrent create)")
            }
            other => GlueError::internal(other.to_string()),
        }
    }
}
