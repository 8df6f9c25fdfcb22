//! Spark's division of decimals (`a / b` when both are decimals or integers and one is a
//! decimal): the result type follows Spark's `DecimalPrecision` — `decimal(p1 - s1 + s2 +
//! max(6, s1 + p2 + 1), max(6, s1 + p2 + 1))`, reduced to 38 digits by giving up scale down to
//! 6 places — and the quotient is rounded half up to that scale, NULL when it does not fit or
//! the divisor is 0 (so `sum(dec) / count(*)` is a `decimal(38,20)` as in Spark). A decimal
//! `div` is the exact quotient truncated to a `bigint` ([`integral_function`]).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Decimal128Array, Int64Array};
use datafusion::arrow::datatypes::{i256, DataType, Decimal128Type};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::ScalarUDF;

use super::udf::SparkFn;

/// The function a decimal division is planned as.
pub const NAME: &str = "spark_decimal_divide";

pub fn function() -> ScalarUDF {
    SparkFn::new(NAME, coerce, returns, eval).udf()
}

/// The function a decimal `div` is planned as: Spark's `bigint` of the exact quotient
/// truncated toward zero, wrapped to 64 bits as Java's `BigDecimal.longValue` wraps; NULL
/// for a zero divisor.
pub const INTEGRAL_NAME: &str = "spark_decimal_integral_divide";

pub fn integral_function() -> ScalarUDF {
    SparkFn::new(
        INTEGRAL_NAME,
        coerce,
        |_| Ok(DataType::Int64),
        eval_integral,
    )
    .udf()
}

/// The decimal type Spark gives an exact operand of a decimal operation.
pub fn as_decimal(t: &DataType) -> Option<(u8, i8)> {
    Some(match t {
        DataType::Decimal128(p, s) => (*p, *s),
        DataType::Int8 | DataType::UInt8 => (3, 0),
        DataType::Int16 | DataType::UInt16 => (5, 0),
        DataType::Int32 | DataType::UInt32 => (10, 0),
        DataType::Int64 | DataType::UInt64 => (20, 0),
        DataType::Null => (1, 0),
        _ => return None,
    })
}

/// Spark's `adjustPrecisionScale`: a type wider than 38 digits keeps its integral digits and
/// gives up scale, down to 6 places (or the scale it has, when smaller).
pub(crate) fn adjusted(precision: i32, scale: i32) -> DataType {
    if precision <= 38 {
        return DataType::Decimal128(precision.max(1) as u8, scale as i8);
    }
    let integral = precision - scale;
    let scale = (38 - integral).max(scale.min(6));
    DataType::Decimal128(38, scale as i8)
}

/// Spark's type of `decimal(p1,s1) / decimal(p2,s2)`.
pub fn quotient_type((p1, s1): (u8, i8), (p2, s2): (u8, i8)) -> DataType {
    let (p1, s1, p2, s2) = (i32::from(p1), i32::from(s1), i32::from(p2), i32::from(s2));
    let scale = 6.max(s1 + p2 + 1);
    adjusted(p1 - s1 + s2 + scale, scale)
}

fn coerce(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    match args {
        [l, r] => match (as_decimal(l), as_decimal(r)) {
            (Some((p1, s1)), Some((p2, s2))) => Ok(vec![
                DataType::Decimal128(p1, s1),
                DataType::Decimal128(p2, s2),
            ]),
            _ => Err(format!("divides decimals, not {l} by {r}")),
        },
        _ => Err("takes two arguments".into()),
    }
}

fn returns(args: &[DataType]) -> std::result::Result<DataType, String> {
    match args {
        [l, r] => match (as_decimal(l), as_decimal(r)) {
            (Some(l), Some(r)) => Ok(quotient_type(l, r)),
            _ => Err(format!("divides decimals, not {l} by {r}")),
        },
        _ => Err("takes two arguments".into()),
    }
}

fn pow10(n: u32) -> i256 {
    i256::from_i128(10).wrapping_pow(n)
}

/// `a` (scale `sa`) divided by `b` (scale `sb`), rounded half up at scale `s`, if it has at
/// most `p` digits.
fn divide(a: i128, sa: i8, b: i128, sb: i8, p: u8, s: i8) -> Option<i128> {
    if b == 0 {
        return None;
    }
    // a/b = (A / B) · 10^(sb - sa); the result counts units of 10^-s.
    let shift = i32::from(s) - i32::from(sa) + i32::from(sb);
    let (mut numerator, mut denominator) = (i256::from_i128(a), i256::from_i128(b));
    if shift >= 0 {
        numerator = numerator.checked_mul(pow10(shift as u32))?;
    } else {
        denominator = denominator.checked_mul(pow10((-shift) as u32))?;
    }
    let quotient = numerator.checked_div(denominator)?;
    let remainder = numerator.checked_rem(denominator)?;
    let twice = remainder.wrapping_abs().checked_mul(i256::from_i128(2))?;
    let rounded = if twice >= denominator.wrapping_abs() {
        let away = if (numerator < i256::ZERO) != (denominator < i256::ZERO) {
            i256::MINUS_ONE
        } else {
            i256::ONE
        };
        quotient.checked_add(away)?
    } else {
        quotient
    };
    let value = rounded.to_i128()?;
    (value.unsigned_abs() < 10u128.pow(u32::from(p))).then_some(value)
}

