//! Spark's `map(k1, v1, k2, v2, …)`: a map per row from key/value pairs. Keys are coerced to
//! one type and values to another; a NULL key, or the same key twice in a row's map, is an
//! error, as with Spark's default `spark.sql.mapKeyDedupPolicy=EXCEPTION`. `map()` is an empty
//! `map<string,string>`.
//!
//! DataFusion's SQL planner reads any `map(…)` call as its own two-array `map`, so SparkSQL
//! queries reach this function under the name [`NAME`] (see [`super::sql_rewrite`]).

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{new_empty_array, Array, ArrayRef, MapArray, StructArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::interleave;
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::type_coercion::binary::type_union_resolution;
use datafusion::logical_expr::ScalarUDF;

use super::convert::is_string;
use super::udf::SparkFn;

/// The name `map(…)` calls are planned under.
pub const NAME: &str = "spark_map";

/// The function.
pub fn function() -> ScalarUDF {
    SparkFn::new(NAME, coerce, returns, eval).udf()
}

fn common_type(types: Vec<DataType>, what: &str) -> std::result::Result<DataType, String> {
    if types.is_empty() {
        return Ok(DataType::Utf8);
    }
    let t = type_union_resolution(&types)
        .ok_or_else(|| format!("the {what} have no common type: {types:?}"))?;
    Ok(if is_string(&t) { DataType::Utf8 } else { t })
}

fn coerce(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    if !args.len().is_multiple_of(2) {
        return Err(format!(
            "map takes key/value pairs, an even number of arguments, got {}",
            args.len()
        ));
    }
    let key = common_type(args.iter().step_by(2).cloned().collect(), "keys")?;
    if key.is_null() {
        return Err("map: a map key cannot be NULL".into());
    }
    let value = common_type(args.iter().skip(1).step_by(2).cloned().collect(), "values")?;
    Ok(args
        .iter()
        .enumerate()
        .map(|(i, _)| {
            if i % 2 == 0 {
                key.clone()
            } else {
                value.clone()
            }
        })
        .collect())
}

fn entries(key: DataType, value: DataType) -> Fields {
    Fields::from(vec![
        Field::new("key", key, false),
        Field::new("value", value, true),
    ])
}

fn map_type(key: DataType, value: DataType) -> DataType {
    DataType::Map(
        Arc::new(Field::new(
            "entries",
            DataType::Struct(entries(key, value)),
            false,
        )),
        false,
    )
}

fn returns(args: &[DataType]) -> std::result::Result<DataType, String> {
    let key = args.first().cloned().unwrap_or(DataType::Utf8);
    let value = args.get(1).cloned().unwrap_or(DataType::Utf8);
    Ok(map_type(key, value))
}

fn eval(args: &[ArrayRef], rows: usize, to: &DataType) -> Result<ArrayRef> {
    let DataType::Map(entries_field, _) = to else {
        return exec_err!("map: unexpected result type {to}");
    };
    let (DataType::Struct(fields), 2) = (entries_field.data_type(), pairs_of(entries_field)) else {
        return exec_err!("map: unexpected entries type");
    };
    let pairs = args.len() / 2;
    let (keys, values) = if pairs == 0 {
        (
            new_empty_array(fields[0].data_type()),
            new_empty_array(fields[1].data_type()),
        )
    } else {
        let key_columns: Vec<&dyn Array> = args.iter().step_by(2).map(|a| a.as_ref()).collect();
        let value_columns: Vec<&dyn Array> =
            args.iter().skip(1).step_by(2).map(|a| a.as_ref()).collect();
        let indices: Vec<(usize, usize)> = (0..rows)
            .flat_map(|row| (0..pairs).map(move |pair| (pair, row)))
            .collect();
        (
            interleave(&key_columns, &indices)?,
            interleave(&value_columns, &indices)?,
        )
    };
    if keys.null_count() > 0 {
        return exec_err!("map: a map key cannot be NULL");
    }
    check_unique(&keys, pairs)?;
    let entries = StructArray::try_new(fields.clone(), vec![keys, values], None)?;
    let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(pairs, rows));
    Ok(Arc::new(MapArray::try_new(
        Arc::clone(entries_field),
        offsets,
        entries,
        None,
        false,
    )?))
}

fn pairs_of(entries: &Field) -> usize {
    match entries.data_type() {
        DataType::Struct(fields) => fields.len(),
        _ => 0,
    }
}

/// Every run of `pairs` keys (one map) must hold distinct keys.
fn check_unique(keys: &ArrayRef, pairs: usize) -> Result<()> {
    if pairs < 2 {
        return Ok(());
    }
    let converter = RowConverter::new(vec![SortField::new(keys.data_type().clone())])?;
    let rows = converter.convert_columns(&[Arc::clone(keys)])?;
    let mut seen = HashSet::with_capacity(pairs);
    for start in (0..keys.len()).step_by(pairs) {
        seen.clear();
        for i in start..start + pairs {
            if !seen.insert(rows.row(i)) {
                let key = ScalarValue::try_from_array(keys, i)?;
                return exec_err!(
                    "map: duplicate map key {key} (Spark's default spark.sql.mapKeyDedupPolicy=EXCEPTION)"
                );
            }
        }
    }
    Ok(())
}
