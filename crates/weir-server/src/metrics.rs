//! Prometheus metrics: request counts and latency histograms per Glue operation and outcome,
//! then the job service's run metrics (`weir_jobs`), then each Iceberg table's metrics at its
//! newest commit (`weir_table_metric`, `weir_table_metric_anomaly`).
//! Label values are bounded: operation names come from the Glue model, plus
//! `WeirCatalog.ExecuteAtomically` (others are `unknown`),
//! outcomes are `ok` or an exception shape name.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// The metrics Weir exports.
#[derive(Clone, Copy)]
enum Metric {
    Requests,
    RequestSeconds,
}

impl Metric {
    fn name(self) -> &'static str {
        match self {
            Metric::Requests => "weir_api_requests_total",
            Metric::RequestSeconds => "weir_api_request_duration_seconds",
        }
    }
}

const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Request metrics, keyed by `(operation, outcome)`.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String), Series>>,
}

impl Metrics {
    pub fn observe(&self, operation: &str, outcome: &str, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let s = map
            .entry((operation.to_string(), outcome.to_string()))
            .or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                s.buckets[i] += 1;
            }
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        let (requests, seconds) = (Metric::Requests.name(), Metric::RequestSeconds.name());
        let _ = writeln!(out, "# HELP {requests} Glue API requests by operation and outcome.\n# TYPE {requests} counter");
        for ((op, outcome), s) in map.iter() {
            let _ = writeln!(
                out,
                "{requests}{{operation=\"{op}\",outcome=\"{outcome}\"}} {}",
                s.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP {seconds} Glue API request latency.\n# TYPE {seconds} histogram"
        );
        for ((op, outcome), s) in map.iter() {
            let labels = format!("operation=\"{op}\",outcome=\"{outcome}\"");
            for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                let _ = writeln!(out, "{seconds}_bucket{{{labels},le=\"{bound}\"}} {n}");
            }
            let _ = writeln!(out, "{seconds}_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "{seconds}_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "{seconds}_count{{{labels}}} {}", s.count);
        }
        out
    }
}

pub async fn handle(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = crate::auth::refuse_route(&state, &method, &uri, &headers, "GetMetrics")
    {
        return refused;
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render()
            + &state.jobs.metrics_text()
            + &state
                .table_metrics
                .as_ref()
                .map(|m| m.render())
                .unwrap_or_default(),
    )
        .into_response()
}
