//! The capacity a run takes, in DPUs (Glue's data processing units), and the memory that buys.

use serde_json::Value;

/// DPUs of one worker of a `WorkerType`.
pub fn worker_dpus(worker_type: &str) -> Option<f64> {
    Some(match worker_type {
        "G.025X" => 0.25,
        "Standard" | "G.1X" | "R.1X" => 1.0,
        "G.2X" | "Z.2X" | "R.2X" => 2.0,
        "G.4X" | "R.4X" => 4.0,
        "G.8X" | "R.8X" => 8.0,
        "G.12X" => 12.0,
        "G.16X" => 16.0,
        _ => return None,
    })
}

/// The DPUs of a run: `WorkerType` × `NumberOfWorkers`, else `MaxCapacity`, else
/// `AllocatedCapacity` — each taken from the run's own settings first, then the job's.
pub fn run_dpus(run: &Value, job: &Value) -> f64 {
    let pick = |member: &str| {
        run.get(member)
            .filter(|v| !v.is_null())
            .or_else(|| job.get(member))
    };
    let workers = pick("NumberOfWorkers").and_then(Value::as_f64);
    let worker = pick("WorkerType")
        .and_then(Value::as_str)
        .and_then(worker_dpus);
    if let (Some(n), Some(each)) = (workers, worker) {
        return n * each;
    }
    pick("MaxCapacity")
        .and_then(Value::as_f64)
        .or_else(|| pick("AllocatedCapacity").and_then(Value::as_f64))
        .unwrap_or(1.0)
}

/// The memory a run of `dpus` may use, from the memory each DPU buys.
pub fn memory_bytes(dpus: f64, mib_per_dpu: u64) -> usize {
    let bytes = dpus * (mib_per_dpu as f64) * 1024.0 * 1024.0;
    (bytes as usize).max(16 << 20)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn workers_then_max_capacity_from_the_run_before_the_job() {
        let job = json!({"WorkerType": "G.2X", "NumberOfWorkers": 5});
        assert_eq!(run_dpus(&json!({}), &job), 10.0);
        assert_eq!(run_dpus(&json!({"NumberOfWorkers": 2}), &job), 4.0);
        assert_eq!(
            run_dpus(&json!({}), &json!({"MaxCapacity": 0.0625})),
            0.0625
        );
        assert_eq!(
            run_dpus(
                &json!({"MaxCapacity": 1.0}),
                &json!({"MaxCapacity": 0.0625})
            ),
            1.0
        );
        assert_eq!(memory_bytes(2.0, 1024), 2 << 30);
    }
}
