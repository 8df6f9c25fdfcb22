//! Groupings by short keys (`weir_engine::short_key_aggregate`): every query gives what
//! DataFusion's own aggregation gives, in the same session without the rule, including when
//! the fast path hands over to DataFusion part way (too many groups, a longer string).

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int16Array, Int64Array, RecordBatch,
    StringArray, StringViewArray,
};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::physical_plan::displayable;
use datafusion::prelude::SessionContext;
use weir_engine::session::Engine;

const ROWS_PER_BATCH: usize = 5_000;

/// Row `i` of the test table: keys of every packable kind, NULLs and empty strings among them.
fn batch(first: usize, long_string_at: Option<usize>) -> RecordBatch {
    let rows = first..first + ROWS_PER_BATCH;
    let flags = ["A", "N", "R", ""];
    let flag: StringViewArray = rows
        .clone()
        .map(|i| (i % 11 != 0).then(|| flags[i % 4]))
        .collect();
    let status: StringArray = rows
        .clone()
        .map(|i| match (i % 7, long_string_at) {
            (_, Some(at)) if i == at => Some("a status longer than any slot"),
            (0, _) => None,
            (k, _) if k % 2 == 0 => Some("O"),
            _ => Some("F"),
        })
        .collect();
    let day: Date32Array = rows
        .clone()
        .map(|i| Some(19_000 + (i % 5) as i32))
        .collect();
    let small: Int16Array = rows
        .clone()
        .map(|i| (i % 13 != 0).then_some((i % 3) as i16 - 1))
        .collect();
    let ok: BooleanArray = rows
        .clone()
        .map(|i| (i % 17 != 0).then_some(i % 2 == 0))
        .collect();
    let id: Int64Array = rows.clone().map(|i| Some(i as i64)).collect();
    let amount: Int64Array = rows
        .clone()
        .map(|i| Some((i * 7919 % 1000) as i64))
        .collect();
    let price = Decimal128Array::from_iter(
        rows.clone()
            .map(|i| Some((i * 104_729 % 1_000_000) as i128)),
    )
    .with_precision_and_scale(15, 2)
    .unwrap();
    let discount = Decimal128Array::from_iter(
        rows.clone()
            .map(|i| (i % 9 != 0).then_some((i % 11) as i128)),
    )
    .with_precision_and_scale(15, 2)
    .unwrap();
    let tax = Decimal128Array::from_iter_values(rows.clone().map(|i| (i % 9) as i128))
        .with_precision_and_scale(15, 2)
        .unwrap();
    // No NULLs; ten times 10^37 is past 38 digits.
    let wide = Decimal128Array::from_iter_values(rows.clone().map(|i| match i % 1000 {
        7 => 10_i128.pow(37),
        _ => i as i128,
    }))
    .with_precision_and_scale(38, 0)
    .unwrap();
    // 38 digits: two of these overflow an `i128`, and sums of a few pass 38 digits.
    let big = Decimal128Array::from_iter(rows.map(|i| {
        let sign = if i % 3 == 0 { -1 } else { 1 };
        (i % 5 != 0).then_some(sign * 9 * 10_i128.pow(37) + i as i128)
    }))
    .with_precision_and_scale(38, 0)
    .unwrap();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("flag", Arc::new(flag)),
        ("status", Arc::new(status)),
        ("day", Arc::new(day)),
        ("small", Arc::new(small)),
        ("ok", Arc::new(ok)),
        ("id", Arc::new(id)),
        ("amount", Arc::new(amount)),
        ("price", Arc::new(price)),
        ("discount", Arc::new(discount)),
        ("tax", Arc::new(tax)),
        ("wide", Arc::new(wide)),
        ("big", Arc::new(big)),
    ];
    RecordBatch::try_from_iter(columns).unwrap()
}

/// The table `t`: two partitions of four batches; `long_string_at` puts a long `status` there.
fn table(long_string_at: Option<usize>) -> Arc<MemTable> {
    let partitions: Vec<Vec<RecordBatch>> = (0..2)
        .map(|p| {
            (0..4)
                .map(|b| batch((p * 4 + b) * ROWS_PER_BATCH, long_string_at))
                .collect()
        })
        .collect();
    Arc::new(MemTable::try_new(partitions[0][0].schema(), partitions).unwrap())
}

/// A Weir session with `t`, and the same session (the same tables) without the short-key rule.
fn sessions(long_string_at: Option<usize>) -> (SessionContext, SessionContext) {
    let weir = Engine::default().session().unwrap();
    weir.register_table("t", table(long_string_at)).unwrap();
    let rules = weir
        .state()
        .physical_optimizers()
        .iter()
        .filter(|r| r.name() != "short_key_aggregate")
        .cloned()
        .collect();
    let plain = SessionContext::new_with_state(
        SessionStateBuilder::new_from_existing(weir.state())
            .with_physical_optimizer_rules(rules)
            .build(),
    );
    (weir, plain)
}

