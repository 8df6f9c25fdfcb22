//! Which action applies to which column and entity: the PIIDetection node's `PiiType` and
//! masking options, and the fine-grained overrides of `DetectionParameters`.

use std::collections::BTreeMap;
use std::str::FromStr;

use regex::Regex;
use serde_json::Value;

use crate::entity_type::EntityType;
use crate::error::{Error, Result};
use crate::mask::{Action, PartialMask};

/// The PIIDetection node's `PiiType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiType {
    RowAudit,
    RowHashing,
    RowMasking,
    RowPartialMasking,
    ColumnAudit,
    ColumnHashing,
    ColumnMasking,
}

impl PiiType {
    /// Row types act on each finding in each cell; column types sample the column and act on
    /// whole columns found to hold an entity type.
    pub fn is_row_level(self) -> bool {
        matches!(
            self,
            PiiType::RowAudit
                | PiiType::RowHashing
                | PiiType::RowMasking
                | PiiType::RowPartialMasking
        )
    }
}

impl FromStr for PiiType {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        Ok(match value {
            "RowAudit" => PiiType::RowAudit,
            "RowHashing" => PiiType::RowHashing,
            "RowMasking" => PiiType::RowMasking,
            "RowPartialMasking" => PiiType::RowPartialMasking,
            "ColumnAudit" => PiiType::ColumnAudit,
            "ColumnHashing" => PiiType::ColumnHashing,
            "ColumnMasking" => PiiType::ColumnMasking,
            _ => {
                return Err(Error::InvalidOption {
                    option: "PiiType",
                    value: value.to_owned(),
                    expected: "one of RowAudit, RowHashing, RowMasking, RowPartialMasking, ColumnAudit, ColumnHashing, ColumnMasking",
                })
            }
        })
    }
}

/// The masking options of a PIIDetection node, as strings and numbers from its JSON.
#[derive(Debug, Clone, Default)]
pub struct MaskOptions {
    pub mask_value: Option<String>,
    /// `true`/`false` as the model documents it; any other text is taken as the replacement
    /// text itself (Glue Studio's "Redaction Text", e.g. `****`).
    pub redact_text: Option<String>,
    pub redact_char: Option<String>,
    pub match_pattern: Option<String>,
    pub num_left_chars_to_exclude: Option<i64>,
    pub num_right_chars_to_exclude: Option<i64>,
}

/// The replacement when neither `MaskValue` nor a redaction text is given.
pub const DEFAULT_MASK_VALUE: &str = "****";

impl Action {
    /// The node-wide action of a `PiiType` with its options.
    pub fn for_pii_type(pii_type: PiiType, options: &MaskOptions) -> Result<Action> {
        match pii_type {
            PiiType::RowAudit | PiiType::ColumnAudit => Ok(Action::Detect),
            PiiType::RowHashing | PiiType::ColumnHashing => Ok(Action::Hash),
            PiiType::RowMasking | PiiType::ColumnMasking => masking_action(options),
            PiiType::RowPartialMasking => Ok(Action::Redact(partial_mask(options)?)),
        }
    }
}

fn masking_action(options: &MaskOptions) -> Result<Action> {
    match options.redact_text.as_deref() {
        Some(flag) if flag.eq_ignore_ascii_case("true") => Ok(Action::Redact(PartialMask::whole(
            redact_char(options.redact_char.as_deref())?,
        ))),
        Some(text) if !text.is_empty() && !flag_false(text) => Ok(Action::Replace {
            text: text.to_owned(),
        }),
        _ => {
            let text = match &options.mask_value {
                Some(value) => validated_mask_value(value)?,
                None => DEFAULT_MASK_VALUE.to_owned(),
            };
            Ok(Action::Replace { text })
        }
    }
}

fn flag_false(text: &str) -> bool {
    text.eq_ignore_ascii_case("false")
}

