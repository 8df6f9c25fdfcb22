//! Runs a visual job's file-to-file nodes on the engine alone, without a catalog or the rest
//! of `weir`: the data plane `weir job run` drives, in a binary that builds in a fraction of
//! the time, for profiling the engine (`perf record`, `valgrind --tool=callgrind`).
//!
//! ```sh
//! cargo build --release -p weir-engine --example run_job
//! target/release/examples/run_job JOB.json
//! RUST_LOG=weir_engine=debug target/release/examples/run_job JOB.json   # with each target's plan
//! ```

use weir_engine::{run_job, Engine, EngineConfig, JobDefinition};

// The allocator of the `weir` binary, so that profiles show what its jobs spend.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: run_job JOB.json (a CreateJob input or `aws glue get-job` output)")?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let job = JobDefinition::from_json(&serde_json::from_str(&text)?)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let summary = runtime.block_on(run_job(
        &Engine::new(EngineConfig::default()),
        &job,
        &|_| {},
    ))?;
    for node in &summary.nodes {
        eprintln!(
            "{:<12} {:<22} {:>12} {:>9.2?}",
            node.node,
            node.node_type,
            node.rows_written.map(|r| r.to_string()).unwrap_or_default(),
            node.elapsed
        );
    }
    eprintln!("{:.2?}", summary.elapsed);
    Ok(())
}
