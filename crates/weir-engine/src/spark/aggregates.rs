//! Spark's aggregate functions under Spark's names, on DataFusion's where the semantics match:
//!
//! - `first(x[, ignoreNulls])`, `last(x[, ignoreNulls])`: DataFusion's `first_value` and
//!   `last_value` (like Spark's, which row is first is not defined without an ordering); the
//!   boolean must be a literal. `IGNORE NULLS` works too.
//! - `approx_count_distinct(x[, rsd])`: DataFusion's HyperLogLog `approx_distinct` as a
//!   `bigint`; `rsd` is accepted and not used (DataFusion's sketch has a fixed precision).
//! - `percentile_approx(x, p[, accuracy])` (and `approx_percentile`): Spark returns the value of
//!   rank ⌈p·n⌉ among the sorted non-null values, of the input's type — exactly that while its
//!   sketch holds every value (up to thousands of rows per group), within `1/accuracy` of that
//!   rank beyond. This one keeps the group's values and is exact, so it answers like Spark for
//!   small groups and within Spark's error bound for large ones; memory grows with the group.
//!   `p` may be an array of percentages (the result is then an array).
//! - `variance` and `std` are DataFusion's `var_samp` and `stddev_samp` (NULL for one row, as
//!   Spark 3).

use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::{concat, sort_to_indices, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;

/// The aggregate functions of this module.
pub fn functions() -> Vec<AggregateUDF> {
    use datafusion::functions_aggregate::{
        approx_distinct::approx_distinct_udaf, first_last, stddev::stddev_udaf,
        variance::var_samp_udaf,
    };
    vec![
        AggregateUDF::new_from_impl(FirstLast::new("first", first_last::first_value_udaf())),
        AggregateUDF::new_from_impl(FirstLast::new("last", first_last::last_value_udaf())),
        AggregateUDF::new_from_impl(ApproxCountDistinct {
            inner: approx_distinct_udaf(),
            signature: Signature::user_defined(Volatility::Immutable),
        }),
        AggregateUDF::new_from_impl(PercentileApprox {
            signature: Signature::user_defined(Volatility::Immutable),
            aliases: vec!["approx_percentile".to_string()],
        }),
        var_samp_udaf().as_ref().clone().with_aliases(["variance"]),
        stddev_udaf().as_ref().clone().with_aliases(["std"]),
    ]
}

/// The value of a literal argument (an error naming `function` otherwise).
fn literal(function: &str, what: &str, expr: &Arc<dyn PhysicalExpr>) -> Result<ScalarValue> {
    match expr.as_any().downcast_ref::<Literal>() {
        Some(l) => Ok(l.value().clone()),
        None => plan_err!("{function}: {what} must be a literal"),
    }
}

/// `first` / `last`: DataFusion's `first_value` / `last_value` with Spark's optional
/// `ignoreNulls` argument.
#[derive(Debug, PartialEq, Eq, Hash)]
struct FirstLast {
    name: &'static str,
    inner: Arc<AggregateUDF>,
    signature: Signature,
}

impl FirstLast {
    fn new(name: &'static str, inner: Arc<AggregateUDF>) -> Self {
        Self {
            name,
            inner,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }

    fn ignore_nulls(&self, args: &AccumulatorArgs) -> Result<bool> {
        let Some(flag) = args.exprs.get(1) else {
            return Ok(args.ignore_nulls);
        };
        match literal(self.name, "ignoreNulls", flag)? {
            ScalarValue::Boolean(Some(b)) => Ok(b || args.ignore_nulls),
            other => plan_err!(
                "{}: ignoreNulls must be a boolean literal, got {other}",
                self.name
            ),
        }
    }
}

impl AggregateUDFImpl for FirstLast {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [t] => Ok(vec![t.clone()]),
            [t, DataType::Boolean | DataType::Null] => Ok(vec![t.clone(), DataType::Boolean]),
            [_, other] => plan_err!("{}: ignoreNulls must be a boolean, got {other}", self.name),
            _ => plan_err!("{} takes 1 or 2 arguments, got {}", self.name, args.len()),
        }
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args.first() {
            Some(t) => Ok(t.clone()),
            None => plan_err!("{} needs an argument", self.name),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let ignore_nulls = self.ignore_nulls(&args)?;
        self.inner.accumulator(AccumulatorArgs {
            ignore_nulls,
            exprs: &args.exprs[..args.exprs.len().min(1)],
            expr_fields: &args.expr_fields[..args.expr_fields.len().min(1)],
            ..args
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        self.inner.state_fields(StateFieldsArgs {
            input_fields: &args.input_fields[..args.input_fields.len().min(1)],
            ..args
        })
    }

    fn supports_null_handling_clause(&self) -> bool {
        true
    }
}

/// `approx_count_distinct`: DataFusion's `approx_distinct` as a `bigint`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ApproxCountDistinct {
    inner: Arc<AggregateUDF>,
    signature: Signature,
}

impl AggregateUDFImpl for ApproxCountDistinct {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "approx_count_distinct"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [t] => Ok(vec![t.clone()]),
            [t, rsd] if rsd.is_numeric() => Ok(vec![t.clone(), DataType::Float64]),
            [_, other] => plan_err!("approx_count_distinct: rsd must be a number, got {other}"),
            _ => plan_err!(
                "approx_count_distinct takes 1 or 2 arguments, got {}",
                args.len()
            ),
        }
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let inner = self.inner.accumulator(AccumulatorArgs {
            exprs: &args.exprs[..args.exprs.len().min(1)],
            expr_fields: &args.expr_fields[..args.expr_fields.len().min(1)],
            return_field: Arc::new(Field::new(args.name, DataType::UInt64, false)),
            ..args
        })?;
        Ok(Box::new(AsBigint(inner)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        self.inner.state_fields(StateFieldsArgs {
            input_fields: &args.input_fields[..args.input_fields.len().min(1)],
            return_field: Arc::new(Field::new(args.name, DataType::UInt64, false)),
            ..args
        })
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }
}

/// An accumulator whose result is cast to `bigint`.
#[derive(Debug)]
struct AsBigint(Box<dyn Accumulator>);

impl Accumulator for AsBigint {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.0.update_batch(&values[..values.len().min(1)])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.0.evaluate()?.cast_to(&DataType::Int64)
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

/// Spark's `percentile_approx`, exact (see the module documentation).
#[derive(Debug, PartialEq, Eq, Hash)]
struct PercentileApprox {
    signature: Signature,
    aliases: Vec<String>,
}

fn orderable(t: &DataType) -> bool {
    t.is_numeric()
        || matches!(
            t,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
        )
}

impl AggregateUDFImpl for PercentileApprox {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "percentile_approx"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        if !(2..=3).contains(&args.len()) {
            return plan_err!(
                "percentile_approx takes 2 or 3 arguments, got {}",
                args.len()
            );
        }
        let value = match &args[0] {
            t if orderable(t) => t.clone(),
            DataType::Null => DataType::Float64,
            other => {
                return plan_err!(
                "percentile_approx: the value must be a number, a date or a timestamp, got {other}"
            )
            }
        };
        let percentage = match &args[1] {
            t if t.is_numeric() => DataType::Float64,
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)
                if f.data_type().is_numeric() =>
            {
                DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
            }
            other => {
                return plan_err!(
                    "percentile_approx: the percentage must be a number or an array of numbers, got {other}"
                )
            }
        };
        let mut out = vec![value, percentage];
        match args.get(2) {
            Some(t) if t.is_integer() => out.push(DataType::Int64),
            Some(other) => {
                return plan_err!("percentile_approx: the accuracy must be an integer, got {other}")
            }
            None => {}
        }
        Ok(out)
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args {
            [value, DataType::List(_), ..] => Ok(DataType::List(Arc::new(Field::new_list_field(
                value.clone(),
                true,
            )))),
            [value, ..] => Ok(value.clone()),
            [] => plan_err!("percentile_approx needs arguments"),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let (Some(value), Some(percentage)) = (args.expr_fields.first(), args.exprs.get(1)) else {
            return plan_err!("percentile_approx needs a value and a percentage");
        };
        let (percentages, many) = match literal("percentile_approx", "the percentage", percentage)?
        {
            ScalarValue::List(list) => {
                let values = list.value(0);
                let values = datafusion::arrow::compute::cast(&values, &DataType::Float64)?;
                let p: Vec<Option<f64>> = values
                    .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                    .iter()
                    .collect();
                (p, true)
            }
            other => match other.cast_to(&DataType::Float64)? {
                ScalarValue::Float64(p) => (vec![p], false),
                _ => return plan_err!("percentile_approx: the percentage must be a number"),
            },
        };
        let mut checked = Vec::with_capacity(percentages.len());
        for p in percentages {
            match p {
                Some(p) if (0.0..=1.0).contains(&p) => checked.push(p),
                Some(p) => {
                    return plan_err!(
                        "percentile_approx: the percentage must be between 0.0 and 1.0, got {p}"
                    )
                }
                None => return plan_err!("percentile_approx: the percentage must not be NULL"),
            }
        }
        if let Some(accuracy) = args.exprs.get(2) {
            match literal("percentile_approx", "the accuracy", accuracy)? {
                ScalarValue::Int64(Some(a)) if a > 0 => {}
                other => {
                    return plan_err!(
                        "percentile_approx: the accuracy must be a positive integer, got {other}"
                    )
                }
            }
        }
        Ok(Box::new(PercentileAccumulator {
            data_type: value.data_type().clone(),
            percentages: checked,
            many,
            values: Vec::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let value = args
            .input_fields
            .first()
            .map(|f| f.data_type().clone())
            .unwrap_or(DataType::Float64);
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "values"),
            DataType::List(Arc::new(Field::new_list_field(value, true))),
            true,
        ))])
    }
}

