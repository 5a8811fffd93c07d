//! Latency samples and what is read off them.

/// Latencies in microseconds, sorted.
#[derive(Clone, Debug, Default)]
pub struct Latencies {
    sorted_us: Vec<u32>,
}

impl Latencies {
    /// From samples in any order.
    pub fn new(mut samples_us: Vec<u32>) -> Latencies {
        samples_us.sort_unstable();
        Latencies {
            sorted_us: samples_us,
        }
    }

    /// How many samples.
    pub fn len(&self) -> usize {
        self.sorted_us.len()
    }

    /// The `q` quantile (0.5 = median) in milliseconds, nearest rank; 0
    /// with no samples.
    pub fn ms(&self, q: f64) -> f64 {
        if self.sorted_us.is_empty() {
            return 0.0;
        }
        let rank = ((q * self.sorted_us.len() as f64).ceil() as usize).clamp(1, self.len());
        f64::from(self.sorted_us[rank - 1]) / 1e3
    }

    /// The largest sample in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.sorted_us.last().map_or(0.0, |&us| f64::from(us) / 1e3)
    }
}

/// A latency sample from two readings of the tracker's clock, saturated
/// into a `u32` (71 minutes).
pub fn sample(from_us: u64, to_us: u64) -> u32 {
    u32::try_from(to_us.saturating_sub(from_us)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let latencies = Latencies::new((1..=100).rev().map(|ms| ms * 1000).collect());
        assert_eq!(latencies.ms(0.5), 50.0);
        assert_eq!(latencies.ms(0.99), 99.0);
        assert_eq!(latencies.max_ms(), 100.0);
        assert_eq!(Latencies::default().ms(0.99), 0.0);
    }
}
