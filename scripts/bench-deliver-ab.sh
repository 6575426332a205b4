#!/usr/bin/env bash
# Deliveries per second of two `webhook` builds, each against its own
# `listen --respond 200`, alternating rounds (run by hand, not in CI):
#   scripts/bench-deliver-ab.sh OLD_BINARY NEW_BINARY [ROUNDS]
# e.g. build the previous commit in a worktree, then compare its
# target/release/webhook with this tree's.
set -euo pipefail
old="${1:?usage: bench-deliver-ab.sh OLD_BINARY NEW_BINARY [ROUNDS]}"
new="${2:?usage: bench-deliver-ab.sh OLD_BINARY NEW_BINARY [ROUNDS]}"
rounds="${3:-3}"

run() { # binary label
    local bin=$1 label=$2 tmp pid url
    tmp="$(mktemp -d)"
    "$bin" listen --port 0 --respond 200 --quiet >"$tmp/listen.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 200); do grep -q listening "$tmp/listen.log" && break; sleep 0.05; done
    url="$(grep -o 'http://[0-9.:]*' "$tmp/listen.log" | head -1)/"
    "$bin" deliver "$url" --count 100000 --concurrency 64 --secret bench-secret --quiet --json \
        >"$tmp/summary.json" 2>/dev/null || true
    python3 -c "import json; d = json.load(open('$tmp/summary.json')); \
print(f\"$label {d['delivered'] / d['elapsed_s']:.0f} deliveries/s\")"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$tmp"
}

for _ in $(seq 1 "$rounds"); do
    run "$old" old
    run "$new" new
done
