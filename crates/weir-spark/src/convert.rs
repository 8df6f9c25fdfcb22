//! Spark's conversions of values, shared by the functions in this module: text to a date or a
//! timestamp (Spark's `CAST` rules), text to an integer, any date-like column to days or
//! microseconds. Weir's session time zone is UTC, so a timestamp's date is its UTC date.
//! Invalid text gives NULL, as in Spark without ANSI mode (Glue's default).

use std::sync::Arc;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Int32Array, Int64Array, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Date64Type, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use datafusion::common::{exec_err, Result};

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Is the type text (`Utf8`, `LargeUtf8`, `Utf8View`)?
pub fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Is the type one Spark turns into a date (text, date, timestamp)?
pub fn is_date_like(t: &DataType) -> bool {
    is_string(t)
        || matches!(
            t,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
        )
}

/// Safe arrow cast: NULL where a value does not convert.
pub fn cast_safe(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    let options = CastOptions {
        safe: true,
        ..Default::default()
    };
    Ok(cast_with_options(array, to, &options)?)
}

/// Any text column as `Utf8`.
pub fn strings(array: &ArrayRef, function: &str) -> Result<StringArray> {
    match array.data_type() {
        DataType::Utf8 => Ok(array.as_string::<i32>().clone()),
        DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
            Ok(cast_safe(array, &DataType::Utf8)?
                .as_string::<i32>()
                .clone())
        }
        other => exec_err!("{function}: expected text, got {other}"),
    }
}

/// Spark's trim before parsing: whitespace and control characters at both ends.
pub fn trim_all(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c.is_control())
}

/// Days since the epoch of each value: text by Spark's `CAST(… AS DATE)`, timestamps by their
/// (UTC) date.
pub fn days(array: &ArrayRef, function: &str) -> Result<Date32Array> {
    Ok(match array.data_type() {
        DataType::Date32 => array.as_primitive::<Date32Type>().clone(),
        DataType::Date64 => array
            .as_primitive::<Date64Type>()
            .unary(|ms| ms.div_euclid(86_400_000) as i32),
        DataType::Timestamp(..) => {
            micros(array, function)?.unary(|us| us.div_euclid(MICROS_PER_DAY) as i32)
        }
        DataType::Null => Date32Array::new_null(array.len()),
        t if is_string(t) => strings(array, function)?
            .iter()
            .map(|s| s.and_then(string_to_date))
            .collect(),
        other => return exec_err!("{function}: cannot read a date from {other}"),
    })
}

/// Microseconds since the epoch of each value: text by Spark's `CAST(… AS TIMESTAMP)`, dates at
/// midnight.
pub fn micros(array: &ArrayRef, function: &str) -> Result<TimestampMicrosecondArray> {
    let out: TimestampMicrosecondArray = match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => array
            .as_primitive::<TimestampSecondType>()
            .unary_opt(|s| s.checked_mul(MICROS_PER_SECOND)),
        DataType::Timestamp(TimeUnit::Millisecond, _) => array
            .as_primitive::<TimestampMillisecondType>()
            .unary_opt(|ms| ms.checked_mul(1000)),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            array.as_primitive::<TimestampMicrosecondType>().clone()
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => array
            .as_primitive::<TimestampNanosecondType>()
            .unary(|ns| ns.div_euclid(1000)),
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .unary_opt(|d| i64::from(d).checked_mul(MICROS_PER_DAY)),
        DataType::Date64 => array
            .as_primitive::<Date64Type>()
            .unary_opt(|ms| ms.checked_mul(1000)),
        DataType::Null => TimestampMicrosecondArray::new_null(array.len()),
        t if is_string(t) => strings(array, function)?
            .iter()
            .map(|s| s.and_then(string_to_timestamp))
            .collect(),
        other => return exec_err!("{function}: cannot read a timestamp from {other}"),
    };
    Ok(out.with_timezone_opt(None::<String>))
}

/// Each value as an `int`, as Spark casts it implicitly: integers and decimals by value (NULL
/// when out of range), text by Spark's rules ([`parse_long`]).
pub fn ints(array: &ArrayRef, function: &str) -> Result<Int32Array> {
    match array.data_type() {
        t if is_string(t) => Ok(strings(array, function)?
            .iter()
            .map(|s| s.and_then(parse_long).and_then(|v| i32::try_from(v).ok()))
            .collect()),
        t if t.is_numeric() || t.is_null() => {
            Ok(cast_safe(array, &DataType::Int32)?.as_primitive().clone())
        }
        other => exec_err!("{function}: expected an integer, got {other}"),
    }
}

