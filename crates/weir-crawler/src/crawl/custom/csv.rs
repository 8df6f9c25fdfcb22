//! CSV classifiers: delimited text of the classifier's `Delimiter` and `QuoteSymbol`. A file is
//! recognized when every line splits into as many fields (at least two unless
//! `AllowSingleColumn`) and there is a record. `ContainsHeader` says whether the first line is
//! a header (`UNKNOWN`: Glue's built-in rules decide); `Header` names the columns (a file with
//! another number of columns is not recognized); values are trimmed before their type is read
//! unless `DisableValueTrimming`. With `CustomDatatypeConfigured`, a column is of the first of
//! `CustomDatatypes` that all its values are (boolean, short, int, long, decimal, double,
//! float, date, timestamp, in that order; text otherwise; `BINARY` is never inferred from
//! text); else of the built-in types. `Serde` picks the table's SerDe: `OpenCSVSerDe`,
//! `LazySimpleSerDe`, or (`None`) OpenCSVSerde when some field is quoted, as the built-in
//! classifier does.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;
use weir_engine::formats::TableFormat;

use super::{member, Recognized};
use crate::crawl::kind::Kind;
use crate::crawl::text::{delimited_as, merged_kinds, Dialect, Header};

/// A CSV classifier.
#[derive(Debug)]
pub struct CsvRule {
    delimiter: u8,
    quote: u8,
    header: Header,
    names: Option<Vec<String>>,
    trim: bool,
    single_column: bool,
    /// The types columns may take, in the order tried; `None`: the built-in ones.
    types: Option<Vec<CsvType>>,
    serde: Serde,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Serde {
    OpenCsv,
    LazySimple,
    /// OpenCSVSerde when some field is quoted.
    Detect,
}

/// A type of `CustomDatatypes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CsvType {
    Boolean,
    Short,
    Int,
    Long,
    Decimal,
    Double,
    Float,
    Date,
    Timestamp,
}

impl CsvType {
    /// The type of a `CustomDatatypes` name; `None` for `STRING` (the fallback) and `BINARY`
    /// (never inferred).
    fn named(name: &str) -> Result<Option<Self>, String> {
        Ok(Some(match name {
            "BOOLEAN" => CsvType::Boolean,
            "SHORT" => CsvType::Short,
            "INT" => CsvType::Int,
            "LONG" => CsvType::Long,
            "DECIMAL" => CsvType::Decimal,
            "DOUBLE" => CsvType::Double,
            "FLOAT" => CsvType::Float,
            "DATE" => CsvType::Date,
            "TIMESTAMP" => CsvType::Timestamp,
            "STRING" | "BINARY" => return Ok(None),
            other => {
                return Err(format!(
                    "CustomDatatypes names '{other}', which is not one of {}",
                    crate::classifiers::CSV_DATATYPES.join(", ")
                ))
            }
        }))
    }

    /// Whether a value is of this type.
    fn holds(self, v: &str) -> bool {
        match self {
            CsvType::Boolean => v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
            CsvType::Short => v.parse::<i16>().is_ok(),
            CsvType::Int => v.parse::<i32>().is_ok(),
            CsvType::Long => v.parse::<i64>().is_ok(),
            CsvType::Decimal => decimal_digits(v).is_some(),
            CsvType::Double | CsvType::Float => {
                v.bytes().any(|b| b.is_ascii_digit())
                    && v.bytes().all(|b| {
                        b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+')
                    })
                    && v.parse::<f64>().is_ok()
            }
            CsvType::Date => NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
            CsvType::Timestamp => ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
                .iter()
                .any(|f| NaiveDateTime::parse_from_str(v, f).is_ok()),
        }
    }

    fn kind(self, values: &[&str]) -> Kind {
        match self {
            CsvType::Boolean => Kind::Boolean,
            CsvType::Short => Kind::Declared("smallint".into()),
            CsvType::Int => Kind::Int,
            CsvType::Long => Kind::BigInt,
            CsvType::Decimal => {
                let (mut whole, mut scale) = (1, 0);
                for (w, s) in values.iter().filter_map(|v| decimal_digits(v)) {
                    whole = whole.max(w);
                    scale = scale.max(s);
                }
                let precision = (whole + scale).min(38);
                Kind::Declared(format!("decimal({precision},{})", scale.min(precision)))
            }
            CsvType::Double => Kind::Double,
            CsvType::Float => Kind::Declared("float".into()),
            CsvType::Date => Kind::Declared("date".into()),
            CsvType::Timestamp => Kind::Declared("timestamp".into()),
        }
    }
}

