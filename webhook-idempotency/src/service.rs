//! [`Idempotency`], the service: buffers the body, finds the event id, and
//! hands the event to [`crate::claim`], inside the request (see
//! [`ResponseFuture`]).

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::request::Parts;
use http::{Request, Response, header};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower_service::Service;

use crate::body::{BufferedBody, ResponseBody};
use crate::claim;
use crate::config::{Config, MissingId};
use crate::error::BoxError;
use crate::event_id::{BodyDigest, EventKey};
use crate::future::ResponseFuture;
use crate::layer::IdempotencyLayer;
use crate::metrics::MetricsSnapshot;
use crate::rejection::{Rejection, rejection};
use crate::store::{Fingerprint, Store};

/// Processes each event id at most once; see the [crate docs](crate).
///
/// Built by [`IdempotencyLayer`]. The inner service receives
/// `Request<`[`BufferedBody`]`>` with [`OwnerToken`](crate::OwnerToken) and
/// [`EventKey`] in the request extensions (when the request was claimed).
pub struct Idempotency<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S: Clone> Clone for Idempotency<S> {
    fn clone(&self) -> Self {
        Idempotency {
            inner: self.inner.clone(),
            config: self.config.clone(),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for Idempotency<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Idempotency")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish()
    }
}

impl<S> Idempotency<S> {
    /// Wraps `inner` with the default configuration over `store`.
    pub fn new(inner: S, store: impl Store) -> Self {
        tower_layer::Layer::layer(&IdempotencyLayer::new(store), inner)
    }

    /// An [`IdempotencyLayer`] with the default configuration over `store`.
    pub fn layer(store: impl Store) -> IdempotencyLayer {
        IdempotencyLayer::new(store)
    }

    pub(crate) fn from_config(inner: S, config: Arc<Config>) -> Self {
        Idempotency { inner, config }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// A snapshot of the counters (shared with the layer that built this).
    pub fn metrics(&self) -> MetricsSnapshot {
        self.config.counters.snapshot()
    }
}

impl<S, B, ResBody> Service<Request<B>> for Idempotency<S>
where
    S: Service<Request<BufferedBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // The ready service goes into the future; a fresh clone stays here
        // (it will be driven to readiness by the next `poll_ready`).
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let config = self.config.clone();
        // The head is boxed: it is carried through several futures, each of
        // which would otherwise keep room for all of it, making the boxed
        // work too large for the allocator's per-thread cache.
        let (parts, body) = req.into_parts();
        let work = handle(config.clone(), inner, Box::new(parts), body);
        ResponseFuture::new(Box::pin(work), config)
    }
}

async fn handle<S, B, ResBody>(
    config: Arc<Config>,
    inner: S,
    parts: Box<Parts>,
    body: B,
) -> Result<Response<ResponseBody<ResBody>>, S::Error>
where
    S: Service<Request<BufferedBody>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let declared_too_large = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|len| len > config.body_limit as u64);
    if declared_too_large {
        return Ok(rejection(&config, Rejection::PayloadTooLarge));
    }
    let bytes = match Limited::new(body, config.body_limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return Ok(rejection(&config, Rejection::PayloadTooLarge));
        }
        Err(e) => {
            tracing::debug!(error = %e, "reading the request body failed");
            return Ok(rejection(&config, Rejection::BodyRead));
        }
    };

    // The body's SHA-256 is computed only if the id is derived from it.
    let mut digest = BodyDigest::new(&bytes);
    let Some(id) = config.id_source.extract_with(&parts, &bytes, &mut digest) else {
        return match config.missing_id {
            MissingId::Reject => {
                tracing::debug!("request without an event id: 400");
                Ok(rejection(&config, Rejection::MissingEventId))
            }
            MissingId::PassThrough => {
                tracing::debug!(
                    "request without an event id: passed through without deduplication"
                );
                claim::call_plain(inner, parts, bytes).await
            }
        };
    };
    let fingerprint = Fingerprint::of(&bytes);
    let event = EventKey::new(&config.prefix, &config.scope, id);

    // Everything that touches the store runs inline: if the client goes
    // away, `ResponseFuture` moves the rest to a task of its own.
    claim::process(config, inner, parts, bytes, event, fingerprint).await
}
