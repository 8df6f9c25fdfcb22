//! Reading a table or a query as Arrow record batches.
//!
//! The columns and their types come from the database before anything is read ([`describe`]),
//! so the plan has its schema at once. Each partition of the read ([`Partitioning`]) is one
//! query on its own session, streamed: rows are decoded into batches of the session's batch
//! size as they arrive, and a partition holds at most two batches ahead of its consumer.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, BinaryBuilder, BooleanArray, BooleanBuilder, Date32Builder, Float32Builder,
    Float64Array, Float64Builder, Int16Builder, Int32Builder, Int64Array, Int64Builder, ListArray,
    StringArray, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::common::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use futures::{Stream, StreamExt};
use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::connection::{JdbcConnection, Session};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::types::{glue_record_type, Column, Fetch};

/// What is read: a table, or the rows of a query.
#[derive(Debug, Clone)]
pub enum Relation {
    /// A table name as the database knows it (`schema.table`, `db.table`).
    Table(String),
    /// A SELECT statement.
    Query(String),
}

impl Relation {
    /// The relation as a FROM item.
    pub(crate) fn sql(&self, dialect: Dialect) -> String {
        match self {
            Relation::Table(name) => dialect.table(name),
            Relation::Query(sql) => format!("({}) AS weir_q", sql.trim().trim_end_matches(';')),
        }
    }

    /// How messages name it.
    pub fn describe(&self) -> String {
        match self {
            Relation::Table(name) => format!("table {name}"),
            Relation::Query(_) => "the query".into(),
        }
    }
}

/// How a read is split into partitions, each read by its own query.
#[derive(Debug, Clone, PartialEq)]
pub enum Partitioning {
    /// One query.
    Single,
    /// Spark's JDBC ranges: `n` strides of `column` between `lower` and `upper` (the first also
    /// holds values below and nulls, the last values above).
    Range {
        column: String,
        lower: i64,
        upper: i64,
        n: u64,
    },
    /// Glue's `hashexpression`: rows by the expression's value modulo `n`.
    HashExpression { expression: String, n: u64 },
    /// Glue's `hashfield`: rows by a hash of the column's value modulo `n`.
    HashField { column: String, n: u64 },
}

impl Partitioning {
    /// The WHERE condition of each partition.
    fn conditions(&self, dialect: Dialect) -> Vec<Option<String>> {
        match self {
            Partitioning::Single => vec![None],
            Partitioning::Range {
                column,
                lower,
                upper,
                n,
            } => {
                let col = dialect.quote(column);
                let n = (*n).max(1) as i128;
                let span = (*upper as i128 - *lower as i128).max(0);
                let n = n.min(span.max(1));
                let stride = (span / n).max(1);
                (0..n)
                    .map(|i| {
                        let from = *lower as i128 + i * stride;
                        let to = from + stride;
                        Some(match (i == 0, i == n - 1) {
                            (true, true) => "1 = 1".to_string(),
                            (true, false) => format!("{col} < {to} OR {col} IS NULL"),
                            (false, true) => format!("{col} >= {from}"),
                            (false, false) => format!("{col} >= {from} AND {col} < {to}"),
                        })
                    })
                    .collect()
            }
            Partitioning::HashExpression { expression, n } => (0..(*n).max(1))
                .map(|i| Some(format!("mod(({expression}), {n}) = {i}")))
                .collect(),
            Partitioning::HashField { column, n } => (0..(*n).max(1))
                .map(|i| Some(format!("{} = {i}", dialect.hash_bucket(column, *n))))
                .collect(),
        }
    }
}

/// A read of one relation through one connection.
#[derive(Debug, Clone)]
pub struct ReadSpec {
    pub connection: JdbcConnection,
    pub relation: Relation,
    /// A condition every row read meets (`FilterPredicate`), in the database's SQL.
    pub filter: Option<String>,
    pub partitioning: Partitioning,
    /// `DataTypeMapping`: columns of a JDBC type (`FLOAT`) read as a Glue type (`STRING`).
    pub type_mapping: Vec<(String, String)>,
}

