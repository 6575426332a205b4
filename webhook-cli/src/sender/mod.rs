//! The delivery engine behind `webhook deliver`, `webhook replay` and
//! `webhook roundtrip`: a production-like webhook sender.
//!
//! - one pooled keep-alive [`reqwest::Client`], at most `concurrency` requests
//!   in flight, an optional token-bucket rate limit on requests;
//! - every attempt is signed afresh (new timestamp) by a
//!   [`webhook_verify::Signer`], or sent verbatim;
//! - network errors, timeouts, 408, 409 (an idempotency layer's "in
//!   progress"), 429 and 5xx are retried with exponential backoff and
//!   jitter; `Retry-After` (seconds or an HTTP date) can only postpone a
//!   retry, never bring it forward; other statuses are final;
//! - `410 Gone` stops the endpoint: the event and every event not yet
//!   delivered go to the dead letters;
//! - events are streamed from an iterator with a bounded number pending, so
//!   memory stays flat however many events there are;
//! - a [`StopSignal`] (Ctrl-C) stops the intake, gives requests in flight a
//!   grace period, and dead-letters whatever was accepted but not delivered.
//!
//! ```no_run
//! use std::time::Duration;
//! use webhook_cli::sender::{Hooks, Outgoing, Sender, SenderConfig};
//! use webhook_verify::{Scheme, Signer};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SenderConfig {
//!     signer: Some(Signer::new(Scheme::Webhook, "s3cret")?),
//!     ..SenderConfig::default()
//! };
//! let url: reqwest::Url = "http://127.0.0.1:3000/hooks".parse()?;
//! let events = (0..100).map(move |n| {
//!     let body = format!(r#"{{"id":"evt_{n}"}}"#);
//!     Ok::<_, std::convert::Infallible>(Outgoing::json(&url, format!("evt_{n}"), body))
//! });
//! let summary = Sender::new(config)?.run(events, Hooks::default()).await?;
//! assert_eq!(summary.delivered, 100);
//! # Ok(()) }
//! ```
//!
//! The defaults of [`SenderConfig`] and [`Backoff`] are the `DEFAULT_…`
//! constants here; the command line shows the same ones.
//!
//! | file | holds |
//! |---|---|
//! | `outgoing.rs` | [`Outgoing`]: one request to deliver |
//! | `retry.rs` | the retry policy: [`Backoff`], [`is_retryable`], [`parse_retry_after`] |
//! | `rate_limit.rs` | the token bucket behind `--rate` |
//! | `stop.rs` | [`StopSignal`] |
//! | `stats.rs` | the counters of a run and its [`Summary`] |
//! | `report.rs` | per-event reports: [`EventReport`], [`ResultsWriter`], [`Hooks`] |
//! | `error.rs` | [`SenderError`] |
//! | `config.rs` | [`SenderConfig`] and its defaults |
//! | `engine.rs` | [`Sender`]: takes events from the source, one task each, waits for all |
//! | `delivery.rs` | one event's attempts, retries, report and dead letter |

mod config;
mod delivery;
mod engine;
mod error;
mod outgoing;
mod rate_limit;
mod report;
mod retry;
mod rounded;
mod stats;
mod stop;

pub use config::{
    DEFAULT_CONCURRENCY, DEFAULT_MAX_PENDING, DEFAULT_STOP_GRACE, DEFAULT_TIMEOUT, SenderConfig,
};
pub use engine::Sender;
pub use error::SenderError;
pub use outgoing::Outgoing;
pub use rate_limit::DEFAULT_BURST;
pub use report::{EventReport, Hooks, OnEvent, ResultsWriter};
pub use retry::{
    Backoff, BackoffKind, DEFAULT_BACKOFF_KIND, DEFAULT_INITIAL_DELAY, DEFAULT_JITTER,
    DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_DELAY, is_retryable, parse_retry_after,
};
pub use stats::{Latency, MIN_RATE_INTERVAL, Summary};
pub use stop::StopSignal;
