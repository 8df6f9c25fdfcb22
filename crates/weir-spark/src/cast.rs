//! Spark's cast functions — `string(x)`, `int(x)`, `bigint(x)`, `smallint(x)`, `tinyint(x)`,
//! `double(x)`, `float(x)`, `boolean(x)`, `date(x)`, `timestamp(x)`, `decimal(x)` — with
//! Spark's (non-ANSI) `CAST` rules, which differ from DataFusion's `CAST`:
//!
//! - text is trimmed; what does not convert is NULL, never an error. Text to an integer drops
//!   a fraction (`'1.9'` → 1); text to a boolean knows `t`/`true`/`y`/`yes`/`1` and
//!   `f`/`false`/`n`/`no`/`0`; text to a date or timestamp follows Spark's `CAST`
//!   ([`super::convert`]).
//! - numbers narrow like Java: integers wrap, fractions are truncated, floating point
//!   saturates (NaN is 0); a timestamp is its seconds; a date is NULL as a number.
//! - `string` writes doubles as Java does (`1.0E10`, `1.0E-4`, `0.001`), timestamps as
//!   `yyyy-MM-dd HH:mm:ss[.ffffff]` without trailing zeros, arrays as `[1, 2, null]`, structs as
//!   `{1, a}` and maps as `{k -> v}`.
//! - `decimal(x)` is `decimal(10,0)`, rounding half up; NULL when it does not fit.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Decimal128Array, Float32Array,
    Float64Array, Int64Array, PrimitiveArray, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{
    ArrowPrimitiveType, DataType, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, TimeUnit,
};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::ScalarUDF;

use super::convert::{self, cast_safe, MICROS_PER_SECOND};
use super::udf::{arity, literal_text, SparkFn};

const TIMESTAMP: DataType = DataType::Timestamp(TimeUnit::Microsecond, None);

/// Spark's `int(x)`.
pub fn int_udf() -> ScalarUDF {
    SparkFn::new("int", coerce_any, |_| Ok(DataType::Int32), eval).udf()
}

/// The function SQL's `CAST(x AS type)` is planned as in SparkSQL nodes: `spark_cast(x, 'type')`
/// with the Arrow name of the type (`'Int32'`, `'Decimal128(12, 2)'`), Spark's rules.
pub const CAST: &str = "spark_cast";

/// The function SQL's `TRY_CAST(x AS type)` (and Spark's `try_cast`) is planned as:
/// `spark_try_cast(x, 'type')`, Spark's ANSI cast with NULL where it fails ([`try_cast`]).
pub const TRY_CAST: &str = "spark_try_cast";

/// The types `CAST` converts to with Spark's rules (others keep DataFusion's cast).
pub fn casts_to(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
            | DataType::Boolean
            | DataType::Date32
            | DataType::Timestamp(TimeUnit::Microsecond, None)
            | DataType::Decimal128(..)
            | DataType::Binary
    )
}

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        SparkFn::new(CAST, coerce_cast, |_| Err(CAST_TYPE.into()), eval)
            .returns_for(cast_type)
            .udf(),
        SparkFn::new(TRY_CAST, coerce_cast, |_| Err(CAST_TYPE.into()), eval_try)
            .returns_for(cast_type)
            .udf(),
        string_udf(),
        SparkFn::new("tinyint", coerce_any, |_| Ok(DataType::Int8), eval).udf(),
        SparkFn::new("smallint", coerce_any, |_| Ok(DataType::Int16), eval).udf(),
        int_udf(),
        SparkFn::new("bigint", coerce_any, |_| Ok(DataType::Int64), eval).udf(),
        SparkFn::new("float", coerce_any, |_| Ok(DataType::Float32), eval).udf(),
        double_udf(),
        SparkFn::new("boolean", coerce_any, |_| Ok(DataType::Boolean), eval).udf(),
        SparkFn::new("decimal", coerce_any, |_| Ok(DECIMAL), eval).udf(),
        SparkFn::new("date", coerce_date, |_| Ok(DataType::Date32), eval).udf(),
        SparkFn::new("timestamp", coerce_timestamp, |_| Ok(TIMESTAMP), eval).udf(),
    ]
}

