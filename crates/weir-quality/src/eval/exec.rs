//! Runs a [`Plan`] on a session where the dataset is the table `primary` and each reference
//! dataset is registered under its alias: every `where` clause and aggregate is planned alone
//! first (a bad one fails only its rules), then the aggregates that plan run in one scan, each
//! column set's value frequencies in a grouping of its own (which reads only its columns), and
//! each query on its own.

use std::collections::BTreeMap;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::prelude::{DataFrame, SessionContext};
use weir_spark as spark;

use super::compile::{FileMeasure, FileQuery, FreqSet, Plan, Query};
use super::files::FileCache;
use super::sql::{ident, PRIMARY};
use crate::dqdl::condition::{CompareOp, Comparison};

/// A number a query answered (`None`: SQL NULL), or why it could not.
pub type Answer = Result<Option<f64>, String>;

/// What the frequencies of one column set's values tell.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Frequencies {
    pub distinct: f64,
    pub singles: f64,
    pub groups: f64,
    pub valid_rows: f64,
    pub nlogn: f64,
}

/// The answers to a plan.
#[derive(Debug, Default)]
pub struct Answers {
    pub aggregates: Vec<Answer>,
    pub frequencies: Vec<Result<Frequencies, String>>,
    pub queries: Vec<Answer>,
    /// Why each invalid `where` clause is.
    pub bad_wheres: BTreeMap<String, String>,
    /// Statements that read the dataset (or a reference dataset).
    pub scans: usize,
}

/// Answers everything `plan` asks; `wheres` are the rules' `where` clauses, `files` lists and
/// reads the files file rules check.
pub async fn run(
    ctx: &SessionContext,
    plan: &Plan,
    wheres: &[String],
    files: &FileCache<'_>,
) -> Answers {
    let mut answers = Answers::default();
    for w in wheres {
        if answers.bad_wheres.contains_key(w) {
            continue;
        }
        let sql = format!("SELECT 1 FROM {PRIMARY} WHERE ({w})");
        if let Err(e) = spark::sql(ctx, &sql).await {
            answers.bad_wheres.insert(
                w.clone(),
                format!(
                    "The where clause \"{w}\" is invalid: {}",
                    short(&e.to_string())
                ),
            );
        }
    }
    answers.aggregates = aggregates(ctx, &plan.aggregates, &mut answers.scans).await;
    answers.frequencies = frequencies(ctx, &plan.frequencies, &mut answers.scans).await;
    for query in &plan.queries {
        if !matches!(query, Query::Files(_)) {
            answers.scans += 1;
        }
        answers.queries.push(self::query(ctx, files, query).await);
    }
    answers
}

/// Every aggregate that plans, in one statement; when that statement fails, each alone.
async fn aggregates(ctx: &SessionContext, aggregates: &[String], scans: &mut usize) -> Vec<Answer> {
    let mut answers: Vec<Answer> = Vec::with_capacity(aggregates.len());
    let mut planned = Vec::new();
    for (i, aggregate) in aggregates.iter().enumerate() {
        match spark::sql(ctx, &format!("SELECT {aggregate} FROM {PRIMARY}")).await {
            Ok(_) => {
                planned.push(i);
                answers.push(Ok(None));
            }
            Err(e) => answers.push(Err(short(&e.to_string()))),
        }
    }
    if planned.is_empty() {
        return answers;
    }
    let select: Vec<String> = planned
        .iter()
        .map(|&i| format!("{} AS m{i}", aggregates[i]))
        .collect();
    *scans += 1;
    let sql = format!("SELECT {} FROM {PRIMARY}", select.join(", "));
    match one_row(ctx, &sql).await {
        Ok(values) => {
            for (&i, value) in planned.iter().zip(values) {
                answers[i] = Ok(value);
            }
        }
        Err(_) => {
            for &i in &planned {
                *scans += 1;
                let sql = format!("SELECT {} FROM {PRIMARY}", aggregates[i]);
                answers[i] = one_row(ctx, &sql)
                    .await
                    .map(|v| v.into_iter().next().flatten());
            }
        }
    }
    answers
}

/// The frequency statistics of every column set, a grouping each. (One `GROUPING SETS`
/// statement for all sets reads the data once but feeds every row to the aggregation once per
/// set, under keys as wide as all sets together: on 10M rows and three sets it took half as long
/// again as three groupings, which read only their own columns.)
async fn frequencies(
    ctx: &SessionContext,
    sets: &[FreqSet],
    scans: &mut usize,
) -> Vec<Result<Frequencies, String>> {
    let mut answers = Vec::with_capacity(sets.len());
    for set in sets {
        *scans += 1;
        answers.push(grouped(ctx, set).await);
    }
    answers
}

