//! `WeirCatalog.ExecuteAtomically`: a Weir-specific operation, in the Glue JSON 1.1 protocol, that
//! runs several catalog calls in one metastore transaction ([`Catalog::call_atomic`]).
//!
//! Request `{"Calls": [{"Operation": "CreateTable", "Request": {…}}, …]}` (at most
//! [`weir_catalog::MAX_ATOMIC_CALLS`]; `Request` may be left out for an empty one), response
//! `{"Responses": [{…}, …]}`, each shaped by its operation's output shape as a single call's
//! would be. Errors are the usual Glue errors; a failed call's message names it.

use serde_json::{json, Value};
use weir_catalog::Catalog;
use weir_model::{output, GlueError};

/// The `X-Amz-Target` of the operation.
pub const TARGET: &str = "WeirCatalog.ExecuteAtomically";

/// Runs the parsed calls (see [`parse_calls`]) as one group.
pub async fn execute(catalog: &Catalog, calls: &[(String, Value)]) -> Result<Value, GlueError> {
    let responses = catalog.call_atomic(calls).await?;
    let shaped: Vec<Value> = calls
        .iter()
        .zip(responses)
        .map(|((operation, _), response)| output::shape_output(operation, response))
        .collect();
    Ok(json!({ "Responses": shaped }))
}

/// The `(operation, request)` pairs of the body; which operations exist, how many calls a group
/// may hold and whether each request is valid is the catalog's to check.
/// The group's calls: `(operation, request)` in order.
pub fn parse_calls(request: &Value) -> Result<Vec<(String, Value)>, GlueError> {
    let calls = match request.get("Calls") {
        None | Some(Value::Null) => return Err(invalid("Calls", "Member must not be null")),
        Some(Value::Array(calls)) => calls,
        Some(_) => return Err(invalid("Calls", "Member must be a list")),
    };
    calls
        .iter()
        .enumerate()
        .map(|(i, call)| parse_call(i + 1, call))
        .collect()
}

/// Entry `n` (from 1) of `Calls`.
fn parse_call(n: usize, call: &Value) -> Result<(String, Value), GlueError> {
    let operation = match call.get("Operation") {
        Some(Value::String(operation)) => operation.clone(),
        None | Some(Value::Null) => {
            return Err(invalid(
                &format!("Calls.{n}.Operation"),
                "Member must not be null",
            ))
        }
        Some(_) => {
            return Err(invalid(
                &format!("Calls.{n}.Operation"),
                "Member must be a string",
            ))
        }
    };
    let request = match call.get("Request") {
        None | Some(Value::Null) => json!({}),
        Some(request @ Value::Object(_)) => request.clone(),
        Some(_) => {
            return Err(invalid(
                &format!("Calls.{n}.Request"),
                "Member must be a structure",
            ))
        }
    };
    Ok((operation, request))
}

fn invalid(path: &str, constraint: &str) -> GlueError {
    GlueError::invalid_input(format!(
        "1 validation error detected: Value at '{path}' failed to satisfy constraint: {constraint}"
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use weir_model::ErrorKind;

    use super::parse_calls;

    fn message(body: serde_json::Value) -> String {
        let e = parse_calls(&body).expect_err("a bad body");
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        e.message
    }

    #[test]
    fn a_bad_body_names_the_field() {
        assert!(message(json!({})).contains("'Calls'"));
        assert!(message(json!({ "Calls": {} })).contains("'Calls'"));
        assert!(
            message(json!({ "Calls": [{ "Operation": "GetDatabases" }, {}] }))
                .contains("'Calls.2.Operation'")
        );
        assert!(
            message(json!({ "Calls": [{ "Operation": "GetDatabases", "Request": [] }] }))
                .contains("'Calls.1.Request'")
        );
    }

    #[test]
    fn a_missing_request_is_empty() {
        let calls = parse_calls(&json!({ "Calls": [{ "Operation": "GetDatabases" }] }));
        assert_eq!(calls, Ok(vec![("GetDatabases".to_string(), json!({}))]));
    }
}
