//! Properties of recognizers and actions over generated values.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use arrow_array::StringArray;
use proptest::prelude::*;
use weir_pii::mask::{mask_rows, PartialMask};
use weir_pii::{Action, Detector, Hasher, ManagedEntity, Match, Sensitivity};

use crate::managed;

fn luhn_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Detectors compiled once per set of types: compiling is the slow part in debug builds.
fn detect(array: &StringArray, types: &[ManagedEntity]) -> Vec<Vec<Match>> {
    static DETECTORS: OnceLock<Mutex<HashMap<Vec<ManagedEntity>, Arc<Detector>>>> = OnceLock::new();
    let detector = {
        let mut cache = DETECTORS
            .get_or_init(Default::default)
            .lock()
            .expect("no test panicked holding the cache");
        Arc::clone(cache.entry(types.to_vec()).or_insert_with(|| {
            Arc::new(Detector::new(&managed(types), &[], Sensitivity::High).expect("compiles"))
        }))
    };
    detector.detect(array)
}

fn found(entity: ManagedEntity, value: &str) -> Vec<String> {
    let array = StringArray::from(vec![value]);
    detect(&array, &[entity])
        .remove(0)
        .into_iter()
        .map(|m| value[m.start..m.end].to_owned())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn valid_ssns_are_found_and_area_666_never(area in 1u32..900, group in 1u32..100, serial in 1u32..10000) {
        let ssn = format!("{area:03}-{group:02}-{serial:04}");
        let expected = if area == 666 { vec![] } else { vec![ssn.clone()] };
        prop_assert_eq!(found(ManagedEntity::UsaSsn, &format!("ssn {ssn}.")), expected);
    }

    #[test]
    fn luhn_valid_visa_numbers_are_found_and_one_digit_off_is_not(body in proptest::collection::vec(0u8..10, 14)) {
        let mut digits = vec![4u8];
        digits.extend(&body);
        let check = luhn_check_digit(&digits);
        let text = |last: u8| {
            digits.iter().chain(std::iter::once(&last)).map(|d| char::from(b'0' + d)).collect::<String>()
        };
        let valid = text(check);
        prop_assert_eq!(found(ManagedEntity::CreditCard, &valid), vec![valid.clone()]);
        let invalid = text((check + 1) % 10);
        prop_assert!(found(ManagedEntity::CreditCard, &invalid).is_empty());
    }

    #[test]
    fn any_text_gives_findings_on_character_boundaries(text in "\\PC{0,80}") {
        let types = [
            ManagedEntity::Email,
            ManagedEntity::PersonName,
            ManagedEntity::PhoneNumber,
            ManagedEntity::IpAddress,
            ManagedEntity::Date,
        ];
        let array = StringArray::from(vec![text.as_str()]);
        let rows = detect(&array, &types);
        let mut last_end = 0;
        for m in &rows[0] {
            prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
            prop_assert!(m.start >= last_end && m.start < m.end);
            last_end = m.end;
        }
    }

    #[test]
    fn redaction_keeps_the_character_count(prefix in "\\PC{0,10}", name in "(Mary|José|Zoë) (Smith|García|Müller)") {
        let value = format!("{prefix} {name}");
        let array = StringArray::from(vec![value.as_str()]);
        let rows = detect(&array, &[ManagedEntity::PersonName]);
        let action = Action::Redact(PartialMask::whole('*'));
        let out = mask_rows(&array, &rows, |_| Some(&action), &Hasher::unsalted());
        prop_assert_eq!(out.array.value(0).chars().count(), value.chars().count());
        prop_assert!(!out.array.value(0).contains(&name));
    }
}
