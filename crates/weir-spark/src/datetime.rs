//! Spark's date and time functions that DataFusion and `datafusion-spark` lack or get wrong:
//!
//! - `to_date(s[, fmt])`, `to_timestamp(s[, fmt])`: text by Spark's `CAST` rules, or by a Spark
//!   datetime pattern ([`super::datetime_pattern`]); NULL when the text does not parse. Dates
//!   and timestamps pass through (the pattern is then ignored, as in Spark). Timestamps are
//!   microseconds without a zone, in Weir's UTC session.
//! - `unix_timestamp([s[, fmt]])`, `to_unix_timestamp(s[, fmt])`: seconds since the epoch
//!   (`bigint`); text by the pattern, `yyyy-MM-dd HH:mm:ss` by default; no argument is the
//!   query's start.
//! - `timestamp_seconds`, `timestamp_millis`, `timestamp_micros`, `date_from_unix_date`.
//! - `dayofweek` (1 = Sunday … 7 = Saturday), `weekday` (0 = Monday … 6 = Sunday),
//!   `months_between(a, b[, roundOff])` with Spark's rule: whole months when the days of month
//!   are equal or both are month ends, otherwise the difference in seconds over 31-day months,
//!   rounded to 8 digits unless `roundOff` is false.
//! - `make_date(year, month, day)`, `make_timestamp(year, month, day, hour, min, sec[, zone])`:
//!   NULL for fields that make no date or time (Spark without ANSI mode); `sec` may carry
//!   microseconds, and 60 (without a fraction) is the next minute; `zone` is an offset or
//!   `UTC` (the wall time there, stored as UTC).
//! - [`DateArgs`]: `date_add`, `date_sub`, `add_months`, `last_day`, `next_day`, `datediff`,
//!   `trunc`, `unix_date`, `hour`, `minute`, `second` of `datafusion-spark`, which take only
//!   `date`, `timestamp` and `int`, accept what Spark casts implicitly — text (by Spark's
//!   `CAST`, NULL when invalid), dates and timestamps as each other, integers of any width and
//!   numeric text as days or months.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int32Array, Int64Array, PrimitiveArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::ArrowPrimitiveType;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, TimeUnit};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use datafusion::prelude::{cast, Expr};

use super::convert::{self, MICROS_PER_DAY, MICROS_PER_SECOND};
use super::datetime_pattern::Pattern;
use super::udf::{arity, date_like, int, literal_text, text, SparkFn};

const TIMESTAMP: DataType = DataType::Timestamp(TimeUnit::Microsecond, None);
const DEFAULT_PATTERN: &str = "yyyy-MM-dd HH:mm:ss";

/// Spark's `to_date`.
pub fn to_date_udf() -> ScalarUDF {
    SparkFn::new("to_date", coerce_parse, |_| Ok(DataType::Date32), to_date)
        .check(check_pattern)
        .udf()
}

