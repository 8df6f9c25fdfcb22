//! Spark's number functions that DataFusion lacks: `bround` (rounding half to even),
//! `format_number` (`1,234.57`: grouped digits, half to even) and
//! `monotonically_increasing_id`.

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
            "bround",
            coerce_number_and_scale,
            |_| Err(SCALE.into()),
            bround,
        )
        .returns_for(bround_type)
        .udf(),
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
    ]
}

const SCALE: &str = "the scale must be an integer literal";

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
fn literal_scale(literals: &[Option<&ScalarValue>]) -> std::result::Result<i32, String> {
    match literals.get(1) {
        None => Ok(0),
        Some(Some(v)) => match v.cast_to(&DataType::Int32) {
            Ok(ScalarValue::Int32(Some(d))) => Ok(d),
            _ => Err(SCALE.into()),
        },
        Some(None) => Err(SCALE.into()),
    }
}

/// `bround`'s type: the number's, a decimal narrowed to the scale asked for.
fn bround_type(
    types: &[DataType],
    literals: &[Option<&ScalarValue>],
) -> std::result::Result<DataType, String> {
    let d = literal_scale(literals)?;
    Ok(match types.first() {
        Some(DataType::Decimal128(p, s)) if d < i32::from(*s) => {
            let scale = d.max(0) as i8;
            let precision = (i32::from(*p) - i32::from(*s) + i32::from(scale) + 1).clamp(1, 38);
            DataType::Decimal128(precision as u8, scale)
        }
        Some(t) => t.clone(),
        None => return Err("takes 1 or 2 arguments".into()),
    })
}

/// The scale argument (one value: it is a literal).
fn scale_of(args: &[ArrayRef]) -> Option<i32> {
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

fn bround(args: &[ArrayRef], rows: usize, to: &DataType) -> Result<ArrayRef> {
    let Some(d) = scale_of(args) else {
        return Ok(datafusion::arrow::array::new_null_array(to, rows));
    };
    let value = &args[0];
    Ok(match (value.data_type(), to) {
        (DataType::Float64, _) => Arc::new(
            value
                .as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(|x| {
                    let m = 10f64.powi(d.abs());
                    let rounded = match d >= 0 {
                        true => (x * m).round_ties_even() / m,
                        false => (x / m).round_ties_even() * m,
                    };
                    if rounded.is_finite() {
                        rounded
                    } else {
                        x
                    }
                }),
        ),
        (DataType::Int64, _) => {
            let m = pow10(d.unsigned_abs()).filter(|_| d < 0);
            Arc::new(
                value
                    .as_primitive::<Int64Type>()
                    .unary::<_, Int64Type>(|x| match m {
                        Some(m) => (div_half_even(i128::from(x), m) * m) as i64,
                        None => x,
                    }),
            )
        }
        (DataType::Decimal128(_, s), DataType::Decimal128(p, t)) => {
            let m = pow10((i32::from(*s) - i32::from(*t)).max(0) as u32).unwrap_or(1);
            // A negative scale rounds to tens, hundreds… of the integer part.
            let below = pow10(d.min(0).unsigned_abs()).unwrap_or(1);
            let rounded = value
                .as_primitive::<Decimal128Type>()
                .unary::<_, Decimal128Type>(|v| div_half_even(div_half_even(v, m), below) * below);
            Arc::new(rounded.with_precision_and_scale(*p, *t)?)
        }
        (other, _) => return exec_err!("bround: cannot round {other}"),
    })
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
}
