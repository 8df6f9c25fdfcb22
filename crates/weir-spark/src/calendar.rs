//! Spark's calendar functions with Spark's units and fields, in Weir's UTC session. Dates,
//! timestamps and text (read as Spark casts it to a timestamp) are accepted wherever a
//! timestamp is; NULL in, NULL out.
//!
//! - `date_format(ts, fmt)`: Spark's datetime patterns ([`super::datetime_format`]); a pattern
//!   Spark refuses is an error.
//! - `date_part(field, source)` (also `datepart`, and `EXTRACT(field FROM source)`): `YEAR`,
//!   `YEAROFWEEK`, `QUARTER`, `MONTH`, `WEEK` (ISO), `DAY`, `DAYOFWEEK`/`DOW` (1 = Sunday),
//!   `DAYOFWEEK_ISO`/`DOW_ISO` (1 = Monday), `DOY`, `HOUR`, `MINUTE` as `int`s, and `SECOND`
//!   with its fraction as a `decimal(8,6)`; Spark's abbreviations and plurals are accepted.
//!   From an interval or a duration: `YEAR`, `MONTH`, `DAY`, `HOUR`, `MINUTE`, `SECOND` of it
//!   (a number is a number of days, as Weir's `date - date` gives).
//! - `timestampadd(unit, n, ts)` (`dateadd`, and `date_add` with a unit) and
//!   `timestampdiff(unit, start, end)` (`datediff` and `date_diff` with a unit): units
//!   `MICROSECOND`, `MILLISECOND`, `SECOND`, `MINUTE`, `HOUR`, `DAY`, `DAYOFYEAR`, `WEEK`,
//!   `MONTH`, `QUARTER`, `YEAR`. Months are added with the day clamped to the month's end;
//!   differences are whole units, truncated as Java's `ChronoUnit.between` does.
//! - `trunc(date, fmt)`: the first day of the `YEAR` (`YYYY`, `YY`), `QUARTER`, `MONTH`
//!   (`MON`, `MM`) or `WEEK` (Monday); NULL for any other format. `date_trunc(fmt, ts)`: the
//!   same, and `DAY` (`DD`), `HOUR`, `MINUTE`, `SECOND`, `MILLISECOND`, `MICROSECOND`, as a
//!   timestamp.
//! - `current_timestamp()` (`now`, `localtimestamp`): the query's start, in microseconds;
//!   `current_timezone()`: `UTC`.
//! - `from_utc_timestamp(ts, zone)` and `to_utc_timestamp(ts, zone)`: the wall time in `zone`
//!   of a UTC time, and back; a wall time skipped by a transition moves forward by the gap,
//!   a repeated one takes the earlier offset (Java's `LocalDateTime.atZone`).

use std::sync::Arc;

use chrono::{
    Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike,
};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Decimal128Array, Int32Array, Int64Array, Int8Array,
    StringBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, DurationMicrosecondType, IntervalMonthDayNanoType, IntervalUnit, TimeUnit,
};
use datafusion::common::{exec_datafusion_err, exec_err, Result, ScalarValue};
use datafusion::logical_expr::ScalarUDF;

use super::convert::{self, MICROS_PER_DAY, MICROS_PER_SECOND};
use super::datetime_format::Format;
use super::udf::{arity, date_like, int, literal_text, text, SparkFn};

