//! Spark's `sum`: DataFusion's (same result types: `bigint` for integers, wrapping around on
//! overflow as Spark without ANSI mode, `double` for floating point, `decimal(p+10, s)` for
//! `decimal(p, s)`), with Spark's answers where DataFusion's differ:
//!
//! - a decimal sum beyond its 38 digits is NULL (DataFusion returns a value out of range);
//! - `double`s are added one row after another, as Spark does (DataFusion adds a batch in
//!   lanes, which rounds otherwise), and a sliding window frame is summed afresh from its
//!   rows ([`super::recompute::Sliding`]) rather than by subtracting the rows that left it.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Decimal128Array};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, DecimalType, FieldRef, Float64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::AggregateOrderSensitivity;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, EmitTo, GroupsAccumulator,
    ReversedUDAF, SetMonotonicity, Signature,
};

use super::recompute::{Factory, Sliding};

#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct SparkSum {
    inner: Arc<AggregateUDF>,
}

impl SparkSum {
    pub(super) fn new() -> Self {
        Self {
            inner: datafusion::functions_aggregate::sum::sum_udaf(),
        }
    }
}

fn is_double(args: &AccumulatorArgs) -> bool {
    args.return_field.data_type() == &DataType::Float64
}

fn double_sum() -> Factory {
    Arc::new(|| Ok(Box::new(DoubleSum(None)) as Box<dyn Accumulator>))
}

impl AggregateUDFImpl for SparkSum {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if is_double(&args) && !args.is_distinct {
            return double_sum()();
        }
        let checked = !args.is_distinct;
        let inner = self.inner.accumulator(args)?;
        Ok(match checked {
            true => Box::new(InRange(inner)),
            false => inner,
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        self.inner.state_fields(args)
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        self.inner.groups_accumulator_supported(args)
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(GroupsInRange(
            self.inner.create_groups_accumulator(args)?,
        )))
    }

    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if is_double(&args) && !args.is_distinct {
            return Ok(Box::new(Sliding::new(double_sum())));
        }
        Ok(Box::new(InRange(
            self.inner.create_sliding_accumulator(args)?,
        )))
    }

    fn reverse_expr(&self) -> ReversedUDAF {
        self.inner.reverse_udf()
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        self.inner.inner().order_sensitivity()
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn set_monotonicity(&self, data_type: &DataType) -> SetMonotonicity {
        self.inner.inner().set_monotonicity(data_type)
    }
}

/// A decimal sum beyond its type's precision is NULL; other values are kept.
fn in_range(value: ScalarValue) -> ScalarValue {
    match value {
        ScalarValue::Decimal128(Some(v), p, s)
            if !Decimal128Type::is_valid_decimal_precision(v, p) =>
        {
            ScalarValue::Decimal128(None, p, s)
        }
        other => other,
    }
}

fn in_range_array(array: ArrayRef) -> Result<ArrayRef> {
    let DataType::Decimal128(p, s) = *array.data_type() else {
        return Ok(array);
    };
    let values = array.as_primitive::<Decimal128Type>();
    let checked: Decimal128Array = values
        .iter()
        .map(|v| v.filter(|v| Decimal128Type::is_valid_decimal_precision(*v, p)))
        .collect();
    Ok(Arc::new(checked.with_precision_and_scale(p, s)?))
}

/// An accumulator whose decimal results beyond their precision are NULL.
#[derive(Debug)]
struct InRange(Box<dyn Accumulator>);

impl Accumulator for InRange {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.0.update_batch(values)
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.0.retract_batch(values)
    }

    fn supports_retract_batch(&self) -> bool {
        self.0.supports_retract_batch()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(in_range(self.0.evaluate()?))
    }

    fn size(&self) -> usize {
        self.0.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.0.state()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.0.merge_batch(states)
    }
}

/// A groups accumulator whose decimal results beyond their precision are NULL.
struct GroupsInRange(Box<dyn GroupsAccumulator>);

impl GroupsAccumulator for GroupsInRange {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.0
            .update_batch(values, group_indices, opt_filter, total_num_groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        in_range_array(self.0.evaluate(emit_to)?)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        self.0.state(emit_to)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.0
            .merge_batch(values, group_indices, opt_filter, total_num_groups)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        self.0.convert_to_state(values, opt_filter)
    }

    fn supports_convert_to_state(&self) -> bool {
        self.0.supports_convert_to_state()
    }

    fn size(&self) -> usize {
        self.0.size()
    }
}

/// The `double` sum of the rows of an aggregate without groups (or of a window frame), in row
/// order; NULL for no non-null value. Its state is DataFusion's: the sum.
#[derive(Debug)]
struct DoubleSum(Option<f64>);

impl DoubleSum {
    fn add(&mut self, values: &ArrayRef) {
        for v in values.as_primitive::<Float64Type>().iter().flatten() {
            self.0 = Some(self.0.unwrap_or(0.0) + v);
        }
    }
}

impl Accumulator for DoubleSum {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if let Some(values) = values.first() {
            self.add(values);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.0))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Float64(self.0)])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.update_batch(states)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decimal_sum_beyond_its_precision_is_null() {
        let big = 10_i128.pow(38);
        assert_eq!(
            in_range(ScalarValue::Decimal128(Some(big), 38, 6)),
            ScalarValue::Decimal128(None, 38, 6)
        );
        assert_eq!(
            in_range(ScalarValue::Decimal128(Some(big - 1), 38, 6)),
            ScalarValue::Decimal128(Some(big - 1), 38, 6)
        );
    }

    #[test]
    fn doubles_are_summed_in_row_order() {
        let values: ArrayRef = Arc::new(datafusion::arrow::array::Float64Array::from(vec![
            Some(1e308),
            None,
            Some(-1e308),
            Some(1.0),
        ]));
        let mut sum = DoubleSum(None);
        sum.update_batch(&[values]).unwrap();
        assert_eq!(sum.evaluate().unwrap(), ScalarValue::Float64(Some(1.0)));
    }
}