/// The relation's columns, as the database describes them.
pub async fn describe(session: &mut Session, relation: &Relation) -> Result<Vec<Column>> {
    let probe = format!("SELECT * FROM {} LIMIT 0", relation.sql(session.dialect()));
    let context = |what: &str| format!("describing {} ({what})", relation.describe());
    match session {
        Session::Postgres(conn) => {
            use sqlx::{Column as _, Executor, TypeInfo};
            let described = conn
                .describe(&probe)
                .await
                .map_err(|e| Error::database(context("prepare"), e))?;
            let mut columns = Vec::with_capacity(described.columns().len());
            for column in described.columns() {
                let declared = match (column.relation_id(), column.relation_attribute_no()) {
                    (Some(rel), Some(att)) => sqlx::query_scalar::<_, String>(
                        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1 AND attnum = $2",
                    )
                    .bind(rel)
                    .bind(att)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(|e| Error::database(context("column types"), e))?,
                    _ => None,
                };
                let db_type = declared.unwrap_or_else(|| column.type_info().name().to_string());
                columns.push(Column::new(Dialect::Postgres, column.name(), &db_type));
            }
            Ok(columns)
        }
        Session::MySql(conn) => {
            // A temporary table of the relation's shape tells the declared types (precision and
            // scale included), which the wire protocol does not.
            let temp = "weir_describe";
            let _ = sqlx::query(&format!("DROP TEMPORARY TABLE IF EXISTS {temp}"))
                .execute(&mut *conn)
                .await;
            sqlx::query(&format!("CREATE TEMPORARY TABLE {temp} AS {probe}"))
                .execute(&mut *conn)
                .await
                .map_err(|e| Error::database(context("its columns"), e))?;
            let rows = sqlx::query(&format!("SHOW COLUMNS FROM {temp}"))
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| Error::database(context("its columns"), e));
            let _ = sqlx::query(&format!("DROP TEMPORARY TABLE IF EXISTS {temp}"))
                .execute(&mut *conn)
                .await;
            rows?
                .iter()
                .map(|row| {
                    let name: String = text_cell(row, 0)?;
                    let db_type: String = text_cell(row, 1)?;
                    Ok(Column::new(Dialect::MySql, &name, &db_type))
                })
                .collect()
        }
    }
}

/// A SHOW COLUMNS cell (text or, on some servers, binary).
fn text_cell(row: &sqlx::mysql::MySqlRow, i: usize) -> Result<String> {
    match row.try_get::<String, _>(i) {
        Ok(s) => Ok(s),
        Err(_) => row
            .try_get::<Vec<u8>, _>(i)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| Error::database("reading SHOW COLUMNS".into(), e)),
    }
}

/// The first `width` values of every row of a query, as text (null as empty).
pub(crate) async fn text_rows(
    session: &mut Session,
    sql: &str,
    width: usize,
) -> sqlx::Result<Vec<Vec<String>>> {
    fn texts<R: Values>(row: &R, width: usize) -> sqlx::Result<Vec<String>> {
        (0..width)
            .map(|i| row.text(i).map(|t| t.unwrap_or_default().to_string()))
            .collect()
    }
    match session {
        Session::Postgres(c) => sqlx::query(sql)
            .fetch_all(c)
            .await?
            .iter()
            .map(|r| texts(r, width))
            .collect(),
        Session::MySql(c) => sqlx::query(sql)
            .fetch_all(c)
            .await?
            .iter()
            .map(|r| texts(r, width))
            .collect(),
    }
}

/// ` WHERE (a) AND (b)` of `conditions`; empty when there are none.
pub(crate) fn where_clause(conditions: &[String]) -> String {
    match conditions.is_empty() {
        true => String::new(),
        false => {
            let each: Vec<String> = conditions.iter().map(|c| format!("({c})")).collect();
            format!(" WHERE {}", each.join(" AND "))
        }
    }
}

