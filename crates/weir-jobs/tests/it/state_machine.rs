//! Property: under any order of starts, ends (success, failure, panic), stops, timeouts,
//! queue waits and server restarts, every run only moves along the state machine's arrows,
//! no job runs more than its MaxConcurrentRuns at once, and every run that runs has an owner.

use std::collections::{HashMap, HashSet, VecDeque};

use proptest::prelude::*;
use serde_json::json;
use weir_jobs::state::RunState;

use crate::harness::{config, service, End, ManualClock, Service};

#[derive(Debug, Clone)]
enum Op {
    Start { job: usize, queue: bool },
    End { pick: usize, how: u8 },
    Stop { pick: usize },
    Timeout,
    Wait,
    Restart,
    Tick,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, any::<bool>()).prop_map(|(job, queue)| Op::Start { job, queue }),
        3 => (any::<usize>(), 0..3u8).prop_map(|(pick, how)| Op::End { pick, how }),
        1 => any::<usize>().prop_map(|pick| Op::Stop { pick }),
        1 => Just(Op::Timeout),
        1 => Just(Op::Wait),
        1 => Just(Op::Restart),
        2 => Just(Op::Tick),
    ]
}

const JOBS: [&str; 2] = ["one", "two"];

/// The states reachable from `from` along the machine's arrows (itself included).
fn reachable(from: RunState) -> HashSet<RunState> {
    let mut seen = HashSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(s) = queue.pop_front() {
        for next in RunState::ALL {
            if s.can_become(next) && seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    seen
}

/// Every run of both jobs: id → (job, state, the whole run).
async fn snapshot(s: &Service) -> HashMap<String, (usize, RunState, serde_json::Value)> {
    let mut all = HashMap::new();
    for (j, job) in JOBS.iter().enumerate() {
        for run in s.runs(job).await {
            let state: RunState = run["JobRunState"].as_str().unwrap().parse().unwrap();
            all.insert(run["Id"].as_str().unwrap().to_string(), (j, state, run));
        }
    }
    all
}

/// Lets the runs that were told to end record their end.
async fn settle(s: &Service) {
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    s.jobs.tick().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn check(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let mut rt = runtime();
    let mut s = rt.block_on(async {
        let s = service(dir.path(), &clock, config()).await;
        s.create_job("one", json!({"Timeout": 1, "MaxRetries": 1}))
            .await;
        s.create_job(
            "two",
            json!({"Timeout": 1, "ExecutionProperty": {"MaxConcurrentRuns": 2}}),
        )
        .await;
        s
    });
    let mut before = rt.block_on(snapshot(&s));
    for op in ops {
        if let Op::Restart = op {
            // The process ends with everything it was running; a new one opens the metastore.
            rt.shutdown_background();
            rt = runtime();
            s = rt.block_on(async {
                let s = service(dir.path(), &clock, config()).await;
                s.jobs.recover().await.unwrap();
                s
            });
        }
        rt.block_on(async {
            match op {
                Op::Start { job, queue } => {
                    let _ = s
                        .start(
                            JOBS[job],
                            json!({"JobRunQueuingEnabled": queue && job == 1}),
                        )
                        .await;
                }
                Op::End { pick, how } => {
                    let executing: Vec<&String> = before
                        .keys()
                        .filter(|id| s.executor.executing(id))
                        .collect();
                    if !executing.is_empty() {
                        let id = executing[pick % executing.len()];
                        let end = match how {
                            0 => End::Succeed,
                            1 => End::Fail("failed".into()),
                            _ => End::Panic,
                        };
                        s.executor.end(id, end);
                    }
                }
                Op::Stop { pick } => {
                    let ids: Vec<&String> = before.keys().collect();
                    if !ids.is_empty() {
                        let id = ids[pick % ids.len()];
                        let job = JOBS[before[id].0];
                        s.call(
                            "BatchStopJobRun",
                            json!({"JobName": job, "JobRunIds": [id]}),
                        )
                        .await
                        .unwrap();
                    }
                }
                Op::Timeout => clock.advance(61.0),
                Op::Wait => clock.advance(5.0 * 60.0),
                Op::Restart | Op::Tick => {}
            }
            settle(&s).await;
        });
        let after = rt.block_on(snapshot(&s));
        for (id, (job, state, run)) in &after {
            if let Some((_, old, _)) = before.get(id) {
                prop_assert!(
                    reachable(*old).contains(state),
                    "run {id} went from {old} to {state}"
                );
            }
            if matches!(state, RunState::Running | RunState::Stopping) {
                prop_assert!(run.get("StartedOn").is_some(), "{run}");
            }
            let _ = job;
        }
        for (j, job) in JOBS.iter().enumerate() {
            let running = after
                .values()
                .filter(|(rj, st, _)| {
                    *rj == j && matches!(st, RunState::Running | RunState::Stopping)
                })
                .count();
            let max = if j == 0 { 1 } else { 2 };
            prop_assert!(running <= max, "{running} runs of {job} at once");
        }
        before = after;
    }
    rt.shutdown_background();
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 50, ..ProptestConfig::default() })]

    #[test]
    fn runs_only_move_along_the_state_machine(ops in prop::collection::vec(op(), 1..14)) {
        check(ops)?;
    }
}
