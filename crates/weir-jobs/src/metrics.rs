//! What this server's runs did, for `/metrics` (Prometheus text): runs ended by kind (`JOB`,
//! `CRAWL`) and state, time spent running, rows and bytes read and written, and the runs
//! executing now.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use crate::executor::RunReport;
use crate::kind::RunKind;
use crate::state::RunState;

/// The counters after the per-state one, in the order [`RunMetrics::render`] gives their values.
const COUNTERS: [(&str, &str); 5] = [
    (
        "weir_job_run_seconds_total",
        "Time job runs ran, in seconds.",
    ),
    (
        "weir_job_rows_read_total",
        "Rows the sources of job runs read.",
    ),
    (
        "weir_job_bytes_read_total",
        "Bytes the sources of job runs read.",
    ),
    (
        "weir_job_rows_written_total",
        "Rows the targets of job runs wrote.",
    ),
    (
        "weir_job_bytes_written_total",
        "Bytes the targets of job runs wrote.",
    ),
];

#[derive(Default)]
pub struct RunMetrics {
    inner: Mutex<Totals>,
}

#[derive(Default)]
struct Totals {
    ended: BTreeMap<(&'static str, &'static str), u64>,
    seconds: f64,
    rows_read: u64,
    bytes_read: u64,
    rows_written: u64,
    bytes_written: u64,
}

impl RunMetrics {
    /// Records a run of `kind` this server ended.
    pub fn ended(&self, kind: RunKind, state: RunState, seconds: f64, report: Option<&RunReport>) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *t.ended.entry((kind.name(), state.name())).or_default() += 1;
        t.seconds += seconds;
        if let Some(r) = report {
            t.rows_read += r.rows_read;
            t.bytes_read += r.bytes_read;
            t.rows_written += r.rows_written;
            t.bytes_written += r.bytes_written;
        }
    }

    /// The Prometheus text exposition, with `running` runs executing now.
    pub fn render(&self, running: usize) -> String {
        let t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        let _ = writeln!(out, "# HELP weir_job_runs_ended_total Runs (job runs, crawls) this server ended, by kind and final state.\n# TYPE weir_job_runs_ended_total counter");
        for ((kind, state), n) in &t.ended {
            let _ = writeln!(
                out,
                "weir_job_runs_ended_total{{kind=\"{kind}\",state=\"{state}\"}} {n}"
            );
        }
        let _ = writeln!(out, "# HELP weir_job_runs_running Job runs this server executes now.\n# TYPE weir_job_runs_running gauge\nweir_job_runs_running {running}");
        let values = [
            t.seconds.to_string(),
            t.rows_read.to_string(),
            t.bytes_read.to_string(),
            t.rows_written.to_string(),
            t.bytes_written.to_string(),
        ];
        for ((name, help), value) in COUNTERS.iter().zip(values) {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        out
    }
}
