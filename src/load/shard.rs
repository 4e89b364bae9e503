//! `--shard I/N`: which slice of a run's clients one load process drives, so that
//! several processes (or machines) together drive more connections than one holds.
//!
//! Shards are numbered from 0, as Kubernetes numbers an Indexed Job's pods
//! (`JOB_COMPLETION_INDEX`). Shard I of N takes the clients with global numbers in
//! `[I·C/N, (I+1)·C/N)`: contiguous, sizes differ by at most one, and the N slices
//! together are exactly the clients of the unsharded run, each with the filter it
//! would have had there.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// One slice of a run: shard `index` of `count`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// Which slice, from 0.
    pub index: usize,
    /// How many slices the run has, at least 1.
    pub count: usize,
}

impl Shard {
    /// The whole run in one process.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// The global numbers of this shard's share of `total` clients.
    pub fn range(self, total: usize) -> Range<usize> {
        // u128 so that `total * index` cannot overflow on any usize.
        let at = |i: usize| (total as u128 * i as u128 / self.count.max(1) as u128) as usize;
        at(self.index)..at(self.index + 1)
    }
}

impl Default for Shard {
    fn default() -> Self {
        Shard::WHOLE
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let hint = "write I/N with 0 <= I < N, e.g. 0/3, 1/3 and 2/3 for three shards";
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a shard; {hint}"))?;
        let number = |part: &str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{part}` in `{text}` is not a whole number; {hint}"))
        };
        let (index, count) = (number(index)?, number(count)?);
        if count == 0 {
            return Err(format!("`{text}` has no shards; {hint}"));
        }
        if index >= count {
            return Err(format!(
                "shard {index} of {count} does not exist: shards are numbered from 0 to {}; {hint}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_clients_exactly_and_evenly() {
        for total in [0, 1, 2, 7, 100, 50_000] {
            for count in 1..=7 {
                let ranges: Vec<_> = (0..count)
                    .map(|index| Shard { index, count }.range(total))
                    .collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges[count - 1].end, total);
                for pair in ranges.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start, "{total} in {count}");
                }
                let sizes: Vec<_> = ranges.iter().map(|r| r.len()).collect();
                let (min, max) = (sizes.iter().min(), sizes.iter().max());
                assert!(max.zip(min).is_some_and(|(max, min)| max - min <= 1));
            }
        }
    }

    #[test]
    fn shards_parse_as_index_over_count_from_zero() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!("0/1".parse(), Ok(Shard::WHOLE));
        for bad in ["3/3", "1/0", "1", "a/2", "-1/2", ""] {
            let err = bad.parse::<Shard>().expect_err(bad);
            assert!(err.contains("I/N"), "{bad}: {err}");
        }
    }
}