/// `double(x)`: Spark's `CAST(x AS DOUBLE)`.
pub fn double_udf() -> ScalarUDF {
    SparkFn::new("double", coerce_any, |_| Ok(DataType::Float64), eval).udf()
}

/// `string(x)`: `x` as text, as Spark's `CAST(x AS STRING)` writes it.
pub fn string_udf() -> ScalarUDF {
    SparkFn::new("string", coerce_any, |_| Ok(DataType::Utf8), eval).udf()
}

/// Spark's `decimal` without precision: `decimal(10,0)`.
const DECIMAL: DataType = DataType::Decimal128(10, 0);

fn coerce_any(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    Ok(vec![match &args[0] {
        t if convert::is_string(t) => DataType::Utf8,
        t => t.clone(),
    }])
}

const CAST_TYPE: &str = "the second argument must be a type name literal";

fn coerce_cast(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    let value = coerce_any(&args[..1])?;
    Ok(vec![value[0].clone(), DataType::Utf8])
}

/// The type named by the literal second argument of `spark_cast`.
fn cast_type(
    _: &[DataType],
    literals: &[Option<&ScalarValue>],
) -> std::result::Result<DataType, String> {
    let name = literals
        .get(1)
        .and_then(|l| literal_text(*l))
        .ok_or(CAST_TYPE)?;
    match name.parse::<DataType>() {
        Ok(t) if casts_to(&t) => Ok(t),
        _ => Err(format!("cannot cast to {name}")),
    }
}

fn coerce_date(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    super::udf::date_like(&args[0], "the argument").map(|t| vec![t])
}

fn coerce_timestamp(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    match &args[0] {
        t if t.is_numeric() => Ok(vec![t.clone()]),
        t => super::udf::date_like(t, "the argument").map(|t| vec![t]),
    }
}

fn eval(args: &[ArrayRef], _: usize, to: &DataType) -> Result<ArrayRef> {
    spark_cast(&args[0], to)
}

fn eval_try(args: &[ArrayRef], _: usize, to: &DataType) -> Result<ArrayRef> {
    try_cast(&args[0], to)
}

/// Spark's `try_cast`: the ANSI cast, NULL where it fails. It differs from [`spark_cast`] for
/// integral types: text must be an integer (`'8.0'` fails, where `CAST` drops the fraction),
/// and a number outside the type's range fails (where `CAST` wraps or saturates).
pub fn try_cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    let from = array.data_type();
    if !to.is_integer() || from == to {
        return spark_cast(array, to);
    }
    if convert::is_string(from) {
        let integers: StringArray = convert::strings(array, "try_cast")?
            .iter()
            .map(|s| s.filter(|s| is_integer_text(convert::trim_all(s))))
            .collect();
        return spark_cast(&(Arc::new(integers) as ArrayRef), to);
    }
    if from.is_numeric() {
        // Arrow's safe cast: fractions truncated, NULL out of range (and for NaN).
        return cast_safe(array, to);
    }
    spark_cast(array, to)
}

/// `-12`, `+7`, `0042`: an optional sign and digits.
fn is_integer_text(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Casts `array` to `to` with Spark's rules (see the module documentation).
pub fn spark_cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    let from = array.data_type();
    if from == to {
        return Ok(Arc::clone(array));
    }
    if from.is_null() {
        return cast_safe(array, to);
    }
    match to {
        DataType::Utf8 => to_string(array),
        DataType::Int8 => integral::<Int8Type>(array, |v| v as i8),
        DataType::Int16 => integral::<Int16Type>(array, |v| v as i16),
        DataType::Int32 => integral::<Int32Type>(array, |v| v as i32),
        DataType::Int64 => integral::<Int64Type>(array, |v| v),
        DataType::Float32 => Ok(Arc::new(Float32Array::from_iter(
            doubles(array)?.iter().map(|v| v.map(|v| v as f32)),
        ))),
        DataType::Float64 => Ok(Arc::new(doubles(array)?)),
        DataType::Boolean => to_boolean(array),
        DataType::Date32 => Ok(Arc::new(convert::days(array, "date")?)),
        DataType::Timestamp(..) if from.is_numeric() => {
            Ok(Arc::new(super::datetime::seconds_to_micros(array)?))
        }
        DataType::Timestamp(..) => Ok(Arc::new(convert::micros(array, "timestamp")?)),
        DataType::Decimal128(..) => to_decimal(array, to),
        DataType::Binary => to_binary(array),
        other => exec_err!("cannot cast {from} to {other}"),
    }
}

