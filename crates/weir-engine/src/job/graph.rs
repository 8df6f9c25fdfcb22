//! The job's node graph: each entry of `CodeGenConfigurationNodes` is one node type with its
//! fields. Checks that every node type is one Weir runs, that inputs name existing nodes, and
//! that the graph has no cycle; yields the nodes in an order where inputs come first.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::error::{EngineError, Result};

/// The node types Weir runs, by role.
pub const SOURCES: &[&str] = &[
    "S3CsvSource",
    "S3JsonSource",
    "S3ParquetSource",
    "CatalogSource",
    "S3CatalogSource",
];
pub const TRANSFORMS: &[&str] = &[
    "ApplyMapping",
    "SelectFields",
    "DropFields",
    "RenameField",
    "Filter",
    "Join",
    "Union",
    "Merge",
    "SparkSQL",
    "Aggregate",
    "DropDuplicates",
    "SplitFields",
    "SelectFromCollection",
    "Spigot",
    "FillMissingValues",
    "DropNullFields",
];
pub const TARGETS: &[&str] = &[
    "S3DirectTarget",
    "S3HyperDirectTarget",
    "S3GlueParquetTarget",
    "CatalogTarget",
    "S3CatalogTarget",
];

/// Node types of the model that Weir does not run, with what a user can do instead.
fn not_yet(node_type: &str) -> Option<&'static str> {
    Some(match node_type {
        "S3DeltaSource"
        | "S3DeltaDirectTarget"
        | "S3DeltaCatalogSource"
        | "S3DeltaCatalogTarget"
        | "S3HudiSource"
        | "S3HudiDirectTarget"
        | "S3IcebergDirectTarget"
        | "S3IcebergCatalogTarget" => "Weir does not read or write Delta, Hudi or Iceberg tables in visual jobs; use Parquet sources and targets",
        "DirectKafkaSource"
        | "CatalogKafkaSource"
        | "DirectKinesisSource"
        | "CatalogKinesisSource" => "Weir runs batch jobs only: streaming sources are not supported",
        _ => return None,
    })
}

/// The strings of a JSON list (a field path, a list of values); empty when absent.
pub fn strings(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// The node types an engine's extensions add, by role.
#[derive(Debug, Clone, Default)]
pub struct ExtensionTypes {
    pub sources: Vec<&'static str>,
    pub transforms: Vec<&'static str>,
    pub targets: Vec<&'static str>,
}

/// What a node does in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reads data; takes no input.
    Source,
    /// Makes outputs of its inputs.
    Transform,
    /// Writes its input.
    Target,
}

impl Role {
    /// The role of `node_type`, when Weir runs it.
    fn of(node_type: &str, extensions: &ExtensionTypes) -> Option<Role> {
        let among = |builtin: &[&str], added: &[&str]| {
            builtin.contains(&node_type) || added.contains(&node_type)
        };
        if among(SOURCES, &extensions.sources) {
            Some(Role::Source)
        } else if among(TARGETS, &extensions.targets) {
            Some(Role::Target)
        } else if among(TRANSFORMS, &extensions.transforms) {
            Some(Role::Transform)
        } else {
            None
        }
    }
}

/// One node of the graph.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub node_type: String,
    pub role: Role,
    pub fields: Map<String, Value>,
    pub inputs: Vec<String>,
}

impl Node {
    /// The node's display name (its `Name` field, else its id).
    pub fn name(&self) -> &str {
        self.fields
            .get("Name")
            .and_then(Value::as_str)
            .unwrap_or(&self.id)
    }

    pub fn str(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }

    pub fn bool(&self, field: &str) -> Option<bool> {
        self.fields.get(field).and_then(Value::as_bool)
    }