/// Spark's `to_timestamp`.
pub fn to_timestamp_udf() -> ScalarUDF {
    SparkFn::new(
        "to_timestamp",
        coerce_parse,
        |_| Ok(TIMESTAMP),
        to_timestamp,
    )
    .check(check_pattern)
    .udf()
}

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        to_date_udf(),
        to_timestamp_udf(),
        SparkFn::new(
            "unix_timestamp",
            coerce_unix,
            |_| Ok(DataType::Int64),
            unix_timestamp,
        )
        .check(check_pattern)
        .simplify(now_seconds)
        .udf(),
        SparkFn::new(
            "to_unix_timestamp",
            |args| {
                arity(args, 1, 2)?;
                coerce_unix(args)
            },
            |_| Ok(DataType::Int64),
            unix_timestamp,
        )
        .check(check_pattern)
        .udf(),
        SparkFn::new(
            "timestamp_seconds",
            coerce_number,
            |_| Ok(TIMESTAMP),
            |args, _, _| epoch_timestamp(args, MICROS_PER_SECOND, "timestamp_seconds"),
        )
        .udf(),
        SparkFn::new(
            "timestamp_millis",
            coerce_integer,
            |_| Ok(TIMESTAMP),
            |args, _, _| epoch_timestamp(args, 1000, "timestamp_millis"),
        )
        .udf(),
        SparkFn::new(
            "timestamp_micros",
            coerce_integer,
            |_| Ok(TIMESTAMP),
            |args, _, _| epoch_timestamp(args, 1, "timestamp_micros"),
        )
        .udf(),
        SparkFn::new(
            "date_from_unix_date",
            coerce_integer,
            |_| Ok(DataType::Date32),
            date_from_unix_date,
        )
        .udf(),
        SparkFn::new(
            "dayofweek",
            coerce_date,
            |_| Ok(DataType::Int32),
            |args, _, _| day_of_week(args, "dayofweek", 4, 1),
        )
        .udf(),
        SparkFn::new(
            "weekday",
            coerce_date,
            |_| Ok(DataType::Int32),
            |args, _, _| day_of_week(args, "weekday", 3, 0),
        )
        .udf(),
        SparkFn::new(
            "make_date",
            |args| int_fields(args, 3, 3),
            |_| Ok(DataType::Date32),
            make_date,
        )
        .udf(),
        SparkFn::new(
            "make_timestamp",
            coerce_make_timestamp,
            |_| Ok(TIMESTAMP),
            make_timestamp,
        )
        .check(check_zone)
        .udf(),
        SparkFn::new(
            "months_between",
            coerce_months_between,
            |_| Ok(DataType::Float64),
            months_between,
        )
        .udf(),
    ]
}

fn coerce_parse(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 2)?;
    let mut out = vec![match &args[0] {
        t if t.is_numeric() => t.clone(),
        t => date_like(t, "the value")?,
    }];
    if let Some(fmt) = args.get(1) {
        out.push(text(fmt, "the pattern")?);
    }
    Ok(out)
}

fn coerce_unix(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 0, 2)?;
    let mut out = Vec::new();
    if let Some(t) = args.first() {
        out.push(date_like(t, "the value")?);
    }
    if let Some(fmt) = args.get(1) {
        out.push(text(fmt, "the pattern")?);
    }
    Ok(out)
}

fn coerce_number(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    match &args[0] {
        t if t.is_integer() || t.is_null() => Ok(vec![DataType::Int64]),
        t if t.is_numeric() => Ok(vec![DataType::Float64]),
        other => Err(format!("expected a number, got {other}")),
    }
}

fn coerce_integer(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    match &args[0] {
        t if t.is_integer() || t.is_null() => Ok(vec![DataType::Int64]),
        other => Err(format!("expected an integer, got {other}")),
    }
}

fn coerce_date(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    Ok(vec![date_like(&args[0], "the argument")?])
}

fn coerce_months_between(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 3)?;
    let mut out = vec![
        date_like(&args[0], "the first argument")?,
        date_like(&args[1], "the second argument")?,
    ];
    if let Some(t) = args.get(2) {
        match t {
            DataType::Boolean | DataType::Null => out.push(DataType::Boolean),
            other => return Err(format!("roundOff must be a boolean, got {other}")),
        }
    }
    Ok(out)
}

/// Integer fields (year, month, …): integers, or text Spark would cast.
fn int_fields(
    args: &[DataType],
    min: usize,
    max: usize,
) -> std::result::Result<Vec<DataType>, String> {
    arity(args, min, max)?;
    args.iter()
        .map(|t| int(t, "a date or time field"))
        .collect()
}

/// The value at `i`, `None` when null.
fn at(a: &Int32Array, i: usize) -> Option<i32> {
    a.is_valid(i).then(|| a.value(i))
}

