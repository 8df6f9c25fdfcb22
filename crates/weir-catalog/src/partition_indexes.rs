//! Partition indexes: CreatePartitionIndex, GetPartitionIndexes, DeletePartitionIndex.
//!
//! As in Glue, an index is created `CREATING` and filled in the background, chunk by chunk,
//! each chunk its own short transaction, so writers are never held up for long and a large
//! table does not time the call out. Partitions written meanwhile get index rows at once. When
//! full the index turns `ACTIVE`, and only then does `GetPartitions` read through it. A build
//! interrupted by a stop resumes when the service starts again
//! ([`Catalog::resume_index_builds`]); one that fails turns `FAILED`.

use serde_json::{json, Value};
use weir_metastore::partitions::{self, IndexedKey};
use weir_metastore::{tables, Tx};
use weir_model::{GlueError, Result};

use crate::names;
use crate::partitions::{indexed_keys, partitioned_table};
use crate::request::Req;
use crate::Catalog;

/// Glue allows at most this many partition indexes per table.
const MAX_INDEXES: usize = 3;

/// Partition-key types an index can be built on.
const INDEXABLE_TYPES: &[&str] = &[
    "string", "char", "varchar", "date", "int", "integer", "bigint", "long", "smallint", "tinyint",
];

fn base_type(type_name: &str) -> String {
    type_name
        .split('(')
        .next()
        .unwrap_or_default()
        .trim()
        .to_lowercase()
}

pub(crate) const INDEX_CREATING: &str = "CREATING";
pub(crate) const INDEX_ACTIVE: &str = "ACTIVE";
pub(crate) const INDEX_FAILED: &str = "FAILED";

/// Partitions filled per backfill transaction.
const BACKFILL_CHUNK: i64 = 5000;

/// A recorded index whose rows are still to be filled.
pub(crate) struct IndexBuild {
    table_id: i64,
    name: String,
    /// Keys no other active index covers yet.
    keys: Vec<IndexedKey>,
}

impl Catalog {
    /// Validates a `PartitionIndex` and records it as `CREATING`; the caller starts the
    /// returned build once its transaction has committed.
    pub(crate) async fn add_partition_index(
        &self,
        tx: &mut Tx,
        table_id: i64,
        table_doc: &Value,
        index: Req<'_>,
    ) -> Result<IndexBuild> {
        let name = index.str("IndexName")?;
        let keys = index.strings("Keys");
        let partition_keys = names::partition_keys(table_doc);
        let existing = partitions::list_indexes(tx, table_id).await?;
        if existing.iter().any(|i| i.name == name) {
            return Err(GlueError::already_exists(format!(
                "Partition index {name} already exists."
            )));
        }
        if existing.len() >= MAX_INDEXES {
            return Err(GlueError::limit_exceeded(format!(
                "A table can have at most {MAX_INDEXES} partition indexes; it has {}",
                existing.len()
            )));
        }
        for key in &keys {
            let pos = partition_keys
                .iter()
                .position(|k| k.name.eq_ignore_ascii_case(key))
                .ok_or_else(|| {
                    GlueError::invalid_input(format!(
                        "PartitionIndex.Keys: '{key}' is not a partition key of the table"
                    ))
                })?;
            let type_name = &partition_keys[pos].type_name;
            if !INDEXABLE_TYPES.contains(&base_type(type_name).as_str()) {
                return Err(GlueError::invalid_input(format!(
                    "PartitionIndex.Keys: key '{key}' has type {type_name}; indexes support {}",
                    INDEXABLE_TYPES.join(", ")
                )));
            }
        }
        partitions::insert_index(tx, table_id, name, &keys, INDEX_CREATING).await?;
        let index = partitions::PartitionIndexRow {
            name: name.to_string(),
            keys,
            status: INDEX_CREATING.into(),
        };
        Ok(self.index_build(table_id, table_doc, &existing, &index))
    }

    /// What a build of `index` has to fill: its keys that no active index covers.
    fn index_build(
        &self,
        table_id: i64,
        table_doc: &Value,
        others: &[partitions::PartitionIndexRow],
        index: &partitions::PartitionIndexRow,
    ) -> IndexBuild {
        let keys = names::partition_keys(table_doc);
        let covered = indexed_keys(
            &keys,
            others
                .iter()
                .filter(|i| i.status == INDEX_ACTIVE && i.name != index.name),
        );
        let keys = indexed_keys(&keys, std::iter::once(index))
            .into_iter()
            .filter(|k| !covered.contains(k))
            .collect();
        IndexBuild {
            table_id,
            name: index.name.clone(),
            keys,
        }
    }

