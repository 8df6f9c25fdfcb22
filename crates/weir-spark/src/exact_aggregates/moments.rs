//! `skewness` and `kurtosis` as Spark computes them.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{plan_err, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Moment {
    Skewness,
    Kurtosis,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct CentralMoment {
    moment: Moment,
    signature: Signature,
}

impl CentralMoment {
    pub(super) fn new(moment: Moment) -> Self {
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
