// isymphony-sim dashboard. Everything live comes from the server's status-delta
// stream (/sim/ui/stream); the page never polls. Every control calls the /sim/
// control API, the same routes tests and scripts use.
"use strict";

const STREAM_PATH = "/sim/ui/stream";
// Matching events kept on screen; older ones scroll away.
const EVENTS_KEPT = 200;
// Reconnect backoff: first wait and cap, in ms.
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 8000;

const state = {
  run: null,
  runAt: 0,
  server: null,
  users: new Map(),
  extensions: new Map(),
  queues: new Map(),
  rooms: new Map(),
  calls: new Map(),
  clients: new Map(),
  requests: new Map(),
  journal: null,
  departed: [],
  events: [],
  filterText: "",
};
const KEYS = {
  users: "username",
  extensions: "number",
  queues: "identifier",
  rooms: "identifier",
  calls: "id",
  clients: "id",
  requests: "seq",
};
const dirty = new Set();
// Per keyed list, the keys whose rows changed since the last render; a list
// missing here is rebuilt whole (after a full message).
const changed = new Map();
let frameRequested = false;
let socket = null;
let reconnectDelay = RECONNECT_FIRST_MS;
let attempts = 0;

const $ = (id) => document.getElementById(id);

// Builds an element: el("td", {class: "x"}, "text", child, ...).
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ---- time -------------------------------------------------------------------

// The virtual clock now, in epoch ms, extrapolated from the last status.
function virtualNow() {
  const run = state.run;
  if (!run || run.epoch === null || run.epoch === undefined) return null;
  const elapsed = run.paused ? 0 : (performance.now() - state.runAt) * run.speed;
  return run.epoch + run.virtualMs + elapsed;
}

function pad(n, width) {
  return String(Math.floor(n)).padStart(width, "0");
}

function utcTime(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
}

function utcDateTime(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${utcTime(ms)} UTC`;
}

function localTime(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}`;
}

function duration(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) return "";
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m, 2)}:${pad(s, 2)}` : `${m}:${pad(s, 2)}`;
}

// A cell whose text is the virtual time since `since`, kept current by tick().
function since(tag, sinceMs, attrs) {
  const node = el(tag, Object.assign({ class: "num" }, attrs || {}));
  if (sinceMs !== null && sinceMs !== undefined) {
    node.dataset.since = sinceMs;
    const now = virtualNow();
    node.textContent = now === null ? "" : duration(now - sinceMs);
  }
  return node;
}

function tick() {
  const now = virtualNow();
  $("clock").textContent = now === null ? "--" : utcDateTime(now);
  if (now === null) return;
  for (const node of document.querySelectorAll("[data-since]")) {
    node.textContent = duration(now - Number(node.dataset.since));
  }
}

// ---- the stream -------------------------------------------------------------

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  setLink("connecting", attempts === 0 ? "connecting" : `reconnecting (attempt ${attempts})`);
  socket = new WebSocket(`${scheme}//${location.host}${STREAM_PATH}`);
  socket.onopen = () => {
    attempts = 0;
    reconnectDelay = RECONNECT_FIRST_MS;
    setLink("live", "live");
    $("main").classList.remove("stale");
    if (state.filterText) socket.send(state.filterText);
  };
  socket.onmessage = (message) => receive(JSON.parse(message.data));
  socket.onclose = (closed) => {
    socket = null;
    attempts += 1;
    const wait = reconnectDelay;
    reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
    const why = closed.reason ? `: ${closed.reason}` : "";
    setLink("closed", `closed (${closed.code}${why}); retry in ${(wait / 1000).toFixed(1)} s`);
    $("main").classList.add("stale");
    setTimeout(connect, wait);
  };
}

function setLink(kind, text) {
  const link = $("link");
  link.className = `pill link-${kind}`;
  link.textContent = text;
  link.dataset.state = kind;
}

function receive(message) {
  if (message.type === "uiState") applyState(message);
  else if (message.type === "uiEvents") applyEvents(message);
  else if (message.type === "filterResponse") applyFilterReply(message);
}

