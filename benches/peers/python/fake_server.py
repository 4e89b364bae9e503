#!/usr/bin/env python3
"""A fake iSymphony Event API server as an integrator would write it in Python
with the `websockets` library: a peer to measure isymphony-sim against.

It shares nothing with isymphony-sim's code. It speaks the same path and auth
(docs/protocol.md §1: HTTP Basic on the upgrade, 401 without credentials, 403
with wrong ones or from an address that is not loopback), applies the
documented filter rules with its own code (docs/protocol.md §5), and broadcasts
a synthetic office's events (docs/protocol.md §4 shapes) at a fixed rate, each
stamped with `simSentUs`/`simSeq` as `isymphony-sim serve --stamp` does, so
`isymphony-sim load` can time them and count gaps.

    python fake_server.py --rate 20000 --seconds 40 [--quiet 10] [--listen 127.0.0.1:0]

The same knobs as benches/load_targets.rs: `--quiet S` sends nothing for the
first S seconds so clients can connect, then events flow at `--rate` per second
until `--seconds` have passed since start. It prints its URL on stdout and its
RSS/CPU on stderr every 5 s and at the end.

Slow clients: `websockets.broadcast` has no backpressure, so a client whose
write buffer holds more than WRITE_BOUND bytes is skipped for that frame, and
every skipped frame is counted and reported at the end (the client sees a gap
in simSeq). Memory stays bounded and nothing is dropped silently.
"""

import argparse
import asyncio
import base64
import hmac
import ipaddress
import json
import os
import random
import resource
import sys
import time
from http import HTTPStatus

from websockets.asyncio.server import broadcast, serve

EVENT_PATH = "/communication_manager/ws/event"
WRITE_BOUND = 1 << 20  # bytes queued for one client before frames to it are skipped
MAX_PER_TICK = 4096  # events produced per 1 ms tick at most, as the plain Rust peer
USERS = 200
QUEUES = ["Support", "Sales", "Billing", "Helpdesk", "Orders", "Returns"]
STATUS_TYPES = ["available", "away", "dnd", "xa", "chat", "unavailable"]
CORE_SERVER_ID = "77636f98-c7ae-48fc-9b87-33ffcb13802a"


def ident(prefix, n):
    return f"{prefix}-{n:012x}"


class Office:
    """The synthetic office's events: 30% status, 25% hangup, 20% agent
    login/logout, 15% user login/logout, 10% link end."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.serial = 0

    def next_event(self, time_ms):
        self.serial += 1
        rng, s = self.rng, self.serial
        user = rng.randrange(USERS)
        roll = rng.randrange(100)
        name, ext = f"user{user:03}", f"2{user:03}"
        base = {"time": time_ms, "coreServerId": CORE_SERVER_ID}
        if roll < 30:
            return {"type": "userStatus", **base, "userId": ident("u", user), "username": name,
                    "name": "Status", "statusType": rng.choice(STATUS_TYPES), "note": "",
                    "returnTime": -1, "userCreated": False}
        if roll < 55:
            return {"type": "hangup", **base, "callSegmentId": ident("s", s),
                    "callerIdName": "ACME Corp", "callerIdNumber": "5550123", "did": "5550100",
                    "extensionId": ident("e", user), "extensionNumber": ext,
                    "userId": ident("u", user), "username": name}
        if roll < 75:
            return {"type": "agentLogin" if roll < 65 else "agentLogout", **base,
                    "agentId": ident("a", user), "agent": name, "state": "NOT_INUSE",
                    "queueId": ident("q", 1), "queue": rng.choice(QUEUES),
                    "extensionId": ident("e", user), "extensionNumber": ext,
                    "userId": ident("u", user), "username": name}
        if roll < 90:
            return {"type": "userLogin" if roll < 83 else "userLogout", **base,
                    "userId": ident("u", user), "username": name,
                    "userLoginId": ident("l", s), "ip": "10.0.0.25", "port": 51234}
        peer = rng.randrange(USERS)
        pname, pext = f"user{peer:03}", f"2{peer:03}"
        return {"type": "linkEnd", **base,
                "callSegmentId1": ident("s", s), "callerIdName1": name, "callerIdNumber1": ext,
                "did1": None, "extensionId1": ident("e", user), "extensionNumber1": ext,
                "userId1": ident("u", user), "username1": name,
                "callSegmentId2": ident("s", s + 1), "callerIdName2": pname,
                "callerIdNumber2": pext, "did2": None, "extensionId2": ident("e", peer),
                "extensionNumber2": pext, "userId2": ident("u", peer), "username2": pname}


def as_text(value):
    """A property value as filters compare it: strings as they are, other JSON
    values by their JSON text (docs/protocol.md §5.2)."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


