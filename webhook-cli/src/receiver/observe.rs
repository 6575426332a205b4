//! The outermost layer: reads the body under the verify layer's rules
//! (413, 408, 400), runs the rest, then captures the request and reports a
//! [`RequestLog`] (see the module docs of [`receiver`](super)).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::BytesMut;
use http::{HeaderMap, StatusCode, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use webhook_idempotency::IDEMPOTENT_REPLAYED;
use webhook_verify::layer::{JsonErrorResponse, RejectionResponse as _};
use webhook_verify::{ErrorKind, Verified};

use super::forward::Forwarded;
use super::metrics::{RequestOutcome, verification_label};
use super::{OnRequest, ReceiverMetrics, RequestLog};
use crate::capture::{CaptureWriter, CapturedRequest, VerificationRecord, event_id};
use crate::event_type::event_type;
use crate::inspector::{Inspector, Observed};

/// Marks answers from outside the route (no verification, no dedupe ran).
#[derive(Debug, Clone, Copy)]
pub(super) struct Unrouted;

/// The event type the observe layer read, passed to the handler in the
/// request extensions (so the body is parsed for it once).
#[derive(Debug, Clone)]
pub(super) struct EventType(pub(super) Option<String>);

/// What the observe layer needs from the [`ReceiverConfig`](super::ReceiverConfig).
pub(super) struct Observer {
    pub(super) verifying: Option<&'static str>,
    pub(super) deduping: bool,
    pub(super) capture: Option<Arc<CaptureWriter>>,
    pub(super) body_limit: usize,
    pub(super) body_timeout: Duration,
    pub(super) on_request: Option<OnRequest>,
    pub(super) metrics: Option<ReceiverMetrics>,
    pub(super) inspector: Option<Arc<Inspector>>,
}

/// A body the observe layer refused, with the bytes that arrived first.
struct RefusedBody {
    error: webhook_verify::Error,
    received: Bytes,
}

/// Reads the body the way the verify layer does (see the module docs):
/// 413 up front on a declared length over the limit, then a read through
/// [`Limited`] under the body timeout.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, RefusedBody> {
    let too_large = || {
        webhook_verify::Error::new(ErrorKind::PayloadTooLarge)
            .with_detail(format!("limit is {limit} bytes"))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if declared.is_some_and(|len| len > limit_u64) || body.size_hint().lower() > limit_u64 {
        // Nothing polled the body yet, so hyper has not sent `100 Continue`.
        return Err(RefusedBody {
            error: too_large(),
            received: Bytes::new(),
        });
    }
    // Kept outside the timed read, so a refusal still has what arrived.
    let mut received = BytesMut::new();
    let mut body = Limited::new(body, limit);
    let read = async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                received.extend_from_slice(&data);
            }
        }
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    };
    let error = match tokio::time::timeout(timeout, read).await {
        Ok(Ok(())) => return Ok(received.freeze()),
        Ok(Err(err)) if err.is::<LengthLimitError>() => too_large(),
        Ok(Err(err)) => {
            tracing::debug!(%err, "request body could not be read");
            webhook_verify::Error::new(ErrorKind::BodyRead)
        }
        Err(_elapsed) => webhook_verify::Error::new(ErrorKind::BodyTimeout)
            .with_detail(format!("body not received within {timeout:?}")),
    };
    Err(RefusedBody {
        error,
        received: received.freeze(),
    })
}

/// The id the signature vouches for: the scheme's signed id header, else
/// the signed body's `"id"`.
fn verified_event_id(verified: &Verified, body: &[u8]) -> Option<String> {
    verified
        .event_id
        .clone()
        .filter(|_| verified.event_id_signed)
        .or_else(|| event_id(&HeaderMap::new(), body))
}

