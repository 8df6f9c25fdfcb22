//! Multi-line JSON made into JSON lines. DataFusion 53 reads JSON one record per line, in both
//! of its modes: its "array" mode turns a top-level `[…]` into lines by the array's commas, and
//! infers the schema line by line, so a record that spans lines fails ("EOF while parsing an
//! object"). Files that Glue reads as multi-line are therefore parsed here, whole, and their
//! records (the objects of the file, or the elements of its top-level arrays) written as JSON
//! lines to an in-memory store that DataFusion then reads.

use std::io::Read;
use std::sync::Arc;

use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::execution::context::SessionContext;
use datafusion::execution::object_store::ObjectStoreUrl;
use object_store::memory::InMemory;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::Value;
use url::Url;

use crate::error::{EngineError, Result};
use crate::job::files::StoreFiles;
use crate::job::graph::Node;

/// The files of `group` as JSON lines, in an in-memory store of the node's own (at the same
/// paths); messages still name the original files.
pub async fn as_json_lines(
    ctx: &SessionContext,
    node: &Node,
    group: StoreFiles,
    compression: FileCompressionType,
) -> Result<StoreFiles> {
    let root = format!("weir-json://n{}", node.id);
    let url = Url::parse(&root).map_err(|e| EngineError::invalid(&node.id, e.to_string()))?;
    let store_url = ObjectStoreUrl::parse(&root)?;
    let memory = match ctx.runtime_env().object_store(&store_url) {
        Ok(store) => store,
        Err(_) => {
            let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
            ctx.register_object_store(&url, store.clone());
            store
        }
    };
    let mut files = Vec::with_capacity(group.files.len());
    for meta in &group.files {
        let failed = |e: String| {
            EngineError::invalid(
                &node.id,
                format!("{}: reading {}: {e}", node.node_type, group.url_of(meta)),
            )
        };
        let raw = group
            .store
            .get(&meta.location)
            .await
            .map_err(|e| failed(e.to_string()))?
            .bytes()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let mut text = Vec::new();
        compression
            .convert_read(std::io::Cursor::new(raw))
            .and_then(|mut r| Ok(r.read_to_end(&mut text)?))
            .map_err(|e| failed(e.to_string()))?;
        let lines = records_as_lines(&text).map_err(failed)?;
        let size = lines.len() as u64;
        memory.put(&meta.location, PutPayload::from(lines)).await?;
        files.push(ObjectMeta {
            size,
            ..meta.clone()
        });
    }
    Ok(StoreFiles {
        store_url,
        shown_as: group.shown_as,
        store: memory,
        files,
    })
}

/// The records of a JSON text, one per line: each top-level object, and each element of each
/// top-level array (which must be objects).
fn records_as_lines(text: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let push = |record: &Value, out: &mut Vec<u8>| -> std::result::Result<(), String> {
        if !record.is_object() {
            return Err(format!("a record is not a JSON object: {}", brief(record)));
        }
        serde_json::to_writer(&mut *out, record).map_err(|e| e.to_string())?;
        out.push(b'\n');
        Ok(())
    };
    for value in serde_json::Deserializer::from_slice(text).into_iter::<Value>() {
        match value.map_err(|e| e.to_string())? {
            Value::Array(records) => {
                for r in &records {
                    push(r, &mut out)?;
                }
            }
            record => push(&record, &mut out)?,
        }
    }
    Ok(out)
}

/// The start of a value's JSON text, for messages.
fn brief(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::records_as_lines;

    #[test]
    fn arrays_and_pretty_printed_objects_become_lines() {
        let text = b"[\n {\"a\": 1,\n  \"b\": [1, 2]},\n {\"a\": 2}\n]\n{\n \"a\": 3\n}\n";
        let lines = String::from_utf8(records_as_lines(text).unwrap()).unwrap();
        assert_eq!(lines, "{\"a\":1,\"b\":[1,2]}\n{\"a\":2}\n{\"a\":3}\n");
        assert!(records_as_lines(b"[1, 2]")
            .unwrap_err()
            .contains("not a JSON object"));
        assert!(records_as_lines(b"{\"a\": }")
            .unwrap_err()
            .contains("line 1"));
    }
}
