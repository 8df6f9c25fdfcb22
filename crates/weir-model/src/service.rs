//! The botocore Glue service model, parsed once into an arena of shapes.
//!
//! Loading resolves every shape reference to a [`ShapeId`] (an index into the arena) and compiles
//! every `pattern` once, so validation and output shaping never look shapes up by name.
//!
//! botocore patterns use Java regex syntax; [`java_regex::compile`] matches the common "run of one
//! character class" patterns directly and translates the others for the `regex` crate. Patterns
//! that still do not compile (lookarounds, for instance) are skipped: the string is then checked
//! for length and enum only, and [`ServiceModel::skipped_patterns`] lists them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use crate::java_regex::{self, Matcher};

/// The botocore model of the Glue service, embedded at build time.
const GLUE_MODEL_JSON: &str = include_str!("../model/glue-service-2.json");

/// A shape in the [`ServiceModel`] arena. Resolve it with [`ServiceModel::shape`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShapeId(u32);

impl ShapeId {
    /// The position of the shape in the arena.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The parsed service model: operations and an arena of resolved shapes.
#[derive(Debug)]
pub struct ServiceModel {
    operations: BTreeMap<String, Operation>,
    shapes: Vec<Shape>,
    shape_ids: HashMap<String, ShapeId>,
    /// The distinct patterns of the shapes.
    patterns: Vec<Pattern>,
}

/// An operation of the service (`X-Amz-Target: AWSGlue.<name>`).
#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    /// The request shape (always a structure in Glue).
    pub input: Option<ShapeId>,
    /// The response shape (always a structure in Glue).
    pub output: Option<ShapeId>,
    /// Names of the exception shapes the operation may return.
    pub errors: Vec<String>,
}

/// A named shape of the model.
#[derive(Debug)]
pub struct Shape {
    pub name: String,
    pub kind: ShapeKind,
}

/// What a shape describes, with its constraints.
#[derive(Debug)]
pub enum ShapeKind {
    Structure(StructureShape),
    /// A structure marked `document: true`: free-form JSON, neither validated nor trimmed.
    Document,
    List(ListShape),
    Map(MapShape),
    String(StringShape),
    /// A 32-bit integer.
    Integer(IntRange),
    /// A 64-bit integer.
    Long(IntRange),
    /// A `double` or `float`.
    Double(FloatRange),
    Boolean,
    Timestamp,
    Blob,
}

/// A structure: its members, and which of them are required.
#[derive(Debug)]
pub struct StructureShape {
    /// Members sorted by the length of their wire name, then by name (see [`StructureShape::member`]).
    pub members: Vec<Member>,
    /// Indices into `members` of the required members, in model order.
    pub required: Vec<usize>,
    /// `union: true`: exactly one member should be set (not enforced).
    pub union: bool,
}

impl StructureShape {
    /// The member with wire name `name`, by binary search on (length, first eight bytes) keys:
    /// integer comparisons, with the bytes past the eighth compared only on a tie.
    pub fn member(&self, name: &str) -> Option<&Member> {
        let key = NameKey::new(name);
        self.members
            .binary_search_by(|m| {
                m.key
                    .cmp(&key)
                    .then_with(|| name_tail(&m.name).cmp(name_tail(name)))
            })
            .ok()
            .map(|i| &self.members[i])
    }
}

/// A member name's search key: its length, then its first eight bytes (big-endian, zero-padded).
/// Ordering keys, then the bytes past the eighth, orders names by length, then bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct NameKey {
    len: usize,
    prefix: u64,
}

impl NameKey {
    fn new(name: &str) -> Self {
        let bytes = name.as_bytes();
        // Byte by byte rather than through a buffer: a copy then a wide load stalls the CPU.
        let prefix = (0..8).fold(0u64, |prefix, i| {
            prefix << 8 | u64::from(bytes.get(i).copied().unwrap_or(0))
        });
        Self {
            len: name.len(),
            prefix,
        }
    }
}

/// The bytes of `name` past the eighth (empty for short names).
fn name_tail(name: &str) -> &[u8] {
    name.as_bytes().get(8..).unwrap_or_default()
}

