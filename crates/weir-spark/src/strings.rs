//! Spark's string functions that DataFusion lacks or answers differently. Positions and
//! lengths count characters (Unicode code points), as Spark's `UTF8String` does; NULL in, NULL
//! out unless said otherwise.
//!
//! - `locate(substr, str[, pos])`, `position(substr, str[, pos])`: the 1-based position of the
//!   first `substr` at or after `pos`, 0 when there is none or `pos` < 1 or `pos` is NULL; an
//!   empty `substr` is found at 1. `instr(str, substr)` is `locate(substr, str)`.
//! - `substring(str, pos[, len])` (`substr`, and `SUBSTRING(str FROM pos FOR len)`): Spark's
//!   `substringSQL` — position 0 is 1, a negative position counts from the end, a negative
//!   length is empty; `left(str, n)` and `right(str, n)` (empty for `n` ≤ 0).
//! - `overlay(input PLACING replace FROM pos [FOR len])`: `len` defaults to the length of
//!   `replace` (a negative `len` too).
//! - `initcap`: the text in lower case with the first letter of each word (after a space, the
//!   only separator) in title case.
//! - `replace(str, search[, replace])`: every `search` replaced (removed without `replace`);
//!   an empty `search` changes nothing. `translate(str, from, to)`: each character of `from`
//!   becomes the one at its position in `to`, or is removed when `to` is shorter (the first
//!   occurrence of a repeated character counts).
//! - `chr(n)` / `char(n)`: the character `n & 255`, empty for a negative `n`.
//! - `concat_ws(sep, …)`: the non-null strings and the non-null elements of string arrays,
//!   joined by `sep` (NULL only when `sep` is); other values are written as Spark casts them.
//! - `format_string(fmt, …)` (`printf`): `datafusion-spark`'s, with decimals written by `%s` as
//!   Java writes them (`10.50`).
//! - `hex(x)` (integers as a two's complement `bigint`, text as its UTF-8 bytes), upper case.
//! - `sentences(str[, lang, country])`: the sentences of the text, each as its words, split as
//!   Java's (legacy) break iterators for English split them.
//! - `soundex`, `levenshtein(a, b[, threshold])` (-1 above the threshold), `mask(str[, upper,
//!   lower, digit, other])`, `quote`, `is_valid_utf8`.
//! - `encode(str, charset)` and `decode(bin, charset)` for `UTF-8`, `US-ASCII`,
//!   `ISO-8859-1`, `UTF-16` (big-endian with a byte order mark, as Java writes it),
//!   `UTF-16BE`, `UTF-16LE`, `UTF-32`; a character the charset cannot write, or bytes that are
//!   not valid in it, are an error (Spark 4 without `spark.sql.legacy.codingErrorAction`).

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray, Int32Array, StringArray, StringBuilder,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_datafusion_err, exec_err, Result};
use datafusion::logical_expr::ScalarUDF;

use super::convert;
use super::udf::{arity, int, literal_text, text, SparkFn};

/// The functions of this module.
pub fn functions() -> Vec<ScalarUDF> {
    let int32 = |_: &[DataType]| Ok(DataType::Int32);
    let utf8 = |_: &[DataType]| Ok(DataType::Utf8);
    let mut out = vec![
        SparkFn::new("locate", coerce_locate, int32, locate).udf(),
        SparkFn::new("position", coerce_locate, int32, locate).udf(),
        SparkFn::new("instr", coerce_instr, int32, instr).udf(),
        SparkFn::new("left", coerce_text_int, utf8, left).udf(),
        SparkFn::new("right", coerce_text_int, utf8, right).udf(),
        SparkFn::new("overlay", coerce_overlay, utf8, overlay).udf(),
        SparkFn::new("initcap", coerce_text, utf8, initcap).udf(),
        SparkFn::new("replace", coerce_replace, utf8, replace).udf(),
        SparkFn::new("translate", coerce_translate, utf8, translate).udf(),
        SparkFn::new("concat_ws", coerce_concat_ws, utf8, concat_ws).udf(),
        SparkFn::new("hex", coerce_hex, utf8, hex).udf(),
        SparkFn::new("soundex", coerce_text, utf8, soundex).udf(),
        SparkFn::new("levenshtein", coerce_levenshtein, int32, levenshtein).udf(),
        SparkFn::new("mask", coerce_mask, utf8, mask).udf(),
        SparkFn::new("quote", coerce_text, utf8, quote).udf(),
        SparkFn::new(
            "is_valid_utf8",
            coerce_text,
            |_| Ok(DataType::Boolean),
            is_valid_utf8,
        )
        .udf(),
        SparkFn::new("encode", coerce_encode, |_| Ok(DataType::Binary), encode)
            .check(check_charset)
            .udf(),
        SparkFn::new("decode", coerce_decode, utf8, decode)
            .check(check_charset)
            .udf(),
    ];
    for name in ["chr", "char"] {
        out.push(SparkFn::new(name, coerce_chr, utf8, chr).udf());
    }
    out.push(
        SparkFn::new(
            "sentences",
            coerce_sentences,
            |_| Ok(sentences_type()),
            sentences,
        )
        .udf(),
    );
    out.push(ScalarUDF::new_from_impl(FormatString {
        inner: datafusion_spark::function::string::format_string(),
    }));
    let substring = SparkFn::new("substring", coerce_substring, utf8, substring).udf();
    out.push(substring.with_aliases(["substr"]));
    out
}

