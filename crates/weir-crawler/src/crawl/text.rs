//! Schemas of text files from a sample of their first bytes: JSON (one document a line, several
//! a line, documents across lines, a top-level array of records) and delimited text (delimiter,
//! quoting and header detected as Glue's built-in CSV classifier does).

use serde_json::Value;

use super::kind::{merge_columns, Kind};

/// Delimiters Glue's CSV classifier tries: comma, pipe, tab, semicolon, Ctrl-A.
const DELIMITERS: [u8; 5] = [b',', b'|', b'\t', b';', 0x01];
/// A header field is at most this long (except the last).
const MAX_HEADER_FIELD: usize = 150;

/// A delimited text file's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Delimited {
    pub delimiter: u8,
    pub header: bool,
    /// Some field was quoted with `"`.
    pub quoted: bool,
    pub columns: Vec<(String, Kind)>,
    /// Records in the sample.
    pub records: usize,
}

/// JSON records' merged columns and how many records the sample held; `None` when the sample
/// is not JSON. `complete` says the sample is the whole file (else its last document may be
/// cut).
pub fn json(sample: &str, complete: bool) -> Option<(Vec<(String, Kind)>, usize)> {
    let first = sample.trim_start().chars().next()?;
    if first != '{' && first != '[' {
        return None;
    }
    let mut columns: Vec<(String, Kind)> = Vec::new();
    let mut records = 0;
    let mut stream = serde_json::Deserializer::from_str(sample).into_iter::<Value>();
    loop {
        match stream.next() {
            None => break,
            Some(Ok(Value::Array(items))) => {
                for item in items {
                    records += 1;
                    columns = merge_columns(columns, record_columns(&item)?);
                }
            }
            Some(Ok(record)) => {
                records += 1;
                columns = merge_columns(columns, record_columns(&record)?);
            }
            // A document cut by the end of the sample.
            Some(Err(e)) if e.is_eof() && !complete && records > 0 => break,
            Some(Err(_)) => return None,
        }
    }
    (records > 0).then_some((columns, records))
}

/// A record's columns: `None` unless it is an object.
pub fn record_columns(record: &Value) -> Option<Vec<(String, Kind)>> {
    match json_kind(record) {
        Kind::Struct(fields) => Some(fields),
        _ => None,
    }
}

fn json_kind(value: &Value) -> Kind {
    match value {
        Value::Null => Kind::Null,
        Value::Bool(_) => Kind::Boolean,
        Value::Number(n) => match n.as_i64() {
            Some(v) if i32::try_from(v).is_ok() => Kind::Int,
            Some(_) => Kind::BigInt,
            None if n.is_u64() => Kind::BigInt,
            None => Kind::Double,
        },
        Value::String(_) => Kind::String,
        Value::Array(items) => Kind::Array(Box::new(
            items.iter().map(json_kind).fold(Kind::Null, Kind::merge),
        )),
        Value::Object(fields) => Kind::Struct(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), json_kind(v)))
                .collect(),
        ),
    }
}

/// How delimited text is read: Glue's built-in classifier's way ([`Dialect::built_in`]), or a
/// CSV classifier's.
pub struct Dialect<'a> {
    /// The delimiters tried, in order; the first that gives every line as many fields wins.
    pub delimiters: &'a [u8],
    pub quote: char,
    pub header: Header,
    /// Values are trimmed before their type is read.
    pub trim: bool,
    /// Fewer columns than this is not delimited text.
    pub min_columns: usize,
    /// Fewer non-empty lines than this is not delimited text.
    pub min_lines: usize,
    /// A column's type from its values (trimmed when `trim`; empty ones left out).
    pub column_kind: &'a dyn Fn(&[&str]) -> Kind,
}

/// Whether the first line is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// As Glue's classifier decides (see [`delimited_as`]).
    Detect,
    Present,
    Absent,
}

