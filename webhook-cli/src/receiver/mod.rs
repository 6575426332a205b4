//! The local receiver behind `webhook listen` and `webhook roundtrip`: an
//! axum router built from the real [`VerifyLayer`] and [`IdempotencyLayer`],
//! with an outer layer that captures and reports every request — including
//! the ones the verify layer rejects and the ones whose body is refused —
//! and optional fault injection. [`crate::serve`] serves it.
//!
//! Layers, outermost first:
//!
//! 1. **observe** — reads the body under the verify layer's rules, before
//!    anything else runs, so they hold on every path and ahead of any
//!    buffering:
//!    - **413** `{"error":"payload_too_large"}` when `Content-Length` (or the
//!      body's size hint) exceeds the body limit, without reading anything —
//!      so a client that sent `Expect: 100-continue` never gets
//!      `100 Continue`;
//!    - otherwise reads through [`http_body_util::Limited`] under the body
//!      timeout: **413** when the body grows past the limit, **408**
//!      `{"error":"request_timeout"}` when it is not complete in time,
//!      **400** `{"error":"body_read_error"}` when the read fails otherwise
//!      (malformed chunked framing, a client gone mid-body).
//!
//!    These are the verify layer's codes for the same conditions
//!    ([`ErrorKind::PayloadTooLarge`], [`ErrorKind::BodyTimeout`],
//!    [`ErrorKind::BodyRead`]). Then it calls the rest with the exact bytes,
//!    appends the request to the capture file, reports a [`RequestLog`]
//!    and hands the request, its bytes, the response and the verdicts to
//!    the [`Inspector`](crate::inspector::Inspector) when one is set
//!    ([`ReceiverConfig::inspector`], `listen --ui`);
//!    a refused request is captured with the bytes that arrived before the
//!    refusal. The verification result comes from the verify layer's
//!    response: a rejection carries the typed [`webhook_verify::Error`] in
//!    its extensions, a verified request the [`Verified`] metadata.
//! 2. **lost acknowledgements** (optional) — replaces a fraction of 2xx
//!    answers by 503 *after* the handler ran, as if the response got lost:
//!    the sender retries and dedupe must catch it.
//! 3. [`VerifyLayer`] (optional; 400/401 for bad signatures), then
//!    [`IdempotencyLayer`] (optional), on the route only.
//! 4. the [`Handler`].
//!
//! With [`ReceiverConfig::metrics`], `GET /metrics` sits beside all of
//! this, outside the observe layer: never verified, deduped, captured or
//! reported.
//!
//! ```no_run
//! use std::sync::Arc;
//! use webhook_cli::receiver::{Handler, ReceiverConfig, Simulation, router};
//! use webhook_cli::serve::{DEFAULT_HEADER_TIMEOUT, serve};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let handler: Handler = Arc::new(Simulation::default());
//! let app = router(ReceiverConfig::default(), handler);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! serve(listener, app, DEFAULT_HEADER_TIMEOUT, std::future::pending()).await;
//! # Ok(()) }
//! ```
//!
//! | file | holds |
//! |---|---|
//! | `handler.rs` | [`HandleRequest`], [`Inbound`], [`Handler`] |
//! | `config.rs` | [`ReceiverConfig`] |
//! | `router.rs` | [`router`]: the layers around the handler |
//! | `observe.rs` | the observe layer: body limits, capture, reports |
//! | `request_log.rs` | [`RequestLog`], [`OnRequest`] |
//! | `simulation.rs` | [`Simulation`], the `listen` handler |
//! | `route.rs` | [`Route`], [`Pattern`]: which requests a target gets |
//! | `forward.rs` | forwarding to every matching route, the answer rule, [`ForwardLog`] |
//! | `metrics.rs` | [`ReceiverMetrics`], `GET /metrics` |
//!
//! [`VerifyLayer`]: webhook_verify::VerifyLayer
//! [`IdempotencyLayer`]: webhook_idempotency::IdempotencyLayer
//! [`ErrorKind::PayloadTooLarge`]: webhook_verify::ErrorKind::PayloadTooLarge
//! [`ErrorKind::BodyTimeout`]: webhook_verify::ErrorKind::BodyTimeout
//! [`ErrorKind::BodyRead`]: webhook_verify::ErrorKind::BodyRead
//! [`Verified`]: webhook_verify::Verified

mod config;
mod forward;
mod handler;
mod metrics;
mod observe;
mod request_log;
mod route;
mod router;
mod simulation;

pub use config::ReceiverConfig;
pub use forward::{ForwardLog, LOGGED_BODY_LIMIT};
// For the inspector's replays through the same routes.
pub(crate) use forward::{Forwarded, forward};
pub use handler::{HandleRequest, Handler, HandlerFuture, Inbound};
pub use metrics::{CONTENT_TYPE as METRICS_CONTENT_TYPE, METRICS_PATH, ReceiverMetrics};
pub use request_log::{OnRequest, RequestLog};
pub use route::{Pattern, PatternError, Route};
pub use router::router;
pub use simulation::Simulation;
