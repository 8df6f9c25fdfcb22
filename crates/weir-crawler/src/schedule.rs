//! Glue's schedule syntax: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, in UTC,
//! as AWS documents it for jobs and crawlers ("Time-based schedules for jobs and crawlers").
//!
//! | field | values | wildcards |
//! |---|---|---|
//! | Minutes | 0–59 | `, - * /` |
//! | Hours | 0–23 | `, - * /` |
//! | Day-of-month | 1–31 | `, - * ? / L W` (`L` last day, `LW` last weekday, `15W` the weekday nearest the 15th) |
//! | Month | 1–12 or JAN–DEC | `, - * /` |
//! | Day-of-week | 1–7 or SUN–SAT (1 is Sunday) | `, - * ? / L #` (`L` Saturday, `6L` the month's last Friday, `2#1` its first Monday) |
//! | Year | 1970–2199 | `, - * /` |
//!
//! Exactly one of Day-of-month and Day-of-week is `?`. `a/n` starts at `a` and steps by `n`
//! (`*/n` and `0/n` start at the field's first value); a range whose start is past its end wraps
//! around (`22-2` hours, `FRI-MON`), except in Year. Schedules that fire more often than every
//! five minutes are refused, as Glue refuses them ("the minimum precision for a schedule is 5
//! minutes"). [`Cron::next_after`] is the firing after an instant.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

/// The shortest interval between two firings Glue accepts (minutes).
pub const MIN_INTERVAL_MINUTES: u32 = 5;

const FIRST_YEAR: u32 = 1970;
const LAST_YEAR: u32 = 2199;
const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Why an expression is not a schedule: the field at fault (when one is) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError {
    pub field: Option<&'static str>,
    pub reason: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{field} field: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for CronError {}

fn fail<T>(field: &'static str, reason: impl Into<String>) -> Result<T, CronError> {
    Err(CronError {
        field: Some(field),
        reason: reason.into(),
    })
}

/// A set of small numbers (0..256).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Set([u64; 4]);

impl Set {
    fn insert(&mut self, v: u32) {
        self.0[(v / 64) as usize] |= 1 << (v % 64);
    }

    fn contains(&self, v: u32) -> bool {
        v < 256 && self.0[(v / 64) as usize] & (1 << (v % 64)) != 0
    }

    /// The smallest member at or above `from`, up to `to`.
    fn next_from(&self, from: u32, to: u32) -> Option<u32> {
        (from..=to.min(255)).find(|v| self.contains(*v))
    }

    fn members(&self, to: u32) -> Vec<u32> {
        (0..=to.min(255)).filter(|v| self.contains(*v)).collect()
    }
}

/// One field's values, names and wildcards.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    /// Names of the values from `min` on (months, weekdays).
    names: &'static [&'static str],
    wraps: bool,
}

const MINUTES: Field = Field {
    name: "Minutes",
    min: 0,
    max: 59,
    names: &[],
    wraps: true,
};
const HOURS: Field = Field {
    name: "Hours",
    min: 0,
    max: 23,
    names: &[],
    wraps: true,
};
const DAY_OF_MONTH: Field = Field {
    name: "Day-of-month",
    min: 1,
    max: 31,
    names: &[],
    wraps: true,
};
const MONTH: Field = Field {
    name: "Month",
    min: 1,
    max: 12,
    names: MONTHS,
    wraps: true,
};
const DAY_OF_WEEK: Field = Field {
    name: "Day-of-week",
    min: 1,
    max: 7,
    names: WEEKDAYS,
    wraps: true,
};
const YEAR: Field = Field {
    name: "Year",
    min: FIRST_YEAR,
    max: LAST_YEAR,
    names: &[],
    wraps: false,
};