/// The Arrow schema of `columns`.
pub fn schema(columns: &[Column]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| Field::new(&c.name, c.arrow.clone(), true))
            .collect::<Vec<_>>(),
    ))
}

/// A table provider reading `spec`'s relation, one stream per partition.
pub async fn table(spec: ReadSpec) -> Result<(StreamingTable, Vec<Column>)> {
    let dialect = spec.connection.dialect;
    let mut session = spec.connection.open().await?;
    let mut columns = describe(&mut session, &spec.relation).await?;
    session.close().await;
    for column in &mut columns {
        let jdbc = column.jdbc_type(dialect);
        if let Some((_, glue)) = spec
            .type_mapping
            .iter()
            .find(|(from, _)| from.eq_ignore_ascii_case(jdbc))
        {
            column.arrow = glue_record_type(glue, &column.arrow).ok_or_else(|| {
                Error::invalid(format!(
                    "DataTypeMapping maps {jdbc} to '{glue}', which is not one of DATE, STRING, TIMESTAMP, INT, FLOAT, LONG, BIGDECIMAL, BYTE, SHORT, DOUBLE"
                ))
            })?;
        }
    }
    let schema = schema(&columns);
    let select: Vec<String> = columns.iter().map(|c| c.select(dialect)).collect();
    let base = format!(
        "SELECT {} FROM {}",
        select.join(", "),
        spec.relation.sql(dialect)
    );
    let columns_shared = Arc::new(columns.clone());
    let partitions: Vec<Arc<dyn PartitionStream>> = spec
        .partitioning
        .conditions(dialect)
        .into_iter()
        .map(|condition| {
            let conditions: Vec<String> = spec.filter.iter().cloned().chain(condition).collect();
            let sql = format!("{base}{}", where_clause(&conditions));
            Arc::new(JdbcPartition {
                connection: spec.connection.clone(),
                relation: spec.relation.describe(),
                sql,
                columns: columns_shared.clone(),
                schema: schema.clone(),
            }) as Arc<dyn PartitionStream>
        })
        .collect();
    let table = StreamingTable::try_new(schema, partitions)
        .map_err(|e| Error::invalid(format!("planning the read: {e}")))?;
    Ok((table, columns))
}

/// One query of a read.
struct JdbcPartition {
    connection: JdbcConnection,
    relation: String,
    sql: String,
    columns: Arc<Vec<Column>>,
    schema: SchemaRef,
}

impl std::fmt::Debug for JdbcPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JdbcPartition")
            .field("server", &self.connection.describe())
            .field("sql", &self.sql)
            .finish()
    }
}

impl PartitionStream for JdbcPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let batch_rows = ctx.session_config().batch_size().max(1);
        let (tx, rx) = tokio::sync::mpsc::channel::<datafusion::common::Result<RecordBatch>>(2);
        let connection = self.connection.clone();
        let sql = self.sql.clone();
        let columns = self.columns.clone();
        let schema = self.schema.clone();
        let context = format!(
            "reading {} through connection '{}'",
            self.relation, self.connection.name
        );
        tokio::spawn(async move {
            let sent = tx.clone();
            let outcome = async {
                let mut session = connection.open().await?;
                let sink = Sink {
                    columns: &columns,
                    schema: &schema,
                    batch_rows,
                    tx: &tx,
                };
                let pumped = match &mut session {
                    Session::Postgres(c) => sink.pump(sqlx::query(&sql).fetch(c)).await,
                    Session::MySql(c) => sink.pump(sqlx::query(&sql).fetch(c)).await,
                };
                session.close().await;
                pumped
            }
            .await;
            if let Err(e) = outcome {
                let e = match e {
                    Error::Database { source, .. } => Error::database(context, source),
                    other => other,
                };
                let _ = sent.send(Err(DataFusionError::External(Box::new(e)))).await;
            }
        });
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}

