//! Spark's datetime patterns (`yyyy-MM-dd HH:mm:ss`, the letters of Java's
//! `DateTimeFormatter`) compiled into a [`Pattern`] that parses text the way Spark 3's parser
//! does (formatting: [`super::datetime_format`]).
//!
//! Parsing follows Spark's rules, which are Java's strict resolver with Spark's defaults:
//! letters are matched case-insensitively; `dd`, `MM`, `HH`, `mm`, `ss` need exactly two
//! digits and `d`, `M`, `H`, … one or more; `yyyy` needs four digits (more only after a `+`),
//! `yy` is 2000–2099; `S…S` reads one up to as many fraction digits as there are letters (only
//! microseconds are kept); a variable-width number directly followed by fixed-width numbers
//! leaves their digits to them (`yyyyMMdd`); `[…]` is optional; the whole text must be
//! consumed. Missing fields default to 1970-01-01 00:00:00; `h` without `a` is before noon.
//! Dates must exist (no 30 February). An offset (`X`, `x`, `Z`) is applied, giving UTC.
//!
//! Letters Spark refuses for parsing (`E`, `e`, `F`, `q`, `Q`, `u`, `w`, `W`, `Y`, …) are
//! refused here too; zone names (`z`, `V`, `O`) and eras (`G`) are not supported.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A Spark datetime pattern compiled for parsing.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    items: Vec<Item>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Year,
    Month,
    Day,
    DayOfYear,
    /// `H`: 0–23.
    HourOfDay,
    /// `k`: 1–24.
    ClockHourOfDay,
    /// `h`: 1–12.
    ClockHourOfAmPm,
    /// `K`: 0–11.
    HourOfAmPm,
    Minute,
    Second,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    /// No sign accepted.
    None,
    /// `-` accepted (`y`, `yyy`).
    Normal,
    /// `-` accepted; `+` required for more digits than the minimum, refused otherwise (`yyyy`).
    ExceedsPad,
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    /// Text matched case-insensitively.
    Literal(String),
    /// Digits: `min..=max` of them, leaving `subsequent` digits to the fixed-width numbers
    /// that directly follow.
    Number {
        field: Field,
        min: usize,
        max: usize,
        sign: Sign,
        subsequent: usize,
    },
    /// `yy`: two digits, 2000–2099.
    ReducedYear,
    /// `S…S`: one to `max` digits of the second's fraction.
    Fraction { max: usize },
    /// `MMM` (`Jan`) or `MMMM` (`January`).
    MonthText { full: bool },
    /// `a`: `AM` or `PM`.
    AmPm,
    /// An offset from UTC (`X`, `x`, `Z`).
    Offset(OffsetStyle),
    /// `[…]`: parsed when it matches, skipped otherwise.
    Optional(Vec<Item>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OffsetStyle {
    /// `Z` stands for +00:00.
    zulu: bool,
    /// Minutes must be given.
    minutes: bool,
    /// Seconds may be given.
    seconds: bool,
    /// Parts are separated by `:`.
    colons: bool,
}

/// Month names in English, as Spark writes and reads them (`MMMM`, `MMM`).
pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Pattern {
    /// Compiles a Spark pattern; the error says which letter or construct is refused.
    pub fn compile(pattern: &str) -> Result<Self, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let items = compile_items(&chars, &mut pos, false)?;
        Ok(Self { items })
    }

    /// Parses `text`: microseconds since the epoch (UTC), or `None` when the text does not
    /// match the pattern or names no valid date and time.
    pub fn parse_micros(&self, text: &str) -> Option<i64> {
        let chars: Vec<char> = text.chars().collect();
        let mut parsed = Parsed::default();
        let end = parse_items(&self.items, &chars, 0, &mut parsed)?;
        if end != chars.len() {
            return None;
        }
        let local = parsed.resolve()?;
        let micros = local.and_utc().timestamp_micros();
        match parsed.offset {
            Some(offset) => micros.checked_sub(i64::from(offset) * 1_000_000),
            None => Some(micros),
        }
    }
}

