//! A crawl's findings as catalog changes: a table the catalog lacks is created, one whose
//! columns, partition keys, format or crawler parameters (sizes and counts) changed is updated
//! (replaced, as Glue's `UPDATE_IN_DATABASE` does) unless `UpdateBehavior` is `LOG`, and
//! partitions the catalog lacks are added. Tables the crawler made whose files are gone, and
//! partitions whose folders are gone, go as its `DeleteBehavior` says: deleted, marked
//! `DEPRECATED_BY_CRAWLER` (tables), or only reported. The changes are atomic groups of catalog
//! calls ([`apply`]).

use std::collections::HashSet;

use serde_json::{json, Value};
use weir_engine::catalog::{CatalogClient, CatalogError};

use super::CrawlPlan;

/// Partitions per `BatchCreatePartition` (Glue's limit).
const PARTITIONS_PER_CALL: usize = 100;

/// What a crawl does to one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableChange {
    pub table: String,
    pub action: Action,
    pub partitions_added: usize,
    /// Partitions whose folders are gone, deleted (`DELETE_FROM_DATABASE`) …
    pub partitions_deleted: usize,
    /// … or left as they were.
    pub partitions_kept: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Created,
    Updated,
    /// The files say the table changed, and the crawler's `UpdateBehavior` is `LOG`.
    NotUpdated,
    Unchanged,
    /// The crawler made the table and its files are gone: deleted (`DELETE_FROM_DATABASE`)…
    Deleted,
    /// … marked deprecated (`DEPRECATE_IN_DATABASE`) …
    Deprecated,
    /// … or left as it was (`LOG`).
    Gone,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::NotUpdated => "changed, left as it was (UpdateBehavior LOG)",
            Action::Unchanged => "unchanged",
            Action::Deleted => "files gone, deleted (DeleteBehavior DELETE_FROM_DATABASE)",
            Action::Deprecated => {
                "files gone, marked deprecated (DeleteBehavior DEPRECATE_IN_DATABASE)"
            }
            Action::Gone => "files gone, left as it was (DeleteBehavior LOG)",
        }
    }
}

impl TableChange {
    /// For the crawl's log: the action and the partitions added and gone.
    pub fn described(&self) -> String {
        let mut text = self.action.as_str().to_string();
        for (n, what) in [
            (self.partitions_added, "partitions added"),
            (
                self.partitions_deleted,
                "partitions whose folders are gone deleted",
            ),
            (
                self.partitions_kept,
                "partitions whose folders are gone left as they were",
            ),
        ] {
            if n > 0 {
                text.push_str(&format!(", {n} {what}"));
            }
        }
        text
    }
}

/// What a crawl does with what the catalog has and the files no longer hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Deletes {
    /// `LOG`: report it.
    #[default]
    Log,
    /// `DELETE_FROM_DATABASE`.
    Delete,
    /// `DEPRECATE_IN_DATABASE`: tables get the parameter `DEPRECATED_BY_CRAWLER` (the time of
    /// deprecation, seconds since the epoch); partitions stay.
    Deprecate,
}

/// What a crawl may change of the tables the catalog has (a crawler's `SchemaChangePolicy`).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `UpdateBehavior` `UPDATE_IN_DATABASE` (else `LOG`: a changed table is only reported).
    pub update_tables: bool,
    /// `MergeNewColumns`: an update adds the columns the files have that the table lacks, and
    /// leaves the table's own as they are.
    pub merge_new_columns: bool,
    /// `CreatePartitionIndex`: a partitioned table is created with an index of its keys.
    pub partition_index: bool,
    pub deletes: Deletes,
    /// The crawler whose tables (`UPDATED_BY_CRAWLER`) the crawl answers for: only its tables
    /// can be found gone. `None`: none can.
    pub crawler: Option<String>,
    /// The time of the crawl (seconds since the epoch), for `DEPRECATED_BY_CRAWLER`.
    pub now: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            update_tables: true,
            merge_new_columns: false,
            partition_index: false,
            deletes: Deletes::Log,
            crawler: None,
            now: 0.0,
        }
    }
}

/// The name of the partition index of a table a crawl creates (`CreatePartitionIndex`).
pub const PARTITION_INDEX: &str = "crawler_partition_index";

