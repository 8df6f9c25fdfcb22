//! Data quality results (the `GetDataQualityResult` document, found by its id, its evaluation
//! run and its data source) and the statistics every evaluation records: one value per
//! (profile, rule, metric) and run, which dynamic rules and anomaly detection read back.

use serde_json::Value;
use sqlx::Row;

use crate::db::Tx;
use crate::doc;
use crate::error::Result;

/// Stores a result.
pub async fn insert(
    tx: &mut Tx,
    result_id: &str,
    run_id: &str,
    source: &str,
    started_on: f64,
    document: &Value,
) -> Result<()> {
    let q = tx.sql(
        "INSERT INTO dq_results (result_id, run_id, source, started_on, doc) VALUES ($1, $2, $3, $4, $5)",
    );
    sqlx::query(&q)
        .bind(result_id)
        .bind(run_id)
        .bind(source)
        .bind(started_on)
        .bind(doc::to_text(document))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, result_id: &str) -> Result<Option<Value>> {
    let q = tx.sql("SELECT doc FROM dq_results WHERE result_id = $1");
    let row = sqlx::query(&q)
        .bind(result_id)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|r| doc::parse("data quality result", &r.try_get::<String, _>(0)?))
        .transpose()
}

/// The ids of a run's results, in the order they were stored.
pub async fn of_run(tx: &mut Tx, run_id: &str) -> Result<Vec<String>> {
    let q = tx.sql("SELECT result_id FROM dq_results WHERE run_id = $1 ORDER BY seq");
    let rows = sqlx::query(&q).bind(run_id).fetch_all(tx.conn()).await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Up to `limit` results, newest first, older than `before` (a storage order), of `source`
/// only when given: (storage order, document).
pub async fn list(
    tx: &mut Tx,
    source: Option<&str>,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<(i64, Value)>> {
    let q = tx.sql(
        "SELECT seq, doc FROM dq_results WHERE ($1 = '' OR source = $1) AND seq < $2 \
         ORDER BY seq DESC LIMIT $3",
    );
    let rows = sqlx::query(&q)
        .bind(source.unwrap_or(""))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit as i64)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            let text: String = r.try_get(1)?;
            Ok((r.try_get(0)?, doc::parse("data quality result", &text)?))
        })
        .collect()
}

/// One recorded value of a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistic {
    /// What the values are comparable within: a ruleset's evaluations of one table.
    pub profile: String,
    /// The rule's (or analyzer's) canonical text.
    pub rule: String,
    pub metric: String,
    pub value: f64,
    pub run_id: String,
    pub recorded_on: f64,
}

pub async fn record(tx: &mut Tx, statistics: &[Statistic]) -> Result<()> {
    let q = tx.sql(
        "INSERT INTO dq_statistics (profile, rule, metric, value, run_id, recorded_on, included) \
         VALUES ($1, $2, $3, $4, $5, $6, 1)",
    );
    for s in statistics {
        sqlx::query(&q)
            .bind(&s.profile)
            .bind(&s.rule)
            .bind(&s.metric)
            .bind(s.value)
            .bind(&s.run_id)
            .bind(s.recorded_on)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// The newest `limit` included values of a profile's metrics, newest first: (rule, metric,
/// value).
pub async fn history(
    tx: &mut Tx,
    profile: &str,
    limit: usize,
) -> Result<Vec<(String, String, f64)>> {
    let q = tx.sql(
        "SELECT rule, metric, value FROM dq_statistics WHERE profile = $1 AND included = 1 \
         ORDER BY seq DESC LIMIT $2",
    );
    let rows = sqlx::query(&q)
        .bind(profile)
        .bind(limit.min(i64::MAX as usize) as i64)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}
