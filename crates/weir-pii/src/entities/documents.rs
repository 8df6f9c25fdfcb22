//! Passport and driving licence numbers of the US, UK, Canada, Germany, France and India.
//!
//! Most of these formats are short runs of letters and digits that ordinary data is full of,
//! so they count only with a document word nearby or in the column name.

use super::checksums::digits;
use super::{accept_all, ContextRule, Guard, PatternSpec, Prefilter, Recognizer};
use crate::entity_type::ManagedEntity;

const PASSPORT_WORDS: &[&str] = &[
    "passport",
    "passport number",
    "passport no",
    "passeport",
    "reisepass",
    "passnummer",
];

const LICENCE_WORDS: &[&str] = &[
    "driver",
    "drivers",
    "driver's",
    "driving",
    "license",
    "licence",
    "dl",
    "dln",
    "permis",
    "permis de conduire",
    "führerschein",
    "fuhrerschein",
];

/// A document number pattern that counts only in context.
const fn in_context(regex: &'static str) -> PatternSpec {
    PatternSpec {
        regex,
        validate: accept_all,
        context: ContextRule::Needed,
        prefilter: Prefilter::digits(5),
        guard: Guard::None,
    }
}

const fn document(
    entity: ManagedEntity,
    patterns: &'static [PatternSpec],
    context_words: &'static [&'static str],
) -> Recognizer {
    Recognizer {
        entity,
        patterns,
        context_words,
        negative_words: &[],
    }
}

/// A driving licence: its words, and `plate` ruling out the number after `license plate`.
const fn licence(entity: ManagedEntity, patterns: &'static [PatternSpec]) -> Recognizer {
    Recognizer {
        entity,
        patterns,
        context_words: LICENCE_WORDS,
        negative_words: &["plate"],
    }
}

pub(super) const USA_PASSPORT_NUMBER: Recognizer = document(
    ManagedEntity::UsaPassportNumber,
    &[in_context(r"\b(?:[A-Z]\d{8}|\d{9})\b")],
    PASSPORT_WORDS,
);

pub(super) const UK_PASSPORT_NUMBER: Recognizer = document(
    ManagedEntity::UkPassportNumber,
    &[in_context(r"\b\d{9}\b")],
    PASSPORT_WORDS,
);

pub(super) const CANADA_PASSPORT_NUMBER: Recognizer = document(
    ManagedEntity::CanadaPassportNumber,
    &[in_context(r"\b[A-Z]{2}\d{6}\b")],
    PASSPORT_WORDS,
);

pub(super) const GERMANY_PASSPORT_NUMBER: Recognizer = document(
    ManagedEntity::GermanyPassportNumber,
    &[in_context(r"\b[CFGHJK][CFGHJKLMNPRTVWXYZ0-9]{8}\b")],
    PASSPORT_WORDS,
);

pub(super) const FRANCE_PASSPORT_NUMBER: Recognizer = document(
    ManagedEntity::FrancePassportNumber,
    &[in_context(r"\b\d{2}[A-Z]{2}\d{5}\b")],
    PASSPORT_WORDS,
);

pub(super) const INDIA_PASSPORT_NUMBER: Recognizer = document(
    ManagedEntity::IndiaPassportNumber,
    &[in_context(r"\b[A-Z]\d{7}\b")],
    PASSPORT_WORDS,
);

pub(super) const USA_DRIVING_LICENSE: Recognizer = licence(
    ManagedEntity::UsaDrivingLicense,
    &[
        // As printed on the cards (first: the leftmost match would otherwise stop at NJ's
        // first group): FL A123-456-78-901-2, IL A123-4567-8901, NJ A1234 56789 01234,
        // PA 12 345 678. Then the compact forms, which vary: a letter and 4-14 digits (CA;
        // FL, IL and NJ without separators), 7-12 digits (NY, TX, PA), two letters and digits.
        in_context(concat!(
            r"\b[A-Z]\d{3}-\d{3}-\d{2}-\d{3}-\d\b",
            r"|\b[A-Z]\d{3}-\d{4}-\d{4}\b",
            r"|\b[A-Z]\d{4} \d{5} \d{5}\b",
            r"|\b\d{2} \d{3} \d{3}\b",
            r"|\b[A-Z]\d{4,14}\b|\b\d{7,12}\b|\b[A-Z]{2}\d{6}[A-Z]?\b",
        )),
        // WA: WDL and nine letters or digits (licences issued since 2018).
        PatternSpec {
            regex: r"\bWDL[A-Z0-9]{9}\b",
            validate: accept_all,
            context: ContextRule::Needed,
            prefilter: Prefilter::byte(b'W'),
            guard: Guard::None,
        },
    ],
);

pub(super) const UK_DRIVING_LICENSE: Recognizer = licence(
    ManagedEntity::UkDrivingLicense,
    &[PatternSpec {
        // Surname (5, padded with 9), birth date digits, initials, check digit, 2 letters.
        regex: r"\b[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}\b",
        validate: uk_licence_birth_date_valid,
        context: ContextRule::NeededAtLow,
        prefilter: Prefilter::digits(7),
        guard: Guard::None,
    }],
);