/// The table parameter that marks a table whose files are gone.
pub const DEPRECATED: &str = "DEPRECATED_BY_CRAWLER";

/// The calls that make `database` hold what `plan` found (creating the database when it does
/// not exist) within `policy`, and what they change.
pub async fn changes(
    catalog: &dyn CatalogClient,
    database: &str,
    plan: &CrawlPlan,
    policy: &Policy,
) -> Result<(Vec<(String, Value)>, Vec<TableChange>), CatalogError> {
    let mut calls = Vec::new();
    let mut summary = Vec::new();
    let database_exists = match catalog
        .call("GetDatabase", json!({ "Name": database }))
        .await
    {
        Ok(_) => true,
        Err(e) if e.code == "EntityNotFoundException" => false,
        Err(e) => return Err(e),
    };
    if !database_exists {
        calls.push((
            "CreateDatabase".to_string(),
            json!({ "DatabaseInput": { "Name": database } }),
        ));
    }
    for table in &plan.tables {
        let current = if database_exists {
            match catalog
                .call(
                    "GetTable",
                    json!({ "DatabaseName": database, "Name": table.name }),
                )
                .await
            {
                Ok(answer) => Some(answer["Table"].clone()),
                Err(e) if e.code == "EntityNotFoundException" => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        let input = match (&current, policy.merge_new_columns) {
            (Some(current), true) => with_new_columns(current, &table.input),
            _ => table.input.clone(),
        };
        let action = match &current {
            None => {
                let mut create = json!({ "DatabaseName": database, "TableInput": input });
                let keys = &input["PartitionKeys"];
                if policy.partition_index && keys.as_array().is_some_and(|k| !k.is_empty()) {
                    let names: Vec<&Value> = keys
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|k| &k["Name"])
                        .collect();
                    create["PartitionIndexes"] =
                        json!([{ "IndexName": PARTITION_INDEX, "Keys": names }]);
                }
                calls.push(("CreateTable".to_string(), create));
                Action::Created
            }
            Some(current) if differs(current, &input) && !policy.update_tables => {
                Action::NotUpdated
            }
            Some(current) if differs(current, &input) => {
                calls.push((
                    "UpdateTable".to_string(),
                    json!({ "DatabaseName": database, "TableInput": input }),
                ));
                Action::Updated
            }
            Some(_) => Action::Unchanged,
        };
        let existing = match (&current, action) {
            (Some(_), Action::Unchanged | Action::Updated | Action::NotUpdated) => {
                partition_values(catalog, database, &table.name).await?
            }
            _ => HashSet::new(),
        };
        let new: Vec<&Value> = table
            .partitions
            .iter()
            .filter(|p| !existing.contains(&values_of(p)))
            .collect();
        for chunk in new.chunks(PARTITIONS_PER_CALL) {
            calls.push((
                "BatchCreatePartition".to_string(),
                json!({ "DatabaseName": database, "TableName": table.name, "PartitionInputList": chunk }),
            ));
        }
        let found: HashSet<Vec<String>> = table.partitions.iter().map(values_of).collect();
        let mut gone: Vec<&Vec<String>> = existing.iter().filter(|v| !found.contains(*v)).collect();
        gone.sort();
        let deleting = policy.deletes == Deletes::Delete && policy.crawler.is_some();
        if deleting {
            for chunk in gone.chunks(PARTITIONS_PER_CALL) {
                let values: Vec<Value> = chunk.iter().map(|v| json!({ "Values": v })).collect();
                calls.push((
                    "BatchDeletePartition".to_string(),
                    json!({ "DatabaseName": database, "TableName": table.name, "PartitionsToDelete": values }),
                ));
            }
        }
        let (deleted, kept) = match (deleting, policy.crawler.is_some()) {
            (true, _) => (gone.len(), 0),
            (false, true) => (0, gone.len()),
            (false, false) => (0, 0),
        };
        summary.push(TableChange {
            table: table.name.clone(),
            action,
            partitions_added: new.len(),
            partitions_deleted: deleted,
            partitions_kept: kept,
        });
    }
    if database_exists {
        for gone in gone_tables(catalog, database, plan, policy).await? {
            let name = gone["Name"].as_str().unwrap_or_default().to_string();
            let action = match policy.deletes {
                Deletes::Log => Action::Gone,
                Deletes::Delete => {
                    calls.push((
                        "DeleteTable".to_string(),
                        json!({ "DatabaseName": database, "Name": name }),
                    ));
                    Action::Deleted
                }
                Deletes::Deprecate
                    if gone.pointer(&format!("/Parameters/{DEPRECATED}")).is_some() =>
                {
                    continue;
                }
                Deletes::Deprecate => {
                    let mut input = table_input(&gone);
                    input["Parameters"][DEPRECATED] = json!((policy.now as i64).to_string());
                    calls.push((
                        "UpdateTable".to_string(),
                        json!({ "DatabaseName": database, "TableInput": input }),
                    ));
                    Action::Deprecated
                }
            };
            summary.push(TableChange {
                table: name,
                action,
                partitions_added: 0,
                partitions_deleted: 0,
                partitions_kept: 0,
            });
        }
    }
    Ok((calls, summary))
}

/// The tables of `database` the policy's crawler made (`UPDATED_BY_CRAWLER`) that the crawl
/// did not find.
async fn gone_tables(
    catalog: &dyn CatalogClient,
    database: &str,
    plan: &CrawlPlan,
    policy: &Policy,
) -> Result<Vec<Value>, CatalogError> {
    let Some(crawler) = &policy.crawler else {
        return Ok(Vec::new());
    };
    let found: HashSet<&str> = plan.tables.iter().map(|t| t.name.as_str()).collect();
    let mut made = crawler_tables(catalog, database, crawler).await?;
    made.retain(|t| !found.contains(t["Name"].as_str().unwrap_or_default()));
    Ok(made)
}

/// The tables of `database` that `crawler` made (`UPDATED_BY_CRAWLER`); none when the database
/// does not exist.
pub async fn crawler_tables(
    catalog: &dyn CatalogClient,
    database: &str,
    crawler: &str,
) -> Result<Vec<Value>, CatalogError> {
    let mut made = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = json!({ "DatabaseName": database });
        if let Some(t) = &token {
            request["NextToken"] = json!(t);
        }
        let page = match catalog.call("GetTables", request).await {
            Err(e) if e.code == "EntityNotFoundException" => return Ok(made),
            page => page?,
        };
        made.extend(
            page["TableList"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|t| {
                    t.pointer("/Parameters/UPDATED_BY_CRAWLER")
                        .and_then(Value::as_str)
                        == Some(crawler)
                })
                .cloned(),
        );
        match page["NextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(made),
        }
    }
}

