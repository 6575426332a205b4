//! The receiver `scripts/bench.sh` loads with wrk: one POST route, in one of
//! four configurations, so each layer's cost shows up as a ratio.
//!
//! ```sh
//! cargo run --release -p webhook-bench --bin bench-server -- --mode verify
//! ```
//!
//! The `*-duplicates` modes first complete `--prefill` events (ids
//! `dup_0` … through the whole stack, before listening) so that a load
//! script cycling over those ids (`WRK_DUP` in `scripts/wrk-webhook.lua`)
//! sends nothing but duplicates of completed events.
//!
//! It prints `listening on http://ADDR` once bound. Verification uses the
//! default scheme with the secret `bench-secret` and no timestamp check, so
//! one pre-signed request stays valid for the whole run. Dedupe keys on
//! `X-Webhook-Id`, which the load script makes unique per request: an
//! explicit `IdSource::header`, because the layer's default keys on signed
//! bytes only (here the one body, whose `"id"` never changes), and a load
//! generator cannot sign a fresh body per request at this rate.

use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::routing::post;
use clap::{Parser, ValueEnum};
use http::Request;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use webhook_idempotency::{IdSource, IdempotencyLayer, MemoryStore, RedisStore, Store};
use webhook_verify::{Scheme, Signer, Verifier, VerifyLayer, headers};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    /// The route alone: reads the body, answers 200.
    Bare,
    /// With the verify layer.
    Verify,
    /// Verify and dedupe in memory.
    Memory,
    /// Verify and dedupe in Redis.
    Redis,
    /// As `memory`, with `--prefill` events completed before listening.
    MemoryDuplicates,
    /// As `redis`, with `--prefill` events completed before listening.
    RedisDuplicates,
}

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, value_enum)]
    mode: Mode,
    #[arg(long, default_value_t = 0)]
    port: u16,
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// Events `dup_0`, `dup_1`, … completed before listening, in the
    /// `*-duplicates` modes.
    #[arg(long, default_value_t = 10_000)]
    prefill: u32,
    /// Nanoseconds of pure CPU the handler burns per request (spinning on
    /// the monotonic clock): a calibration of what a per-request cost of
    /// that size, with no memory traffic, does to the ratios.
    #[arg(long, default_value_t = 0)]
    handler_burn: u64,
}

/// Dedupe keyed on the load script's unique `X-Webhook-Id` (see the
/// module docs for why not the default).
fn dedupe(store: impl Store) -> anyhow::Result<IdempotencyLayer> {
    Ok(IdempotencyLayer::builder(store)
        .event_id(IdSource::Header(headers::X_WEBHOOK_ID))
        .build()?)
}

async fn handler(burn: Duration, body: Bytes) -> &'static str {
    std::hint::black_box(body);
    if !burn.is_zero() {
        let start = Instant::now();
        while start.elapsed() < burn {
            std::hint::spin_loop();
        }
    }
    "ok"
}

/// Completes events `dup_0` … `dup_{count - 1}` through `app`.
async fn prefill(app: &Router, count: u32) -> anyhow::Result<()> {
    let signer = Signer::new(Scheme::Webhook, "bench-secret")?;
    let body = br#"{"id":"evt","type":"bench"}"#;
    let signature = signer.sign(body, 1_700_000_000, None)?;
    for n in 0..count {
        let mut req = Request::post("/")
            .header(headers::X_WEBHOOK_ID, format!("dup_{n}"))
            .body(Body::from(&body[..]))?;
        req.headers_mut().extend(signature.clone());
        let res = app.clone().oneshot(req).await?;
        anyhow::ensure!(res.status() == 200, "prefill answered {}", res.status());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let verify = || -> anyhow::Result<VerifyLayer> {
        let verifier = Verifier::builder(Scheme::Webhook)
            .secret("bench-secret")
            .disable_timestamp_check()
            .build()?;
        Ok(VerifyLayer::new(verifier))
    };
    let burn = Duration::from_nanos(args.handler_burn);
    let route = Router::new().route("/", post(move |body| handler(burn, body)));
    let redis = || async {
        RedisStore::connect(&args.redis_url)
            .await
            .with_context(|| format!("connecting to {}", args.redis_url))
    };
    let app = match args.mode {
        Mode::Bare => route,
        Mode::Verify => route.layer(verify()?),
        Mode::Memory | Mode::MemoryDuplicates => route
            .layer(dedupe(MemoryStore::new().max_entries(10_000_000))?)
            .layer(verify()?),
        Mode::Redis | Mode::RedisDuplicates => {
            route.layer(dedupe(redis().await?)?).layer(verify()?)
        }
    };
    if matches!(args.mode, Mode::MemoryDuplicates | Mode::RedisDuplicates) {
        prefill(&app, args.prefill).await?;
    }
    let listener = TcpListener::bind(("127.0.0.1", args.port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
