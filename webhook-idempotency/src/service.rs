//! [`Idempotency`], the service, and the per-request state machine.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::task::JoinHandle;
use tower_service::Service;

use crate::body::{BufferedBody, ResponseBody};
use crate::error::BoxError;
use crate::event_id::EventKey;
use crate::layer::{Config, IdempotencyLayer, MissingId, OnMismatch, OnStoreError};
use crate::metrics::{Counter, MetricsSnapshot};
use crate::store::{Acquire, Fingerprint, Outcome, OwnerToken, Store};

/// Header set on a response replayed from a recorded outcome.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// Why the layer answered a request itself (in the response extensions of
/// every such answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// 413: the body is larger than the limit.
    BodyTooLarge,
    /// 400: the body could not be read.
    BodyRead,
    /// 400: no event id (with [`MissingId::Reject`]).
    MissingEventId,
    /// 409: another worker is processing this event (`Retry-After` = its
    /// lease remaining).
    InProgress,
    /// 422: same id, different body (with [`OnMismatch::Reject`]).
    FingerprintMismatch,
    /// 503: the store failed (with [`OnStoreError::FailClosed`]).
    StoreUnavailable,
    /// 500: the handler panicked; its claim was released.
    HandlerPanicked,
    /// 503: the handler did not finish within the handler timeout; its claim
    /// was released.
    HandlerTimeout,
}

impl Rejection {
    /// The status of the answer.
    pub fn status(self) -> StatusCode {
        match self {
            Rejection::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
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
            Rejection::BodyTooLarge => "payload_too_large",
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

/// Processes each event id at most once; see the [crate docs](crate).
///
/// Built by [`IdempotencyLayer`]. The inner service receives
/// `Request<`[`BufferedBody`]`>` with [`OwnerToken`] and [`EventKey`] in the
/// request extensions (when the request was claimed).
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
        ResponseFuture {
            inner: Box::pin(handle(self.config.clone(), inner, req)),
        }
    }
}

type BoxedResponse<B, E> =
    Pin<Box<dyn Future<Output = Result<Response<ResponseBody<B>>, E>> + Send>>;

/// Response future of [`Idempotency`].
pub struct ResponseFuture<B, E> {
    inner: BoxedResponse<B, E>,
}

impl<B, E> fmt::Debug for ResponseFuture<B, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<B, E> Future for ResponseFuture<B, E> {
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

/// The default answer for a rejection: its status and `{"error":"<code>"}`.
pub(crate) fn json_rejection(rejection: Rejection) -> Response<Bytes> {
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

fn rejection<B>(config: &Config, rejection: Rejection) -> Response<ResponseBody<B>> {
    let res = match &config.on_rejection {
        Some(shape) => shape(rejection),
        None => json_rejection(rejection),
    };
    let mut res = res.map(ResponseBody::full);
    res.extensions_mut().insert(rejection);
    res
}

fn rejection_retry_after<B>(
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

fn replay<B>(outcome: Outcome) -> Response<ResponseBody<B>> {
    let mut res = Response::new(ResponseBody::full(outcome.body));
    *res.status_mut() = outcome.status;
    *res.headers_mut() = outcome.headers;
    res.headers_mut().insert(
        HeaderName::from_static(IDEMPOTENT_REPLAYED),
        HeaderValue::from_static("true"),
    );
    res
}

async fn handle<S, B, ResBody>(
    config: Arc<Config>,
    inner: S,
    req: Request<B>,
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
    let (parts, body) = req.into_parts();
    let declared_too_large = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|len| len > config.body_limit as u64);
    if declared_too_large {
        return Ok(rejection(&config, Rejection::BodyTooLarge));
    }
    let bytes = match Limited::new(body, config.body_limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return Ok(rejection(&config, Rejection::BodyTooLarge));
        }
        Err(e) => {
            tracing::debug!(error = %e, "reading the request body failed");
            return Ok(rejection(&config, Rejection::BodyRead));
        }
    };

    let Some(id) = config.id_source.extract(&parts, &bytes) else {
        return match config.missing_id {
            MissingId::Reject => {
                tracing::debug!("request without an event id: 400");
                Ok(rejection(&config, Rejection::MissingEventId))
            }
            MissingId::PassThrough => {
                tracing::debug!(
                    "request without an event id: passed through without deduplication"
                );
                call_plain(inner, parts, bytes).await
            }
        };
    };
    let event = EventKey::new(&config.prefix, &config.scope, id);

    // Everything that touches the store runs in its own task, so a client
    // that disconnects (hyper drops this future) neither cancels the
    // handler nor leaves a claim behind: the outcome is still recorded.
    let task = tokio::spawn(claim_and_run(config.clone(), inner, parts, bytes, event));
    match task.await {
        Ok(result) => result,
        Err(e) => {
            // The handler's own panics are caught inside the task; this is
            // a panic elsewhere (or a runtime shutting down).
            tracing::error!(error = %e, "idempotency task failed");
            Ok(rejection(&config, Rejection::HandlerPanicked))
        }
    }
}

async fn call_plain<S, ResBody>(
    mut inner: S,
    parts: http::request::Parts,
    bytes: Bytes,
) -> Result<Response<ResponseBody<ResBody>>, S::Error>
where
    S: Service<Request<BufferedBody>, Response = Response<ResBody>>,
{
    let res = inner
        .call(Request::from_parts(parts, BufferedBody::new(bytes)))
        .await?;
    Ok(res.map(ResponseBody::inner))
}

async fn claim_and_run<S, ResBody>(
    config: Arc<Config>,
    inner: S,
    parts: http::request::Parts,
    bytes: Bytes,
    event: EventKey,
) -> Result<Response<ResponseBody<ResBody>>, S::Error>
where
    S: Service<Request<BufferedBody>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let token = OwnerToken::random();
    let fingerprint = Fingerprint::of(&bytes);
    let store = &config.store;
    let key = event.key();
    let mut acquired = store.acquire(key, token, fingerprint, config.lease).await;
    if let Err(e) = &acquired {
        // Acquire is idempotent for one token: if the first attempt's claim
        // landed but its answer was lost, this one says Acquired.
        tracing::debug!(event_id = %event.id(), error = %e, "acquire failed, retrying once");
        config.counters.incr(Counter::StoreError);
        acquired = store.acquire(key, token, fingerprint, config.lease).await;
    }

