//! The Glue JSON 1.1 wire protocol: `X-Amz-Target: AWSGlue.<Operation>`, a JSON body validated
//! against the botocore model, a JSON response trimmed to the output shape, and errors as
//! `{"__type": "<Exception>", "Message": "…"}` with HTTP 400 (500 for internal faults).
//! This is the one place that maps Glue errors to HTTP. Besides the Glue operations it serves
//! Weir's own `WeirCatalog.ExecuteAtomically` ([`atomic`]) in the same protocol.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{json, Value};
use weir_auth::Caller;
use weir_catalog::Catalog;
use weir_crawler::CrawlerService;
use weir_iceberg::create_input;
use weir_jdbc::service::JdbcService;
use weir_jobs::catalog_client::ServiceCatalog;
use weir_jobs::JobService;
use weir_model::service::ServiceModel;
use weir_model::{output, validate, ErrorKind, GlueError};
use weir_optimizers::OptimizerService;
use weir_pii::PiiService;
use weir_quality::QualityService;

use crate::{atomic, auth, iceberg, AppState};

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The largest request body accepted (the model allows requests of a few MiB, e.g. views with
/// several 400 KiB dialect texts).
pub const MAX_BODY_BYTES: usize = 32 << 20;

pub async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let request_id = request_id();
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let operation = target
        .strip_prefix("AWSGlue.")
        .unwrap_or(target)
        .to_string();
    let label = if ServiceModel::glue().operation(&operation).is_some() || target == atomic::TARGET
    {
        operation.as_str()
    } else {
        "unknown"
    };
    let body = match body {
        Ok(body) => body,
        Err(e) => {
            let e = GlueError::invalid_input(format!(
                "The request body cannot be read ({e}); requests are limited to {} MiB",
                MAX_BODY_BYTES >> 20
            ));
            state
                .metrics
                .observe(label, e.kind.shape_name(), started.elapsed());
            return respond(Err(e), &request_id, &operation);
        }
    };
    let caller = match auth::authenticate(&state, &method, &uri, &headers, &body) {
        Ok(caller) => caller,
        Err(e) => {
            state
                .metrics
                .observe(label, e.kind.code(), started.elapsed());
            if label != "unknown" && auth::is_write(label) {
                let claimed = serde_json::from_slice(&body).ok();
                auth::audit("unauthenticated", label, claimed.as_ref(), e.kind.code());
            }
            tracing::debug!(request_id, operation, error = %e, "request refused");
            let mut response = auth::refusal(&e, CONTENT_TYPE);
            insert_request_id(&mut response, &request_id);
            return response;
        }
    };
    // Served in a task of its own: a client that goes away mid-request does not cancel the work
    // halfway through a metastore transaction (its connection would go back to the pool still
    // in it).
    let served = tokio::spawn({
        let (state, operation, target) = (state.clone(), operation.clone(), target.to_string());
        let caller = caller.clone();
        async move {
            let mut request = None;
            let result = dispatch(&state, &caller, &operation, &target, &body, &mut request).await;
            (result, request)
        }
    });
    let (result, request) = served.await.unwrap_or_else(|e| {
        (
            Err(GlueError::internal(format!(
                "serving the request failed: {e}"
            ))),
            None,
        )
    });
    let outcome = match &result {
        Ok(_) => "ok",
        Err(e) => e.kind.shape_name(),
    };
    state.metrics.observe(label, outcome, started.elapsed());
    if label != "unknown" && auth::is_write(label) {
        auth::audit(
            caller.name().unwrap_or("anonymous"),
            label,
            request.as_ref(),
            outcome,
        );
    }
    respond(result, &request_id, &operation)
}

fn respond(result: Result<Value, GlueError>, request_id: &str, operation: &str) -> Response {
    let (status, body) = match result {
        Ok(body) => (StatusCode::OK, body),
        Err(e) => error_body(&e, request_id, operation),
    };
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    insert_request_id(&mut response, request_id);
    response
}

fn insert_request_id(response: &mut Response, request_id: &str) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", v);
    }
}

