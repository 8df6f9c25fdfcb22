//! Conditions and their operands: what a rule's metric is compared with.
//!
//! The kind of a condition (number, string, date, duration, size) is decided by the syntax of its
//! operands and must be one the rule type accepts (see [`crate::RuleType`]).

/// A double-quoted string exactly as written between the quotes (escapes kept), so that it prints
/// back unchanged. [`QuotedString::value`] gives the text with `\"` and `\\` unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuotedString {
    raw: String,
}

impl QuotedString {
    /// A quoted string whose value is `value`: `"` and `\` are escaped.
    pub fn new(value: &str) -> QuotedString {
        let mut raw = String::with_capacity(value.len());
        for c in value.chars() {
            if c == '"' || c == '\\' {
                raw.push('\\');
            }
            raw.push(c);
        }
        QuotedString { raw }
    }

    /// The text between the quotes as written. `None` if it could not have been written between
    /// quotes (an unescaped `"` or a final lone backslash).
    pub fn from_raw(raw: &str) -> Option<QuotedString> {
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return None,
                '\\' if chars.next().is_none() => return None,
                _ => {}
            }
        }
        Some(QuotedString {
            raw: raw.to_owned(),
        })
    }

    /// The text between the quotes, as written.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The text with `\"` and `\\` unescaped; any other backslash is kept.
    pub fn value(&self) -> String {
        let mut out = String::with_capacity(self.raw.len());
        let mut chars = self.raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(&next) = chars.peek() {
                    if next == '"' || next == '\\' {
                        out.push(next);
                        chars.next();
                        continue;
                    }
                }
            }
            out.push(c);
        }
        out
    }
}

/// A number literal, kept as written (`1.0` stays `1.0`, `-0.5` stays `-0.5`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NumberLiteral {
    text: String,
}

impl NumberLiteral {
    /// A literal from its text: an optional `-`, digits, optionally `.` and digits.
    pub fn parse(text: &str) -> Option<NumberLiteral> {
        is_number_text(text).then(|| NumberLiteral {
            text: text.to_owned(),
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The value as a double (literals beyond the double range become infinite).
    pub fn value(&self) -> f64 {
        self.text.parse().unwrap_or(f64::NAN)
    }

    /// The value as a non-negative integer, if the literal is one that fits in `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        if self.text.bytes().all(|b| b.is_ascii_digit()) {
            self.text.parse().ok()
        } else {
            None
        }
    }
}

/// `-?[0-9]+(\.[0-9]+)?`
pub(crate) fn is_number_text(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

/// `=`, `!=`, `>`, `>=`, `<`, `<=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Equals,
    NotEquals,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
}

impl CompareOp {
    pub const ALL: [CompareOp; 6] = [
        CompareOp::Equals,
        CompareOp::NotEquals,
        CompareOp::GreaterThan,
        CompareOp::GreaterThanOrEqual,
        CompareOp::LessThan,
        CompareOp::LessThanOrEqual,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Equals => "=",
            CompareOp::NotEquals => "!=",
            CompareOp::GreaterThan => ">",
            CompareOp::GreaterThanOrEqual => ">=",
            CompareOp::LessThan => "<",
            CompareOp::LessThanOrEqual => "<=",
        }
    }
}

/// The operator forms shared by every condition kind. `between` is exclusive of both bounds and its
/// bounds are not reordered; `not between a and b` holds for `m <= a` or `m >= b`.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison<T> {
    Compare(CompareOp, T),
    Between {
        negated: bool,
        low: T,
        high: T,
    },
    /// `in [..]` / `not in [..]`; never empty.
    In {
        negated: bool,
        items: Vec<T>,
    },
}

impl<T> Comparison<T> {
    /// The same comparison with each operand mapped by `f` (the first error returned).
    pub fn try_map<U, E>(&self, f: impl Fn(&T) -> Result<U, E>) -> Result<Comparison<U>, E> {
        Ok(match self {
            Comparison::Compare(op, x) => Comparison::Compare(*op, f(x)?),
            Comparison::Between { negated, low, high } => Comparison::Between {
                negated: *negated,
                low: f(low)?,
                high: f(high)?,
            },
            Comparison::In { negated, items } => Comparison::In {
                negated: *negated,
                items: items.iter().map(f).collect::<Result<_, _>>()?,
            },
        })
    }

    /// Whether any operand satisfies `f`.
    pub fn any(&self, f: impl Fn(&T) -> bool) -> bool {
        match self {
            Comparison::Compare(_, x) => f(x),
            Comparison::Between { low, high, .. } => f(low) || f(high),
            Comparison::In { items, .. } => items.iter().any(f),
        }
    }
}

