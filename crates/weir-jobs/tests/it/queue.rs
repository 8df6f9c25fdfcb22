//! Concurrency limits and job run queuing, as Glue's: a start over a limit fails unless the run
//! may queue; queued runs start in submission order and give up after 15 minutes or 10 tries.

use serde_json::json;
use weir_jobs::JobsConfig;

use crate::harness::{config, service, End, ManualClock};

#[tokio::test]
async fn over_the_job_limit_a_start_fails_unless_it_queues_then_runs_in_submission_order() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let s = service(dir.path(), &clock, config()).await;
    s.create_job("one", json!({})).await;
    let first = s.start("one", json!({})).await.unwrap();
    let e = s.start("one", json!({})).await.unwrap_err();
    assert_eq!(e.kind.shape_name(), "ConcurrentRunsExceededException");
    assert!(e.message.contains("MaxConcurrentRuns is 1"), "{e}");
    let queued: Vec<String> = {
        let mut ids = Vec::new();
        for _ in 0..4 {
            ids.push(
                s.start("one", json!({"JobRunQueuingEnabled": true}))
                    .await
                    .unwrap(),
            );
        }
        ids
    };
    assert_eq!(s.jobs.tick().await.unwrap(), vec![first.clone()]);
    s.wait_executing(&first).await;
    for id in &queued {
        let run = s.run("one", id).await;
        assert_eq!(run["JobRunState"], "WAITING");
        assert_eq!(run["JobRunQueuingEnabled"], true);
        assert!(run["StateDetail"]
            .as_str()
            .unwrap()
            .contains("MaxConcurrentRuns"));
    }
    let mut previous = first;
    for id in &queued {
        assert!(s.executor.end(&previous, End::Succeed));
        s.wait_for("one", &previous, "SUCCEEDED").await;
        assert_eq!(s.jobs.tick().await.unwrap(), vec![id.clone()]);
        s.wait_executing(id).await;
        previous = id.clone();
    }
    assert!(s.executor.end(&previous, End::Succeed));
    s.wait_for("one", &previous, "SUCCEEDED").await;
}

#[tokio::test]
async fn a_queued_run_gives_up_after_fifteen_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let s = service(dir.path(), &clock, config()).await;
    s.create_job("q", json!({"JobRunQueuingEnabled": true}))
        .await;
    let running = s.start("q", json!({})).await.unwrap();
    let waiting = s.start("q", json!({})).await.unwrap();
    s.jobs.tick().await.unwrap();
    clock.advance(14.0 * 60.0);
    s.jobs.tick().await.unwrap();
    assert_eq!(s.state("q", &waiting).await, "WAITING");
    clock.advance(60.0);
    s.jobs.tick().await.unwrap();
    let run = s.run("q", &waiting).await;
    assert_eq!(run["JobRunState"], "FAILED");
    assert!(
        run["ErrorMessage"].as_str().unwrap().contains("15 minutes"),
        "{run}"
    );
    assert!(run.get("CompletedOn").is_some());
    assert_eq!(s.state("q", &running).await, "RUNNING");
}

#[tokio::test]
async fn a_run_queued_for_the_service_s_capacity_gives_up_after_ten_tries() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let limits = JobsConfig {
        max_concurrent_runs: 1,
        ..config()
    };
    let s = service(dir.path(), &clock, limits).await;
    s.create_job("a", json!({})).await;
    s.create_job("b", json!({})).await;
    s.start("a", json!({})).await.unwrap();
    let e = s.start("b", json!({})).await.unwrap_err();
    assert_eq!(e.kind.shape_name(), "ResourceNumberLimitExceededException");
    let waiting = s
        .start("b", json!({"JobRunQueuingEnabled": true}))
        .await
        .unwrap();
    s.jobs.tick().await.unwrap();
    for _ in 0..8 {
        clock.advance(61.0);
        s.jobs.tick().await.unwrap();
    }
    assert_eq!(s.state("b", &waiting).await, "WAITING");
    clock.advance(61.0);
    s.jobs.tick().await.unwrap();
    let run = s.run("b", &waiting).await;
    assert_eq!(run["JobRunState"], "FAILED", "{run}");
    let message = run["ErrorMessage"].as_str().unwrap();
    assert!(message.contains("after 10 attempts"), "{message}");
    assert!(message.contains("at most 1 job runs at once"), "{message}");
}

#[tokio::test]
async fn queuing_conflicts_with_retries_and_does_not_apply_to_flex_runs() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let s = service(dir.path(), &clock, config()).await;
    let e = s
        .call(
            "CreateJob",
            json!({"Name": "r", "Role": "r", "Command": {"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"},
                   "MaxRetries": 2, "JobRunQueuingEnabled": true}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind.shape_name(), "InvalidInputException");
    s.create_job("r", json!({"MaxRetries": 2})).await;
    let e = s
        .start("r", json!({"JobRunQueuingEnabled": true}))
        .await
        .unwrap_err();
    assert!(e.message.contains("MaxRetries"), "{e}");
    s.create_job("f", json!({"JobRunQueuingEnabled": true}))
        .await;
    s.start("f", json!({})).await.unwrap();
    let e = s
        .start("f", json!({"ExecutionClass": "FLEX"}))
        .await
        .unwrap_err();
    assert_eq!(e.kind.shape_name(), "ConcurrentRunsExceededException");
}
