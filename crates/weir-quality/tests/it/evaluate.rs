//! Evaluating rulesets on small datasets whose metrics are worked out by hand.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use datafusion::arrow::array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::prelude::{DataFrame, SessionContext};
use weir_engine::{Engine, EngineConfig};
use weir_quality::eval::{self, Evaluation, History, NoHistory, Outcome, RuleResult};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0)
        .single()
        .expect("a time")
}

fn session() -> SessionContext {
    Engine::new(EngineConfig::default())
        .session()
        .expect("a session")
}

/// Six rows: `id` 1–6, `v` 0,0,0,5,6,7, `name` with a NULL, an empty and a blank value, `amount`
/// with a NULL, `code` text of which one value is not a number, `ts` hours before [`now`].
fn dataset(ctx: &SessionContext) -> DataFrame {
    let hours_ago = |h: i64| (now() - chrono::Duration::hours(h)).timestamp_micros();
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5, 6]))),
        ("v", Arc::new(Int64Array::from(vec![0, 0, 0, 5, 6, 7]))),
        (
            "name",
            Arc::new(StringArray::from(vec![
                Some("a"),
                Some("bb"),
                None,
                Some("dddd"),
                Some(""),
                Some("  "),
            ])),
        ),
        (
            "amount",
            Arc::new(Float64Array::from(vec![
                Some(1.5),
                None,
                Some(3.0),
                Some(4.5),
                Some(10.0),
                Some(2.0),
            ])),
        ),
        (
            "code",
            Arc::new(StringArray::from(vec![
                Some("1"),
                Some("2"),
                Some("x"),
                None,
                Some("4"),
                Some("5"),
            ])),
        ),
        (
            "ts",
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(hours_ago(1)),
                Some(hours_ago(2)),
                Some(hours_ago(5)),
                Some(hours_ago(20)),
                Some(hours_ago(30)),
                None,
            ])),
        ),
    ];
    let batch = RecordBatch::try_from_iter(columns).expect("a batch");
    ctx.read_batch(batch).expect("a frame")
}

/// `ref`: `v` 0, 5, 6; `id` 1–3 with `v` as the dataset's first rows but row 3's.
fn reference(ctx: &SessionContext) -> DataFrame {
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int64Array::from(vec![1, 2, 3]))),
        ("v", Arc::new(Int64Array::from(vec![0, 0, 6]))),
    ];
    ctx.read_batch(RecordBatch::try_from_iter(columns).expect("a batch"))
        .expect("a frame")
}

