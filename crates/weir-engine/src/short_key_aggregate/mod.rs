//! Partial aggregation for groupings whose keys fit in 128 bits: a few short strings, small
//! integers, dates, booleans (TPC-H Q1's `GROUP BY l_returnflag, l_linestatus`, a report by
//! country and year).
//!
//! DataFusion's partial [`AggregateExec`] finds each row's group by hashing and comparing the
//! key columns one at a time (`GroupValuesColumn`); on two one-character strings that was a
//! sixth of a Q1 job's CPU. Here each row's key is packed into one `u128` (see [`layout`]) and
//! looked up in one small map; the accumulators are DataFusion's own (or Spark's), and the
//! output is the same partial state, so the final aggregation above is unchanged. Spark's
//! `count`, and its `sum` and `avg` of decimals, are fed each group's totals once per batch
//! (see [`partials`]); other aggregates are fed the group of each row as `AggregateExec` feeds
//! them. A filter right below, under expressions that cannot fail,
//! runs inside it without copying the rows that pass (see [`selection`]).
//!
//! The fast path holds at most [`MAX_GROUPS`] groups. A grouping with more groups, a string
//! longer than its slot, or a memory limit that its state reaches hands the rest of the input
//! to DataFusion's own partial aggregation, after emitting the groups gathered so far (partial
//! states may be emitted at any time: the final aggregation merges them).

mod layout;
mod partials;
mod selection;
mod stream;

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{internal_datafusion_err, internal_err, Result};
use datafusion::config::ConfigOptions;
use datafusion::execution::TaskContext;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{aggregate_expressions, AggregateExec, AggregateMode};
use datafusion::physical_plan::metrics::{ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, InputOrderMode, PlanProperties,
    SendableRecordBatchStream,
};

use layout::KeyLayout;
use partials::Partials;
use selection::Selection;

/// The most groups one partition aggregates here before handing over to DataFusion.
pub const MAX_GROUPS: usize = 16 * 1024;

/// The physical optimizer rule that puts [`ShortKeyAggregateExec`] in place of the partial
/// aggregations it can run. It runs after DataFusion's own rules.
#[derive(Debug, Default)]
pub struct ShortKeyAggregateRule;

impl PhysicalOptimizerRule for ShortKeyAggregateRule {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(aggregate) = node.as_any().downcast_ref::<AggregateExec>() else {
                return Ok(Transformed::no(node));
            };
            match ShortKeyAggregateExec::try_new(aggregate)? {
                Some(exec) => Ok(Transformed::yes(Arc::new(exec) as Arc<dyn ExecutionPlan>)),
                None => Ok(Transformed::no(node)),
            }
        })
        .data()
    }

    fn name(&self) -> &str {
        "short_key_aggregate"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// A partial [`AggregateExec`] run over packed keys (see the module's documentation).
#[derive(Debug)]
pub struct ShortKeyAggregateExec {
    /// The aggregation this runs: its expressions, schema and properties, and what the rest of
    /// the input goes to when the fast path gives up.
    aggregate: Arc<AggregateExec>,
    layout: KeyLayout,
    /// The filter below the aggregation, when it is run inside it.
    selection: Option<Selection>,
    /// How many of its aggregates are fed a batch at a time (see [`partials`]).
    fed_per_batch: usize,
    metrics: ExecutionPlanMetricsSet,
}

impl ShortKeyAggregateExec {
    /// The fast path for `aggregate`, when it is a partial aggregation it can run: one grouping
    /// (no grouping sets) of packable keys, over unordered input, without a limit, with
    /// aggregate functions that have group accumulators and no ordering of their own.
    pub fn try_new(aggregate: &AggregateExec) -> Result<Option<Self>> {
        let group_by = aggregate.group_expr();
        let eligible = *aggregate.mode() == AggregateMode::Partial
            && group_by.is_single()
            && !group_by.expr().is_empty()
            && *aggregate.input_order_mode() == InputOrderMode::Linear
            && aggregate.limit_options().is_none()
            && aggregate
                .aggr_expr()
                .iter()
                .all(|a| a.groups_accumulator_supported() && a.order_bys().is_empty());
        if !eligible {
            return Ok(None);
        }
        let group_schema = group_by.group_schema(&aggregate.input().schema())?;
        let Some(layout) = KeyLayout::for_schema(&group_schema) else {
            return Ok(None);
        };
        let arguments = aggregate_expressions(aggregate.aggr_expr(), aggregate.mode(), 0)?;
        Ok(Some(Self {
            aggregate: Arc::new(aggregate.clone()),
            layout,
            selection: Selection::below(aggregate)?,
            fed_per_batch: Partials::of(aggregate, &arguments)?.map_or(0, |p| p.fed_per_batch()),
            metrics: ExecutionPlanMetricsSet::new(),
        }))
    }
}

impl DisplayAs for ShortKeyAggregateExec {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ShortKeyAggregateExec of ")?;
        self.aggregate.fmt_as(t, f)?;
        if self.selection.is_some() {
            write!(f, ", with the filter below as a selection")?;
        }
        if self.fed_per_batch > 0 {
            let of = self.aggregate.aggr_expr().len();
            write!(
                f,
                ", {} of {of} aggregates fed per batch",
                self.fed_per_batch
            )?;
        }
        Ok(())
    }
}

impl ExecutionPlan for ShortKeyAggregateExec {
    fn name(&self) -> &str {
        "ShortKeyAggregateExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.aggregate.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        match &self.selection {
            Some(selection) => vec![selection.input()],
            None => vec![self.aggregate.input()],
        }
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let [child] = <[_; 1]>::try_from(children)
            .map_err(|_| internal_datafusion_err!("ShortKeyAggregateExec has one input"))?;
        let (input, selection) = match &self.selection {
            Some(selection) => {
                let selection = selection.with_input(child)?;
                (selection.plan()?, Some(selection))
            }
            None => (child, None),
        };
        let aggregate = Arc::clone(&self.aggregate).with_new_children(vec![input])?;
        let Some(aggregate) = aggregate.as_any().downcast_ref::<AggregateExec>() else {
            return internal_err!("an AggregateExec with new children is not one");
        };
        Ok(Arc::new(Self {
            aggregate: Arc::new(aggregate.clone()),
            layout: self.layout.clone(),
            selection,
            fed_per_batch: self.fed_per_batch,
            metrics: ExecutionPlanMetricsSet::new(),
        }))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        stream::execute(
            Arc::clone(&self.aggregate),
            self.layout.clone(),
            self.selection.clone(),
            partition,
            context,
            &self.metrics,
        )
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }
}
