//! Hive partition-key types: how values of each type are parsed, compared and indexed.

use std::cmp::Ordering;
use std::fmt;

use crate::IndexValue;

/// How values of a partition key compare, derived from its Hive type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// `tinyint`, `smallint`, `int`, `integer`, `bigint`, `long`: optional sign and digits, compared
    /// exactly (any width).
    Integral,
    /// `decimal(p,s)`, `numeric`, `double`, `float`, `real`: decimal numbers with optional exponent,
    /// compared exactly as decimals (no floating-point rounding).
    Decimal,
    /// `date`: `YYYY-MM-DD`, a valid calendar date.
    Date,
    /// `timestamp`: compared as text after trimming surrounding whitespace.
    Timestamp,
    /// Everything else (`string`, `varchar(n)`, `char(n)`, `boolean`, unknown types): compared as
    /// text, byte by byte, exactly as stored.
    Text,
}

impl KeyKind {
    /// Classifies a Hive type name (case-insensitive; parameters such as `(10,2)` are ignored).
    pub(crate) fn of(type_name: &str) -> KeyKind {
        let base = type_name
            .split('(')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match base.as_str() {
            "tinyint" | "smallint" | "int" | "integer" | "bigint" | "long" | "short" | "byte" => {
                KeyKind::Integral
            }
            "decimal" | "numeric" | "double" | "double precision" | "float" | "real" => {
                KeyKind::Decimal
            }
            "date" => KeyKind::Date,
            "timestamp" => KeyKind::Timestamp,
            _ => KeyKind::Text,
        }
    }

    /// Parses a stored partition value; `None` if it is not a value of this kind.
    pub(crate) fn parse(self, raw: &str) -> Option<Value<'_>> {
        match self {
            KeyKind::Integral => Decimal::parse(raw.trim(), false).map(Value::Number),
            KeyKind::Decimal => Decimal::parse(raw.trim(), true).map(Value::Number),
            KeyKind::Date => Date::parse(raw.trim()).map(Value::Date),
            KeyKind::Timestamp => Some(Value::Text(raw.trim())),
            KeyKind::Text => Some(Value::Text(raw)),
        }
    }

    /// Whether every string is a valid value of this kind (so no comparison is ever "unparseable").
    pub(crate) fn accepts_everything(self) -> bool {
        matches!(self, KeyKind::Timestamp | KeyKind::Text)
    }
}

/// A parsed value of some key kind, borrowing from the text it was parsed from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Text(&'a str),
    Number(Decimal<&'a str>),
    Date(Date),
}

impl Value<'_> {
    /// Compares two values of the same kind (values of different kinds never occur together).
    pub(crate) fn compare(&self, other: &Value<'_>) -> Ordering {
        match (self, other) {
            (Value::Text(a), Value::Text(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a.compare(b),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            // Unreachable by construction: literals are converted to their key's kind.
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Text(_) => 0,
            Value::Number(_) => 1,
            Value::Date(_) => 2,
        }
    }

    /// The value's representation in the SQL partition index.
    pub(crate) fn index_value(&self) -> IndexValue {
        match self {
            Value::Text(text) => IndexValue::Text((*text).to_owned()),
            Value::Number(number) => IndexValue::Number(number.to_f64()),
            Value::Date(date) => IndexValue::Text(date.to_string()),
        }
    }
}

/// A decimal number `[+-] int . frac × 10^exp`, kept as its text (`T` is `&str` or `String`) plus the
/// positions of its parts, and compared exactly without allocating.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decimal<T> {
    text: T,
    negative: bool,
    /// Byte range of the integer digits in `text`.
    int: (usize, usize),
    /// Byte range of the fraction digits in `text`.
    frac: (usize, usize),
    /// Decimal exponent, clamped to ±10^15 so arithmetic with it cannot overflow.
    exp: i64,
}

const EXP_LIMIT: i64 = 1_000_000_000_000_000;