/// Where a partition's rows go: decoded into batches of `batch_rows` rows of `schema`, sent
/// to `tx`.
struct Sink<'a> {
    columns: &'a [Column],
    schema: &'a SchemaRef,
    batch_rows: usize,
    tx: &'a tokio::sync::mpsc::Sender<datafusion::common::Result<RecordBatch>>,
}

impl Sink<'_> {
    /// Decodes `rows` and sends the batches; stops early when the consumer is gone (a LIMIT
    /// was met).
    async fn pump<R: Values>(
        &self,
        rows: impl Stream<Item = std::result::Result<R, sqlx::Error>>,
    ) -> Result<()> {
        let mut rows = std::pin::pin!(rows);
        let mut batch = BatchBuilder::new(self.columns, self.batch_rows);
        while let Some(row) = rows.next().await {
            let row = row.map_err(|e| Error::database(String::new(), e))?;
            batch.push(&row)?;
            if batch.len() >= self.batch_rows {
                let next = BatchBuilder::new(self.columns, self.batch_rows);
                let full = std::mem::replace(&mut batch, next);
                if self.tx.send(Ok(full.finish(self.schema)?)).await.is_err() {
                    return Ok(());
                }
            }
        }
        if batch.len() > 0 {
            let _ = self.tx.send(Ok(batch.finish(self.schema)?)).await;
        }
        Ok(())
    }
}

/// The values of a row of either database, by the Rust type each [`Fetch`] decodes to.
pub(crate) trait Values: Send {
    fn bool(&self, i: usize) -> sqlx::Result<Option<bool>>;
    fn i16(&self, i: usize) -> sqlx::Result<Option<i16>>;
    fn i32(&self, i: usize) -> sqlx::Result<Option<i32>>;
    fn i64(&self, i: usize) -> sqlx::Result<Option<i64>>;
    fn f32(&self, i: usize) -> sqlx::Result<Option<f32>>;
    fn f64(&self, i: usize) -> sqlx::Result<Option<f64>>;
    fn text(&self, i: usize) -> sqlx::Result<Option<&str>>;
    fn bytes(&self, i: usize) -> sqlx::Result<Option<&[u8]>>;
    fn date(&self, i: usize) -> sqlx::Result<Option<NaiveDate>>;
    fn timestamp(&self, i: usize) -> sqlx::Result<Option<NaiveDateTime>>;
    fn timestamp_tz(&self, i: usize) -> sqlx::Result<Option<DateTime<Utc>>>;
}

impl<R> Values for R
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i16: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> &'r str: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> &'r [u8]: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> NaiveDate: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> NaiveDateTime: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn bool(&self, i: usize) -> sqlx::Result<Option<bool>> {
        self.try_get(i)
    }
    fn i16(&self, i: usize) -> sqlx::Result<Option<i16>> {
        self.try_get(i)
    }
    fn i32(&self, i: usize) -> sqlx::Result<Option<i32>> {
        self.try_get(i)
    }
    fn i64(&self, i: usize) -> sqlx::Result<Option<i64>> {
        self.try_get(i)
    }
    fn f32(&self, i: usize) -> sqlx::Result<Option<f32>> {
        self.try_get(i)
    }
    fn f64(&self, i: usize) -> sqlx::Result<Option<f64>> {
        self.try_get(i)
    }
    fn text(&self, i: usize) -> sqlx::Result<Option<&str>> {
        self.try_get(i)
    }
    fn bytes(&self, i: usize) -> sqlx::Result<Option<&[u8]>> {
        self.try_get(i)
    }
    fn date(&self, i: usize) -> sqlx::Result<Option<NaiveDate>> {
        self.try_get(i)
    }
    fn timestamp(&self, i: usize) -> sqlx::Result<Option<NaiveDateTime>> {
        self.try_get(i)
    }
    fn timestamp_tz(&self, i: usize) -> sqlx::Result<Option<DateTime<Utc>>> {
        self.try_get(i)
    }
}

