//! Spark's `x[i]`: an array's element at the 0-based index `i` (NULL out of range, DataFusion
//! counts from 1), a map's value for the key `i` (NULL when absent), or a struct's field named
//! by the text `i`. [`super::sql_rewrite`] plans every `[…]` subscript as [`NAME`].

use std::sync::Arc;

use datafusion::arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, Int64Array, StructArray, UInt64Array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::compute::{cast, take};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::ScalarUDF;

use super::udf::SparkFn;

/// The function `x[i]` is planned as.
pub const NAME: &str = "spark_subscript";

pub fn function() -> ScalarUDF {
    SparkFn::new(NAME, coerce, |_| Err("needs its arguments".into()), eval)
        .returns_for(returns)
        .udf()
}

fn coerce(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    match args {
        [list @ (DataType::List(_) | DataType::LargeList(_)), _] => {
            Ok(vec![list.clone(), DataType::Int64])
        }
        [map @ DataType::Map(entries, _), _] => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                Ok(vec![map.clone(), kv[0].data_type().clone()])
            }
            _ => Err("takes a map with keys and values".into()),
        },
        [s @ DataType::Struct(_), _] => Ok(vec![s.clone(), DataType::Utf8]),
        [DataType::Null, key] => Ok(vec![DataType::Null, key.clone()]),
        [other, _] => Err(format!(
            "[…] applies to an array, a map or a struct, not {other}"
        )),
        _ => Err("takes two arguments".into()),
    }
}

fn returns(
    args: &[DataType],
    literals: &[Option<&ScalarValue>],
) -> std::result::Result<DataType, String> {
    match args.first() {
        Some(DataType::List(f) | DataType::LargeList(f)) => Ok(f.data_type().clone()),
        Some(DataType::Map(entries, _)) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => Ok(kv[1].data_type().clone()),
            _ => Err("takes a map with keys and values".into()),
        },
        Some(DataType::Struct(fields)) => {
            let name = match literals.get(1) {
                Some(Some(ScalarValue::Utf8(Some(n)))) => n,
                _ => return Err("a struct's field must be named by a text literal".into()),
            };
            fields
                .iter()
                .find(|f| f.name().eq_ignore_ascii_case(name))
                .map(|f| f.data_type().clone())
                .ok_or_else(|| format!("the struct has no field named {name}"))
        }
        _ => Ok(DataType::Null),
    }
}

fn eval(args: &[ArrayRef], rows: usize, return_type: &DataType) -> Result<ArrayRef> {
    let (value, key) = (&args[0], &args[1]);
    match value.data_type() {
        DataType::List(_) => {
            let list = value.as_list::<i32>();
            let offsets = list.value_offsets().iter().map(|o| i64::from(*o));
            element(list.values(), offsets.collect(), list.nulls(), key, rows)
        }
        DataType::LargeList(_) => {
            let list = value.as_list::<i64>();
            let offsets = list.value_offsets().to_vec();
            element(list.values(), offsets, list.nulls(), key, rows)
        }
        DataType::Map(..) => map_value(value, key, rows),
        DataType::Struct(_) => struct_field(value.as_struct(), key, return_type),
        _ => Ok(new_null_array(return_type, rows)),
    }
}

/// Row `r`'s element at the 0-based index in `index[r]` of the lists `offsets` delimit.
fn element(
    values: &ArrayRef,
    offsets: Vec<i64>,
    nulls: Option<&NullBuffer>,
    index: &ArrayRef,
    rows: usize,
) -> Result<ArrayRef> {
    let index = cast(index, &DataType::Int64)?;
    let index: &Int64Array = index.as_primitive();
    let picks: UInt64Array = (0..rows)
        .map(|r| {
            if nulls.is_some_and(|n| n.is_null(r)) || index.is_null(r) {
                return None;
            }
            let (start, end) = (offsets[r], offsets[r + 1]);
            let at = start.checked_add(index.value(r))?;
            (index.value(r) >= 0 && at < end).then(|| u64::try_from(at).ok())?
        })
        .collect();
    Ok(take(values.as_ref(), &picks, None)?)
}

/// Row `r`'s value for the key `key[r]` (the last entry with that key).
fn map_value(map: &ArrayRef, key: &ArrayRef, rows: usize) -> Result<ArrayRef> {
    let map = map.as_map();
    let (keys, values) = (map.keys(), map.values());
    let offsets = map.value_offsets();
    let mut picks = Vec::with_capacity(rows);
    for r in 0..rows {
        if map.is_null(r) || key.is_null(r) {
            picks.push(None);
            continue;
        }
        let wanted = ScalarValue::try_from_array(key, r)?;
        let (start, end) = (offsets[r] as usize, offsets[r + 1] as usize);
        let mut found = None;
        for j in start..end {
            if ScalarValue::try_from_array(keys, j)? == wanted {
                found = Some(j as u64);
            }
        }
        picks.push(found);
    }
    Ok(take(values.as_ref(), &UInt64Array::from(picks), None)?)
}

fn struct_field(s: &StructArray, name: &ArrayRef, return_type: &DataType) -> Result<ArrayRef> {
    let name = match ScalarValue::try_from_array(name, 0)? {
        ScalarValue::Utf8(Some(n)) => n,
        _ => return exec_err!("{NAME}: a struct's field must be named by a text literal"),
    };
    let Some(i) = s
        .fields()
        .iter()
        .position(|f| f.name().eq_ignore_ascii_case(&name))
    else {
        return Ok(new_null_array(return_type, s.len()));
    };
    let column = s.column(i);
    let nulls = NullBuffer::union(s.nulls(), column.nulls());
    let data = column.to_data().into_builder().nulls(nulls).build()?;
    Ok(Arc::new(datafusion::arrow::array::make_array(data)) as ArrayRef)
}
