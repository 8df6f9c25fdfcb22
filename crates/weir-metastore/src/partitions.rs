//! Partitions, keyed by their values (stored as a JSON array text), with filtered scans.
//!
//! `GetPartitions` filtering runs in two steps: a cheap pass over `(id, values)` pairs — all of
//! the table's partitions, or only the candidates a partition index yields for one key — that
//! evaluates the expression, then one fetch of the documents of the partitions that matched.

use serde_json::Value;
use sqlx::Row;
use weir_partition_expr::{index_value, Filter, IndexValue, KeyConstraint};

use crate::db::Tx;
use crate::doc;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct PartitionRow {
    pub id: i64,
    pub values: Vec<String>,
    /// The `Partition` output shape without `CatalogId`.
    pub doc: Value,
}

/// A partition key that some partition index of the table covers: its position and Hive type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedKey {
    pub key_pos: usize,
    pub type_name: String,
}

/// The canonical stored form of a partition's values.
pub fn values_key(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_default()
}

fn parse_values(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|source| Error::Corrupt {
        entity: format!("partition values {text}"),
        source,
    })
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<PartitionRow> {
    let values_text: String = row.try_get(1)?;
    Ok(PartitionRow {
        id: row.try_get(0)?,
        doc: doc::parse(
            &format!("partition {values_text}"),
            &row.try_get::<String, _>(2)?,
        )?,
        values: parse_values(&values_text)?,
    })
}

/// Inserts many partitions with one statement (and one more for their index rows). Returns,
/// per entry, whether it was inserted: `false` when a partition with the same values existed,
/// or appeared earlier in `entries`.
pub async fn insert_many(
    tx: &mut Tx,
    table_id: i64,
    entries: &[(Vec<String>, Value)],
    indexed: &[IndexedKey],
) -> Result<Vec<bool>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = entries
        .iter()
        .map(|(values, _)| values_key(values))
        .collect();
    let rows: Vec<String> = (0..entries.len())
        .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
        .collect();
    let sql = tx
        .sql(&format!(
            "INSERT INTO partitions (table_id, values_key, doc) VALUES {} \
             ON CONFLICT (table_id, values_key) DO NOTHING RETURNING id, values_key",
            rows.join(", ")
        ))
        .into_owned();
    let mut query = sqlx::query(&sql).bind(table_id);
    for (key, (_, doc)) in keys.iter().zip(entries) {
        query = query.bind(key.as_str()).bind(doc::to_text(doc));
    }
    let mut inserted: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for row in query.fetch_all(tx.conn()).await? {
        inserted.insert(row.try_get(1)?, row.try_get(0)?);
    }
    let mut out = Vec::with_capacity(entries.len());
    let mut index_rows: Vec<(i64, &[String])> = Vec::new();
    for (key, (values, _)) in keys.iter().zip(entries) {
        match inserted.remove(key) {
            Some(id) => {
                index_rows.push((id, values));
                out.push(true);
            }
            None => out.push(false),
        }
    }
    insert_index_rows(tx, table_id, &index_rows, indexed).await?;
    Ok(out)
}

