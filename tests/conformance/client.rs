//! Client mode: the runner serves a case to a client under test. The client here is
//! this test binary itself, re-run as a child process with only the ignored
//! `example_client` test selected, so it builds with cargo and needs no network.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::conformance::client::{ClientOptions, run_client_case};
use isymphony_sim::conformance::run::judge;
use isymphony_sim::conformance::{Case, Verdict};
use isymphony_sim::server::Credentials;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::in_process::{reference_suite, snapshot_options};

/// Messages the example client sends, one per line, each after the previous reply.
const SEND_VAR: &str = "EXAMPLE_CLIENT_SEND";

/// Not a test: the client under test when the runner starts this binary with
/// `ISYM_URL` set. It sends its messages, then reads until the server closes.
#[test]
#[ignore = "run as the client under test by the client-mode tests"]
fn example_client() {
    let Ok(url) = std::env::var("ISYM_URL") else {
        return;
    };
    let username = std::env::var("ISYM_USERNAME").unwrap_or_default();
    let password = std::env::var("ISYM_PASSWORD").unwrap_or_default();
    let messages = std::env::var(SEND_VAR).unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let mut request = url.into_client_request().expect("ISYM_URL is a URL");
        let header = Credentials::new(username, password).basic_header();
        request
            .headers_mut()
            .insert("authorization", header.parse().expect("header"));
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("connect");
        for message in messages.lines().filter(|m| !m.is_empty()) {
            socket.send(Message::text(message)).await.expect("send");
            while let Some(Ok(frame)) = socket.next().await {
                if frame.to_text().is_ok_and(|t| t.contains("filterResponse")) {
                    break;
                }
            }
        }
        while let Some(Ok(_)) = socket.next().await {}
    });
}

fn case(name: &str) -> Case {
    reference_suite()
        .cases
        .into_iter()
        .find(|c| c.name == name)
        .expect("reference case")
}

/// `--client` for this binary as the example client sending `messages`.
fn client_command(messages: &[&str]) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    format!(
        "{SEND_VAR}='{}' '{}' --exact client::example_client --ignored --quiet --test-threads 1",
        messages.join("\n"),
        exe.display()
    )
}

async fn serve_case_to(
    messages: &[&str],
    case_name: &str,
) -> isymphony_sim::conformance::CaseOutcome {
    let options = ClientOptions {
        command: client_command(messages),
        credentials: Credentials::default(),
        patience: Duration::from_secs(20),
    };
    let case = case(case_name);
    let recorded = run_client_case(&case, &options).await;
    judge(&case, recorded, &snapshot_options())
}

const HANGUPS: &str = r#"{"type":"filter","filters":[{"property":"type","value":"hangup"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conforming_client_gets_the_in_process_transcript() {
    let outcome = serve_case_to(&[HANGUPS], "type_single").await;
    assert_eq!(
        outcome.verdict,
        Verdict::Pass,
        "{:?} {:?}",
        outcome.reasons,
        outcome.notes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_with_the_wrong_filter_fails_and_its_filters_are_linted() {
    // Arrange: a duplicate entry and a property no event has.
    let sloppy = r#"{"type":"filter","filters":[{"property":"type","value":"hangup"},{"property":"type","value":"hangup"},{"property":"usrname","value":"alice"}]}"#;
    // Act
    let outcome = serve_case_to(&[sloppy], "type_single").await;
    // Assert
    assert_eq!(outcome.verdict, Verdict::Fail);
    assert!(outcome.diff().is_some());
    let notes = outcome.notes.join("\n");
    assert!(notes.contains("duplicate filter entry"), "{notes}");
    assert!(notes.contains("\"usrname\" appears in no event"), "{notes}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_the_documented_invalid_form_fails_with_a_lint_note() {
    let documented =
        r#"{ "type" : "filter", "filters" : [ {"property" : "type" : "value" : "hangup"} ] }"#;
    let outcome = serve_case_to(&[documented], "type_single").await;
    assert_eq!(outcome.verdict, Verdict::Fail);
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains("documentation's invalid form")),
        "{:?}",
        outcome.notes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_connects_fails() {
    let options = ClientOptions {
        command: "true".to_string(),
        credentials: Credentials::default(),
        patience: Duration::from_millis(300),
    };
    let case = case("type_single");
    let outcome = judge(
        &case,
        run_client_case(&case, &options).await,
        &snapshot_options(),
    );
    assert_ne!(outcome.verdict, Verdict::Pass);
    let found: Vec<&str> = outcome.findings.iter().map(|f| f.detail.as_str()).collect();
    assert!(found.join(" ").contains("did not connect"), "{found:?}");
}
