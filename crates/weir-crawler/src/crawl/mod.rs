//! A crawl: from the files below a crawler's targets to the catalog tables and partitions
//! that describe them. [`crawl`] lists each target through the engine's object stores,
//! classifies every file ([`file`]: Parquet, ORC and Avro from their own metadata; text from a
//! sample, compressed or not, by the crawler's [`custom`] classifiers, then as JSON or
//! delimited text), groups the files into tables and partitions ([`layout`]) and says what the
//! catalog should hold ([`TablePlan`]); [`apply`] turns that into atomic groups of catalog calls
//! against what the catalog holds now (one group unless a crawl adds more partitions than one
//! holds).

pub mod apply;
pub mod custom;
pub mod delta;
pub mod file;
pub mod iceberg;
pub mod jdbc;
pub mod kind;
pub mod layout;
pub mod seen;
pub mod text;

use futures::StreamExt;
use serde_json::{json, Value};
use weir_engine::formats::TableFormat;
use weir_engine::job::files::{list_tree, relative_path};
use weir_engine::Engine;

use self::custom::Classifiers;
use self::file::FileSchema;
use self::layout::{Found, FoundTable, Grouping};
use self::seen::SeenFolders;

/// Files classified at once.
const CONCURRENT_READS: usize = 32;

/// One `S3Targets` entry: a path any object store of the engine reaches, Glue's exclusion
/// globs, and its `SampleSize`.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub path: String,
    pub exclusions: Vec<String>,
    /// Files of each folder that are read (`SampleSize`); the others take the schema of the
    /// first of them that is understood. `None`: every file is read.
    pub sample_size: Option<usize>,
}

/// What names a crawl's tables: `TablePrefix`, and who wrote them (`UPDATED_BY_CRAWLER`).
#[derive(Debug, Clone, Default)]
pub struct Naming {
    pub table_prefix: String,
    pub crawler: String,
}

/// A file the crawl could not describe (or a classifier it could not apply), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    pub reason: String,
}

/// One table as the files describe it.
#[derive(Debug, Clone)]
pub struct TablePlan {
    pub name: String,
    /// `TableInput`.
    pub input: Value,
    /// `PartitionInput`s.
    pub partitions: Vec<Value>,
}

/// What a crawl found.
#[derive(Debug, Clone, Default)]
pub struct CrawlPlan {
    pub tables: Vec<TablePlan>,
    pub problems: Vec<Problem>,
    pub files: u64,
    /// Files in folders crawled before, described from the catalog rather than read.
    pub not_read: u64,
}

/// How a crawl reads files and groups them into tables, beyond its targets.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The crawler's custom classifiers, in its order: Glue `Classifier` documents
    /// (`{"GrokClassifier": {…}}`, as `GetClassifier` returns them), tried on each text file
    /// before the built-in classification; one Weir cannot apply is a problem of the plan, and
    /// left out.
    pub classifiers: Vec<Value>,
    /// Folders crawled before: their files are not read, the catalog's schema of their folder
    /// is theirs.
    pub seen: SeenFolders,
    /// `Grouping.TableGroupingPolicy` `CombineCompatibleSchemas`.
    pub combine_compatible: bool,
    /// `Grouping.TableLevelConfiguration`: the level of tables' folders, counted from the
    /// bucket (1; for `file://` paths, the first folder).
    pub table_level: Option<usize>,
}

