//! A widget's page on another origin, as a CRM or wallboard developer has it:
//! it opens the Event API with the documentation's URL form
//! (`ws://manager:manag3rpa55word@host/...`) and reads the Live API with
//! `fetch()`. The page writes what happens into its own DOM, one line each.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt as _;
use isymphony_sim::protocol::filter::reference;
use isymphony_sim::server::{CorsOrigin, CorsPolicy, ServerConfig};
use serde_json::{Map, Value, json};

use crate::cdp::{Browser, Page};
use crate::sim::{PageHost, Sim, finish, wallboard};

/// A page that logs into `<ol id="log">`, one `<li>` per line, running `script`.
fn page_with(script: &str) -> String {
    format!(
        r#"<!doctype html><meta charset="utf-8"><title>widget</title><ol id="log"></ol>
<script>
const log = (line) => {{ const li = document.createElement("li"); li.textContent = line; document.getElementById("log").append(li); }};
{script}
</script>"#
    )
}

/// The page's log lines.
async fn log_lines(page: &mut Page<'_>) -> Vec<String> {
    let lines = page
        .eval("Array.from(document.querySelectorAll('#log li')).map(li => li.textContent)")
        .await;
    serde_json::from_value(lines).expect("a list of lines")
}

const FILTERS: &str = r#"[{"property":"type","value":"userLogin"},{"property":"type","value":"userStatus"},{"property":"username","value":"alice"},{"property":"username","value":"bob"}]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_origin_opens_the_event_api_with_url_credentials_and_filters() {
    let host = PageHost::bind().await;
    let sim = Sim::start(ServerConfig::default(), wallboard()).await;
    let mut reference_client = sim.client("[]").await;
    let script = format!(
        r#"const ws = new WebSocket("ws://manager:manag3rpa55word@{addr}/communication_manager/ws/event");
ws.onopen = () => {{ log("open"); ws.send(JSON.stringify({{type: "filter", filters: {FILTERS}}})); }};
ws.onmessage = (m) => log("message " + m.data);
ws.onclose = (c) => log("close " + c.code);
ws.onerror = () => log("error");
// A later socket without credentials in its URL: the browser has them cached.
function later() {{
  const again = new WebSocket("ws://{addr}/communication_manager/ws/event");
  again.onopen = () => {{ document.title = "later open"; again.close(); }};
  again.onerror = () => {{ document.title = "later failed"; }};
}}"#,
        addr = sim.addr
    );
    let (url, _host) = host.serve(page_with(&script));
    let mut browser = Browser::launch().await;
    let mut page = browser.new_page().await;

    let outcome = AssertUnwindSafe(async {
        page.goto(&url).await;
        page.wait_for(
            "Array.from(document.querySelectorAll('#log li')).some(li => li.textContent.startsWith('message {\"type\":\"filterResponse\"'))",
            "the filter reply",
        )
        .await;
        let admitted = sim.stats.snapshot();
        sim.step_to(20_000).await; // logins, statuses and agent logins
        let everything = reference_client.window("[]").await;
        let rules: Vec<(String, Value)> = serde_json::from_str::<Vec<Map<String, Value>>>(FILTERS)
            .expect("filters")
            .into_iter()
            .map(|rule| (rule["property"].as_str().expect("property").to_string(), rule["value"].clone()))
            .collect();
        let expected: Vec<Value> = everything
            .into_iter()
            .filter(|event| event.as_object().is_some_and(|e| reference::admits(&rules, e)))
            .collect();
        page.wait_for(
            &format!(
                "document.querySelectorAll('#log li').length >= {}",
                expected.len() + 2
            ),
            "the matching events",
        )
        .await;
        let lines = log_lines(&mut page).await;
        page.eval("later(); true").await;
        let later = page
            .wait_for("document.title.startsWith('later') && document.title", "the later socket")
            .await;

        assert_eq!(later, "later open", "cached credentials open a later socket");
        assert_eq!(lines[0], "open", "{lines:#?}");
        let reply: Value = serde_json::from_str(lines[1].strip_prefix("message ").expect("a message"))
            .expect("JSON");
        assert_eq!(reply, json!({"type": "filterResponse", "success": true}));
        let received: Vec<Value> = lines[2..]
            .iter()
            .map(|line| serde_json::from_str(line.strip_prefix("message ").expect("a message")).expect("JSON"))
            .collect();
        assert_eq!(expected.len(), 4, "two logins and two statuses: {expected:#?}");
        assert_eq!(received, expected);
        // The browser asked without credentials, got the 401 and asked again:
        // a challenge, neither a refusal nor a warning.
        assert!(admitted.challenges >= 1, "{admitted:?}");
        assert_eq!((admitted.refused_no_credentials, admitted.challenges_held), (0, 0));
        let after = sim.stats.snapshot();
        assert_eq!(after.refused_no_credentials, 0, "{after:?}");
        assert_eq!(after.connections_total, 3, "ours, the page's and the later one");
    })
    .catch_unwind()
    .await;
    finish("websocket_from_another_origin", &mut page, outcome).await;
    drop(browser);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_with_credentials_reads_the_live_api_under_cors_origin_and_is_refused_without() {
    let host = PageHost::bind().await;
    let origin: CorsOrigin = host.origin().parse().expect("an origin");
    let open = Sim::start(
        ServerConfig::default().with_cors(CorsPolicy::new(vec![origin])),
        wallboard(),
    )
    .await;
    let closed = Sim::start(ServerConfig::default(), wallboard()).await;
    let users = "/communication_manager/rest/live/coreServers/getByName/default/users";
    let script = format!(
        r#"const auth = {{ Authorization: "Basic " + btoa("manager:manag3rpa55word") }};
async function probe(name, url, init) {{
  try {{
    const response = await fetch(url, Object.assign({{ credentials: "include" }}, init));
    log(name + " " + response.status + " " + (await response.text()));
  }} catch (err) {{
    log(name + " failed " + err.name);
  }}
}}
(async () => {{
  await probe("open-users", "http://{open}{users}", {{ headers: auth }});
  await probe("open-step", "http://{open}/sim/step", {{ method: "POST", headers: Object.assign({{ "Content-Type": "application/json" }}, auth), body: "{{}}" }});
  await probe("closed-users", "http://{closed}{users}", {{ headers: auth }});
  await probe("closed-step", "http://{closed}/sim/step", {{ method: "POST", headers: Object.assign({{ "Content-Type": "application/json" }}, auth), body: "{{}}" }});
  log("done");
}})();"#,
        open = open.addr,
        closed = closed.addr
    );
    let (url, _host) = host.serve(page_with(&script));
    let mut browser = Browser::launch().await;
    let mut page = browser.new_page().await;

    let outcome = AssertUnwindSafe(async {
        page.goto(&url).await;
        page.wait_for(
            "Array.from(document.querySelectorAll('#log li')).some(li => li.textContent === 'done')",
            "the probes",
        )
        .await;
        let lines = log_lines(&mut page).await;
        let line = |name: &str| {
            lines
                .iter()
                .find_map(|l| l.strip_prefix(&format!("{name} ")))
                .unwrap_or_else(|| panic!("no {name} line in {lines:#?}"))
                .to_string()
        };

        let read = line("open-users");
        let (status, body) = read.split_once(' ').expect("status and body");
        let listed: Value = serde_json::from_str(body).expect("JSON users");
        assert_eq!(status, "200", "{read}");
        let names: Vec<&str> = listed
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|u| u["userName"].as_str())
            .collect();
        assert_eq!(names, ["alice", "bob", "carol", "dave", "erin"]);
        assert!(line("open-step").starts_with("200 {\"virtualMs\":"), "{lines:#?}");
        assert_eq!(line("closed-users"), "failed TypeError");
        assert_eq!(line("closed-step"), "failed TypeError");
        let (open_counts, closed_counts) = (open.stats.snapshot(), closed.stats.snapshot());
        assert_eq!(open_counts.cors_preflights, 2, "{open_counts:?}");
        assert_eq!(closed_counts.refused_cors_preflights, 2, "{closed_counts:?}");
        let (_, status) = closed.request("GET", "/sim/status", "").await;
        assert!(status.contains("\"virtualMs\":0"), "the refused step never ran: {status}");
    })
    .catch_unwind()
    .await;
    finish("fetch_under_cors", &mut page, outcome).await;
    drop(browser);
    open.stop().await;
    closed.stop().await;
}