    let mismatch = |stored: Fingerprint| {
        if stored == fingerprint {
            return false;
        }
        config.counters.incr(Counter::FingerprintMismatch);
        tracing::warn!(
            event_id = %event.id(),
            "duplicate event with a different body"
        );
        config.on_mismatch == OnMismatch::Reject
    };

    match acquired {
        Err(e) => {
            config.counters.incr(Counter::StoreError);
            match config.on_store_error {
                OnStoreError::FailClosed => {
                    tracing::error!(
                        event_id = %event.id(),
                        error = %e,
                        "idempotency store unavailable: 503, handler not called"
                    );
                    Ok(rejection_retry_after(
                        &config,
                        Rejection::StoreUnavailable,
                        config.store_retry_after,
                    ))
                }
                OnStoreError::FailOpen => {
                    tracing::warn!(
                        event_id = %event.id(),
                        error = %e,
                        "idempotency store unavailable: running the handler WITHOUT deduplication (fail-open)"
                    );
                    let res = call_plain(inner, parts, bytes).await?;
                    if config.is_final(res.status()) {
                        config.counters.incr(Counter::Processed);
                    }
                    Ok(res)
                }
            }
        }
        Ok(Acquire::Completed {
            outcome,
            fingerprint: stored,
        }) => {
            if mismatch(stored) {
                return Ok(rejection(&config, Rejection::FingerprintMismatch));
            }
            config.counters.incr(Counter::Duplicate);
            tracing::info!(
                event_id = %event.id(),
                status = outcome.status.as_u16(),
                "duplicate of a processed event: replaying its outcome"
            );
            Ok(replay(outcome))
        }
        Ok(Acquire::InProgress {
            lease_remaining,
            fingerprint: stored,
        }) => {
            if mismatch(stored) {
                return Ok(rejection(&config, Rejection::FingerprintMismatch));
            }
            config.counters.incr(Counter::InFlightConflict);
            tracing::info!(
                event_id = %event.id(),
                lease_remaining = ?lease_remaining,
                "event in progress elsewhere: 409"
            );
            Ok(rejection_retry_after(
                &config,
                Rejection::InProgress,
                lease_remaining,
            ))
        }
        Ok(Acquire::Acquired) => run_claimed(config, inner, parts, bytes, event, token).await,
    }
}

/// Aborts the lease-extension task when dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Extends the lease now and every `lease / 3` after, until aborted or the
/// claim is lost.
async fn extend_lease(config: Arc<Config>, event: EventKey, token: OwnerToken) {
    let mut ticker = tokio::time::interval(extension_period(&config));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match config.store.extend(event.key(), token, config.lease).await {
            Ok(true) => tracing::debug!(event_id = %event.id(), "lease extended"),
            Ok(false) => {
                tracing::warn!(
                    event_id = %event.id(),
                    "claim lost while the handler runs (its lease expired): \
                     another delivery may run the handler concurrently"
                );
                return;
            }
            Err(e) => {
                config.counters.incr(Counter::StoreError);
                tracing::warn!(event_id = %event.id(), error = %e, "could not extend the lease");
            }
        }
    }
}

fn extension_period(config: &Config) -> Duration {
    (config.lease / 3).max(Duration::from_millis(1))
}

