//! A run's memory limit (`Engine::with_memory_limit`; the job service sets it from the run's
//! DPUs): an aggregation whose state outgrows it spills to disk and gives the rows it gives
//! without the limit.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::physical_plan::{collect, ExecutionPlan};
use datafusion::prelude::SessionContext;
use weir_engine::session::Engine;

/// Distinct grouping keys: their hash tables take several times the limit below.
const KEYS: usize = 300_000;
const LIMIT: usize = 16 << 20;
/// Rows per batch, about a scan's.
const BATCH: usize = 10_000;

/// Two partitions; every key appears once in each, with the amounts `i` and `i + 1` cents.
fn table() -> Arc<MemTable> {
    let partitions = (0..2)
        .map(|p| {
            (0..KEYS)
                .step_by(BATCH)
                .map(|first| {
                    let rows = first..first + BATCH;
                    let key: StringArray = rows
                        .clone()
                        .map(|i| Some(format!("customer-number-{i:09}")))
                        .collect();
                    let id: Int64Array = rows.clone().map(|i| Some(i as i64)).collect();
                    let amount = Decimal128Array::from_iter(rows.map(|i| Some((i + p) as i128)))
                        .with_precision_and_scale(15, 2)
                        .unwrap();
                    let columns: Vec<(&str, ArrayRef)> = vec![
                        ("key", Arc::new(key)),
                        ("id", Arc::new(id)),
                        ("amount", Arc::new(amount)),
                    ];
                    RecordBatch::try_from_iter(columns).unwrap()
                })
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>();
    Arc::new(MemTable::try_new(partitions[0][0].schema(), partitions).unwrap())
}

fn session(engine: Engine, table: &Arc<MemTable>) -> SessionContext {
    let ctx = engine.session().unwrap();
    ctx.register_table("t", Arc::clone(table) as _).unwrap();
    ctx
}

/// The rows of `sql` as text, the first row's values, and how many times its plan spilled.
async fn run(ctx: &SessionContext, sql: &str) -> (String, Vec<String>, usize) {
    let plan = ctx
        .sql(sql)
        .await
        .unwrap()
        .create_physical_plan()
        .await
        .unwrap();
    let batches = collect(Arc::clone(&plan), ctx.task_ctx()).await.unwrap();
    let first = batches[0]
        .columns()
        .iter()
        .map(|c| array_value_to_string(c, 0).unwrap())
        .collect();
    (
        pretty_format_batches(&batches).unwrap().to_string(),
        first,
        spills(plan.as_ref()),
    )
}

fn spills(plan: &dyn ExecutionPlan) -> usize {
    let own = plan.metrics().and_then(|m| m.spill_count()).unwrap_or(0);
    own + plan
        .children()
        .into_iter()
        .map(|c| spills(c.as_ref()))
        .sum::<usize>()
}

/// Each group's sum and count, folded so that the whole result fits in a few lines: a group
/// lost, doubled or summed wrongly changes them.
const GROUPED: &str = "SELECT count(*) AS groups, sum(n) AS rows, sum(total) AS total, \
     sum(CAST(substr(key, 17) AS BIGINT) * n) AS weighted, min(key), max(key), max(n), \
     sum(low) AS lows \
     FROM (SELECT key, count(*) AS n, sum(amount) AS total, min(id) AS low FROM t GROUP BY key)";

#[tokio::test]
async fn a_grouping_larger_than_the_limit_spills_and_gives_every_group() {
    let table = table();
    let (unbounded, _, unbounded_spills) = run(&session(Engine::default(), &table), GROUPED).await;
    let bounded_engine = Engine::default().with_memory_limit(LIMIT);
    let (bounded, values, bounded_spills) = run(&session(bounded_engine, &table), GROUPED).await;
    assert_eq!(unbounded_spills, 0);
    assert!(bounded_spills > 0, "no spill under {LIMIT} bytes");
    assert_eq!(bounded, unbounded);
    // Key i appears twice, with i and i + 1 cents and the id i each time.
    let keys = KEYS as i128;
    let expected = [
        keys.to_string(),                           // groups
        (2 * keys).to_string(),                     // rows
        format!("{}.00", keys * keys / 100),        // total: 2 * sum(i) + keys cents
        (keys * (keys - 1)).to_string(),            // weighted: sum(2 * i)
        "customer-number-000000000".to_string(),    // min(key)
        format!("customer-number-{:09}", KEYS - 1), // max(key)
        "2".to_string(),                            // max(n)
        (keys * (keys - 1) / 2).to_string(),        // lows: sum(i)
    ];
    assert_eq!(values, expected, "{bounded}");
}