impl Field {
    fn value(&self, text: &str) -> Result<u32, CronError> {
        if let Some(i) = self.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return Ok(self.min + i as u32);
        }
        let v: u32 = match text.parse() {
            Ok(v) if text.bytes().all(|b| b.is_ascii_digit()) => v,
            _ => {
                let names = if self.names.is_empty() {
                    String::new()
                } else {
                    format!(" or {}-{}", self.names[0], self.names[self.names.len() - 1])
                };
                return fail(
                    self.name,
                    format!("'{text}' is not a value ({}-{}{names})", self.min, self.max),
                );
            }
        };
        if v < self.min || v > self.max {
            return fail(
                self.name,
                format!("{v} is out of range {}-{}", self.min, self.max),
            );
        }
        Ok(v)
    }

    /// Parses a list of `*`, `a`, `a-b`, `a/n`, `*/n`, `a-b/n` items into the values it names
    /// (stored as value minus `offset`). `special` handles field-specific items first.
    fn parse(
        &self,
        text: &str,
        offset: u32,
        mut special: impl FnMut(&str) -> Result<bool, CronError>,
    ) -> Result<Set, CronError> {
        let mut set = Set::default();
        for item in text.split(',') {
            if item.is_empty() {
                return fail(self.name, format!("'{text}' has an empty list item"));
            }
            if special(item)? {
                continue;
            }
            if item.contains('?') {
                return fail(
                    self.name,
                    format!("'{item}': '?' stands only alone, in Day-of-month or Day-of-week"),
                );
            }
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => {
                    let step: u32 = match step.parse() {
                        Ok(s) if s > 0 && step.bytes().all(|b| b.is_ascii_digit()) => s,
                        _ => {
                            return fail(
                                self.name,
                                format!("'{step}' in '{item}' is not a positive increment"),
                            )
                        }
                    };
                    (range, Some(step))
                }
                None => (item, None),
            };
            let (start, end) = match range {
                "*" => (self.min, self.max),
                _ => match range.split_once('-') {
                    Some((a, b)) => (self.value(a)?, self.value(b)?),
                    // `a/n` runs from `a` to the field's end.
                    None if step.is_some() => (self.value(range)?, self.max),
                    None => {
                        let v = self.value(range)?;
                        (v, v)
                    }
                },
            };
            if start > end && !self.wraps {
                return fail(
                    self.name,
                    format!("the range '{range}' ends before it starts"),
                );
            }
            let span = self.max - self.min + 1;
            let length = if start <= end {
                end - start + 1
            } else {
                span - (start - end) + 1
            };
            let step = step.unwrap_or(1);
            let mut i = 0;
            while i < length {
                let v = self.min + (start - self.min + i) % span;
                set.insert(v - offset);
                i += step;
            }
        }
        Ok(set)
    }
}

/// Which days a schedule fires on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Days {
    /// Day-of-week is `?`.
    OfMonth {
        days: Set,
        /// `L`
        last: bool,
        /// `LW`
        last_weekday: bool,
        /// `nW`: the weekday nearest the n-th.
        nearest_weekday: Set,
    },
    /// Day-of-month is `?`.
    OfWeek {
        /// 1 = Sunday … 7 = Saturday.
        days: Set,
        /// `nL`: the last such weekday of the month.
        last_in_month: Set,
        /// `n#k`: the k-th such weekday of the month.
        nth: Vec<(u32, u32)>,
    },
}

/// A parsed Glue cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Set,
    hours: Set,
    days: Days,
    months: Set,
    /// Years minus 1970.
    years: Set,
}

impl Cron {
    /// Parses `cron(Minutes Hours Day-of-month Month Day-of-week Year)`.
    pub fn parse(expression: &str) -> Result<Cron, CronError> {
        let inner = expression
            .trim()
            .strip_prefix("cron(")
            .and_then(|e| e.strip_suffix(')'))
            .ok_or_else(|| CronError {
                field: None,
                reason: "a schedule is cron(Minutes Hours Day-of-month Month Day-of-week Year)"
                    .into(),
            })?;
        let fields: Vec<&str> = inner.split_whitespace().collect();
        let [minutes, hours, dom, month, dow, year] = fields.as_slice() else {
            return Err(CronError {
                field: None,
                reason: format!(
                    "a cron expression has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), this one has {}",
                    fields.len()
                ),
            });
        };
        let days = match (*dom == "?", *dow == "?") {
            (true, true) => {
                return Err(CronError {
                    field: None,
                    reason: "Day-of-month and Day-of-week cannot both be '?'".into(),
                })
            }
            (false, false) => return Err(CronError {
                field: None,
                reason:
                    "one of Day-of-month and Day-of-week must be '?' (a schedule cannot name both)"
                        .into(),
            }),
            (false, true) => parse_day_of_month(dom)?,
            (true, false) => parse_day_of_week(dow)?,
        };
        let cron = Cron {
            minutes: MINUTES.parse(minutes, 0, |_| Ok(false))?,
            hours: HOURS.parse(hours, 0, |_| Ok(false))?,
            days,
            months: MONTH.parse(month, 0, |_| Ok(false))?,
            years: YEAR.parse(year, FIRST_YEAR, |_| Ok(false))?,
        };
        if let Some(gap) = cron.shortest_gap() {
            if gap < MIN_INTERVAL_MINUTES {
                return Err(CronError {
                    field: Some(MINUTES.name),
                    reason: format!(
                        "the schedule fires {gap} minute(s) apart; Glue schedules fire at most every {MIN_INTERVAL_MINUTES} minutes"
                    ),
                });
            }
        }
        Ok(cron)
    }

