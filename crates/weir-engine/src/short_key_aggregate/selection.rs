//! A filter below the aggregation (and a projection over it), run inside it: when most rows
//! pass, the rows are not copied; the rows the filter leaves out go to a group of their own that
//! is never emitted (the accumulators keep their loops without a filter).
//!
//! Only a filter under expressions that cannot fail is taken in, since they are then computed
//! on the rows the filter drops too: columns, constants and Spark's decimal `+ - *` (whose
//! overflow is NULL).

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::{filter_record_batch, prep_null_mask_filter};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::Result;
use datafusion::physical_expr::projection::Projector;
use datafusion::physical_expr::{PhysicalExpr, ScalarFunctionExpr};
use datafusion::physical_plan::aggregates::{aggregate_expressions, AggregateExec};
use datafusion::physical_plan::expressions::{Column, Literal};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::ExecutionPlan;

/// Below this share of rows passing, the rows that pass are copied out, as `FilterExec` does.
const COPY_BELOW: f64 = 0.75;

/// Aggregate functions that take any value of their type without failing (Spark's exact ones
/// carry the same names).
const PLAIN_AGGREGATES: [&str; 5] = ["count", "sum", "avg", "min", "max"];

/// The filter and projection an aggregation takes in.
#[derive(Debug, Clone)]
pub struct Selection {
    filter: Arc<FilterExec>,
    projection: Option<Arc<ProjectionExec>>,
}

impl Selection {
    /// The filter below `aggregate`, when it can be taken in.
    pub fn below(aggregate: &AggregateExec) -> Result<Option<Self>> {
        let input = aggregate.input();
        let (projection, below) = match input.as_any().downcast_ref::<ProjectionExec>() {
            Some(p) => (Some(Arc::new(p.clone())), p.input()),
            None => (None, input),
        };
        let Some(filter) = below.as_any().downcast_ref::<FilterExec>() else {
            return Ok(None);
        };
        // The rows the filter leaves out are aggregated into a group that is thrown away, so
        // the aggregate functions must be ones that take any value without failing.
        let plain = aggregate
            .aggr_expr()
            .iter()
            .all(|a| PLAIN_AGGREGATES.contains(&a.fun().name()) && !a.is_distinct());
        if filter.fetch().is_some() || !plain {
            return Ok(None);
        }
        let mut exprs: Vec<Arc<dyn PhysicalExpr>> = aggregate.group_expr().input_exprs();
        exprs.extend(
            aggregate_expressions(aggregate.aggr_expr(), aggregate.mode(), 0)?
                .into_iter()
                .flatten(),
        );
        exprs.extend(aggregate.filter_expr().iter().flatten().cloned());
        if let Some(p) = &projection {
            exprs.extend(p.expr().iter().map(|e| Arc::clone(&e.expr)));
        }
        for expr in &exprs {
            if !cannot_fail(expr)? {
                return Ok(None);
            }
        }
        Ok(Some(Self {
            filter: Arc::new(filter.clone()),
            projection,
        }))
    }

    /// The plan the selection reads.
    pub fn input(&self) -> &Arc<dyn ExecutionPlan> {
        self.filter.input()
    }

    /// The filter and projection over `input`, as the aggregation's input.
    pub fn over(&self, input: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
        self.with_input(input)?.plan()
    }

    /// The same, reading `input`.
    pub fn with_input(&self, input: Arc<dyn ExecutionPlan>) -> Result<Self> {
        let filter = Arc::clone(&self.filter).with_new_children(vec![input])?;
        let Some(filter) = filter.as_any().downcast_ref::<FilterExec>() else {
            return datafusion::common::internal_err!("a FilterExec with a new input is not one");
        };
        Ok(Self {
            filter: Arc::new(filter.clone()),
            projection: self.projection.clone(),
        })
    }

    /// The filter and projection as a plan.
    pub fn plan(&self) -> Result<Arc<dyn ExecutionPlan>> {
        let filter: Arc<dyn ExecutionPlan> = Arc::clone(&self.filter) as _;
        match &self.projection {
            Some(p) => Arc::clone(p).with_new_children(vec![filter]),
            None => Ok(filter),
        }
    }

    pub fn start(&self) -> Result<Selecting> {
        let projector = self
            .projection
            .as_ref()
            .map(|p| p.projection_expr().make_projector(&self.filter.schema()))
            .transpose()?;
        Ok(Selecting {
            predicate: Arc::clone(self.filter.predicate()),
            columns: self.filter.projection().as_ref().map(|p| p.to_vec()),
            projector,
        })
    }
}

/// What a selection makes of one batch.
pub enum Selected {
    /// No row passes.
    Nothing,
    /// Every row of the batch passes.
    All(RecordBatch),
    /// The rows where the selection is true pass.
    Rows(RecordBatch, BooleanArray),
}

/// A selection applied batch by batch.
pub struct Selecting {
    predicate: Arc<dyn PhysicalExpr>,
    columns: Option<Vec<usize>>,
    projector: Option<Projector>,
}

impl Selecting {
    pub fn select(&self, batch: &RecordBatch) -> Result<Selected> {
        let rows = batch.num_rows();
        let mask = self.predicate.evaluate(batch)?.into_array(rows)?;
        let mask = mask.as_boolean();
        let mask = match mask.null_count() {
            0 => mask.clone(),
            _ => prep_null_mask_filter(mask),
        };
        let passing = mask.true_count();
        if passing == 0 {
            return Ok(Selected::Nothing);
        }
        let batch = match &self.columns {
            Some(columns) => batch.project(columns)?,
            None => batch.clone(),
        };
        if passing == rows {
            return Ok(Selected::All(self.project(&batch)?));
        }
        if (passing as f64) < COPY_BELOW * rows as f64 {
            let batch = filter_record_batch(&batch, &mask)?;
            return Ok(Selected::All(self.project(&batch)?));
        }
        Ok(Selected::Rows(self.project(&batch)?, mask))
    }

    fn project(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        match &self.projector {
            Some(p) => p.project_batch(batch),
            None => Ok(batch.clone()),
        }
    }
}

/// Whether computing `expr` on any row gives a value or NULL, never an error.
fn cannot_fail(expr: &Arc<dyn PhysicalExpr>) -> Result<bool> {
    let mut safe = true;
    expr.apply(|e| {
        let any = e.as_any();
        safe = any.is::<Column>()
            || any.is::<Literal>()
            || any
                .downcast_ref::<ScalarFunctionExpr>()
                .is_some_and(|f| weir_spark::decimal_arith::NAMES.contains(&f.name()));
        Ok(match safe {
            true => TreeNodeRecursion::Continue,
            false => TreeNodeRecursion::Stop,
        })
    })?;
    Ok(safe)
}
