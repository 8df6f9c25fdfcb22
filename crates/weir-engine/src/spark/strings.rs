//! Spark's string functions that DataFusion lacks:
//!
//! - `locate(substr, str[, pos])`: the 1-based position (in characters) of the first `substr`
//!   at or after `pos`, 0 when there is none or `pos` < 1 or `pos` is NULL; an empty `substr` is
//!   found at 1.
//! - `regexp_extract(str, regexp[, idx])`: group `idx` (default 1; 0 is the whole match) of the
//!   first match; `''` when nothing matches or the group did not take part. A group index
//!   beyond the pattern's groups, or negative, is an error, as in Spark.
//! - `regexp_extract_all(str, regexp[, idx])`: group `idx` of every match, as an array (empty
//!   when nothing matches).
//! - `split(str, regex[, limit])`: Java's `String.split` as Spark calls it — with `limit` > 0
//!   at most `limit` parts, the last holding the rest; otherwise all parts, trailing empty ones
//!   kept; a zero-width match at the start makes no empty first part; an empty `regex` splits
//!   between characters.
//!
//! Regular expressions are Rust's `regex` syntax, which is Java's without look-around and
//! back-references (those are errors naming the function).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int32Array, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::ScalarUDF;
use regex::Regex;

use super::convert;
use super::udf::{arity, int, literal_text, text, SparkFn};

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        SparkFn::new("locate", coerce_locate, |_| Ok(DataType::Int32), locate).udf(),
        SparkFn::new(
            "regexp_extract",
            coerce_regexp_extract,
            |_| Ok(DataType::Utf8),
            regexp_extract,
        )
        .check(check_regex)
        .udf(),
        SparkFn::new(
            "regexp_extract_all",
            coerce_regexp_extract,
            |_| Ok(string_list()),
            regexp_extract_all,
        )
        .check(check_regex)
        .udf(),
        SparkFn::new("split", coerce_split, |_| Ok(string_list()), split)
            .check(check_regex)
            .udf(),
    ]
}

/// `array<string>` as Spark's `split` returns it.
pub fn string_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

fn coerce_locate(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 3)?;
    let mut out = vec![text(&args[0], "substr")?, text(&args[1], "str")?];
    if let Some(pos) = args.get(2) {
        out.push(int(pos, "pos")?);
    }
    Ok(out)
}

fn coerce_regexp_extract(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 3)?;
    let mut out = vec![text(&args[0], "str")?, text(&args[1], "regexp")?];
    if let Some(idx) = args.get(2) {
        out.push(int(idx, "idx")?);
    }
    Ok(out)
}

fn coerce_split(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 3)?;
    let mut out = vec![text(&args[0], "str")?, text(&args[1], "regex")?];
    if let Some(limit) = args.get(2) {
        out.push(int(limit, "limit")?);
    }
    Ok(out)
}

/// A literal regular expression must compile.
fn check_regex(args: &[Option<&ScalarValue>]) -> std::result::Result<(), String> {
    match literal_text(args.get(1).copied().flatten()) {
        Some(p) => Regex::new(p)
            .map(|_| ())
            .map_err(|e| format!("invalid regular expression '{p}': {e}")),
        None => Ok(()),
    }
}

/// Compiles regular expressions row by row, reusing the last one while the pattern repeats.
struct Regexes {
    function: &'static str,
    last: Option<(String, Regex)>,
}

impl Regexes {
    fn new(function: &'static str) -> Self {
        Self {
            function,
            last: None,
        }
    }

    fn get(&mut self, pattern: &str) -> Result<&Regex> {
        if self.last.as_ref().is_none_or(|(p, _)| p != pattern) {
            match Regex::new(pattern) {
                Ok(r) => self.last = Some((pattern.to_string(), r)),
                Err(e) => {
                    return exec_err!(
                        "{}: invalid regular expression '{pattern}': {e}",
                        self.function
                    )
                }
            }
        }
        match &self.last {
            Some((_, r)) => Ok(r),
            None => exec_err!("{}: no regular expression", self.function),
        }
    }
}