async fn evaluate_with(text: &str, history: &dyn History) -> Evaluation {
    let ruleset = weir_quality::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let ctx = session();
    let primary = dataset(&ctx);
    let references = BTreeMap::from([("ref".to_string(), reference(&ctx))]);
    eval::evaluate(&ctx, primary, references, &ruleset, now(), history, None)
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

async fn evaluate(rules: &str) -> Evaluation {
    evaluate_with(&format!("Rules = [ {rules} ]"), &NoHistory).await
}

/// The result of the ruleset's one rule.
async fn rule(rule: &str) -> RuleResult {
    let mut e = evaluate(rule).await;
    assert_eq!(e.rules.len(), 1);
    e.rules.remove(0)
}

fn metric(result: &RuleResult, name: &str) -> f64 {
    match result.metrics.iter().find(|(n, _)| n == name) {
        Some((_, Some(v))) => *v,
        other => panic!("{name} in {:?}: {other:?}", result.metrics),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-3
}

async fn outcome(text: &str) -> Outcome {
    rule(text).await.outcome
}

#[tokio::test]
async fn row_counts_with_where_clauses() {
    let r = rule("RowCount = 6").await;
    assert_eq!(r.outcome, Outcome::Pass);
    assert_eq!(metric(&r, "Dataset.*.RowCount"), 6.0);
    let r = rule("RowCount > 6").await;
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(
        r.message.as_deref(),
        Some("Value: 6 does not meet the constraint requirement!")
    );
    assert_eq!(outcome("RowCount = 3 where \"v > 0\"").await, Outcome::Pass);
    // `between` excludes both bounds.
    assert_eq!(outcome("RowCount between 5 and 6").await, Outcome::Fail);
    assert_eq!(outcome("RowCount not between 6 and 9").await, Outcome::Pass);
    assert_eq!(outcome("ColumnCount = 6").await, Outcome::Pass);
    assert_eq!(outcome("RowCount in [1, 6]").await, Outcome::Pass);
}

#[tokio::test]
async fn completeness_and_uniqueness() {
    let r = rule("Completeness \"name\" > 0.8").await;
    assert_eq!(r.outcome, Outcome::Pass);
    assert!(close(metric(&r, "Column.name.Completeness"), 5.0 / 6.0));
    assert_eq!(outcome("IsComplete \"id\"").await, Outcome::Pass);
    assert_eq!(outcome("IsComplete \"name\"").await, Outcome::Fail);
    assert_eq!(
        outcome("IsComplete \"name\" where \"id <> 3\"").await,
        Outcome::Pass
    );
    let r = rule("Uniqueness \"v\" = 0.5").await;
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
    assert_eq!(outcome("IsUnique \"id\"").await, Outcome::Pass);
    assert_eq!(outcome("IsUnique \"v\"").await, Outcome::Fail);
    assert_eq!(outcome("IsUnique \"v\" \"id\"").await, Outcome::Pass);
    assert_eq!(outcome("IsPrimaryKey \"id\"").await, Outcome::Pass);
    assert_eq!(outcome("IsPrimaryKey \"name\"").await, Outcome::Fail);
    assert!(close(
        metric(
            &rule("UniqueValueRatio \"v\" = 0.75").await,
            "Column.v.UniqueValueRatio"
        ),
        0.75
    ));
    assert_eq!(
        outcome("DistinctValuesCount \"v\" = 4").await,
        Outcome::Pass
    );
    assert_eq!(
        outcome("DistinctValuesCount \"name\" = 5").await,
        Outcome::Pass
    );
    let r = rule("Entropy \"v\" > 1").await;
    assert!(close(metric(&r, "Column.v.Entropy"), 1.2425), "{r:?}");
    assert_eq!(outcome("DuplicateRowCount \"v\" = 2").await, Outcome::Pass);
    assert_eq!(outcome("DuplicateRowCount = 0").await, Outcome::Pass);
}

#[tokio::test]
async fn column_statistics_ignore_nulls() {
    assert!(close(
        metric(&rule("Mean \"amount\" = 4.2").await, "Column.amount.Mean"),
        4.2
    ));
    assert_eq!(outcome("Sum \"amount\" = 21").await, Outcome::Pass);
    let r = rule("StandardDeviation \"v\" > 3").await;
    assert!(close(metric(&r, "Column.v.StandardDeviation"), 3.055));
    assert!(close(
        metric(&rule("Variance \"v\" > 0").await, "Column.v.Variance"),
        56.0 / 6.0
    ));
    assert_eq!(outcome("Range \"v\" = 7").await, Outcome::Pass);
    assert_eq!(
        outcome("Mean \"v\" = 6 where \"v > 0\"").await,
        Outcome::Pass
    );
    assert!(close(
        metric(
            &rule("ColumnCorrelation \"id\" \"v\" > 0.8").await,
            "Multicolumn.id,v.ColumnCorrelation"
        ),
        0.9264
    ));
    let r = rule("Mean \"name\" > 1").await;
    assert_eq!(r.outcome, Outcome::Error);
    assert!(r.message.unwrap_or_default().contains("not a numeric type"));
}

#[tokio::test]
async fn column_values_per_row_with_nulls() {
    let compliance =
        |r: &RuleResult, c: &str| metric(r, &format!("Column.{c}.ColumnValues.Compliance"));
    assert_eq!(
        outcome("ColumnValues \"v\" in [0, 5, 6, 7]").await,
        Outcome::Pass
    );
    let r = rule("ColumnValues \"v\" > 0").await;
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(close(compliance(&r, "v"), 0.5));
    assert_eq!(
        outcome("ColumnValues \"v\" > 0 with threshold >= 0.5").await,
        Outcome::Pass
    );
    assert!(close(
        compliance(&rule("ColumnValues \"v\" between 0 and 7").await, "v"),
        2.0 / 6.0
    ));
    // A NULL passes only `!=` and `not in`, unless NULL is an operand.
    assert!(close(
        compliance(&rule("ColumnValues \"name\" != \"a\"").await, "name"),
        5.0 / 6.0
    ));
    assert!(close(
        compliance(
            &rule("ColumnValues \"name\" in [\"a\", \"bb\"]").await,
            "name"
        ),
        2.0 / 6.0
    ));
    assert!(close(
        compliance(
            &rule("ColumnValues \"name\" in [\"a\", \"bb\", NULL]").await,
            "name"
        ),
        3.0 / 6.0
    ));
    assert!(close(
        compliance(
            &rule("ColumnValues \"name\" not in [\"a\", NULL]").await,
            "name"
        ),
        4.0 / 6.0
    ));
    assert!(close(
        compliance(&rule("ColumnValues \"name\" = EMPTY").await, "name"),
        1.0 / 6.0
    ));
    assert!(close(
        compliance(
            &rule("ColumnValues \"name\" = WHITESPACES_ONLY").await,
            "name"
        ),
        1.0 / 6.0
    ));
    assert!(close(
        compliance(&rule("ColumnValues \"name\" = NULL").await, "name"),
        1.0 / 6.0
    ));
    assert!(close(
        compliance(
            &rule("ColumnValues \"name\" matches \"[a-d]+\"").await,
            "name"
        ),
        3.0 / 6.0
    ));
    assert_eq!(
        outcome("ColumnValues \"name\" in [\"A\", \"BB\", \"DDDD\"] where \"id in (1, 2, 4)\" with ignoreCase = \"true\"").await,
        Outcome::Pass
    );
    assert_eq!(
        outcome("ColumnValues \"ts\" > \"2026-12-01\" where \"ts is not null\"").await,
        Outcome::Pass
    );
    assert_eq!(
        outcome("ColumnValues \"ts\" >= (now() - 1 days) where \"ts is not null\"").await,
        Outcome::Pass
    );
    let r = rule("ColumnValues \"v\" > 100 where \"v < 0\"").await;
    assert_eq!(r.outcome, Outcome::Pass);
    assert_eq!(r.message.as_deref(), Some("No rows matched the filter"));
}

#[tokio::test]
async fn lengths_types_and_freshness() {
    let r = rule("ColumnLength \"name\" <= 4").await;
    assert_eq!(r.outcome, Outcome::Pass);
    assert_eq!(metric(&r, "Column.name.MaximumLength"), 4.0);
    let r = rule("ColumnLength \"name\" > 0").await;
    assert_eq!(r.outcome, Outcome::Fail, "a NULL has length 0");
    assert_eq!(metric(&r, "Column.name.MinimumLength"), 0.0);
    let r = rule("ColumnDataType \"code\" = \"INTEGER\"").await;
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(close(
        metric(&r, "Column.code.ColumnDataType.Compliance"),
        0.8
    ));
    assert_eq!(
        outcome("ColumnDataType \"code\" = \"integer\" with threshold > 0.7").await,
        Outcome::Pass
    );
    assert_eq!(
        outcome("ColumnDataType \"code\" = \"DECIMAL(5, 1)\" with threshold > 0.7").await,
        Outcome::Pass
    );
    let r = rule("ColumnDataType \"code\" = \"WIDGET\"").await;
    assert_eq!(r.outcome, Outcome::Error);
    assert!(r
        .message
        .unwrap_or_default()
        .starts_with("Unrecognized data type"));
    let r = rule("DataFreshness \"ts\" <= 24 hours").await;
    assert_eq!(r.outcome, Outcome::Fail);
    // 1, 2, 5 and 20 hours old pass; 30 hours and NULL fail.
    assert!(close(
        metric(&r, "Column.ts.DataFreshness.Compliance"),
        4.0 / 6.0
    ));
    assert_eq!(
        outcome("DataFreshness \"ts\" <= 2 days where \"ts is not null\"").await,
        Outcome::Pass
    );
}

#[tokio::test]
async fn custom_sql_and_reference_datasets() {
    let r = rule("CustomSql \"select count(*) from primary where v > 0\" = 3").await;
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
    let r = rule("CustomSql \"select id from primary where v > 0\" with threshold = 0.5").await;
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
    assert!(close(metric(&r, "Dataset.*.CustomSQL.Compliance"), 0.5));
    let r = rule("CustomSql \"select nope from primary\" = 1").await;
    assert_eq!(r.outcome, Outcome::Error);
    let r = rule("ReferentialIntegrity \"v\" \"ref.v\" = 1.0").await;
    assert_eq!(r.outcome, Outcome::Fail);
    // 0, 0, 0, 5, 6, 7 against 0, 0, 6: four of six.
    assert!(close(
        metric(&r, "Column.ref.v.ReferentialIntegrity"),
        4.0 / 6.0
    ));
    assert!(close(
        metric(
            &rule("RowCountMatch \"ref\" = 2.0").await,
            "Dataset.ref.RowCountMatch"
        ),
        2.0
    ));
    let r = rule("AggregateMatch \"sum(v)\" \"sum(ref.v)\" > 0.9").await;
    assert!(
        close(metric(&r, "Column.v.AggregateMatch"), 18.0 / 6.0),
        "{r:?}"
    );
    let r = rule("DatasetMatch \"ref\" \"id\" \"v\" >= 0.3").await;
    // id 1 (0 = 0) and 2 (0 = 0) match; 3 (0 vs 6) does not: two of six.
    assert!(
        close(metric(&r, "Dataset.ref.DatasetMatch"), 2.0 / 6.0),
        "{r:?}"
    );
    assert_eq!(r.outcome, Outcome::Pass);
    let r = rule("SchemaMatch \"ref\" = 1.0").await;
    assert!(close(metric(&r, "Dataset.ref.SchemaMatch"), 2.0 / 6.0));
    let r = rule("RowCountMatch \"other\" = 1.0").await;
    assert_eq!(r.outcome, Outcome::Error);
    assert!(r
        .message
        .unwrap_or_default()
        .contains("\"other\" was not found"));
}

#[tokio::test]
async fn errors_stay_with_their_rule() {
    let e = evaluate(
        "IsComplete \"nope\", RowCount = 3 where \"nope > 1\", RowCount = 6, ColumnExists \"nope\"",
    )
    .await;
    let outcomes: Vec<Outcome> = e.rules.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Error, Outcome::Error, Outcome::Pass, Outcome::Fail]
    );
    assert_eq!(
        e.rules[0].message.as_deref(),
        Some("Column \"nope\" does not exist in the dataset")
    );
    assert!(e.rules[1]
        .message
        .as_deref()
        .unwrap_or_default()
        .starts_with("The where clause \"nope > 1\" is invalid"));
    assert_eq!(e.score, Some(0.25));
}