/// `+ - * /`: all four have the same precedence and associate to the left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
    Add,
    Subtract,
    Multiply,
    Divide,
}

impl ArithOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Subtract => "-",
            ArithOp::Multiply => "*",
            ArithOp::Divide => "/",
        }
    }
}

/// A numeric expression: literals, dynamic functions over the metric history (`last(k)`,
/// `avg(..)`, `min`, `max`, `std`, `index`, `abs`, … — any name parses; unknown ones fail at
/// evaluation) and arithmetic. Explicit parentheses are kept so the text prints as written.
#[derive(Debug, Clone, PartialEq)]
pub enum NumExpr {
    Number(NumberLiteral),
    Parens(Box<NumExpr>),
    Call {
        name: String,
        args: Vec<NumExpr>,
    },
    Binary {
        left: Box<NumExpr>,
        op: ArithOp,
        right: Box<NumExpr>,
    },
}

impl NumExpr {
    /// Whether the expression reads the metric history (contains a function call).
    pub fn is_dynamic(&self) -> bool {
        match self {
            NumExpr::Number(_) => false,
            NumExpr::Parens(inner) => inner.is_dynamic(),
            NumExpr::Call { .. } => true,
            NumExpr::Binary { left, right, .. } => left.is_dynamic() || right.is_dynamic(),
        }
    }
}

/// An operand of a numeric condition.
#[derive(Debug, Clone, PartialEq)]
pub enum NumOperand {
    /// `NULL`: the value is null (`= NULL`) or may be null (`in [1, NULL]`).
    Null,
    Expr(NumExpr),
}

/// An operand of a string condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StringOperand {
    Quoted(QuotedString),
    Null,
    /// `EMPTY`: the empty string.
    Empty,
    /// `WHITESPACES_ONLY`: a non-empty string of whitespace only.
    WhitespacesOnly,
    /// `$name`, a string variable (only as the operand of `=`/`!=`/comparisons).
    Variable(String),
}

/// A string condition.
#[derive(Debug, Clone, PartialEq)]
pub enum StringCondition {
    Comparison(Comparison<StringOperand>),
    /// `in $name` / `not in $name`: the set is a declared variable (a string or a list).
    InVariable {
        negated: bool,
        name: String,
    },
    /// `matches "re"` / `not matches "re"`: a full-match regular expression.
    Matches {
        negated: bool,
        pattern: QuotedString,
    },
}

/// A calendar date literal, `"YYYY-MM-DD"` (midnight of that day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A valid calendar date (proleptic Gregorian), or `None`.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        if year > 9999 || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (day <= days).then_some(Date { year, month, day })
    }
}

/// A time-of-day literal (`"9:30 AM"`, `"09:30 PM"`, `"21:45"`): that time today in the rule's
/// `timeZone` (default UTC). Kept as written for printing, with its 24-hour reading.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimeOfDay {
    text: String,
    hour: u8,
    minute: u8,
}

impl TimeOfDay {
    /// Reads `H:MM AM|PM`, `HH:MM AM|PM` (hours 1–12) or `HH:MM` (hours 0–23). `None` if the text
    /// does not have one of these shapes; `Some(Err(..))` if it has the shape but is not a time
    /// (`"25:30"`, `"13:30 PM"`).
    pub fn parse(text: &str) -> Option<Result<TimeOfDay, String>> {
        let b = text.as_bytes();
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        let twelve = |hour_len: usize| {
            b.len() == hour_len + 6
                && digits(&b[..hour_len])
                && b[hour_len] == b':'
                && digits(&b[hour_len + 1..hour_len + 3])
                && b[hour_len + 3] == b' '
                && matches!(&b[hour_len + 4..], b"AM" | b"PM")
        };
        let (hour_len, pm) = if twelve(1) || twelve(2) {
            let hour_len = b.len() - 6;
            (hour_len, Some(&b[hour_len + 4..] == b"PM"))
        } else if b.len() == 5 && digits(&b[..2]) && b[2] == b':' && digits(&b[3..]) {
            (2, None)
        } else {
            return None;
        };
        let num = |s: &[u8]| s.iter().fold(0u8, |n, d| n * 10 + (d - b'0'));
        let hour = num(&b[..hour_len]);
        let minute = num(&b[hour_len + 1..hour_len + 3]);
        let hour = match pm {
            Some(_) if !(1..=12).contains(&hour) => None,
            Some(pm) => Some(hour % 12 + if pm { 12 } else { 0 }),
            None => (hour < 24).then_some(hour),
        };
        Some(match hour {
            Some(hour) if minute < 60 => Ok(TimeOfDay {
                text: text.to_owned(),
                hour,
                minute,
            }),
            _ => Err(format!("\"{text}\" is not a valid time of day")),
        })
    }

