//! CPU time of the load tool and of the server under test.
//!
//! On a small machine the load tool and the server share the cores, so a figure
//! is only meaningful next to what each process used. Our own time comes from
//! `getrusage(RUSAGE_SELF)` (all threads, user + system). The server's comes from
//! `/proc/PID/stat` (fields 14 and 15, `utime` and `stime`, in clock ticks), for
//! the PID given with `--server-pid`, or else for the process found listening on
//! the target's port: the port's listening socket inode from `/proc/net/tcp` and
//! `/proc/net/tcp6`, then the process holding that inode among `/proc/*/fd`. That
//! search sees only processes whose descriptors this user may read (the same user,
//! or root) in the same network namespace; elsewhere, pass `--server-pid`. Linux
//! only: on other systems the server's CPU is not reported.

use std::time::Duration;

/// CPU time (user + system) this process has used so far.
pub fn own_cpu() -> Option<Duration> {
    // SAFETY: `getrusage` only writes into the zeroed struct we pass, which lives
    // for the call; RUSAGE_SELF is a valid `who`.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_SELF, &mut usage) == 0).then_some(usage)
    }?;
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).ok()?)
            .checked_add(Duration::from_micros(u64::try_from(t.tv_usec).ok()?))
    };
    time(usage.ru_utime)?.checked_add(time(usage.ru_stime)?)
}

/// Clock ticks per second, the unit of `/proc/PID/stat`'s times.
fn ticks_per_second() -> u64 {
    // SAFETY: sysconf reads a constant of the running system and has no side effects.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|t| *t > 0).unwrap_or(100)
}

/// CPU time (user + system) process `pid` has used so far, from `/proc/PID/stat`.
pub fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    cpu_of_stat(&stat, ticks_per_second())
}

/// utime + stime of a `/proc/PID/stat` line. The command name (field 2) is in
/// parentheses and may hold spaces or parentheses itself, so fields are counted
/// from the last `)`.
fn cpu_of_stat(stat: &str, ticks_per_second: u64) -> Option<Duration> {
    let (_, after_name) = stat.rsplit_once(')')?;
    // After the name come field 3 (state) onwards; utime is field 14.
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime.checked_add(stime)?;
    Some(Duration::from_micros(
        ticks.checked_mul(1_000_000)? / ticks_per_second.max(1),
    ))
}

/// The process (other than this one) listening on TCP `port`, if `/proc` shows it.
pub fn find_listener(port: u16) -> Option<u32> {
    let inodes: Vec<u64> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .flat_map(|table| listening_inodes(&table, port))
        .collect();
    if inodes.is_empty() {
        return None;
    }
    let me = std::process::id();
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me)
        .find(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd"))
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .filter_map(|fd| std::fs::read_link(fd.path()).ok())
                .any(|link| link.to_str().is_some_and(|l| wanted.iter().any(|w| w == l)))
        })
}

/// The inodes of sockets listening on `port` in a `/proc/net/tcp{,6}` table.
fn listening_inodes(table: &str, port: u16) -> Vec<u64> {
    const LISTEN: &str = "0A";
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1)?.rsplit_once(':')?.1;
            let listening = *fields.get(3)? == LISTEN;
            let inode = fields.get(9)?.parse::<u64>().ok()?;
            (listening && u16::from_str_radix(local_port, 16).ok()? == port).then_some(inode)
        })
        .collect()
}

/// How the server's PID was learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PidSource {
    /// `--server-pid`.
    Given,
    /// Found listening on the target's port.
    Found,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_times_are_read_after_the_command_name() {
        let stat = "4242 (my (odd) server) S 1 4242 4242 0 -1 4194560 1 0 0 0 250 130 0 0 20 0 3 0";
        assert_eq!(cpu_of_stat(stat, 100), Some(Duration::from_millis(3_800)));
        assert_eq!(cpu_of_stat("garbage", 100), None);
    }

    #[test]
    fn only_listening_sockets_on_the_port_are_taken() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
            0: 0100007F:E298 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0\n\
            1: 0100007F:E298 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0\n\
            2: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0\n";
        assert_eq!(listening_inodes(table, 58008), vec![111]);
        assert_eq!(listening_inodes(table, 80), vec![333]);
    }

    #[test]
    fn our_own_cpu_and_a_listener_are_found() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();

        assert!(own_cpu().is_some());
        assert!(process_cpu(std::process::id()).is_some());
        // The only listener on the port is this process, which the search skips.
        assert_eq!(find_listener(port), None);
    }
}
