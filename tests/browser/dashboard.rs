//! `/sim/ui` in a real browser: the page opened with the URL-credential form,
//! the PBX and the clients checked in the DOM after a scripted `/sim/step`
//! sequence, and the filter box against `play --filter`.
//!
//! The screenshot in the README is made here: `target/tmp/browser/dashboard.png`
//! on every run, and `docs/dashboard.png` too when `ISYM_UPDATE_SCREENSHOT=1`.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::process::Command;

use futures_util::FutureExt as _;
use isymphony_sim::server::ServerConfig;
use serde_json::Value;

use crate::cdp::{Browser, Page};
use crate::sim::{EPOCH, Sim, finish, shipped_player, wallboard};

/// Opens the dashboard as a person would: the credentials in the URL.
async fn open_dashboard(page: &mut Page<'_>, sim: &Sim) {
    page.goto(&format!(
        "http://manager:manag3rpa55word@{}/sim/ui",
        sim.addr
    ))
    .await;
    page.wait_for(
        "document.getElementById('link').dataset.state === 'live'",
        "the dashboard's stream to open",
    )
    .await;
}

/// The text of every element matching `selector`, in document order.
async fn texts(page: &mut Page<'_>, selector: &str) -> Vec<String> {
    let found = page
        .eval(&format!(
            "Array.from(document.querySelectorAll({selector:?})).map(e => e.textContent)"
        ))
        .await;
    serde_json::from_value(found).expect("a list of texts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_users_queue_callers_and_a_clients_filter_after_steps() {
    let sim = Sim::start(ServerConfig::default(), wallboard()).await;
    let _client = sim
        .client(r#"[{"property":"type","value":"userStatus"},{"property":"type","value":"agentLogin"},{"property":"username","value":"alice"}]"#)
        .await;
    let mut browser = Browser::launch().await;
    let mut page = browser.new_page().await;

    let outcome = AssertUnwindSafe(async {
        open_dashboard(&mut page, &sim).await;
        sim.step_to(75_000).await; // to 1m15s, the last step before 5m: see wallboard.toml
        page.wait_for(
            "document.querySelectorAll('#queues .queue[data-key=support] .waiting li').length === 2 \
             && document.querySelectorAll('#rooms .room[data-key=standup] li').length === 2",
            "the support queue's callers and the stand-up room",
        )
        .await;

        let statuses = texts(&mut page, "#users tbody tr .badge").await;
        assert_eq!(statuses, ["On the phones", "Lunch", "Focus time", "Chat only"]);
        let classes = page
            .eval("Array.from(document.querySelectorAll('#users tbody tr .badge')).map(b => b.className)")
            .await;
        assert_eq!(
            classes,
            serde_json::json!(["badge st-available", "badge st-away", "badge st-dnd", "badge st-chat"])
        );
        assert_eq!(texts(&mut page, "#users tr[data-key=bob] td:nth-child(4)").await, ["back soon"]);
        assert_eq!(
            texts(&mut page, "#users tr[data-key=bob] td:nth-child(5)").await,
            ["22:43"],
            "the return time: epoch + 11 s + 30 min, UTC, to the minute"
        );
        assert_eq!(texts(&mut page, "#users tr[data-key=erin] td:nth-child(2)").await, ["out"]);

        let waiting = texts(&mut page, "#queues .queue[data-key=support] .waiting li").await;
        assert!(waiting[0].starts_with("Globex <5550456> · waiting 0:30"), "{waiting:?}");
        assert!(waiting[1].starts_with("Initech <5550789> · waiting 0:20"), "{waiting:?}");
        assert_eq!(
            texts(&mut page, "#queues .queue[data-key=support] .longest").await,
            ["2 waiting, longest 0:30"]
        );
        let carol = texts(&mut page, "#queues .queue[data-key=support] tr[data-key='1003'] td").await;
        assert_eq!(carol, ["1003", "Carol Cole", "in", "paused", "0"]);
        let bob = texts(&mut page, "#queues .queue[data-key=support] tr[data-key='1002'] td").await;
        assert_eq!(bob, ["1002", "Bob Brown", "in", "", "2"]);

        let alice = texts(&mut page, "#extensions tr[data-key='1001'] td").await;
        assert_eq!(alice[2..], ["on hold", "ACME Corp <5550123>", "0:35"], "held at 40 s");
        let bob_rings = texts(&mut page, "#extensions tr[data-key='1002'] td").await;
        assert_eq!(bob_rings[2..], ["ringing", "Dave Dunn <1004>", "0:15"]);

        let filter = texts(&mut page, "#clients tr[data-key='1'] .filter-group").await;
        assert_eq!(filter, ["type agentLoginuserStatus", "username alice"]);
        let tags = texts(&mut page, "#clients tr[data-key='1'] .filter-group[data-property=type] .tag").await;
        assert_eq!(tags, ["agentLogin", "userStatus"]);

        // A second client, closed with the page's Close button: the roster says
        // how it ended.
        let mut doomed = sim.client("[]").await;
        page.wait_for(
            "document.querySelector('#fault-client option[value=\"2\"]')",
            "client 2 among the fault targets",
        )
        .await;
        page.eval(
            "document.getElementById('fault-client').value = '2'; \
             document.querySelector('[data-fault=close]').click(); true",
        )
        .await;
        let answered = page
            .wait_for(
                "document.getElementById('control-result').className === 'result ok' && document.getElementById('control-result').textContent",
                "the Close button's answer",
            )
            .await;
        assert_eq!(
            answered,
            "POST /sim/fault: 200 OK\n{\"kind\":\"close\",\"clients\":[2]}"
        );
        doomed.until_close().await;
        let ending = page
            .wait_for(
                "document.querySelector('#departed tr[data-key=\"2\"] td:nth-child(3)')?.textContent",
                "the closed client among those that ended",
            )
            .await;
        assert_eq!(ending, r#"closed by a fault (4000 "test")"#);
        // A Live API request shows in the journal's latest.
        let users = "/communication_manager/rest/live/coreServers/getByName/default/users";
        assert_eq!(sim.request("GET", users, "").await.0, 200);
        let journaled = page
            .wait_for(
                "Array.from(document.querySelectorAll('#requests tbody tr[data-key] td')).map(td => td.textContent).join('|')",
                "the request in the journal",
            )
            .await;
        assert_eq!(journaled, format!("22:14:35|GET {users}|200"));
        page.eval("document.querySelector('#events .event .sum').click(); true").await;
        let opened = texts(&mut page, "#events .event.open .raw").await;
        assert_eq!(opened.len(), 1);
        assert!(opened[0].starts_with(r#"{"type":"agentLogin""#), "{opened:?}");

        let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser").join("dashboard.png");
        page.screenshot(&shot).await;
        if std::env::var_os("ISYM_UPDATE_SCREENSHOT").is_some_and(|v| v == "1") {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join("dashboard.png");
            std::fs::copy(&shot, &docs).expect("docs/dashboard.png written");
        }
    })
    .catch_unwind()
    .await;
    finish("dashboard_after_steps", &mut page, outcome).await;
    drop(browser);
    sim.stop().await;
}

/// The filter the box and `play` are given: hangups and status changes of anyone.
const FILTER: &str = r#"{"type":"filter","filters":[{"property":"type","value":"hangup"},{"property":"type","value":"userStatus"},{"property":"username","value":"*"}]}"#;

/// What `isymphony-sim play --filter` prints for smoke, seed 7, from [`EPOCH`].
fn played() -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_isymphony-sim"))
        .args([
            "play",
            "--scenario",
            "smoke",
            "--seed",
            "7",
            "--epoch",
            &EPOCH.to_string(),
            "--filter",
            FILTER,
        ])
        .output()
        .expect("isymphony-sim play runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filter_box_shows_exactly_what_play_filter_gives() {
    let sim = Sim::start(ServerConfig::default(), shipped_player("smoke", 7)).await;
    let expected = played();
    let mut browser = Browser::launch().await;
    let mut page = browser.new_page().await;

    let outcome = AssertUnwindSafe(async {
        open_dashboard(&mut page, &sim).await;
        page.eval(&format!(
            "document.getElementById('filter-text').value = {FILTER:?}; document.getElementById('filter-apply').click(); true"
        ))
        .await;
        page.wait_for(
            "document.getElementById('filter-reply').dataset.success === 'true'",
            "the filter reply",
        )
        .await;
        // Step to the end, each step's events seen by the page before the next,
        // so the view's sampling (50 per 200 ms) never has to leave one out.
        let mut published = 0;
        while let Some(stepped) = sim.step("").await {
            published += stepped["events"].as_u64().expect("events");
            page.wait_for(
                &format!("document.getElementById('stream-counters').dataset.seen === '{published}'"),
                "the page to see the step's events",
            )
            .await;
        }
        let counters = page
            .eval("Object.assign({}, document.getElementById('stream-counters').dataset)")
            .await;
        let mut shown = texts(&mut page, "#events .event .raw").await;
        shown.reverse(); // the newest is on top
        let shown: Vec<Value> = shown
            .iter()
            .map(|text| serde_json::from_str(text).expect("each shown event is its JSON"))
            .collect();

        assert!(expected.len() > 10, "a run worth comparing: {} events", expected.len());
        assert_eq!(counters["notShown"], "0", "{counters}");
        assert_eq!(counters["matched"], expected.len().to_string(), "{counters}");
        assert_eq!(shown, expected);
    })
    .catch_unwind()
    .await;
    finish("filter_box_against_play", &mut page, outcome).await;
    drop(browser);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_a_closed_stream_reconnects_and_its_controls_call_sim() {
    let sim = Sim::start(ServerConfig::default(), wallboard()).await;
    let addr = sim.addr;
    let mut browser = Browser::launch().await;
    let mut page = browser.new_page().await;
    let mut back = None;

    let outcome = AssertUnwindSafe(async {
        open_dashboard(&mut page, &sim).await;
        sim.stop().await;
        let closed = page
            .wait_for(
                "document.getElementById('link').dataset.state === 'closed' && document.getElementById('link').textContent",
                "the page to show the stream closed",
            )
            .await;
        assert!(
            closed.as_str().is_some_and(|t| t.starts_with("closed (1001: server shutting down)")),
            "{closed}"
        );
        assert_eq!(page.eval("document.getElementById('main').className").await, "stale");

        let again = back.insert(Sim::restart_on(addr, ServerConfig::default(), wallboard()).await);
        page.wait_for(
            "document.getElementById('link').dataset.state === 'live' && document.getElementById('main').className === ''",
            "the page to reconnect",
        )
        .await;
        page.eval("document.getElementById('step').click(); true").await;
        let answered = page
            .wait_for(
                "document.getElementById('control-result').className === 'result ok' && document.getElementById('control-result').textContent",
                "the Step button's answer",
            )
            .await;
        let (_, status) = again.request("GET", "/sim/status", "").await;

        assert!(
            answered.as_str().is_some_and(|t| t.starts_with("POST /sim/step: 200")),
            "{answered}"
        );
        assert!(status.contains("\"virtualMs\":5000"), "one step, to Alice's login: {status}");
        page.wait_for(
            "document.querySelector('#users tr[data-key=alice] td:nth-child(2)').textContent === 'in'",
            "Alice logged in on the page",
        )
        .await;
    })
    .catch_unwind()
    .await;
    finish("dashboard_reconnects", &mut page, outcome).await;
    drop(browser);
    if let Some(sim) = back {
        sim.stop().await;
    }
}
