//! Writing rows into a database table, in one transaction that the run commits or rolls back.
//!
//! Input columns are matched to the table's columns by name (exactly, else ignoring case); an
//! input column the table does not have is an error naming it, and table columns the input
//! lacks take their defaults. PostgreSQL receives the rows through `COPY … FROM STDIN`; MySQL
//! through multi-row `INSERT`s. The modes:
//!
//! - [`WriteMode::Append`]: rows are added.
//! - [`WriteMode::Overwrite`]: the table's rows are deleted first, in the same transaction.
//! - [`WriteMode::Upsert`]: a row whose key columns match an existing row replaces its other
//!   columns (PostgreSQL: `ON CONFLICT (keys) DO UPDATE`, which needs a unique index on the keys;
//!   MySQL: `ON DUPLICATE KEY UPDATE`, on the table's primary or unique keys).

use std::fmt::Write as _;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Float64Array, Int64Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use futures::{Stream, StreamExt};

use crate::connection::{JdbcConnection, Session};
use crate::error::{Error, Result};
use crate::read::{describe, Relation};

/// Rows of one MySQL INSERT statement, at most (fewer for wide tables: bound values stay under
/// the protocol's 65,535).
const INSERT_ROWS: usize = 1000;

/// How rows go into the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteMode {
    Append,
    Overwrite,
    Upsert(Vec<String>),
}

/// Timestamps as both databases read them.
const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// Rows written and not yet committed: the session holds the open transaction.
pub struct PendingInsert {
    session: Session,
    rows: u64,
    context: String,
}

impl PendingInsert {
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Commits the transaction.
    pub async fn commit(mut self) -> Result<()> {
        let done = self.session.execute("COMMIT").await;
        self.session.close().await;
        done.map(|_| ())
            .map_err(|e| Error::database(format!("{}: COMMIT", self.context), e))
    }

    /// Rolls the transaction back.
    pub async fn abort(mut self) {
        let _ = self.session.execute("ROLLBACK").await;
        self.session.close().await;
    }
}

/// Writes `batches` (of `schema`) into `table` through `connection`, leaving the transaction
/// open. On any error the session is dropped, which rolls the transaction back.
pub async fn write(
    connection: &JdbcConnection,
    table: &str,
    mode: &WriteMode,
    schema: &Schema,
    batches: impl Stream<Item = datafusion::common::Result<RecordBatch>>,
) -> Result<PendingInsert> {
    let dialect = connection.dialect;
    let context = format!(
        "writing table {table} through connection '{}'",
        connection.name
    );
    let db = |e: sqlx::Error| Error::database(context.clone(), e);
    let mut session = connection.open().await?;
    let existing = describe(&mut session, &Relation::Table(table.to_string())).await?;
    let names: Vec<&str> = existing.iter().map(|c| c.name.as_str()).collect();
    let columns = schema
        .fields()
        .iter()
        .map(|f| {
            names
                .iter()
                .find(|n| **n == f.name())
                .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(f.name())))
                .map(|n| n.to_string())
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "{context}: the input's column {} is not in the table (its columns: {})",
                        f.name(),
                        names.join(", ")
                    ))
                })
        })
        .collect::<Result<Vec<String>>>()?;
    if let WriteMode::Upsert(keys) = mode {
        if keys.is_empty() {
            return Err(Error::invalid(format!(
                "{context}: an upsert needs key columns"
            )));
        }
        if let Some(missing) = keys.iter().find(|k| !columns.iter().any(|c| c == *k)) {
            return Err(Error::invalid(format!(
                "{context}: the upsert key {missing} is not among the written columns ({})",
                columns.join(", ")
            )));
        }
    }
    let target = dialect.table(table);
    let column_list = columns
        .iter()
        .map(|c| dialect.quote(c))
        .collect::<Vec<_>>()
        .join(", ");
    session.execute("BEGIN").await.map_err(db)?;
    if *mode == WriteMode::Overwrite {
        session
            .execute(&format!("DELETE FROM {target}"))
            .await
            .map_err(db)?;
    }
    let mut batches = std::pin::pin!(batches);
    let rows = match &mut session {
        Session::Postgres(conn) => {
            let staging = match mode {
                WriteMode::Upsert(_) => {
                    sqlx::query(&format!(
                        "CREATE TEMPORARY TABLE weir_upsert (LIKE {target} INCLUDING DEFAULTS) ON COMMIT DROP"
                    ))
                    .execute(&mut *conn)
                    .await
                    .map_err(db)?;
                    "weir_upsert".to_string()
                }
                _ => target.clone(),
            };
            let mut copy = conn
                .copy_in_raw(&format!("COPY {staging} ({column_list}) FROM STDIN"))
                .await
                .map_err(db)?;
            let mut buffer = Vec::new();
            let mut failed = None;
            while let Some(batch) = batches.next().await {
                let sent = async {
                    let batch = batch?;
                    buffer.clear();
                    copy_text(&batch, &mut buffer)?;
                    copy.send(buffer.as_slice()).await.map_err(db)?;
                    Ok::<_, Error>(())
                }
                .await;
                if let Err(e) = sent {
                    failed = Some(e);
                    break;
                }
            }
            if let Some(e) = failed {
                let _ = copy.abort("the job's input failed").await;
                return Err(e);
            }
            let copied = copy.finish().await.map_err(db)?;
            if let WriteMode::Upsert(keys) = mode {
                let updates: Vec<String> = columns
                    .iter()
                    .filter(|c| !keys.contains(c))
                    .map(|c| format!("{0} = EXCLUDED.{0}", dialect.quote(c)))
                    .collect();
                let action = match updates.is_empty() {
                    true => "DO NOTHING".to_string(),
                    false => format!("DO UPDATE SET {}", updates.join(", ")),
                };
                let keys: Vec<String> = keys.iter().map(|k| dialect.quote(k)).collect();
                sqlx::query(&format!(
                    "INSERT INTO {target} ({column_list}) SELECT {column_list} FROM weir_upsert ON CONFLICT ({}) {action}",
                    keys.join(", ")
                ))
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            }
            copied
        }
        Session::MySql(conn) => {
            let suffix = match mode {
                WriteMode::Upsert(_) => {
                    let updates: Vec<String> = columns
                        .iter()
                        .map(|c| format!("{0} = VALUES({0})", dialect.quote(c)))
                        .collect();
                    format!(" ON DUPLICATE KEY UPDATE {}", updates.join(", "))
                }
                _ => String::new(),
            };
            let per_statement = INSERT_ROWS.min(60_000 / columns.len().max(1)).max(1);
            let mut rows = 0u64;
            while let Some(batch) = batches.next().await {
                let batch = batch?;
                let cells = batch
                    .columns()
                    .iter()
                    .zip(schema.fields())
                    .map(|(a, f)| Cells::of(a, f.name()))
                    .collect::<Result<Vec<_>>>()?;
                let mut start = 0;
                while start < batch.num_rows() {
                    let end = (start + per_statement).min(batch.num_rows());
                    let placeholders = format!("({})", vec!["?"; columns.len()].join(", "));
                    let sql = format!(
                        "INSERT INTO {target} ({column_list}) VALUES {}{suffix}",
                        vec![placeholders; end - start].join(", ")
                    );
                    let mut query = sqlx::query(&sql);
                    for row in start..end {
                        for column in &cells {
                            query = column.bind(query, row);
                        }
                    }
                    query.execute(&mut *conn).await.map_err(db)?;
                    rows += (end - start) as u64;
                    start = end;
                }
            }
            rows
        }
    };
    Ok(PendingInsert {
        session,
        rows,
        context,
    })
}

