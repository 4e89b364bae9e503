//! Named, seeded random number generators: one ChaCha stream per concern.
//!
//! Every concern (ids, each traffic generator, ...) draws from its own stream, derived
//! from the run's root seed and the concern's name. Adding a draw to one concern
//! therefore never shifts the values another concern sees, and the same seed gives
//! the same run on every machine.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// A deterministic RNG for one named concern of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRng {
    inner: ChaCha20Rng,
}

impl SimRng {
    /// The stream for `concern` under `seed`.
    pub fn named(seed: u64, concern: &str) -> Self {
        let mut inner = ChaCha20Rng::seed_from_u64(seed);
        inner.set_stream(fnv1a(concern.as_bytes()));
        SimRng { inner }
    }

    /// A uniformly random u64.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform float in [0, 1), from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `[low, high]` (inclusive); `low` when the range is empty.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        let span = high - low + 1;
        // Rejection sampling keeps the draw unbiased.
        let zone = u64::MAX - (u64::MAX % span);
        loop {
            let v = self.next_u64();
            if v < zone {
                return low + v % span;
            }
        }
    }

    /// An index into a slice of length `len` (> 0).
    pub fn index(&mut self, len: usize) -> usize {
        self.between(0, len.saturating_sub(1) as u64) as usize
    }

    /// True with probability `p` (clamped to [0, 1]).
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p.clamp(0.0, 1.0)
    }

    /// An exponentially distributed value with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        // 1 - unit() is in (0, 1], so ln is finite. `libm` rather than the platform's
        // maths library (f64::ln), whose last digit may differ between systems.
        -libm::log(1.0 - self.unit()) * mean
    }

    /// A random version-4 UUID, formatted as iSymphony shows ids.
    pub fn uuid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&hi.to_be_bytes());
        b[8..].copy_from_slice(&lo.to_be_bytes());
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h =
            |r: std::ops::Range<usize>| b[r].iter().map(|x| format!("{x:02x}")).collect::<String>();
        format!(
            "{}-{}-{}-{}-{}",
            h(0..4),
            h(4..6),
            h(6..8),
            h(8..10),
            h(10..16)
        )
    }
}

/// FNV-1a: a stable hash of a concern's name (std's hasher is not stable across releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_first_values_for_seed_42() {
        // Pinned: a change here changes every recorded run. Update only on purpose.
        let mut ids = SimRng::named(42, "ids");
        let first: Vec<u64> = (0..3).map(|_| ids.next_u64()).collect();
        assert_eq!(first, GOLDEN_IDS_42);
        assert_eq!(SimRng::named(42, "ids").uuid(), GOLDEN_UUID_42);
    }

    const GOLDEN_IDS_42: [u64; 3] = [
        8_200_478_486_515_181_930,
        14_420_610_341_668_447_802,
        11_813_512_274_089_774_742,
    ];
    const GOLDEN_UUID_42: &str = "71cdf3bc-48f8-496a-8820-4cb3bb78e63a";

    #[test]
    fn concerns_are_independent_streams() {
        let a = SimRng::named(7, "ids").next_u64();
        let b = SimRng::named(7, "traffic").next_u64();
        let c = SimRng::named(8, "ids").next_u64();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, SimRng::named(7, "ids").next_u64());
    }

    #[test]
    fn between_stays_in_range_and_uuid_is_v4() {
        let mut r = SimRng::named(1, "t");
        for _ in 0..1000 {
            let v = r.between(3, 5);
            assert!((3..=5).contains(&v));
        }
        let u = r.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
