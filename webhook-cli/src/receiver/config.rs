//! How the receiver is assembled: [`ReceiverConfig`] and its defaults.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use webhook_idempotency::IdempotencyLayer;
use webhook_verify::Verifier;

use webhook_verify::layer::{DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT};

use super::{OnRequest, ReceiverMetrics};
use crate::capture::CaptureWriter;
use crate::inspector::Inspector;

/// How the receiver is assembled.
#[derive(Clone)]
pub struct ReceiverConfig {
    /// The route served (other paths get 404, still captured and reported).
    pub path: String,
    /// Verify signatures with this verifier.
    pub verifier: Option<Verifier>,
    /// Dedupe with this layer (placed inside verification).
    pub dedupe: Option<IdempotencyLayer>,
    /// Append every request here.
    pub capture: Option<Arc<CaptureWriter>>,
    /// Fraction of 2xx answers replaced by 503 after the handler ran.
    pub lost_ack_rate: f64,
    /// Counts the acknowledgements dropped by `lost_ack_rate`.
    pub lost_acks: Arc<AtomicU64>,
    /// The largest body read; a larger one is answered 413 (before reading
    /// when `Content-Length` says so).
    pub body_limit: usize,
    /// How long the whole body may take to arrive; a slower one is answered
    /// 408.
    pub body_timeout: Duration,
    /// Called once per finished request.
    pub on_request: Option<OnRequest>,
    /// Count requests here and serve them at `GET /metrics` (unless the
    /// route is `/metrics` itself).
    pub metrics: Option<ReceiverMetrics>,
    /// Shown every finished request with its bytes and response (`listen
    /// --ui`).
    pub inspector: Option<Arc<Inspector>>,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        Self {
            path: "/".to_owned(),
            verifier: None,
            dedupe: None,
            capture: None,
            lost_ack_rate: 0.0,
            lost_acks: Arc::new(AtomicU64::new(0)),
            body_limit: DEFAULT_BODY_LIMIT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            on_request: None,
            metrics: None,
            inspector: None,
        }
    }
}

impl fmt::Debug for ReceiverConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverConfig")
            .field("path", &self.path)
            .field("verifier", &self.verifier)
            .field("dedupe", &self.dedupe.is_some())
            .field("capture", &self.capture)
            .field("lost_ack_rate", &self.lost_ack_rate)
            .field("body_limit", &self.body_limit)
            .field("body_timeout", &self.body_timeout)
            .field("metrics", &self.metrics)
            .field("inspector", &self.inspector.is_some())
            .finish_non_exhaustive()
    }
}