/// The order of [`StructureShape::members`]: by length, then by bytes.
fn member_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// At most this many members of a structure may be required (they are tracked in a `u64`).
pub const MAX_REQUIRED_MEMBERS: usize = 64;

/// A member of a structure.
#[derive(Debug)]
pub struct Member {
    /// The JSON key (`TableInput`).
    pub name: String,
    /// The name used in validation messages: first letter lower-cased (`tableInput`).
    pub path_name: String,
    pub shape: ShapeId,
    /// For a required member, its position in [`StructureShape::required`] (below
    /// [`MAX_REQUIRED_MEMBERS`]), so validation can track presence in a bit set.
    pub required_slot: Option<u8>,
    key: NameKey,
}

/// Inclusive bounds on a length (characters, elements or entries).
#[derive(Debug, Clone, Copy, Default)]
pub struct LengthRange {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// Inclusive bounds on an integer value.
#[derive(Debug, Clone, Copy, Default)]
pub struct IntRange {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// Inclusive bounds on a floating-point value.
#[derive(Debug, Clone, Copy, Default)]
pub struct FloatRange {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// A list: its element shape and length bounds.
#[derive(Debug)]
pub struct ListShape {
    pub member: ShapeId,
    pub length: LengthRange,
}

/// A map: key and value shapes and bounds on the entry count.
#[derive(Debug)]
pub struct MapShape {
    pub key: ShapeId,
    pub value: ShapeId,
    pub length: LengthRange,
}

/// A string: length bounds (in Unicode scalar values), pattern and enum.
#[derive(Debug)]
pub struct StringShape {
    pub length: LengthRange,
    pub pattern: Option<Pattern>,
    /// The allowed values, when the shape is an enum.
    pub enum_values: Option<EnumValues>,
}

/// The allowed values of an enum string shape.
#[derive(Debug)]
pub struct EnumValues {
    pub values: Vec<String>,
    /// `[A, B, C]`, as quoted in validation messages.
    pub display: String,
}

impl EnumValues {
    fn new(values: Vec<String>) -> Self {
        let display = format!("[{}]", values.join(", "));
        Self { values, display }
    }

    /// Whether `value` is one of the allowed values.
    pub fn contains(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }
}

/// A string pattern: the Java source (quoted in messages) and its compiled form, compiled on
/// its first use (a job run validates a handful of the model's patterns; compiling all of them
/// would be a fifth of loading the model).
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    /// `None` inside when the pattern could not be translated or compiled: it is then not
    /// enforced. Shared by the shapes that use the same pattern.
    matcher: Arc<OnceLock<Option<Matcher>>>,
}

impl Pattern {
    fn new(source: String) -> Self {
        Self {
            source,
            matcher: Arc::new(OnceLock::new()),
        }
    }

    fn matcher(&self) -> Option<&Matcher> {
        self.matcher
            .get_or_init(|| java_regex::compile(&self.source).ok())
            .as_ref()
    }

    /// Whether `value` fully matches the pattern. Always true for a skipped pattern.
    pub fn matches(&self, value: &str) -> bool {
        self.matcher().is_none_or(|m| m.matches(value))
    }

    /// Whether the pattern is enforced (it compiled).
    pub fn is_enforced(&self) -> bool {
        self.matcher().is_some()
    }
}

impl ServiceModel {
    /// The Glue model, parsed once (on first use) from the embedded botocore JSON.
    pub fn glue() -> &'static ServiceModel {
        static GLUE: OnceLock<ServiceModel> = OnceLock::new();
        GLUE.get_or_init(|| {
            // The embedded model is a build-time constant: failing to load it is a build defect.
            ServiceModel::from_json(GLUE_MODEL_JSON).expect("the embedded Glue model is valid")
        })
    }

    /// Parses a botocore service model.
    pub fn from_json(json: &str) -> Result<ServiceModel, String> {
        let raw: RawModel = serde_json::from_str(json).map_err(|e| e.to_string())?;
        Loader::default().load(raw)
    }

    /// The operation named `name` (e.g. `CreateTable`).
    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.get(name)
    }