#[tokio::test]
async fn composites_and_the_score() {
    let e = evaluate(
        "(RowCount = 6) and (IsComplete \"name\"), (RowCount = 6) or (IsComplete \"name\"), ColumnNamesMatchPattern \"[a-z]+\"",
    )
    .await;
    let outcomes: Vec<Outcome> = e.rules.iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, [Outcome::Fail, Outcome::Pass, Outcome::Pass]);
    assert_eq!(e.rules[0].name, "Rule_1");
    assert_eq!(
        e.rules[0].description,
        "(RowCount = 6) AND (IsComplete \"name\")"
    );
    assert_eq!(e.score, Some(2.0 / 3.0));
    assert_eq!(e.rows, 6);
    let r = rule("ColumnNamesMatchPattern \"[a-z]{2,}\"").await;
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(r
        .message
        .unwrap_or_default()
        .ends_with("Columns that do not match: v"));
}

#[tokio::test]
async fn one_scan_for_aggregates_and_a_grouping_per_column_set() {
    let e = evaluate(
        "RowCount > 0, IsComplete \"id\", Mean \"amount\" > 0, ColumnValues \"v\" >= 0, IsUnique \"id\", DistinctValuesCount \"v\" > 1, Entropy \"name\" > 0, Uniqueness \"v\" \"id\" > 0",
    )
    .await;
    assert!(e.rules.iter().all(|r| r.outcome == Outcome::Pass), "{e:?}");
    // The aggregates, then `id`, `v`, `name` and `v, id`.
    assert_eq!(e.scans, 5);
}