/// A plain decimal's digits before and after its point (`-12.50`: 2 and 2).
fn decimal_digits(v: &str) -> Option<(usize, usize)> {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!(whole.is_empty() && fraction.is_empty()) && all_digits(whole) && all_digits(fraction))
        .then_some((whole.len(), fraction.len()))
}

/// A member that is one ASCII character (`default` when absent).
fn one_char(fields: &Value, name: &str, default: u8) -> Result<u8, String> {
    match member(fields, name) {
        None => Ok(default),
        Some(v) if v.len() == 1 && v.is_ascii() => Ok(v.as_bytes()[0]),
        Some(v) => Err(format!(
            "{name} '{v}' is not one character; Weir reads delimited text of single-byte delimiters and quotes"
        )),
    }
}

impl CsvRule {
    /// The rule of a `CsvClassifier`'s members.
    pub fn new(fields: &Value) -> Result<Self, String> {
        let delimiter = one_char(fields, "Delimiter", b',')?;
        let quote = one_char(fields, "QuoteSymbol", b'"')?;
        if delimiter == quote {
            return Err(format!(
                "QuoteSymbol must differ from the Delimiter ('{}')",
                delimiter as char
            ));
        }
        let header = match member(fields, "ContainsHeader").unwrap_or("UNKNOWN") {
            "UNKNOWN" => Header::Detect,
            "PRESENT" => Header::Present,
            "ABSENT" => Header::Absent,
            other => {
                return Err(format!(
                    "ContainsHeader '{other}' is not UNKNOWN, PRESENT or ABSENT"
                ))
            }
        };
        let strings = |name: &str| -> Option<Vec<String>> {
            fields.get(name).and_then(Value::as_array).map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
        };
        let names = strings("Header").filter(|n| !n.is_empty());
        let flag = |name: &str| fields.get(name).and_then(Value::as_bool).unwrap_or(false);
        let types = if flag("CustomDatatypeConfigured") {
            let mut types = Vec::new();
            for name in strings("CustomDatatypes").unwrap_or_default() {
                types.extend(CsvType::named(&name)?);
            }
            types.sort();
            types.dedup();
            Some(types)
        } else {
            None
        };
        let serde = match member(fields, "Serde").unwrap_or("None") {
            "OpenCSVSerDe" => Serde::OpenCsv,
            "LazySimpleSerDe" => Serde::LazySimple,
            "None" => Serde::Detect,
            other => {
                return Err(format!(
                    "Serde '{other}' is not OpenCSVSerDe, LazySimpleSerDe or None"
                ))
            }
        };
        Ok(Self {
            delimiter,
            quote,
            header,
            names,
            trim: !flag("DisableValueTrimming"),
            single_column: flag("AllowSingleColumn"),
            types,
            serde,
        })
    }

