//! Finding entities in Arrow string arrays.
//!
//! A [`Detector`] compiles the requested types once. Over an array it works in passes: a
//! byte-level prefilter per cell (digit count, required bytes) skips cells no pattern can
//! match; one `RegexSet` pass tells which patterns match a surviving cell; only those patterns
//! then locate their candidates, which validators (checksums, ranges, name lists), guards (what
//! stands beside a match: more digit groups, an account word before bare digits) and context
//! rules confirm. Overlapping findings keep the longest, then the type listed first.

use std::str::FromStr;

use arrow_array::{Array, StringArrayType};
use regex::{Regex, RegexSet, RegexSetBuilder};

use crate::context::{column_mentions, just_before, near_match};
use crate::custom::CustomEntityType;
use crate::entities::{accept_all, recognizer, ContextRule, Guard, Prefilter};
use crate::entity_type::{EntityType, ManagedEntity};
use crate::error::{Error, Result};

/// The lazy DFA cache limit of the `RegexSet`; with the default (2 MiB) the set's many Unicode
/// classes thrash it and matching falls back to the much slower PikeVM. It is a limit, filled
/// as states are met (a few MiB for the seeds' five types), but each thread using a detector
/// holds its own cache: count it per worker thread.
const SET_DFA_CACHE_BYTES: usize = 64 << 20;

/// `DetectionSensitivity`: LOW asks weak patterns for context words; HIGH takes them alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sensitivity {
    /// Glue's default for the `detect()` API.
    #[default]
    Low,
    High,
}

impl FromStr for Sensitivity {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        match value.to_ascii_uppercase().as_str() {
            "LOW" => Ok(Sensitivity::Low),
            "HIGH" => Ok(Sensitivity::High),
            _ => Err(Error::InvalidOption {
                option: "DetectionSensitivity",
                value: value.to_owned(),
                expected: "LOW or HIGH",
            }),
        }
    }
}

/// One finding in a cell: `value[start..end]` (byte offsets, on character boundaries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub entity: EntityType,
    pub start: usize,
    pub end: usize,
}

/// An entity type's words, owned so managed and custom types are handled alike.
#[derive(Debug)]
struct EntityWords {
    entity: EntityType,
    context: Vec<String>,
    negative: Vec<String>,
}

#[derive(Debug)]
struct CompiledPattern {
    /// Index into `Detector::entities`.
    entity: usize,
    regex: Regex,
    validate: fn(&str) -> bool,
    context: ContextRule,
    prefilter: Prefilter,
    guard: CompiledGuard,
}

/// A pattern's [`Guard`], its words owned.
#[derive(Debug)]
enum CompiledGuard {
    None,
    StandaloneGroups,
    YieldsTo(Vec<String>),
    StreetAfterNumber(fn(&str) -> bool),
}

impl From<Guard> for CompiledGuard {
    fn from(guard: Guard) -> Self {
        match guard {
            Guard::None => CompiledGuard::None,
            Guard::StandaloneGroups => CompiledGuard::StandaloneGroups,
            Guard::YieldsTo(words) => CompiledGuard::YieldsTo(owned(words)),
            Guard::StreetAfterNumber(is_street) => CompiledGuard::StreetAfterNumber(is_street),
        }
    }
}

/// The compiled recognizers of a set of entity types; build once, use on many arrays.
#[derive(Debug)]
pub struct Detector {
    entities: Vec<EntityWords>,
    patterns: Vec<CompiledPattern>,
    set: RegexSet,
    sensitivity: Sensitivity,
}

/// Per-entity answers to "does the column name vouch for this type?", and per-pattern ones
/// for patterns that hold only in columns of their kind ([`ContextRule::ColumnNamed`]) and
/// for patterns that yield to other words ([`Guard::YieldsTo`]).
#[derive(Debug, Clone)]
pub struct ColumnContext {
    entities: Vec<bool>,
    patterns: Vec<bool>,
    yielded: Vec<bool>,
}

