#!/usr/bin/env bash
# One load run split over SHARDS local `load` processes, merged, against one of the
# load_targets servers (BENCHMARKS.md §7):
#
#   benches/sharded.sh MODE RATE QUIET_S SERVER_S SHARDS -- LOAD_ARGS...
#   benches/sharded.sh ours 20 60 100 3 -- --clients 19000 --handshakes 80 --warmup 62s --duration 20s
#
# As benches/side_by_side.sh, but the clients are shared out with --shard I/SHARDS,
# each process writes target/sharded/shard-I.hlog, and `load merge --json` prints the
# merged report on stdout. Each shard's own report is kept in target/sharded/.
# All shards connect from 127.0.0.1: keep SHARDS x --handshakes within the server's
# pending connections per address (256 by default), or the rest are refused with 503.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 6 ] || [ "$6" != "--" ]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
mode=$1 rate=$2 quiet=$3 seconds=$4 shards=$5
shift 6
out=target/sharded
mkdir -p "$out"
# A previous run's files must not be read for this one's URL or shards.
rm -f "$out"/shard-* "$out"/server.*

cargo build --release --quiet --bin isymphony-sim
target=$(cargo bench --bench load_targets --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))/\1/p')
nice_cmd=(nice -n -10)
"${nice_cmd[@]}" true 2>/dev/null || nice_cmd=()

uptime >&2
"${nice_cmd[@]}" "$target" "$mode" --rate "$rate" --seconds "$seconds" --quiet "$quiet" \
    >"$out/server.out" 2>"$out/server.err" &
server=$!
url=""
for _ in $(seq 100); do
    url=$(grep -o 'ws://[^ ]*' "$out/server.out" || true)
    [ -n "$url" ] && break
    sleep 0.1
done
run_id="sharded-$$-$(date +%s)"
pids=()
for ((i = 0; i < shards; i++)); do
    "${nice_cmd[@]}" target/release/isymphony-sim load --target "$url" --json \
        --shard "$i/$shards" --run-id "$run_id" --hdr-out "$out/shard-$i.hlog" "$@" \
        >"$out/shard-$i.json" 2>"$out/shard-$i.err" &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid" || true
done
wait "$server" || true
files=()
for ((i = 0; i < shards; i++)); do files+=("$out/shard-$i.hlog"); done
target/release/isymphony-sim load merge --json "${files[@]}"
