//! `record --audit` on a capture of a server that differs from our description:
//! it renames a property of `hangup` and sends a type we do not know.

use serde_json::Value;

use crate::common::{arg, run, stderr, within};
use crate::fake::{Fake, Script, Step};
use crate::recording::odd_frames;

fn finding<'a>(audit: &'a Value, verdict: &str, subject: &str) -> Option<&'a Value> {
    audit["findings"]
        .as_array()?
        .iter()
        .find(|f| f["verdict"] == verdict && f["subject"] == subject)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_property_and_an_unknown_type_are_both_reported_with_their_tags() {
    let frames = odd_frames();
    let fake = Fake::start(Script {
        connections: vec![frames[..4].iter().cloned().map(Step::Send).collect()],
        live: Default::default(),
        username: "manager".into(),
        password: "manag3rpa55word".into(),
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("renamed.jsonl");
    let recorded = within(
        "record",
        run([
            "record",
            "--target",
            &fake.url(),
            "--no-live",
            "--duration",
            "1s",
            "--out",
            &arg(&out),
        ]
        .map(String::from)
        .to_vec()),
    )
    .await;
    assert!(recorded.status.success(), "{}", stderr(&recorded));

    let output = within(
        "audit",
        run(vec![
            "record".into(),
            "--audit".into(),
            arg(&out),
            "--json".into(),
        ]),
    )
    .await;

    assert_eq!(
        output.status.code(),
        Some(1),
        "contradictions exit 1: {}",
        stderr(&output)
    );
    let audit: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let unknown = finding(&audit, "new", "type parkedCall").expect("the unknown type");
    assert_eq!(unknown["statement"]["id"], "event-types");
    assert_eq!(unknown["statement"]["tag"], "documented");
    assert!(
        unknown["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("parker, slot"),
        "{unknown}"
    );
    let missing =
        finding(&audit, "contradicts", "hangup.callerIdName").expect("the missing property");
    assert_eq!(missing["statement"]["id"], "properties");
    assert_eq!(missing["firstLine"], 4);
    let renamed =
        finding(&audit, "new", "hangup.callerName").expect("the property it was renamed to");
    assert_eq!(renamed["count"], 1);
    assert!(
        finding(&audit, "confirms", "userLogin").is_some(),
        "the exact login confirms the catalogue"
    );

    let text = within(
        "audit",
        run(vec!["record".into(), "--audit".into(), arg(&out)]),
    )
    .await;
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("CONTRADICTS hangup.callerIdName"), "{text}");
    assert!(text.contains("NEW type parkedCall"), "{text}");
    assert!(text.contains("[documented, docs/protocol.md §4]"), "{text}");
}
