//! The engine's catalog client for a running Weir service: each call is a Glue JSON 1.1 request
//! (`POST` to the endpoint with `X-Amz-Target: AWSGlue.<Operation>`), and an atomic group is
//! Weir's own `WeirCatalog.ExecuteAtomically`, one metastore transaction on the server.
//!
//! Errors: a Glue error body becomes its exception name and message, as botocore decodes it;
//! failures of the transport get botocore's names too (`EndpointConnectionError`,
//! `ReadTimeoutError`, `ResponseParserError`, or the HTTP status when an error has no body Weir
//! would send).
//!
//! Retries follow botocore's standard mode (3 attempts, exponential backoff with full jitter)
//! where a retry cannot apply a change twice: every call is retried when the connection could
//! not be made (nothing was sent) or the service answered that it is throttling; reads (`Get…`,
//! `List…`, `Search…`, `BatchGet…`) also after a timeout, a broken connection or an HTTP 500,
//! 502, 503 or 504. A write whose answer was lost is not retried: it may have been applied.
//!
//! Requests are signed (Signature Version 4, service `glue`) with the credentials every AWS tool
//! finds ([`weir_auth::from_environment`]), so a service that authenticates knows the caller.

use std::time::Duration;

use anyhow::{bail, Context};
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use serde_json::{json, Value};
use weir_auth::Credentials;
use weir_engine::catalog::{AtomicFuture, CatalogClient, CatalogError, CatalogFuture};

/// How long establishing a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one call may take, answer included. Generous: an atomic group can hold a few
/// thousand partitions.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
const JSON_1_1: &str = "application/x-amz-json-1.1";
/// The target of an atomic group (`weir-server`'s `atomic::TARGET`).
const ATOMIC_TARGET: &str = "WeirCatalog.ExecuteAtomically";
/// The codes of failures to talk to the service at all (named as botocore names them).
const TRANSPORT_ERRORS: [&str; 3] = [
    "EndpointConnectionError",
    "ReadTimeoutError",
    "ResponseParserError",
];
/// The longest part of an unexpected response body quoted in an error.
const QUOTED_BODY: usize = 200;
/// Attempts of one call (botocore's standard mode).
const MAX_ATTEMPTS: u32 = 3;
/// The first retry waits up to this long; each further one up to twice as long.
const BACKOFF_BASE: Duration = Duration::from_millis(200);
/// Error codes that say the service refused the call before doing anything (botocore's
/// throttling codes).
const THROTTLING: [&str; 10] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "SlowDown",
];
/// HTTP statuses of transient failures, retried for reads.
const TRANSIENT_STATUS: [&str; 4] = ["500", "502", "503", "504"];

/// Signs requests to a Weir service.
#[derive(Clone)]
pub struct Signer {
    credentials: Credentials,
    region: String,
}

impl Signer {
    /// The environment's credentials (`AWS_ACCESS_KEY_ID`…, or the shared credentials file),
    /// signing for `AWS_REGION`/`AWS_DEFAULT_REGION` or else `region`; `None` without credentials.
    pub fn from_environment(region: &str) -> Option<Self> {
        let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|r| !r.is_empty()))
            .unwrap_or_else(|| region.to_string());
        Some(Self {
            credentials: weir_auth::from_environment()?,
            region,
        })
    }

    /// The request with its `host`, `x-amz-date`, (`x-amz-security-token`) and `authorization`.
    fn sign(
        &self,
        mut request: reqwest::RequestBuilder,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> reqwest::RequestBuilder {
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let mut all = vec![("host", host.as_str())];
        all.extend_from_slice(headers);
        let unsigned = weir_auth::Request {
            method,
            path: url.path(),
            query: url.query().unwrap_or_default(),
            headers: &all,
            body,
        };
        request = request.header("host", &host);
        for (name, value) in weir_auth::sign(
            &self.credentials,
            &self.region,
            &unsigned,
            chrono::Utc::now(),
        ) {
            request = request.header(name, value);
        }
        request
    }
}

/// The request, signed when there is a signer.
fn signed(
    signer: Option<&Signer>,
    request: reqwest::RequestBuilder,
    method: &str,
    url: &Url,
    headers: &[(&str, &str)],
    body: &[u8],
) -> reqwest::RequestBuilder {
    match signer {
        Some(signer) => signer.sign(request, method, url, headers, body),
        None => request,
    }
}

/// The catalog of the Weir service at an `http://` or `https://` endpoint.
pub struct RemoteCatalog {
    endpoint: Url,
    http: reqwest::Client,
    signer: Option<Signer>,
}