    /// The literal as written between the quotes.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Hour on a 24-hour clock (0–23).
    pub fn hour(&self) -> u8 {
        self.hour
    }

    pub fn minute(&self) -> u8 {
        self.minute
    }
}

/// `days`, `hours`, `minutes` (lowercase plural only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    Days,
    Hours,
    Minutes,
}

impl DurationUnit {
    pub fn name(self) -> &'static str {
        match self {
            DurationUnit::Days => "days",
            DurationUnit::Hours => "hours",
            DurationUnit::Minutes => "minutes",
        }
    }

    pub fn from_name(name: &str) -> Option<DurationUnit> {
        [
            DurationUnit::Days,
            DurationUnit::Hours,
            DurationUnit::Minutes,
        ]
        .into_iter()
        .find(|u| u.name() == name)
    }
}

/// `N days|hours|minutes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    pub amount: u64,
    pub unit: DurationUnit,
}

/// `+` or `-` in `(now() ± N unit)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sign {
    Plus,
    Minus,
}

/// An operand of a date condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DateOperand {
    Date(Date),
    TimeOfDay(TimeOfDay),
    /// `now()`: the current UTC time, truncated to the minute.
    Now,
    /// `(now() - 3 days)`, `(now() + 4 hours)`.
    NowOffset {
        sign: Sign,
        offset: Duration,
    },
    Null,
}

/// `B`, `KB`, `MB`, `GB`, `TB` (binary multiples: 1 KB = 1024 B).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SizeUnit {
    B,
    KB,
    MB,
    GB,
    TB,
}

impl SizeUnit {
    pub const ALL: [SizeUnit; 5] = [
        SizeUnit::B,
        SizeUnit::KB,
        SizeUnit::MB,
        SizeUnit::GB,
        SizeUnit::TB,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SizeUnit::B => "B",
            SizeUnit::KB => "KB",
            SizeUnit::MB => "MB",
            SizeUnit::GB => "GB",
            SizeUnit::TB => "TB",
        }
    }

    pub fn from_name(name: &str) -> Option<SizeUnit> {
        SizeUnit::ALL.into_iter().find(|u| u.name() == name)
    }

    /// Bytes per unit.
    pub fn bytes(self) -> u64 {
        match self {
            SizeUnit::B => 1,
            SizeUnit::KB => 1 << 10,
            SizeUnit::MB => 1 << 20,
            SizeUnit::GB => 1 << 30,
            SizeUnit::TB => 1 << 40,
        }
    }
}

/// `N B|KB|MB|GB|TB`; a unit-less integer in a size condition means bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Size {
    pub amount: u64,
    pub unit: SizeUnit,
}

/// The kinds of condition a rule type may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionKind {
    Number,
    String,
    Date,
    Duration,
    Size,
}

impl ConditionKind {
    /// "a numeric condition", "a string condition", …
    pub fn describe(self) -> &'static str {
        match self {
            ConditionKind::Number => "a numeric condition",
            ConditionKind::String => "a string condition",
            ConditionKind::Date => "a date condition",
            ConditionKind::Duration => "a duration condition (like `<= 3 days`)",
            ConditionKind::Size => "a size condition (like `< 5 MB`)",
        }
    }
}

/// A rule's condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Number(Comparison<NumOperand>),
    String(StringCondition),
    Date(Comparison<DateOperand>),
    Duration(Comparison<Duration>),
    Size(Comparison<Size>),
}

impl Condition {
    pub fn kind(&self) -> ConditionKind {
        match self {
            Condition::Number(_) => ConditionKind::Number,
            Condition::String(_) => ConditionKind::String,
            Condition::Date(_) => ConditionKind::Date,
            Condition::Duration(_) => ConditionKind::Duration,
            Condition::Size(_) => ConditionKind::Size,
        }
    }
}

impl Condition {
    /// The condition with the items of `in`/`not in` sets in a stable order, for rule identities
    /// that do not depend on how a set was written: numbers by value (expressions other than plain
    /// literals after them, by their text), `NULL` last; strings by their printed form in
    /// code-point order (so quoted strings come before keywords). Other kinds are unchanged.
    pub fn with_sorted_sets(&self) -> Condition {
        match self {
            Condition::Number(Comparison::In { negated, items }) => {
                let mut items = items.clone();
                items.sort_by_cached_key(number_sort_key);
                Condition::Number(Comparison::In {
                    negated: *negated,
                    items,
                })
            }
            Condition::String(StringCondition::Comparison(Comparison::In { negated, items })) => {
                let mut items = items.clone();
                items.sort_by_cached_key(ToString::to_string);
                Condition::String(StringCondition::Comparison(Comparison::In {
                    negated: *negated,
                    items,
                }))
            }
            other => other.clone(),
        }
    }