impl<T: AsRef<str>> Decimal<T> {
    /// Parses `[+-] digits [. digits] [e [+-] digits]` (at least one mantissa digit, no surrounding
    /// whitespace). When `fractional` is false only `[+-] digits` is accepted.
    pub(crate) fn parse(text: T, fractional: bool) -> Option<Decimal<T>> {
        let bytes = text.as_ref().as_bytes();
        let digits_from = |start: usize| {
            start
                + bytes[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count()
        };
        let negative = bytes.first() == Some(&b'-');
        let int_start = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
        let int = (int_start, digits_from(int_start));
        let mut pos = int.1;
        let mut frac = (pos, pos);
        let mut exp = 0i64;
        if fractional {
            if bytes.get(pos) == Some(&b'.') {
                frac = (pos + 1, digits_from(pos + 1));
                pos = frac.1;
            }
            if matches!(bytes.get(pos), Some(b'e' | b'E')) {
                let exp_negative = bytes.get(pos + 1) == Some(&b'-');
                let exp_start =
                    pos + 1 + usize::from(matches!(bytes.get(pos + 1), Some(b'-' | b'+')));
                pos = digits_from(exp_start);
                if pos == exp_start {
                    return None;
                }
                let magnitude = bytes[exp_start..pos]
                    .iter()
                    .fold(0i64, |acc, d| {
                        acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
                    })
                    .min(EXP_LIMIT);
                exp = if exp_negative { -magnitude } else { magnitude };
            }
        }
        if pos != bytes.len() || (int.0 == int.1 && frac.0 == frac.1) {
            return None;
        }
        Some(Decimal {
            text,
            negative,
            int,
            frac,
            exp,
        })
    }

    /// A borrowed view of this number.
    pub(crate) fn view(&self) -> Decimal<&str> {
        Decimal {
            text: self.text.as_ref(),
            negative: self.negative,
            int: self.int,
            frac: self.frac,
            exp: self.exp,
        }
    }

    /// All mantissa digits, integer part then fraction.
    fn mantissa(&self) -> impl Iterator<Item = u8> + '_ {
        let bytes = self.text.as_ref().as_bytes();
        bytes[self.int.0..self.int.1]
            .iter()
            .chain(&bytes[self.frac.0..self.frac.1])
            .copied()
    }

    fn is_zero(&self) -> bool {
        self.mantissa().all(|d| d == b'0')
    }

    /// For a non-zero value `0.d₁d₂… × 10^E` with `d₁ ≠ 0`, returns `E`.
    fn magnitude(&self) -> i64 {
        let leading_zeros = self.mantissa().take_while(|&d| d == b'0').count();
        // Lengths are bounded by the input length, far below i64::MAX; exp is clamped.
        (self.int.1 - self.int.0) as i64 - leading_zeros as i64 + self.exp
    }

    /// The significant digits `d₁d₂…` (leading zeros skipped).
    fn significant(&self) -> impl Iterator<Item = u8> + '_ {
        self.mantissa().skip_while(|&d| d == b'0')
    }

    /// Whether the value is an integer (no non-zero digit after the decimal point).
    pub(crate) fn is_integer(&self) -> bool {
        let (count, trailing_zeros) = self.significant().fold((0i64, 0i64), |(n, z), d| {
            (n + 1, if d == b'0' { z + 1 } else { 0 })
        });
        self.is_zero() || self.magnitude() >= count - trailing_zeros
    }

    /// The nearest `f64` (`±inf` beyond the `f64` range; `-0` becomes `0`).
    pub(crate) fn to_f64(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        // The accepted syntax is a subset of Rust's float syntax, whose parser saturates huge
        // exponents to infinity or zero.
        self.text.as_ref().parse::<f64>().unwrap_or(f64::NAN)
    }

    /// Exact numeric comparison.
    pub(crate) fn compare<U: AsRef<str>>(&self, other: &Decimal<U>) -> Ordering {
        fn sign<T: AsRef<str>>(d: &Decimal<T>) -> i8 {
            match (d.is_zero(), d.negative) {
                (true, _) => 0,
                (false, false) => 1,
                (false, true) => -1,
            }
        }
        match (sign(self), sign(other)) {
            (a, b) if a != b => a.cmp(&b),
            (0, _) => Ordering::Equal,
            (1, _) => self.compare_magnitude(other),
            _ => other.compare_magnitude(self),
        }
    }

    fn compare_magnitude<U: AsRef<str>>(&self, other: &Decimal<U>) -> Ordering {
        self.magnitude().cmp(&other.magnitude()).then_with(|| {
            let mut a = self.significant();
            let mut b = other.significant();
            loop {
                match (a.next(), b.next()) {
                    (None, None) => return Ordering::Equal,
                    (x, y) => {
                        // A shorter digit string continues with zeros.
                        let order = x.unwrap_or(b'0').cmp(&y.unwrap_or(b'0'));
                        if order != Ordering::Equal {
                            return order;
                        }
                    }
                }
            }
        })
    }
}