const TIMESTAMP: DataType = DataType::Timestamp(TimeUnit::Microsecond, None);
const SECONDS: DataType = DataType::Decimal128(8, 6);

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    let mut out = vec![
        SparkFn::new(
            "date_format",
            coerce_format,
            |_| Ok(DataType::Utf8),
            date_format,
        )
        .check(check_format)
        .udf(),
        SparkFn::new("timestampadd", coerce_add, |_| Ok(TIMESTAMP), timestamp_add)
            .check(check_unit)
            .udf(),
        SparkFn::new(
            "timestampdiff",
            coerce_diff,
            |_| Ok(DataType::Int64),
            timestamp_diff,
        )
        .check(check_unit)
        .udf(),
        SparkFn::new("trunc", coerce_trunc, |_| Ok(DataType::Date32), trunc).udf(),
        SparkFn::new(
            "date_trunc",
            coerce_date_trunc,
            |_| Ok(TIMESTAMP),
            date_trunc,
        )
        .udf(),
        SparkFn::new(
            "from_utc_timestamp",
            coerce_zone,
            |_| Ok(TIMESTAMP),
            |args, _, _| shift_zone(args, true),
        )
        .check(check_zone)
        .udf(),
        SparkFn::new(
            "to_utc_timestamp",
            coerce_zone,
            |_| Ok(TIMESTAMP),
            |args, _, _| shift_zone(args, false),
        )
        .check(check_zone)
        .udf(),
    ];
    for name in ["current_timestamp", "now", "localtimestamp"] {
        out.push(
            SparkFn::new(
                name,
                |args| arity(args, 0, 0).map(|_| Vec::new()),
                |_| Ok(TIMESTAMP),
                |_, rows, _| {
                    let now = chrono::Utc::now().timestamp_micros();
                    Ok(convert::timestamp_array(vec![Some(now); rows]))
                },
            )
            .volatile()
            .simplify(query_start)
            .udf(),
        );
    }
    out.push(
        SparkFn::new(
            "current_timezone",
            |args| arity(args, 0, 0).map(|_| Vec::new()),
            |_| Ok(DataType::Utf8),
            |_, rows, _| {
                Ok(Arc::new(datafusion::arrow::array::StringArray::from(
                    vec!["UTC"; rows],
                )))
            },
        )
        .udf(),
    );
    for name in ["date_part", "datepart"] {
        out.push(
            SparkFn::new(name, coerce_part, |_| Ok(DataType::Int32), date_part)
                .returns_for(part_type)
                .check(check_field)
                .udf(),
        );
    }
    out
}

/// `current_timestamp()` as the query's start (one value for the whole query), in microseconds.
fn query_start(
    args: Vec<datafusion::prelude::Expr>,
    info: &datafusion::logical_expr::simplify::SimplifyContext,
) -> Result<datafusion::logical_expr::simplify::ExprSimplifyResult> {
    use datafusion::logical_expr::simplify::ExprSimplifyResult;
    Ok(match info.query_execution_start_time() {
        Some(start) => ExprSimplifyResult::Simplified(datafusion::prelude::lit(
            ScalarValue::TimestampMicrosecond(Some(start.timestamp_micros()), None),
        )),
        None => ExprSimplifyResult::Original(args),
    })
}

/// A timestamp-like argument: text, date or timestamp (NULL as a timestamp).
fn timestamp_like(t: &DataType, what: &str) -> std::result::Result<DataType, String> {
    match date_like(t, what)? {
        DataType::Date32 if t.is_null() => Ok(TIMESTAMP),
        other => Ok(other),
    }
}

fn coerce_format(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    Ok(vec![
        timestamp_like(&args[0], "the value")?,
        text(&args[1], "the pattern")?,
    ])
}

fn coerce_part(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    let source = match &args[1] {
        // Weir's `date - date` is a number of days.
        t if t.is_integer() => DataType::Int64,
        DataType::Duration(_) => DataType::Duration(TimeUnit::Microsecond),
        DataType::Interval(_) => DataType::Interval(IntervalUnit::MonthDayNano),
        other => timestamp_like(other, "the source")?,
    };
    Ok(vec![text(&args[0], "the field")?, source])
}

fn coerce_add(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 3, 3)?;
    Ok(vec![
        text(&args[0], "the unit")?,
        int(&args[1], "the quantity")?,
        timestamp_like(&args[2], "the timestamp")?,
    ])
}

fn coerce_diff(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 3, 3)?;
    Ok(vec![
        text(&args[0], "the unit")?,
        timestamp_like(&args[1], "the start")?,
        timestamp_like(&args[2], "the end")?,
    ])
}

fn coerce_trunc(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    Ok(vec![
        date_like(&args[0], "the date")?,
        text(&args[1], "the format")?,
    ])
}

fn coerce_date_trunc(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    Ok(vec![
        text(&args[0], "the format")?,
        timestamp_like(&args[1], "the timestamp")?,
    ])
}

fn coerce_zone(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    Ok(vec![
        timestamp_like(&args[0], "the timestamp")?,
        text(&args[1], "the zone")?,
    ])
}

fn check_format(args: &[Option<&ScalarValue>]) -> std::result::Result<(), String> {
    match literal_text(args.get(1).copied().flatten()) {
        Some(p) => Format::new(p)
            .map(|_| ())
            .map_err(|e| format!("invalid datetime pattern '{p}': {e}")),
        None => Ok(()),
    }
}

