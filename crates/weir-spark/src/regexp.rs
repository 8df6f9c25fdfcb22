//! Spark's regular expression functions, with Java's patterns and matching
//! ([`super::java_regex`]); NULL when any argument is NULL:
//!
//! - `regexp_replace(str, regexp, rep[, position])`: every match replaced (Java's
//!   `replaceAll`: `$n` and `${name}` are groups, `\x` is `x`), searching from the 1-based
//!   `position` (the text before it is kept; `^` matches there).
//! - `rlike(str, regexp)`, `regexp_like`, `regexp` (and the operators `RLIKE`, `REGEXP`): a
//!   match anywhere.
//! - `regexp_extract(str, regexp[, idx])`: group `idx` (default 1; 0 is the whole match) of the
//!   first match; `''` when nothing matches or the group did not take part. A group index
//!   beyond the pattern's groups, or negative, is an error, as in Spark.
//! - `regexp_extract_all(str, regexp[, idx])`: group `idx` of every match, as an array.
//! - `regexp_substr(str, regexp)`: the first match, NULL when there is none (or it is empty).
//! - `regexp_count(str, regexp)`: the number of matches (`int`).
//! - `regexp_instr(str, regexp[, idx])`: the 1-based position (in characters) of the first
//!   match, 0 when there is none (`int`; `idx` is checked, as in Spark, and otherwise unused).
//! - `split(str, regex[, limit])`: Java's `String.split` as Spark calls it — with `limit` > 0
//!   at most `limit` parts, the last holding the rest; otherwise all parts, trailing empty ones
//!   kept; a zero-width match at the start makes no empty first part; an empty `regex` splits
//!   between characters.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Int32Array, ListBuilder, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{exec_datafusion_err, exec_err, Result, ScalarValue};
use datafusion::logical_expr::ScalarUDF;

use super::convert;
use super::java_regex::{JavaRegex, Replacement};
use super::udf::{arity, int, literal_text, text, SparkFn};

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    let mut out = vec![
        SparkFn::new(
            "regexp_replace",
            coerce_replace,
            |_| Ok(DataType::Utf8),
            regexp_replace,
        )
        .check(check_replace)
        .udf(),
        SparkFn::new(
            "regexp_extract",
            coerce_with_index,
            |_| Ok(DataType::Utf8),
            regexp_extract,
        )
        .check(check_regex)
        .udf(),
        SparkFn::new(
            "regexp_extract_all",
            coerce_with_index,
            |_| Ok(string_list()),
            regexp_extract_all,
        )
        .check(check_regex)
        .udf(),
        SparkFn::new(
            "regexp_substr",
            coerce_two,
            |_| Ok(DataType::Utf8),
            regexp_substr,
        )
        .check(check_regex)
        .udf(),
        SparkFn::new(
            "regexp_count",
            coerce_two,
            |_| Ok(DataType::Int32),
            regexp_count,
        )
        .check(check_regex)
        .udf(),
        SparkFn::new(
            "regexp_instr",
            coerce_with_index,
            |_| Ok(DataType::Int32),
            regexp_instr,
        )
        .check(check_regex)
        .udf(),
        SparkFn::new("split", coerce_with_index, |_| Ok(string_list()), split)
            .check(check_regex)
            .udf(),
    ];
    for name in ["rlike", "regexp_like", "regexp"] {
        out.push(
            SparkFn::new(name, coerce_two, |_| Ok(DataType::Boolean), rlike)
                .check(check_regex)
                .udf(),
        );
    }
    out
}

/// `array<string>` as Spark's `split` returns it.
pub fn string_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

fn coerce_two(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    Ok(vec![text(&args[0], "str")?, text(&args[1], "regexp")?])
}

fn coerce_with_index(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 3)?;
    let mut out = vec![text(&args[0], "str")?, text(&args[1], "regexp")?];
    if let Some(idx) = args.get(2) {
        out.push(int(idx, "the third argument")?);
    }
    Ok(out)
}

fn coerce_replace(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 3, 4)?;
    let mut out = vec![
        text(&args[0], "str")?,
        text(&args[1], "regexp")?,
        text(&args[2], "rep")?,
    ];
    if let Some(position) = args.get(3) {
        out.push(int(position, "position")?);
    }
    Ok(out)
}

/// A literal regular expression must compile.
fn check_regex(args: &[Option<&ScalarValue>]) -> std::result::Result<(), String> {
    match literal_text(args.get(1).copied().flatten()) {
        Some(p) => JavaRegex::new(p).map(|_| ()),
        None => Ok(()),
    }
}

