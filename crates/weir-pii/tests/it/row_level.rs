use arrow_array::{Array, StringArray};
use weir_pii::actions::{ActionPolicy, PiiType};
use weir_pii::transform::NamedColumn;
use weir_pii::{CustomEntityType, Detector, Hasher, Sensitivity};

use crate::{custom, customers, replace, strings, transform};

fn columns(c: &crate::Customers) -> Vec<NamedColumn<'_>> {
    [
        ("id", &c.id),
        ("name", &c.name),
        ("email", &c.email),
        ("phone", &c.phone),
        ("ssn", &c.ssn),
        ("credit_card", &c.card),
        ("notes", &c.notes),
    ]
    .into_iter()
    .map(|(name, values)| NamedColumn { name, values })
    .collect()
}

fn some(values: &[&str]) -> Vec<Option<String>> {
    values.iter().map(|v| Some((*v).to_owned())).collect()
}

#[test]
fn the_seeds_story_redacts_with_fine_grained_overrides() {
    let mut policy = ActionPolicy::uniform(replace("****"))
        .with_detection_parameters(
            r#"{"USA_SSN": [{"action": "PARTIAL_REDACT", "sourceColumns": ["ssn"],
                             "actionOptions": {"numRightCharsToExclude": 4}}],
                "CREDIT_CARD": [{"action": "REDACT", "sourceColumnsToExclude": ["notes"],
                                 "actionOptions": {"redactText": "[card]"}}]}"#,
            &[],
        )
        .expect("valid overrides");
    policy.excluded_columns.push("id".to_owned());
    let mut node = transform(PiiType::RowMasking, policy, Hasher::unsalted());
    let table = customers();
    let out = node.apply_row_level(3, &columns(&table)).expect("runs");

    assert_eq!(out.columns[0], table.id, "excluded columns are untouched");
    assert_eq!(
        strings(&out.columns[1]),
        [Some("****".into()), Some("****".into()), None]
    );
    assert_eq!(strings(&out.columns[2]), some(&["****", "****", "n/a"]));
    assert_eq!(
        strings(&out.columns[3]),
        some(&["****", "****", "order 4155550100"]),
        "bare digits need context: the column name is context, but `order` rules a number out"
    );
    assert_eq!(
        strings(&out.columns[4]),
        some(&["*******6789", "*******1121", "666-12-3456"])
    );
    assert_eq!(
        strings(&out.columns[5]),
        some(&["[card]", "[card]", "4111111111111112"])
    );
    assert_eq!(
        strings(&out.columns[6]),
        some(&[
            "Called **** at **** about card 4111-1111-1111-1111.",
            "",
            "Prefers email: **** — merci"
        ]),
        "cards are not looked for in notes; SSN overrides cover only the ssn column"
    );

    let detected = &out.detected_entities;
    assert_eq!(detected.len(), 3);
    let first: serde_json::Value = serde_json::from_str(detected.value(0)).expect("JSON");
    assert_eq!(
        first["ssn"],
        serde_json::json!([{"entityType": "USA_SSN", "actionUsed": "PARTIAL_REDACT", "start": 0, "end": 11}])
    );
    assert_eq!(first["notes"][0]["entityType"], "PERSON_NAME");
    assert_eq!(first["notes"][0]["start"], 7);
    assert!(first.get("id").is_none());
    let third: serde_json::Value = serde_json::from_str(detected.value(2)).expect("JSON");
    assert_eq!(
        third["notes"],
        serde_json::json!([{"entityType": "EMAIL", "actionUsed": "REDACT", "start": 15, "end": 30}])
    );
}

