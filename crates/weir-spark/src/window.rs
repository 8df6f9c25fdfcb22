//! Spark's window functions where DataFusion's differ:
//!
//! - `row_number`, `rank`, `dense_rank` and `ntile` are DataFusion's, which count in `UInt64`;
//!   Spark's are `int`s, so these wrap DataFusion's and cast each result to `Int32` (a
//!   partition holds far fewer than 2³¹ rows).
//! - `first_value(x, ignoreNulls)` / `last_value(x, ignoreNulls)`: Spark's second argument, a
//!   boolean literal, is `IGNORE NULLS` (DataFusion's takes one argument).
//! - An aggregate with `DISTINCT` over a window (`count(DISTINCT x) OVER (…)`) is refused, as
//!   Spark refuses it ([`NoDistinctWindows`]).

use std::any::Any;
use std::ops::Range;
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::SortOptions;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{plan_err, Result, ScalarValue};
use datafusion::logical_expr::function::{
    ExpressionArgs, PartitionEvaluatorArgs, WindowUDFFieldArgs,
};
use datafusion::logical_expr::window_state::WindowAggState;
use datafusion::logical_expr::{
    Documentation, LimitEffect, PartitionEvaluator, ReversedUDWF, Signature, WindowUDF,
    WindowUDFImpl,
};
use datafusion::logical_expr::{Expr, LogicalPlan, Volatility};
use datafusion::optimizer::AnalyzerRule;
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;

/// The window functions of this module.
pub fn functions() -> Vec<WindowUDF> {
    use datafusion::functions_window::{nth_value, ntile, rank, row_number};
    [
        row_number::row_number_udwf(),
        rank::rank_udwf(),
        rank::dense_rank_udwf(),
        ntile::ntile_udwf(),
    ]
    .into_iter()
    .map(|inner| WindowUDF::new_from_impl(IntWindow { inner }))
    .chain(
        [nth_value::first_value_udwf(), nth_value::last_value_udwf()]
            .into_iter()
            .map(|inner| WindowUDF::new_from_impl(IgnoreNullsArg::new(inner))),
    )
    .collect()
}

/// Refuses aggregates with `DISTINCT` over a window, as Spark does
/// (`DISTINCT_WINDOW_FUNCTION_UNSUPPORTED`); DataFusion would answer.
#[derive(Debug, Default)]
pub struct NoDistinctWindows;

impl AnalyzerRule for NoDistinctWindows {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let mut found = None;
        plan.apply_with_subqueries(|node| {
            node.apply_expressions(|expr| {
                expr.apply(|e| {
                    if let Expr::WindowFunction(w) = e {
                        if w.params.distinct {
                            found = Some(w.fun.name().to_string());
                            return Ok(TreeNodeRecursion::Stop);
                        }
                    }
                    Ok(TreeNodeRecursion::Continue)
                })
            })
        })?;
        match found {
            Some(name) => plan_err!(
                "DISTINCT_WINDOW_FUNCTION_UNSUPPORTED: distinct window functions are not supported: {name}(DISTINCT …) OVER (…)"
            ),
            None => Ok(plan),
        }
    }

    fn name(&self) -> &str {
        "spark_no_distinct_windows"
    }
}

/// `first_value` / `last_value` with Spark's optional `ignoreNulls` argument.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IgnoreNullsArg {
    inner: Arc<WindowUDF>,
    signature: Signature,
}

