//! Compaction: small files rewritten per partition into fewer, larger ones in one `replace`
//! snapshot, the rows unchanged, history readable, a lost race leaving nothing behind; and
//! `replace_files`, the snapshot it commits.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use iceberg::spec::{FormatVersion, Operation};
use iceberg::table::Table;
use iceberg::TableIdent;
use proptest::prelude::*;
use weir_iceberg::maintenance::compaction::{compact, CompactionOptions, CompactionReport};
use weir_iceberg::maintenance::ordering::Strategy as Order;
use weir_iceberg::maintenance::rewrite::{discard, replace_files};
use weir_iceberg::Error;

use crate::support::{
    append_with, data_files, delete_ids, local_path, per_partition, read, rows, shown, Env,
    Interleaved, Layout, Row,
};

const PARTITIONED: Layout = Layout {
    partitioned: true,
    format: FormatVersion::V2,
};

/// 1 MiB files: every file the tests write is small.
fn options(min_input_files: usize) -> CompactionOptions {
    CompactionOptions {
        target_file_size: 1024 * 1024,
        min_input_files,
        small_file_threshold: 768 * 1024,
        strategy: Order::BinPack,
    }
}

/// The current snapshot's summary properties; asserts its operation and parent.
fn summary(table: &Table, operation: Operation, parent: i64) -> HashMap<String, String> {
    let snapshot = table.metadata().current_snapshot().unwrap();
    assert_eq!(snapshot.summary().operation, operation);
    assert_eq!(snapshot.parent_snapshot_id(), Some(parent));
    snapshot.summary().additional_properties.clone()
}

