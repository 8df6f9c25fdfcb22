//! What a crawl needs of its crawler's definition: its targets (`S3Targets` paths, and the
//! tables of `CatalogTargets`, whose locations are crawled into them), the database its S3
//! targets' tables go to, its classifiers, connections and policies.

use serde_json::{json, Value};

use crate::crawl::apply::{Deletes, Policy};
use crate::crawl::{Naming, Target};

/// A table of a `CatalogTargets` entry: crawling its location keeps it true to its files.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogTable {
    pub database: String,
    pub table: String,
}

/// An `IcebergTargets` entry: paths under which folders are Iceberg tables.
#[derive(Debug, Clone, PartialEq)]
pub struct IcebergTarget {
    pub paths: Vec<String>,
    pub exclusions: Vec<String>,
    /// How many folders below a path a table may be (`MaximumTraversalDepth`, Glue's default 10).
    pub max_depth: usize,
}

/// A `DeltaTargets` entry: paths of Delta tables (or of folders holding them).
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaTarget {
    pub paths: Vec<String>,
}

/// A `JdbcTargets` entry: the tables a connection's include path matches.
#[derive(Debug, Clone, PartialEq)]
pub struct JdbcTarget {
    pub connection: String,
    pub path: String,
    pub exclusions: Vec<String>,
}

/// The options of a crawler's `Configuration` (checked when the crawler is written) that a
/// crawl honours.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Configuration {
    /// `Grouping.TableGroupingPolicy` `CombineCompatibleSchemas`.
    pub combine_compatible: bool,
    /// `Grouping.TableLevelConfiguration`.
    pub table_level: Option<usize>,
    /// `CrawlerOutput.Tables.AddOrUpdateBehavior` `MergeNewColumns`.
    pub merge_new_columns: bool,
    /// `CrawlerOutput.Tables.TableThreshold`: the most tables a crawl may create.
    pub table_threshold: Option<usize>,
    /// `CreatePartitionIndex`: the tables a crawl creates get an index of their partition keys.
    pub create_partition_index: bool,
}

impl Configuration {
    fn of(text: Option<&str>) -> Configuration {
        let value: Value = text
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null);
        let number = |path: &str| {
            value
                .pointer(path)
                .and_then(Value::as_u64)
                .map(|n| n as usize)
        };
        Configuration {
            combine_compatible: value.pointer("/Grouping/TableGroupingPolicy")
                == Some(&json!("CombineCompatibleSchemas")),
            table_level: number("/Grouping/TableLevelConfiguration"),
            merge_new_columns: value.pointer("/CrawlerOutput/Tables/AddOrUpdateBehavior")
                == Some(&json!("MergeNewColumns")),
            table_threshold: number("/CrawlerOutput/Tables/TableThreshold"),
            create_partition_index: value.pointer("/CreatePartitionIndex") == Some(&json!(true)),
        }
    }
}

/// A crawler's definition, as a crawl reads it.
#[derive(Debug, Clone)]
pub struct CrawlSpec {
    pub name: String,
    /// Where the tables of `s3` go (`DatabaseName`); required when there are S3 targets.
    pub database: String,
    pub s3: Vec<Target>,
    /// Its `JdbcTargets`, whose tables go to `database` too.
    pub jdbc: Vec<JdbcTarget>,
    /// Its `IcebergTargets`, whose tables go to `database` too.
    pub iceberg: Vec<IcebergTarget>,
    /// Its `DeltaTargets`, whose tables go to `database` too.
    pub delta: Vec<DeltaTarget>,
    pub catalog_tables: Vec<CatalogTable>,
    /// The catalog connections of its S3 targets (`ConnectionName`): how to reach their buckets.
    pub connections: Vec<String>,
    /// The names of its custom classifiers, in its order.
    pub classifiers: Vec<String>,
    /// `RecrawlPolicy` `CRAWL_NEW_FOLDERS_ONLY`: files in folders crawled before are not read.
    pub new_folders_only: bool,
    pub configuration: Configuration,
    pub naming: Naming,
    pub policy: Policy,
}