/// The crawled table input with the catalog table's columns as they are and the files' new
/// ones after them (`MergeNewColumns`).
fn with_new_columns(current: &Value, crawled: &Value) -> Value {
    let mut merged = crawled.clone();
    let mut columns: Vec<Value> = current
        .pointer("/StorageDescriptor/Columns")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has = |columns: &[Value], name: &str| {
        columns.iter().any(|c| {
            c["Name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    };
    for column in crawled
        .pointer("/StorageDescriptor/Columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !has(&columns, column["Name"].as_str().unwrap_or_default()) {
            columns.push(column.clone());
        }
    }
    merged["StorageDescriptor"]["Columns"] = Value::Array(columns);
    merged
}

/// A `Table` as the `TableInput` that writes it back.
fn table_input(table: &Value) -> Value {
    let mut input = weir_engine::catalog::table_input(table);
    if input.get("Parameters").is_none() {
        input["Parameters"] = json!({});
    }
    input
}

/// Runs the calls as atomic groups of at most `max_calls`: one transaction when they fit (up to
/// 99 `BatchCreatePartition`s of 100 partitions beside a table's creation), else several, in
/// order. A failed group changes nothing; its error says how many groups before it were
/// applied.
pub async fn apply(
    catalog: &dyn CatalogClient,
    calls: Vec<(String, Value)>,
    max_calls: usize,
) -> Result<(), CatalogError> {
    let groups = calls.len().div_ceil(max_calls.max(1));
    let mut calls = calls;
    let mut applied = 0;
    while !calls.is_empty() {
        let rest = calls.split_off(calls.len().min(max_calls));
        catalog.call_atomic(calls).await.map_err(|mut e| {
            e.message = match applied {
                0 => format!("{} (nothing was changed)", e.message),
                n => format!(
                    "{} ({n} of {groups} transactions were applied before it)",
                    e.message
                ),
            };
            e
        })?;
        applied += 1;
        calls = rest;
    }
    Ok(())
}

/// Whether the crawled table differs from the catalog's in what a crawl decides: columns,
/// partition keys, format (SerDe), location, or a parameter the crawler writes (its sizes and
/// counts among them; a table marked deprecated whose files are back is one).
fn differs(current: &Value, crawled: &Value) -> bool {
    let pick = |t: &Value| {
        json!([
            t.pointer("/StorageDescriptor/Columns"),
            t.get("PartitionKeys").cloned().unwrap_or(json!([])),
            t.pointer("/StorageDescriptor/SerdeInfo/SerializationLibrary"),
            t.pointer("/StorageDescriptor/Location"),
        ])
    };
    let parameters_differ = crawled["Parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(k, v)| current["Parameters"].get(k) != Some(v));
    let deprecated = current
        .pointer(&format!("/Parameters/{DEPRECATED}"))
        .is_some();
    parameters_differ || deprecated || pick(current) != pick(crawled)
}

fn values_of(partition: &Value) -> Vec<String> {
    partition["Values"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The values of every partition the catalog has for a table.
async fn partition_values(
    catalog: &dyn CatalogClient,
    database: &str,
    table: &str,
) -> Result<HashSet<Vec<String>>, CatalogError> {
    let partitions = partitions(catalog, database, table).await?;
    Ok(partitions.iter().map(values_of).collect())
}

/// Every partition the catalog has for a table (without their columns).
pub async fn partitions(
    catalog: &dyn CatalogClient,
    database: &str,
    table: &str,
) -> Result<Vec<Value>, CatalogError> {
    let mut partitions = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request =
            json!({ "DatabaseName": database, "TableName": table, "ExcludeColumnSchema": true });
        if let Some(t) = &token {
            request["NextToken"] = json!(t);
        }
        let page = catalog.call("GetPartitions", request).await?;
        partitions.extend(page["Partitions"].as_array().into_iter().flatten().cloned());
        match page["NextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(partitions),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use weir_engine::catalog::{AtomicFuture, CatalogFuture};

    use super::*;

    /// Records each atomic group's size; refuses the group numbered `fail` (from 1).
    struct Groups {
        sizes: Mutex<Vec<usize>>,
        fail: usize,
    }

    impl CatalogClient for Groups {
        fn call<'a>(&'a self, _: &'a str, _: Value) -> CatalogFuture<'a> {
            Box::pin(async { Ok(json!({})) })
        }

        fn call_atomic<'a>(&'a self, calls: Vec<(String, Value)>) -> AtomicFuture<'a> {
            Box::pin(async move {
                let mut sizes = self.sizes.lock().unwrap();
                sizes.push(calls.len());
                if sizes.len() == self.fail {
                    return Err(CatalogError {
                        code: "InvalidInputException".into(),
                        message: "refused".into(),
                    });
                }
                Ok(vec![json!({}); calls.len()])
            })
        }
    }

    fn calls(n: usize) -> Vec<(String, Value)> {
        (0..n)
            .map(|_| ("BatchCreatePartition".to_string(), json!({})))
            .collect()
    }

    #[tokio::test]
    async fn changes_that_fit_are_one_group_and_more_are_several_in_order() {
        let one = Groups {
            sizes: Mutex::new(vec![]),
            fail: 0,
        };
        apply(&one, calls(100), 100).await.unwrap();
        assert_eq!(*one.sizes.lock().unwrap(), [100]);
        let three = Groups {
            sizes: Mutex::new(vec![]),
            fail: 0,
        };
        apply(&three, calls(250), 100).await.unwrap();
        assert_eq!(*three.sizes.lock().unwrap(), [100, 100, 50]);
    }

    #[tokio::test]
    async fn a_refused_group_says_what_was_applied_before_it() {
        let first = Groups {
            sizes: Mutex::new(vec![]),
            fail: 1,
        };
        let e = apply(&first, calls(150), 100).await.unwrap_err();
        assert_eq!(e.message, "refused (nothing was changed)");
        let second = Groups {
            sizes: Mutex::new(vec![]),
            fail: 2,
        };
        let e = apply(&second, calls(150), 100).await.unwrap_err();
        assert_eq!(
            e.message,
            "refused (1 of 2 transactions were applied before it)"
        );
    }
}