/// Five integer fields, the seconds as `decimal(16,6)` (Spark's type for them) and a zone.
fn coerce_make_timestamp(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 6, 7)?;
    let mut out = int_fields(&args[..5], 5, 5)?;
    match &args[5] {
        t if t.is_numeric() || t.is_null() || convert::is_string(t) => out.push(SECONDS),
        other => return Err(format!("sec must be a number, got {other}")),
    }
    if let Some(zone) = args.get(6) {
        out.push(text(zone, "the time zone")?);
    }
    Ok(out)
}

/// `make_timestamp`'s seconds with their microseconds.
const SECONDS: DataType = DataType::Decimal128(16, 6);

/// A literal zone must be one Weir knows.
fn check_zone(args: &[Option<&ScalarValue>]) -> std::result::Result<(), String> {
    match literal_text(args.get(6).copied().flatten()) {
        Some(z) if convert::zone_offset(z).is_none() => Err(unknown_zone(z)),
        _ => Ok(()),
    }
}

fn unknown_zone(zone: &str) -> String {
    format!("unknown time zone '{zone}' (Weir takes offsets such as '+02:00', or 'UTC')")
}

fn make_date(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let (y, m, d) = (
        convert::ints(&args[0], "make_date")?,
        convert::ints(&args[1], "make_date")?,
        convert::ints(&args[2], "make_date")?,
    );
    let out = (0..y.len()).map(|i| {
        let (y, m, d) = (
            at(&y, i)?,
            u32::try_from(at(&m, i)?).ok()?,
            u32::try_from(at(&d, i)?).ok()?,
        );
        chrono::NaiveDate::from_ymd_opt(y, m, d).map(convert::epoch_days)
    });
    Ok(convert::date_array(out))
}

fn make_timestamp(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let fields = args[..5]
        .iter()
        .map(|a| convert::ints(a, "make_timestamp"))
        .collect::<Result<Vec<_>>>()?;
    let seconds = args[5].as_primitive::<datafusion::arrow::datatypes::Decimal128Type>();
    let zones = match args.get(6) {
        Some(z) => Some(convert::strings(z, "make_timestamp")?),
        None => None,
    };
    let mut out = Vec::with_capacity(seconds.len());
    for i in 0..seconds.len() {
        let offset = match &zones {
            Some(z) if z.is_null(i) => None,
            Some(z) => match convert::zone_offset(z.value(i)) {
                Some(offset) => Some(offset),
                None => return exec_err!("make_timestamp: {}", unknown_zone(z.value(i))),
            },
            None => Some(0),
        };
        let field = |f: usize| at(&fields[f], i);
        out.push((|| {
            let [y, mo, d, h, mi] = [field(0)?, field(1)?, field(2)?, field(3)?, field(4)?];
            let micros = seconds.is_valid(i).then(|| seconds.value(i))?;
            let local = wall_time(y, mo, d, h, mi, micros)?;
            let utc = local.and_utc().timestamp_micros();
            utc.checked_sub(i64::from(offset?) * MICROS_PER_SECOND)
        })());
    }
    Ok(convert::timestamp_array(out))
}

/// Spark's `LocalDateTime.of` with `sec` in microseconds: `None` for fields out of range;
/// 60 seconds without a fraction is the next minute.
fn wall_time(
    y: i32,
    mo: i32,
    d: i32,
    h: i32,
    mi: i32,
    micros: i128,
) -> Option<chrono::NaiveDateTime> {
    let micros = i64::try_from(micros).ok()?;
    let (sec, frac) = (
        micros.div_euclid(MICROS_PER_SECOND),
        micros.rem_euclid(MICROS_PER_SECOND),
    );
    let date = chrono::NaiveDate::from_ymd_opt(y, u32::try_from(mo).ok()?, u32::try_from(d).ok()?)?;
    let (h, mi) = (u32::try_from(h).ok()?, u32::try_from(mi).ok()?);
    if sec == 60 && frac == 0 {
        let time = chrono::NaiveTime::from_hms_opt(h, mi, 0)?;
        return date
            .and_time(time)
            .checked_add_signed(chrono::TimeDelta::minutes(1));
    }
    let time = chrono::NaiveTime::from_hms_micro_opt(h, mi, u32::try_from(sec).ok()?, frac as u32)?;
    Some(date.and_time(time))
}

