//! Process each webhook event **at most once** across retries, replays and
//! any number of receiver processes — while a failed attempt stays
//! retryable, so no event is lost.
//!
//! Senders deliver at least once: they retry on timeouts and 5xx, and a
//! captured request can be replayed inside the signature's tolerance. The
//! usual "GET, process, SET" lets two concurrent deliveries both run the
//! handler; "mark processed first" loses events whose handler fails.
//! [`IdempotencyLayer`] keeps one record per event id in a [`Store`]
//! ([`RedisStore`] to share it between processes, [`MemoryStore`] for one):
//!
//! | record | what the layer does |
//! |---|---|
//! | none (or expired) | claims it with a random [`OwnerToken`] and a lease, runs the handler |
//! | completed | replays the recorded status (and allow-listed headers, body up to a cap) with `Idempotent-Replayed: true`; handler not called |
//! | in progress elsewhere | **409** with `Retry-After` = lease remaining (never a 2xx, never 410) |
//!
//! After the handler returns, its **status** decides: 2xx (or a status
//! marked final with [`final_statuses`](IdempotencyLayerBuilder::final_statuses))
//! → the record becomes *completed* for the retention TTL (72 h by default);
//! any other status, an inner-service error or a panic → the claim is
//! *released* so the sender's retry processes the event. Release (and
//! renewal) is compare-and-set on the owner token: a worker whose lease
//! expired cannot give back or keep a key that another worker now owns.
//! Completion records a fact — the handler ran to a final answer — so it
//! is recorded even then, and the next retry does not run the event again.
//!
//! The handler runs inside the request, as under any tower middleware (in
//! the caller's task, with its tracing span and task-locals), and so does
//! the rest of the event's work; if the request goes away, all of it moves
//! to a task of its own, so a client that disconnects does not cancel it,
//! and its outcome is still recorded. While it runs, the layer's heartbeat
//! — one task per layer, one batched store call every `lease / 3` — renews
//! its claim, whether or not the handler's future is being polled.
//!
//! ```
//! use std::convert::Infallible;
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use bytes::Bytes;
//! use http::{Request, Response, StatusCode};
//! use http_body_util::Full;
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//! use webhook_idempotency::{BufferedBody, IdSource, IdempotencyLayer, MemoryStore};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let calls = Arc::new(AtomicUsize::new(0));
//! let counted = calls.clone();
//! let handler = service_fn(move |_req: Request<BufferedBody>| {
//!     counted.fetch_add(1, Ordering::SeqCst);
//!     async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("done")))) }
//! });
//! let layer = IdempotencyLayer::builder(MemoryStore::new())
//!     .event_id(IdSource::json("/id")) // no verify layer here; the default keys on signed bytes
//!     .build()?;
//! let service = ServiceBuilder::new().layer(layer.clone()).service(handler);
//!
//! let delivery = || Request::post("/webhooks").body(Full::new(Bytes::from(r#"{"id":"evt_1"}"#)));
//! let first = service.clone().oneshot(delivery()?).await?;
//! assert_eq!(first.status(), StatusCode::OK);
//! assert!(first.headers().get("idempotent-replayed").is_none());
//!
//! // The sender retries: same status, handler not called again.
//! let retry = service.clone().oneshot(delivery()?).await?;
//! assert_eq!(retry.status(), StatusCode::OK);
//! assert_eq!(retry.headers()["idempotent-replayed"], "true");
//! assert_eq!(calls.load(Ordering::SeqCst), 1);
//!
//! // No id → 400.
//! let res = service.oneshot(Request::post("/webhooks").body(Full::new(Bytes::from("{}")))?).await?;
//! assert_eq!(res.status(), StatusCode::BAD_REQUEST);
//! assert_eq!(layer.metrics().duplicates, 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Where it goes
//!
//! *Inside* the verify layer, so unverified requests never touch the store:
//! with `tower::ServiceBuilder`, add `VerifyLayer` first, then
//! `IdempotencyLayer`; with axum's `Router::layer` (the last one added is
//! the outermost), add `IdempotencyLayer` first:
//!
//! ```
//! use axum::{Router, routing::post};
//! use webhook_idempotency::{IdempotencyLayer, MemoryStore};
//! use webhook_verify::{Scheme, Verifier, VerifyLayer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new(); // or RedisStore::connect(url).await? to share it
//! let app: Router = Router::new()
//!     .route("/webhooks", post(|| async { "ok" }))
//!     .layer(IdempotencyLayer::new(store))
//!     .layer(VerifyLayer::new(Verifier::new(Scheme::Webhook, "s3cret")?));
//! # Ok(())
//! # }
//! ```
//!
//! The event id comes from [`IdSource`]. The default,
//! [`IdSource::Verified`], keys only on bytes the signature covers: the
//! scheme's event id when it is signed (Standard Webhooks' `webhook-id`),
//! else the verified body's top-level `"id"` (Stripe, this toolkit's default
//! scheme), else the SHA-256 of the verified body (GitHub, Slack). Unsigned
//! id headers (`X-Webhook-Id`, `X-GitHub-Delivery`) are never the default
//! key: anyone holding one captured request could resend it under a fresh id.
//! Keys are `{prefix}:{scope}:{base64url(sha256(kind, id)[..16])}` (see [`EventKey`]):
//! bounded whatever the id's length, and a number never shares a key with a
//! string. The layer needs a Tokio runtime (its heartbeat is a task); use a
//! multi-thread one if handlers may block their thread.
//!
//! # What "exactly once" means here
//!
//! With a healthy store this layer guarantees:
//!
//! - **no concurrent double execution**: one delivery holds the claim, the
//!   others get 409 and retry later; the claim is renewed for as long as the
//!   handler runs, and is not given back while work it started may still
//!   run (a handler timeout keeps it until its lease ends);
//! - **no re-execution after a recorded success** within the retention TTL —
//!   and a success is recorded even if the store blinks (recording is
//!   retried for up to a lease, the claim renewed meanwhile);
//! - **no acknowledged-but-unprocessed event**: a 2xx is only sent for a
//!   handler that returned 2xx (or for a replay of one); failures release
//!   the claim, and store outages, a full store and handler timeouts answer
//!   503, so the sender retries.
//!
//! A non-final answer (5xx by default) means "not processed": the retry
//! runs the handler again, so a handler should fail before its side effects
//! or make them idempotent.
//!
//! What can still run an event twice, and nothing else:
//!
//! - **a lost record**: a Redis **failover** to a replica that had not
//!   received the latest writes (replication is asynchronous), or a restart
//!   without persistence — configure AOF (`appendonly yes`);
//! - **eviction**: Redis evicting keys under memory pressure (configure
//!   `maxmemory-policy noeviction`), or a `MemoryStore` you configured with
//!   [`WhenFull::EvictCompleted`];
//! - **work that outlives its claim**: a worker paused past
//!   its lease with no heartbeat possible — a frozen process or VM, every
//!   runtime thread blocked, the store unreachable for longer than a lease
//!   (renewals and the recording both fail), or work a timed-out handler
//!   left running past the lease. Another delivery then claims the event
//!   while the first one's side effects may still happen; the first worker
//!   can no longer release or renew the claim (it is fenced out), and
//!   whichever finishes last records the outcome.
//!
//! So make the handler's own write idempotent where it matters — a unique
//! constraint on the event id, or a fencing check with the owner token:
//!
//! ```
//! use http::Request;
//! use webhook_idempotency::{BufferedBody, EventKey, OwnerToken};
//!
//! fn handle(req: Request<BufferedBody>) {
//!     let event = req.extensions().get::<EventKey>().expect("claimed by the layer");
//!     let token = req.extensions().get::<OwnerToken>().expect("claimed by the layer");
//!     // INSERT INTO payments (event_id, owner, …) VALUES ($1, $2, …)
//!     //   ON CONFLICT (event_id) DO NOTHING;      -- at most one row per event
//!     let _ = (event.id(), token.to_hex());
//! }
//! # let mut req = Request::new(BufferedBody::default());
//! # let _ = req;
//! ```
//!
//! # Failure policies
//!
//! - **Store outage** ([`OnStoreError`]): fail-closed by default — 503 with
//!   `Retry-After`, handler not called; fail-open runs the handler without
//!   dedupe and `warn!`s every time. [`RedisStore`] bounds every operation
//!   (2 s by default, any length with [`RedisStore::timeout`]) and
//!   reconnects in the background. An acquire that timed out but landed
//!   later is released in the background, so it does not block the event.
//! - **Store blip while recording**: recording the outcome is retried with
//!   backoff for up to a lease while the heartbeat keeps the claim; the
//!   caller's answer waits for it.
//! - **Full store** ([`MemoryStore`] only): 503 with `Retry-After`, counted
//!   in [`MetricsSnapshot::store_full`] and warned, never a forgotten
//!   record — unless you choose [`WhenFull::EvictCompleted`].
//! - **Handler timeout**: 503 with `Retry-After` = the lease left; the claim
//!   is kept (no longer renewed) until the lease ends, and the handler goes
//!   on in a task of its own. If it still finishes in that time its outcome
//!   is recorded; if it is still running at the end of the lease it is
//!   cancelled. The timeout fires while the handler waits: a handler that
//!   blocks its thread is answered when it returns (run blocking work with
//!   `tokio::task::spawn_blocking`).
//! - **Slow response body**: the status decides complete-or-release; the
//!   body is recorded if it fits the cache cap and arrives within the cache
//!   timeout (1 s), else the event is recorded without a body. The caller
//!   always gets the whole body.
//! - **Different body, same id** ([`OnMismatch`]): treated as the duplicate
//!   it is with a `warn!` (some providers change the body between retries),
//!   or 422 in strict mode. The handler never runs twice either way.
//! - **Missing id** ([`MissingId`]): 400 by default, or pass-through.
//! - **Panicking closures**: a `final_statuses` closure that panics counts
//!   as "not final" (2xx stay final), an `on_rejection` one as the default
//!   answer; no claim is left neither completed nor released.
//! - **Durations**: `build` refuses any over [`MAX_TTL`] (100 years;
//!   `Duration::MAX` is a mistake, not "forever"), and the stores refuse
//!   them again before writing anything.
//!
//! # Choosing the TTLs
//!
//! - *Retention* must cover the sender's retry window (Stripe: 3 days;
//!   Standard Webhooks/Svix: about 1.5 days) and never be shorter than the
//!   signature tolerance (5 minutes by default), or a replay inside the
//!   tolerance would run again; `build` warns if it is.
//! - *Lease*: how long a crashed worker's event stays blocked (409) before a
//!   retry may process it, and how long a store outage may last without an
//!   outcome going unrecorded — longer than a store restart, shorter than
//!   the sender's patience. Renewed every `lease / 3` while the handler
//!   runs, so it need not cover slow handlers.
//! - *Handler timeout* (30 s): how long a handler may take to return its
//!   response head before the caller gets 503.
//!
//! # Sizing the store
//!
//! A completed event is one Redis string: its status alone (`"200"`, which
//! Redis keeps as a shared integer) under a key of the prefix, the scope and
//! 22 characters of digest. [`OnMismatch::Reject`] adds the 16-byte
//! fingerprint, and a recorded body or header adds its bytes. Measured with
//! `INFO memory` over 50,000 events on Redis 7.0 (`scripts/bench.sh
//! redis-memory`): **135 bytes per completed event** with the default
//! prefix and scope, 180 in strict mode, 164 with a 2-byte body. Size Redis
//! for rate × retention × bytes: 100 events/s for the default 72 h is
//! 25.9 M records, 3.5 GB. In-progress claims (33 bytes of value) exist
//! only while handlers run. A longer prefix or scope costs its length,
//! rounded up to Redis's allocation classes (16 bytes).
//!
//! Upgrading from a build with the earlier format (a hash per event under a
//! 64-hex-digit key, before December 2026): its records are not read, so an
//! event processed before the upgrade and delivered again after it runs
//! again. Upgrade when no such retries are pending, or accept that window.
//!
//! # Observability
//!
//! `tracing` events (with the event id, never the body) for acquire,
//! duplicate, complete, release and outage; counters through
//! [`IdempotencyLayer::metrics`] (and the `metrics` crate facade with the
//! `metrics` feature).

