//! The library behind the `webhook` command line tool: the capture format,
//! the delivery engine and the local receiver, for reuse in tests and tools.
//!
//! - [`capture`] — the NDJSON capture format shared by `listen --capture`,
//!   `deliver --dead-letter`, `replay` and `verify --capture`.
//! - [`sender`] — the production-like sender behind `deliver`, `replay` and
//!   `roundtrip` (pooling, rate limit, retries with backoff and jitter,
//!   `Retry-After`, 410 handling, dead letters, summary).
//! - [`http_client`] — the one HTTP client builder every sending command
//!   uses: HTTPS through rustls with the platform's roots, extra trusted
//!   certificates, or no verification.
//! - [`error_chain`] — an error and its causes on one line, each once.
//! - [`redact`] — URLs as they may be printed: without credentials.
//! - [`receiver`] — the local receiver behind `listen` and `roundtrip`: the
//!   real verify and idempotency layers, capture, fault injection.
//! - [`inspector`] — `listen --ui`: the bounded request history, its JSON
//!   API and event stream, replays, and the embedded page.
//! - [`serve`] — the HTTP/1 accept loop that serves it: header read timeout,
//!   half-close, graceful shutdown.

pub mod capture;
pub mod error_chain;
pub mod event_type;
pub mod http_client;
pub mod inspector;
pub mod receiver;
pub mod redact;
pub mod sender;
pub mod serve;
