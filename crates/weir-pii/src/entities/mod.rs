//! Managed entity types: for each, the patterns that find candidates, the validators that
//! confirm them, and the context words that vouch for weak patterns.
//!
//! A recognizer is data (a [`Recognizer`] table entry); the detector compiles the requested
//! ones into one `RegexSet`, so adding a type means adding a module with its table here.

mod checksums;
mod dates;
mod documents;
mod financial;
mod identifiers;
mod names;
mod network;
mod phone;

use crate::entity_type::ManagedEntity;

/// When a pattern's match counts only with a context word nearby (in the cell around the
/// match, or in the column name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContextRule {
    /// The pattern and its validator are specific enough alone.
    NotNeeded,
    /// Needed at LOW sensitivity; HIGH takes the match without context.
    NeededAtLow,
    /// Always needed: the pattern alone matches too much ordinary data.
    Needed,
    /// Holds only in a column whose name mentions one of these words (a whole cell shaped like
    /// a surname is a name in `last_name`, and nothing in `product`).
    ColumnNamed(&'static [&'static str]),
}

/// A cheap test on a cell's bytes that every match of a pattern passes; cells failing the
/// prefilters of all requested patterns skip the regular expressions entirely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prefilter {
    /// The fewest ASCII digits a matching cell holds.
    pub min_digits: u8,
    /// A byte every matching cell holds.
    pub required_byte: Option<u8>,
}

impl Prefilter {
    pub const NONE: Prefilter = Prefilter::digits(0);

    pub const fn digits(min_digits: u8) -> Prefilter {
        Prefilter {
            min_digits,
            required_byte: None,
        }
    }

    pub const fn byte(required: u8) -> Prefilter {
        Prefilter {
            min_digits: 0,
            required_byte: Some(required),
        }
    }
}

/// What rules out a validated match by what stands beside it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Guard {
    /// Nothing beyond the type's negative words.
    None,
    /// A number printed in groups stands alone: a match with one more group of digits glued on
    /// by a space (`FI42 3947 3243 0028 33`, `4111 1111 1111 1111 003`) is a window of a longer
    /// number, an IBAN or a tracking number. (Dashes and dots already join longer tokens.)
    StandaloneGroups,
    /// Words (lower case) that, just before a match, make it another kind of number (a bare
    /// digit run after `account` is an account number, after `order` an order number) unless
    /// one of the type's own context words is there too. The column name counts alike.
    YieldsTo(&'static [&'static str]),
    /// Right after a number and a space, a match this calls a street is ruled out (`3029
    /// Vincent Brooks Suite 339` is an address, `Vincent Brooks` alone a person).
    StreetAfterNumber(fn(&str) -> bool),
}

/// One pattern of a managed type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PatternSpec {
    pub regex: &'static str,
    /// Confirms a match (checksums, ranges, dictionaries); `accept_all` when the pattern is enough.
    pub validate: fn(&str) -> bool,
    pub context: ContextRule,
    pub prefilter: Prefilter,
    pub guard: Guard,
}

/// A managed type's patterns and words.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recognizer {
    pub entity: ManagedEntity,
    pub patterns: &'static [PatternSpec],
    /// Words (lower case) whose presence near a match, or in the column name, vouches for it.
    pub context_words: &'static [&'static str],
    /// Words (lower case) whose presence just before a match rules it out (an order number
    /// is not a phone number).
    pub negative_words: &'static [&'static str],
}

pub(crate) fn accept_all(_: &str) -> bool {
    true
}

/// The recognizer of a managed entity type (an exhaustive match: a new type cannot be
/// forgotten here).
pub(crate) fn recognizer(entity: ManagedEntity) -> &'static Recognizer {
    use ManagedEntity as E;
    match entity {
        E::PersonName => &names::PERSON_NAME,
        E::Email => &identifiers::EMAIL,
        E::Url => &identifiers::URL,
        E::AwsAccessKey => &identifiers::AWS_ACCESS_KEY,
        E::VehicleIdentificationNumber => &identifiers::VIN,
        E::UsaSsn => &identifiers::USA_SSN,
        E::CreditCard => &financial::CREDIT_CARD,
        E::Iban => &financial::IBAN,
        E::BankAccount => &financial::BANK_ACCOUNT,
        E::UsaRoutingNumber => &financial::USA_ROUTING_NUMBER,
        E::PhoneNumber => &phone::PHONE_NUMBER,
        E::IpAddress => &network::IP_ADDRESS,
        E::MacAddress => &network::MAC_ADDRESS,
        E::Date => &dates::DATE_OF_BIRTH,
        E::UsaPassportNumber => &documents::USA_PASSPORT_NUMBER,
        E::UsaDrivingLicense => &documents::USA_DRIVING_LICENSE,
        E::UkPassportNumber => &documents::UK_PASSPORT_NUMBER,
        E::UkDrivingLicense => &documents::UK_DRIVING_LICENSE,
        E::CanadaPassportNumber => &documents::CANADA_PASSPORT_NUMBER,
        E::CanadaDrivingLicense => &documents::CANADA_DRIVING_LICENSE,
        E::GermanyPassportNumber => &documents::GERMANY_PASSPORT_NUMBER,
        E::GermanyDrivingLicense => &documents::GERMANY_DRIVING_LICENSE,
        E::FrancePassportNumber => &documents::FRANCE_PASSPORT_NUMBER,
        E::FranceDrivingLicense => &documents::FRANCE_DRIVING_LICENSE,
        E::IndiaPassportNumber => &documents::INDIA_PASSPORT_NUMBER,
        E::IndiaDrivingLicense => &documents::INDIA_DRIVING_LICENSE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_managed_type_has_its_own_recognizer_with_patterns() {
        for entity in ManagedEntity::all() {
            let recognizer = recognizer(entity);
            assert_eq!(recognizer.entity, entity);
            assert!(!recognizer.patterns.is_empty(), "{entity:?}");
            assert!(!recognizer.context_words.is_empty(), "{entity:?}");
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use arrow_array::StringArray;

    use crate::detect::{Detector, Sensitivity};
    use crate::entity_type::{EntityType, ManagedEntity};

    /// The texts `entity` finds in `value` (no column name), at `sensitivity`.
    pub fn found(entity: ManagedEntity, sensitivity: Sensitivity, value: &str) -> Vec<String> {
        found_in_column(entity, sensitivity, value, None)
    }

    pub fn found_in_column(
        entity: ManagedEntity,
        sensitivity: Sensitivity,
        value: &str,
        column: Option<&str>,
    ) -> Vec<String> {
        let detector =
            Detector::new(&[EntityType::Managed(entity)], &[], sensitivity).expect("compiles");
        let array = StringArray::from(vec![value]);
        detector
            .detect_column(&array, column)
            .remove(0)
            .into_iter()
            .map(|m| value[m.start..m.end].to_owned())
            .collect()
    }

    /// Asserts that each of `values` is found whole, and each of `misses` yields nothing.
    pub fn assert_whole_values(entity: ManagedEntity, values: &[&str], misses: &[&str]) {
        for value in values {
            assert_eq!(
                found(entity, Sensitivity::Low, value),
                vec![value.to_string()],
                "{entity:?} should find {value:?}"
            );
        }
        for value in misses {
            assert_eq!(
                found(entity, Sensitivity::High, value),
                Vec::<String>::new(),
                "{entity:?} should not find anything in {value:?}"
            );
        }
    }
}
