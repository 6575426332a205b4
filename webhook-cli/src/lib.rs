//! The library behind the `webhook` command line tool: the capture format,
//! the delivery engine and the local receiver, for reuse in tests and tools.
//!
//! - [`capture`] — the NDJSON capture format shared by `listen --capture`,
//!   `deliver --dead-letter`, `replay` and `verify --capture`.
//! - [`sender`] — the production-like sender behind `deliver`, `replay` and
//!   `roundtrip` (pooling, rate limit, retries with backoff and jitter,
//!   `Retry-After`, 410 handling, dead letters, summary).
//! - [`receiver`] — the local receiver behind `listen` and `roundtrip`: the
//!   real verify and idempotency layers, capture, fault injection.
//! - [`serve`] — the HTTP/1 accept loop that serves it: header read timeout,
//!   half-close, graceful shutdown.

pub mod capture;
pub mod receiver;
pub mod sender;
pub mod serve;
