//! Spark's conditional and NULL functions DataFusion lacks or types otherwise:
//!
//! - `typeof(x)`: Spark's name of `x`'s type (`int`, `decimal(10,2)`, `array<string>`, …).
//! - `zeroifnull(x)`: `coalesce(x, 0)` with Spark's widening against the `int` 0 (`tinyint`
//!   becomes `int`, `decimal(10,2)` becomes `decimal(12,2)`); `nullifzero(x)`: NULL where
//!   `x` is 0 (`-0.0` included), of `x`'s type.
//! - `nvl2(a, b, c)`: `b` where `a` is not NULL, else `c`; `a` may be of any type (DataFusion's
//!   coerces it with `b` and `c`). `nvl(a, b)` / `ifnull(a, b)`: `coalesce(a, b)`, of the common
//!   type of `a` and `b` (`datafusion-spark`'s makes a `double` of a decimal and an integer).
//!   The common type of a decimal and a floating-point number is a `double`.
//! - `isnan(x)`: false for NULL (DataFusion's gives NULL).
//! - `assert_true(c[, message])`: NULL (`void`) when `c` is true, an error otherwise.

use std::sync::Arc;

use datafusion::arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, StringArray,
};
use datafusion::arrow::compute::kernels::zip::zip;
use datafusion::arrow::compute::{cast, is_not_null, is_null, nullif};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::type_coercion::binary::comparison_coercion;
use datafusion::logical_expr::ScalarUDF;

use super::udf::{arity, SparkFn};

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        SparkFn::new(
            "typeof",
            |args| arity(args, 1, 1).map(|_| args.to_vec()),
            |_| Ok(DataType::Utf8),
            type_of,
        )
        .udf(),
        SparkFn::new("zeroifnull", number, zero_if_null_type, zero_if_null).udf(),
        SparkFn::new("nullifzero", number, |t| Ok(t[0].clone()), null_if_zero).udf(),
        SparkFn::new("nvl2", coerce_nvl2, |t| Ok(t[1].clone()), nvl2).udf(),
        SparkFn::new("nvl", coerce_nvl, |t| Ok(t[0].clone()), nvl).udf(),
        SparkFn::new("ifnull", coerce_nvl, |t| Ok(t[0].clone()), nvl).udf(),
        SparkFn::new(
            "isnan",
            |args| {
                arity(args, 1, 1)?;
                match &args[0] {
                    t if t.is_numeric() || t.is_null() => Ok(vec![DataType::Float64]),
                    t => Err(format!("the argument must be a number, got {t}")),
                }
            },
            |_| Ok(DataType::Boolean),
            is_nan,
        )
        .udf(),
        SparkFn::new(
            "assert_true",
            |args| {
                arity(args, 1, 2)?;
                let mut out = vec![DataType::Boolean];
                if args.len() == 2 {
                    out.push(DataType::Utf8);
                }
                Ok(out)
            },
            |_| Ok(DataType::Null),
            assert_true,
        )
        .udf(),
    ]
}

fn type_of(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let name = crate::types::hive_type(args[0].data_type());
    Ok(Arc::new(StringArray::from_iter_values(
        std::iter::repeat_n(name, rows),
    )))
}

/// One number, kept as it is.
fn number(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    match &args[0] {
        t if t.is_numeric() => Ok(vec![t.clone()]),
        DataType::Null => Ok(vec![DataType::Int32]),
        t => Err(format!("the argument must be a number, got {t}")),
    }
}

/// The wider of `t` and `int`, as Spark widens `coalesce(x, 0)`.
fn zero_if_null_type(t: &[DataType]) -> std::result::Result<DataType, String> {
    Ok(match &t[0] {
        DataType::Int8 | DataType::Int16 | DataType::Int32 => DataType::Int32,
        DataType::Decimal128(p, s) => {
            let s = (*s).max(0);
            let whole = (*p as i8 - s).max(10);
            DataType::Decimal128((whole + s).min(38) as u8, s)
        }
        DataType::UInt8 | DataType::UInt16 => DataType::Int32,
        DataType::UInt32 | DataType::UInt64 => DataType::Int64,
        other => other.clone(),
    })
}

