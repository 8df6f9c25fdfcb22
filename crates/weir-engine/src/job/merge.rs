//! A target's write mode (`AdditionalOptions` `writeMode`), and the rows of a table after an
//! upsert or a batch of change events, computed copy-on-write: the table's current rows whose
//! keys the input does not touch, and the input's new rows. Table formats (Iceberg, Delta Lake)
//! write the result and commit it as one snapshot replacing the rows they read.
//!
//! - **Upsert** (`writeMode` `upsert`, keys in `upsertKeys`): each input row replaces the row
//!   with its keys, or is inserted (MERGE's matched update, not matched insert).
//! - **Change events** (`writeMode` `cdc`): Debezium's envelope — `op` (`c` create, `u` update,
//!   `d` delete, `r` snapshot read), `before` and `after` rows, `source` and `ts_ms` — as its
//!   JSON converter writes it (with or without the `schema`/`payload` wrapper). The last change
//!   of each key wins, ordered by `source.lsn` (PostgreSQL), else `source.file` and
//!   `source.pos` (MySQL's binlog), else `ts_ms`, else `source.ts_ms`: a create, update or read
//!   leaves its `after` row, a delete leaves no row (MERGE's matched delete).

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::common::{Column, JoinType, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{cast, col, lit, Expr, ExprFunctionExt, SortExpr};
use datafusion::prelude::DataFrame;
use serde_json::Value;

use super::graph::Node;

/// Why a merge cannot be computed: the input or options are wrong, or computing failed.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Execution(#[from] DataFusionError),
}

impl MergeError {
    fn invalid(message: impl Into<String>) -> MergeError {
        MergeError::Invalid(message.into())
    }
}

pub type Result<T, E = MergeError> = std::result::Result<T, E>;

/// How a table target writes.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteMode {
    Append,
    /// Replace the table's rows.
    Overwrite,
    /// Replace the rows of the partitions the input has rows in (Spark's dynamic partition
    /// overwrite).
    OverwritePartitions,
    Merge(Merge),
}

/// How the input merges into the table.
#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    Upsert { keys: Vec<String> },
    ChangeEvents { keys: Vec<String> },
}

impl WriteMode {
    /// The node's `AdditionalOptions` `writeMode` (`append` unless given), with `upsertKeys`
    /// (a list or a comma-separated string) for `upsert` and `cdc`; `overwrite` with
    /// `partitionOverwriteMode` `dynamic` replaces only the partitions written.
    pub fn of(node: &Node) -> Result<WriteMode> {
        let options = node.fields.get("AdditionalOptions");
        let keys = || -> Result<Vec<String>> {
            let keys: Vec<String> = match options.and_then(|o| o.get("upsertKeys")) {
                Some(Value::Array(keys)) => keys
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|k| k.trim().to_string())
                    .collect(),
                Some(Value::String(keys)) => {
                    keys.split(',').map(|k| k.trim().to_string()).collect()
                }
                _ => Vec::new(),
            };
            let keys: Vec<String> = keys.into_iter().filter(|k| !k.is_empty()).collect();
            if keys.is_empty() {
                return Err(MergeError::invalid(
                    "AdditionalOptions.upsertKeys must name the key columns of the table",
                ));
            }
            Ok(keys)
        };
        match options
            .and_then(|o| o.get("writeMode"))
            .and_then(Value::as_str)
        {
            None | Some("append") => Ok(WriteMode::Append),
            Some("overwrite") => match options
                .and_then(|o| o.get("partitionOverwriteMode"))
                .and_then(Value::as_str)
            {
                None | Some("static") => Ok(WriteMode::Overwrite),
                Some("dynamic") => Ok(WriteMode::OverwritePartitions),
                Some(other) => Err(MergeError::invalid(format!(
                    "AdditionalOptions.partitionOverwriteMode '{other}' is not static or dynamic"
                ))),
            },
            Some("upsert") => Ok(WriteMode::Merge(Merge::Upsert { keys: keys()? })),
            Some("cdc") => Ok(WriteMode::Merge(Merge::ChangeEvents { keys: keys()? })),
            Some(other) => Err(MergeError::invalid(format!(
                "AdditionalOptions.writeMode '{other}' is not append, overwrite, upsert or cdc"
            ))),
        }
    }
}

