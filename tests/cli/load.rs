//! `isymphony-sim load` end to end, through the binary: what it says when the
//! server refuses, sends nothing or closes every client; that the progress line's
//! total is the report's; and that shards run as separate processes merge into
//! the sum of their parts.
//!
//! Measurement windows here are short windows, not synchronisation: no assert
//! depends on how many events fit in them, only on how the figures add up.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::load::hdr_file;
use isymphony_sim::load::measured::latency_histogram;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::{BIN, Served, serve};

/// Safety net for a whole `load` process (setup, window, close).
const LOAD_PATIENCE: Duration = Duration::from_secs(60);

/// Starts `isymphony-sim load ARGS` and returns the running child.
fn start_load(args: &[&str]) -> std::process::Child {
    Command::new(BIN)
        .arg("load")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start load")
}

/// Waits for a `load` child, failing the test if it outlives the safety net.
fn finish(child: std::process::Child) -> Output {
    let (done, outcome) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    outcome
        .recv_timeout(LOAD_PATIENCE)
        .expect("load ended in time")
        .expect("load output")
}

fn load(args: &[&str]) -> Output {
    finish(start_load(args))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON object ({e}): {}\nstderr: {}",
            text(&output.stdout),
            text(&output.stderr)
        )
    })
}

fn target(served: &Served) -> &str {
    &served.url
}

#[test]
fn a_wrong_password_or_none_says_which_status_came_back_and_what_it_means() {
    let served = serve(&[]);

    let wrong = load(&[
        "--target",
        target(&served),
        "--clients",
        "3",
        "--password",
        "nope",
    ]);
    let none = load(&["--target", target(&served), "--clients", "3", "--no-auth"]);

    let (wrong_err, none_err) = (text(&wrong.stderr), text(&none.stderr));
    assert_eq!(wrong.status.code(), Some(2), "{wrong_err}");
    assert!(
        wrong_err.contains("3 × 403 Forbidden: the server refused these credentials"),
        "{wrong_err}"
    );
    assert!(wrong_err.contains("--password"), "{wrong_err}");
    assert_eq!(none.status.code(), Some(2), "{none_err}");
    assert!(none_err.contains("3 × 401 Unauthorized"), "{none_err}");
    assert!(none_err.contains("Drop --no-auth"), "{none_err}");
    for err in [&wrong_err, &none_err] {
        assert!(!err.contains("is the server running"), "{err}");
    }
}

#[test]
fn a_server_that_sends_nothing_fails_the_run_and_says_why() {
    let served = serve(&["--paused"]);

    let pid = served.child.id().to_string();
    let out = load(&[
        "--target",
        target(&served),
        "--clients",
        "2",
        "--duration",
        "300ms",
        "--server-pid",
        &pid,
    ]);
    let report = text(&out.stdout);

    assert_eq!(
        out.status.code(),
        Some(1),
        "{report}\n{}",
        text(&out.stderr)
    );
    assert!(report.contains("delivered:   0 events"), "{report}");
    assert!(
        report.contains(
            "FAILED:      no events: the server sent nothing to any of the 2 ready clients"
        ),
        "{report}"
    );
    assert!(
        report.contains("paused") && report.contains("--speed"),
        "{report}"
    );
    assert!(
        report.contains(&format!("s in the window (pid {pid}, --server-pid)")),
        "the server's CPU is read for the PID given: {report}"
    );
}

/// The number after which `events in total` follows on a progress line.
fn running_total(line: &str) -> Option<u64> {
    let before = line.split(" events in total").next()?;
    before.rsplit(' ').next()?.parse().ok()
}