pub async fn get(tx: &mut Tx, table_id: i64, values: &[String]) -> Result<Option<PartitionRow>> {
    let q = tx
        .sql("SELECT id, values_key, doc FROM partitions WHERE table_id = $1 AND values_key = $2");
    let row = sqlx::query(&q)
        .bind(table_id)
        .bind(values_key(values))
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Replaces a partition's values and document.
pub async fn update(
    tx: &mut Tx,
    table_id: i64,
    id: i64,
    values: &[String],
    doc: &Value,
    indexed: &[IndexedKey],
) -> Result<()> {
    let q = tx.sql("UPDATE partitions SET values_key = $1, doc = $2 WHERE id = $3");
    sqlx::query(&q)
        .bind(values_key(values))
        .bind(doc::to_text(doc))
        .bind(id)
        .execute(tx.conn())
        .await?;
    let q = tx.sql("DELETE FROM partition_index_values WHERE partition_id = $1");
    sqlx::query(&q).bind(id).execute(tx.conn()).await?;
    insert_index_values(tx, table_id, id, values, indexed).await
}

pub async fn delete(tx: &mut Tx, id: i64) -> Result<()> {
    let q = tx.sql("DELETE FROM partitions WHERE id = $1");
    sqlx::query(&q).bind(id).execute(tx.conn()).await?;
    Ok(())
}

async fn insert_index_values(
    tx: &mut Tx,
    table_id: i64,
    partition_id: i64,
    values: &[String],
    indexed: &[IndexedKey],
) -> Result<()> {
    insert_index_rows(tx, table_id, &[(partition_id, values)], indexed).await
}

/// Writes the index rows of these partitions for the indexed keys: numbers and texts in one
/// statement each. (Never a NULL beside a value in one statement: a cached PostgreSQL statement
/// keeps the parameter types of its first use.)
async fn insert_index_rows(
    tx: &mut Tx,
    table_id: i64,
    partitions: &[(i64, &[String])],
    indexed: &[IndexedKey],
) -> Result<()> {
    let mut numbers: Vec<(i64, i64, f64)> = Vec::new();
    let mut texts: Vec<(i64, i64, String)> = Vec::new();
    for (id, values) in partitions {
        for key in indexed {
            match values
                .get(key.key_pos)
                .and_then(|raw| index_value(&key.type_name, raw))
            {
                Some(IndexValue::Number(n)) => numbers.push((*id, key.key_pos as i64, n)),
                Some(IndexValue::Text(t)) => texts.push((*id, key.key_pos as i64, t)),
                None => {}
            }
        }
    }
    for chunk in numbers.chunks(1000) {
        let sql = index_insert_sql(tx, "num_value", chunk.len());
        let mut query = sqlx::query(&sql).bind(table_id);
        for (id, pos, n) in chunk {
            query = query.bind(*id).bind(*pos).bind(*n);
        }
        query.execute(tx.conn()).await?;
    }
    for chunk in texts.chunks(1000) {
        let sql = index_insert_sql(tx, "text_value", chunk.len());
        let mut query = sqlx::query(&sql).bind(table_id);
        for (id, pos, t) in chunk {
            query = query.bind(*id).bind(*pos).bind(t.as_str());
        }
        query.execute(tx.conn()).await?;
    }
    Ok(())
}

fn index_insert_sql(tx: &Tx, column: &str, rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| format!("(${}, $1, ${}, ${})", 3 * i + 2, 3 * i + 3, 3 * i + 4))
        .collect();
    tx.sql(&format!(
        "INSERT INTO partition_index_values (partition_id, table_id, key_pos, {column}) VALUES {}",
        values.join(", ")
    ))
    .into_owned()
}

/// Fills the index rows of one key for the partitions with ids after `after`, at most `limit`
/// of them, replacing rows already there. Returns the last id filled, or `None` when no
/// partition was left: a backfill calls it chunk by chunk, each in its own transaction.
pub async fn backfill_index_chunk(
    tx: &mut Tx,
    table_id: i64,
    key: &IndexedKey,
    after: i64,
    limit: i64,
) -> Result<Option<i64>> {
    let page = scan_values(tx, table_id, None, after, limit).await?;
    let Some(last) = page.last().map(|(id, _)| *id) else {
        return Ok(None);
    };
    let q = tx.sql(
        "DELETE FROM partition_index_values WHERE table_id = $1 AND key_pos = $2 \
         AND partition_id > $3 AND partition_id <= $4",
    );
    sqlx::query(&q)
        .bind(table_id)
        .bind(key.key_pos as i64)
        .bind(after)
        .bind(last)
        .execute(tx.conn())
        .await?;
    let rows: Vec<(i64, &[String])> = page
        .iter()
        .map(|(id, values)| (*id, values.as_slice()))
        .collect();
    insert_index_rows(tx, table_id, &rows, std::slice::from_ref(key)).await?;
    Ok(Some(last))
}

/// Removes the index rows of one key (no partition index covers it any more).
pub async fn drop_index_values(tx: &mut Tx, table_id: i64, key_pos: usize) -> Result<()> {
    let q = tx.sql("DELETE FROM partition_index_values WHERE table_id = $1 AND key_pos = $2");
    sqlx::query(&q)
        .bind(table_id)
        .bind(key_pos as i64)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Where a filtered scan takes its candidate partitions from.
#[derive(Clone, Copy)]
pub enum ScanSource<'a> {
    /// Every partition of the table.
    All,
    /// The partitions whose indexed keys satisfy every `(key position, constraint)` pair: the
    /// intersection of what each key's index rows yield.
    Index(&'a [(usize, KeyConstraint)]),
}

/// One page of a filtered partition listing.
pub struct PartitionQuery<'a> {
    pub source: ScanSource<'a>,
    pub filter: Option<&'a Filter>,
    /// `(segment number, total segments)`: only partitions of that segment.
    pub segment: Option<(i64, i64)>,
    /// Resume after this partition id (0 from the start).
    pub after_id: i64,
    pub limit: usize,
}

