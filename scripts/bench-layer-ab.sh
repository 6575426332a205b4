#!/usr/bin/env bash
# The idempotency layer's criterion benchmark for two builds, alternating
# short runs and pairing them, so that a machine whose speed drifts within
# minutes still compares like with like (run by hand, not in CI):
#   scripts/bench-layer-ab.sh OLD_BENCH NEW_BENCH [FILTER] [ROUNDS]
# OLD_BENCH / NEW_BENCH: the executables `cargo bench -p webhook-idempotency
# --bench layer --no-run` prints ("Executable benches/layer.rs (PATH)"),
# built from two trees (copy the first before building the second). FILTER
# picks the benchmark, as criterion's filter does (default "2 workers");
# ROUNDS defaults to 8. Prints each round's median for both builds and the
# median of the per-round ratios new/old.
set -euo pipefail
old="${1:?usage: bench-layer-ab.sh OLD_BENCH NEW_BENCH [FILTER] [ROUNDS]}"
new="${2:?usage: bench-layer-ab.sh OLD_BENCH NEW_BENCH [FILTER] [ROUNDS]}"
filter="${3:-2 workers}"
rounds="${4:-8}"

median_us() { # bench-binary -> the median time of the one matching benchmark, in µs
    "$1" --bench "$filter" --measurement-time 1.5 --warm-up-time 0.5 --noplot 2>/dev/null |
        awk '/time:/ { gsub(/\[/, ""); v = $4; u = $5;
                       if (u == "ns") v /= 1000; else if (u == "ms") v *= 1000;
                       print v; exit }'
}

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for round in $(seq 1 "$rounds"); do
    o="$(median_us "$old")"; n="$(median_us "$new")"
    [[ -n "$o" && -n "$n" ]] || { echo "bench-layer-ab.sh: no benchmark matches '$filter'" >&2; exit 1; }
    echo "round $round: old $o µs, new $n µs"
    echo "$o $n" >>"$results"
done
python3 - "$results" <<'PY'
import statistics, sys
pairs = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
ratios = [n / o for o, n in pairs]
print("new/old, median of %d paired rounds: %.3f (%s)"
      % (len(ratios), statistics.median(ratios), " ".join("%.2f" % r for r in ratios)))
PY
