//! The `PIIDetection` node of visual jobs, as a transform the engine runs ([`NodeTransform`]).
//!
//! Its settings are read from the node ([`settings`]): `PiiType`, `EntityTypesToDetect`
//! (managed types, and custom types the service's CreateCustomEntityType defined),
//! `DetectionSensitivity`, the masking options, `DetectionParameters`, `SampleFraction` and
//! `ThresholdFraction`. Row-level types run [`PiiTransform::apply_row_level`] on every batch
//! (one function over all string columns, lazily, as the rest of the job) and add the
//! `OutputColumnName` column (`DetectedEntities` by default); column-level types classify the
//! string columns on the first [`COLUMN_SAMPLE_ROWS`] rows and then act on every row of the
//! columns found to hold a type (`ColumnAudit` leaves the data as it is).

use std::any::Any;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::{Array, ArrayRef, StringArray, StructArray};
use datafusion::arrow::compute::{cast, concat};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{exec_err, Result as DfResult};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::{cast as cast_expr, ident, DataFrame, Expr, SessionContext};
use serde_json::Value;
use weir_engine::job::extension::{Applied, NodeTransform, RunContext, TransformFuture};
use weir_engine::job::graph::Node;
use weir_engine::EngineError;
use weir_metastore::custom_entity_types::CUSTOM_ENTITY_TYPES;
use weir_metastore::Metastore;

use crate::actions::{ActionPolicy, MaskOptions, PiiType};
use crate::detect::Sensitivity;
use crate::entity_type::{EntityType, ManagedEntity};
use crate::mask::{mask_whole_column, Action, Hasher};
use crate::sample::ColumnSampling;
use crate::transform::{NamedColumn, PiiSettings, PiiTransform};
use crate::CustomEntityType;

/// Rows column-level types classify columns on.
pub const COLUMN_SAMPLE_ROWS: usize = 100_000;
/// The default `OutputColumnName`.
const DETECTED_ENTITIES: &str = "DetectedEntities";

/// Detects and masks sensitive data in visual jobs; with a metastore, custom entity types are
/// found by name.
pub struct PiiNode {
    store: Option<Metastore>,
}

impl PiiNode {
    pub fn new(store: Option<Metastore>) -> Arc<PiiNode> {
        Arc::new(PiiNode { store })
    }
}

impl NodeTransform for PiiNode {
    fn node_types(&self) -> &'static [&'static str] {
        &["PIIDetection"]
    }

    fn apply<'a>(
        &'a self,
        ctx: &'a SessionContext,
        node: &'a Node,
        inputs: Vec<Vec<DataFrame>>,
        _run: RunContext<'a>,
    ) -> TransformFuture<'a> {
        Box::pin(async move {
            let input = inputs
                .into_iter()
                .next()
                .and_then(|c| c.into_iter().next())
                .ok_or_else(|| EngineError::invalid(&node.id, "PIIDetection takes one input"))?;
            let customs = self.custom_types(node).await?;
            let settings = settings(node, customs)
                .map_err(|e| EngineError::invalid(&node.id, format!("PIIDetection: {e}")))?;
            let pii_type = settings.pii_type;
            let transform = PiiTransform::new(settings)
                .map_err(|e| EngineError::invalid(&node.id, format!("PIIDetection: {e}")))?;
            let output = if pii_type.is_row_level() {
                let column = node.str("OutputColumnName").unwrap_or(DETECTED_ENTITIES);
                row_level(input, transform, column)
            } else {
                column_level(ctx, input, transform).await
            };
            let output = output.map_err(|e| EngineError::Execution {
                node: node.id.clone(),
                source: e,
            })?;
            Ok(Applied {
                outputs: vec![output],
                fail_after_commit: None,
            })
        })
    }
}

impl PiiNode {
    /// The definitions of the custom types among `EntityTypesToDetect`.
    async fn custom_types(&self, node: &Node) -> Result<Vec<CustomEntityType>, EngineError> {
        let names: Vec<&str> = node
            .array("EntityTypesToDetect")
            .iter()
            .filter_map(Value::as_str)
            .filter(|n| ManagedEntity::from_name(n).is_none())
            .collect();
        let (Some(store), false) = (&self.store, names.is_empty()) else {
            return Ok(Vec::new());
        };
        let read = |e: weir_metastore::Error| {
            EngineError::invalid(&node.id, format!("reading custom entity types: {e}"))
        };
        let mut tx = store.read().await.map_err(read)?;
        let mut found = Vec::new();
        for name in names {
            if let Some(doc) = CUSTOM_ENTITY_TYPES.get(&mut tx, name).await.map_err(read)? {
                let words = doc["ContextWords"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string);
                found.push(
                    CustomEntityType::new(name, doc["RegexString"].as_str().unwrap_or_default())
                        .with_context_words(words),
                );
            }
        }
        Ok(found)
    }
}