/// The text of the quoted literal that starts at `chars[*pos]` (`''` is a quote, inside or
/// alone), moving `pos` past it.
pub(super) fn quoted(chars: &[char], pos: &mut usize) -> Result<String, String> {
    let mut text = String::new();
    let mut j = *pos + 1;
    if chars.get(j) == Some(&'\'') {
        text.push('\'');
        j += 1;
    } else {
        loop {
            match chars.get(j) {
                None => return Err("the pattern has an unclosed quote".into()),
                Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                    text.push('\'');
                    j += 2;
                }
                Some('\'') => {
                    j += 1;
                    break;
                }
                Some(&other) => {
                    text.push(other);
                    j += 1;
                }
            }
        }
    }
    *pos = j;
    Ok(text)
}

fn compile_items(chars: &[char], pos: &mut usize, nested: bool) -> Result<Vec<Item>, String> {
    let mut items: Vec<Item> = Vec::new();
    // The variable-width number that fixed-width numbers right after it leave digits for.
    let mut active: Option<usize> = None;
    while *pos < chars.len() {
        let c = chars[*pos];
        if c == '\'' {
            let text = quoted(chars, pos)?;
            push_literal(&mut items, &text);
            active = None;
            continue;
        }
        if c == '[' {
            *pos += 1;
            let inner = compile_items(chars, pos, true)?;
            items.push(Item::Optional(inner));
            active = None;
            continue;
        }
        if c == ']' {
            if !nested {
                return Err("the pattern has ']' without '['".into());
            }
            *pos += 1;
            return Ok(items);
        }
        if matches!(c, '#' | '{' | '}') {
            return Err(format!("the pattern character '{c}' is reserved"));
        }
        if !c.is_ascii_alphabetic() {
            push_literal(&mut items, &c.to_string());
            *pos += 1;
            active = None;
            continue;
        }
        let count = chars[*pos..].iter().take_while(|&&d| d == c).count();
        *pos += count;
        let item = letter_item(c, count)?;
        match item {
            Item::Number { min, max, sign, .. } if min == max && sign == Sign::None => {
                if let Some(Item::Number { subsequent, .. }) = active.and_then(|a| items.get_mut(a))
                {
                    *subsequent += max;
                } else {
                    active = Some(items.len());
                }
                items.push(item);
            }
            Item::ReducedYear => {
                if let Some(Item::Number { subsequent, .. }) = active.and_then(|a| items.get_mut(a))
                {
                    *subsequent += 2;
                } else {
                    active = Some(items.len());
                }
                items.push(item);
            }
            Item::Number { .. } => {
                active = Some(items.len());
                items.push(item);
            }
            other => {
                active = None;
                items.push(other);
            }
        }
    }
    if nested {
        return Err("the pattern has '[' without ']'".into());
    }
    Ok(items)
}

fn push_literal(items: &mut Vec<Item>, text: &str) {
    if let Some(Item::Literal(last)) = items.last_mut() {
        last.push_str(text);
    } else {
        items.push(Item::Literal(text.to_string()));
    }
}

fn number(field: Field, count: usize, letter: char) -> Result<Item, String> {
    let (min, max) = match (field, count) {
        (_, 1) => (1, 19),
        (Field::DayOfYear, 2) => (2, 3),
        (_, 2) => (2, 2),
        (Field::DayOfYear, 3) => (3, 3),
        _ => return Err(format!("too many pattern letters: {letter}")),
    };
    Ok(Item::Number {
        field,
        min,
        max,
        sign: Sign::None,
        subsequent: 0,
    })
}

fn offset(letter: char, count: usize) -> Result<Item, String> {
    let style = |zulu, minutes, seconds, colons| {
        Ok(Item::Offset(OffsetStyle {
            zulu,
            minutes,
            seconds,
            colons,
        }))
    };
    let zulu = letter == 'X';
    match (letter, count) {
        ('X' | 'x', 1) => style(zulu, false, false, false),
        ('X' | 'x', 2) => style(zulu, true, false, false),
        ('X' | 'x', 3) => style(zulu, true, false, true),
        ('X' | 'x', 4) => style(zulu, true, true, false),
        ('X' | 'x', 5) => style(zulu, true, true, true),
        ('Z', 1..=3) => style(false, true, false, false),
        ('Z', 5) => style(true, true, true, true),
        ('Z', 4) => Err("the localized offset ZZZZ is not supported".into()),
        _ => Err(format!("too many pattern letters: {letter}")),
    }
}

