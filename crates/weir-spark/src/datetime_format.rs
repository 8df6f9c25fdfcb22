//! Formatting with Spark's datetime patterns (`date_format`, `from_unixtime`): the letters of
//! Java's `DateTimeFormatter` as Spark 3+ allows them, in English, for Weir's UTC session.
//!
//! Spark refuses week-based letters (`Y`, `w`, `W`, `u`, `e`, `c`), the letters `A`, `B`, `n`,
//! `N`, `p`, five letters of `G`, `M`, `L`, `E`, `Q`, `q` and seven of `y`; Java refuses more
//! letters than a field has forms (`ddd`, `aa`, `HHH`, …) and unknown letters. Those patterns
//! are errors here too. `y` is the proleptic year (as Spark's substitution of `u` makes it)
//! unless the pattern has an era (`G`). Zones and offsets print the session's: UTC.

use super::datetime_pattern::MONTHS;
use chrono::{Datelike, NaiveDateTime, Timelike};

/// A Spark datetime pattern compiled for formatting.
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    items: Vec<Item>,
    era: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Literal(String),
    Field(char, usize),
    /// `[…]`: always printed (every field is known when formatting).
    Optional(Vec<Item>),
}

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl Format {
    /// Compiles `pattern`; the error is Spark's or Java's reason for refusing it.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let items = compile(&chars, &mut pos, false)?;
        let era = contains_letter(&items, 'G');
        Ok(Self { items, era })
    }

    /// `at` written with the pattern.
    pub fn format(&self, at: NaiveDateTime) -> String {
        let mut out = String::with_capacity(32);
        self.write(&self.items, at, &mut out);
        out
    }

    fn write(&self, items: &[Item], at: NaiveDateTime, out: &mut String) {
        for item in items {
            match item {
                Item::Literal(text) => out.push_str(text),
                Item::Optional(inner) => self.write(inner, at, out),
                Item::Field(letter, count) => self.field(*letter, *count, at, out),
            }
        }
    }

    fn field(&self, letter: char, count: usize, at: NaiveDateTime, out: &mut String) {
        let year = i64::from(at.year());
        let month = at.month() as usize;
        let quarter = (month - 1) / 3 + 1;
        let hour = i64::from(at.hour());
        match letter {
            'G' => out.push_str(match (count, year > 0) {
                (4, true) => "Anno Domini",
                (4, false) => "Before Christ",
                (_, true) => "AD",
                (_, false) => "BC",
            }),
            'y' => {
                let year = match (self.era, year > 0) {
                    (true, false) => 1 - year,
                    _ => year,
                };
                match count {
                    2 => pad(out, year.rem_euclid(100), 2),
                    1..=3 => signed(out, year, count, false),
                    _ => signed(out, year, count, true),
                }
            }
            'M' | 'L' => match count {
                3 => out.push_str(&MONTHS[month - 1][..3]),
                4 => out.push_str(MONTHS[month - 1]),
                _ => pad(out, month as i64, count),
            },
            'Q' | 'q' => match count {
                3 => {
                    out.push('Q');
                    pad(out, quarter as i64, 1);
                }
                4 => {
                    out.push_str(["1st", "2nd", "3rd", "4th"][quarter - 1]);
                    out.push_str(" quarter");
                }
                _ => pad(out, quarter as i64, count),
            },
            'd' => pad(out, i64::from(at.day()), count),
            'D' => pad(out, i64::from(at.ordinal()), count),
            'F' => pad(out, i64::from((at.day() - 1) % 7 + 1), count),
            'E' => {
                let day = DAYS[at.weekday().num_days_from_monday() as usize];
                out.push_str(if count == 4 { day } else { &day[..3] });
            }
            'a' => out.push_str(if hour < 12 { "AM" } else { "PM" }),
            'H' => pad(out, hour, count),
            'k' => pad(out, if hour == 0 { 24 } else { hour }, count),
            'K' => pad(out, hour % 12, count),
            'h' => pad(out, if hour % 12 == 0 { 12 } else { hour % 12 }, count),
            'm' => pad(out, i64::from(at.minute()), count),
            's' => pad(out, i64::from(at.second()), count),
            'S' => {
                let nanos = format!("{:09}", at.nanosecond() % 1_000_000_000);
                out.push_str(&nanos[..count.min(9)]);
            }
            'V' => out.push_str("UTC"),
            'z' | 'v' => out.push_str(if count == 4 {
                "Coordinated Universal Time"
            } else {
                "UTC"
            }),
            'O' => out.push_str("GMT"),
            'X' => out.push('Z'),
            'x' => out.push_str(match count {
                1 => "+00",
                2 | 4 => "+0000",
                _ => "+00:00",
            }),
            'Z' => out.push_str(match count {
                4 => "GMT",
                5 => "Z",
                _ => "+0000",
            }),
            _ => {}
        }
    }
}

/// `value` with at least `width` digits.
fn pad(out: &mut String, value: i64, width: usize) {
    out.push_str(&format!("{value:0width$}"));
}

