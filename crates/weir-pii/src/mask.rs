//! The actions taken on detected entities: replacement, character redaction with partial
//! masking, and (salted) SHA-256 hashing, per finding in a cell or on whole columns.
//!
//! Every function returns a new Arrow array; nulls stay null and cells without findings are
//! copied unchanged.

use std::fmt;

use arrow_array::builder::StringBuilder;
use arrow_array::{Array, StringArray};
use hmac::{Hmac, Mac};
use regex::Regex;
use sha2::{Digest, Sha256};

use crate::detect::Match;
use crate::entity_type::EntityType;

/// What to do with a detected entity.
#[derive(Debug, Clone)]
pub enum Action {
    /// Report only (RowAudit, ColumnAudit, `DETECT`).
    Detect,
    /// Replace the whole entity with a fixed text (`MaskValue`, `redactText`), e.g. `****`.
    Replace { text: String },
    /// Replace characters one for one with a redaction character, keeping some at the edges
    /// and, with a pattern, only those the pattern matches (RowPartialMasking,
    /// `PARTIAL_REDACT`; with nothing kept it is plain character redaction).
    Redact(PartialMask),
    /// Replace the entity with the hex SHA-256 of its text, keyed by the [`Hasher`]'s salt
    /// (RowHashing, ColumnHashing, `SHA256_HASH`).
    Hash,
}

/// Partial masking options. Counts are in characters, not bytes; when the kept characters
/// cover the whole entity nothing is masked.
#[derive(Debug, Clone)]
pub struct PartialMask {
    pub redact_char: char,
    pub keep_left: usize,
    pub keep_right: usize,
    /// Only characters inside matches of this pattern (within the entity) are redacted.
    pub match_pattern: Option<Regex>,
}

impl PartialMask {
    /// Every character redacted with `redact_char`.
    pub fn whole(redact_char: char) -> PartialMask {
        PartialMask {
            redact_char,
            keep_left: 0,
            keep_right: 0,
            match_pattern: None,
        }
    }

    fn apply(&self, text: &str, out: &mut String) {
        let chars = text.chars().count();
        let masked_from = self.keep_left;
        let masked_to = chars.saturating_sub(self.keep_right);
        // Byte ranges the pattern selects, or the whole text.
        let selected: Vec<(usize, usize)> = match &self.match_pattern {
            Some(pattern) => pattern
                .find_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect(),
            None => vec![(0, text.len())],
        };
        for (position, (at, c)) in text.char_indices().enumerate() {
            let in_range = position >= masked_from && position < masked_to;
            let in_pattern = selected.iter().any(|&(s, e)| at >= s && at < e);
            out.push(if in_range && in_pattern {
                self.redact_char
            } else {
                c
            });
        }
    }
}

impl Action {
    /// The name Glue's fine-grained actions use, written as `actionUsed`.
    pub fn glue_name(&self) -> &'static str {
        match self {
            Action::Detect => "DETECT",
            Action::Replace { .. } => "REDACT",
            Action::Redact(mask) if mask.keep_left == 0 && mask.keep_right == 0 => {
                if mask.match_pattern.is_none() {
                    "REDACT"
                } else {
                    "PARTIAL_REDACT"
                }
            }
            Action::Redact(_) => "PARTIAL_REDACT",
            Action::Hash => "SHA256_HASH",
        }
    }

    /// Whether the action leaves values as they are.
    pub fn is_detect_only(&self) -> bool {
        matches!(self, Action::Detect)
    }

    fn apply(&self, text: &str, hasher: &Hasher, out: &mut String) {
        match self {
            Action::Detect => out.push_str(text),
            Action::Replace { text } => out.push_str(text),
            Action::Redact(mask) => mask.apply(text, out),
            Action::Hash => out.push_str(&hasher.token(text)),
        }
    }
}

/// Hex SHA-256 tokens: HMAC-SHA256 under a secret salt, or plain SHA-256 without one.
///
/// Equal values give equal tokens under the same salt, across calls, columns and tables, so
/// hashed columns still join. Without a salt, common values (phone numbers, SSNs) can be
/// recovered by hashing every candidate: use a salt for anything that leaves the account.
#[derive(Clone, Default)]
pub struct Hasher {
    salt: Option<Vec<u8>>,
}

