//! Aggregate functions with Spark's semantics where DataFusion's differ or are missing:
//!
//! - `avg` ([`avg`](mod@avg)): Spark's average of a `decimal(p,s)` is a `decimal(p+4, s+4)`
//!   (both capped at 38), the true mean rounded half up; of any other number, a `double`
//!   summed in row order. `datafusion-spark` registers an `avg` that always returns `double`,
//!   and DataFusion's own truncates the last digit. `avg(DISTINCT x)` works.
//! - `sum` ([`sum`](mod@sum)): DataFusion's, NULL beyond a decimal's 38 digits, doubles in
//!   row order.
//! - `count` ([`count`](mod@count)): DataFusion's, with `FILTER (WHERE c)` skipping rows where
//!   `c` is NULL, and `count(DISTINCT a, b, …)`.
//! - Sliding window frames (`ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING`) of `avg` and of a
//!   `double` `sum` are aggregated afresh for each frame from its rows, as Spark does
//!   ([`recompute`]); subtracting the rows that leave is not the same for doubles.
//! - `skewness` and `kurtosis` ([`moments`]): Spark's population skewness `sqrt(n)·m3/m2^1.5`
//!   and excess kurtosis `n·m4/m2² − 3` (m_k the sums of k-th powers of deviations from the
//!   mean), as `double`. Like Spark 3 (`spark.sql.legacy.statisticalAggregate=false`), they are
//!   null for no rows and for zero variance (one row, or all values equal); nulls are skipped,
//!   a NaN input gives NaN.

mod avg;
mod count;
mod moments;
mod recompute;
mod sum;

use std::sync::Arc;

use datafusion::logical_expr::AggregateUDF;

use moments::{CentralMoment, Moment};

/// Spark's `avg`.
pub fn avg() -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::new_from_impl(avg::SparkAvg::new()))
}

/// Spark's `count`.
pub fn count() -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::new_from_impl(count::SparkCount::new()))
}

/// Spark's `sum`.
pub fn sum() -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::new_from_impl(sum::SparkSum::new()))
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
