//! How a load report prints as text (`--json` prints [`LoadReport`] itself).

use std::collections::BTreeMap;
use std::fmt;

use super::report::LoadReport;
use super::units::{micros, rate};

/// `{"1008": 3}` as `3×1008`, or `none`.
fn by_code(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".to_string();
    }
    map.iter()
        .map(|(code, n)| format!("{n}×{code}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "target:      {}", self.target)?;
        let run = self
            .run_id
            .as_deref()
            .map_or(String::new(), |id| format!(" of run `{id}`"));
        if self.shards != super::shard::Shard::WHOLE.to_string() {
            let spread = if self.window_spread_seconds >= 0.05 {
                format!(
                    " (windows started {:.1} s apart)",
                    self.window_spread_seconds
                )
            } else {
                String::new()
            };
            writeln!(f, "shards:      {}{run}{spread}", self.shards)?;
        }
        let reasons = if self.setup_failure_reasons.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = self
                .setup_failure_reasons
                .iter()
                .map(|(why, n)| format!("{n}×{why}"))
                .collect();
            format!(" ({})", list.join(", "))
        };
        writeln!(
            f,
            "clients:     {} measured ({} filters) + {} idle; {} ready, {} failed to set up{reasons}",
            self.clients, self.filters, self.idle_clients, self.ready, self.setup_failures
        )?;
        writeln!(
            f,
            "delivered:   {} events in {:.1} s = {}",
            self.delivered,
            self.seconds,
            rate(self.delivered_per_sec)
        )?;
        match &self.latency_us {
            Some(p) => writeln!(
                f,
                "latency:     p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (from {}; {} untimed)",
                micros(p.p50),
                micros(p.p90),
                micros(p.p99),
                micros(p.p999),
                micros(p.max),
                self.latency_source.describe(),
                self.untimed
            )?,
            None => writeln!(f, "latency:     no samples ({} untimed)", self.untimed)?,
        }
        let server = &self.server;
        let announced = format!(
            "{} announced (evicted under drop-oldest, told by {} simNotice)",
            server.evicted_announced, server.notices
        );
        let drops = match (server.drops, server.unexplained_drops) {
            (Some(d), Some(unexplained)) if d > 0 || server.notices > 0 => {
                format!("{d}: {announced}, {unexplained} unexplained")
            }
            (Some(d), _) => d.to_string(),
            (None, _) if server.notices > 0 => {
                format!("not measurable (needs simSeq and --filters all); {announced}")
            }
            (None, _) => "not measurable (needs simSeq and --filters all)".to_string(),
        };
        writeln!(
            f,
            "server:      dropped {drops}; closed {}",
            by_code(&server.disconnects)
        )?;
        if !self.server.idle_disconnects.is_empty() {
            writeln!(
                f,
                "             closed idle clients {}",
                by_code(&self.server.idle_disconnects)
            )?;
        }
        match self.server.cpu {
            Some(cpu) => writeln!(
                f,
                "server CPU:  {:.1} s in the window (pid {}, {})",
                cpu.seconds,
                cpu.pid,
                match cpu.source {
                    super::cpu::PidSource::Given => "--server-pid",
                    super::cpu::PidSource::Found => "found listening on the target's port",
                }
            )?,
            None => writeln!(f, "server CPU:  not measured (give --server-pid PID)")?,
        }
        let load = &self.load_tool;
        let cpu = match (load.cpu_seconds, load.busiest_core_share) {
            (Some(s), Some(share)) => {
                format!("CPU {s:.1} s ({:.0}% of its cores at most)", share * 100.0)
            }
            _ => "CPU not measured".to_string(),
        };
        writeln!(
            f,
            "load tool:   {cpu}; tasks woke up to {} late in the window (p99 {}){}, {} before it",
            micros(load.wake_delay.max_us),
            micros(load.wake_delay.p99_us),
            if load.behind { ": it fell behind" } else { "" },
            micros(load.wake_delay_before_window.max_us),
        )?;
        for note in &self.notes {
            writeln!(f, "NOTE:        {note}")?;
        }
        for failure in &self.failures {
            writeln!(f, "FAILED:      {failure}")?;
        }
        Ok(())
    }
}
