//! Partitions: Create/BatchCreate, Get/GetPartitions/BatchGet, Update/BatchUpdate,
//! Delete/BatchDelete. `GetPartitions` filters with the typed expression language and uses a
//! partition index when one covers a key the expression constrains.

use serde_json::{json, Map, Value};
use weir_metastore::partitions::{self, IndexedKey, PartitionQuery, PartitionRow, ScanSource};
use weir_metastore::tables::TableRow;
use weir_metastore::{column_stats, Tx};
use weir_model::{GlueError, Result};
use weir_partition_expr::{Filter, KeyConstraint};

use crate::names;
use crate::partition_indexes::{INDEX_ACTIVE, INDEX_FAILED};
use crate::request::{encode_token, listing, strings, Req};
use crate::{error_detail, Catalog};

/// A table that partition operations act on, with what they need to know of it.
pub(crate) struct PartitionedTable {
    pub database: String,
    pub table: TableRow,
    pub keys: Vec<weir_partition_expr::PartitionKey>,
    /// Keys whose index rows writes maintain: those of every index, `CREATING` or `ACTIVE`.
    pub indexed: Vec<IndexedKey>,
    /// Keys covered by an `ACTIVE` index: those `GetPartitions` may read through an index.
    pub queryable: Vec<IndexedKey>,
}

impl PartitionedTable {
    fn check_values(&self, values: &[String]) -> Result<()> {
        if values.len() != self.keys.len() {
            return Err(GlueError::invalid_input(format!(
                "The number of partition keys do not match the number of partition values: table {} has {} partition keys, got {} values",
                self.table.name,
                self.keys.len(),
                values.len()
            )));
        }
        Ok(())
    }

    fn not_found(&self, values: &[String]) -> GlueError {
        GlueError::not_found(format!(
            "Partition not found: table {} has no partition with values {values:?}",
            self.table.name
        ))
    }
}

pub(crate) async fn partitioned_table(
    tx: &mut Tx,
    database: &str,
    table: &str,
) -> Result<PartitionedTable> {
    let (db, table) = names::table(tx, database, table).await?;
    let keys = names::partition_keys(&table.doc);
    let indexes = partitions::list_indexes(tx, table.id).await?;
    let maintained = indexes.iter().filter(|i| i.status != INDEX_FAILED);
    let indexed = indexed_keys(&keys, maintained);
    let queryable = indexed_keys(&keys, indexes.iter().filter(|i| i.status == INDEX_ACTIVE));
    Ok(PartitionedTable {
        database: db.name,
        table,
        keys,
        indexed,
        queryable,
    })
}

/// The distinct partition keys (position and type) that these indexes cover.
pub(crate) fn indexed_keys<'a>(
    keys: &[weir_partition_expr::PartitionKey],
    indexes: impl Iterator<Item = &'a partitions::PartitionIndexRow>,
) -> Vec<IndexedKey> {
    let mut out: Vec<IndexedKey> = Vec::new();
    for name in indexes.flat_map(|i| i.keys.iter()) {
        if let Some(pos) = keys.iter().position(|k| k.name.eq_ignore_ascii_case(name)) {
            if !out.iter().any(|i| i.key_pos == pos) {
                out.push(IndexedKey {
                    key_pos: pos,
                    type_name: keys[pos].type_name.clone(),
                });
            }
        }
    }
    out
}

/// The stored `Partition` document for a `PartitionInput`.
fn partition_doc(
    t: &PartitionedTable,
    input: &Value,
    values: &[String],
    creation_time: f64,
) -> Value {
    let mut doc = Map::new();
    doc.insert("Values".into(), json!(values));
    doc.insert("DatabaseName".into(), json!(t.database));
    doc.insert("TableName".into(), json!(t.table.name));
    doc.insert("CreationTime".into(), json!(creation_time));
    for member in [
        "LastAccessTime",
        "StorageDescriptor",
        "Parameters",
        "LastAnalyzedTime",
    ] {
        if let Some(v) = input.get(member).filter(|v| !v.is_null()) {
            doc.insert(member.into(), v.clone());
        }
    }
    Value::Object(doc)
}

