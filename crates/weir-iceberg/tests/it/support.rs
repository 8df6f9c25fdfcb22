//! A real catalog (SQLite metastore) and a warehouse in a temp dir; Iceberg tables of rows
//! `(id bigint, category string, payload string)`, written and read as jobs do.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema as ArrowSchema};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::SessionContext;
use futures::future::BoxFuture;
use futures::TryStreamExt;
use iceberg::arrow::{arrow_schema_to_schema, schema_to_arrow_schema};
use iceberg::spec::{
    DataFile, DataFileFormat, FormatVersion, ManifestListWriter, ManifestWriterBuilder,
    NestedField, Operation, PrimitiveType, Schema, Snapshot, SnapshotReference, SnapshotRetention,
    Summary, Transform, Type, UnboundPartitionSpec, MAIN_BRANCH,
};
use iceberg::table::Table;
use iceberg::writer::base_writer::equality_delete_writer::{
    EqualityDeleteFileWriterBuilder, EqualityDeleteWriterConfig,
};
use iceberg::writer::file_writer::location_generator::{
    DefaultFileNameGenerator, DefaultLocationGenerator,
};
use iceberg::writer::file_writer::rolling_writer::RollingFileWriterBuilder;
use iceberg::writer::file_writer::ParquetWriterBuilder;
use iceberg::writer::{IcebergWriter, IcebergWriterBuilder};
use iceberg::{NamespaceIdent, TableCreation, TableIdent, TableUpdate};
use iceberg_datafusion::IcebergStaticTableProvider;
use serde_json::Value;
use weir_engine::catalog::{AtomicFuture, CatalogClient, CatalogFuture};
use weir_engine::stores::StoreSettings;
use weir_iceberg::{namespaces, write, Tables};
use weir_jobs::catalog_client::ServiceCatalog;

pub const NAMESPACE: &str = "db";

/// A catalog, a warehouse, and a session to read and write rows.
pub struct Env {
    pub client: ServiceCatalog,
    pub tables: Tables,
    pub ctx: SessionContext,
    _dir: tempfile::TempDir,
}

/// A table's layout: partitioned by `category` or not, and its format version.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub partitioned: bool,
    pub format: FormatVersion,
}

/// One row: `(id, category, payload)`.
pub type Row = (i64, String, String);

impl Env {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/metastore.db", dir.path().display());
        let store = weir_metastore::Metastore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let identity = weir_catalog::CatalogIdentity {
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
        };
        let catalog = weir_catalog::Catalog::new(
            store,
            identity,
            weir_catalog::SecretBox::new(&[7u8; 32]),
            Arc::new(weir_catalog::SystemClock),
        );
        let warehouse = format!("file://{}/warehouse", dir.path().display());
        let env = Env {
            client: ServiceCatalog::new(catalog),
            tables: Tables::new(&StoreSettings::default(), warehouse),
            ctx: SessionContext::new(),
            _dir: dir,
        };
        namespaces::create(
            &env.client,
            &NamespaceIdent::new(NAMESPACE.into()),
            HashMap::new(),
        )
        .await
        .unwrap();
        env
    }

    /// Creates a table of rows `(id, category, payload)`.
    pub async fn create(&self, name: &str, layout: Layout) -> TableIdent {
        let schema = Schema::builder()
            .with_fields(vec![
                NestedField::required(1, "id", Type::Primitive(PrimitiveType::Long)).into(),
                NestedField::optional(2, "category", Type::Primitive(PrimitiveType::String)).into(),
                NestedField::optional(3, "payload", Type::Primitive(PrimitiveType::String)).into(),
            ])
            .build()
            .unwrap();
        let mut spec = UnboundPartitionSpec::builder().with_spec_id(0);
        if layout.partitioned {
            spec = spec
                .add_partition_field(2, "category", Transform::Identity)
                .unwrap();
        }
        let namespace = NamespaceIdent::new(NAMESPACE.into());
        let creation = TableCreation::builder()
            .name(name.to_string())
            .schema(schema)
            .partition_spec(spec.build())
            .format_version(layout.format)
            .build();
        self.tables
            .create(&self.client, &namespace, creation)
            .await
            .unwrap();
        TableIdent::new(namespace, name.to_string())
    }

    pub async fn load(&self, ident: &TableIdent) -> Table {
        self.tables.load(&self.client, ident).await.unwrap().table
    }

    /// Appends the rows as one snapshot (one data file per partition): the table after it.
    pub async fn append(&self, ident: &TableIdent, rows: &[Row]) -> Table {
        append_with(&self.tables, &self.client, &self.ctx, ident, rows).await
    }

    /// Every file under the table's location, as `file://` paths.
    pub fn files_on_disk(&self, table: &Table) -> BTreeSet<String> {
        let root = local_path(table.metadata().location());
        let mut files = BTreeSet::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.insert(path.display().to_string());
                }
            }
        }
        files
    }

    /// Every file the table's metadata reaches, as local paths.
    pub async fn reachable(&self, table: &Table) -> BTreeSet<String> {
        weir_iceberg::files::reach(table)
            .await
            .unwrap()
            .all()
            .iter()
            .map(|f| local_path(f).display().to_string())
            .collect()
    }
}

