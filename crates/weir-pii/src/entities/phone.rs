//! North American phone numbers (NANP).

use super::checksums::digits;
use super::{ContextRule, Guard, PatternSpec, Prefilter, Recognizer};
use crate::entity_type::ManagedEntity;

pub(super) const PHONE_NUMBER: Recognizer = Recognizer {
    entity: ManagedEntity::PhoneNumber,
    patterns: &[
        PatternSpec {
            // (415) 555-0123, 415-555-0123, 415.555.0123, +1 415 555 0123, 1-415-555-0123,
            // 001-415-555-0123 (dialled from abroad), each with an optional extension.
            regex: concat!(
                r"(?:\+1[ .-]?|\b1[ .-]|\b001[ .-])?(?:\(\d{3}\)[ .-]?|\b\d{3}[ .-])\d{3}[ .-]\d{4}",
                r"(?:\s?(?i:x|ext\.?|extension)\s?\d{1,6})?\b",
            ),
            validate: nanp_valid,
            context: ContextRule::NotNeeded,
            prefilter: Prefilter::digits(10),
            guard: Guard::None,
        },
        PatternSpec {
            regex: r"\+1\d{10}(?:\s?(?i:x|ext\.?|extension)\s?\d{1,6})?\b",
            validate: nanp_valid,
            context: ContextRule::NotNeeded,
            prefilter: Prefilter::digits(11),
            guard: Guard::None,
        },
        PatternSpec {
            // Ten bare digits are as often an order or account number: context decides.
            regex: r"\b1?\d{10}\b",
            validate: nanp_valid,
            context: ContextRule::Needed,
            prefilter: Prefilter::digits(10),
            guard: Guard::None,
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

/// Ten digits after an optional country code (`1`, or `001` dialled from abroad) and before an
/// optional extension; area code and exchange start with 2-9.
fn nanp_valid(text: &str) -> bool {
    let number = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or(text, |at| &text[..at]);
    let d = digits(number);
    let d = match d.len() {
        11 if d[0] == 1 => &d[1..],
        13 if d.starts_with(&[0, 0, 1]) => &d[3..],
        _ => &d[..],
    };
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
    fn extensions_and_the_international_prefix() {
        assert_whole_values(
            ManagedEntity::PhoneNumber,
            &[
                "281.532.1892x19176",
                "(529)265-9784x08387",
                "415-555-0123x123",
                "415-555-0123 x123",
                "415-555-0123 ext. 12",
                "415-555-0123 Ext 12",
                "+1-434-378-6496x88817",
                "+14155550123x12",
                "001-808-840-8650",
                "001-786-311-8779x588",
                "001 415 555 0123",
            ],
            &[
                // The number after the prefix is not a NANP number; other prefixes.
                "001-015-555-0123",
                "002-415-555-0123",
                "0001-415-555-0123",
                // An extension of seven digits, or none after the `x`.
                "415-555-0123x1234567",
                "415-555-0123x",
            ],
        );
        let phone = ManagedEntity::PhoneNumber;
        assert_eq!(
            found(
                phone,
                Sensitivity::High,
                "Call 415-555-0123 ext. 12, or 415.555.0199x7."
            ),
            ["415-555-0123 ext. 12", "415.555.0199x7"]
        );
        assert!(found(phone, Sensitivity::High, "Order 001-415-555-0123x12").is_empty());
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