/// `unix_timestamp()`: the seconds of the query's start, as Spark's current time is the same for
/// the whole query.
fn now_seconds(args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
    match (args.is_empty(), info.query_execution_start_time()) {
        (true, Some(start)) => Ok(ExprSimplifyResult::Simplified(datafusion::prelude::lit(
            start.timestamp(),
        ))),
        _ => Ok(ExprSimplifyResult::Original(args)),
    }
}

/// A literal pattern must compile.
fn check_pattern(args: &[Option<&ScalarValue>]) -> std::result::Result<(), String> {
    match literal_text(args.get(1).copied().flatten()) {
        Some(p) => Pattern::compile(p)
            .map(|_| ())
            .map_err(|e| format!("invalid datetime pattern '{p}': {e}")),
        None => Ok(()),
    }
}

/// Parses each text with its row's pattern (compiled once per distinct pattern in a row run).
fn parse_with_patterns(
    values: &ArrayRef,
    patterns: Option<&ArrayRef>,
    function: &str,
) -> Result<TimestampMicrosecondArray> {
    let values = convert::strings(values, function)?;
    let patterns = match patterns {
        Some(p) => Some(convert::strings(p, function)?),
        None => None,
    };
    let mut compiled: Option<(String, Pattern)> = None;
    let mut out = Vec::with_capacity(values.len());
    for i in 0..values.len() {
        let pattern = match &patterns {
            Some(p) if p.is_null(i) => {
                out.push(None);
                continue;
            }
            Some(p) => p.value(i),
            None => DEFAULT_PATTERN,
        };
        if values.is_null(i) {
            out.push(None);
            continue;
        }
        if compiled.as_ref().is_none_or(|(p, _)| p != pattern) {
            match Pattern::compile(pattern) {
                Ok(c) => compiled = Some((pattern.to_string(), c)),
                Err(e) => {
                    return exec_err!("{function}: invalid datetime pattern '{pattern}': {e}")
                }
            }
        }
        out.push(
            compiled
                .as_ref()
                .and_then(|(_, c)| c.parse_micros(values.value(i))),
        );
    }
    Ok(out.into_iter().collect())
}

fn to_date(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let value = &args[0];
    let days = match (args.get(1), value.data_type()) {
        (Some(fmt), t) if convert::is_string(t) || t.is_null() => {
            parse_with_patterns(value, Some(fmt), "to_date")?
                .unary::<_, datafusion::arrow::datatypes::Date32Type>(|us| {
                us.div_euclid(MICROS_PER_DAY) as i32
            })
        }
        (fmt, _) => with_nulls_of(convert::days(value, "to_date")?, fmt)?,
    };
    Ok(Arc::new(days))
}

fn to_timestamp(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let value = &args[0];
    let out = match (args.get(1), value.data_type()) {
        (Some(fmt), t) if convert::is_string(t) || t.is_null() => {
            parse_with_patterns(value, Some(fmt), "to_timestamp")?
        }
        (fmt, t) if t.is_numeric() => with_nulls_of(seconds_to_micros(value)?, fmt)?,
        (fmt, _) => with_nulls_of(convert::micros(value, "to_timestamp")?, fmt)?,
    };
    Ok(Arc::new(out))
}

