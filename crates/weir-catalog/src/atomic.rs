//! Atomic groups: several catalog operations in one metastore transaction, all or nothing.
//!
//! Every operation takes its transaction from [`Catalog::write`] or [`Catalog::read`]. Outside a
//! group that is a fresh transaction of its own ([`TxHandle::Own`]), committed by the operation.
//! [`Catalog::call_atomic`] opens one write transaction and runs the group's calls, in order, on
//! a clone of the catalog that carries it: there every operation gets the group's transaction
//! ([`TxHandle::Group`]), so it sees the writes of the calls before it, and its `commit` does
//! nothing. The group commits once, after its last call; an error drops the transaction, which
//! rolls everything back. Work that must follow a commit (background partition-index builds) is
//! deferred to the group's commit, and never starts for a group rolled back.
//!
//! On SQLite the group holds the single-writer slot from its first call to its commit; since
//! every operation of the group uses the group's transaction, none waits for a second one.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, PoisonError};

use serde_json::Value;
use tokio::sync::{Mutex, OwnedMutexGuard};
use weir_metastore::Tx;
use weir_model::validate::validate_input;
use weir_model::{ErrorKind, GlueError, Result};

use crate::partition_indexes::IndexBuild;
use crate::Catalog;

/// The most calls one atomic group may hold.
pub const MAX_ATOMIC_CALLS: usize = 100;

/// The transaction an operation works in.
pub(crate) enum TxHandle {
    /// The operation's own transaction.
    Own(Tx),
    /// The transaction of the atomic group the operation is part of.
    Group(OwnedMutexGuard<Tx>),
}

impl Deref for TxHandle {
    type Target = Tx;

    fn deref(&self) -> &Tx {
        match self {
            TxHandle::Own(tx) => tx,
            TxHandle::Group(tx) => tx,
        }
    }
}

impl DerefMut for TxHandle {
    fn deref_mut(&mut self) -> &mut Tx {
        match self {
            TxHandle::Own(tx) => tx,
            TxHandle::Group(tx) => tx,
        }
    }
}

impl TxHandle {
    /// Commits the operation's own transaction. In a group it does nothing: the group commits
    /// when all its calls have succeeded.
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            TxHandle::Own(tx) => Ok(tx.commit().await?),
            TxHandle::Group(_) => Ok(()),
        }
    }
}

/// The shared state of an atomic group in flight.
pub(crate) struct Group {
    tx: Arc<Mutex<Tx>>,
    /// Index builds recorded by the group's calls, started when the group commits.
    builds: std::sync::Mutex<Vec<IndexBuild>>,
}

