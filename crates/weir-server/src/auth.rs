//! Every route's authentication: the request's Signature Version 4 verified by
//! [`weir_auth::Authenticator`], refusals answered as AWS answers them, the principal's
//! allowed actions checked, and an audit line for each write.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use weir_auth::{AuthError, Caller, Request};
use weir_model::{ErrorKind, GlueError};

use crate::AppState;

/// The caller of a request, from its signature (anonymous when authentication is off).
pub fn authenticate(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, AuthError> {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let request = Request {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        headers: &headers,
        body,
    };
    state.auth.authenticate(&request, chrono::Utc::now())
}

/// Whether the caller may call `operation` (the action `glue:<operation>`).
pub fn authorize(state: &AppState, caller: &Caller, operation: &str) -> Result<(), GlueError> {
    caller
        .authorize(operation, &state.catalog.identity().account_id)
        .map_err(|e| GlueError::new(ErrorKind::AccessDenied, e.message))
}

/// A refused request's answer: `{"__type", "Message"}` with AWS's status.
pub fn refusal(e: &AuthError, content_type: &'static str) -> Response {
    let status = StatusCode::from_u16(e.kind.http_status()).unwrap_or(StatusCode::FORBIDDEN);
    let body = json!({ "__type": e.kind.code(), "Message": e.message });
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A route outside the Glue protocol (`GET /metrics`, `GET /runs/{id}/log`): the caller must
/// be allowed `glue:<action>`. The refusal to answer when not.
pub fn refuse_route(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    action: &str,
) -> Option<Response> {
    let caller = match authenticate(state, method, uri, headers, b"") {
        Ok(caller) => caller,
        Err(e) => return Some(refusal(&e, "application/json")),
    };
    authorize(state, &caller, action).err().map(|e| {
        let body = json!({ "__type": e.kind.shape_name(), "Message": e.message });
        (StatusCode::BAD_REQUEST, body.to_string()).into_response()
    })
}

/// Whether an operation changes anything (every operation but the reads).
pub fn is_write(operation: &str) -> bool {
    !["Get", "List", "BatchGet", "Search", "Query"]
        .iter()
        .any(|p| operation.starts_with(p))
}

/// One audit line for a write: who, what, on what, and how it ended.
pub fn audit(principal: &str, operation: &str, request: Option<&Value>, outcome: &str) {
    let resource = request.map(resource).unwrap_or_default();
    tracing::info!(
        target: "audit",
        principal = %principal,
        operation = %operation,
        resource = %resource,
        outcome = %outcome,
    );
}

/// The names a request acts on, most general first (`database/table`, a job's name, a run
/// id), from the members that name Glue resources.
fn resource(request: &Value) -> String {
    const NAMING: &[&str] = &[
        "DatabaseName",
        "TableName",
        "JobName",
        "CrawlerName",
        "Name",
        "ConnectionName",
        "FunctionName",
        "IndexName",
        "JobRunId",
        "ResourceArn",
    ];
    const INPUTS: &[&str] = &[
        "DatabaseInput",
        "TableInput",
        "ConnectionInput",
        "FunctionInput",
        "PartitionIndex",
        "GrokClassifier",
        "XMLClassifier",
        "JsonClassifier",
        "CsvClassifier",
    ];
    let mut parts: Vec<String> = Vec::new();
    let mut push = |v: Option<&Value>| {
        if let Some(text) = v.and_then(Value::as_str) {
            if !parts.iter().any(|p| p == text) {
                parts.push(text.to_string());
            }
        }
    };
    for member in NAMING {
        push(request.get(*member));
    }
    for input in INPUTS {
        push(
            request
                .get(*input)
                .and_then(|i| i.get("Name").or_else(|| i.get("IndexName"))),
        );
    }
    if let Some(values) = request.get("PartitionValues").and_then(Value::as_array) {
        let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        parts.push(values.join(","));
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_not_writes() {
        for read in [
            "GetTable",
            "GetPartitions",
            "ListJobs",
            "BatchGetJobs",
            "SearchTables",
        ] {
            assert!(!is_write(read), "{read}");
        }
        for write in [
            "CreateTable",
            "BatchCreatePartition",
            "StartJobRun",
            "TagResource",
            "ExecuteAtomically",
        ] {
            assert!(is_write(write), "{write}");
        }
    }

    #[test]
    fn the_resource_names_what_the_request_acts_on() {
        assert_eq!(
            resource(&json!({"DatabaseInput": {"Name": "sales"}})),
            "sales"
        );
        assert_eq!(
            resource(&json!({"DatabaseName": "sales", "TableInput": {"Name": "orders"}})),
            "sales/orders"
        );
        assert_eq!(
            resource(
                &json!({"DatabaseName": "s", "TableName": "o", "PartitionValues": ["2024", "1"]})
            ),
            "s/o/2024,1"
        );
        assert_eq!(
            resource(&json!({"JobName": "nightly", "JobRunId": "jr_1"})),
            "nightly/jr_1"
        );
        assert_eq!(
            resource(&json!({"CrawlerName": "daily", "Schedule": "cron(0 1 * * ? *)"})),
            "daily"
        );
        assert_eq!(
            resource(&json!({"CsvClassifier": {"Name": "pipes", "Delimiter": "|"}})),
            "pipes"
        );
        assert_eq!(resource(&json!([1])), "");
    }
}