/// A calendar date (proleptic Gregorian, years 0000–9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Parses exactly `YYYY-MM-DD` naming a valid date.
    pub(crate) fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u16> {
            b[range].iter().try_fold(0u16, |acc, &d| {
                d.is_ascii_digit().then(|| acc * 10 + u16::from(d - b'0'))
            })
        };
        let year = number(0..4)?;
        let month = u8::try_from(number(5..7)?).ok()?;
        let day = u8::try_from(number(8..10)?).ok()?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(text: &str) -> Decimal<&str> {
        Decimal::parse(text, true).expect("valid decimal")
    }

    impl PartialEq for Decimal<&str> {
        fn eq(&self, other: &Self) -> bool {
            self.compare(other) == Ordering::Equal
        }
    }

    impl PartialOrd for Decimal<&str> {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.compare(other))
        }
    }

    #[test]
    fn type_names() {
        assert_eq!(KeyKind::of("INT"), KeyKind::Integral);
        assert_eq!(KeyKind::of(" bigint "), KeyKind::Integral);
        assert_eq!(KeyKind::of("decimal(10,2)"), KeyKind::Decimal);
        assert_eq!(KeyKind::of("Double"), KeyKind::Decimal);
        assert_eq!(KeyKind::of("date"), KeyKind::Date);
        assert_eq!(KeyKind::of("timestamp"), KeyKind::Timestamp);
        assert_eq!(KeyKind::of("varchar(10)"), KeyKind::Text);
        assert_eq!(KeyKind::of("string"), KeyKind::Text);
        assert_eq!(KeyKind::of("whatever"), KeyKind::Text);
    }

    #[test]
    fn decimal_syntax() {
        for ok in [
            "0",
            "-0",
            "+5",
            "007",
            "1.5",
            "1.",
            ".5",
            "-1.5e3",
            "2E-2",
            "1e+999999999999999999999",
        ] {
            assert!(Decimal::parse(ok, true).is_some(), "{ok}");
        }
        for bad in [
            "", "-", ".", "1.2.3", "1e", "1e+", "abc", " 1", "1 ", "0x10", "NaN", "inf", "1_000",
        ] {
            assert!(Decimal::parse(bad, true).is_none(), "{bad}");
        }
        assert!(Decimal::parse("12", false).is_some());
        assert!(Decimal::parse("-12", false).is_some());
        assert!(Decimal::parse("1.0", false).is_none());
        assert!(Decimal::parse("1e3", false).is_none());
    }

    #[test]
    fn decimal_order() {
        assert!(dec("10") > dec("9"));
        assert!(dec("-10") < dec("-9"));
        assert_eq!(dec("10"), dec("10.000"));
        assert_eq!(dec("0010"), dec("1e1"));
        assert_eq!(dec("-0"), dec("0.0"));
        assert!(dec("0.5") > dec("0.05"));
        assert!(dec("0.51") > dec("0.5"));
        assert!(dec("-0.001") < dec("0"));
        assert!(dec("123456789012345678901234567890") > dec("123456789012345678901234567889"));
        assert!(dec("9007199254740993") > dec("9007199254740992"));
        assert!(dec("1e999999999999999999") > dec("9e100"));
        assert!(dec("1e-999999999999999999") > dec("0"));
    }

    #[test]
    fn decimal_to_f64() {
        assert_eq!(dec("-0").to_f64().to_bits(), 0.0f64.to_bits());
        assert_eq!(dec("1.5e3").to_f64(), 1500.0);
        assert_eq!(dec("1e400").to_f64(), f64::INFINITY);
        assert_eq!(dec("1e99999999999999999999").to_f64(), f64::INFINITY);
        assert_eq!(dec("1e-99999999999999999999").to_f64(), 0.0);
        assert_eq!(dec(".5").to_f64(), 0.5);
        assert_eq!(dec("5.").to_f64(), 5.0);
    }

    #[test]
    fn integers() {
        for (text, integer) in [
            ("10", true),
            ("10.0", true),
            ("1.5e1", true),
            ("1.25e1", false),
            ("0.5", false),
            ("0", true),
            ("100e-2", true),
            ("100e-3", false),
        ] {
            assert_eq!(dec(text).is_integer(), integer, "{text}");
        }
    }

    #[test]
    fn dates() {
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("1900-02-29").is_none());
        assert!(Date::parse("2000-02-29").is_some());
        assert!(Date::parse("2024-13-01").is_none());
        assert!(Date::parse("2024-00-01").is_none());
        assert!(Date::parse("2024-1-01").is_none());
        assert!(Date::parse("2024/01/01").is_none());
        assert!(Date::parse("2024-01-+1").is_none());
        assert!(
            Date::parse("2024-01-01").expect("valid") < Date::parse("2024-01-02").expect("valid")
        );
        assert_eq!(
            Date::parse("0999-12-31").expect("valid").to_string(),
            "0999-12-31"
        );
    }

    /// `(mantissa, scale, exponent)` rendered in several textual forms.
    fn render(m: i64, scale: u32, exp: i32, style: u8) -> String {
        let digits = m.unsigned_abs().to_string();
        let sign = if m < 0 {
            "-"
        } else if style % 3 == 1 {
            "+"
        } else {
            ""
        };
        let body = if scale == 0 {
            digits
        } else {
            let padded = format!("{digits:0>width$}", width = scale as usize + 1);
            let (int, frac) = padded.split_at(padded.len() - scale as usize);
            format!("{int}.{frac}")
        };
        let zeros = "0".repeat(usize::from(style % 2));
        if exp == 0 && style % 4 != 3 {
            format!("{sign}{zeros}{body}")
        } else {
            format!("{sign}{zeros}{body}e{exp}")
        }
    }

    proptest! {
        #[test]
        fn decimal_order_matches_integer_arithmetic(
            a in -100_000i64..100_000, sa in 0u32..5, ea in -4i32..5, style_a in 0u8..8,
            b in -100_000i64..100_000, sb in 0u32..5, eb in -4i32..5, style_b in 0u8..8,
        ) {
            // value = m × 10^(exp − scale); compare exactly at a common exponent of −20.
            let exact = |m: i64, scale: u32, exp: i32| i128::from(m) * 10i128.pow((20 + exp - scale as i32) as u32);
            let text_a = render(a, sa, ea, style_a);
            let text_b = render(b, sb, eb, style_b);
            let da = Decimal::parse(&text_a, true).expect("valid");
            let db = Decimal::parse(&text_b, true).expect("valid");
            prop_assert_eq!(da.compare(&db), exact(a, sa, ea).cmp(&exact(b, sb, eb)), "{} vs {}", text_a, text_b);
            prop_assert_eq!(da.to_f64(), text_a.parse::<f64>().expect("float") + 0.0);
        }
    }
}
