//! Response shaping: trims a response body to what the operation's output shape defines, so the
//! wire never carries members clients do not know about, nor nulls.

use serde_json::{Map, Value};

use crate::service::{ServiceModel, ShapeId, ShapeKind, StructureShape};

/// Trims a response body to the operation's output shape: drops members the shape does not define
/// (recursively through structures, lists and maps) and drops nulls. Never fails.
///
/// - An operation the model does not define: the body is returned unchanged.
/// - A value whose JSON type does not match its shape is kept as is (shaping never fails).
/// - Document shapes are kept verbatim.
pub fn shape_output(operation: &str, output: Value) -> Value {
    let model = ServiceModel::glue();
    let Some(op) = model.operation(operation) else {
        return output;
    };
    match op.output {
        Some(shape) => {
            let mut output = output;
            shape_value(model, shape, &mut output);
            output
        }
        None => Value::Object(Map::new()),
    }
}

/// Trims `value` in place to shape `id`.
fn shape_value(model: &ServiceModel, id: ShapeId, value: &mut Value) {
    match (&model.shape(id).kind, value) {
        (ShapeKind::Structure(shape), Value::Object(members)) => {
            shape_structure(model, shape, members)
        }
        (ShapeKind::List(shape), Value::Array(items)) => {
            items.retain(|item| !item.is_null());
            for item in items {
                shape_value(model, shape.member, item);
            }
        }
        (ShapeKind::Map(shape), Value::Object(entries)) => {
            entries.retain(|_, entry| !entry.is_null());
            for entry in entries.values_mut() {
                shape_value(model, shape.value, entry);
            }
        }
        _ => {}
    }
}

fn shape_structure(model: &ServiceModel, shape: &StructureShape, members: &mut Map<String, Value>) {
    members.retain(|name, value| !value.is_null() && shape.member(name).is_some());
    for (name, value) in members.iter_mut() {
        if let Some(member) = shape.member(name) {
            shape_value(model, member.shape, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn drops_unknown_members_and_nulls_recursively() {
        let response = json!({
            "Table": {
                "Name": "events",
                "DatabaseName": "db",
                "Description": null,
                "InternalOnly": "secret",
                "StorageDescriptor": {
                    "Location": "s3://bucket/events/",
                    "Columns": [
                        {"Name": "id", "Type": "bigint", "Hidden": true},
                        null
                    ],
                    "Parameters": {"a": "1", "b": null},
                    "StorageBackendRowId": 42
                },
                "PartitionKeys": []
            },
            "Extra": 1
        });
        let expected = json!({
            "Table": {
                "Name": "events",
                "DatabaseName": "db",
                "StorageDescriptor": {
                    "Location": "s3://bucket/events/",
                    "Columns": [{"Name": "id", "Type": "bigint"}],
                    "Parameters": {"a": "1"}
                },
                "PartitionKeys": []
            }
        });
        assert_eq!(shape_output("GetTable", response), expected);
    }

    #[test]
    fn keeps_member_order() {
        let response = json!({"NextToken": "t", "DatabaseList": [{"Name": "b"}, {"Name": "a"}]});
        let shaped = shape_output("GetDatabases", response.clone());
        assert_eq!(
            serde_json::to_string(&shaped).ok(),
            serde_json::to_string(&response).ok()
        );
    }

    #[test]
    fn mismatched_types_are_kept() {
        let response = json!({"Table": "not a structure"});
        assert_eq!(shape_output("GetTable", response.clone()), response);
    }

    #[test]
    fn unknown_operation_is_unchanged() {
        let response = json!({"Anything": null});
        assert_eq!(shape_output("NoSuchOperation", response.clone()), response);
    }
}