    /// The shortest time between two firings on one day or across an hour boundary (minutes),
    /// when the minutes alone decide it.
    fn shortest_gap(&self) -> Option<u32> {
        let minutes = self.minutes.members(59);
        let mut gaps: Vec<u32> = minutes.windows(2).map(|w| w[1] - w[0]).collect();
        let consecutive_hours =
            (0..24).any(|h| self.hours.contains(h) && self.hours.contains((h + 1) % 24));
        if let (Some(first), Some(last), true) =
            (minutes.first(), minutes.last(), consecutive_hours)
        {
            gaps.push(60 - last + first);
        }
        gaps.into_iter().min()
    }

    /// The first firing strictly after `after` (firings fall on whole minutes), or `None` when
    /// the schedule never fires again (its years are past, or its days never occur).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = after
            .naive_utc()
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))?
            + Duration::minutes(1);
        let mut t = start;
        loop {
            let year = u32::try_from(t.year()).ok()?;
            if year > LAST_YEAR {
                return None;
            }
            if year < FIRST_YEAR {
                t = midnight(FIRST_YEAR as i32, 1, 1)?;
                continue;
            }
            if !self.years.contains(year - FIRST_YEAR) {
                let next = self
                    .years
                    .next_from(year - FIRST_YEAR + 1, LAST_YEAR - FIRST_YEAR)?;
                t = midnight((next + FIRST_YEAR) as i32, 1, 1)?;
                continue;
            }
            if !self.months.contains(t.month()) {
                t = match self.months.next_from(t.month() + 1, 12) {
                    Some(m) => midnight(t.year(), m, 1)?,
                    None => midnight(t.year() + 1, 1, 1)?,
                };
                continue;
            }
            if !self.fires_on(t.date()) {
                t = t.date().succ_opt()?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            if !self.hours.contains(t.hour()) {
                t = match self.hours.next_from(t.hour() + 1, 23) {
                    Some(h) => t.date().and_hms_opt(h, 0, 0)?,
                    None => t.date().succ_opt()?.and_hms_opt(0, 0, 0)?,
                };
                continue;
            }
            if !self.minutes.contains(t.minute()) {
                t = match self.minutes.next_from(t.minute() + 1, 59) {
                    Some(m) => t.with_minute(m)?,
                    None => t.with_minute(0)? + Duration::hours(1),
                };
                continue;
            }
            return Some(Utc.from_utc_datetime(&t));
        }
    }

    fn fires_on(&self, date: NaiveDate) -> bool {
        let day = date.day();
        let last = days_in_month(date.year(), date.month());
        match &self.days {
            Days::OfMonth {
                days,
                last: on_last,
                last_weekday,
                nearest_weekday,
            } => {
                days.contains(day)
                    || (*on_last && day == last)
                    || (*last_weekday && day == last_weekday_of(date.year(), date.month()))
                    || nearest_weekday
                        .members(31)
                        .into_iter()
                        .any(|n| nearest_weekday_of(date.year(), date.month(), n) == Some(day))
            }
            Days::OfWeek {
                days,
                last_in_month,
                nth,
            } => {
                let weekday = date.weekday().number_from_sunday();
                days.contains(weekday)
                    || (last_in_month.contains(weekday) && day + 7 > last)
                    || nth
                        .iter()
                        .any(|(w, k)| *w == weekday && (day - 1) / 7 + 1 == *k)
            }
        }
    }
}