/// `a` (scale `sa`) divided by `b` (scale `sb`), truncated toward zero and wrapped to 64 bits.
fn integral_quotient(a: i128, sa: i8, b: i128, sb: i8) -> Option<i64> {
    if b == 0 {
        return None;
    }
    // a/b = (A / B) · 10^(sb - sa).
    let shift = i32::from(sb) - i32::from(sa);
    let (mut numerator, mut denominator) = (i256::from_i128(a), i256::from_i128(b));
    if shift >= 0 {
        numerator = numerator.checked_mul(pow10(shift as u32))?;
    } else {
        denominator = denominator.checked_mul(pow10((-shift) as u32))?;
    }
    Some(numerator.checked_div(denominator)?.as_i128() as i64)
}

fn eval_integral(args: &[ArrayRef], _rows: usize, _to: &DataType) -> Result<ArrayRef> {
    let (DataType::Decimal128(_, sa), DataType::Decimal128(_, sb)) =
        (args[0].data_type(), args[1].data_type())
    else {
        return exec_err!("{INTEGRAL_NAME}: divides decimals");
    };
    let (a, b) = (
        args[0].as_primitive::<Decimal128Type>(),
        args[1].as_primitive::<Decimal128Type>(),
    );
    let out: Int64Array = a
        .iter()
        .zip(b.iter())
        .map(|(a, b)| integral_quotient(a?, *sa, b?, *sb))
        .collect();
    Ok(Arc::new(out))
}

fn eval(args: &[ArrayRef], _rows: usize, to: &DataType) -> Result<ArrayRef> {
    let (DataType::Decimal128(_, sa), DataType::Decimal128(_, sb), DataType::Decimal128(p, s)) =
        (args[0].data_type(), args[1].data_type(), to)
    else {
        return exec_err!("{NAME}: divides decimals");
    };
    let (a, b) = (
        args[0].as_primitive::<Decimal128Type>(),
        args[1].as_primitive::<Decimal128Type>(),
    );
    let out: Decimal128Array = a
        .iter()
        .zip(b.iter())
        .map(|(a, b)| divide(a?, *sa, b?, *sb, *p, *s))
        .collect();
    Ok(Arc::new(out.with_precision_and_scale(*p, *s)?))
}

#[cfg(test)]
mod tests {
    use super::{divide, integral_quotient, quotient_type};
    use datafusion::arrow::datatypes::DataType;

    #[test]
    fn types_follow_spark() {
        assert_eq!(quotient_type((10, 2), (1, 0)), DataType::Decimal128(14, 6));
        assert_eq!(quotient_type((3, 1), (1, 0)), DataType::Decimal128(8, 6));
        assert_eq!(
            quotient_type((20, 2), (20, 0)),
            DataType::Decimal128(38, 20)
        );
        assert_eq!(quotient_type((38, 6), (38, 6)), DataType::Decimal128(38, 6));
    }

    #[test]
    fn quotients_round_half_up() {
        // 10.00 / 3 at scale 6 = 3.333333
        assert_eq!(divide(1000, 2, 3, 0, 14, 6), Some(3_333_333));
        // 2 / 3 = 0.666667; -2 / 3 = -0.666667
        assert_eq!(divide(2, 0, 3, 0, 8, 6), Some(666_667));
        assert_eq!(divide(-2, 0, 3, 0, 8, 6), Some(-666_667));
        assert_eq!(divide(1, 0, 0, 0, 8, 6), None);
        // Too many digits for the precision: NULL.
        assert_eq!(divide(10i128.pow(20), 0, 1, 0, 8, 6), None);
    }

    #[test]
    fn integral_quotients_truncate_and_wrap() {
        // 10.50 div 2 = 5; -99.999999 div 7 = -14
        assert_eq!(integral_quotient(1050, 2, 2, 0), Some(5));
        assert_eq!(integral_quotient(-99_999_999, 6, 7, 0), Some(-14));
        assert_eq!(integral_quotient(1, 0, 0, 0), None);
        // 10^32 / 7 does not fit a bigint: its low 64 bits, as Spark's.
        assert_eq!(
            integral_quotient(10i128.pow(38) - 1, 6, 7, 0),
            Some(-1_259_201_004_763_011_950)
        );
    }
}