pub(super) async fn observe(
    State(observer): State<Arc<Observer>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let (mut parts, body) = request.into_parts();
    // The inspector's own replays carry a marker no other layer may see.
    let replay = observer
        .inspector
        .as_ref()
        .and_then(|inspector| inspector.take_replay_marker(&mut parts.headers));
    let method = parts.method.clone();
    let uri = parts.uri.clone();
    let headers = parts.headers.clone();
    let read = read_body(
        &parts.headers,
        body,
        observer.body_limit,
        observer.body_timeout,
    )
    .await;

    let (body, mut response, refused, event_type) = match read {
        Ok(body) => {
            let event_type = event_type(&headers, &body);
            let mut parts = parts;
            parts.extensions.insert(EventType(event_type.clone()));
            let response = next
                .run(Request::from_parts(parts, Body::from(body.clone())))
                .await;
            (body, response, None, event_type)
        }
        Err(RefusedBody { error, received }) => {
            tracing::debug!(%error, "request body refused");
            let response = JsonErrorResponse.response(&error).map(Body::from);
            let event_type = event_type(&headers, &received);
            (received, response, Some(error), event_type)
        }
    };

    let routed = response.extensions().get::<Unrouted>().is_none();
    let verification = observer.verifying.filter(|_| routed).map(|scheme| {
        let error = refused
            .as_ref()
            .or_else(|| response.extensions().get::<webhook_verify::Error>())
            .map(ToString::to_string);
        VerificationRecord {
            ok: error.is_none(),
            scheme: scheme.to_owned(),
            error,
        }
    });
    let rejected = refused.is_some() || verification.as_ref().is_some_and(|v| !v.ok);
    let dedupe = (observer.deduping && routed && !rejected).then(|| {
        if response.headers().contains_key(IDEMPOTENT_REPLAYED) {
            "duplicate"
        } else if response.status() == StatusCode::CONFLICT {
            "in-progress"
        } else {
            "new"
        }
    });
    if let Some(writer) = &observer.capture {
        let mut record =
            CapturedRequest::from_parts(method.as_str(), uri.path(), uri.query(), &headers, &body);
        record.verification = verification.clone();
        if let Err(err) = writer.write(&record) {
            tracing::error!(%err, "writing the capture file failed");
        }
    }
    let forwarded = response
        .extensions_mut()
        .remove::<Forwarded>()
        .unwrap_or_default();
    let latency = started.elapsed();
    if let Some(metrics) = &observer.metrics {
        let error_kind = refused
            .as_ref()
            .or_else(|| response.extensions().get::<webhook_verify::Error>())
            .map(webhook_verify::Error::kind);
        let verification = match (&verification, error_kind) {
            (None, _) => "none".to_owned(),
            (Some(v), _) if v.ok => "ok".to_owned(),
            (Some(_), Some(kind)) => verification_label(kind),
            // A failed verification always carries its error.
            (Some(_), None) => "unknown".to_owned(),
        };
        metrics.record(&RequestOutcome {
            verification: &verification,
            dedupe: match dedupe {
                Some("in-progress") => "in_progress",
                Some(outcome) => outcome,
                None => "none",
            },
            status: response.status().as_u16(),
            latency,
            forwards: &forwarded.forwards,
        });
    }
    if observer.on_request.is_none() && observer.inspector.is_none() {
        return response;
    }
    let verified_id = response
        .extensions()
        .get::<Verified>()
        .filter(|_| !rejected)
        .and_then(|verified| verified_event_id(verified, &body));
    let event_id_verified = verified_id.is_some();
    let log = RequestLog {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), ToString::to_string),
        event_id: verified_id.or_else(|| event_id(&headers, &body)),
        event_id_verified,
        verification,
        refused: refused.map(|error| error.to_string()),
        dedupe,
        status: response.status().as_u16(),
        // Measured in µs: three decimals of a millisecond, no noise digits.
        latency_ms: (latency.as_secs_f64() * 1e6).round() / 1e3,
        event_type,
        forwards: forwarded.forwards,
        no_route_matched: forwarded.no_route_matched,
    };
    if let Some(on_request) = &observer.on_request {
        on_request(&log);
    }
    let Some(inspector) = &observer.inspector else {
        return response;
    };
    // Every answer here is built in memory (ours, or a forward target's
    // already read whole), so collecting it costs no waiting.
    let (response_parts, response_body) = response.into_parts();
    let response_body = match response_body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            tracing::warn!(%err, "reading the response for the inspector failed");
            Bytes::new()
        }
    };
    inspector.record(Observed {
        log: &log,
        headers: &headers,
        body: &body,
        response: &response_parts,
        response_body: &response_body,
        replay: replay.as_ref(),
    });
    Response::from_parts(response_parts, Body::from(response_body))
}