impl RemoteCatalog {
    /// A client of the service at `endpoint` (e.g. `http://127.0.0.1:4270`), signing its
    /// requests with `signer`; connects lazily.
    pub fn new(endpoint: &str, signer: Option<Signer>) -> anyhow::Result<Self> {
        let Some(endpoint) = parse_endpoint(endpoint) else {
            bail!("the catalog endpoint must be an http:// or https:// URL with a host, got '{endpoint}'");
        };
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("weir/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the catalog's HTTP client")?;
        Ok(Self {
            endpoint,
            http,
            signer,
        })
    }

    /// A client of the service at `endpoint` that has answered one request (a one-database
    /// `GetDatabases`), so a job does not start against a catalog it cannot reach.
    pub async fn connect(endpoint: &str, signer: Option<Signer>) -> anyhow::Result<Self> {
        let catalog = Self::new(endpoint, signer)?;
        match catalog
            .post("AWSGlue.GetDatabases", &json!({ "MaxResults": 1 }))
            .await
        {
            Ok(_) => Ok(catalog),
            Err(e) if TRANSPORT_ERRORS.contains(&e.code.as_str()) => bail!("{}", e.message),
            Err(e) if catalog.signer.is_none() && e.code == "MissingAuthenticationTokenException" => bail!(
                "the catalog at {} requires signed requests and no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to a principal's keys",
                catalog.endpoint
            ),
            Err(e) => bail!(
                "the catalog at {} refused GetDatabases: {}: {}",
                catalog.endpoint,
                e.code,
                e.message
            ),
        }
    }

    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Posts a request with `X-Amz-Target: target`, retried where that is safe (see the module
    /// documentation); the decoded JSON answer, or the last error.
    async fn post(&self, target: &str, body: &Value) -> Result<Value, CatalogError> {
        let body = body.to_string();
        let mut attempt = 1;
        loop {
            match self.post_once(target, &body).await {
                Err(failure) if attempt < MAX_ATTEMPTS && failure.retryable(target) => {
                    let ceiling = BACKOFF_BASE * 2u32.pow(attempt - 1);
                    let wait = ceiling.mul_f64(rand::random::<f64>());
                    tracing::debug!(target, attempt, ?wait, error = %failure.error.message, "retrying a catalog call");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(failure) => return Err(failure.error),
                Ok(answer) => return Ok(answer),
            }
        }
    }

    /// One request; a failure says whether the request reached the service.
    async fn post_once(&self, target: &str, body: &str) -> Result<Value, Failure> {
        let sent = |error| Failure {
            error,
            unsent: false,
        };
        let request = self
            .http
            .post(self.endpoint.clone())
            .header("X-Amz-Target", target)
            .header(CONTENT_TYPE, JSON_1_1)
            .body(body.to_string());
        let headers = [("x-amz-target", target), ("content-type", JSON_1_1)];
        let response = signed(
            self.signer.as_ref(),
            request,
            "POST",
            &self.endpoint,
            &headers,
            body.as_bytes(),
        )
        .send()
        .await
        .map_err(|e| Failure {
            unsent: e.is_connect(),
            error: self.transport_error(target, e),
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| sent(self.transport_error(target, e)))?;
        if !status.is_success() {
            return Err(sent(self.error_response(target, status, &headers, &bytes)));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(json!({}));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            sent(CatalogError {
                code: "ResponseParserError".into(),
                message: format!(
                    "the catalog at {} answered {target} with a body that is not JSON ({e}): {}",
                    self.endpoint,
                    quote(&bytes)
                ),
            })
        })
    }

    fn transport_error(&self, target: &str, e: reqwest::Error) -> CatalogError {
        let (connect, timeout) = (e.is_connect(), e.is_timeout());
        let cause = chain(&e.without_url());
        if connect {
            CatalogError {
                code: "EndpointConnectionError".into(),
                message: format!("cannot reach the catalog at {}: {cause}", self.endpoint),
            }
        } else if timeout {
            CatalogError {
                code: "ReadTimeoutError".into(),
                message: format!(
                    "the catalog at {} did not answer {target} within {}s (a write may or may not have been applied)",
                    self.endpoint,
                    REQUEST_TIMEOUT.as_secs()
                ),
            }
        } else {
            CatalogError {
                code: "EndpointConnectionError".into(),
                message: format!(
                    "the call {target} to the catalog at {} failed (a write may or may not have been applied): {cause}",
                    self.endpoint
                ),
            }
        }
    }

    /// A non-2xx answer: the Glue error in its body, else the HTTP status.
    fn error_response(
        &self,
        target: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> CatalogError {
        decode_error(headers, body).unwrap_or_else(|| CatalogError {
            code: status.as_u16().to_string(),
            message: format!(
                "the catalog at {} answered {target} with HTTP {status}: {}",
                self.endpoint,
                quote(body)
            ),
        })
    }
}

/// A failed attempt of a call.
struct Failure {
    error: CatalogError,
    /// The connection was never made: the service saw nothing.
    unsent: bool,
}

impl Failure {
    /// May the call be sent again? Always when nothing reached the service or it throttled;
    /// for reads also after a transient failure of the transport or the service.
    fn retryable(&self, target: &str) -> bool {
        let code = self.error.code.as_str();
        if self.unsent || THROTTLING.contains(&code) {
            return true;
        }
        let read = target.strip_prefix("AWSGlue.").is_some_and(|op| {
            ["Get", "List", "Search", "BatchGet"]
                .iter()
                .any(|p| op.starts_with(p))
        });
        let transient = TRANSIENT_STATUS.contains(&code)
            || matches!(code, "ReadTimeoutError" | "EndpointConnectionError");
        read && transient
    }
}

impl CatalogClient for RemoteCatalog {
    fn call<'a>(&'a self, operation: &'a str, request: Value) -> CatalogFuture<'a> {
        Box::pin(async move { self.post(&format!("AWSGlue.{operation}"), &request).await })
    }

    /// One `WeirCatalog.ExecuteAtomically` request: one transaction on the server.
    fn call_atomic<'a>(&'a self, calls: Vec<(String, Value)>) -> AtomicFuture<'a> {
        Box::pin(async move {
            let count = calls.len();
            let body = json!({
                "Calls": calls
                    .into_iter()
                    .map(|(operation, request)| json!({ "Operation": operation, "Request": request }))
                    .collect::<Vec<_>>()
            });
            let mut answer = self.post(ATOMIC_TARGET, &body).await?;
            match answer.get_mut("Responses").map(Value::take) {
                Some(Value::Array(responses)) if responses.len() == count => Ok(responses),
                _ => Err(CatalogError {
                    code: "ResponseParserError".into(),
                    message: format!(
                        "the catalog at {} answered {ATOMIC_TARGET} without {count} Responses: {}",
                        self.endpoint,
                        quote(answer.to_string().as_bytes())
                    ),
                }),
            }
        })
    }
}

/// The log of a job run of the Weir service at `endpoint` (`GET /runs/{run_id}/log`).
pub async fn run_log(
    endpoint: &str,
    run_id: &str,
    signer: Option<&Signer>,
) -> anyhow::Result<String> {
    let base = parse_endpoint(endpoint).ok_or_else(|| {
        anyhow::anyhow!("--endpoint must be an http:// or https:// URL, got '{endpoint}'")
    })?;
    let url = base
        .join(&format!("runs/{run_id}/log"))
        .map_err(|e| anyhow::anyhow!("run id '{run_id}': {e}"))?;
    let request = reqwest::Client::new().get(url.clone());
    let response = signed(signer, request, "GET", &url, &[], b"")
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("the Weir service at {endpoint} did not answer: {e}"))?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        anyhow::bail!("{}", text.trim_end());
    }
    Ok(text)
}