/// Each value as an `i64` the way Spark narrows it to an integral type: integers and booleans
/// as they are, floating point truncated and saturated (NaN is 0; saturated at `int` first for
/// the types narrower than `int`, as the JVM does), decimals truncated, timestamps as seconds
/// (`None` when out of range), text by [`convert::parse_long`] (`None` when out of range).
fn integral<T: ArrowPrimitiveType>(
    array: &ArrayRef,
    narrow: fn(i64) -> T::Native,
) -> Result<ArrayRef> {
    let bits = T::DATA_TYPE.primitive_width().unwrap_or(8) * 8;
    let (min, max) = (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1);
    let longs: Vec<Option<i64>> = match array.data_type() {
        t if convert::is_string(t) => convert::strings(array, "cast")?
            .iter()
            .map(|s| {
                s.and_then(convert::parse_long)
                    .filter(|v| (min..=max).contains(&i128::from(*v)))
            })
            .collect(),
        DataType::Boolean => array
            .as_boolean()
            .iter()
            .map(|b| b.map(i64::from))
            .collect(),
        DataType::Float32 | DataType::Float64 => {
            let wide = bits == 64;
            doubles(array)?
                .iter()
                .map(|v| v.map(|v| if wide { v as i64 } else { i64::from(v as i32) }))
                .collect()
        }
        DataType::Decimal128(_, scale) => {
            let divisor = 10i128.pow(u32::from(scale.unsigned_abs()));
            let scale = *scale;
            array
                .as_primitive::<Decimal128Type>()
                .iter()
                .map(|v| {
                    v.map(|v| match scale >= 0 {
                        true => (v / divisor) as i64,
                        false => v.saturating_mul(divisor) as i64,
                    })
                })
                .collect()
        }
        DataType::Date32 | DataType::Date64 => vec![None; array.len()],
        // Seconds, NULL when they do not fit the type (Spark checks the narrowing here).
        DataType::Timestamp(..) => convert::micros(array, "cast")?
            .iter()
            .map(|v| {
                v.map(|us| us.div_euclid(MICROS_PER_SECOND))
                    .filter(|s| (min..=max).contains(&i128::from(*s)))
            })
            .collect(),
        t if t.is_integer() => cast_safe(array, &DataType::Int64)?
            .as_primitive::<Int64Type>()
            .iter()
            .collect(),
        other => return exec_err!("cannot cast {other} to {}", T::DATA_TYPE),
    };
    let out: PrimitiveArray<T> = longs.into_iter().map(|v| v.map(narrow)).collect();
    Ok(Arc::new(out))
}

