//! Spark's `to_json(value)`: a struct, map or array as compact JSON text (NULL for NULL). As in
//! Spark, null members of a struct are left out; dates are `yyyy-MM-dd`. Unlike Spark,
//! timestamps are written without a zone (`2024-01-02T03:04:05.123`: Weir's timestamps have
//! none) and the options argument is not taken.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::json::LineDelimitedWriter;
use datafusion::common::{exec_datafusion_err, Result};
use datafusion::logical_expr::ScalarUDF;

use super::udf::{arity, SparkFn};

/// The function.
pub fn function() -> ScalarUDF {
    SparkFn::new(
        "to_json",
        |args| {
            arity(args, 1, 1)?;
            match &args[0] {
                t @ (DataType::Struct(_)
                | DataType::Map(..)
                | DataType::List(_)
                | DataType::LargeList(_)) => Ok(vec![t.clone()]),
                other => Err(format!(
                    "the value must be a struct, a map or an array, got {other}"
                )),
            }
        },
        |_| Ok(DataType::Utf8),
        eval,
    )
    .udf()
}

/// Each value written as the member `v` of a JSON object, then unwrapped.
fn eval(args: &[ArrayRef], rows: usize, _: &DataType) -> Result<ArrayRef> {
    let value = &args[0];
    let schema = Schema::new(vec![Field::new("v", value.data_type().clone(), true)]);
    let batch = RecordBatch::try_new(Arc::new(schema), vec![value.clone()])?;
    let mut writer = LineDelimitedWriter::new(Vec::new());
    writer.write(&batch)?;
    writer.finish()?;
    let text =
        String::from_utf8(writer.into_inner()).map_err(|e| exec_datafusion_err!("to_json: {e}"))?;
    let mut lines = text.lines();
    let out: StringArray = (0..rows)
        .map(|i| {
            let line = lines.next().unwrap_or_default();
            match value.is_null(i) {
                true => None,
                false => line
                    .strip_prefix("{\"v\":")
                    .and_then(|l| l.strip_suffix('}'))
                    .map(str::to_string),
            }
        })
        .collect();
    Ok(Arc::new(out))
}