function applyState(message) {
  if (message.full) {
    for (const name of Object.keys(KEYS)) {
      state[name].clear();
      dirty.add(name);
      changed.delete(name);
      state[`${name}Whole`] = true;
    }
  }
  if (message.run) {
    state.run = message.run;
    state.runAt = performance.now();
    dirty.add("run");
  }
  if (message.server) {
    state.server = message.server;
    dirty.add("server");
  }
  for (const [name, key] of Object.entries(KEYS)) {
    const change = message[name];
    if (!change) continue;
    if (!changed.has(name)) changed.set(name, new Set());
    for (const row of change.upsert) {
      state[name].set(String(row[key]), row);
      changed.get(name).add(String(row[key]));
    }
    for (const gone of change.remove) state[name].delete(gone);
    dirty.add(name);
  }
  if (message.journal) {
    state.journal = message.journal;
    dirty.add("requests");
  }
  if (message.departed) {
    state.departed = message.departed;
    dirty.add("clients");
  }
  schedule();
}

function schedule() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    const renderers = {
      run: renderRun,
      server: renderServer,
      users: renderUsers,
      extensions: renderExtensions,
      queues: renderQueues,
      rooms: renderRooms,
      calls: renderCalls,
      clients: renderClients,
      requests: renderRequests,
      events: renderEvents,
    };
    for (const name of dirty) renderers[name]();
    dirty.clear();
    changed.clear();
    for (const name of Object.keys(KEYS)) state[`${name}Whole`] = false;
  });
}

function sorted(map, compare) {
  return Array.from(map.values()).sort(compare);
}

function byKey(key) {
  return (a, b) => String(a[key]).localeCompare(String(b[key]), undefined, { numeric: true });
}

// Whether the row with `key` of list `name` must be built again.
function stale(name, key) {
  if (state[`${name}Whole`]) return true;
  const keys = changed.get(name);
  return keys ? keys.has(String(key)) : false;
}

// Makes `box`'s children the rows of `items` ([key, build] in order), building
// only the rows that are new or changed and moving nothing that stays in place,
// so an update touches as little of the page as it can.
function patch(box, name, items, empty) {
  const existing = new Map();
  for (const child of box.children) {
    if (child.dataset.key !== undefined) existing.set(child.dataset.key, child);
  }
  const next = items.map(([key, build]) => {
    const old = existing.get(String(key));
    return old && !stale(name, key) ? old : build();
  });
  if (next.length === 0) next.push(empty());
  const keep = new Set(next);
  for (const child of Array.from(box.children)) if (!keep.has(child)) child.remove();
  next.forEach((node, i) => {
    if (box.children[i] !== node) box.insertBefore(node, box.children[i] || null);
  });
}

function patchBody(table, name, items, emptyText, columns) {
  const body = document.querySelector(`#${table} tbody`);
  patch(body, name, items, () => el("tr", {}, el("td", { colspan: columns, class: "empty" }, emptyText)));
}

// ---- rendering --------------------------------------------------------------

function renderRun() {
  const run = state.run;
  if (!run) return;
  $("scenario").textContent = run.scenario;
  $("seed").textContent = run.seed === null ? "none" : run.seed;
  $("profile").textContent = run.profile;
  $("loop").textContent = run.loop === null ? "-" : run.loop;
  const clockState = $("clock-state");
  clockState.textContent = run.paused ? "paused" : "running";
  clockState.className = `pill ${run.paused ? "clock-paused" : "clock-running"}`;
  $("clock-speed").textContent = `${run.speed}x`;
  if (document.activeElement !== $("speed-input")) $("speed-input").value = run.speed;
  tick();
}

function renderServer() {
  const s = state.server;
  if (!s) return;
  $("server-counters").textContent =
    `connections ${s.connectionsCurrent} (${s.connectionsTotal} since start) · ` +
    `events ${s.eventsPublished} · sent ${s.framesDelivered} · dropped ${s.framesDropped} · ` +
    `refused 401 ${s.refusedNoCredentials} / 403 ${s.refusedWrongCredentials + s.refusedAddress} · ` +
    `challenges ${s.challenges} (${s.challengesHeld} waiting)`;
}