/// Serves an authenticated request; `request` receives its parsed body (for the audit line).
async fn dispatch(
    state: &AppState,
    caller: &Caller,
    operation: &str,
    target: &str,
    body: &[u8],
    request: &mut Option<Value>,
) -> Result<Value, GlueError> {
    if target.is_empty() {
        return Err(GlueError::new(
            ErrorKind::UnknownOperation,
            "Missing X-Amz-Target header: expected AWSGlue.<Operation>",
        ));
    }
    if target == atomic::TARGET {
        let calls = atomic::parse_calls(request.insert(parse_body(body)?))?;
        for (operation, _) in &calls {
            auth::authorize(state, caller, operation)?;
        }
        return atomic::execute(&state.catalog.acting_as(caller.name()), &calls).await;
    }
    if ServiceModel::glue().operation(operation).is_none() || !target.starts_with("AWSGlue.") {
        return Err(GlueError::new(
            ErrorKind::UnknownOperation,
            format!("Unknown operation {target}: not an AWS Glue operation"),
        ));
    }
    if !Catalog::serves(operation)
        && !JobService::serves(operation)
        && !CrawlerService::serves(operation)
        && !QualityService::serves(operation)
        && !PiiService::serves(operation)
        && !JdbcService::serves(operation)
        && !OptimizerService::serves(operation)
    {
        return Err(GlueError::new(
            ErrorKind::UnknownOperation,
            format!("Operation {operation} is part of the Glue API but not supported by Weir"),
        ));
    }
    // Parsed before the authorization so that a refusal's audit line names the resource.
    *request = parse_body(body).ok();
    auth::authorize(state, caller, operation)?;
    let Some(parsed) = request.as_ref() else {
        return parse_body(body);
    };
    validate::validate_input(operation, parsed)?;
    let response = if JobService::serves(operation) {
        state
            .jobs
            .acting_as(caller.name())
            .call(operation, parsed)
            .await?
    } else if CrawlerService::serves(operation) {
        state
            .crawlers
            .acting_as(caller.name())
            .call(operation, parsed)
            .await?
    } else if QualityService::serves(operation) {
        state
            .quality
            .acting_as(caller.name())
            .call(operation, parsed)
            .await?
    } else if PiiService::serves(operation) {
        state.pii.call(operation, parsed).await?
    } else if operation == "CreateTable" && create_input::is_iceberg_create(parsed) {
        let client = ServiceCatalog::acting_as(&state.catalog, iceberg::principal(caller));
        create_input::create_from_input(state.iceberg.tables(), &client, parsed)
            .await
            .map_err(iceberg::glue_error)?;
        json!({})
    } else if OptimizerService::serves(operation) {
        state
            .optimizers
            .acting_as(caller.name())
            .call(operation, parsed)
            .await?
    } else if JdbcService::serves(operation) {
        state
            .jdbc
            .acting_as(caller.name())
            .call(operation, parsed)
            .await?
    } else {
        state
            .catalog
            .acting_as(caller.name())
            .call(operation, parsed)
            .await?
    };
    Ok(output::shape_output(operation, response))
}

/// The request's JSON (an empty body is `{}`).
fn parse_body(body: &[u8]) -> Result<Value, GlueError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| GlueError::serialization(format!("Request body is not valid JSON: {e}")))
}

fn error_body(e: &GlueError, request_id: &str, operation: &str) -> (StatusCode, Value) {
    let status =
        StatusCode::from_u16(e.kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = if e.kind == ErrorKind::InternalService {
        tracing::error!(request_id, operation, error = %e.message, "internal error");
        format!("Internal error; see the service log for request id {request_id}")
    } else {
        tracing::debug!(request_id, operation, error = %e, "request rejected");
        e.message.clone()
    };
    (
        status,
        json!({ "__type": e.kind.shape_name(), "Message": message }),
    )
}

fn request_id() -> String {
    let mut rng = rand::thread_rng();
    format!("{:016x}{:016x}", rng.gen::<u64>(), rng.gen::<u64>())
}