#[tokio::test]
async fn empty_datasets() {
    let ctx = session();
    let empty = dataset(&ctx)
        .filter(datafusion::prelude::lit(false))
        .expect("a frame");
    let ruleset = weir_quality::parse(
        "Rules = [ RowCount = 0, Completeness \"name\" > 0.5, ColumnValues \"v\" > 0, CustomSql \"select id from primary\" ]",
    )
    .expect("parses");
    let e = eval::evaluate(
        &ctx,
        empty,
        BTreeMap::new(),
        &ruleset,
        now(),
        &NoHistory,
        None,
    )
    .await
    .expect("evaluates");
    let outcomes: Vec<Outcome> = e.rules.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Pass, Outcome::Fail, Outcome::Pass, Outcome::Fail]
    );
    assert_eq!(e.rows, 0);
}

/// A history that has the same values for every metric (newest first).
struct Past(Vec<f64>);

impl History for Past {
    fn series(&self, _: &str, _: &str) -> Vec<Option<f64>> {
        self.0.iter().rev().copied().map(Some).collect()
    }
}

#[tokio::test]
async fn dynamic_rules_read_the_history() {
    let first = rule("RowCount > avg(last(2))").await;
    assert_eq!(first.outcome, Outcome::Pass);
    assert!(first.message.unwrap_or_default().contains("no history"));
    let e = evaluate_with(
        "Rules = [ RowCount > avg(last(2)) ]",
        &Past(vec![4.0, 8.0, 100.0]),
    )
    .await;
    assert_eq!(e.rules[0].outcome, Outcome::Fail);
    assert_eq!(e.rules[0].evaluated_rule.as_deref(), Some("RowCount > 6"));
    let e = evaluate_with(
        "Rules = [ RowCount between min(last(3)) - 1 and max(last(3)) + 1 ]",
        &Past(vec![5.0, 7.0, 6.0]),
    )
    .await;
    assert_eq!(e.rules[0].outcome, Outcome::Pass);
}