/// Each value as microseconds since the epoch.
fn micros(array: &ArrayRef, function: &str) -> Result<Vec<Option<i64>>> {
    Ok(convert::micros(array, function)?.iter().collect())
}

fn date_format(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let values = micros(&args[0], "date_format")?;
    let patterns = convert::strings(&args[1], "date_format")?;
    let mut compiled: Option<(String, Format)> = None;
    let mut out = StringBuilder::new();
    for (i, value) in values.into_iter().enumerate() {
        let (Some(value), false) = (value, patterns.is_null(i)) else {
            out.append_null();
            continue;
        };
        let pattern = patterns.value(i);
        if compiled.as_ref().is_none_or(|(p, _)| p != pattern) {
            let format = Format::new(pattern).map_err(|e| {
                exec_datafusion_err!("date_format: invalid datetime pattern '{pattern}': {e}")
            })?;
            compiled = Some((pattern.to_string(), format));
        }
        match (&compiled, convert::datetime_of(value)) {
            (Some((_, format)), Some(at)) => out.append_value(format.format(at)),
            _ => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

/// A field of `date_part`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Year,
    YearOfWeek,
    Quarter,
    Month,
    Week,
    Day,
    DayOfWeek,
    DayOfWeekIso,
    DayOfYear,
    Hour,
    Minute,
    Second,
}

impl Part {
    fn named(name: &str) -> std::result::Result<Self, String> {
        Ok(match name.trim().to_ascii_uppercase().as_str() {
            "YEAR" | "Y" | "YEARS" | "YR" | "YRS" => Self::Year,
            "YEAROFWEEK" => Self::YearOfWeek,
            "QUARTER" | "QTR" => Self::Quarter,
            "MONTH" | "MON" | "MONS" | "MONTHS" => Self::Month,
            "WEEK" | "W" | "WEEKS" => Self::Week,
            "DAY" | "D" | "DAYS" => Self::Day,
            "DAYOFWEEK" | "DOW" => Self::DayOfWeek,
            "DAYOFWEEK_ISO" | "DOW_ISO" => Self::DayOfWeekIso,
            "DOY" => Self::DayOfYear,
            "HOUR" | "H" | "HOURS" | "HR" | "HRS" => Self::Hour,
            "MINUTE" | "M" | "MIN" | "MINS" | "MINUTES" => Self::Minute,
            "SECOND" | "S" | "SEC" | "SECONDS" | "SECS" => Self::Second,
            _ => {
                return Err(format!(
                    "the field '{name}' cannot be extracted from a date or timestamp"
                ))
            }
        })
    }

    fn of(self, at: NaiveDateTime) -> i64 {
        i64::from(match self {
            Self::Year => at.year(),
            Self::YearOfWeek => at.iso_week().year(),
            Self::Quarter => at.month0() as i32 / 3 + 1,
            Self::Month => at.month() as i32,
            Self::Week => at.iso_week().week() as i32,
            Self::Day => at.day() as i32,
            Self::DayOfWeek => at.weekday().num_days_from_sunday() as i32 + 1,
            Self::DayOfWeekIso => at.weekday().number_from_monday() as i32,
            Self::DayOfYear => at.ordinal() as i32,
            Self::Hour => at.hour() as i32,
            Self::Minute => at.minute() as i32,
            Self::Second => {
                return i64::from(at.second()) * MICROS_PER_SECOND
                    + i64::from(at.nanosecond() / 1000 % 1_000_000)
            }
        })
    }
}

fn check_field(args: &[Option<&ScalarValue>]) -> std::result::Result<(), String> {
    match literal_text(args.first().copied().flatten()) {
        Some(field) => Part::named(field).map(|_| ()),
        None => Err("the field must be a string literal".into()),
    }
}

fn part_type(
    types: &[DataType],
    args: &[Option<&ScalarValue>],
) -> std::result::Result<DataType, String> {
    let interval = matches!(
        types.get(1),
        Some(DataType::Duration(_) | DataType::Interval(_) | DataType::Int64)
    );
    match literal_text(args.first().copied().flatten()).map(Part::named) {
        Some(Ok(Part::Second)) => Ok(SECONDS),
        // Spark's hours, minutes and months of an interval are bytes.
        Some(Ok(Part::Hour | Part::Minute | Part::Month)) if interval => Ok(DataType::Int8),
        Some(Ok(part)) if interval && !part.of_interval() => {
            Err(format!("{part:?} cannot be extracted from an interval"))
        }
        Some(Ok(_)) => Ok(DataType::Int32),
        Some(Err(e)) => Err(e),
        None => Err("the field must be a string literal".into()),
    }
}

impl Part {
    fn of_interval(self) -> bool {
        matches!(
            self,
            Self::Year | Self::Month | Self::Day | Self::Hour | Self::Minute | Self::Second
        )
    }

    /// The field of an interval of `months`, `days` and `micros` (Spark's `ExtractInterval…`:
    /// each field truncated toward zero; seconds with their fraction in microseconds).
    fn of_span(self, months: i64, days: i64, micros: i64) -> i64 {
        const HOUR: i64 = 3600 * MICROS_PER_SECOND;
        match self {
            Self::Year => months / 12,
            Self::Month => months % 12,
            Self::Day => days + micros / MICROS_PER_DAY,
            Self::Hour => micros % MICROS_PER_DAY / HOUR,
            Self::Minute => micros % HOUR / (60 * MICROS_PER_SECOND),
            _ => micros % (60 * MICROS_PER_SECOND),
        }
    }
}

/// The `(months, days, micros)` of each interval or duration (a number is days).
fn spans(array: &ArrayRef) -> Result<Vec<Option<(i64, i64, i64)>>> {
    Ok(match array.data_type() {
        DataType::Int64 => convert::longs(array, "date_part")?
            .iter()
            .map(|v| v.map(|days| (0, days, 0)))
            .collect(),
        DataType::Duration(_) => {
            let micros = convert::cast_safe(array, &DataType::Duration(TimeUnit::Microsecond))?;
            micros
                .as_primitive::<DurationMicrosecondType>()
                .iter()
                .map(|v| v.map(|us| (0, 0, us)))
                .collect()
        }
        _ => {
            let intervals =
                convert::cast_safe(array, &DataType::Interval(IntervalUnit::MonthDayNano))?;
            intervals
                .as_primitive::<IntervalMonthDayNanoType>()
                .iter()
                .map(|v| v.map(|i| (i64::from(i.months), i64::from(i.days), i.nanoseconds / 1000)))
                .collect()
        }
    })
}

fn date_part(args: &[ArrayRef], _: usize, to: &DataType) -> Result<ArrayRef> {
    let fields = convert::strings(&args[0], "date_part")?;
    let interval = matches!(
        args[1].data_type(),
        DataType::Duration(_) | DataType::Interval(_) | DataType::Int64
    );
    let (values, spans) = match interval {
        true => (Vec::new(), spans(&args[1])?),
        false => (micros(&args[1], "date_part")?, Vec::new()),
    };
    let mut parts = Vec::with_capacity(fields.len());
    for i in 0..fields.len() {
        if fields.is_null(i) {
            parts.push(None);
            continue;
        }
        let part =
            Part::named(fields.value(i)).map_err(|e| exec_datafusion_err!("date_part: {e}"))?;
        parts.push(match interval {
            true => spans[i].map(|(m, d, us)| part.of_span(m, d, us)),
            false => values[i]
                .and_then(convert::datetime_of)
                .map(|at| part.of(at)),
        });
    }
    Ok(match to {
        DataType::Int8 => Arc::new(
            parts
                .into_iter()
                .map(|v| v.and_then(|v| i8::try_from(v).ok()))
                .collect::<Int8Array>(),
        ),
        DataType::Decimal128(..) => Arc::new(
            parts
                .into_iter()
                .map(|v| v.map(i128::from))
                .collect::<Decimal128Array>()
                .with_precision_and_scale(8, 6)?,
        ),
        _ => Arc::new(
            parts
                .into_iter()
                .map(|v| v.and_then(|v| i32::try_from(v).ok()))
                .collect::<Int32Array>(),
        ),
    })
}

/// A unit of `timestampadd` and `timestampdiff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// A fixed number of microseconds.
    Micros(i64),
    Day,
    Week,
    /// A number of months.
    Months(i64),
}

impl Unit {
    fn named(name: &str) -> std::result::Result<Self, String> {
        Ok(match name.trim().to_ascii_uppercase().as_str() {
            "MICROSECOND" => Self::Micros(1),
            "MILLISECOND" => Self::Micros(1000),
            "SECOND" => Self::Micros(MICROS_PER_SECOND),
            "MINUTE" => Self::Micros(60 * MICROS_PER_SECOND),
            "HOUR" => Self::Micros(3600 * MICROS_PER_SECOND),
            "DAY" | "DAYOFYEAR" => Self::Day,
            "WEEK" => Self::Week,
            "MONTH" => Self::Months(1),
            "QUARTER" => Self::Months(3),
            "YEAR" => Self::Months(12),
            _ => return Err(format!("invalid unit '{name}': expects one of MICROSECOND, MILLISECOND, SECOND, MINUTE, HOUR, DAY, DAYOFYEAR, WEEK, MONTH, QUARTER, YEAR")),
        })
    }

    fn add(self, micros: i64, n: i64) -> Option<i64> {
        match self {
            Self::Micros(unit) => micros.checked_add(n.checked_mul(unit)?),
            Self::Day => micros.checked_add(n.checked_mul(MICROS_PER_DAY)?),
            Self::Week => micros.checked_add(n.checked_mul(7 * MICROS_PER_DAY)?),
            Self::Months(unit) => {
                let at = convert::datetime_of(micros)?;
                let months = n.checked_mul(unit)?;
                let date = add_months(at.date(), months)?;
                Some(date.and_time(at.time()).and_utc().timestamp_micros())
            }
        }
    }

    /// Whole units from `start` to `end`, as `ChronoUnit.between` counts them.
    fn between(self, start: i64, end: i64) -> Option<i64> {
        let (a, b) = (convert::datetime_of(start)?, convert::datetime_of(end)?);
        // Date-based units count whole days of the end's date that the times allow.
        let mut end_date = b.date();
        if end_date > a.date() && b.time() < a.time() {
            end_date = end_date.pred_opt()?;
        } else if end_date < a.date() && b.time() > a.time() {
            end_date = end_date.succ_opt()?;
        }
        let days = (end_date - a.date()).num_days();
        Some(match self {
            Self::Micros(unit) => end.checked_sub(start)? / unit,
            Self::Day => days,
            Self::Week => days / 7,
            Self::Months(unit) => {
                let packed = |d: NaiveDate| {
                    (i64::from(d.year()) * 12 + i64::from(d.month0())) * 32 + i64::from(d.day())
                };
                (packed(end_date) - packed(a.date())) / 32 / unit
            }
        })
    }
}

/// `date` plus `months`, the day clamped to the end of the month.
fn add_months(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    let total = i64::from(date.year()) * 12 + i64::from(date.month0()) + months;
    let (year, month0) = (
        i32::try_from(total.div_euclid(12)).ok()?,
        total.rem_euclid(12) as u32,
    );
    let first = NaiveDate::from_ymd_opt(year, month0 + 1, 1)?;
    let next = add_month_start(first)?;
    let last_day = (next - first).num_days() as u32;
    NaiveDate::from_ymd_opt(year, month0 + 1, date.day().min(last_day))
}

fn add_month_start(first: NaiveDate) -> Option<NaiveDate> {
    match first.month() {
        12 => NaiveDate::from_ymd_opt(first.year() + 1, 1, 1),
        m => NaiveDate::from_ymd_opt(first.year(), m + 1, 1),
    }
}

fn check_unit(args: &[Option<&ScalarValue>]) -> std::result::Result<(), String> {
    match literal_text(args.first().copied().flatten()) {
        Some(unit) => Unit::named(unit).map(|_| ()),
        None => Err("the unit must be a string literal".into()),
    }
}

fn units(array: &ArrayRef, function: &str) -> Result<Vec<Option<Unit>>> {
    convert::strings(array, function)?
        .iter()
        .map(|u| {
            u.map(Unit::named)
                .transpose()
                .map_err(|e| exec_datafusion_err!("{function}: {e}"))
        })
        .collect()
}

fn timestamp_add(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let units = units(&args[0], "timestampadd")?;
    let quantities = convert::longs(&args[1], "timestampadd")?;
    let values = micros(&args[2], "timestampadd")?;
    let out: Vec<Option<i64>> = (0..values.len())
        .map(|i| {
            let (unit, n, value) = (
                units[i]?,
                quantities.is_valid(i).then(|| quantities.value(i))?,
                values[i]?,
            );
            unit.add(value, n)
        })
        .collect();
    Ok(convert::timestamp_array(out))
}

fn timestamp_diff(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let units = units(&args[0], "timestampdiff")?;
    let starts = micros(&args[1], "timestampdiff")?;
    let ends = micros(&args[2], "timestampdiff")?;
    let out: Int64Array = (0..starts.len())
        .map(|i| units[i]?.between(starts[i]?, ends[i]?))
        .collect();
    Ok(Arc::new(out))
}

/// The first day of the period `format` names that holds `date`, if it names one.
fn truncate_date(date: NaiveDate, format: &str) -> Option<NaiveDate> {
    match format.trim().to_ascii_uppercase().as_str() {
        "YEAR" | "YYYY" | "YY" => NaiveDate::from_ymd_opt(date.year(), 1, 1),
        "QUARTER" => NaiveDate::from_ymd_opt(date.year(), date.month0() / 3 * 3 + 1, 1),
        "MONTH" | "MON" | "MM" => NaiveDate::from_ymd_opt(date.year(), date.month(), 1),
        "WEEK" => date.checked_sub_signed(Duration::days(i64::from(
            date.weekday().num_days_from_monday(),
        ))),
        _ => None,
    }
}

fn trunc(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let days = convert::days(&args[0], "trunc")?;
    let formats = convert::strings(&args[1], "trunc")?;
    let out: Date32Array = days
        .iter()
        .zip(formats.iter())
        .map(|(d, f)| {
            let date = truncate_date(convert::date_of(d?)?, f?)?;
            Some(convert::epoch_days(date))
        })
        .collect();
    Ok(Arc::new(out))
}

/// The start of the period `format` names that holds `at` (`date_trunc`), if it names one.
fn truncate_timestamp(at: NaiveDateTime, format: &str) -> Option<NaiveDateTime> {
    let micros = at.nanosecond() / 1000 % 1_000_000;
    let date = at.date();
    Some(match format.trim().to_ascii_uppercase().as_str() {
        "MICROSECOND" => return Some(at),
        "MILLISECOND" => at.with_nanosecond(micros / 1000 * 1_000_000)?,
        "SECOND" => at.with_nanosecond(0)?,
        "MINUTE" => at.with_nanosecond(0)?.with_second(0)?,
        "HOUR" => date.and_hms_opt(at.hour(), 0, 0)?,
        "DAY" | "DD" => date.and_hms_opt(0, 0, 0)?,
        other => truncate_date(date, other)?.and_hms_opt(0, 0, 0)?,
    })
}

fn date_trunc(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let formats = convert::strings(&args[0], "date_trunc")?;
    let values = micros(&args[1], "date_trunc")?;
    let out = formats.iter().zip(values).map(|(format, value)| {
        let at = convert::datetime_of(value?)?;
        Some(
            truncate_timestamp(at, format?)?
                .and_utc()
                .timestamp_micros(),
        )
    });
    Ok(convert::timestamp_array(out))
}

/// Java's short zone ids (`ZoneId.SHORT_IDS`), which Spark accepts.
const SHORT_IDS: [(&str, &str); 28] = [
    ("ACT", "Australia/Darwin"),
    ("AET", "Australia/Sydney"),
    ("AGT", "America/Argentina/Buenos_Aires"),
    ("ART", "Africa/Cairo"),
    ("AST", "America/Anchorage"),
    ("BET", "America/Sao_Paulo"),
    ("BST", "Asia/Dhaka"),
    ("CAT", "Africa/Harare"),
    ("CNT", "America/St_Johns"),
    ("CST", "America/Chicago"),
    ("CTT", "Asia/Shanghai"),
    ("EAT", "Africa/Addis_Ababa"),
    ("ECT", "Europe/Paris"),
    ("IET", "America/Indiana/Indianapolis"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("MIT", "Pacific/Apia"),
    ("NET", "Asia/Yerevan"),
    ("NST", "Pacific/Auckland"),
    ("PLT", "Asia/Karachi"),
    ("PNT", "America/Phoenix"),
    ("PRT", "America/Puerto_Rico"),
    ("PST", "America/Los_Angeles"),
    ("SST", "Pacific/Guadalcanal"),
    ("VST", "Asia/Ho_Chi_Minh"),
    ("EST", "-05:00"),
    ("MST", "-07:00"),
    ("HST", "-10:00"),
];

/// A time zone as Spark names them: a region (`Europe/Paris`), an offset (`+05:30`), `UTC`,
/// `Z`, an offset from `UTC`/`GMT` (`GMT+1`), or one of Java's short ids (`PST`).
fn zone(name: &str) -> std::result::Result<Tz, String> {
    let name = name.trim();
    let name = SHORT_IDS
        .iter()
        .find(|(short, _)| *short == name)
        .map_or(name, |(_, id)| *id);
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    if let Some(seconds) = convert::zone_offset(name) {
        let hours = seconds / 3600;
        let minutes = (seconds.abs() % 3600) / 60;
        let offset = format!(
            "{}{:02}:{minutes:02}",
            if seconds < 0 { '-' } else { '+' },
            hours.abs()
        );
        if let Ok(tz) = offset.parse::<Tz>() {
            return Ok(tz);
        }
    }
    Err(format!("unknown time zone '{name}'"))
}

fn check_zone(args: &[Option<&ScalarValue>]) -> std::result::Result<(), String> {
    match literal_text(args.get(1).copied().flatten()) {
        Some(name) => zone(name).map(|_| ()),
        None => Ok(()),
    }
}

/// The wall time in `tz` of the UTC time `at`.
fn utc_to_local(at: NaiveDateTime, tz: &Tz) -> NaiveDateTime {
    at + Duration::seconds(i64::from(
        tz.offset_from_utc_datetime(&at).fix().local_minus_utc(),
    ))
}

/// The UTC time of the wall time `local` in `tz`, as Java's `LocalDateTime.atZone` resolves
/// it.
fn local_to_utc(local: NaiveDateTime, tz: &Tz) -> Option<NaiveDateTime> {
    let offset = match tz.offset_from_local_datetime(&local) {
        LocalResult::Single(o) => o.fix(),
        LocalResult::Ambiguous(earlier, later) => {
            // The earlier offset is the one in force before the transition: the larger.
            let (a, b) = (earlier.fix(), later.fix());
            if a.local_minus_utc() >= b.local_minus_utc() {
                a
            } else {
                b
            }
        }
        // In a gap: the offset before it, which moves the time forward by the gap.
        LocalResult::None => tz
            .offset_from_local_datetime(&(local - Duration::days(1)))
            .earliest()?
            .fix(),
    };
    Some(local - Duration::seconds(i64::from(offset.local_minus_utc())))
}

fn shift_zone(args: &[ArrayRef], from_utc: bool) -> Result<ArrayRef> {
    let function = match from_utc {
        true => "from_utc_timestamp",
        false => "to_utc_timestamp",
    };
    let values = micros(&args[0], function)?;
    let zones = convert::strings(&args[1], function)?;
    let mut last: Option<(String, Tz)> = None;
    let mut out = Vec::with_capacity(values.len());
    for (i, value) in values.into_iter().enumerate() {
        let (Some(value), false) = (value, zones.is_null(i)) else {
            out.push(None);
            continue;
        };
        let name = zones.value(i);
        if last.as_ref().is_none_or(|(n, _)| n != name) {
            let tz = zone(name).map_err(|e| exec_datafusion_err!("{function}: {e}"))?;
            last = Some((name.to_string(), tz));
        }
        let Some((_, tz)) = &last else {
            return exec_err!("{function}: no time zone");
        };
        let shifted = convert::datetime_of(value).and_then(|at| match from_utc {
            true => Some(utc_to_local(at, tz)),
            false => local_to_utc(at, tz),
        });
        out.push(shifted.map(|t| t.and_utc().timestamp_micros()));
    }
    Ok(convert::timestamp_array(out))
}

#[cfg(test)]
mod tests {
    use super::{
        add_months, local_to_utc, truncate_date, truncate_timestamp, utc_to_local, zone, Part, Unit,
    };
    use chrono::{NaiveDate, NaiveDateTime};

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn micros(s: &str) -> i64 {
        at(s).and_utc().timestamp_micros()
    }

    #[test]
    fn fields_follow_spark() {
        let t = at("2024-12-30 01:02:03");
        assert_eq!(Part::named("yearofweek").unwrap().of(t), 2025);
        assert_eq!(Part::named("WEEK").unwrap().of(t), 1);
        assert_eq!(Part::named("dow").unwrap().of(t), 2);
        assert_eq!(Part::named("DOW_ISO").unwrap().of(t), 1);
        assert_eq!(Part::named("secs").unwrap().of(t), 3_000_000);
        assert!(Part::named("fortnight").is_err());
    }

    #[test]
    fn units_add_and_count_as_java() {
        let month = Unit::named("MONTH").unwrap();
        assert_eq!(
            month.add(micros("2024-01-31 10:00:00"), 1),
            Some(micros("2024-02-29 10:00:00"))
        );
        assert_eq!(
            month.between(micros("2024-01-31 00:00:00"), micros("2024-02-29 00:00:00")),
            Some(0)
        );
        assert_eq!(
            month.between(micros("2024-01-31 00:00:00"), micros("2023-12-31 00:00:00")),
            Some(-1)
        );
        let hour = Unit::named("hour").unwrap();
        assert_eq!(
            hour.between(micros("2024-01-01 00:00:00"), micros("2023-12-31 23:59:59")),
            Some(0)
        );
        let day = Unit::named("DAY").unwrap();
        assert_eq!(
            day.between(micros("2024-01-01 12:00:00"), micros("2024-01-02 11:00:00")),
            Some(0)
        );
        assert_eq!(
            add_months(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(), -12),
            NaiveDate::from_ymd_opt(2023, 2, 28)
        );
        assert!(Unit::named("fortnight").is_err());
    }

    #[test]
    fn trunc_knows_spark_formats_only() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(truncate_date(d, "yy"), NaiveDate::from_ymd_opt(2024, 1, 1));
        assert_eq!(
            truncate_date(d, "WEEK"),
            NaiveDate::from_ymd_opt(2024, 2, 26)
        );
        assert_eq!(
            truncate_date(d, "quarter"),
            NaiveDate::from_ymd_opt(2024, 1, 1)
        );
        assert_eq!(truncate_date(d, "bogus"), None);
        let t = NaiveDateTime::parse_from_str("2024-05-19 10:11:12.345678", "%Y-%m-%d %H:%M:%S%.f")
            .unwrap();
        let truncated = |f: &str| truncate_timestamp(t, f).map(|t| t.to_string());
        assert_eq!(
            truncated("MILLISECOND").as_deref(),
            Some("2024-05-19 10:11:12.345")
        );
        assert_eq!(truncated("minute").as_deref(), Some("2024-05-19 10:11:00"));
        assert_eq!(truncated("dd").as_deref(), Some("2024-05-19 00:00:00"));
        assert_eq!(truncated("WEEK").as_deref(), Some("2024-05-13 00:00:00"));
        assert_eq!(truncated("bogus"), None);
    }

    #[test]
    fn zones_resolve_wall_times_as_java() {
        let paris = zone("Europe/Paris").unwrap();
        // Before the autumn transition: summer time.
        assert_eq!(
            local_to_utc(at("2024-10-27 01:30:00"), &paris),
            Some(at("2024-10-26 23:30:00"))
        );
        // Repeated hour: the earlier (summer) offset.
        assert_eq!(
            local_to_utc(at("2024-10-27 02:30:00"), &paris),
            Some(at("2024-10-27 00:30:00"))
        );
        // Skipped hour: moved forward by the gap.
        assert_eq!(
            local_to_utc(at("2024-03-31 02:30:00"), &paris),
            Some(at("2024-03-31 01:30:00"))
        );
        let ny = zone("America/New_York").unwrap();
        assert_eq!(
            utc_to_local(at("2024-03-10 02:30:00"), &ny),
            at("2024-03-09 21:30:00")
        );
        assert_eq!(
            utc_to_local(at("2024-01-01 00:00:00"), &zone("+05:30").unwrap()),
            at("2024-01-01 05:30:00")
        );
        assert_eq!(
            local_to_utc(at("2024-07-01 12:00:00"), &zone("PST").unwrap()),
            Some(at("2024-07-01 19:00:00"))
        );
        assert_eq!(
            utc_to_local(at("2024-07-01 12:00:00"), &zone("EST").unwrap()),
            at("2024-07-01 07:00:00")
        );
        assert_eq!(
            utc_to_local(at("2024-07-01 12:00:00"), &zone("UTC+3").unwrap()),
            at("2024-07-01 15:00:00")
        );
        assert!(zone("Mars/Olympus").is_err());
    }
}
