//! Property: the parser returns a ruleset or an error for any text; it never panics or overflows
//! its stack. Inputs are random text, soups of DQDL tokens, and valid rulesets with random edits.

use proptest::prelude::*;
use proptest::sample::select;
use weir_quality::parse;

/// Fragments of DQDL, to build token soups and to insert into valid rulesets.
const FRAGMENTS: &[&str] = &[
    "Rules",
    "Analyzers",
    "Metadata",
    "DataSources",
    "DefaultLabels",
    "=",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    ",",
    ":",
    "!",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "+",
    "-",
    "*",
    "/",
    "$",
    "$v",
    "#",
    "\n",
    "\r",
    "\"",
    "\"a\"",
    "\"\\\"",
    "\"2024-02-30\"",
    "\"2024-01-01\"",
    "\"9:30 AM\"",
    "\"13:30 PM\"",
    "\"25:30\"",
    "\"21:45\"",
    "now()",
    "now",
    "(now() - 3 days)",
    "days",
    "hours",
    "minutes",
    "KB",
    "B",
    "GB",
    "1",
    "-1",
    "1.5",
    "5.",
    ".5",
    "99999999999999999999999",
    "between",
    "not",
    "in",
    "matches",
    "and",
    "AND",
    "or",
    "OR",
    "of",
    "where",
    "with",
    "threshold",
    "labels",
    "NULL",
    "null",
    "EMPTY",
    "WHITESPACES_ONLY",
    "RowCount",
    "IsComplete",
    "ColumnValues",
    "CustomSql",
    "FileSize",
    "FileMatch",
    "DataFreshness",
    "AllStatistics",
    "DetectAnomalies",
    "avg(last(3))",
    "last(",
    "é",
    "\u{0}",
    "'",
    "v = \"x\"",
    "l = [\"a\"]",
];

const VALID: &[&str] = &[
    r#"Metadata = { "Version": "1.0" }
DataSources = { "Primary": "a", "AdditionalDataSources": ["b"] }
allowed = ["A", NULL]
DefaultLabels = ["k"="v"]
Rules = [
    ColumnValues "c" in $allowed where "x > 1" labels=["a"="b"] with threshold > 0.5,
    (IsComplete "a") or ((RowCount between avg(last(3)) * 0.9 and 10) and (Mean "m" < 5)),
    ColumnValues "d" > (now() - 3 days) with timeZone = "UTC",
    FileSize between 1 B and 1 GB,
    DataFreshness "t" <= 24 hours
]
Analyzers = [ RowCount, AllStatistics "c" ]"#,
    r#"Rules = [ CustomSql "select 1" > 0, ColumnValues "c" matches "[a-z]+" ]"#,
];

/// Character index → byte index, clamped to the end.
fn byte_at(text: &str, char_index: usize) -> usize {
    text.char_indices()
        .nth(char_index)
        .map_or(text.len(), |(i, _)| i)
}

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, fragment: &'static str },
    Duplicate { at: usize, len: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0usize..400, 1usize..8).prop_map(|(at, len)| Edit::Delete { at, len }),
        (0usize..400, select(FRAGMENTS)).prop_map(|(at, fragment)| Edit::Insert { at, fragment }),
        (0usize..400, 1usize..30).prop_map(|(at, len)| Edit::Duplicate { at, len }),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let chars = text.chars().count();
    match edit {
        Edit::Delete { at, len } => {
            let start = byte_at(text, at % (chars + 1));
            let end = byte_at(text, at % (chars + 1) + len);
            format!("{}{}", &text[..start], &text[end..])
        }
        Edit::Insert { at, fragment } => {
            let i = byte_at(text, at % (chars + 1));
            format!("{}{fragment}{}", &text[..i], &text[i..])
        }
        Edit::Duplicate { at, len } => {
            let start = byte_at(text, at % (chars + 1));
            let end = byte_at(text, at % (chars + 1) + len);
            format!("{}{}", &text[..end], &text[start..])
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_text_never_panics(text in ".{0,200}") {
        let _ = parse(&text);
    }

    #[test]
    fn token_soups_never_panic(fragments in prop::collection::vec(select(FRAGMENTS), 0..40)) {
        let _ = parse(&format!("Rules = [ {} ]", fragments.join(" ")));
        let _ = parse(&fragments.join(" "));
        let _ = parse(&fragments.concat());
    }

    #[test]
    fn edited_rulesets_never_panic(
        base in select(VALID),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut text = base.to_owned();
        for e in &edits {
            text = apply(&text, e);
        }
        // Whatever parses must also print to text that parses to the same ruleset.
        if let Ok(ruleset) = parse(&text) {
            let printed = ruleset.to_string();
            match parse(&printed) {
                Ok(again) => prop_assert_eq!(again, ruleset, "from:\n{}\nprinted:\n{}", text, printed),
                Err(e) => prop_assert!(false, "{}\nfrom:\n{}\nprinted:\n{}", e, text, printed),
            }
        }
    }
}
