//! Spark's number functions that DataFusion lacks (rounding is [`super::rounding`]):
//! `format_number` (`1,234.57`: grouped digits, half to even),
//! `monotonically_increasing_id`, `conv` (a number's digits in another base) and `signum`
//! (a double, as Spark's).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Float64Type, Int32Type, Int64Type};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::ScalarUDF;

use super::convert::is_string;
use super::udf::{arity, SparkFn};

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        SparkFn::new(
            "format_number",
            coerce_number_and_scale,
            |_| Ok(DataType::Utf8),
            format_number,
        )
        .udf(),
        SparkFn::new(
            "monotonically_increasing_id",
            |args| arity(args, 0, 0).map(|_| vec![]),
            |_| Ok(DataType::Int64),
            next_ids,
        )
        .volatile()
        .udf(),
        SparkFn::new("conv", coerce_conv, |_| Ok(DataType::Utf8), conv).udf(),
        // Spark's signum (and sign) is a double whatever the number (DataFusion keeps a float's
        // width): -1.0, 0.0 or 1.0, NaN for NaN.
        SparkFn::new(
            "signum",
            |args| {
                arity(args, 1, 1)?;
                match &args[0] {
                    t if t.is_numeric() || is_string(t) || t.is_null() => {
                        Ok(vec![DataType::Float64])
                    }
                    other => Err(format!("the value must be a number, got {other}")),
                }
            },
            |_| Ok(DataType::Float64),
            |args, _, _| {
                let values = args[0].as_primitive::<Float64Type>();
                Ok(Arc::new(values.unary::<_, Float64Type>(|v| {
                    if v == 0.0 || v.is_nan() {
                        v
                    } else {
                        v.signum()
                    }
                })) as ArrayRef)
            },
        )
        .udf(),
    ]
}

pub(super) const SCALE: &str = "the scale must be an integer literal";

/// A number (integers as `bigint`, text and floating point as `double`, decimals kept) and an
/// optional integer scale.
fn coerce_number_and_scale(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 2)?;
    let number = match &args[0] {
        t if t.is_integer() => DataType::Int64,
        t @ DataType::Decimal128(..) => t.clone(),
        t if t.is_floating() || is_string(t) || t.is_null() => DataType::Float64,
        other => return Err(format!("the value must be a number, got {other}")),
    };
    let mut out = vec![number];
    if let Some(scale) = args.get(1) {
        if !(scale.is_integer() || scale.is_null()) {
            return Err(format!("the scale must be an integer, got {scale}"));
        }
        // Kept as it is: a cast would hide the literal from planning.
        out.push(match scale {
            DataType::Null => DataType::Int32,
            t => t.clone(),
        });
    }
    Ok(out)
}

/// The literal scale (0 when not given).
pub(super) fn literal_scale(literals: &[Option<&ScalarValue>]) -> std::result::Result<i32, String> {
    match literals.get(1) {
        None => Ok(0),
        Some(Some(v)) => match v.cast_to(&DataType::Int32) {
            Ok(ScalarValue::Int32(Some(d))) => Ok(d),
            _ => Err(SCALE.into()),
        },
        Some(None) => Err(SCALE.into()),
    }
}

/// The scale argument (one value: it is a literal).
pub(super) fn scale_of(args: &[ArrayRef]) -> Option<i32> {
    match args.get(1) {
        None => Some(0),
        Some(a) if a.is_null(0) => None,
        Some(a) => datafusion::arrow::compute::cast(a, &DataType::Int32)
            .ok()
            .map(|a| a.as_primitive::<Int32Type>().value(0)),
    }
}

/// `v / m` rounded half to even.
fn div_half_even(v: i128, m: i128) -> i128 {
    let (q, r) = (v / m, v % m);
    let twice = r.abs() * 2;
    if twice > m || (twice == m && q % 2 != 0) {
        q + v.signum()
    } else {
        q
    }
}

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

fn format_number(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let d = match scale_of(args) {
        Some(d) if d >= 0 => d as usize,
        _ => return Ok(Arc::new(StringArray::new_null(rows))),
    };
    let value = &args[0];
    let plain: Vec<Option<String>> = match value.data_type() {
        DataType::Float64 => value
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| v.map(|x| format!("{x:.d$}")))
            .collect(),
        DataType::Int64 => value
            .as_primitive::<Int64Type>()
            .iter()
            .map(|v| v.map(|x| format!("{x}.{:0<d$}", "")))
            .collect(),
        DataType::Decimal128(_, s) => {
            let s = i32::from(*s);
            value
                .as_primitive::<Decimal128Type>()
                .iter()
                .map(|v| v.map(|v| decimal_text(v, s, d)))
                .collect()
        }
        other => return exec_err!("format_number: cannot format {other}"),
    };
    let grouped: StringArray = plain
        .into_iter()
        .map(|t| t.map(|t| group_digits(t.trim_end_matches('.'))))
        .collect();
    Ok(Arc::new(grouped))
}

/// The decimal `v` (at scale `s`) with `d` digits after the point, rounded half to even.
fn decimal_text(v: i128, s: i32, d: usize) -> String {
    let d = d as i32;
    let scaled = match d < s {
        true => div_half_even(v, pow10((s - d) as u32).unwrap_or(1)),
        false => v.saturating_mul(pow10((d - s) as u32).unwrap_or(1)),
    };
    let digits = scaled.unsigned_abs().to_string();
    let d = d as usize;
    let digits = format!("{digits:0>width$}", width = d + 1);
    let (int, frac) = digits.split_at(digits.len() - d);
    let sign = if scaled < 0 { "-" } else { "" };
    format!("{sign}{int}.{frac}")
}

