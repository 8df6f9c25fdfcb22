//! The files an S3 source reads, listed as Glue lists them: every object under each path
//! (recursively unless `Recurse` is false), in key order, without Hadoop's hidden and marker
//! files (a name or folder starting with `_` or `.`, `*_$folder$`, empty "folder" objects),
//! Weir's own staging folders, and what `Exclusions` names; then at most
//! `AdditionalOptions.BoundedFiles` files and `BoundedSize` bytes. With job bookmarks, the files
//! the node processed in earlier runs are left out before the bounds apply ([`bookmark`]).
//! Also: a file's compression, from its suffix or its first bytes.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::execution::context::SessionContext;
use datafusion::execution::object_store::ObjectStoreUrl;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use serde_json::Value;
use url::Url;

use crate::error::{EngineError, Result};
use crate::job::bookmark::{self, RunBookmarks};
use crate::job::graph::{strings, Node};
use crate::session::Engine;
use crate::stores::path_url;

/// Files of one object store, in listing order.
#[derive(Debug, Clone)]
pub struct StoreFiles {
    pub store_url: ObjectStoreUrl,
    /// How messages name the store: its URL, or the URL of the files a store holds a copy of.
    pub shown_as: String,
    pub store: Arc<dyn ObjectStore>,
    pub files: Vec<ObjectMeta>,
}

impl StoreFiles {
    /// The URL of one of the files, for messages.
    pub fn url_of(&self, meta: &ObjectMeta) -> String {
        file_url(&self.shown_as, meta)
    }
}

/// The URL of a file of the store at `store_url` (`s3://bucket/`, `file:///`).
pub fn file_url(store_url: &str, meta: &ObjectMeta) -> String {
    let store_url = store_url.strip_suffix('/').unwrap_or(store_url);
    format!("{store_url}/{}", meta.location)
}

/// The files a source node reads.
#[derive(Debug)]
pub struct Listing {
    pub files: Vec<StoreFiles>,
    /// The bookmark holds every listed file: `files` is the newest of them, to read the
    /// source's schema from, and the source reads no row.
    pub schema_only: bool,
}

/// How the node asks for its files to be listed.
struct ListingRules {
    recurse: bool,
    exclusions: Vec<String>,
    bounded_files: Option<u64>,
    bounded_size: Option<u64>,
}

impl ListingRules {
    fn of(node: &Node) -> Self {
        let options = node.fields.get("AdditionalOptions");
        let bound = |k: &str| {
            options
                .and_then(|o| o.get(k))
                .and_then(Value::as_i64)
                .map(|n| n.max(0) as u64)
        };
        Self {
            recurse: node.bool("Recurse").unwrap_or(true),
            exclusions: exclusions(node.fields.get("Exclusions")),
            bounded_files: bound("BoundedFiles"),
            bounded_size: bound("BoundedSize"),
        }
    }
}

/// `Exclusions` patterns. Glue documents the value as "a string containing a JSON list", so an
/// entry that is itself a JSON list of strings contributes its members.
fn exclusions(value: Option<&Value>) -> Vec<String> {
    strings(value)
        .into_iter()
        .flat_map(|p| match serde_json::from_str::<Vec<String>>(&p) {
            Ok(list) => list,
            Err(_) => vec![p],
        })
        .collect()
}

/// Lists the files of a source node's `Paths`, grouped by object store, without those the run's
/// bookmarks say the node processed. A path that yields no file is an error naming the node and
/// the path.
pub async fn list(
    engine: &Engine,
    ctx: &SessionContext,
    node: &Node,
    bookmarks: &RunBookmarks,
) -> Result<Listing> {
    let paths = strings(node.fields.get("Paths"));
    if paths.is_empty() {
        return Err(EngineError::invalid(
            &node.id,
            format!("{}.Paths is empty: give at least one path", node.node_type),
        ));
    }
    let rules = ListingRules::of(node);
    let mut groups: Vec<StoreFiles> = Vec::new();
    for path in &paths {
        let url = path_url(path)?;
        engine.ensure_store(ctx, &url)?;
        let store_url = ObjectStoreUrl::parse(format!("{}://{}", url.scheme(), url.authority()))?;
        let store = ctx.runtime_env().object_store(&store_url)?;
        let files = list_path(store.as_ref(), &url, &rules).await.map_err(|e| {
            EngineError::invalid(&node.id, format!("{}.Paths '{path}': {e}", node.node_type))
        })?;
        if files.is_empty() {
            return Err(EngineError::invalid(
                &node.id,
                format!(
                    "{}.Paths '{path}': no file to read there{}",
                    node.node_type,
                    if rules.exclusions.is_empty() {
                        ""
                    } else {
                        " (after Exclusions)"
                    }
                ),
            ));
        }
        match groups.iter_mut().find(|g| g.store_url == store_url) {
            Some(g) => g.files.extend(files),
            None => groups.push(StoreFiles {
                shown_as: store_url.as_str().to_string(),
                store_url,
                store,
                files,
            }),
        }
    }
    let processed = bookmarks.skip_processed(&node.id, &mut groups);
    if groups.iter().all(|g| g.files.is_empty()) {
        return Ok(Listing {
            files: bookmark::newest(processed),
            schema_only: true,
        });
    }
    groups.retain(|g| !g.files.is_empty());
    bound(node, &rules, &mut groups)?;
    bookmarks.record(&node.id, &groups);
    Ok(Listing {
        files: groups,
        schema_only: false,
    })
}

