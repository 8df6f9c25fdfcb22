//! What an evaluation reads: a catalog table (`database.table`, through the engine's catalog,
//! optionally narrowed by a push-down predicate) or files (a path or URL: Parquet, CSV with a
//! header, or JSON lines, by the name's suffix or as told).

use crate::session::Engine;
use crate::stores;
use datafusion::datasource::file_format::options::{
    CsvReadOptions, JsonReadOptions, ParquetReadOptions,
};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::{DataFrame, SessionContext};

/// A dataset, as the command line or an evaluation run names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dataset {
    Table {
        database: String,
        table: String,
        /// A Spark SQL predicate that selects the rows (and partitions) to read.
        predicate: Option<String>,
    },
    Files {
        path: String,
        /// `parquet`, `csv` or `json`; `None`: by the path's suffix (Parquet otherwise).
        format: Option<String>,
    },
}

/// File formats by name suffix.
const SUFFIXES: &[(&str, &str)] = &[
    (".parquet", "parquet"),
    (".csv", "csv"),
    (".json", "json"),
    (".jsonl", "json"),
    (".ndjson", "json"),
];

impl Dataset {
    /// `database.table` when the text is one and no such local file exists; a path otherwise.
    pub fn parse(text: &str) -> Dataset {
        let is_path = text.contains('/')
            || text.contains('\\')
            || SUFFIXES.iter().any(|(s, _)| text.ends_with(s))
            || std::path::Path::new(text).exists();
        match text.split_once('.') {
            Some((database, table))
                if !is_path
                    && !database.is_empty()
                    && !table.is_empty()
                    && !table.contains('.') =>
            {
                Dataset::Table {
                    database: database.to_string(),
                    table: table.to_string(),
                    predicate: None,
                }
            }
            _ => Dataset::Files {
                path: text.to_string(),
                format: None,
            },
        }
    }

    /// How messages name it.
    pub fn describe(&self) -> String {
        match self {
            Dataset::Table {
                database, table, ..
            } => format!("table {database}.{table}"),
            Dataset::Files { path, .. } => path.clone(),
        }
    }

    /// Where its files are: the path, or the table's location (`None` when the catalog does not
    /// say); what file rules that name no path check.
    pub async fn files(&self, engine: &Engine) -> Option<String> {
        match self {
            Dataset::Files { path, .. } => Some(path.clone()),
            Dataset::Table {
                database, table, ..
            } => {
                let request = serde_json::json!({ "DatabaseName": database, "Name": table });
                let found = engine.catalog()?.call("GetTable", request).await.ok()?;
                found
                    .pointer("/Table/StorageDescriptor/Location")
                    .and_then(serde_json::Value::as_str)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
            }
        }
    }

    /// Reads it in `ctx` (a session of `engine`, which has the catalog for tables).
    pub async fn read(&self, engine: &Engine, ctx: &SessionContext) -> Result<DataFrame, String> {
        match self {
            Dataset::Table {
                database,
                table,
                predicate,
            } => {
                if engine.catalog().is_none() {
                    return Err(format!(
                        "{} is a catalog table, and no catalog is configured",
                        self.describe()
                    ));
                }
                let filter = predicate
                    .as_ref()
                    .map(|p| format!(" WHERE ({p})"))
                    .unwrap_or_default();
                let sql = format!("SELECT * FROM {}.{}{filter}", ident(database), ident(table));
                weir_spark::sql(ctx, &sql)
                    .await
                    .map_err(|e| format!("reading {}: {e}", self.describe()))
            }
            Dataset::Files { path, format } => {
                let url = stores::path_url(path).map_err(|e| e.to_string())?;
                engine
                    .ensure_store(ctx, &url)
                    .map_err(|e| format!("reading {path}: {e}"))?;
                exists(ctx, &url)
                    .await
                    .map_err(|e| format!("reading {path}: {e}"))?;
                let location = url.as_str();
                let format = match format {
                    Some(f) => f.to_ascii_lowercase(),
                    None => SUFFIXES
                        .iter()
                        .find(|(s, _)| path.ends_with(s))
                        .map_or("parquet", |(_, f)| f)
                        .to_string(),
                };
                let read = match format.as_str() {
                    "parquet" => {
                        ctx.read_parquet(location, ParquetReadOptions::default())
                            .await
                    }
                    "csv" => {
                        ctx.read_csv(location, CsvReadOptions::new().has_header(true))
                            .await
                    }
                    "json" => {
                        let suffix = SUFFIXES
                            .iter()
                            .find(|(s, f)| *f == "json" && path.ends_with(s))
                            .map_or(".json", |(s, _)| s);
                        let options = JsonReadOptions {
                            file_extension: suffix,
                            ..JsonReadOptions::default()
                        };
                        ctx.read_json(location, options).await
                    }
                    other => {
                        return Err(format!(
                            "{other} is not a format Weir evaluates: use parquet, csv or json"
                        ))
                    }
                };
                read.map_err(|e| format!("reading {path}: {e}"))
            }
        }
    }
}

/// A Spark SQL identifier.
fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Whether a file, or a folder with files, is at `url`: reading a path where nothing is gives
/// no rows, which an evaluation must not take for an empty dataset.
async fn exists(ctx: &SessionContext, url: &url::Url) -> Result<(), String> {
    use futures::StreamExt;
    use object_store::ObjectStoreExt;
    let root = ObjectStoreUrl::parse(format!("{}://{}", url.scheme(), url.authority()))
        .map_err(|e| e.to_string())?;
    let store = ctx
        .runtime_env()
        .object_store(&root)
        .map_err(|e| e.to_string())?;
    let path = object_store::path::Path::from_url_path(url.path()).map_err(|e| e.to_string())?;
    if store.head(&path).await.is_ok() || store.list(Some(&path)).next().await.is_some() {
        Ok(())
    } else {
        Err("no file or folder with files is there".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_paths() {
        assert_eq!(
            Dataset::parse("sales.orders"),
            Dataset::Table {
                database: "sales".into(),
                table: "orders".into(),
                predicate: None
            }
        );
        for path in ["data/orders.parquet", "orders.csv", "s3://b/k/", "a.b.c"] {
            assert!(
                matches!(Dataset::parse(path), Dataset::Files { .. }),
                "{path}"
            );
        }
    }
}
