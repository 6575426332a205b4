#!/usr/bin/env bash
# The performance report: run by hand on an otherwise idle machine (not in CI).
#   scripts/bench.sh            all sections
#   scripts/bench.sh verify     criterion verify throughput next to openssl
#   scripts/bench.sh http       req/s with wrk: bare route / verify / + memory dedupe / + Redis dedupe,
#                               first deliveries, then duplicates of completed events (*-duplicates)
#                               (ALLOC=mimalloc: the receiver on mimalloc; PIN=1: redis-server alone on
#                               the last CPU, receiver and wrk on the others; ROUNDS, DURATION, CONNECTIONS;
#                               MODES: a subset, or `verify-burn`: verify with a handler burning BURN_NS ns
#                               of pure CPU per request, a calibration of what a cost that size does)
#   scripts/bench.sh deliver    `webhook deliver` throughput and peak RSS for 100k events
#   scripts/bench.sh memory-store
#                               MemoryStore resident bytes per completed record (RECORDS, default 1,000,000)
#   scripts/bench.sh redis-memory
#                               Redis bytes per completed event (INFO memory over EVENTS, default 50,000)
# Needs: openssl, wrk, redis-server (Debian: apt-get install openssl wrk redis-server), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
section="${1:-all}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
ROUNDS="${ROUNDS:-3}"

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench.sh: $1 is required (apt-get install $2)" >&2; exit 1; }; }

cpu_ticks() { # pid -> user+system CPU ticks so far
    awk '{print $14 + $15}' "/proc/$1/stat"
}

wait_for_line() { # file pattern
    for _ in $(seq 1 200); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "bench.sh: timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}

bench_verify() {
    echo "== verify throughput (criterion) next to openssl speed -hmac sha256 =="
    scripts/bench-verify.sh
}

bench_http() {
    need wrk wrk; need redis-server redis-server
    # ALLOC=mimalloc runs the receiver on mimalloc instead of the system allocator.
    cargo build --release -p webhook-bench --bin bench-server ${ALLOC:+--features "$ALLOC"} >/dev/null
    local tmp; tmp="$(mktemp -d)"
    local body; body="$(python3 -c 'import json; print(json.dumps({"id":"evt","type":"bench","data":"x"*(1024-40)})[:1024], end="")')"
    local ts=1700000000
    local sig; sig="v1=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac bench-secret -r | cut -d' ' -f1)"
    local redis_port; redis_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    # PIN=1: redis-server on a core of its own, everything else on the rest.
    local pin_redis=() pin_rest=()
    if [[ "${PIN:-0}" == 1 ]]; then
        local last=$(( $(nproc) - 1 ))
        (( last > 0 )) || { echo "bench.sh: PIN=1 needs 2 CPUs or more" >&2; exit 1; }
        pin_redis=(taskset -c "$last"); pin_rest=(taskset -c "0-$(( last - 1 ))")
    fi
    "${pin_redis[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
    local redis_pid=$!
    trap 'kill $redis_pid 2>/dev/null; wait $redis_pid 2>/dev/null || true' RETURN
    wait_for_line "$tmp/redis.log" "Ready to accept connections"
    echo "== HTTP req/s, wrk -t2 -c$CONNECTIONS -d$DURATION, 1 KiB body, median of $ROUNDS rounds (modes alternate within a round)${PIN:+, PIN=$PIN} =="
    local results="$tmp/results.txt"
    : >"$results"
    for round in $(seq 1 "$ROUNDS"); do
        for mode in ${MODES:-bare verify memory redis memory-duplicates redis-duplicates}; do
            redis-cli -p "$redis_port" flushall >/dev/null
            local args=(--mode "$mode")
            [[ "$mode" == verify-burn ]] && args=(--mode verify --handler-burn "${BURN_NS:-3300}")
            "${pin_rest[@]}" target/release/bench-server "${args[@]}" --prefill 10000 --redis-url "redis://127.0.0.1:$redis_port" >"$tmp/server.log" 2>&1 &
            local pid=$!
            wait_for_line "$tmp/server.log" "listening on"
            local url; url="$(grep -o 'http://[0-9.:]*' "$tmp/server.log")/"
            local s0 r0; s0="$(cpu_ticks "$pid")"; r0="$(cpu_ticks "$redis_pid")"
            local dup=0; [[ "$mode" == *-duplicates ]] && dup=10000
            WRK_RUN="$mode$round" WRK_DUP="$dup" WRK_BODY="$body" WRK_TS="$ts" WRK_SIG="$sig" \
                "${pin_rest[@]}" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s scripts/wrk-webhook.lua "$url" >"$tmp/wrk.log" 2>&1
            local s1 r1; s1="$(cpu_ticks "$pid")"; r1="$(cpu_ticks "$redis_pid")"
            kill "$pid"; wait "$pid" 2>/dev/null || true
            echo "$mode $(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.log") $(awk '/non-2xx/ {print $2}' "$tmp/wrk.log")" \
                "$(awk '/requests in/ {print $1}' "$tmp/wrk.log") $((s1 - s0)) $((r1 - r0))" >>"$results"
        done
    done
    python3 - "$results" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
runs = {}
cpu = {}
tick_us = 1e6 / int(sys.argv[2])
for line in open(sys.argv[1]):
    mode, rps, non2xx, requests, server_ticks, redis_ticks = line.split()
    runs.setdefault(mode, []).append((float(rps), int(non2xx)))
    # CPU time per request of the receiver and of redis-server, from /proc.
    cpu.setdefault(mode, []).append((int(server_ticks) * tick_us / int(requests),
                                     int(redis_ticks) * tick_us / int(requests)))
med = {m: statistics.median(r for r, _ in v) for m, v in runs.items()}
for mode, v in runs.items():
    rounds = ", ".join(f"{r:.0f}" for r, _ in v)
    server_us = statistics.median(s for s, _ in cpu[mode])
    redis_us = statistics.median(r for _, r in cpu[mode])
    ratio = lambda base: f"{med[mode] / med[base]:.2f}" if base in med else "-"
    print(f"{mode:17} {med[mode]:9.0f} req/s  x bare {ratio('bare')}"
          f"  x verify {ratio('verify')}"
          f"  CPU/request: receiver {server_us:.1f} us, redis-server {redis_us:.1f} us"
          f"  (rounds: {rounds}; non-2xx {sum(n for _, n in v)})")
PY
}