/// The input with the table's columns (`target`), in its order and types: columns matched by
/// name (ignoring case) and cast; a nullable column the input lacks is null; a column the table
/// lacks, or a required one the input lacks, is refused. `table` names the table in messages
/// (e.g. `Iceberg table db.t`).
pub fn conform(input: DataFrame, target: &Schema, table: &str) -> Result<DataFrame> {
    let source = input.schema().clone();
    let find = |name: &str| {
        source
            .fields()
            .iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    };
    if let Some(extra) = source.fields().iter().find(|f| {
        target
            .fields()
            .iter()
            .all(|t| !t.name().eq_ignore_ascii_case(f.name()))
    }) {
        return Err(MergeError::invalid(format!(
            "column {} is not in {table} (its columns: {})",
            extra.name(),
            column_names(target)
        )));
    }
    let mut columns: Vec<Expr> = Vec::with_capacity(target.fields().len());
    for field in target.fields() {
        let value = match find(field.name()) {
            Some(f) => {
                let column = col(Column::from_name(f.name()));
                if f.data_type() == field.data_type() {
                    column
                } else {
                    cast(column, field.data_type().clone())
                }
            }
            None if field.is_nullable() => lit(ScalarValue::try_from(field.data_type())?),
            None => {
                return Err(MergeError::invalid(format!(
                    "column {} of {table} is required and not in the input",
                    field.name()
                )))
            }
        };
        columns.push(value.alias(field.name()));
    }
    Ok(input.select(columns)?)
}

