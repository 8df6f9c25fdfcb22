//! The engine's catalog seam over this process's catalog service: requests are validated
//! against the Glue model, as they would be on the wire.

use serde_json::Value;
use weir_catalog::Catalog;
use weir_engine::catalog::{AtomicFuture, CatalogClient, CatalogError, CatalogFuture};
use weir_model::GlueError;

/// A [`CatalogClient`] of a [`Catalog`] in this process.
pub struct ServiceCatalog(pub Catalog);

impl CatalogClient for ServiceCatalog {
    fn call<'a>(&'a self, operation: &'a str, request: Value) -> CatalogFuture<'a> {
        Box::pin(async move {
            weir_model::validate::validate_input(operation, &request).map_err(catalog_error)?;
            self.0
                .call(operation, &request)
                .await
                .map_err(catalog_error)
        })
    }

    /// One metastore transaction for the group ([`Catalog::call_atomic`] validates each request).
    fn call_atomic<'a>(&'a self, calls: Vec<(String, Value)>) -> AtomicFuture<'a> {
        Box::pin(async move { self.0.call_atomic(&calls).await.map_err(catalog_error) })
    }
}

/// A Glue error as the engine's catalog error.
pub fn catalog_error(e: GlueError) -> CatalogError {
    CatalogError {
        code: e.kind.shape_name().to_string(),
        message: e.message,
    }
}
