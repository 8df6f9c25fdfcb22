//! Spark's `count`: DataFusion's, with two differences fixed.
//!
//! - `count(…) FILTER (WHERE c)` counts only rows where `c` is true. DataFusion's per-group
//!   count reads the filter's value bits and ignores its nulls, so a row whose `c` is NULL
//!   was counted; here the filter's nulls are made false first.
//! - `count(DISTINCT a, b, …)`: the number of distinct tuples among the rows where no argument
//!   is NULL (DataFusion takes one argument).

use std::any::Any;
use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::compute::prep_null_mask_filter;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::{format_state_name, AggregateOrderSensitivity};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, EmitTo, GroupsAccumulator,
    ReversedUDAF, SetMonotonicity, Signature, StatisticsArgs,
};

#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct SparkCount {
    inner: Arc<AggregateUDF>,
}

impl SparkCount {
    pub(super) fn new() -> Self {
        Self {
            inner: datafusion::functions_aggregate::count::count_udaf(),
        }
    }
}

impl AggregateUDFImpl for SparkCount {
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

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn is_nullable(&self) -> bool {
        self.inner.is_nullable()
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        if args.is_distinct && args.input_fields.len() > 1 {
            return Ok(args
                .input_fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    Arc::new(Field::new_list(
                        format_state_name(args.name, &format!("count distinct {i}")),
                        Field::new_list_field(f.data_type().clone(), true),
                        true,
                    ))
                })
                .collect());
        }
        self.inner.state_fields(args)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if args.is_distinct && args.exprs.len() > 1 {
            return Ok(Box::new(DistinctTuples {
                types: args
                    .expr_fields
                    .iter()
                    .map(|f| f.data_type().clone())
                    .collect(),
                tuples: HashSet::new(),
            }));
        }
        self.inner.accumulator(args)
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        self.inner.groups_accumulator_supported(args)
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(FalseForNullFilter(
            self.inner.create_groups_accumulator(args)?,
        )))
    }

    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        self.inner.create_sliding_accumulator(args)
    }

    fn reverse_expr(&self) -> ReversedUDAF {
        self.inner.reverse_udf()
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        self.inner.inner().order_sensitivity()
    }

    fn default_value(&self, data_type: &DataType) -> Result<ScalarValue> {
        self.inner.default_value(data_type)
    }

    fn value_from_stats(&self, statistics_args: &StatisticsArgs) -> Option<ScalarValue> {
        self.inner.value_from_stats(statistics_args)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn set_monotonicity(&self, data_type: &DataType) -> SetMonotonicity {
        self.inner.inner().set_monotonicity(data_type)
    }
}

/// A filter whose NULLs are false.
fn definite(filter: Option<&BooleanArray>) -> Option<BooleanArray> {
    filter.map(|f| match f.null_count() {
        0 => f.clone(),
        _ => prep_null_mask_filter(f),
    })
}

/// A groups accumulator given filters without NULLs.
struct FalseForNullFilter(Box<dyn GroupsAccumulator>);

impl GroupsAccumulator for FalseForNullFilter {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        let filter = definite(opt_filter);
        self.0
            .update_batch(values, group_indices, filter.as_ref(), total_num_groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        self.0.evaluate(emit_to)
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
        let filter = definite(opt_filter);
        self.0
            .merge_batch(values, group_indices, filter.as_ref(), total_num_groups)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let filter = definite(opt_filter);
        self.0.convert_to_state(values, filter.as_ref())
    }

    fn supports_convert_to_state(&self) -> bool {
        self.0.supports_convert_to_state()
    }

    fn size(&self) -> usize {
        self.0.size()
    }
}

/// `count(DISTINCT a, b, …)`: the distinct tuples of rows without a NULL argument.
#[derive(Debug)]
struct DistinctTuples {
    types: Vec<DataType>,
    tuples: HashSet<Vec<ScalarValue>>,
}

impl DistinctTuples {
    fn insert_rows(&mut self, columns: &[ArrayRef]) -> Result<()> {
        let rows = columns.first().map_or(0, |c| c.len());
        for i in 0..rows {
            if columns.iter().all(|c| c.is_valid(i)) {
                let tuple = columns
                    .iter()
                    .map(|c| ScalarValue::try_from_array(c, i))
                    .collect::<Result<Vec<_>>>()?;
                self.tuples.insert(tuple);
            }
        }
        Ok(())
    }
}

impl Accumulator for DistinctTuples {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.insert_rows(values)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.tuples.len() as i64)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .tuples
                .iter()
                .flatten()
                .map(ScalarValue::size)
                .sum::<usize>()
    }

    /// One list per argument, the tuples' `i`th values in the same order.
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(self
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let column: Vec<ScalarValue> = self.tuples.iter().map(|v| v[i].clone()).collect();
                ScalarValue::List(ScalarValue::new_list_nullable(&column, t))
            })
            .collect())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if states.len() != self.types.len() {
            return exec_err!("count(DISTINCT …): a state has the wrong number of columns");
        }
        let lists: Vec<_> = states.iter().map(|s| s.as_list::<i32>()).collect();
        for row in 0..states[0].len() {
            let columns: Vec<ArrayRef> = lists.iter().map(|l| l.value(row)).collect();
            self.insert_rows(&columns)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, StringArray};

    #[test]
    fn a_null_filter_value_does_not_count() {
        let filter = BooleanArray::from(vec![Some(true), None, Some(false)]);
        let definite = definite(Some(&filter)).unwrap();
        assert_eq!(definite.null_count(), 0);
        assert_eq!(
            definite.iter().collect::<Vec<_>>(),
            [Some(true), Some(false), Some(false)]
        );
    }

    #[test]
    fn distinct_tuples_skip_rows_with_a_null() {
        let mut count = DistinctTuples {
            types: vec![DataType::Utf8, DataType::Int32],
            tuples: HashSet::new(),
        };
        let k: ArrayRef = Arc::new(StringArray::from(vec![
            Some("a"),
            Some("a"),
            None,
            Some("b"),
        ]));
        let g: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), Some(1), Some(1), None]));
        count.update_batch(&[k, g]).unwrap();
        let state: Vec<ArrayRef> = count
            .state()
            .unwrap()
            .iter()
            .map(|s| s.to_array().unwrap())
            .collect();
        let mut merged = DistinctTuples {
            types: count.types.clone(),
            tuples: HashSet::new(),
        };
        merged.merge_batch(&state).unwrap();
        assert_eq!(merged.evaluate().unwrap(), ScalarValue::Int64(Some(1)));
    }
}