/// Each value as a double (`None` for dates and text that is not a number).
fn doubles(array: &ArrayRef) -> Result<Float64Array> {
    Ok(match array.data_type() {
        t if convert::is_string(t) => convert::strings(array, "cast")?
            .iter()
            .map(|s| s.and_then(parse_double))
            .collect(),
        DataType::Boolean => array
            .as_boolean()
            .iter()
            .map(|b| b.map(|b| if b { 1.0 } else { 0.0 }))
            .collect(),
        DataType::Date32 | DataType::Date64 => Float64Array::new_null(array.len()),
        DataType::Timestamp(..) => convert::micros(array, "cast")?
            .iter()
            .map(|v| v.map(|us| us as f64 / 1e6))
            .collect(),
        t if t.is_numeric() => cast_safe(array, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .clone(),
        other => return exec_err!("cannot cast {other} to a floating point number"),
    })
}

/// Java's `Double.parseDouble` of trimmed text, with Spark's `inf`/`infinity`/`nan` in any case.
fn parse_double(s: &str) -> Option<f64> {
    let s = convert::trim_all(s);
    if let Ok(v) = s.parse::<f64>() {
        return Some(v);
    }
    // Java accepts a type suffix: 1.5d, 2f.
    let body = s.strip_suffix(['d', 'D', 'f', 'F'])?;
    if body.ends_with(|c: char| c.is_ascii_digit() || c == '.') {
        body.parse::<f64>().ok().filter(|v| v.is_finite())
    } else {
        None
    }
}

fn to_boolean(array: &ArrayRef) -> Result<ArrayRef> {
    let out: BooleanArray = match array.data_type() {
        t if convert::is_string(t) => convert::strings(array, "boolean")?
            .iter()
            .map(|s| s.and_then(convert::parse_bool))
            .collect(),
        DataType::Date32 | DataType::Date64 => BooleanArray::new_null(array.len()),
        DataType::Timestamp(..) => convert::micros(array, "boolean")?
            .iter()
            .map(|v| v.map(|v| v != 0))
            .collect(),
        DataType::Decimal128(..) => array
            .as_primitive::<Decimal128Type>()
            .iter()
            .map(|v| v.map(|v| v != 0))
            .collect(),
        t if t.is_numeric() => doubles(array)?
            .iter()
            .map(|v| v.map(|v| v != 0.0))
            .collect(),
        other => return exec_err!("boolean: cannot cast {other} to boolean"),
    };
    Ok(Arc::new(out))
}

fn to_decimal(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    match array.data_type() {
        t if convert::is_string(t) => {
            let DataType::Decimal128(p, s) = to else {
                return exec_err!("decimal: cannot cast text to {to}");
            };
            let parsed: Decimal128Array = convert::strings(array, "decimal")?
                .iter()
                .map(|text| text.and_then(|t| parse_decimal(convert::trim_all(t), *p, *s)))
                .collect();
            Ok(Arc::new(parsed.with_precision_and_scale(*p, *s)?))
        }
        DataType::Date32 | DataType::Date64 => cast_safe(
            &(Arc::new(Int64Array::new_null(array.len())) as ArrayRef),
            to,
        ),
        DataType::Timestamp(..) => {
            let seconds: Float64Array = convert::micros(array, "decimal")?
                .iter()
                .map(|v| v.map(|us| us as f64 / 1e6))
                .collect();
            cast_safe(&(Arc::new(seconds) as ArrayRef), to)
        }
        DataType::Boolean => cast_safe(&cast_safe(array, &DataType::Int64)?, to),
        _ => cast_safe(array, to),
    }
}

/// `text` (`-1.5`, `.5`, `1e3`, `1.5E-2`) as a decimal of precision `p` and scale `s`,
/// rounded half up as Spark's `BigDecimal` is; `None` when it is not a number or does not fit.
fn parse_decimal(text: &str, p: u8, s: i8) -> Option<i128> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.as_bytes().first()? {
        b'-' => (true, &mantissa[1..]),
        b'+' => (false, &mantissa[1..]),
        _ => (false, mantissa),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // The digits as an integer, and the power of ten that scales them to the value.
    let all = format!("{whole}{fraction}");
    let all = all.trim_start_matches('0');
    let power = exponent - fraction.len() as i32 + i32::from(s);
    let unscaled = if all.is_empty() {
        0
    } else if power >= 0 {
        let value: i128 = all.parse().ok()?;
        value.checked_mul(10i128.checked_pow(power as u32)?)?
    } else {
        let cut = (-power) as usize;
        if cut > all.len() {
            // Every digit is below the last place kept: rounds to 0 or 1 unit.
            let next = if cut == all.len() + 1 {
                all.as_bytes()[0]
            } else {
                b'0'
            };
            i128::from(next >= b'5')
        } else {
            let (kept, dropped) = all.split_at(all.len() - cut);
            let kept: i128 = if kept.is_empty() {
                0
            } else {
                kept.parse().ok()?
            };
            kept + i128::from(dropped.as_bytes()[0] >= b'5')
        }
    };
    (unscaled < 10i128.pow(u32::from(p))).then_some(if negative { -unscaled } else { unscaled })
}

/// Spark's bytes of every value: text as UTF-8, an integer as its big-endian two's complement
/// of its type's width (`CAST(1 AS BINARY)` is `0x00000001`).
fn to_binary(array: &ArrayRef) -> Result<ArrayRef> {
    fn big_endian<T: ArrowPrimitiveType>(
        array: &ArrayRef,
        bytes: fn(T::Native) -> Vec<u8>,
    ) -> ArrayRef {
        let out: BinaryArray = array
            .as_primitive::<T>()
            .iter()
            .map(|v| v.map(bytes))
            .collect();
        Arc::new(out)
    }
    Ok(match array.data_type() {
        t if convert::is_string(t) => cast_safe(array, &DataType::Binary)?,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            cast_safe(array, &DataType::Binary)?
        }
        DataType::Int8 => big_endian::<Int8Type>(array, |v| v.to_be_bytes().to_vec()),
        DataType::Int16 => big_endian::<Int16Type>(array, |v| v.to_be_bytes().to_vec()),
        DataType::Int32 => big_endian::<Int32Type>(array, |v| v.to_be_bytes().to_vec()),
        DataType::Int64 => big_endian::<Int64Type>(array, |v| v.to_be_bytes().to_vec()),
        other => {
            return exec_err!(
            "cannot cast {other} to binary: Spark casts only text, integers and binary to binary"
        )
        }
    })
}

