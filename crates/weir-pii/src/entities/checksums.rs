//! Check-digit algorithms shared by recognizers.

/// The ASCII digits of `text` as numbers, skipping separators.
pub(crate) fn digits(text: &str) -> Vec<u8> {
    text.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

/// The Luhn (mod 10) check used by payment cards.
pub(crate) fn luhn_valid(digits: &[u8]) -> bool {
    if digits.len() < 2 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 13616 mod-97: the IBAN moved four characters to the end, letters as 10..35, mod 97 = 1.
pub(crate) fn iban_mod97_valid(iban: &str) -> bool {
    if iban.len() < 5 || !iban.is_ascii() {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c.to_digit(36) {
            Some(value) => value,
            None => return false,
        };
        remainder = if value < 10 {
            (remainder * 10 + value) % 97
        } else {
            (remainder * 100 + value) % 97
        };
    }
    remainder == 1
}

/// The ABA routing number checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10).
pub(crate) fn aba_checksum_valid(digits: &[u8]) -> bool {
    if digits.len() != 9 {
        return false;
    }
    let weights = [3u32, 7, 1];
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| weights[i % 3] * u32::from(d))
        .sum();
    sum.is_multiple_of(10)
}

/// The ISO 3779 / FMVSS 115 check digit in position 9 of a 17-character VIN.
pub(crate) fn vin_check_digit_valid(vin: &str) -> bool {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let bytes = vin.as_bytes();
    if bytes.len() != 17 {
        return false;
    }
    let mut sum = 0;
    for (&b, weight) in bytes.iter().zip(WEIGHTS) {
        let value = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'H' => u32::from(b - b'A') + 1,
            b'J'..=b'N' => u32::from(b - b'J') + 1,
            b'P' => 7,
            b'R' => 9,
            b'S'..=b'Z' => u32::from(b - b'S') + 2,
            _ => return false,
        };
        sum += value * weight;
    }
    let expected = match sum % 11 {
        10 => b'X',
        digit => b'0' + digit as u8,
    };
    bytes[8] == expected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_card_numbers_and_rejects_one_digit_off() {
        assert!(luhn_valid(&digits("4111 1111 1111 1111")));
        assert!(luhn_valid(&digits("378282246310005")));
        assert!(!luhn_valid(&digits("4111 1111 1111 1112")));
    }

    #[test]
    fn iban_checksum() {
        assert!(iban_mod97_valid("GB82WEST12345698765432"));
        assert!(iban_mod97_valid("DE89370400440532013000"));
        assert!(!iban_mod97_valid("GB82WEST12345698765433"));
    }

    #[test]
    fn routing_number_checksum() {
        assert!(aba_checksum_valid(&digits("011000015")));
        assert!(aba_checksum_valid(&digits("021000021")));
        assert!(!aba_checksum_valid(&digits("021000022")));
    }

    #[test]
    fn vin_check_digit() {
        assert!(vin_check_digit_valid("1M8GDM9AXKP042788"));
        assert!(vin_check_digit_valid("11111111111111111"));
        assert!(!vin_check_digit_valid("1M8GDM9A1KP042788"));
    }
}