fn coerce_text(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    Ok(vec![text(&args[0], "the argument")?])
}

fn coerce_text_int(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    Ok(vec![text(&args[0], "str")?, int(&args[1], "len")?])
}

fn coerce_instr(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    Ok(vec![text(&args[0], "str")?, text(&args[1], "substr")?])
}

fn coerce_substring(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 3)?;
    let mut out = vec![text(&args[0], "str")?, int(&args[1], "pos")?];
    if let Some(len) = args.get(2) {
        out.push(int(len, "len")?);
    }
    Ok(out)
}

fn coerce_overlay(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 3, 4)?;
    let mut out = vec![
        text(&args[0], "input")?,
        text(&args[1], "replace")?,
        int(&args[2], "pos")?,
    ];
    if let Some(len) = args.get(3) {
        out.push(int(len, "len")?);
    }
    Ok(out)
}

fn coerce_replace(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 3)?;
    args.iter().map(|t| text(t, "each argument")).collect()
}

fn coerce_translate(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 3, 3)?;
    args.iter().map(|t| text(t, "each argument")).collect()
}

fn coerce_chr(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    Ok(vec![int(&args[0], "the code")?])
}

fn coerce_levenshtein(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 3)?;
    let mut out = vec![text(&args[0], "str1")?, text(&args[1], "str2")?];
    if let Some(threshold) = args.get(2) {
        out.push(int(threshold, "threshold")?);
    }
    Ok(out)
}

fn coerce_mask(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 5)?;
    args.iter().map(|t| text(t, "each argument")).collect()
}

/// Text, numbers, booleans, dates and timestamps (written as Spark casts them), binary, and
/// arrays of those.
fn castable_to_text(t: &DataType) -> bool {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            castable_to_text(f.data_type())
        }
        DataType::Dictionary(_, v) => castable_to_text(v),
        t => {
            convert::is_string(t)
                || t.is_numeric()
                || t.is_null()
                || matches!(
                    t,
                    DataType::Boolean
                        | DataType::Date32
                        | DataType::Timestamp(..)
                        | DataType::Binary
                        | DataType::LargeBinary
                        | DataType::BinaryView
                )
        }
    }
}

fn coerce_concat_ws(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    if args.is_empty() {
        return Err("takes a separator and any number of strings or arrays of strings".into());
    }
    let mut out = vec![text(&args[0], "the separator")?];
    for t in &args[1..] {
        if !castable_to_text(t) {
            return Err(format!("cannot join a value of type {t}"));
        }
        out.push(t.clone());
    }
    Ok(out)
}

fn coerce_hex(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 1)?;
    Ok(vec![match &args[0] {
        t if t.is_integer() || t.is_null() => DataType::Int64,
        t if convert::is_string(t) => DataType::Utf8,
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => DataType::Binary,
        t if t.is_numeric() => DataType::Int64,
        other => return Err(format!("takes an integer, a string or binary, got {other}")),
    }])
}

fn coerce_encode(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    Ok(vec![text(&args[0], "str")?, text(&args[1], "charset")?])
}

fn coerce_decode(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 2)?;
    let bin = match &args[0] {
        t if convert::is_string(t) || t.is_null() => DataType::Binary,
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => DataType::Binary,
        other => return Err(format!("bin must be binary, got {other}")),
    };
    Ok(vec![bin, text(&args[1], "charset")?])
}

/// A NULL-propagating map over text: `f` gives each non-null value's result.
fn map_text(
    array: &ArrayRef,
    function: &str,
    mut f: impl FnMut(&str) -> String,
) -> Result<ArrayRef> {
    let strings = convert::strings(array, function)?;
    let out: StringArray = strings.iter().map(|s| s.map(&mut f)).collect();
    Ok(Arc::new(out))
}

/// Each row's values of the text columns `args` (all non-null) mapped by `f`; NULL where any is.
fn zip_text<const N: usize>(
    args: &[ArrayRef],
    function: &str,
    mut f: impl FnMut([&str; N]) -> Option<String>,
) -> Result<ArrayRef> {
    let columns = args[..N]
        .iter()
        .map(|a| convert::strings(a, function))
        .collect::<Result<Vec<_>>>()?;
    let rows = columns.first().map_or(0, Array::len);
    let out: StringArray = (0..rows)
        .map(|i| {
            if columns.iter().any(|c| c.is_null(i)) {
                return None;
            }
            f(std::array::from_fn(|k| columns[k].value(i)))
        })
        .collect();
    Ok(Arc::new(out))
}

fn coerce_locate(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 2, 3)?;
    let mut out = vec![text(&args[0], "substr")?, text(&args[1], "str")?];
    if let Some(pos) = args.get(2) {
        out.push(int(pos, "pos")?);
    }
    Ok(out)
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

fn instr(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let string = convert::strings(&args[0], "instr")?;
    let substr = convert::strings(&args[1], "instr")?;
    let out: Int32Array = string
        .iter()
        .zip(substr.iter())
        .map(|(s, sub)| Some(spark_locate(sub?, s?, 1)))
        .collect();
    Ok(Arc::new(out))
}