function renderUsers() {
  const rows = sorted(state.users, byKey("username")).map((u) => [u.username, () => {
    const status = u.status;
    const back = status && status.returnTime !== null ? utcTime(status.returnTime).slice(0, 5) : "";
    return el("tr", { "data-key": u.username },
      el("td", { title: `${u.name} (${u.license} license)` }, el("b", {}, u.username), el("span", { class: "sub" }, u.name)),
      el("td", { class: u.loggedIn ? "on" : "off", title: u.loggedIn ? `logged in from ${u.loginFrom}` : "logged out" }, u.loggedIn ? "in" : "out"),
      el("td", {}, status
        ? el("span", { class: `badge st-${status.statusType}`, title: status.statusType }, status.name || status.statusType)
        : el("span", { class: "off", title: "no status set yet" }, "-")),
      el("td", { title: status ? status.note : "" }, status ? status.note : ""),
      el("td", { class: "num", title: back ? `expected back at ${utcDateTime(status.returnTime)}` : "" }, back));
  }]);
  const loggedIn = Array.from(state.users.values()).filter((u) => u.loggedIn).length;
  $("users-count").textContent = `${state.users.size}, ${loggedIn} logged in`;
  patchBody("users", "users", rows, "no users", 5);
}

function partyText(p) {
  if (!p) return "";
  if (p.name && p.number && p.name !== p.number) return `${p.name} <${p.number}>`;
  return p.name || p.number || "";
}

function stateBadge(text) {
  return el("span", { class: `badge cs-${text.replace(/ /g, "-")}` }, text);
}

function renderExtensions() {
  const rows = sorted(state.extensions, byKey("number")).map((e) => [e.number, () =>
    el("tr", { "data-key": e.number },
      el("td", { class: "num" }, el("b", {}, e.number)),
      el("td", { title: e.user ? `user ${e.user}` : "no user" }, e.name, e.dnd ? el("span", { class: "tag" }, "DND") : null),
      el("td", {}, stateBadge(e.state)),
      el("td", { title: partyText(e.other) }, partyText(e.other)),
      since("td", e.state === "idle" ? null : e.since))]);
  const busy = Array.from(state.extensions.values()).filter((e) => e.state !== "idle").length;
  $("extensions-count").textContent = `${state.extensions.size}, ${busy} busy`;
  patchBody("extensions", "extensions", rows, "no extensions", 5);
}

function queueBox(q) {
  const waiting = el("ol", { class: "waiting" });
  for (const w of q.waiting) {
    waiting.append(el("li", { "data-key": w.segment }, partyText(w.caller), " · waiting ", since("span", w.since)));
  }
  const agents = el("table", { class: "agents" },
    el("colgroup", {}, el("col", { class: "w-a-ext" }), el("col"), el("col", { class: "w-a-login" }), el("col", { class: "w-a-paused" }), el("col", { class: "w-a-pen" })),
    el("tr", {}, el("th", {}, "agent"), el("th", {}, ""), el("th", {}, "login"), el("th", {}, "paused"), el("th", {}, "penalty")));
  for (const a of q.agents) {
    const login = a.loggedIn ? (a.dynamic ? "in" : "static") : "out";
    const loginTitle = a.loggedIn ? (a.dynamic ? "logged in (dynamic member)" : "static member: always logged in") : "logged out";
    agents.append(el("tr", { "data-key": a.extension },
      el("td", { class: "num" }, a.extension),
      el("td", { title: a.name }, a.name),
      el("td", { class: a.loggedIn ? "on" : "off", title: loginTitle }, login),
      el("td", {}, a.paused ? el("span", { class: "tag paused" }, "paused") : ""),
      el("td", { class: "num" }, a.penalty === null ? "" : a.penalty)));
  }
  return el("div", { class: "queue", "data-key": q.identifier },
    el("div", { class: "queue-head" },
      el("span", {}, el("b", {}, q.name), " ", el("span", { class: "muted" }, q.identifier), q.enabled ? null : el("span", { class: "tag" }, "disabled")),
      q.waiting.length
        ? el("span", { class: "longest" }, `${q.waiting.length} waiting, longest `, since("span", q.longestSince))
        : el("span", { class: "muted" }, "nobody waiting")),
    q.waiting.length ? waiting : null,
    q.agents.length ? agents : el("div", { class: "muted" }, "no agents logged in"));
}