/// A column's values being gathered.
enum ColumnBuilder {
    Bool(BooleanBuilder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Text(StringBuilder),
    Bytes(BinaryBuilder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
}

/// Days from the Unix epoch to 0001-01-01's calendar (chrono counts from the common era).
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

impl ColumnBuilder {
    fn new(fetch: Fetch, rows: usize) -> Self {
        match fetch {
            Fetch::Bool => Self::Bool(BooleanBuilder::with_capacity(rows)),
            Fetch::I16 => Self::I16(Int16Builder::with_capacity(rows)),
            Fetch::I32 => Self::I32(Int32Builder::with_capacity(rows)),
            Fetch::I64 => Self::I64(Int64Builder::with_capacity(rows)),
            Fetch::F32 => Self::F32(Float32Builder::with_capacity(rows)),
            Fetch::F64 => Self::F64(Float64Builder::with_capacity(rows)),
            Fetch::Text | Fetch::TextCast | Fetch::JsonList => {
                Self::Text(StringBuilder::with_capacity(rows, rows * 16))
            }
            Fetch::Bytes => Self::Bytes(BinaryBuilder::with_capacity(rows, rows * 16)),
            Fetch::Date => Self::Date(Date32Builder::with_capacity(rows)),
            Fetch::Timestamp | Fetch::TimestampTz => {
                Self::Timestamp(TimestampMicrosecondBuilder::with_capacity(rows))
            }
        }
    }

    fn push<R: Values>(&mut self, row: &R, i: usize, fetch: Fetch) -> sqlx::Result<()> {
        match self {
            Self::Bool(b) => b.append_option(row.bool(i)?),
            Self::I16(b) => b.append_option(row.i16(i)?),
            Self::I32(b) => b.append_option(row.i32(i)?),
            Self::I64(b) => b.append_option(row.i64(i)?),
            Self::F32(b) => b.append_option(row.f32(i)?),
            Self::F64(b) => b.append_option(row.f64(i)?),
            Self::Text(b) => b.append_option(row.text(i)?),
            Self::Bytes(b) => b.append_option(row.bytes(i)?),
            Self::Date(b) => b.append_option(
                row.date(i)?
                    .map(|d| chrono::Datelike::num_days_from_ce(&d) - EPOCH_DAYS_FROM_CE),
            ),
            Self::Timestamp(b) => b.append_option(match fetch {
                Fetch::TimestampTz => row.timestamp_tz(i)?.map(|t| t.timestamp_micros()),
                _ => row.timestamp(i)?.map(|t| t.and_utc().timestamp_micros()),
            }),
        }
        Ok(())
    }

    fn finish(self) -> ArrayRef {
        match self {
            Self::Bool(mut b) => Arc::new(b.finish()),
            Self::I16(mut b) => Arc::new(b.finish()),
            Self::I32(mut b) => Arc::new(b.finish()),
            Self::I64(mut b) => Arc::new(b.finish()),
            Self::F32(mut b) => Arc::new(b.finish()),
            Self::F64(mut b) => Arc::new(b.finish()),
            Self::Text(mut b) => Arc::new(b.finish()),
            Self::Bytes(mut b) => Arc::new(b.finish()),
            Self::Date(mut b) => Arc::new(b.finish()),
            Self::Timestamp(mut b) => Arc::new(b.finish()),
        }
    }
}

/// The rows of one batch being decoded.
struct BatchBuilder<'a> {
    columns: &'a [Column],
    builders: Vec<ColumnBuilder>,
    rows: usize,
}

impl<'a> BatchBuilder<'a> {
    fn new(columns: &'a [Column], rows: usize) -> Self {
        BatchBuilder {
            columns,
            builders: columns
                .iter()
                .map(|c| ColumnBuilder::new(c.fetch, rows))
                .collect(),
            rows: 0,
        }
    }

    fn len(&self) -> usize {
        self.rows
    }