impl Catalog {
    fn partition_out(&self, row: PartitionRow, exclude_columns: bool) -> Value {
        let mut doc = self.with_catalog_id(row.doc);
        if exclude_columns {
            if let Some(sd) = doc
                .get_mut("StorageDescriptor")
                .and_then(Value::as_object_mut)
            {
                sd.remove("Columns");
            }
        }
        doc
    }

    async fn insert_partition(
        &self,
        tx: &mut Tx,
        t: &PartitionedTable,
        input: &Value,
    ) -> Result<()> {
        let values = strings(input.get("Values"));
        t.check_values(&values)?;
        let doc = partition_doc(t, input, &values, self.now());
        let entry = [(values, doc)];
        if partitions::insert_many(tx, t.table.id, &entry, &t.indexed).await? == [true] {
            return Ok(());
        }
        Err(GlueError::already_exists(format!(
            "Partition already exists: {:?}",
            entry[0].0
        )))
    }

    pub(crate) async fn create_partition(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        self.insert_partition(
            &mut tx,
            &t,
            &Value::Object(req.object("PartitionInput")?.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn batch_create_partition(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let now = self.now();
        // Per-entry errors, reported in the order of the input list.
        let mut errors: Vec<(usize, Vec<String>, GlueError)> = Vec::new();
        let mut entries = Vec::new();
        let mut positions = Vec::new();
        for (i, input) in req.array("PartitionInputList").iter().enumerate() {
            let values = strings(input.get("Values"));
            match t.check_values(&values) {
                Ok(()) => {
                    let doc = partition_doc(&t, input, &values, now);
                    entries.push((values, doc));
                    positions.push(i);
                }
                Err(e) => errors.push((i, values, e)),
            }
        }
        let inserted = partitions::insert_many(&mut tx, t.table.id, &entries, &t.indexed).await?;
        for ((i, (values, _)), ok) in positions.into_iter().zip(entries).zip(inserted) {
            if !ok {
                let e = GlueError::already_exists(format!("Partition already exists: {values:?}"));
                errors.push((i, values, e));
            }
        }
        tx.commit().await?;
        errors.sort_by_key(|(i, _, _)| *i);
        let errors: Vec<Value> = errors
            .into_iter()
            .map(|(_, values, e)| json!({ "PartitionValues": values, "ErrorDetail": error_detail(&e) }))
            .collect();
        Ok(json!({ "Errors": errors }))
    }

    pub(crate) async fn get_partition(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.read().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let values = req.strings("PartitionValues");
        t.check_values(&values)?;
        let row = partitions::get(&mut tx, t.table.id, &values)
            .await?
            .ok_or_else(|| t.not_found(&values))?;
        Ok(json!({ "Partition": self.partition_out(row, false) }))
    }

    pub(crate) async fn get_partitions(&self, req: Req<'_>) -> Result<Value> {
        let limit = req.page_size(1000);
        let after_id = req.next_token()?.and_then(|t| t.as_i64()).unwrap_or(0);
        let segment = match req.get("Segment") {
            Some(s) => {
                let s = Req(s);
                let (number, total) = (
                    s.opt_i64("SegmentNumber").unwrap_or(0),
                    s.opt_i64("TotalSegments").unwrap_or(1),
                );
                if number >= total {
                    return Err(GlueError::invalid_input(format!(
                        "Segment.SegmentNumber {number} must be less than Segment.TotalSegments {total}"
                    )));
                }
                Some((number, total))
            }
            None => None,
        };
        let mut tx = self.read().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let filter = match req.opt_str("Expression").filter(|e| !e.trim().is_empty()) {
            Some(expression) => Some(Filter::new(expression, &t.keys).map_err(|e| {
                GlueError::invalid_input(format!("Invalid Expression '{expression}': {e}"))
            })?),
            None => None,
        };
        let constraints = filter
            .as_ref()
            .map(|f| index_constraints(f, &t.queryable))
            .unwrap_or_default();
        let source = if constraints.is_empty() {
            ScanSource::All
        } else {
            ScanSource::Index(&constraints)
        };
        let query = PartitionQuery {
            source,
            filter: filter.as_ref(),
            segment,
            after_id,
            limit,
        };
        let (rows, next) = partitions::query(&mut tx, t.table.id, query).await?;
        let exclude = req.bool("ExcludeColumnSchema");
        let list: Vec<Value> = rows
            .into_iter()
            .map(|r| self.partition_out(r, exclude))
            .collect();
        Ok(listing(
            "Partitions",
            list,
            next.map(|id| encode_token(&json!(id))),
        ))
    }

    pub(crate) async fn batch_get_partition(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.read().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let mut found = Vec::new();
        for entry in req.array("PartitionsToGet") {
            let values = strings(entry.get("Values"));
            t.check_values(&values)?;
            if let Some(row) = partitions::get(&mut tx, t.table.id, &values).await? {
                found.push(self.partition_out(row, false));
            }
        }
        Ok(json!({ "Partitions": found, "UnprocessedKeys": [] }))
    }

    async fn replace_partition(
        &self,
        tx: &mut Tx,
        t: &PartitionedTable,
        values: &[String],
        input: &Value,
    ) -> Result<()> {
        t.check_values(values)?;
        let new_values = input
            .get("Values")
            .map(|v| strings(Some(v)))
            .filter(|v| !v.is_empty());
        if new_values.as_deref().is_some_and(|v| v != values) {
            return Err(GlueError::invalid_input(
                "PartitionInput.Values cannot change a partition's values: delete the partition and create it anew",
            ));
        }
        let row = partitions::get(tx, t.table.id, values)
            .await?
            .ok_or_else(|| t.not_found(values))?;
        let creation_time = row
            .doc
            .get("CreationTime")
            .and_then(Value::as_f64)
            .unwrap_or_default();
        let doc = partition_doc(t, input, values, creation_time);
        partitions::update(tx, t.table.id, row.id, values, &doc, &t.indexed).await?;
        Ok(())
    }

    pub(crate) async fn update_partition(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let input = Value::Object(req.object("PartitionInput")?.clone());
        self.replace_partition(&mut tx, &t, &req.strings("PartitionValueList"), &input)
            .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn batch_update_partition(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let mut errors = Vec::new();
        for entry in req.array("Entries") {
            let values = strings(entry.get("PartitionValueList"));
            let input = entry.get("PartitionInput").cloned().unwrap_or(json!({}));
            if let Err(e) = self.replace_partition(&mut tx, &t, &values, &input).await {
                if e.kind == weir_model::ErrorKind::InternalService {
                    return Err(e);
                }
                errors
                    .push(json!({ "PartitionValueList": values, "ErrorDetail": error_detail(&e) }));
            }
        }
        tx.commit().await?;
        Ok(json!({ "Errors": errors }))
    }

    async fn remove_partition(
        &self,
        tx: &mut Tx,
        t: &PartitionedTable,
        values: &[String],
    ) -> Result<()> {
        t.check_values(values)?;
        let row = partitions::get(tx, t.table.id, values)
            .await?
            .ok_or_else(|| t.not_found(values))?;
        partitions::delete(tx, row.id).await?;
        column_stats::delete_owner(tx, t.table.id, &column_stats::owner_key(Some(values))).await?;
        Ok(())
    }

    pub(crate) async fn delete_partition(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        self.remove_partition(&mut tx, &t, &req.strings("PartitionValues"))
            .await?;
        tx.commit().await?;
        Ok(json!({}))
    }

    pub(crate) async fn batch_delete_partition(&self, req: Req<'_>) -> Result<Value> {
        let mut tx = self.write().await?;
        let t = partitioned_table(&mut tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
        let mut errors = Vec::new();
        for entry in req.array("PartitionsToDelete") {
            let values = strings(entry.get("Values"));
            if let Err(e) = self.remove_partition(&mut tx, &t, &values).await {
                if e.kind == weir_model::ErrorKind::InternalService {
                    return Err(e);
                }
                errors.push(json!({ "PartitionValues": values, "ErrorDetail": error_detail(&e) }));
            }
        }
        tx.commit().await?;
        Ok(json!({ "Errors": errors }))
    }
}

/// The constraints the filter puts on indexed keys: the partition index serves their
/// intersection.
fn index_constraints(filter: &Filter, indexed: &[IndexedKey]) -> Vec<(usize, KeyConstraint)> {
    indexed
        .iter()
        .filter_map(|k| filter.key_constraint(k.key_pos).map(|c| (k.key_pos, c)))
        .collect()
}
