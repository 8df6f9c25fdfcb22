//! Job bookmarks (Glue's `--job-bookmark-option`): what each S3 source node of a job has
//! processed, so that the next run reads only what is new.
//!
//! A bookmark holds, per source node id, the URL, size and last-modified time of every file the
//! node has read. A listed file is processed when the bookmark holds it with the same size and
//! last-modified time; a new file, or one whose size or time changed, is read (whole). The
//! filter applies before `BoundedFiles`/`BoundedSize`, so bounded runs work through a backlog
//! run by run. With `job-bookmark-enable` the run leaves a new state: per node, the files it
//! read and the processed files still listed (files gone from the listing are dropped, so the
//! state stays the size of the listing). With `job-bookmark-pause` the run filters by the
//! bookmark and leaves no state; with `job-bookmark-disable` (the default) it reads everything.
//!
//! Database sources (the engine's connectors) keep the values of their bookmark keys in the last
//! row they read instead ([`RunBookmarks::processed_keys`], [`RunBookmarks::record_keys`]).
//! Catalog sources on files (`CatalogSource`, `S3CatalogSource`) are not bookmarked: they read
//! their table whole. What to store, and when, is the caller's: the engine returns the new state in
//! the run's summary and knows nothing of where bookmarks are kept.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::SecondsFormat;
use object_store::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::job::files::StoreFiles;

/// The job argument that turns bookmarks on.
pub const OPTION_ARGUMENT: &str = "--job-bookmark-option";

/// The value of [`OPTION_ARGUMENT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BookmarkOption {
    /// Read what the bookmark does not hold, and advance it.
    Enable,
    /// Read everything; the bookmark is left as it is.
    #[default]
    Disable,
    /// Read what the bookmark does not hold; the bookmark is left as it is.
    Pause,
}

impl BookmarkOption {
    /// The option a job's arguments set (`job-bookmark-disable` when they set none).
    pub fn of(arguments: &BTreeMap<String, String>) -> Result<Self> {
        for range in ["--job-bookmark-from", "--job-bookmark-to"] {
            if arguments.contains_key(range) {
                return Err(EngineError::invalid_job(format!(
                    "{range} is not supported: Weir filters a paused run by the job's bookmark, not by the bookmarks of given runs"
                )));
            }
        }
        match arguments.get(OPTION_ARGUMENT).map(|v| v.trim()) {
            None | Some("job-bookmark-disable") => Ok(Self::Disable),
            Some("job-bookmark-enable") => Ok(Self::Enable),
            Some("job-bookmark-pause") => Ok(Self::Pause),
            Some(other) => Err(EngineError::invalid_job(format!(
                "{OPTION_ARGUMENT} '{other}' is not one of job-bookmark-enable, job-bookmark-disable, job-bookmark-pause"
            ))),
        }
    }
}

/// What a job's source nodes have processed: the state a bookmark keeps, as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookmarkState {
    /// By source node id.
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeBookmark>,
}

/// What one source node has processed: files (S3 sources), or the bookmark keys' values of
/// the last row read (database sources, as text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeBookmark {
    /// By file URL.
    #[serde(default)]
    pub files: BTreeMap<String, FileMark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<String>>,
}

/// A processed file as it was when it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMark {
    pub size: u64,
    /// RFC 3339, to the precision the object store reports.
    pub last_modified: String,
}

impl FileMark {
    fn of(meta: &ObjectMeta) -> Self {
        Self {
            size: meta.size,
            last_modified: meta
                .last_modified
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        }
    }
}

/// One run's bookmarks: the state it started from, and the state it leaves (when enabled).
#[derive(Debug, Default)]
pub struct RunBookmarks {
    option: BookmarkOption,
    previous: BookmarkState,
    next: Mutex<BookmarkState>,
}

impl RunBookmarks {
    pub fn new(option: BookmarkOption, previous: Option<BookmarkState>) -> Self {
        Self {
            option,
            previous: previous.unwrap_or_default(),
            next: Mutex::default(),
        }
    }

    /// Takes out of `groups` the files `node` has processed (none when bookmarks are
    /// disabled) and returns them, grouped as they were.
    pub fn skip_processed(&self, node: &str, groups: &mut [StoreFiles]) -> Vec<StoreFiles> {
        if self.option == BookmarkOption::Disable {
            return Vec::new();
        }
        let done = self.previous.nodes.get(node);
        let mut skipped = Vec::new();
        for g in groups.iter_mut() {
            let (old, new): (Vec<ObjectMeta>, Vec<ObjectMeta>) =
                std::mem::take(&mut g.files).into_iter().partition(|m| {
                    done.and_then(|d| d.files.get(&g.url_of(m)))
                        .is_some_and(|mark| *mark == FileMark::of(m))
                });
            g.files = new;
            if !old.is_empty() {
                skipped.push(StoreFiles {
                    files: old,
                    ..g.clone()
                });
            }
        }
        self.record(node, &skipped);
        skipped
    }