impl Hasher {
    /// Plain SHA-256, as Glue's `SHA256_HASH` action writes it.
    pub fn unsalted() -> Hasher {
        Hasher { salt: None }
    }

    /// HMAC-SHA256 keyed by `secret`.
    pub fn salted(secret: impl Into<Vec<u8>>) -> Hasher {
        Hasher {
            salt: Some(secret.into()),
        }
    }

    /// The token of `value`: 64 lower-case hex digits.
    pub fn token(&self, value: &str) -> String {
        let digest: [u8; 32] = match &self.salt {
            Some(salt) => {
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(salt)
                    .expect("HMAC accepts keys of any length");
                mac.update(value.as_bytes());
                mac.finalize().into_bytes().into()
            }
            None => Sha256::digest(value.as_bytes()).into(),
        };
        hex(&digest)
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher")
            .field("salted", &self.salt.is_some())
            .finish()
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// A finding and the action taken on it; offsets refer to the original value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub entity: EntityType,
    pub start: usize,
    pub end: usize,
    /// Glue's name of the action (`DETECT`, `REDACT`, `PARTIAL_REDACT`, `SHA256_HASH`).
    pub action: &'static str,
}

/// A column after row-level actions, and what was done in each row.
#[derive(Debug)]
pub struct MaskedColumn {
    pub array: StringArray,
    pub applied: Vec<Vec<Applied>>,
}

/// Applies to every finding the action `action_of` gives its entity type (`None`: the finding
/// is dropped, as for an entity excluded from this column).
pub fn mask_rows<'a>(
    array: &StringArray,
    matches: &[Vec<Match>],
    action_of: impl Fn(&EntityType) -> Option<&'a Action>,
    hasher: &Hasher,
) -> MaskedColumn {
    let applied: Vec<Vec<(Applied, &Action)>> = matches
        .iter()
        .map(|row| {
            row.iter()
                .filter_map(|m| {
                    action_of(&m.entity).map(|action| {
                        let applied = Applied {
                            entity: m.entity.clone(),
                            start: m.start,
                            end: m.end,
                            action: action.glue_name(),
                        };
                        (applied, action)
                    })
                })
                .collect()
        })
        .collect();
    let changes_values = applied
        .iter()
        .flatten()
        .any(|(_, action)| !action.is_detect_only());
    let array = if changes_values {
        rewrite(array, &applied, hasher)
    } else {
        array.clone()
    };
    let applied = applied
        .into_iter()
        .map(|row| row.into_iter().map(|(applied, _)| applied).collect())
        .collect();
    MaskedColumn { array, applied }
}

fn rewrite(
    array: &StringArray,
    applied: &[Vec<(Applied, &Action)>],
    hasher: &Hasher,
) -> StringArray {
    let mut builder = StringBuilder::with_capacity(array.len(), array.value_data().len());
    let mut cell = String::new();
    for (row, value) in array.iter().enumerate() {
        let findings = applied.get(row).map_or(&[][..], Vec::as_slice);
        match value {
            None => builder.append_null(),
            Some(value) if findings.is_empty() => builder.append_value(value),
            Some(value) => {
                cell.clear();
                let mut copied = 0;
                for (finding, action) in findings {
                    cell.push_str(&value[copied..finding.start]);
                    action.apply(&value[finding.start..finding.end], hasher, &mut cell);
                    copied = finding.end;
                }
                cell.push_str(&value[copied..]);
                builder.append_value(&cell);
            }
        }
    }
    builder.finish()
}

