//! Which files make one table, and which folders are its partitions. Files at the same depth
//! below a folder, of one format and compatible schemas, are one table rooted at the folder;
//! the folders between are its partitions: `key=value` folders give the key its name, others
//! are `partition_0`, `partition_1`, …. Otherwise the folder's own files are a table, and each
//! subfolder is looked at the same way.

use std::collections::BTreeMap;

use weir_engine::formats::TableFormat;

use super::file::FileSchema;
use super::kind::merge_columns;

/// The compression of a table whose files are compressed differently (each file is read as
/// its suffix or content says).
pub const MIXED: &str = "mixed";

/// A classified file below a target.
#[derive(Debug, Clone)]
pub struct Found {
    /// Folders below the target, then the file name.
    pub parts: Vec<String>,
    pub size: u64,
    pub schema: FileSchema,
}

/// One table a crawl finds.
#[derive(Debug, Clone)]
pub struct FoundTable {
    /// The folders from the target to the table's root (empty: the target itself).
    pub root: Vec<String>,
    /// Partition key names, outermost first.
    pub keys: Vec<String>,
    /// Partition values (one per key) and the folders below the root that hold them.
    pub partitions: BTreeMap<Vec<String>, Vec<String>>,
    pub schema: FileSchema,
    pub objects: u64,
    pub bytes: u64,
}

/// How files group into tables (a crawler's `Configuration.Grouping`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grouping {
    /// `TableGroupingPolicy` `CombineCompatibleSchemas`: files of one format make one table
    /// however few columns they share.
    pub combine_compatible: bool,
    /// `TableLevelConfiguration`, as folders below the target: tables are rooted there.
    pub table_depth: Option<usize>,
}

/// The tables of the files below one target.
pub fn tables(files: &[Found], grouping: Grouping) -> Vec<FoundTable> {
    let files: Vec<&Found> = files.iter().collect();
    let mut out = Vec::new();
    match grouping.table_depth {
        Some(depth) => {
            let (above, below): (Vec<&Found>, Vec<&Found>) =
                files.into_iter().partition(|f| f.parts.len() <= depth);
            group(&above, 0, grouping, &mut out);
            let mut roots: BTreeMap<&[String], Vec<&Found>> = BTreeMap::new();
            for f in below {
                roots.entry(&f.parts[..depth]).or_default().push(f);
            }
            for (_, files) in roots {
                group(&files, depth, grouping, &mut out);
            }
        }
        None => group(&files, 0, grouping, &mut out),
    }
    out
}

fn group(files: &[&Found], depth: usize, grouping: Grouping, out: &mut Vec<FoundTable>) {
    if files.is_empty() {
        return;
    }
    if let Some(table) = one_table(files, depth, grouping) {
        out.push(table);
        return;
    }
    // The folder's own files, then each subfolder.
    let own: Vec<&Found> = files
        .iter()
        .copied()
        .filter(|f| f.parts.len() == depth + 1)
        .collect();
    if let Some(table) = one_table(&own, depth, grouping) {
        out.push(table);
    } else {
        // Incompatible files side by side: each format (and CSV shape) its own table is not
        // something Glue does either; the first file's kind wins and the rest are left out.
        let first = own.first().map(|f| f.schema.format.clone());
        let same: Vec<&Found> = own
            .iter()
            .copied()
            .filter(|f| Some(&f.schema.format) == first.as_ref())
            .collect();
        if let Some(table) = one_table(&same, depth, grouping) {
            out.push(table);
        }
    }
    let mut children: BTreeMap<&str, Vec<&Found>> = BTreeMap::new();
    for f in files.iter().copied().filter(|f| f.parts.len() > depth + 1) {
        children.entry(f.parts[depth].as_str()).or_default().push(f);
    }
    for (_, child) in children {
        group(&child, depth + 1, grouping, out);
    }
}

