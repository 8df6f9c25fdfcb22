//! Multi-dialect Data Catalog views: `ViewDefinitionInput` → stored `ViewDefinition`, and the
//! `ViewUpdateAction` merge of dialect representations on `UpdateTable`.

use serde_json::{json, Map, Value};
use weir_model::{GlueError, Result};

/// The stored `ViewDefinition` for a `ViewDefinitionInput`.
pub fn definition(input: &Value) -> Value {
    let mut out = Map::new();
    for member in ["IsProtected", "Definer", "SubObjects"] {
        if let Some(v) = input.get(member).filter(|v| !v.is_null()) {
            out.insert(member.into(), v.clone());
        }
    }
    let reps: Vec<Value> = input
        .get("Representations")
        .and_then(Value::as_array)
        .map(|reps| reps.iter().map(representation).collect())
        .unwrap_or_default();
    out.insert("Representations".into(), Value::Array(reps));
    Value::Object(out)
}

fn representation(input: &Value) -> Value {
    let mut out = Map::new();
    for member in [
        "Dialect",
        "DialectVersion",
        "ViewOriginalText",
        "ViewExpandedText",
        "ValidationConnection",
    ] {
        if let Some(v) = input.get(member).filter(|v| !v.is_null()) {
            out.insert(member.into(), v.clone());
        }
    }
    out.insert("IsStale".into(), json!(false));
    Value::Object(out)
}

fn dialect(rep: &Value) -> Option<&str> {
    rep.get("Dialect").and_then(Value::as_str)
}

/// Applies `ViewUpdateAction` to the current definition: ADD (new dialects only), REPLACE
/// (existing dialects only), ADD_OR_REPLACE, or DROP (removes the dialects named).
pub fn merge(current: &Value, update: &Value, action: &str) -> Result<Value> {
    let mut merged = definition(update);
    let mut reps: Vec<Value> = current
        .get("Representations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let incoming: Vec<Value> = merged["Representations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for rep in incoming {
        let d = dialect(&rep).unwrap_or_default().to_string();
        let existing = reps.iter().position(|r| dialect(r) == Some(d.as_str()));
        match (action, existing) {
            ("ADD", Some(_)) => {
                return Err(GlueError::invalid_input(format!(
                    "ViewUpdateAction ADD: dialect {d} already exists in the view"
                )))
            }
            ("REPLACE" | "DROP", None) => {
                return Err(GlueError::invalid_input(format!(
                    "ViewUpdateAction {action}: dialect {d} is not in the view"
                )))
            }
            ("DROP", Some(i)) => {
                reps.remove(i);
            }
            (_, Some(i)) => reps[i] = rep,
            (_, None) => reps.push(rep),
        }
    }
    if reps.is_empty() {
        return Err(GlueError::invalid_input(
            "A view must keep at least one dialect representation",
        ));
    }
    merged["Representations"] = Value::Array(reps);
    for member in ["IsProtected", "Definer", "SubObjects"] {
        if merged.get(member).is_none() {
            if let Some(v) = current.get(member) {
                merged[member] = v.clone();
            }
        }
    }
    Ok(merged)
}