bench_deliver() {
    cargo build --release -p webhook-cli >/dev/null
    local tmp; tmp="$(mktemp -d)"
    target/release/webhook listen --port 0 --respond 200 --quiet >"$tmp/listen.log" 2>&1 &
    local pid=$!
    wait_for_line "$tmp/listen.log" "listening on"
    local url; url="$(grep -o 'http://[0-9.:]*' "$tmp/listen.log" | head -1)/"
    echo "== webhook deliver: 100,000 events, concurrency 64, to 'webhook listen --respond 200' =="
    /usr/bin/time -v target/release/webhook deliver "$url" --count 100000 --concurrency 64 \
        --secret bench-secret --quiet --json >"$tmp/summary.json" 2>"$tmp/time.log"
    python3 - "$tmp/summary.json" "$tmp/time.log" <<'PY'
import json, re, sys
summary = json.load(open(sys.argv[1]))
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read())
print(json.dumps(summary, indent=1)[:2000])
print(f"peak RSS: {int(rss.group(1)) / 1024:.1f} MiB" if rss else "peak RSS: unknown")
PY
    echo "== wrk on the same receiver (unsigned POST, same concurrency) =="
    WRK_RUN=deliver WRK_BODY='{"id":"evt"}' WRK_TS=0 WRK_SIG=v1=00 \
        wrk -t2 -c64 -d"$DURATION" -s scripts/wrk-webhook.lua "$url" | grep -E 'Requests/sec|Latency'
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

bench_redis_memory() {
    need redis-server redis-server
    cargo build --release -p webhook-bench --bin redis-memory >/dev/null
    local tmp; tmp="$(mktemp -d)"
    local redis_port; redis_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    # noeviction, as the README asks of a production Redis; no persistence.
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
        --maxmemory-policy noeviction --daemonize no >"$tmp/redis.log" 2>&1 &
    local redis_pid=$!
    trap 'kill $redis_pid 2>/dev/null; wait $redis_pid 2>/dev/null || true' RETURN
    wait_for_line "$tmp/redis.log" "Ready to accept connections"
    echo "== $(redis-server --version | cut -d' ' -f1-3) =="
    target/release/redis-memory --redis-url "redis://127.0.0.1:$redis_port" --events "${EVENTS:-50000}"
}

bench_memory_store() {
    cargo build --release -p webhook-bench --bin memory-store-bytes >/dev/null
    target/release/memory-store-bytes --records "${RECORDS:-1000000}"
}

case "$section" in
    verify) bench_verify ;;
    http) bench_http ;;
    deliver) bench_deliver ;;
    memory-store) bench_memory_store ;;
    redis-memory) bench_redis_memory ;;
    all) bench_verify; bench_http; bench_deliver; bench_memory_store; bench_redis_memory ;;
    *) echo "usage: scripts/bench.sh [verify|http|deliver|memory-store|redis-memory|all]" >&2; exit 2 ;;
esac