/// Each value as a `bigint`, as [`ints`].
pub fn longs(array: &ArrayRef, function: &str) -> Result<Int64Array> {
    match array.data_type() {
        t if is_string(t) => Ok(strings(array, function)?
            .iter()
            .map(|s| s.and_then(parse_long))
            .collect()),
        t if t.is_numeric() || t.is_null() => {
            Ok(cast_safe(array, &DataType::Int64)?.as_primitive().clone())
        }
        other => exec_err!("{function}: expected an integer, got {other}"),
    }
}

/// Spark's text to integer: trimmed, an optional sign, digits, and an optional fraction that is
/// dropped (`"1.9"` is 1, `".5"` is 0); anything else, or an overflow, is `None`.
pub fn parse_long(s: &str) -> Option<i64> {
    let s = trim_all(s).as_bytes();
    let (negative, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let (whole, fraction) = match digits.iter().position(|&b| b == b'.') {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &digits[digits.len()..]),
    };
    if !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Accumulate negatively so that i64::MIN parses.
    let mut value: i64 = 0;
    for &b in whole {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

/// A text column of Spark's boolean spellings: `t`, `true`, `y`, `yes`, `1` and `f`, `false`,
/// `n`, `no`, `0`, trimmed, in any case.
pub fn parse_bool(s: &str) -> Option<bool> {
    match trim_all(s).to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// Days since the epoch of a date.
pub fn epoch_days(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - 719_163
}

/// The date `days` after the epoch.
pub fn date_of(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?)
}

/// The date and time `micros` after the epoch.
pub fn datetime_of(micros: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp_micros(micros).map(|t| t.naive_utc())
}

/// Spark's `CAST(text AS DATE)`: `[+-]yyyy[y…]`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, the last
/// optionally followed by `T` or a space and anything; trimmed; `None` when invalid.
pub fn string_to_date(s: &str) -> Option<i32> {
    let s = trim_all(s).as_bytes();
    let (sign, body) = match s.first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let mut segments = [1i64, 1, 1];
    let mut i = 0;
    let mut value = 0i64;
    let mut digits = 0;
    let valid = |segment: usize, digits: usize| match segment {
        0 => (4..=7).contains(&digits),
        _ => (1..=2).contains(&digits),
    };
    let mut j = 0;
    while j < body.len() && !(body[j] == b' ' || body[j] == b'T') {
        let b = body[j];
        if i < 2 && b == b'-' {
            if !valid(i, digits) {
                return None;
            }
            segments[i] = value;
            value = 0;
            digits = 0;
            i += 1;
        } else if b.is_ascii_digit() {
            value = value * 10 + i64::from(b - b'0');
            digits += 1;
            if digits > 7 {
                return None;
            }
        } else {
            return None;
        }
        j += 1;
    }
    if !valid(i, digits) || (i < 2 && j < body.len()) {
        return None;
    }
    segments[i] = value;
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(sign * segments[0]).ok()?,
        u32::try_from(segments[1]).ok()?,
        u32::try_from(segments[2]).ok()?,
    )?;
    Some(epoch_days(date))
}

/// Spark's `CAST(text AS TIMESTAMP)` in a UTC session: `yyyy[-[m]m[-[d]d]]`, then optionally
/// `T` or a space and `[h]h[:[m]m[:[s]s[.fraction]]]`, then optionally a zone (`Z`, `UTC`,
/// `GMT`, `UT`, each optionally with an offset, or an offset `±h[h][[:]mm[[:]ss]]`); a time
/// alone is today's. Trimmed; `None` when invalid. Region zone names (`Europe/Paris`) are not
/// supported and give `None`.
pub fn string_to_timestamp(s: &str) -> Option<i64> {
    let raw = s;
    let s = trim_all(s).as_bytes();
    if s.is_empty() {
        return None;
    }
    // year, month, day, hour, minute, second, micros
    let mut segments = [1i64, 1, 1, 0, 0, 0, 0];
    let valid = |segment: usize, digits: usize| match segment {
        0 => (4..=6).contains(&digits),
        6 => true,
        _ => (1..=2).contains(&digits),
    };
    let mut i = 0;
    let mut value = 0i64;
    let mut digits = 0usize;
    let mut fraction_digits = 0u32;
    let mut just_time = false;
    let mut zone: Option<&[u8]> = None;
    let mut j = 0;
    let mut year_sign: Option<i64> = None;
    if s[0] == b'-' || s[0] == b'+' {
        year_sign = Some(if s[0] == b'-' { -1 } else { 1 });
        j = 1;
    }
    // Spark checks for a leading `T` at the start of the untrimmed text.
    let leading_t = raw.as_bytes().first() == Some(&b'T');
    while j < s.len() {
        let b = s[j];
        if b.is_ascii_digit() {
            if i == 6 {
                fraction_digits += 1;
            }
            if i != 6 || digits < 6 {
                value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
            }
            digits += 1;
            j += 1;
            continue;
        }
        if j == 0 && b == b'T' && leading_t {
            just_time = true;
            i += 3;
        } else if i < 2 {
            if b == b'-' {
                if !valid(i, digits) {
                    return None;
                }
                segments[i] = value;
                i += 1;
            } else if i == 0 && b == b':' && year_sign.is_none() {
                just_time = true;
                if !valid(3, digits) {
                    return None;
                }
                segments[3] = value;
                i = 4;
            } else {
                return None;
            }
            value = 0;
            digits = 0;
        } else if i == 2 {
            if !(b == b' ' || b == b'T') || !valid(i, digits) {
                return None;
            }
            segments[i] = value;
            value = 0;
            digits = 0;
            i += 1;
        } else if i == 3 || i == 4 {
            if b != b':' || !valid(i, digits) {
                return None;
            }
            segments[i] = value;
            value = 0;
            digits = 0;
            i += 1;
        } else if i == 5 || i == 6 {
            if !valid(i, digits) {
                return None;
            }
            segments[i] = value;
            value = 0;
            digits = 0;
            if b == b'.' && i == 5 {
                i += 1;
            } else {
                zone = Some(&s[j..]);
                i += 1;
                break;
            }
        } else {
            return None;
        }
        j += 1;
    }
    if zone.is_none() {
        if !valid(i, digits) {
            return None;
        }
        segments[i.min(6)] = value;
    }
    if fraction_digits < 6 {
        segments[6] *= 10i64.pow(6 - fraction_digits);
    }
    let offset = match zone {
        Some(z) => zone_offset(std::str::from_utf8(z).ok()?.trim())?,
        None => 0,
    };
    let time = NaiveTime::from_hms_micro_opt(
        u32::try_from(segments[3]).ok()?,
        u32::try_from(segments[4]).ok()?,
        u32::try_from(segments[5]).ok()?,
        u32::try_from(segments[6]).ok()?,
    )?;
    let date = if just_time {
        chrono::Utc::now().date_naive()
    } else {
        NaiveDate::from_ymd_opt(
            i32::try_from(year_sign.unwrap_or(1) * segments[0]).ok()?,
            u32::try_from(segments[1]).ok()?,
            u32::try_from(segments[2]).ok()?,
        )?
    };
    date.and_time(time)
        .and_utc()
        .timestamp_micros()
        .checked_sub(i64::from(offset) * MICROS_PER_SECOND)
}

/// Seconds east of UTC of a zone as Java reads it: `Z`, `UTC`, `GMT`, `UT`, optionally followed
/// by an offset, or an offset `±h`, `±hh`, `±hh:mm`, `±hhmm`, `±hh:mm:ss`, `±hhmmss` (and
/// Spark's `±h:mm`, `±hh:m`); case matters.
pub fn zone_offset(zone: &str) -> Option<i32> {
    if zone == "Z" {
        return Some(0);
    }
    let rest = ["UTC", "GMT", "UT"]
        .iter()
        .find_map(|p| zone.strip_prefix(p))
        .unwrap_or(zone);
    if rest.is_empty() {
        return (rest.len() != zone.len()).then_some(0);
    }
    let (negative, body) = match rest.as_bytes()[0] {
        b'+' => (false, &rest[1..]),
        b'-' => (true, &rest[1..]),
        _ => return None,
    };
    let parts: Vec<&str> = body.split(':').collect();
    let digits_only = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !parts.iter().all(|p| digits_only(p)) {
        return None;
    }
    let num = |p: &str| p.parse::<i32>().ok();
    let (h, m, s) = match parts.as_slice() {
        [p] => match p.len() {
            1 | 2 => (num(p)?, 0, 0),
            4 => (num(&p[..2])?, num(&p[2..])?, 0),
            6 => (num(&p[..2])?, num(&p[2..4])?, num(&p[4..])?),
            _ => return None,
        },
        [h, m] if h.len() <= 2 && m.len() <= 2 => (num(h)?, num(m)?, 0),
        [h, m, s] if h.len() == 2 && m.len() == 2 && s.len() == 2 => (num(h)?, num(m)?, num(s)?),
        _ => return None,
    };
    let total = h * 3600 + m * 60 + s;
    if m > 59 || s > 59 || total > 18 * 3600 {
        return None;
    }
    Some(if negative { -total } else { total })
}

/// An array of `Date32` values.
pub fn date_array(values: impl IntoIterator<Item = Option<i32>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<Date32Array>())
}