/// A literal regular expression must compile, a literal replacement must name its groups and a
/// literal position must be positive.
fn check_replace(args: &[Option<&ScalarValue>]) -> std::result::Result<(), String> {
    if let Some(p) = literal_text(args.get(1).copied().flatten()) {
        let regex = JavaRegex::new(p)?;
        if let Some(r) = literal_text(args.get(2).copied().flatten()) {
            Replacement::new(r, &regex)?;
        }
    }
    if let Some(Some(position)) = args.get(3) {
        if !position.is_null() {
            let position = position
                .cast_to(&DataType::Int64)
                .map_err(|e| e.to_string())?;
            if position < ScalarValue::Int64(Some(1)) {
                return Err(format!("the position must be positive, got {position}"));
            }
        }
    }
    Ok(())
}

/// Compiles regular expressions row by row, reusing the last one while the pattern repeats.
struct Regexes {
    function: &'static str,
    last: Option<(String, JavaRegex)>,
}

impl Regexes {
    fn new(function: &'static str) -> Self {
        Self {
            function,
            last: None,
        }
    }

    fn get(&mut self, pattern: &str) -> Result<&JavaRegex> {
        if self.last.as_ref().is_none_or(|(p, _)| p != pattern) {
            let regex = JavaRegex::new(pattern)
                .map_err(|e| exec_datafusion_err!("{}: {e}", self.function))?;
            self.last = Some((pattern.to_string(), regex));
        }
        match &self.last {
            Some((_, r)) => Ok(r),
            None => exec_err!("{}: no regular expression", self.function),
        }
    }
}

/// The `(str, regexp)` arguments as text.
fn text_and_patterns(args: &[ArrayRef], function: &str) -> Result<(StringArray, StringArray)> {
    Ok((
        convert::strings(&args[0], function)?,
        convert::strings(&args[1], function)?,
    ))
}

/// An error of the regex engine, naming the function.
fn failed(function: &str, e: String) -> datafusion::error::DataFusionError {
    exec_datafusion_err!("{function}: {e}")
}

fn regexp_replace(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    const NAME: &str = "regexp_replace";
    let (string, pattern) = text_and_patterns(args, NAME)?;
    let replacement = convert::strings(&args[2], NAME)?;
    let position = match args.get(3) {
        Some(p) => Some(convert::ints(p, NAME)?),
        None => None,
    };
    let mut regexes = Regexes::new(NAME);
    let mut last_replacement: Option<(String, String, Replacement)> = None;
    let mut out = StringBuilder::new();
    for i in 0..string.len() {
        let position = match &position {
            Some(p) if p.is_null(i) => None,
            Some(p) => Some(p.value(i)),
            None => Some(1),
        };
        let (Some(position), false, false, false) = (
            position,
            string.is_null(i),
            pattern.is_null(i),
            replacement.is_null(i),
        ) else {
            out.append_null();
            continue;
        };
        if position < 1 {
            return exec_err!("{NAME}: the position must be positive, got {position}");
        }
        let (p, r) = (pattern.value(i), replacement.value(i));
        let regex = regexes.get(p)?;
        let fresh = last_replacement
            .as_ref()
            .is_none_or(|(lp, lr, _)| lp != p || lr != r);
        if fresh {
            let parsed = Replacement::new(r, regex).map_err(|e| failed(NAME, e))?;
            last_replacement = Some((p.to_string(), r.to_string(), parsed));
        }
        let Some((_, _, rep)) = &last_replacement else {
            return exec_err!("{NAME}: no replacement");
        };
        let s = string.value(i);
        // The position counts UTF-16 code units, as Java's String does.
        let skip = usize::try_from(position - 1).unwrap_or(usize::MAX);
        let mut units = 0;
        let start = s.char_indices().find_map(|(b, c)| {
            let here = (units >= skip).then_some(b);
            units += c.len_utf16();
            here
        });
        match start {
            Some(b) => {
                let replaced = regex
                    .replace_all(&s[b..], rep)
                    .map_err(|e| failed(NAME, e))?;
                match b {
                    0 => out.append_value(replaced),
                    _ => out.append_value(format!("{}{replaced}", &s[..b])),
                }
            }
            // At or past the end: only an empty text is searched (from position 1).
            None if skip == 0 => {
                out.append_value(regex.replace_all(s, rep).map_err(|e| failed(NAME, e))?)
            }
            None => out.append_value(s),
        }
    }
    Ok(Arc::new(out.finish()))
}

fn rlike(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let (string, pattern) = text_and_patterns(args, "rlike")?;
    let mut regexes = Regexes::new("rlike");
    let out = (0..string.len())
        .map(|i| {
            if string.is_null(i) || pattern.is_null(i) {
                return Ok(None);
            }
            let regex = regexes.get(pattern.value(i))?;
            regex
                .is_match(string.value(i))
                .map(Some)
                .map_err(|e| failed("rlike", e))
        })
        .collect::<Result<BooleanArray>>()?;
    Ok(Arc::new(out))
}

