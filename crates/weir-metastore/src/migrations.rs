//! Schema migrations: one ordered list, a SQL file per backend for each, applied in a transaction
//! and recorded in `weir_migrations`.

use sqlx::Row;

use crate::db::{Backend, Metastore};
use crate::error::{Error, Result};

struct Migration {
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_catalog",
        sqlite: include_str!("../migrations/sqlite/0001_catalog.sql"),
        postgres: include_str!("../migrations/postgres/0001_catalog.sql"),
    },
    Migration {
        name: "0002_jobs",
        sqlite: include_str!("../migrations/sqlite/0002_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0002_jobs.sql"),
    },
    Migration {
        name: "0003_job_bookmarks",
        sqlite: include_str!("../migrations/sqlite/0003_job_bookmarks.sql"),
        postgres: include_str!("../migrations/postgres/0003_job_bookmarks.sql"),
    },
    Migration {
        name: "0004_crawlers",
        sqlite: include_str!("../migrations/sqlite/0004_crawlers.sql"),
        postgres: include_str!("../migrations/postgres/0004_crawlers.sql"),
    },
    Migration {
        name: "0005_run_kinds",
        sqlite: include_str!("../migrations/sqlite/0005_run_kinds.sql"),
        postgres: include_str!("../migrations/postgres/0005_run_kinds.sql"),
    },
    Migration {
        name: "0006_data_quality",
        sqlite: include_str!("../migrations/sqlite/0006_data_quality.sql"),
        postgres: include_str!("../migrations/postgres/0006_data_quality.sql"),
    },
    Migration {
        name: "0007_custom_entity_types",
        sqlite: include_str!("../migrations/sqlite/0007_custom_entity_types.sql"),
        postgres: include_str!("../migrations/postgres/0007_custom_entity_types.sql"),
    },
    Migration {
        name: "0008_dq_results",
        sqlite: include_str!("../migrations/sqlite/0008_dq_results.sql"),
        postgres: include_str!("../migrations/postgres/0008_dq_results.sql"),
    },
    Migration {
        name: "0009_table_optimizers",
        sqlite: include_str!("../migrations/sqlite/0009_table_optimizers.sql"),
        postgres: include_str!("../migrations/postgres/0009_table_optimizers.sql"),
    },
];

pub(crate) async fn apply(store: &Metastore) -> Result<Vec<String>> {
    let mut tx = store.write().await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS weir_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        .execute(tx.conn())
        .await?;
    if tx.backend() == Backend::Postgres {
        // Several `weir serve` processes may start at once on one PostgreSQL: one migrates, the others wait.
        sqlx::query("LOCK TABLE weir_migrations IN EXCLUSIVE MODE")
            .execute(tx.conn())
            .await?;
    }
    let rows = sqlx::query("SELECT name FROM weir_migrations")
        .fetch_all(tx.conn())
        .await?;
    let done: Vec<String> = rows.iter().map(|r| r.get::<String, _>(0)).collect();
    let mut applied = Vec::new();
    for m in MIGRATIONS
        .iter()
        .filter(|m| !done.iter().any(|d| d == m.name))
    {
        let script = match tx.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        for statement in script.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(statement)
                .execute(tx.conn())
                .await
                .map_err(|source| Error::Migration {
                    name: m.name.to_string(),
                    source,
                })?;
        }
        let q = tx
            .sql("INSERT INTO weir_migrations (name, applied_at) VALUES ($1, CURRENT_TIMESTAMP)")
            .into_owned();
        sqlx::query(&q).bind(m.name).execute(tx.conn()).await?;
        applied.push(m.name.to_string());
    }
    tx.commit().await?;
    Ok(applied)
}
