//! Spark's `map(k1, v1, k2, v2, …)`: a map per row from key/value pairs. Keys are coerced to
//! one type and values to another; a NULL key, or the same key twice in a row's map, is an
//! error, as with Spark's default `spark.sql.mapKeyDedupPolicy=EXCEPTION`. `map()` is an empty
//! map of Spark's `map<void,void>` (keys and values of the NULL type).
//!
//! `map_concat(m1, m2, …)`: the entries of the maps in order, NULL when one of them is NULL; a
//! key in two of them is an error, as for `map`.
//!
//! DataFusion's SQL planner reads any `map(…)` call as its own two-array `map`, so SparkSQL
//! queries reach this function under the name [`NAME`] (see [`super::sql_rewrite`]).

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{new_empty_array, Array, ArrayRef, AsArray, MapArray, StructArray};
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

/// The functions: `map` (as [`NAME`]) and `map_concat`.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        SparkFn::new(NAME, coerce, returns, eval).udf(),
        SparkFn::new(
            "map_concat",
            coerce_maps,
            |args| {
                Ok(args
                    .first()
                    .cloned()
                    .unwrap_or_else(|| map_type(DataType::Utf8, DataType::Utf8)))
            },
            concat_maps,
        )
        .udf(),
    ]
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
    let key = args.first().cloned().unwrap_or(DataType::Null);
    let value = args.get(1).cloned().unwrap_or(DataType::Null);
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
    let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(pairs, rows));
    check_unique("map", &keys, &offsets)?;
    let entries = StructArray::try_new(fields.clone(), vec![keys, values], None)?;
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

/// The keys of each map (between consecutive `offsets`) must be distinct.
fn check_unique(function: &str, keys: &ArrayRef, offsets: &OffsetBuffer<i32>) -> Result<()> {
    if offsets.windows(2).all(|w| w[1] - w[0] < 2) {
        return Ok(());
    }
    let converter = RowConverter::new(vec![SortField::new(keys.data_type().clone())])?;
    let rows = converter.convert_columns(&[Arc::clone(keys)])?;
    let mut seen = HashSet::new();
    for w in offsets.windows(2) {
        seen.clear();
        for i in w[0] as usize..w[1] as usize {
            if !seen.insert(rows.row(i)) {
                let key = ScalarValue::try_from_array(keys, i)?;
                return exec_err!(
                    "{function}: duplicate map key {key} (Spark's default spark.sql.mapKeyDedupPolicy=EXCEPTION)"
                );
            }
        }
    }
    Ok(())
}

/// Maps (or NULLs), coerced to one map type.
fn coerce_maps(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    for t in args {
        match t {
            DataType::Map(entries, _) => match entries.data_type() {
                DataType::Struct(f) if f.len() == 2 => {
                    keys.push(f[0].data_type().clone());
                    values.push(f[1].data_type().clone());
                }
                other => return Err(format!("unexpected map entries {other}")),
            },
            DataType::Null => {}
            other => return Err(format!("the arguments must be maps, got {other}")),
        }
    }
    let to = map_type(common_type(keys, "keys")?, common_type(values, "values")?);
    Ok(vec![to; args.len()])
}

fn concat_maps(args: &[ArrayRef], rows: usize, to: &DataType) -> Result<ArrayRef> {
    let DataType::Map(entries_field, _) = to else {
        return exec_err!("map_concat: unexpected result type {to}");
    };
    let DataType::Struct(fields) = entries_field.data_type() else {
        return exec_err!("map_concat: unexpected entries type");
    };
    let maps: Vec<&MapArray> = args.iter().map(|a| a.as_map()).collect();
    let mut indices = Vec::new();
    let mut lengths = Vec::with_capacity(rows);
    let mut valid = Vec::with_capacity(rows);
    for row in 0..rows {
        let present = maps.iter().all(|m| m.is_valid(row));
        let before = indices.len();
        if present {
            for (arg, m) in maps.iter().enumerate() {
                let offsets = m.value_offsets();
                indices
                    .extend((offsets[row] as usize..offsets[row + 1] as usize).map(|e| (arg, e)));
            }
        }
        lengths.push(indices.len() - before);
        valid.push(present);
    }
    let column = |c: usize| -> Result<ArrayRef> {
        let columns: Vec<&dyn Array> = maps
            .iter()
            .map(|m| m.entries().column(c).as_ref())
            .collect();
        match columns.is_empty() {
            true => Ok(new_empty_array(fields[c].data_type())),
            false => Ok(interleave(&columns, &indices)?),
        }
    };
    let (keys, values) = (column(0)?, column(1)?);
    let offsets = OffsetBuffer::from_lengths(lengths);
    check_unique("map_concat", &keys, &offsets)?;
    let entries = StructArray::try_new(fields.clone(), vec![keys, values], None)?;
    Ok(Arc::new(MapArray::try_new(
        Arc::clone(entries_field),
        offsets,
        entries,
        Some(valid.into()),
        false,
    )?))
}