/// Spark's text of every value.
fn to_string(array: &ArrayRef) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(array.len(), array.len() * 8);
    match array.data_type() {
        DataType::Float64 => {
            for v in array.as_primitive::<Float64Type>().iter() {
                out.append_option(v.map(java_double));
            }
        }
        DataType::Float32 => {
            for v in array.as_primitive::<Float32Type>().iter() {
                out.append_option(v.map(java_float));
            }
        }
        DataType::Timestamp(..) => {
            for v in convert::micros(array, "string")?.iter() {
                out.append_option(v.and_then(timestamp_text));
            }
        }
        DataType::Decimal128(_, scale) => {
            for v in array.as_primitive::<Decimal128Type>().iter() {
                out.append_option(v.map(|v| java_decimal(v, *scale)));
            }
        }
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            let bytes = cast_safe(array, &DataType::LargeBinary)?;
            for v in bytes.as_binary::<i64>().iter() {
                out.append_option(v.map(String::from_utf8_lossy));
            }
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
            let list = cast_safe(
                array,
                &DataType::LargeList(Arc::new(
                    datafusion::arrow::datatypes::Field::new_list_field(
                        list_item_type(array.data_type()),
                        true,
                    ),
                )),
            )?;
            let list = list.as_list::<i64>();
            let items = to_string(list.values())?;
            let items = items.as_string::<i32>();
            for (i, offsets) in list.offsets().windows(2).enumerate() {
                if list.is_null(i) {
                    out.append_null();
                    continue;
                }
                let parts: Vec<&str> = (offsets[0]..offsets[1])
                    .map(|j| item_text(items, j as usize))
                    .collect();
                out.append_value(format!("[{}]", parts.join(", ")));
            }
        }
        DataType::Struct(_) => {
            let s = array.as_struct();
            let columns = s
                .columns()
                .iter()
                .map(to_string)
                .collect::<Result<Vec<_>>>()?;
            for i in 0..s.len() {
                if s.is_null(i) {
                    out.append_null();
                    continue;
                }
                let parts: Vec<&str> = columns
                    .iter()
                    .map(|c| item_text(c.as_string::<i32>(), i))
                    .collect();
                out.append_value(format!("{{{}}}", parts.join(", ")));
            }
        }
        DataType::Map(..) => {
            let m = array.as_map();
            let keys = to_string(m.keys())?;
            let values = to_string(m.values())?;
            let (keys, values) = (keys.as_string::<i32>(), values.as_string::<i32>());
            for (i, offsets) in m.value_offsets().windows(2).enumerate() {
                if m.is_null(i) {
                    out.append_null();
                    continue;
                }
                let parts: Vec<String> = (offsets[0]..offsets[1])
                    .map(|j| {
                        let j = j as usize;
                        format!("{} -> {}", item_text(keys, j), item_text(values, j))
                    })
                    .collect();
                out.append_value(format!("{{{}}}", parts.join(", ")));
            }
        }
        _ => {
            let text = cast_safe(array, &DataType::Utf8)?;
            return Ok(text);
        }
    }
    Ok(Arc::new(out.finish()))
}