/// The byte range of the characters `start..end` (clamped to the text).
fn char_range(s: &str, start: usize, end: usize) -> &str {
    if s.is_ascii() {
        return &s[start.min(s.len())..end.min(s.len())];
    }
    let mut bounds = s
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(s.len()));
    let Some(from) = bounds.nth(start) else {
        return "";
    };
    let to = match end.checked_sub(start + 1) {
        Some(more) => bounds.nth(more).unwrap_or(s.len()),
        None => from,
    };
    &s[from..to]
}

fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Spark's `UTF8String.substringSQL(pos, len)`.
pub fn substring_sql(s: &str, pos: i32, len: i32) -> &str {
    let chars = i64::try_from(char_count(s)).unwrap_or(i64::MAX);
    let pos = i64::from(pos);
    let start = match pos {
        p if p > 0 => p - 1,
        p if p < 0 => chars + p,
        _ => 0,
    };
    let end = (start + i64::from(len)).clamp(i64::from(i32::MIN), i64::from(i32::MAX));
    let start = start.max(0);
    if start >= end {
        return "";
    }
    let to_usize = |v: i64| usize::try_from(v).unwrap_or(usize::MAX);
    char_range(s, to_usize(start), to_usize(end))
}

fn substring(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let string = convert::strings(&args[0], "substring")?;
    let pos = convert::ints(&args[1], "substring")?;
    let len = match args.get(2) {
        Some(l) => convert::ints(l, "substring")?,
        None => Int32Array::from_value(i32::MAX, rows),
    };
    let out: StringArray = (0..string.len())
        .map(|i| {
            if string.is_null(i) || pos.is_null(i) || len.is_null(i) {
                return None;
            }
            Some(substring_sql(string.value(i), pos.value(i), len.value(i)))
        })
        .collect();
    Ok(Arc::new(out))
}

fn left(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let string = convert::strings(&args[0], "left")?;
    let len = convert::ints(&args[1], "left")?;
    let out: StringArray = string
        .iter()
        .zip(len.iter())
        .map(|(s, n)| Some(substring_sql(s?, 1, n?)))
        .collect();
    Ok(Arc::new(out))
}

fn right(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let string = convert::strings(&args[0], "right")?;
    let len = convert::ints(&args[1], "right")?;
    let out: StringArray = string
        .iter()
        .zip(len.iter())
        .map(|(s, n)| match (s?, n?) {
            (_, n) if n <= 0 => Some(""),
            (s, n) => Some(substring_sql(s, n.wrapping_neg(), i32::MAX)),
        })
        .collect();
    Ok(Arc::new(out))
}

fn overlay(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let input = convert::strings(&args[0], "overlay")?;
    let replace = convert::strings(&args[1], "overlay")?;
    let pos = convert::ints(&args[2], "overlay")?;
    let len = match args.get(3) {
        Some(l) => convert::ints(l, "overlay")?,
        None => Int32Array::from_value(-1, rows),
    };
    let out: StringArray = (0..input.len())
        .map(|i| {
            if [
                input.is_null(i),
                replace.is_null(i),
                pos.is_null(i),
                len.is_null(i),
            ]
            .contains(&true)
            {
                return None;
            }
            let (s, r, pos, len) = (input.value(i), replace.value(i), pos.value(i), len.value(i));
            let len = match len {
                l if l >= 0 => l,
                _ => i32::try_from(char_count(r)).unwrap_or(i32::MAX),
            };
            let head = substring_sql(s, 1, pos.wrapping_sub(1));
            let tail = substring_sql(s, pos.wrapping_add(len), i32::MAX);
            Some(format!("{head}{r}{tail}"))
        })
        .collect();
    Ok(Arc::new(out))
}

/// The title case of a character as Spark (ICU) writes a word's first letter: a letter whose
/// upper case is several (`ß` → `SS`) keeps only the first in upper case (`Ss`).
fn push_title_case(out: &mut String, c: char) {
    let digraph = match c {
        'Ǆ' | 'ǅ' | 'ǆ' => Some('ǅ'),
        'Ǉ' | 'ǈ' | 'ǉ' => Some('ǈ'),
        'Ǌ' | 'ǋ' | 'ǌ' => Some('ǋ'),
        'Ǳ' | 'ǲ' | 'ǳ' => Some('ǲ'),
        _ => None,
    };
    if let Some(d) = digraph {
        out.push(d);
        return;
    }
    for (k, u) in c.to_uppercase().enumerate() {
        match k {
            0 => out.push(u),
            _ => out.extend(u.to_lowercase()),
        }
    }
}

/// Spark's `initcap`.
pub fn spark_initcap(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut word_start = true;
    for c in lower.chars() {
        match word_start {
            true => push_title_case(&mut out, c),
            false => out.push(c),
        }
        word_start = c == ' ';
    }
    out
}

fn initcap(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    map_text(&args[0], "initcap", spark_initcap)
}

fn replace(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let mut args = args.to_vec();
    if args.len() == 2 {
        args.push(Arc::new(StringArray::from_iter_values(
            std::iter::repeat_n("", rows),
        )));
    }
    zip_text::<3>(&args, "replace", |[s, search, with]| {
        Some(match search.is_empty() {
            true => s.to_string(),
            false => s.replace(search, with),
        })
    })
}

