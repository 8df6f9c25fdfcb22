//! Weir's HTTP service: one port with the Glue JSON 1.1 API on `POST /`, `GET /health` and
//! `GET /metrics`. Handlers decode, call the service, encode; the wire rules (target header,
//! model validation, output shaping, error bodies) live in [`glue`].

mod atomic;
mod glue;
mod metrics;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use weir_catalog::Catalog;

pub use metrics::Metrics;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Catalog,
    pub metrics: Arc<Metrics>,
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", post(glue::handle))
        .route("/health", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics::handle))
        .layer(DefaultBodyLimit::max(glue::MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