/// Applies `action` to every non-null value of a column (ColumnMasking, ColumnHashing).
pub fn mask_whole_column(array: &StringArray, action: &Action, hasher: &Hasher) -> StringArray {
    if action.is_detect_only() {
        return array.clone();
    }
    let mut builder = StringBuilder::with_capacity(array.len(), array.value_data().len());
    let mut cell = String::new();
    for value in array.iter() {
        match value {
            None => builder.append_null(),
            Some(value) => {
                cell.clear();
                action.apply(value, hasher, &mut cell);
                builder.append_value(&cell);
            }
        }
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity_type::ManagedEntity;

    fn ssn_at(start: usize, end: usize) -> Match {
        Match {
            entity: ManagedEntity::UsaSsn.into(),
            start,
            end,
        }
    }

    fn masked(value: &str, action: &Action) -> String {
        let array = StringArray::from(vec![value]);
        let start = value.find("123").unwrap();
        let out = mask_rows(
            &array,
            &[vec![ssn_at(start, start + 11)]],
            |_| Some(action),
            &Hasher::unsalted(),
        );
        out.array.value(0).to_owned()
    }

    #[test]
    fn replacement_text() {
        let action = Action::Replace {
            text: "****".into(),
        };
        assert_eq!(masked("ssn 123-45-6789 ok", &action), "ssn **** ok");
    }

    #[test]
    fn character_redaction_keeps_the_length() {
        let action = Action::Redact(PartialMask::whole('#'));
        assert_eq!(masked("123-45-6789", &action), "###########");
    }

    #[test]
    fn partial_masking_keeps_edges_and_follows_the_pattern() {
        let keep_last_four = Action::Redact(PartialMask {
            redact_char: '*',
            keep_left: 0,
            keep_right: 4,
            match_pattern: None,
        });
        assert_eq!(masked("123-45-6789", &keep_last_four), "*******6789");
        let digits_only = Action::Redact(PartialMask {
            redact_char: 'X',
            keep_left: 1,
            keep_right: 2,
            match_pattern: Some(Regex::new("[0-9]").unwrap()),
        });
        assert_eq!(masked("é 123-45-6789 é", &digits_only), "é 1XX-XX-XX89 é");
        let keeps_everything = Action::Redact(PartialMask {
            redact_char: '*',
            keep_left: 6,
            keep_right: 6,
            match_pattern: None,
        });
        assert_eq!(masked("123-45-6789", &keeps_everything), "123-45-6789");
    }

    #[test]
    fn hashing_is_stable_and_salted() {
        let value = "123-45-6789";
        let plain = Hasher::unsalted();
        assert_eq!(
            plain.token(value),
            "01a54629efb952287e554eb23ef69c52097a75aecc0e3a93ca0855ab6d7a31a0"
        );
        let salted = Hasher::salted(b"pepper".to_vec());
        let again = Hasher::salted(b"pepper".to_vec());
        assert_eq!(salted.token(value), again.token(value));
        assert_ne!(salted.token(value), plain.token(value));
        assert_ne!(
            salted.token(value),
            Hasher::salted(b"other".to_vec()).token(value)
        );
        assert_eq!(masked(value, &Action::Hash), plain.token(value));
        assert!(!format!("{salted:?}").contains("pepper"));
    }

    #[test]
    fn detect_only_returns_the_same_values_and_reports_findings() {
        let array = StringArray::from(vec![Some("123-45-6789"), None]);
        let out = mask_rows(
            &array,
            &[vec![ssn_at(0, 11)], vec![]],
            |_| Some(&Action::Detect),
            &Hasher::unsalted(),
        );
        assert_eq!(out.array, array);
        assert_eq!(out.applied[0][0].action, "DETECT");
    }

    #[test]
    fn excluded_entities_are_neither_masked_nor_reported() {
        let array = StringArray::from(vec!["123-45-6789"]);
        let out = mask_rows(
            &array,
            &[vec![ssn_at(0, 11)]],
            |_| None,
            &Hasher::unsalted(),
        );
        assert_eq!(out.array.value(0), "123-45-6789");
        assert!(out.applied[0].is_empty());
    }

    #[test]
    fn whole_columns_keep_nulls() {
        let array = StringArray::from(vec![Some("a"), None, Some("")]);
        let replaced = mask_whole_column(
            &array,
            &Action::Replace {
                text: "****".into(),
            },
            &Hasher::unsalted(),
        );
        assert_eq!(
            replaced,
            StringArray::from(vec![Some("****"), None, Some("****")])
        );
        let hashed = mask_whole_column(&array, &Action::Hash, &Hasher::salted(b"s".to_vec()));
        assert_eq!(hashed.value(0).len(), 64);
        assert!(hashed.is_null(1));
    }

    #[test]
    fn empty_arrays() {
        let array = StringArray::from(Vec::<&str>::new());
        let out = mask_rows(&array, &[], |_| Some(&Action::Hash), &Hasher::unsalted());
        assert_eq!(out.array.len(), 0);
        assert_eq!(
            mask_whole_column(&array, &Action::Hash, &Hasher::unsalted()).len(),
            0
        );
    }
}