    /// The names of all operations, in alphabetical order.
    pub fn operation_names(&self) -> impl Iterator<Item = &str> {
        self.operations.keys().map(String::as_str)
    }

    /// The shape `id` refers to.
    pub fn shape(&self, id: ShapeId) -> &Shape {
        &self.shapes[id.index()]
    }

    /// The shape named `name`, if the model defines it.
    pub fn shape_id(&self, name: &str) -> Option<ShapeId> {
        self.shape_ids.get(name).copied()
    }

    /// The member names of a structure shape (empty for other shapes and unknown names).
    pub fn member_names(&self, structure: &str) -> Vec<&str> {
        let Some(id) = self.shape_id(structure) else {
            return Vec::new();
        };
        match &self.shape(id).kind {
            ShapeKind::Structure(s) => s.members.iter().map(|m| m.name.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// The distinct patterns that could not be compiled and are therefore not enforced
    /// (compiles every pattern).
    pub fn skipped_patterns(&self) -> Vec<String> {
        let mut skipped: Vec<String> = self
            .patterns
            .iter()
            .filter(|p| !p.is_enforced())
            .map(|p| p.source.clone())
            .collect();
        skipped.sort();
        skipped
    }
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct RawModel {
    operations: BTreeMap<String, RawOperation>,
    shapes: BTreeMap<String, RawShape>,
}

#[derive(Deserialize)]
struct RawOperation {
    name: String,
    input: Option<RawRef>,
    output: Option<RawRef>,
    #[serde(default)]
    errors: Vec<RawRef>,
}

#[derive(Deserialize)]
struct RawRef {
    shape: String,
}

#[derive(Deserialize)]
struct RawShape {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    members: BTreeMap<String, RawRef>,
    #[serde(default)]
    required: Vec<String>,
    #[serde(default)]
    document: bool,
    #[serde(default)]
    union: bool,
    member: Option<RawRef>,
    key: Option<RawRef>,
    value: Option<RawRef>,
    min: Option<f64>,
    max: Option<f64>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    enum_values: Option<Vec<String>>,
}

/// Builds the arena: assigns ids to shape names, then converts each raw shape.
#[derive(Default)]
struct Loader {
    ids: HashMap<String, ShapeId>,
    patterns: HashMap<String, Pattern>,
}

impl Loader {
    fn load(mut self, raw: RawModel) -> Result<ServiceModel, String> {
        for (index, name) in raw.shapes.keys().enumerate() {
            let index = u32::try_from(index).map_err(|e| e.to_string())?;
            self.ids.insert(name.clone(), ShapeId(index));
        }
        let shapes = raw
            .shapes
            .into_iter()
            .map(|(name, shape)| {
                let kind = self.shape_kind(&name, shape)?;
                Ok(Shape { name, kind })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let operations = raw
            .operations
            .into_values()
            .map(|op| self.operation(op).map(|op| (op.name.clone(), op)))
            .collect::<Result<_, String>>()?;
        Ok(ServiceModel {
            operations,
            shapes,
            shape_ids: self.ids,
            patterns: self.patterns.into_values().collect(),
        })
    }

    fn operation(&self, raw: RawOperation) -> Result<Operation, String> {
        let input = raw.input.map(|r| self.resolve(&r.shape)).transpose()?;
        let output = raw.output.map(|r| self.resolve(&r.shape)).transpose()?;
        let errors = raw.errors.into_iter().map(|r| r.shape).collect();
        Ok(Operation {
            name: raw.name,
            input,
            output,
            errors,
        })
    }

    fn resolve(&self, name: &str) -> Result<ShapeId, String> {
        self.ids
            .get(name)
            .copied()
            .ok_or_else(|| format!("unknown shape reference '{name}'"))
    }

    fn resolve_field(
        &self,
        owner: &str,
        field: &str,
        r: Option<RawRef>,
    ) -> Result<ShapeId, String> {
        let r = r.ok_or_else(|| format!("shape '{owner}' has no '{field}'"))?;
        self.resolve(&r.shape)
    }

    fn shape_kind(&mut self, name: &str, raw: RawShape) -> Result<ShapeKind, String> {
        let length = LengthRange {
            min: raw.min.map(to_u64),
            max: raw.max.map(to_u64),
        };
        let int_range = IntRange {
            min: raw.min.map(to_i64),
            max: raw.max.map(to_i64),
        };
        Ok(match raw.kind.as_str() {
            "structure" if raw.document => ShapeKind::Document,
            "structure" => ShapeKind::Structure(self.structure(name, raw)?),
            "list" => ShapeKind::List(ListShape {
                member: self.resolve_field(name, "member", raw.member)?,
                length,
            }),
            "map" => ShapeKind::Map(MapShape {
                key: self.resolve_field(name, "key", raw.key)?,
                value: self.resolve_field(name, "value", raw.value)?,
                length,
            }),
            "string" => ShapeKind::String(StringShape {
                length,
                pattern: raw.pattern.map(|p| self.pattern(p)),
                enum_values: raw.enum_values.map(EnumValues::new),
            }),
            "integer" => ShapeKind::Integer(int_range),
            "long" => ShapeKind::Long(int_range),
            "double" | "float" => ShapeKind::Double(FloatRange {
                min: raw.min,
                max: raw.max,
            }),
            "boolean" => ShapeKind::Boolean,
            "timestamp" => ShapeKind::Timestamp,
            "blob" => ShapeKind::Blob,
            other => return Err(format!("shape '{name}' has unsupported type '{other}'")),
        })
    }

    fn structure(&self, name: &str, raw: RawShape) -> Result<StructureShape, String> {
        if raw.required.len() > MAX_REQUIRED_MEMBERS {
            return Err(format!(
                "shape '{name}' has more than {MAX_REQUIRED_MEMBERS} required members"
            ));
        }
        let mut members = raw
            .members
            .into_iter()
            .map(|(member_name, r)| {
                let required_slot = raw.required.iter().position(|req| *req == member_name);
                Ok(Member {
                    key: NameKey::new(&member_name),
                    path_name: lower_first(&member_name),
                    name: member_name,
                    shape: self.resolve(&r.shape)?,
                    // Below MAX_REQUIRED_MEMBERS, checked above.
                    required_slot: required_slot.map(|slot| slot as u8),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        members.sort_by(|a, b| member_order(&a.name, &b.name));
        let required = raw
            .required
            .iter()
            .map(|req| {
                members
                    .binary_search_by(|m| member_order(&m.name, req))
                    .map_err(|_| format!("shape '{name}' requires unknown member '{req}'"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(StructureShape {
            members,
            required,
            union: raw.union,
        })
    }

    /// One [`Pattern`] per distinct source: shapes sharing a pattern share its compiled regex.
    fn pattern(&mut self, source: String) -> Pattern {
        self.patterns
            .entry(source)
            .or_insert_with_key(|source| Pattern::new(source.clone()))
            .clone()
    }
}

/// `TableInput` → `tableInput`, as AWS names members in validation messages.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn to_u64(value: f64) -> u64 {
    // `as` saturates: negative bounds become 0, which is what a length bound means.
    value as u64
}

fn to_i64(value: f64) -> i64 {
    value as i64
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;
    use crate::java_regex::{compile, translate, Matcher};

    fn java_matches(java: &str, value: &str) -> bool {
        let rust = translate(java).unwrap_or_else(|e| panic!("{java}: {e}"));
        Regex::new(&rust)
            .unwrap_or_else(|e| panic!("{java} -> {rust}: {e}"))
            .is_match(value)
    }

    #[test]
    fn loads_the_glue_model() {
        let model = ServiceModel::glue();
        assert!(model.operation_names().count() > 300);
        let create_table = model.operation("CreateTable").expect("CreateTable");
        let input = model.shape(create_table.input.expect("input"));
        assert_eq!(input.name, "CreateTableRequest");
        assert!(create_table
            .errors
            .iter()
            .any(|e| e == "AlreadyExistsException"));
        assert!(model.operation("NoSuchOperation").is_none());
    }

    #[test]
    fn structure_members_are_resolved() {
        let model = ServiceModel::glue();
        let id = model.shape_id("TableInput").expect("TableInput");
        let ShapeKind::Structure(table) = &model.shape(id).kind else {
            panic!("not a structure")
        };
        let sd = table
            .member("StorageDescriptor")
            .expect("StorageDescriptor");
        assert_eq!(sd.path_name, "storageDescriptor");
        assert_eq!(model.shape(sd.shape).name, "StorageDescriptor");
        assert_eq!(table.required.len(), 1);
        assert_eq!(table.members[table.required[0]].name, "Name");
    }

    #[test]
    fn surrogate_pairs_become_supplementary_ranges() {
        let java = r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*";
        let rust = translate(java).expect("translates");
        assert!(rust.contains(r"\x{10000}-\x{10FFFF}"), "{rust}");
        assert!(java_matches(java, "hello\tworld 😀 é"));
        assert!(!java_matches(java, "line\nbreak"));
        assert!(java_matches(java, ""));
    }

    #[test]
    fn patterns_are_anchored() {
        assert!(java_matches("[a-z]+", "abc"));
        assert!(!java_matches("[a-z]+", "abc1"));
        assert!(java_matches("^$|arn:aws[a-z0-9-]*:kms:.*", ""));
        assert!(!java_matches(
            "^$|arn:aws[a-z0-9-]*:kms:.*",
            "x arn:aws:kms:"
        ));
    }

    #[test]
    fn java_class_semantics() {
        // `-` after a range is literal in Java.
        assert!(java_matches("[a-zA-Z0-9-_$#.]+", "a-_$#."));
        // `+-=` is a range in both.
        assert!(java_matches("[a-zA-Z0-9+-=._./@]+", "a,b"));
        // Java's \w and \s are ASCII.
        assert!(!java_matches(r"[\w]*", "é"));
        assert!(java_matches(r"[\S\s]*", "é \n x"));
        assert!(!java_matches(r"\S+", "a b"));
        assert!(java_matches(r"[\.\-_/#A-Za-z0-9]+", "a/b#c.d-e_f"));
        assert!(java_matches(
            r"/[a-zA-Z0-9._~:/?#\[\]@!$&'()*+,;={}-]*",
            "/a[b]&c"
        ));
        // Java's `.` stops at line terminators.
        assert!(!java_matches(".*", "a\rb"));
    }

    #[test]
    fn counts_skipped_patterns() {
        let skipped = ServiceModel::glue().skipped_patterns();
        // The three lookahead patterns (AssetTypeName, CatalogNameString, FormTypeId) are the
        // only ones the `regex` crate cannot express.
        assert_eq!(skipped.len(), 3, "{skipped:#?}");
        assert!(skipped.iter().all(|p| p.contains("(?!")), "{skipped:#?}");
    }

    /// Every model pattern compiled as a character run must agree with its `regex` translation.
    #[test]
    fn char_runs_agree_with_regex_translation() {
        let samples = [
            "",
            "a",
            "abc_12-3",
            "hello world",
            "tab\there",
            "new\nline",
            "cr\rhere",
            "é",
            "日本語",
            "😀",
            "s3://bucket/key",
            "a.b-c_d",
            "ÿ\u{85}",
            "\u{2028}",
            "x\u{B}y",
            "*:",
            "<>&'\"",
            "\u{FFFE}",
        ];
        let model = ServiceModel::glue();
        let mut char_runs = 0;
        let mut sources: Vec<&str> = model
            .shapes
            .iter()
            .filter_map(|shape| match &shape.kind {
                ShapeKind::String(s) => s.pattern.as_ref().map(|p| p.source.as_str()),
                _ => None,
            })
            .collect();
        sources.sort_unstable();
        sources.dedup();
        for source in sources {
            let Ok(Matcher::CharRun { .. }) = compile(source) else {
                continue;
            };
            char_runs += 1;
            let run = compile(source).expect("compiles");
            for sample in samples {
                assert_eq!(
                    run.matches(sample),
                    java_matches(source, sample),
                    "{source} on {sample:?}"
                );
            }
        }
        assert!(char_runs >= 20, "{char_runs}");
    }
}