    /// Records that `node` reads `groups` in this run (when bookmarks are enabled).
    pub fn record(&self, node: &str, groups: &[StoreFiles]) {
        if self.option != BookmarkOption::Enable {
            return;
        }
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let marks = &mut next.nodes.entry(node.to_string()).or_default().files;
        for g in groups {
            for m in &g.files {
                marks.insert(g.url_of(m), FileMark::of(m));
            }
        }
    }

    /// The bookmark keys' values of the last row `node` read in earlier runs; `None` when
    /// bookmarks are disabled or the node has read nothing yet.
    pub fn processed_keys(&self, node: &str) -> Option<&[String]> {
        if self.option == BookmarkOption::Disable {
            return None;
        }
        self.previous.nodes.get(node)?.keys.as_deref()
    }

    /// Whether reads filter by the bookmark (`job-bookmark-enable` or `-pause`).
    pub fn filters(&self) -> bool {
        self.option != BookmarkOption::Disable
    }

    /// Records the bookmark keys' values of the last row `node` reads in this run (when
    /// bookmarks are enabled).
    pub fn record_keys(&self, node: &str, keys: Vec<String>) {
        if self.option != BookmarkOption::Enable {
            return;
        }
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        next.nodes.entry(node.to_string()).or_default().keys = Some(keys);
    }

    /// The state the run leaves: `None` unless bookmarks are enabled.
    pub fn into_next(self) -> Option<BookmarkState> {
        (self.option == BookmarkOption::Enable)
            .then(|| self.next.into_inner().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The most recently modified of `groups`' files, alone in its group.
pub fn newest(groups: Vec<StoreFiles>) -> Vec<StoreFiles> {
    let newest = groups
        .iter()
        .flat_map(|g| g.files.iter().map(move |m| (g, m)))
        .max_by_key(|(_, m)| m.last_modified);
    newest
        .map(|(g, m)| StoreFiles {
            files: vec![m.clone()],
            ..g.clone()
        })
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};
    use datafusion::execution::object_store::ObjectStoreUrl;
    use object_store::memory::InMemory;
    use object_store::path::Path;

    use super::*;

    fn meta(key: &str, size: u64, second: i64) -> ObjectMeta {
        ObjectMeta {
            location: Path::from(key),
            last_modified: Utc.timestamp_opt(1_700_000_000 + second, 0).unwrap(),
            size,
            e_tag: None,
            version: None,
        }
    }

    fn listing(files: Vec<ObjectMeta>) -> Vec<StoreFiles> {
        vec![StoreFiles {
            store_url: ObjectStoreUrl::parse("memory://").unwrap(),
            shown_as: "memory:///".into(),
            store: Arc::new(InMemory::new()),
            files,
        }]
    }

    fn keys(groups: &[StoreFiles]) -> Vec<String> {
        groups
            .iter()
            .flat_map(|g| g.files.iter().map(|m| m.location.to_string()))
            .collect()
    }

    fn args(option: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(OPTION_ARGUMENT.to_string(), option.to_string())])
    }

    /// A first run with bookmarks enabled: reads `files` and returns the state it leaves.
    fn first_run(files: Vec<ObjectMeta>) -> BookmarkState {
        let run = RunBookmarks::new(BookmarkOption::Enable, None);
        let mut groups = listing(files);
        assert!(run.skip_processed("src", &mut groups).is_empty());
        run.record("src", &groups);
        run.into_next().unwrap()
    }

    #[test]
    fn an_enabled_run_reads_new_and_changed_files_only() {
        let state = first_run(vec![meta("in/a.csv", 10, 0), meta("in/b.csv", 20, 0)]);
        assert_eq!(state.nodes["src"].files.len(), 2);
        assert_eq!(state.nodes["src"].files["memory:///in/a.csv"].size, 10);

        let run = RunBookmarks::new(BookmarkOption::Enable, Some(state));
        let mut groups = listing(vec![
            meta("in/a.csv", 10, 0), // unchanged
            meta("in/b.csv", 21, 0), // grew
            meta("in/c.csv", 5, 0),  // new
            meta("in/d.csv", 7, 9),  // new
        ]);
        let skipped = run.skip_processed("src", &mut groups);
        assert_eq!(keys(&skipped), ["in/a.csv"]);
        assert_eq!(keys(&groups), ["in/b.csv", "in/c.csv", "in/d.csv"]);
        run.record("src", &groups);
        let next = run.into_next().unwrap();
        let files = &next.nodes["src"].files;
        assert_eq!(files.len(), 4);
        assert_eq!(files["memory:///in/b.csv"].size, 21);
    }

