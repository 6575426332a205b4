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
//! After the handler runs: 2xx (or a status marked final with
//! [`final_statuses`](IdempotencyLayerBuilder::final_statuses)) → the record
//! becomes *completed* for the retention TTL (72 h by default); 5xx or any
//! other status, an inner-service error, a panic or the handler timeout →
//! the claim is *released* so the sender's retry processes the event. Both
//! are compare-and-set on the owner token: a worker whose lease expired can
//! no longer touch a key that another worker now owns.
//!
//! The handler runs in its own task, so a client that disconnects (hyper
//! drops the request future) does not cancel it: its outcome is still
//! recorded, never left to lease expiry. While it runs, the lease is
//! extended every `lease / 3`.
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
//!     .event_id(IdSource::json("/id")) // usually: the verify layer's id (the default)
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
//! The event id comes from [`IdSource`]: by default the id the verify layer
//! found (`webhook-id`, `X-Webhook-Id`, `X-GitHub-Delivery`); Stripe puts it
//! in the body (`IdSource::json("/id")`). Keys are
//! `{prefix}:{scope}:{hex(sha256(id))}` (bounded size; see [`EventKey`]).
//! The layer needs a Tokio runtime (it spawns the handler).
//!
//! # What "exactly once" means here
//!
//! With a healthy Redis this layer guarantees:
//!
//! - **no concurrent double execution**: one delivery holds the claim, the
//!   others get 409 and retry later;
//! - **no re-execution after a recorded success** within the retention TTL;
//! - **no acknowledged-but-unprocessed event**: a 2xx is only sent for a
//!   handler that returned 2xx (or for a replay of one); failures release
//!   the claim and store outages answer 503 (fail-closed), so the sender
//!   retries.
//!
//! It cannot promise more than its store. A duplicate can still run if:
//!
//! - Redis loses a record: a **failover** to a replica that had not received
//!   the latest writes (replication is asynchronous), a restart without
//!   persistence, or **eviction** under memory pressure — configure
//!   `maxmemory-policy noeviction` and AOF (`appendonly yes`);
//! - a worker **pauses past its lease** (GC-like stall, VM freeze, a store
//!   unreachable for extensions): the lease expires, another delivery
//!   claims the event, and the first handler is still running. It cannot
//!   record its outcome any more (it is fenced out), but its side effects
//!   happened;
//! - the retention TTL expires before the sender's last retry.
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
//!   (2 s by default) and reconnects in the background.
//! - **Different body, same id** ([`OnMismatch`]): treated as the duplicate
//!   it is with a `warn!` (some providers change the body between retries),
//!   or 422 in strict mode. The handler never runs twice either way.
//! - **Missing id** ([`MissingId`]): 400 by default, or pass-through.
//!
//! # Choosing the TTLs
//!
//! - *Retention* must cover the sender's retry window (Stripe: 3 days;
//!   Standard Webhooks/Svix: about 1.5 days) and never be shorter than the
//!   signature tolerance (5 minutes by default), or a replay inside the
//!   tolerance would run again; `build` warns if it is.
//! - *Lease*: how long a crashed worker's event stays blocked (409) before
//!   a retry may process it — longer than a typical handler run, shorter
//!   than the sender's first retry delay. The *handler timeout* (30 s)
//!   bounds a run; the claim is extended while it runs.
//!
//! # Observability
//!
//! `tracing` events (with the event id, never the body) for acquire,
//! duplicate, complete, release and outage; counters through
//! [`IdempotencyLayer::metrics`] (and the `metrics` crate facade with the
//! `metrics` feature).

#![cfg_attr(docsrs, feature(doc_cfg))]

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
pub use rejection::{IDEMPOTENT_REPLAYED, Rejection};
pub use service::Idempotency;
#[cfg(feature = "redis")]
pub use store::RedisStore;
pub use store::{MAX_TTL, MemoryStore, OwnerToken, Store, WhenFull};
