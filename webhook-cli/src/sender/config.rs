//! How the engine behaves: [`SenderConfig`] and its defaults, which the
//! command line shows too.

use std::time::Duration;

use webhook_verify::Signer;

use super::Backoff;
use super::rate_limit::DEFAULT_BURST;
use super::retry::DEFAULT_MAX_ATTEMPTS;
use crate::http_client::TlsOptions;

/// Requests in flight at once (`--concurrency`).
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Per-attempt timeout (`--timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Events accepted but not finished, at most.
pub const DEFAULT_MAX_PENDING: usize = 4096;
/// How long requests in flight may take after a
/// [`StopSignal::stop`](super::StopSignal::stop).
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(5);

/// How the engine behaves.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Requests in flight at once (at least 1).
    pub concurrency: usize,
    /// Requests per second, `None` for unlimited.
    pub rate: Option<f64>,
    /// Token-bucket size: requests allowed at once above the rate.
    pub burst: u32,
    /// Attempts per event, including the first (at least 1).
    pub max_attempts: u32,
    /// Delay between attempts.
    pub backoff: Backoff,
    /// Per-attempt timeout (connect + response + body).
    pub timeout: Duration,
    /// Signs every attempt with a fresh timestamp; `None` sends the
    /// headers as given (verbatim replay).
    pub signer: Option<Signer>,
    /// Events accepted but not finished (in flight or waiting to retry);
    /// bounds memory. At least `concurrency`.
    pub max_pending: usize,
    /// After a [`StopSignal::stop`](super::StopSignal::stop), how long
    /// requests in flight may still take before they are given up.
    pub stop_grace: Duration,
    /// How `https://` targets are verified (default: the platform's roots).
    pub tls: TlsOptions,
}

impl Default for SenderConfig {
    /// The `DEFAULT_…` constants; no rate limit, no signer, the platform's
    /// roots.
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            rate: None,
            burst: DEFAULT_BURST,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff: Backoff::default(),
            timeout: DEFAULT_TIMEOUT,
            signer: None,
            max_pending: DEFAULT_MAX_PENDING,
            stop_grace: DEFAULT_STOP_GRACE,
            tls: TlsOptions::default(),
        }
    }
}
