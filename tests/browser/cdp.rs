//! Debian's `chromium`, headless, driven over the DevTools protocol (CDP) with a
//! client this small: a JSON request/response loop over the tokio-tungstenite
//! websocket the crate already uses. The tests need five CDP methods
//! (`Target.createTarget`, `Target.attachToTarget`, `Page.navigate`,
//! `Runtime.evaluate`, `Page.captureScreenshot`), so a driver crate would add
//! minutes of compile time for nothing they use.
//!
//! Waiting is done in the page: [`Page::wait_for`] evaluates a promise that
//! resolves when a DOM condition holds (checked on every DOM mutation) and
//! rejects at a deadline. The test side never sleeps.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The flags every run uses: headless, no sandbox (CI runs as root), and
/// nothing that reaches the network on its own.
pub const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The viewport the dashboard is judged at.
pub const VIEWPORT: (u32, u32) = (1280, 800);

/// CDP events kept while waiting for an answer; older ones are dropped.
const MAX_EVENTS_KEPT: usize = 1000;

/// How long a browser may take to start, and any one CDP answer to come.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The browser binary: `$CHROMIUM`, else `chromium` on the PATH (Debian's name).
fn chromium_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "no `chromium` on the PATH (and $CHROMIUM is not set): the browser tests need it; \
                 install it with `apt-get install -y chromium` (.ci/run does so on CI)"
            )
        })
}

/// Lines the browser wrote to stderr, the last ones kept for failure messages.
#[derive(Clone, Default)]
struct Stderr(Arc<Mutex<VecDeque<String>>>);

impl Stderr {
    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() == 200 {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    fn tail(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

/// One headless chromium with a fresh profile, and the CDP connection to it.
pub struct Browser {
    child: Child,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Events that arrived while an answer was awaited, for [`Browser::event`].
    events: VecDeque<Value>,
    stderr: Stderr,
    /// The fresh `--user-data-dir`, removed on drop.
    _profile: tempfile::TempDir,
}

/// A CDP error answer, or a page-side exception.
#[derive(Debug)]
pub struct CdpError(pub String);

impl std::fmt::Display for CdpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Browser {
    /// Starts chromium and connects to its DevTools endpoint.
    pub async fn launch() -> Browser {
        let profile = tempfile::tempdir().expect("a temporary profile directory");
        let mut child = Command::new(chromium_binary())
            .args(CHROMIUM_FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--window-size={},{}", VIEWPORT.0, VIEWPORT.1))
            .arg("--remote-debugging-port=0")
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("chromium starts (apt-get install -y chromium)");
        let stderr = Stderr::default();
        let mut lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
        // chromium prints where DevTools listens on stderr once it is ready.
        let endpoint = tokio::time::timeout(PATIENCE, async {
            while let Ok(Some(line)) = lines.next_line().await {
                stderr.push(line.clone());
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return Some(url.trim().to_string());
                }
            }
            None
        })
        .await;
        let Ok(Some(endpoint)) = endpoint else {
            panic!(
                "chromium did not say where DevTools listens within {PATIENCE:?}; its stderr:\n{}",
                stderr.tail()
            );
        };
        // Keep reading, so chromium never blocks on a full pipe.
        let keep = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                keep.push(line);
            }
        });
        let (ws, _) = tokio::time::timeout(PATIENCE, tokio_tungstenite::connect_async(&endpoint))
            .await
            .expect("the DevTools handshake in time")
            .expect("the DevTools websocket");
        Browser {
            child,
            ws,
            next_id: 1,
            events: VecDeque::new(),
            stderr,
            _profile: profile,
        }
    }