/// `MaskValue`: at most 256 characters of `[*A-Za-z0-9_-]`.
fn validated_mask_value(value: &str) -> Result<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '*' | '_' | '-');
    if value.chars().count() > 256 || !value.chars().all(allowed) {
        return Err(Error::InvalidOption {
            option: "MaskValue",
            value: value.to_owned(),
            expected: "at most 256 characters among letters, digits, *, _ and -",
        });
    }
    Ok(value.to_owned())
}

fn redact_char(value: Option<&str>) -> Result<char> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok('*');
    };
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(Error::InvalidOption {
            option: "RedactChar",
            value: value.to_owned(),
            expected: "a single character",
        }),
    }
}

fn char_count(option: &'static str, value: Option<i64>) -> Result<usize> {
    match value {
        None => Ok(0),
        Some(n) => usize::try_from(n).map_err(|_| Error::InvalidOption {
            option,
            value: n.to_string(),
            expected: "a number of characters, 0 or more",
        }),
    }
}

fn partial_mask(options: &MaskOptions) -> Result<PartialMask> {
    let match_pattern = options
        .match_pattern
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(|pattern| {
            Regex::new(pattern).map_err(|source| Error::InvalidPattern {
                name: "MatchPattern".to_owned(),
                source,
            })
        })
        .transpose()?;
    Ok(PartialMask {
        redact_char: redact_char(options.redact_char.as_deref())?,
        keep_left: char_count("NumLeftCharsToExclude", options.num_left_chars_to_exclude)?,
        keep_right: char_count("NumRightCharsToExclude", options.num_right_chars_to_exclude)?,
        match_pattern,
    })
}

/// An override for one entity type: its action, in some columns or all but some.
#[derive(Debug, Clone)]
pub struct EntityRule {
    pub action: Action,
    /// `None`: every column (less `exclude_columns`).
    pub source_columns: Option<Vec<String>>,
    pub exclude_columns: Vec<String>,
}

impl EntityRule {
    fn covers(&self, column: &str) -> bool {
        let included = self
            .source_columns
            .as_ref()
            .is_none_or(|columns| columns.iter().any(|c| c == column));
        included && !self.exclude_columns.iter().any(|c| c == column)
    }
}

/// The actions of a PIIDetection node: a node-wide action, columns left out of detection,
/// and per-entity overrides.
///
/// An entity type with overrides is detected only in the columns its rules cover (the first
/// covering rule decides the action); other types get the node-wide action everywhere.
#[derive(Debug, Clone)]
pub struct ActionPolicy {
    pub default_action: Action,
    pub excluded_columns: Vec<String>,
    pub rules: BTreeMap<EntityType, Vec<EntityRule>>,
}

impl ActionPolicy {
    pub fn uniform(default_action: Action) -> ActionPolicy {
        ActionPolicy {
            default_action,
            excluded_columns: Vec::new(),
            rules: BTreeMap::new(),
        }
    }

    /// The action for `entity` found in `column`, or `None` when it is not looked for there.
    pub fn action_for(&self, column: &str, entity: &EntityType) -> Option<&Action> {
        if self.excluded_columns.iter().any(|c| c == column) {
            return None;
        }
        match self.rules.get(entity) {
            Some(rules) => rules.iter().find(|r| r.covers(column)).map(|r| &r.action),
            None => Some(&self.default_action),
        }
    }

    /// The types among `requested` (and those with overrides) to look for in `column`.
    pub fn entities_for_column(&self, column: &str, requested: &[EntityType]) -> Vec<EntityType> {
        let mut entities: Vec<EntityType> = requested
            .iter()
            .chain(self.rules.keys())
            .filter(|e| self.action_for(column, e).is_some())
            .cloned()
            .collect();
        entities.sort();
        entities.dedup();
        entities
    }

