//! Weir's anomaly detector: from the history of one statistic (oldest first, excluded points
//! already removed), the next value it expects and the bounds outside which a value is an
//! anomaly. Deterministic, and documented in `crates/weir-quality/ANOMALIES.md`.
//!
//! 1. Fewer than [`MIN_POINTS`] points: no prediction.
//! 2. Seasonality: the lag `p` (2 ≤ p ≤ [`MAX_SEASON`], at least two full seasons of history)
//!    whose autocorrelation is highest, if it is at least [`MIN_SEASONAL_CORRELATION`]. The
//!    expected value is then the mean of the newest [`SEASONS_AVERAGED`] values at the same
//!    phase, and the spread is the standard deviation of each point's difference from the mean
//!    of its phase.
//! 3. Otherwise a straight line fitted by least squares (a trend), extended one step; the spread
//!    is the standard deviation of the residuals.
//! 4. Bounds: expected ± [`BOUND_FACTOR`] × spread, the spread at least [`MIN_SPREAD_SHARE`] of
//!    |expected| (so that a value equal to a constant history is never an anomaly, and noise of
//!    a fraction of a percent does not flag).

/// Points needed before anything is predicted.
pub const MIN_POINTS: usize = 3;
/// The longest season looked for (hourly data over a day).
pub const MAX_SEASON: usize = 24;
/// The autocorrelation at a lag that makes it a season.
pub const MIN_SEASONAL_CORRELATION: f64 = 0.5;
/// Seasons whose same-phase values make the expected value.
pub const SEASONS_AVERAGED: usize = 4;
/// Standard deviations between the expected value and each bound.
pub const BOUND_FACTOR: f64 = 3.0;
/// The least spread, as a share of the expected value's magnitude.
pub const MIN_SPREAD_SHARE: f64 = 0.01;

/// The expected next value and its bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub expected: f64,
    pub lower: f64,
    pub upper: f64,
    /// The season found (1: none).
    pub season: usize,
}

impl Prediction {
    /// Whether `actual` lies outside the bounds.
    pub fn is_anomaly(&self, actual: f64) -> bool {
        actual < self.lower || actual > self.upper
    }
}

/// The prediction for the value after `history` (oldest first), if there is enough of it.
pub fn predict(history: &[f64]) -> Option<Prediction> {
    let x: Vec<f64> = history.iter().copied().filter(|v| v.is_finite()).collect();
    let n = x.len();
    if n < MIN_POINTS {
        return None;
    }
    let (expected, spread, season) = match season(&x) {
        Some(p) => {
            let phase_mean = |i: usize| {
                let same: Vec<f64> = (0..n).filter(|j| j % p == i % p).map(|j| x[j]).collect();
                mean(&same)
            };
            let next: Vec<f64> = (0..n)
                .rev()
                .filter(|j| j % p == n % p)
                .take(SEASONS_AVERAGED)
                .map(|j| x[j])
                .collect();
            let residuals: Vec<f64> = (0..n).map(|i| x[i] - phase_mean(i)).collect();
            (mean(&next), std_dev(&residuals), p)
        }
        None => {
            let (intercept, slope) = line(&x);
            let residuals: Vec<f64> = (0..n)
                .map(|i| x[i] - (intercept + slope * i as f64))
                .collect();
            (intercept + slope * n as f64, std_dev(&residuals), 1)
        }
    };
    let spread = spread.max(MIN_SPREAD_SHARE * expected.abs()).max(1e-9);
    Some(Prediction {
        expected,
        lower: expected - BOUND_FACTOR * spread,
        upper: expected + BOUND_FACTOR * spread,
        season,
    })
}

/// The season of the series, if one stands out.
fn season(x: &[f64]) -> Option<usize> {
    let n = x.len();
    let m = mean(x);
    let variance: f64 = x.iter().map(|v| (v - m).powi(2)).sum();
    if variance == 0.0 {
        return None;
    }
    (2..=MAX_SEASON.min(n / 2))
        .map(|lag| {
            let covariance: f64 = (lag..n).map(|i| (x[i] - m) * (x[i - lag] - m)).sum();
            (lag, covariance / variance)
        })
        .filter(|(_, r)| *r >= MIN_SEASONAL_CORRELATION)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(lag, _)| lag)
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len().max(1) as f64
}

/// Sample standard deviation (0 for fewer than two values).
fn std_dev(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// Least-squares line through `(i, x[i])`: (intercept, slope).
fn line(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean_i = (n - 1.0) / 2.0;
    let mean_x = mean(x);
    let (mut num, mut den) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        let di = i as f64 - mean_i;
        num += di * (v - mean_x);
        den += di * di;
    }
    let slope = if den == 0.0 { 0.0 } else { num / den };
    (mean_x - slope * mean_i, slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_little_history() {
        assert_eq!(predict(&[1.0, 2.0]), None);
    }

    #[test]
    fn a_constant_history_accepts_its_value() {
        let p = predict(&[100.0; 5]).expect("a prediction");
        assert_eq!(p.expected, 100.0);
        assert!(!p.is_anomaly(100.0));
        assert!(p.is_anomaly(110.0));
    }

    #[test]
    fn a_trend_is_followed() {
        let p = predict(&[10.0, 20.0, 30.0, 40.0, 50.0]).expect("a prediction");
        assert!((p.expected - 60.0).abs() < 1e-9);
        assert!(!p.is_anomaly(60.5));
        assert!(p.is_anomaly(45.0));
    }

    #[test]
    fn alternating_days_are_a_season() {
        // Mondays ~1,400 rides, Tuesdays ~700.
        let history = [1410.0, 690.0, 1395.0, 712.0, 1402.0];
        let p = predict(&history).expect("a prediction");
        assert_eq!(p.season, 2);
        assert!((p.expected - 701.0).abs() < 1.0, "{p:?}");
        assert!(p.is_anomaly(2200.0));
        assert!(!p.is_anomaly(705.0));
        // A Monday after the Tuesday.
        let mut longer = history.to_vec();
        longer.push(705.0);
        let p = predict(&longer).expect("a prediction");
        assert!(!p.is_anomaly(1400.0), "{p:?}");
        assert!(p.is_anomaly(700.0), "{p:?}");
    }
}
