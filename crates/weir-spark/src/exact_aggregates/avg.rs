//! Spark's `avg`. A `decimal(p,s)` argument is averaged exactly: per group an `i128` sum (in
//! the argument's scale, as Spark's `decimal(p+10, s)` sum buffer) and a count, divided once
//! at the end into `decimal(p+4, s+4)` and rounded half up. No value is cast or rescaled on the
//! way in, so the per-row work is one add. The result is null when the sum overflows 38 digits
//! or the mean does not fit its type (Spark's non-ANSI overflow). Other numbers are averaged as
//! `double`s, summed one row after another like Spark (the order matters for doubles: a
//! `bigint` column holding `i64::MAX` and `i64::MIN`), per group with `datafusion-spark`'s
//! `double` average. `avg(DISTINCT x)` and sliding window frames aggregate afresh
//! ([`super::recompute`]).

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, Int64Array,
};
use datafusion::arrow::datatypes::{
    i256, DataType, Decimal128Type, DecimalType, Field, FieldRef, Float64Type,
};
use datafusion::common::{plan_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

use super::recompute::{distinct_state_fields, Distinct, Factory, Sliding};

#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct SparkAvg {
    signature: Signature,
    aliases: Vec<String>,
}

impl SparkAvg {
    pub(super) fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
            aliases: vec!["mean".to_string()],
        }
    }

    fn float_avg() -> Arc<AggregateUDF> {
        datafusion_spark::function::aggregate::avg()
    }
}

/// A fresh accumulator of the plain (not `DISTINCT`) average of `decimal`'s type, or of
/// doubles.
fn plain(decimal: Option<DecimalAvg>) -> Box<dyn Accumulator> {
    match decimal {
        Some(avg) => Box::new(DecimalAvgAccumulator {
            avg,
            mean: Mean::default(),
        }),
        None => Box::new(DoubleAvgAccumulator::default()),
    }
}

fn factory(decimal: Option<DecimalAvg>) -> Factory {
    Arc::new(move || Ok(plain(decimal)))
}

/// The types of one decimal average: argument `decimal(p,s)`, sum `decimal(min(38,p+10), s)`,
/// result `decimal(min(38,p+4), min(38,s+4))`.
#[derive(Debug, Clone, Copy)]
struct DecimalAvg {
    /// The argument's values fit in 64 bits (precision ≤ 18), so no sum of fewer than 2^63 of
    /// them can overflow an `i128`.
    narrow: bool,
    scale: i8,
    sum_precision: u8,
    precision_out: u8,
    scale_out: i8,
}

impl DecimalAvg {
    fn of(arg: &DataType) -> Option<Self> {
        let DataType::Decimal128(p, s) = *arg else {
            return None;
        };
        Some(Self {
            narrow: p <= 18,
            scale: s,
            sum_precision: 38.min(p + 10),
            precision_out: 38.min(p + 4),
            scale_out: 38.min(s + 4),
        })
    }

    fn of_args(args: &AccumulatorArgs) -> Option<Self> {
        args.expr_fields
            .first()
            .and_then(|f| Self::of(f.data_type()))
    }

    /// `sum / count` in the result's scale, rounded half up; `None` for no rows, an
    /// overflowed sum, or a mean too wide for the result type.
    fn mean(&self, m: &Mean) -> Option<i128> {
        if m.count == 0
            || m.overflow
            || !Decimal128Type::is_valid_decimal_precision(m.sum, self.sum_precision)
        {
            return None;
        }
        let shift = u32::try_from(self.scale_out - self.scale).ok()?;
        let n = i256::from_i128(m.sum).checked_mul(i256::from_i128(10).checked_pow(shift)?)?;
        let c = i256::from_i128(i128::from(m.count));
        let (q, r) = (n.checked_div(c)?, n.checked_rem(c)?);
        let twice_r = r.wrapping_abs().checked_mul(i256::from_i128(2))?;
        let q = if twice_r >= c {
            q.checked_add(n.signum())?
        } else {
            q
        };
        q.to_i128()
            .filter(|v| Decimal128Type::is_valid_decimal_precision(*v, self.precision_out))
    }

