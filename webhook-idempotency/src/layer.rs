//! [`IdempotencyLayer`] and its configuration.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use http::{HeaderName, StatusCode, header};
use tower_layer::Layer;

use crate::config::{
    Config, DEFAULT_BODY_CACHE_CAP, DEFAULT_BODY_CACHE_TIMEOUT, DEFAULT_BODY_LIMIT,
    DEFAULT_HANDLER_TIMEOUT, DEFAULT_LEASE, DEFAULT_PREFIX, DEFAULT_RETENTION, DEFAULT_SCOPE,
    DEFAULT_STORE_RETRY_AFTER, FinalFn, MissingId, OnMismatch, OnStoreError,
};
use crate::error::{ConfigError, ConfigErrorKind};
use crate::event_id::IdSource;
use crate::heartbeat::Heartbeat;
use crate::metrics::{Counters, MetricsSnapshot};
use crate::rejection::{JsonErrorResponse, Rejection, RejectionResponse};
use crate::service::Idempotency;
use crate::store::{MAX_TTL, Store};

/// Applies [`Idempotency`]: each event id is processed at most once, and a
/// failed attempt stays retryable. See the [crate docs](crate).
///
/// Cheap to clone (the configuration is shared behind an `Arc`); every
/// clone and every service it builds share the same counters
/// ([`metrics`](Self::metrics)).
///
/// Place it *inside* the verify layer (added after it with
/// `ServiceBuilder`, or before it with axum's `Router::layer`, which wraps
/// outermost-last), so unverified requests never touch the store.
#[derive(Clone, Debug)]
#[must_use]
pub struct IdempotencyLayer {
    config: Arc<Config>,
}

impl IdempotencyLayer {
    /// A layer with the default configuration over `store`.
    pub fn new(store: impl Store) -> Self {
        IdempotencyLayer {
            config: Arc::new(IdempotencyLayerBuilder::new(Arc::new(store)).config()),
        }
    }

    /// A builder to configure the layer.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_idempotency::{IdSource, IdempotencyLayer, MemoryStore, OnMismatch};
    ///
    /// let layer = IdempotencyLayer::builder(MemoryStore::new())
    ///     .event_id(IdSource::json("/data/event_id"))
    ///     .scope("stripe")
    ///     .lease(Duration::from_secs(30))
    ///     .handler_timeout(Duration::from_secs(20))
    ///     .retention(Duration::from_secs(3 * 24 * 3600))
    ///     .final_statuses(|s| s.is_client_error())
    ///     .on_fingerprint_mismatch(OnMismatch::Reject)
    ///     .build()?;
    /// # let _ = layer;
    /// # Ok::<(), webhook_idempotency::ConfigError>(())
    /// ```
    pub fn builder(store: impl Store) -> IdempotencyLayerBuilder {
        IdempotencyLayerBuilder::new(Arc::new(store))
    }

    /// Like [`builder`](Self::builder) with a store that is already shared.
    pub fn builder_shared(store: Arc<dyn Store>) -> IdempotencyLayerBuilder {
        IdempotencyLayerBuilder::new(store)
    }

    /// A snapshot of the counters shared by this layer, its clones and the
    /// services they built.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.config.counters.snapshot()
    }
}

impl<S> Layer<S> for IdempotencyLayer {
    type Service = Idempotency<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Idempotency::from_config(inner, self.config.clone())
    }
}

/// Configures an [`IdempotencyLayer`]; [`build`](Self::build) validates.
#[must_use]
pub struct IdempotencyLayerBuilder {
    store: Arc<dyn Store>,
    id_source: IdSource,
    missing_id: MissingId,
    prefix: String,
    scope: String,
    lease: Duration,
    handler_timeout: Duration,
    retention: Duration,
    signature_tolerance: Option<Duration>,
    body_limit: usize,
    final_status: Option<Arc<FinalFn>>,
    cached_headers: Vec<HeaderName>,
    body_cache_cap: usize,
    body_cache_timeout: Duration,
    on_mismatch: OnMismatch,
    on_store_error: OnStoreError,
    store_retry_after: Duration,
    on_rejection: Arc<dyn RejectionResponse<Rejection>>,
}