#[tokio::test]
async fn anomalies_against_the_history() {
    let e = evaluate_with(
        "Rules = [ DetectAnomalies \"RowCount\" ]",
        &Past(vec![6.0, 6.0]),
    )
    .await;
    assert_eq!(e.rules[0].outcome, Outcome::Pass);
    let e = evaluate_with(
        "Rules = [ DetectAnomalies \"RowCount\" ]",
        &Past(vec![6.0; 3]),
    )
    .await;
    assert_eq!(e.rules[0].outcome, Outcome::Pass);
    assert!(e.observations.is_empty());
    let e = evaluate_with(
        "Rules = [ DetectAnomalies \"RowCount\" ]",
        &Past(vec![100.0, 101.0, 99.0, 100.0]),
    )
    .await;
    assert_eq!(e.rules[0].outcome, Outcome::Fail);
    assert_eq!(e.observations.len(), 1);
    let json = e.to_json();
    let observation = &json["Observations"][0]["MetricBasedObservation"];
    assert_eq!(observation["MetricName"], "Dataset.*.RowCount");
    assert_eq!(observation["MetricValues"]["ActualValue"], 6.0);
    let new_rule = observation["NewRules"][0].as_str().unwrap_or_default();
    assert!(new_rule.starts_with("RowCount between "), "{new_rule}");
    assert!(weir_quality::parse(&format!("Rules = [ {new_rule} ]")).is_ok());
    // Analyzers report anomalies as observations, failing nothing.
    let e = evaluate_with(
        "Analyzers = [ Mean \"v\" ]",
        &Past(vec![30.0, 31.0, 29.0, 30.0]),
    )
    .await;
    assert_eq!(e.observations.len(), 1);
    assert_eq!(e.score, None);
}