    /// The condition with its quoted strings lower-cased (keywords and variables unchanged), the
    /// form compared under `with ignoreCase = "true"`.
    pub fn with_lowercase_strings(&self) -> Condition {
        let lower = |o: &StringOperand| match o {
            StringOperand::Quoted(q) => StringOperand::Quoted(QuotedString {
                raw: q.raw.to_lowercase(),
            }),
            other => other.clone(),
        };
        match self {
            Condition::String(StringCondition::Comparison(c)) => {
                Condition::String(StringCondition::Comparison(match c {
                    Comparison::Compare(op, o) => Comparison::Compare(*op, lower(o)),
                    Comparison::Between { negated, low, high } => Comparison::Between {
                        negated: *negated,
                        low: lower(low),
                        high: lower(high),
                    },
                    Comparison::In { negated, items } => Comparison::In {
                        negated: *negated,
                        items: items.iter().map(lower).collect(),
                    },
                }))
            }
            other => other.clone(),
        }
    }
}

/// Literals by value, then other expressions by text, then NULL.
fn number_sort_key(operand: &NumOperand) -> (u8, TotalF64, String) {
    match operand {
        NumOperand::Expr(NumExpr::Number(n)) => (0, TotalF64(n.value()), String::new()),
        NumOperand::Expr(e) => (1, TotalF64(0.0), format!("{e}")),
        NumOperand::Null => (2, TotalF64(0.0), String::new()),
    }
}

/// An `f64` ordered by `total_cmp`.
#[derive(PartialEq)]
struct TotalF64(f64);

impl Eq for TotalF64 {}

impl PartialOrd for TotalF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TotalF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_string_escapes_round_trip() {
        let q = QuotedString::new(r#"a "b" \c"#);
        assert_eq!(q.raw(), r#"a \"b\" \\c"#);
        assert_eq!(q.value(), r#"a "b" \c"#);
        assert_eq!(
            QuotedString::from_raw(r"\d+").map(|q| q.value()),
            Some(r"\d+".into())
        );
        assert_eq!(QuotedString::from_raw(r#"a"b"#), None);
        assert_eq!(QuotedString::from_raw("a\\"), None);
    }

    #[test]
    fn times_of_day() {
        let t = |s: &str| TimeOfDay::parse(s).map(|r| r.map(|t| (t.hour(), t.minute())));
        assert_eq!(t("9:30 AM"), Some(Ok((9, 30))));
        assert_eq!(t("12:05 AM"), Some(Ok((0, 5))));
        assert_eq!(t("12:05 PM"), Some(Ok((12, 5))));
        assert_eq!(t("09:30 PM"), Some(Ok((21, 30))));
        assert_eq!(t("21:45"), Some(Ok((21, 45))));
        assert!(matches!(t("25:30"), Some(Err(_))));
        assert!(matches!(t("13:30 PM"), Some(Err(_))));
        assert_eq!(t("9:30"), None);
        assert_eq!(t("9:30 am"), None);
        assert_eq!(t("9:30  AM"), None);
    }

    fn condition_of(rule: &str) -> Condition {
        match crate::parse(&format!("Rules = [ {rule} ]")) {
            Ok(r) => match r.rules.as_deref() {
                Some([crate::RuleExpr::Rule(rule)]) => rule.condition.clone().expect("a condition"),
                other => panic!("{other:?}"),
            },
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn sorted_and_lowercase_sets() {
        let sorted = |rule: &str| condition_of(rule).with_sorted_sets().to_string();
        assert_eq!(
            sorted("RowCount in [10, NULL, 2, avg(last(2)), -1.5]"),
            "in [-1.5,2,10,avg(last(2)),NULL]"
        );
        assert_eq!(
            sorted("ColumnValues \"c\" not in [NULL, \"b\", EMPTY, \"B\", \"a\"]"),
            "not in [\"B\",\"a\",\"b\",EMPTY,NULL]"
        );
        assert_eq!(sorted("RowCount > 3"), "> 3");
        let lower = condition_of("ColumnValues \"c\" in [\"AbC\", EMPTY, \"\\\"Q\\\"\"]")
            .with_lowercase_strings();
        assert_eq!(lower.to_string(), "in [\"abc\",EMPTY,\"\\\"q\\\"\"]");
    }

    #[test]
    fn dates_and_numbers() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(2024, 13, 1).is_none());
        for ok in ["0", "-1", "1.0", "-0.5", "0012"] {
            assert!(is_number_text(ok), "{ok}");
        }
        for bad in ["", "-", ".5", "5.", "1e3", "+1", "1.2.3", "--1"] {
            assert!(!is_number_text(bad), "{bad}");
        }
    }
}