/// Appends a batch in COPY's text format: tab-separated, `\N` for null, backslash escapes.
fn copy_text(batch: &RecordBatch, out: &mut Vec<u8>) -> Result<()> {
    let options = FormatOptions::default().with_timestamp_format(Some(TIMESTAMP_FORMAT));
    let columns: Vec<PgColumn> = batch
        .columns()
        .iter()
        .zip(batch.schema().fields())
        .map(|(a, f)| PgColumn::of(a, f.name(), &options))
        .collect::<Result<_>>()?;
    let mut cell = String::new();
    for row in 0..batch.num_rows() {
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            cell.clear();
            if !column.write(row, &mut cell)? {
                out.extend_from_slice(b"\\N");
                continue;
            }
            escape_copy(&cell, out);
        }
        out.push(b'\n');
    }
    Ok(())
}

fn escape_copy(text: &str, out: &mut Vec<u8>) {
    for b in text.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

/// A column as PostgreSQL's text input reads it.
enum PgColumn<'a> {
    Plain(&'a ArrayRef, ArrayFormatter<'a>),
    Bytes(BinaryArray),
    List(&'a ArrayRef),
}

impl<'a> PgColumn<'a> {
    fn of(array: &'a ArrayRef, name: &str, options: &'a FormatOptions<'a>) -> Result<Self> {
        match array.data_type() {
            DataType::Binary
            | DataType::LargeBinary
            | DataType::FixedSizeBinary(_)
            | DataType::BinaryView => Ok(PgColumn::Bytes(binary(array, name)?)),
            DataType::List(f) | DataType::LargeList(f) if !f.data_type().is_nested() => {
                Ok(PgColumn::List(array))
            }
            t if t.is_nested() => Err(unsupported(name, t)),
            _ => ArrayFormatter::try_new(array.as_ref(), options)
                .map(|f| PgColumn::Plain(array, f))
                .map_err(|e| Error::invalid(format!("column {name}: {e}"))),
        }
    }

    /// Writes the row's value; false when it is null.
    fn write(&self, row: usize, out: &mut String) -> Result<bool> {
        match self {
            PgColumn::Plain(array, formatter) => {
                if array.is_null(row) {
                    return Ok(false);
                }
                let _ = write!(out, "{}", formatter.value(row));
            }
            PgColumn::Bytes(bytes) => {
                if bytes.is_null(row) {
                    return Ok(false);
                }
                out.push_str("\\x");
                for b in bytes.value(row) {
                    let _ = write!(out, "{b:02x}");
                }
            }
            PgColumn::List(array) => {
                if array.is_null(row) {
                    return Ok(false);
                }
                let items = match array.data_type() {
                    DataType::LargeList(_) => array.as_list::<i64>().value(row),
                    _ => array.as_list::<i32>().value(row),
                };
                let formatter = ArrayFormatter::try_new(items.as_ref(), &FormatOptions::default())
                    .map_err(|e| Error::invalid(e.to_string()))?;
                out.push('{');
                for i in 0..items.len() {
                    if i > 0 {
                        out.push(',');
                    }
                    if items.is_null(i) {
                        out.push_str("NULL");
                        continue;
                    }
                    out.push('"');
                    for c in formatter.value(i).to_string().chars() {
                        if c == '"' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                }
                out.push('}');
            }
        }
        Ok(true)
    }
}

fn binary(array: &ArrayRef, name: &str) -> Result<BinaryArray> {
    let cast = cast(array, &DataType::Binary)
        .map_err(|e| Error::invalid(format!("column {name}: {e}")))?;
    Ok(cast.as_binary::<i32>().clone())
}

fn unsupported(name: &str, t: &DataType) -> Error {
    Error::invalid(format!(
        "column {name} is of type {t}, which cannot be written to a database table: select its fields apart, or make it a JSON string first"
    ))
}

/// A column's values as MySQL binds them.
enum Cells {
    Bool(BooleanArray),
    Int(Int64Array),
    Float(Float64Array),
    Bytes(BinaryArray),
    Text(Vec<Option<String>>),
}

type MySqlQuery<'q> = sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments>;

impl Cells {
    fn of(array: &ArrayRef, name: &str) -> Result<Self> {
        let to = |t: &DataType| {
            cast(array, t).map_err(|e| Error::invalid(format!("column {name}: {e}")))
        };
        Ok(match array.data_type() {
            DataType::Boolean => Cells::Bool(array.as_boolean().clone()),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => Cells::Int(to(&DataType::Int64)?.as_primitive().clone()),
            DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                Cells::Float(to(&DataType::Float64)?.as_primitive().clone())
            }
            DataType::Binary
            | DataType::LargeBinary
            | DataType::FixedSizeBinary(_)
            | DataType::BinaryView => Cells::Bytes(binary(array, name)?),
            t if t.is_nested() => return Err(unsupported(name, t)),
            _ => {
                let options =
                    FormatOptions::default().with_timestamp_format(Some(TIMESTAMP_FORMAT));
                let formatter = ArrayFormatter::try_new(array.as_ref(), &options)
                    .map_err(|e| Error::invalid(format!("column {name}: {e}")))?;
                Cells::Text(
                    (0..array.len())
                        .map(|i| (!array.is_null(i)).then(|| formatter.value(i).to_string()))
                        .collect(),
                )
            }
        })
    }

    fn bind<'q>(&self, query: MySqlQuery<'q>, row: usize) -> MySqlQuery<'q> {
        match self {
            Cells::Bool(a) => query.bind((!a.is_null(row)).then(|| a.value(row))),
            Cells::Int(a) => query.bind((!a.is_null(row)).then(|| a.value(row))),
            Cells::Float(a) => query.bind((!a.is_null(row)).then(|| a.value(row))),
            Cells::Bytes(a) => query.bind((!a.is_null(row)).then(|| a.value(row).to_vec())),
            Cells::Text(values) => query.bind(values[row].clone()),
        }
    }
}

/// The arrays a test batch is made of.
#[cfg(test)]
fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).expect("a valid batch")
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, ListArray, StringArray};
    use datafusion::arrow::datatypes::Int32Type;
    use std::sync::Arc;

    #[test]
    fn copy_text_escapes_values_and_writes_nulls() {
        let b = batch(vec![
            (
                "id",
                Arc::new(Int32Array::from(vec![Some(1), None])) as ArrayRef,
            ),
            (
                "note",
                Arc::new(StringArray::from(vec![Some("a\tb\\c\nd"), Some("x")])),
            ),
            (
                "raw",
                Arc::new(BinaryArray::from(vec![Some(&b"\x01\xff"[..]), None])),
            ),
            (
                "tags",
                Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
                    Some(vec![Some(1), None]),
                    None,
                ])),
            ),
        ]);
        let mut out = Vec::new();
        copy_text(&b, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1\ta\\tb\\\\c\\nd\t\\\\x01ff\t{\"1\",NULL}\n\\N\tx\t\\N\t\\N\n"
        );
    }
}