/// Spark's `translate` of non-null arguments.
pub fn spark_translate(s: &str, from: &str, to: &str) -> String {
    let mut to = to.chars();
    let mut map: Vec<(char, Option<char>)> = Vec::new();
    for c in from.chars() {
        let with = to.next();
        if !map.iter().any(|(k, _)| *k == c) {
            map.push((c, with));
        }
    }
    s.chars()
        .filter_map(|c| match map.iter().find(|(k, _)| *k == c) {
            Some((_, with)) => *with,
            None => Some(c),
        })
        .collect()
}

fn translate(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    zip_text::<3>(args, "translate", |[s, from, to]| {
        Some(spark_translate(s, from, to))
    })
}

fn chr(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let codes = convert::longs(&args[0], "chr")?;
    let out: StringArray = codes
        .iter()
        .map(|n| {
            Some(match n? {
                n if n < 0 => String::new(),
                n => char::from((n & 0xFF) as u8).to_string(),
            })
        })
        .collect();
    Ok(Arc::new(out))
}

/// A `concat_ws` argument: text, or the elements of an array written as text.
enum Joined {
    Text(StringArray),
    Items {
        offsets: Vec<i64>,
        nulls: Option<datafusion::arrow::buffer::NullBuffer>,
        items: StringArray,
    },
}

fn joined(array: &ArrayRef) -> Result<Joined> {
    let text = |a: &ArrayRef| -> Result<StringArray> {
        match convert::is_string(a.data_type()) || a.data_type().is_null() {
            true => convert::strings(a, "concat_ws"),
            false => convert::strings(&super::cast::spark_cast(a, &DataType::Utf8)?, "concat_ws"),
        }
    };
    Ok(match array.data_type() {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            let large = DataType::LargeList(Arc::clone(f));
            let list = convert::cast_safe(array, &large)?;
            let list = list.as_list::<i64>();
            Joined::Items {
                offsets: list.offsets().iter().copied().collect(),
                nulls: list.nulls().cloned(),
                items: text(list.values())?,
            }
        }
        _ => Joined::Text(text(array)?),
    })
}

fn concat_ws(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let separator = convert::strings(&args[0], "concat_ws")?;
    let parts = args[1..].iter().map(joined).collect::<Result<Vec<_>>>()?;
    let mut out = StringBuilder::new();
    let mut pieces: Vec<&str> = Vec::new();
    for i in 0..rows {
        if separator.is_null(i) {
            out.append_null();
            continue;
        }
        pieces.clear();
        for part in &parts {
            match part {
                Joined::Text(t) => {
                    if t.is_valid(i) {
                        pieces.push(t.value(i));
                    }
                }
                Joined::Items {
                    offsets,
                    nulls,
                    items,
                } => {
                    if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                        continue;
                    }
                    let (from, to) = (offsets[i], offsets[i + 1]);
                    for k in usize::try_from(from).unwrap_or(0)..usize::try_from(to).unwrap_or(0) {
                        if items.is_valid(k) {
                            pieces.push(items.value(k));
                        }
                    }
                }
            }
        }
        out.append_value(pieces.join(separator.value(i)));
    }
    Ok(Arc::new(out.finish()))
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn hex(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let a = &args[0];
    let out: StringArray = match a.data_type() {
        DataType::Int64 => a
            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
            .iter()
            .map(|v| v.map(|v| format!("{:X}", v as u64)))
            .collect(),
        DataType::Binary => a
            .as_binary::<i32>()
            .iter()
            .map(|v| v.map(hex_bytes))
            .collect(),
        _ => convert::strings(a, "hex")?
            .iter()
            .map(|v| v.map(|s| hex_bytes(s.as_bytes())))
            .collect(),
    };
    Ok(Arc::new(out))
}

/// Spark's `soundex` (American Soundex over the ASCII letters; text that does not start with
/// a letter is returned as it is).
pub fn spark_soundex(s: &str) -> String {
    const CODES: &[u8; 26] = b"01230127022455012623017202";
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return String::new();
    };
    let first = first.to_ascii_uppercase();
    if !first.is_ascii_uppercase() {
        return s.to_string();
    }
    let mut out = vec![first, b'0', b'0', b'0'];
    let mut filled = 1;
    let mut last = CODES[usize::from(first - b'A')];
    for &b in &bytes[1..] {
        let b = b.to_ascii_uppercase();
        if !b.is_ascii_uppercase() {
            last = b'0';
            continue;
        }
        let code = CODES[usize::from(b - b'A')];
        if code == b'7' {
            continue;
        }
        if code != b'0' && code != last {
            out[filled] = code;
            filled += 1;
            if filled > 3 {
                break;
            }
        }
        last = code;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn soundex(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    map_text(&args[0], "soundex", spark_soundex)
}

/// The Levenshtein distance between two texts, in characters.
pub fn levenshtein_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

fn levenshtein(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let a = convert::strings(&args[0], "levenshtein")?;
    let b = convert::strings(&args[1], "levenshtein")?;
    let threshold = match args.get(2) {
        Some(t) => Some(convert::ints(t, "levenshtein")?),
        None => None,
    };
    let out: Int32Array = (0..a.len())
        .map(|i| {
            if a.is_null(i) || b.is_null(i) || threshold.as_ref().is_some_and(|t| t.is_null(i)) {
                return None;
            }
            let d = i32::try_from(levenshtein_distance(a.value(i), b.value(i))).unwrap_or(i32::MAX);
            match &threshold {
                Some(t) if d > t.value(i) => Some(-1),
                _ => Some(d),
            }
        })
        .collect();
    Ok(Arc::new(out))
}

fn mask(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let input = convert::strings(&args[0], "mask")?;
    let defaults = [Some("X"), Some("x"), Some("n"), None];
    let replacements = (0..4)
        .map(|k| match args.get(k + 1) {
            Some(a) => convert::strings(a, "mask"),
            None => Ok(StringArray::from(vec![defaults[k]; rows])),
        })
        .collect::<Result<Vec<_>>>()?;
    let mut out = StringBuilder::new();
    for i in 0..input.len() {
        if input.is_null(i) {
            out.append_null();
            continue;
        }
        let mut with = [None; 4];
        for (k, r) in replacements.iter().enumerate() {
            if r.is_valid(i) {
                let value = r.value(i);
                let mut chars = value.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => with[k] = Some(c),
                    _ => {
                        return exec_err!(
                            "mask: a replacement must be one character, got '{value}'"
                        )
                    }
                }
            }
        }
        let masked: String = input
            .value(i)
            .chars()
            .map(|c| {
                let class = match c {
                    c if c.is_uppercase() => 0,
                    c if c.is_lowercase() => 1,
                    c if c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric()) => 2,
                    _ => 3,
                };
                with[class].unwrap_or(c)
            })
            .collect();
        out.append_value(masked);
    }
    Ok(Arc::new(out.finish()))
}