/// Deletes the rows with these ids as a merge-on-read writer does: one equality delete file
/// (on `id`), in a `delete` snapshot that adds one delete manifest to the current ones.
pub async fn delete_ids(env: &Env, ident: &TableIdent, ids: &[i64]) -> Table {
    let table = env.load(ident).await;
    let metadata = table.metadata();
    let io = table.file_io();
    let deletes = equality_deletes(&table, ids).await;
    let parent = metadata.current_snapshot().unwrap();
    let snapshot_id = parent.snapshot_id() + 1;
    let sequence_number = metadata.next_sequence_number();
    let dir = format!("{}/metadata", metadata.location());
    let output = io
        .new_output(format!("{dir}/deletes-{snapshot_id}.avro"))
        .unwrap();
    let spec = metadata.default_partition_spec().as_ref().clone();
    let mut manifest = ManifestWriterBuilder::new(
        output,
        Some(snapshot_id),
        metadata.current_schema().clone(),
        spec,
    )
    .build_v2_deletes();
    for file in deletes {
        manifest.add_file(file, sequence_number).unwrap();
    }
    let mut manifests = table
        .manifest_list_reader(parent)
        .load()
        .await
        .unwrap()
        .consume_entries()
        .into_iter()
        .collect::<Vec<_>>();
    manifests.push(manifest.write_manifest_file().await.unwrap());
    let list_path = format!("{dir}/snap-{snapshot_id}-deletes.avro");
    let output = io.new_output(&list_path).unwrap().writer().await.unwrap();
    let mut list = ManifestListWriter::v2(
        output,
        snapshot_id,
        Some(parent.snapshot_id()),
        sequence_number,
    );
    list.add_manifests(manifests.into_iter()).unwrap();
    list.close().await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let snapshot = Snapshot::builder()
        .with_snapshot_id(snapshot_id)
        .with_parent_snapshot_id(Some(parent.snapshot_id()))
        .with_sequence_number(sequence_number)
        .with_timestamp_ms(now)
        .with_manifest_list(list_path)
        .with_summary(Summary {
            operation: Operation::Delete,
            additional_properties: HashMap::new(),
        })
        .with_schema_id(metadata.current_schema_id())
        .build();
    let reference =
        SnapshotReference::new(snapshot_id, SnapshotRetention::branch(None, None, None));
    let updates = vec![
        TableUpdate::AddSnapshot { snapshot },
        TableUpdate::SetSnapshotRef {
            ref_name: MAIN_BRANCH.to_string(),
            reference,
        },
    ];
    env.tables
        .commit(&env.client, ident, &[], updates)
        .await
        .unwrap()
}

/// An equality delete file of the ids (the table must be unpartitioned).
async fn equality_deletes(table: &Table, ids: &[i64]) -> Vec<DataFile> {
    let metadata = table.metadata();
    let schema = metadata.current_schema().clone();
    let config = EqualityDeleteWriterConfig::new(vec![1], schema.clone()).unwrap();
    let delete_schema = arrow_schema_to_schema(config.projected_arrow_schema_ref()).unwrap();
    let parquet =
        ParquetWriterBuilder::new(WriterProperties::builder().build(), Arc::new(delete_schema));
    let rolling = RollingFileWriterBuilder::new_with_default_file_size(
        parquet,
        table.file_io().clone(),
        DefaultLocationGenerator::new(metadata).unwrap(),
        DefaultFileNameGenerator::new("deletes".into(), None, DataFileFormat::Parquet),
    );
    let mut writer = EqualityDeleteFileWriterBuilder::new(rolling, config)
        .build(None)
        .await
        .unwrap();
    let arrow = Arc::new(schema_to_arrow_schema(&schema).unwrap());
    let nulls: ArrayRef = Arc::new(StringArray::from(vec![None::<&str>; ids.len()]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids.to_vec())),
        nulls.clone(),
        nulls,
    ];
    writer
        .write(RecordBatch::try_new(arrow, columns).unwrap())
        .await
        .unwrap();
    writer.close().await.unwrap()
}

