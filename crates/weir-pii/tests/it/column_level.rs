use weir_pii::actions::{ActionPolicy, PiiType};
use weir_pii::transform::NamedColumn;
use weir_pii::{Action, Hasher};

use crate::{customers, replace, strings, transform};

#[test]
fn column_audit_classifies_without_changing_values() {
    let table = customers();
    let columns = [
        NamedColumn {
            name: "id",
            values: &table.id,
        },
        NamedColumn {
            name: "email",
            values: &table.email,
        },
        NamedColumn {
            name: "ssn",
            values: &table.ssn,
        },
        NamedColumn {
            name: "notes",
            values: &table.notes,
        },
    ];
    let mut node = transform(
        PiiType::ColumnAudit,
        ActionPolicy::uniform(Action::Detect),
        Hasher::unsalted(),
    );
    let classified = node.classify(&columns).expect("runs");
    let summary: Vec<(&str, Vec<&str>)> = classified
        .iter()
        .map(|c| {
            (
                c.column.as_str(),
                c.findings.iter().map(|f| f.entity.name()).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("id", vec![]),
            ("email", vec!["EMAIL"]),
            ("ssn", vec!["USA_SSN"]),
            // Threshold 0.5: two of three notes hold something, but no one type does.
            ("notes", vec![]),
        ]
    );
    let out = node.apply_column_level(&columns, &classified);
    for (column, after) in columns.iter().zip(&out) {
        assert_eq!(column.values, after);
    }
}

#[test]
fn column_masking_and_hashing_act_on_whole_columns() {
    let table = customers();
    let columns = [
        NamedColumn {
            name: "id",
            values: &table.id,
        },
        NamedColumn {
            name: "email",
            values: &table.email,
        },
        NamedColumn {
            name: "name",
            values: &table.name,
        },
    ];
    let mut masking = transform(
        PiiType::ColumnMasking,
        ActionPolicy::uniform(replace("XXXX")),
        Hasher::unsalted(),
    );
    let classified = masking.classify(&columns).expect("runs");
    let out = masking.apply_column_level(&columns, &classified);
    assert_eq!(out[0], table.id);
    assert_eq!(
        strings(&out[1]),
        [
            Some("XXXX".into()),
            Some("XXXX".into()),
            Some("XXXX".into())
        ],
        "the whole column is masked, even values that hold no email"
    );
    assert_eq!(
        strings(&out[2]),
        [Some("XXXX".into()), Some("XXXX".into()), None]
    );

    let mut hashing = transform(
        PiiType::ColumnHashing,
        ActionPolicy::uniform(Action::Hash),
        Hasher::salted(b"s".to_vec()),
    );
    let classified = hashing.classify(&columns).expect("runs");
    let out = hashing.apply_column_level(&columns, &classified);
    assert_eq!(out[1].value(2), Hasher::salted(b"s".to_vec()).token("n/a"));
}