fn quote(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    map_text(&args[0], "quote", |s| {
        format!("'{}'", s.replace('\'', "\\'"))
    })
}

fn is_valid_utf8(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let strings = convert::strings(&args[0], "is_valid_utf8")?;
    let out: BooleanArray = strings.iter().map(|s| s.map(|_| true)).collect();
    Ok(Arc::new(out))
}

/// The charsets `encode` and `decode` take (Spark 4's, without legacy charsets).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Charset {
    Utf8,
    Ascii,
    Latin1,
    /// Java's `UTF-16`: big-endian, a byte order mark written, and read when there is one.
    Utf16,
    Utf16Be,
    Utf16Le,
    Utf32,
}

impl Charset {
    fn named(name: &str) -> std::result::Result<Self, String> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "utf-8" => Self::Utf8,
            "us-ascii" => Self::Ascii,
            "iso-8859-1" => Self::Latin1,
            "utf-16" => Self::Utf16,
            "utf-16be" => Self::Utf16Be,
            "utf-16le" => Self::Utf16Le,
            "utf-32" => Self::Utf32,
            _ => {
                return Err(format!(
                    "invalid charset '{name}': expects one of iso-8859-1, us-ascii, utf-16, utf-16be, utf-16le, utf-32, utf-8"
                ))
            }
        })
    }

    fn encode(self, s: &str) -> Option<Vec<u8>> {
        let units = |big: bool, bom: bool| -> Vec<u8> {
            let mut out = Vec::with_capacity(s.len() * 2 + 2);
            if bom && !s.is_empty() {
                out.extend([0xFE, 0xFF]);
            }
            for u in s.encode_utf16() {
                out.extend(match big {
                    true => u.to_be_bytes(),
                    false => u.to_le_bytes(),
                });
            }
            out
        };
        Some(match self {
            Self::Utf8 => s.as_bytes().to_vec(),
            Self::Ascii => s.is_ascii().then(|| s.as_bytes().to_vec())?,
            Self::Latin1 => s
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()?,
            Self::Utf16 => units(true, true),
            Self::Utf16Be => units(true, false),
            Self::Utf16Le => units(false, false),
            Self::Utf32 => s.chars().flat_map(|c| u32::from(c).to_be_bytes()).collect(),
        })
    }

    fn decode(self, bytes: &[u8]) -> Option<String> {
        let utf16 = |bytes: &[u8], big: bool| -> Option<String> {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units = bytes.chunks_exact(2).map(|p| match big {
                true => u16::from_be_bytes([p[0], p[1]]),
                false => u16::from_le_bytes([p[0], p[1]]),
            });
            char::decode_utf16(units)
                .collect::<std::result::Result<String, _>>()
                .ok()
        };
        match self {
            Self::Utf8 => String::from_utf8(bytes.to_vec()).ok(),
            Self::Ascii => bytes
                .is_ascii()
                .then(|| String::from_utf8_lossy(bytes).into_owned()),
            Self::Latin1 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
            Self::Utf16 => match bytes {
                [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
                [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
                _ => utf16(bytes, true),
            },
            Self::Utf16Be => utf16(bytes, true),
            Self::Utf16Le => utf16(bytes, false),
            Self::Utf32 => {
                if !bytes.len().is_multiple_of(4) {
                    return None;
                }
                bytes
                    .chunks_exact(4)
                    .map(|q| char::from_u32(u32::from_be_bytes([q[0], q[1], q[2], q[3]])))
                    .collect()
            }
        }
    }
}

/// A literal charset must be one of Spark's.
fn check_charset(
    args: &[Option<&datafusion::common::ScalarValue>],
) -> std::result::Result<(), String> {
    match literal_text(args.get(1).copied().flatten()) {
        Some(name) => Charset::named(name).map(|_| ()),
        None => Ok(()),
    }
}

fn encode(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let strings = convert::strings(&args[0], "encode")?;
    let charsets = convert::strings(&args[1], "encode")?;
    let mut out = BinaryBuilder::new();
    for (s, name) in strings.iter().zip(charsets.iter()) {
        let (Some(s), Some(name)) = (s, name) else {
            out.append_null();
            continue;
        };
        let charset = Charset::named(name).map_err(|e| exec_datafusion_err!("encode: {e}"))?;
        match charset.encode(s) {
            Some(bytes) => out.append_value(bytes),
            None => return exec_err!("encode: a character cannot be written in {name}"),
        }
    }
    Ok(Arc::new(out.finish()))
}

fn decode(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    let bytes = convert::cast_safe(&args[0], &DataType::Binary)?;
    let bytes = bytes.as_binary::<i32>();
    let charsets = convert::strings(&args[1], "decode")?;
    let mut out = StringBuilder::new();
    for (b, name) in bytes.iter().zip(charsets.iter()) {
        let (Some(b), Some(name)) = (b, name) else {
            out.append_null();
            continue;
        };
        let charset = Charset::named(name).map_err(|e| exec_datafusion_err!("decode: {e}"))?;
        match charset.decode(b) {
            Some(text) => out.append_value(text),
            None => return exec_err!("decode: the bytes are not valid {name}"),
        }
    }
    Ok(Arc::new(out.finish()))
}

/// A character class of Java's (legacy, rule-based) word break iterator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordClass {
    Letter,
    Digit,
    Kanji,
    Katakana,
    Hiragana,
    Other,
}

