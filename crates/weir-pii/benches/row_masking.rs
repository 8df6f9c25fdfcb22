//! Throughput of row-level masking and column classification over generated customer rows.
//!
//! `cargo bench -p weir-pii --bench row_masking` (release build; rows/s printed per case).
//! Fixtures are generated before the timed part. No comparison with other tools is run here.

use std::hint::black_box;
use std::time::Instant;

use arrow_array::StringArray;
use weir_pii::actions::{ActionPolicy, PiiType};
use weir_pii::sample::ColumnSampling;
use weir_pii::transform::{NamedColumn, PiiSettings};
use weir_pii::{Action, EntityType, Hasher, ManagedEntity, PiiTransform, Sensitivity};

const ROWS: usize = 200_000;

fn column(rows: usize, make: impl Fn(usize) -> String) -> StringArray {
    StringArray::from((0..rows).map(make).collect::<Vec<_>>())
}

fn main() {
    let first = ["Mary", "José", "Robert", "Linda", "Ahmed", "Priya"];
    let last = ["Johnson", "García", "Smith", "Nguyen", "Khan", "Patel"];
    let columns = [
        (
            "name",
            column(ROWS, |i| format!("{} {}", first[i % 6], last[(i / 6) % 6])),
        ),
        ("email", column(ROWS, |i| format!("user{i}@example.com"))),
        (
            "phone",
            column(ROWS, |i| format!("(415) 555-{:04}", i % 10_000)),
        ),
        (
            "ssn",
            column(ROWS, |i| {
                format!("{:03}-{:02}-{:04}", 100 + i % 500, 1 + i % 98, 1 + i % 9998)
            }),
        ),
        ("card", column(ROWS, |_| "4111 1111 1111 1111".to_owned())),
        ("city", column(ROWS, |i| format!("Springfield {}", i % 50))),
        (
            "notes",
            column(ROWS, |i| {
                format!(
                    "Customer called on {} about order {i}; all good.",
                    i % 28 + 1
                )
            }),
        ),
        (
            "status",
            column(ROWS, |i| {
                if i % 3 == 0 { "active" } else { "closed" }.to_owned()
            }),
        ),
    ];
    let named: Vec<NamedColumn<'_>> = columns
        .iter()
        .map(|(name, values)| NamedColumn { name, values })
        .collect();
    let types: Vec<EntityType> = [
        ManagedEntity::PersonName,
        ManagedEntity::Email,
        ManagedEntity::CreditCard,
        ManagedEntity::UsaSsn,
        ManagedEntity::PhoneNumber,
    ]
    .map(EntityType::Managed)
    .to_vec();
    let settings = |pii_type, action| PiiSettings {
        pii_type,
        entity_types: types.clone(),
        custom_types: Vec::new(),
        sensitivity: Sensitivity::High,
        policy: ActionPolicy::uniform(action),
        hasher: Hasher::salted(b"bench".to_vec()),
        sampling: ColumnSampling::new(0.1, 0.1).expect("valid"),
    };

    let mut masking = PiiTransform::new(settings(
        PiiType::RowMasking,
        Action::Replace {
            text: "****".into(),
        },
    ))
    .expect("compiles");
    let start = Instant::now();
    let out = masking.apply_row_level(ROWS, &named).expect("runs");
    black_box(&out);
    report("row-level masking, 8 columns", start);

    let mut audit =
        PiiTransform::new(settings(PiiType::ColumnAudit, Action::Detect)).expect("compiles");
    let start = Instant::now();
    let classified = audit.classify(&named).expect("runs");
    black_box(&classified);
    report("column audit (10% sample), 8 columns", start);
}

fn report(case: &str, start: Instant) {
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{case}: {ROWS} rows in {seconds:.3}s = {:.0} rows/s",
        ROWS as f64 / seconds
    );
}