/// The node's settings, with the custom types' definitions.
pub fn settings(node: &Node, custom_types: Vec<CustomEntityType>) -> crate::Result<PiiSettings> {
    let text = |field: &str| node.str(field).map(str::to_string);
    let number = |field: &str| node.fields.get(field).and_then(Value::as_i64);
    let fraction = |field: &str| node.fields.get(field).and_then(Value::as_f64);
    let pii_type: PiiType = node.str("PiiType").unwrap_or("RowAudit").parse()?;
    let custom_names: Vec<&str> = custom_types.iter().map(|c| c.name.as_str()).collect();
    let entity_types = node
        .array("EntityTypesToDetect")
        .iter()
        .filter_map(Value::as_str)
        .map(|name| EntityType::resolve(name, custom_names.iter().copied()))
        .collect::<crate::Result<Vec<_>>>()?;
    let sensitivity = match node.str("DetectionSensitivity") {
        Some(s) => s.parse()?,
        None => Sensitivity::default(),
    };
    let options = MaskOptions {
        mask_value: text("MaskValue"),
        redact_text: text("RedactText"),
        redact_char: text("RedactChar"),
        match_pattern: text("MatchPattern"),
        num_left_chars_to_exclude: number("NumLeftCharsToExclude"),
        num_right_chars_to_exclude: number("NumRightCharsToExclude"),
    };
    let mut policy = ActionPolicy::uniform(Action::for_pii_type(pii_type, &options)?);
    if let Some(parameters) = node
        .str("DetectionParameters")
        .filter(|p| !p.trim().is_empty())
    {
        policy = policy.with_detection_parameters(parameters, &custom_names)?;
    }
    let defaults = ColumnSampling::default();
    let sampling = match (fraction("SampleFraction"), fraction("ThresholdFraction")) {
        (None, None) => defaults,
        (sample, threshold) => ColumnSampling::new(
            sample.unwrap_or(defaults.sample_fraction()),
            threshold.unwrap_or(defaults.threshold_fraction()),
        )?,
    };
    Ok(PiiSettings {
        pii_type,
        entity_types,
        custom_types,
        sensitivity,
        policy,
        hasher: Hasher::unsalted(),
        sampling,
    })
}

fn is_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// The string columns of a frame.
fn text_columns(df: &DataFrame) -> Vec<String> {
    df.schema()
        .fields()
        .iter()
        .filter(|f| is_text(f.data_type()))
        .map(|f| f.name().clone())
        .collect()
}

/// Each function over a node gets its own name and identity.
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Row-level types: every string column through the transform, and the detections column.
fn row_level(df: DataFrame, transform: PiiTransform, output: &str) -> DfResult<DataFrame> {
    let names = text_columns(&df);
    let mut fields: Vec<Field> = (0..names.len())
        .map(|i| Field::new(format!("c{i}"), DataType::Utf8, true))
        .collect();
    fields.push(Field::new("detected", DataType::Utf8, true));
    let udf = ScalarUDF::new_from_impl(RowPii {
        id: next_id(),
        signature: text_signature(names.len()),
        names: names.clone(),
        fields: Fields::from(fields),
        transform: Mutex::new(transform),
    });
    let args: Vec<Expr> = names
        .iter()
        .map(|n| cast_expr(ident(n), DataType::Utf8))
        .collect();
    let all: Vec<String> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let df = df.with_column("__pii", udf.call(args))?;
    let mut projection: Vec<Expr> = all
        .iter()
        .map(|name| match names.iter().position(|n| n == name) {
            Some(i) => get(&format!("c{i}")).alias(name),
            None => ident(name),
        })
        .collect();
    projection.push(get("detected").alias(output));
    df.select(projection)
}

fn get(field: &str) -> Expr {
    datafusion::functions::core::expr_fn::get_field(ident("__pii"), field)
}

