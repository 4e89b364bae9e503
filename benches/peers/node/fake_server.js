#!/usr/bin/env node
// A fake iSymphony Event API server as an integrator would write it in Node
// with the `ws` library: a peer to measure isymphony-sim against.
//
// It shares nothing with isymphony-sim's code. It speaks the same path and auth
// (docs/protocol.md §1: HTTP Basic on the upgrade, 401 without credentials, 403
// with wrong ones or from an address that is not loopback), applies the
// documented filter rules with its own code (docs/protocol.md §5), and
// broadcasts a synthetic office's events (docs/protocol.md §4 shapes) at a fixed
// rate, each stamped with simSentUs/simSeq as `isymphony-sim serve --stamp`
// does, so `isymphony-sim load` can time them and count gaps.
//
//   node fake_server.js --rate 20000 --seconds 40 [--quiet 10] [--listen 127.0.0.1:0]
//
// The same knobs as benches/load_targets.rs: --quiet S sends nothing for the
// first S seconds so clients can connect, then events flow at --rate per second
// until --seconds have passed since start. It prints its URL on stdout and its
// RSS/CPU on stderr every 5 s and at the end.
//
// Slow clients: ws buffers without limit, so a client with more than
// WRITE_BOUND bytes waiting (ws.bufferedAmount) is skipped for that frame, and
// every skipped frame is counted and reported at the end (the client sees a gap
// in simSeq). Memory stays bounded and nothing is dropped silently.
'use strict';

const crypto = require('node:crypto');
const http = require('node:http');
const net = require('node:net');
const { WebSocketServer, WebSocket } = require('ws');

const EVENT_PATH = '/communication_manager/ws/event';
const WRITE_BOUND = 1 << 20; // bytes queued for one client before frames to it are skipped
const MAX_PER_TICK = 4096; // events produced per 1 ms tick at most, as the plain Rust peer
const USERS = 200;
const QUEUES = ['Support', 'Sales', 'Billing', 'Helpdesk', 'Orders', 'Returns'];
const STATUS_TYPES = ['available', 'away', 'dnd', 'xa', 'chat', 'unavailable'];
const CORE_SERVER_ID = '77636f98-c7ae-48fc-9b87-33ffcb13802a';

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