fn number(summary: &HashMap<String, String>, key: &str) -> u64 {
    summary
        .get(key)
        .unwrap_or_else(|| panic!("summary has no {key}: {summary:?}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacts_each_partition_into_fewer_larger_files() {
    let env = Env::new().await;
    let ident = env.create("events", PARTITIONED).await;
    let mut all: Vec<Row> = Vec::new();
    let mut first = None;
    for i in 0..8 {
        let mut batch = rows(i * 100, 10, "a");
        batch.extend(rows(i * 100 + 10, 10, "b"));
        if i < 2 {
            batch.extend(rows(i * 100 + 20, 3, "c"));
        }
        let table = env.append(&ident, &batch).await;
        first = first.or(table
            .metadata()
            .current_snapshot_id()
            .map(|id| (id, batch.clone())));
        all.extend(batch);
    }
    let before_table = env.load(&ident).await;
    let before_snapshot = before_table.metadata().current_snapshot().unwrap().clone();
    let before = data_files(&before_table).await;
    let expected: HashMap<String, usize> =
        [("category=a", 8), ("category=b", 8), ("category=c", 2)]
            .map(|(p, n)| (p.to_string(), n))
            .into();
    assert_eq!(per_partition(&before), expected);

    let report = compact(&env.tables, &env.client, &ident, &options(5))
        .await
        .unwrap();

    let table = env.load(&ident).await;
    let after = data_files(&table).await;
    let expected: HashMap<String, usize> =
        [("category=a", 1), ("category=b", 1), ("category=c", 2)]
            .map(|(p, n)| (p.to_string(), n))
            .into();
    assert_eq!(per_partition(&after), expected);
    let in_partition =
        |files: &[crate::support::FileInfo], p: &str| -> Vec<crate::support::FileInfo> {
            files.iter().filter(|f| f.partition == p).cloned().collect()
        };
    // Under min_input_files: the very same files.
    assert_eq!(
        in_partition(&after, "category=c"),
        in_partition(&before, "category=c")
    );
    for p in ["category=a", "category=b"] {
        let old = in_partition(&before, p);
        let new = in_partition(&after, p);
        assert!(new[0].size > old.iter().map(|f| f.size).max().unwrap());
        assert_eq!(new[0].records, 80);
    }
    let compacted: Vec<_> = before
        .iter()
        .filter(|f| f.partition != "category=c")
        .collect();
    let new_bytes: u64 = after
        .iter()
        .filter(|f| f.partition != "category=c")
        .map(|f| f.size)
        .sum();
    assert_eq!(
        report,
        CompactionReport {
            files_compacted: 16,
            bytes_compacted: compacted.iter().map(|f| f.size).sum(),
            files_written: 2,
            snapshot_id: table.metadata().current_snapshot_id(),
        }
    );

    // The same rows.
    assert_eq!(read(&env.ctx, &table, None).await, shown(&all));

    // One `replace` snapshot with Iceberg's counts and totals.
    let snapshot = table.metadata().current_snapshot().unwrap();
    assert_eq!(
        snapshot.sequence_number(),
        before_snapshot.sequence_number() + 1
    );
    let s = summary(&table, Operation::Replace, before_snapshot.snapshot_id());
    assert_eq!(number(&s, "added-data-files"), 2);
    assert_eq!(number(&s, "deleted-data-files"), 16);
    assert_eq!(number(&s, "added-records"), 160);
    assert_eq!(number(&s, "deleted-records"), 160);
    assert_eq!(number(&s, "total-records"), all.len() as u64);
    assert_eq!(number(&s, "total-data-files"), 4);
    assert_eq!(number(&s, "added-files-size"), new_bytes);
    assert_eq!(number(&s, "removed-files-size"), report.bytes_compacted);
    assert_eq!(
        number(&s, "total-files-size"),
        after.iter().map(|f| f.size).sum::<u64>()
    );
    assert_eq!(number(&s, "changed-partition-count"), 2);

    // Time travel: older snapshots still read their rows, from their files.
    let (first_id, first_rows) = first.unwrap();
    assert_eq!(
        read(&env.ctx, &table, Some(first_id)).await,
        shown(&first_rows)
    );
    assert_eq!(
        read(&env.ctx, &table, Some(before_snapshot.snapshot_id())).await,
        shown(&all)
    );
    assert!(before.iter().all(|f| local_path(&f.path).exists()));
}

/// Unpartitioned tables, in format versions 1 and 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compacts_unpartitioned_tables_of_both_format_versions() {
    for format in [FormatVersion::V1, FormatVersion::V2] {
        let env = Env::new().await;
        let layout = Layout {
            partitioned: false,
            format,
        };
        let ident = env.create("logs", layout).await;
        let mut all = Vec::new();
        for i in 0..6 {
            let batch = rows(i * 10, 10, ["x", "y"][i as usize % 2]);
            env.append(&ident, &batch).await;
            all.extend(batch);
        }
        let before = env.load(&ident).await;
        let parent = before.metadata().current_snapshot_id().unwrap();
        assert_eq!(data_files(&before).await.len(), 6);

        let report = compact(&env.tables, &env.client, &ident, &options(5))
            .await
            .unwrap();

        let table = env.load(&ident).await;
        let files = data_files(&table).await;
        assert_eq!(files.len(), 1, "{format:?}");
        assert_eq!(files[0].records, 60);
        assert_eq!((report.files_compacted, report.files_written), (6, 1));
        assert_eq!(read(&env.ctx, &table, None).await, shown(&all));
        assert_eq!(read(&env.ctx, &table, Some(parent)).await, shown(&all));
        let s = summary(&table, Operation::Replace, parent);
        assert_eq!(number(&s, "deleted-data-files"), 6);
        assert_eq!(number(&s, "total-data-files"), 1);
        assert_eq!(number(&s, "total-records"), 60);
    }
}

/// A small target rolls the output into several files, each about the target size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_rolls_at_the_target_size() {
    let env = Env::new().await;
    let ident = env
        .create(
            "wide",
            Layout {
                partitioned: false,
                format: FormatVersion::V2,
            },
        )
        .await;
    let mut all = Vec::new();
    for i in 0..10 {
        let batch: Vec<Row> = (i * 2000..(i + 1) * 2000)
            .map(|id| {
                (
                    id,
                    "w".to_string(),
                    format!("{:x}", (id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                )
            })
            .collect();
        env.append(&ident, &batch).await;
        all.extend(batch);
    }
    let before = data_files(&env.load(&ident).await).await;
    let largest_input = before.iter().map(|f| f.size).max().unwrap();
    let target = largest_input * 3;
    let options = CompactionOptions {
        min_input_files: 5,
        ..CompactionOptions::with_target_file_size(target)
    };
    let report = compact(&env.tables, &env.client, &ident, &options)
        .await
        .unwrap();
    let table = env.load(&ident).await;
    let after = data_files(&table).await;
    assert_eq!(report.files_compacted, 10);
    assert!(after.len() > 1 && after.len() < 10, "{after:?}");
    assert_eq!(after.len() as u64, report.files_written);
    // The group is rewritten in parts of about the target's worth of input, each by its own
    // writer, which rolls its file once its estimate of the bytes written (compressed pages,
    // and the rows buffered uncompressed) reaches the target: no file exceeds it, and every
    // part wrote at least one.
    let input: u64 = before.iter().map(|f| f.size).sum();
    let parts = input.div_ceil(target) as usize;
    assert!(
        after.iter().all(|f| f.size <= target) && after.len() >= parts,
        "target {target}, {parts} parts: {after:?}"
    );
    assert_eq!(read(&env.ctx, &table, None).await, shown(&all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_to_do_commits_nothing() {
    let env = Env::new().await;
    let ident = env.create("quiet", PARTITIONED).await;
    let empty = compact(&env.tables, &env.client, &ident, &options(5))
        .await
        .unwrap();
    assert_eq!(empty, CompactionReport::default());
    for i in 0..4 {
        env.append(&ident, &rows(i * 10, 5, "a")).await;
    }
    let before = env.load(&ident).await;
    // Four small files where five are needed; two needed, but no file is below 1 byte.
    let few = compact(&env.tables, &env.client, &ident, &options(5))
        .await
        .unwrap();
    let large = CompactionOptions {
        small_file_threshold: 1,
        ..options(2)
    };
    let none_small = compact(&env.tables, &env.client, &ident, &large)
        .await
        .unwrap();
    assert_eq!(few, CompactionReport::default());
    assert_eq!(none_small, CompactionReport::default());
    let after = env.load(&ident).await;
    assert_eq!(after.metadata().snapshots().len(), 4);
    assert_eq!(
        after.metadata().current_snapshot_id(),
        before.metadata().current_snapshot_id()
    );
}

/// Files that deletes apply to are left as they are; the delete manifest is carried over
/// untouched, and the deleted rows stay deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_are_applied_by_the_rewrite() {
    let env = Env::new().await;
    let layout = Layout {
        partitioned: false,
        format: FormatVersion::V2,
    };
    let ident = env.create("deleted", layout).await;
    let mut all = Vec::new();
    for i in 0..10 {
        if i == 5 {
            delete_ids(&env, &ident, &[3, 17]).await;
            all.retain(|r: &Row| r.0 != 3 && r.0 != 17);
        }
        let batch = rows(i * 10, 10, "d");
        env.append(&ident, &batch).await;
        all.extend(batch);
    }
    let before = env.load(&ident).await;
    assert_eq!(read(&env.ctx, &before, None).await, shown(&all));

    let report = compact(&env.tables, &env.client, &ident, &options(5))
        .await
        .unwrap();

    // All ten files, the deleted rows left out of the one written.
    assert_eq!((report.files_compacted, report.files_written), (10, 1));
    let table = env.load(&ident).await;
    let after = data_files(&table).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].records, 98);
    assert_eq!(read(&env.ctx, &table, None).await, shown(&all));
    // The delete file stays (older snapshots need it) and no longer applies.
    assert_eq!(delete_manifests(&table).await.len(), 1);
    let before_rows = read(&env.ctx, &table, before.metadata().current_snapshot_id()).await;
    assert_eq!(before_rows, shown(&all));

    // A later delete applies to the rewritten file as to any other.
    delete_ids(&env, &ident, &[42]).await;
    all.retain(|r: &Row| r.0 != 42);
    let table = env.load(&ident).await;
    assert_eq!(read(&env.ctx, &table, None).await, shown(&all));
}

async fn delete_manifests(table: &Table) -> Vec<iceberg::spec::ManifestFile> {
    let snapshot = table.metadata().current_snapshot().unwrap();
    let list = table.manifest_list_reader(snapshot).load().await.unwrap();
    list.consume_entries()
        .into_iter()
        .filter(|m| m.content == iceberg::spec::ManifestContentType::Deletes)
        .collect()
}

/// Another append commits between compaction's read and its commit: the compaction fails, the
/// append stays, and no file compaction wrote is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compaction_that_loses_a_race_fails_and_leaves_nothing_behind() {
    let env = Env::new().await;
    let ident = env.create("raced", PARTITIONED).await;
    let mut all = Vec::new();
    for i in 0..6 {
        let batch = rows(i * 10, 5, "a");
        env.append(&ident, &batch).await;
        all.extend(batch);
    }
    let late = rows(1000, 3, "a");
    let before = env.load(&ident).await;
    assert_eq!(env.files_on_disk(&before), env.reachable(&before).await);

    let interleaved = Interleaved {
        inner: &env.client,
        hook: Mutex::new(Some(Box::pin(async {
            append_with(&env.tables, &env.client, &env.ctx, &ident, &late).await;
        }))),
    };
    let error = compact(&env.tables, &interleaved, &ident, &options(5))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::CommitFailed(_)), "{error:?}");
    assert!(interleaved.hook.lock().unwrap().is_none(), "the append ran");

    all.extend(late.iter().cloned());
    let table = env.load(&ident).await;
    assert_eq!(read(&env.ctx, &table, None).await, shown(&all));
    assert_eq!(
        table
            .metadata()
            .current_snapshot()
            .unwrap()
            .summary()
            .operation,
        Operation::Append
    );
    assert_eq!(env.files_on_disk(&table), env.reachable(&table).await);

    // Run again, it compacts the append too.
    let report = compact(&env.tables, &env.client, &ident, &options(5))
        .await
        .unwrap();
    assert_eq!(report.files_compacted, 7);
    let table = env.load(&ident).await;
    assert_eq!(read(&env.ctx, &table, None).await, shown(&all));
}

