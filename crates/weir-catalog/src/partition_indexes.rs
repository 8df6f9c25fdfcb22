//! Partition indexes: CreatePartitionIndex, GetPartitionIndexes, DeletePartitionIndex.
//!
//! An index is built synchronously (its rows are filled in the creating transaction), so it is
//! `ACTIVE` as soon as the call returns and `GetPartitions` uses it from then on.

use serde_json::{json, Value};
use weir_metastore::partitions::{self, IndexedKey};
use weir_metastore::Tx;
use weir_model::{GlueError, Result};

use crate::names;
use crate::partitions::partitioned_table;
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

impl Catalog {
    /// Adds an index (a `PartitionIndex` shape) to a table and fills it.
    pub(crate) async fn add_partition_index(
        &self,
        tx: &mut Tx,
        table_id: i64,
        table_doc: &Value,
        index: Req<'_>,
    ) -> Result<()> {
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
        let mut positions = Vec::new();
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
            positions.push(IndexedKey {
                key_pos: pos,
                type_name: type_name.clone(),
            });
        }
        let already: Vec<usize> = existing
            .iter()
            .flat_map(|i| i.keys.iter())
            .filter_map(|k| {
                partition_keys
                    .iter()
                    .position(|p| p.name.eq_ignore_ascii_case(k))
            })
            .collect();
        partitions::insert_index(tx, table_id, name, &keys, "ACTIVE").await?;
        for key in positions.iter().filter(|k| !already.contains(&k.key_pos)) {
            partitions::backfill_index(tx, table_id, key).await?;
        }
        Ok(())
    }

    pub(crate) async fn create_partition_index(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.store.write().await?;
        let (_, table) =
            names::table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        self.add_partition_index(&mut tx, table.id, &table.doc, req.nested("PartitionIndex")?)
            .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn get_partition_indexes(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.store.read().await?;
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
        let mut tx = self.store.write().await?;
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
