//! Payment and bank identifiers: card numbers, IBANs, US bank accounts and routing numbers.

use super::checksums::{aba_checksum_valid, digits, iban_mod97_valid, luhn_valid};
use super::{ContextRule, Guard, PatternSpec, Prefilter, Recognizer};
use crate::entity_type::ManagedEntity;

pub(super) const CREDIT_CARD: Recognizer = Recognizer {
    entity: ManagedEntity::CreditCard,
    patterns: &[
        PatternSpec {
            // Grouped with spaces or dashes: 19 digits 4-4-4-4-3 (first, or the leftmost match
            // would stop after 16), in fours, American Express and Diners Club 4-6-5 (4-6-4),
            // 13-digit Visa 4-3-3-3.
            regex: concat!(
                r"\b\d{4}(?:[ -]\d{4}){3}[ -]\d{3}\b",
                r"|\b\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}\b",
                r"|\b\d{4}[ -]\d{6}[ -]\d{4,5}\b",
                r"|\b\d{4}(?:[ -]\d{3}){3}\b",
            ),
            validate: card_number_valid,
            context: ContextRule::NotNeeded,
            prefilter: Prefilter::digits(13),
            guard: Guard::StandaloneGroups,
        },
        PatternSpec {
            // Bare digits: after an account or order word they are that account's or order's
            // number, unless a card word is there too.
            regex: r"\b\d{13,19}\b",
            validate: card_number_valid,
            context: ContextRule::NeededAtLow,
            prefilter: Prefilter::digits(13),
            guard: Guard::YieldsTo(NOT_A_CARD_WORDS),
        },
    ],
    context_words: &[
        "card",
        "credit",
        "debit",
        "cc",
        "visa",
        "mastercard",
        "amex",
        "american express",
        "discover",
        "payment",
        "pan",
    ],
    negative_words: &[],
};

/// Words after which a bare digit run is another number: a bank account's (`checking account
/// 4260756402471423` is an account number that happens to pass Luhn) or an identifier's.
const NOT_A_CARD_WORDS: &[&str] = &[
    "account",
    "acct",
    "a/c",
    "checking",
    "savings",
    "order",
    "invoice",
    "tracking",
    "ref",
    "reference",
    "serial",
    "sku",
    "po",
    "isbn",
    "id",
    "batch",
    "employee",
    "model",
    "part",
];

/// One separator throughout, 13 to 19 digits, a known issuer range and the Luhn check.
fn card_number_valid(text: &str) -> bool {
    let mut separators = text.bytes().filter(|b| !b.is_ascii_digit());
    if let Some(first) = separators.next() {
        if separators.any(|b| b != first) {
            return false;
        }
    }
    let d = digits(text);
    (13..=19).contains(&d.len()) && issuer_accepts_length(&d) && luhn_valid(&d)
}

/// Issuer identification number ranges of the major networks and their card lengths.
fn issuer_accepts_length(d: &[u8]) -> bool {
    let prefix = |n: usize| d[..n].iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
    let len = d.len();
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    match p1 {
        // Visa
        4 => matches!(len, 13 | 16 | 19),
        // American Express, Diners Club, JCB
        3 => {
            (matches!(p2, 34 | 37) && len == 15)
                || ((300..=305).contains(&p3) || matches!(p2, 36 | 38 | 39))
                    && (14..=19).contains(&len)
                || (3528..=3589).contains(&p4) && (16..=19).contains(&len)
        }
        // Mastercard (51-55 and 2221-2720), Mir (2200-2204), Maestro (5018, 5020, 5038, 5893)
        5 => ((51..=55).contains(&p2) && len == 16) || maestro(p4),
        2 => ((2221..=2720).contains(&p4) || (2200..=2204).contains(&p4)) && len == 16,
        // Discover, UnionPay, RuPay; Maestro (6304, 6759, 6761-6763)
        6 => {
            ((p4 == 6011
                || (644..=649).contains(&p3)
                || p2 == 65
                || p2 == 62
                || (622126..=622925).contains(&p6))
                && (16..=19).contains(&len))
                || maestro(p4)
        }
        _ => false,
    }
}

/// Maestro's issuer prefixes; its cards have 12 to 19 digits (the patterns take 13 or more).
fn maestro(prefix4: u32) -> bool {
    matches!(
        prefix4,
        5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761..=6763
    )
}

pub(super) const IBAN: Recognizer = Recognizer {
    entity: ManagedEntity::Iban,
    patterns: &[PatternSpec {
        // Compact, or printed in groups of four.
        regex: r"\b[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)\b",
        validate: iban_valid,
        context: ContextRule::NotNeeded,
        prefilter: Prefilter::digits(2),
        guard: Guard::None,
    }],
    context_words: &["iban", "bank account", "account"],
    negative_words: &[],
};

/// IBAN lengths by country (ISO 13616 registry).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VG", 24),
    ("XK", 20),
];