    pub fn array(&self, field: &str) -> &[Value] {
        self.fields
            .get(field)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// A required string field, or an error naming the node and field.
    pub fn required_str(&self, field: &str) -> Result<&str> {
        self.str(field).ok_or_else(|| {
            EngineError::invalid(&self.id, format!("{}.{field} is required", self.node_type))
        })
    }

    /// `list<list<string>>` fields (paths of nested fields).
    pub fn paths(&self, field: &str) -> Vec<Vec<String>> {
        self.array(field).iter().map(|p| strings(Some(p))).collect()
    }

    pub fn is_source(&self) -> bool {
        self.role == Role::Source
    }

    pub fn is_target(&self) -> bool {
        self.role == Role::Target
    }
}

/// A validated graph, its nodes ordered inputs first.
#[derive(Debug)]
pub struct Graph {
    pub nodes: Vec<Node>,
}

impl Graph {
    /// The graph of `nodes`; `extensions` are the node types the engine's extensions add.
    pub fn parse(nodes: &Map<String, Value>, extensions: &ExtensionTypes) -> Result<Graph> {
        if nodes.is_empty() {
            return Err(EngineError::invalid_job(
                "CodeGenConfigurationNodes is empty: the job has no nodes",
            ));
        }
        let mut parsed = BTreeMap::new();
        for (id, entry) in nodes {
            parsed.insert(id.clone(), parse_node(id, entry, extensions)?);
        }
        for node in parsed.values() {
            for input in &node.inputs {
                if !parsed.contains_key(input) {
                    return Err(EngineError::invalid(
                        &node.id,
                        format!(
                            "{}.Inputs names node '{input}', which is not in the job",
                            node.node_type
                        ),
                    ));
                }
            }
            if !node.is_source() && node.inputs.is_empty() {
                return Err(EngineError::invalid(
                    &node.id,
                    format!(
                        "{}.Inputs is empty: the node needs an input",
                        node.node_type
                    ),
                ));
            }
        }
        if !parsed.values().any(Node::is_target) {
            return Err(EngineError::invalid_job(
                "the job has no target node: nothing would be written",
            ));
        }
        Ok(Graph {
            nodes: topological(parsed)?,
        })
    }
}

fn parse_node(id: &str, entry: &Value, extensions: &ExtensionTypes) -> Result<Node> {
    let members: Vec<(&String, &Value)> = entry
        .as_object()
        .map(|o| o.iter().filter(|(_, v)| !v.is_null()).collect())
        .unwrap_or_default();
    let [(node_type, fields)] = members.as_slice() else {
        return Err(EngineError::invalid(
            id,
            format!(
                "a node must have exactly one node type, found {}",
                members.len()
            ),
        ));
    };
    let Some(role) = Role::of(node_type, extensions) else {
        return Err(EngineError::Unsupported {
            node: id.to_string(),
            node_type: node_type.to_string(),
            hint: not_yet(node_type).map(str::to_string),
        });
    };
    let fields = fields
        .as_object()
        .cloned()
        .ok_or_else(|| EngineError::invalid(id, format!("{node_type} must be an object")))?;
    let inputs = fields
        .get("Inputs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok(Node {
        id: id.to_string(),
        node_type: node_type.to_string(),
        role,
        fields,
        inputs,
    })
}

/// Kahn's algorithm; a cycle is an error naming the nodes on it.
fn topological(nodes: BTreeMap<String, Node>) -> Result<Vec<Node>> {
    let mut pending: HashMap<&str, usize> = nodes
        .values()
        .map(|n| (n.id.as_str(), n.inputs.len()))
        .collect();
    let mut ready: Vec<&str> = nodes
        .values()
        .filter(|n| n.inputs.is_empty())
        .map(|n| n.id.as_str())
        .collect();
    ready.sort_unstable_by(|a, b| b.cmp(a));
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(id) = ready.pop() {
        order.push(id.to_string());
        for n in nodes.values().filter(|n| n.inputs.iter().any(|i| i == id)) {
            let count = pending.get_mut(n.id.as_str()).map(|c| {
                *c -= n.inputs.iter().filter(|i| *i == id).count();
                *c
            });
            if count == Some(0) {
                ready.push(n.id.as_str());
            }
        }
    }
    if order.len() < nodes.len() {
        let mut stuck: Vec<&str> = pending
            .iter()
            .filter(|(_, c)| **c > 0)
            .map(|(id, _)| *id)
            .collect();
        stuck.sort_unstable();
        return Err(EngineError::invalid_job(format!(
            "the node graph has a cycle through {}",
            stuck.join(", ")
        )));
    }
    let mut nodes = nodes;
    Ok(order
        .into_iter()
        .filter_map(|id| nodes.remove(&id))
        .collect())
}
