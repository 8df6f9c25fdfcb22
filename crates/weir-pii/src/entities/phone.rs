//! North American phone numbers (NANP).

use super::checksums::digits;
use super::{ContextRule, PatternSpec, Prefilter, Recognizer};
use crate::entity_type::ManagedEntity;

pub(super) const PHONE_NUMBER: Recognizer = Recognizer {
    entity: ManagedEntity::PhoneNumber,
    patterns: &[
        PatternSpec {
            // (415) 555-0123, 415-555-0123, 415.555.0123, +1 415 555 0123, 1-415-555-0123
            regex: r"(?:\+1[ .-]?|\b1[ .-])?(?:\(\d{3}\)[ .-]?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b",
            validate: nanp_valid,
            context: ContextRule::NotNeeded,
            prefilter: Prefilter::digits(10),
        },
        PatternSpec {
            regex: r"\+1\d{10}\b",
            validate: nanp_valid,
            context: ContextRule::NotNeeded,
            prefilter: Prefilter::digits(11),
        },
        PatternSpec {
            // Ten bare digits are as often an order or account number: context decides.
            regex: r"\b1?\d{10}\b",
            validate: nanp_valid,
            context: ContextRule::Needed,
            prefilter: Prefilter::digits(10),
        },
    ],
    context_words: &[
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "call",
        "fax",
        "contact",
        "phone number",
    ],
    negative_words: &[
        "order",
        "invoice",
        "tracking",
        "ref",
        "reference",
        "po",
        "sku",
        "serial",
        "account",
        "acct",
        "isbn",
        "id",
    ],
};

/// Ten digits after an optional country code 1; area code and exchange start with 2-9.
fn nanp_valid(text: &str) -> bool {
    let mut d = digits(text);
    if d.len() == 11 && d[0] == 1 {
        d.remove(0);
    }
    d.len() == 10 && d[0] >= 2 && d[3] >= 2
}

#[cfg(test)]
mod tests {
    use crate::detect::Sensitivity;
    use crate::entities::test_support::{assert_whole_values, found, found_in_column};
    use crate::entity_type::ManagedEntity;

    #[test]
    fn formatted_us_numbers() {
        assert_whole_values(
            ManagedEntity::PhoneNumber,
            &[
                "(415) 555-0123",
                "415-555-0123",
                "415.555.0123",
                "+1 415 555 0123",
                "1-415-555-0123",
                "+14155550123",
            ],
            &[
                "015-555-0123",
                "415-055-0123",
                "415-555-012",
                "4155-55-0123",
            ],
        );
    }

    #[test]
    fn order_numbers_that_look_like_phones_are_not_phones() {
        let phone = ManagedEntity::PhoneNumber;
        assert!(found(phone, Sensitivity::High, "4155550123").is_empty());
        assert!(found(phone, Sensitivity::High, "Order 415-555-0123 shipped").is_empty());
        assert!(found(phone, Sensitivity::High, "invoice #415.555.0123").is_empty());
        assert_eq!(
            found(phone, Sensitivity::Low, "call me at 4155550123"),
            ["4155550123"]
        );
        assert_eq!(
            found_in_column(phone, Sensitivity::Low, "4155550123", Some("phone")),
            ["4155550123"]
        );
    }
}
