//! A crawl's findings as catalog changes: a table the catalog lacks is created, one whose
//! columns, partition keys or format changed is updated (its columns replaced, as Glue's
//! `UPDATE_IN_DATABASE` does), and partitions the catalog lacks are added. The changes are one
//! atomic group of catalog calls: applied together or not at all.

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Created,
    Updated,
    /// The files say the table changed, and the crawler's `UpdateBehavior` is `LOG`.
    NotUpdated,
    Unchanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::NotUpdated => "changed, left as it was (UpdateBehavior LOG)",
            Action::Unchanged => "unchanged",
        }
    }
}

/// What a crawl may change of the tables the catalog has (a crawler's `SchemaChangePolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// `UpdateBehavior` `UPDATE_IN_DATABASE` (else `LOG`: a changed table is only reported).
    pub update_tables: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            update_tables: true,
        }
    }
}

/// The calls that make `database` hold what `plan` found (creating the database when it does
/// not exist) within `policy`, and what they change.
pub async fn changes(
    catalog: &dyn CatalogClient,
    database: &str,
    plan: &CrawlPlan,
    policy: Policy,
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
        let action = match &current {
            None => {
                calls.push((
                    "CreateTable".to_string(),
                    json!({ "DatabaseName": database, "TableInput": table.input }),
                ));
                Action::Created
            }
            Some(current) if differs(current, &table.input) && !policy.update_tables => {
                Action::NotUpdated
            }
            Some(current) if differs(current, &table.input) => {
                calls.push((
                    "UpdateTable".to_string(),
                    json!({ "DatabaseName": database, "TableInput": table.input }),
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
        summary.push(TableChange {
            table: table.name.clone(),
            action,
            partitions_added: new.len(),
        });
    }
    Ok((calls, summary))
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
/// partition keys, format (SerDe) or location.
fn differs(current: &Value, crawled: &Value) -> bool {
    let pick = |t: &Value| {
        json!([
            t.pointer("/StorageDescriptor/Columns"),
            t.get("PartitionKeys").cloned().unwrap_or(json!([])),
            t.pointer("/StorageDescriptor/SerdeInfo/SerializationLibrary"),
            t.pointer("/StorageDescriptor/Location"),
            t.pointer("/Parameters/classification"),
        ])
    };
    pick(current) != pick(crawled)
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
    let mut values = HashSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut request =
            json!({ "DatabaseName": database, "TableName": table, "ExcludeColumnSchema": true });
        if let Some(t) = &token {
            request["NextToken"] = json!(t);
        }
        let page = catalog.call("GetPartitions", request).await?;
        for p in page["Partitions"].as_array().into_iter().flatten() {
            values.insert(values_of(p));
        }
        match page["NextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(values),
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
