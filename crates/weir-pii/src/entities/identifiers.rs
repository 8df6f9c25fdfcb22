//! Identifiers recognised by their shape: email addresses, URLs, AWS access key ids, VINs and
//! US social security numbers.

use super::checksums::{digits, vin_check_digit_valid};
use super::{accept_all, ContextRule, Guard, PatternSpec, Prefilter, Recognizer};
use crate::entity_type::ManagedEntity;

pub(super) const EMAIL: Recognizer = Recognizer {
    entity: ManagedEntity::Email,
    patterns: &[PatternSpec {
        // No `\b` at the edges: boundaries are ASCII, and the greedy runs find the whole address.
        regex: r"[\p{L}\p{N}._%+-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}",
        validate: email_valid,
        context: ContextRule::NotNeeded,
        prefilter: Prefilter::byte(b'@'),
        guard: Guard::None,
    }],
    context_words: &["email", "e-mail", "mail"],
    negative_words: &[],
};

/// A local part neither starts nor ends with a dot, nor holds two in a row.
fn email_valid(email: &str) -> bool {
    let local = email.split('@').next().unwrap_or_default();
    !local.starts_with('.') && !local.ends_with('.') && !local.contains("..")
}

pub(super) const URL: Recognizer = Recognizer {
    entity: ManagedEntity::Url,
    patterns: &[PatternSpec {
        // Trailing punctuation belongs to the sentence, not the URL.
        regex: r#"(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>"'{}|\\^`]*[^\s<>"'{}|\\^`.,;:!?)\]]"#,
        validate: accept_all,
        context: ContextRule::NotNeeded,
        prefilter: Prefilter::NONE,
        guard: Guard::None,
    }],
    context_words: &["url", "link", "website", "homepage"],
    negative_words: &[],
};

pub(super) const AWS_ACCESS_KEY: Recognizer = Recognizer {
    entity: ManagedEntity::AwsAccessKey,
    patterns: &[PatternSpec {
        // Long-term (AKIA) and temporary (ASIA) key ids: four letters, then 16 base32 characters.
        regex: r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
        validate: accept_all,
        context: ContextRule::NotNeeded,
        prefilter: Prefilter::byte(b'A'),
        guard: Guard::None,
    }],
    context_words: &["aws", "access key", "key id"],
    negative_words: &[],
};

pub(super) const VIN: Recognizer = Recognizer {
    entity: ManagedEntity::VehicleIdentificationNumber,
    patterns: &[PatternSpec {
        regex: r"\b[A-HJ-NPR-Z0-9]{17}\b",
        validate: vin_valid,
        context: ContextRule::NotNeeded,
        prefilter: Prefilter::digits(1),
        guard: Guard::None,
    }],
    context_words: &["vin", "vehicle", "chassis"],
    negative_words: &[],
};

/// A VIN mixes letters and digits and carries the North American check digit (position 9);
/// European VINs without one are not recognised.
fn vin_valid(vin: &str) -> bool {
    vin.bytes().any(|b| b.is_ascii_uppercase())
        && vin.bytes().any(|b| b.is_ascii_digit())
        && vin_check_digit_valid(vin)
}

pub(super) const USA_SSN: Recognizer = Recognizer {
    entity: ManagedEntity::UsaSsn,
    patterns: &[
        PatternSpec {
            regex: r"\b\d{3}-\d{2}-\d{4}\b",
            validate: ssn_valid,
            context: ContextRule::NotNeeded,
            prefilter: Prefilter::digits(9),
            guard: Guard::None,
        },
        PatternSpec {
            regex: r"\b\d{3} \d{2} \d{4}\b",
            validate: ssn_valid,
            context: ContextRule::NeededAtLow,
            prefilter: Prefilter::digits(9),
            guard: Guard::None,
        },
        PatternSpec {
            regex: r"\b\d{9}\b",
            validate: ssn_valid,
            context: ContextRule::Needed,
            prefilter: Prefilter::digits(9),
            guard: Guard::None,
        },
    ],
    context_words: &["ssn", "ssns", "ss#", "social security", "social sec"],
    negative_words: &[],
};

/// SSA rules: the area is not 000, 666 or 9xx; the group is not 00; the serial is not 0000.
fn ssn_valid(ssn: &str) -> bool {
    let d = digits(ssn);
    if d.len() != 9 {
        return false;
    }
    let area = &d[0..3];
    let area_ok = area != [0, 0, 0] && area != [6, 6, 6] && area[0] != 9;
    area_ok && d[3..5] != [0, 0] && d[5..9] != [0, 0, 0, 0]
}

#[cfg(test)]
mod tests {
    use crate::detect::Sensitivity;
    use crate::entities::test_support::{assert_whole_values, found, found_in_column};
    use crate::entity_type::ManagedEntity;

    #[test]
    fn emails() {
        assert_whole_values(
            ManagedEntity::Email,
            &["jane.doe@example.com", "a+tag@mail.example.co.uk"],
            &["jane.doe@", "@example.com", "not an email", "x@y"],
        );
        assert_eq!(
            found(
                ManagedEntity::Email,
                Sensitivity::Low,
                "write to ops@example.org."
            ),
            ["ops@example.org"]
        );
    }

    #[test]
    fn urls_leave_sentence_punctuation_out() {
        assert_eq!(
            found(
                ManagedEntity::Url,
                Sensitivity::Low,
                "see https://example.com/a?b=1, or www.example.org."
            ),
            ["https://example.com/a?b=1", "www.example.org"]
        );
        assert!(found(ManagedEntity::Url, Sensitivity::High, "http:// nothing").is_empty());
    }

    #[test]
    fn aws_access_key_ids() {
        assert_whole_values(
            ManagedEntity::AwsAccessKey,
            &["AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A"],
            &[
                "AKIAIOSFODNN7EXAMPL",
                "AKIAiosfodnn7example",
                "XKIAIOSFODNN7EXAMPLE",
            ],
        );
    }

    #[test]
    fn vins_need_their_check_digit() {
        assert_whole_values(
            ManagedEntity::VehicleIdentificationNumber,
            &["1M8GDM9AXKP042788", "1HGCM82633A004352"],
            &["1M8GDM9A1KP042788", "11111111111111111", "1M8GDM9AXKP04278"],
        );
    }

    #[test]
    fn dashed_ssns_follow_the_ssa_rules() {
        assert_whole_values(
            ManagedEntity::UsaSsn,
            &["123-45-6789", "078-05-1121"],
            &[
                "000-12-3456",
                "666-12-3456",
                "900-12-3456",
                "123-00-4567",
                "123-45-0000",
                "1234-56-7890",
            ],
        );
    }

    #[test]
    fn bare_nine_digits_are_an_ssn_only_in_context() {
        let ssn = ManagedEntity::UsaSsn;
        assert!(found(ssn, Sensitivity::High, "order 123456789").is_empty());
        assert_eq!(
            found(ssn, Sensitivity::Low, "SSN: 123456789"),
            ["123456789"]
        );
        assert_eq!(
            found_in_column(ssn, Sensitivity::Low, "123456789", Some("customer_ssn")),
            ["123456789"]
        );
        assert!(found(ssn, Sensitivity::Low, "123 45 6789").is_empty());
        assert_eq!(
            found(ssn, Sensitivity::High, "123 45 6789"),
            ["123 45 6789"]
        );
    }
}
