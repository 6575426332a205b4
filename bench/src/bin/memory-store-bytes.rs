//! What a completed record costs in a [`MemoryStore`]:
//! `scripts/bench.sh memory-store` runs this.
//!
//! ```sh
//! cargo run --release -p webhook-bench --bin memory-store-bytes -- --records 1000000
//! ```
//!
//! It claims and completes `--records` events (keys shaped like the
//! layer's, status 200 with a 2-byte body, no headers, no fingerprint: the
//! default) and prints the process's resident-memory growth per record, so
//! the figure includes the map's spare capacity, the expiry index and the
//! allocator's overhead.

use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use clap::Parser;
use http::StatusCode;
use webhook_idempotency::MemoryStore;
use webhook_idempotency::store::{Fingerprint, Outcome, OwnerToken, Store};

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value_t = 1_000_000)]
    records: usize,
}

/// Resident memory of this process, in bytes.
fn resident() -> anyhow::Result<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").context("reading /proc/self/statm")?;
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .context("no resident field in /proc/self/statm")?
        .parse()?;
    Ok(pages * 4096)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let store = MemoryStore::new().max_entries(args.records.max(1));
    let mut outcome = Outcome::new(StatusCode::OK);
    outcome.body = Bytes::from_static(b"ok");
    let fingerprint = Fingerprint::of(b"{}");
    let before = resident()?;
    for n in 0..args.records {
        let key = format!("webhook:default:{n:022}");
        let token = OwnerToken::random();
        store
            .acquire(&key, token, fingerprint, Duration::from_secs(60))
            .await?;
        store
            .complete(&key, token, &outcome, None, Duration::from_secs(3600))
            .await?;
    }
    let grown = resident()?.saturating_sub(before);
    println!(
        "{} records: {} bytes of resident memory per completed record",
        store.len(),
        grown / args.records.max(1)
    );
    Ok(())
}
