//! Test backends: a SQLite file in a temp dir, and a fresh database on a PostgreSQL server
//! (`WEIR_TEST_PG_URL`, default the local server; `WEIR_TEST_PG_URL=skip` skips PostgreSQL).

use std::sync::Arc;

use rand::Rng;
use serde_json::Value;
use sqlx::Connection;
use weir_catalog::{Catalog, CatalogIdentity, SecretBox, SystemClock};
use weir_metastore::Metastore;
use weir_model::{GlueError, Result};

pub const ACCOUNT: &str = "123456789012";

/// Where a test's metastore lives; reopenable to test durability.
pub enum Backend {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        url: String,
        name: String,
    },
}

impl Backend {
    pub fn url(&self) -> &str {
        match self {
            Backend::Sqlite { url, .. } | Backend::Postgres { url, .. } => url,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    /// A catalog on this backend (migrated), with a fixed secrets key.
    pub async fn catalog(&self) -> Catalog {
        let store = Metastore::connect(self.url())
            .await
            .expect("connect metastore");
        store.migrate().await.expect("migrate");
        let identity = CatalogIdentity {
            account_id: ACCOUNT.into(),
            region: "us-east-1".into(),
        };
        Catalog::new(
            store,
            identity,
            SecretBox::new(&[7u8; 32]),
            Arc::new(SystemClock),
        )
    }

    /// Drops the PostgreSQL database (SQLite's temp dir goes with the value).
    pub async fn cleanup(self, catalog: Catalog) {
        catalog.store().close().await;
        if let Backend::Postgres {
            admin_url, name, ..
        } = self
        {
            let mut admin = sqlx::AnyConnection::connect(&admin_url)
                .await
                .expect("admin connection");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await
                .expect("drop test database");
        }
    }
}

fn pg_admin_url() -> Option<String> {
    match std::env::var("WEIR_TEST_PG_URL") {
        Ok(v) if v == "skip" => None,
        Ok(v) => Some(v),
        Err(_) => Some("postgres://postgres@127.0.0.1:5432/postgres".into()),
    }
}

/// The backends every conformance test runs on.
pub async fn backends() -> Vec<Backend> {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("metastore.db").display());
    let mut out = vec![Backend::Sqlite { _dir: dir, url }];
    if let Some(admin_url) = pg_admin_url() {
        let name = format!("weir_it_{:016x}", rand::thread_rng().gen::<u64>());
        let mut admin = sqlx::AnyConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is not reachable ({e}); set WEIR_TEST_PG_URL, or WEIR_TEST_PG_URL=skip"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or(admin_url.clone());
        out.push(Backend::Postgres {
            url: format!("{base}/{name}"),
            admin_url,
            name,
        });
    }
    out
}

/// Calls an operation with a JSON body.
pub async fn call(catalog: &Catalog, op: &str, body: Value) -> Result<Value> {
    catalog.call(op, &body).await
}

/// Calls an operation that must succeed.
pub async fn ok(catalog: &Catalog, op: &str, body: Value) -> Value {
    match catalog.call(op, &body).await {
        Ok(v) => v,
        Err(e) => panic!("{op} failed: {e}"),
    }
}

/// Calls an operation that must fail; returns the error.
pub async fn err(catalog: &Catalog, op: &str, body: Value) -> GlueError {
    match catalog.call(op, &body).await {
        Ok(v) => panic!("{op} should have failed, returned {v}"),
        Err(e) => e,
    }
}