    /// The file as this classifier reads it, if it does.
    pub fn recognize(&self, sample: &str, complete: bool) -> Option<Recognized> {
        let column_kind = |values: &[&str]| -> Kind {
            // Untrimmed, a value with spaces around it is text.
            if !self.trim && values.iter().any(|v| v.trim().len() != v.len()) {
                return Kind::String;
            }
            match &self.types {
                None => merged_kinds(values),
                Some(_) if values.is_empty() => Kind::Null,
                Some(types) => types
                    .iter()
                    .find(|t| values.iter().all(|v| t.holds(v)))
                    .map_or(Kind::String, |t| t.kind(values)),
            }
        };
        let dialect = Dialect {
            delimiters: std::slice::from_ref(&self.delimiter),
            quote: self.quote as char,
            header: self.header,
            trim: self.trim,
            min_columns: if self.single_column { 1 } else { 2 },
            min_lines: 1,
            column_kind: &column_kind,
        };
        let found = delimited_as(sample, complete, &dialect)?;
        let mut columns = found.columns;
        if let Some(names) = &self.names {
            if names.len() != columns.len() {
                return None;
            }
            for ((name, _), given) in columns.iter_mut().zip(names) {
                *name = given.trim().to_lowercase();
            }
        }
        let quoted = match self.serde {
            Serde::OpenCsv => true,
            Serde::LazySimple => false,
            Serde::Detect => found.quoted,
        };
        Some(Recognized {
            format: TableFormat::Csv {
                delimiter: self.delimiter,
                header: found.header,
                quote: self.quote,
                escape: None,
            },
            columns,
            quoted,
            records: found.records,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(fields: Value, sample: &str) -> Option<Recognized> {
        CsvRule::new(&fields).unwrap().recognize(sample, true)
    }

    fn hive(r: &Recognized) -> Vec<String> {
        r.columns
            .iter()
            .map(|(n, k)| format!("{n}:{}", k.hive()))
            .collect()
    }

    #[test]
    fn the_delimiter_and_quote_are_the_classifiers() {
        let r = read(
            json!({"Delimiter": "#", "QuoteSymbol": "'"}),
            "id#name\n1#'a # b'\n2#'c'\n",
        )
        .unwrap();
        assert_eq!(hive(&r), ["id:bigint", "name:string"]);
        assert!(r.quoted);
        assert_eq!(
            r.format,
            TableFormat::Csv {
                delimiter: b'#',
                header: true,
                quote: b'\'',
                escape: None
            }
        );
        // Commas are not this classifier's delimiter: one column, not recognized.
        assert!(read(json!({"Delimiter": "#"}), "a,b\nc,d\n").is_none());
        let single = read(
            json!({"Delimiter": "#", "AllowSingleColumn": true, "ContainsHeader": "ABSENT"}),
            "a\nb\n",
        )
        .unwrap();
        assert_eq!(hive(&single), ["col0:string"]);
        // Lines of different widths.
        assert!(read(json!({"Delimiter": "#"}), "a#b\nc\n").is_none());
    }

    #[test]
    fn contains_header_and_header_name_the_columns() {
        let text_only = "k|v\na|b\n";
        let present = read(
            json!({"Delimiter": "|", "ContainsHeader": "PRESENT"}),
            text_only,
        )
        .unwrap();
        assert_eq!(
            (hive(&present), present.records),
            (vec!["k:string".into(), "v:string".into()], 1)
        );
        let absent = read(
            json!({"Delimiter": "|", "ContainsHeader": "ABSENT"}),
            "k|1\nb|2\n",
        )
        .unwrap();
        assert_eq!(hive(&absent), ["col0:string", "col1:bigint"]);
        assert_eq!(absent.records, 2);
        let named = read(
            json!({"Delimiter": "|", "ContainsHeader": "ABSENT", "Header": ["Key", "Value"]}),
            "k|1\nb|2\n",
        )
        .unwrap();
        assert_eq!(hive(&named), ["key:string", "value:bigint"]);
        // Three columns where the classifier names two.
        assert!(read(
            json!({"Delimiter": "|", "Header": ["a", "b"]}),
            "1|2|3\n4|5|6\n"
        )
        .is_none());
    }

    #[test]
    fn custom_datatypes_are_the_types_columns_may_take() {
        let sample =
            "id,price,day,flag,big\n1,2.50,2024-01-02,true,100000\n2,10.125,2024-02-03,false,3\n";
        let typed = read(
            json!({"CustomDatatypeConfigured": true,
                   "CustomDatatypes": ["SHORT", "INT", "DECIMAL", "DATE", "STRING"]}),
            sample,
        )
        .unwrap();
        assert_eq!(
            hive(&typed),
            [
                "id:smallint",
                "price:decimal(5,3)",
                "day:date",
                "flag:string",
                "big:int"
            ]
        );
        let built_in = read(json!({}), sample).unwrap();
        assert_eq!(
            hive(&built_in),
            [
                "id:bigint",
                "price:double",
                "day:string",
                "flag:boolean",
                "big:bigint"
            ]
        );
    }

    #[test]
    fn untrimmed_values_are_text_and_serde_is_the_classifiers_choice() {
        let sample = "a,b\nx, 1\ny, 2\n";
        let trimmed = read(json!({}), sample).unwrap();
        assert_eq!(hive(&trimmed), ["a:string", "b:bigint"]);
        // Untrimmed, " 1" is text: every column is, so the first line is no header.
        let untrimmed = read(json!({"DisableValueTrimming": true}), sample).unwrap();
        assert_eq!(hive(&untrimmed), ["col0:string", "col1:string"]);
        assert!(
            read(json!({"Serde": "OpenCSVSerDe"}), sample)
                .unwrap()
                .quoted
        );
        let lazy = read(json!({"Serde": "LazySimpleSerDe"}), "a,b\n\"x\",1\n").unwrap();
        assert!(!lazy.quoted);
    }

    #[test]
    fn classifiers_weir_cannot_apply_say_why() {
        let err = |v: Value| CsvRule::new(&v).unwrap_err();
        assert!(err(json!({"Delimiter": "::"})).contains("Delimiter '::' is not one character"));
        assert!(err(json!({"QuoteSymbol": ","})).contains("must differ"));
        assert!(err(json!({"ContainsHeader": "MAYBE"})).contains("'MAYBE'"));
        assert!(
            err(json!({"CustomDatatypeConfigured": true, "CustomDatatypes": ["VARCHAR"]}))
                .contains("'VARCHAR'")
        );
    }
}
