//! A crawler's `JdbcTargets` entry: the tables and views its include path matches, described
//! as catalog tables the way Glue's JDBC crawler describes them.
//!
//! The include path is `database/schema/table` for PostgreSQL and `database/table` for MySQL;
//! any part may be or hold `%` (SQL `LIKE`: any text) or `_` (one character). `Exclusions` are
//! globs over the rest of the path below the database (`schema/table`, or `table`), as for S3
//! targets (`**_tmp`, `cx/audit_*`). A table is named `database_schema_table` (MySQL:
//! `database_table`), lower case; its `StorageDescriptor.Location` is the dotted path the
//! nodes read (`sourcedb.cx.customer`), and its parameters say the engine (`classification`),
//! the connection (`connectionName`) and whether it is a table or a view (`typeOfData`).

use serde_json::{json, Value};
use weir_engine::job::files::glob_matches;
use weir_spark::types::hive_type;

use crate::connection::{JdbcConnection, Session};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::read::{describe, text_rows, Relation};

/// A table the include path matched.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundTable {
    /// The catalog table's name.
    pub name: String,
    /// `TableInput`.
    pub input: Value,
}

/// The include path's parts.
struct IncludePath {
    database: String,
    schema: Option<String>,
    table: String,
}

fn include_path(dialect: Dialect, path: &str) -> Result<IncludePath> {
    let parts: Vec<&str> = path.split('/').map(str::trim).collect();
    let bad = |expected: &str| {
        Error::invalid(format!(
            "JdbcTargets Path '{path}' is not {expected} (use % for any name)"
        ))
    };
    match (dialect, parts.as_slice()) {
        (Dialect::Postgres, [database, schema, table]) => Ok(IncludePath {
            database: database.to_string(),
            schema: Some(schema.to_string()),
            table: table.to_string(),
        }),
        (Dialect::Postgres, [database, schema]) => Ok(IncludePath {
            database: database.to_string(),
            schema: Some(schema.to_string()),
            table: "%".into(),
        }),
        (Dialect::Postgres, _) => Err(bad("database/schema/table")),
        (Dialect::MySql, [database, table]) => Ok(IncludePath {
            database: database.to_string(),
            schema: None,
            table: table.to_string(),
        }),
        (Dialect::MySql, [database]) => Ok(IncludePath {
            database: database.to_string(),
            schema: None,
            table: "%".into(),
        }),
        (Dialect::MySql, _) => Err(bad("database/table")),
    }
}

/// The tables of `connection` that `path` includes and `exclusions` do not exclude.
pub async fn crawl(
    connection: &JdbcConnection,
    path: &str,
    exclusions: &[String],
) -> Result<Vec<FoundTable>> {
    let dialect = connection.dialect;
    let include = include_path(dialect, path)?;
    if include.database.is_empty() || include.database.contains('%') {
        return Err(Error::invalid(format!(
            "JdbcTargets Path '{path}': the database part must name one database"
        )));
    }
    let connection = match dialect {
        Dialect::Postgres => connection.in_database(&include.database),
        Dialect::MySql => connection.clone(),
    };
    let mut session = connection.open().await?;
    let listed = list_tables(&mut session, &include).await;
    let listed = match listed {
        Ok(listed) => listed,
        Err(e) => {
            session.close().await;
            return Err(Error::database(
                format!(
                    "listing the tables of {path} through connection '{}'",
                    connection.name
                ),
                e,
            ));
        }
    };
    let mut found = Vec::new();
    for (schema, table, kind) in listed {
        let below = match &schema {
            Some(s) => format!("{s}/{table}"),
            None => table.clone(),
        };
        if exclusions
            .iter()
            .any(|g| glob_matches(g, &below) || glob_matches(g, &table))
        {
            continue;
        }
        let dotted = match &schema {
            Some(s) => format!("{}.{s}.{table}", include.database),
            None => format!("{}.{table}", include.database),
        };
        let reference = match &schema {
            Some(s) => format!("{}.{}", dialect.quote(s), dialect.quote(&table)),
            None => format!(
                "{}.{}",
                dialect.quote(&include.database),
                dialect.quote(&table)
            ),
        };
        let columns = match describe(&mut session, &Relation::Table(reference)).await {
            Ok(columns) => columns,
            Err(e) => {
                session.close().await;
                return Err(e);
            }
        };
        let columns: Vec<Value> = columns
            .iter()
            .map(|c| json!({ "Name": c.name.to_lowercase(), "Type": hive_type(&c.arrow) }))
            .collect();
        found.push(FoundTable {
            name: dotted.replace('.', "_").to_lowercase(),
            input: json!({
                "Name": dotted.replace('.', "_").to_lowercase(),
                "TableType": "EXTERNAL_TABLE",
                "StorageDescriptor": {
                    "Columns": columns,
                    "Location": dotted,
                    "Compressed": false,
                    "NumberOfBuckets": -1,
                    "SerdeInfo": { "Parameters": {} },
                    "BucketColumns": [],
                    "SortColumns": [],
                    "Parameters": {},
                    "StoredAsSubDirectories": false,
                },
                "PartitionKeys": [],
                "Parameters": {
                    "classification": dialect.url_scheme(),
                    "compressionType": "none",
                    "connectionName": connection.name,
                    "typeOfData": kind,
                },
            }),
        });
    }
    session.close().await;
    Ok(found)
}

/// `(schema, table, "table" | "view")` of what the include path matches, by name.
async fn list_tables(
    session: &mut Session,
    include: &IncludePath,
) -> sqlx::Result<Vec<(Option<String>, String, String)>> {
    let dialect = session.dialect();
    let kind = "CASE WHEN table_type = 'VIEW' THEN 'view' ELSE 'table' END";
    let sql = match dialect {
        Dialect::Postgres => format!(
            "SELECT table_schema::text, table_name::text, {kind} FROM information_schema.tables \
             WHERE table_catalog = current_database() AND table_schema LIKE {} AND table_name LIKE {} \
             AND table_schema NOT IN ('pg_catalog', 'information_schema') \
             ORDER BY 1, 2",
            dialect.literal(include.schema.as_deref().unwrap_or("%")),
            dialect.literal(&include.table)
        ),
        Dialect::MySql => format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME, {} FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = {} AND TABLE_NAME LIKE {} ORDER BY 1, 2",
            kind.replace("table_type", "TABLE_TYPE"),
            dialect.literal(&include.database),
            dialect.literal(&include.table)
        ),
    };
    let rows = text_rows(session, &sql, 3).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let [schema, table, kind]: [String; 3] = row.try_into().unwrap_or_default();
            let schema = (dialect == Dialect::Postgres).then_some(schema);
            (schema, table, kind)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_paths_name_database_schema_and_table() {
        let p = include_path(Dialect::Postgres, "sourcedb/cx/%").unwrap();
        assert_eq!(
            (p.database.as_str(), p.schema.as_deref(), p.table.as_str()),
            ("sourcedb", Some("cx"), "%")
        );
        let m = include_path(Dialect::MySql, "shop/%").unwrap();
        assert_eq!(
            (m.database.as_str(), m.schema, m.table.as_str()),
            ("shop", None, "%")
        );
        let e = include_path(Dialect::MySql, "a/b/c")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("is not database/table"), "{e}");
    }
}