    /// Adds the fine-grained overrides of a `DetectionParameters` document:
    ///
    /// ```json
    /// {"USA_SSN": [{"action": "PARTIAL_REDACT", "sourceColumns": ["ssn"],
    ///               "actionOptions": {"numRightCharsToExclude": 4, "redactChar": "#"}}],
    ///  "EMAIL": [{"action": "REDACT", "sourceColumnsToExclude": ["notes"],
    ///             "actionOptions": {"redactText": "[email]"}}]}
    /// ```
    ///
    /// Actions are `DETECT`, `REDACT`, `PARTIAL_REDACT` and `SHA256_HASH`; numbers may be
    /// written as strings. This shape follows Glue's fine-grained actions documentation as
    /// Weir understands it; entity names resolve against managed types and `custom_names`.
    pub fn with_detection_parameters(
        mut self,
        json: &str,
        custom_names: &[&str],
    ) -> Result<ActionPolicy> {
        let document: Value = serde_json::from_str(json).map_err(|e| invalid(e.to_string()))?;
        let Value::Object(entities) = document else {
            return Err(invalid(
                "expected an object keyed by entity type".to_owned(),
            ));
        };
        for (name, rules) in entities {
            let entity = EntityType::resolve(&name, custom_names.iter().copied())?;
            let Value::Array(rules) = rules else {
                return Err(invalid(format!("`{name}` must map to a list of actions")));
            };
            let parsed = rules
                .iter()
                .map(|rule| parse_rule(&name, rule))
                .collect::<Result<Vec<_>>>()?;
            self.rules.entry(entity).or_default().extend(parsed);
        }
        Ok(self)
    }
}

fn invalid(reason: String) -> Error {
    Error::InvalidDetectionParameters { reason }
}