/// Returns the matching partitions in id order and, when the page is full, the id to resume
/// after (the next page may then be empty).
///
/// Without an index, `(id, values)` pairs come in id order, in batches, from the covering scan
/// index. With an index, the candidate ids are the intersection of what each constrained key's
/// index rows yield, computed once per call, and their values are read in chunks. Either way
/// the expression is evaluated on the values, the scan stops when the page is full, and only
/// the matching documents are fetched.
pub async fn query(
    tx: &mut Tx,
    table_id: i64,
    q: PartitionQuery<'_>,
) -> Result<(Vec<PartitionRow>, Option<i64>)> {
    const BATCH: usize = 5000;
    let index_ids = match q.source {
        ScanSource::All => None,
        ScanSource::Index(constraints) => {
            let mut ids = index_candidates(tx, table_id, constraints, q.after_id).await?;
            if let Some((number, total)) = q.segment {
                ids.retain(|id| id % total == number);
            }
            Some(ids)
        }
    };
    let mut matched = Vec::new();
    let mut after = q.after_id;
    let mut chunk_start = 0;
    'scan: loop {
        let batch = match &index_ids {
            None => scan_values(tx, table_id, q.segment, after, BATCH as i64).await?,
            Some(ids) => {
                let chunk =
                    &ids[chunk_start.min(ids.len())..(chunk_start + BATCH / 5).min(ids.len())];
                chunk_start += chunk.len();
                values_of(tx, chunk).await?
            }
        };
        for (id, values) in &batch {
            after = *id;
            if q.filter.is_none_or(|f| f.matches(values)) {
                matched.push(*id);
                if matched.len() == q.limit {
                    break 'scan;
                }
            }
        }
        let exhausted = match &index_ids {
            None => batch.len() < BATCH,
            Some(ids) => chunk_start >= ids.len(),
        };
        if exhausted {
            break;
        }
    }
    let next = (matched.len() == q.limit)
        .then(|| matched.last().copied())
        .flatten();
    let rows = fetch(tx, &matched).await?;
    Ok((rows, next))
}

/// `(id, values)` of the table's partitions after `after` (of one segment, if given), at most
/// `limit`, in id order.
async fn scan_values(
    tx: &mut Tx,
    table_id: i64,
    segment: Option<(i64, i64)>,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Vec<String>)>> {
    let mut binds = vec![Bind::Int(table_id), Bind::Int(after), Bind::Int(limit)];
    let mut sql = "SELECT p.id, p.values_key FROM partitions p WHERE p.table_id = $1 AND p.id > $2"
        .to_string();
    if let Some((number, total)) = segment {
        binds.extend([Bind::Int(total), Bind::Int(number)]);
        sql.push_str(" AND p.id % $4 = $5");
    }
    sql.push_str(" ORDER BY p.id LIMIT $3");
    let sql = tx.sql(&sql).into_owned();
    let rows = bind_all(sqlx::query(&sql), binds)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(id_and_values).collect()
}

/// `(id, values)` of the partitions with these ids, in id order.
async fn values_of(tx: &mut Tx, ids: &[i64]) -> Result<Vec<(i64, Vec<String>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = tx
        .sql(&format!(
            "SELECT id, values_key FROM partitions WHERE id IN ({}) ORDER BY id",
            placeholders.join(", ")
        ))
        .into_owned();
    let binds = ids.iter().map(|id| Bind::Int(*id)).collect();
    let rows = bind_all(sqlx::query(&sql), binds)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(id_and_values).collect()
}

fn id_and_values(row: &sqlx::any::AnyRow) -> Result<(i64, Vec<String>)> {
    Ok((
        row.try_get::<i64, _>(0)?,
        parse_values(&row.try_get::<String, _>(1)?)?,
    ))
}

/// The ids after `after`, in order, of the partitions whose index rows satisfy every
/// constraint: one index range per constrained key, intersected by the database. The value
/// indexes end with `partition_id`, so each range is read from its index alone.
async fn index_candidates(
    tx: &mut Tx,
    table_id: i64,
    constraints: &[(usize, KeyConstraint)],
    after: i64,
) -> Result<Vec<i64>> {
    let mut binds = vec![Bind::Int(table_id), Bind::Int(after)];
    let mut selects = Vec::new();
    for (key_pos, constraint) in constraints {
        binds.push(Bind::Int(*key_pos as i64));
        let key = binds.len();
        let cond = constraint_sql("v", constraint, &mut binds);
        selects.push(format!(
            "SELECT v.partition_id FROM partition_index_values v \
             WHERE v.table_id = $1 AND v.key_pos = ${key} AND {cond} AND v.partition_id > $2"
        ));
    }
    let sql = tx
        .sql(&format!("{} ORDER BY 1", selects.join(" INTERSECT ")))
        .into_owned();
    let rows = bind_all(sqlx::query(&sql), binds)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        query = match b {
            Bind::Int(i) => query.bind(i),
            Bind::Num(n) => query.bind(n),
            Bind::Text(t) => query.bind(t),
        };
    }
    query
}

enum Bind {
    Int(i64),
    Num(f64),
    Text(String),
}