/// Java's `BigDecimal.toString` of `unscaled` × 10^-`scale`: plain (`10.50`, `0.000001`)
/// unless the exponent of its first digit is below -6 (or the scale negative), then in
/// scientific notation (`1.000E-7`, `0E-10`).
fn java_decimal(unscaled: i128, scale: i8) -> String {
    let digits = unscaled.unsigned_abs().to_string();
    let sign = if unscaled < 0 { "-" } else { "" };
    let scale = i64::from(scale);
    let exponent = digits.len() as i64 - 1 - scale;
    if scale >= 0 && exponent >= -6 {
        let scale = scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        return match fraction.is_empty() {
            true => format!("{sign}{whole}"),
            false => format!("{sign}{whole}.{fraction}"),
        };
    }
    let (first, rest) = digits.split_at(1);
    let mantissa = match rest.is_empty() {
        true => first.to_string(),
        false => format!("{first}.{rest}"),
    };
    let exponent_sign = if exponent > 0 { "+" } else { "" };
    format!("{sign}{mantissa}E{exponent_sign}{exponent}")
}

fn list_item_type(t: &DataType) -> DataType {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            f.data_type().clone()
        }
        other => other.clone(),
    }
}

fn item_text(items: &StringArray, i: usize) -> &str {
    if items.is_null(i) {
        "null"
    } else {
        items.value(i)
    }
}

/// `yyyy-MM-dd HH:mm:ss` and the fraction without trailing zeros, as Spark writes timestamps.
pub fn timestamp_text(micros: i64) -> Option<String> {
    let t = convert::datetime_of(micros)?;
    let mut text = t.format("%Y-%m-%d %H:%M:%S").to_string();
    let fraction = micros.rem_euclid(MICROS_PER_SECOND);
    if fraction != 0 {
        let digits = format!("{fraction:06}");
        text.push('.');
        text.push_str(digits.trim_end_matches('0'));
    }
    Some(text)
}

/// Java's `Double.toString`: plain notation from 10⁻³ up to 10⁷, computerized scientific
/// notation (`1.0E10`) outside it, always with a fraction digit.
pub fn java_double(v: f64) -> String {
    special(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative())
        .unwrap_or_else(|| java_notation(format!("{v}"), format!("{v:e}"), v.abs()))
}

/// Java's `Float.toString` (as [`java_double`], from the shortest `float` digits).
pub fn java_float(v: f32) -> String {
    special(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative())
        .unwrap_or_else(|| java_notation(format!("{v}"), format!("{v:e}"), f64::from(v.abs())))
}

fn special(nan: bool, infinite: bool, zero: bool, negative: bool) -> Option<String> {
    let sign = if negative { "-" } else { "" };
    match (nan, infinite, zero) {
        (true, _, _) => Some("NaN".into()),
        (_, true, _) => Some(format!("{sign}Infinity")),
        (_, _, true) => Some(format!("{sign}0.0")),
        _ => None,
    }
}