#[test]
fn row_audit_changes_nothing_and_reports_everything() {
    let mut node = transform(
        PiiType::RowAudit,
        ActionPolicy::uniform(weir_pii::Action::Detect),
        Hasher::unsalted(),
    );
    let table = customers();
    let cols = columns(&table);
    let out = node.apply_row_level(3, &cols).expect("runs");
    for (before, after) in cols.iter().zip(&out.columns) {
        assert_eq!(before.values, after);
    }
    let first: serde_json::Value =
        serde_json::from_str(out.detected_entities.value(0)).expect("JSON");
    let kinds: Vec<&str> = first["notes"]
        .as_array()
        .expect("notes findings")
        .iter()
        .map(|f| f["entityType"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["PERSON_NAME", "PHONE_NUMBER", "CREDIT_CARD"]);
    assert!(first["notes"]
        .as_array()
        .expect("notes findings")
        .iter()
        .all(|f| f["actionUsed"] == "DETECT"));
}

#[test]
fn row_hashing_gives_joinable_tokens_across_tables() {
    let salt = b"a secret from the secrets store".to_vec();
    let hash_all = || {
        transform(
            PiiType::RowHashing,
            ActionPolicy::uniform(weir_pii::Action::Hash),
            Hasher::salted(salt.clone()),
        )
    };
    let orders = StringArray::from(vec!["jose@example.org", "mary.johnson@example.com"]);
    let table = customers();
    let customers_out = hash_all()
        .apply_row_level(
            3,
            &[NamedColumn {
                name: "email",
                values: &table.email,
            }],
        )
        .expect("runs");
    let orders_out = hash_all()
        .apply_row_level(
            2,
            &[NamedColumn {
                name: "buyer",
                values: &orders,
            }],
        )
        .expect("runs");
    assert_eq!(
        customers_out.columns[0].value(1),
        orders_out.columns[0].value(0)
    );
    assert_eq!(
        customers_out.columns[0].value(0),
        orders_out.columns[0].value(1)
    );
    assert_eq!(customers_out.columns[0].value(0).len(), 64);
    assert_eq!(customers_out.columns[0].value(2), "n/a");
}

#[test]
fn partial_masking_with_a_match_pattern() {
    let options = weir_pii::actions::MaskOptions {
        redact_char: Some("#".into()),
        match_pattern: Some("[0-9]".into()),
        num_left_chars_to_exclude: Some(1),
        num_right_chars_to_exclude: Some(2),
        ..Default::default()
    };
    let action =
        weir_pii::Action::for_pii_type(PiiType::RowPartialMasking, &options).expect("valid");
    let mut node = transform(
        PiiType::RowPartialMasking,
        ActionPolicy::uniform(action),
        Hasher::unsalted(),
    );
    let table = customers();
    let out = node
        .apply_row_level(
            3,
            &[NamedColumn {
                name: "phone",
                values: &table.phone,
            }],
        )
        .expect("runs");
    // The kept left character is the parenthesis: counts are characters of the finding.
    assert_eq!(out.columns[0].value(0), "(###) ###-##23");
}

#[test]
fn custom_entity_types_run_beside_managed_ones() {
    let employee = CustomEntityType::new("EMPLOYEE_ID", r"\bE-\d{5}\b")
        .with_context_words(["employee", "staff"]);
    let mut types = crate::seeds_types();
    types.push(custom("EMPLOYEE_ID"));
    let detector = Detector::new(&types, &[employee], Sensitivity::Low).expect("compiles");
    let array = StringArray::from(vec![
        Some("staff E-12345 mary.johnson@example.com"),
        Some("part E-12345"),
        None,
    ]);
    let found = detector.detect(&array);
    let names: Vec<&str> = found[0].iter().map(|m| m.entity.name()).collect();
    assert_eq!(names, ["EMPLOYEE_ID", "EMAIL"]);
    assert!(found[1].is_empty());
    assert!(found[2].is_empty());
    assert_eq!(
        detector.detect_column(&array, Some("employee_ref"))[1].len(),
        1,
        "the column name is context too"
    );
}

#[test]
fn a_batch_without_string_columns_still_gets_detected_entities() {
    let mut node = transform(
        PiiType::RowAudit,
        ActionPolicy::uniform(weir_pii::Action::Detect),
        Hasher::unsalted(),
    );
    let out = node.apply_row_level(4, &[]).expect("runs");
    assert_eq!(out.detected_entities.len(), 4);
    assert_eq!(out.detected_entities.null_count(), 4);
}