fn zero_if_null(args: &[ArrayRef], _: usize, returns: &DataType) -> Result<ArrayRef> {
    let x = cast(&args[0], returns)?;
    let zeros = ScalarValue::new_zero(returns)?.to_array_of_size(x.len())?;
    Ok(zip(&is_null(&x)?, &zeros, &x)?)
}

fn null_if_zero(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let x = &args[0];
    // As doubles, `-0.0 == 0.0` (and every integer or decimal 0 is 0.0).
    let doubles = cast(x, &DataType::Float64)?;
    let zero: BooleanArray = doubles
        .as_primitive::<Float64Type>()
        .iter()
        .map(|v| Some(v == Some(0.0)))
        .collect();
    Ok(nullif(x, &zero)?)
}

/// The common type of two values (a `double` for a decimal and a floating-point number, as in
/// Spark).
fn common_type(b: &DataType, c: &DataType) -> std::result::Result<DataType, String> {
    Ok(match (b, c) {
        (DataType::Decimal128(..), f) | (f, DataType::Decimal128(..)) if f.is_floating() => {
            DataType::Float64
        }
        _ if b == c => b.clone(),
        (DataType::Null, t) | (t, DataType::Null) => t.clone(),
        _ => comparison_coercion(b, c).ok_or_else(|| format!("{b} and {c} have no common type"))?,
    })
}

/// `a` of any type; `b` and `c` of their common type.
fn coerce_nvl2(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 3, 3)?;
    let common = common_type(&args[1], &args[2])?;
    Ok(vec![args[0].clone(), common.clone(), common])
}

fn coerce_nvl(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    let common = common_type(&args[0], &args[1])?;
    Ok(vec![common.clone(), common])
}

fn nvl(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    Ok(zip(&is_not_null(&args[0])?, &args[0], &args[1])?)
}

fn nvl2(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    Ok(zip(&is_not_null(&args[0])?, &args[1], &args[2])?)
}

fn is_nan(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let nan: BooleanArray = args[0]
        .as_primitive::<Float64Type>()
        .iter()
        .map(|v| Some(v.is_some_and(f64::is_nan)))
        .collect();
    Ok(Arc::new(nan))
}

fn assert_true(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let condition = args[0].as_boolean();
    for i in 0..condition.len() {
        if condition.is_null(i) || !condition.value(i) {
            let message = match args.get(1).map(|m| m.as_string::<i32>()) {
                Some(m) if m.is_valid(i) => m.value(i).to_string(),
                _ => "the condition is not true".to_string(),
            };
            return exec_err!("{message}");
        }
    }
    Ok(new_null_array(&DataType::Null, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroifnull_widens_like_coalesce_with_an_int_zero() {
        let t = |t: DataType| zero_if_null_type(&[t]).unwrap();
        assert_eq!(t(DataType::Int8), DataType::Int32);
        assert_eq!(t(DataType::Int64), DataType::Int64);
        assert_eq!(t(DataType::Decimal128(10, 2)), DataType::Decimal128(12, 2));
        assert_eq!(t(DataType::Decimal128(38, 6)), DataType::Decimal128(38, 6));
        assert_eq!(t(DataType::Float64), DataType::Float64);
    }

    #[test]
    fn nullifzero_treats_negative_zero_as_zero() {
        let x: ArrayRef = Arc::new(datafusion::arrow::array::Float64Array::from(vec![
            Some(-0.0),
            Some(f64::NAN),
            None,
            Some(1.5),
        ]));
        let out = null_if_zero(&[x], 4, &DataType::Float64).unwrap();
        let out = out.as_primitive::<Float64Type>();
        assert!(out.is_null(0) && out.is_valid(1) && out.is_null(2));
        assert_eq!(out.value(3), 1.5);
    }
}
