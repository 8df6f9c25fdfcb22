//! Person names: capitalised word pairs whose first and last words are on name lists.
//!
//! A heuristic, not a language model: it finds `First Last`, `First M. Last` and
//! `Last, First` where the words are on the lists in `data/`; names off the lists are missed,
//! and at HIGH sensitivity one listed word suffices. In a column named for names (`last_name`,
//! `surname`, `full_name`, …) a whole cell of capitalised words is a name, listed or not.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::{ContextRule, PatternSpec, Prefilter, Recognizer};
use crate::entity_type::ManagedEntity;

// Word boundaries are ASCII (see `detect::compile_managed`), so the patterns end on the greedy
// lower-case run rather than on `\b`, which would not hold after a final `é`.

const FIRST_LAST: &str = r"\b\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?(?:\s+\p{Lu}\.)?\s+(?:\p{Lu}')?\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?";
const LAST_COMMA_FIRST: &str = r"\b\p{Lu}\p{Ll}+,\s*\p{Lu}\p{Ll}+";
/// A whole cell of one to four capitalised words (`Smith`, `O'Brien`, `Mary Ann`, `McDonald`).
const WHOLE_CELL_NAME: &str = r"^\p{Lu}[\p{L}'’.\-]*(?:\s+\p{Lu}[\p{L}'’.\-]*){0,3}$";

/// Column names whose cells are person names however short (`last_name`, `surname`).
const PERSON_COLUMNS: &[&str] = &[
    "first name",
    "firstname",
    "last name",
    "lastname",
    "surname",
    "given name",
    "givenname",
    "family name",
    "familyname",
    "full name",
    "fullname",
    "middle name",
    "maiden name",
    "person name",
    "customer name",
    "contact name",
    "employee name",
];

pub(super) const PERSON_NAME: Recognizer = Recognizer {
    entity: ManagedEntity::PersonName,
    patterns: &[
        name_pattern(FIRST_LAST, both_listed, ContextRule::NotNeeded),
        name_pattern(
            LAST_COMMA_FIRST,
            both_listed_reversed,
            ContextRule::NotNeeded,
        ),
        name_pattern(FIRST_LAST, one_listed, ContextRule::NeededAtLow),
        name_pattern(
            WHOLE_CELL_NAME,
            not_a_place,
            ContextRule::ColumnNamed(PERSON_COLUMNS),
        ),
    ],
    context_words: &[
        "name", "customer", "contact", "mr", "mrs", "ms", "dr", "dear",
    ],
    negative_words: &[],
};

const fn name_pattern(
    regex: &'static str,
    validate: fn(&str) -> bool,
    context: ContextRule,
) -> PatternSpec {
    PatternSpec {
        regex,
        validate,
        context,
        prefilter: Prefilter::NONE,
    }
}

fn list(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

fn first_names() -> &'static HashSet<&'static str> {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| list(include_str!("../../data/first_names.txt")))
}

fn last_names() -> &'static HashSet<&'static str> {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| list(include_str!("../../data/last_names.txt")))
}

/// The first and last words of a candidate, lower case, without initials or apostrophes.
fn outer_words(text: &str) -> Option<(String, String)> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty() && !w.ends_with('.'))
        .collect();
    let first = words.first()?;
    let last = words.last()?;
    let last = last.rsplit('\'').next().unwrap_or(last);
    // A double-barrelled name counts by its first part.
    let part = |w: &str| w.split('-').next().unwrap_or(w).to_lowercase();
    (words.len() >= 2).then(|| (part(first), part(last)))
}

fn both_listed(text: &str) -> bool {
    outer_words(text).is_some_and(|(first, last)| {
        first_names().contains(first.as_str()) && last_names().contains(last.as_str())
    })
}

fn both_listed_reversed(text: &str) -> bool {
    outer_words(text).is_some_and(|(last, first)| {
        first_names().contains(first.as_str()) && last_names().contains(last.as_str())
    })
}

