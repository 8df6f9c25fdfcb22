//! Dates of birth: calendar dates with a birth context word nearby (or in the column name).

use super::{ContextRule, Guard, PatternSpec, Prefilter, Recognizer};
use crate::entity_type::ManagedEntity;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

const fn dated(regex: &'static str) -> PatternSpec {
    PatternSpec {
        regex,
        validate: calendar_date_valid,
        context: ContextRule::Needed,
        prefilter: Prefilter::digits(5),
        guard: Guard::None,
    }
}

pub(super) const DATE_OF_BIRTH: Recognizer = Recognizer {
    entity: ManagedEntity::Date,
    patterns: &[
        // 1984-03-05, 1984/3/5
        dated(r"\b(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}\b"),
        // 03/05/1984 (month first or day first), 5.3.1984
        dated(r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}\b"),
        // March 5, 1984; 5 March 1984; 5th Mar 1984
        dated(
            r"(?i)\b(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?,?)?\s+(?:19|20)\d{2}\b",
        ),
    ],
    context_words: &[
        "dob",
        "d.o.b",
        "date of birth",
        "birth",
        "born",
        "birthday",
        "birthdate",
        "geburtsdatum",
        "date de naissance",
        "naissance",
    ],
    negative_words: &[],
};

/// The text names a real calendar day (numeric forms: either day-first or month-first).
fn calendar_date_valid(text: &str) -> bool {
    let numbers: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect();
    let lower = text.to_ascii_lowercase();
    let month_by_name = MONTHS
        .iter()
        .position(|month| lower.contains(month))
        .map(|i| i as u32 + 1);
    match (month_by_name, numbers.as_slice()) {
        (Some(month), [day, year]) => day_exists(*year, month, *day),
        (Some(month), [year]) => (1900..2100).contains(year) && month >= 1,
        (None, [a, b, c]) if *a >= 1900 => day_exists(*a, *b, *c),
        (None, [a, b, year]) => day_exists(*year, *a, *b) || day_exists(*year, *b, *a),
        _ => false,
    }
}

fn day_exists(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use crate::detect::Sensitivity;
    use crate::entities::test_support::{found, found_in_column};
    use crate::entity_type::ManagedEntity;

    #[test]
    fn dates_count_with_a_birth_context_word() {
        let date = ManagedEntity::Date;
        for text in [
            "1984-03-05",
            "03/05/1984",
            "25.12.1990",
            "March 5, 1984",
            "5 Mar 1984",
        ] {
            assert_eq!(
                found(date, Sensitivity::Low, &format!("DOB: {text}")),
                [text],
                "{text}"
            );
            assert!(found(date, Sensitivity::High, &format!("shipped {text}")).is_empty());
        }
        assert_eq!(
            found_in_column(date, Sensitivity::Low, "1984-03-05", Some("birth_date")),
            ["1984-03-05"]
        );
    }

    #[test]
    fn impossible_days_are_not_dates() {
        let date = ManagedEntity::Date;
        for text in ["1984-02-30", "31/31/1984", "1983-02-29", "2024-13-01"] {
            assert!(
                found(date, Sensitivity::High, &format!("born {text}")).is_empty(),
                "{text}"
            );
        }
        assert_eq!(
            found(date, Sensitivity::High, "born 2024-02-29"),
            ["2024-02-29"]
        );
    }
}