/// Spark's numeric → timestamp cast: seconds, fractional for floating point; NaN and infinity
/// are NULL; integers beyond the range saturate (Spark's `SECONDS.toMicros`).
pub fn seconds_to_micros(value: &ArrayRef) -> Result<TimestampMicrosecondArray> {
    if value.data_type().is_integer() {
        let longs = convert::cast_safe(value, &DataType::Int64)?;
        return Ok(longs
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .unary(|s| s.saturating_mul(MICROS_PER_SECOND)));
    }
    let doubles = convert::cast_safe(value, &DataType::Float64)?;
    Ok(doubles
        .as_primitive::<Float64Type>()
        .unary_opt(|s| s.is_finite().then_some((s * 1e6) as i64)))
}

/// `values` with NULL where the (ignored) pattern argument is NULL, as Spark gives.
fn with_nulls_of<T: ArrowPrimitiveType>(
    values: PrimitiveArray<T>,
    pattern: Option<&ArrayRef>,
) -> Result<PrimitiveArray<T>> {
    match pattern {
        Some(p) if p.null_count() > 0 => {
            let nulls = NullBuffer::union(values.nulls(), p.logical_nulls().as_ref());
            let data_type = values.data_type().clone();
            Ok(
                PrimitiveArray::<T>::try_new(values.values().clone(), nulls)?
                    .with_data_type(data_type),
            )
        }
        _ => Ok(values),
    }
}

fn unix_timestamp(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let Some(value) = args.first() else {
        let now = chrono::Utc::now().timestamp();
        return Ok(Arc::new(Int64Array::from(vec![now; rows])));
    };
    let micros = match value.data_type() {
        t if convert::is_string(t) => parse_with_patterns(value, args.get(1), "unix_timestamp")?,
        _ => with_nulls_of(convert::micros(value, "unix_timestamp")?, args.get(1))?,
    };
    Ok(Arc::new(
        micros.unary::<_, datafusion::arrow::datatypes::Int64Type>(|us| {
            us.div_euclid(MICROS_PER_SECOND)
        }),
    ))
}

/// `timestamp_seconds` and friends: `unit` microseconds per input unit; an overflow is an error,
/// as in Spark.
fn epoch_timestamp(args: &[ArrayRef], unit: i64, function: &str) -> Result<ArrayRef> {
    let value = &args[0];
    if let Some(doubles) = value.as_primitive_opt::<Float64Type>() {
        let out: TimestampMicrosecondArray =
            doubles.unary_opt(|s| s.is_finite().then_some((s * unit as f64) as i64));
        return Ok(Arc::new(out));
    }
    let longs = convert::longs(value, function)?;
    let mut out = Vec::with_capacity(longs.len());
    for v in longs.iter() {
        out.push(match v {
            Some(v) => match v.checked_mul(unit) {
                Some(us) => Some(us),
                None => return exec_err!("{function}: {v} is out of the timestamp range"),
            },
            None => None,
        });
    }
    Ok(Arc::new(
        out.into_iter().collect::<TimestampMicrosecondArray>(),
    ))
}

fn date_from_unix_date(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let longs = convert::longs(&args[0], "date_from_unix_date")?;
    let mut out = Vec::with_capacity(longs.len());
    for v in longs.iter() {
        out.push(match v {
            Some(v) => match i32::try_from(v)
                .ok()
                .filter(|d| convert::date_of(*d).is_some())
            {
                Some(d) => Some(d),
                None => return exec_err!("date_from_unix_date: {v} is out of the date range"),
            },
            None => None,
        });
    }
    Ok(convert::date_array(out))
}

/// Day of week numbered from `first` (1970-01-01, day 0, is `thursday` days after the first day
/// of the week).
fn day_of_week(args: &[ArrayRef], function: &str, thursday: i64, first: i32) -> Result<ArrayRef> {
    let days = convert::days(&args[0], function)?;
    let out: Int32Array = days.unary(|d| (i64::from(d) + thursday).rem_euclid(7) as i32 + first);
    Ok(Arc::new(out))
}

