//! Spark's `round` (half up), `bround` (half to even), `floor` and `ceil` (`ceiling`), with an
//! optional scale `d` (a literal; negative rounds to tens, hundreds, …) and Spark's types:
//!
//! - a decimal `decimal(p,s)` becomes `decimal(p-s+1+min(s,d), min(s,d))` (one more integral
//!   digit for the carry; `decimal(max(p-s+1, 1-d), 0)` for a negative `d`), at most 38 digits;
//!   a value that no longer fits is NULL;
//! - `round`/`bround` keep an integer's or a floating-point number's type (integers wrap as
//!   Spark's do); a double is rounded as the decimal it prints as (`round(1.005, 2)` is 1.01);
//! - `floor(x)`/`ceil(x)` of an integer or a floating-point number are `bigint`s (saturating,
//!   NaN is 0); with a scale, integers and doubles are first decimals (`decimal(10,0)` for an
//!   `int`, `decimal(30,15)` for a double) and a NaN or infinite double is NULL.

use std::sync::Arc;

use datafusion::arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, Decimal128Array, Int64Array, PrimitiveArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    ArrowPrimitiveType, DataType, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type,
};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::ScalarUDF;

use super::convert::is_string;
use super::numbers::{literal_scale, scale_of, SCALE};
use super::udf::{arity, SparkFn};

/// How a value between two representable ones is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    HalfUp,
    HalfEven,
    Floor,
    Ceiling,
}

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        SparkFn::new(
            "round",
            coerce_round,
            |_| Err(SCALE.into()),
            |a, r, t| eval(Mode::HalfUp, a, r, t),
        )
        .returns_for(round_type)
        .udf(),
        SparkFn::new(
            "bround",
            coerce_round,
            |_| Err(SCALE.into()),
            |a, r, t| eval(Mode::HalfEven, a, r, t),
        )
        .returns_for(round_type)
        .udf(),
        SparkFn::new(
            "floor",
            coerce_floor,
            |_| Err(SCALE.into()),
            |a, r, t| eval(Mode::Floor, a, r, t),
        )
        .returns_for(floor_type)
        .udf(),
        SparkFn::new(
            "ceil",
            coerce_floor,
            |_| Err(SCALE.into()),
            |a, r, t| eval(Mode::Ceiling, a, r, t),
        )
        .returns_for(floor_type)
        .udf(),
    ]
}

/// A number (integers and decimals kept, text and floating point as doubles, a float kept
/// by `round`) and an optional integer scale.
fn coerce(args: &[DataType], keep_float: bool) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 2)?;
    let number = match &args[0] {
        t if t.is_integer() || matches!(t, DataType::Decimal128(..)) => t.clone(),
        DataType::Float32 if keep_float => DataType::Float32,
        t if t.is_floating() || is_string(t) || t.is_null() => DataType::Float64,
        other => return Err(format!("the value must be a number, got {other}")),
    };
    let mut out = vec![number];
    if let Some(scale) = args.get(1) {
        if !(scale.is_integer() || scale.is_null()) {
            return Err(format!("the scale must be an integer, got {scale}"));
        }
        out.push(scale.clone());
    }
    Ok(out)
}

fn coerce_round(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    coerce(args, true)
}

fn coerce_floor(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    coerce(args, false)
}

/// The decimal type Spark rounds a non-decimal number as, when a scale is given.
fn as_decimal(t: &DataType) -> (u8, i8) {
    match t {
        DataType::Decimal128(p, s) => (*p, *s),
        DataType::Int8 => (3, 0),
        DataType::Int16 => (5, 0),
        DataType::Int32 => (10, 0),
        DataType::Int64 => (20, 0),
        _ => (30, 15),
    }
}

/// Spark's type of `decimal(p,s)` rounded to `d` places.
fn rounded_decimal((p, s): (u8, i8), d: i32) -> DataType {
    let integral = i32::from(p) - i32::from(s) + 1;
    let (precision, scale) = if d < 0 {
        (integral.max(1 - d), 0)
    } else {
        let scale = d.min(i32::from(s));
        (integral + scale, scale)
    };
    DataType::Decimal128(precision.clamp(1, 38) as u8, scale as i8)
}

fn round_type(
    types: &[DataType],
    literals: &[Option<&ScalarValue>],
) -> std::result::Result<DataType, String> {
    let d = literal_scale(literals)?;
    Ok(match types.first() {
        Some(t @ DataType::Decimal128(..)) => rounded_decimal(as_decimal(t), d),
        Some(t) => t.clone(),
        None => return Err("takes 1 or 2 arguments".into()),
    })
}

