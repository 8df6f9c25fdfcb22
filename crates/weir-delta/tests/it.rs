//! Delta tables written, committed, compacted and vacuumed through `weir-delta` on local files,
//! read back through DataFusion: commits are one version each, a stale overwrite is refused
//! while a stale append is re-applied, and random sequences of writes and upkeep never lose a
//! row or a referenced file.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::basic::Encoding;
use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
use datafusion::prelude::{DataFrame, SessionContext};
use proptest::prelude::*;
use weir_delta::write::{self, Change, Layout};
use weir_delta::{maintenance, Deltas, Error};
use weir_engine::stores::StoreSettings;

type Row = (i64, String);

fn deltas() -> Deltas {
    Deltas::new(StoreSettings::default(), "file:///nowhere")
}

fn frame(ctx: &SessionContext, rows: &[Row]) -> DataFrame {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("region", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.1.as_str()),
            )),
        ],
    )
    .unwrap();
    ctx.read_batch(batch).unwrap()
}

/// Writes `rows` to the table at `location` (creating it, partitioned by region, if missing).
async fn write_rows(location: &str, rows: &[Row], change: Change) -> Result<(), Error> {
    let deltas = deltas();
    let ctx = SessionContext::new();
    let log_store = deltas.log_store(location)?;
    let store = log_store.object_store(None);
    if deltas.exists(location).await? {
        let table = deltas.open(location).await?;
        let layout = Layout::of(&table)?;
        let written = write::data_files(store, &layout, frame(&ctx, rows)).await?;
        write::commit(&table, &written, change, None).await?;
    } else {
        let input = frame(&ctx, rows);
        let layout = Layout::for_rows(input.schema().as_arrow(), vec!["region".into()])?;
        let written = write::data_files(store, &layout, input).await?;
        write::create(log_store, "t", &layout, &written).await?;
    }
    Ok(())
}

async fn read(location: &str) -> Vec<Row> {
    let table = deltas().open(location).await.unwrap();
    let ctx = SessionContext::new();
    let batches = ctx
        .read_table(table.table_provider().await.unwrap())
        .unwrap()
        .select_columns(&["id", "region"])
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut rows = Vec::new();
    for batch in batches {
        let ids = batch
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .clone();
        let regions = datafusion::arrow::compute::cast(batch.column(1), &DataType::Utf8).unwrap();
        let regions = regions.as_any().downcast_ref::<StringArray>().unwrap();
        for i in 0..batch.num_rows() {
            rows.push((ids.value(i), regions.value(i).to_string()));
        }
    }
    rows.sort();
    rows
}

/// Every data file the table's newest version names exists.
async fn referenced_files_exist(location: &str) {
    let table = deltas().open(location).await.unwrap();
    for uri in table.get_file_uris().unwrap() {
        let path = uri.strip_prefix("file://").unwrap_or(&uri).to_string();
        let path = percent_decode(&path);
        assert!(Path::new(&path).exists(), "{path} is missing");
    }
}

fn percent_decode(s: &str) -> String {
    url::Url::parse(&format!("file://{s}"))
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .map_or_else(|| s.to_string(), |p| p.display().to_string())
}

