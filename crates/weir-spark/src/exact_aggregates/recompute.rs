//! Accumulators built from a plain one, as Spark computes:
//!
//! - [`Sliding`]: a sliding window frame (`ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING`, `RANGE`
//!   offsets). Spark aggregates each frame afresh from its rows; subtracting the rows leaving
//!   the frame instead (DataFusion's way) is not the same for doubles (`inf - inf` is NaN, and
//!   rounding differs). This keeps the frame's rows and evaluates a fresh accumulator over
//!   them, so each frame costs its length, as in Spark.
//! - [`Distinct`]: `f(DISTINCT x)`: the distinct non-null values, aggregated at the end.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::Accumulator;

/// Makes a fresh plain accumulator.
pub(super) type Factory = Arc<dyn Fn() -> Result<Box<dyn Accumulator>> + Send + Sync>;

/// A sliding-frame accumulator that recomputes the aggregate of the rows in the frame.
pub(super) struct Sliding {
    make: Factory,
    /// The frame's rows, in batches of argument columns; `skip` rows of the first batch have
    /// left the frame.
    batches: VecDeque<Vec<ArrayRef>>,
    skip: usize,
}

impl Sliding {
    pub(super) fn new(make: Factory) -> Self {
        Self {
            make,
            batches: VecDeque::new(),
            skip: 0,
        }
    }

    /// A fresh accumulator over the frame's rows.
    fn fresh(&self) -> Result<Box<dyn Accumulator>> {
        let mut acc = (self.make)()?;
        for (i, batch) in self.batches.iter().enumerate() {
            let skip = if i == 0 { self.skip } else { 0 };
            let columns: Vec<ArrayRef> = batch
                .iter()
                .map(|c| c.slice(skip, c.len() - skip))
                .collect();
            acc.update_batch(&columns)?;
        }
        Ok(acc)
    }
}

impl fmt::Debug for Sliding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sliding")
            .field("batches", &self.batches.len())
            .field("skip", &self.skip)
            .finish()
    }
}

impl Accumulator for Sliding {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if values.first().is_some_and(|c| !c.is_empty()) {
            self.batches.push_back(values.to_vec());
        }
        Ok(())
    }

    /// Rows leave a frame in the order they entered it.
    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let mut n = values.first().map_or(0, |c| c.len());
        while n > 0 {
            let Some(front) = self.batches.front() else {
                return exec_err!("a window frame retracted more rows than it holds");
            };
            let left = front.first().map_or(0, |c| c.len()) - self.skip;
            if n >= left {
                self.batches.pop_front();
                self.skip = 0;
                n -= left;
            } else {
                self.skip += n;
                n = 0;
            }
        }
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.fresh()?.evaluate()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.fresh()?.state()
    }

    fn merge_batch(&mut self, _states: &[ArrayRef]) -> Result<()> {
        exec_err!("a sliding window frame's accumulator does not merge states")
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .batches
                .iter()
                .flatten()
                .map(|c| c.get_array_memory_size())
                .sum::<usize>()
    }
}

/// The state field of [`Distinct`]: the list of distinct values seen.
pub(super) fn distinct_state_fields(name: &str, input: &DataType) -> Vec<FieldRef> {
    vec![Arc::new(Field::new_list(
        format_state_name(name, "distinct"),
        Field::new_list_field(input.clone(), true),
        true,
    ))]
}

/// `f(DISTINCT x)`: collects the distinct non-null values of `x`, and aggregates them with a
/// fresh plain accumulator when evaluated.
pub(super) struct Distinct {
    make: Factory,
    input: DataType,
    values: HashSet<ScalarValue>,
}

impl Distinct {
    pub(super) fn new(make: Factory, input: DataType) -> Self {
        Self {
            make,
            input,
            values: HashSet::new(),
        }
    }