    #[test]
    fn a_file_touched_since_it_was_read_is_read_again() {
        let state = first_run(vec![meta("in/a.csv", 10, 0)]);
        let run = RunBookmarks::new(BookmarkOption::Enable, Some(state));
        let mut groups = listing(vec![meta("in/a.csv", 10, 60)]);
        assert!(run.skip_processed("src", &mut groups).is_empty());
        assert_eq!(keys(&groups), ["in/a.csv"]);
    }

    #[test]
    fn bookmarks_are_per_node_and_forget_files_no_longer_listed() {
        let state = first_run(vec![meta("in/a.csv", 10, 0), meta("in/gone.csv", 1, 0)]);
        let run = RunBookmarks::new(BookmarkOption::Enable, Some(state));
        let mut other = listing(vec![meta("in/a.csv", 10, 0)]);
        assert!(run.skip_processed("other", &mut other).is_empty());
        assert_eq!(
            keys(&other),
            ["in/a.csv"],
            "another node has its own bookmark"
        );
        let mut groups = listing(vec![meta("in/a.csv", 10, 0)]);
        run.skip_processed("src", &mut groups);
        assert!(keys(&groups).is_empty());
        let next = run.into_next().unwrap();
        assert_eq!(
            next.nodes["src"].files.keys().collect::<Vec<_>>(),
            ["memory:///in/a.csv"]
        );
    }

    #[test]
    fn a_paused_run_filters_but_leaves_no_state() {
        let state = first_run(vec![meta("in/a.csv", 10, 0)]);
        let run = RunBookmarks::new(BookmarkOption::Pause, Some(state));
        let mut groups = listing(vec![meta("in/a.csv", 10, 0), meta("in/b.csv", 3, 0)]);
        assert_eq!(keys(&run.skip_processed("src", &mut groups)), ["in/a.csv"]);
        assert_eq!(keys(&groups), ["in/b.csv"]);
        run.record("src", &groups);
        assert_eq!(run.into_next(), None);
    }

    #[test]
    fn a_disabled_run_reads_everything_and_leaves_no_state() {
        let state = first_run(vec![meta("in/a.csv", 10, 0)]);
        let run = RunBookmarks::new(BookmarkOption::Disable, Some(state));
        let mut groups = listing(vec![meta("in/a.csv", 10, 0), meta("in/b.csv", 3, 0)]);
        assert!(run.skip_processed("src", &mut groups).is_empty());
        assert_eq!(keys(&groups), ["in/a.csv", "in/b.csv"]);
        run.record("src", &groups);
        assert_eq!(run.into_next(), None);
    }

    #[test]
    fn the_option_comes_from_the_arguments() {
        let of = |a: &BTreeMap<String, String>| BookmarkOption::of(a);
        assert_eq!(of(&BTreeMap::new()).unwrap(), BookmarkOption::Disable);
        assert_eq!(
            of(&args("job-bookmark-enable")).unwrap(),
            BookmarkOption::Enable
        );
        assert_eq!(
            of(&args("job-bookmark-pause")).unwrap(),
            BookmarkOption::Pause
        );
        assert_eq!(
            of(&args("job-bookmark-disable")).unwrap(),
            BookmarkOption::Disable
        );
        let e = of(&args("on")).unwrap_err().to_string();
        assert!(e.contains("'on' is not one of job-bookmark-enable"), "{e}");
        let mut ranged = args("job-bookmark-pause");
        ranged.insert("--job-bookmark-from".into(), "jr_1".into());
        let e = of(&ranged).unwrap_err().to_string();
        assert!(e.contains("--job-bookmark-from is not supported"), "{e}");
    }

    #[test]
    fn the_state_round_trips_through_json() {
        let state = first_run(vec![meta("in/a.csv", 10, 0)]);
        let text = serde_json::to_string(&state).unwrap();
        assert_eq!(
            text,
            r#"{"nodes":{"src":{"files":{"memory:///in/a.csv":{"size":10,"last_modified":"2023-11-14T22:13:20Z"}}}}}"#
        );
        assert_eq!(serde_json::from_str::<BookmarkState>(&text).unwrap(), state);
        assert_eq!(
            serde_json::from_str::<BookmarkState>("{}").unwrap(),
            BookmarkState::default()
        );
    }

    #[test]
    fn the_newest_skipped_file_gives_the_schema() {
        let groups = listing(vec![meta("a", 1, 5), meta("b", 1, 9), meta("c", 1, 2)]);
        assert_eq!(keys(&newest(groups)), ["b"]);
        assert!(newest(Vec::new()).is_empty());
    }
}
