//! Context words: whole-word, case-insensitive look-ups near a match or in a column name.

/// How far (in bytes) around a match context words are looked for, and how far before it
/// words that rule a match out.
const CONTEXT_WINDOW: usize = 64;
const NEGATIVE_WINDOW: usize = 16;

/// Whether one of `words` (lower case) appears as a whole word in `text`.
pub(crate) fn contains_word(text: &str, words: &[String]) -> bool {
    if words.is_empty() || text.is_empty() {
        return false;
    }
    let lower = text.to_lowercase();
    words.iter().any(|word| {
        lower.match_indices(word.as_str()).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + word.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// Whether a column name holds one of `words`; `_`, `-` and `.` separate its words.
pub(crate) fn column_mentions(column: &str, words: &[String]) -> bool {
    let spaced: String = column
        .chars()
        .map(|c| if matches!(c, '_' | '-' | '.') { ' ' } else { c })
        .collect();
    contains_word(&spaced, words)
}

/// Whether one of `words` appears within the context window around `value[start..end]`.
pub(crate) fn near_match(value: &str, start: usize, end: usize, words: &[String]) -> bool {
    let before = &value[floor_boundary(value, start.saturating_sub(CONTEXT_WINDOW))..start];
    let after = &value[end..ceil_boundary(value, end + CONTEXT_WINDOW)];
    contains_word(before, words) || contains_word(after, words)
}

/// Whether one of `words` appears just before `value[start..]`.
pub(crate) fn just_before(value: &str, start: usize, words: &[String]) -> bool {
    let before = &value[floor_boundary(value, start.saturating_sub(NEGATIVE_WINDOW))..start];
    contains_word(before, words)
}

fn floor_boundary(value: &str, mut at: usize) -> usize {
    while !value.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(value: &str, at: usize) -> usize {
    let mut at = at.min(value.len());
    while !value.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn whole_words_only() {
        assert!(contains_word("Customer SSN:", &words(&["ssn"])));
        assert!(!contains_word("classnames", &words(&["ssn"])));
        assert!(contains_word("ss# 1", &words(&["ss#"])));
    }

    #[test]
    fn column_names_split_on_underscores() {
        assert!(column_mentions("customer_ssn", &words(&["ssn"])));
        assert!(column_mentions("Phone-Number", &words(&["phone"])));
        assert!(!column_mentions("lesson", &words(&["ssn"])));
    }

    #[test]
    fn windows_respect_multibyte_characters() {
        let value = format!("{} ssn é 123", "é".repeat(40));
        let start = value.len() - 3;
        assert!(near_match(&value, start, value.len(), &words(&["ssn"])));
        assert!(!just_before(&value, start, &words(&["order"])));
    }
}