/// Every readable file under `path`, as a crawler lists an S3 target: recursively, in key order,
/// without Hadoop's hidden and marker files, minus what the `exclusions` globs name (relative
/// to the path, or as full URLs). An empty list when nothing is there.
pub async fn list_tree(
    engine: &Engine,
    ctx: &SessionContext,
    path: &str,
    exclusions: &[String],
) -> Result<StoreFiles> {
    let url = path_url(path)?;
    engine.ensure_store(ctx, &url)?;
    let store_url = ObjectStoreUrl::parse(format!("{}://{}", url.scheme(), url.authority()))?;
    let store = ctx.runtime_env().object_store(&store_url)?;
    let rules = ListingRules {
        recurse: true,
        exclusions: exclusions.to_vec(),
        bounded_files: None,
        bounded_size: None,
    };
    let files = list_path(store.as_ref(), &url, &rules)
        .await
        .map_err(|e| EngineError::invalid_job(format!("listing '{path}': {e}")))?;
    Ok(StoreFiles {
        shown_as: store_url.as_str().to_string(),
        store_url,
        store,
        files,
    })
}

/// The readable files under one path: the object itself when the path names one, else what
/// is below it; sorted by key, hidden and excluded files left out.
async fn list_path(
    store: &dyn ObjectStore,
    url: &Url,
    rules: &ListingRules,
) -> std::result::Result<Vec<ObjectMeta>, object_store::Error> {
    let prefix = Path::from_url_path(url.path())?;
    if !url.path().ends_with('/') {
        match store.head(&prefix).await {
            Ok(meta) => return Ok(vec![meta]),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let mut listed: Vec<ObjectMeta> = if rules.recurse {
        store.list(Some(&prefix)).try_collect().await?
    } else {
        store.list_with_delimiter(Some(&prefix)).await?.objects
    };
    listed.sort_by(|a, b| a.location.cmp(&b.location));
    let folders = folders_of(&listed);
    let root = format!("{}://{}", url.scheme(), url.authority());
    Ok(listed
        .into_iter()
        .filter(|m| {
            let relative = relative_path(&prefix, &m.location);
            let marker = m.size == 0 && (relative.is_empty() || folders.contains(&m.location));
            let full = format!("{root}/{}", m.location);
            !marker && !hidden(&relative) && !excluded(&rules.exclusions, &full, &relative)
        })
        .collect())
}

/// Every folder that holds a listed object (an empty object of that name is a folder marker).
fn folders_of(listed: &[ObjectMeta]) -> HashSet<Path> {
    let mut folders = HashSet::new();
    for m in listed {
        let parts: Vec<_> = m.location.parts().collect();
        for n in 1..parts.len() {
            folders.insert(Path::from_iter(parts[..n].iter().cloned()));
        }
    }
    folders
}

/// The path of `location` below `prefix` (`a/b.csv`), empty for the prefix itself.
pub fn relative_path(prefix: &Path, location: &Path) -> String {
    location
        .prefix_match(prefix)
        .map(|parts| {
            parts
                .map(|p| p.as_ref().to_string())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default()
}

/// Hadoop's hidden files: a file or folder whose name starts with `_` or `.` (`_SUCCESS`,
/// `.part-0.crc`, `_temporary/`), S3 folder markers `x_$folder$`, and the staging folders Weir's
/// targets write into before they commit (`<path>.weir-staging-<run>/`).
pub fn hidden(relative: &str) -> bool {
    relative.split('/').any(|segment| {
        segment.starts_with('_')
            || segment.starts_with('.')
            || segment.ends_with("_$folder$")
            || segment.contains(".weir-staging-")
    })
}

/// Whether an `Exclusions` pattern matches the file. A pattern with a scheme
/// (`s3://bucket/path/*.json`) is matched against the file's URL; one without is matched
/// against the URL and against the path below the source path (`**.txt`, `*.json`, `tmp/**`).
fn excluded(patterns: &[String], url: &str, relative: &str) -> bool {
    patterns.iter().any(|p| {
        let p = p
            .replacen("s3a://", "s3://", 1)
            .replacen("s3n://", "s3://", 1);
        glob_matches(&p, url) || (!p.contains("://") && glob_matches(&p, relative))
    })
}

/// Applies `BoundedFiles` and `BoundedSize`: files are taken in listing order while both bounds
/// hold. A bound that admits no file is an error.
fn bound(node: &Node, rules: &ListingRules, groups: &mut [StoreFiles]) -> Result<()> {
    if rules.bounded_files.is_none() && rules.bounded_size.is_none() {
        return Ok(());
    }
    let (mut files, mut bytes) = (0u64, 0u64);
    for g in groups.iter_mut() {
        g.files.retain(|m| {
            let fits = rules.bounded_files.is_none_or(|n| files < n)
                && rules.bounded_size.is_none_or(|n| bytes + m.size <= n);
            if fits {
                files += 1;
                bytes += m.size;
            }
            fits
        });
    }
    if files == 0 {
        return Err(EngineError::invalid(
            &node.id,
            format!(
                "{}.AdditionalOptions: BoundedFiles/BoundedSize admit no file (the first is larger than BoundedSize)",
                node.node_type
            ),
        ));
    }
    Ok(())
}

/// A file's compression: by its suffix (`.gz`, `.bz2`, `.zst`), else by its first bytes
/// (gzip `1f 8b`, bzip2 `BZh`, zstd `28 b5 2f fd`); uncompressed otherwise.
pub async fn detect_compression(
    store: &dyn ObjectStore,
    meta: &ObjectMeta,
) -> Result<FileCompressionType> {
    let name = meta.location.filename().unwrap_or_default();
    if let Some(c) = compression_by_suffix(name) {
        return Ok(c);
    }
    if meta.size < 2 {
        return Ok(FileCompressionType::UNCOMPRESSED);
    }
    let head = store.get_range(&meta.location, 0..meta.size.min(4)).await?;
    Ok(compression_of(name, &head))
}

/// [`detect_compression`] of a file whose first bytes were read already.
pub fn compression_of(name: &str, head: &[u8]) -> FileCompressionType {
    compression_by_suffix(name).unwrap_or(match head {
        [0x1f, 0x8b, ..] => FileCompressionType::GZIP,
        [b'B', b'Z', b'h', ..] => FileCompressionType::BZIP2,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => FileCompressionType::ZSTD,
        _ => FileCompressionType::UNCOMPRESSED,
    })
}

fn compression_by_suffix(name: &str) -> Option<FileCompressionType> {
    let name = name.to_ascii_lowercase();
    [
        (".gz", FileCompressionType::GZIP),
        (".gzip", FileCompressionType::GZIP),
        (".bz2", FileCompressionType::BZIP2),
        (".zst", FileCompressionType::ZSTD),
    ]
    .into_iter()
    .find(|(suffix, _)| name.ends_with(suffix))
    .map(|(_, c)| c)
}

/// Unix-style glob matching as Java's `PathMatcher` does it: `*` and `?` stay within a path
/// segment, `**` crosses segments, `[abc]`, `[a-z]`, `[!x]` are classes, `{a,b}` alternatives,
/// `\` escapes.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    expand_braces(pattern)
        .iter()
        .any(|p| match_here(&p.chars().collect::<Vec<_>>(), &text))
}

/// `a{b,c}d` → `abd`, `acd` (nested groups too).
fn expand_braces(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let Some(open) = chars.iter().position(|&c| c == '{') else {
        return vec![pattern.to_string()];
    };
    let (mut depth, mut close, mut commas) = (0, None, Vec::new());
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            ',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![pattern.to_string()];
    };
    let head: String = chars[..open].iter().collect();
    let tail: String = chars[close + 1..].iter().collect();
    let mut bounds = vec![open];
    bounds.extend(commas);
    bounds.push(close);
    bounds
        .windows(2)
        .flat_map(|w| {
            let alt: String = chars[w[0] + 1..w[1]].iter().collect();
            expand_braces(&format!("{head}{alt}{tail}"))
        })
        .collect()
}

fn match_here(p: &[char], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some('*') if p.get(1) == Some(&'*') => {
            let rest = &p[2..];
            (0..=t.len()).any(|i| match_here(rest, &t[i..]))
        }
        Some('*') => {
            let rest = &p[1..];
            let segment = t.iter().position(|&c| c == '/').unwrap_or(t.len());
            (0..=segment).any(|i| match_here(rest, &t[i..]))
        }
        Some('?') => t.first().is_some_and(|&c| c != '/') && match_here(&p[1..], &t[1..]),
        Some('[') => match (class_end(p), t.first()) {
            (Some(end), Some(&c)) => {
                c != '/' && class_matches(&p[1..end], c) && match_here(&p[end + 1..], &t[1..])
            }
            (Some(_), None) => false,
            (None, _) => t.first() == Some(&'[') && match_here(&p[1..], &t[1..]),
        },
        Some('\\') if p.len() > 1 => t.first() == Some(&p[1]) && match_here(&p[2..], &t[1..]),
        Some(&c) => t.first() == Some(&c) && match_here(&p[1..], &t[1..]),
    }
}

/// The index of the `]` closing the class that starts at `p[0]`.
fn class_end(p: &[char]) -> Option<usize> {
    let start = if p.get(1) == Some(&'!') { 2 } else { 1 };
    p.iter()
        .enumerate()
        .skip(start + 1)
        .find(|(_, &c)| c == ']')
        .map(|(i, _)| i)
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negated, class) = match class.first() {
        Some('!') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut i = 0;
    let mut hit = false;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == '-' {
            hit |= class[i] <= c && c <= class[i + 2];
            i += 3;
        } else {
            hit |= class[i] == c;
            i += 1;
        }
    }
    hit != negated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_java_path_matchers_do() {
        assert!(glob_matches("**.txt", "s3://b/a/b/c.txt"));
        assert!(glob_matches("**.txt", "c.txt"));
        assert!(!glob_matches("*.txt", "a/c.txt"));
        assert!(glob_matches("*.txt", "c.txt"));
        assert!(glob_matches("s3://b/path/*.json", "s3://b/path/x.json"));
        assert!(!glob_matches(
            "s3://b/path/*.json",
            "s3://b/path/sub/x.json"
        ));
        assert!(glob_matches("s3://b/path/**", "s3://b/path/sub/x.json"));
        assert!(glob_matches("part-?.csv", "part-1.csv"));
        assert!(!glob_matches("part-?.csv", "part-10.csv"));
        assert!(glob_matches("part-[0-4].csv", "part-3.csv"));
        assert!(!glob_matches("part-[!0-4].csv", "part-3.csv"));
        assert!(glob_matches("**.{csv,tsv}", "a/b.tsv"));
        assert!(!glob_matches("**.{csv,tsv}", "a/b.json"));
        assert!(glob_matches("a\\*b", "a*b"));
        assert!(!glob_matches("a\\*b", "axb"));
    }

    #[test]
    fn hidden_files_are_hadoops() {
        assert!(hidden("_SUCCESS"));
        assert!(hidden("year=2024/.part-0.crc"));
        assert!(hidden("_temporary/0/part-0"));
        assert!(hidden("logs_$folder$"));
        assert!(hidden("out.weir-staging-jr_1/part-0"));
        assert!(!hidden("year=2024/part-0.csv"));
    }

    /// S3 consoles and Hadoop create empty objects named like folders (`data/sub/`, which an
    /// object store lists as `data/sub`); they are not files. An empty file is.
    #[tokio::test]
    async fn empty_folder_markers_are_not_files() {
        use object_store::memory::InMemory;
        use object_store::PutPayload;
        let store = InMemory::new();
        for (key, body) in [
            ("data", ""),
            ("data/sub", ""),
            ("data/sub/a.csv", "x\n1\n"),
            ("data/empty.csv", ""),
        ] {
            store
                .put(&Path::from(key), PutPayload::from(body.as_bytes().to_vec()))
                .await
                .unwrap();
        }
        let rules = ListingRules {
            recurse: true,
            exclusions: vec![],
            bounded_files: None,
            bounded_size: None,
        };
        let url = Url::parse("memory:///data/").unwrap();
        let listed = list_path(&store, &url, &rules).await.unwrap();
        let names: Vec<String> = listed.iter().map(|m| m.location.to_string()).collect();
        assert_eq!(names, ["data/empty.csv", "data/sub/a.csv"]);
    }

    #[test]
    fn an_exclusion_given_as_a_json_list_string_is_read_as_its_members() {
        let v = serde_json::json!(["[\"**.pdf\", \"**.txt\"]", "*.bak"]);
        assert_eq!(exclusions(Some(&v)), ["**.pdf", "**.txt", "*.bak"]);
    }
}
