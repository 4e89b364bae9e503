//! Made-up shard results for the load module's unit tests.

use super::LatencySource;
use super::lag::WakeDelay;
use super::measured::{Counts, Measured, RunPlan, SHARD_FORMAT, ShardHeader, latency_histogram};
use super::shard::Shard;

/// Shard `index` of `count` of a run of 30 clients, with `samples` latencies.
pub fn shard(index: usize, count: usize, run_id: Option<&str>, samples: &[u64]) -> Measured {
    let mut latency = latency_histogram();
    for sample in samples {
        latency.saturating_record(*sample);
    }
    let shard = Shard { index, count };
    Measured {
        header: ShardHeader {
            format: SHARD_FORMAT,
            run_id: run_id.map(str::to_string),
            shard,
            plan: RunPlan {
                target: "ws://127.0.0.1:1/communication_manager/ws/event".into(),
                clients: 30,
                idle: 0,
                filters: "all".into(),
                admits_everything: true,
                admits_something: true,
                duration_ms: 10_000,
                latency: LatencySource::Auto,
            },
            clients: shard.range(30).len(),
            idle: 0,
            window_start_us: 1_000_000_000 + index as u64 * 1000,
            seconds: 10.0,
            counts: Counts {
                ready: shard.range(30).len() as u64,
                ready_measured: shard.range(30).len() as u64,
                delivered: samples.len() as u64,
                drops: Some(index as u64),
                ..Counts::default()
            },
            load_cpu_seconds: Some(1.0),
            load_cores: 2,
            wake_delay: WakeDelay::default(),
            wake_delay_before: WakeDelay::default(),
            server_cpu: None,
        },
        latency,
    }
}