/// `replace_files` on a snapshot that is no longer current: the commit is refused, and
/// `discard` deletes what it wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_files_of_a_stale_snapshot_is_refused() {
    let env = Env::new().await;
    let ident = env.create("stale", PARTITIONED).await;
    env.append(&ident, &rows(0, 5, "a")).await;
    let stale = env.load(&ident).await;
    env.append(&ident, &rows(10, 5, "a")).await;
    let removed: BTreeSet<String> = data_files(&stale)
        .await
        .into_iter()
        .map(|f| f.path)
        .collect();
    let (requirements, updates) = replace_files(
        &stale,
        &removed,
        Vec::new(),
        Operation::Delete,
        HashMap::new(),
    )
    .await
    .unwrap();
    let committed = env
        .tables
        .commit(&env.client, &ident, &requirements, updates.clone())
        .await;
    assert!(committed.is_err());
    discard(&stale, &updates).await;
    let table = env.load(&ident).await;
    assert_eq!(env.files_on_disk(&table), env.reachable(&table).await);
    assert_eq!(read(&env.ctx, &table, None).await.len(), 10);
}

/// Removing a file the snapshot does not have is refused before anything is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_an_unknown_file_is_refused() {
    let env = Env::new().await;
    let ident = env.create("unknown", PARTITIONED).await;
    let table = env.append(&ident, &rows(0, 5, "a")).await;
    let before = env.files_on_disk(&table);
    let removed = BTreeSet::from(["file:///nowhere/x.parquet".to_string()]);
    let error = replace_files(
        &table,
        &removed,
        Vec::new(),
        Operation::Delete,
        HashMap::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, Error::BadRequest(_)), "{error:?}");
    assert_eq!(env.files_on_disk(&table), before);
}