impl Dialect<'static> {
    /// Glue's built-in CSV classifier: comma, pipe, tab, semicolon or Ctrl-A; `"` quotes; at
    /// least two columns and two lines; booleans, `bigint`, `double` and text.
    pub fn built_in() -> Self {
        Dialect {
            delimiters: &DELIMITERS,
            quote: '"',
            header: Header::Detect,
            trim: true,
            min_columns: 2,
            min_lines: 2,
            column_kind: &merged_kinds,
        }
    }
}

/// A delimited text file's shape from a sample, as Glue's built-in classifier reads it; `None`
/// unless some delimiter gives at least two columns on every line and there are at least two
/// lines. `complete` as for [`json`].
pub fn delimited(sample: &str, complete: bool) -> Option<Delimited> {
    delimited_as(sample, complete, &Dialect::built_in())
}

/// A delimited text file's shape from a sample, read in `dialect`; `None` unless a delimiter
/// gives every line as many fields, enough lines and columns, and at least one record.
///
/// Glue's header rules ([`Header::Detect`]): every field of the first line is text (not
/// empty), short, and some column of the other lines is not text.
pub fn delimited_as(sample: &str, complete: bool, dialect: &Dialect) -> Option<Delimited> {
    let mut lines: Vec<&str> = sample.lines().collect();
    if !complete && !sample.ends_with('\n') {
        lines.pop();
    }
    lines.retain(|l| !l.trim().is_empty());
    if lines.len() < dialect.min_lines.max(1) {
        return None;
    }
    let (delimiter, rows) = dialect.delimiters.iter().find_map(|&d| {
        let rows: Vec<(Vec<String>, bool)> =
            lines.iter().map(|l| split(l, d, dialect.quote)).collect();
        let width = rows[0].0.len();
        (width >= dialect.min_columns && rows.iter().all(|(r, _)| r.len() == width))
            .then_some((d, rows))
    })?;
    let quoted = rows.iter().any(|(_, q)| *q);
    let width = rows[0].0.len();
    let kind_of = |rows: &[(Vec<String>, bool)], i: usize| -> Kind {
        let values: Vec<&str> = rows
            .iter()
            .map(|(r, _)| {
                if dialect.trim {
                    r[i].trim()
                } else {
                    r[i].as_str()
                }
            })
            .filter(|v| !v.is_empty())
            .collect();
        (dialect.column_kind)(&values)
    };
    let header = match dialect.header {
        Header::Present => true,
        Header::Absent => false,
        Header::Detect => {
            let data: Vec<Kind> = (0..width).map(|i| kind_of(&rows[1..], i)).collect();
            (0..width).all(|i| kind_of(&rows[..1], i) == Kind::String)
                && rows[0].0[..width - 1]
                    .iter()
                    .all(|f| f.chars().count() < MAX_HEADER_FIELD)
                && data.iter().any(|k| !matches!(k, Kind::String | Kind::Null))
        }
    };
    let records = rows.len() - usize::from(header);
    if records == 0 {
        return None;
    }
    let data = &rows[usize::from(header)..];
    let columns = (0..width)
        .map(|i| {
            let name = if header {
                column_name(&rows[0].0[i])
            } else {
                format!("col{i}")
            };
            (name, kind_of(data, i))
        })
        .collect();
    Some(Delimited {
        delimiter,
        header,
        quoted,
        columns,
        records,
    })
}

/// The built-in classifier's type of a column: its values' types, merged.
pub fn merged_kinds(values: &[&str]) -> Kind {
    values
        .iter()
        .map(|v| value_kind(v))
        .fold(Kind::Null, Kind::merge)
}

/// A header field as a catalog column name: trimmed, lower case.
fn column_name(field: &str) -> String {
    field.trim().to_lowercase()
}

/// One line's fields at `delimiter`, with `quote` quoting (two quotes inside quotes are one);
/// and whether any field was quoted.
fn split(line: &str, delimiter: u8, quote: char) -> (Vec<String>, bool) {
    let delimiter = delimiter as char;
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote && in_quotes && chars.peek() == Some(&quote) => {
                field.push(quote);
                chars.next();
            }
            c if c == quote && in_quotes => in_quotes = false,
            c if c == quote && field.trim().is_empty() => {
                in_quotes = true;
                quoted = true;
                field.clear();
            }
            c if c == delimiter && !in_quotes => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    (fields, quoted)
}