#[tokio::test]
async fn analyzers_report_metrics() {
    let e = evaluate_with(
        "Rules = [ RowCount > 0 ] Analyzers = [ RowCount, Completeness \"name\", AllStatistics \"v\", CustomSql \"select max(v) from primary\" ]",
        &NoHistory,
    )
    .await;
    let a = &e.analyzers;
    assert_eq!(a.len(), 4);
    assert_eq!(
        a[0].metrics,
        [("Dataset.*.RowCount".to_string(), Some(6.0))]
    );
    let all: BTreeMap<&str, f64> = a[2]
        .metrics
        .iter()
        .filter_map(|(n, v)| v.map(|v| (n.as_str(), v)))
        .collect();
    assert_eq!(all["Column.v.DistinctValuesCount"], 4.0);
    assert_eq!(all["Column.v.Maximum"], 7.0);
    assert_eq!(all["Column.v.Mean"], 3.0);
    assert_eq!(
        a[3].metrics,
        [("Dataset.*.CustomSQL".to_string(), Some(7.0))]
    );
    let json = e.to_json();
    assert_eq!(json["Score"], 1.0);
    assert_eq!(json["RuleResults"][0]["Result"], "PASS");
    assert_eq!(json["AggregatedMetrics"]["TotalRowsProcessed"], 6.0);
}

#[tokio::test]
async fn labels_merge_with_defaults() {
    let e = evaluate_with(
        "DefaultLabels = [\"team\"=\"data\", \"tier\"=\"1\"]\nRules = [ RowCount > 0 labels=[\"tier\"=\"2\"] ]",
        &NoHistory,
    )
    .await;
    assert_eq!(
        e.rules[0].labels,
        [
            ("team".to_string(), "data".to_string()),
            ("tier".to_string(), "2".to_string())
        ]
    );
}

#[tokio::test]
async fn row_level_outcomes() {
    use datafusion::arrow::array::{Array, AsArray};
    let ctx = session();
    let ruleset = weir_quality::parse(
        "Rules = [ ColumnValues \"v\" > 0 where \"id > 3\", IsComplete \"name\", Mean \"v\" > 0, (IsComplete \"id\") and (ColumnValues \"v\" < 7) ]",
    )
    .expect("parses");
    let rows = eval::row_level(&ctx, dataset(&ctx), &ruleset, now())
        .await
        .expect("planned")
        .sort(vec![datafusion::prelude::col("id").sort(true, true)])
        .expect("sorted")
        .collect()
        .await
        .expect("read");
    let batch =
        datafusion::arrow::compute::concat_batches(&rows[0].schema(), &rows).expect("one batch");
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(&names[6..], eval::ROW_LEVEL_COLUMNS);
    let result = batch.column(9).as_string::<i32>();
    let results: Vec<&str> = (0..result.len()).map(|i| result.value(i)).collect();
    // Row 3 has no name; row 6 has v = 7; rows 1–3 are left out of the `where` and pass it.
    assert_eq!(
        results,
        ["Passed", "Passed", "Failed", "Passed", "Passed", "Failed"]
    );
    let skip = batch.column(8).as_list::<i32>();
    let skipped = skip.value(0);
    assert_eq!(skipped.as_string::<i32>().value(0), "Mean \"v\" > 0");
}

