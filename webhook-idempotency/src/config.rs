//! What the layer can be configured with: the defaults, the policies, and
//! the configuration every service of a layer shares.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use http::{HeaderName, StatusCode};

use crate::event_id::IdSource;
use crate::heartbeat::Heartbeat;
use crate::metrics::Counters;
use crate::rejection::{Rejection, RejectionResponse};
use crate::store::Store;

/// Default lease of a claim: how long a worker that died mid-handler blocks
/// the event before a retry may process it.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// Default handler timeout.
pub const DEFAULT_HANDLER_TIMEOUT: Duration = Duration::from_secs(30);
/// Default retention of a completed event: 72 h, Stripe's retry window.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(72 * 3600);
/// Default request body limit (1 MiB; larger bodies get 413): the verify
/// layer's, so that the two layers agree on what is too large.
pub use webhook_verify::layer::DEFAULT_BODY_LIMIT;
/// Default cap on a cached response body (4 KiB).
pub const DEFAULT_BODY_CACHE_CAP: usize = 4 * 1024;
/// Default bound on the time spent reading a final response's body to
/// record it (1 s); a body that takes longer is recorded without its body.
pub const DEFAULT_BODY_CACHE_TIMEOUT: Duration = Duration::from_secs(1);
/// Default `Retry-After` of a 503 caused by a store outage.
pub const DEFAULT_STORE_RETRY_AFTER: Duration = Duration::from_secs(5);
/// Default key prefix.
pub const DEFAULT_PREFIX: &str = "webhook:idem";
/// Default key scope.
pub const DEFAULT_SCOPE: &str = "default";

/// What to do with a request without an event id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissingId {
    /// Answer 400 `{"error":"missing_event_id"}` (the default).
    #[default]
    Reject,
    /// Call the handler without deduplication.
    PassThrough,
}

/// What to do with a duplicate whose body differs from the one processed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnMismatch {
    /// Treat it as the duplicate it is (some providers change the body
    /// between retries, e.g. an `attempts` counter) and `warn!` (the
    /// default).
    ///
    /// The body is compared with the one in progress only: a completed
    /// record keeps no fingerprint in this mode (16 bytes of the record and,
    /// in Redis, a 48-byte allocation saved per event; see the crate docs on
    /// sizing), so after completion a changed body is a plain duplicate.
    #[default]
    Duplicate,
    /// Answer 422 `{"error":"fingerprint_mismatch"}`, whether the first
    /// delivery is in progress or completed: completed records keep the
    /// fingerprint.
    Reject,
}

/// What to do when the store fails or times out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnStoreError {
    /// Answer 503 with `Retry-After` without calling the handler (the
    /// default): the sender retries later, nothing is lost or doubled.
    #[default]
    FailClosed,
    /// Call the handler without deduplication and `warn!` each time — also
    /// when a [`MemoryStore`](crate::MemoryStore) is full.
    FailOpen,
}

pub(crate) type FinalFn = dyn Fn(StatusCode) -> bool + Send + Sync;

pub(crate) struct Config {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) id_source: IdSource,
    pub(crate) missing_id: MissingId,
    pub(crate) prefix: String,
    pub(crate) scope: String,
    pub(crate) lease: Duration,
    pub(crate) handler_timeout: Duration,
    pub(crate) retention: Duration,
    pub(crate) body_limit: usize,
    pub(crate) final_status: Option<Arc<FinalFn>>,
    pub(crate) cached_headers: Vec<HeaderName>,
    pub(crate) body_cache_cap: usize,
    pub(crate) body_cache_timeout: Duration,
    pub(crate) on_mismatch: OnMismatch,
    pub(crate) on_store_error: OnStoreError,
    pub(crate) store_retry_after: Duration,
    pub(crate) on_rejection: Arc<dyn RejectionResponse<Rejection>>,
    pub(crate) counters: Counters,
    pub(crate) heartbeat: Arc<Heartbeat>,
    /// Releases of failed acquires still being retried in the background.
    pub(crate) background_releases: AtomicUsize,
}

impl Config {
    /// 2xx, or a status the user marked final. A panicking
    /// `final_statuses` closure counts as "not final" (2xx stay final): the
    /// claim is then released, never left neither completed nor released.
    pub(crate) fn is_final(&self, status: StatusCode) -> bool {
        if status.is_success() {
            return true;
        }
        let Some(f) = &self.final_status else {
            return false;
        };
        std::panic::catch_unwind(AssertUnwindSafe(|| f(status))).unwrap_or_else(|_| {
            tracing::error!(
                status = status.as_u16(),
                "the final_statuses closure panicked: the status is treated as not final"
            );
            false
        })
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("store", &self.store)
            .field("id_source", &self.id_source)
            .field("missing_id", &self.missing_id)
            .field("prefix", &self.prefix)
            .field("scope", &self.scope)
            .field("lease", &self.lease)
            .field("handler_timeout", &self.handler_timeout)
            .field("retention", &self.retention)
            .field("body_limit", &self.body_limit)
            .field("cached_headers", &self.cached_headers)
            .field("body_cache_cap", &self.body_cache_cap)
            .field("body_cache_timeout", &self.body_cache_timeout)
            .field("on_mismatch", &self.on_mismatch)
            .field("on_store_error", &self.on_store_error)
            .finish_non_exhaustive()
    }
}
