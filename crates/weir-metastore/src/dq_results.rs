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

/// One recorded value of a metric: a data point of a statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistic {
    /// The series the value belongs to: the same metric of the same rule in the same context.
    pub statistic_id: String,
    /// The profile (one evaluation's statistics) it was recorded in.
    pub profile_id: String,
    /// What values are comparable within: a ruleset's evaluations of one table.
    pub context: String,
    /// The rule's (or analyzer's) canonical text.
    pub rule: String,
    pub metric: String,
    pub value: f64,
    pub run_id: String,
    pub recorded_on: f64,
    /// Whether models and dynamic rules use it (`INCLUDE`), or a user excluded it.
    pub included: bool,
    /// When its annotation was last set (0: never).
    pub annotated_on: f64,
}

const STATISTIC_COLUMNS: &str = "seq, statistic_id, profile_id, context, rule, metric, value, \
                                 run_id, recorded_on, included, annotated_on";

fn statistic(row: &sqlx::any::AnyRow) -> Result<(i64, Statistic)> {
    let included: i64 = row.try_get(9)?;
    Ok((
        row.try_get(0)?,
        Statistic {
            statistic_id: row.try_get(1)?,
            profile_id: row.try_get(2)?,
            context: row.try_get(3)?,
            rule: row.try_get(4)?,
            metric: row.try_get(5)?,
            value: row.try_get(6)?,
            run_id: row.try_get(7)?,
            recorded_on: row.try_get(8)?,
            included: included != 0,
            annotated_on: row.try_get(10)?,
        },
    ))
}

pub async fn record(tx: &mut Tx, statistics: &[Statistic]) -> Result<()> {
    let q = tx.sql(
        "INSERT INTO dq_statistics (statistic_id, profile_id, context, rule, metric, value, run_id, \
         recorded_on, included, annotated_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    );
    for s in statistics {
        sqlx::query(&q)
            .bind(&s.statistic_id)
            .bind(&s.profile_id)
            .bind(&s.context)
            .bind(&s.rule)
            .bind(&s.metric)
            .bind(s.value)
            .bind(&s.run_id)
            .bind(s.recorded_on)
            .bind(i64::from(s.included))
            .bind(s.annotated_on)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// The newest `limit` values of a context's metrics, newest first: (rule, metric, value,
/// whether it is included).
pub async fn history(
    tx: &mut Tx,
    context: &str,
    limit: usize,
) -> Result<Vec<(String, String, f64, bool)>> {
    let q = tx.sql(
        "SELECT rule, metric, value, included FROM dq_statistics WHERE context = $1 \
         ORDER BY seq DESC LIMIT $2",
    );
    let rows = sqlx::query(&q)
        .bind(context)
        .bind(limit.min(i64::MAX as usize) as i64)
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            let included: i64 = r.try_get(3)?;
            Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, included != 0))
        })
        .collect()
}

/// Which statistics a listing reads.
#[derive(Debug, Clone, Default)]
pub struct StatisticFilter<'a> {
    pub statistic_id: Option<&'a str>,
    pub profile_id: Option<&'a str>,
    /// Recorded after this time (exclusive).
    pub after: Option<f64>,
    /// Recorded before this time (exclusive).
    pub before: Option<f64>,
    /// Only those whose annotation was set.
    pub annotated: bool,
}

/// Up to `limit` statistics matching `filter`, newest first, stored before `before_seq`.
pub async fn statistics(
    tx: &mut Tx,
    filter: &StatisticFilter<'_>,
    before_seq: Option<i64>,
    limit: usize,
) -> Result<Vec<(i64, Statistic)>> {
    let q = tx
        .sql(&format!(
            "SELECT {STATISTIC_COLUMNS} FROM dq_statistics WHERE ($1 = '' OR statistic_id = $1) \
         AND ($2 = '' OR profile_id = $2) AND recorded_on > $3 AND recorded_on < $4 \
         AND annotated_on >= $5 AND seq < $6 ORDER BY seq DESC LIMIT $7"
        ))
        .into_owned();
    let rows = sqlx::query(&q)
        .bind(filter.statistic_id.unwrap_or(""))
        .bind(filter.profile_id.unwrap_or(""))
        .bind(filter.after.unwrap_or(f64::MIN))
        .bind(filter.before.unwrap_or(f64::MAX))
        .bind(if filter.annotated {
            f64::MIN_POSITIVE
        } else {
            0.0
        })
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(limit as i64)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(statistic).collect()
}

/// Every value of a statistic, oldest first, up to the newest `limit`.
pub async fn series(tx: &mut Tx, statistic_id: &str, limit: usize) -> Result<Vec<Statistic>> {
    let q = tx
        .sql(&format!(
            "SELECT {STATISTIC_COLUMNS} FROM dq_statistics WHERE statistic_id = $1 \
         ORDER BY seq DESC LIMIT $2"
        ))
        .into_owned();
    let rows = sqlx::query(&q)
        .bind(statistic_id)
        .bind(limit as i64)
        .fetch_all(tx.conn())
        .await?;
    let mut series = rows
        .iter()
        .map(|r| statistic(r).map(|(_, s)| s))
        .collect::<Result<Vec<_>>>()?;
    series.reverse();
    Ok(series)
}

/// Includes or excludes the values of a profile (all of them, or the one of `statistic_id`);
/// how many were found.
pub async fn annotate(
    tx: &mut Tx,
    profile_id: &str,
    statistic_id: Option<&str>,
    included: bool,
    now: f64,
) -> Result<u64> {
    let q = tx.sql(
        "UPDATE dq_statistics SET included = $1, annotated_on = $2 \
         WHERE profile_id = $3 AND ($4 = '' OR statistic_id = $4)",
    );
    let done = sqlx::query(&q)
        .bind(i64::from(included))
        .bind(now)
        .bind(profile_id)
        .bind(statistic_id.unwrap_or(""))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}