fn parse_rule(entity: &str, rule: &Value) -> Result<EntityRule> {
    let action_name = rule
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("DETECT");
    let options = rule.get("actionOptions").cloned().unwrap_or(Value::Null);
    let text = |key: &str| options.get(key).and_then(Value::as_str).map(str::to_owned);
    let number = |key: &str| -> Result<Option<i64>> {
        match options.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_i64()),
            Some(Value::String(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| invalid(format!("`{key}` of `{entity}` must be a whole number"))),
            Some(_) => Err(invalid(format!(
                "`{key}` of `{entity}` must be a whole number"
            ))),
        }
    };
    let mask_options = MaskOptions {
        mask_value: None,
        redact_text: text("redactText"),
        redact_char: text("redactChar"),
        match_pattern: text("matchPattern"),
        num_left_chars_to_exclude: number("numLeftCharsToExclude")?,
        num_right_chars_to_exclude: number("numRightCharsToExclude")?,
    };
    let action = match action_name {
        "DETECT" => Action::Detect,
        "SHA256_HASH" => Action::Hash,
        "PARTIAL_REDACT" => Action::Redact(partial_mask(&mask_options)?),
        "REDACT" => Action::Replace {
            text: mask_options
                .redact_text
                .unwrap_or_else(|| DEFAULT_MASK_VALUE.to_owned()),
        },
        other => {
            return Err(invalid(format!(
                "`{other}` is not an action of `{entity}`: use DETECT, REDACT, PARTIAL_REDACT or SHA256_HASH"
            )))
        }
    };
    let columns = |key: &str| -> Option<Vec<String>> {
        rule.get(key).and_then(Value::as_array).map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    Ok(EntityRule {
        action,
        source_columns: columns("sourceColumns"),
        exclude_columns: columns("sourceColumnsToExclude").unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity_type::ManagedEntity;

    fn options() -> MaskOptions {
        MaskOptions::default()
    }

    #[test]
    fn pii_types_parse_and_know_their_level() {
        assert!("RowPartialMasking"
            .parse::<PiiType>()
            .unwrap()
            .is_row_level());
        assert!(!"ColumnHashing".parse::<PiiType>().unwrap().is_row_level());
        assert!("RowRedaction".parse::<PiiType>().is_err());
    }

    #[test]
    fn masking_takes_mask_value_or_redaction_text() {
        let action = Action::for_pii_type(PiiType::RowMasking, &options()).unwrap();
        assert!(matches!(action, Action::Replace { text } if text == "****"));
        let with_value = MaskOptions {
            mask_value: Some("XXX".into()),
            ..options()
        };
        let action = Action::for_pii_type(PiiType::RowMasking, &with_value).unwrap();
        assert!(matches!(action, Action::Replace { text } if text == "XXX"));
        let studio_text = MaskOptions {
            redact_text: Some("[hidden]".into()),
            ..options()
        };
        let action = Action::for_pii_type(PiiType::RowMasking, &studio_text).unwrap();
        assert!(matches!(action, Action::Replace { text } if text == "[hidden]"));
        let flag = MaskOptions {
            redact_text: Some("true".into()),
            redact_char: Some("#".into()),
            ..options()
        };
        let action = Action::for_pii_type(PiiType::RowMasking, &flag).unwrap();
        assert!(matches!(action, Action::Redact(mask) if mask.redact_char == '#'));
    }

    #[test]
    fn bad_options_are_refused_with_their_name() {
        let bad_value = MaskOptions {
            mask_value: Some("no spaces".into()),
            ..options()
        };
        assert!(matches!(
            Action::for_pii_type(PiiType::ColumnMasking, &bad_value),
            Err(Error::InvalidOption {
                option: "MaskValue",
                ..
            })
        ));
        let negative = MaskOptions {
            num_left_chars_to_exclude: Some(-1),
            ..options()
        };
        assert!(matches!(
            Action::for_pii_type(PiiType::RowPartialMasking, &negative),
            Err(Error::InvalidOption {
                option: "NumLeftCharsToExclude",
                ..
            })
        ));
        let two_chars = MaskOptions {
            redact_char: Some("##".into()),
            ..options()
        };
        assert!(Action::for_pii_type(PiiType::RowPartialMasking, &two_chars).is_err());
    }

    #[test]
    fn detection_parameters_override_per_entity_and_column() {
        let policy = ActionPolicy::uniform(Action::Replace {
            text: "****".into(),
        })
        .with_detection_parameters(
            r##"{
                "USA_SNN": [{"action": "PARTIAL_REDACT", "sourceColumns": ["ssn"],
                             "actionOptions": {"numRightCharsToExclude": "4", "redactChar": "#"}}],
                "EMAIL": [{"action": "SHA256_HASH", "sourceColumnsToExclude": ["notes"]}]
            }"##,
            &[],
        )
        .unwrap();
        let ssn = EntityType::Managed(ManagedEntity::UsaSsn);
        let email = EntityType::Managed(ManagedEntity::Email);
        let phone = EntityType::Managed(ManagedEntity::PhoneNumber);
        assert!(matches!(
            policy.action_for("ssn", &ssn),
            Some(Action::Redact(m)) if m.keep_right == 4 && m.redact_char == '#'
        ));
        assert!(policy.action_for("notes", &ssn).is_none());
        assert!(matches!(
            policy.action_for("email", &email),
            Some(Action::Hash)
        ));
        assert!(policy.action_for("notes", &email).is_none());
        assert!(matches!(
            policy.action_for("notes", &phone),
            Some(Action::Replace { .. })
        ));
        assert_eq!(
            policy.entities_for_column("notes", std::slice::from_ref(&phone)),
            std::slice::from_ref(&phone)
        );
        assert_eq!(
            policy.entities_for_column("ssn", std::slice::from_ref(&phone)),
            [email, ssn, phone]
        );
    }

    #[test]
    fn excluded_columns_are_left_alone() {
        let mut policy = ActionPolicy::uniform(Action::Hash);
        policy.excluded_columns.push("id".into());
        let email = EntityType::Managed(ManagedEntity::Email);
        assert!(policy.action_for("id", &email).is_none());
        assert!(policy.entities_for_column("id", &[email]).is_empty());
    }

    #[test]
    fn malformed_detection_parameters_say_what_is_wrong() {
        let policy = ActionPolicy::uniform(Action::Detect);
        let err = policy
            .clone()
            .with_detection_parameters(r#"{"EMAIL": [{"action": "SHRED"}]}"#, &[])
            .unwrap_err();
        assert!(err.to_string().contains("SHRED"), "{err}");
        assert!(policy.clone().with_detection_parameters("[]", &[]).is_err());
        assert!(matches!(
            policy.with_detection_parameters(r#"{"NOPE": []}"#, &[]),
            Err(Error::UnknownEntityType { .. })
        ));
    }
}
