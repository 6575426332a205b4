//! The library behind the `webhook` command line tool: the capture format,
//! the delivery engine and the local receiver, for reuse in tests and tools.
//!
//! - [`capture`] — the NDJSON capture format shared by `listen --capture`,
//!   `deliver --dead-letter`, `replay` and `verify --capture`.
//! - [`sender`] — the production-like sender behind `deliver`, `replay` and
//!   `roundtrip` (pooling, rate limit, retries with backoff and jitter,
//!   `Retry-After`, 410 handling, dead letters, summary).

pub mod capture;
pub mod sender;