fn letter_item(c: char, count: usize) -> Result<Item, String> {
    match c {
        'y' => match count {
            2 => Ok(Item::ReducedYear),
            1 | 3 => Ok(Item::Number {
                field: Field::Year,
                min: count,
                max: 19,
                sign: Sign::Normal,
                subsequent: 0,
            }),
            4..=10 => Ok(Item::Number {
                field: Field::Year,
                min: count,
                max: 19,
                sign: Sign::ExceedsPad,
                subsequent: 0,
            }),
            _ => Err("too many pattern letters: y".into()),
        },
        'M' | 'L' => match count {
            1 | 2 => number(Field::Month, count, c),
            3 => Ok(Item::MonthText { full: false }),
            4 => Ok(Item::MonthText { full: true }),
            _ => Err(format!("too many pattern letters: {c}")),
        },
        'd' => number(Field::Day, count, c),
        'D' => number(Field::DayOfYear, count, c),
        'H' => number(Field::HourOfDay, count, c),
        'k' => number(Field::ClockHourOfDay, count, c),
        'h' => number(Field::ClockHourOfAmPm, count, c),
        'K' => number(Field::HourOfAmPm, count, c),
        'm' => number(Field::Minute, count, c),
        's' => number(Field::Second, count, c),
        'S' if count <= 9 => Ok(Item::Fraction { max: count }),
        'S' => Err("too many pattern letters: S".into()),
        'a' if count == 1 => Ok(Item::AmPm),
        'a' => Err("too many pattern letters: a".into()),
        'X' | 'x' | 'Z' => offset(c, count),
        'u' => Err("the pattern letter 'u' is not supported since Spark 3.0".into()),
        'Y' | 'W' | 'w' | 'E' | 'e' | 'F' | 'q' | 'Q' => Err(format!(
            "the pattern letter '{c}' cannot be used for parsing"
        )),
        'G' | 'z' | 'V' | 'v' | 'O' => Err(format!("the pattern letter '{c}' is not supported")),
        _ => Err(format!("unknown pattern letter: {c}")),
    }
}

/// Fields read from the text, before they are resolved into a date and time.
#[derive(Debug, Default, Clone)]
struct Parsed {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    day_of_year: Option<i64>,
    hour_of_day: Option<i64>,
    clock_hour_of_day: Option<i64>,
    clock_hour_of_am_pm: Option<i64>,
    hour_of_am_pm: Option<i64>,
    minute: Option<i64>,
    second: Option<i64>,
    nanos: Option<i64>,
    pm: Option<bool>,
    /// Seconds east of UTC.
    offset: Option<i32>,
}

/// Sets a field; a second, different value for it is a conflict.
fn set<T: PartialEq>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(old) if *old != value => None,
        _ => {
            *slot = Some(value);
            Some(())
        }
    }
}

impl Parsed {
    fn field(&mut self, field: Field) -> &mut Option<i64> {
        match field {
            Field::Year => &mut self.year,
            Field::Month => &mut self.month,
            Field::Day => &mut self.day,
            Field::DayOfYear => &mut self.day_of_year,
            Field::HourOfDay => &mut self.hour_of_day,
            Field::ClockHourOfDay => &mut self.clock_hour_of_day,
            Field::ClockHourOfAmPm => &mut self.clock_hour_of_am_pm,
            Field::HourOfAmPm => &mut self.hour_of_am_pm,
            Field::Minute => &mut self.minute,
            Field::Second => &mut self.second,
        }
    }

