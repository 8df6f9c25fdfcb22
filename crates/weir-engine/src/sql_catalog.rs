//! Catalog tables in SQL. A job's session resolves `database.table` against the Glue catalog,
//! as a Glue job with the Data Catalog as its Hive metastore does: `SELECT * FROM sales.orders`
//! in a SparkSQL node reads the catalog table `orders` of database `sales` ([`GlueTable`]).
//! Unqualified names are the node's input aliases first, then tables of the `default` database.
//! The same tables are also reachable as `awsdatacatalog.database.table` (Athena's spelling).

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, MemorySchemaProvider, SchemaProvider, TableProvider};
use datafusion::common::{exec_err, DataFusionError};
use datafusion::execution::context::SessionContext;
use serde_json::json;

use crate::catalog::CatalogClient;
use crate::glue_table::GlueTable;
use crate::stores::StoreSettings;

type DfResult<T> = datafusion::error::Result<T>;

/// The schema DataFusion registers a session's own tables in (SparkSQL input aliases).
const SESSION_SCHEMA: &str = "public";

/// Glue's default database, where unqualified names fall back to.
const DEFAULT_DATABASE: &str = "default";

/// Makes the catalog's tables readable from the session's SQL.
pub fn register(ctx: &SessionContext, client: Arc<dyn CatalogClient>, stores: StoreSettings) {
    let glue = Arc::new(Databases { client, stores });
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

/// Opens the catalog's databases as schemas.
#[derive(Clone)]
struct Databases {
    client: Arc<dyn CatalogClient>,
    stores: StoreSettings,
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
                return exec_err!(
                    "catalog GetTable {}.{name}: {}: {}",
                    self.name,
                    e.code,
                    e.message
                )
            }
        };
        let table = GlueTable::new(
            self.databases.client.clone(),
            self.databases.stores.clone(),
            &response["Table"],
        )
        .map_err(|m| DataFusionError::Plan(format!("table {}.{name}: {m}", self.name)))?;
        Ok(Some(Arc::new(table)))
    }

    fn table_exist(&self, _name: &str) -> bool {
        false
    }
}