class Filters:
    """One connection's filters: OR within a property, AND across properties; an
    event without a named property is not delivered; "*" matches any value,
    null only "*". No filter message yet, or an empty list: every event."""

    def __init__(self, entries=()):
        self.groups = {}
        for entry in entries:
            self.groups.setdefault(entry["property"], set()).add(as_text(entry["value"]))

    def admits(self, event):
        for prop, values in self.groups.items():
            if prop not in event:
                return False
            if "*" in values:
                continue
            value = event[prop]
            if value is None or as_text(value) not in values:
                return False
        return True


def parse_filter_message(text):
    """The filters of a filter message, or an error string."""
    try:
        message = json.loads(text)
    except ValueError:
        return None, "not JSON"
    if not isinstance(message, dict) or message.get("type") != "filter":
        return None, "expected a filter message"
    entries = message.get("filters")
    if not isinstance(entries, list):
        return None, "filters must be a list"
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("property"), str) or "value" not in entry:
            return None, "every filter needs a property and a value"
    return Filters(entries), None


def reply(success, error=None):
    body = {"type": "filterResponse", "success": success}
    if error:
        body["error"] = error
    return json.dumps(body, separators=(",", ":"))


class Server:
    def __init__(self, username, password):
        self.expected = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.clients = {}  # connection -> Filters
        self.skipped = 0
        self.published = 0

    def check(self, connection, request):
        """Refuses before the upgrade, as docs/protocol.md §1.2 asks."""
        path = request.path.split("?", 1)[0]
        if path != EVENT_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "no such endpoint\n")
        host = connection.remote_address[0] if connection.remote_address else ""
        if not ipaddress.ip_address(host).is_loopback:
            return connection.respond(HTTPStatus.FORBIDDEN, "address not allowed\n")
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            response = connection.respond(HTTPStatus.UNAUTHORIZED, "credentials needed\n")
            response.headers["WWW-Authenticate"] = 'Basic realm="iSymphony"'
            return response
        if not hmac.compare_digest(header[len("Basic "):].strip(), self.expected):
            return connection.respond(HTTPStatus.FORBIDDEN, "wrong credentials\n")
        return None

    async def session(self, connection):
        self.clients[connection] = Filters()
        try:
            async for message in connection:
                filters, error = parse_filter_message(message)
                if filters is not None:
                    self.clients[connection] = filters
                await connection.send(reply(filters is not None, error))
        except Exception:  # a client that vanishes is not an error of the server
            pass
        finally:
            self.clients.pop(connection, None)

    def publish(self, event, seq):
        text = json.dumps(event, separators=(",", ":"))
        frame = f'{text[:-1]},"simSentUs":{time.time_ns() // 1000},"simSeq":{seq}}}'
        targets = []
        for connection, filters in self.clients.items():
            if not filters.admits(event):
                continue
            transport = connection.transport
            if transport is not None and transport.get_write_buffer_size() > WRITE_BOUND:
                self.skipped += 1
            else:
                targets.append(connection)
        broadcast(targets, frame)
        self.published += 1

    async def produce(self, rate, quiet, seconds):
        await asyncio.sleep(quiet)
        office = Office(7)
        loop = asyncio.get_running_loop()
        start = loop.time()
        epoch_ms = time.time_ns() // 1_000_000
        emitted = 0
        while (elapsed := loop.time() - start) < seconds - quiet:
            due = int(rate * elapsed)
            time_ms = epoch_ms + int(elapsed * 1000)
            for _ in range(min(due - emitted, MAX_PER_TICK)):
                self.publish(office.next_event(time_ms), emitted)
                emitted += 1
            await asyncio.sleep(0.001)


def usage():
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    rss_kb = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    return f"rss {rss_kb} kB cpu {cpu.ru_utime + cpu.ru_stime:.1f}s"


async def report_usage():
    while True:
        await asyncio.sleep(5)
        print(f"python: {usage()}", file=sys.stderr, flush=True)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--quiet", type=float, default=0.0)
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--username", default=os.environ.get("ISYM_USERNAME", "manager"))
    parser.add_argument("--password", default=os.environ.get("ISYM_PASSWORD", "manag3rpa55word"))
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    if not ipaddress.ip_address(host.strip("[]")).is_loopback:
        sys.exit("fake_server.py listens on loopback only")
    server = Server(args.username, args.password)
    async with serve(server.session, host.strip("[]"), int(port), process_request=server.check,
                     compression=None, ping_interval=None) as listening:
        bound = listening.sockets[0].getsockname()
        print(f"python listening on ws://{bound[0]}:{bound[1]}{EVENT_PATH}", flush=True)
        reporter = asyncio.create_task(report_usage())
        await server.produce(args.rate, args.quiet, args.seconds)
        reporter.cancel()
    print(f"python: published {server.published}, skipped {server.skipped} frames to slow clients, "
          f"{usage()}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