#[test]
fn the_progress_lines_show_one_running_total_that_ends_at_the_reports() {
    let served = serve(&["--stamp", "--speed", "3600", "--seed", "5"]);

    let out = load(&[
        "--target",
        target(&served),
        "--clients",
        "4",
        "--duration",
        "2500ms",
        "--json",
    ]);

    let report = json(&out);
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with('[')).collect();
    let totals: Vec<u64> = lines.iter().filter_map(|l| running_total(l)).collect();
    assert_eq!(
        totals.len(),
        lines.len(),
        "every progress line has a total: {stderr}"
    );
    assert!(
        lines.len() >= 2,
        "a line a second and a final one: {stderr}"
    );
    assert!(
        totals.windows(2).all(|w| w[0] <= w[1]),
        "the total only grows: {stderr}"
    );
    let last = lines.last().copied().unwrap_or_default();
    assert!(last.starts_with("[done"), "{stderr}");
    assert_eq!(
        totals.last().copied(),
        report["delivered"].as_u64(),
        "{stderr}"
    );
    assert!(report["delivered"].as_u64() > Some(0), "{report}");
    // serve runs as this user, so /proc shows which process listens on its port.
    assert_eq!(
        report["server"]["cpu"]["pid"].as_u64(),
        Some(u64::from(served.child.id())),
        "{report}"
    );
    assert_eq!(report["server"]["cpu"]["source"].as_str(), Some("found"));
    assert!(
        report["loadTool"]["cpuSeconds"].as_f64() > Some(0.0),
        "{report}"
    );
}

/// A server that answers every filter and then closes the client with 1008, as
/// our server does to a client whose queue is full.
async fn closing_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(socket).await else {
                    return;
                };
                if let Some(Ok(Message::Text(_))) = ws.next().await {
                    let reply = r#"{"type":"filterResponse","success":true}"#;
                    let _ = ws.send(Message::text(reply)).await;
                    let close = CloseFrame {
                        code: CloseCode::Policy,
                        reason: "slow consumer: 1024 events pending".into(),
                    };
                    let _ = ws.send(Message::Close(Some(close))).await;
                    while let Some(Ok(_)) = ws.next().await {}
                }
            });
        }
    });
    format!("ws://{addr}/communication_manager/ws/event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_closed_1008_says_the_clients_fell_behind_and_names_client_queue() {
    let url = closing_server().await;

    let out = tokio::task::spawn_blocking(move || {
        load(&["--target", &url, "--clients", "3", "--duration", "300ms"])
    })
    .await
    .expect("load");
    let report = text(&out.stdout);

    assert_eq!(
        out.status.code(),
        Some(1),
        "{report}\n{}",
        text(&out.stderr)
    );
    assert!(
        report.contains("server:      dropped not measurable"),
        "{report}"
    );
    assert!(report.contains("closed 3×1008"), "{report}");
    assert!(
        report.contains("FAILED:      every measured client was closed with 1008 (slow consumer)"),
        "{report}"
    );
    assert!(
        report.contains("isymphony-sim serve --client-queue, default 1024"),
        "{report}"
    );
    assert!(report.contains("--shard I/N"), "{report}");
    assert!(
        !report.contains("no events"),
        "the closes explain the silence: {report}"
    );
}

