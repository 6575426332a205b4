#!/usr/bin/env bash
# The project's test command (the README's and CI's): installs what the tests
# need, then runs the format check, clippy with warnings denied, and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need_redis() {
    command -v "${REDIS_SERVER_BIN:-redis-server}" >/dev/null 2>&1 &&
        command -v "${REDIS_CLI_BIN:-redis-cli}" >/dev/null 2>&1
}

# The README cookbook's test pipes `webhook sign --curl` into sh.
need_curl() {
    command -v curl >/dev/null 2>&1
}

# The inspector's browser test drives a headless Chromium over WebDriver.
need_chromium() {
    command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 &&
        command -v "${CHROMEDRIVER:-chromedriver}" >/dev/null 2>&1
}

missing=()
need_redis || missing+=(redis-server)
need_curl || missing+=(curl)
need_chromium || missing+=(chromium chromium-driver)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "test.sh: installing ${missing[*]} (needed by the tests)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
        # The tests start their own servers; the packaged service is not needed.
        (service redis-server stop || true) >/dev/null 2>&1
    else
        echo "test.sh: the tests need ${missing[*]}." >&2
        echo "         Install them (Debian/Ubuntu: sudo apt-get install redis-server curl chromium" >&2
        echo "         chromium-driver; macOS: brew install redis curl chromedriver) or set" >&2
        echo "         REDIS_SERVER_BIN/REDIS_CLI_BIN, CHROMIUM/CHROMEDRIVER." >&2
        exit 1
    fi
fi

echo "==> cargo fmt --check" >&2
cargo fmt --all --check

echo "==> cargo clippy (warnings are errors)" >&2
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "==> cargo doc (warnings are errors)" >&2
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked

echo "==> cargo test" >&2
cargo test --workspace --all-features --locked
