//! What the receiver reports per finished request: a [`RequestLog`],
//! passed to an [`OnRequest`] callback.

use std::sync::Arc;

use serde::Serialize;

use super::ForwardLog;
use crate::capture::VerificationRecord;

/// One finished request, as reported to
/// [`ReceiverConfig::on_request`](super::ReceiverConfig::on_request).
///
/// Data only: `webhook listen` renders it as a text or JSON line. Every
/// string in it comes from the request (or describes it) unescaped, so a
/// printer must escape control characters itself.
#[derive(Debug, Clone, Serialize)]
pub struct RequestLog {
    /// The method.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The event id: the verified one (see
    /// [`event_id_verified`](Self::event_id_verified)), else the one the
    /// request claims in its headers or body.
    pub event_id: Option<String>,
    /// Whether [`event_id`](Self::event_id) is covered by a signature that
    /// verified; `false` for a claimed id.
    pub event_id_verified: bool,
    /// `None` when not verified. A refused body counts as a failed
    /// verification when verifying (as the verify layer would have answered).
    pub verification: Option<VerificationRecord>,
    /// Why the body was refused before anything else ran (over the limit,
    /// not complete within the body timeout, unreadable); `None` otherwise.
    pub refused: Option<String>,
    /// `"new"`, `"duplicate"` (a replayed response), `"in-progress"` (409
    /// from dedupe) or `None` without dedupe.
    pub dedupe: Option<&'static str>,
    /// The status answered.
    pub status: u16,
    /// Time spent answering, in milliseconds (to the microsecond).
    pub latency_ms: f64,
    /// The event type the request announces
    /// ([`event_type`](crate::event_type::event_type)), whatever it claims.
    pub event_type: Option<String>,
    /// What each matching forwarding target answered, in route order
    /// (empty when nothing was forwarded).
    pub forwards: Vec<ForwardLog>,
    /// Routes were configured and none matched: answered as if not
    /// forwarding.
    pub no_route_matched: bool,
}

/// A callback per finished request.
pub type OnRequest = Arc<dyn Fn(&RequestLog) + Send + Sync>;