async fn run_claimed<S, ResBody>(
    config: Arc<Config>,
    mut inner: S,
    mut parts: http::request::Parts,
    bytes: Bytes,
    event: EventKey,
    token: OwnerToken,
) -> Result<Response<ResponseBody<ResBody>>, S::Error>
where
    S: Service<Request<BufferedBody>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    tracing::debug!(event_id = %event.id(), "claimed event: running the handler");
    parts.extensions.insert(token);
    parts.extensions.insert(event.clone());
    let req = Request::from_parts(parts, BufferedBody::new(bytes));

    let run = AssertUnwindSafe(async move {
        let res = inner.call(req).await?;
        let (parts, body) = res.into_parts();
        let body = body.collect().await.map(|c| c.to_bytes());
        Ok::<_, S::Error>((parts, body.map_err(Into::<BoxError>::into)))
    })
    .catch_unwind();
    // Most handlers finish long before a third of the lease: only a handler
    // still running then gets a task that keeps extending the lease. The
    // handler is polled first, so a fast one never arms a timer at all.
    let extended = {
        let (config, event) = (config.clone(), event.clone());
        async move {
            let mut run = std::pin::pin!(run);
            tokio::select! {
                biased;
                done = &mut run => return done,
                () = tokio::time::sleep(extension_period(&config)) => {}
            }
            let _extender = AbortOnDrop(tokio::spawn(extend_lease(config, event, token)));
            run.await
        }
    };
    let result = tokio::time::timeout(config.handler_timeout, extended).await;

    match result {
        Err(_elapsed) => {
            release(&config, &event, token, "handler timed out").await;
            Ok(rejection_retry_after(
                &config,
                Rejection::HandlerTimeout,
                Duration::from_secs(1),
            ))
        }
        Ok(Err(_panic)) => {
            release(&config, &event, token, "handler panicked").await;
            Ok(rejection(&config, Rejection::HandlerPanicked))
        }
        Ok(Ok(Err(e))) => {
            release(&config, &event, token, "inner service error").await;
            Err(e)
        }
        Ok(Ok(Ok((mut parts, body)))) => {
            let body = match body {
                Ok(body) => body,
                Err(e) => {
                    tracing::warn!(
                        event_id = %event.id(),
                        error = %e,
                        "reading the handler's response body failed; answering with its status only"
                    );
                    parts.headers.remove(header::CONTENT_LENGTH);
                    Bytes::new()
                }
            };
            if config.is_final(parts.status) {
                let outcome = Outcome {
                    status: parts.status,
                    headers: cached_headers(&parts.headers, &config),
                    body: if body.len() <= config.body_cache_cap {
                        body.clone()
                    } else {
                        Bytes::new()
                    },
                };
                complete(&config, &event, token, &outcome).await;
                config.counters.incr(Counter::Processed);
            } else {
                let reason = format!("handler answered {}", parts.status.as_u16());
                release(&config, &event, token, &reason).await;
            }
            Ok(Response::from_parts(parts, ResponseBody::full(body)))
        }
    }
}

fn cached_headers(headers: &HeaderMap, config: &Config) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in &config.cached_headers {
        for value in headers.get_all(name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

async fn complete(config: &Config, event: &EventKey, token: OwnerToken, outcome: &Outcome) {
    for attempt in 1..=2 {
        match config
            .store
            .complete(event.key(), token, outcome, config.retention)
            .await
        {
            Ok(true) => {
                tracing::debug!(
                    event_id = %event.id(),
                    status = outcome.status.as_u16(),
                    "event completed"
                );
                return;
            }
            Ok(false) => {
                tracing::warn!(
                    event_id = %event.id(),
                    "claim lost before completion (its lease expired): outcome not recorded"
                );
                return;
            }
            Err(e) => {
                config.counters.incr(Counter::StoreError);
                tracing::warn!(event_id = %event.id(), attempt, error = %e, "could not record the outcome");
            }
        }
    }
    tracing::error!(
        event_id = %event.id(),
        "outcome not recorded: the claim expires with its lease, then a retry may run the handler again"
    );
}

async fn release(config: &Config, event: &EventKey, token: OwnerToken, reason: &str) {
    for attempt in 1..=2 {
        match config.store.release(event.key(), token).await {
            Ok(true) => {
                config.counters.incr(Counter::Released);
                tracing::info!(event_id = %event.id(), reason, "claim released: a retry will process the event");
                return;
            }
            Ok(false) => {
                tracing::warn!(event_id = %event.id(), reason, "claim already lost (its lease expired): nothing to release");
                return;
            }
            Err(e) => {
                config.counters.incr(Counter::StoreError);
                tracing::warn!(event_id = %event.id(), attempt, error = %e, "could not release the claim");
            }
        }
    }
    tracing::error!(
        event_id = %event.id(),
        reason,
        "claim not released: the event stays blocked until its lease expires"
    );
}