/// A step of the property test.
#[derive(Clone, Debug)]
enum Step {
    /// Rows per category (`a`, `b`, `c`), appended as one snapshot.
    Append(Vec<(usize, usize)>),
    Compact {
        min_input_files: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => prop::collection::vec((0usize..3, 1usize..4), 1..3).prop_map(Step::Append),
        1 => (2usize..4).prop_map(|min_input_files| Step::Compact { min_input_files }),
    ]
}

/// Runs the steps, checking after each that the table holds exactly the rows appended and
/// that every file its current snapshot lists exists (and that a compaction replaced as many
/// files as it says); at the end, that every snapshot still reads the rows it had.
async fn run(steps: Vec<Step>, partitioned: bool) {
    let env = Env::new().await;
    let layout = Layout {
        partitioned,
        format: FormatVersion::V2,
    };
    let ident: TableIdent = env.create("random", layout).await;
    let mut model: Vec<Row> = Vec::new();
    let mut history = Vec::new();
    let mut next = 0;
    for step in steps {
        match step {
            Step::Append(parts) => {
                let mut batch = Vec::new();
                for (category, count) in parts {
                    batch.extend(rows(next, count, ["a", "b", "c"][category]));
                    next += count as i64;
                }
                env.append(&ident, &batch).await;
                model.extend(batch);
            }
            Step::Compact { min_input_files } => {
                let before = data_files(&env.load(&ident).await).await.len() as u64;
                let report = compact(&env.tables, &env.client, &ident, &options(min_input_files))
                    .await
                    .unwrap();
                let after = data_files(&env.load(&ident).await).await.len() as u64;
                assert_eq!(
                    after,
                    before - report.files_compacted + report.files_written
                );
            }
        }
        let table = env.load(&ident).await;
        assert_eq!(read(&env.ctx, &table, None).await, shown(&model));
        for file in data_files(&table).await {
            assert!(local_path(&file.path).exists(), "{} is missing", file.path);
        }
        if let Some(id) = table.metadata().current_snapshot_id() {
            history.push((id, model.clone()));
        }
    }
    let table = env.load(&ident).await;
    for (id, rows) in history {
        assert_eq!(read(&env.ctx, &table, Some(id)).await, shown(&rows));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 8,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn appends_and_compactions_never_lose_or_duplicate_rows(
        steps in prop::collection::vec(step(), 1..10),
        partitioned in any::<bool>(),
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run(steps, partitioned));
    }
}