/// Words that make a capitalised pair a place or an organisation (`Virginia Beach`,
/// `Mount Vernon`), not a person, when only one word of the pair is on a list.
const PLACE_WORDS: &[&str] = &[
    "avenue",
    "bank",
    "bay",
    "beach",
    "bridge",
    "city",
    "college",
    "county",
    "creek",
    "east",
    "falls",
    "fort",
    "hall",
    "heights",
    "hills",
    "hospital",
    "lake",
    "mount",
    "new",
    "north",
    "park",
    "port",
    "river",
    "road",
    "saint",
    "school",
    "south",
    "springs",
    "street",
    "university",
    "valley",
    "west",
];

fn one_listed(text: &str) -> bool {
    outer_words(text).is_some_and(|(first, last)| {
        let place = PLACE_WORDS.contains(&first.as_str()) || PLACE_WORDS.contains(&last.as_str());
        !place && (first_names().contains(first.as_str()) || last_names().contains(last.as_str()))
    })
}

/// A name-shaped cell that is not a place (`New York` in a `last_name` column is still odd
/// data, but not a person).
fn not_a_place(text: &str) -> bool {
    !text
        .split_whitespace()
        .any(|w| PLACE_WORDS.contains(&w.to_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use crate::detect::Sensitivity;
    use crate::entities::test_support::{found, found_in_column};
    use crate::entity_type::ManagedEntity;

    // Word boundaries are ASCII (see `detect::compile_managed`), so the patterns end on the greedy
    // lower-case run rather than on `\b`, which would not hold after a final `é`.

    #[test]
    fn listed_first_and_last_names() {
        let name = ManagedEntity::PersonName;
        assert_eq!(
            found(name, Sensitivity::Low, "Dear Mary Johnson,"),
            ["Mary Johnson"]
        );
        assert_eq!(
            found(name, Sensitivity::Low, "José García paid"),
            ["José García"]
        );
        assert_eq!(
            found(name, Sensitivity::Low, "Robert J. Smith"),
            ["Robert J. Smith"]
        );
        assert_eq!(
            found(name, Sensitivity::Low, "Smith, Anna"),
            ["Smith, Anna"]
        );
        assert_eq!(
            found(name, Sensitivity::Low, "Sarah O'Brien-Smith"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn capitalised_words_off_the_lists_are_not_names() {
        let name = ManagedEntity::PersonName;
        for text in [
            "New York",
            "Main Street",
            "Thank You",
            "Order Number",
            "mary johnson",
            "Virginia Beach",
            "Mount Vernon",
        ] {
            assert!(found(name, Sensitivity::High, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn whole_cells_of_name_columns_are_names() {
        let name = ManagedEntity::PersonName;
        let in_column =
            |value, column| found_in_column(name, Sensitivity::Low, value, Some(column));
        assert_eq!(in_column("Zyskowski", "last_name"), ["Zyskowski"]);
        assert_eq!(in_column("O'Brien-Smythe", "Surname"), ["O'Brien-Smythe"]);
        assert!(in_column("Zyskowski", "product").is_empty());
        assert!(in_column("zyskowski", "last_name").is_empty());
        assert!(in_column("Paid in full", "last_name").is_empty());
        assert!(found(name, Sensitivity::High, "Zyskowski").is_empty());
    }

    #[test]
    fn one_listed_word_needs_context_at_low() {
        let name = ManagedEntity::PersonName;
        assert!(found(name, Sensitivity::Low, "Mary Zyskowski").is_empty());
        assert_eq!(
            found(name, Sensitivity::High, "Mary Zyskowski"),
            ["Mary Zyskowski"]
        );
        assert_eq!(
            found_in_column(
                name,
                Sensitivity::Low,
                "Mary Zyskowski",
                Some("customer_name")
            ),
            ["Mary Zyskowski"]
        );
    }
}