/// The counts of a set's values (its columns numbered `k0, k1, …`), then what they tell.
async fn grouped(ctx: &SessionContext, set: &FreqSet) -> Result<Frequencies, String> {
    let keys: Vec<String> = (0..set.columns.len()).map(|i| format!("k{i}")).collect();
    let projected: Vec<String> = set
        .columns
        .iter()
        .zip(&keys)
        .map(|(c, k)| format!("{c} AS {k}"))
        .collect();
    let filter = set
        .where_clause
        .as_ref()
        .map(|w| format!(" WHERE ({w})"))
        .unwrap_or_default();
    let valid: Vec<String> = keys.iter().map(|k| format!("{k} IS NOT NULL")).collect();
    let valid = valid.join(" OR ");
    let sql = format!(
        "SELECT CAST(count(1) AS DOUBLE), \
         CAST(count(CASE WHEN {valid} THEN 1 END) AS DOUBLE), \
         CAST(count(CASE WHEN ({valid}) AND n = 1 THEN 1 END) AS DOUBLE), \
         CAST(sum(CASE WHEN {valid} THEN n END) AS DOUBLE), \
         sum(CASE WHEN {valid} THEN CAST(n AS DOUBLE) * ln(CAST(n AS DOUBLE)) END) \
         FROM (SELECT {keys}, count(1) AS n FROM (SELECT {projected} FROM {PRIMARY}{filter}) GROUP BY {keys})",
        keys = keys.join(", "),
        projected = projected.join(", "),
    );
    let row = one_row(ctx, &sql).await?;
    let number = |i: usize| row.get(i).copied().flatten().unwrap_or(0.0);
    Ok(Frequencies {
        groups: number(0),
        distinct: number(1),
        singles: number(2),
        valid_rows: number(3),
        nlogn: number(4),
    })
}

async fn query(ctx: &SessionContext, files: &FileCache<'_>, query: &Query) -> Answer {
    match query {
        Query::Scalar(statement) => {
            let batches = collect(ctx, statement).await?;
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            let batch = batches.iter().find(|b| b.num_rows() > 0);
            match batch {
                Some(b) if rows == 1 && b.num_columns() == 1 => number_at(b.column(0).as_ref(), 0),
                _ => Err(format!(
                    "The statement returned {rows} row(s) of {} column(s); it must return one number",
                    batches.first().map_or(0, RecordBatch::num_columns)
                )),
            }
        }
        Query::RowLevel(statement) => {
            let result = spark::sql(ctx, statement)
                .await
                .map_err(|e| short(&e.to_string()))?;
            let names: Vec<String> = result
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            let primary = ctx
                .table(PRIMARY)
                .await
                .map_err(|e| short(&e.to_string()))?;
            for name in &names {
                if primary.schema().field_with_unqualified_name(name).is_err() {
                    return Err(format!(
                        "The statement selects \"{name}\", which is not found among the dataset's columns"
                    ));
                }
            }
            ctx.register_table("dq_row_level", result.into_view())
                .map_err(|e| short(&e.to_string()))?;
            let on: Vec<String> = names
                .iter()
                .map(|n| format!("p.{c} <=> r.{c}", c = ident(n)))
                .collect();
            let sql = format!(
                "SELECT CAST(count(1) AS DOUBLE) FROM {PRIMARY} p LEFT SEMI JOIN (SELECT DISTINCT * FROM dq_row_level) r ON {}",
                on.join(" AND ")
            );
            let answer = scalar(ctx, &sql).await;
            let _ = ctx.deregister_table("dq_row_level");
            answer
        }
        Query::RowCount(alias) => {
            scalar(
                ctx,
                &format!("SELECT CAST(count(1) AS DOUBLE) FROM {}", ident(alias)),
            )
            .await
        }
        Query::Contained {
            columns,
            alias,
            ref_columns,
        } => {
            let on: Vec<String> = columns
                .iter()
                .zip(ref_columns)
                .map(|(c, r)| format!("p.{c} = r.{r}"))
                .collect();
            let sql = format!(
                "SELECT CAST(count(1) AS DOUBLE) FROM {PRIMARY} p LEFT SEMI JOIN {} r ON {}",
                ident(alias),
                on.join(" AND ")
            );
            scalar(ctx, &sql).await
        }
        Query::Matching {
            alias,
            keys,
            compared,
        } => {
            let on: Vec<String> = keys.iter().map(|(a, b)| format!("p.{a} = r.{b}")).collect();
            let same: Vec<String> = compared
                .iter()
                .map(|(a, b)| format!("p.{a} <=> r.{b}"))
                .collect();
            let equal = if same.is_empty() {
                "true".to_string()
            } else {
                same.join(" AND ")
            };
            let sql = format!(
                "SELECT CAST(count(1) AS DOUBLE) FROM {PRIMARY} p LEFT SEMI JOIN {} r ON {} AND {equal}",
                ident(alias),
                on.join(" AND ")
            );
            scalar(ctx, &sql).await
        }
        Query::Aggregate { alias, sql } => {
            scalar(ctx, &format!("SELECT {sql} FROM {}", ident(alias))).await
        }
        Query::Files(q) => file_query(files, q).await,
    }
}