fn locate(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let substr = convert::strings(&args[0], "locate")?;
    let string = convert::strings(&args[1], "locate")?;
    let pos = match args.get(2) {
        Some(p) => Some(convert::ints(p, "locate")?),
        None => None,
    };
    let out: Int32Array = (0..substr.len())
        .map(|i| {
            let start = match &pos {
                Some(p) if p.is_null(i) => return Some(0),
                Some(p) => p.value(i),
                None => 1,
            };
            if substr.is_null(i) || string.is_null(i) {
                return None;
            }
            Some(spark_locate(substr.value(i), string.value(i), start))
        })
        .collect();
    Ok(Arc::new(out))
}

/// Spark's `locate` of non-null arguments.
pub fn spark_locate(substr: &str, string: &str, start: i32) -> i32 {
    if start < 1 {
        return 0;
    }
    if substr.is_empty() {
        return 1;
    }
    let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let Some((byte_start, _)) = string.char_indices().nth(skip) else {
        return 0;
    };
    match string[byte_start..].find(substr) {
        Some(found) => {
            let chars_before = string[..byte_start + found].chars().count();
            i32::try_from(chars_before + 1).unwrap_or(0)
        }
        None => 0,
    }
}

fn regexp_extract(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let mut out = StringBuilder::new();
    extract_groups(args, "regexp_extract", |row| match row {
        Some((regex, group, text)) => {
            let value = regex
                .captures(text)
                .and_then(|c| c.get(group))
                .map_or("", |m| m.as_str());
            out.append_value(value);
        }
        None => out.append_null(),
    })?;
    Ok(Arc::new(out.finish()))
}

fn regexp_extract_all(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let mut out = ListBuilder::new(StringBuilder::new());
    extract_groups(args, "regexp_extract_all", |row| match row {
        Some((regex, group, text)) => {
            for c in regex.captures_iter(text) {
                out.values()
                    .append_value(c.get(group).map_or("", |m| m.as_str()));
            }
            out.append(true);
        }
        None => out.append_null(),
    })?;
    Ok(Arc::new(out.finish()))
}

/// Calls `row` for each row of `(str, regexp[, idx])` with the compiled regex, the checked group
/// index (default 1) and the text, or with `None` where an argument is NULL.
fn extract_groups(
    args: &[ArrayRef],
    function: &'static str,
    mut row: impl FnMut(Option<(&Regex, usize, &str)>),
) -> Result<()> {
    let string = convert::strings(&args[0], function)?;
    let pattern = convert::strings(&args[1], function)?;
    let idx = match args.get(2) {
        Some(i) => Some(convert::ints(i, function)?),
        None => None,
    };
    let mut regexes = Regexes::new(function);
    for i in 0..string.len() {
        let group = match &idx {
            Some(g) if g.is_null(i) => None,
            Some(g) => Some(g.value(i)),
            None => Some(1),
        };
        let (Some(group), false, false) = (group, string.is_null(i), pattern.is_null(i)) else {
            row(None);
            continue;
        };
        let regex = regexes.get(pattern.value(i))?;
        let groups = regex.captures_len() - 1;
        let Some(group) = usize::try_from(group).ok().filter(|g| *g <= groups) else {
            if group < 0 {
                return exec_err!(
                    "{function}: the group index cannot be less than zero, got {group}"
                );
            }
            return exec_err!(
                "{function}: the regex group count is {groups}, but the specified group index is {group}"
            );
        };
        row(Some((regex, group, string.value(i))));
    }
    Ok(())
}