#![cfg_attr(docsrs, feature(doc_cfg))]

// The crate README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod body;
mod claim;
mod config;
mod error;
mod event_id;
mod future;
mod heartbeat;
mod layer;
mod metrics;
mod rejection;
mod service;
pub mod store;

pub use body::{BufferedBody, ResponseBody};
pub use config::{
    DEFAULT_BODY_CACHE_CAP, DEFAULT_BODY_CACHE_TIMEOUT, DEFAULT_BODY_LIMIT,
    DEFAULT_HANDLER_TIMEOUT, DEFAULT_LEASE, DEFAULT_PREFIX, DEFAULT_RETENTION, DEFAULT_SCOPE,
    DEFAULT_STORE_RETRY_AFTER, MissingId, OnMismatch, OnStoreError,
};
pub use error::{BoxError, ConfigError, ConfigErrorKind, StoreError, StoreErrorKind};
pub use event_id::{EventId, EventIdKind, EventKey, IdSource};
pub use future::ResponseFuture;
pub use layer::{IdempotencyLayer, IdempotencyLayerBuilder};
pub use metrics::MetricsSnapshot;
pub use rejection::{IDEMPOTENT_REPLAYED, JsonErrorResponse, Rejection, RejectionResponse};
pub use service::Idempotency;
#[cfg(feature = "redis")]
pub use store::RedisStore;
pub use store::{MAX_TTL, MemoryStore, OwnerToken, Store, WhenFull};