/// Appends through any catalog client (the tests' interleaved writer uses the plain one).
pub async fn append_with(
    tables: &Tables,
    client: &dyn CatalogClient,
    ctx: &SessionContext,
    ident: &TableIdent,
    rows: &[Row],
) -> Table {
    let table = tables.load(client, ident).await.unwrap().table;
    let input = ctx.read_batch(batch(rows)).unwrap();
    let input = write::conform(input, table.metadata(), ident.name()).unwrap();
    let written = write::data_files(table.file_io(), table.metadata(), input)
        .await
        .unwrap();
    write::append(tables, client, &table, written.files)
        .await
        .unwrap()
}

fn batch(rows: &[Row]) -> RecordBatch {
    let schema = Arc::new(ArrowSchema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("category", DataType::Utf8, true),
        Field::new("payload", DataType::Utf8, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.1))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.2))),
    ];
    RecordBatch::try_new(schema, columns).unwrap()
}

/// `count` rows of `category`, ids from `first`.
pub fn rows(first: i64, count: usize, category: &str) -> Vec<Row> {
    (first..)
        .take(count)
        .map(|id| (id, category.to_string(), format!("payload of row {id}")))
        .collect()
}

/// The table's rows (at a snapshot, else its current one), each as `id|category|payload`,
/// sorted.
pub async fn read(ctx: &SessionContext, table: &Table, snapshot: Option<i64>) -> Vec<String> {
    let provider = match snapshot {
        Some(id) => IcebergStaticTableProvider::try_new_from_table_snapshot(table.clone(), id)
            .await
            .unwrap(),
        None => IcebergStaticTableProvider::try_new_from_table(table.clone())
            .await
            .unwrap(),
    };
    let batches = ctx
        .read_table(Arc::new(provider))
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut out = Vec::new();
    for batch in batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &FormatOptions::default()).unwrap())
            .collect();
        for i in 0..batch.num_rows() {
            let fields: Vec<String> = formatters.iter().map(|f| f.value(i).to_string()).collect();
            out.push(fields.join("|"));
        }
    }
    out.sort();
    out
}

/// The rows as [`read`] shows them.
pub fn shown(rows: &[Row]) -> Vec<String> {
    let mut out: Vec<String> = rows
        .iter()
        .map(|(id, category, payload)| format!("{id}|{category}|{payload}"))
        .collect();
    out.sort();
    out
}

/// A data file of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileInfo {
    /// The partition's path (`category=a`), empty when unpartitioned.
    pub partition: String,
    pub path: String,
    pub size: u64,
    pub records: u64,
}

/// The data files of the current snapshot (all of the default partition spec), sorted by
/// partition.
pub async fn data_files(table: &Table) -> Vec<FileInfo> {
    let Some(snapshot) = table.metadata().current_snapshot_id() else {
        return Vec::new();
    };
    let schema = table.metadata().current_schema().clone();
    let spec = table.metadata().default_partition_spec();
    let tasks: Vec<_> = table
        .scan()
        .snapshot_id(snapshot)
        .build()
        .unwrap()
        .plan_files()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut files: Vec<FileInfo> = tasks
        .into_iter()
        .map(|t| FileInfo {
            partition: t
                .partition
                .map(|value| spec.partition_to_path(&value, schema.clone()))
                .unwrap_or_default(),
            path: t.data_file_path,
            size: t.file_size_in_bytes,
            records: t.record_count.unwrap_or_default(),
        })
        .collect();
    files.sort();
    files
}

/// How many data files each partition has.
pub fn per_partition(files: &[FileInfo]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for f in files {
        *counts.entry(f.partition.clone()).or_default() += 1;
    }
    counts
}

/// A `file://` URL (or a plain path) as a local path.
pub fn local_path(location: &str) -> PathBuf {
    match url::Url::parse(location) {
        Ok(url) if url.scheme() == "file" => url.to_file_path().unwrap(),
        _ => PathBuf::from(location),
    }
}

/// A catalog client that runs `hook` once, just before the first `UpdateTable` goes through:
/// another writer committing between a reader's load and its commit.
pub struct Interleaved<'a> {
    pub inner: &'a dyn CatalogClient,
    pub hook: Mutex<Option<BoxFuture<'a, ()>>>,
}

impl CatalogClient for Interleaved<'_> {
    fn call<'a>(&'a self, operation: &'a str, request: Value) -> CatalogFuture<'a> {
        Box::pin(async move {
            if operation == "UpdateTable" {
                let hook = self.hook.lock().unwrap().take();
                if let Some(hook) = hook {
                    hook.await;
                }
            }
            self.inner.call(operation, request).await
        })
    }

    fn call_atomic<'a>(&'a self, calls: Vec<(String, Value)>) -> AtomicFuture<'a> {
        self.inner.call_atomic(calls)
    }
}