    fn resolve(&self) -> Option<NaiveDateTime> {
        let in_range = |v: Option<i64>, lo: i64, hi: i64| v.is_none_or(|v| (lo..=hi).contains(&v));
        if !(in_range(self.month, 1, 12)
            && in_range(self.day, 1, 31)
            && in_range(self.day_of_year, 1, 366)
            && in_range(self.hour_of_day, 0, 23)
            && in_range(self.clock_hour_of_day, 1, 24)
            && in_range(self.clock_hour_of_am_pm, 1, 12)
            && in_range(self.hour_of_am_pm, 0, 11)
            && in_range(self.minute, 0, 59)
            && in_range(self.second, 0, 59))
        {
            return None;
        }
        let year = i32::try_from(self.year.unwrap_or(1970)).ok()?;
        let date = match (self.year, self.day_of_year) {
            (Some(_), Some(doy)) => {
                let date = NaiveDate::from_yo_opt(year, u32::try_from(doy).ok()?)?;
                let agrees = |v: Option<i64>, actual: u32| v.is_none_or(|v| v == i64::from(actual));
                use chrono::Datelike;
                if !agrees(self.month, date.month()) || !agrees(self.day, date.day()) {
                    return None;
                }
                date
            }
            _ => NaiveDate::from_ymd_opt(
                year,
                u32::try_from(self.month.unwrap_or(1)).ok()?,
                u32::try_from(self.day.unwrap_or(1)).ok()?,
            )?,
        };
        // Hour of day from H and k, which must agree; of the half day from h and K.
        let mut hour_of_day = self.hour_of_day;
        if let Some(k) = self.clock_hour_of_day {
            set(&mut hour_of_day, k % 24)?;
        }
        let mut hour_of_am_pm = self.hour_of_am_pm;
        if let Some(h) = self.clock_hour_of_am_pm {
            set(&mut hour_of_am_pm, h % 12)?;
        }
        let hour = match (hour_of_day, hour_of_am_pm, self.pm) {
            (Some(h), half, pm) => {
                if pm.is_some_and(|pm| pm != (h >= 12)) || half.is_some_and(|k| k != h % 12) {
                    return None;
                }
                h
            }
            (None, Some(k), pm) => k + if pm == Some(true) { 12 } else { 0 },
            (None, None, Some(true)) => 12,
            (None, None, _) => 0,
        };
        let time = NaiveTime::from_hms_nano_opt(
            u32::try_from(hour).ok()?,
            u32::try_from(self.minute.unwrap_or(0)).ok()?,
            u32::try_from(self.second.unwrap_or(0)).ok()?,
            u32::try_from(self.nanos.unwrap_or(0)).ok()?,
        )?;
        Some(date.and_time(time))
    }
}

/// Parses `items` from `pos`; the position after them.
fn parse_items(
    items: &[Item],
    text: &[char],
    mut pos: usize,
    parsed: &mut Parsed,
) -> Option<usize> {
    for item in items {
        pos = parse_item(item, text, pos, parsed)?;
    }
    Some(pos)
}

fn digits_at(text: &[char], pos: usize, max: usize) -> usize {
    text[pos.min(text.len())..]
        .iter()
        .take(max)
        .take_while(|c| c.is_ascii_digit())
        .count()
}

fn value_of(text: &[char], from: usize, len: usize) -> Option<i64> {
    text[from..from + len].iter().try_fold(0i64, |acc, c| {
        acc.checked_mul(10)?.checked_add(i64::from(c.to_digit(10)?))
    })
}

fn starts_with_ignore_case(text: &[char], pos: usize, word: &str) -> bool {
    let mut i = pos;
    for w in word.chars() {
        match text.get(i) {
            Some(c) if c.to_lowercase().eq(w.to_lowercase()) => i += 1,
            _ => return false,
        }
    }
    true
}