impl Group {
    fn new(tx: Tx) -> Self {
        Self {
            tx: Arc::new(Mutex::new(tx)),
            builds: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The group's transaction for one operation. The calls of a group run one after the other
    /// and each operation takes one transaction, so it is always free: if it is not, an
    /// operation asked for a second one, and that is refused rather than waited for.
    fn handle(&self) -> Result<TxHandle> {
        self.tx
            .clone()
            .try_lock_owned()
            .map(TxHandle::Group)
            .map_err(|_| {
                GlueError::internal(
                    "an operation of an atomic group asked for a second transaction while holding one",
                )
            })
    }

    /// Keeps an index build for after the commit.
    pub(crate) fn defer_build(&self, build: IndexBuild) {
        self.builds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(build);
    }

    /// The transaction and the deferred builds, once no call holds the group any more.
    fn finish(group: Arc<Group>) -> Result<(Tx, Vec<IndexBuild>)> {
        let still_shared = || GlueError::internal("atomic group still in use at its commit");
        let group = Arc::try_unwrap(group).map_err(|_| still_shared())?;
        let tx = Arc::try_unwrap(group.tx).map_err(|_| still_shared())?;
        let builds = group
            .builds
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        Ok((tx.into_inner(), builds))
    }
}

impl Catalog {
    /// A transaction that may write: the operation's own, or its group's.
    pub(crate) async fn write(&self) -> Result<TxHandle> {
        match &self.group {
            Some(group) => group.handle(),
            None => Ok(TxHandle::Own(self.store.write().await?)),
        }
    }

    /// A transaction for reads: the operation's own, or its group's (whose uncommitted writes
    /// it sees).
    pub(crate) async fn read(&self) -> Result<TxHandle> {
        match &self.group {
            Some(group) => group.handle(),
            None => Ok(TxHandle::Own(self.store.read().await?)),
        }
    }

    /// The atomic group this catalog runs in, if any.
    pub(crate) fn group(&self) -> Option<&Group> {
        self.group.as_deref()
    }

    /// Serves several operations — `(operation, request)` pairs, at most [`MAX_ATOMIC_CALLS`] —
    /// in one metastore transaction: either all of them take effect or none does. Returns each
    /// call's response, in order.
    ///
    /// Each request is first validated against the model, as on the wire. The group fails, and
    /// nothing is written, when a call fails or when a batch call reports per-entry `Errors`
    /// (the first entry's error stands for the call). The error keeps the failing call's kind;
    /// its message starts with `call N (Operation): ` (N counts from 1). Later calls see the
    /// writes of earlier ones.
    pub async fn call_atomic(&self, calls: &[(String, Value)]) -> Result<Vec<Value>> {
        if self.group.is_some() {
            return Err(GlueError::internal("atomic groups do not nest"));
        }
        check_calls(calls)?;
        let group = Arc::new(Group::new(self.store.write().await?));
        let responses = self.run_in_group(&group, calls).await?;
        let (tx, builds) = Group::finish(group)?;
        tx.commit().await?;
        for build in builds {
            self.start_index_build(build);
        }
        Ok(responses)
    }

    /// Runs the calls, in order, on a clone of the catalog that works in the group's transaction.
    async fn run_in_group(
        &self,
        group: &Arc<Group>,
        calls: &[(String, Value)],
    ) -> Result<Vec<Value>> {
        let member = Catalog {
            group: Some(group.clone()),
            ..self.clone()
        };
        let mut responses = Vec::with_capacity(calls.len());
        for (i, (operation, request)) in calls.iter().enumerate() {
            let response = member
                .call(operation, request)
                .await
                .and_then(refuse_entry_errors)
                .map_err(|e| in_call(i, operation, e))?;
            responses.push(response);
        }
        Ok(responses)
    }
}

/// The group's size, each operation's name and each request, checked before anything runs.
fn check_calls(calls: &[(String, Value)]) -> Result<()> {
    if calls.len() > MAX_ATOMIC_CALLS {
        return Err(GlueError::invalid_input(format!(
            "1 validation error detected: Value at 'Calls' failed to satisfy constraint: Member must have length less than or equal to {MAX_ATOMIC_CALLS} (got {})",
            calls.len()
        )));
    }
    for (i, (operation, request)) in calls.iter().enumerate() {
        if !Catalog::serves(operation) {
            return Err(in_call(
                i,
                operation,
                GlueError::invalid_input(format!(
                    "1 validation error detected: Value '{operation}' at 'Calls.{}.Operation' failed to satisfy constraint: Member must be a Data Catalog operation Weir serves",
                    i + 1
                )),
            ));
        }
        validate_input(operation, request).map_err(|e| in_call(i, operation, e))?;
    }
    Ok(())
}

/// A batch response with per-entry errors fails its group: its first error becomes the call's.
fn refuse_entry_errors(response: Value) -> Result<Value> {
    // `Errors` is a list of entries (each with an `ErrorDetail`, or an `Error` for column
    // statistics) or, for BatchDeleteConnection, a map from name to `ErrorDetail`.
    let entries: Vec<&Value> = match response.get("Errors") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(Value::Object(map)) => map.values().collect(),
        _ => Vec::new(),
    };
    let Some(first) = entries.first() else {
        return Ok(response);
    };
    let detail = first
        .get("ErrorDetail")
        .or_else(|| first.get("Error"))
        .unwrap_or(first);
    let field = |name: &str| detail.get(name).and_then(Value::as_str).unwrap_or_default();
    let kind = ErrorKind::from_shape_name(field("ErrorCode")).unwrap_or(ErrorKind::InternalService);
    let failed = match entries.len() {
        1 => "1 entry of the batch failed".to_string(),
        n => format!("{n} entries of the batch failed, the first shown"),
    };
    Err(GlueError::new(
        kind,
        format!("{} ({failed})", field("ErrorMessage")),
    ))
}

/// The error of call `index` (from 0) of a group: its kind, its message naming the call.
fn in_call(index: usize, operation: &str, e: GlueError) -> GlueError {
    GlueError::new(
        e.kind,
        format!("call {} ({operation}): {}", index + 1, e.message),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn per_entry_errors_fail_the_call_with_the_first_entrys_kind() {
        let ok = json!({ "Errors": [] });
        assert_eq!(refuse_entry_errors(ok.clone()), Ok(ok));
        let listed = json!({ "Errors": [
            { "PartitionValues": ["a"], "ErrorDetail": { "ErrorCode": "AlreadyExistsException", "ErrorMessage": "Partition already exists: [\"a\"]" } },
            { "PartitionValues": ["b", "c"], "ErrorDetail": { "ErrorCode": "InvalidInputException", "ErrorMessage": "wrong count" } },
        ]});
        let e = refuse_entry_errors(listed).unwrap_err();
        assert_eq!(e.kind, ErrorKind::AlreadyExists);
        assert_eq!(
            e.message,
            "Partition already exists: [\"a\"] (2 entries of the batch failed, the first shown)"
        );
        let mapped = json!({ "Succeeded": [], "Errors": { "pg": { "ErrorCode": "EntityNotFoundException", "ErrorMessage": "Connection pg not found." } } });
        assert_eq!(
            refuse_entry_errors(mapped).unwrap_err().kind,
            ErrorKind::EntityNotFound
        );
        let stats = json!({ "Errors": [{ "ColumnName": "x", "Error": { "ErrorCode": "EntityNotFoundException", "ErrorMessage": "no column x" } }] });
        let e = refuse_entry_errors(stats).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (
                ErrorKind::EntityNotFound,
                "no column x (1 entry of the batch failed)"
            )
        );
    }

    #[test]
    fn calls_are_checked_before_anything_runs() {
        let too_many = vec![("GetDatabases".to_string(), json!({})); MAX_ATOMIC_CALLS + 1];
        let e = check_calls(&too_many).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(e.message.contains("'Calls'"), "{}", e.message);
        let unknown = [
            ("GetDatabases".to_string(), json!({})),
            ("StartJobRun".to_string(), json!({})),
        ];
        let e = check_calls(&unknown).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(
            e.message.starts_with("call 2 (StartJobRun): ")
                && e.message.contains("'Calls.2.Operation'"),
            "{}",
            e.message
        );
        let invalid = [("CreateDatabase".to_string(), json!({ "DatabaseInput": {} }))];
        let e = check_calls(&invalid).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(
            e.message
                .starts_with("call 1 (CreateDatabase): 1 validation error"),
            "{}",
            e.message
        );
    }
}
