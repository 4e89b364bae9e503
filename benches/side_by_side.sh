#!/usr/bin/env bash
# One load run against one of the load_targets servers, as in BENCHMARKS.md:
#
#   benches/side_by_side.sh MODE RATE QUIET_S SERVER_S -- LOAD_ARGS...
#   benches/side_by_side.sh ours  20000 5 35 -- --clients 100 --warmup 7s --duration 20s
#   benches/side_by_side.sh plain 20000 5 35 -- --clients 100 --warmup 7s --duration 20s
#
# MODE is ours or plain. The server runs on 127.0.0.1 (a free port), sends nothing
# for QUIET_S seconds so clients can connect, plays RATE events/s and stops by
# itself after SERVER_S seconds; the load report (JSON) goes to stdout, the
# server's RSS/CPU lines to stderr. Both processes run at nice -10 when allowed,
# so that concurrent builds disturb the figures less. SERVER_ARGS goes to the
# server, e.g. SERVER_ARGS="--slow-consumer disconnect" for ours.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=$1 rate=$2 quiet=$3 seconds=$4
shift 5

cargo build --release --quiet --bin isymphony-sim
target=$(cargo bench --bench load_targets --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))/\1/p')
nice_cmd=(nice -n -10)
"${nice_cmd[@]}" true 2>/dev/null || nice_cmd=()

server_out=$(mktemp)
# shellcheck disable=SC2086 # SERVER_ARGS is a list of flags
"${nice_cmd[@]}" "$target" "$mode" --rate "$rate" --seconds "$seconds" --quiet "$quiet" ${SERVER_ARGS:-} >"$server_out" &
server=$!
url=""
for _ in $(seq 100); do
    url=$(grep -o 'ws://[^ ]*' "$server_out" || true)
    [ -n "$url" ] && break
    sleep 0.1
done
status=0
"${nice_cmd[@]}" target/release/isymphony-sim load --target "$url" --json "$@" || status=$?
wait "$server"
rm -f "$server_out"
exit "$status"