/// An array of timestamps (microseconds, no zone).
pub fn timestamp_array(values: impl IntoIterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<TimestampMicrosecondArray>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> i64 {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .map(|t| t.and_utc().timestamp_micros())
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn day(text: &str) -> i32 {
        epoch_days(NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn text_to_date_follows_spark_cast() {
        assert_eq!(string_to_date("2024-03-15"), Some(day("2024-03-15")));
        assert_eq!(string_to_date(" 2024-3-5 "), Some(day("2024-03-05")));
        assert_eq!(
            string_to_date("2024-03-15 10:20:30"),
            Some(day("2024-03-15"))
        );
        assert_eq!(string_to_date("2024-03-15T10:20"), Some(day("2024-03-15")));
        assert_eq!(string_to_date("2024-03"), Some(day("2024-03-01")));
        assert_eq!(string_to_date("2024"), Some(day("2024-01-01")));
        assert_eq!(string_to_date("1970-01-01"), Some(0));
        for bad in [
            "",
            "24-03-15",
            "2024-02-30",
            "2024-03-15x",
            "2024/03/15",
            "2024 03",
            "abc",
            "2024-003-01",
        ] {
            assert_eq!(string_to_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_to_timestamp_follows_spark_cast() {
        assert_eq!(
            string_to_timestamp("2024-03-15 10:20:30"),
            Some(ts("2024-03-15 10:20:30"))
        );
        assert_eq!(
            string_to_timestamp("2024-03-15T10:20:30.5"),
            Some(ts("2024-03-15 10:20:30.5"))
        );
        assert_eq!(
            string_to_timestamp("2024-03-15 10:20:30.123456789"),
            Some(ts("2024-03-15 10:20:30.123456"))
        );
        assert_eq!(
            string_to_timestamp("2024-03-15"),
            Some(ts("2024-03-15 00:00:00"))
        );
        assert_eq!(
            string_to_timestamp("2024-03-15 10:20"),
            Some(ts("2024-03-15 10:20:00"))
        );
        assert_eq!(
            string_to_timestamp("2024-03-15 7"),
            Some(ts("2024-03-15 07:00:00"))
        );
        assert_eq!(
            string_to_timestamp("2024-03-15T10:20:30Z"),
            Some(ts("2024-03-15 10:20:30"))
        );
        assert_eq!(
            string_to_timestamp("2024-03-15T10:20:30+02:00"),
            Some(ts("2024-03-15 08:20:30"))
        );
        assert_eq!(
            string_to_timestamp("2024-03-15 10:20:30.5 UTC-01:30"),
            Some(ts("2024-03-15 11:50:30.5"))
        );
        for bad in [
            "",
            "2024-03-15 25:00:00",
            "2024-03-15 10:20:30 Mars/Base",
            "2024-03-15X",
            "x",
        ] {
            assert_eq!(string_to_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_to_integer_follows_spark_cast() {
        assert_eq!(parse_long(" 42 "), Some(42));
        assert_eq!(parse_long("-7.9"), Some(-7));
        assert_eq!(parse_long(".5"), Some(0));
        assert_eq!(parse_long("-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "-",
            "+",
            "1e3",
            "1.2.3",
            "9223372036854775808",
            "abc",
            "1 2",
        ] {
            assert_eq!(parse_long(bad), None, "{bad}");
        }
    }
}