impl IgnoreNullsArg {
    fn new(inner: Arc<WindowUDF>) -> Self {
        Self {
            inner,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl WindowUDFImpl for IgnoreNullsArg {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [t] => Ok(vec![t.clone()]),
            [t, DataType::Boolean | DataType::Null] => Ok(vec![t.clone(), DataType::Boolean]),
            [_, other] => plan_err!(
                "{}: ignoreNulls must be a boolean, got {other}",
                self.name()
            ),
            _ => plan_err!(
                "{} takes 1 or 2 arguments, got {}",
                self.name(),
                arg_types.len()
            ),
        }
    }

    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        let exprs = args.input_exprs();
        let fields = args.input_fields();
        let flag = match exprs.get(1) {
            None => false,
            Some(e) => match e.as_any().downcast_ref::<Literal>().map(Literal::value) {
                Some(ScalarValue::Boolean(b)) => b.unwrap_or(false),
                _ => return plan_err!("{}: ignoreNulls must be a boolean literal", self.name()),
            },
        };
        self.inner
            .partition_evaluator_factory(PartitionEvaluatorArgs::new(
                &exprs[..exprs.len().min(1)],
                &fields[..fields.len().min(1)],
                args.is_reversed(),
                args.ignore_nulls() || flag,
            ))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let fields = field_args.input_fields();
        self.inner.field(WindowUDFFieldArgs::new(
            &fields[..fields.len().min(1)],
            field_args.name(),
        ))
    }

    fn reverse_expr(&self) -> ReversedUDWF {
        match self.inner.reverse_expr() {
            ReversedUDWF::Reversed(inner) => {
                ReversedUDWF::Reversed(Arc::new(WindowUDF::new_from_impl(Self::new(inner))))
            }
            other => other,
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }
}

/// A DataFusion window function whose `UInt64` results are Spark's `int`s.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IntWindow {
    inner: Arc<WindowUDF>,
}

impl WindowUDFImpl for IntWindow {
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

    fn expressions(&self, expr_args: ExpressionArgs) -> Vec<Arc<dyn PhysicalExpr>> {
        self.inner.expressions(expr_args)
    }

    fn partition_evaluator(
        &self,
        args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(IntEvaluator(
            self.inner.partition_evaluator_factory(args)?,
        )))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let field = self.inner.field(field_args)?;
        Ok(Arc::new(Field::new(
            field.name(),
            DataType::Int32,
            field.is_nullable(),
        )))
    }

    fn sort_options(&self) -> Option<SortOptions> {
        self.inner.sort_options()
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn reverse_expr(&self) -> ReversedUDWF {
        match self.inner.reverse_expr() {
            ReversedUDWF::Reversed(inner) => {
                ReversedUDWF::Reversed(Arc::new(WindowUDF::new_from_impl(IntWindow { inner })))
            }
            other => other,
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn limit_effect(&self, args: &[Arc<dyn PhysicalExpr>]) -> LimitEffect {
        self.inner.inner().limit_effect(args)
    }
}

/// The inner function's evaluator, its results cast to `Int32`.
#[derive(Debug)]
struct IntEvaluator(Box<dyn PartitionEvaluator>);

fn int_array(array: ArrayRef) -> Result<ArrayRef> {
    Ok(cast(&array, &DataType::Int32)?)
}

impl PartitionEvaluator for IntEvaluator {
    fn memoize(&mut self, state: &mut WindowAggState) -> Result<()> {
        self.0.memoize(state)
    }

    fn get_range(&self, idx: usize, n_rows: usize) -> Result<Range<usize>> {
        self.0.get_range(idx, n_rows)
    }

    fn is_causal(&self) -> bool {
        self.0.is_causal()
    }

    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        int_array(self.0.evaluate_all(values, num_rows)?)
    }

    fn evaluate(&mut self, values: &[ArrayRef], range: &Range<usize>) -> Result<ScalarValue> {
        self.0.evaluate(values, range)?.cast_to(&DataType::Int32)
    }

    fn evaluate_all_with_rank(
        &self,
        num_rows: usize,
        ranks_in_partition: &[Range<usize>],
    ) -> Result<ArrayRef> {
        int_array(
            self.0
                .evaluate_all_with_rank(num_rows, ranks_in_partition)?,
        )
    }

    fn supports_bounded_execution(&self) -> bool {
        self.0.supports_bounded_execution()
    }

    fn uses_window_frame(&self) -> bool {
        self.0.uses_window_frame()
    }

    fn include_rank(&self) -> bool {
        self.0.include_rank()
    }
}