fn word_class(c: char) -> WordClass {
    match c {
        '\u{3005}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}' => WordClass::Kanji,
        '\u{30a1}'..='\u{30fe}' => WordClass::Katakana,
        '\u{3041}'..='\u{309e}' => WordClass::Hiragana,
        c if c.is_alphabetic() => WordClass::Letter,
        c if c.is_numeric() => WordClass::Digit,
        _ => WordClass::Other,
    }
}

/// Joins two letters inside a word (`x-y`, `don't`, `a.b`, `a_b`).
fn mid_word(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{ad}' | '\u{2010}'..='\u{2015}' | '\u{2027}' | '"' | '\'' | '.' | '_'
    )
}

/// Joins two digits inside a number (`1,000`, `3.14`).
fn mid_number(c: char) -> bool {
    matches!(c, '"' | '\'' | ',' | '.' | '\u{66b}')
}

/// The words of one sentence as Java's word iterator and Spark's `sentences` keep them:
/// tokens that start with a letter or a digit.
fn sentence_words(sentence: &[char]) -> Vec<String> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < sentence.len() {
        let c = sentence[i];
        let class = word_class(c);
        let prefixed = (matches!(c, '$' | '#' | '.' | '^' | '\u{a2}') || is_currency(c))
            && sentence
                .get(i + 1)
                .is_some_and(|n| word_class(*n) == WordClass::Digit);
        if !matches!(class, WordClass::Letter | WordClass::Digit) && !prefixed {
            // One CJK script run is a word; any other character stands alone.
            let run = match class {
                WordClass::Kanji | WordClass::Katakana | WordClass::Hiragana => sentence[i..]
                    .iter()
                    .take_while(|&&d| {
                        word_class(d) == class
                            || (class != WordClass::Kanji
                                && matches!(d, '\u{30fc}' | '\u{3099}'..='\u{309c}'))
                    })
                    .count(),
                _ => 1,
            };
            if run > 1 || class != WordClass::Other {
                words.push(sentence[i..i + run].iter().collect());
            }
            i += run;
            continue;
        }
        let start = i;
        if prefixed {
            i += 1;
        }
        loop {
            match sentence.get(i).map(|&d| word_class(d)) {
                Some(WordClass::Letter | WordClass::Digit) => i += 1,
                Some(WordClass::Other) => {
                    let (prev, next) = (
                        word_class(sentence[i - 1]),
                        sentence.get(i + 1).map(|&n| word_class(n)),
                    );
                    let joins = match (prev, next) {
                        (WordClass::Letter, Some(WordClass::Letter)) => mid_word(sentence[i]),
                        (WordClass::Digit, Some(WordClass::Digit)) => mid_number(sentence[i]),
                        _ => false,
                    };
                    if !joins {
                        break;
                    }
                    i += 2;
                }
                _ => break,
            }
        }
        if word_class(sentence[i - 1]) == WordClass::Digit
            && sentence.get(i).is_some_and(|d| {
                matches!(
                    d,
                    '%' | '&' | '\u{a2}' | '\u{66a}' | '\u{2030}' | '\u{2031}'
                )
            })
        {
            i += 1;
        }
        if !prefixed {
            words.push(sentence[start..i].iter().collect());
        }
    }
    words
}

fn is_currency(c: char) -> bool {
    matches!(c, '\u{a3}'..='\u{a5}' | '\u{20a0}'..='\u{20cf}' | '\u{58f}' | '\u{60b}' | '\u{9f2}' | '\u{9f3}' | '\u{e3f}' | '\u{17db}')
}

