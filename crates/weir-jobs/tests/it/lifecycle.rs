//! A run's life: success, failure with retries, panics, timeouts, stops and the stop of the
//! server that ran it.

use serde_json::json;

use crate::harness::{config, service, End, ManualClock};

#[tokio::test]
async fn a_failed_run_is_retried_as_new_runs_with_attempt_and_previous_run_id() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let s = service(dir.path(), &clock, config()).await;
    s.create_job("flaky", json!({"MaxRetries": 2})).await;
    let first = s
        .start("flaky", json!({"Arguments": {"--x": "1"}}))
        .await
        .unwrap();
    let mut id = first.clone();
    for attempt in 0..3 {
        s.jobs.tick().await.unwrap();
        s.wait_executing(&id).await;
        let message = format!("attempt {attempt} failed");
        assert!(s.executor.end(&id, End::Fail(message.clone())));
        let run = s.wait_for("flaky", &id, "FAILED").await;
        assert_eq!(run["Attempt"], attempt);
        assert_eq!(run["ErrorMessage"], message.as_str());
        assert_eq!(run["Arguments"], json!({"--x": "1"}));
        let runs = s.runs("flaky").await;
        if attempt < 2 {
            let next = &runs[0];
            assert_eq!(next["Attempt"], attempt + 1);
            assert_eq!(next["PreviousRunId"], id.as_str());
            assert_eq!(next["JobRunState"], "STARTING");
            id = next["Id"].as_str().unwrap().to_string();
        } else {
            assert_eq!(runs.len(), 3, "no retry after MaxRetries");
        }
    }
}

#[tokio::test]
async fn a_run_that_panics_fails_and_the_service_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let s = service(dir.path(), &clock, config()).await;
    s.create_job("p", json!({})).await;
    let id = s.start("p", json!({})).await.unwrap();
    s.jobs.tick().await.unwrap();
    s.wait_executing(&id).await;
    s.executor.end(&id, End::Panic);
    let run = s.wait_for("p", &id, "FAILED").await;
    assert!(
        run["ErrorMessage"].as_str().unwrap().contains("panicked"),
        "{run}"
    );
    let next = s.start("p", json!({})).await.unwrap();
    s.jobs.tick().await.unwrap();
    s.wait_executing(&next).await;
    s.executor.end(&next, End::Succeed);
    let run = s.wait_for("p", &next, "SUCCEEDED").await;
    assert!(
        s.executor.dropped.lock().unwrap().is_empty(),
        "runs that ended were not cut short"
    );
    assert!(run["CompletedOn"].as_f64().unwrap() >= run["StartedOn"].as_f64().unwrap());
}

#[tokio::test]
async fn a_run_past_its_timeout_is_cancelled_and_ends_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let s = service(dir.path(), &clock, config()).await;
    s.create_job("slow", json!({"Timeout": 2})).await;
    let id = s.start("slow", json!({"Timeout": 1})).await.unwrap();
    s.jobs.tick().await.unwrap();
    s.wait_executing(&id).await;
    clock.advance(59.0);
    s.jobs.tick().await.unwrap();
    assert_eq!(s.state("slow", &id).await, "RUNNING");
    clock.advance(2.0);
    s.jobs.tick().await.unwrap();
    let run = s.wait_for("slow", &id, "TIMEOUT").await;
    assert_eq!(run["Timeout"], 1);
    assert_eq!(run["ExecutionTime"], 61);
    assert!(run["ErrorMessage"]
        .as_str()
        .unwrap()
        .contains("Timeout of 1 minutes"));
    assert_eq!(*s.executor.dropped.lock().unwrap(), vec![id]);
}

#[tokio::test]
async fn batch_stop_stops_running_and_waiting_runs_and_reports_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let s = service(dir.path(), &clock, config()).await;
    s.create_job("s", json!({"JobRunQueuingEnabled": true}))
        .await;
    let running = s.start("s", json!({})).await.unwrap();
    let waiting = s.start("s", json!({})).await.unwrap();
    s.jobs.tick().await.unwrap();
    s.wait_executing(&running).await;
    let answer = s
        .call(
            "BatchStopJobRun",
            json!({"JobName": "s", "JobRunIds": [running, waiting, "jr_nope"]}),
        )
        .await
        .unwrap();
    assert_eq!(answer["SuccessfulSubmissions"].as_array().unwrap().len(), 2);
    assert_eq!(answer["Errors"][0]["JobRunId"], "jr_nope");
    assert_eq!(
        answer["Errors"][0]["ErrorDetail"]["ErrorCode"],
        "EntityNotFoundException"
    );
    assert_eq!(s.state("s", &waiting).await, "STOPPED");
    s.wait_for("s", &running, "STOPPED").await;
    assert_eq!(*s.executor.dropped.lock().unwrap(), vec![running.clone()]);
    let answer = s
        .call(
            "BatchStopJobRun",
            json!({"JobName": "s", "JobRunIds": [running]}),
        )
        .await
        .unwrap();
    assert_eq!(
        answer["Errors"][0]["ErrorDetail"]["ErrorCode"],
        "InvalidInputException"
    );
}

#[tokio::test]
async fn after_a_restart_runs_in_flight_are_resolved_and_queued_runs_proceed() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let (running, queued, retried) = {
        let s = service(dir.path(), &clock, config()).await;
        s.create_job("r", json!({"JobRunQueuingEnabled": true}))
            .await;
        s.create_job("again", json!({"MaxRetries": 1})).await;
        let running = s.start("r", json!({})).await.unwrap();
        let queued = s.start("r", json!({})).await.unwrap();
        let retried = s.start("again", json!({})).await.unwrap();
        s.jobs.tick().await.unwrap();
        s.wait_executing(&running).await;
        s.wait_executing(&retried).await;
        (running, queued, retried)
    };
    // A new process on the same metastore (the first one's work is gone with it).
    let s = service(dir.path(), &clock, config()).await;
    assert_eq!(s.jobs.recover().await.unwrap(), 2);
    let run = s.run("r", &running).await;
    assert_eq!(run["JobRunState"], "FAILED");
    assert!(run["ErrorMessage"]
        .as_str()
        .unwrap()
        .contains("stopped before the run ended"));
    assert_eq!(s.state("r", &queued).await, "WAITING");
    let runs = s.runs("again").await;
    assert_eq!(runs[0]["PreviousRunId"], retried.as_str());
    assert_eq!(runs[0]["Attempt"], 1);
    let started = s.jobs.tick().await.unwrap();
    assert!(started.contains(&queued), "{started:?}");
    s.wait_executing(&queued).await;
    s.executor.end(&queued, End::Succeed);
    s.wait_for("r", &queued, "SUCCEEDED").await;
}