/// A folder of three files (two with the same content) and a hidden one.
fn file_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, content) in [
        ("a.csv", "x"),
        ("b.csv", "x"),
        ("c.csv", "yy"),
        ("_SUCCESS", ""),
    ] {
        std::fs::write(dir.path().join(name), content).expect("written");
    }
    dir
}

async fn file_rule(dir: &std::path::Path, rule: &str) -> RuleResult {
    let ruleset = weir_quality::parse(&format!("Rules = [ {rule} ]")).expect("parses");
    let engine = Engine::new(EngineConfig::default());
    let ctx = engine.session().expect("a session");
    let access = eval::files::FileAccess {
        engine: Some(&engine),
        dataset: Some(format!("{}/", dir.display())),
    };
    let mut e = eval::evaluate(
        &ctx,
        dataset(&ctx),
        BTreeMap::new(),
        &ruleset,
        Utc::now(),
        &NoHistory,
        Some(&access),
    )
    .await
    .expect("evaluates");
    e.rules.remove(0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn file_rules_check_the_files() {
    use sha2::Digest;
    let dir = file_folder();
    let d = dir.path();
    let r = file_rule(d, "FileSize < 1 KB").await;
    assert_eq!(r.outcome, Outcome::Pass, "{r:?}");
    assert_eq!(
        metric(&r, "Dataset.*.FileCount"),
        3.0,
        "the hidden file is left out"
    );
    let r = file_rule(d, "FileSize > 1 B").await;
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(close(
        metric(&r, "Dataset.*.FileSize.Compliance"),
        1.0 / 3.0
    ));
    assert_eq!(
        file_rule(d, "FileSize > 1 B with threshold > 0.3")
            .await
            .outcome,
        Outcome::Pass
    );
    assert_eq!(
        file_rule(d, "FileFreshness > (now() - 1 days)")
            .await
            .outcome,
        Outcome::Pass
    );
    assert_eq!(
        file_rule(d, "FileFreshness < \"2020-01-01\"").await.outcome,
        Outcome::Fail
    );
    assert_eq!(
        file_rule(d, "FileFreshness < \"2020-01-01\" with recentFiles = 1")
            .await
            .outcome,
        Outcome::Fail
    );
    let r = file_rule(d, "FileUniqueness < 0.5").await;
    assert!(close(metric(&r, "Dataset.*.FileUniqueness"), 1.0 / 3.0));
    assert_eq!(r.outcome, Outcome::Pass);
    let sha = |s: &str| hex(&sha2::Sha256::digest(s.as_bytes()));
    let text = format!("FileMatch in [\"{}\", \"{}\"]", sha("x"), sha("yy"));
    assert_eq!(file_rule(d, &text).await.outcome, Outcome::Pass);
    let text = format!("FileMatch in [\"{}\"]", sha("x"));
    assert_eq!(file_rule(d, &text).await.outcome, Outcome::Fail);
    let md5 = |s: &str| hex(&md5::Md5::digest(s.as_bytes()));
    let text = format!(
        "FileMatch \"{}/c.csv\" in [\"{}\"] with hashAlgorithm = \"MD5\"",
        d.display(),
        md5("yy")
    );
    assert_eq!(file_rule(d, &text).await.outcome, Outcome::Pass);
    let same = format!("FileMatch \"{0}/a.csv\" \"{0}/b.csv\"", d.display());
    assert_eq!(file_rule(d, &same).await.outcome, Outcome::Pass);
    let different = format!("FileMatch \"{0}/a.csv\" \"{0}/c.csv\"", d.display());
    assert_eq!(file_rule(d, &different).await.outcome, Outcome::Fail);
    let r = file_rule(d, &format!("FileSize \"{}/nothing/\" < 1 KB", d.display())).await;
    assert_eq!(r.outcome, Outcome::Error);
    assert!(r
        .message
        .unwrap_or_default()
        .starts_with("no files were found at"));
    // Without access to files, file rules cannot be evaluated.
    let r = rule("FileSize < 1 KB").await;
    assert_eq!(r.outcome, Outcome::Error);
}