impl Detector {
    /// Compiles `types`; custom types among them are looked up in `custom` by name.
    pub fn new(
        types: &[EntityType],
        custom: &[CustomEntityType],
        sensitivity: Sensitivity,
    ) -> Result<Detector> {
        let mut entities = Vec::new();
        let mut patterns = Vec::new();
        // Managed types in their preference order, then custom types as listed.
        let mut ordered: Vec<&EntityType> = types.iter().collect();
        ordered.sort_by_key(|t| match t {
            EntityType::Managed(m) => (0, ManagedEntity::all().position(|x| x == *m)),
            EntityType::Custom(_) => (1, None),
        });
        ordered.dedup();
        for entity_type in ordered {
            let index = entities.len();
            match entity_type {
                EntityType::Managed(managed) => {
                    let recognizer = recognizer(*managed);
                    debug_assert_eq!(recognizer.entity, *managed);
                    entities.push(EntityWords {
                        entity: entity_type.clone(),
                        context: owned(recognizer.context_words),
                        negative: owned(recognizer.negative_words),
                    });
                    for spec in recognizer.patterns {
                        patterns.push(CompiledPattern {
                            entity: index,
                            regex: compile_managed(managed.name(), spec.regex)?,
                            validate: spec.validate,
                            context: spec.context,
                            prefilter: spec.prefilter,
                            guard: spec.guard.into(),
                        });
                    }
                }
                EntityType::Custom(name) => {
                    let definition = custom
                        .iter()
                        .find(|c| c.name.as_str() == &**name)
                        .ok_or_else(|| Error::UnknownEntityType {
                            name: name.to_string(),
                        })?;
                    let regex = definition.validate()?;
                    entities.push(EntityWords {
                        entity: entity_type.clone(),
                        context: definition
                            .context_words
                            .iter()
                            .map(|w| w.to_lowercase())
                            .collect(),
                        negative: Vec::new(),
                    });
                    patterns.push(CompiledPattern {
                        entity: index,
                        regex,
                        validate: accept_all,
                        context: if definition.context_words.is_empty() {
                            ContextRule::NotNeeded
                        } else {
                            ContextRule::Needed
                        },
                        prefilter: Prefilter::NONE,
                        guard: CompiledGuard::None,
                    });
                }
            }
        }
        let set = RegexSetBuilder::new(patterns.iter().map(|p| p.regex.as_str()))
            .dfa_size_limit(SET_DFA_CACHE_BYTES)
            .build()
            .map_err(|source| Error::InvalidPattern {
                name: "the requested entity types".to_owned(),
                source,
            })?;
        Ok(Detector {
            entities,
            patterns,
            set,
            sensitivity,
        })
    }

    /// The entity types this detector finds, in preference order.
    pub fn entity_types(&self) -> impl Iterator<Item = &EntityType> {
        self.entities.iter().map(|e| &e.entity)
    }

    /// Which types the column name vouches for (a `customer_ssn` column is context for SSNs).
    pub fn column_context(&self, column: Option<&str>) -> ColumnContext {
        let mentions = |words: &[String]| column.is_some_and(|name| column_mentions(name, words));
        ColumnContext {
            entities: self.entities.iter().map(|e| mentions(&e.context)).collect(),
            patterns: self
                .patterns
                .iter()
                .map(|p| match p.context {
                    ContextRule::ColumnNamed(words) => mentions(&owned(words)),
                    _ => false,
                })
                .collect(),
            yielded: self
                .patterns
                .iter()
                .map(|p| match &p.guard {
                    CompiledGuard::YieldsTo(words) => mentions(words),
                    _ => false,
                })
                .collect(),
        }
    }