fn regexp_extract(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let mut out = StringBuilder::new();
    extract_groups(args, "regexp_extract", |row| {
        match row {
            Some((regex, group, text)) => {
                let captures = regex.captures_at(text, 0)?;
                let value = captures.as_ref().and_then(|c| c.get(group));
                out.append_value(value.map_or("", |m| m.as_str()));
            }
            None => out.append_null(),
        }
        Ok(())
    })?;
    Ok(Arc::new(out.finish()))
}

fn regexp_extract_all(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let mut out = ListBuilder::new(StringBuilder::new());
    extract_groups(args, "regexp_extract_all", |row| {
        match row {
            Some((regex, group, text)) => {
                for c in regex.captures_all(text)? {
                    out.values()
                        .append_value(c.get(group).map_or("", |m| m.as_str()));
                }
                out.append(true);
            }
            None => out.append_null(),
        }
        Ok(())
    })?;
    Ok(Arc::new(out.finish()))
}

fn regexp_instr(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let mut out = Int32Array::builder(args[0].len());
    extract_groups(args, "regexp_instr", |row| {
        match row {
            Some((regex, _, text)) => {
                let position = match regex.find_at(text, 0)? {
                    Some((start, _)) => text[..start].chars().count() + 1,
                    None => 0,
                };
                out.append_value(i32::try_from(position).unwrap_or(i32::MAX));
            }
            None => out.append_null(),
        }
        Ok(())
    })?;
    Ok(Arc::new(out.finish()))
}

fn regexp_substr(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let (string, pattern) = text_and_patterns(args, "regexp_substr")?;
    let mut regexes = Regexes::new("regexp_substr");
    let mut out = StringBuilder::new();
    for i in 0..string.len() {
        if string.is_null(i) || pattern.is_null(i) {
            out.append_null();
            continue;
        }
        let text = string.value(i);
        let regex = regexes.get(pattern.value(i))?;
        match regex
            .find_at(text, 0)
            .map_err(|e| failed("regexp_substr", e))?
        {
            Some((start, end)) if start < end => out.append_value(&text[start..end]),
            _ => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

fn regexp_count(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let (string, pattern) = text_and_patterns(args, "regexp_count")?;
    let mut regexes = Regexes::new("regexp_count");
    let out = (0..string.len())
        .map(|i| {
            if string.is_null(i) || pattern.is_null(i) {
                return Ok(None);
            }
            let regex = regexes.get(pattern.value(i))?;
            let n = regex
                .count(string.value(i))
                .map_err(|e| failed("regexp_count", e))?;
            Ok(Some(i32::try_from(n).unwrap_or(i32::MAX)))
        })
        .collect::<Result<Int32Array>>()?;
    Ok(Arc::new(out))
}

/// Calls `row` for each row of `(str, regexp[, idx])` with the compiled regex, the checked group
/// index (default 1) and the text, or with `None` where an argument is NULL.
fn extract_groups(
    args: &[ArrayRef],
    function: &'static str,
    mut row: impl FnMut(Option<(&JavaRegex, usize, &str)>) -> std::result::Result<(), String>,
) -> Result<()> {
    let (string, pattern) = text_and_patterns(args, function)?;
    let idx = match args.get(2) {
        Some(i) => Some(convert::ints(i, function)?),
        None => None,
    };
    let default = match function {
        "regexp_instr" => 0,
        _ => 1,
    };
    let mut regexes = Regexes::new(function);
    for i in 0..string.len() {
        let group = match &idx {
            Some(g) if g.is_null(i) => None,
            Some(g) => Some(g.value(i)),
            None => Some(default),
        };
        let (Some(group), false, false) = (group, string.is_null(i), pattern.is_null(i)) else {
            row(None).map_err(|e| failed(function, e))?;
            continue;
        };
        let regex = regexes.get(pattern.value(i))?;
        let groups = regex.groups();
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
        row(Some((regex, group, string.value(i)))).map_err(|e| failed(function, e))?;
    }
    Ok(())
}

fn split(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let (string, pattern) = text_and_patterns(args, "split")?;
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
        let (s, p) = (string.value(i), pattern.value(i));
        let parts = match p.is_empty() && !s.is_empty() {
            true => split_chars(s, limit),
            false => regexes
                .get(p)?
                .split(s, limit)
                .map_err(|e| failed("split", e))?,
        };
        for part in parts {
            out.values().append_value(part);
        }
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}

/// Spark's own split of a non-empty string by an empty pattern: one part per character (no
/// trailing empty part), the last holding the rest when `limit` is smaller.
fn split_chars(s: &str, limit: i32) -> Vec<&str> {
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
    parts
}

#[cfg(test)]
mod tests {
    use super::split_chars;

    #[test]
    fn an_empty_pattern_splits_between_characters() {
        assert_eq!(split_chars("abc", -1), ["a", "b", "c"]);
        assert_eq!(split_chars("abc", 2), ["a", "bc"]);
        assert_eq!(split_chars("aé😀", 0), ["a", "é", "😀"]);
    }
}
