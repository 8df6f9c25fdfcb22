//! Reading members of a validated request body, and the opaque pagination tokens.
//!
//! Requests reach the catalog already validated against the botocore model (required members,
//! lengths, patterns, enums), so accessors here only fail where the model cannot say enough.

use base64::Engine;
use serde_json::{json, Map, Value};
use weir_metastore::named_docs::NamedDocs;
use weir_metastore::{tags, Tx};
use weir_model::{GlueError, Result};

/// A request body: a JSON object whose members are named as in the Glue model.
#[derive(Clone, Copy)]
pub struct Req<'a>(pub &'a Value);

impl<'a> Req<'a> {
    pub fn get(&self, member: &str) -> Option<&'a Value> {
        self.0.get(member).filter(|v| !v.is_null())
    }

    pub fn str(&self, member: &str) -> Result<&'a str> {
        self.opt_str(member).ok_or_else(|| missing(member))
    }

    pub fn opt_str(&self, member: &str) -> Option<&'a str> {
        self.get(member).and_then(Value::as_str)
    }

    pub fn bool(&self, member: &str) -> bool {
        self.get(member).and_then(Value::as_bool).unwrap_or(false)
    }

    pub fn opt_i64(&self, member: &str) -> Option<i64> {
        self.get(member).and_then(Value::as_i64)
    }

    pub fn object(&self, member: &str) -> Result<&'a Map<String, Value>> {
        self.get(member)
            .and_then(Value::as_object)
            .ok_or_else(|| missing(member))
    }

    /// A nested structure member, to read its own members.
    pub fn nested(&self, member: &str) -> Result<Req<'a>> {
        self.get(member)
            .filter(|v| v.is_object())
            .map(Req)
            .ok_or_else(|| missing(member))
    }

    pub fn array(&self, member: &str) -> &'a [Value] {
        self.get(member)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// A list of strings (e.g. partition values).
    pub fn strings(&self, member: &str) -> Vec<String> {
        strings(self.get(member))
    }

    /// `MaxResults`, defaulting and capped to the operation's page size.
    pub fn page_size(&self, default: usize) -> usize {
        self.opt_i64("MaxResults")
            .map(|n| n.clamp(1, default as i64) as usize)
            .unwrap_or(default)
    }

    /// The `Tags` a listing filters by (`ListJobs`, `ListCrawlers`), when there are any.
    pub fn tag_filter(&self) -> Option<&'a Map<String, Value>> {
        self.get("Tags")
            .and_then(Value::as_object)
            .filter(|t| !t.is_empty())
    }

    /// The decoded `NextToken`, if any.
    pub fn next_token(&self) -> Result<Option<Value>> {
        self.opt_str("NextToken")
            .filter(|t| !t.is_empty())
            .map(decode_token)
            .transpose()
    }
}

/// The strings of a JSON list (non-strings are skipped; the model guarantees the type).
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn missing(member: &str) -> GlueError {
    GlueError::invalid_input(format!("1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must not be null"))
}

/// Keeps the first `limit` rows of a listing fetched with at least one row more, and the
/// `NextToken` that resumes after the last row kept (when rows were left over).
pub fn take_page<T>(
    mut rows: Vec<T>,
    limit: usize,
    position: impl Fn(&T) -> Value,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|r| encode_token(&position(r)))
    } else {
        None
    };
    (rows, next)
}

/// One page of a table of named documents in name order: `MaxResults` of them (at most
/// `page_size`) after the request's `NextToken`; with `wanted`, only those whose resource
/// (`arn(name)`) carries every one of those tags. Returns the page and the next page's token.
pub async fn named_page(
    tx: &mut Tx,
    table: NamedDocs,
    req: Req<'_>,
    page_size: usize,
    wanted: Option<&Map<String, Value>>,
    arn: impl Fn(&str) -> String,
) -> Result<(Vec<(String, Value)>, Option<String>)> {
    let limit = req.page_size(page_size);
    let mut after = req
        .next_token()?
        .and_then(|t| t.as_str().map(str::to_string));
    let mut page = Vec::new();
    loop {
        let batch = table.list(tx, after.as_deref(), limit + 1).await?;
        let exhausted = batch.len() <= limit;
        for (name, document) in batch {
            after = Some(name.clone());
            if let Some(wanted) = wanted {
                let have = tags::get(tx, &arn(&name)).await?;
                if !wanted
                    .iter()
                    .all(|(k, v)| have.get(k).map(String::as_str) == v.as_str())
                {
                    continue;
                }
            }
            page.push((name, document));
            if page.len() > limit {
                break;
            }
        }
        if exhausted || page.len() > limit {
            break;
        }
    }
    Ok(take_page(page, limit, |(name, _)| json!(name)))
}

/// Inserts a new named document and the request's `Tags` on its `arn`, in `tx`; a name that
/// is taken is Glue's AlreadyExistsException with the message `taken` gives.
pub async fn insert_tagged(
    tx: &mut Tx,
    table: NamedDocs,
    name: &str,
    document: &Value,
    (arn, tags_given): (&str, Option<&Value>),
    taken: impl FnOnce() -> String,
) -> Result<()> {
    match table.insert(tx, name, document).await {
        Err(weir_metastore::Error::Conflict) => return Err(GlueError::already_exists(taken())),
        other => other?,
    }
    for (k, v) in tags_given.and_then(Value::as_object).into_iter().flatten() {
        tags::put(tx, arn, k, v.as_str().unwrap_or_default()).await?;
    }
    Ok(())
}

/// The documents of `names` that exist, in the order asked, and the names that do not.
pub async fn batch_get(
    tx: &mut Tx,
    table: NamedDocs,
    names: &[String],
) -> Result<(Vec<Value>, Vec<Value>)> {
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for name in names {
        match table.get(tx, name).await? {
            Some(document) => found.push(document),
            None => missing.push(json!(name)),
        }
    }
    Ok((found, missing))
}

/// A listing response: the items under `member`, and `NextToken` when there is one.
pub fn listing(member: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut out = serde_json::json!({ member: items });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    out
}

/// Encodes a resume position as an opaque `NextToken`.
pub fn encode_token(position: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position.to_string())
}

fn decode_token(token: &str) -> Result<Value> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            GlueError::invalid_input("Invalid NextToken: it was not returned by this service")
        })
}