/// Gives the table a sort order on `columns` (ascending, nulls first).
async fn sort_by(env: &Env, ident: &TableIdent, columns: &[i32]) {
    use iceberg::spec::{NullOrder, SortDirection, SortField, SortOrder, Transform};
    use iceberg::TableUpdate;
    let table = env.load(ident).await;
    let mut order = SortOrder::builder();
    order.with_order_id(1);
    for &source_id in columns {
        order.with_sort_field(SortField {
            source_id,
            transform: Transform::Identity,
            direction: SortDirection::Ascending,
            null_order: NullOrder::First,
        });
    }
    let order = order.build(table.metadata().current_schema()).unwrap();
    env.tables
        .commit(
            &env.client,
            ident,
            &[],
            vec![
                TableUpdate::AddSortOrder { sort_order: order },
                TableUpdate::SetDefaultSortOrder { sort_order_id: -1 },
            ],
        )
        .await
        .unwrap();
}

/// The (id, category) of the table's one data file's rows, in the file's order.
async fn points_in_file_order(table: &Table) -> Vec<(i64, String)> {
    use datafusion::arrow::array::{Int64Array, StringArray};
    use futures::TryStreamExt;
    let batches: Vec<_> = table
        .scan()
        .select(["id", "category"])
        .build()
        .unwrap()
        .to_arrow()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut points = Vec::new();
    for b in &batches {
        let ids = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
        let categories = b.column(1).as_any().downcast_ref::<StringArray>().unwrap();
        for i in 0..b.num_rows() {
            points.push((ids.value(i), categories.value(i).to_string()));
        }
    }
    points
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sort_strategy_writes_rows_in_the_tables_sort_order() {
    let env = Env::new().await;
    let ident = env
        .create(
            "events",
            Layout {
                partitioned: false,
                format: FormatVersion::V2,
            },
        )
        .await;
    // Six small files, each in descending order, interleaving each other.
    let mut all: Vec<Row> = Vec::new();
    for i in 0..6 {
        let batch: Vec<Row> = (0..20)
            .rev()
            .map(|j| (j * 6 + i, "a".to_string(), format!("row {i}-{j}")))
            .collect();
        env.append(&ident, &batch).await;
        all.extend(batch);
    }
    let sorted = CompactionOptions {
        strategy: Order::Sort,
        ..options(2)
    };
    let refused = compact(&env.tables, &env.client, &ident, &sorted).await;
    assert!(
        matches!(&refused, Err(Error::BadRequest(m)) if m.contains("the table has none")),
        "{refused:?}"
    );

    sort_by(&env, &ident, &[1]).await;
    let report = compact(&env.tables, &env.client, &ident, &sorted)
        .await
        .unwrap();
    assert_eq!((report.files_compacted, report.files_written), (6, 1));
    let table = env.load(&ident).await;
    let ids: Vec<i64> = points_in_file_order(&table)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, (0..120).collect::<Vec<i64>>());
    assert_eq!(read(&env.ctx, &table, None).await, shown(&all));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_z_order_strategy_clusters_rows_close_in_every_sort_column() {
    let env = Env::new().await;
    let ident = env
        .create(
            "points",
            Layout {
                partitioned: false,
                format: FormatVersion::V2,
            },
        )
        .await;
    // A 16 x 16 grid of (id, category) points, categories `a` to `p`, written column by column
    // in four files.
    let letter = |y: u8| ((b'a' + y) as char).to_string();
    let mut all: Vec<Row> = Vec::new();
    for file in 0..4 {
        let batch: Vec<Row> = (file * 4..file * 4 + 4)
            .flat_map(|x| (0..16).map(move |y| (x, letter(y), format!("{x}:{y}"))))
            .collect();
        env.append(&ident, &batch).await;
        all.extend(batch);
    }
    sort_by(&env, &ident, &[1, 2]).await;
    let zorder = CompactionOptions {
        strategy: Order::ZOrder,
        ..options(2)
    };
    let report = compact(&env.tables, &env.client, &ident, &zorder)
        .await
        .unwrap();
    assert_eq!((report.files_compacted, report.files_written), (4, 1));
    let table = env.load(&ident).await;
    assert_eq!(read(&env.ctx, &table, None).await, shown(&all));
    // Along the curve each quarter of the rows is one quadrant of the grid (a sort by id
    // alone would make each quarter a band of four ids across every category).
    let points = points_in_file_order(&table).await;
    for quarter in points.chunks(64) {
        let quadrants: BTreeSet<(bool, bool)> = quarter
            .iter()
            .map(|(x, y)| (*x >= 8, y.as_str() >= "i"))
            .collect();
        assert_eq!(quadrants.len(), 1, "{quarter:?}");
    }
}