/// The files as one table rooted at `depth`, when they are at one depth, of one format and
/// compatible columns.
fn one_table(files: &[&Found], depth: usize, grouping: Grouping) -> Option<FoundTable> {
    let first = files.first()?;
    let levels = first.parts.len() - 1 - depth;
    if files.iter().any(|f| f.parts.len() - 1 - depth != levels) {
        return None;
    }
    let combine = grouping.combine_compatible;
    if files
        .iter()
        .any(|f| !compatible(&first.schema, &f.schema, combine))
    {
        return None;
    }
    let mut schema = first.schema.clone();
    schema.records = 0;
    let mut partitions: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    let (mut objects, mut bytes) = (0, 0);
    for f in files {
        schema.columns = merge_columns(
            std::mem::take(&mut schema.columns),
            f.schema.columns.clone(),
        );
        schema.quoted |= f.schema.quoted;
        if f.schema.compression != schema.compression {
            schema.compression = MIXED;
        }
        schema.records += f.schema.records;
        objects += 1;
        bytes += f.size;
        let folders = f.parts[depth..depth + levels].to_vec();
        let values = folders.iter().map(|s| value_of(s).to_string()).collect();
        partitions.insert(values, folders);
    }
    let keys = (0..levels)
        .map(|level| {
            let key_of = |f: &&Found| {
                f.parts[depth + level]
                    .split_once('=')
                    .map(|(k, _)| k.to_string())
            };
            match key_of(first) {
                Some(k) if files.iter().all(|f| key_of(f).as_ref() == Some(&k)) => k.to_lowercase(),
                _ => format!("partition_{level}"),
            }
        })
        .collect();
    if levels == 0 {
        partitions.clear();
    }
    Some(FoundTable {
        root: first.parts[..depth].to_vec(),
        keys,
        partitions,
        schema,
        objects,
        bytes,
    })
}

/// A folder's partition value: after `=` in a `key=value` folder, else the name.
fn value_of(folder: &str) -> &str {
    folder.split_once('=').map_or(folder, |(_, v)| v)
}

/// Whether two files can be one table: one format (for delimited text: one delimiter and
/// header), and for text, columns that mostly agree (headerless text: as many columns).
fn compatible(a: &FileSchema, b: &FileSchema, combine: bool) -> bool {
    let similar = |a: &FileSchema, b: &FileSchema| combine || similar(a, b);
    match (&a.format, &b.format) {
        (
            TableFormat::Csv {
                delimiter: d1,
                header: h1,
                ..
            },
            TableFormat::Csv {
                delimiter: d2,
                header: h2,
                ..
            },
        ) => d1 == d2 && h1 == h2 && (*h1 || a.columns.len() == b.columns.len()) && similar(a, b),
        (f1, f2) => f1 == f2 && similar(a, b),
    }
}

/// Schemas similar enough for one table: at least 70 % of the columns of the narrower one are
/// in the other (a file with a column more, as data gains columns over time, stays in its
/// table).
fn similar(a: &FileSchema, b: &FileSchema) -> bool {
    let shared = a
        .columns
        .iter()
        .filter(|(n, _)| b.columns.iter().any(|(m, _)| m == n))
        .count();
    let narrower = a.columns.len().min(b.columns.len());
    narrower == 0 || shared * 10 >= narrower * 7
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawl::kind::Kind;

    fn file(path: &str, columns: &[&str]) -> Found {
        Found {
            parts: path.split('/').map(String::from).collect(),
            size: 10,
            schema: FileSchema {
                format: TableFormat::Json { json_path: None },
                columns: columns.iter().map(|c| (c.to_string(), Kind::Int)).collect(),
                compression: "none",
                quoted: false,
                records: 1,
            },
        }
    }

    #[test]
    fn hive_folders_are_named_partitions_and_plain_folders_numbered() {
        let files = [
            file("year=2024/month=1/a.json", &["id"]),
            file("year=2024/month=2/b.json", &["id", "x"]),
            file("year=2025/month=1/c.json", &["id"]),
        ];
        let found = tables(&files, Grouping::default());
        assert_eq!(found.len(), 1);
        let t = &found[0];
        assert!(t.root.is_empty());
        assert_eq!(t.keys, ["year", "month"]);
        assert_eq!(t.partitions.len(), 3);
        assert_eq!(t.objects, 3);
        assert_eq!(t.schema.columns.len(), 2);
        let files = [
            file("2024/01/a.json", &["id"]),
            file("2024/02/a.json", &["id"]),
        ];
        assert_eq!(
            tables(&files, Grouping::default())[0].keys,
            ["partition_0", "partition_1"]
        );
    }

    #[test]
    fn incompatible_siblings_become_tables_of_their_own() {
        let files = [
            file("orders/a.json", &["order_id", "amount", "day"]),
            file("orders/b.json", &["order_id", "amount", "day"]),
            file("users/a.json", &["user_id", "name", "email"]),
        ];
        let found = tables(&files, Grouping::default());
        let roots: Vec<_> = found.iter().map(|t| t.root.join("/")).collect();
        assert_eq!(roots, ["orders", "users"]);
        assert!(found.iter().all(|t| t.keys.is_empty()));
    }

    #[test]
    fn files_at_different_depths_split_by_folder() {
        let files = [file("top.json", &["id"]), file("sub/x.json", &["id"])];
        let found = tables(&files, Grouping::default());
        let roots: Vec<_> = found.iter().map(|t| t.root.join("/")).collect();
        assert_eq!(roots, ["", "sub"]);
    }
}
