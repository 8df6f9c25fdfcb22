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
//! - `percentile(x, p)` and `median(x)`: exact, interpolated between the two nearest ranks, as
//!   a `double` (`p` may be an array); `percentile_disc(x, p)` (from `percentile_disc(p) WITHIN
//!   GROUP (ORDER BY x)`, [`super::aggregate_syntax`]): the value of rank ⌈p·n⌉ as a `double`.
//!   They keep the group's values, like `percentile_approx` here.
//! - `mode(x[, deterministic])`, `max_by`/`min_by`, `count_if`, `any_value` (Spark's `first`),
//!   `every` (`bool_and`), `some`/`any` (`bool_or`).
//! - `string_agg(x, delimiter ORDER BY …)` (and `listagg`): DataFusion's, which sorts the
//!   group's values itself, so that calls ordered differently can share a query (DataFusion's
//!   asks for its input sorted, refuses a second ordering, and gets a reversed one wrong).
//! - `variance` and `std` are DataFusion's `var_samp` and `stddev_samp` (NULL for one row, as
//!   Spark 3).

use std::any::Any;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::{concat, sort_to_indices, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::{format_state_name, AggregateOrderSensitivity};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ReversedUDAF, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;

/// The aggregate functions of this module.
pub fn functions() -> Vec<AggregateUDF> {
    use datafusion::functions_aggregate::{
        approx_distinct::approx_distinct_udaf,
        bool_and_or::{bool_and_udaf, bool_or_udaf},
        first_last,
        stddev::stddev_udaf,
        string_agg,
        variance::var_samp_udaf,
    };
    vec![
        AggregateUDF::new_from_impl(FirstLast::new("first", first_last::first_value_udaf())),
        AggregateUDF::new_from_impl(FirstLast::new("last", first_last::last_value_udaf())),
        AggregateUDF::new_from_impl(ApproxCountDistinct {
            inner: approx_distinct_udaf(),
            signature: Signature::user_defined(Volatility::Immutable),
        }),
        AggregateUDF::new_from_impl(Percentile::new(
            "percentile_approx",
            Method::Rank,
            &["approx_percentile"],
        )),
        AggregateUDF::new_from_impl(Percentile::new("percentile", Method::Interpolated, &[])),
        AggregateUDF::new_from_impl(Percentile::new("median", Method::Interpolated, &[])),
        AggregateUDF::new_from_impl(Percentile::new("percentile_disc", Method::Discrete, &[])),
        AggregateUDF::new_from_impl(FirstLast::new("any_value", first_last::first_value_udaf())),
        bool_and_udaf().as_ref().clone().with_aliases(["every"]),
        bool_or_udaf()
            .as_ref()
            .clone()
            .with_aliases(["some", "any"]),
        AggregateUDF::new_from_impl(CountIf::new()),
        AggregateUDF::new_from_impl(MaxBy::new("max_by", Ordering::Greater)),
        AggregateUDF::new_from_impl(MaxBy::new("min_by", Ordering::Less)),
        AggregateUDF::new_from_impl(Mode::new()),
        AggregateUDF::new_from_impl(StringAgg {
            inner: string_agg::string_agg_udaf(),
            aliases: vec!["listagg".to_string()],
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
        // DataFusion's sketch takes no decimals: a decimal column's values are distinct
        // exactly when their texts (in the column's one scale) are.
        let value = |t: &DataType| match t {
            DataType::Decimal128(..) | DataType::Decimal256(..) => DataType::Utf8,
            t => t.clone(),
        };
        match args {
            [t] => Ok(vec![value(t)]),
            [t, rsd] if rsd.is_numeric() => Ok(vec![value(t), DataType::Float64]),
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

/// How a percentile is read off the sorted values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Method {
    /// `percentile_approx`: the value of rank ⌈p·n⌉, of the input's type.
    Rank,
    /// `percentile_disc`: the value of rank ⌈p·n⌉ as a `double`.
    Discrete,
    /// `percentile` and `median`: interpolated between the values of ranks ⌊p·(n-1)⌋ and
    /// ⌈p·(n-1)⌉ (0-based), a `double`.
    Interpolated,
}

/// Spark's `percentile_approx` (exact, see the module documentation), `percentile` and
/// `median`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Percentile {
    name: &'static str,
    method: Method,
    /// `median`: no percentage argument, 0.5.
    median: bool,
    signature: Signature,
    aliases: Vec<String>,
}

impl Percentile {
    fn new(name: &'static str, method: Method, aliases: &[&str]) -> Self {
        Self {
            name,
            method,
            median: name == "median",
            signature: Signature::user_defined(Volatility::Immutable),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        }
    }
}

fn orderable(t: &DataType) -> bool {
    t.is_numeric()
        || matches!(
            t,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
        )
}

impl AggregateUDFImpl for Percentile {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.name
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name;
        let arity = match (self.median, self.method) {
            (true, _) => 1..=1,
            (false, Method::Rank) => 2..=3,
            (false, Method::Interpolated | Method::Discrete) => 2..=2,
        };
        if !arity.contains(&args.len()) {
            return plan_err!("{name} takes {arity:?} arguments, got {}", args.len());
        }
        let value = match (&args[0], self.method) {
            (t, Method::Interpolated | Method::Discrete) if t.is_numeric() => DataType::Float64,
            (t, Method::Rank) if orderable(t) => t.clone(),
            (DataType::Null, _) => DataType::Float64,
            (other, _) => {
                return plan_err!(
                    "{name}: the value must be a number, a date or a timestamp, got {other}"
                )
            }
        };
        let mut out = vec![value];
        match args.get(1) {
            Some(t) if t.is_numeric() => out.push(DataType::Float64),
            Some(DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _))
                if f.data_type().is_numeric() =>
            {
                out.push(DataType::List(Arc::new(Field::new_list_field(
                    DataType::Float64,
                    true,
                ))))
            }
            Some(other) => {
                return plan_err!(
                    "{name}: the percentage must be a number or an array of numbers, got {other}"
                )
            }
            None => {}
        }
        match args.get(2) {
            Some(t) if t.is_integer() => out.push(DataType::Int64),
            Some(other) => {
                return plan_err!("{name}: the accuracy must be an integer, got {other}")
            }
            None => {}
        }
        Ok(out)
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        let value = match (args.first(), self.method) {
            (Some(_), Method::Interpolated | Method::Discrete) => DataType::Float64,
            (Some(value), Method::Rank) => value.clone(),
            (None, _) => return plan_err!("{} needs arguments", self.name),
        };
        Ok(match args.get(1) {
            Some(DataType::List(_)) => DataType::List(Arc::new(Field::new_list_field(value, true))),
            _ => value,
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let name = self.name;
        let Some(value) = args.expr_fields.first() else {
            return plan_err!("{name} needs a value");
        };
        let (percentages, many) = match (self.median, args.exprs.get(1)) {
            (true, _) => (vec![Some(0.5)], false),
            (false, None) => return plan_err!("{name} needs a percentage"),
            (false, Some(percentage)) => match literal(name, "the percentage", percentage)? {
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
                    _ => return plan_err!("{name}: the percentage must be a number"),
                },
            },
        };
        let mut checked = Vec::with_capacity(percentages.len());
        for p in percentages {
            match p {
                Some(p) if (0.0..=1.0).contains(&p) => checked.push(p),
                Some(p) => {
                    return plan_err!("{name}: the percentage must be between 0.0 and 1.0, got {p}")
                }
                None => return plan_err!("{name}: the percentage must not be NULL"),
            }
        }
        if let Some(accuracy) = args.exprs.get(2) {
            match literal(name, "the accuracy", accuracy)? {
                ScalarValue::Int64(Some(a)) if a > 0 => {}
                other => {
                    return plan_err!(
                        "{name}: the accuracy must be a positive integer, got {other}"
                    )
                }
            }
        }
        Ok(Box::new(PercentileAccumulator {
            data_type: value.data_type().clone(),
            method: self.method,
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
    method: Method,
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
        let method = self.method;
        let pick = |p: f64| -> Result<ScalarValue> {
            match method {
                Method::Rank | Method::Discrete => {
                    // Rank ⌈p·n⌉ (1-based), at least the first.
                    let rank = (p * n as f64).ceil().max(1.0) as usize;
                    ScalarValue::try_from_array(&sorted, rank.min(n) - 1)
                }
                Method::Interpolated => {
                    let sorted = sorted.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
                    Ok(ScalarValue::Float64(Some(interpolated(sorted.values(), p))))
                }
            }
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
            Arc::new(Field::new_list_field(self.value_type(), true)),
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
    fn value_type(&self) -> DataType {
        match self.method {
            Method::Rank => self.data_type.clone(),
            Method::Interpolated | Method::Discrete => DataType::Float64,
        }
    }

    fn return_type(&self) -> DataType {
        match self.many {
            true => DataType::List(Arc::new(Field::new_list_field(self.value_type(), true))),
            false => self.value_type(),
        }
    }
}

/// Spark's exact percentile `p` of the sorted `values` (not empty): between the values at
/// 0-based positions ⌊p·(n-1)⌋ and ⌈p·(n-1)⌉, linearly.
fn interpolated(sorted: &[f64], p: f64) -> f64 {
    let position = p * (sorted.len() - 1) as f64;
    let (lower, higher) = (position.floor(), position.ceil());
    let (low, high) = (sorted[lower as usize], sorted[higher as usize]);
    match higher == lower {
        true => low,
        false => (higher - position) * low + (position - lower) * high,
    }
}

/// `string_agg` ordering its values itself (see the module documentation).
#[derive(Debug, PartialEq, Eq, Hash)]
struct StringAgg {
    inner: Arc<AggregateUDF>,
    aliases: Vec<String>,
}

impl AggregateUDFImpl for StringAgg {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        self.inner.return_type(args)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        self.inner.accumulator(args)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        self.inner.state_fields(args)
    }

    /// The accumulator sorts by the `ORDER BY` itself: a sorted input helps, none is needed.
    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        AggregateOrderSensitivity::SoftRequirement
    }

    fn with_beneficial_ordering(
        self: Arc<Self>,
        _beneficial_ordering: bool,
    ) -> Result<Option<Arc<dyn AggregateUDFImpl>>> {
        Ok(Some(self))
    }

    fn reverse_expr(&self) -> ReversedUDAF {
        ReversedUDAF::NotSupported
    }
}

/// `count_if(c)`: the number of rows where `c` is true, as a `bigint` (0 for no rows).
#[derive(Debug, PartialEq, Eq, Hash)]
struct CountIf {
    signature: Signature,
}

impl CountIf {
    fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for CountIf {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "count_if"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [DataType::Boolean | DataType::Null] => Ok(vec![DataType::Boolean]),
            [other] => plan_err!("count_if: the condition must be a boolean, got {other}"),
            _ => plan_err!("count_if takes 1 argument, got {}", args.len()),
        }
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(CountIfAccumulator(0)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "count"),
            DataType::Int64,
            true,
        ))])
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }
}

#[derive(Debug)]
struct CountIfAccumulator(i64);

impl Accumulator for CountIfAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if let Some(c) = values.first() {
            self.0 += c.as_boolean().iter().filter(|b| *b == Some(true)).count() as i64;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.0)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Int64(Some(self.0))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if let Some(counts) = states.first() {
            let counts = counts.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            self.0 += counts.iter().flatten().sum::<i64>();
        }
        Ok(())
    }
}