fn column_names(schema: &Schema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

const ROW_NUMBER: &str = "__weir_change_rank";

/// The table's rows after merging `input` into `current` (both read in this session), with the
/// table's columns (`target`). `table` names the table in messages.
pub fn merged(
    current: DataFrame,
    input: DataFrame,
    merge: &Merge,
    target: &Schema,
    table: &str,
) -> Result<DataFrame> {
    let (keys, new_rows, touched) = match merge {
        Merge::Upsert { keys } => {
            let rows = conform(input, target, table)?;
            let touched = key_frame(rows.clone(), keys.iter().map(|k| col(k.as_str())))?;
            (keys, rows, touched)
        }
        Merge::ChangeEvents { keys } => {
            let latest = latest_changes(unwrap_payload(input)?, keys)?;
            let touched = key_frame(latest.clone(), keys.iter().map(|k| key_of_change(k)))?;
            let kept =
                latest.filter(col("op").in_list(vec![lit("c"), lit("u"), lit("r")], false))?;
            let after_fields = after_fields(&kept)?;
            let rows = kept.select(
                after_fields
                    .iter()
                    .map(|f| get_field(col("after"), f.as_str()).alias(f.as_str()))
                    .collect::<Vec<_>>(),
            )?;
            (keys, conform(rows, target, table)?, touched)
        }
    };
    let names: Vec<String> = (0..keys.len()).map(key_alias).collect();
    let current = conform(current, target, table)?;
    for key in keys {
        if current.schema().field_with_unqualified_name(key).is_err() {
            return Err(MergeError::invalid(format!(
                "key column {key} is not a column of {table}"
            )));
        }
    }
    let left: Vec<&str> = keys.iter().map(String::as_str).collect();
    let right: Vec<&str> = names.iter().map(String::as_str).collect();
    let untouched = current.join(touched, JoinType::LeftAnti, &left, &right, None)?;
    Ok(untouched.union(new_rows)?)
}

/// The distinct keys a frame touches, named `__weir_key_N`.
fn key_frame(frame: DataFrame, keys: impl Iterator<Item = Expr>) -> Result<DataFrame> {
    let keys: Vec<Expr> = keys
        .enumerate()
        .map(|(i, k)| k.alias(key_alias(i)))
        .collect();
    Ok(frame.select(keys)?.distinct()?)
}

fn key_alias(i: usize) -> String {
    format!("__weir_key_{i}")
}

/// A change's key: from its `after` row, else (a delete) its `before` row.
fn key_of_change(key: &str) -> Expr {
    datafusion::functions::core::expr_fn::coalesce(vec![
        get_field(col("after"), key),
        get_field(col("before"), key),
    ])
}

/// Debezium's JSON with schemas (`{"schema": …, "payload": {…}}`): the payload's members.
fn unwrap_payload(input: DataFrame) -> Result<DataFrame> {
    let schema = input.schema().clone();
    if schema.field_with_unqualified_name("op").is_ok() {
        return Ok(input);
    }
    let Ok(payload) = schema.field_with_unqualified_name("payload") else {
        return Err(MergeError::invalid(
            "change events need an op column (or a payload holding one): Debezium's envelope of op, before, after, source, ts_ms",
        ));
    };
    let DataType::Struct(fields) = payload.data_type() else {
        return Err(MergeError::invalid(
            "the change events' payload is not a struct",
        ));
    };
    let members: Vec<Expr> = fields
        .iter()
        .map(|f| get_field(col("payload"), f.name().as_str()).alias(f.name()))
        .collect();
    Ok(input.select(members)?)
}

/// The last change of each key.
fn latest_changes(changes: DataFrame, keys: &[String]) -> Result<DataFrame> {
    for needed in ["op", "after", "before"] {
        if changes
            .schema()
            .field_with_unqualified_name(needed)
            .is_err()
        {
            return Err(MergeError::invalid(format!(
                "change events need a column {needed} (Debezium's envelope: op, before, after, source, ts_ms)"
            )));
        }
    }
    let order = change_order(&changes)?;
    let rank = row_number()
        .partition_by(keys.iter().map(|k| key_of_change(k)).collect())
        .order_by(order)
        .build()?
        .alias(ROW_NUMBER);
    let mut columns: Vec<Expr> = changes
        .schema()
        .fields()
        .iter()
        .map(|f| col(Column::from_name(f.name())))
        .collect();
    columns.push(rank);
    Ok(changes
        .select(columns)?
        .filter(col(ROW_NUMBER).eq(lit(ScalarValue::UInt64(Some(1)))))?)
}

/// Newest first: by `source.lsn`, else `source.file` and `source.pos`, else `ts_ms`, else
/// `source.ts_ms`.
fn change_order(changes: &DataFrame) -> Result<Vec<SortExpr>> {
    let schema = changes.schema();
    let source_fields: Vec<String> = match schema.field_with_unqualified_name("source") {
        Ok(f) => match f.data_type() {
            DataType::Struct(fields) => fields.iter().map(|f| f.name().clone()).collect(),
            _ => Vec::new(),
        },
        Err(_) => Vec::new(),
    };
    let has = |name: &str| source_fields.iter().any(|f| f == name);
    let source = |name: &str| get_field(col("source"), name);
    let order: Vec<Expr> = if has("lsn") {
        vec![source("lsn")]
    } else if has("file") && has("pos") {
        vec![source("file"), source("pos")]
    } else if schema.field_with_unqualified_name("ts_ms").is_ok() {
        vec![col("ts_ms")]
    } else if has("ts_ms") {
        vec![source("ts_ms")]
    } else {
        return Err(MergeError::invalid(
            "change events need an order: source.lsn, source.file and source.pos, or ts_ms",
        ));
    };
    Ok(order.into_iter().map(|e| e.sort(false, false)).collect())
}

/// The members of the `after` rows.
fn after_fields(changes: &DataFrame) -> Result<Vec<String>> {
    let after = changes.schema().field_with_unqualified_name("after")?;
    match after.data_type() {
        DataType::Struct(fields) => Ok(fields.iter().map(|f| f.name().clone()).collect()),
        other => Err(MergeError::invalid(format!(
            "the change events' after column is {other}, not a row (struct)"
        ))),
    }
}
