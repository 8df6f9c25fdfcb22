//! `/iceberg/…`: the Iceberg REST catalog ([`weir_iceberg::rest`]) on the service's port.
//! Requests are authenticated as every route is (SigV4, signing name `glue`, as AWS's Glue
//! Iceberg endpoint wants); the catalog is then called as the caller, whose allowed actions
//! decide each Glue operation a request makes (`glue:GetTable`, `glue:UpdateTable`, …).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use weir_auth::Caller;
use weir_iceberg::rest::Request;
use weir_jobs::catalog_client::ServiceCatalog;
use weir_model::{ErrorKind, GlueError};

use crate::{auth, AppState};

/// The routes' prefix.
pub const PREFIX: &str = "/iceberg";

pub async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match auth::authenticate(&state, &method, &uri, &headers, &body) {
        Ok(caller) => caller,
        Err(e) => return auth::refusal(&e, "application/json"),
    };
    // Served in a task of its own, as Glue requests are: a client that goes away does not cut
    // a commit short between its metadata file and the catalog's swap.
    let served = tokio::spawn(async move {
        let client = ServiceCatalog::acting_as(&state.catalog, principal(&caller));
        let path = uri.path().strip_prefix(PREFIX).unwrap_or(uri.path());
        let request = Request {
            method: method.as_str(),
            path,
            query: uri.query().unwrap_or_default(),
            body: &body,
        };
        let reply = state.iceberg.handle(&client, request).await;
        if !matches!(method, Method::GET | Method::HEAD) {
            auth::audit(
                caller.name().unwrap_or("anonymous"),
                &format!("Iceberg {method} {path}"),
                None,
                if reply.status < 300 { "ok" } else { "refused" },
            );
        }
        reply
    });
    let reply = match served.await {
        Ok(reply) => reply,
        Err(e) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("serving the request failed: {e}"),
            )
                .into_response()
        }
    };
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match reply.body {
        None => status.into_response(),
        Some(body) => {
            let mut response = (status, body.to_string()).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
    }
}

/// The principal a caller is, if any.
pub fn principal(caller: &Caller) -> Option<std::sync::Arc<weir_auth::Principal>> {
    match caller {
        Caller::Principal(p) => Some(p.clone()),
        Caller::Anonymous => None,
    }
}

/// An Iceberg error as a Glue error (for Glue operations that create Iceberg tables).
pub fn glue_error(e: weir_iceberg::Error) -> GlueError {
    use weir_iceberg::Error;
    let kind = match &e {
        Error::NoSuchNamespace(_) | Error::NoSuchTable(_) | Error::NoSuchView(_) => {
            ErrorKind::EntityNotFound
        }
        Error::AlreadyExists(_) => ErrorKind::AlreadyExists,
        Error::BadRequest(_) | Error::Unsupported(_) => ErrorKind::InvalidInput,
        Error::Forbidden(_) => ErrorKind::AccessDenied,
        Error::CommitFailed(_) => ErrorKind::ConcurrentModification,
        Error::Catalog(c) => {
            let kind = ErrorKind::from_shape_name(&c.code).unwrap_or(ErrorKind::InternalService);
            return GlueError::new(kind, c.message.clone());
        }
        _ => ErrorKind::InternalService,
    };
    GlueError::new(kind, e.to_string())
}