// mulberry32: a small seeded generator, so a run's events are the same every time.
function seeded(seed) {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const ident = (prefix, n) => `${prefix}-${n.toString(16).padStart(12, '0')}`;
const pad3 = (n) => String(n).padStart(3, '0');

// The synthetic office's events: 30% status, 25% hangup, 20% agent
// login/logout, 15% user login/logout, 10% link end.
function office(seed) {
  const pick = seeded(seed);
  let serial = 0;
  return (time) => {
    serial += 1;
    const s = serial;
    const user = pick(USERS);
    const roll = pick(100);
    const name = `user${pad3(user)}`;
    const ext = `2${pad3(user)}`;
    const base = { time, coreServerId: CORE_SERVER_ID };
    if (roll < 30) {
      return { type: 'userStatus', ...base, userId: ident('u', user), username: name,
        name: 'Status', statusType: STATUS_TYPES[pick(STATUS_TYPES.length)], note: '',
        returnTime: -1, userCreated: false };
    }
    if (roll < 55) {
      return { type: 'hangup', ...base, callSegmentId: ident('s', s), callerIdName: 'ACME Corp',
        callerIdNumber: '5550123', did: '5550100', extensionId: ident('e', user),
        extensionNumber: ext, userId: ident('u', user), username: name };
    }
    if (roll < 75) {
      return { type: roll < 65 ? 'agentLogin' : 'agentLogout', ...base, agentId: ident('a', user),
        agent: name, state: 'NOT_INUSE', queueId: ident('q', 1), queue: QUEUES[pick(QUEUES.length)],
        extensionId: ident('e', user), extensionNumber: ext, userId: ident('u', user), username: name };
    }
    if (roll < 90) {
      return { type: roll < 83 ? 'userLogin' : 'userLogout', ...base, userId: ident('u', user),
        username: name, userLoginId: ident('l', s), ip: '10.0.0.25', port: 51234 };
    }
    const peer = pick(USERS);
    const pname = `user${pad3(peer)}`;
    const pext = `2${pad3(peer)}`;
    return { type: 'linkEnd', ...base, callSegmentId1: ident('s', s), callerIdName1: name,
      callerIdNumber1: ext, did1: null, extensionId1: ident('e', user), extensionNumber1: ext,
      userId1: ident('u', user), username1: name, callSegmentId2: ident('s', s + 1),
      callerIdName2: pname, callerIdNumber2: pext, did2: null, extensionId2: ident('e', peer),
      extensionNumber2: pext, userId2: ident('u', peer), username2: pname };
  }
}

// A property value as filters compare it: strings as they are, other JSON values
// by their JSON text (docs/protocol.md §5.2).
const asText = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

// One connection's filters: OR within a property, AND across properties; an
// event without a named property is not delivered; "*" matches any value, null
// only "*". No filter message yet, or an empty list: every event.
function compile(entries) {
  const groups = new Map();
  for (const { property, value } of entries) {
    if (!groups.has(property)) groups.set(property, new Set());
    groups.get(property).add(asText(value));
  }
  return (event) => {
    for (const [property, values] of groups) {
      if (!Object.prototype.hasOwnProperty.call(event, property)) return false;
      if (values.has('*')) continue;
      const value = event[property];
      if (value === null || !values.has(asText(value))) return false;
    }
    return true;
  };
}

function parseFilterMessage(text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  if (!message || message.type !== 'filter') return { error: 'expected a filter message' };
  if (!Array.isArray(message.filters)) return { error: 'filters must be a list' };
  for (const entry of message.filters) {
    if (!entry || typeof entry.property !== 'string' || !('value' in entry)) {
      return { error: 'every filter needs a property and a value' };
    }
  }
  return { admits: compile(message.filters) };
}

function refuse(socket, status, extra = '') {
  socket.end(`HTTP/1.1 ${status}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
}

function main() {
  const rate = Number(option('--rate', '1000'));
  const seconds = Number(option('--seconds', '30'));
  const quiet = Number(option('--quiet', '0'));
  const listen = option('--listen', '127.0.0.1:0');
  const username = option('--username', process.env.ISYM_USERNAME || 'manager');
  const password = option('--password', process.env.ISYM_PASSWORD || 'manag3rpa55word');
  const expected = Buffer.from(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[|\]$/g, '');
  if (!net.isIP(host) || !(host.startsWith('127.') || host === '::1')) {
    console.error('fake_server.js listens on loopback only');
    process.exit(2);
  }

  const clients = new Map(); // ws -> admits(event)
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = http.createServer((_, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    // Refuse before the upgrade, as docs/protocol.md §1.2 asks.
    const path = (req.url || '').split('?')[0];
    const from = socket.remoteAddress || '';
    if (path !== EVENT_PATH) return refuse(socket, '404 Not Found');
    if (!(from.startsWith('127.') || from === '::1' || from.startsWith('::ffff:127.'))) {
      return refuse(socket, '403 Forbidden');
    }
    const given = Buffer.from(req.headers.authorization || '');
    if (!given.toString().startsWith('Basic ')) {
      return refuse(socket, '401 Unauthorized', 'WWW-Authenticate: Basic realm="iSymphony"\r\n');
    }
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      return refuse(socket, '403 Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.setNoDelay(true);
      clients.set(ws, () => true);
      ws.on('message', (data) => {
        const { admits, error } = parseFilterMessage(data.toString());
        if (admits) clients.set(ws, admits);
        ws.send(JSON.stringify(error ? { type: 'filterResponse', success: false, error }
          : { type: 'filterResponse', success: true }));
      });
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
    });
  });

  let published = 0;
  let skipped = 0;
  const usage = () => {
    const cpu = process.cpuUsage();
    return `rss ${Math.round(process.memoryUsage().rss / 1024)} kB cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)}s`;
  };
  const publish = (event, seq) => {
    const text = JSON.stringify(event);
    // Wall clock in µs: the time origin plus the monotonic clock (exact in a double).
    const micros = Math.round((performance.timeOrigin + performance.now()) * 1000);
    // Encoded once per event; every client gets the same buffer.
    const frame = Buffer.from(`${text.slice(0, -1)},"simSentUs":${micros},"simSeq":${seq}}`);
    for (const [ws, admits] of clients) {
      if (ws.readyState !== WebSocket.OPEN || !admits(event)) continue;
      if (ws.bufferedAmount > WRITE_BOUND) {
        skipped += 1;
      } else {
        ws.send(frame, { binary: false });
      }
    }
    published += 1;
  };

  server.listen(Number(listen.slice(at + 1)), host, () => {
    const bound = server.address();
    console.log(`node listening on ws://${bound.address}:${bound.port}${EVENT_PATH}`);
    const reporter = setInterval(() => console.error(`node: ${usage()}`), 5000);
    const make = office(7);
    setTimeout(() => {
      const start = performance.now();
      const epoch = Date.now();
      let emitted = 0;
      const tick = () => {
        const elapsed = (performance.now() - start) / 1000;
        if (elapsed >= seconds - quiet) {
          clearInterval(reporter);
          console.error(`node: published ${published}, skipped ${skipped} frames to slow clients, ${usage()}`);
          for (const ws of clients.keys()) ws.terminate();
          server.close();
          return;
        }
        const due = Math.floor(rate * elapsed);
        const time = epoch + Math.floor(elapsed * 1000);
        for (let n = Math.min(due - emitted, MAX_PER_TICK); n > 0; n -= 1) {
          publish(make(time), emitted);
          emitted += 1;
        }
        setTimeout(tick, 1);
      };
      tick();
    }, quiet * 1000);
  });
}

main();
