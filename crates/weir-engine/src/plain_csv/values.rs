//! Fast readings of the most common spellings of integers, decimals and dates. Each returns
//! `None` for anything else, which the caller then reads with Arrow's parser: a value these
//! accept reads exactly as Arrow's CSV reader reads it.

/// `-?[0-9]{1,18}`.
#[inline]
pub(super) fn int(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let value = digits_value(digits)? as i64;
    Some(if negative { -value } else { value })
}

/// `-?[0-9]+(\.[0-9]{1,scale})?` as a decimal of `scale` with at most `integer_digits` digits
/// before the point, when it fits 18 digits in all; the unscaled value.
#[inline]
pub(super) fn decimal(text: &[u8], scale: u8, integer_digits: usize) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (whole, fraction) = match digits.iter().position(|&b| b == b'.') {
        Some(dot) => (&digits[..dot], Some(&digits[dot + 1..])),
        None => (digits, None),
    };
    let scale = scale as usize;
    if whole.is_empty() || whole.len() > integer_digits || whole.len() + scale > 18 {
        return None;
    }
    let mut value = digits_value(whole)?;
    let mut fraction_len = 0;
    if let Some(fraction) = fraction {
        if fraction.is_empty() || fraction.len() > scale {
            return None;
        }
        value = value * POWERS[fraction.len()] + digits_value(fraction)?;
        fraction_len = fraction.len();
    }
    let value = (value * POWERS[scale - fraction_len]) as i64;
    Some(if negative { -value } else { value })
}

/// `YYYY-MM-DD` of a real day, year 1000 to 9999, as days since 1970-01-01.
#[inline]
pub(super) fn date(text: &[u8]) -> Option<i32> {
    if text.len() != 10 || text[4] != b'-' || text[7] != b'-' || text[0] == b'0' {
        return None;
    }
    let year = digits_value(&text[..4])? as i32;
    let month = digits_value(&text[5..7])? as u32;
    let day = digits_value(&text[8..])? as u32;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_since_epoch(year, month, day))
}

const POWERS: [u64; 19] = {
    let mut p = [1u64; 19];
    let mut i = 1;
    while i < 19 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// The value of at most 19 ASCII digits; `None` if any byte is not a digit.
#[inline]
fn digits_value(digits: &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value * 10 + d as u64;
    }
    Some(value)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a day of the proleptic Gregorian calendar, counting in 400-year
/// eras of years that start in March (so that the leap day ends a year).
fn days_since_epoch(year: i32, month: u32, day: u32) -> i32 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year as i32;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::compute::kernels::cast_utils::{parse_decimal, Parser};
    use datafusion::arrow::datatypes::{Date32Type, Decimal128Type, Int64Type};

    #[test]
    fn dates_read_as_arrow_reads_them() {
        // Every day from 1000-01-01 to 9999-12-31 (with the days around month ends that do
        // not exist), each against Arrow's parser.
        for year in (1000..=9999).step_by(7).chain([1900, 2000, 2024, 2100]) {
            for month in 1..=12 {
                for day in 1..=31 {
                    let text = format!("{year:04}-{month:02}-{day:02}");
                    let ours = date(text.as_bytes());
                    let arrows = Date32Type::parse(&text);
                    assert_eq!(ours, arrows, "{text}");
                }
            }
        }
        for other in [
            "0999-01-01",
            "2020-1-05",
            "2020-01-5",
            "2020/01/05",
            "2020-13-01",
            "x",
        ] {
            assert_eq!(date(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn decimals_read_as_arrow_reads_them() {
        let cases = [
            "0",
            "17",
            "17.00",
            "17.5",
            "-17.05",
            "-0.00",
            "99999999999999.99",
            "21168.23",
            "1.239",
            "+1.00",
            ".5",
            "1.",
            "1e3",
            "",
            "-",
            "1.2.3",
            "123456789012345.67",
        ];
        for text in cases {
            let ours = decimal(text.as_bytes(), 2, 13);
            if let Some(v) = ours {
                assert_eq!(
                    parse_decimal::<Decimal128Type>(text, 15, 2).ok(),
                    Some(v as i128),
                    "{text}"
                );
            }
        }
        assert_eq!(decimal(b"17.5", 2, 13), Some(1750));
        assert_eq!(decimal(b"-0.04", 2, 13), Some(-4));
        assert_eq!(decimal(b"12", 0, 18), Some(12));
        // Left to Arrow: more digits than the scale, a sign, no digits before the point, too
        // many digits before it.
        for other in ["1.239", "+1.00", ".5", "1.", "12345678901234.00", "1e3"] {
            assert_eq!(decimal(other.as_bytes(), 2, 13), None, "{other}");
        }
    }

    #[test]
    fn integers_read_as_arrow_reads_them() {
        for text in [
            "0",
            "-0",
            "42",
            "-155190",
            "999999999999999999",
            "-999999999999999999",
        ] {
            assert_eq!(int(text.as_bytes()), Int64Type::parse(text), "{text}");
        }
        for other in ["+1", "1.0", " 1", "", "-", "9999999999999999999", "1a"] {
            assert_eq!(int(other.as_bytes()), None, "{other}");
        }
    }
}