/// The country's length, check digits 02-98 (98 minus a remainder mod 97: never 00, 01 or 99,
/// though 01 passes mod 97 as 98 does) and the mod-97 checksum.
fn iban_valid(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| *c != ' ').collect();
    let expected = IBAN_LENGTHS
        .iter()
        .find(|(country, _)| compact.starts_with(country))
        .map(|(_, len)| *len);
    let check_digits_ok = compact
        .get(2..4)
        .and_then(|d| d.parse::<u8>().ok())
        .is_some_and(|d| (2..=98).contains(&d));
    expected == Some(compact.len()) && check_digits_ok && iban_mod97_valid(&compact)
}

pub(super) const BANK_ACCOUNT: Recognizer = Recognizer {
    entity: ManagedEntity::BankAccount,
    patterns: &[PatternSpec {
        regex: r"\b\d{8,17}\b",
        validate: not_one_repeated_digit,
        context: ContextRule::Needed,
        prefilter: Prefilter::digits(8),
        guard: Guard::None,
    }],
    context_words: &[
        "account",
        "acct",
        "account number",
        "bank account",
        "checking",
        "savings",
        "a/c",
    ],
    negative_words: &["routing"],
};

fn not_one_repeated_digit(text: &str) -> bool {
    let first = text.as_bytes().first();
    text.bytes().any(|b| Some(&b) != first)
}

pub(super) const USA_ROUTING_NUMBER: Recognizer = Recognizer {
    entity: ManagedEntity::UsaRoutingNumber,
    patterns: &[PatternSpec {
        regex: r"\b\d{9}\b",
        validate: routing_number_valid,
        context: ContextRule::Needed,
        prefilter: Prefilter::digits(9),
        guard: Guard::None,
    }],
    context_words: &["routing", "aba", "rtn", "transit", "routing number"],
    negative_words: &[],
};

/// A Federal Reserve prefix (00-12, 21-32, 61-72, 80) and the ABA checksum.
fn routing_number_valid(text: &str) -> bool {
    let d = digits(text);
    if d.len() != 9 {
        return false;
    }
    let prefix = d[0] * 10 + d[1];
    let prefix_ok = matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80);
    prefix_ok && aba_checksum_valid(&d)
}

#[cfg(test)]
mod tests {
    use arrow_array::StringArray;

    use crate::detect::{Detector, Sensitivity};
    use crate::entities::test_support::{assert_whole_values, found, found_in_column};
    use crate::entity_type::{EntityType, ManagedEntity};

    /// `TYPE text` for each finding when cards and bank accounts are both asked for, at HIGH.
    fn cards_and_accounts(value: &str, column: Option<&str>) -> Vec<String> {
        let types =
            [ManagedEntity::CreditCard, ManagedEntity::BankAccount].map(EntityType::Managed);
        let detector = Detector::new(&types, &[], Sensitivity::High).unwrap();
        detector
            .detect_column(&StringArray::from(vec![value]), column)
            .remove(0)
            .into_iter()
            .map(|m| format!("{} {}", m.entity.name(), &value[m.start..m.end]))
            .collect()
    }

    #[test]
    fn card_numbers_need_luhn_and_an_issuer_range() {
        assert_whole_values(
            ManagedEntity::CreditCard,
            &[
                "4111 1111 1111 1111",
                "5500-0000-0000-0004",
                "3782 822463 10005",
                "6011 1111 1111 1117",
                "2223 0000 4841 0010",
            ],
            &[
                "4111 1111 1111 1112",
                "1234 5678 9012 3452",
                "4111-1111 1111-1111",
                "4111 1111 1111",
            ],
        );
    }

    #[test]
    fn maestro_cards() {
        assert_whole_values(
            ManagedEntity::CreditCard,
            &[
                "6759 6498 2643 8453",
                "5018-0000-0000-0009",
                "6304 0000 0000 0000",
                "6761 0000 0000 0006",
                "5893-0000-0000-0009",
            ],
            &[
                // Luhn fails; a 50xx prefix that is not Maestro's.
                "6759 6498 2643 8454",
                "5019 0000 0000 0008",
            ],
        );
        let card = ManagedEntity::CreditCard;
        assert_eq!(
            found(card, Sensitivity::High, "6304000000000000"),
            ["6304000000000000"]
        );
        assert!(found(card, Sensitivity::High, "6304000000000001").is_empty());
    }

    #[test]
    fn thirteen_digit_visa_in_four_three_three_three() {
        assert_whole_values(
            ManagedEntity::CreditCard,
            &["4222 222 222 222", "4222-222-222-222"],
            &[
                "4222 222 222 223",
                "4222 222-222 222",
                // Not a card brand's grouping.
                "422 2222 222 222",
            ],
        );
    }

