#!/usr/bin/env bash
# Verify throughput of webhook-verify next to `openssl speed -hmac sha256`.
#
# Runs the criterion benchmark (benches/verify.rs: every scheme, the bare
# primitives — HMAC-SHA256, HMAC-SHA1, Ed25519, ECDSA P-256 — and a minimal
# hand-written verifier of the default format, at 1 KiB and 64 KiB bodies), then OpenSSL at the same sizes, and prints a markdown table
# in decimal MB/s with each figure's ratio to OpenSSL and to the scheme's own
# bare primitive.
#
# Usage: scripts/bench-verify.sh [criterion filter…]   (default: each benchmark in its own run)
# Env:   OPENSSL_SECONDS (default 3)  seconds per OpenSSL size
#        OPENSSL_ELAPSED=1            divide by wall-clock time like criterion
#                                     does (openssl defaults to CPU user time,
#                                     which flatters it on a busy machine)
#        SKIP_CARGO=1                 reuse the last criterion log
set -euo pipefail

cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
log="$target_dir/bench-verify.log"
seconds="${OPENSSL_SECONDS:-3}"
sizes=(1024 65536)
elapsed=()
[[ "${OPENSSL_ELAPSED:-}" == 1 ]] && elapsed=(-elapsed)

command -v openssl >/dev/null || {
    echo "bench-verify: openssl is not installed (apt-get install openssl)" >&2
    exit 1
}

# Every benchmark id (each scheme, then the bare primitives), from the
# bench's own list, so a new scheme is measured without editing this file.
bench_ids() {
    cargo bench -q -p webhook-verifier --bench verify -- --list 2>/dev/null |
        awk -F'[/:]' '/^verify\/1KiB\// { print $3 }'
}

# The bare primitive a scheme is built on, to compare it with.
primitive() {
    case $1 in
        intercom | twilio) echo hmac-sha1 ;;
        minimal-*) echo hmac-sha256 ;;
        discord | standard-v1a) echo ed25519 ;;
        sendgrid) echo ecdsa-p256 ;;
        # A token signs nothing; Mailgun's MAC covers 60 bytes, not the body.
        gitlab | mailgun | hmac-* | ed25519 | ecdsa-*) echo - ;;
        *) echo hmac-sha256 ;;
    esac
}

if [[ "${SKIP_CARGO:-}" != 1 ]]; then
    mkdir -p "$target_dir"
    : >"$log"
    # One process per benchmark: run as one group, the first benchmarks of
    # the group measured 10-15% slower than the same benchmark run alone
    # (the bare HMAC, run last, was unaffected), whatever their order.
    filters=("$@")
    if [[ ${#filters[@]} -eq 0 ]]; then
        filters=()
        for size in 1KiB 64KiB; do
            for id in $(bench_ids); do
                filters+=("^verify/$size/$id\$")
            done
        done
    fi
    for filter in "${filters[@]}"; do
        echo "+ cargo bench -p webhook-verifier --bench verify -- $filter" >&2
        cargo bench -p webhook-verifier --bench verify -- "$filter" | tee -a "$log" >&2
    done
fi
[[ -s "$log" ]] || { echo "bench-verify: no criterion output in $log" >&2; exit 1; }

# criterion lines look like
#   verify/1KiB/stripe      time:   [1.0 µs 1.1 µs 1.2 µs]
#                           thrpt:  [850.1 MB/s 900.2 MB/s 910.3 MB/s]
# (a long name sits on a line of its own). Keep the middle estimate, in MB/s.
criterion_mbps() {
    awk '
        /^verify\// { name = $1; want = 1; next }
        want && $1 == "thrpt:" {
            value = $4; unit = $5
            factor = (unit == "GB/s") ? 1000 : (unit == "MB/s") ? 1 : (unit == "KB/s") ? 0.001 : (unit == "B/s") ? 0.000001 : -1
            if (factor > 0) printf "%s %.1f\n", name, value * factor
            want = 0
        }
    ' "$log"
}

# openssl -mr prints "+F:<n>:hmac(sha256):<bytes per second>".
openssl_mbps() {
    local bytes=$1
    echo "+ openssl speed -mr ${elapsed[*]} -hmac sha256 -bytes $bytes -seconds $seconds" >&2
    openssl speed -mr "${elapsed[@]}" -hmac sha256 -bytes "$bytes" -seconds "$seconds" 2>/dev/null |
        awk -F: '/^\+F:/ { printf "%.1f\n", $4 / 1e6 }'
}

declare -A ossl
for bytes in "${sizes[@]}"; do
    ossl[$bytes]=$(openssl_mbps "$bytes")
    [[ -n "${ossl[$bytes]}" ]] || { echo "bench-verify: could not read openssl speed output" >&2; exit 1; }
done

declare -A crit
while read -r name mbps; do
    crit[$name]=$mbps
done < <(criterion_mbps)
[[ ${#crit[@]} -gt 0 ]] || { echo "bench-verify: no throughput lines in $log" >&2; exit 1; }

label() { case $1 in 1024) echo 1KiB ;; 65536) echo 64KiB ;; esac; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo
echo "$(openssl version); $(nproc) CPUs; $(grep -m1 -o 'sha_ni' /proc/cpuinfo 2>/dev/null || echo 'no sha_ni')"
echo
echo "| verify (MB/s) | 1 KiB | × openssl | × own primitive | 64 KiB | × openssl | × own primitive |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for id in $(bench_ids); do
    row="| $id"
    base=$(primitive "$id")
    for bytes in "${sizes[@]}"; do
        size=$(label "$bytes")
        value="${crit[verify/$size/$id]:-}"
        own="${crit[verify/$size/$base]:-}"
        if [[ -n "$value" ]]; then
            row+=" | $value | $(ratio "$value" "${ossl[$bytes]}")"
            if [[ -n "$own" ]]; then row+=" | $(ratio "$value" "$own") ($base)"; else row+=" | –"; fi
        else
            row+=" | – | – | –"
        fi
    done
    echo "$row |"
done
echo "| openssl speed -hmac sha256 | ${ossl[1024]} | 1.00 | – | ${ossl[65536]} | 1.00 | – |"
