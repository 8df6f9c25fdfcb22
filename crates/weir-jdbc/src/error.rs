//! What goes wrong reaching a database, in words for the user.

/// A JDBC error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: a connection's properties, a node's options, data that does not fit.
    #[error("{0}")]
    Invalid(String),
    /// The server could not be reached or refused the credentials.
    #[error("connection '{connection}': cannot connect to {server}: {source}")]
    Connect {
        connection: String,
        server: String,
        source: sqlx::Error,
    },
    /// The job's input to a target failed.
    #[error(transparent)]
    Execution(#[from] datafusion::error::DataFusionError),
    /// A statement failed.
    #[error("{context}: {}", database_message(source))]
    Database {
        context: String,
        source: sqlx::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }

    pub fn database(context: String, source: sqlx::Error) -> Self {
        Error::Database { context, source }
    }
}

/// The database's own message (with its detail and position where it gives them).
fn database_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => {
            let mut message = db.message().to_string();
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                if let Some(detail) = pg.detail() {
                    message = format!("{message} ({detail})");
                }
                if let Some(w) = pg.r#where() {
                    message = format!("{message}; {w}");
                }
            }
            match db.code() {
                Some(code) => format!("{message} [{code}]"),
                None => message,
            }
        }
        other => other.to_string(),
    }
}