/// Lists and classifies the files of `targets` and says which tables they make.
pub async fn crawl(
    engine: &Engine,
    targets: &[Target],
    naming: &Naming,
    options: &Options,
) -> Result<CrawlPlan, String> {
    let ctx = engine.session().map_err(|e| e.to_string())?;
    let mut plan = CrawlPlan::default();
    let seen = &options.seen;
    let (custom, problems) = Classifiers::new(&options.classifiers);
    plan.problems.extend(problems);
    for target in targets {
        let listed = list_tree(engine, &ctx, &target.path, &target.exclusions)
            .await
            .map_err(|e| e.to_string())?;
        if listed.files.is_empty() {
            plan.problems.push(Problem {
                file: target.path.clone(),
                reason: "there is no file to crawl there".into(),
            });
            continue;
        }
        let base = weir_engine::stores::path_url(&target.path).map_err(|e| e.to_string())?;
        let prefix = object_store::path::Path::from_url_path(base.path())
            .map_err(|e| format!("path '{}': {e}", target.path))?;
        // A target naming one file: its table is the file's folder.
        let single_file = listed.files.len() == 1 && listed.files[0].location == prefix;
        let mut found = Vec::new();
        // Files are read concurrently: on object stores each read is mostly waiting.
        let custom = &custom;
        let sampled = sampled(&listed.files, target.sample_size);
        // Files of folders crawled before: described from the catalog, not read.
        let known: Vec<Option<FileSchema>> = listed
            .files
            .iter()
            .map(|meta| match seen.is_empty() {
                true => None,
                false => seen.schema_of(&listed.url_of(meta)).cloned(),
            })
            .collect();
        plan.not_read += known.iter().filter(|k| k.is_some()).count() as u64;
        let reads = listed.files.iter().cloned().zip(sampled).zip(known);
        let classified: Vec<_> = futures::stream::iter(reads)
            .map(|((meta, read), known)| {
                let (ctx, store) = (ctx.clone(), listed.store.clone());
                async move {
                    match (known, read) {
                        (Some(schema), _) => Some(Ok(schema)),
                        (None, true) => Some(file::classify(&ctx, &store, &meta, custom).await),
                        (None, false) => None,
                    }
                }
            })
            .buffered(CONCURRENT_READS)
            .collect()
            .await;
        let classified = with_samples_schemas(&listed.files, classified, target.sample_size);
        for (meta, classified) in listed.files.iter().zip(classified) {
            plan.files += 1;
            match classified {
                Ok(schema) => {
                    let parts = if single_file {
                        vec![meta.location.filename().unwrap_or_default().to_string()]
                    } else {
                        relative_path(&prefix, &meta.location)
                            .split('/')
                            .map(String::from)
                            .collect()
                    };
                    found.push(Found {
                        parts,
                        size: meta.size,
                        schema,
                    });
                }
                Err(reason) => plan.problems.push(Problem {
                    file: listed.url_of(meta),
                    reason,
                }),
            }
        }
        let base_text = base.to_string();
        let root_url = match (single_file, base_text.rfind('/')) {
            (true, Some(i)) => base_text[..=i].to_string(),
            _ => format!("{}/", base_text.trim_end_matches('/')),
        };
        let grouping = Grouping {
            combine_compatible: options.combine_compatible,
            table_depth: options
                .table_level
                .map(|level| level.saturating_sub(level_of(&base))),
        };
        for table in layout::tables(&found, grouping) {
            plan.tables.push(table_plan(&root_url, &table, naming));
        }
    }
    Ok(plan)
}

/// Which files are read: with a `SampleSize`, the first `n` of each folder.
fn sampled(files: &[object_store::ObjectMeta], sample_size: Option<usize>) -> Vec<bool> {
    let Some(n) = sample_size else {
        return vec![true; files.len()];
    };
    let mut per_folder: std::collections::HashMap<String, usize> = Default::default();
    files
        .iter()
        .map(|f| {
            let count = per_folder.entry(folder_of(f)).or_default();
            *count += 1;
            *count <= n
        })
        .collect()
}

fn folder_of(file: &object_store::ObjectMeta) -> String {
    let path = file.location.as_ref();
    path[..path.rfind('/').unwrap_or(0)].to_string()
}

/// Each file's classification: its own when it was read, else that of the first file of its
/// folder that was read and understood.
fn with_samples_schemas(
    files: &[object_store::ObjectMeta],
    classified: Vec<Option<Result<FileSchema, String>>>,
    sample_size: Option<usize>,
) -> Vec<Result<FileSchema, String>> {
    let mut first_understood: std::collections::HashMap<String, FileSchema> = Default::default();
    for (file, c) in files.iter().zip(&classified) {
        if let Some(Ok(schema)) = c {
            first_understood
                .entry(folder_of(file))
                .or_insert_with(|| schema.clone());
        }
    }
    files
        .iter()
        .zip(classified)
        .map(|(file, c)| match c {
            Some(result) => result,
            None => first_understood.get(&folder_of(file)).cloned().ok_or_else(|| {
                format!(
                    "it was not read (SampleSize {}), and no file of its folder that was read is understood",
                    sample_size.unwrap_or_default()
                )
            }),
        })
        .collect()
}

/// The level of a target's folder counted from its bucket (1), or for a path without one
/// (`file://`), from its first folder.
fn level_of(url: &url::Url) -> usize {
    let bucket = usize::from(url.host_str().is_some_and(|h| !h.is_empty()));
    let folders = url
        .path_segments()
        .map_or(0, |s| s.filter(|p| !p.is_empty()).count());
    bucket + folders
}