pub(super) const CANADA_DRIVING_LICENSE: Recognizer = licence(
    ManagedEntity::CanadaDrivingLicense,
    // Ontario (A1234-56789-01234) and Quebec (A123456789012).
    &[in_context(r"\b[A-Z]\d{4}-?\d{5}-?\d{5}\b|\b[A-Z]\d{12}\b")],
);

pub(super) const GERMANY_DRIVING_LICENSE: Recognizer = licence(
    ManagedEntity::GermanyDrivingLicense,
    &[in_context(r"\b[A-Z0-9]\d{2}[A-Z0-9]{6}\d[A-Z0-9]\b")],
);

pub(super) const FRANCE_DRIVING_LICENSE: Recognizer = licence(
    ManagedEntity::FranceDrivingLicense,
    &[in_context(r"\b\d{12}\b")],
);

pub(super) const INDIA_DRIVING_LICENSE: Recognizer = licence(
    ManagedEntity::IndiaDrivingLicense,
    &[in_context(
        r"\b[A-Z]{2}[ -]?\d{2}[ -]?(?:19|20)\d{2}\d{7}\b",
    )],
);

/// The six digits of a UK licence hold the birth month (plus 50 for women) and day.
fn uk_licence_birth_date_valid(text: &str) -> bool {
    let d = digits(&text[5..11]);
    let month = d[1] * 10 + d[2];
    let day = d[3] * 10 + d[4];
    (matches!(month, 1..=12) || matches!(month, 51..=62)) && (1..=31).contains(&day)
}

#[cfg(test)]
mod tests {
    use crate::detect::Sensitivity;
    use crate::entities::test_support::{found, found_in_column};
    use crate::entity_type::ManagedEntity;

    #[test]
    fn document_numbers_count_only_in_context() {
        let cases = [
            (
                ManagedEntity::UsaPassportNumber,
                "passport: C03005988",
                "C03005988",
            ),
            (
                ManagedEntity::CanadaPassportNumber,
                "passport AB123456",
                "AB123456",
            ),
            (
                ManagedEntity::GermanyPassportNumber,
                "Reisepass C01X00T47",
                "C01X00T47",
            ),
            (
                ManagedEntity::FrancePassportNumber,
                "passeport 12AB34567",
                "12AB34567",
            ),
            (
                ManagedEntity::IndiaPassportNumber,
                "passport no J8369854",
                "J8369854",
            ),
            (
                ManagedEntity::UsaDrivingLicense,
                "driver's license D1234567",
                "D1234567",
            ),
            (
                ManagedEntity::CanadaDrivingLicense,
                "licence A1234-56789-01234",
                "A1234-56789-01234",
            ),
            (
                ManagedEntity::FranceDrivingLicense,
                "permis 123456789012",
                "123456789012",
            ),
            (
                ManagedEntity::IndiaDrivingLicense,
                "DL MH14 20110062821",
                "MH14 20110062821",
            ),
        ];
        for (entity, text, number) in cases {
            assert_eq!(found(entity, Sensitivity::Low, text), [number], "{text}");
            assert!(
                found(entity, Sensitivity::High, number).is_empty(),
                "{number}"
            );
        }
        assert_eq!(
            found_in_column(
                ManagedEntity::UsaPassportNumber,
                Sensitivity::Low,
                "C03005988",
                Some("passport_no")
            ),
            ["C03005988"]
        );
    }

    #[test]
    fn usa_licences_of_eight_states() {
        let licence = ManagedEntity::UsaDrivingLicense;
        for (text, number) in [
            ("driver's license D1234567", "D1234567"),
            ("DL# 123456789", "123456789"),
            ("license number 12345678", "12345678"),
            ("driving licence B984-629-95-266-4", "B984-629-95-266-4"),
            ("DL# B984629952664", "B984629952664"),
            ("Driver License No. M785-0531-4399", "M785-0531-4399"),
            ("driver's license 54 931 421", "54 931 421"),
            ("license number WDL5579S0HV2", "WDL5579S0HV2"),
            ("DL# WDLBLZAUXHTO", "WDLBLZAUXHTO"),
            ("driving licence A1234 56789 01234", "A1234 56789 01234"),
        ] {
            assert_eq!(found(licence, Sensitivity::Low, text), [number], "{text}");
            assert!(
                found(licence, Sensitivity::High, number).is_empty(),
                "{number}"
            );
            let other = format!("Order number {number}");
            assert!(
                found(licence, Sensitivity::High, &other).is_empty(),
                "{other}"
            );
        }
        for text in [
            // Groupings of no state, a WA number one character short, a plate.
            "driver's license B984-629-952-66-4",
            "driver's license M785-05314-399",
            "driver's license 549 31 421",
            "license number WDL5579S0HV",
            "license plate 4X D7776",
            "license plate ABC 1234567",
        ] {
            assert!(found(licence, Sensitivity::High, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn uk_licences_carry_a_birth_date() {
        let licence = ManagedEntity::UkDrivingLicense;
        assert_eq!(
            found(licence, Sensitivity::High, "MORGA657054SM9IJ"),
            ["MORGA657054SM9IJ"]
        );
        assert!(found(licence, Sensitivity::Low, "MORGA657054SM9IJ").is_empty());
        assert!(found(licence, Sensitivity::High, "MORGA613054SM9IJ").is_empty());
    }
}
