//! Counters a user can read: [`MetricsSnapshot`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A point-in-time copy of a layer's counters (shared by every service the
/// layer built, and by its clones).
///
/// With the `metrics` feature the same events are also counted through the
/// [`metrics`](https://docs.rs/metrics) facade as
/// `webhook_idempotency_{processed,duplicates,in_flight_conflicts,released,store_errors,store_full,handler_timeouts,fingerprint_mismatches}_total`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Handler runs whose outcome was final (recorded as completed, or run
    /// without dedupe by the fail-open policy).
    pub processed: u64,
    /// Duplicates of a completed event answered with the recorded outcome.
    pub duplicates: u64,
    /// Deliveries answered 409 because another worker holds the event.
    pub in_flight_conflicts: u64,
    /// Claims released after a failed attempt (5xx, error, panic), so the
    /// sender's retry processes the event.
    pub released: u64,
    /// Store operations that failed or timed out.
    pub store_errors: u64,
    /// New events refused because the store was full (a `MemoryStore` with
    /// [`WhenFull::Refuse`](crate::WhenFull::Refuse)), answered 503.
    pub store_full: u64,
    /// Handlers still running at the handler timeout (answered 503; their
    /// claim expires with its lease).
    pub handler_timeouts: u64,
    /// Duplicates whose body differs from the one processed.
    pub fingerprint_mismatches: u64,
}

#[derive(Debug, Default)]
struct Inner {
    processed: AtomicU64,
    duplicates: AtomicU64,
    in_flight_conflicts: AtomicU64,
    released: AtomicU64,
    store_errors: AtomicU64,
    store_full: AtomicU64,
    handler_timeouts: AtomicU64,
    fingerprint_mismatches: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Processed,
    Duplicate,
    InFlightConflict,
    Released,
    StoreError,
    StoreFull,
    HandlerTimeout,
    FingerprintMismatch,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Counters(Arc<Inner>);

impl Counters {
    pub(crate) fn incr(&self, counter: Counter) {
        let (atomic, _name) = match counter {
            Counter::Processed => (&self.0.processed, "webhook_idempotency_processed_total"),
            Counter::Duplicate => (&self.0.duplicates, "webhook_idempotency_duplicates_total"),
            Counter::InFlightConflict => (
                &self.0.in_flight_conflicts,
                "webhook_idempotency_in_flight_conflicts_total",
            ),
            Counter::Released => (&self.0.released, "webhook_idempotency_released_total"),
            Counter::StoreError => (
                &self.0.store_errors,
                "webhook_idempotency_store_errors_total",
            ),
            Counter::StoreFull => (&self.0.store_full, "webhook_idempotency_store_full_total"),
            Counter::HandlerTimeout => (
                &self.0.handler_timeouts,
                "webhook_idempotency_handler_timeouts_total",
            ),
            Counter::FingerprintMismatch => (
                &self.0.fingerprint_mismatches,
                "webhook_idempotency_fingerprint_mismatches_total",
            ),
        };
        atomic.fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "metrics")]
        metrics::counter!(_name).increment(1);
    }

    pub(crate) fn snapshot(&self) -> MetricsSnapshot {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        MetricsSnapshot {
            processed: load(&self.0.processed),
            duplicates: load(&self.0.duplicates),
            in_flight_conflicts: load(&self.0.in_flight_conflicts),
            released: load(&self.0.released),
            store_errors: load(&self.0.store_errors),
            store_full: load(&self.0.store_full),
            handler_timeouts: load(&self.0.handler_timeouts),
            fingerprint_mismatches: load(&self.0.fingerprint_mismatches),
        }
    }
}
