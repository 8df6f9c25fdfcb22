//! The engine's catalog seam over this process's catalog service: requests are validated
//! against the Glue model, as they would be on the wire, and checked against the allowed
//! actions of the principal a run acts as, as the server checks a request's.

use std::sync::Arc;

use serde_json::Value;
use weir_auth::{Caller, Principal};
use weir_catalog::Catalog;
use weir_engine::catalog::{AtomicFuture, CatalogClient, CatalogError, CatalogFuture};
use weir_model::GlueError;

/// A [`CatalogClient`] of a [`Catalog`] in this process.
pub struct ServiceCatalog {
    catalog: Catalog,
    caller: Caller,
}

impl ServiceCatalog {
    /// The catalog, called by nobody in particular (authentication off, or `weir job run`).
    pub fn new(catalog: Catalog) -> Self {
        Self {
            catalog,
            caller: Caller::Anonymous,
        }
    }

    /// The catalog, called by `principal`: its allowed actions apply, and it is recorded as the
    /// creator of what it creates.
    pub fn acting_as(catalog: &Catalog, principal: Option<Arc<Principal>>) -> Self {
        let caller = principal.map_or(Caller::Anonymous, Caller::Principal);
        Self {
            catalog: catalog.acting_as(caller.name()),
            caller,
        }
    }

    fn authorize(&self, operation: &str) -> Result<(), CatalogError> {
        self.caller
            .authorize(operation, &self.catalog.identity().account_id)
            .map_err(|e| CatalogError {
                code: e.kind.code().to_string(),
                message: e.message,
            })
    }
}

impl CatalogClient for ServiceCatalog {
    fn call<'a>(&'a self, operation: &'a str, request: Value) -> CatalogFuture<'a> {
        Box::pin(async move {
            self.authorize(operation)?;
            weir_model::validate::validate_input(operation, &request).map_err(catalog_error)?;
            let (catalog, operation) = (self.catalog.clone(), operation.to_string());
            uncancelled(async move { catalog.call(&operation, &request).await }).await
        })
    }

    /// One metastore transaction for the group ([`Catalog::call_atomic`] validates each request).
    fn call_atomic<'a>(&'a self, calls: Vec<(String, Value)>) -> AtomicFuture<'a> {
        Box::pin(async move {
            for (operation, _) in &calls {
                self.authorize(operation)?;
            }
            let catalog = self.catalog.clone();
            uncancelled(async move { catalog.call_atomic(&calls).await }).await
        })
    }
}

/// Runs a catalog call in a task of its own, so that a run stopped mid-call does not cancel it
/// halfway through a metastore transaction (its connection would go back to the pool still in
/// it): the call ends, committed or rolled back, by itself.
async fn uncancelled<T: Send + 'static>(
    call: impl std::future::Future<Output = Result<T, GlueError>> + Send + 'static,
) -> Result<T, CatalogError> {
    match tokio::spawn(call).await {
        Ok(result) => result.map_err(catalog_error),
        Err(e) => Err(catalog_error(GlueError::internal(format!(
            "the catalog call failed: {e}"
        )))),
    }
}

/// A Glue error as the engine's catalog error.
pub fn catalog_error(e: GlueError) -> CatalogError {
    CatalogError {
        code: e.kind.shape_name().to_string(),
        message: e.message,
    }
}