/// A year: at least `width` digits, `-` when negative, `+` when it has more digits than
/// `width` and `exceeds_pad` (Java's `SignStyle.EXCEEDS_PAD`).
fn signed(out: &mut String, value: i64, width: usize, exceeds_pad: bool) {
    let digits = value.unsigned_abs().to_string();
    if value < 0 {
        out.push('-');
    } else if exceeds_pad && digits.len() > width {
        out.push('+');
    }
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

fn contains_letter(items: &[Item], letter: char) -> bool {
    items.iter().any(|item| match item {
        Item::Field(l, _) => *l == letter,
        Item::Optional(inner) => contains_letter(inner, letter),
        Item::Literal(_) => false,
    })
}

/// The most letters each field takes (Java's and Spark's limits), or why the letter is refused.
fn max_letters(letter: char) -> Result<usize, String> {
    Ok(match letter {
        'Y' | 'W' | 'w' | 'u' | 'e' | 'c' => {
            return Err(format!(
                "all week-based patterns are unsupported since Spark 3.0, detected: {letter}; use the SQL function EXTRACT instead"
            ))
        }
        'A' | 'B' | 'n' | 'N' | 'p' => return Err(format!("illegal pattern character: {letter}")),
        'G' | 'M' | 'L' | 'E' | 'Q' | 'q' => 4,
        'y' => 6,
        'd' | 'H' | 'h' | 'K' | 'k' | 'm' | 's' | 'F' => 2,
        'D' => 3,
        'S' => 9,
        'a' => 1,
        'O' => 4,
        'V' => 2,
        'z' | 'v' => 4,
        'X' | 'x' | 'Z' => 5,
        _ => return Err(format!("unknown pattern letter: {letter}")),
    })
}

fn compile(chars: &[char], pos: &mut usize, nested: bool) -> Result<Vec<Item>, String> {
    let mut items: Vec<Item> = Vec::new();
    let literal = |items: &mut Vec<Item>, text: &str| match items.last_mut() {
        Some(Item::Literal(last)) => last.push_str(text),
        _ => items.push(Item::Literal(text.to_string())),
    };
    while *pos < chars.len() {
        let c = chars[*pos];
        match c {
            '\'' => {
                let text = super::datetime_pattern::quoted(chars, pos)?;
                literal(&mut items, &text);
            }
            '[' => {
                *pos += 1;
                items.push(Item::Optional(compile(chars, pos, true)?));
            }
            ']' if nested => {
                *pos += 1;
                return Ok(items);
            }
            ']' => return Err("the pattern has ']' without '['".into()),
            '#' | '{' | '}' => return Err(format!("the pattern character '{c}' is reserved")),
            c if c.is_ascii_alphabetic() => {
                let count = chars[*pos..].iter().take_while(|&&d| d == c).count();
                *pos += count;
                let max = max_letters(c)?;
                if count > max {
                    let run: String = std::iter::repeat_n(c, count).collect();
                    return Err(format!(
                        "too many letters in datetime pattern: {run}; please reduce pattern length"
                    ));
                }
                if c == 'V' && count != 2 {
                    return Err("pattern letter count must be 2: V".into());
                }
                if c == 'O' && count != 1 && count != 4 {
                    return Err("pattern letter count must be 1 or 4: O".into());
                }
                items.push(Item::Field(c, count));
            }
            c => {
                literal(&mut items, &c.to_string());
                *pos += 1;
            }
        }
    }
    if nested {
        return Err("the pattern has '[' without ']'".into());
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::Format;
    use chrono::NaiveDateTime;

    /// `at` (`yyyy-mm-dd hh:mm:ss.ffffff`) formatted with `pattern`.
    fn format(pattern: &str, at: &str) -> String {
        let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        Format::new(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .format(at)
    }

    #[test]
    fn fields_are_written_as_java_writes_them() {
        let f = |p: &str| format(p, "2024-02-29 23:59:05.999999");
        assert_eq!(f("yyyy-MM-dd HH:mm:ss.SSS"), "2024-02-29 23:59:05.999");
        assert_eq!(f("yy y yyy yyyyy"), "24 2024 2024 02024");
        assert_eq!(f("M MM MMM MMMM"), "2 02 Feb February");
        assert_eq!(f("d D DD DDD"), "29 60 60 060");
        assert_eq!(f("Q QQ QQQ QQQQ q"), "1 01 Q1 1st quarter 1");
        assert_eq!(f("E EEE EEEE"), "Thu Thu Thursday");
        assert_eq!(f("h:m:s a k K"), "11:59:5 PM 23 11");
        assert_eq!(f("SSSSSS SSSSSSSSS S"), "999999 999999000 9");
        assert_eq!(f("yyyy-MM-dd'T'HH:mm:ss''X"), "2024-02-29T23:59:05'Z");
        assert_eq!(f("[yyyy]G xxx Z"), "2024AD +00:00 +0000");
        assert_eq!(format("hh a", "2024-01-01 00:00:00.0"), "12 AM");
        assert_eq!(format("yyyy", "+12345-01-01 00:00:00.0"), "+12345");
        assert_eq!(format("yyyy", "0001-01-01 00:00:00.0"), "0001");
    }

    #[test]
    fn refused_patterns_are_errors() {
        for pattern in [
            "qqqqq", "MMMMM", "yyyyyyy", "ddd", "aa", "YYYY", "ww", "u", "b", "A", "'open", "a]",
            "{",
        ] {
            assert!(Format::new(pattern).is_err(), "{pattern}");
        }
    }
}