/// Keeps every value of the group; sorts them when asked for the result.
#[derive(Debug)]
struct PercentileAccumulator {
    data_type: DataType,
    percentages: Vec<f64>,
    many: bool,
    values: Vec<ArrayRef>,
}

impl PercentileAccumulator {
    fn all(&self) -> Result<ArrayRef> {
        if self.values.is_empty() {
            return Ok(datafusion::arrow::array::new_empty_array(&self.data_type));
        }
        let parts: Vec<&dyn Array> = self.values.iter().map(|a| a.as_ref()).collect();
        Ok(concat(&parts)?)
    }
}

impl Accumulator for PercentileAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(v) = values.first() else {
            return exec_err!("percentile_approx: no values");
        };
        let kept =
            datafusion::arrow::compute::filter(v, &datafusion::arrow::compute::is_not_null(v)?)?;
        if !kept.is_empty() {
            self.values.push(kept);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let all = self.all()?;
        let n = all.len();
        if n == 0 {
            return ScalarValue::try_from(&self.return_type());
        }
        let sorted = take(&all, &sort_to_indices(&all, None, None)?, None)?;
        let pick = |p: f64| -> Result<ScalarValue> {
            // Rank ⌈p·n⌉ (1-based), at least the first.
            let rank = (p * n as f64).ceil().max(1.0) as usize;
            ScalarValue::try_from_array(&sorted, rank.min(n) - 1)
        };
        if !self.many {
            return pick(self.percentages.first().copied().unwrap_or(0.5));
        }
        let picked = self
            .percentages
            .iter()
            .map(|p| pick(*p))
            .collect::<Result<Vec<_>>>()?;
        let values = ScalarValue::iter_to_array(picked)?;
        let list = ListArray::new(
            Arc::new(Field::new_list_field(self.data_type.clone(), true)),
            OffsetBuffer::from_lengths([values.len()]),
            values,
            None,
        );
        Ok(ScalarValue::List(Arc::new(list)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .values
                .iter()
                .map(|a| a.get_array_memory_size())
                .sum::<usize>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let all = self.all()?;
        let list = ListArray::new(
            Arc::new(Field::new_list_field(self.data_type.clone(), true)),
            OffsetBuffer::from_lengths([all.len()]),
            all,
            None,
        );
        Ok(vec![ScalarValue::List(Arc::new(list))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(lists) = states.first().and_then(|s| s.as_list_opt::<i32>()) else {
            return exec_err!("percentile_approx: unexpected state");
        };
        let values = lists.values();
        // Only the values of non-null lists, within their offsets.
        let offsets = lists.value_offsets();
        let (start, end) = (offsets[0] as usize, offsets[offsets.len() - 1] as usize);
        let kept = values.slice(start, end - start);
        self.update_batch(&[kept])
    }
}

impl PercentileAccumulator {
    fn return_type(&self) -> DataType {
        match self.many {
            true => DataType::List(Arc::new(Field::new_list_field(
                self.data_type.clone(),
                true,
            ))),
            false => self.data_type.clone(),
        }
    }
}