/// A count of the files a file rule checks.
async fn file_query(files: &FileCache<'_>, q: &FileQuery) -> Answer {
    let mut listed = files.list(q.path.as_deref()).await?;
    if let Some(n) = q.recent {
        listed.sort_by(|a, b| b.modified.total_cmp(&a.modified));
        listed.truncate(n);
    }
    let count = |n: usize| Ok(Some(n as f64));
    match &q.measure {
        FileMeasure::All => count(listed.len()),
        FileMeasure::Modified(c) => count(listed.iter().filter(|f| holds(&f.modified, c)).count()),
        FileMeasure::Size(c) => count(listed.iter().filter(|f| holds(&(f.size as f64), c)).count()),
        FileMeasure::Checksum(algorithm, c) => {
            let mut passing = 0;
            for f in &listed {
                if holds(&files.checksum(f, *algorithm).await?, c) {
                    passing += 1;
                }
            }
            count(passing)
        }
        FileMeasure::Unique(algorithm) => {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for f in &listed {
                *seen
                    .entry(files.checksum(f, *algorithm).await?)
                    .or_default() += 1;
            }
            count(seen.values().filter(|n| **n == 1).count())
        }
        FileMeasure::SameAs(other, algorithm) => {
            let mut ours = Vec::new();
            for f in &listed {
                ours.push(files.checksum(f, *algorithm).await?);
            }
            let mut theirs = Vec::new();
            for f in &files.list(Some(other)).await? {
                theirs.push(files.checksum(f, *algorithm).await?);
            }
            ours.sort();
            theirs.sort();
            Ok(Some(if ours == theirs { 1.0 } else { 0.0 }))
        }
    }
}

/// Whether `value` satisfies a comparison (DQDL's `between` excludes its bounds; a value is
/// never equal to `NULL`).
fn holds<T: PartialOrd>(value: &T, comparison: &Comparison<Option<T>>) -> bool {
    match comparison {
        Comparison::Compare(op, x) => match x {
            None => *op == CompareOp::NotEquals,
            Some(x) => match op {
                CompareOp::Equals => value == x,
                CompareOp::NotEquals => value != x,
                CompareOp::GreaterThan => value > x,
                CompareOp::GreaterThanOrEqual => value >= x,
                CompareOp::LessThan => value < x,
                CompareOp::LessThanOrEqual => value <= x,
            },
        },
        Comparison::Between { negated, low, high } => match (low, high) {
            (Some(low), Some(high)) if *negated => value <= low || value >= high,
            (Some(low), Some(high)) => value > low && value < high,
            _ => false,
        },
        Comparison::In { negated, items } => items.iter().flatten().any(|x| x == value) != *negated,
    }
}

async fn scalar(ctx: &SessionContext, sql: &str) -> Answer {
    Ok(one_row(ctx, sql).await?.into_iter().next().flatten())
}

/// The one row of a statement's answer, each column as a number.
async fn one_row(ctx: &SessionContext, sql: &str) -> Result<Vec<Option<f64>>, String> {
    let batches = collect(ctx, sql).await?;
    let batch = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or("the statement returned no row")?;
    (0..batch.num_columns())
        .map(|c| number_at(batch.column(c).as_ref(), 0))
        .collect()
}

async fn collect(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, String> {
    let df: DataFrame = spark::sql(ctx, sql)
        .await
        .map_err(|e| short(&e.to_string()))?;
    df.collect().await.map_err(|e| short(&e.to_string()))
}

/// A value of a numeric column as a double.
fn number_at(array: &dyn Array, row: usize) -> Answer {
    if array.is_null(row) {
        return Ok(None);
    }
    let cast = datafusion::arrow::compute::cast(&array.slice(row, 1), &DataType::Float64).map_err(
        |_| {
            format!(
                "the statement returned a {} value, not a number",
                array.data_type()
            )
        },
    )?;
    Ok(float(cast.as_ref(), 0))
}

fn float(array: &dyn Array, row: usize) -> Option<f64> {
    let a = array.as_primitive_opt::<Float64Type>()?;
    (!a.is_null(row)).then(|| a.value(row))
}

/// DataFusion's message without its context lines.
fn short(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}