async fn run(ctx: &SessionContext, sql: &str) -> (String, String) {
    let df = ctx.sql(sql).await.unwrap();
    let plan = df.clone().create_physical_plan().await.unwrap();
    let plan_text = displayable(plan.as_ref()).indent(true).to_string();
    let batches = df.collect().await.unwrap();
    (
        pretty_format_batches(&batches).unwrap().to_string(),
        plan_text,
    )
}

/// `sql` gives the same rows with and without the rule, and runs with it.
async fn same_as_datafusion(long_string_at: Option<usize>, sql: &str) -> String {
    let (weir, plain) = sessions(long_string_at);
    let (ours, plan) = run(&weir, sql).await;
    let (theirs, plain_plan) = run(&plain, sql).await;
    assert!(plan.contains("ShortKeyAggregateExec"), "{plan}");
    assert!(
        !plain_plan.contains("ShortKeyAggregateExec"),
        "{plain_plan}"
    );
    assert_eq!(ours, theirs, "{sql}");
    ours
}

#[tokio::test]
async fn short_strings_with_nulls_and_empty_strings() {
    let rows = same_as_datafusion(
        None,
        "SELECT flag, status, count(*) AS n, sum(amount), min(price), max(price), avg(price), \
         count(status) FROM t GROUP BY flag, status ORDER BY flag, status",
    )
    .await;
    // NULL, '', 'A', 'N', 'R' flags by NULL, 'F', 'O' statuses.
    assert_eq!(rows.lines().count(), 5 * 3 + 4, "{rows}");
}

#[tokio::test]
async fn spark_decimal_average_by_packed_keys() {
    // Spark's decimal `avg` rounds half up: the 1,559 prices of (NULL, 'F') average
    // 5007.5214817…, computed exactly outside Weir.
    let (weir, _) = sessions(None);
    let (rows, plan) = run(
        &weir,
        "SELECT flag, status, avg(price) FROM t GROUP BY flag, status ORDER BY flag, status",
    )
    .await;
    assert!(plan.contains("ShortKeyAggregateExec"), "{plan}");
    let line = rows.lines().nth(4).unwrap().replace(' ', "");
    assert_eq!(line, "||F|5007.521482|", "{rows}");
}

#[tokio::test]
async fn dates_small_integers_and_booleans() {
    same_as_datafusion(
        None,
        "SELECT day, small, ok, count(*), sum(price) FROM t GROUP BY day, small, ok \
         ORDER BY day, small, ok",
    )
    .await;
}

#[tokio::test]
async fn aggregate_filters_and_expressions_as_keys() {
    same_as_datafusion(
        None,
        "SELECT upper(flag) AS f, amount % 3 AS m, count(*) FILTER (WHERE amount > 500), \
         sum(price) FILTER (WHERE status = 'O') FROM t WHERE day <> 19002 \
         GROUP BY upper(flag), amount % 3 ORDER BY f, m",
    )
    .await;
}

#[tokio::test]
async fn more_groups_than_the_fast_path_holds() {
    // 40,000 ids in groups of one: the fast path hands over after 16,384 in each partition.
    let rows = same_as_datafusion(
        None,
        "SELECT count(*), count(DISTINCT n), sum(n) FROM \
         (SELECT id, count(*) AS n FROM t GROUP BY id)",
    )
    .await;
    assert!(rows.replace(' ', "").contains("|40000|1|40000|"), "{rows}");
}

#[tokio::test]
async fn a_longer_string_part_way_hands_over() {
    // The long status is in the third batch of the second partition.
    let rows = same_as_datafusion(
        Some(6 * ROWS_PER_BATCH + 123),
        "SELECT status, count(*), sum(amount) FROM t GROUP BY status ORDER BY status",
    )
    .await;
    assert!(
        rows.replace(' ', "")
            .contains("|astatuslongerthananyslot|1|"),
        "{rows}"
    );
}

#[tokio::test]
async fn strings_longer_than_a_view_holds_are_not_packed() {
    // One string column has room for 14 bytes, but a view holds only 12 inline: these 13- and
    // 14-byte strings share their first 12 bytes and must stay apart.
    let rows = same_as_datafusion(
        None,
        "SELECT arrow_cast(concat('abcdefghijkl', status), 'Utf8View') AS s, count(*) FROM t \
         GROUP BY s ORDER BY s",
    )
    .await;
    assert_eq!(rows.lines().count(), 3 + 4, "{rows}");
}