#[test]
fn shards_run_as_processes_merge_into_the_sum_of_their_parts() {
    let served = serve(&["--stamp", "--speed", "3600", "--seed", "9"]);
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = |i: usize| dir.path().join(format!("shard-{i}.hlog"));
    let files: Vec<String> = (0..3).map(|i| file(i).display().to_string()).collect();

    let children: Vec<_> = (0..3)
        .map(|i| {
            let shard = format!("{i}/3");
            start_load(&[
                "--target",
                target(&served),
                "--clients",
                "7",
                "--duration",
                "2s",
                "--shard",
                &shard,
                "--hdr-out",
                &files[i],
                "--run-id",
                "merge-test",
                "--json",
            ])
        })
        .collect();
    let shards: Vec<Value> = children.into_iter().map(|c| json(&finish(c))).collect();
    let merged = load(&["merge", "--json", &files[2], &files[0], &files[1]]);

    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    let merged = json(&merged);
    let sum = |field: &dyn Fn(&Value) -> Option<u64>| shards.iter().filter_map(field).sum::<u64>();
    assert_eq!(
        sum(&|s| s["clients"].as_u64()),
        7,
        "the slices cover the clients once"
    );
    assert_eq!(merged["clients"].as_u64(), Some(7));
    assert_eq!(merged["shards"].as_str(), Some("all 3"));
    assert_eq!(
        merged["delivered"].as_u64(),
        Some(sum(&|s| s["delivered"].as_u64()))
    );
    assert_eq!(
        merged["ready"].as_u64(),
        Some(sum(&|s| s["ready"].as_u64()))
    );
    assert_eq!(
        merged["latencyUs"]["count"].as_u64(),
        Some(sum(&|s| s["latencyUs"]["count"].as_u64())),
        "the merged histogram holds every shard's samples"
    );
    assert!(merged["delivered"].as_u64() > Some(0), "{merged}");
    let rates: f64 = shards
        .iter()
        .filter_map(|s| s["deliveredPerSec"].as_f64())
        .sum();
    let rate = merged["deliveredPerSec"].as_f64().unwrap_or(-1.0);
    assert!(
        (rate - rates).abs() <= 1e-6 * rates.max(1.0),
        "{rate} vs {rates}"
    );
    // Percentiles of the merged histogram, not an average of the shards' percentiles.
    let mut together = latency_histogram();
    for path in &files {
        let shard = hdr_file::read(Path::new(path)).expect("a shard file");
        together.add(&shard.latency).expect("same range");
    }
    for (field, quantile) in [("p50", 0.5), ("p99", 0.99), ("p999", 0.999)] {
        assert_eq!(
            merged["latencyUs"][field].as_u64(),
            Some(together.value_at_quantile(quantile)),
            "{field}"
        );
    }
    assert_eq!(merged["latencyUs"]["max"].as_u64(), Some(together.max()));
}

#[test]
fn merging_an_incomplete_or_mixed_set_of_shards_is_an_error_naming_the_file() {
    let served = serve(&["--stamp", "--speed", "3600", "--seed", "11"]);
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (first, second) = (path("a.hlog"), path("b.hlog"));
    let children: Vec<_> = [(&first, "0/2"), (&second, "1/2")]
        .into_iter()
        .map(|(file, shard)| {
            start_load(&[
                "--target",
                target(&served),
                "--clients",
                "2",
                "--duration",
                "500ms",
                "--shard",
                shard,
                "--hdr-out",
                file,
                "--run-id",
                "one",
            ])
        })
        .collect();
    for child in children {
        let out = finish(child);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            text(&out.stderr)
        );
    }
    let other = path("other.hlog");
    let renamed = std::fs::read_to_string(&second)
        .expect("shard file")
        .replace(r#""runId":"one""#, r#""runId":"two""#);
    std::fs::write(&other, renamed).expect("write");

    let missing = load(&["merge", &first]);
    let mixed = load(&["merge", &first, &other]);
    let twice = load(&["merge", &first, &first, &second]);
    let strict = load(&["merge", &first, &second, "--min-rate", "1e12"]);

    let err = text(&missing.stderr);
    assert_eq!(missing.status.code(), Some(2), "{err}");
    assert!(
        err.contains("shards 1 of 2 missing") && err.contains(&first),
        "{err}"
    );
    let err = text(&mixed.stderr);
    assert_eq!(mixed.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{other}: run id `two` but {first} has `one`")),
        "{err}"
    );
    let err = text(&twice.stderr);
    assert_eq!(twice.status.code(), Some(2), "{err}");
    assert!(err.contains("shard 0/2 again"), "{err}");
    assert_eq!(
        strict.status.code(),
        Some(1),
        "thresholds apply to a merge: {}",
        text(&strict.stdout)
    );
    assert!(
        text(&strict.stdout).contains("FAILED:      delivered"),
        "{}",
        text(&strict.stdout)
    );
}