    fn insert_all(&mut self, array: &ArrayRef) -> Result<()> {
        for i in 0..array.len() {
            if array.is_valid(i) {
                self.values.insert(ScalarValue::try_from_array(array, i)?);
            }
        }
        Ok(())
    }

    fn values_array(&self) -> Result<ArrayRef> {
        if self.values.is_empty() {
            return Ok(datafusion::arrow::array::new_empty_array(&self.input));
        }
        ScalarValue::iter_to_array(self.values.iter().cloned())
    }
}

impl fmt::Debug for Distinct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Distinct")
            .field("values", &self.values.len())
            .finish()
    }
}

impl Accumulator for Distinct {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        match values.first() {
            Some(array) => self.insert_all(array),
            None => Ok(()),
        }
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut acc = (self.make)()?;
        acc.update_batch(&[self.values_array()?])?;
        acc.evaluate()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list = ScalarValue::new_list_nullable(
            &self.values.iter().cloned().collect::<Vec<_>>(),
            &self.input,
        );
        Ok(vec![ScalarValue::List(list)])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(lists) = states.first() else {
            return Ok(());
        };
        let lists = lists.as_list::<i32>();
        for i in 0..lists.len() {
            if lists.is_valid(i) {
                self.insert_all(&lists.value(i))?;
            }
        }
        Ok(())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.iter().map(ScalarValue::size).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Float64Array;

    /// A plain sum in row order, as the frames' fresh accumulator.
    #[derive(Debug, Default)]
    struct Sum(f64);

    impl Accumulator for Sum {
        fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
            let values = values[0].as_primitive::<datafusion::arrow::datatypes::Float64Type>();
            self.0 += values.iter().flatten().sum::<f64>();
            Ok(())
        }
        fn evaluate(&mut self) -> Result<ScalarValue> {
            Ok(ScalarValue::Float64(Some(self.0)))
        }
        fn size(&self) -> usize {
            0
        }
        fn state(&mut self) -> Result<Vec<ScalarValue>> {
            self.evaluate().map(|v| vec![v])
        }
        fn merge_batch(&mut self, _: &[ArrayRef]) -> Result<()> {
            Ok(())
        }
    }

    fn doubles(v: &[f64]) -> Vec<ArrayRef> {
        vec![Arc::new(Float64Array::from(v.to_vec()))]
    }

    #[test]
    fn a_sliding_frame_is_aggregated_afresh_from_its_rows() {
        let mut frame = Sliding::new(Arc::new(|| Ok(Box::new(Sum::default()) as _)));
        frame.update_batch(&doubles(&[1.0, f64::INFINITY])).unwrap();
        frame.update_batch(&doubles(&[2.0])).unwrap();
        // Subtracting infinity would give NaN; the rows left give 2.
        frame.retract_batch(&doubles(&[0.0, 0.0])).unwrap();
        assert_eq!(frame.evaluate().unwrap(), ScalarValue::Float64(Some(2.0)));
        frame.update_batch(&doubles(&[3.0, 4.0])).unwrap();
        frame.retract_batch(&doubles(&[0.0, 0.0])).unwrap();
        assert_eq!(frame.evaluate().unwrap(), ScalarValue::Float64(Some(4.0)));
        assert!(frame.retract_batch(&doubles(&[0.0, 0.0])).is_err());
    }

    #[test]
    fn distinct_values_are_aggregated_once_across_merged_states() {
        let make: Factory = Arc::new(|| Ok(Box::new(Sum::default()) as _));
        let mut a = Distinct::new(Arc::clone(&make), DataType::Float64);
        a.update_batch(&doubles(&[1.0, 2.0, 2.0])).unwrap();
        let mut b = Distinct::new(make, DataType::Float64);
        b.update_batch(&doubles(&[2.0, 5.0])).unwrap();
        let state = b.state().unwrap()[0].to_array().unwrap();
        a.merge_batch(&[state]).unwrap();
        assert_eq!(a.evaluate().unwrap(), ScalarValue::Float64(Some(8.0)));
    }
}
