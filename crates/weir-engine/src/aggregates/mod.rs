//! Aggregate functions with Spark's semantics where DataFusion's differ or are missing:
//!
//! - `avg` ([`avg`](mod@avg)): Spark's average of a `decimal(p,s)` is a `decimal(p+4, s+4)`
//!   (both capped at 38), the true mean rounded half up; of any other number, a `double`.
//!   `datafusion-spark` registers an `avg` that always returns `double`, and DataFusion's own
//!   truncates the last digit.
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
