#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS [TARGET…]]: runs the cargo-fuzz targets (all by
# default) for SECONDS (default 300) each and prints a
# one-line result per target. Needs cargo-fuzz (`cargo install cargo-fuzz`);
# RUSTC_BOOTSTRAP lets the stable toolchain accept the sanitizer flags.
# Not part of CI: run it by hand and record the result in the README.
#
# First it runs the fuzz crate's tests, which fail when a scheme in
# Scheme::ALL has no verify_<name> target (see fuzz/src/lib.rs to add one)
# or when the driver can no longer write a valid request for a scheme.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
if ! check="$(cargo test --quiet 2>&1)"; then
    echo "$check" | grep -v '^\s*$' | tail -40
    echo "fuzz.sh: the fuzz crate's checks failed (above); fix them before fuzzing" >&2
    exit 1
fi
seconds="${1:-300}"
shift || true
targets="${*:-$(cargo fuzz list)}"
for target in $targets; do
    log="$(mktemp)"
    extra=()
    [ -d "seeds/$target" ] && extra+=("corpus/$target" "seeds/$target")
    [ "$target" = capture_line ] && dict=(-dict=capture.dict) || dict=()
    mkdir -p "corpus/$target"
    if RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" "${extra[@]}" -- "${dict[@]}" -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
        cov=$(grep -E '^#[0-9]+.*DONE' "$log" | grep -o 'cov: [0-9]*' | head -1)
        echo "$target: ok, ${runs:-?} executions in ${seconds}s, ${cov:-cov: ?}, 0 crashes"
    else
        echo "$target: FAILED (log: $log)"
        tail -40 "$log"
        exit 1
    fi
done