fn months_between(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let a = convert::micros(&args[0], "months_between")?;
    let b = convert::micros(&args[1], "months_between")?;
    let round = match args.get(2) {
        Some(r) => Some(r.as_boolean_opt().cloned().ok_or_else(|| {
            datafusion::common::DataFusionError::Execution(
                "months_between: roundOff must be a boolean".into(),
            )
        })?),
        None => None,
    };
    let out: Float64Array = (0..a.len())
        .map(|i| {
            if a.is_null(i) || b.is_null(i) || round.as_ref().is_some_and(|r| r.is_null(i)) {
                return None;
            }
            let round = round.as_ref().is_none_or(|r| r.value(i));
            spark_months_between(a.value(i), b.value(i), round)
        })
        .collect();
    Ok(Arc::new(out))
}

/// Spark's `months_between` of two instants (microseconds, UTC).
pub fn spark_months_between(a: i64, b: i64, round: bool) -> Option<f64> {
    use chrono::{Datelike, Timelike};
    let (ta, tb) = (convert::datetime_of(a)?, convert::datetime_of(b)?);
    let month_end = |t: &chrono::NaiveDateTime| t.date().succ_opt().is_none_or(|n| n.day() == 1);
    let months = |t: &chrono::NaiveDateTime| i64::from(t.year()) * 12 + i64::from(t.month());
    let month_diff = (months(&ta) - months(&tb)) as f64;
    if ta.day() == tb.day() || (month_end(&ta) && month_end(&tb)) {
        return Some(month_diff);
    }
    let seconds = |t: &chrono::NaiveDateTime| i64::from(t.num_seconds_from_midnight());
    let seconds_diff =
        (i64::from(ta.day()) - i64::from(tb.day())) * 86_400 + seconds(&ta) - seconds(&tb);
    let diff = month_diff + seconds_diff as f64 / (31.0 * 86_400.0);
    Some(match round {
        // Java's Math.round: floor(x + 0.5).
        true => (diff * 1e8 + 0.5).floor() / 1e8,
        false => diff,
    })
}

/// How a [`DateArgs`] argument is converted before the wrapped function sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arg {
    /// A date: text by Spark's cast rules, timestamps by their date.
    Date,
    /// A timestamp: text by Spark's cast rules, dates at midnight.
    Timestamp,
    /// An `int`: integers of any width, numeric text.
    Int,
    /// Text.
    Text,
}

/// A `datafusion-spark` function taking dates and ints, made to accept what Spark casts
/// implicitly into them.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DateArgs {
    inner: Arc<ScalarUDF>,
    args: &'static [Arg],
    signature: Signature,
}

impl DateArgs {
    /// The wrapped function as a UDF.
    pub fn udf(inner: Arc<ScalarUDF>, args: &'static [Arg]) -> ScalarUDF {
        ScalarUDF::new_from_impl(Self {
            inner,
            args,
            signature: Signature::user_defined(Volatility::Immutable),
        })
    }

    /// The type the wrapped function sees for argument `i`.
    fn inner_type(&self, i: usize) -> DataType {
        match self.args.get(i) {
            Some(Arg::Date) => DataType::Date32,
            Some(Arg::Timestamp) => TIMESTAMP,
            Some(Arg::Int) => DataType::Int32,
            _ => DataType::Utf8,
        }
    }

    fn inner_fields(&self, fields: &[FieldRef]) -> Vec<FieldRef> {
        fields
            .iter()
            .enumerate()
            .map(|(i, f)| Arc::new(Field::new(f.name(), self.inner_type(i), true)))
            .collect()
    }
}