/// Spark's `sentences`: the text split into sentences (after `!` or `?`, and after `.` when
/// the next sentence starts with an upper-case letter), each into its words.
pub fn spark_sentences(text: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        while chars.get(i).is_some_and(|d| {
            matches!(
                d,
                '.' | '!' | '?' | ')' | ']' | '"' | '\'' | '\u{201d}' | '\u{2019}'
            )
        }) {
            i += 1;
        }
        let spaces = chars[i..].iter().take_while(|d| d.is_whitespace()).count();
        let breaks = match c {
            '.' => spaces > 0 && chars.get(i + spaces).is_some_and(|d| d.is_uppercase()),
            _ => true,
        };
        if breaks {
            i += spaces;
            if i < chars.len() {
                out.push(sentence_words(&chars[start..i]));
                start = i;
            }
        }
    }
    if start < chars.len() {
        out.push(sentence_words(&chars[start..]));
    }
    out
}

fn sentences(args: &[ArrayRef], _: usize, _: &DataType) -> Result<ArrayRef> {
    use datafusion::arrow::array::ListBuilder;
    let texts = convert::strings(&args[0], "sentences")?;
    let mut out = ListBuilder::new(ListBuilder::new(StringBuilder::new()));
    for text in texts.iter() {
        let Some(text) = text else {
            out.append_null();
            continue;
        };
        for sentence in spark_sentences(text) {
            for word in sentence {
                out.values().values().append_value(word);
            }
            out.values().append(true);
        }
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}

fn sentences_type() -> DataType {
    use datafusion::arrow::datatypes::Field;
    let words = DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)));
    DataType::List(Arc::new(Field::new_list_field(words, true)))
}

fn coerce_sentences(args: &[DataType]) -> std::result::Result<Vec<DataType>, String> {
    arity(args, 1, 3)?;
    args.iter().map(|t| text(t, "each argument")).collect()
}

/// `format_string` (and `printf`) of `datafusion-spark`, with a decimal written by `%s` as
/// Java writes a `BigDecimal` (`10.50`, not its unscaled digits).
#[derive(Debug, PartialEq, Eq, Hash)]
struct FormatString {
    inner: Arc<ScalarUDF>,
}

/// The format's conversions of each argument (0-based), as Java's `Formatter` assigns them:
/// `%n$…` is argument `n`, `%<…` the previous one, others the next in order; `%%` and `%n`
/// take none.
fn format_conversions(format: &str) -> Vec<(usize, char)> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = Vec::new();
    let (mut next, mut last) = (0usize, None::<usize>);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            i += 1;
            continue;
        }
        i += 1;
        let digits = |i: &mut usize| {
            let start = *i;
            while chars.get(*i).is_some_and(char::is_ascii_digit) {
                *i += 1;
            }
            chars[start..*i].iter().collect::<String>()
        };
        let mut explicit = None;
        let start = i;
        let n = digits(&mut i);
        if chars.get(i) == Some(&'$') && !n.is_empty() {
            explicit = n.parse::<usize>().ok().map(|n| n.saturating_sub(1));
            i += 1;
        } else {
            i = start;
        }
        let mut previous = false;
        while let Some(&f) = chars.get(i).filter(|c| "-#+ 0,(<".contains(**c)) {
            previous |= f == '<';
            i += 1;
        }
        digits(&mut i);
        if chars.get(i) == Some(&'.') {
            i += 1;
            digits(&mut i);
        }
        let Some(&conversion) = chars.get(i) else {
            break;
        };
        i += 1;
        if matches!(conversion, 't' | 'T') {
            i += 1;
        }
        if matches!(conversion, '%' | 'n') {
            continue;
        }
        let index = match (explicit, previous) {
            (Some(n), _) => n,
            (None, true) => last.unwrap_or(0),
            (None, false) => {
                next += 1;
                next - 1
            }
        };
        last = Some(index);
        out.push((index, conversion));
    }
    out
}

impl datafusion::logical_expr::ScalarUDFImpl for FormatString {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &datafusion::logical_expr::Signature {
        self.inner.signature()
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        self.inner.return_type(args)
    }

    fn return_field_from_args(
        &self,
        args: datafusion::logical_expr::ReturnFieldArgs,
    ) -> Result<datafusion::arrow::datatypes::FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn invoke_with_args(
        &self,
        mut args: datafusion::logical_expr::ScalarFunctionArgs,
    ) -> Result<datafusion::logical_expr::ColumnarValue> {
        use datafusion::common::ScalarValue;
        use datafusion::logical_expr::ColumnarValue;
        let format = match args.args.first() {
            Some(ColumnarValue::Scalar(
                ScalarValue::Utf8(Some(f))
                | ScalarValue::LargeUtf8(Some(f))
                | ScalarValue::Utf8View(Some(f)),
            )) => f.clone(),
            _ => return self.inner.invoke_with_args(args),
        };
        let conversions = format_conversions(&format);
        for k in 1..args.args.len() {
            let decimal = matches!(
                args.args[k].data_type(),
                DataType::Decimal128(..) | DataType::Decimal256(..)
            );
            let mut uses = conversions.iter().filter(|(i, _)| *i == k - 1).peekable();
            let as_text = uses.peek().is_some() && uses.all(|(_, c)| matches!(c, 's' | 'S'));
            if decimal && as_text {
                args.args[k] = args.args[k].cast_to(&DataType::Utf8, None)?;
                if let Some(field) = args.arg_fields.get_mut(k) {
                    *field = Arc::new(field.as_ref().clone().with_data_type(DataType::Utf8));
                }
            }
        }
        self.inner.invoke_with_args(args)
    }
}

