use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode, header};
use tower_layer::Layer;

use super::service::Verify;
use crate::error::Error;
use crate::verifier::Verifier;

/// The default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The default time allowed for the whole body to arrive: 10 s.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Shapes the response a layer sends when it rejects a request: this
/// layer over its [`Error`] (the default `R`), the idempotency layer over
/// its own `Rejection` — one shape for both.
///
/// Implemented for any `Fn(&R) -> Response<Bytes>`; the default,
/// [`JsonErrorResponse`], answers the rejection's status with
/// `{"error":"<code>"}`. Whatever it returns, the layer adds the rejection
/// to the response extensions.
pub trait RejectionResponse<R: ?Sized = Error>: Send + Sync + 'static {
    /// Builds the response for `rejection`.
    fn response(&self, rejection: &R) -> Response<Bytes>;
}

impl<F, R: ?Sized> RejectionResponse<R> for F
where
    F: Fn(&R) -> Response<Bytes> + Send + Sync + 'static,
{
    fn response(&self, rejection: &R) -> Response<Bytes> {
        self(rejection)
    }
}

/// The default rejection: the status and a generic JSON body such as
/// `{"error":"invalid_signature"}` that never says which secret or which
/// value was expected. The idempotency layer answers with it too.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonErrorResponse;

impl RejectionResponse for JsonErrorResponse {
    fn response(&self, error: &Error) -> Response<Bytes> {
        json_error(error.status(), error.kind().code())
    }
}

/// A `{"error":"<code>"}` response; `code` must be JSON-safe (the built-in
/// codes are lowercase ASCII with underscores).
#[cfg(feature = "axum")]
pub(crate) fn json_error_response(
    status: StatusCode,
    code: &'static str,
) -> axum::response::Response {
    json_error(status, code).map(axum::body::Body::from)
}

/// A `{"error":"<code>"}` response; `code` must be JSON-safe (the built-in
/// codes are lowercase ASCII with underscores).
pub(crate) fn json_error(status: StatusCode, code: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(format!("{{\"error\":\"{code}\"}}")));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) body_limit: usize,
    pub(crate) body_timeout: Duration,
    pub(crate) rejection: Arc<dyn RejectionResponse>,
    pub(crate) handshakes: bool,
}

/// Applies [`Verify`] to a service: buffers the body under a limit and a
/// timeout, verifies its signature, and passes the same bytes on.
///
/// Cheap to clone. See the [module docs](crate::layer) for the behaviour and
/// an example.
#[derive(Clone)]
#[must_use]
pub struct VerifyLayer {
    pub(crate) verifier: Verifier,
    pub(crate) config: Arc<Config>,
}

impl VerifyLayer {
    /// A layer with the defaults: 1 MiB body limit, 10 s body timeout,
    /// [`JsonErrorResponse`] responses.
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            config: Arc::new(Config {
                body_limit: DEFAULT_BODY_LIMIT,
                body_timeout: DEFAULT_BODY_TIMEOUT,
                rejection: Arc::new(JsonErrorResponse),
                handshakes: false,
            }),
        }
    }

    /// The largest body accepted, in bytes; larger ones get 413, whether or
    /// not they announce a `Content-Length`.
    pub fn body_limit(mut self, limit: usize) -> Self {
        Arc::make_mut(&mut self.config).body_limit = limit;
        self
    }

    /// How long the whole body may take to arrive; slower ones get 408.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.config).body_timeout = timeout;
        self
    }

    /// Replaces the rejection response (see [`RejectionResponse`]).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http::Response;
    /// use webhook_verify::{Error, Scheme, Verifier, VerifyLayer};
    ///
    /// let layer = VerifyLayer::new(Verifier::new(Scheme::Stripe, "whsec_x")?)
    ///     .on_rejection(|err: &Error| {
    ///         let mut res = Response::new(Bytes::from_static(b"nope"));
    ///         *res.status_mut() = err.status();
    ///         res
    ///     });
    /// # let _ = layer;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_rejection(mut self, rejection: impl RejectionResponse) -> Self {
        Arc::make_mut(&mut self.config).rejection = Arc::new(rejection);
        self
    }

    /// Answers the provider's handshakes in the layer, so the handler sees
    /// only real events (off by default): Slack's `url_verification`,
    /// Zoom's `endpoint.url_validation` and Twitch's challenge once their
    /// signature verifies, and Dropbox's unsigned `GET ?challenge=` before
    /// any verification (see [`SignatureScheme::handshake`](crate::SignatureScheme::handshake)).
    pub fn answer_handshakes(mut self, answer: bool) -> Self {
        Arc::make_mut(&mut self.config).handshakes = answer;
        self
    }

    /// The verifier in use.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }
}

impl<S> Layer<S> for VerifyLayer {
    type Service = Verify<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Verify::from_layer(inner, self.clone())
    }
}

impl fmt::Debug for VerifyLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyLayer")
            .field("verifier", &self.verifier)
            .field("body_limit", &self.config.body_limit)
            .field("body_timeout", &self.config.body_timeout)
            .field("handshakes", &self.config.handshakes)
            .finish_non_exhaustive()
    }
}