function renderQueues() {
  const queues = sorted(state.queues, byKey("identifier"));
  patch($("queues"), "queues", queues.map((q) => [q.identifier, () => queueBox(q)]),
    () => el("div", { class: "empty" }, "no queues"));
  const waiting = queues.reduce((sum, q) => sum + q.waiting.length, 0);
  $("queues-count").textContent = `${state.queues.size}, ${waiting} waiting`;
}

function roomBox(r) {
  const list = el("ol", {});
  for (const p of r.participants) list.append(el("li", { "data-key": p.segment }, partyText(p.party), " · ", since("span", p.since)));
  return el("div", { class: "room", "data-key": r.identifier },
    el("div", { class: "room-head" },
      el("span", {}, el("b", {}, r.name), " ", el("span", { class: "muted" }, `dial ${r.dialString}`)),
      el("span", { class: "muted" }, `${r.participants.length} in the room`)),
    r.participants.length ? list : null);
}

function renderRooms() {
  const rooms = sorted(state.rooms, byKey("identifier"));
  patch($("rooms"), "rooms", rooms.map((r) => [r.identifier, () => roomBox(r)]),
    () => el("div", { class: "empty" }, "no conference rooms"));
  $("rooms-count").textContent = `${state.rooms.size}`;
}

function renderCalls() {
  const calls = sorted(state.calls, (a, b) => (a.started || 0) - (b.started || 0) || a.label.localeCompare(b.label));
  const rows = calls.map((c) => [c.id, () =>
    el("tr", { "data-key": c.id, title: `call ${c.label}${c.recording ? ", recording" : ""}` },
      el("td", {}, stateBadge(c.state)),
      el("td", { title: partyText(c.caller) }, partyText(c.caller)),
      el("td", { title: partyText(c.callee) || c.place || "" }, partyText(c.callee) || c.place || ""),
      since("td", c.since),
      since("td", c.started))]);
  $("calls-count").textContent = `${state.calls.size}`;
  patchBody("calls", "calls", rows, "no calls", 5);
}

function filterCell(client) {
  const cell = el("td", { class: "filter-groups wrap" });
  if (client.filter.length === 0) {
    cell.append(el("span", { class: "filter-all" }, "no filter: every event"));
    return cell;
  }
  for (const group of client.filter) {
    const chip = el("span", { class: "filter-group", "data-property": group.property }, el("span", { class: "prop" }, group.property), " ");
    for (const value of group.values) chip.append(el("span", { class: "tag" }, value));
    if (group.more > 0) chip.append(el("span", { class: "muted" }, `+${group.more} more`));
    cell.append(chip);
  }
  return cell;
}

function renderClients() {
  const clients = sorted(state.clients, (a, b) => a.id - b.id);
  const rows = clients.map((c) => [c.id, () =>
    el("tr", { "data-key": c.id },
      el("td", { class: "num" }, el("b", {}, c.id)),
      el("td", { title: c.peer || "" }, c.peer || "unknown", el("span", { class: "sub" }, `since ${localTime(c.connectedAtMs)}`)),
      filterCell(c),
      el("td", { class: "num" }, c.delivered),
      el("td", { class: c.dropped ? "num longest" : "num" }, c.dropped),
      el("td", { class: "num", title: `capacity ${c.queueCapacity}` }, `${c.queued}/${c.queueCapacity}`))]);
  $("clients-count").textContent = `${state.clients.size} connected`;
  patchBody("clients", "clients", rows, "no Event API connection", 6);
  // The ring is small and sent whole when it changes: rebuilt whole.
  state.departedWhole = true;
  const ended = state.departed.map((d) => [d.id, () =>
    el("tr", { "data-key": d.id },
      el("td", { class: "num" }, d.id),
      el("td", {}, d.peer || "unknown", el("span", { class: "sub" }, `ended ${localTime(d.endedAtMs)}`)),
      el("td", { class: "wrap" }, d.ending),
      el("td", { class: "num" }, d.delivered),
      el("td", { class: "num" }, d.dropped))]);
  patchBody("departed", "departed", ended, "none yet", 5);

  const select = $("fault-client");
  const chosen = select.value;
  const options = [el("option", { value: "" }, "all")];
  for (const c of clients) options.push(el("option", { value: c.id }, `${c.id} (${c.peer || "?"})`));
  select.replaceChildren(...options);
  select.value = clients.some((c) => String(c.id) === chosen) ? chosen : "";
}