/// The endpoint as a URL, when it is an `http` or `https` one with a host.
pub fn parse_endpoint(endpoint: &str) -> Option<Url> {
    Url::parse(endpoint)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
}

/// The Glue error of an error response, decoded as botocore decodes the JSON protocol's: the
/// code from `__type` (or `code`, or the `x-amzn-ErrorType` header) without its namespace
/// (`com.amazonaws.glue#EntityNotFoundException` → `EntityNotFoundException`), the message from
/// `Message` or `message`. `None` when the response carries no code.
fn decode_error(headers: &HeaderMap, body: &[u8]) -> Option<CatalogError> {
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = |key: &str| parsed.get(key).and_then(Value::as_str).map(str::to_string);
    let header = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_string());
    let code = text("__type").or_else(|| text("code")).or(header)?;
    let code = code.rsplit('#').next().unwrap_or(&code).trim().to_string();
    if code.is_empty() {
        return None;
    }
    let message = text("Message")
        .or_else(|| text("message"))
        .unwrap_or_default();
    Some(CatalogError { code, message })
}

/// An error with its causes: `a: b: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.ends_with(&next) {
            text = format!("{text}: {next}");
        }
        source = cause.source();
    }
    text
}

/// The start of a response body, for an error message.
fn quote(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(QUOTED_BODY) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None if text.is_empty() => "(empty body)".into(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue};
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    use serde_json::json;
    use weir_engine::catalog::CatalogClient;

    use super::{decode_error, parse_endpoint, Credentials, RemoteCatalog, Signer};

    fn decode(body: serde_json::Value) -> Option<(String, String)> {
        decode_error(&HeaderMap::new(), body.to_string().as_bytes()).map(|e| (e.code, e.message))
    }

    #[test]
    fn glue_error_bodies_decode_as_botocore_decodes_them() {
        let e =
            decode(json!({ "__type": "EntityNotFoundException", "Message": "Table t not found." }));
        assert_eq!(
            e,
            Some((
                "EntityNotFoundException".into(),
                "Table t not found.".into()
            ))
        );
        let e = decode(
            json!({ "__type": "com.amazonaws.glue#AlreadyExistsException", "message": "x" }),
        );
        assert_eq!(e, Some(("AlreadyExistsException".into(), "x".into())));
        assert_eq!(decode(json!({ "error": "nope" })), None);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_static("ThrottlingException:http://internal.amazon.com/"),
        );
        let e = decode_error(&headers, b"<html>busy</html>").map(|e| e.code);
        assert_eq!(e.as_deref(), Some("ThrottlingException"));
    }

    #[test]
    fn endpoints_are_http_urls_with_a_host() {
        assert!(parse_endpoint("http://127.0.0.1:4270").is_some());
        assert!(parse_endpoint("https://weir.example.com/").is_some());
        for bad in [
            "127.0.0.1:4270",
            "ftp://host/",
            "file:///tmp/x",
            "not a url",
        ] {
            assert!(parse_endpoint(bad).is_none(), "{bad}");
        }
    }

    /// An HTTP server on a thread: answers one connection per `(status, body)`, in order, and
    /// hands back the requests it read.
    fn answer_each(
        answers: Vec<(&'static str, &'static str)>,
    ) -> (String, JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let served = std::thread::spawn(move || {
            answers
                .into_iter()
                .map(|(status, body)| serve(&listener, status, body))
                .collect()
        });
        (url, served)
    }

    /// [`answer_each`] with one answer.
    fn answer_once(status: &'static str, body: &'static str) -> (String, JoinHandle<String>) {
        let (url, served) = answer_each(vec![(status, body)]);
        let one = std::thread::spawn(move || served.join().expect("served").remove(0));
        (url, one)
    }

    /// Reads one request on the next connection and answers it.
    fn serve(listener: &TcpListener, status: &str, body: &str) -> String {
        let (mut socket, _) = listener.accept().expect("accept");
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = socket.read(&mut buf).expect("read");
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
            let Some(head) = text.find("\r\n\r\n") else {
                assert!(n > 0, "the request ended early");
                continue;
            };
            let length = text[..head]
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse::<usize>().expect("length"))
                .unwrap_or(0);
            if request.len() >= head + 4 + length || n == 0 {
                break;
            }
        }
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).expect("write");
        String::from_utf8_lossy(&request).to_string()
    }

    #[tokio::test]
    async fn a_call_is_a_glue_request_and_its_error_a_catalog_error() {
        let (url, served) = answer_once(
            "400 Bad Request",
            r#"{"__type":"com.amazonaws.glue#EntityNotFoundException","Message":"Database d not found."}"#,
        );
        let client = RemoteCatalog::new(&url, None).expect("client");
        let e = client
            .call("GetTable", json!({ "DatabaseName": "d", "Name": "t" }))
            .await
            .expect_err("an error");
        assert_eq!(e.code, "EntityNotFoundException");
        assert_eq!(e.message, "Database d not found.");
        let request = served.join().expect("served").to_ascii_lowercase();
        assert!(request.starts_with("post / http/1.1\r\n"), "{request}");
        assert!(
            request.contains("x-amz-target: awsglue.gettable\r\n"),
            "{request}"
        );
        assert!(
            request.contains("content-type: application/x-amz-json-1.1\r\n"),
            "{request}"
        );
        assert!(
            request.ends_with(r#"{"databasename":"d","name":"t"}"#),
            "{request}"
        );
    }

    #[tokio::test]
    async fn a_call_with_credentials_is_signed_for_glue() {
        let (url, served) = answer_once("200 OK", r#"{"DatabaseList":[]}"#);
        let signer = Signer {
            credentials: Credentials {
                access_key_id: "AKIAWEIRADMIN0000001".into(),
                secret_access_key: "secret".into(),
                session_token: Some("token".into()),
            },
            region: "eu-west-1".into(),
        };
        let client = RemoteCatalog::new(&url, Some(signer)).expect("client");
        client
            .call("GetDatabases", json!({}))
            .await
            .expect("answered");
        let request = served.join().expect("served").to_ascii_lowercase();
        let authorization = request
            .lines()
            .find_map(|l| l.strip_prefix("authorization: "))
            .unwrap_or_else(|| panic!("no authorization header: {request}"));
        let date = chrono::Utc::now().format("%Y%m%d").to_string();
        assert!(
            authorization.starts_with(&format!(
                "aws4-hmac-sha256 credential=akiaweiradmin0000001/{date}/eu-west-1/glue/aws4_request, signedheaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, signature="
            )),
            "{authorization}"
        );
        assert!(
            request.contains("x-amz-security-token: token\r\n"),
            "{request}"
        );
    }

    #[tokio::test]
    async fn an_atomic_group_is_one_request_and_answers_in_order() {
        let (url, served) = answer_once("200 OK", r#"{"Responses":[{},{"Errors":[]}]}"#);
        let client = RemoteCatalog::new(&url, None).expect("client");
        let responses = client
            .call_atomic(vec![
                ("CreateTable".into(), json!({ "DatabaseName": "d" })),
                (
                    "BatchCreatePartition".into(),
                    json!({ "DatabaseName": "d" }),
                ),
            ])
            .await
            .expect("responses");
        assert_eq!(responses, vec![json!({}), json!({ "Errors": [] })]);
        let request = served.join().expect("served");
        assert!(
            request.contains("WeirCatalog.ExecuteAtomically"),
            "{request}"
        );
        assert!(
            request.ends_with(r#"{"Calls":[{"Operation":"CreateTable","Request":{"DatabaseName":"d"}},{"Operation":"BatchCreatePartition","Request":{"DatabaseName":"d"}}]}"#),
            "{request}"
        );
    }

    #[tokio::test]
    async fn an_answer_without_a_glue_error_names_the_status() {
        // A read is tried three times; the last answer is the error.
        let (url, served) = answer_each(vec![("502 Bad Gateway", "upstream down"); 3]);
        let client = RemoteCatalog::new(&url, None).expect("client");
        let e = client
            .call("GetDatabases", json!({}))
            .await
            .expect_err("an error");
        assert_eq!(e.code, "502");
        assert!(e.message.contains("upstream down"), "{}", e.message);
        assert_eq!(served.join().expect("served").len(), 3);
    }

    #[tokio::test]
    async fn reads_are_retried_after_throttling_and_transient_failures() {
        let (url, served) = answer_each(vec![
            (
                "400 Bad Request",
                r#"{"__type":"ThrottlingException","Message":"Rate exceeded"}"#,
            ),
            ("503 Service Unavailable", ""),
            ("200 OK", r#"{"DatabaseList":[]}"#),
        ]);
        let client = RemoteCatalog::new(&url, None).expect("client");
        let answer = client
            .call("GetDatabases", json!({}))
            .await
            .expect("answer");
        assert_eq!(answer, json!({ "DatabaseList": [] }));
        let requests = served.join().expect("served");
        assert!(
            requests.iter().all(|r| r.contains("AWSGlue.GetDatabases")),
            "{requests:?}"
        );
    }

    #[tokio::test]
    async fn writes_are_retried_only_where_nothing_was_applied() {
        let (url, served) = answer_each(vec![
            (
                "400 Bad Request",
                r#"{"__type":"ThrottlingException","Message":"Rate exceeded"}"#,
            ),
            ("200 OK", "{}"),
        ]);
        let client = RemoteCatalog::new(&url, None).expect("client");
        client
            .call(
                "CreateDatabase",
                json!({ "DatabaseInput": { "Name": "d" } }),
            )
            .await
            .expect("created after a throttled attempt");
        assert_eq!(served.join().expect("served").len(), 2);
        // A bad gateway may have passed the write on: not retried (a retry would find nothing
        // listening and fail otherwise).
        let (url, served) = answer_once("502 Bad Gateway", "upstream down");
        let client = RemoteCatalog::new(&url, None).expect("client");
        let e = client
            .call(
                "CreateDatabase",
                json!({ "DatabaseInput": { "Name": "d" } }),
            )
            .await
            .expect_err("an error");
        assert_eq!(e.code, "502");
        served.join().expect("served");
    }

    #[tokio::test]
    async fn an_endpoint_where_nothing_listens_is_named() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        drop(listener);
        let e = RemoteCatalog::connect(&url, None)
            .await
            .err()
            .expect("unreachable");
        let message = e.to_string();
        assert!(
            message.starts_with(&format!("cannot reach the catalog at {url}: ")),
            "{message}"
        );
    }
}