fn parse_item(item: &Item, text: &[char], pos: usize, parsed: &mut Parsed) -> Option<usize> {
    match item {
        Item::Literal(lit) => {
            if starts_with_ignore_case(text, pos, lit) {
                Some(pos + lit.chars().count())
            } else {
                None
            }
        }
        Item::Number {
            field,
            min,
            max,
            sign,
            subsequent,
        } => {
            let (negative, plus, start) = match (sign, text.get(pos)) {
                (Sign::Normal | Sign::ExceedsPad, Some('-')) => (true, false, pos + 1),
                (Sign::ExceedsPad, Some('+')) => (false, true, pos + 1),
                _ => (false, false, pos),
            };
            let available = digits_at(text, start, max + subsequent);
            let len = if *subsequent > 0 {
                available
                    .saturating_sub(*subsequent)
                    .max(*min)
                    .min(available)
            } else {
                available
            };
            if len < *min {
                return None;
            }
            if *sign == Sign::ExceedsPad && !negative && (plus != (len > *min)) {
                return None;
            }
            let value = value_of(text, start, len)?;
            set(parsed.field(*field), if negative { -value } else { value })?;
            Some(start + len)
        }
        Item::ReducedYear => {
            if digits_at(text, pos, 2) != 2 {
                return None;
            }
            set(&mut parsed.year, 2000 + value_of(text, pos, 2)?)?;
            Some(pos + 2)
        }
        Item::Fraction { max } => {
            let len = digits_at(text, pos, *max);
            if len == 0 {
                return None;
            }
            let value = value_of(text, pos, len)?;
            let nanos = value * 10i64.pow(u32::try_from(9 - len).ok()?);
            // Spark keeps microseconds.
            set(&mut parsed.nanos, nanos - nanos % 1000)?;
            Some(pos + len)
        }
        Item::MonthText { full } => {
            for (i, name) in MONTHS.iter().enumerate() {
                let name = if *full { name } else { &name[..3] };
                if starts_with_ignore_case(text, pos, name) {
                    set(&mut parsed.month, i as i64 + 1)?;
                    return Some(pos + name.len());
                }
            }
            None
        }
        Item::AmPm => {
            let pm = if starts_with_ignore_case(text, pos, "AM") {
                false
            } else if starts_with_ignore_case(text, pos, "PM") {
                true
            } else {
                return None;
            };
            set(&mut parsed.pm, pm)?;
            Some(pos + 2)
        }
        Item::Offset(style) => {
            let (seconds, end) = parse_offset(style, text, pos)?;
            set(&mut parsed.offset, seconds)?;
            Some(end)
        }
        Item::Optional(inner) => {
            let mut attempt = parsed.clone();
            match parse_items(inner, text, pos, &mut attempt) {
                Some(end) => {
                    *parsed = attempt;
                    Some(end)
                }
                None => Some(pos),
            }
        }
    }
}

fn parse_offset(style: &OffsetStyle, text: &[char], pos: usize) -> Option<(i32, usize)> {
    if style.zulu && matches!(text.get(pos), Some('Z' | 'z')) {
        return Some((0, pos + 1));
    }
    let negative = match text.get(pos)? {
        '+' => false,
        '-' => true,
        _ => return None,
    };
    // Two digits at `at` (after a ':' when the style has colons): their value and the end.
    let part = |at: usize, colon: bool| -> Option<(i32, usize)> {
        let at = match colon {
            true if text.get(at) == Some(&':') => at + 1,
            true => return None,
            false => at,
        };
        if digits_at(text, at, 2) != 2 {
            return None;
        }
        Some((i32::try_from(value_of(text, at, 2)?).ok()?, at + 2))
    };
    let (hours, mut end) = part(pos + 1, false)?;
    let mut total = hours * 3600;
    match part(end, style.colons) {
        Some((minutes, next)) if minutes < 60 => {
            total += minutes * 60;
            end = next;
            if style.seconds {
                if let Some((seconds, next)) = part(end, style.colons).filter(|(s, _)| *s < 60) {
                    total += seconds;
                    end = next;
                }
            }
        }
        _ if style.minutes => return None,
        _ => {}
    }
    if hours > 18 {
        return None;
    }
    Some((if negative { -total } else { total }, end))
}

#[cfg(test)]
mod tests {
    use super::Pattern;
    use chrono::NaiveDate;

