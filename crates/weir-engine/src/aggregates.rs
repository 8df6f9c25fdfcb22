//! Aggregate functions with Spark's semantics where DataFusion's differ or are missing:
//!
//! - `avg`: Spark's average of a `decimal(p,s)` is a `decimal(p+4, s+4)` (both capped at 38),
//!   rounded half up; of any other number, a `double`. `datafusion-spark` registers an `avg`
//!   that always returns `double`, and DataFusion's own truncates the last digit. This `avg`
//!   casts decimal values one digit finer (`decimal(p+1, s+1)`, exact) inside its accumulator,
//!   averages them with DataFusion's vectorised decimal average — whose truncation then falls
//!   on the extra digit — and rounds half up to `s+4`, which is exactly Spark's rounding of the
//!   true mean. (The cast is not a type coercion: coercions are applied more than once and
//!   must be idempotent.) Other types go to `datafusion-spark`'s `avg`.
//! - `skewness` and `kurtosis`: Spark's population skewness `sqrt(n)·m3/m2^1.5` and excess
//!   kurtosis `n·m4/m2² − 3` (m_k the sums of k-th powers of deviations from the mean), as
//!   `double`. Like Spark 3 (`spark.sql.legacy.statisticalAggregate=false`), they are null for
//!   no rows and for zero variance (one row, or all values equal); nulls are skipped, a NaN
//!   input gives NaN.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{plan_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

/// Spark's `avg`.
pub fn avg() -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::new_from_impl(SparkAvg {
        signature: Signature::user_defined(Volatility::Immutable),
    }))
}

/// Spark's `skewness`.
pub fn skewness() -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::new_from_impl(CentralMoment::new(
        Moment::Skewness,
    )))
}

/// Spark's `kurtosis`.
pub fn kurtosis() -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::new_from_impl(CentralMoment::new(
        Moment::Kurtosis,
    )))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SparkAvg {
    signature: Signature,
}

/// The decimal type DataFusion averages a `decimal(p,s)` argument as: one digit finer, when
/// there is room for it.
fn finer(p: u8, s: i8) -> DataType {
    match p < 38 && s < 38 {
        true => DataType::Decimal128(p + 1, s + 1),
        false => DataType::Decimal128(p, s),
    }
}

/// The result type of DataFusion's average of a `decimal(p,s)` — which is Spark's type.
fn decimal_avg_type(p: u8, s: i8) -> DataType {
    DataType::Decimal128(38.min(p + 4), 38.min(s + 4))
}

/// How a decimal average is computed: the argument cast to `input`, averaged by DataFusion
/// into `inner`, the result cast to `target`.
struct DecimalPlan {
    input: DataType,
    inner: DataType,
}

impl DecimalPlan {
    fn of(arg: &DataType) -> Option<Self> {
        let DataType::Decimal128(p, s) = arg else {
            return None;
        };
        let input = finer(*p, *s);
        let DataType::Decimal128(q, t) = input else {
            return None;
        };
        Some(Self {
            input,
            inner: decimal_avg_type(q, t),
        })
    }

    fn field(name: &str, t: &DataType) -> FieldRef {
        Arc::new(Field::new(name, t.clone(), true))
    }

    /// Calls `build` with `args` as DataFusion's average of the cast values sees them.
    fn with_inner_args<T>(
        &self,
        args: &AccumulatorArgs,
        build: impl FnOnce(AccumulatorArgs) -> Result<T>,
    ) -> Result<T> {
        let fields = [Self::field("value", &self.input)];
        build(AccumulatorArgs {
            return_field: Self::field(args.return_field.name(), &self.inner),
            expr_fields: &fields,
            ..args.clone()
        })
    }
}

impl SparkAvg {
    fn float_avg() -> Arc<AggregateUDF> {
        datafusion_spark::function::aggregate::avg()
    }

    fn decimal_avg() -> Arc<AggregateUDF> {
        datafusion::functions_aggregate::average::avg_udaf()
    }

    fn plan(args: &AccumulatorArgs) -> Option<DecimalPlan> {
        args.expr_fields
            .first()
            .and_then(|f| DecimalPlan::of(f.data_type()))
    }
}