/// SQL condition on `<alias>.text_value` / `<alias>.num_value` for a key constraint, pushing
/// its bind values.
fn constraint_sql(alias: &str, constraint: &KeyConstraint, binds: &mut Vec<Bind>) -> String {
    let push = |binds: &mut Vec<Bind>, value: &IndexValue| -> (String, String) {
        let (bind, column) = match value {
            IndexValue::Text(t) => (Bind::Text(t.clone()), "text_value"),
            IndexValue::Number(n) => (Bind::Num(*n), "num_value"),
        };
        binds.push(bind);
        (format!("${}", binds.len()), format!("{alias}.{column}"))
    };
    match constraint {
        KeyConstraint::Values(values) if values.is_empty() => "1 = 0".to_string(),
        KeyConstraint::Values(values) => {
            let parts: Vec<(String, String)> = values.iter().map(|v| push(binds, v)).collect();
            let column = &parts[0].1;
            if parts.iter().all(|(_, c)| c == column) {
                let params: Vec<&str> = parts.iter().map(|(p, _)| p.as_str()).collect();
                format!("{column} IN ({})", params.join(", "))
            } else {
                let eqs: Vec<String> = parts.iter().map(|(p, c)| format!("{c} = {p}")).collect();
                format!("({})", eqs.join(" OR "))
            }
        }
        KeyConstraint::Range { lower, upper } => {
            let mut parts = Vec::new();
            if let Some((v, inclusive)) = lower {
                let (p, column) = push(binds, v);
                parts.push(format!(
                    "{column} {} {p}",
                    if *inclusive { ">=" } else { ">" }
                ));
            }
            if let Some((v, inclusive)) = upper {
                let (p, column) = push(binds, v);
                parts.push(format!(
                    "{column} {} {p}",
                    if *inclusive { "<=" } else { "<" }
                ));
            }
            if parts.is_empty() {
                "1 = 1".to_string()
            } else {
                format!("({})", parts.join(" AND "))
            }
        }
    }
}

/// The partitions with these ids, in id order.
async fn fetch(tx: &mut Tx, ids: &[i64]) -> Result<Vec<PartitionRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = tx
            .sql(&format!(
                "SELECT id, values_key, doc FROM partitions WHERE id IN ({}) ORDER BY id",
                placeholders.join(", ")
            ))
            .into_owned();
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(tx.conn()).await? {
            out.push(from_row(&row)?);
        }
    }
    Ok(out)
}

/// Partition index definitions of a table.
#[derive(Debug, Clone)]
pub struct PartitionIndexRow {
    pub name: String,
    pub keys: Vec<String>,
    pub status: String,
}

pub async fn insert_index(
    tx: &mut Tx,
    table_id: i64,
    name: &str,
    keys: &[String],
    status: &str,
) -> Result<()> {
    let q = tx.sql(
        "INSERT INTO partition_indexes (table_id, name, keys, status) VALUES ($1, $2, $3, $4)",
    );
    sqlx::query(&q)
        .bind(table_id)
        .bind(name)
        .bind(serde_json::to_string(keys).unwrap_or_default())
        .bind(status)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn list_indexes(tx: &mut Tx, table_id: i64) -> Result<Vec<PartitionIndexRow>> {
    let q = tx
        .sql("SELECT name, keys, status FROM partition_indexes WHERE table_id = $1 ORDER BY name");
    let rows = sqlx::query(&q).bind(table_id).fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|r| {
            Ok(PartitionIndexRow {
                name: r.try_get(0)?,
                keys: parse_values(&r.try_get::<String, _>(1)?)?,
                status: r.try_get(2)?,
            })
        })
        .collect()
}

pub async fn set_index_status(
    tx: &mut Tx,
    table_id: i64,
    name: &str,
    status: &str,
) -> Result<bool> {
    let q = tx.sql("UPDATE partition_indexes SET status = $1 WHERE table_id = $2 AND name = $3");
    let done = sqlx::query(&q)
        .bind(status)
        .bind(table_id)
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// `(table id, index name)` of every index in a status, across the catalog (indexes still
/// `CREATING` when the service stopped are resumed at start).
pub async fn indexes_in_status(tx: &mut Tx, status: &str) -> Result<Vec<(i64, String)>> {
    let q = tx.sql(
        "SELECT table_id, name FROM partition_indexes WHERE status = $1 ORDER BY table_id, name",
    );
    let rows = sqlx::query(&q).bind(status).fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

pub async fn delete_index(tx: &mut Tx, table_id: i64, name: &str) -> Result<bool> {
    let q = tx.sql("DELETE FROM partition_indexes WHERE table_id = $1 AND name = $2");
    let done = sqlx::query(&q)
        .bind(table_id)
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() > 0)
}