function renderRequests() {
  const requests = sorted(state.requests, (a, b) => b.seq - a.seq);
  const epoch = state.run && state.run.epoch !== null ? state.run.epoch : null;
  const rows = requests.map((r) => [r.seq, () =>
    el("tr", { "data-key": r.seq, title: `${r.requestBytes} bytes in, ${r.responseBytes} bytes out` },
      el("td", { class: "num" }, epoch === null ? r.virtualMs : utcTime(epoch + r.virtualMs)),
      el("td", { title: `${r.method} ${r.path}` }, `${r.method} ${r.path}`),
      el("td", { class: r.status >= 400 ? "num longest" : "num" }, r.status))]);
  patchBody("requests", "requests", rows, "no Live API request yet", 3);
  const j = state.journal;
  $("requests-count").textContent = j
    ? `latest ${requests.length} of ${j.total}${j.dropped ? `, ${j.dropped} let go` : ""}; all at GET /sim/requests`
    : "";
}

// ---- the event stream -------------------------------------------------------

const SUMMARY_PROPERTIES = ["username", "extensionNumber", "queue", "callerIdNumber", "callerIdName", "statusType", "name", "note"];

function summary(event) {
  const parts = [];
  for (const name of SUMMARY_PROPERTIES) {
    const value = event[name];
    if (value !== null && value !== undefined && value !== "") parts.push(`${name} ${value}`);
    if (parts.length === 3) break;
  }
  return parts.join(" · ");
}

