//! `load merge`: checks that shard files are the complete set of one run, then
//! adds them up. Histograms are added bucket by bucket, so the merged percentiles
//! are those of every sample of every shard, not an average of percentiles.

use std::path::PathBuf;

use super::measured::{Measured, latency_histogram};

/// Why a set of shard files cannot be merged. Every message names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MergeError {
    /// No file was given.
    #[error("no shard files given; pass every file the run's `load --hdr-out` wrote")]
    Nothing,
    /// A file is of another run (another `--run-id`).
    #[error("{file}: run id {theirs} but {first} has {ours}; merge the shards of one run only")]
    OtherRun {
        /// The odd file.
        file: String,
        /// The first file, whose run id is taken as the run's.
        first: String,
        /// Its run id.
        theirs: String,
        /// The first file's run id.
        ours: String,
    },
    /// A file was made with other settings (target, clients, filters, duration).
    #[error("{file}: {field} is {theirs} but {first} has {ours}: not the same run")]
    OtherPlan {
        /// The odd file.
        file: String,
        /// The first file.
        first: String,
        /// Which setting differs.
        field: &'static str,
        /// Its value in the odd file.
        theirs: String,
        /// Its value in the first file.
        ours: String,
    },
    /// Two files are the same shard.
    #[error("{file}: shard {shard} again (also {other}); each shard once")]
    Duplicate {
        /// The second file of the shard.
        file: String,
        /// The first.
        other: String,
        /// The shard.
        shard: String,
    },
    /// Some shards are missing.
    #[error("shards {missing} of {count} missing (given: {given}); the run is incomplete")]
    Missing {
        /// The missing shard numbers, comma-separated.
        missing: String,
        /// How many the run has.
        count: usize,
        /// The files given.
        given: String,
    },
    /// Two shards without a run id did not measure at the same time.
    #[error(
        "{file}: its window does not overlap {first}'s ({gap:.1} s apart); shards of one run measure at the same time, so these are different runs (give every shard the same --run-id)"
    )]
    NotConcurrent {
        /// The odd file.
        file: String,
        /// The first file.
        first: String,
        /// Seconds between the end of one window and the start of the other.
        gap: f64,
    },
    /// The histograms cannot be added.
    #[error("{file}: its histogram cannot be added to the others': {why}")]
    Histogram {
        /// The odd file.
        file: String,
        /// hdrhistogram's reason.
        why: String,
    },
}

/// The validated shards of one run, in shard order, with their files.
#[derive(Debug, Clone)]
pub struct Run {
    /// Each shard and the file it came from.
    pub shards: Vec<(PathBuf, Measured)>,
}