    fn result_array(&self, means: impl Iterator<Item = Option<i128>>) -> Result<ArrayRef> {
        let array = Decimal128Array::from_iter(means)
            .with_precision_and_scale(self.precision_out, self.scale_out)?;
        Ok(Arc::new(array))
    }

    fn state_fields(&self, name: &str) -> Vec<FieldRef> {
        vec![
            Arc::new(Field::new(
                format_state_name(name, "count"),
                DataType::Int64,
                true,
            )),
            Arc::new(Field::new(
                format_state_name(name, "sum"),
                DataType::Decimal128(self.sum_precision, self.scale),
                true,
            )),
        ]
    }

    /// The state columns of `means`: counts, and sums (null where a sum overflowed).
    fn state_arrays(&self, means: &[Mean]) -> Result<Vec<ArrayRef>> {
        let counts = Int64Array::from_iter_values(means.iter().map(|m| m.count));
        let sums = Decimal128Array::from_iter(means.iter().map(|m| (!m.overflow).then_some(m.sum)))
            .with_precision_and_scale(self.sum_precision, self.scale)?;
        Ok(vec![Arc::new(counts), Arc::new(sums)])
    }
}

/// The running sum and count of one group.
#[derive(Debug, Clone, Copy, Default)]
struct Mean {
    sum: i128,
    count: i64,
    overflow: bool,
}

impl Mean {
    #[inline]
    fn add(&mut self, value: i128, count: i64) {
        let (sum, overflow) = self.sum.overflowing_add(value);
        self.sum = sum;
        self.overflow |= overflow;
        self.count += count;
    }

    /// Folds in a state row: `sum` is `None` where that partial sum overflowed.
    fn merge(&mut self, count: i64, sum: Option<i128>) {
        match sum {
            Some(sum) => self.add(sum, count),
            None => {
                self.overflow |= count > 0;
                self.count += count;
            }
        }
    }
}

/// Whether row `i` passes the aggregate's `FILTER` (if any).
fn passes(filter: Option<&BooleanArray>, i: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(i) && f.value(i))
}

/// Whether row `i` is counted: not null, and passing the aggregate's `FILTER`.
fn selected(values: &Decimal128Array, filter: Option<&BooleanArray>, i: usize) -> bool {
    values.is_valid(i) && passes(filter, i)
}

/// Folds state columns (`[count, sum]`) into `means`, row `i` into `means[group(i)]`.
fn merge_states(
    states: &[ArrayRef],
    filter: Option<&BooleanArray>,
    mut target: impl FnMut(usize) -> usize,
    means: &mut [Mean],
) -> Result<()> {
    let [counts, sums] = states else {
        return plan_err!("avg has two state columns");
    };
    let counts = counts.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
    let sums = sums.as_primitive::<Decimal128Type>();
    for i in (0..counts.len()).filter(|i| passes(filter, *i)) {
        means[target(i)].merge(counts.value(i), sums.is_valid(i).then(|| sums.value(i)));
    }
    Ok(())
}

