//! Connections, transactions and the SQL dialect seam between SQLite and PostgreSQL.
//!
//! Every query is written once in PostgreSQL's `$N` placeholder style; [`Tx::sql`] rewrites it
//! to SQLite's numbered `?N` when the backend is SQLite. SQLite allows one writer at a time, so
//! write transactions on SQLite are serialised by an in-process lock instead of failing with
//! `SQLITE_BUSY`; PostgreSQL write transactions run concurrently and conflicts surface as
//! row-level checks (version ids) or unique violations.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{Error, Result};

/// Which database engine a [`Metastore`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the metastore database: a connection pool and the backend's dialect.
#[derive(Clone)]
pub struct Metastore {
    pool: AnyPool,
    backend: Backend,
    /// Serialises write transactions on SQLite (one writer at a time); `None` on PostgreSQL.
    write_lock: Option<Arc<Mutex<()>>>,
}

/// One database transaction. Dropping it without [`Tx::commit`] rolls it back.
pub struct Tx {
    pub(crate) conn: sqlx::Transaction<'static, Any>,
    backend: Backend,
    _write_guard: Option<OwnedMutexGuard<()>>,
}

impl Metastore {
    /// Connects to `url`: `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::Config(format!(
                "metastore URL must start with sqlite:// or postgres://, got '{url}'"
            )));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(Error::Db)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(Error::Db)?;
        let write_lock = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Self {
            pool,
            backend,
            write_lock,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction for reads only (it is rolled back when dropped).
    pub async fn read(&self) -> Result<Tx> {
        self.begin(None).await
    }

    /// A transaction that may write. On SQLite it waits for the single writer slot.
    pub async fn write(&self) -> Result<Tx> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        self.begin(guard).await
    }

    async fn begin(&self, guard: Option<OwnedMutexGuard<()>>) -> Result<Tx> {
        // A SQLite writer takes the database's write lock at BEGIN: a deferred BEGIN that reads
        // first would fail with SQLITE_BUSY (without waiting) if the previous writer's rollback
        // is still pending on another connection.
        let conn = match (self.backend, guard.is_some()) {
            (Backend::Sqlite, true) => self.pool.begin_with("BEGIN IMMEDIATE").await,
            _ => self.pool.begin().await,
        }
        .map_err(Error::Db)?;
        Ok(Tx {
            conn,
            backend: self.backend,
            _write_guard: guard,
        })
    }

    /// Applies the migrations not yet applied; returns the names of those it applied.
    pub async fn migrate(&self) -> Result<Vec<String>> {
        crate::migrations::apply(self).await
    }

    /// Whether [`Metastore::close`] was called: the process is stopping.
    pub fn is_closed(&self) -> bool {
        self.pool.is_closed()
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl Tx {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Rewrites a query written with `$N` placeholders into the backend's dialect.
    pub fn sql<'q>(&self, query: &'q str) -> Cow<'q, str> {
        match self.backend {
            Backend::Postgres => Cow::Borrowed(query),
            Backend::Sqlite => Cow::Owned(query.replace('$', "?")),
        }
    }

    pub async fn commit(self) -> Result<()> {
        self.conn.commit().await.map_err(Error::Db)
    }

    /// The transaction's connection, for running queries.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.conn
    }
}