/// A catalog table name for a folder, as Glue names crawled tables: lower case, characters
/// other than letters, digits and `_` as `_`.
pub fn table_name(prefix: &str, folder: &str) -> String {
    let cleaned: String = folder
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}{cleaned}", prefix.to_lowercase())
}

fn table_plan(root_url: &str, table: &FoundTable, naming: &Naming) -> TablePlan {
    let location = format!(
        "{root_url}{}",
        table
            .root
            .iter()
            .map(|p| format!("{p}/"))
            .collect::<String>()
    );
    let folder = table
        .root
        .last()
        .cloned()
        .or_else(|| {
            root_url
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .map(String::from)
        })
        .unwrap_or_else(|| "root".into());
    let name = table_name(&naming.table_prefix, &folder);
    let columns: Vec<Value> = table
        .schema
        .columns
        .iter()
        .map(|(n, k)| json!({ "Name": n, "Type": k.hive() }))
        .collect();
    let keys: Vec<Value> = table
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| json!({ "Name": k, "Type": key_type(table, i) }))
        .collect();
    let parameters = parameters(table, naming);
    let descriptor = storage_descriptor(
        &table.schema.format,
        table.schema.quoted,
        &location,
        &columns,
        table.schema.compression,
    );
    let input = json!({
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": descriptor,
        "PartitionKeys": keys,
        "Parameters": parameters,
    });
    let partitions = table
        .partitions
        .iter()
        .map(|(values, folders)| {
            let at = format!("{location}{}", folders.iter().map(|p| format!("{p}/")).collect::<String>());
            json!({
                "Values": values,
                "StorageDescriptor": storage_descriptor(&table.schema.format, table.schema.quoted, &at, &columns, table.schema.compression),
                "Parameters": parameters,
            })
        })
        .collect();
    TablePlan {
        name,
        input,
        partitions,
    }
}

/// A partition key's type: `bigint` when every value is an integer, else `string`.
fn key_type(table: &FoundTable, level: usize) -> &'static str {
    let integers = table
        .partitions
        .keys()
        .all(|values| values[level].parse::<i64>().is_ok());
    if integers && !table.partitions.is_empty() {
        "bigint"
    } else {
        "string"
    }
}

/// The table parameters Glue's crawler writes.
fn parameters(table: &FoundTable, naming: &Naming) -> Value {
    let schema = &table.schema;
    let mut p = json!({
        "classification": schema.format.classification(),
        "typeOfData": "file",
        "objectCount": table.objects.to_string(),
        "sizeKey": table.bytes.to_string(),
        "UPDATED_BY_CRAWLER": naming.crawler,
        "CrawlerSchemaSerializerVersion": "1.0",
        "CrawlerSchemaDeserializerVersion": "1.0",
    });
    // Left out when the files differ: a reader then reads each as its suffix or content says.
    if schema.compression != layout::MIXED {
        p["compressionType"] = json!(schema.compression);
    }
    if schema.format.is_text() && schema.records > 0 {
        p["recordCount"] = json!(schema.records.to_string());
        p["averageRecordSize"] = json!((table.bytes / schema.records.max(1)).to_string());
    }
    if let TableFormat::Csv {
        delimiter, header, ..
    } = schema.format
    {
        p["delimiter"] = json!((delimiter as char).to_string());
        p["areColumnsQuoted"] = json!(schema.quoted.to_string());
        p["columnsOrdered"] = json!("true");
        p["skip.header.line.count"] = json!(if header { "1" } else { "0" });
    }
    match &schema.format {
        TableFormat::Json {
            json_path: Some(path),
        } => p["jsonPath"] = json!(path),
        TableFormat::Xml { row_tag, .. } => p["rowTag"] = json!(row_tag),
        _ => {}
    }
    p
}

/// The `StorageDescriptor` of the engine's format layer, with quoted text read by
/// `OpenCSVSerde` and compression noted.
fn storage_descriptor(
    format: &TableFormat,
    quoted: bool,
    location: &str,
    columns: &[Value],
    compression: &str,
) -> Value {
    let mut sd = format.storage_descriptor(location, columns.to_vec());
    if let (
        TableFormat::Csv {
            delimiter, quote, ..
        },
        true,
    ) = (format, quoted)
    {
        sd["SerdeInfo"] = json!({
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
            "Parameters": {
                "separatorChar": (*delimiter as char).to_string(),
                "quoteChar": (*quote as char).to_string(),
            },
        });
    }
    sd["Compressed"] = json!(compression != "none");
    sd
}