impl AggregateUDFImpl for SparkAvg {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "avg"
    }

    /// Spark's `mean` is `avg` (left to DataFusion, it would be DataFusion's average, which
    /// truncates a decimal mean where Spark rounds it half up).
    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [t @ DataType::Decimal128(_, _)] => Ok(vec![t.clone()]),
            [t] if t.is_numeric() || t.is_null() => Ok(vec![DataType::Float64]),
            [t] => plan_err!("avg of {t} is not supported"),
            _ => plan_err!("avg takes one argument"),
        }
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(match args.first().and_then(DecimalAvg::of) {
            Some(d) => DataType::Decimal128(d.precision_out, d.scale_out),
            None => DataType::Float64,
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let decimal = DecimalAvg::of_args(&args);
        if args.is_distinct {
            let Some(input) = args.expr_fields.first() else {
                return plan_err!("avg takes one argument");
            };
            return Ok(Box::new(Distinct::new(
                factory(decimal),
                input.data_type().clone(),
            )));
        }
        Ok(plain(decimal))
    }

    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Sliding::new(factory(DecimalAvg::of_args(&args)))))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        if args.is_distinct {
            let Some(input) = args.input_fields.first() else {
                return plan_err!("avg takes one argument");
            };
            return Ok(distinct_state_fields(args.name, input.data_type()));
        }
        match args
            .input_fields
            .first()
            .and_then(|f| DecimalAvg::of(f.data_type()))
        {
            Some(avg) => Ok(avg.state_fields(args.name)),
            None => Self::float_avg().inner().state_fields(args),
        }
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        if args.is_distinct {
            return false;
        }
        match DecimalAvg::of_args(&args) {
            Some(_) => true,
            None => Self::float_avg().inner().groups_accumulator_supported(args),
        }
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        match DecimalAvg::of_args(&args) {
            Some(avg) => Ok(Box::new(DecimalAvgGroups {
                avg,
                means: Vec::new(),
            })),
            None => Self::float_avg().inner().create_groups_accumulator(args),
        }
    }

    fn default_value(&self, data_type: &DataType) -> Result<ScalarValue> {
        ScalarValue::try_from(data_type)
    }
}

/// The decimal average of the rows of an aggregate without groups.
#[derive(Debug)]
struct DecimalAvgAccumulator {
    avg: DecimalAvg,
    mean: Mean,
}

impl Accumulator for DecimalAvgAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(values) = values.first() else {
            return Ok(());
        };
        for v in values.as_primitive::<Decimal128Type>().iter().flatten() {
            self.mean.add(v, 1);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Decimal128(
            self.avg.mean(&self.mean),
            self.avg.precision_out,
            self.avg.scale_out,
        ))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let m = self.mean;
        Ok(vec![
            ScalarValue::Int64(Some(m.count)),
            ScalarValue::Decimal128(
                (!m.overflow).then_some(m.sum),
                self.avg.sum_precision,
                self.avg.scale,
            ),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        merge_states(states, None, |_| 0, std::slice::from_mut(&mut self.mean))
    }
}

/// The `double` average of the rows of an aggregate without groups, summed in row order. Its
/// state is `datafusion-spark`'s: the sum, then the count.
#[derive(Debug, Default)]
struct DoubleAvgAccumulator {
    sum: f64,
    count: i64,
}

impl Accumulator for DoubleAvgAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(values) = values.first() else {
            return Ok(());
        };
        for v in values.as_primitive::<Float64Type>().iter().flatten() {
            self.sum += v;
            self.count += 1;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(
            (self.count > 0).then(|| self.sum / self.count as f64),
        ))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Float64(Some(self.sum)),
            ScalarValue::Int64(Some(self.count)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [sums, counts] = states else {
            return plan_err!("avg has two state columns");
        };
        let sums = sums.as_primitive::<Float64Type>();
        let counts = counts.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        for i in 0..sums.len() {
            if sums.is_valid(i) && counts.is_valid(i) {
                self.sum += sums.value(i);
                self.count += counts.value(i);
            }
        }
        Ok(())
    }
}

/// The decimal average per group.
struct DecimalAvgGroups {
    avg: DecimalAvg,
    means: Vec<Mean>,
}