    #[test]
    fn nineteen_digit_cards_in_groups_are_found_whole() {
        assert_whole_values(
            ManagedEntity::CreditCard,
            &[
                "4111 1111 1111 1111 003",
                "4111-1111-1111-1111-003",
                "4000 0000 0000 0000 006",
            ],
            // The first 16 digits pass, the 19 do not: not a card, nor its first 16 digits.
            &["4111 1111 1111 1111 004", "4111-1111-1111-1111-004"],
        );
    }

    #[test]
    fn grouped_windows_of_longer_numbers_are_not_cards() {
        let card = ManagedEntity::CreditCard;
        for value in [
            // IBANs with a bad checksum, a USPS tracking number.
            "FI42 3947 3243 0028 33",
            "XY90 8705 0700 4813 3314 7745 7657",
            "GB82 WEST 4111 1111 1111 1111",
            "9400 4111 1111 1111 1111 04",
            "Please see PT40 7744 5233 5583 6506 2509 5 for details.",
        ] {
            assert!(found(card, Sensitivity::High, value).is_empty(), "{value}");
        }
        for (value, number) in [
            ("4111 1111 1111 1111 12/25", "4111 1111 1111 1111"),
            ("VISA 4111 1111 1111 1111", "4111 1111 1111 1111"),
            ("paid 4111 1111 1111 1111, 12 items", "4111 1111 1111 1111"),
            ("Room 12 (4111 1111 1111 1111)", "4111 1111 1111 1111"),
        ] {
            assert_eq!(found(card, Sensitivity::High, value), [number], "{value}");
        }
    }

    #[test]
    fn bare_digits_after_account_words_are_accounts_not_cards() {
        for value in [
            "savings account: 4111111111111111",
            "acct 4111111111111111",
            "checking account 4111111111111111 closed",
        ] {
            assert_eq!(
                cards_and_accounts(value, None),
                ["BANK_ACCOUNT 4111111111111111"],
                "{value}"
            );
        }
        assert_eq!(
            cards_and_accounts("4111111111111111", Some("account_number")),
            ["BANK_ACCOUNT 4111111111111111"]
        );
        // A card word beside the account word, a card column, or card grouping: a card.
        for (value, column, number) in [
            ("card account 4111111111111111", None, "4111111111111111"),
            (
                "account 4111111111111111",
                Some("card_number"),
                "4111111111111111",
            ),
            ("account 4111 1111 1111 1111", None, "4111 1111 1111 1111"),
        ] {
            assert_eq!(
                cards_and_accounts(value, column),
                [format!("CREDIT_CARD {number}")],
                "{value}"
            );
        }
        let card = ManagedEntity::CreditCard;
        for value in [
            "Order number 2256754961283032",
            "employee ID 348219828213147",
            "batch 4111111111111111",
        ] {
            assert!(found(card, Sensitivity::High, value).is_empty(), "{value}");
        }
    }

    #[test]
    fn bare_card_numbers_need_context_at_low_sensitivity() {
        let card = ManagedEntity::CreditCard;
        assert!(found(card, Sensitivity::Low, "ref 4111111111111111").is_empty());
        assert_eq!(
            found(card, Sensitivity::Low, "card 4111111111111111"),
            ["4111111111111111"]
        );
        assert_eq!(
            found_in_column(
                card,
                Sensitivity::Low,
                "4111111111111111",
                Some("credit_card")
            ),
            ["4111111111111111"]
        );
        assert_eq!(
            found(card, Sensitivity::High, "4111111111111111"),
            ["4111111111111111"]
        );
    }

    #[test]
    fn ibans_need_the_country_length_and_checksum() {
        assert_whole_values(
            ManagedEntity::Iban,
            &[
                "GB82WEST12345698765432",
                "GB82 WEST 1234 5698 7654 32",
                "DE89370400440532013000",
                "FR1420041010050500013M02606",
                "FI9872493953055847",
            ],
            &[
                // Check digits 01 pass mod 97 (as 98 does) but are never issued.
                "FI0172493953055847",
                "GB82WEST12345698765433",
                "GB82WEST1234569876543",
                "ZZ82WEST12345698765432",
            ],
        );
    }

    #[test]
    fn bank_accounts_need_context() {
        let account = ManagedEntity::BankAccount;
        assert_eq!(
            found(account, Sensitivity::Low, "account number 0012345678"),
            ["0012345678"]
        );
        assert!(found(account, Sensitivity::High, "0012345678").is_empty());
        assert!(found(account, Sensitivity::High, "account 00000000").is_empty());
    }

    #[test]
    fn routing_numbers_need_context_and_checksum() {
        let routing = ManagedEntity::UsaRoutingNumber;
        assert_eq!(
            found(routing, Sensitivity::Low, "routing 021000021"),
            ["021000021"]
        );
        assert!(found(routing, Sensitivity::Low, "routing 021000022").is_empty());
        assert!(found(routing, Sensitivity::Low, "routing 991000021").is_empty());
        assert!(found(routing, Sensitivity::High, "021000021").is_empty());
    }
}