    fn micros(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_micro_opt(h, mi, s, us))
            .map(|t| t.and_utc().timestamp_micros())
            .unwrap_or_default()
    }

    fn parse(pattern: &str, text: &str) -> Option<i64> {
        Pattern::compile(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .parse_micros(text)
    }

    #[test]
    fn parses_the_usual_patterns() {
        let day = micros(2024, 3, 15, 0, 0, 0, 0);
        assert_eq!(parse("dd/MM/yyyy", "15/03/2024"), Some(day));
        assert_eq!(parse("yyyy-MM-dd", "2024-03-15"), Some(day));
        assert_eq!(parse("yyyyMMdd", "20240315"), Some(day));
        assert_eq!(parse("d/M/yyyy", "15/3/2024"), Some(day));
        assert_eq!(parse("dd-MMM-yy", "15-mar-24"), Some(day));
        assert_eq!(parse("MMMM d, yyyy", "March 15, 2024"), Some(day));
        assert_eq!(
            parse("yyyy-MM-dd HH:mm:ss", "2024-03-15 10:20:30"),
            Some(micros(2024, 3, 15, 10, 20, 30, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd'T'HH:mm:ss.SSS", "2024-03-15T10:20:30.5"),
            Some(micros(2024, 3, 15, 10, 20, 30, 500_000))
        );
        assert_eq!(
            parse(
                "yyyy-MM-dd HH:mm:ss.SSSSSSSSS",
                "2024-03-15 10:20:30.123456789"
            ),
            Some(micros(2024, 3, 15, 10, 20, 30, 123_456))
        );
        assert_eq!(
            parse("MM/dd/yyyy hh:mm a", "03/15/2024 01:05 PM"),
            Some(micros(2024, 3, 15, 13, 5, 0, 0))
        );
        assert_eq!(
            parse("MM/dd/yyyy hh:mm a", "03/15/2024 12:05 am"),
            Some(micros(2024, 3, 15, 0, 5, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd[ HH:mm]", "2024-03-15"),
            Some(micros(2024, 3, 15, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd[ HH:mm]", "2024-03-15 10:20"),
            Some(micros(2024, 3, 15, 10, 20, 0, 0))
        );
        // Missing fields default to 1970-01-01 00:00.
        assert_eq!(
            parse("HH:mm", "10:20"),
            Some(micros(1970, 1, 1, 10, 20, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM", "2024-03"),
            Some(micros(2024, 3, 1, 0, 0, 0, 0))
        );
        assert_eq!(parse("yyyy D", "2024 75"), Some(day));
    }

    #[test]
    fn offsets_give_utc() {
        assert_eq!(
            parse("yyyy-MM-dd HH:mmXXX", "2024-03-15 10:20+02:00"),
            Some(micros(2024, 3, 15, 8, 20, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd HH:mmX", "2024-03-15 10:20Z"),
            Some(micros(2024, 3, 15, 10, 20, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd HH:mmZ", "2024-03-15 10:20-0130"),
            Some(micros(2024, 3, 15, 11, 50, 0, 0))
        );
    }

    #[test]
    fn refuses_what_spark_refuses() {
        assert_eq!(parse("dd/MM/yyyy", "5/3/2024"), None);
        assert_eq!(parse("dd/MM/yyyy", "15/03/24"), None);
        assert_eq!(parse("dd/MM/yyyy", "15/03/20245"), None);
        assert_eq!(parse("yyyy-MM-dd", "2024-02-30"), None);
        assert_eq!(parse("yyyy-MM-dd", "2024-13-01"), None);
        assert_eq!(parse("yyyy-MM-dd", "2024-03-15 10:00"), None);
        assert_eq!(parse("yyyy-MM-dd", ""), None);
        assert_eq!(parse("HH:mm", "24:00"), None);
        assert_eq!(parse("HH:mm a", "13:00 AM"), None);
        for bad in [
            "yyyy-ww",
            "EEE",
            "yyyy-MM-dd u",
            "yyyy'",
            "[yyyy",
            "G",
            "dddd",
        ] {
            assert!(Pattern::compile(bad).is_err(), "{bad}");
        }
    }
}
