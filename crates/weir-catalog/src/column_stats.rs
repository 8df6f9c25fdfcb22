//! Column statistics of tables and partitions: Get/Update/Delete ColumnStatisticsFor{Table,Partition}.

use serde_json::{json, Value};
use weir_metastore::{column_stats, partitions, Tx};
use weir_model::{GlueError, Result};

use crate::partitions::{partitioned_table, PartitionedTable};
use crate::request::Req;
use crate::{error_detail, Catalog};

/// Resolves the owner of the statistics: the table, or (with `for_partition`) one partition.
async fn owner(
    tx: &mut Tx,
    req: Req<'_>,
    for_partition: bool,
) -> Result<(PartitionedTable, String)> {
    let t = partitioned_table(tx, req.str("DatabaseName")?, req.str("TableName")?).await?;
    if !for_partition {
        return Ok((t, column_stats::owner_key(None)));
    }
    let values = req.strings("PartitionValues");
    if values.len() != t.keys.len() || partitions::get(tx, t.table.id, &values).await?.is_none() {
        return Err(GlueError::not_found(format!(
            "Partition not found: table {} has no partition with values {values:?}",
            t.table.name
        )));
    }
    Ok((t, column_stats::owner_key(Some(&values))))
}

/// The table's own spelling of `column` (a data column or a partition key), matched
/// case-insensitively; `None` when the table has no such column. Statistics are keyed by it, so
/// `ID` and `id` name the same statistics.
fn column_name(t: &PartitionedTable, column: &str) -> Option<String> {
    let columns = t
        .table
        .doc
        .pointer("/StorageDescriptor/Columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("Name").and_then(Value::as_str));
    columns
        .chain(t.keys.iter().map(|k| k.name.as_str()))
        .find(|n| n.eq_ignore_ascii_case(column))
        .map(str::to_string)
}

fn column_not_found(t: &PartitionedTable, column: &str) -> GlueError {
    GlueError::not_found(format!(
        "Column {column} not found in table {}.",
        t.table.name
    ))
}

fn no_statistics(column: &str) -> GlueError {
    GlueError::not_found(format!("No statistics for column {column}."))
}

impl Catalog {
    pub(crate) async fn get_column_statistics(
        &self,
        req: Req<'_>,
        for_partition: bool,
    ) -> Result<Value> {
        let mut tx = self.read().await?;
        let (t, owner) = owner(&mut tx, req, for_partition).await?;
        let mut list = Vec::new();
        let mut errors = Vec::new();
        for column in req.strings("ColumnNames") {
            let found = match column_name(&t, &column) {
                Some(name) => column_stats::get(&mut tx, t.table.id, &owner, &name)
                    .await?
                    .ok_or_else(|| no_statistics(&column)),
                None => Err(column_not_found(&t, &column)),
            };
            match found {
                Ok(doc) => list.push(doc),
                Err(e) => errors.push(json!({ "ColumnName": column, "Error": error_detail(&e) })),
            }
        }
        Ok(json!({ "ColumnStatisticsList": list, "Errors": errors }))
    }

    pub(crate) async fn update_column_statistics(
        &self,
        req: Req<'_>,
        for_partition: bool,
    ) -> Result<Value> {
        let mut tx = self.write().await?;
        let (t, owner) = owner(&mut tx, req, for_partition).await?;
        let mut errors = Vec::new();
        for stats in req.array("ColumnStatisticsList") {
            let column = stats
                .get("ColumnName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match column_name(&t, column) {
                Some(name) => {
                    let mut stats = stats.clone();
                    stats["ColumnName"] = json!(name);
                    column_stats::upsert(&mut tx, t.table.id, &owner, &name, &stats).await?;
                }
                None => errors.push(json!({ "ColumnStatistics": stats, "Error": error_detail(&column_not_found(&t, column)) })),
            }
        }
        tx.commit().await?;
        Ok(json!({ "Errors": errors }))
    }

    pub(crate) async fn delete_column_statistics(
        &self,
        req: Req<'_>,
        for_partition: bool,
    ) -> Result<Value> {
        let mut tx = self.write().await?;
        let (t, owner) = owner(&mut tx, req, for_partition).await?;
        let column = req.str("ColumnName")?;
        let name = column_name(&t, column).ok_or_else(|| column_not_found(&t, column))?;
        if !column_stats::delete(&mut tx, t.table.id, &owner, &name).await? {
            return Err(no_statistics(column));
        }
        tx.commit().await?;
        Ok(json!({}))
    }
}