    /// Fills the index in the background, then marks it `ACTIVE` (or `FAILED`). Called once the
    /// transaction that recorded the index has committed; inside an atomic group, that is when
    /// the group commits, so the build is kept until then (and dropped if the group rolls back).
    ///
    /// The build runs outside any group: its chunks are transactions of their own.
    pub(crate) fn start_index_build(&self, build: IndexBuild) {
        if let Some(group) = self.group() {
            group.defer_build(build);
            return;
        }
        let catalog = self.clone();
        tokio::spawn(async move {
            if let Err(e) = catalog.build_index(&build).await {
                tracing::error!(table_id = build.table_id, index = %build.name, error = %e, "partition index build failed");
                if let Ok(mut tx) = catalog.store.write().await {
                    let failed = partitions::set_index_status(
                        &mut tx,
                        build.table_id,
                        &build.name,
                        INDEX_FAILED,
                    )
                    .await;
                    if failed.is_ok() {
                        let _ = tx.commit().await;
                    }
                }
            }
        });
    }

    async fn build_index(&self, build: &IndexBuild) -> Result<()> {
        for key in &build.keys {
            let mut after = 0;
            loop {
                let mut tx = self.store.write().await?;
                if !index_exists(&mut tx, build).await? {
                    return Ok(()); // deleted (or its table dropped) meanwhile
                }
                match partitions::backfill_index_chunk(
                    &mut tx,
                    build.table_id,
                    key,
                    after,
                    BACKFILL_CHUNK,
                )
                .await?
                {
                    Some(last) => after = last,
                    None => break,
                }
                tx.commit().await?;
            }
        }
        let mut tx = self.store.write().await?;
        partitions::set_index_status(&mut tx, build.table_id, &build.name, INDEX_ACTIVE).await?;
        tx.commit().await?;
        tracing::info!(table_id = build.table_id, index = %build.name, "partition index is active");
        Ok(())
    }

    /// Restarts the builds of indexes left `CREATING` by a stop; returns how many.
    pub async fn resume_index_builds(&self) -> Result<usize> {
        let mut tx = self.store.read().await?;
        let mut builds = Vec::new();
        for (table_id, name) in partitions::indexes_in_status(&mut tx, INDEX_CREATING).await? {
            let Some(table) = tables::get_by_id(&mut tx, table_id).await? else {
                continue;
            };
            let indexes = partitions::list_indexes(&mut tx, table_id).await?;
            if let Some(index) = indexes.iter().find(|i| i.name == name) {
                builds.push(self.index_build(table_id, &table.doc, &indexes, index));
            }
        }
        drop(tx);
        let count = builds.len();
        for build in builds {
            self.start_index_build(build);
        }
        Ok(count)
    }

    pub(crate) async fn create_partition_index(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let (_, table) =
            names::table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let build = self
            .add_partition_index(&mut tx, table.id, &table.doc, req.nested("PartitionIndex")?)
            .await?;
        tx.commit().await?;
        self.start_index_build(build);
        Ok(json!({}))
    }

    pub(crate) async fn get_partition_indexes(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.read().await?;
        let (_, table) =
            names::table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let partition_keys = names::partition_keys(&table.doc);
        let list: Vec<Value> = partitions::list_indexes(&mut tx, table.id)
            .await?
            .into_iter()
            .map(|index| {
                let keys: Vec<Value> = index
                    .keys
                    .iter()
                    .map(|k| {
                        let type_name = partition_keys
                            .iter()
                            .find(|p| p.name.eq_ignore_ascii_case(k))
                            .map(|p| p.type_name.clone());
                        json!({ "Name": k, "Type": type_name.unwrap_or_else(|| "string".into()) })
                    })
                    .collect();
                json!({ "IndexName": index.name, "Keys": keys, "IndexStatus": index.status })
            })
            .collect();
        Ok(json!({ "PartitionIndexDescriptorList": list }))
    }

    pub(crate) async fn delete_partition_index(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let name = req.str("IndexName")?;
        if !partitions::delete_index(&mut tx, t.table.id, name).await? {
            return Err(GlueError::not_found(format!(
                "Partition index {name} not found."
            )));
        }
        let still = partitioned_table(&mut tx, &t.database, &t.table.name)
            .await?
            .indexed;
        for key in t.indexed.iter().filter(|k| !still.contains(k)) {
            partitions::drop_index_values(&mut tx, t.table.id, key.key_pos).await?;
        }
        tx.commit().await?;
        Ok(json!({}))
    }
}

async fn index_exists(tx: &mut Tx, build: &IndexBuild) -> Result<bool> {
    let indexes = partitions::list_indexes(tx, build.table_id).await?;
    Ok(indexes.iter().any(|i| i.name == build.name))
}