/// A CSV value's type as Glue's classifier reads it: empty is unknown, `true`/`false` a
/// boolean, an integer a `bigint`, another number a `double`, anything else text (surrounding
/// spaces aside).
pub fn value_kind(value: &str) -> Kind {
    let v = value.trim();
    if v.is_empty() {
        return Kind::Null;
    }
    if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") {
        return Kind::Boolean;
    }
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return if v.parse::<i64>().is_ok() {
            Kind::BigInt
        } else {
            Kind::String
        };
    }
    let numeric = digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if numeric && v.parse::<f64>().is_ok() {
        return Kind::Double;
    }
    Kind::String
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hive(columns: &[(String, Kind)]) -> Vec<String> {
        columns
            .iter()
            .map(|(n, k)| format!("{n}:{}", k.hive()))
            .collect()
    }

    #[test]
    fn a_header_is_found_when_the_data_below_it_is_not_all_text() {
        let csv = delimited(
            "id,name,price,active\n1,apple,1.5,true\n2,\"pear, green\",2,false\n",
            true,
        )
        .unwrap();
        assert_eq!(csv.delimiter, b',');
        assert!(csv.header && csv.quoted);
        assert_eq!(csv.records, 2);
        assert_eq!(
            hive(&csv.columns),
            ["id:bigint", "name:string", "price:double", "active:boolean"]
        );
    }

    #[test]
    fn text_only_files_and_headerless_files_get_numbered_columns() {
        let csv = delimited("a|b\nc|d\n", true).unwrap();
        assert_eq!(csv.delimiter, b'|');
        assert!(!csv.header);
        assert_eq!(hive(&csv.columns), ["col0:string", "col1:string"]);
        let tabs = delimited("1\t2.5\n3\t\n", true).unwrap();
        assert_eq!(hive(&tabs.columns), ["col0:bigint", "col1:double"]);
    }

    #[test]
    fn a_column_whose_values_disagree_widens() {
        // Text in every column below the first line: no header, as Glue decides.
        let csv = delimited("k,v\na,1\nb,2.5\nc,x\n", true).unwrap();
        assert!(!csv.header);
        assert_eq!(hive(&csv.columns), ["col0:string", "col1:string"]);
        let csv = delimited("k,v\na,1\nb,99999999999\n", true).unwrap();
        assert_eq!(hive(&csv.columns), ["k:string", "v:bigint"]);
    }

    #[test]
    fn one_column_or_one_line_is_not_delimited_text() {
        assert!(delimited("just one column\nper line\n", true).is_none());
        assert!(delimited("a,b\n", true).is_none());
        assert!(delimited("a,b\nc\n", true).is_none());
    }

    #[test]
    fn json_documents_merge_across_lines_and_within_a_line() {
        let (columns, records) = json(
            "{\"id\": 1, \"tags\": [\"a\"], \"geo\": {\"lat\": 1.5}}\n{\"id\": 3000000000, \"geo\": {\"lon\": 2}} {\"extra\": null}\n",
            true,
        )
        .unwrap();
        assert_eq!(records, 3);
        assert_eq!(
            hive(&columns),
            [
                "id:bigint",
                "tags:array<string>",
                "geo:struct<lat:double,lon:int>",
                "extra:string"
            ]
        );
        let (columns, records) = json("[{\"a\": true}, {\"a\": false, \"b\": 1}]", true).unwrap();
        assert_eq!(
            (hive(&columns), records),
            (vec!["a:boolean".into(), "b:int".into()], 2)
        );
    }

    #[test]
    fn a_cut_sample_drops_its_last_document_but_malformed_json_is_not_json() {
        let (_, records) = json("{\"a\": 1}\n{\"a\": 2}\n{\"a\": ", false).unwrap();
        assert_eq!(records, 2);
        assert!(json("{\"a\": 1}\n{\"a\": ", true).is_none());
        assert!(json("{\"a\": 1} garbage", true).is_none());
        assert!(json("id,name\n", true).is_none());
    }
}
