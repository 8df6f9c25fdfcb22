//! Spark's `to_json(value)`: a struct, map or array as compact JSON text (NULL for NULL), written
//! as Spark writes it ([`write`]): null members of a struct are left out, a map's null values
//! kept; dates are `yyyy-MM-dd`, timestamps `2024-01-02T03:04:05.123Z` (the session is UTC).
//! The options argument is not taken.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::common::Result;
use datafusion::logical_expr::ScalarUDF;

use super::cast::{java_double, java_float};
use super::convert;
use super::udf::{arity, SparkFn};

/// The function.
pub fn function() -> ScalarUDF {
    SparkFn::new(
        "to_json",
        |args| {
            arity(args, 1, 1)?;
            match &args[0] {
                t @ (DataType::Struct(_)
                | DataType::Map(..)
                | DataType::List(_)
                | DataType::LargeList(_)) => Ok(vec![t.clone()]),
                other => Err(format!(
                    "the value must be a struct, a map or an array, got {other}"
                )),
            }
        },
        |_| Ok(DataType::Utf8),
        eval,
    )
    .udf()
}

/// Each value written as Spark writes it ([`write`]).
fn eval(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let value = &args[0];
    let mut out = Vec::with_capacity(rows);
    for i in 0..rows {
        if value.is_null(i) {
            out.push(None);
            continue;
        }
        let mut text = String::new();
        write(value.as_ref(), i, &mut text)?;
        out.push(Some(text));
    }
    Ok(Arc::new(StringArray::from(out)))
}

/// Is value `i` NULL (an array of type NULL included)?
fn null_at(array: &dyn Array, i: usize) -> bool {
    array.data_type().is_null() || array.is_null(i)
}

/// Value `i` of `array` as Spark's JSON generator writes it: a struct's NULL members left out
/// (a map's NULL values and an array's NULL elements kept); floating point as Java writes it,
/// `NaN` and the infinities as strings; decimals with their scale; dates `yyyy-MM-dd`;
/// timestamps `yyyy-MM-dd'T'HH:mm:ss.SSS` and `Z` (the session is UTC); map keys as text.
fn write(array: &dyn Array, i: usize, out: &mut String) -> Result<()> {
    use datafusion::arrow::datatypes::{
        Date32Type, Float32Type, Float64Type, TimeUnit, TimestampMicrosecondType,
        TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
    };
    if null_at(array, i) {
        out.push_str("null");
        return Ok(());
    }
    let quoted = |s: &str, out: &mut String| out.push_str(&serde_json::Value::from(s).to_string());
    let float = |v: f64, text: String, out: &mut String| match v.is_finite() {
        true => out.push_str(&text),
        false => quoted(
            match v {
                v if v.is_nan() => "NaN",
                v if v > 0.0 => "Infinity",
                _ => "-Infinity",
            },
            out,
        ),
    };
    match array.data_type() {
        DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => out.push_str(&array_value_to_string(array, i)?),
        DataType::Float64 => {
            let v = array.as_primitive::<Float64Type>().value(i);
            float(v, java_double(v), out)
        }
        DataType::Float32 => {
            let v = array.as_primitive::<Float32Type>().value(i);
            float(f64::from(v), java_float(v), out)
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            quoted(&array_value_to_string(array, i)?, out)
        }
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(i);
            match convert::date_of(days) {
                Some(d) => quoted(&d.format("%Y-%m-%d").to_string(), out),
                None => out.push_str("null"),
            }
        }
        DataType::Timestamp(unit, _) => {
            let micros = match unit {
                TimeUnit::Second => array
                    .as_primitive::<TimestampSecondType>()
                    .value(i)
                    .checked_mul(1_000_000),
                TimeUnit::Millisecond => array
                    .as_primitive::<TimestampMillisecondType>()
                    .value(i)
                    .checked_mul(1_000),
                TimeUnit::Microsecond => {
                    Some(array.as_primitive::<TimestampMicrosecondType>().value(i))
                }
                TimeUnit::Nanosecond => Some(
                    array
                        .as_primitive::<TimestampNanosecondType>()
                        .value(i)
                        .div_euclid(1_000),
                ),
            };
            match micros.and_then(convert::datetime_of) {
                Some(t) => quoted(&t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(), out),
                None => out.push_str("null"),
            }
        }
        DataType::Struct(fields) => {
            let s = array.as_struct();
            out.push('{');
            let mut first = true;
            for (field, column) in fields.iter().zip(s.columns()) {
                if null_at(column.as_ref(), i) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                quoted(field.name(), out);
                out.push(':');
                write(column.as_ref(), i, out)?;
            }
            out.push('}');
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
            let items = match array.data_type() {
                DataType::List(_) => array.as_list::<i32>().value(i),
                DataType::LargeList(_) => array.as_list::<i64>().value(i),
                _ => array.as_fixed_size_list().value(i),
            };
            out.push('[');
            for k in 0..items.len() {
                if k > 0 {
                    out.push(',');
                }
                write(items.as_ref(), k, out)?;
            }
            out.push(']');
        }
        DataType::Map(..) => {
            let map = array.as_map();
            let entries = map.value(i);
            let (keys, values) = (entries.column(0), entries.column(1));
            out.push('{');
            for k in 0..entries.len() {
                if k > 0 {
                    out.push(',');
                }
                let mut key = String::new();
                write(keys.as_ref(), k, &mut key)?;
                match serde_json::from_str::<serde_json::Value>(&key) {
                    Ok(serde_json::Value::String(text)) => quoted(&text, out),
                    _ => quoted(&key, out),
                }
                out.push(':');
                write(values.as_ref(), k, out)?;
            }
            out.push('}');
        }
        _ => quoted(&array_value_to_string(array, i)?, out),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{
        ArrayRef, Float64Array, Int32Builder, MapBuilder, StringBuilder, StructArray,
        TimestampMicrosecondArray,
    };
    use datafusion::arrow::datatypes::{DataType, Field};

    use super::write;

    #[test]
    fn writes_as_spark() {
        let mut map = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
        map.keys().append_value("z");
        map.values().append_null();
        map.append(true).expect("map");
        let map = map.finish();
        let mut text = String::new();
        write(&map, 0, &mut text).expect("write");
        assert_eq!(text, r#"{"z":null}"#);
        let s = StructArray::from(vec![
            (
                Arc::new(Field::new(
                    "ts",
                    DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Microsecond, None),
                    true,
                )),
                Arc::new(TimestampMicrosecondArray::from(vec![Some(
                    1_709_251_199_999_999,
                )])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("d", DataType::Float64, true)),
                Arc::new(Float64Array::from(vec![f64::NAN])) as ArrayRef,
            ),
        ]);
        let mut text = String::new();
        write(&s, 0, &mut text).expect("write");
        assert_eq!(text, r#"{"ts":"2024-02-29T23:59:59.999Z","d":"NaN"}"#);
    }
}
