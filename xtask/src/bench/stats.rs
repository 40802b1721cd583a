//! Median and spread of repeated measurements: on two shared, noisy cores one run says little,
//! so every figure in the report is a median with its range and interquartile range.

/// A summary of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// How many samples.
    pub n: usize,
    /// The median.
    pub median: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// First quartile (linear interpolation between order statistics).
    pub q1: f64,
    /// Third quartile.
    pub q3: f64,
}

/// Summarizes `samples`; `None` when there are none or one is not a number.
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    if samples.is_empty() || samples.iter().any(|s| s.is_nan()) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(Summary {
        n: sorted.len(),
        median: quantile(&sorted, 0.5),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        q1: quantile(&sorted, 0.25),
        q3: quantile(&sorted, 0.75),
    })
}

/// The `q` quantile of sorted, non-empty samples, interpolated linearly between order
/// statistics (the common "type 7" definition).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    let weight = position - low as f64;
    sorted[low] + (sorted[high] - sorted[low]) * weight
}

impl Summary {
    /// The same summary with every figure mapped by `f`, which must be monotonic; a
    /// decreasing `f` (such as bytes / seconds) swaps the ends.
    pub fn map(self, f: impl Fn(f64) -> f64) -> Self {
        let (min, max) = (f(self.min), f(self.max));
        let (q1, q3) = (f(self.q1), f(self.q3));
        Self {
            n: self.n,
            median: f(self.median),
            min: min.min(max),
            max: min.max(max),
            q1: q1.min(q3),
            q3: q1.max(q3),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_count_median_is_the_middle_sample() {
        let s = summarize(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!((s.n, s.median, s.min, s.max), (3, 3.0, 1.0, 5.0));
        assert_eq!((s.q1, s.q3), (2.0, 4.0));
    }

    #[test]
    fn even_count_median_is_interpolated() {
        let s = summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert_eq!((s.q1, s.q3), (1.75, 3.25));
    }

    #[test]
    fn one_sample_is_its_own_summary() {
        let s = summarize(&[7.0]).unwrap();
        assert_eq!(
            (s.median, s.min, s.max, s.q1, s.q3),
            (7.0, 7.0, 7.0, 7.0, 7.0)
        );
    }

    #[test]
    fn nothing_to_summarize_is_none() {
        assert_eq!(summarize(&[]), None);
        assert_eq!(summarize(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn a_decreasing_map_keeps_min_below_max() {
        // Seconds to throughput: the slowest run is the lowest rate.
        let s = summarize(&[1.0, 2.0, 4.0]).unwrap().map(|secs| 8.0 / secs);
        assert_eq!((s.min, s.median, s.max), (2.0, 4.0, 8.0));
        assert!(s.q1 <= s.q3);
    }
}