impl ScalarUDFImpl for DateArgs {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.inner.name();
        if types.len() != self.args.len() {
            return plan_err!(
                "{name} takes {} argument(s), got {}",
                self.args.len(),
                types.len()
            );
        }
        types
            .iter()
            .zip(self.args)
            .enumerate()
            .map(|(i, (t, arg))| {
                let what = format!("argument {}", i + 1);
                match arg {
                    Arg::Date | Arg::Timestamp => date_like(t, &what),
                    Arg::Int => int(t, &what),
                    Arg::Text => text(t, &what),
                }
                .or_else(|e| plan_err!("{name}: {e}"))
            })
            .collect()
    }

    fn return_type(&self, _types: &[DataType]) -> Result<DataType> {
        let fields: Vec<FieldRef> = (0..self.args.len())
            .map(|i| Arc::new(Field::new(format!("arg{i}"), self.inner_type(i), true)))
            .collect();
        let field = self.inner.return_field_from_args(ReturnFieldArgs {
            arg_fields: &fields,
            scalar_arguments: &vec![None; fields.len()],
        })?;
        Ok(field.data_type().clone())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let fields = self.inner_fields(args.arg_fields);
        let field = self.inner.return_field_from_args(ReturnFieldArgs {
            arg_fields: &fields,
            scalar_arguments: &vec![None; fields.len()],
        })?;
        // Text that does not convert gives NULL.
        Ok(Arc::new(field.as_ref().clone().with_nullable(true)))
    }

    /// Converts the arguments the wrapped function does not take (`to_date(text)`, `int(text)`)
    /// and plans the wrapped function on them, simplified as it simplifies itself.
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let mut converted = Vec::with_capacity(args.len());
        for (i, arg) in args.into_iter().enumerate() {
            let want = self.inner_type(i);
            if info.get_data_type(&arg)? == want {
                converted.push(arg);
                continue;
            }
            converted.push(match self.args.get(i) {
                Some(Arg::Date) => to_date_udf().call(vec![arg]),
                Some(Arg::Timestamp) => to_timestamp_udf().call(vec![arg]),
                Some(Arg::Int) => super::cast::int_udf().call(vec![arg]),
                _ => cast(arg, want),
            });
        }
        Ok(ExprSimplifyResult::Simplified(
            match self.inner.simplify(converted, info)? {
                ExprSimplifyResult::Simplified(e) => e,
                ExprSimplifyResult::Original(args) => self.inner.call(args),
            },
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.inner.name();
        let constant = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if constant { 1 } else { args.number_rows };
        let mut converted = Vec::with_capacity(args.args.len());
        for (i, value) in args.args.iter().enumerate() {
            let array = value.to_array(rows)?;
            let array: ArrayRef = match self.args.get(i) {
                Some(Arg::Date) => Arc::new(convert::days(&array, name)?),
                Some(Arg::Timestamp) => Arc::new(convert::micros(&array, name)?),
                Some(Arg::Int) => Arc::new(convert::ints(&array, name)?),
                _ => Arc::new(convert::strings(&array, name)?),
            };
            converted.push(match constant {
                true => ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?),
                false => ColumnarValue::Array(array),
            });
        }
        let out = self.inner.invoke_with_args(ScalarFunctionArgs {
            args: converted,
            arg_fields: self.inner_fields(&args.arg_fields),
            number_rows: args.number_rows,
            return_field: args.return_field,
            config_options: args.config_options,
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::spark_months_between;
    use crate::convert::string_to_timestamp;

    fn between(a: &str, b: &str, round: bool) -> Option<f64> {
        spark_months_between(string_to_timestamp(a)?, string_to_timestamp(b)?, round)
    }

    #[test]
    fn months_between_follows_spark() {
        // Spark's documented example.
        assert_eq!(
            between("1997-02-28 10:30:00", "1996-10-30", true),
            Some(3.94959677)
        );
        assert_eq!(
            between("1997-02-28 10:30:00", "1996-10-30", false),
            Some(3.9495967741935485)
        );
        assert_eq!(between("2024-03-15", "2024-01-15", true), Some(2.0));
        // Both month ends: whole months.
        assert_eq!(between("2024-02-29", "2024-01-31", true), Some(1.0));
        assert_eq!(between("2024-01-15", "2024-03-15", true), Some(-2.0));
        assert_eq!(between("2024-03-16", "2024-03-15", true), Some(0.03225806));
    }
}