impl AggregateUDFImpl for SparkAvg {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "avg"
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
        Ok(match args.first() {
            Some(DataType::Decimal128(p, s)) => decimal_avg_type(*p, *s),
            _ => DataType::Float64,
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let Some(plan) = Self::plan(&args) else {
            return Self::float_avg().inner().accumulator(args);
        };
        let inner = plan.with_inner_args(&args, |a| Self::decimal_avg().inner().accumulator(a))?;
        Ok(Box::new(Rounded {
            inner,
            input: plan.input,
            target: args.return_field.data_type().clone(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let Some(plan) = args
            .input_fields
            .first()
            .and_then(|f| DecimalPlan::of(f.data_type()))
        else {
            return Self::float_avg().inner().state_fields(args);
        };
        let fields = [DecimalPlan::field("value", &plan.input)];
        Self::decimal_avg().inner().state_fields(StateFieldsArgs {
            return_field: DecimalPlan::field(args.return_field.name(), &plan.inner),
            input_fields: &fields,
            ..args
        })
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        match Self::plan(&args) {
            Some(_) => true,
            None => Self::float_avg().inner().groups_accumulator_supported(args),
        }
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        let Some(plan) = Self::plan(&args) else {
            return Self::float_avg().inner().create_groups_accumulator(args);
        };
        let inner = plan.with_inner_args(&args, |a| {
            Self::decimal_avg().inner().create_groups_accumulator(a)
        })?;
        Ok(Box::new(RoundedGroups {
            inner,
            input: plan.input,
            target: args.return_field.data_type().clone(),
        }))
    }

    fn default_value(&self, data_type: &DataType) -> Result<ScalarValue> {
        ScalarValue::try_from(data_type)
    }
}

/// Casts the first (only) argument column to `t`.
fn cast_values(values: &[ArrayRef], t: &DataType) -> Result<Vec<ArrayRef>> {
    values.iter().map(|v| Ok(cast(v, t)?)).collect()
}

/// DataFusion's decimal average over values cast to `input`, its result cast (rounding half up)
/// to `target`.
#[derive(Debug)]
struct Rounded {
    inner: Box<dyn Accumulator>,
    input: DataType,
    target: DataType,
}

impl Accumulator for Rounded {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.inner.update_batch(&cast_values(values, &self.input)?)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.inner.evaluate()?.cast_to(&self.target)
    }

    fn size(&self) -> usize {
        self.inner.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.inner.state()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.inner.merge_batch(states)
    }
}

/// The grouped form of [`Rounded`].
struct RoundedGroups {
    inner: Box<dyn GroupsAccumulator>,
    input: DataType,
    target: DataType,
}

impl GroupsAccumulator for RoundedGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.inner.update_batch(
            &cast_values(values, &self.input)?,
            group_indices,
            opt_filter,
            total_num_groups,
        )
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        Ok(cast(&self.inner.evaluate(emit_to)?, &self.target)?)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        self.inner.state(emit_to)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.inner
            .merge_batch(values, group_indices, opt_filter, total_num_groups)
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        self.inner
            .convert_to_state(&cast_values(values, &self.input)?, opt_filter)
    }

    fn supports_convert_to_state(&self) -> bool {
        self.inner.supports_convert_to_state()
    }

    fn size(&self) -> usize {
        self.inner.size()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Moment {
    Skewness,
    Kurtosis,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CentralMoment {
    moment: Moment,
    signature: Signature,
}

impl CentralMoment {
    fn new(moment: Moment) -> Self {
        Self {
            moment,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for CentralMoment {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        match self.moment {
            Moment::Skewness => "skewness",
            Moment::Kurtosis => "kurtosis",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [t] if t.is_numeric() || t.is_null() => Ok(vec![DataType::Float64]),
            [t] => plan_err!("{} of {t} is not supported", self.name()),
            _ => plan_err!("{} takes one argument", self.name()),
        }
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(["n", "mean", "m2", "m3", "m4"]
            .iter()
            .map(|s| {
                Arc::new(Field::new(
                    format_state_name(args.name, s),
                    DataType::Float64,
                    true,
                ))
            })
            .collect())
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Moments {
            moment: Some(self.moment),
            ..Moments::default()
        }))
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(None))
    }
}

/// Count, mean and the sums of the 2nd, 3rd and 4th powers of deviations from the mean,
/// combined with Pébay's formulas (numerically stable, as Spark's `CentralMomentAgg`).
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    moment: Option<Moment>,
    n: f64,
    mean: f64,
    m2: f64,
    m3: f64,
    m4: f64,
}

impl Moments {
    /// Folds `b` (the moments of other rows) into `self`.
    fn merge(&mut self, b: &Moments) {
        if b.n == 0.0 {
            return;
        }
        let a = *self;
        let n = a.n + b.n;
        let delta = b.mean - a.mean;
        let (d2, nab) = (delta * delta, a.n * b.n);
        self.mean = a.mean + delta * b.n / n;
        self.m2 = a.m2 + b.m2 + d2 * nab / n;
        self.m3 = a.m3
            + b.m3
            + delta * d2 * nab * (a.n - b.n) / (n * n)
            + 3.0 * delta * (a.n * b.m2 - b.n * a.m2) / n;
        self.m4 = a.m4
            + b.m4
            + d2 * d2 * nab * (a.n * a.n - nab + b.n * b.n) / (n * n * n)
            + 6.0 * d2 * (a.n * a.n * b.m2 + b.n * b.n * a.m2) / (n * n)
            + 4.0 * delta * (a.n * b.m3 - b.n * a.m3) / n;
        self.n = n;
    }

    fn point(x: f64) -> Moments {
        Moments {
            n: 1.0,
            mean: x,
            ..Moments::default()
        }
    }

    /// Spark's result: null without rows or variance.
    fn result(&self) -> Option<f64> {
        if self.n == 0.0 || self.m2 == 0.0 {
            return None;
        }
        Some(match self.moment {
            Some(Moment::Kurtosis) => self.n * self.m4 / (self.m2 * self.m2) - 3.0,
            _ => self.n.sqrt() * self.m3 / self.m2.powf(1.5),
        })
    }
}

impl Accumulator for Moments {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(values) = values.first() else {
            return Ok(());
        };
        let values = cast(values, &DataType::Float64)?;
        for x in values.as_primitive::<Float64Type>().iter().flatten() {
            self.merge(&Moments::point(x));
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.result()))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok([self.n, self.mean, self.m2, self.m3, self.m4]
            .into_iter()
            .map(|v| ScalarValue::Float64(Some(v)))
            .collect())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let columns: Vec<&Float64Array> = states.iter().map(|s| s.as_primitive()).collect();
        let [n, mean, m2, m3, m4] = columns.as_slice() else {
            return plan_err!("central moments have five state columns");
        };
        for i in 0..n.len() {
            self.merge(&Moments {
                moment: self.moment,
                n: n.value(i),
                mean: mean.value(i),
                m2: m2.value(i),
                m3: m3.value(i),
                m4: m4.value(i),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(kind: Moment, xs: &[f64]) -> Option<f64> {
        let mut m = Moments {
            moment: Some(kind),
            ..Moments::default()
        };
        xs.iter().for_each(|x| m.merge(&Moments::point(*x)));
        m.result()
    }

    /// The textbook definitions, evaluated directly.
    fn direct(kind: Moment, xs: &[f64]) -> f64 {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let m = |k: i32| xs.iter().map(|x| (x - mean).powi(k)).sum::<f64>();
        match kind {
            Moment::Skewness => n.sqrt() * m(3) / m(2).powf(1.5),
            Moment::Kurtosis => n * m(4) / (m(2) * m(2)) - 3.0,
        }
    }

    #[test]
    fn streaming_and_merged_moments_match_the_definitions() {
        let xs = [1.0, 2.0, 2.0, 3.0, 10.0, -4.5, 7.25];
        for kind in [Moment::Skewness, Moment::Kurtosis] {
            let got = moments(kind, &xs).unwrap();
            assert!((got - direct(kind, &xs)).abs() < 1e-12, "{kind:?} {got}");
            // Merging two partial states gives the same.
            let (mut a, mut b) = (Moments::default(), Moments::default());
            xs[..3].iter().for_each(|x| a.merge(&Moments::point(*x)));
            xs[3..].iter().for_each(|x| b.merge(&Moments::point(*x)));
            a.moment = Some(kind);
            a.merge(&b);
            assert!((a.result().unwrap() - got).abs() < 1e-12);
        }
        assert_eq!(moments(Moment::Skewness, &[]), None);
        assert_eq!(moments(Moment::Kurtosis, &[5.0]), None);
        assert_eq!(moments(Moment::Kurtosis, &[5.0, 5.0, 5.0]), None);
    }
}
