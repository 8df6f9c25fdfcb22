//! Spark's `count`, and its `sum` and `avg` of decimals, fed one batch at a time with each
//! group's partial result instead of row by row.
//!
//! Fed row by row, each of Q1's eight aggregates walks the batch on its own: DataFusion's `sum`
//! marks every row's group as seen, `count` and each `avg` count the rows again, and `sum(x)`
//! and `avg(x)` add up the same column twice. Here the rows of each group are counted once per
//! batch, each distinct argument is added up once per group (in one pass without a null test
//! when it has no nulls), and every accumulator then merges one state row per group, as the
//! final aggregation merges partial states. The results are the accumulators' own: a decimal
//! `sum` adds wrapping around as DataFusion's does (in any order, the same result), and an
//! `avg` is taken only of decimals of up to 18 digits, whose sums cannot overflow (Spark's
//! `avg` of wider ones is NULL from the row where its sum overflows on, which depends on the
//! order of the rows: it is fed row by row).
//!
//! Other aggregates are fed their rows as before, and so is every aggregate of an aggregation
//! where some aggregate has a `FILTER`, and of a batch with more groups than a quarter of its
//! rows (where merging a state row per group would cost as much as the rows).

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, Int64Array, RecordBatch,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{DataType, Decimal128Type};
use datafusion::common::Result;
use datafusion::logical_expr::{AggregateUDF, ColumnarValue, GroupsAccumulator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::aggregates::AggregateExec;
use datafusion::physical_plan::udaf::AggregateFunctionExpr;

/// How one accumulator is fed.
enum Feed {
    /// Its argument values, row by row (`update_batch`).
    Rows,
    /// One state row per group (`merge_batch`), made from the totals of `argument`.
    Partial {
        argument: usize,
        state: Vec<StateColumn>,
    },
}

/// One column of an aggregate's state.
#[derive(Clone, Copy)]
enum StateColumn {
    /// The number of non-null values.
    Count,
    /// Their sum, NULL where there is none.
    Sum { precision: u8, scale: i8 },
}

/// One distinct argument of the partially fed aggregates, and its totals per group in the
/// current batch.
struct Argument {
    expr: Arc<dyn PhysicalExpr>,
    /// Its values are decimals to add up (not only to count).
    summed: bool,
    sums: Vec<i128>,
    counts: Vec<i64>,
}

/// The aggregates of one partial aggregation, fed a batch at a time.
pub struct Partials {
    feeds: Vec<Feed>,
    arguments: Vec<Argument>,
    /// The rows of each group in the current batch.
    rows: Vec<i64>,
    /// `0..groups`: the group of each state row merged.
    every_group: Vec<usize>,
}

impl Partials {
    /// How `aggregate`'s accumulators are fed; `None` when none of them takes partial results.
    pub fn of(
        aggregate: &AggregateExec,
        arguments: &[Vec<Arc<dyn PhysicalExpr>>],
    ) -> Result<Option<Self>> {
        if aggregate.filter_expr().iter().any(Option::is_some) {
            return Ok(None);
        }
        let spark = Spark::functions();
        let input = aggregate.input().schema();
        let mut partials = Self {
            feeds: Vec::new(),
            arguments: Vec::new(),
            rows: Vec::new(),
            every_group: Vec::new(),
        };
        for (function, args) in aggregate.aggr_expr().iter().zip(arguments) {
            let feed = match (spark.kind_of(function), args.as_slice()) {
                (Some(kind), [arg]) if !function.is_distinct() => {
                    let data_type = arg.data_type(&input)?;
                    let takes_partials = match kind {
                        Kind::Count => true,
                        Kind::Sum => matches!(data_type, DataType::Decimal128(_, _)),
                        Kind::Avg => matches!(data_type, DataType::Decimal128(p, _) if p <= 18),
                    };
                    match state_columns(function)? {
                        Some(state) if takes_partials => Feed::Partial {
                            argument: partials.argument(arg, kind != Kind::Count),
                            state,
                        },
                        _ => Feed::Rows,
                    }
                }
                _ => Feed::Rows,
            };
            partials.feeds.push(feed);
        }
        Ok(partials
            .feeds
            .iter()
            .any(|f| matches!(f, Feed::Partial { .. }))
            .then_some(partials))
    }

    /// How many aggregates are fed per batch.
    pub fn fed_per_batch(&self) -> usize {
        self.feeds
            .iter()
            .filter(|f| matches!(f, Feed::Partial { .. }))
            .count()
    }

    /// The bytes its per-group totals take.
    pub fn size(&self) -> usize {
        let arguments = self.arguments.iter();
        self.rows.capacity() * 8
            + self.every_group.capacity() * 8
            + arguments
                .map(|a| a.sums.capacity() * 16 + a.counts.capacity() * 8)
                .sum::<usize>()
    }

    /// The index of `expr` among the arguments, added if new.
    fn argument(&mut self, expr: &Arc<dyn PhysicalExpr>, summed: bool) -> usize {
        if let Some(i) = self
            .arguments
            .iter()
            .position(|a| a.expr.as_ref() == expr.as_ref())
        {
            self.arguments[i].summed |= summed;
            return i;
        }
        self.arguments.push(Argument {
            expr: Arc::clone(expr),
            summed,
            sums: Vec::new(),
            counts: Vec::new(),
        });
        self.arguments.len() - 1
    }

    /// Feeds `batch`, whose row `i` belongs to group `group_indices[i]` of `groups`, to
    /// `accumulators`; `row_arguments` gives the argument values of those fed row by row.
    pub fn feed(
        &mut self,
        batch: &RecordBatch,
        group_indices: &[usize],
        groups: usize,
        accumulators: &mut [Box<dyn GroupsAccumulator>],
        mut row_arguments: impl FnMut(usize) -> Result<Vec<ArrayRef>>,
    ) -> Result<()> {
        self.total(batch, group_indices, groups)?;
        self.every_group.clear();
        self.every_group.extend(0..groups);
        for (i, (accumulator, feed)) in accumulators.iter_mut().zip(&self.feeds).enumerate() {
            match feed {
                Feed::Rows => {
                    accumulator.update_batch(&row_arguments(i)?, group_indices, None, groups)?
                }
                Feed::Partial { argument, state } => {
                    let states = self.arguments[*argument].state(state)?;
                    accumulator.merge_batch(&states, &self.every_group, None, groups)?;
                }
            }
        }
        Ok(())
    }

    /// The rows of each group in `batch`, and each argument's count and sum per group.
    fn total(&mut self, batch: &RecordBatch, group_indices: &[usize], groups: usize) -> Result<()> {
        let values = self
            .arguments
            .iter_mut()
            .map(|a| {
                a.sums.clear();
                a.sums.resize(groups, 0);
                a.evaluate(batch)
            })
            .collect::<Result<Vec<_>>>()?;
        // The rows of each group, and the sums of the values without NULLs, in one pass over
        // the rows for every four arguments.
        let added: Vec<(usize, &[i128])> = values
            .iter()
            .enumerate()
            .filter_map(|(j, v)| match v {
                Values::Plain(a) if self.arguments[j].summed => {
                    Some((j, a.as_primitive::<Decimal128Type>().values().as_ref()))
                }
                _ => None,
            })
            .collect();
        self.rows.clear();
        self.rows.resize(groups, 0);
        for (n, four) in added.chunks(4).enumerate() {
            let columns: Vec<&[i128]> = four.iter().map(|(_, c)| *c).collect();
            let mut sums = vec![[0i128; 4]; groups];
            add_up(group_indices, &columns, &mut sums, &mut self.rows, n == 0);
            for (k, (j, _)) in four.iter().enumerate() {
                let argument = &mut self.arguments[*j];
                for (sum, group) in argument.sums.iter_mut().zip(&sums) {
                    *sum = group[k];
                }
            }
        }
        if added.is_empty() {
            for &g in group_indices {
                self.rows[g] += 1;
            }
        }
        for (argument, values) in self.arguments.iter_mut().zip(&values) {
            argument.count(values, group_indices, &self.rows);
        }
        Ok(())
    }
}

/// One batch's values of an argument.
enum Values {
    /// The same value in every row: NULL or not.
    Constant { null: bool },
    /// Values without a NULL.
    Plain(ArrayRef),
    /// Values with NULLs.
    WithNulls(ArrayRef, NullBuffer),
}

/// Adds up `columns` (one to four) by the group of each row into `sums`, in one pass over the
/// rows, and (`count_rows`) counts each group's rows into `rows`.
fn add_up(
    group_indices: &[usize],
    columns: &[&[i128]],
    sums: &mut [[i128; 4]],
    rows: &mut [i64],
    count_rows: bool,
) {
    match (columns, count_rows) {
        ([a], true) => add_up_k::<1, true>(group_indices, [a], sums, rows),
        ([a], false) => add_up_k::<1, false>(group_indices, [a], sums, rows),
        ([a, b], true) => add_up_k::<2, true>(group_indices, [a, b], sums, rows),
        ([a, b], false) => add_up_k::<2, false>(group_indices, [a, b], sums, rows),
        ([a, b, c], true) => add_up_k::<3, true>(group_indices, [a, b, c], sums, rows),
        ([a, b, c], false) => add_up_k::<3, false>(group_indices, [a, b, c], sums, rows),
        ([a, b, c, d], true) => add_up_k::<4, true>(group_indices, [a, b, c, d], sums, rows),
        ([a, b, c, d], false) => add_up_k::<4, false>(group_indices, [a, b, c, d], sums, rows),
        _ => unreachable!("called with one to four columns"),
    }
}

/// [`add_up`] of `K` columns: each row's group is read once for all of them.
#[inline(always)]
fn add_up_k<const K: usize, const COUNT: bool>(
    group_indices: &[usize],
    columns: [&[i128]; K],
    sums: &mut [[i128; 4]],
    rows: &mut [i64],
) {
    let n = group_indices.len();
    let columns = columns.map(|c| &c[..n]);
    for (i, &g) in group_indices.iter().enumerate() {
        let group = &mut sums[g];
        for k in 0..K {
            group[k] = group[k].wrapping_add(columns[k][i]);
        }
        if COUNT {
            rows[g] += 1;
        }
    }
}

impl Argument {
    /// The argument's values in `batch`, evaluated as an expression.
    fn evaluate(&self, batch: &RecordBatch) -> Result<Values> {
        Ok(match self.expr.evaluate(batch)? {
            ColumnarValue::Scalar(s) if !self.summed => Values::Constant { null: s.is_null() },
            value => {
                let values = value.into_array(batch.num_rows())?;
                match values.logical_nulls().filter(|n| n.null_count() > 0) {
                    None => Values::Plain(values),
                    Some(nulls) => Values::WithNulls(values, nulls),
                }
            }
        })
    }

    /// This batch's count of the argument's values in each group, given the rows of each
    /// group, and the sum of values with NULLs among them (the others are added up together).
    fn count(&mut self, values: &Values, group_indices: &[usize], rows: &[i64]) {
        self.counts.clear();
        match values {
            Values::Constant { null: true } => self.counts.resize(rows.len(), 0),
            Values::Constant { null: false } | Values::Plain(_) => {
                self.counts.extend_from_slice(rows)
            }
            Values::WithNulls(values, nulls) => {
                self.counts.resize(rows.len(), 0);
                for (&g, valid) in group_indices.iter().zip(nulls.iter()) {
                    self.counts[g] += i64::from(valid);
                }
                if self.summed {
                    let decimals = values.as_primitive::<Decimal128Type>();
                    let rows = group_indices.iter().zip(decimals.values().iter());
                    for ((&g, &v), valid) in rows.zip(nulls.iter()) {
                        if valid {
                            self.sums[g] = self.sums[g].wrapping_add(v);
                        }
                    }
                }
            }
        }
    }

    /// The state columns of one aggregate of this argument, one row per group.
    fn state(&self, columns: &[StateColumn]) -> Result<Vec<ArrayRef>> {
        columns
            .iter()
            .map(|column| -> Result<ArrayRef> {
                Ok(match *column {
                    StateColumn::Count => Arc::new(Int64Array::from(self.counts.clone())),
                    StateColumn::Sum { precision, scale } => Arc::new(
                        Decimal128Array::from_iter(
                            self.sums
                                .iter()
                                .zip(&self.counts)
                                .map(|(&s, &c)| (c > 0).then_some(s)),
                        )
                        .with_precision_and_scale(precision, scale)?,
                    ),
                })
            })
            .collect()
    }
}

/// The state columns of `function`, when each is a count or a decimal sum.
fn state_columns(function: &AggregateFunctionExpr) -> Result<Option<Vec<StateColumn>>> {
    Ok(function
        .state_fields()?
        .iter()
        .map(|f| match *f.data_type() {
            DataType::Int64 => Some(StateColumn::Count),
            DataType::Decimal128(precision, scale) => Some(StateColumn::Sum { precision, scale }),
            _ => None,
        })
        .collect())
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Count,
    Sum,
    Avg,
}

/// Spark's aggregate functions, as Weir registers them.
struct Spark {
    count: Arc<AggregateUDF>,
    sum: Arc<AggregateUDF>,
    avg: Arc<AggregateUDF>,
}

impl Spark {
    fn functions() -> Self {
        use weir_spark::exact_aggregates as spark;
        Self {
            count: spark::count(),
            sum: spark::sum(),
            avg: spark::avg(),
        }
    }

    fn kind_of(&self, function: &AggregateFunctionExpr) -> Option<Kind> {
        let f = function.fun();
        if *f == *self.count {
            Some(Kind::Count)
        } else if *f == *self.sum {
            Some(Kind::Sum)
        } else if *f == *self.avg {
            Some(Kind::Avg)
        } else {
            None
        }
    }
}
