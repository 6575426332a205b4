//! The layer's own answers: [`Rejection`] and how it becomes a response.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode, header};

use crate::body::ResponseBody;
use crate::config::Config;
use crate::store::Outcome;

/// The verify layer's: one trait and one default answer for both layers.
pub use webhook_verify::layer::{JsonErrorResponse, RejectionResponse};

/// `Idempotent-Replayed: true` is set on a response replayed from a
/// recorded outcome.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Why the layer answered a request itself (in the response extensions of
/// every such answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// 413: the body is larger than the limit (the verify layer's
    /// `ErrorKind::PayloadTooLarge`, same code).
    PayloadTooLarge,
    /// 400: the body could not be read (the verify layer's
    /// `ErrorKind::BodyRead`, same code).
    BodyRead,
    /// 400: no event id (with [`MissingId::Reject`](crate::MissingId::Reject)).
    MissingEventId,
    /// 409: another worker is processing this event (`Retry-After` = its
    /// lease remaining).
    InProgress,
    /// 422: same id, different body (with
    /// [`OnMismatch::Reject`](crate::OnMismatch::Reject)).
    FingerprintMismatch,
    /// 503: the store failed or is full (with
    /// [`OnStoreError::FailClosed`](crate::OnStoreError::FailClosed)).
    StoreUnavailable,
    /// 500: the handler panicked; its claim was released.
    HandlerPanicked,
    /// 503: the handler did not return within the handler timeout. Its
    /// claim is kept, no longer renewed, until its lease runs out
    /// (`Retry-After`): what the handler started may still be running.
    HandlerTimeout,
}

impl Rejection {
    /// The status of the answer.
    pub fn status(self) -> StatusCode {
        match self {
            Rejection::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::BodyRead | Rejection::MissingEventId => StatusCode::BAD_REQUEST,
            Rejection::InProgress => StatusCode::CONFLICT,
            Rejection::FingerprintMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            Rejection::StoreUnavailable | Rejection::HandlerTimeout => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Rejection::HandlerPanicked => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `error` code of the JSON body, e.g. `missing_event_id`.
    pub fn code(self) -> &'static str {
        match self {
            Rejection::PayloadTooLarge => "payload_too_large",
            Rejection::BodyRead => "body_read_error",
            Rejection::MissingEventId => "missing_event_id",
            Rejection::InProgress => "in_progress",
            Rejection::FingerprintMismatch => "fingerprint_mismatch",
            Rejection::StoreUnavailable => "store_unavailable",
            Rejection::HandlerPanicked => "handler_panicked",
            Rejection::HandlerTimeout => "handler_timeout",
        }
    }
}

/// The default answer: the rejection's status and `{"error":"<code>"}`.
///
/// ```
/// use webhook_idempotency::{JsonErrorResponse, Rejection, RejectionResponse};
///
/// let res = JsonErrorResponse.response(&Rejection::InProgress);
/// assert_eq!(res.status(), 409);
/// assert_eq!(res.body().as_ref(), br#"{"error":"in_progress"}"#);
/// ```
impl RejectionResponse<Rejection> for JsonErrorResponse {
    fn response(&self, rejection: &Rejection) -> Response<Bytes> {
        let mut res = Response::new(Bytes::from(format!(
            r#"{{"error":"{}"}}"#,
            rejection.code()
        )));
        *res.status_mut() = rejection.status();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    }
}

/// The answer for `rejection`, shaped by the user's `on_rejection` if any (a
/// panicking one falls back to the default answer).
pub(crate) fn rejection<B>(config: &Config, rejection: Rejection) -> Response<ResponseBody<B>> {
    let res = std::panic::catch_unwind(AssertUnwindSafe(|| {
        config.on_rejection.response(&rejection)
    }))
    .unwrap_or_else(|_| {
        tracing::error!(
            code = rejection.code(),
            "the on_rejection closure panicked: answering with the default rejection"
        );
        JsonErrorResponse.response(&rejection)
    });
    let mut res = res.map(ResponseBody::full);
    res.extensions_mut().insert(rejection);
    res
}

/// [`rejection`] with `Retry-After` (unless the shaped answer has one).
pub(crate) fn rejection_retry_after<B>(
    config: &Config,
    r: Rejection,
    after: Duration,
) -> Response<ResponseBody<B>> {
    let mut res = rejection(config, r);
    // Whole seconds, rounded up, at least 1: never invite an immediate retry.
    let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
    res.headers_mut()
        .entry(header::RETRY_AFTER)
        .or_insert(HeaderValue::from(secs.max(1)));
    res
}

/// A recorded outcome, replayed to a duplicate.
pub(crate) fn replay<B>(outcome: Outcome) -> Response<ResponseBody<B>> {
    let mut res = Response::new(ResponseBody::full(outcome.body));
    *res.status_mut() = outcome.status;
    *res.headers_mut() = outcome.headers;
    res.headers_mut()
        .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    res
}