    fn push<R: Values>(&mut self, row: &R) -> Result<()> {
        for (i, (builder, column)) in self.builders.iter_mut().zip(self.columns).enumerate() {
            builder.push(row, i, column.fetch).map_err(|e| {
                Error::invalid(format!("column {} ({}): {e}", column.name, column.db_type))
            })?;
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(self, schema: &SchemaRef) -> Result<RecordBatch> {
        let arrays = self
            .builders
            .into_iter()
            .zip(self.columns)
            .map(|(b, column)| to_arrow(b.finish(), column))
            .collect::<Result<Vec<_>>>()?;
        RecordBatch::try_new(schema.clone(), arrays)
            .map_err(|e| Error::invalid(format!("building a batch: {e}")))
    }
}

/// A decoded column as its Arrow type.
fn to_arrow(array: ArrayRef, column: &Column) -> Result<ArrayRef> {
    if array.data_type() == &column.arrow {
        return Ok(array);
    }
    let failed = |e: String| {
        Error::invalid(format!(
            "column {} ({}) does not fit {}: {e}",
            column.name, column.db_type, column.arrow
        ))
    };
    if column.fetch == Fetch::JsonList {
        return json_lists(&array, &column.arrow).map_err(failed);
    }
    let options = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    cast_with_options(&array, &column.arrow, &options).map_err(|e| failed(e.to_string()))
}

/// PostgreSQL arrays (as JSON text) as a list array of `list_type`.
fn json_lists(array: &ArrayRef, list_type: &DataType) -> std::result::Result<ArrayRef, String> {
    let DataType::List(item) = list_type else {
        return Err(format!("{list_type} is not a list"));
    };
    let texts = array
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or("arrays are read as text")?;
    let mut lengths = Vec::with_capacity(texts.len());
    let mut values: Vec<serde_json::Value> = Vec::new();
    for text in texts.iter() {
        match text {
            None => lengths.push(0),
            Some(t) => {
                let parsed: serde_json::Value =
                    serde_json::from_str(t).map_err(|e| format!("array {t}: {e}"))?;
                let items = match parsed {
                    serde_json::Value::Array(items) => items,
                    other => vec![other],
                };
                lengths.push(items.len());
                values.extend(items);
            }
        }
    }
    let items: ArrayRef = match item.data_type() {
        DataType::Boolean => Arc::new(values.iter().map(|v| v.as_bool()).collect::<BooleanArray>()),
        DataType::Float32 | DataType::Float64 => {
            Arc::new(values.iter().map(|v| v.as_f64()).collect::<Float64Array>())
        }
        DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            Arc::new(values.iter().map(|v| v.as_i64()).collect::<Int64Array>())
        }
        _ => Arc::new(
            values
                .iter()
                .map(|v| match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                })
                .collect::<StringArray>(),
        ),
    };
    let items = cast_with_options(&items, item.data_type(), &CastOptions::default())
        .map_err(|e| e.to_string())?;
    let nulls = NullBuffer::from(texts.iter().map(|t| t.is_some()).collect::<Vec<_>>());
    let list = ListArray::try_new(
        item.clone(),
        OffsetBuffer::from_lengths(lengths),
        items,
        Some(nulls),
    )
    .map_err(|e| e.to_string())?;
    Ok(Arc::new(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_partitions_cover_every_value_as_spark_splits_them() {
        let p = Partitioning::Range {
            column: "id".into(),
            lower: 0,
            upper: 100,
            n: 4,
        };
        let conditions: Vec<String> = p
            .conditions(Dialect::Postgres)
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(
            conditions,
            [
                "\"id\" < 25 OR \"id\" IS NULL",
                "\"id\" >= 25 AND \"id\" < 50",
                "\"id\" >= 50 AND \"id\" < 75",
                "\"id\" >= 75",
            ]
        );
        let one = Partitioning::Range {
            column: "id".into(),
            lower: 5,
            upper: 5,
            n: 8,
        };
        assert_eq!(one.conditions(Dialect::MySql).len(), 1);
    }
}