fn floor_type(
    types: &[DataType],
    literals: &[Option<&ScalarValue>],
) -> std::result::Result<DataType, String> {
    let Some(t) = types.first() else {
        return Err("takes 1 or 2 arguments".into());
    };
    if types.len() == 1 && !matches!(t, DataType::Decimal128(..)) {
        return Ok(DataType::Int64);
    }
    Ok(rounded_decimal(as_decimal(t), literal_scale(literals)?))
}

/// `v / m` rounded by `mode` (`m` > 0).
fn divide(v: i128, m: i128, mode: Mode) -> i128 {
    let (q, r) = (v / m, v % m);
    if r == 0 {
        return q;
    }
    let away = q + v.signum();
    let twice = r.abs() * 2;
    match mode {
        Mode::HalfUp if twice >= m => away,
        Mode::HalfEven if twice > m || (twice == m && q % 2 != 0) => away,
        Mode::Floor if v < 0 => q - 1,
        Mode::Ceiling if v > 0 => q + 1,
        _ => q,
    }
}

/// `v` at scale `from` rounded to `d` places and written at scale `to` (`None` when the
/// result needs more than 38 digits).
fn round_unscaled(v: i128, from: i32, d: i32, to: i32, mode: Mode) -> Option<i128> {
    // `rounded` counts units of 10^-unit; the result counts units of 10^-to.
    let (rounded, unit) = if d >= from {
        (v, from)
    } else {
        let rounded = match 10i128.checked_pow((from - d) as u32) {
            Some(m) => divide(v, m, mode),
            // Fewer digits than the rounding place: 0, or ±1 unit for floor and ceiling.
            None => divide(v.signum(), 2, mode),
        };
        (rounded, d)
    };
    let shift = to - unit;
    let out = if shift >= 0 {
        rounded.checked_mul(10i128.checked_pow(shift as u32)?)?
    } else {
        rounded / 10i128.checked_pow((-shift) as u32)?
    };
    (out.unsigned_abs() < 10u128.pow(38)).then_some(out)
}

/// A double as the decimal it prints as (shortest round-trip digits): unscaled value, scale.
fn decimal_of(x: f64) -> Option<(i128, i32)> {
    if !x.is_finite() {
        return None;
    }
    let text = format!("{x:e}");
    let (mantissa, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len() as i32);
    let mut unscaled: i128 = digits.parse().ok()?;
    let mut scale = fraction - exponent;
    if scale < 0 {
        unscaled = unscaled.checked_mul(10i128.checked_pow((-scale) as u32)?)?;
        scale = 0;
    }
    Some((if negative { -unscaled } else { unscaled }, scale))
}

fn round_double(x: f64, d: i32, mode: Mode) -> f64 {
    // Spark rounds through a BigDecimal, which has no negative zero.
    if x == 0.0 {
        return 0.0;
    }
    match decimal_of(x) {
        Some((v, s)) if d < s => match round_unscaled(v, s, d, d.max(0), mode) {
            Some(r) => r as f64 / 10f64.powi(d.max(0)),
            None => x,
        },
        _ => x,
    }
}

