//! What a record costs in Redis: `scripts/bench.sh redis-memory` runs this
//! against a fresh `redis-server`.
//!
//! ```sh
//! cargo run --release -p webhook-bench --bin redis-memory -- --redis-url redis://127.0.0.1:6379 --events 50000
//! ```
//!
//! For each configuration it sends `--events` first deliveries (unique ids,
//! 64 at a time) through the real [`IdempotencyLayer`] over a
//! [`RedisStore`], then reads `used_memory` from `INFO memory` and prints the
//! growth per completed event. The database is flushed between
//! configurations. The handler answers `200` with an empty body, or with
//! `--body-bytes` of body (recorded, as the layer records bodies up to its
//! cap).

use std::convert::Infallible;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::Parser;
use futures_util::StreamExt as _;
use http::{Request, Response};
use http_body_util::Full;
use tower::{Layer as _, ServiceExt as _, service_fn};
use webhook_idempotency::{BufferedBody, IdSource, IdempotencyLayer, OnMismatch, RedisStore};
use webhook_verify::headers;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// Completed events per configuration (at least 20,000 for a stable
    /// figure: Redis grows its tables in steps).
    #[arg(long, default_value_t = 50_000)]
    events: u64,
}

/// One configuration of the layer to measure.
struct Case {
    name: &'static str,
    strict: bool,
    body: &'static [u8],
}

const CASES: &[Case] = &[
    Case {
        name: "default (no body, no fingerprint)",
        strict: false,
        body: b"",
    },
    Case {
        name: "strict mode (keeps the fingerprint)",
        strict: true,
        body: b"",
    },
    Case {
        name: "a 2-byte body recorded (\"ok\")",
        strict: false,
        body: b"ok",
    },
];

async fn used_memory(con: &mut redis::aio::MultiplexedConnection) -> anyhow::Result<u64> {
    let info: String = redis::cmd("INFO").arg("memory").query_async(con).await?;
    info.lines()
        .find_map(|line| line.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .context("no used_memory in INFO memory")
}

async fn measure(args: &Args, case: &Case) -> anyhow::Result<f64> {
    let client = redis::Client::open(args.redis_url.as_str())?;
    let mut con = client.get_multiplexed_async_connection().await?;
    let _: () = redis::cmd("FLUSHALL").query_async(&mut con).await?;
    let store = RedisStore::connect(&args.redis_url).await?;
    let layer = IdempotencyLayer::builder(store)
        .event_id(IdSource::Header(headers::X_WEBHOOK_ID))
        .on_fingerprint_mismatch(if case.strict {
            OnMismatch::Reject
        } else {
            OnMismatch::Duplicate
        })
        .build()?;
    let body = case.body;
    let service = layer.layer(service_fn(move |_req: Request<BufferedBody>| async move {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(body))))
    }));
    let before = used_memory(&mut con).await?;
    let payload = Bytes::from(vec![b'x'; 1024]);
    let statuses: Vec<u16> = futures_util::stream::iter(0..args.events)
        .map(|n| {
            let service = service.clone();
            let req = Request::post("/")
                .header(headers::X_WEBHOOK_ID, format!("evt_{n:08}"))
                .body(Full::new(payload.clone()));
            async move {
                let req = req.context("building a request")?;
                let res = service.oneshot(req).await?;
                anyhow::Ok(res.status().as_u16())
            }
        })
        .buffer_unordered(64)
        .map(|status| status.unwrap_or(0))
        .collect()
        .await;
    if let Some(bad) = statuses.iter().find(|s| **s != 200) {
        bail!("a delivery was answered {bad}, not 200: is Redis healthy?");
    }
    let keys: u64 = redis::cmd("DBSIZE").query_async(&mut con).await?;
    if keys != args.events {
        bail!("{keys} keys for {} events", args.events);
    }
    let after = used_memory(&mut con).await?;
    Ok(after.saturating_sub(before) as f64 / args.events as f64)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!(
        "Redis memory per completed event, {} events each (used_memory growth / events):",
        args.events
    );
    for case in CASES {
        let bytes = measure(&args, case).await?;
        println!("  {:40} {bytes:6.0} bytes", case.name);
    }
    Ok(())
}
