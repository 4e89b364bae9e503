//! Damaged captures: cut off mid-line, or with garbage lines. Everything before
//! the damage is replayed, the line is named, and nothing panics.

use isymphony_sim::record::Capture;

use crate::common::{arg, run, stderr, within};

/// A capture of `frames`, 10 ms apart, as `record` writes it.
pub fn capture_bytes(frames: &[&str]) -> Vec<u8> {
    let timed: Vec<(u64, &str)> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| (10 * i as u64, *f))
        .collect();
    crate::common::capture_with(&timed, None)
}

fn frames() -> Vec<String> {
    (0..5)
        .map(|i| format!(r#"{{"type":"parkedCall","time":{i},"slot":"70{i}"}}"#))
        .collect()
}

async fn replay(bytes: &[u8]) -> (Vec<String>, String, Option<i32>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("damaged.jsonl");
    std::fs::write(&path, bytes).expect("write");
    let output = within(
        "play --replay",
        run(vec!["play".into(), "--replay".into(), arg(&path)]),
    )
    .await;
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (lines, stderr(&output), output.status.code())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_cut_off_mid_line_replays_what_came_before_and_names_the_line() {
    let frames = frames();
    let all: Vec<&str> = frames.iter().map(String::as_str).collect();
    let whole = capture_bytes(&all);
    let cut = &whole[..whole.len() - 20];

    let (printed, message, code) = replay(cut).await;

    assert_eq!(printed, frames[..4].to_vec());
    assert!(
        message.contains("line 6") && message.contains("cut off"),
        "{message}"
    );
    assert_eq!(code, Some(1), "a damaged capture is a failure found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_lines_stop_the_replay_there_and_are_named() {
    let frames = frames();
    let all: Vec<&str> = frames.iter().map(String::as_str).collect();
    let whole = String::from_utf8(capture_bytes(&all)).expect("text");
    let mut lines: Vec<&str> = whole.lines().collect();
    lines.insert(3, "%%% not a capture line %%%");
    let damaged = lines.join("\n") + "\n";

    let (printed, message, code) = replay(damaged.as_bytes()).await;

    assert_eq!(printed, frames[..2].to_vec());
    assert!(
        message.contains("line 4") && message.contains("not JSON"),
        "{message}"
    );
    assert_eq!(code, Some(1));
}

#[test]
fn no_cut_and_no_flipped_byte_makes_the_reader_panic() {
    let frames = frames();
    let all: Vec<&str> = frames.iter().map(String::as_str).collect();
    let whole = capture_bytes(&all);
    let mut previous = 0;
    for end in 0..=whole.len() {
        match Capture::parse(&whole[..end], "cut") {
            Ok(capture) => {
                let n = capture.frames().count();
                assert!(n >= previous, "a longer prefix never gives fewer frames");
                previous = n;
            }
            Err(err) => assert!(err.to_string().starts_with("cut:1:"), "{err}"),
        }
    }
    assert_eq!(previous, 5);
    for at in 0..whole.len() {
        let mut flipped = whole.clone();
        flipped[at] ^= 0x5a;
        let _ = Capture::parse(&flipped, "flipped");
    }
}
