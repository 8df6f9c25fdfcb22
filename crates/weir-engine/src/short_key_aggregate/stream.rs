//! One partition's run: packed keys while they fit, DataFusion's aggregation for the rest.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::common::{internal_err, Result};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::aggregates::{
    aggregate_expressions, evaluate_group_by, evaluate_many, AggregateExec, PhysicalGroupBy,
};
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};
use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};

use super::layout::KeyLayout;
use super::partials::Partials;
use super::selection::{Selected, Selecting, Selection};
use super::MAX_GROUPS;

/// The stream of `aggregate`'s partial states for one partition of its input.
pub fn execute(
    aggregate: Arc<AggregateExec>,
    layout: KeyLayout,
    selection: Option<Selection>,
    partition: usize,
    context: Arc<TaskContext>,
    metrics: &ExecutionPlanMetricsSet,
) -> Result<SendableRecordBatchStream> {
    let read = match &selection {
        Some(selection) => selection.input(),
        None => aggregate.input(),
    };
    let input = read.execute(partition, Arc::clone(&context))?;
    let selecting = selection.as_ref().map(Selection::start).transpose()?;
    let groups = Groups::new(&aggregate, layout, selecting, partition, &context)?;
    let baseline = BaselineMetrics::new(metrics, partition);
    let schema = aggregate.schema();
    let run = Run {
        aggregate,
        selection,
        partition,
        context,
        baseline,
    };
    let output = stream::once(run.go(groups, input)).try_flatten();
    Ok(Box::pin(RecordBatchStreamAdapter::new(schema, output)))
}

struct Run {
    aggregate: Arc<AggregateExec>,
    selection: Option<Selection>,
    partition: usize,
    context: Arc<TaskContext>,
    baseline: BaselineMetrics,
}

impl Run {
    /// Aggregates the input here until it ends or the fast path gives up; what it yields is
    /// the states gathered here, then DataFusion's states of the rest.
    async fn go(
        self,
        mut groups: Groups,
        mut input: SendableRecordBatchStream,
    ) -> Result<BoxStream<'static, Result<RecordBatch>>> {
        while let Some(batch) = input.next().await {
            let batch = batch?;
            let timer = self.baseline.elapsed_compute().timer();
            let step = groups.absorb(&batch)?;
            timer.done();
            let rest = match step {
                Step::Absorbed => continue,
                Step::HandOver { absorbed: true } => input,
                Step::HandOver { absorbed: false } => {
                    let schema = input.schema();
                    let rest = stream::once(async { Ok(batch) }).chain(input);
                    Box::pin(RecordBatchStreamAdapter::new(schema, rest))
                }
            };
            let gathered = self.emit(&mut groups)?;
            let read = match &self.selection {
                Some(selection) => selection.input(),
                None => self.aggregate.input(),
            };
            let rest: Arc<dyn ExecutionPlan> = Arc::new(RestOfInput {
                stream: Mutex::new(Some(rest)),
                properties: Arc::clone(read.properties()),
            });
            let input = match &self.selection {
                Some(selection) => selection.over(rest)?,
                None => rest,
            };
            let datafusion = Arc::clone(&self.aggregate)
                .with_new_children(vec![input])?
                .execute(self.partition, Arc::clone(&self.context))?;
            return Ok(stream::iter(gathered.map(Ok)).chain(datafusion).boxed());
        }
        let gathered = self.emit(&mut groups)?;
        self.baseline.done();
        Ok(stream::iter(gathered.map(Ok)).boxed())
    }

    fn emit(&self, groups: &mut Groups) -> Result<Option<RecordBatch>> {
        let _timer = self.baseline.elapsed_compute().timer();
        let batch = groups.emit(self.aggregate.schema())?;
        if let Some(batch) = &batch {
            self.baseline.record_output(batch.num_rows());
        }
        Ok(batch)
    }
}

enum Step {
    Absorbed,
    /// The rest goes to DataFusion: from this batch on, or (`absorbed`) from the next.
    HandOver {
        absorbed: bool,
    },
}

