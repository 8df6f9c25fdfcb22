//! Catalog tables in SQL. A job's session resolves `database.table` against the Glue catalog,
//! as a Glue job with the Data Catalog as its Hive metastore does: `SELECT * FROM sales.orders`
//! in a SparkSQL node reads the catalog table `orders` of database `sales` ([`GlueTable`]).
//! Unqualified names are the node's input aliases first, then tables of the `default` database.
//! The same tables are also reachable as `awsdatacatalog.database.table` (Athena's spelling).
//!
//! A catalog view (`VIRTUAL_VIEW`) reads as its SQL planned in the session, unqualified names
//! resolving in the view's own database: the `SPARK` representation of a multi-dialect view,
//! else another dialect's, else a Hive view's text (an Athena/Presto view's encoded original SQL
//! included). A view that refers to itself, directly or through others, is an error naming the
//! chain.

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use datafusion::catalog::{CatalogProvider, MemorySchemaProvider, SchemaProvider, TableProvider};
use datafusion::common::{exec_err, plan_err, DataFusionError};
use datafusion::datasource::ViewTable;
use datafusion::execution::context::{SessionContext, SessionState};
use serde_json::{json, Value};

use crate::catalog::CatalogClient;
use crate::glue_table::GlueTable;
use crate::job::extension::NodeConnector;
use crate::stores::StoreSettings;

type DfResult<T> = datafusion::error::Result<T>;

/// The schema DataFusion registers a session's own tables in (SparkSQL input aliases).
const SESSION_SCHEMA: &str = "public";

/// Glue's default database, where unqualified names fall back to.
const DEFAULT_DATABASE: &str = "default";

/// Makes the catalog's tables readable from the session's SQL; tables the `connectors` hold
/// (database tables) are read through them.
pub fn register(
    ctx: &SessionContext,
    client: Arc<dyn CatalogClient>,
    stores: StoreSettings,
    connectors: Vec<Arc<dyn NodeConnector>>,
) {
    let weak = ctx.state_weak_ref();
    let state: StateFn = Arc::new(move || weak.upgrade().map(|s| s.read().clone()));
    let glue = Arc::new(Databases {
        client,
        stores,
        state,
        connectors,
    });
    let options = ctx.state().config_options().catalog.clone();
    let session = Arc::new(SessionCatalog {
        aliases: Arc::new(AliasSchema {
            own: Arc::new(MemorySchemaProvider::new()),
            fallback: glue.database(DEFAULT_DATABASE),
        }),
        glue: glue.clone(),
    });
    ctx.register_catalog(options.default_catalog, session);
    ctx.register_catalog("awsdatacatalog", Arc::new(GlueCatalog(glue)));
}

/// The session's current state (views are planned in it), while the session lives.
type StateFn = Arc<dyn Fn() -> Option<SessionState> + Send + Sync>;

/// Opens the catalog's databases as schemas.
#[derive(Clone)]
struct Databases {
    client: Arc<dyn CatalogClient>,
    stores: StoreSettings,
    state: StateFn,
    connectors: Vec<Arc<dyn NodeConnector>>,
}

impl Databases {
    fn database(&self, name: &str) -> Arc<GlueDatabase> {
        Arc::new(GlueDatabase {
            name: name.to_string(),
            databases: self.clone(),
        })
    }
}

impl std::fmt::Debug for Databases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Databases")
    }
}

/// The session's default catalog: its own schema for aliases, every other schema a database.
#[derive(Debug)]
struct SessionCatalog {
    aliases: Arc<AliasSchema>,
    glue: Arc<Databases>,
}

impl CatalogProvider for SessionCatalog {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema_names(&self) -> Vec<String> {
        vec![SESSION_SCHEMA.to_string()]
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        if name == SESSION_SCHEMA {
            return Some(self.aliases.clone());
        }
        Some(self.glue.database(name))
    }
}

/// `awsdatacatalog`: every schema a database of the catalog.
#[derive(Debug)]
struct GlueCatalog(Arc<Databases>);

impl CatalogProvider for GlueCatalog {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema_names(&self) -> Vec<String> {
        vec![]
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        Some(self.0.database(name))
    }
}

/// The session's own tables, falling back to the `default` database for names it lacks.
#[derive(Debug)]
struct AliasSchema {
    own: Arc<MemorySchemaProvider>,
    fallback: Arc<GlueDatabase>,
}

#[async_trait]
impl SchemaProvider for AliasSchema {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn table_names(&self) -> Vec<String> {
        self.own.table_names()
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        match self.own.table(name).await? {
            Some(t) => Ok(Some(t)),
            None => self.fallback.table(name).await,
        }
    }

    fn register_table(
        &self,
        name: String,
        table: Arc<dyn TableProvider>,
    ) -> DfResult<Option<Arc<dyn TableProvider>>> {
        self.own.register_table(name, table)
    }

    fn deregister_table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        self.own.deregister_table(name)
    }

    fn table_exist(&self, name: &str) -> bool {
        self.own.table_exist(name)
    }
}

/// A Glue database: its tables are looked up in the catalog when a query names them.
#[derive(Debug)]
struct GlueDatabase {
    name: String,
    databases: Databases,
}