impl fmt::Debug for IdempotencyLayerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdempotencyLayerBuilder")
            .field("store", &self.store)
            .field("id_source", &self.id_source)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl IdempotencyLayerBuilder {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        IdempotencyLayerBuilder {
            store,
            id_source: IdSource::Verified,
            missing_id: MissingId::Reject,
            prefix: DEFAULT_PREFIX.to_owned(),
            scope: DEFAULT_SCOPE.to_owned(),
            lease: DEFAULT_LEASE,
            handler_timeout: DEFAULT_HANDLER_TIMEOUT,
            retention: DEFAULT_RETENTION,
            signature_tolerance: Some(webhook_verify::DEFAULT_TOLERANCE),
            body_limit: DEFAULT_BODY_LIMIT,
            final_status: None,
            cached_headers: Vec::new(),
            body_cache_cap: DEFAULT_BODY_CACHE_CAP,
            body_cache_timeout: DEFAULT_BODY_CACHE_TIMEOUT,
            on_mismatch: OnMismatch::Duplicate,
            on_store_error: OnStoreError::FailClosed,
            store_retry_after: DEFAULT_STORE_RETRY_AFTER,
            on_rejection: Arc::new(JsonErrorResponse),
        }
    }

    /// Where to read the event id (default [`IdSource::Verified`]: only
    /// bytes the signature covers).
    pub fn event_id(mut self, source: IdSource) -> Self {
        self.id_source = source;
        self
    }

    /// What to do without an event id (default [`MissingId::Reject`]: 400).
    pub fn on_missing_id(mut self, policy: MissingId) -> Self {
        self.missing_id = policy;
        self
    }

    /// Key prefix (default `webhook:idem`).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Key scope, e.g. one per endpoint or tenant, so the same id from two
    /// providers does not collide (default `default`). Any text: `:` and
    /// `%` are escaped in the key, so no two (prefix, scope) pairs share
    /// keys.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// Lease of a claim (default 60 s): how long an event stays blocked if
    /// its worker dies. While the handler runs, the layer's heartbeat renews
    /// it every `lease / 3` — from its own task, so a handler that blocks its
    /// thread keeps its claim (on a multi-thread runtime).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long the handler may take to return its response head (default
    /// 30 s). The handler runs inside the request; a client that disconnects
    /// does not cancel it (the work moves to a task of its own). The timeout
    /// fires while the handler waits: a handler that blocks its thread is
    /// answered when it returns — it keeps its claim meanwhile, but run
    /// blocking work with `tokio::task::spawn_blocking` so the timeout
    /// covers it.
    ///
    /// At the timeout the caller gets 503 with `Retry-After` = the lease
    /// remaining, and the claim is **not** released: what the handler set in
    /// motion (a spawned task, a blocking section, a query already sent) may
    /// still be running, and a retry must not run the event alongside it.
    /// The heartbeat stops renewing the claim instead. If the handler still
    /// finishes within the lease (it goes on in a task of its own), its
    /// outcome is recorded as usual (a retry then gets the recorded
    /// answer); otherwise it is cancelled when the lease runs out and a
    /// retry may process the event.
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.handler_timeout = timeout;
        self
    }

    /// How long a completed event is remembered (default 72 h).
    ///
    /// Choose it to cover the sender's whole retry window (Stripe retries
    /// for 3 days, Standard Webhooks/Svix about 1.5 days, GitHub does not
    /// retry automatically) *and* at least the signature tolerance, or a
    /// captured request replayed inside the tolerance would be processed
    /// again. [`build`](Self::build) warns when it is shorter than the
    /// tolerance.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The verify layer's timestamp tolerance, checked against the
    /// retention (default [`webhook_verify::DEFAULT_TOLERANCE`]; `None` for
    /// schemes without a timestamp).
    pub fn signature_tolerance(mut self, tolerance: Option<Duration>) -> Self {
        self.signature_tolerance = tolerance;
        self
    }

    /// Largest request body buffered (default 1 MiB); larger → 413.
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// Statuses besides 2xx that are final: the event is recorded as
    /// completed and not retried (e.g. `|s| s.is_client_error()` for "this
    /// event will never be processable"). Other statuses release the claim.
    pub fn final_statuses(
        mut self,
        f: impl Fn(StatusCode) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.final_status = Some(Arc::new(f));
        self
    }

    /// Adds a response header to replay to duplicates (none by default).
    /// `Set-Cookie`, `Date` and the framing headers (`Content-Length`,
    /// `Transfer-Encoding`, `Connection`) are refused by
    /// [`build`](Self::build).
    pub fn cache_header(mut self, name: HeaderName) -> Self {
        self.cached_headers.push(name);
        self
    }

    /// Largest response body recorded for duplicates (default 4 KiB; 0 =
    /// never). A larger body is not recorded (duplicates get an empty
    /// body); the original caller always gets the full response.
    pub fn body_cache_cap(mut self, cap: usize) -> Self {
        self.body_cache_cap = cap;
        self
    }

    /// How long the layer reads a final response's body to record it
    /// (default 1 s). Whether an event is completed or released is decided
    /// by the status alone; a body that does not arrive in time is recorded
    /// without its body (duplicates get an empty body), never released. The
    /// original caller still gets the whole body, streamed.
    pub fn body_cache_timeout(mut self, timeout: Duration) -> Self {
        self.body_cache_timeout = timeout;
        self
    }

    /// What to do when a duplicate's body differs (default
    /// [`OnMismatch::Duplicate`]).
    pub fn on_fingerprint_mismatch(mut self, policy: OnMismatch) -> Self {
        self.on_mismatch = policy;
        self
    }

    /// What to do when the store fails (default
    /// [`OnStoreError::FailClosed`]: 503).
    pub fn on_store_error(mut self, policy: OnStoreError) -> Self {
        self.on_store_error = policy;
        self
    }

    /// `Retry-After` of a 503 caused by a store outage (default 5 s).
    pub fn store_retry_after(mut self, after: Duration) -> Self {
        self.store_retry_after = after;
        self
    }

    /// Shapes the layer's own answers (400, 409, 413, 422, 500, 503); the
    /// default is the rejection's status with `{"error":"<code>"}`. The layer
    /// still adds the [`Rejection`](crate::Rejection) to the response extensions and, for 409
    /// and 503, a `Retry-After` unless the response has one. A closure that
    /// panics gets the default answer instead (logged as an error).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use http::Response;
    /// use webhook_idempotency::{IdempotencyLayer, MemoryStore, Rejection};
    ///
    /// let layer = IdempotencyLayer::builder(MemoryStore::new())
    ///     .on_rejection(|r: &Rejection| {
    ///         let mut res = Response::new(Bytes::from(r.code()));
    ///         *res.status_mut() = r.status();
    ///         res
    ///     })
    ///     .build()?;
    /// # let _ = layer;
    /// # Ok::<(), webhook_idempotency::ConfigError>(())
    /// ```
    pub fn on_rejection(mut self, rejection: impl RejectionResponse<Rejection>) -> Self {
        self.on_rejection = Arc::new(rejection);
        self
    }

    /// Validates and builds the layer.
    ///
    /// Errors: a lease, handler timeout or retention under 1 ms; any
    /// duration over [`MAX_TTL`] (100 years: a store could not hold it, and
    /// `Duration::MAX` is a mistake, not "forever"); an empty prefix or
    /// scope; `Set-Cookie`, `Date` or a framing header in the cached
    /// headers. Warns (`tracing`) when the retention is shorter than the
    /// signature tolerance.
    pub fn build(self) -> Result<IdempotencyLayer, ConfigError> {
        for (name, d) in [
            ("lease", self.lease),
            ("handler_timeout", self.handler_timeout),
            ("retention", self.retention),
        ] {
            if d < Duration::from_millis(1) {
                return Err(ConfigError::new(
                    ConfigErrorKind::ZeroDuration,
                    format!("{name} must be at least 1 ms"),
                ));
            }
        }
        for (name, d) in [
            ("lease", self.lease),
            ("handler_timeout", self.handler_timeout),
            ("retention", self.retention),
            ("body_cache_timeout", self.body_cache_timeout),
            ("store_retry_after", self.store_retry_after),
        ] {
            if d > MAX_TTL {
                return Err(ConfigError::new(
                    ConfigErrorKind::DurationTooLong,
                    format!("{name} {d:?} is longer than {MAX_TTL:?}"),
                ));
            }
        }
        if self.prefix.is_empty() || self.scope.is_empty() {
            return Err(ConfigError::new(
                ConfigErrorKind::EmptyKeyPart,
                "prefix and scope must not be empty",
            ));
        }
        // Cookies and dates belong to one response; framing headers would
        // contradict a replayed body that was not recorded (over the cap).
        let forbidden = [
            header::SET_COOKIE,
            HeaderName::from_static("set-cookie2"),
            header::DATE,
            header::CONTENT_LENGTH,
            header::TRANSFER_ENCODING,
            header::CONNECTION,
        ];
        if let Some(name) = self.cached_headers.iter().find(|h| forbidden.contains(h)) {
            return Err(ConfigError::new(
                ConfigErrorKind::ForbiddenHeader,
                format!("{name} must never be replayed to another request"),
            ));
        }
        if let Some(tolerance) = self.signature_tolerance
            && self.retention < tolerance
        {
            tracing::warn!(
                retention = ?self.retention,
                tolerance = ?tolerance,
                "idempotency retention is shorter than the signature tolerance: \
                 a request replayed after the retention but within the tolerance \
                 would be processed again"
            );
        }
        Ok(IdempotencyLayer {
            config: Arc::new(self.config()),
        })
    }

    pub(crate) fn config(self) -> Config {
        let counters = Counters::default();
        let heartbeat = Arc::new(Heartbeat::new(
            self.store.clone(),
            self.lease,
            counters.clone(),
        ));
        Config {
            store: self.store,
            id_source: self.id_source,
            missing_id: self.missing_id,
            prefix: self.prefix,
            scope: self.scope,
            lease: self.lease,
            handler_timeout: self.handler_timeout,
            retention: self.retention,
            body_limit: self.body_limit,
            final_status: self.final_status,
            cached_headers: self.cached_headers,
            body_cache_cap: self.body_cache_cap,
            body_cache_timeout: self.body_cache_timeout,
            on_mismatch: self.on_mismatch,
            on_store_error: self.on_store_error,
            store_retry_after: self.store_retry_after,
            on_rejection: self.on_rejection,
            counters,
            heartbeat,
            background_releases: AtomicUsize::new(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    #[test]
    fn build_validates() {
        let err = IdempotencyLayer::builder(MemoryStore::new())
            .lease(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::ZeroDuration);
        let err = IdempotencyLayer::builder(MemoryStore::new())
            .cache_header(header::SET_COOKIE)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::ForbiddenHeader);
        let err = IdempotencyLayer::builder(MemoryStore::new())
            .cache_header(header::CONTENT_LENGTH)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::ForbiddenHeader);
        let err = IdempotencyLayer::builder(MemoryStore::new())
            .scope("")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ConfigErrorKind::EmptyKeyPart);
        for set in [
            |b: IdempotencyLayerBuilder| b.lease(Duration::MAX),
            |b: IdempotencyLayerBuilder| b.retention(Duration::MAX),
            |b: IdempotencyLayerBuilder| b.handler_timeout(Duration::MAX),
            |b: IdempotencyLayerBuilder| b.body_cache_timeout(Duration::MAX),
            |b: IdempotencyLayerBuilder| b.store_retry_after(MAX_TTL + Duration::from_millis(1)),
        ] {
            let err = set(IdempotencyLayer::builder(MemoryStore::new()))
                .build()
                .unwrap_err();
            assert_eq!(err.kind(), ConfigErrorKind::DurationTooLong, "{err}");
        }
        assert!(
            IdempotencyLayer::builder(MemoryStore::new())
                .lease(MAX_TTL)
                .retention(MAX_TTL)
                .build()
                .is_ok(),
            "the bound itself is accepted"
        );
        assert!(
            IdempotencyLayer::builder(MemoryStore::new())
                .cache_header(header::CONTENT_TYPE)
                .retention(Duration::from_secs(1))
                .build()
                .is_ok(),
            "a short retention only warns"
        );
    }

    #[test]
    fn layer_is_clone_send_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<IdempotencyLayer>();
        check::<Idempotency<tower_layer::Identity>>();
    }
}
