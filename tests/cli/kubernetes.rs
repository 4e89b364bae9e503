//! The pod scripts of deploy/kubernetes/load-job.yaml, run as written with `sh`
//! against a local `serve`: three shard pods (JOB_COMPLETION_INDEX 0, 1, 2) and
//! the merge pod. This checks the commands and their shell, not the manifests:
//! no cluster is involved.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use crate::{BIN, serve};

const MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/deploy/kubernetes/load-job.yaml"
);

/// The `args: - |` block scripts of the manifest, in order, dedented.
fn pod_scripts(manifest: &str) -> Vec<String> {
    let lines: Vec<&str> = manifest.lines().collect();
    let mut scripts = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        if line.trim() != "- |" || !lines[at.saturating_sub(1)].trim().starts_with("args:") {
            continue;
        }
        let indent = |l: &str| l.len() - l.trim_start().len();
        let body: Vec<&str> = lines[at + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || indent(l) > indent(line))
            .copied()
            .collect();
        let depth = body.first().map_or(0, |l| indent(l));
        scripts.push(
            body.iter()
                .map(|l| l.get(depth..).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    scripts
}

/// The ConfigMap's `data`, as `KEY: value` lines.
fn config_map(manifest: &str) -> BTreeMap<String, String> {
    manifest
        .lines()
        .skip_while(|l| l.trim() != "data:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let (key, value) = l.trim().split_once(": ")?;
            Some((key.to_string(), value.trim_matches('"').to_string()))
        })
        .collect()
}

fn run_pod(script: &str, results: &Path, env: &BTreeMap<String, String>) -> Output {
    // The pods mount the shared volume at /results; here it is a temporary folder.
    let script = script.replace("/results", &results.display().to_string());
    let bin_dir = Path::new(BIN).parent().expect("the binary's folder");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .args(["-c", &script])
        .envs(env)
        .env("PATH", path)
        .output()
        .expect("run sh")
}

#[test]
fn the_manifests_pod_scripts_shard_and_merge_a_run_as_written() {
    let manifest = std::fs::read_to_string(MANIFEST).expect("the manifest");
    let scripts = pod_scripts(&manifest);
    let mut env = config_map(&manifest);
    assert_eq!(scripts.len(), 2, "a shard pod and a merge pod: {scripts:?}");
    assert_eq!(env.get("SHARDS").map(String::as_str), Some("3"), "{env:?}");
    assert!(
        manifest.contains("completions: 3 # = SHARDS")
            && manifest.contains("parallelism: 3 # = SHARDS")
    );
    let served = serve(&["--stamp", "--speed", "3600", "--seed", "3"]);
    let results = tempfile::tempdir().expect("temporary directory");
    // Small and short here; the manifest's figures are for a cluster.
    for (key, value) in [
        ("TARGET", served.url.as_str()),
        ("CLIENTS", "5"),
        ("WARMUP", "0s"),
        ("DURATION", "1s"),
    ] {
        env.insert(key.to_string(), value.to_string());
    }

    let shards: Vec<_> = (0..3)
        .map(|i| {
            let mut env = env.clone();
            env.insert("JOB_COMPLETION_INDEX".into(), i.to_string());
            let (script, results, env) = (scripts[0].clone(), results.path().to_path_buf(), env);
            std::thread::spawn(move || run_pod(&script, &results, &env))
        })
        .collect();
    for shard in shards {
        let out = shard.join().expect("shard pod");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let merged = run_pod(&scripts[1], results.path(), &env);

    let report = String::from_utf8_lossy(&merged.stdout);
    assert!(
        merged.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert!(
        report.contains("shards:      all 3 of run `run-1`"),
        "{report}"
    );
    assert!(report.contains("clients:     5 measured"), "{report}");
}