impl CrawlSpec {
    /// The crawl of the crawler `doc` at `now`; the error says why it cannot crawl.
    pub fn of(doc: &Value, now: f64) -> Result<CrawlSpec, String> {
        let name = doc["Name"].as_str().unwrap_or_default().to_string();
        let targets = doc.get("Targets").cloned().unwrap_or(json!({}));
        for (list, entries) in targets.as_object().into_iter().flatten() {
            let used = entries.as_array().is_some_and(|e| !e.is_empty());
            if used
                && ![
                    "S3Targets",
                    "CatalogTargets",
                    "JdbcTargets",
                    "IcebergTargets",
                    "DeltaTargets",
                ]
                .contains(&list.as_str())
            {
                return Err(format!(
                    "Crawler {name} has {list}: Weir crawls S3Targets (paths of any object store it reaches), JdbcTargets, IcebergTargets, DeltaTargets and CatalogTargets"
                ));
            }
        }
        let entries = |list: &str| targets[list].as_array().cloned().unwrap_or_default();
        let texts = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e.as_str().map(String::from))
                .collect()
        };
        let s3: Vec<Target> = entries("S3Targets")
            .iter()
            .map(|t| Target {
                path: t["Path"].as_str().unwrap_or_default().to_string(),
                exclusions: texts(&t["Exclusions"]),
                sample_size: t["SampleSize"].as_u64().map(|n| n as usize),
            })
            .collect();
        let catalog_tables: Vec<CatalogTable> = entries("CatalogTargets")
            .iter()
            .flat_map(|t| {
                let database = t["DatabaseName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase();
                texts(&t["Tables"])
                    .into_iter()
                    .map(move |table| CatalogTable {
                        database: database.clone(),
                        table: table.to_lowercase(),
                    })
            })
            .collect();
        let jdbc: Vec<JdbcTarget> = entries("JdbcTargets")
            .iter()
            .map(|t| JdbcTarget {
                connection: t["ConnectionName"].as_str().unwrap_or_default().to_string(),
                path: t["Path"].as_str().unwrap_or_default().to_string(),
                exclusions: texts(&t["Exclusions"]),
            })
            .collect();
        let iceberg: Vec<IcebergTarget> = entries("IcebergTargets")
            .iter()
            .map(|t| IcebergTarget {
                paths: texts(&t["Paths"]),
                exclusions: texts(&t["Exclusions"]),
                max_depth: t["MaximumTraversalDepth"].as_u64().unwrap_or(10) as usize,
            })
            .collect();
        let delta: Vec<DeltaTarget> = entries("DeltaTargets")
            .iter()
            .map(|t| DeltaTarget {
                paths: texts(&t["DeltaTables"]),
            })
            .collect();
        let in_database =
            !(s3.is_empty() && jdbc.is_empty() && iceberg.is_empty() && delta.is_empty());
        if !in_database && catalog_tables.is_empty() {
            return Err(format!(
                "Crawler {name} has no S3Targets, JdbcTargets, IcebergTargets, DeltaTargets or CatalogTargets to crawl"
            ));
        }
        let database = doc["DatabaseName"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase();
        if in_database && database.is_empty() {
            return Err(format!(
                "Crawler {name} has no DatabaseName: the tables of its {} need a database",
                if !s3.is_empty() {
                    "S3Targets"
                } else if !jdbc.is_empty() {
                    "JdbcTargets"
                } else if !iceberg.is_empty() {
                    "IcebergTargets"
                } else {
                    "DeltaTargets"
                }
            ));
        }
        let mut connections: Vec<String> = entries("S3Targets")
            .iter()
            .chain(&entries("CatalogTargets"))
            .chain(&entries("IcebergTargets"))
            .chain(&entries("DeltaTargets"))
            .filter_map(|t| t["ConnectionName"].as_str())
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect();
        connections.sort();
        connections.dedup();
        let deletes = match doc
            .pointer("/SchemaChangePolicy/DeleteBehavior")
            .and_then(Value::as_str)
        {
            Some("DELETE_FROM_DATABASE") => Deletes::Delete,
            Some("LOG") => Deletes::Log,
            _ => Deletes::Deprecate,
        };
        let configuration = Configuration::of(doc["Configuration"].as_str());
        Ok(CrawlSpec {
            naming: Naming {
                table_prefix: doc["TablePrefix"].as_str().unwrap_or_default().to_string(),
                crawler: name.clone(),
            },
            policy: Policy {
                update_tables: doc.pointer("/SchemaChangePolicy/UpdateBehavior")
                    != Some(&json!("LOG")),
                merge_new_columns: configuration.merge_new_columns,
                partition_index: configuration.create_partition_index,
                deletes,
                crawler: Some(name.clone()),
                now,
            },
            classifiers: texts(&doc["Classifiers"]),
            new_folders_only: doc.pointer("/RecrawlPolicy/RecrawlBehavior")
                == Some(&json!("CRAWL_NEW_FOLDERS_ONLY")),
            configuration,
            name,
            database,
            s3,
            jdbc,
            iceberg,
            delta,
            catalog_tables,
            connections,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_crawl_reads_of_its_crawler() {
        let spec = CrawlSpec::of(
            &json!({"Name": "c", "DatabaseName": "Lake", "Classifiers": ["a", "b"],
                    "Targets": {"S3Targets": [{"Path": "s3://b/x/", "Exclusions": ["**.tmp"], "ConnectionName": "k"}],
                                "CatalogTargets": [{"DatabaseName": "Db", "Tables": ["T1", "t2"]}]},
                    "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}}),
            5.0,
        )
        .unwrap();
        assert_eq!(spec.database, "lake");
        assert_eq!(spec.s3[0].exclusions, ["**.tmp"]);
        assert_eq!(
            spec.catalog_tables,
            [
                CatalogTable {
                    database: "db".into(),
                    table: "t1".into()
                },
                CatalogTable {
                    database: "db".into(),
                    table: "t2".into()
                }
            ]
        );
        assert_eq!(spec.connections, ["k"]);
        assert_eq!(spec.classifiers, ["a", "b"]);
        assert!(!spec.policy.update_tables);
        assert_eq!(spec.policy.deletes, Deletes::Log);
        let configured = CrawlSpec::of(
            &json!({"Name": "c", "DatabaseName": "d", "Targets": {"S3Targets": [{"Path": "s3://b/"}]},
                    "Configuration": r#"{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas","TableLevelConfiguration":3},"CrawlerOutput":{"Tables":{"AddOrUpdateBehavior":"MergeNewColumns","TableThreshold":5}},"CreatePartitionIndex":true}"#}),
            0.0,
        )
        .unwrap();
        assert_eq!(
            configured.configuration,
            Configuration {
                combine_compatible: true,
                table_level: Some(3),
                merge_new_columns: true,
                table_threshold: Some(5),
                create_partition_index: true
            }
        );
        assert!(configured.policy.merge_new_columns && configured.policy.partition_index);
        let refused = |doc: Value| CrawlSpec::of(&doc, 0.0).unwrap_err();
        assert_eq!(
            refused(json!({"Name": "c", "Targets": {"S3Targets": [{"Path": "s3://b/"}]}})),
            "Crawler c has no DatabaseName: the tables of its S3Targets need a database"
        );
        assert!(
            refused(json!({"Name": "c", "Targets": {"DynamoDBTargets": [{"Path": "t"}]}}))
                .contains("has DynamoDBTargets")
        );
        let jdbc = CrawlSpec::of(
            &json!({"Name": "c", "DatabaseName": "src", "Targets": {"JdbcTargets": [
                {"ConnectionName": "pg", "Path": "sourcedb/cx/%", "Exclusions": ["cx/tmp_*"]}]}}),
            0.0,
        )
        .unwrap();
        assert_eq!(
            jdbc.jdbc,
            [JdbcTarget {
                connection: "pg".into(),
                path: "sourcedb/cx/%".into(),
                exclusions: vec!["cx/tmp_*".into()]
            }]
        );
        assert!(refused(
            json!({"Name": "c", "Targets": {"JdbcTargets": [{"ConnectionName": "pg", "Path": "d/s/%"}]}})
        )
        .contains("the tables of its JdbcTargets need a database"));
    }
}