impl Run {
    /// Checks that `files` are the complete set of one run's shards.
    ///
    /// # Errors
    /// [`MergeError`] naming the file at fault.
    pub fn from_files(mut files: Vec<(PathBuf, Measured)>) -> Result<Run, MergeError> {
        let Some((first_path, first)) = files.first() else {
            return Err(MergeError::Nothing);
        };
        let name = |path: &PathBuf| path.display().to_string();
        let first_name = name(first_path);
        let first = first.header.clone();
        for (path, measured) in &files[1..] {
            let header = &measured.header;
            if header.run_id != first.run_id {
                let show = |id: &Option<String>| {
                    id.as_deref()
                        .map_or("(none)".to_string(), |id| format!("`{id}`"))
                };
                return Err(MergeError::OtherRun {
                    file: name(path),
                    first: first_name,
                    theirs: show(&header.run_id),
                    ours: show(&first.run_id),
                });
            }
            let differs = |field: &'static str, theirs: String, ours: String| {
                (theirs != ours).then(|| MergeError::OtherPlan {
                    file: name(path),
                    first: first_name.clone(),
                    field,
                    theirs,
                    ours,
                })
            };
            let (a, b) = (&header.plan, &first.plan);
            let difference = differs(
                "the shard count",
                header.shard.count.to_string(),
                first.shard.count.to_string(),
            )
            .or_else(|| differs("--target", a.target.clone(), b.target.clone()))
            .or_else(|| differs("--clients", a.clients.to_string(), b.clients.to_string()))
            .or_else(|| differs("--idle", a.idle.to_string(), b.idle.to_string()))
            .or_else(|| differs("--filters", a.filters.clone(), b.filters.clone()))
            .or_else(|| {
                differs(
                    "--duration (ms)",
                    a.duration_ms.to_string(),
                    b.duration_ms.to_string(),
                )
            })
            .or_else(|| {
                differs(
                    "--latency",
                    format!("{:?}", a.latency),
                    format!("{:?}", b.latency),
                )
            });
            if let Some(error) = difference {
                return Err(error);
            }
            // Without a run id, measuring at the same time is what tells one run's
            // shards from another run's with the same settings.
            let (start, end) = (header.window_start_us, header.window_end_us());
            if first.run_id.is_none()
                && (end < first.window_start_us || start > first.window_end_us())
            {
                let gap = if end < first.window_start_us {
                    first.window_start_us - end
                } else {
                    start - first.window_end_us()
                };
                return Err(MergeError::NotConcurrent {
                    file: name(path),
                    first: first_name,
                    gap: gap as f64 / 1e6,
                });
            }
        }
        files.sort_by_key(|(_, m)| m.header.shard.index);
        for pair in files.windows(2) {
            if pair[0].1.header.shard == pair[1].1.header.shard {
                return Err(MergeError::Duplicate {
                    file: name(&pair[1].0),
                    other: name(&pair[0].0),
                    shard: pair[1].1.header.shard.to_string(),
                });
            }
        }
        let count = first.shard.count;
        let missing: Vec<String> = (0..count)
            .filter(|i| !files.iter().any(|(_, m)| m.header.shard.index == *i))
            .map(|i| i.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(MergeError::Missing {
                missing: missing.join(", "),
                count,
                given: files
                    .iter()
                    .map(|(p, _)| name(p))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(Run { shards: files })
    }

    /// A run of one process (no files).
    pub fn single(measured: Measured) -> Run {
        Run {
            shards: vec![(PathBuf::new(), measured)],
        }
    }

    /// The latency histogram of every shard's samples together.
    ///
    /// # Errors
    /// [`MergeError::Histogram`] when a histogram cannot hold another's values
    /// (not for files written by `load`, whose histograms all have one range).
    pub fn latency(&self) -> Result<hdrhistogram::Histogram<u64>, MergeError> {
        let mut merged = latency_histogram();
        for (path, measured) in &self.shards {
            merged
                .add(&measured.latency)
                .map_err(|e| MergeError::Histogram {
                    file: path.display().to_string(),
                    why: format!("{e:?}"),
                })?;
        }
        Ok(merged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::fixtures::shard;

    fn files(shards: Vec<Measured>) -> Vec<(PathBuf, Measured)> {
        shards
            .into_iter()
            .map(|m| (PathBuf::from(format!("s{}.hlog", m.header.shard.index)), m))
            .collect()
    }

    #[test]
    fn a_complete_run_merges_in_shard_order_whatever_the_file_order() {
        let run = Run::from_files(files(vec![
            shard(2, 3, Some("r"), &[30]),
            shard(0, 3, Some("r"), &[10, 11]),
            shard(1, 3, Some("r"), &[20]),
        ]))
        .expect("one run");

        let order: Vec<usize> = run
            .shards
            .iter()
            .map(|(_, m)| m.header.shard.index)
            .collect();
        assert_eq!(order, vec![0, 1, 2]);
        let latency = run.latency().expect("adds up");
        assert_eq!((latency.len(), latency.min(), latency.max()), (4, 10, 30));
    }

    #[test]
    fn another_run_another_plan_a_duplicate_or_a_gap_is_refused_naming_the_file() {
        let other_run = Run::from_files(files(vec![
            shard(0, 2, Some("a"), &[]),
            shard(1, 2, Some("b"), &[]),
        ]));
        let mut wider = shard(1, 2, None, &[]);
        wider.header.plan.clients = 31;
        let other_plan = Run::from_files(files(vec![shard(0, 2, None, &[]), wider]));
        let other_count =
            Run::from_files(files(vec![shard(0, 2, None, &[]), shard(1, 3, None, &[])]));
        let twice = Run::from_files(vec![
            (PathBuf::from("x.hlog"), shard(0, 2, None, &[])),
            (PathBuf::from("y.hlog"), shard(0, 2, None, &[])),
        ]);
        let missing = Run::from_files(files(vec![shard(0, 3, None, &[]), shard(2, 3, None, &[])]));
        let mut later = shard(1, 2, None, &[]);
        later.header.window_start_us += 3_600_000_000;
        let not_concurrent = Run::from_files(files(vec![shard(0, 2, None, &[]), later.clone()]));
        let mut named_later = later;
        named_later.header.run_id = Some("r".into());
        let named = Run::from_files(files(vec![shard(0, 2, Some("r"), &[]), named_later]));

        let message = |r: Result<Run, MergeError>| r.expect_err("refused").to_string();
        let text = message(other_run);
        assert!(
            text.starts_with("s1.hlog: run id `b`") && text.contains("s0.hlog has `a`"),
            "{text}"
        );
        let text = message(other_plan);
        assert!(
            text.starts_with("s1.hlog: --clients is 31 but s0.hlog has 30"),
            "{text}"
        );
        let text = message(other_count);
        assert!(text.starts_with("s1.hlog: the shard count is 3"), "{text}");
        let text = message(twice);
        assert!(
            text.starts_with("y.hlog: shard 0/2 again (also x.hlog)"),
            "{text}"
        );
        let text = message(missing);
        assert!(
            text.starts_with("shards 1 of 3 missing (given: s0.hlog, s2.hlog)"),
            "{text}"
        );
        let text = message(not_concurrent);
        assert!(
            text.starts_with("s1.hlog: its window does not overlap s0.hlog's"),
            "{text}"
        );
        assert!(named.is_ok(), "with a run id, the user vouches for one run");
        assert_eq!(
            Run::from_files(Vec::new()).map(|_| ()),
            Err(MergeError::Nothing)
        );
    }
}