fn eval(mode: Mode, args: &[ArrayRef], rows: usize, to: &DataType) -> Result<ArrayRef> {
    let Some(d) = scale_of(args) else {
        return Ok(new_null_array(to, rows));
    };
    let value = &args[0];
    let from = value.data_type();
    Ok(match (from, to) {
        (_, DataType::Decimal128(p, s)) => {
            let (v, from_scale): (Vec<Option<i128>>, i32) = match from {
                DataType::Decimal128(_, fs) => (
                    value.as_primitive::<Decimal128Type>().iter().collect(),
                    i32::from(*fs),
                ),
                t if t.is_integer() => (
                    cast(value, &DataType::Int64)?
                        .as_primitive::<Int64Type>()
                        .iter()
                        .map(|v| v.map(i128::from))
                        .collect(),
                    0,
                ),
                _ => {
                    // Doubles: at the scale of each value's printed digits, made 15.
                    let doubles = cast(value, &DataType::Float64)?;
                    let values = doubles.as_primitive::<Float64Type>().iter().map(|x| {
                        let (v, s) = decimal_of(x?)?;
                        round_unscaled(v, s, 15, 15, mode)
                    });
                    (values.collect(), 15)
                }
            };
            let out: Decimal128Array = v
                .into_iter()
                .map(|v| round_unscaled(v?, from_scale, d, i32::from(*s), mode))
                .map(|v| v.filter(|v| v.unsigned_abs() < 10u128.pow(u32::from(*p))))
                .collect();
            Arc::new(out.with_precision_and_scale(*p, *s)?)
        }
        (DataType::Float64 | DataType::Float32, DataType::Int64) => {
            let doubles = cast(value, &DataType::Float64)?;
            let out: Int64Array = doubles
                .as_primitive::<Float64Type>()
                .iter()
                .map(|x| {
                    x.map(|x| match mode {
                        Mode::Floor => x.floor() as i64,
                        _ => x.ceil() as i64,
                    })
                })
                .collect();
            Arc::new(out)
        }
        (t, DataType::Int64) if t.is_integer() && t != &DataType::Int64 => {
            cast(value, &DataType::Int64)?
        }
        (DataType::Float64, _) => Arc::new(
            value
                .as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(|x| round_double(x, d, mode)),
        ),
        (DataType::Float32, _) => Arc::new(
            value
                .as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(|x| {
                    let printed: f64 = x.to_string().parse().unwrap_or(f64::from(x));
                    round_double(printed, d, mode) as f32
                }),
        ),
        (DataType::Int8, _) => round_integers::<Int8Type>(value, d, mode, |v| v as i8),
        (DataType::Int16, _) => round_integers::<Int16Type>(value, d, mode, |v| v as i16),
        (DataType::Int32, _) => round_integers::<Int32Type>(value, d, mode, |v| v as i32),
        (DataType::Int64, _) => round_integers::<Int64Type>(value, d, mode, |v| v as i64),
        (other, _) => return exec_err!("round: cannot round {other}"),
    })
}

/// Integers rounded to a negative scale, wrapping into their type as Spark's do.
fn round_integers<T>(value: &ArrayRef, d: i32, mode: Mode, wrap: fn(i128) -> T::Native) -> ArrayRef
where
    T: ArrowPrimitiveType,
    T::Native: Into<i128>,
{
    let out: PrimitiveArray<T> = value.as_primitive::<T>().unary(|v| {
        let v: i128 = v.into();
        wrap(round_unscaled(v, 0, d, 0, mode).unwrap_or(v))
    });
    Arc::new(out)
}

#[cfg(test)]
mod tests {
    use super::{decimal_of, divide, round_double, round_unscaled, rounded_decimal, Mode};
    use datafusion::arrow::datatypes::DataType;

    #[test]
    fn modes_round_as_java_big_decimal() {
        assert_eq!(divide(25, 10, Mode::HalfUp), 3);
        assert_eq!(divide(-25, 10, Mode::HalfUp), -3);
        assert_eq!(divide(25, 10, Mode::HalfEven), 2);
        assert_eq!(divide(35, 10, Mode::HalfEven), 4);
        assert_eq!(divide(-21, 10, Mode::Floor), -3);
        assert_eq!(divide(21, 10, Mode::Ceiling), 3);
        assert_eq!(divide(-21, 10, Mode::Ceiling), -2);
    }

    #[test]
    fn types_and_values_follow_spark() {
        assert_eq!(rounded_decimal((10, 2), 0), DataType::Decimal128(9, 0));
        assert_eq!(rounded_decimal((10, 2), -2), DataType::Decimal128(9, 0));
        assert_eq!(rounded_decimal((38, 6), 3), DataType::Decimal128(36, 3));
        assert_eq!(rounded_decimal((30, 15), 2), DataType::Decimal128(18, 2));
        // 1050 at scale 2 (10.50) rounded to 0 places, written at scale 0.
        assert_eq!(round_unscaled(1050, 2, 0, 0, Mode::HalfUp), Some(11));
        assert_eq!(round_unscaled(1050, 2, -1, 0, Mode::HalfUp), Some(10));
        assert_eq!(round_unscaled(1050, 2, 5, 2, Mode::HalfUp), Some(1050));
        assert_eq!(decimal_of(1.005), Some((1005, 3)));
        assert_eq!(round_double(1.005, 2, Mode::HalfUp), 1.01);
        assert_eq!(round_double(2.5, 0, Mode::HalfEven), 2.0);
        assert_eq!(round_double(1234.5, -2, Mode::HalfUp), 1200.0);
    }
}