function applyEvents(message) {
  for (const event of message.events) state.events.push(event);
  if (state.events.length > EVENTS_KEPT) state.events.splice(0, state.events.length - EVENTS_KEPT);
  state.streamCounts = message;
  state.newEvents = (state.newEvents || 0) + message.events.length;
  dirty.add("events");
  schedule();
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

// One event row as HTML: a whole batch is parsed at once, which costs the
// browser far less than building each element in turn.
function eventHtml(event) {
  let parsed = {};
  try { parsed = JSON.parse(event.text); } catch (_) { parsed = {}; }
  const time = typeof parsed.time === "number" ? utcTime(parsed.time) + "." + pad(parsed.time % 1000, 3) : "";
  // A plain row, not <details>: each of those carries a shadow tree, which is
  // too much at hundreds of rows a second. A click opens it (see wire()).
  return `<li class="event" data-seq="${event.seq}"><div class="sum">` +
    `<span class="etime num">${time}</span><span class="etype">${escape(parsed.type || "(not JSON)")}</span>` +
    `<span class="eprops">${escape(summary(parsed))}</span></div>` +
    `<div class="raw">${escape(event.text)}</div></li>`;
}

function renderEvents() {
  const list = $("events");
  const fresh = Math.min(state.newEvents || 0, state.events.length);
  state.newEvents = 0;
  // Newest on top; only the new ones are built, the oldest dropped.
  const html = state.events.slice(state.events.length - fresh).reverse().map(eventHtml).join("");
  if (html) list.insertAdjacentHTML("afterbegin", html);
  while (list.children.length > state.events.length) list.lastElementChild.remove();
  const c = state.streamCounts;
  if (c) {
    const counters = $("stream-counters");
    counters.dataset.seen = c.seen;
    counters.dataset.matched = c.matched;
    counters.dataset.notShown = c.notShown;
    counters.textContent =
      `seen ${c.seen} · matched ${c.matched} · not shown ${c.notShown} ` +
      `(sampled: at most ${c.maxPerSample} events per ${c.sampleMs} ms are sent, the latest) · ` +
      `showing the last ${Math.min(state.events.length, EVENTS_KEPT)} of at most ${EVENTS_KEPT}`;
  }
}

function applyFilterReply(reply) {
  const box = $("filter-reply");
  box.replaceChildren();
  box.dataset.success = reply.success;
  if (reply.success) {
    box.className = "reply ok";
    box.append(el("span", {}, state.filterText ? "filterResponse success: the server now shows what a connection with this filter gets." : "No filter: every event."));
    for (const warning of reply.warnings || []) box.append(el("span", { class: "warning" }, `warning: ${warning}`));
    state.events = [];
    $("events").replaceChildren();
  } else {
    box.className = "reply bad";
    box.append(el("span", {}, `filterResponse failure: ${reply.error} (the previous filter stays)`));
  }
}

function sendFilter(text) {
  state.filterText = text;
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
}

// ---- controls ---------------------------------------------------------------

async function control(method, path, body) {
  const result = $("control-result");
  result.className = "result";
  result.textContent = `${method} ${path} ...`;
  try {
    // From the origin, not the page's URL: on a page opened with the
    // credentials in its URL (user:password@host), a relative URL carries them
    // too, and fetch() refuses such URLs. The browser's auth cache supplies them.
    const url = location.origin + path;
    const response = await fetch(url, { method, body, headers: body ? { "Content-Type": "application/json" } : {} });
    const text = await response.text();
    result.className = response.ok ? "result ok" : "result bad";
    result.textContent = `${method} ${path}: ${response.status} ${response.statusText}\n${text.trim()}`;
  } catch (err) {
    result.className = "result bad";
    result.textContent = `${method} ${path}: ${err}`;
  }
}

function faultBody(kind) {
  const body = { kind };
  const client = $("fault-client").value;
  if (client !== "" && kind !== "restart") body.client = Number(client);
  if (kind === "close") {
    body.code = Number($("fault-code").value);
    body.reason = $("fault-reason").value;
  }
  if (kind === "delay") body.ms = Number($("fault-ms").value);
  if (kind === "duplicate") body.count = Number($("fault-count").value);
  return JSON.stringify(body);
}

async function loadScenario() {
  const file = $("scenario-file").files[0];
  if (!file) {
    $("control-result").className = "result bad";
    $("control-result").textContent = "choose a scenario file (TOML) first";
    return;
  }
  const seed = $("scenario-seed").value.trim();
  const query = seed ? `?seed=${encodeURIComponent(seed)}` : "";
  await control("POST", `/sim/scenario${query}`, await file.text());
}

function wire() {
  $("pause").onclick = () => control("POST", "/sim/pause");
  $("resume").onclick = () => control("POST", "/sim/resume");
  $("step").onclick = () => control("POST", "/sim/step");
  $("step-batch").onclick = () => control("POST", "/sim/step?to=batch");
  $("speed-set").onclick = () => control("POST", "/sim/speed", JSON.stringify({ speed: Number($("speed-input").value) }));
  for (const button of document.querySelectorAll("[data-fault]")) {
    button.onclick = () => control("POST", "/sim/fault", faultBody(button.dataset.fault));
  }
  $("scenario-load").onclick = loadScenario;
  $("reset").onclick = () => control("POST", "/sim/reset");
  $("filter-apply").onclick = () => sendFilter($("filter-text").value.trim());
  $("events").onclick = (click) => {
    const row = click.target.closest(".event");
    if (row) row.classList.toggle("open");
  };
  $("filter-clear").onclick = () => {
    $("filter-text").value = "";
    sendFilter('{"type":"filter","filters":[]}');
    state.filterText = "";
  };
}

wire();
connect();
setInterval(tick, 1000);
