#!/usr/bin/env bash
# Ours, plain, Python and Node, one after another, measured by the same
# `isymphony-sim load` command; prints a markdown table (BENCHMARKS.md §6).
#
#   benches/peers/run.sh RATE QUIET_S SERVER_S -- LOAD_ARGS...
#   benches/peers/run.sh 20000 5 35 -- --clients 100 --warmup 7s --duration 20s
#
# Each server plays RATE synthetic office events/s on 127.0.0.1 (a free port)
# after QUIET_S quiet seconds and stops by itself after SERVER_S seconds:
#   ours    cargo bench --bench load_targets -- ours   (isymphony-sim's server)
#   plain   cargo bench --bench load_targets -- plain  (tokio-tungstenite broadcast, no filter)
#   python  benches/peers/python/fake_server.py        (websockets)
#   node    benches/peers/node/fake_server.js          (ws)
# PEERS="ours node" runs a subset. Python's websockets is installed in
# benches/peers/python/.venv and Node's ws in benches/peers/node/node_modules
# (npm ci, from package-lock.json) when missing. Before each run the machine's
# load average is recorded (`uptime`), and during each run the seconds in which a
# compiler ran ("busy"), since the load tool and the server share the cores with
# whatever else runs. Per-run JSON reports and server logs are
# kept in target/peers/. Both processes run at nice -10 when allowed.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -lt 4 ] || [ "$4" != "--" ]; then
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
rate=$1 quiet=$2 seconds=$3
shift 4
peers=${PEERS:-ours plain python node}
out=target/peers
mkdir -p "$out"

cargo build --release --quiet --bin isymphony-sim
targets=$(cargo bench --bench load_targets --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))/\1/p')

python_dir=benches/peers/python
if ! "$python_dir/.venv/bin/python" -c 'import websockets' 2>/dev/null; then
    python3 -m venv "$python_dir/.venv"
    "$python_dir/.venv/bin/pip" install --quiet -r "$python_dir/requirements.txt"
fi
node_dir=benches/peers/node
if [ ! -d "$node_dir/node_modules/ws" ]; then
    (cd "$node_dir" && npm ci --no-audit --no-fund --silent)
fi

nice_cmd=(nice -n -10)
"${nice_cmd[@]}" true 2>/dev/null || nice_cmd=()

server_command() {
    local knobs=(--rate "$rate" --seconds "$seconds" --quiet "$quiet")
    case $1 in
        ours | plain) echo "$targets" "$1" "${knobs[@]}" ;;
        python) echo "$python_dir/.venv/bin/python" "$python_dir/fake_server.py" "${knobs[@]}" ;;
        node) echo node "$node_dir/fake_server.js" "${knobs[@]}" ;;
        *) echo "unknown peer $1; expected ours, plain, python or node" >&2; return 2 ;;
    esac
}

for peer in $peers; do
    read -r -a command <<<"$(server_command "$peer")"
    # A previous run's files must not be read for this one's URL or report.
    rm -f "$out/$peer".*
    uptime | sed 's/.*load average: //' >"$out/$peer.uptime"
    "${nice_cmd[@]}" "${command[@]}" >"$out/$peer.server.out" 2>"$out/$peer.server.err" &
    server=$!
    url=""
    for _ in $(seq 200); do
        url=$(grep -o 'ws://[^ ]*' "$out/$peer.server.out" || true)
        [ -n "$url" ] && break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "$peer did not print its URL; see $out/$peer.server.err" >&2
        kill "$server" 2>/dev/null || true
        continue
    fi
    # "busy": seconds of the load run during which a compiler ran on the machine.
    (while true; do
        for compiler in rustc clippy-driver cc1 cc1plus; do
            if pgrep -x "$compiler" >/dev/null; then echo busy; break; fi
        done
        sleep 1
    done) >"$out/$peer.busy" &
    sampler=$!
    status=0
    "${nice_cmd[@]}" target/release/isymphony-sim load --target "$url" --json "$@" \
        >"$out/$peer.json" 2>"$out/$peer.load.err" || status=$?
    kill "$sampler" 2>/dev/null || true
    wait "$server" || true
    echo "$peer: load exit $status, load average before $(cat "$out/$peer.uptime")" >&2
done

python3 - "$out" "$rate" $peers <<'EOF'
import json, sys
out, rate, peers = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
def ms(us):
    return "–" if us is None else f"{us / 1000:.2f} ms"
print("| server | load avg before (1/5/15 min) | busy s | offered | delivered/s | p50 | p99 | drops | closed | server CPU | load CPU |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for peer in peers:
    try:
        report = json.load(open(f"{out}/{peer}.json"))
    except (OSError, ValueError):
        print(f"| {peer} | | | | no report (see {out}/{peer}.load.err) | | | | | | |")
        continue
    uptime = open(f"{out}/{peer}.uptime").read().strip()
    busy = len(open(f"{out}/{peer}.busy").read().split())
    latency = report.get("latencyUs") or {}
    server = report["server"]
    closed = sum(server["disconnects"].values())
    closes = ", ".join(f"{n}×{code}" for code, n in server["disconnects"].items()) or "0"
    cpu = server.get("cpu")
    load_cpu = report["loadTool"].get("cpuSeconds")
    rate_text = f"{report['deliveredPerSec'] / 1e6:.2f}M" if report["deliveredPerSec"] >= 1e6 else f"{report['deliveredPerSec'] / 1e3:.1f}k"
    print(f"| {peer} | {uptime} | {busy} | {rate:,.0f} ev/s × {report['clients']} | {rate_text} | "
          f"{ms(latency.get('p50'))} | {ms(latency.get('p99'))} | {'–' if server['drops'] is None else server['drops']} | {closes if closed else 0} | "
          f"{'–' if cpu is None else format(cpu['seconds'], '.1f') + ' s'} | "
          f"{'–' if load_cpu is None else format(load_cpu, '.1f') + ' s'} |")
EOF
