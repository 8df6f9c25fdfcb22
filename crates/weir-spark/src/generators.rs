//! What a generator's argument is, for [`super::sql_rewrite`]'s planning of generators.
//!
//! The columns a generator gives depend on its argument's type — `explode` of an array gives
//! `col`, of a map `key` and `value`; `inline` gives one column per field of the structs — but
//! generators are rewritten in the parsed SQL, before types are known. So a generator is first
//! rewritten for the shape its name and aliases suggest, its argument passing through
//! [`CHECK`] with that expected [`Shape`]. When planning finds another shape, the check fails
//! with an error carrying the generator's key and the shape found ([`learned`]); the query is
//! then parsed and rewritten again knowing it ([`with_known`], [`known`]).
//!
//! Spark's list of aliases for a generator's columns, `explode(m) AS (k, v)`, is written as one
//! quoted alias before parsing ([`alias_lists`]) and split again ([`aliases`]).
//!
//! `json_tuple` as a generator calls `datafusion-spark`'s `json_tuple` (a struct of the
//! members) under the name [`JSON_TUPLE`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use datafusion::arrow::datatypes::DataType;
use datafusion::common::DataFusionError;
use datafusion::logical_expr::ScalarUDF;
use datafusion::sql::sqlparser::ast::Ident;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Location, Token, Tokenizer};

use super::udf::{literal_text, SparkFn};

/// The function a generator's argument passes through: `CHECK(arg, key, expected shape)`
/// returns `arg`, and fails at planning when `arg` is not of the expected shape.
pub const CHECK: &str = "spark_generator_array";

/// What a generator's argument is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// An array (of anything but the structs `inline` takes).
    Array,
    /// A map.
    Map,
    /// An array of structs with these fields (for `inline`).
    Structs(Vec<String>),
    /// Not known yet: the check always fails, telling the shape.
    Unknown,
}

impl Shape {
    /// The shape of a type, if a generator takes it; `inline` reads arrays of structs.
    fn of(t: &DataType, structs: bool) -> Option<Shape> {
        match t {
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                match (structs, f.data_type()) {
                    (true, DataType::Struct(fields)) => Some(Shape::Structs(
                        fields.iter().map(|f| f.name().clone()).collect(),
                    )),
                    (true, DataType::Null) => Some(Shape::Structs(Vec::new())),
                    (true, _) => None,
                    (false, _) => Some(Shape::Array),
                }
            }
            DataType::Null if structs => Some(Shape::Structs(Vec::new())),
            DataType::Null => Some(Shape::Array),
            DataType::Map(..) if !structs => Some(Shape::Map),
            _ => None,
        }
    }

    /// The shape as text without spaces or quotes (field names hex-encoded).
    pub fn code(&self) -> String {
        match self {
            Shape::Array => "array".into(),
            Shape::Map => "map".into(),
            Shape::Unknown => "unknown".into(),
            Shape::Structs(fields) => {
                let hex: Vec<String> = fields
                    .iter()
                    .map(|f| f.bytes().map(|b| format!("{b:02x}")).collect())
                    .collect();
                format!("structs:{}", hex.join("."))
            }
        }
    }

    fn parse(code: &str) -> Option<Shape> {
        Some(match code {
            "array" => Shape::Array,
            "map" => Shape::Map,
            "unknown" => Shape::Unknown,
            _ => {
                let fields = code.strip_prefix("structs:")?;
                if fields.is_empty() {
                    return Some(Shape::Structs(Vec::new()));
                }
                let names = fields
                    .split('.')
                    .map(|hex| {
                        let bytes = (0..hex.len())
                            .step_by(2)
                            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                            .collect::<Option<Vec<u8>>>()?;
                        String::from_utf8(bytes).ok()
                    })
                    .collect::<Option<Vec<String>>>()?;
                Shape::Structs(names)
            }
        })
    }
}

/// The key of a generator call: the same for the same call text.
pub fn key(call_text: &str) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    call_text.hash(&mut hasher);
    format!("g{:016x}", hasher.finish())
}

/// The name `datafusion-spark`'s `json_tuple` is also registered under (a call of
/// `json_tuple` is a generator).
pub const JSON_TUPLE: &str = "spark_json_tuple_struct";

const MARKER: &str = "weir-generator-shape ";

thread_local! {
    static KNOWN: RefCell<HashMap<String, Shape>> = RefCell::new(HashMap::new());
}

/// Runs `f` (a rewrite) with these shapes known.
pub fn with_known<T>(shapes: &HashMap<String, Shape>, f: impl FnOnce() -> T) -> T {
    KNOWN.with(|k| *k.borrow_mut() = shapes.clone());
    let out = f();
    KNOWN.with(|k| k.borrow_mut().clear());
    out
}

/// The shape learned for a generator's key, if any.
pub fn known(key: &str) -> Option<Shape> {
    KNOWN.with(|k| k.borrow().get(key).cloned())
}

/// The generator key and shape a failed check tells.
pub fn learned(e: &DataFusionError) -> Option<(String, Shape)> {
    let text = e.to_string();
    let at = text.find(MARKER)? + MARKER.len();
    let mut words = text[at..].split([' ', ';', '"', '\'', ')']);
    let key = words.next()?.to_string();
    let shape = Shape::parse(words.next()?)?;
    Some((key, shape))
}