fn split(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let string = convert::strings(&args[0], "split")?;
    let pattern = convert::strings(&args[1], "split")?;
    let limit = match args.get(2) {
        Some(l) => Some(convert::ints(l, "split")?),
        None => None,
    };
    let mut regexes = Regexes::new("split");
    let mut out = ListBuilder::new(StringBuilder::new());
    for i in 0..string.len() {
        let limit = match &limit {
            Some(l) if l.is_null(i) => None,
            Some(l) => Some(l.value(i)),
            None => Some(-1),
        };
        let (Some(limit), false, false) = (limit, string.is_null(i), pattern.is_null(i)) else {
            out.append_null();
            continue;
        };
        let regex = regexes.get(pattern.value(i))?;
        for part in spark_split(string.value(i), regex, limit) {
            out.values().append_value(part);
        }
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}

/// Spark's `split` of non-null arguments (Java's `String.split` with Spark's limit 0 → -1 and
/// its own split of a non-empty string by an empty pattern).
pub fn spark_split<'a>(s: &'a str, regex: &Regex, limit: i32) -> Vec<&'a str> {
    let limit = if limit == 0 { -1 } else { limit };
    if regex.as_str().is_empty() && !s.is_empty() {
        let chars = s.chars().count();
        let n = match usize::try_from(limit) {
            Ok(l) if l > 0 && l <= chars => l,
            _ => chars,
        };
        let mut parts: Vec<&str> = Vec::with_capacity(n);
        let mut rest = s;
        for _ in 0..n - 1 {
            let len = rest.chars().next().map_or(0, char::len_utf8);
            parts.push(&rest[..len]);
            rest = &rest[len..];
        }
        parts.push(rest);
        return parts;
    }
    let limited = limit > 0;
    let max = usize::try_from(limit).unwrap_or(0);
    let mut parts: Vec<&str> = Vec::new();
    let mut index = 0;
    for m in regex.find_iter(s) {
        if !limited || parts.len() + 1 < max {
            if index == 0 && m.start() == 0 && m.start() == m.end() {
                // No empty leading part for a zero-width match at the start.
                continue;
            }
            parts.push(&s[index..m.start()]);
            index = m.end();
        } else if parts.len() + 1 == max {
            parts.push(&s[index..]);
            index = m.end();
        }
    }
    if index == 0 {
        return vec![s];
    }
    if !limited || parts.len() < max {
        parts.push(&s[index..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::{spark_locate, spark_split};
    use regex::Regex;

    fn split(s: &str, re: &str, limit: i32) -> Vec<String> {
        let re = Regex::new(re).unwrap_or_else(|e| panic!("{e}"));
        spark_split(s, &re, limit)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn split_follows_java() {
        assert_eq!(split("a,b,c", ",", -1), ["a", "b", "c"]);
        assert_eq!(split("a,b,,", ",", -1), ["a", "b", "", ""]);
        assert_eq!(split("a,b,,", ",", 0), ["a", "b", "", ""]);
        assert_eq!(split(",a", ",", -1), ["", "a"]);
        assert_eq!(split("a,b,c", ",", 2), ["a", "b,c"]);
        assert_eq!(split("a,b,c", ",", 1), ["a,b,c"]);
        assert_eq!(split("a,b,c", ",", 5), ["a", "b", "c"]);
        assert_eq!(split("abc", "x", -1), ["abc"]);
        assert_eq!(split("", ",", -1), [""]);
        assert_eq!(split("abc", "", -1), ["a", "b", "c"]);
        assert_eq!(split("abc", "", 2), ["a", "bc"]);
        assert_eq!(split("", "", -1), [""]);
        assert_eq!(split("a1b22c", "[0-9]+", -1), ["a", "b", "c"]);
        assert_eq!(
            split("oneAtwoBthreeC", "[ABC]", -1),
            ["one", "two", "three", ""]
        );
    }

    #[test]
    fn locate_follows_spark() {
        assert_eq!(spark_locate("lee", "ann lee", 1), 5);
        assert_eq!(spark_locate("a", "banana", 3), 4);
        assert_eq!(spark_locate("a", "banana", 7), 0);
        assert_eq!(spark_locate("x", "banana", 1), 0);
        assert_eq!(spark_locate("", "banana", 4), 1);
        assert_eq!(spark_locate("a", "banana", 0), 0);
        assert_eq!(spark_locate("é", "aéé", 3), 3);
    }
}