    /// Sends one CDP command (to a page's session, or to the browser) and returns
    /// its result; events that arrive meanwhile are passed over.
    ///
    /// # Errors
    /// The CDP error answer.
    pub async fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, CdpError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut request = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            request["sessionId"] = json!(session);
        }
        self.ws
            .send(Message::text(request.to_string()))
            .await
            .map_err(|e| CdpError(format!("{method}: cannot send: {e}")))?;
        let answer = tokio::time::timeout(PATIENCE + Duration::from_secs(5), async {
            while let Some(message) = self.ws.next().await {
                let Ok(Message::Text(text)) = message else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                if value["id"] == id {
                    return Some(value);
                }
                if value.get("method").is_some() {
                    if self.events.len() == MAX_EVENTS_KEPT {
                        self.events.pop_front();
                    }
                    self.events.push_back(value);
                }
            }
            None
        })
        .await;
        match answer {
            Ok(Some(value)) if value.get("error").is_some() => {
                Err(CdpError(format!("{method}: {}", value["error"])))
            }
            Ok(Some(value)) => Ok(value["result"].clone()),
            Ok(None) => Err(CdpError(format!(
                "{method}: the DevTools connection closed; chromium's stderr:\n{}",
                self.stderr.tail()
            ))),
            Err(_) => Err(CdpError(format!("{method}: no answer within {PATIENCE:?}"))),
        }
    }

    /// Waits for the next CDP event `method` of `session`, kept or to come.
    ///
    /// # Errors
    /// The connection closed, or nothing came within [`PATIENCE`].
    pub async fn event(&mut self, session: &str, method: &str) -> Result<Value, CdpError> {
        let wanted = |v: &Value| v["method"] == method && v["sessionId"] == session;
        if let Some(at) = self.events.iter().position(wanted) {
            return Ok(self.events.remove(at).unwrap_or_default());
        }
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(message) = self.ws.next().await {
                let Ok(Message::Text(text)) = message else {
                    continue;
                };
                if let Ok(value) = serde_json::from_str::<Value>(text.as_str())
                    && wanted(&value)
                {
                    return Some(value);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(CdpError(format!(
                "waiting for {method}: the connection closed"
            ))),
            Err(_) => Err(CdpError(format!("no {method} within {PATIENCE:?}"))),
        }
    }

    /// A new tab at `about:blank`, sized to [`VIEWPORT`].
    pub async fn new_page(&mut self) -> Page<'_> {
        let target = self
            .call(None, "Target.createTarget", json!({"url": "about:blank"}))
            .await
            .expect("a new tab");
        let target_id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target_id, "flatten": true}),
            )
            .await
            .expect("attached to the tab");
        let session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string();
        let mut page = Page {
            browser: self,
            session,
        };
        page.command("Page.enable", json!({})).await;
        page.command("Runtime.enable", json!({})).await;
        page.command(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": VIEWPORT.0, "height": VIEWPORT.1, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await;
        page
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Our own child, by its handle; kill_on_drop also covers a panic.
        let _ = self.child.start_kill();
    }
}

/// One tab.
pub struct Page<'b> {
    browser: &'b mut Browser,
    session: String,
}

impl Page<'_> {
    async fn command(&mut self, method: &str, params: Value) -> Value {
        self.browser
            .call(Some(&self.session), method, params)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Opens `url` and waits for its load event.
    pub async fn goto(&mut self, url: &str) {
        // Drop load events of earlier pages, so the wait below is for this one.
        self.browser
            .events
            .retain(|e| e["method"] != "Page.loadEventFired");
        let navigated = self.command("Page.navigate", json!({"url": url})).await;
        if let Some(error) = navigated.get("errorText") {
            panic!("navigating to {url} failed: {error}");
        }
        let session = self.session.clone();
        if let Err(err) = self.browser.event(&session, "Page.loadEventFired").await {
            panic!("loading {url}: {err}");
        }
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its
    /// value, or the exception it threw.
    ///
    /// # Errors
    /// The page-side exception, as text.
    pub async fn try_eval(&mut self, expression: &str) -> Result<Value, CdpError> {
        let result = self
            .browser
            .call(
                Some(&self.session),
                "Runtime.evaluate",
                json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
            )
            .await?;
        if let Some(details) = result.get("exceptionDetails") {
            let text = details["exception"]["description"]
                .as_str()
                .or_else(|| details["text"].as_str())
                .unwrap_or("an exception");
            return Err(CdpError(text.to_string()));
        }
        Ok(result["result"]["value"].clone())
    }

    /// [`try_eval`](Page::try_eval), failing the test on an exception.
    pub async fn eval(&mut self, expression: &str) -> Value {
        self.try_eval(expression)
            .await
            .unwrap_or_else(|e| panic!("evaluating {expression}: {e}"))
    }

    /// Waits until the JavaScript `condition` is truthy, checked now and after
    /// every DOM change, for at most [`PATIENCE`]; returns its value.
    pub async fn wait_for(&mut self, condition: &str, what: &str) -> Value {
        let ms = PATIENCE.as_millis();
        let script = format!(
            r#"new Promise((resolve, reject) => {{
                const check = () => {{ try {{ return ({condition}); }} catch (e) {{ return false; }} }};
                const first = check();
                if (first) {{ resolve(first); return; }}
                const observer = new MutationObserver(() => {{
                    const value = check();
                    if (value) {{ observer.disconnect(); clearTimeout(timer); resolve(value); }}
                }});
                observer.observe(document, {{subtree: true, childList: true, attributes: true, characterData: true}});
                const timer = setTimeout(() => {{
                    observer.disconnect();
                    reject(new Error("timed out after {ms} ms"));
                }}, {ms});
            }})"#
        );
        match self.try_eval(&script).await {
            Ok(value) => value,
            Err(err) => panic!("waiting for {what} ({condition}): {err}"),
        }
    }

    /// Saves a PNG of the viewport to `path`.
    pub async fn screenshot(&mut self, path: &Path) {
        let shot = self
            .command("Page.captureScreenshot", json!({"format": "png"}))
            .await;
        let png = BASE64
            .decode(shot["data"].as_str().expect("base64 data"))
            .expect("a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("a directory for the screenshot");
        }
        std::fs::write(path, png).expect("the screenshot written");
    }
}