/// Java's notation from Rust's shortest plain (`1234.5`) and scientific (`1.2345e3`) texts.
fn java_notation(plain: String, scientific: String, magnitude: f64) -> String {
    let with_fraction = |digits: &str| match digits.contains('.') {
        true => digits.to_string(),
        false => format!("{digits}.0"),
    };
    if (1e-3..1e7).contains(&magnitude) {
        return with_fraction(&plain);
    }
    match scientific.split_once('e') {
        Some((mantissa, exponent)) => format!("{}E{exponent}", with_fraction(mantissa)),
        None => with_fraction(&scientific),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn try_cast_refuses_fractions_and_overflow_for_integers() {
        use super::try_cast;
        use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, StringArray};
        use datafusion::arrow::datatypes::{DataType, Int32Type};
        use std::sync::Arc;
        let text: ArrayRef = Arc::new(StringArray::from(vec![" 45 ", "8.0", "-5", "x"]));
        let ints = try_cast(&text, &DataType::Int32).expect("casts");
        let ints = ints.as_primitive::<Int32Type>();
        assert_eq!(
            ints.iter().collect::<Vec<_>>(),
            [Some(45), None, Some(-5), None]
        );
        let doubles: ArrayRef = Arc::new(Float64Array::from(vec![1.9, 3e10, f64::NAN]));
        let ints = try_cast(&doubles, &DataType::Int32).expect("casts");
        assert_eq!(
            ints.as_primitive::<Int32Type>().iter().collect::<Vec<_>>(),
            [Some(1), None, None]
        );
        assert_eq!(ints.null_count(), 2);
    }

    #[test]
    fn decimals_are_written_as_java_writes_them() {
        use super::java_decimal;
        assert_eq!(java_decimal(1050, 2), "10.50");
        assert_eq!(java_decimal(-1, 6), "-0.000001");
        assert_eq!(java_decimal(0, 4), "0.0000");
        assert_eq!(java_decimal(1000, 10), "1.000E-7");
        assert_eq!(java_decimal(-1, 7), "-1E-7");
        assert_eq!(java_decimal(0, 10), "0E-10");
        assert_eq!(java_decimal(12, 0), "12");
        assert_eq!(java_decimal(12, -2), "1.2E+3");
    }

    #[test]
    fn text_reads_as_spark_decimals() {
        use super::parse_decimal;
        assert_eq!(parse_decimal("1.005", 10, 2), Some(101));
        assert_eq!(parse_decimal("-1.005", 10, 2), Some(-101));
        assert_eq!(parse_decimal("1e3", 10, 0), Some(1000));
        assert_eq!(parse_decimal("1.5E-2", 10, 3), Some(15));
        assert_eq!(parse_decimal(".5", 3, 0), Some(1));
        assert_eq!(parse_decimal("0.0004", 3, 2), Some(0));
        assert_eq!(parse_decimal("123456.7", 5, 1), None);
        for bad in ["", "abc", "1.2.3", "-", "e5", "1e"] {
            assert_eq!(parse_decimal(bad, 10, 2), None, "{bad}");
        }
    }

    use super::*;

    #[test]
    fn doubles_are_written_as_java_does() {
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(-2.5), "-2.5");
        assert_eq!(java_double(1e10), "1.0E10");
        assert_eq!(java_double(1234567.0), "1234567.0");
        assert_eq!(java_double(12345678.9), "1.23456789E7");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(-1.5e-5), "-1.5E-5");
        assert_eq!(java_double(0.1), "0.1");
        assert_eq!(java_double(-0.0), "-0.0");
        assert_eq!(java_double(f64::NAN), "NaN");
        assert_eq!(java_double(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(java_float(0.1), "0.1");
        assert_eq!(java_float(3.0e10), "3.0E10");
    }

    #[test]
    fn timestamps_are_written_as_spark_does() {
        assert_eq!(timestamp_text(0).as_deref(), Some("1970-01-01 00:00:00"));
        assert_eq!(
            timestamp_text(1_500_000).as_deref(),
            Some("1970-01-01 00:00:01.5")
        );
        assert_eq!(
            timestamp_text(-1).as_deref(),
            Some("1969-12-31 23:59:59.999999")
        );
    }

    #[test]
    fn text_to_double_as_java() {
        assert_eq!(parse_double(" 1.5 "), Some(1.5));
        assert_eq!(parse_double("1e3"), Some(1000.0));
        assert_eq!(parse_double("2d"), Some(2.0));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_double("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_double("abc"), None);
        assert_eq!(parse_double(""), None);
    }
}
