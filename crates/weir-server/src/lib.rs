//! Weir's HTTP service: one port with the Glue JSON 1.1 API on `POST /`, `GET /health`,
//! `GET /metrics`, `GET /runs/{run_id}/log` and the Iceberg REST catalog under `/iceberg`
//! ([`iceberg`]). Handlers decode, call the service, encode; the wire rules (target header, model validation, output shaping, error bodies) live in [`glue`].
//! Every route but `/health` is authenticated ([`auth`]): `/metrics` is the action
//! `glue:GetMetrics`, a run's log `glue:GetJobRun`.

mod atomic;
mod auth;
mod glue;
mod iceberg;
mod metrics;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use tokio::net::TcpListener;
use weir_auth::Authenticator;
use weir_catalog::Catalog;
use weir_crawler::CrawlerService;
use weir_jdbc::service::JdbcService;
use weir_jobs::JobService;
use weir_pii::PiiService;
use weir_quality::QualityService;

pub use metrics::Metrics;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Catalog,
    pub jobs: JobService,
    pub crawlers: CrawlerService,
    pub quality: QualityService,
    pub pii: PiiService,
    pub jdbc: JdbcService,
    pub optimizers: weir_optimizers::OptimizerService,
    /// The Iceberg REST catalog under `/iceberg`.
    pub iceberg: weir_iceberg::RestCatalog,
    pub metrics: Arc<Metrics>,
    /// Per-commit metrics of Iceberg tables, shown on `/metrics` (when collected).
    pub table_metrics: Option<Arc<weir_table_metrics::Collector>>,
    /// Who may call (authentication off: everyone, anonymously).
    pub auth: Arc<Authenticator>,
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", post(glue::handle))
        .route("/health", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics::handle))
        .route("/runs/{run_id}/log", get(run_log))
        .route("/iceberg/{*path}", any(iceberg::handle))
        .layer(DefaultBodyLimit::max(glue::MAX_BODY_BYTES))
        .with_state(state)
}

/// `GET /runs/{run_id}/log`: a job run's log as text (404 before the run has ended).
async fn run_log(
    State(state): State<AppState>,
    Path(run_id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = auth::refuse_route(&state, &method, &uri, &headers, "GetJobRun") {
        return refused;
    }
    match state.jobs.run_log(&run_id).await {
        Ok(Some(log)) => log.into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("No log for job run {run_id}: the run does not exist or has not ended\n"),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
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
