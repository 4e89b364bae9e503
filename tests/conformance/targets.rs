//! `conform --target` against our own `serve` as people run it: over TLS
//! (self-signed with --insecure, a private CA with --ca), with `--stamp`, from a
//! directory with no suite in it, and with what it played put back afterwards;
//! plus `--export-suite` and an unreachable target.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use isymphony_sim::conformance::differential::{DifferentialOptions, run_differential};
use isymphony_sim::conformance::replay::{ReplayOptions, control_api_status};
use isymphony_sim::server::Credentials;

use crate::in_process::reference_suite;

const BIN: &str = env!("CARGO_BIN_EXE_isymphony-sim");

/// `serve` on free ports, paused; killed when dropped.
struct Served {
    child: Child,
    /// The plain Event API URL.
    url: String,
    /// The TLS one, with `--tls`.
    tls_url: Option<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str]) -> Served {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--paused",
            "--listen",
            "127.0.0.1:0",
            "--log",
            "warn",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut url = None;
    let mut tls_url = None;
    let tls = extra.contains(&"--tls");
    // The banner names the plain URL first, the TLS one a few lines later.
    for line in lines.by_ref() {
        let line = line.expect("banner line");
        for word in line.split_whitespace() {
            if word.starts_with("ws://") && url.is_none() {
                url = Some(word.to_string());
            }
            if word.starts_with("wss://") {
                tls_url = Some(word.to_string());
            }
        }
        if url.is_some() && (!tls || tls_url.is_some()) {
            break;
        }
    }
    // Keep reading so that serve never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Served {
        child,
        url: url.expect("a ws:// URL in the banner"),
        tls_url,
    }
}

fn conform(dir: Option<&Path>, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.arg("conform").args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command.output().expect("run conform")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn serve_tls_with_a_self_signed_certificate_is_checked_over_wss_with_insecure() {
    let served = serve(&["--tls", "--tls-listen", "127.0.0.1:0"]);
    let url = served.tls_url.clone().expect("a wss:// URL in the banner");
    let cases = ["--case", "type_single", "--case", "wildcard"];

    let insecure = conform(
        None,
        &[&["--target", url.as_str(), "--insecure"][..], &cases].concat(),
    );
    let checked = conform(None, &[&["--target", url.as_str()][..], &cases].concat());

    assert_eq!(insecure.status.code(), Some(0), "{}", text(&insecure));
    assert!(
        text(&insecure).contains("replay mode"),
        "{}",
        text(&insecure)
    );
    assert!(
        text(&insecure).contains("certificate NOT verified (--insecure)"),
        "{}",
        text(&insecure)
    );
    // Without --insecure, the self-signed certificate is refused, and the error says what to do.
    assert_eq!(checked.status.code(), Some(2), "{}", text(&checked));
    assert!(text(&checked).contains("--insecure"), "{}", text(&checked));
}

/// PEM text of DER bytes (this build of rcgen has no PEM output).
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in encoded.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[test]
fn serve_tls_with_a_certificate_of_a_private_ca_is_checked_with_ca() {
    // Arrange: a CA, and a certificate for 127.0.0.1 signed by it.
    let dir = tempfile::tempdir().expect("temp dir");
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    let cert = params.signed_by(&key, &issuer).expect("certificate");
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    std::fs::write(path("ca.pem"), pem("CERTIFICATE", ca_cert.der())).expect("write");
    std::fs::write(path("cert.pem"), pem("CERTIFICATE", cert.der())).expect("write");
    std::fs::write(path("key.pem"), pem("PRIVATE KEY", &key.serialize_der())).expect("write");
    let served = serve(&[
        "--tls",
        "--tls-listen",
        "127.0.0.1:0",
        "--cert",
        &path("cert.pem"),
        "--key",
        &path("key.pem"),
    ]);
    let url = served.tls_url.clone().expect("a wss:// URL in the banner");

    // Act
    let out = conform(
        None,
        &[
            "--target",
            &url,
            "--ca",
            &path("ca.pem"),
            "--case",
            "type_single",
        ],
    );

    // Assert
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("verified against --ca"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stamp_passes_every_case_from_any_directory_and_gets_its_scenario_back() {
    // Arrange: serve plays office with --stamp; conform runs from an empty directory.
    let served = serve(&["--stamp", "--seed", "99"]);
    let empty = tempfile::tempdir().expect("temp dir");
    let url = served.url.clone();
    let dir = empty.path().to_path_buf();

    // Act
    let out = tokio::task::spawn_blocking(move || conform(Some(&dir), &["--target", &url]))
        .await
        .expect("conform ran");
    let options = ReplayOptions {
        url: served.url.clone(),
        credentials: Credentials::default(),
        patience: std::time::Duration::from_secs(10),
        tls: Default::default(),
    };
    let after = control_api_status(&options).await.expect("status");

    // Assert
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("24 passed, 0 differ from our defaults, 0 failed"),
        "{shown}"
    );
    assert!(shown.contains("extra fields seen"), "{shown}");
    assert!(
        shown.contains("simSentUs") && shown.contains("simSeq"),
        "{shown}"
    );
    assert!(
        shown.contains("restored: the server plays `office` again (seed 99"),
        "{shown}"
    );
    assert_eq!(after["scenario"], "office");
    assert_eq!(after["seed"], 99);
    assert_eq!(after["paused"], true);
}

#[test]
fn the_built_in_suite_runs_from_any_directory_and_exports_for_editing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let exported = dir.path().join("suite");
    let exported_arg = exported.to_str().expect("utf-8");

    let built_in = conform(Some(dir.path()), &[]);
    let export = conform(Some(dir.path()), &["--export-suite", exported_arg]);
    let again = conform(Some(dir.path()), &["--export-suite", exported_arg]);
    let own = conform(
        Some(dir.path()),
        &["--suite", exported_arg, "--case", "wildcard"],
    );

    assert_eq!(built_in.status.code(), Some(0), "{}", text(&built_in));
    assert!(
        text(&built_in).contains("from built-in"),
        "{}",
        text(&built_in)
    );
    assert_eq!(export.status.code(), Some(0), "{}", text(&export));
    assert!(exported.join("snapshots/wildcard.snap").is_file());
    assert_eq!(
        again.status.code(),
        Some(2),
        "nothing is overwritten: {}",
        text(&again)
    );
    assert_eq!(own.status.code(), Some(0), "{}", text(&own));
    // The exact name runs that case alone, not wildcard_with_value too.
    assert!(text(&own).contains("1 passed"), "{}", text(&own));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_is_a_harness_error() {
    // Arrange: a port that was free a moment ago and has no listener now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let options = DifferentialOptions {
        url: format!("ws://{addr}/communication_manager/ws/event"),
        credentials: Credentials::default(),
        window: std::time::Duration::from_millis(1),
        edge: std::time::Duration::from_millis(1),
        reply_timeout: std::time::Duration::from_secs(1),
        tls: Default::default(),
        seed: 1,
        rerun_flags: String::new(),
    };
    // Act
    let report = run_differential(&reference_suite(), &options).await;
    // Assert
    assert_eq!(report.exit_code(), 2);
}