fn rows(ids: std::ops::Range<i64>, region: &str) -> Vec<Row> {
    ids.map(|i| (i, region.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_commit_one_version_each_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("t").display().to_string();
    write_rows(&location, &rows(0..3, "eu"), Change::Append)
        .await
        .unwrap();
    write_rows(&location, &rows(3..5, "us"), Change::Append)
        .await
        .unwrap();
    let table = deltas().open(&location).await.unwrap();
    assert_eq!(table.version(), Some(1));
    assert_eq!(
        read(&location).await,
        [rows(0..3, "eu"), rows(3..5, "us")].concat()
    );
    // Partitioned by region: one folder each.
    assert!(dir.path().join("t/region=eu").is_dir());
    assert!(dir.path().join("t/region=us").is_dir());

    write_rows(&location, &rows(9..10, "us"), Change::Replace)
        .await
        .unwrap();
    assert_eq!(read(&location).await, rows(9..10, "us"));
    referenced_files_exist(&location).await;
}

/// Each column's dictionary is chosen from the data: distinct ids are written plain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distinct_ids_are_written_plain() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("t").display().to_string();
    let all = rows(0..100_000, "eu");
    write_rows(&location, &all, Change::Append).await.unwrap();
    let data: Vec<String> = walk(&dir.path().join("t"))
        .into_iter()
        .filter(|f| f.ends_with(".parquet") && !f.contains("_delta_log"))
        .collect();
    assert!(!data.is_empty());
    for f in &data {
        let file = std::fs::File::open(f).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let id = reader.metadata().row_group(0).column(0);
        assert_eq!(id.column_path().string(), "id");
        assert!(
            !id.encodings().any(|e| e == Encoding::RLE_DICTIONARY),
            "{f}"
        );
    }
    assert_eq!(read(&location).await, all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_replace_is_refused_and_a_stale_append_reapplied() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("t").display().to_string();
    write_rows(&location, &rows(0..2, "eu"), Change::Append)
        .await
        .unwrap();
    let deltas = deltas();
    let ctx = SessionContext::new();
    let stale = deltas.open(&location).await.unwrap();
    let layout = Layout::of(&stale).unwrap();
    let store = stale.log_store().object_store(None);
    // Another writer commits first.
    write_rows(&location, &rows(2..3, "us"), Change::Append)
        .await
        .unwrap();

    let written = write::data_files(store.clone(), &layout, frame(&ctx, &rows(7..8, "eu")))
        .await
        .unwrap();
    let refused = write::commit(&stale, &written, Change::Replace, None).await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    write::delete(&store, &written.adds).await;
    assert_eq!(
        read(&location).await,
        [rows(0..2, "eu"), rows(2..3, "us")].concat()
    );

    let written = write::data_files(store, &layout, frame(&ctx, &rows(8..9, "eu")))
        .await
        .unwrap();
    write::commit(&stale, &written, Change::Append, None)
        .await
        .unwrap();
    assert_eq!(
        read(&location).await,
        [rows(0..2, "eu"), rows(2..3, "us"), rows(8..9, "eu")].concat()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncommitted_files_are_deleted_and_invisible() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("t").display().to_string();
    write_rows(&location, &rows(0..2, "eu"), Change::Append)
        .await
        .unwrap();
    let files = |dir: &Path| {
        walk(dir)
            .into_iter()
            .filter(|p| p.ends_with(".parquet"))
            .count()
    };
    let before = files(dir.path());
    let table = deltas().open(&location).await.unwrap();
    let store = table.log_store().object_store(None);
    let layout = Layout::of(&table).unwrap();
    let written = write::data_files(
        store.clone(),
        &layout,
        frame(&SessionContext::new(), &rows(5..9, "us")),
    )
    .await
    .unwrap();
    assert_eq!(written.rows, 4);
    assert!(files(dir.path()) > before);
    assert_eq!(read(&location).await, rows(0..2, "eu"));
    write::delete(&store, &written.adds).await;
    assert_eq!(files(dir.path()), before);
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_bin_packs_small_files_and_keeps_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("t").display().to_string();
    for i in 0..6 {
        write_rows(&location, &rows(i..i + 1, "eu"), Change::Append)
            .await
            .unwrap();
    }
    write_rows(&location, &rows(10..11, "us"), Change::Append)
        .await
        .unwrap();
    let deltas = deltas();
    let table = deltas.open(&location).await.unwrap();
    assert!(!maintenance::has_work(&table, 7).await.unwrap());
    assert!(maintenance::has_work(&table, 6).await.unwrap());
    let report = maintenance::compact(&deltas, &location, 6).await.unwrap();
    assert_eq!(report.files_compacted, 6);
    assert_eq!(report.files_written, 1);
    assert_eq!(
        read(&location).await,
        [rows(0..6, "eu"), rows(10..11, "us")].concat()
    );
    let table = deltas.open(&location).await.unwrap();
    assert_eq!(table.get_file_uris().unwrap().count(), 2);
    // Below the threshold: nothing to do.
    assert_eq!(
        maintenance::compact(&deltas, &location, 6).await.unwrap(),
        maintenance::CompactionReport::default()
    );
}

#[derive(Debug, Clone)]
enum Step {
    Append(Vec<Row>),
    Replace(Vec<Row>),
    Compact,
    Expire,
}

fn step() -> impl Strategy<Value = Step> {
    let row = (0i64..50, prop::sample::select(vec!["eu", "us", "apac"]))
        .prop_map(|(id, region)| (id, region.to_string()));
    prop_oneof![
        4 => prop::collection::vec(row.clone(), 1..5).prop_map(Step::Append),
        1 => prop::collection::vec(row, 1..5).prop_map(Step::Replace),
        2 => Just(Step::Compact),
        1 => Just(Step::Expire),
    ]
}

async fn run(steps: Vec<Step>) {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("t").display().to_string();
    let deltas = deltas();
    let mut model: Vec<Row> = Vec::new();
    for step in steps {
        let exists = deltas.exists(&location).await.unwrap();
        match step {
            Step::Append(new) => {
                write_rows(&location, &new, Change::Append).await.unwrap();
                model.extend(new);
            }
            Step::Replace(new) => {
                write_rows(&location, &new, Change::Replace).await.unwrap();
                model = new;
            }
            Step::Compact if exists => {
                maintenance::compact(&deltas, &location, 2).await.unwrap();
            }
            Step::Expire if exists => {
                maintenance::expire_versions(&deltas, &location, chrono::Utc::now(), 1, true)
                    .await
                    .unwrap();
            }
            _ => continue,
        }
        model.sort();
        assert_eq!(read(&location).await, model);
        referenced_files_exist(&location).await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 8,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn writes_compactions_and_expiry_never_lose_a_row_or_a_referenced_file(
        steps in prop::collection::vec(step(), 1..10),
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run(steps));
    }
}