#[tokio::test]
async fn a_filter_below_is_run_as_a_selection() {
    // About 77 % of the rows pass (the '' flag is left out): the filter runs inside the
    // aggregation, and the group of the rows it leaves out is not emitted.
    let sql = "SELECT flag, status, count(*), sum(price * (1 - price)), avg(price), min(amount) \
         FROM t WHERE flag IS NULL OR flag <> '' GROUP BY flag, status ORDER BY flag, status";
    let rows = same_as_datafusion(None, sql).await;
    let (weir, _) = sessions(None);
    let (_, plan) = run(&weir, sql).await;
    assert!(
        plan.contains("with the filter below as a selection"),
        "{plan}"
    );
    assert!(!plan.contains("FilterExec"), "{plan}");
    // NULL, 'A', 'N', 'R' flags by NULL, 'F', 'O' statuses: no row for ''.
    assert_eq!(rows.lines().count(), 4 * 3 + 4, "{rows}");
}

#[tokio::test]
async fn a_selective_filter_and_one_under_other_expressions() {
    // 10 % pass: the passing rows are copied out, as DataFusion does.
    same_as_datafusion(
        None,
        "SELECT flag, count(*), sum(amount) FROM t WHERE amount < 100 GROUP BY flag ORDER BY flag",
    )
    .await;
    // `upper` is not among the expressions run on rows the filter leaves out: the filter
    // stays a FilterExec.
    let sql = "SELECT upper(flag) AS f, count(*) FROM t WHERE amount < 900 GROUP BY upper(flag) \
               ORDER BY f";
    same_as_datafusion(None, sql).await;
    let (weir, _) = sessions(None);
    let (_, plan) = run(&weir, sql).await;
    assert!(plan.contains("FilterExec"), "{plan}");
}

#[tokio::test]
async fn counts_and_decimal_sums_and_averages_fed_per_batch() {
    // Shared arguments (`sum(price)` and `avg(price)`), NULLs (`discount`), a product, and
    // 38-digit values whose sums overflow: the same as row by row. `min` and the `avg` of
    // 38-digit values are fed row by row.
    let sql = "SELECT flag, status, count(*), count(discount), sum(discount), avg(discount), \
               sum(price), avg(price), sum(price * (1 - discount)), count(big), sum(big), \
               avg(big), min(amount) FROM t GROUP BY flag, status ORDER BY flag, status";
    let rows = same_as_datafusion(None, sql).await;
    let (weir, _) = sessions(None);
    let (_, plan) = run(&weir, sql).await;
    assert!(plan.contains("9 of 11 aggregates fed per batch"), "{plan}");
    assert_eq!(rows.lines().count(), 5 * 3 + 4, "{rows}");
    // And with the filter below run as a selection, its left-out rows in a group of their own.
    same_as_datafusion(
        None,
        "SELECT flag, count(*), sum(price * (1 - discount)), avg(discount), avg(big) FROM t \
         WHERE day <> 19003 GROUP BY flag ORDER BY flag",
    )
    .await;
}

#[tokio::test]
async fn sums_of_decimal_products_fed_per_batch() {
    // Q1's shape, without NULLs, beside `wide * 10`, which is past 38 digits (NULL) in one row
    // in a thousand: those NULLs are not counted. The `avg` of a 32-digit product is fed row
    // by row.
    let sql = "SELECT flag, status, sum(price * (1 - tax)), sum(price * (1 - tax) * (1 + tax)), \
               avg(tax), sum(wide * 10), sum(wide), avg(price * (1 - tax)), count(*) FROM t \
               WHERE day <> 19001 GROUP BY flag, status ORDER BY flag, status";
    let rows = same_as_datafusion(None, sql).await;
    let (weir, _) = sessions(None);
    let (_, plan) = run(&weir, sql).await;
    assert!(plan.contains("6 of 7 aggregates fed per batch"), "{plan}");
    assert_eq!(rows.lines().count(), 5 * 3 + 4, "{rows}");
}

#[tokio::test]
async fn many_groups_are_fed_row_by_row_part_way() {
    // The first 10,000 ids make one group, fed per batch; past them 3,000 groups, more than a
    // quarter of a batch's rows, are fed row by row into the same accumulators.
    let rows = same_as_datafusion(
        None,
        "SELECT CASE WHEN id < 10000 THEN -1 ELSE id % 3000 END AS k, count(*), sum(price), \
         avg(price), count(discount) FROM t GROUP BY k ORDER BY k",
    )
    .await;
    assert_eq!(rows.lines().count(), 3001 + 4, "{rows}");
}
