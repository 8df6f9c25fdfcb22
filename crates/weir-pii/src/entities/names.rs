//! Person names: capitalised word pairs whose first and last words are on name lists.
//!
//! A heuristic, not a language model: it finds `First Last`, `First M. Last` and
//! `Last, First` where the words are on the lists in `data/`; names off the lists are missed,
//! and at HIGH sensitivity one listed word suffices. In a column named for names (`last_name`,
//! `surname`, `full_name`, …) a whole cell of capitalised words is a name, listed or not.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::{ContextRule, Guard, PatternSpec, Prefilter, Recognizer};
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
        PatternSpec {
            guard: Guard::None,
            ..name_pattern(
                WHOLE_CELL_NAME,
                not_a_place,
                ContextRule::ColumnNamed(PERSON_COLUMNS),
            )
        },
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
        guard: Guard::StreetAfterNumber(ends_in_a_street_suffix),
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

/// Street suffixes (the USPS list) that end a street name such as `Jessica Throughway` or
/// `Scott Cliff`, when only one word of the pair is on a list. Suffixes that are as often
/// family names (Brooks, Ferry, Hill, Keys, Mills, Wells, …) or first names (Dale, Glen) are
/// left out.
const STREET_SUFFIXES: &[&str] = &[
    "alley",
    "annex",
    "arcade",
    "bayou",
    "bend",
    "bluff",
    "bluffs",
    "boulevard",
    "brook",
    "burg",
    "burgs",
    "bypass",
    "canyon",
    "cape",
    "causeway",
    "center",
    "centers",
    "circle",
    "circles",
    "cliff",
    "cliffs",
    "club",
    "corner",
    "corners",
    "course",
    "court",
    "courts",
    "cove",
    "coves",
    "crescent",
    "crossing",
    "crossroad",
    "curve",
    "dam",
    "divide",
    "drive",
    "drives",
    "estate",
    "estates",
    "expressway",
    "extension",
    "extensions",
    "fall",
    "flat",
    "flats",
    "fords",
    "forge",
    "forges",
    "fork",
    "forks",
    "freeway",
    "garden",
    "gardens",
    "gateway",
    "glens",
    "greens",
    "harbor",
    "harbors",
    "haven",
    "highway",
    "hollow",
    "inlet",
    "island",
    "islands",
    "isle",
    "junction",
    "junctions",
    "knoll",
    "knolls",
    "lakes",
    "landing",
    "lights",
    "loaf",
    "lock",
    "locks",
    "loop",
    "mall",
    "manor",
    "manors",
    "meadow",
    "mews",
    "mill",
    "mission",
    "motorway",
    "mountain",
    "mountains",
    "neck",
    "orchard",
    "oval",
    "overpass",
    "parkway",
    "parkways",
    "passage",
    "path",
    "pike",
    "pines",
    "place",
    "plain",
    "plains",
    "plaza",
    "point",
    "points",
    "ports",
    "prairie",
    "radial",
    "ramp",
    "ranch",
    "rapid",
    "rapids",
    "ridge",
    "ridges",
    "roads",
    "route",
    "shoal",
    "shoals",
    "shores",
    "skyway",
    "spring",
    "spur",
    "spurs",
    "square",
    "squares",
    "station",
    "stravenue",
    "stream",
    "streets",
    "summit",
    "terrace",
    "throughway",
    "trace",
    "track",
    "trafficway",
    "trail",
    "tunnel",
    "turnpike",
    "underpass",
    "union",
    "unions",
    "valleys",
    "viaduct",
    "views",
    "village",
    "villages",
    "ville",
    "vista",
    "walks",
    "well",
    "ways",
];

/// Street suffixes left out of [`STREET_SUFFIXES`] as family or first names: after a house
/// number (`3029 Vincent Brooks`, `789 Charles Ferry`) they too end a street's name.
const FAMILY_NAME_SUFFIXES: &[&str] = &[
    "branch", "brooks", "camp", "common", "crest", "dale", "ferry", "field", "fields", "ford",
    "forest", "glen", "green", "grove", "groves", "hill", "key", "keys", "land", "lane", "light",
    "lodge", "meadows", "mills", "park", "parks", "pass", "pine", "rest", "row", "rue", "run",
    "shore", "via", "view", "walk", "wall", "way", "wells",
];

/// Whether the last word of a pair is a street suffix of either list.
fn ends_in_a_street_suffix(text: &str) -> bool {
    outer_words(text).is_some_and(|(_, last)| {
        let last = last.as_str();
        STREET_SUFFIXES.contains(&last)
            || FAMILY_NAME_SUFFIXES.contains(&last)
            || PLACE_WORDS.contains(&last)
    })
}

/// Capitalised words that open a sentence before a name (`Dear Cruz`, `Contact Hughes Inc`):
/// never a pair's first name, so the search moves on to the name itself. Titles (`Mr Smith`)
/// are not here: without them a lone family name would be no pair at all.
const NOT_FIRST_NAMES: &[&str] = &[
    "and", "ask", "by", "call", "contact", "dear", "for", "from", "hello", "hey", "hi", "my",
    "our", "please", "see", "signed", "thanks", "the", "to", "with", "your",
];

fn one_listed(text: &str) -> bool {
    outer_words(text).is_some_and(|(first, last)| {
        let place = PLACE_WORDS.contains(&first.as_str())
            || PLACE_WORDS.contains(&last.as_str())
            || STREET_SUFFIXES.contains(&last.as_str());
        !place
            && !NOT_FIRST_NAMES.contains(&first.as_str())
            && (first_names().contains(first.as_str()) || last_names().contains(last.as_str()))
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
    fn streets_named_after_people_are_not_names() {
        let name = ManagedEntity::PersonName;
        for text in [
            "Scott Cliff",
            "Jessica Throughway",
            "Dear Ryan Underpass,",
            "768 Walter Prairie Apt. 717",
            "Dear Gloria Well,",
            "Dear Cruz Spur,",
            "Contact Hughes Inc tomorrow",
            "3029 Vincent Brooks Suite 339",
        ] {
            assert!(found(name, Sensitivity::High, text).is_empty(), "{text}");
        }
        // A suffix that is as often a family name, or a suffix as a first name: still names.
        for text in [
            "Matthew Mills",
            "Cliff Johnson",
            "Vincent Brooks",
            "Room 12, Mary Johnson",
            "Contact Mary Zyskowski",
            "2 Mary Johnson",
        ] {
            assert!(!found(name, Sensitivity::High, text).is_empty(), "{text}");
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
