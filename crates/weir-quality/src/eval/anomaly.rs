//! Weir's anomaly detector: from the history of one statistic (oldest first; an excluded point
//! is a gap that keeps the others' places), the next value it expects and the bounds outside which a value is an
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

/// The prediction for the value after `history` (oldest first); `None` marks a point that is
/// not used (excluded by a user, or missing) but keeps the others' places in the season.
pub fn predict(history: &[Option<f64>]) -> Option<Prediction> {
    let points: Vec<(usize, f64)> = history
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v)))
        .collect();
    if points.len() < MIN_POINTS {
        return None;
    }
    let next = history.len();
    let (expected, spread, season) = match season(&points, next) {
        Some(p) => {
            let phase_mean = |phase: usize| {
                let same: Vec<f64> = points
                    .iter()
                    .filter(|(i, _)| i % p == phase)
                    .map(|(_, v)| *v)
                    .collect();
                mean(&same)
            };
            let newest: Vec<f64> = points
                .iter()
                .rev()
                .filter(|(i, _)| i % p == next % p)
                .take(SEASONS_AVERAGED)
                .map(|(_, v)| *v)
                .collect();
            let residuals: Vec<f64> = points.iter().map(|(i, v)| v - phase_mean(i % p)).collect();
            (mean(&newest), std_dev(&residuals), p)
        }
        None => {
            let (intercept, slope) = line(&points);
            let residuals: Vec<f64> = points
                .iter()
                .map(|(i, v)| v - (intercept + slope * *i as f64))
                .collect();
            (intercept + slope * next as f64, std_dev(&residuals), 1)
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

/// The season of the points (position, value), if one stands out: the lag whose pairs of
/// points correlate best, each phase (the next point's included) having been seen twice.
fn season(points: &[(usize, f64)], next: usize) -> Option<usize> {
    let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
    let m = mean(&values);
    let variance: f64 = values.iter().map(|v| (v - m).powi(2)).sum();
    if variance == 0.0 {
        return None;
    }
    let at: std::collections::HashMap<usize, f64> = points.iter().copied().collect();
    (2..=MAX_SEASON.min(next / 2))
        .filter(|lag| {
            let seen = |phase: usize| points.iter().filter(|(i, _)| i % lag == phase).count();
            (0..*lag).all(|phase| seen(phase) >= 2) || seen(next % lag) >= 2
        })
        .map(|lag| {
            let covariance: f64 = points
                .iter()
                .filter_map(|(i, v)| at.get(&(i + lag)).map(|w| (v - m) * (w - m)))
                .sum();
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

/// Least-squares line through the points: (intercept, slope).
fn line(points: &[(usize, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let mean_i = points.iter().map(|(i, _)| *i as f64).sum::<f64>() / n;
    let mean_x = points.iter().map(|(_, v)| *v).sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, v) in points {
        let di = *i as f64 - mean_i;
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
        assert_eq!(predict(&[Some(1.0), Some(2.0)]), None);
        assert_eq!(predict(&[Some(1.0), None, Some(2.0), None]), None);
    }

    #[test]
    fn a_constant_history_accepts_its_value() {
        let p = predict(&[Some(100.0); 5]).expect("a prediction");
        assert_eq!(p.expected, 100.0);
        assert!(!p.is_anomaly(100.0));
        assert!(p.is_anomaly(110.0));
    }

    #[test]
    fn a_trend_is_followed() {
        let p = predict(&[Some(10.0), Some(20.0), Some(30.0), Some(40.0), Some(50.0)])
            .expect("a prediction");
        assert!((p.expected - 60.0).abs() < 1e-9);
        assert!(!p.is_anomaly(60.5));
        assert!(p.is_anomaly(45.0));
    }

    #[test]
    fn alternating_days_are_a_season() {
        // Mondays ~1,400 rides, Tuesdays ~700.
        let history = [1410.0, 690.0, 1395.0, 712.0, 1402.0].map(Some);
        let p = predict(&history).expect("a prediction");
        assert_eq!(p.season, 2);
        assert!((p.expected - 701.0).abs() < 1.0, "{p:?}");
        assert!(p.is_anomaly(2200.0));
        assert!(!p.is_anomaly(705.0));
        // A Monday after the Tuesday.
        let mut longer = history.to_vec();
        longer.push(Some(705.0));
        let p = predict(&longer).expect("a prediction");
        assert!(!p.is_anomaly(1400.0), "{p:?}");
        assert!(p.is_anomaly(700.0), "{p:?}");
        // An excluded point keeps its place: the day after it is still a Monday.
        let mut excluded = history.to_vec();
        excluded.push(None);
        let p = predict(&excluded).expect("a prediction");
        assert_eq!(p.season, 2);
        assert!(!p.is_anomaly(1400.0), "{p:?}");
    }
}