#[async_trait]
impl SchemaProvider for GlueDatabase {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn table_names(&self) -> Vec<String> {
        vec![]
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        let request = json!({ "DatabaseName": self.name, "Name": name });
        let response = match self.databases.client.call("GetTable", request).await {
            Ok(r) => r,
            Err(e) if e.code == "EntityNotFoundException" => return Ok(None),
            Err(e) => {
                let context = format!("catalog GetTable {}.{name}", self.name);
                return Err(crate::error::CatalogCallFailed::datafusion(context, e));
            }
        };
        let found = &response["Table"];
        let connector = self
            .databases
            .connectors
            .iter()
            .find(|c| c.holds_table(found));
        if let Some(connector) = connector {
            let provider = connector
                .table_provider(found, self.databases.client.as_ref())
                .await
                .map_err(|e| DataFusionError::Plan(format!("table {}.{name}: {e}", self.name)))?;
            return Ok(Some(provider));
        }
        let table = table_provider(
            self.databases.client.clone(),
            self.databases.stores.clone(),
            self.databases.state.as_ref(),
            found,
        )
        .await?;
        Ok(Some(table))
    }

    fn table_exist(&self, _name: &str) -> bool {
        false
    }
}

tokio::task_local! {
    /// The views being planned, outermost first (to refuse a view that refers to itself).
    static VIEW_CHAIN: Vec<String>;
}

/// A catalog table (a `GetTable` response's `Table`) as DataFusion reads it: a [`GlueTable`]
/// over its files, or a view's SQL planned in the session `state` gives (asked for views only:
/// it is a copy of the session's state).
pub async fn table_provider(
    client: Arc<dyn CatalogClient>,
    stores: StoreSettings,
    state: &(dyn Fn() -> Option<SessionState> + Send + Sync),
    table: &Value,
) -> DfResult<Arc<dyn TableProvider>> {
    let text = |k: &str| table.get(k).and_then(Value::as_str).unwrap_or_default();
    let (database, name) = (text("DatabaseName"), text("Name"));
    if !text("TableType").eq_ignore_ascii_case("VIRTUAL_VIEW") {
        let table = GlueTable::new(client, stores, table)
            .map_err(|m| DataFusionError::Plan(format!("table {database}.{name}: {m}")))?;
        return Ok(Arc::new(table));
    }
    let qualified = format!("{database}.{name}");
    let mut chain = VIEW_CHAIN.try_with(Clone::clone).unwrap_or_default();
    if chain.contains(&qualified) {
        chain.push(qualified);
        return plan_err!("view {} refers to itself: {}", chain[0], chain.join(" → "));
    }
    chain.push(qualified.clone());
    let sql =
        view_sql(table).map_err(|m| DataFusionError::Plan(format!("view {qualified}: {m}")))?;
    let Some(mut state) = state() else {
        return exec_err!("the session that reads view {qualified} has ended");
    };
    state.config_mut().options_mut().catalog.default_schema = database.to_string();
    let plan = VIEW_CHAIN
        .scope(chain, state.create_logical_plan(&sql))
        .await
        .map_err(|e| DataFusionError::Plan(format!("view {qualified}: {e}")))?;
    Ok(Arc::new(ViewTable::new(plan, Some(sql))))
}

/// The SQL of a view: its `SPARK` representation, else the first other one, else the Hive
/// view text (an Athena view's `/* Presto View: base64 */` decoded to its original SQL).
fn view_sql(table: &Value) -> Result<String, String> {
    let reps = table
        .pointer("/ViewDefinition/Representations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text_of = |r: &Value| {
        ["ViewExpandedText", "ViewOriginalText"]
            .iter()
            .find_map(|k| r.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
            .map(str::to_string)
    };
    let spark = reps
        .iter()
        .find(|r| r.get("Dialect").and_then(Value::as_str) == Some("SPARK"));
    if let Some(sql) = spark.into_iter().chain(reps.iter()).find_map(text_of) {
        return Ok(sql);
    }
    let hive =
        text_of(table).ok_or("it has no SQL text (no representation, no ViewOriginalText)")?;
    let Some(encoded) = hive
        .trim()
        .strip_prefix("/* Presto View: ")
        .and_then(|s| s.strip_suffix("*/"))
    else {
        return Ok(hive);
    };
    let json = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| format!("its Presto view text is not base64: {e}"))?;
    let doc: Value = serde_json::from_slice(&json)
        .map_err(|e| format!("its Presto view text is not JSON: {e}"))?;
    doc.get("originalSql")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| "its Presto view text has no originalSql".to_string())
}

#[cfg(test)]
mod tests {
    use super::view_sql;
    use base64::Engine as _;
    use serde_json::json;

    #[test]
    fn a_view_reads_as_its_spark_sql_else_another_dialect_else_its_hive_text() {
        let rep = |d: &str, sql: &str| json!({ "Dialect": d, "ViewOriginalText": sql });
        let multi = json!({ "ViewDefinition": { "Representations": [
            rep("ATHENA", "SELECT 1 AS a"), rep("SPARK", "SELECT 2 AS a") ] } });
        assert_eq!(view_sql(&multi).unwrap(), "SELECT 2 AS a");
        let athena =
            json!({ "ViewDefinition": { "Representations": [rep("ATHENA", "SELECT 1 AS a")] } });
        assert_eq!(view_sql(&athena).unwrap(), "SELECT 1 AS a");
        let encoded = base64::engine::general_purpose::STANDARD.encode(
            json!({ "originalSql": "SELECT 3 AS a", "catalog": "awsdatacatalog" }).to_string(),
        );
        let presto = json!({ "ViewOriginalText": format!("/* Presto View: {encoded} */") });
        assert_eq!(view_sql(&presto).unwrap(), "SELECT 3 AS a");
        assert!(view_sql(&json!({})).unwrap_err().contains("no SQL text"));
    }
}