/// Column-level types: the string columns classified on a sample, then each column found to hold
/// a type masked or hashed whole.
async fn column_level(
    _ctx: &SessionContext,
    df: DataFrame,
    mut transform: PiiTransform,
) -> DfResult<DataFrame> {
    let names = text_columns(&df);
    if names.is_empty() {
        return Ok(df);
    }
    let sample = df
        .clone()
        .select(
            names
                .iter()
                .map(|n| cast_expr(ident(n), DataType::Utf8).alias(n))
                .collect::<Vec<_>>(),
        )?
        .limit(0, Some(COLUMN_SAMPLE_ROWS))?
        .collect()
        .await?;
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(names.len());
    for i in 0..names.len() {
        let parts: Vec<&dyn Array> = sample.iter().map(|b| b.column(i).as_ref()).collect();
        columns.push(if parts.is_empty() {
            Arc::new(StringArray::from(Vec::<Option<&str>>::new()))
        } else {
            concat(&parts)?
        });
    }
    let strings: Vec<&StringArray> = columns
        .iter()
        .map(|c| c.as_any().downcast_ref::<StringArray>())
        .collect::<Option<_>>()
        .ok_or_else(|| {
            datafusion::error::DataFusionError::Internal("a sampled column is not text".into())
        })?;
    let named: Vec<NamedColumn<'_>> = names
        .iter()
        .zip(&strings)
        .map(|(name, values)| NamedColumn { name, values })
        .collect();
    let classification = transform
        .classify(&named)
        .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))?;
    let settings = transform.settings();
    let all: Vec<String> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let projection: Vec<Expr> = all
        .iter()
        .map(|name| {
            let action = classification
                .iter()
                .find(|c| &c.column == name)
                .and_then(|c| c.findings.first())
                .and_then(|finding| settings.policy.action_for(name, &finding.entity))
                .filter(|action| !action.is_detect_only());
            match action {
                Some(action) => ScalarUDF::new_from_impl(WholeColumn {
                    id: next_id(),
                    signature: text_signature(1),
                    action: action.clone(),
                    hasher: settings.hasher.clone(),
                })
                .call(vec![cast_expr(ident(name), DataType::Utf8)])
                .alias(name),
                None => ident(name),
            }
        })
        .collect();
    df.select(projection)
}

/// Equality and hashing of a node's function by its id: each node's function is its own.
macro_rules! identified_by_id {
    ($t:ty) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.id == other.id
            }
        }

        impl Eq for $t {}

        impl Hash for $t {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.id.hash(state);
            }
        }
    };
}

/// The row-level transform over all string columns of a batch: a struct of the columns after
/// their actions (`c0`, `c1`, …) and the detections (`detected`).
struct RowPii {
    id: u64,
    signature: Signature,
    names: Vec<String>,
    fields: Fields,
    transform: Mutex<PiiTransform>,
}

impl std::fmt::Debug for RowPii {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowPii")
            .field("columns", &self.names)
            .finish()
    }
}

identified_by_id!(RowPii);

/// The signature of a function of `n` text arguments. Volatile: a node's function is
/// evaluated once per row where it is written, never folded or moved.
fn text_signature(n: usize) -> Signature {
    Signature::exact(vec![DataType::Utf8; n], Volatility::Volatile)
}

impl ScalarUDFImpl for RowPii {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "pii_detection"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Struct(self.fields.clone()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = args
            .args
            .iter()
            .map(|a| {
                a.to_array(rows)
                    .and_then(|a| Ok(cast(&a, &DataType::Utf8)?))
            })
            .collect::<DfResult<Vec<_>>>()?;
        let strings: Vec<&StringArray> = arrays
            .iter()
            .filter_map(|a| a.as_any().downcast_ref::<StringArray>())
            .collect();
        if strings.len() != self.names.len() {
            return exec_err!("pii_detection: expected {} text columns", self.names.len());
        }
        let named: Vec<NamedColumn<'_>> = self
            .names
            .iter()
            .zip(&strings)
            .map(|(name, values)| NamedColumn { name, values })
            .collect();
        // Batches of the run's partitions are detected in parallel: each call works on its own
        // clone (the compiled detectors are shared), and what it compiled is kept for the next.
        let mut transform = self
            .transform
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let out = transform
            .apply_row_level(rows, &named)
            .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))?;
        *self.transform.lock().unwrap_or_else(|e| e.into_inner()) = transform;
        let mut columns: Vec<ArrayRef> = out
            .columns
            .into_iter()
            .map(|c| Arc::new(c) as ArrayRef)
            .collect();
        columns.push(Arc::new(out.detected_entities));
        let array = StructArray::try_new(self.fields.clone(), columns, None)?;
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// A column-level action over every value of one column.
struct WholeColumn {
    id: u64,
    signature: Signature,
    action: Action,
    hasher: Hasher,
}

impl std::fmt::Debug for WholeColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WholeColumn")
            .field("action", &self.action.glue_name())
            .finish()
    }
}

identified_by_id!(WholeColumn);

impl ScalarUDFImpl for WholeColumn {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "pii_column"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].to_array(args.number_rows)?;
        let array = cast(&array, &DataType::Utf8)?;
        let Some(values) = array.as_any().downcast_ref::<StringArray>() else {
            return exec_err!("pii_column: not a text column");
        };
        let masked = mask_whole_column(values, &self.action, &self.hasher);
        Ok(ColumnarValue::Array(Arc::new(masked)))
    }
}