    /// The findings of every row (empty for nulls), without a column name for context.
    /// Takes `Utf8`, `LargeUtf8` and `Utf8View` arrays alike.
    pub fn detect<'a>(&self, array: impl StringArrayType<'a>) -> Vec<Vec<Match>> {
        self.detect_column(array, None)
    }

    /// The findings of every row, the column name counting as context.
    pub fn detect_column<'a>(
        &self,
        array: impl StringArrayType<'a>,
        column: Option<&str>,
    ) -> Vec<Vec<Match>> {
        let context = self.column_context(column);
        if Array::null_count(&array) == Array::len(&array) {
            return vec![Vec::new(); Array::len(&array)];
        }
        StringArrayType::iter(&array)
            .map(|value| value.map_or_else(Vec::new, |v| self.detect_value(v, &context)))
            .collect()
    }

    /// The findings in one value, ordered by position and not overlapping.
    pub fn detect_value(&self, value: &str, context: &ColumnContext) -> Vec<Match> {
        let features = CellFeatures::of(value);
        if !self.patterns.iter().any(|p| features.passes(p.prefilter)) {
            return Vec::new();
        }
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for index in self.set.matches(value).iter() {
            let pattern = &self.patterns[index];
            if features.passes(pattern.prefilter) {
                self.candidates(value, index, pattern, context, &mut found);
            }
        }
        keep_non_overlapping(&mut found);
        found
            .into_iter()
            .map(|(start, end, index)| Match {
                entity: self.entities[self.patterns[index].entity].entity.clone(),
                start,
                end,
            })
            .collect()
    }

    /// Pushes `(start, end, pattern)` for each accepted match of one pattern. A rejected
    /// candidate resumes the search one character later, so `Dear Mary Smith` still finds
    /// `Mary Smith` after rejecting `Dear Mary`.
    fn candidates(
        &self,
        value: &str,
        index: usize,
        pattern: &CompiledPattern,
        context: &ColumnContext,
        found: &mut Vec<(usize, usize, usize)>,
    ) {
        let mut at = 0;
        while at <= value.len() {
            let Some(m) = pattern.regex.find_at(value, at) else {
                break;
            };
            if !m.is_empty() && self.accepts(value, m.start(), m.end(), index, context) {
                found.push((m.start(), m.end(), index));
                at = m.end();
            } else {
                at = m.start() + value[m.start()..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }

    fn accepts(
        &self,
        value: &str,
        start: usize,
        end: usize,
        index: usize,
        column: &ColumnContext,
    ) -> bool {
        let pattern = &self.patterns[index];
        let words = &self.entities[pattern.entity];
        if continues_a_longer_token(value, start, end) || !(pattern.validate)(&value[start..end]) {
            return false;
        }
        if just_before(value, start, &words.negative) {
            return false;
        }
        match &pattern.guard {
            CompiledGuard::None => {}
            CompiledGuard::StandaloneGroups => {
                if glued_to_more_groups(value, start, end) {
                    return false;
                }
            }
            CompiledGuard::StreetAfterNumber(is_street) => {
                let bytes = value.as_bytes();
                let after_number =
                    start >= 2 && bytes[start - 1] == b' ' && bytes[start - 2].is_ascii_digit();
                if after_number && is_street(&value[start..end]) {
                    return false;
                }
            }
            CompiledGuard::YieldsTo(others) => {
                let yields = column.yielded[index] || just_before(value, start, others);
                if yields
                    && !column.entities[pattern.entity]
                    && !just_before(value, start, &words.context)
                {
                    return false;
                }
            }
        }
        let needs_context = match pattern.context {
            ContextRule::NotNeeded => false,
            ContextRule::NeededAtLow => self.sensitivity == Sensitivity::Low,
            ContextRule::Needed => true,
            ContextRule::ColumnNamed(_) => return column.patterns[index],
        };
        !needs_context
            || column.entities[pattern.entity]
            || near_match(value, start, end, &words.context)
    }
}

/// Finds `types` (managed, or custom among `custom`) in every row of `array`.
/// Compiles a detector for one call; reuse a [`Detector`] for many arrays.
pub fn detect<'a>(
    array: impl StringArrayType<'a>,
    types: &[EntityType],
    sensitivity: Sensitivity,
) -> Result<Vec<Vec<Match>>> {
    Ok(Detector::new(types, &[], sensitivity)?.detect(array))
}

fn owned(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// Managed patterns mean ASCII digits by `\d` (Unicode digits would break the validators) and
/// ASCII word boundaries by `\b`: Unicode boundaries keep the regex engines off their DFAs
/// (a fivefold slowdown), and every managed pattern's edges are ASCII but names' and emails',
/// which do without `\b`.
fn compile_managed(name: &str, pattern: &str) -> Result<Regex> {
    let ascii = pattern.replace(r"\d", "[0-9]").replace(r"\b", r"(?-u:\b)");
    Regex::new(&ascii).map_err(|source| Error::InvalidPattern {
        name: name.to_owned(),
        source,
    })
}

/// A match glued to more of the same token by `.`, `-` or `:` (`1.2.3.4.5`, `123-45-6789-0`)
/// is a piece of something else.
fn continues_a_longer_token(value: &str, start: usize, end: usize) -> bool {
    let bytes = value.as_bytes();
    let joiner = |b: u8| matches!(b, b'.' | b'-' | b':');
    let after =
        end + 1 < bytes.len() && joiner(bytes[end]) && bytes[end + 1].is_ascii_alphanumeric();
    let before = start >= 2 && joiner(bytes[start - 1]) && bytes[start - 2].is_ascii_alphanumeric();
    after || before
}

/// Whether a match printed in space-separated groups has one more group glued on by a space:
/// before it, a run of letters and digits holding a digit (`FI42 3947 …`), or an upper-case
/// group of four after one (`GB82 WEST 1234 …`, an IBAN's bank code); after it, a
/// run of digits (`… 1111 003`) that is not the start of a date, a price or a word (`… 1111
/// 12/25` stands alone).
fn glued_to_more_groups(value: &str, start: usize, end: usize) -> bool {
    let bytes = value.as_bytes();
    let mut at = start;
    for _ in 0..2 {
        if at < 2 || bytes[at - 1] != b' ' {
            break;
        }
        let token_end = at - 1;
        let token_start = bytes[..token_end]
            .iter()
            .rposition(|b| !b.is_ascii_alphanumeric())
            .map_or(0, |i| i + 1);
        let token = &bytes[token_start..token_end];
        if token.iter().any(u8::is_ascii_digit) {
            return true;
        }
        if token.len() != 4 || !token.iter().all(u8::is_ascii_uppercase) {
            break;
        }
        at = token_start;
    }
    if end + 1 < bytes.len() && bytes[end] == b' ' && bytes[end + 1].is_ascii_digit() {
        let run_end = bytes[end + 1..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |i| end + 1 + i);
        let next = bytes.get(run_end).copied();
        let then_digit = bytes.get(run_end + 1).is_some_and(u8::is_ascii_digit);
        return match next {
            None => true,
            Some(b'/') => false,
            Some(b'.' | b',' | b':') => !then_digit,
            Some(b) => !b.is_ascii_alphabetic(),
        };
    }
    false
}

/// Greedy choice of non-overlapping findings: leftmost, then longest, then first pattern.
fn keep_non_overlapping(found: &mut Vec<(usize, usize, usize)>) {
    found.sort_by_key(|&(start, end, index)| (start, std::cmp::Reverse(end), index));
    let mut last_end = 0;
    found.retain(|&(start, end, _)| {
        let keep = start >= last_end;
        if keep {
            last_end = end;
        }
        keep
    });
}

/// What the prefilters look at, gathered in one pass over a cell's bytes.
struct CellFeatures {
    digits: usize,
    /// Bit `b` set when ASCII byte `b` occurs.
    ascii: u128,
}

impl CellFeatures {
    fn of(value: &str) -> CellFeatures {
        let mut digits = 0;
        let mut ascii = 0u128;
        for &b in value.as_bytes() {
            if b < 128 {
                ascii |= 1 << b;
                digits += usize::from(b.is_ascii_digit());
            }
        }
        CellFeatures { digits, ascii }
    }

    fn passes(&self, prefilter: Prefilter) -> bool {
        self.digits >= usize::from(prefilter.min_digits)
            && prefilter
                .required_byte
                .is_none_or(|b| self.ascii & (1 << b) != 0)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::StringArray;

    use super::*;

    fn managed(types: &[ManagedEntity]) -> Vec<EntityType> {
        types.iter().copied().map(EntityType::Managed).collect()
    }

    #[test]
    fn view_and_large_arrays_are_read_alike() {
        let types = managed(&[ManagedEntity::Email]);
        let detector = Detector::new(&types, &[], Sensitivity::Low).unwrap();
        let values = vec![Some("x a@b.io"), None];
        let utf8 = detector.detect(&StringArray::from(values.clone()));
        let view = detector.detect(&arrow_array::StringViewArray::from(values.clone()));
        let large = detector.detect(&arrow_array::LargeStringArray::from(values));
        assert_eq!(utf8, view);
        assert_eq!(utf8, large);
        assert_eq!(utf8[0].len(), 1);
    }

    #[test]
    fn null_and_empty_arrays() {
        let types = managed(&[ManagedEntity::Email]);
        let empty = StringArray::from(Vec::<Option<&str>>::new());
        assert!(detect(&empty, &types, Sensitivity::Low).unwrap().is_empty());
        let nulls = StringArray::from(vec![None::<&str>, None]);
        assert_eq!(
            detect(&nulls, &types, Sensitivity::Low).unwrap(),
            vec![Vec::<Match>::new(), Vec::new()]
        );
    }

    #[test]
    fn several_types_in_one_cell_in_order() {
        let types = managed(&[
            ManagedEntity::UsaSsn,
            ManagedEntity::Email,
            ManagedEntity::PhoneNumber,
        ]);
        let array = StringArray::from(vec![
            Some("mail a@b.io, tel 415-555-0123, ssn 123-45-6789"),
            None,
        ]);
        let found = detect(&array, &types, Sensitivity::Low).unwrap();
        let names: Vec<&str> = found[0].iter().map(|m| m.entity.name()).collect();
        assert_eq!(names, ["EMAIL", "PHONE_NUMBER", "USA_SSN"]);
        assert!(found[1].is_empty());
    }

    #[test]
    fn offsets_are_bytes_on_character_boundaries() {
        let types = managed(&[ManagedEntity::Email]);
        let value = "café ☕ → zoë@example.com";
        let array = StringArray::from(vec![value]);
        let found = detect(&array, &types, Sensitivity::Low).unwrap();
        let m = &found[0][0];
        assert_eq!(&value[m.start..m.end], "zoë@example.com");
        assert_eq!(m.start, value.find('z').unwrap());
    }

    #[test]
    fn pieces_of_longer_tokens_are_not_findings() {
        let types = managed(&[ManagedEntity::UsaSsn, ManagedEntity::IpAddress]);
        let array = StringArray::from(vec!["123-45-6789-01", "1.2.3.4.5", "host 10.0.0.1"]);
        let found = detect(&array, &types, Sensitivity::High).unwrap();
        assert!(found[0].is_empty());
        assert!(found[1].is_empty());
        assert_eq!(found[2].len(), 1);
    }

    #[test]
    fn custom_types_with_and_without_context_words() {
        let custom = [
            CustomEntityType::new("EMPLOYEE_ID", r"\bEMP-\d{6}\b"),
            CustomEntityType::new("BADGE", r"\b\d{5}\b").with_context_words(["Badge"]),
        ];
        let types = vec![
            EntityType::Custom(Arc::from("EMPLOYEE_ID")),
            EntityType::Custom(Arc::from("BADGE")),
        ];
        let detector = Detector::new(&types, &custom, Sensitivity::High).unwrap();
        let array = StringArray::from(vec!["EMP-123456 badge 12345", "room 12345"]);
        let found = detector.detect(&array);
        let names: Vec<&str> = found[0].iter().map(|m| m.entity.name()).collect();
        assert_eq!(names, ["EMPLOYEE_ID", "BADGE"]);
        assert!(found[1].is_empty());
    }

    #[test]
    fn a_custom_type_missing_its_definition_is_reported() {
        let types = vec![EntityType::Custom(Arc::from("NOPE"))];
        let err = Detector::new(&types, &[], Sensitivity::Low).unwrap_err();
        assert!(matches!(err, Error::UnknownEntityType { name } if name == "NOPE"));
    }

    #[test]
    fn sensitivity_parses_case_insensitively() {
        assert_eq!("high".parse::<Sensitivity>().unwrap(), Sensitivity::High);
        assert!("medium".parse::<Sensitivity>().is_err());
    }
}