/// The function named [`CHECK`].
pub fn check_udf() -> ScalarUDF {
    SparkFn::new(
        CHECK,
        |args| match args {
            [t, rest @ ..] if rest.len() == 2 => {
                Ok([t.clone(), DataType::Utf8, DataType::Utf8].to_vec())
            }
            _ => Err("takes an argument, a key and a shape".into()),
        },
        |args| Ok(args.first().cloned().unwrap_or(DataType::Null)),
        |args, _, _| Ok(std::sync::Arc::clone(&args[0])),
    )
    .returns_for(|types, literals| {
        let key = literal_text(literals.get(1).copied().flatten()).unwrap_or_default();
        let expected = literal_text(literals.get(2).copied().flatten())
            .and_then(Shape::parse)
            .unwrap_or(Shape::Unknown);
        let structs = matches!(expected, Shape::Structs(_) | Shape::Unknown);
        match Shape::of(&types[0], structs) {
            Some(found) if found == expected => Ok(types[0].clone()),
            Some(found) => Err(format!(
                "{MARKER}{key} {}; the generator's argument is not of the shape planned",
                found.code()
            )),
            None if structs => Err(format!(
                "inline takes an array of structs, got {}",
                types[0]
            )),
            None => Err(format!(
                "explode and posexplode (and their _outer forms) take an array or a map, got {}",
                types[0]
            )),
        }
    })
    .udf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_read_back() {
        for shape in [
            Shape::Array,
            Shape::Map,
            Shape::Structs(vec!["a b".into(), "ü".into()]),
            Shape::Structs(Vec::new()),
        ] {
            assert_eq!(Shape::parse(&shape.code()), Some(shape.clone()));
            let e = DataFusionError::Plan(format!("f: \"{MARKER}g1 {}; more\"", shape.code()));
            assert_eq!(learned(&e), Some(("g1".into(), shape)));
        }
    }
}

/// The quoted alias a list of aliases `AS (a, b)` becomes ([`alias_lists`]): this marker, then
/// the names, each after a unit separator.
const ALIAS_LIST: &str = "weir_alias_list";
const SEPARATOR: char = '\u{1f}';

/// Spark's `generator(…) AS (a, b)`, which the parser cannot read, written as one quoted alias
/// that [`aliases`] splits again: a `)` then `AS` then names in parentheses. The text is left
/// as it is when there is none (or it does not tokenize: the parser then reports the error).
pub fn alias_lists(sql: &str) -> Cow<'_, str> {
    if !sql.to_ascii_lowercase().contains("as") {
        return Cow::Borrowed(sql);
    }
    let Ok(tokens) = Tokenizer::new(&GenericDialect {}, sql).tokenize_with_location() else {
        return Cow::Borrowed(sql);
    };
    let significant: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    // (start of `(`, start of `)`, names)
    let mut edits: Vec<(Location, Location, Vec<String>)> = Vec::new();
    for i in 0..significant.len() {
        let at = |k: usize| significant.get(k).map(|t| &t.token);
        let is_as = matches!(at(i), Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == Keyword::AS);
        if !(is_as
            && i > 0
            && at(i - 1) == Some(&Token::RParen)
            && at(i + 1) == Some(&Token::LParen))
        {
            continue;
        }
        let mut names = Vec::new();
        let mut k = i + 2;
        let close = loop {
            match at(k) {
                Some(Token::Word(w))
                    if w.quote_style.is_some()
                        || !matches!(
                            w.keyword,
                            Keyword::SELECT | Keyword::WITH | Keyword::VALUES | Keyword::TABLE
                        ) =>
                {
                    names.push(w.value.clone());
                }
                _ => break None,
            }
            match at(k + 1) {
                Some(Token::Comma) => k += 2,
                Some(Token::RParen) => break Some(k + 1),
                _ => break None,
            }
        };
        if let Some(close) = close {
            edits.push((
                significant[i + 1].span.start,
                significant[close].span.start,
                names,
            ));
        }
    }
    if edits.is_empty() {
        return Cow::Borrowed(sql);
    }
    let offset = super::pre_parse::byte_offsets(sql);
    let mut out = String::with_capacity(sql.len());
    let mut copied = 0;
    for (open, close, names) in edits {
        let (Some(open), Some(close)) = (offset(open), offset(close)) else {
            return Cow::Borrowed(sql);
        };
        out.push_str(&sql[copied..open]);
        out.push('"');
        out.push_str(ALIAS_LIST);
        for name in names {
            out.push(SEPARATOR);
            out.push_str(&name.replace('"', "\"\""));
        }
        out.push('"');
        copied = close + 1;
    }
    out.push_str(&sql[copied..]);
    Cow::Owned(out)
}

/// The aliases an alias stands for: the names of a list [`alias_lists`] wrote, else itself.
pub fn aliases(alias: &Ident) -> Vec<Ident> {
    match alias.value.strip_prefix(ALIAS_LIST) {
        Some(list) => list
            .split(SEPARATOR)
            .skip(1)
            .map(|n| Ident::with_quote('"', n))
            .collect(),
        None => vec![alias.clone()],
    }
}

#[cfg(test)]
mod alias_list_tests {
    use super::*;

    #[test]
    fn alias_lists_become_one_alias() {
        let sql = "SELECT id, posexplode(arr) AS (p, `v`) FROM t";
        let rewritten = alias_lists(sql);
        assert_eq!(
            rewritten,
            "SELECT id, posexplode(arr) AS \"weir_alias_list\u{1f}p\u{1f}v\" FROM t"
        );
        let names: Vec<String> = aliases(&Ident::new(format!("{ALIAS_LIST}\u{1f}p\u{1f}v")))
            .into_iter()
            .map(|i| i.value)
            .collect();
        assert_eq!(names, ["p", "v"]);
        for sql in [
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "SELECT CAST(a AS INT) AS b FROM t",
            "SELECT * FROM stack(2, 1, 2) AS s(a, b)",
        ] {
            assert_eq!(alias_lists(sql), sql);
        }
    }
}