/// `max_by(x, y)` / `min_by(x, y)`: the `x` of a row with the greatest (least) `y`; rows with
/// a NULL `y` are skipped (`x` may be NULL). Which row wins a tie is not defined, as in Spark.
#[derive(Debug, PartialEq, Eq, Hash)]
struct MaxBy {
    name: &'static str,
    /// How a row's `y` compares to the kept one when the row wins.
    wins: Ordering,
    signature: Signature,
}

impl MaxBy {
    fn new(name: &'static str, wins: Ordering) -> Self {
        Self {
            name,
            wins,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for MaxBy {
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
            [x, y] => Ok(vec![x.clone(), y.clone()]),
            _ => plan_err!("{} takes 2 arguments, got {}", self.name, args.len()),
        }
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args.first() {
            Some(t) => Ok(t.clone()),
            None => plan_err!("{} needs arguments", self.name),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let [x, y] = args.expr_fields else {
            return plan_err!("{} takes 2 arguments", self.name);
        };
        Ok(Box::new(MaxByAccumulator {
            name: self.name,
            wins: self.wins,
            value: ScalarValue::try_from(x.data_type())?,
            key: ScalarValue::try_from(y.data_type())?,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(args
            .input_fields
            .iter()
            .zip(["value", "key"])
            .map(|(f, what)| {
                Arc::new(Field::new(
                    format_state_name(args.name, what),
                    f.data_type().clone(),
                    true,
                ))
            })
            .collect())
    }
}

#[derive(Debug)]
struct MaxByAccumulator {
    name: &'static str,
    wins: Ordering,
    /// The kept row's `x` and `y` (a NULL `y`: no row yet).
    value: ScalarValue,
    key: ScalarValue,
}

impl Accumulator for MaxByAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [x, y] = values else {
            return exec_err!("{} takes 2 arguments", self.name);
        };
        for i in 0..y.len() {
            if y.is_null(i) {
                continue;
            }
            let key = ScalarValue::try_from_array(y, i)?;
            if self.key.is_null() || key.partial_cmp(&self.key) == Some(self.wins) {
                self.key = key;
                self.value = ScalarValue::try_from_array(x, i)?;
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.value.clone())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.value.size() + self.key.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.value.clone(), self.key.clone()])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.update_batch(states)
    }
}

/// `mode(x[, deterministic])`: the most frequent non-NULL value (NULL for none). Of values
/// equally frequent, the least — what Spark returns with `deterministic` true; without it
/// Spark returns any of them.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Mode {
    signature: Signature,
}

impl Mode {
    fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for Mode {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "mode"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        match args {
            [t] => Ok(vec![t.clone()]),
            [t, DataType::Boolean | DataType::Null] => Ok(vec![t.clone(), DataType::Boolean]),
            [_, other] => plan_err!("mode: deterministic must be a boolean, got {other}"),
            _ => plan_err!("mode takes 1 or 2 arguments, got {}", args.len()),
        }
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args.first() {
            Some(t) => Ok(t.clone()),
            None => plan_err!("mode needs an argument"),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let Some(value) = args.expr_fields.first() else {
            return plan_err!("mode needs an argument");
        };
        Ok(Box::new(ModeAccumulator {
            data_type: value.data_type().clone(),
            counts: HashMap::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let value = args
            .input_fields
            .first()
            .map(|f| f.data_type().clone())
            .unwrap_or(DataType::Null);
        Ok(vec![
            Arc::new(Field::new_list(
                format_state_name(args.name, "values"),
                Field::new_list_field(value, true),
                true,
            )),
            Arc::new(Field::new_list(
                format_state_name(args.name, "counts"),
                Field::new_list_field(DataType::Int64, true),
                true,
            )),
        ])
    }
}

#[derive(Debug)]
struct ModeAccumulator {
    data_type: DataType,
    counts: HashMap<ScalarValue, i64>,
}

impl ModeAccumulator {
    fn add(&mut self, values: &ArrayRef, counts: Option<&[i64]>) -> Result<()> {
        for i in 0..values.len() {
            if values.is_valid(i) {
                let n = counts.map_or(1, |c| c[i]);
                *self
                    .counts
                    .entry(ScalarValue::try_from_array(values, i)?)
                    .or_insert(0) += n;
            }
        }
        Ok(())
    }
}

impl Accumulator for ModeAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        match values.first() {
            Some(v) => self.add(v, None),
            None => Ok(()),
        }
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let best = self.counts.iter().max_by(|(v1, n1), (v2, n2)| {
            n1.cmp(n2)
                .then_with(|| v2.partial_cmp(v1).unwrap_or(Ordering::Equal))
        });
        match best {
            Some((v, _)) => Ok(v.clone()),
            None => ScalarValue::try_from(&self.data_type),
        }
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.counts.keys().map(|v| v.size() + 8).sum::<usize>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values: Vec<ScalarValue> = self.counts.keys().cloned().collect();
        let counts: Vec<ScalarValue> = self
            .counts
            .values()
            .map(|n| ScalarValue::Int64(Some(*n)))
            .collect();
        Ok(vec![
            ScalarValue::List(ScalarValue::new_list_nullable(&values, &self.data_type)),
            ScalarValue::List(ScalarValue::new_list_nullable(&counts, &DataType::Int64)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [values, counts] = states else {
            return exec_err!("mode: unexpected state");
        };
        let (values, counts) = (values.as_list::<i32>(), counts.as_list::<i32>());
        for row in 0..values.len() {
            if values.is_null(row) {
                continue;
            }
            let row_counts = counts.value(row);
            let row_counts = row_counts.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            self.add(&values.value(row), Some(row_counts.values()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, StringArray};

    #[test]
    fn percentile_interpolates_between_the_nearest_ranks() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 7.0, 9.0, 10.0, 12.0];
        assert_eq!(interpolated(&sorted, 0.5), 6.0);
        assert_eq!(interpolated(&sorted, 0.25), 3.5);
        assert_eq!(interpolated(&[1.0, 9.0], 0.5), 5.0);
        assert_eq!(interpolated(&[4.0], 0.9), 4.0);
    }

    #[test]
    fn mode_takes_the_least_of_equally_frequent_values() {
        let mut mode = ModeAccumulator {
            data_type: DataType::Utf8,
            counts: HashMap::new(),
        };
        let values: ArrayRef = Arc::new(StringArray::from(vec![
            Some("west"),
            Some("east"),
            None,
            Some("west"),
            Some("east"),
            None,
            None,
        ]));
        mode.update_batch(&[values]).unwrap();
        assert_eq!(
            mode.evaluate().unwrap(),
            ScalarValue::Utf8(Some("east".into()))
        );
    }

    #[test]
    fn max_by_skips_rows_without_an_ordering_value() {
        let mut max_by = MaxByAccumulator {
            name: "max_by",
            wins: Ordering::Greater,
            value: ScalarValue::Utf8(None),
            key: ScalarValue::Int32(None),
        };
        let x: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("c")]));
        let y: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), Some(5), None]));
        max_by.update_batch(&[x, y]).unwrap();
        assert_eq!(max_by.evaluate().unwrap(), ScalarValue::Utf8(None));
        assert_eq!(max_by.key, ScalarValue::Int32(Some(5)));
    }
}