/// `-1234567.5` → `-1,234,567.5`.
fn group_digits(text: &str) -> String {
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string(); // NaN, inf
    }
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Ids unique in the process and increasing within each partition (Spark promises no more).
static NEXT_ID: AtomicI64 = AtomicI64::new(0);

fn next_ids(_: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let first = NEXT_ID.fetch_add(rows as i64, Ordering::Relaxed);
    Ok(Arc::new(Int64Array::from_iter_values(
        first..first + rows as i64,
    )))
}

/// `conv(num, from_base, to_base)`: the number as text (integers are written in base 10
/// first, as Spark casts them) and two integer bases.
fn coerce_conv(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 3, 3)?;
    let num = match &args[0] {
        t if is_string(t) || t.is_null() || t.is_integer() => DataType::Utf8,
        other => {
            return Err(format!(
                "the number must be text or an integer, got {other}"
            ))
        }
    };
    let mut out = vec![num];
    for (t, what) in args[1..].iter().zip(["from_base", "to_base"]) {
        if !(t.is_integer() || t.is_null()) {
            return Err(format!("{what} must be an integer, got {t}"));
        }
        out.push(DataType::Int32);
    }
    Ok(out)
}

fn conv(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let nums = args[0].as_string::<i32>();
    let from = args[1].as_primitive::<Int32Type>();
    let to = args[2].as_primitive::<Int32Type>();
    let out: StringArray = (0..nums.len())
        .map(|i| {
            if nums.is_null(i) || from.is_null(i) || to.is_null(i) {
                return None;
            }
            convert_base(nums.value(i), from.value(i), to.value(i))
        })
        .collect();
    Ok(Arc::new(out))
}

/// Spark's `NumberConverter.convert`: `num`'s leading digits in base `from` (a leading `-`
/// negates; reading stops at the first character that is not a digit; overflow gives the
/// largest unsigned value) as an unsigned 64-bit number written in base `to`, or as a signed one
/// when `to` is negative. Bases must be 2 to 36 (by absolute value for `to`), else NULL.
fn convert_base(num: &str, from: i32, to: i32) -> Option<String> {
    let radix = |b: i32| (2..=36).contains(&b).then_some(b as u32);
    let (from, to_radix) = (radix(from)?, radix(to.abs())?);
    if num.is_empty() {
        return None;
    }
    let (mut negative, digits) = match num.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, num),
    };
    let mut v: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(from) else { break };
        match v
            .checked_mul(u64::from(from))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(next) => v = next,
            None => {
                v = u64::MAX;
                break;
            }
        }
    }
    if negative && to > 0 {
        v = match (v as i64) < 0 {
            true => u64::MAX,
            false => (v as i64).wrapping_neg() as u64,
        };
    }
    if to < 0 && (v as i64) < 0 {
        v = (v as i64).wrapping_neg() as u64;
        negative = true;
    }
    let mut out = Vec::new();
    loop {
        let digit = char::from_digit((v % u64::from(to_radix)) as u32, to_radix)?;
        out.push(digit.to_ascii_uppercase());
        v /= u64::from(to_radix);
        if v == 0 {
            break;
        }
    }
    if negative && to < 0 {
        out.push('-');
    }
    Some(out.into_iter().rev().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_even_and_grouping() {
        assert_eq!(div_half_even(25, 10), 2);
        assert_eq!(div_half_even(35, 10), 4);
        assert_eq!(div_half_even(-25, 10), -2);
        assert_eq!(div_half_even(-26, 10), -3);
        assert_eq!(decimal_text(123_456_789, 3, 2), "123456.79");
        assert_eq!(decimal_text(-5, 4, 2), "0.00");
        assert_eq!(decimal_text(-125, 2, 1), "-1.2");
        assert_eq!(decimal_text(12, 0, 1), "12.0");
        assert_eq!(group_digits("-1234567.50"), "-1,234,567.50");
        assert_eq!(group_digits("123"), "123");
        assert_eq!(group_digits("NaN"), "NaN");
    }

    #[test]
    fn conv_follows_spark() {
        // Spark's documented examples, and its unsigned wrap-around.
        assert_eq!(convert_base("100", 2, 10).as_deref(), Some("4"));
        assert_eq!(convert_base("-10", 16, -10).as_deref(), Some("-16"));
        assert_eq!(
            convert_base("-10", 16, 10).as_deref(),
            Some("18446744073709551600")
        );
        assert_eq!(convert_base("ff", 16, 2).as_deref(), Some("11111111"));
        assert_eq!(convert_base("255", 10, 16).as_deref(), Some("FF"));
        assert_eq!(convert_base("12xyz", 10, 10).as_deref(), Some("12"));
        assert_eq!(convert_base("xyz", 10, 10).as_deref(), Some("0"));
        assert_eq!(
            convert_base("99999999999999999999", 10, 10).as_deref(),
            Some("18446744073709551615")
        );
        assert_eq!(convert_base("10", 1, 10), None);
        assert_eq!(convert_base("10", 10, 37), None);
        assert_eq!(convert_base("", 10, 2), None);
    }
}