fn parse_day_of_month(text: &str) -> Result<Days, CronError> {
    let (mut last, mut last_weekday, mut nearest_weekday) = (false, false, Set::default());
    let days = DAY_OF_MONTH.parse(text, 0, |item| {
        match item {
            "L" => last = true,
            "LW" => last_weekday = true,
            _ if item.len() > 1 && item.ends_with('W') => {
                nearest_weekday.insert(DAY_OF_MONTH.value(&item[..item.len() - 1])?)
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(Days::OfMonth {
        days,
        last,
        last_weekday,
        nearest_weekday,
    })
}

fn parse_day_of_week(text: &str) -> Result<Days, CronError> {
    let (mut last_in_month, mut nth, mut saturday) = (Set::default(), Vec::new(), false);
    let mut days = DAY_OF_WEEK.parse(text, 0, |item| {
        if item == "L" {
            saturday = true;
        } else if let Some((day, k)) = item.split_once('#') {
            let day = DAY_OF_WEEK.value(day)?;
            match k.parse::<u32>() {
                Ok(k) if (1..=5).contains(&k) => nth.push((day, k)),
                _ => {
                    return fail(
                        DAY_OF_WEEK.name,
                        format!("'{item}': the week of the month after '#' is 1-5"),
                    )
                }
            }
        } else if item.len() > 1 && item.ends_with('L') {
            last_in_month.insert(DAY_OF_WEEK.value(&item[..item.len() - 1])?);
        } else {
            return Ok(false);
        }
        Ok(true)
    })?;
    if saturday {
        days.insert(7);
    }
    Ok(Days::OfWeek {
        days,
        last_in_month,
        nth,
    })
}

fn midnight(year: i32, month: u32, day: u32) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(0, 0, 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|d| d.pred_opt())
        .map(|d| d.day())
        .unwrap_or(28)
}

fn weekday_of(year: i32, month: u32, day: u32) -> Option<u32> {
    NaiveDate::from_ymd_opt(year, month, day).map(|d| d.weekday().number_from_sunday())
}

/// The last Monday-to-Friday of the month.
fn last_weekday_of(year: i32, month: u32) -> u32 {
    let last = days_in_month(year, month);
    match weekday_of(year, month, last) {
        Some(7) => last - 1,
        Some(1) => last - 2,
        _ => last,
    }
}

/// The Monday-to-Friday nearest the n-th, without leaving the month (`nW`); none when the
/// month has no n-th.
fn nearest_weekday_of(year: i32, month: u32, n: u32) -> Option<u32> {
    let last = days_in_month(year, month);
    if n > last {
        return None;
    }
    Some(match weekday_of(year, month, n)? {
        // Saturday: the Friday before, or the Monday after the 1st.
        7 if n == 1 => 3,
        7 => n - 1,
        // Sunday: the Monday after, or the Friday before the month's last day.
        1 if n == last => n - 2,
        1 => n + 1,
        _ => n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn next(expression: &str, after: &str) -> Option<String> {
        let cron = Cron::parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        cron.next_after(at(after))
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    }

    fn firings(expression: &str, after: &str, count: usize) -> Vec<String> {
        let cron = Cron::parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        let mut t = at(after);
        let mut out = Vec::new();
        for _ in 0..count {
            t = cron.next_after(t).expect("a next firing");
            out.push(t.format("%Y-%m-%dT%H:%M").to_string());
        }
        out
    }

    fn error(expression: &str) -> String {
        match Cron::parse(expression) {
            Ok(c) => panic!("{expression} parsed as {c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn every_day_at_a_quarter_past_noon() {
        let e = "cron(15 12 * * ? *)";
        assert_eq!(
            next(e, "2024-05-01T10:00:00Z").as_deref(),
            Some("2024-05-01T12:15:00Z")
        );
        // Strictly after: at the firing itself, the next one is a day later.
        assert_eq!(
            next(e, "2024-05-01T12:15:00Z").as_deref(),
            Some("2024-05-02T12:15:00Z")
        );
        assert_eq!(
            next(e, "2024-05-01T12:14:59.999Z").as_deref(),
            Some("2024-05-01T12:15:00Z")
        );
        assert_eq!(
            next(e, "2024-12-31T13:00:00Z").as_deref(),
            Some("2025-01-01T12:15:00Z")
        );
    }

    #[test]
    fn every_fifteen_minutes() {
        let e = "cron(0/15 * * * ? *)";
        assert_eq!(
            next(e, "2024-05-01T10:07:30Z").as_deref(),
            Some("2024-05-01T10:15:00Z")
        );
        assert_eq!(
            next(e, "2024-05-01T10:45:00Z").as_deref(),
            Some("2024-05-01T11:00:00Z")
        );
        assert_eq!(
            next(e, "2024-02-29T23:50:00Z").as_deref(),
            Some("2024-03-01T00:00:00Z")
        );
        assert_eq!(
            firings(e, "2024-05-01T10:00:00Z", 4),
            [
                "2024-05-01T10:15",
                "2024-05-01T10:30",
                "2024-05-01T10:45",
                "2024-05-01T11:00"
            ]
        );
        assert_eq!(
            firings("cron(*/20 * * * ? *)", "2024-05-01T10:00:00Z", 3),
            ["2024-05-01T10:20", "2024-05-01T10:40", "2024-05-01T11:00"]
        );
        assert_eq!(
            firings("cron(5/20 * * * ? *)", "2024-05-01T10:00:00Z", 4),
            [
                "2024-05-01T10:05",
                "2024-05-01T10:25",
                "2024-05-01T10:45",
                "2024-05-01T11:05"
            ]
        );
    }

    #[test]
    fn weekdays_at_six_pm() {
        let e = "cron(0 18 ? * MON-FRI *)";
        // 2024-05-03 is a Friday: after its firing comes Monday the 6th.
        assert_eq!(
            next(e, "2024-05-03T18:00:00Z").as_deref(),
            Some("2024-05-06T18:00:00Z")
        );
        assert_eq!(
            next(e, "2024-05-04T09:00:00Z").as_deref(),
            Some("2024-05-06T18:00:00Z")
        );
        assert_eq!(
            next(e, "2024-05-07T17:59:00Z").as_deref(),
            Some("2024-05-07T18:00:00Z")
        );
        // Numbers are the same days: 2 is Monday, 6 Friday; names ignore case.
        assert_eq!(Cron::parse("cron(0 18 ? * 2-6 *)"), Cron::parse(e));
        assert_eq!(Cron::parse("cron(0 18 ? * mon-fri *)"), Cron::parse(e));
    }

    #[test]
    fn last_day_of_the_month() {
        let e = "cron(0 10 L * ? *)";
        assert_eq!(
            next(e, "2024-02-10T00:00:00Z").as_deref(),
            Some("2024-02-29T10:00:00Z")
        );
        assert_eq!(
            next(e, "2023-02-10T00:00:00Z").as_deref(),
            Some("2023-02-28T10:00:00Z")
        );
        assert_eq!(
            next(e, "2023-02-28T10:00:00Z").as_deref(),
            Some("2023-03-31T10:00:00Z")
        );
        assert_eq!(
            next(e, "2024-04-30T10:00:01Z").as_deref(),
            Some("2024-05-31T10:00:00Z")
        );
    }

    #[test]
    fn first_monday_of_the_month() {
        let e = "cron(0 8 ? * 2#1 *)";
        assert_eq!(
            next(e, "2024-05-01T00:00:00Z").as_deref(),
            Some("2024-05-06T08:00:00Z")
        );
        // June 2024 begins on a Saturday.
        assert_eq!(
            next(e, "2024-05-06T08:00:00Z").as_deref(),
            Some("2024-06-03T08:00:00Z")
        );
        assert_eq!(
            firings("cron(0 8 ? * MON#3 *)", "2024-01-01T00:00:00Z", 2),
            ["2024-01-15T08:00", "2024-02-19T08:00"]
        );
    }

    #[test]
    fn last_weekdays_and_nearest_weekdays() {
        // The last Friday of May 2024 is the 31st, of June the 28th.
        assert_eq!(
            firings("cron(0 12 ? * 6L *)", "2024-05-01T00:00:00Z", 2),
            ["2024-05-31T12:00", "2024-06-28T12:00"]
        );
        // L alone in Day-of-week is the week's last day, Saturday.
        assert_eq!(
            next("cron(0 12 ? * L *)", "2024-05-01T00:00:00Z").as_deref(),
            Some("2024-05-04T12:00:00Z")
        );
        // 2024-06-15 is a Saturday: 15W is Friday the 14th; 2024-06-01 is a Saturday too, and 1W
        // stays in June: Monday the 3rd.
        assert_eq!(
            next("cron(0 12 15W * ? *)", "2024-06-01T00:00:00Z").as_deref(),
            Some("2024-06-14T12:00:00Z")
        );
        assert_eq!(
            next("cron(0 12 1W * ? *)", "2024-05-31T00:00:00Z").as_deref(),
            Some("2024-06-03T12:00:00Z")
        );
        // 2024-09-30 is a Monday, 2024-03-31 a Sunday: 31W of March is Friday the 29th.
        assert_eq!(
            next("cron(0 12 31W * ? *)", "2024-03-01T00:00:00Z").as_deref(),
            Some("2024-03-29T12:00:00Z")
        );
        // August 2024 ends on a Saturday: its last weekday is Friday the 30th.
        assert_eq!(
            next("cron(0 12 LW * ? *)", "2024-08-01T00:00:00Z").as_deref(),
            Some("2024-08-30T12:00:00Z")
        );
    }

    #[test]
    fn lists_ranges_that_wrap_months_and_years() {
        assert_eq!(
            firings("cron(0 22-2 * * ? *)", "2024-05-01T02:30:00Z", 5),
            [
                "2024-05-01T22:00",
                "2024-05-01T23:00",
                "2024-05-02T00:00",
                "2024-05-02T01:00",
                "2024-05-02T02:00"
            ]
        );
        assert_eq!(
            firings("cron(30 9 1,15 JAN,JUL ? *)", "2024-01-10T00:00:00Z", 3),
            ["2024-01-15T09:30", "2024-07-01T09:30", "2024-07-15T09:30"]
        );
        assert_eq!(
            firings("cron(0 0 1 NOV-FEB ? *)", "2024-03-01T00:00:00Z", 3),
            ["2024-11-01T00:00", "2024-12-01T00:00", "2025-01-01T00:00"]
        );
        assert_eq!(
            next("cron(0 0 1 1 ? 2030)", "2024-06-01T00:00:00Z").as_deref(),
            Some("2030-01-01T00:00:00Z")
        );
        assert_eq!(next("cron(0 0 1 1 ? 2030)", "2030-01-01T00:00:00Z"), None);
        assert_eq!(
            firings("cron(0 0 1 1 ? 2030-2040/5)", "2024-06-01T00:00:00Z", 3),
            ["2030-01-01T00:00", "2035-01-01T00:00", "2040-01-01T00:00"]
        );
        // February never has a 30th.
        assert_eq!(next("cron(0 0 30 2 ? *)", "2024-01-01T00:00:00Z"), None);
        assert_eq!(
            next("cron(0 0 29 2 ? *)", "2024-03-01T00:00:00Z").as_deref(),
            Some("2028-02-29T00:00:00Z")
        );
    }

    /// The next firing is the first whole minute after the instant that matches every field,
    /// found here minute by minute.
    #[test]
    fn next_firing_agrees_with_a_minute_by_minute_search() {
        let expressions = [
            "cron(15 12 * * ? *)",
            "cron(0/15 * * * ? *)",
            "cron(0 18 ? * MON-FRI *)",
            "cron(0 10 L * ? *)",
            "cron(0 8 ? * 2#1 *)",
            "cron(7,37 */5 1-10,20 * ? *)",
            "cron(30 23 LW * ? *)",
            "cron(45 6 ? * 1L,SAT *)",
            "cron(0 0 15W JAN-MAR,OCT ? 2024-2026)",
        ];
        let starts = [
            "2024-01-30T23:59:30Z",
            "2024-02-28T12:00:00Z",
            "2025-12-31T23:45:00Z",
        ];
        for e in expressions {
            let cron = Cron::parse(e).unwrap_or_else(|err| panic!("{e}: {err}"));
            for start in starts {
                let after = at(start);
                let mut t = after
                    .naive_utc()
                    .with_second(0)
                    .and_then(|t| t.with_nanosecond(0))
                    .expect("minute");
                let expected = loop {
                    t += Duration::minutes(1);
                    let matches = cron.years.contains(t.year() as u32 - FIRST_YEAR)
                        && cron.months.contains(t.month())
                        && cron.fires_on(t.date())
                        && cron.hours.contains(t.hour())
                        && cron.minutes.contains(t.minute());
                    if matches {
                        break Some(t);
                    }
                    if t.year() > 2026 {
                        break None;
                    }
                };
                assert_eq!(
                    cron.next_after(after).map(|t| t.naive_utc()),
                    expected,
                    "{e} after {start}"
                );
            }
        }
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        assert!(error("15 12 * * ? *").contains("cron(Minutes Hours"));
        assert!(error("cron(15 12 * * *)").contains("6 fields"));
        assert!(error("cron(15 12 * * ? * *)").contains("this one has 7"));
        assert_eq!(
            error("cron(60 12 * * ? *)"),
            "Minutes field: 60 is out of range 0-59"
        );
        assert_eq!(
            error("cron(0 24 * * ? *)"),
            "Hours field: 24 is out of range 0-23"
        );
        assert_eq!(
            error("cron(0 12 32 * ? *)"),
            "Day-of-month field: 32 is out of range 1-31"
        );
        assert_eq!(
            error("cron(0 12 * 13 ? *)"),
            "Month field: 13 is out of range 1-12"
        );
        assert_eq!(
            error("cron(0 12 ? * 8 *)"),
            "Day-of-week field: 8 is out of range 1-7"
        );
        assert_eq!(
            error("cron(0 12 * * ? 1969)"),
            "Year field: 1969 is out of range 1970-2199"
        );
        assert!(
            error("cron(0 12 * * * *)").contains("one of Day-of-month and Day-of-week must be '?'")
        );
        assert!(error("cron(0 12 ? * ? *)").contains("cannot both be '?'"));
        assert!(error("cron(0 12 ? * 2#6 *)").starts_with("Day-of-week field: '2#6'"));
        assert!(error("cron(0 12 ? * MON-XYZ *)")
            .starts_with("Day-of-week field: 'XYZ' is not a value (1-7 or SUN-SAT)"));
        assert!(error("cron(0 12 * FOO ? *)")
            .starts_with("Month field: 'FOO' is not a value (1-12 or JAN-DEC)"));
        assert!(error("cron(0 L * * ? *)").starts_with("Hours field:"));
        assert!(error("cron(0 12 * L ? *)").starts_with("Month field:"));
        assert!(error("cron(0 12 ? * 2W *)").starts_with("Day-of-week field:"));
        assert!(error("cron(0 12 5#2 * ? *)").starts_with("Day-of-month field:"));
        assert!(error("cron(0/0 12 * * ? *)").contains("not a positive increment"));
        assert!(error("cron(0,,5 12 * * ? *)").contains("empty list item"));
        assert!(error("cron(0 12 * * ? 2030-2020)").contains("ends before it starts"));
        assert!(error("cron(-1 12 * * ? *)").starts_with("Minutes field:"));
    }

    #[test]
    fn schedules_more_often_than_every_five_minutes_are_refused() {
        assert!(error("cron(* * * * ? *)").contains("1 minute(s) apart"));
        assert!(error("cron(0/2 * * * ? *)").contains("2 minute(s) apart"));
        // 58 and 0 of the next hour are two minutes apart.
        assert!(error("cron(0,58 * * * ? *)").contains("2 minute(s) apart"));
        assert!(
            Cron::parse("cron(0,58 1,3 * * ? *)").is_ok(),
            "hours apart: never two minutes"
        );
        assert!(Cron::parse("cron(0/5 8-17 ? * MON-FRI *)").is_ok());
        assert!(Cron::parse("cron(0/10 * ? * MON-FRI *)").is_ok());
    }
}