impl GroupsAccumulator for DecimalAvgGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.means.resize(total_num_groups, Mean::default());
        let Some(values) = values.first() else {
            return Ok(());
        };
        let values = values.as_primitive::<Decimal128Type>();
        if values.null_count() == 0 && opt_filter.is_none() {
            let rows = group_indices.iter().zip(values.values().iter());
            if self.avg.narrow {
                for (&g, &v) in rows {
                    let m = &mut self.means[g];
                    m.sum = m.sum.wrapping_add(v);
                    m.count += 1;
                }
            } else {
                for (&g, &v) in rows {
                    self.means[g].add(v, 1);
                }
            }
        } else {
            for (i, &g) in group_indices.iter().enumerate() {
                if selected(values, opt_filter, i) {
                    self.means[g].add(values.value(i), 1);
                }
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let means = emit_to.take_needed(&mut self.means);
        self.avg
            .result_array(means.iter().map(|m| self.avg.mean(m)))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let means = emit_to.take_needed(&mut self.means);
        self.avg.state_arrays(&means)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.means.resize(total_num_groups, Mean::default());
        merge_states(values, opt_filter, |i| group_indices[i], &mut self.means)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let Some(values) = values.first() else {
            return plan_err!("avg takes one argument");
        };
        let values = values.as_primitive::<Decimal128Type>();
        let means: Vec<Mean> = (0..values.len())
            .map(|i| match selected(values, opt_filter, i) {
                true => Mean {
                    sum: values.value(i),
                    count: 1,
                    overflow: false,
                },
                false => Mean::default(),
            })
            .collect();
        self.avg.state_arrays(&means)
    }

    fn supports_convert_to_state(&self) -> bool {
        true
    }

    fn size(&self) -> usize {
        self.means.capacity() * std::mem::size_of::<Mean>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avg(p: u8, s: i8) -> DecimalAvg {
        DecimalAvg::of(&DataType::Decimal128(p, s)).expect("a decimal")
    }

    fn mean_of(d: &DecimalAvg, values: &[i128]) -> Option<i128> {
        let mut m = Mean::default();
        values.iter().for_each(|v| m.add(*v, 1));
        d.mean(&m)
    }

    #[test]
    fn the_mean_is_rounded_half_up_in_four_more_digits() {
        let d = avg(15, 2);
        assert_eq!((d.precision_out, d.scale_out, d.sum_precision), (19, 6, 25));
        // (1.00 + 2.00 + 2.00) / 3 = 1.6666666… → 1.666667
        assert_eq!(mean_of(&d, &[100, 200, 200]), Some(1_666_667));
        // (0.01 + 0.02) / 2 = 0.015 exactly
        assert_eq!(mean_of(&d, &[1, 2]), Some(15_000));
        // 0.01 / 8 = 0.00125: rounded half away from zero, both signs
        assert_eq!(mean_of(&d, &[1, 0, 0, 0, 0, 0, 0, 0]), Some(1_250));
        // decimal(2,2): 0.01 / 16 = 0.000625 in decimal(6,6)
        assert_eq!(
            mean_of(
                &avg(2, 2),
                &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            ),
            Some(625)
        );
        // (−0.01 + 0.00) / 2 = −0.005
        assert_eq!(mean_of(&d, &[-1, 0]), Some(-5_000));
        assert_eq!(mean_of(&d, &[]), None);
    }

    #[test]
    fn half_digits_round_away_from_zero() {
        // decimal(38,38): no digits to add; 3e-38 / 2 = 1.5e-38 → 2e-38, −1.5e-38 → −2e-38
        let d = avg(38, 38);
        assert_eq!((d.precision_out, d.scale_out), (38, 38));
        assert_eq!(mean_of(&d, &[3, 0]), Some(2));
        assert_eq!(mean_of(&d, &[-3, 0]), Some(-2));
        assert_eq!(mean_of(&d, &[1, 0, 0]), Some(0));
    }

    #[test]
    fn an_overflowing_sum_gives_null() {
        let d = avg(38, 0);
        assert_eq!(mean_of(&d, &[i128::MAX, 1]), None);
        let mut merged = Mean::default();
        merged.merge(2, None);
        merged.merge(1, Some(5));
        assert_eq!(d.mean(&merged), None);
    }
}