#[cfg(test)]
mod tests {
    use super::{
        format_conversions, levenshtein_distance, spark_initcap, spark_locate, spark_sentences,
        spark_soundex, spark_translate, substring_sql, Charset,
    };

    #[test]
    fn substring_follows_spark() {
        assert_eq!(substring_sql("Banana", 0, 2), "Ba");
        assert_eq!(substring_sql("Banana", 1, 2), "Ba");
        assert_eq!(substring_sql("Banana", -3, i32::MAX), "ana");
        assert_eq!(substring_sql("Banana", -3, 2), "an");
        assert_eq!(substring_sql("Banana", -100, 3), "");
        assert_eq!(substring_sql("Banana", -7, 3), "Ba");
        assert_eq!(substring_sql("Banana", 2, -1), "");
        assert_eq!(substring_sql("Banana", 100, 2), "");
        assert_eq!(substring_sql("日本語テキスト", 2, 3), "本語テ");
        assert_eq!(substring_sql("😀 smile", -1, 5), "e");
        assert_eq!(substring_sql("", 1, 1), "");
    }

    #[test]
    fn initcap_separates_words_by_spaces_only() {
        assert_eq!(spark_initcap("a_b hello-world"), "A_b Hello-world");
        assert_eq!(spark_initcap("  two  SPACES"), "  Two  Spaces");
        assert_eq!(spark_initcap("ÉCOLE élève o'neil"), "École Élève O'neil");
        assert_eq!(spark_initcap("ǆa ßa ﬁx\tb"), "ǅa Ssa Fix\tb");
    }

    #[test]
    fn translate_soundex_and_levenshtein_follow_spark() {
        assert_eq!(spark_translate("abcabc", "aab", "xyz"), "xzcxzc");
        assert_eq!(spark_translate("Banana", "abc", "x"), "Bxnxnx");
        assert_eq!(spark_soundex("Robert"), "R163");
        assert_eq!(spark_soundex("Ashcraft"), "A261");
        assert_eq!(spark_soundex("Tymczak"), "T522");
        assert_eq!(spark_soundex("Pfister"), "P236");
        assert_eq!(spark_soundex("Ünïcödé"), "Ünïcödé");
        assert_eq!(levenshtein_distance("kitten", "sitting"), 3);
        assert_eq!(levenshtein_distance("Ünï", "Uni"), 2);
    }

    #[test]
    fn format_conversions_are_assigned_as_java_assigns_them() {
        assert_eq!(
            format_conversions("%s has %05d%% %n%.2f|%2$s %<x %tY"),
            [(0, 's'), (1, 'd'), (2, 'f'), (1, 's'), (1, 'x'), (3, 't')]
        );
    }

    #[test]
    fn sentences_split_as_java_break_iterators() {
        let s = |text: &str| spark_sentences(text);
        assert_eq!(
            s("Hello world. this is. Next one! yes? ok"),
            [
                vec!["Hello", "world", "this", "is"],
                vec!["Next", "one"],
                vec!["yes"],
                vec!["ok"]
            ]
        );
        assert_eq!(
            s("a--b it's 5pm U.S.A. rocks (x) \"q\" 1,000 $5 50% 3rd"),
            [vec![
                "a", "b", "it's", "5pm", "U.S.A", "rocks", "x", "q", "1,000", "50%", "3rd"
            ]]
        );
        assert_eq!(
            s("one.Two three.  Four 2. five"),
            [vec!["one.Two", "three"], vec!["Four", "2", "five"]]
        );
        assert_eq!(
            s("don't stop 3.14 a_b, x-y  ÜBER straße 日本語テキスト"),
            [vec![
                "don't",
                "stop",
                "3.14",
                "a_b",
                "x-y",
                "ÜBER",
                "straße",
                "日本語",
                "テキスト"
            ]]
        );
        assert_eq!(
            s("ＡＢＣ ｶﾀｶﾅ ひらがなカタカナ漢字 x1y"),
            [vec![
                "ＡＢＣ",
                "ｶﾀｶﾅ",
                "ひらがな",
                "カタカナ",
                "漢字",
                "x1y"
            ]]
        );
        assert!(s("").is_empty());
        assert_eq!(s("   "), [Vec::<String>::new()]);
        assert_eq!(s("😀 smile"), [vec!["smile"]]);
    }

    #[test]
    fn charsets_follow_java() {
        assert_eq!(Charset::Utf16.encode("A"), Some(vec![0xFE, 0xFF, 0, 0x41]));
        assert_eq!(Charset::Utf16.encode(""), Some(vec![]));
        assert_eq!(
            Charset::Utf16Le.encode("😀"),
            Some(vec![0x3D, 0xD8, 0x00, 0xDE])
        );
        assert_eq!(Charset::Utf32.encode("A"), Some(vec![0, 0, 0, 0x41]));
        assert_eq!(Charset::Ascii.encode("é"), None);
        assert_eq!(Charset::Latin1.decode(&[0xFF]), Some("ÿ".into()));
        assert_eq!(
            Charset::Utf16.decode(&[0xFF, 0xFE, 0x41, 0]),
            Some("A".into())
        );
        assert_eq!(Charset::Utf16.decode(&[0, 0x41]), Some("A".into()));
        assert_eq!(Charset::Utf8.decode(&[0xFF]), None);
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