/// The groups found so far, as packed keys in the order of their group indices, and their
/// accumulators.
struct Groups {
    layout: KeyLayout,
    index: HashMap<u128, usize, BuildHasherDefault<KeyHasher>>,
    /// The group of a key seen lately, by a few bits of its hash: most rows find their group
    /// here with one comparison, without probing `index`.
    recent: Box<[Option<(u128, usize)>; RECENT_SLOTS]>,
    keys: Vec<u128>,
    accumulators: Vec<Box<dyn GroupsAccumulator>>,
    /// How the accumulators are fed a batch at a time, when some take partial results.
    partials: Option<Partials>,
    group_by: PhysicalGroupBy,
    arguments: Vec<Vec<Arc<dyn PhysicalExpr>>>,
    filters: Vec<Option<Arc<dyn PhysicalExpr>>>,
    /// The filter below, run here.
    selecting: Option<Selecting>,
    /// The group of the rows the selection leaves out, once there are some.
    left_out: Option<usize>,
    reservation: MemoryReservation,
    /// Buffers reused from batch to batch.
    packed: Vec<u128>,
    group_indices: Vec<usize>,
}

impl Groups {
    fn new(
        aggregate: &AggregateExec,
        layout: KeyLayout,
        selecting: Option<Selecting>,
        partition: usize,
        context: &TaskContext,
    ) -> Result<Self> {
        let accumulators = aggregate
            .aggr_expr()
            .iter()
            .map(|a| a.create_groups_accumulator())
            .collect::<Result<_>>()?;
        let arguments = aggregate_expressions(aggregate.aggr_expr(), aggregate.mode(), 0)?;
        Ok(Self {
            partials: Partials::of(aggregate, &arguments)?,
            layout,
            index: HashMap::default(),
            recent: Box::new([None; RECENT_SLOTS]),
            keys: Vec::new(),
            accumulators,
            group_by: aggregate.group_expr().clone(),
            arguments,
            filters: aggregate.filter_expr().to_vec(),
            selecting,
            left_out: None,
            // It yields to back pressure (by handing over), as DataFusion's partial
            // aggregation does, so it takes its fair share of a spilling pool.
            reservation: MemoryConsumer::new(format!("ShortKeyAggregate[{partition}]"))
                .with_can_spill(true)
                .register(context.memory_pool()),
            packed: Vec::new(),
            group_indices: Vec::new(),
        })
    }

    fn absorb(&mut self, batch: &RecordBatch) -> Result<Step> {
        let (batch, selected) = match &self.selecting {
            None => (batch.clone(), None),
            Some(selecting) => match selecting.select(batch)? {
                Selected::Nothing => return Ok(Step::Absorbed),
                Selected::All(batch) => (batch, None),
                Selected::Rows(batch, rows) => (batch, Some(rows)),
            },
        };
        let Some(group_values) = evaluate_group_by(&self.group_by, &batch)?
            .into_iter()
            .next()
        else {
            return internal_err!("a grouping without group values");
        };
        if !self.layout.pack(&group_values, &mut self.packed)?
            || !self.find_groups(selected.as_ref())
        {
            return Ok(Step::HandOver { absorbed: false });
        }
        let total = self.keys.len();
        // Per batch, merging a state row per group costs as much as the rows once the groups
        // pass a quarter of them: more groups than that are fed row by row.
        let few_groups = total.saturating_mul(4) <= batch.num_rows();
        if let Some(partials) = self.partials.as_mut().filter(|_| few_groups) {
            let arguments = &self.arguments;
            partials.feed(
                &batch,
                &self.group_indices,
                total,
                &mut self.accumulators,
                |i| {
                    evaluate_many(std::slice::from_ref(&arguments[i]), &batch)
                        .map(|mut v| v.remove(0))
                },
            )?;
            return Ok(self.reserve());
        }
        let arguments = evaluate_many(&self.arguments, &batch)?;
        let filters = self
            .filters
            .iter()
            .map(|f| {
                f.as_ref()
                    .map(|f| {
                        Ok(f.evaluate(&batch)?
                            .into_array(batch.num_rows())?
                            .as_boolean()
                            .clone())
                    })
                    .transpose()
            })
            .collect::<Result<Vec<Option<BooleanArray>>>>()?;
        for ((accumulator, values), filter) in
            self.accumulators.iter_mut().zip(&arguments).zip(&filters)
        {
            accumulator.update_batch(values, &self.group_indices, filter.as_ref(), total)?;
        }
        Ok(self.reserve())
    }

    /// Resizes the reservation to the state's size: whether the fast path may go on.
    fn reserve(&mut self) -> Step {
        let size = self.accumulators.iter().map(|a| a.size()).sum::<usize>()
            + self.keys.capacity() * 16
            + self.index.capacity() * 32
            + self.packed.capacity() * 16
            + self.group_indices.capacity() * 8
            + self.partials.as_ref().map_or(0, Partials::size);
        match self.reservation.try_resize(size) {
            Ok(()) => Step::Absorbed,
            Err(_) => Step::HandOver { absorbed: true },
        }
    }

    /// Each packed row's group index, new groups added; `false` (and nothing added) when the
    /// batch would take the groups past [`MAX_GROUPS`].
    fn find_groups(&mut self, selected: Option<&BooleanArray>) -> bool {
        let known = self.keys.len();
        self.group_indices.clear();
        self.group_indices.reserve(self.packed.len());
        let packed = std::mem::take(&mut self.packed);
        match selected {
            None => {
                for key in &packed {
                    let group = self.group_of(*key);
                    self.group_indices.push(group);
                }
            }
            // The rows left out go to a group of their own, which is never emitted: the
            // accumulators take every row, without a filter to test row by row.
            Some(rows) => {
                let left_out = self.left_out_group();
                for (key, passes) in packed.iter().zip(rows.values().iter()) {
                    let group = if passes {
                        self.group_of(*key)
                    } else {
                        left_out
                    };
                    self.group_indices.push(group);
                }
            }
        }
        self.packed = packed;
        if self.keys.len() > MAX_GROUPS {
            for key in self.keys.drain(known..) {
                self.index.remove(&key);
            }
            self.left_out = self.left_out.filter(|g| *g < known);
            self.recent.fill(None);
            return false;
        }
        true
    }

    /// The group that rows left out by the selection go to, added if new. Its key (all zero
    /// bits) is not in `index`, so no row's group is ever this one.
    fn left_out_group(&mut self) -> usize {
        *self.left_out.get_or_insert_with(|| {
            self.keys.push(0);
            self.keys.len() - 1
        })
    }

    /// The group of `key`, added if new.
    #[inline(always)]
    fn group_of(&mut self, key: u128) -> usize {
        let recent = &mut self.recent[recent_slot(key)];
        match *recent {
            Some((k, group)) if k == key => group,
            _ => {
                let next = self.keys.len();
                let group = *self.index.entry(key).or_insert(next);
                if group == next {
                    self.keys.push(key);
                }
                *recent = Some((key, group));
                group
            }
        }
    }

    /// The group values and states of every group (they are then forgotten), in the
    /// aggregation's output schema.
    fn emit(
        &mut self,
        schema: datafusion::arrow::datatypes::SchemaRef,
    ) -> Result<Option<RecordBatch>> {
        if self.keys.is_empty() {
            return Ok(None);
        }
        let mut columns = self.layout.unpack(&self.keys)?;
        for accumulator in &mut self.accumulators {
            columns.extend(accumulator.state(EmitTo::All)?);
        }
        let groups = self.keys.len();
        self.keys.clear();
        self.index.clear();
        self.recent.fill(None);
        self.reservation.free();
        let batch = RecordBatch::try_new(schema, columns)?;
        Ok(match self.left_out.take() {
            None => Some(batch),
            Some(_) if groups == 1 => None,
            Some(left_out) => {
                let kept: BooleanArray = (0..groups).map(|g| Some(g != left_out)).collect();
                Some(filter_record_batch(&batch, &kept)?)
            }
        })
    }
}

const RECENT_SLOTS: usize = 256;

fn recent_slot(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
    (folded.wrapping_mul(MULTIPLIER) >> 56) as usize
}

/// A hash for packed keys: the two halves folded by one wide multiplication.
#[derive(Default)]
struct KeyHasher(u64);

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

impl KeyHasher {
    fn mix(&mut self, value: u64) {
        let product = ((self.0 ^ value) as u128) * MULTIPLIER as u128;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.mix(value as u64);
        self.mix((value >> 64) as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The rest of an input stream, as the input of the [`AggregateExec`] it is handed to.
struct RestOfInput {
    stream: Mutex<Option<SendableRecordBatchStream>>,
    properties: Arc<PlanProperties>,
}

impl fmt::Debug for RestOfInput {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("RestOfInput")
    }
}

impl DisplayAs for RestOfInput {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("RestOfInput")
    }
}

impl ExecutionPlan for RestOfInput {
    fn name(&self) -> &str {
        "RestOfInput"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn with_new_children(
        self: Arc<Self>,
        _: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, _: usize, _: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        match self.stream.lock().map(|mut s| s.take()) {
            Ok(Some(stream)) => Ok(stream),
            _ => internal_err!("the rest of an aggregation's input was read twice"),
        }
    }
}
