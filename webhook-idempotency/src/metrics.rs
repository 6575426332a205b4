//! Counters a user can read: [`MetricsSnapshot`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

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

/// How many copies of the counters there are: each thread counts in one of
/// them, so that workers do not pass one cache line back and forth on every
/// event; a snapshot adds them up.
const STRIPES: usize = 8;

/// Which stripe each thread counts in: threads take them in turn.
fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    // A thread being torn down counts in the first stripe.
    STRIPE.try_with(|s| *s).unwrap_or(0)
}

#[derive(Debug, Default)]
struct Inner([Stripe; STRIPES]);

/// One copy of the counters, on cache lines of its own.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Stripe {
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
        let stripe = &self.0.0[stripe()];
        let (atomic, _name) = match counter {
            Counter::Processed => (&stripe.processed, "webhook_idempotency_processed_total"),
            Counter::Duplicate => (&stripe.duplicates, "webhook_idempotency_duplicates_total"),
            Counter::InFlightConflict => (
                &stripe.in_flight_conflicts,
                "webhook_idempotency_in_flight_conflicts_total",
            ),
            Counter::Released => (&stripe.released, "webhook_idempotency_released_total"),
            Counter::StoreError => (
                &stripe.store_errors,
                "webhook_idempotency_store_errors_total",
            ),
            Counter::StoreFull => (&stripe.store_full, "webhook_idempotency_store_full_total"),
            Counter::HandlerTimeout => (
                &stripe.handler_timeouts,
                "webhook_idempotency_handler_timeouts_total",
            ),
            Counter::FingerprintMismatch => (
                &stripe.fingerprint_mismatches,
                "webhook_idempotency_fingerprint_mismatches_total",
            ),
        };
        atomic.fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "metrics")]
        metrics::counter!(_name).increment(1);
    }

    pub(crate) fn snapshot(&self) -> MetricsSnapshot {
        let sum = |field: fn(&Stripe) -> &AtomicU64| -> u64 {
            self.0.0.iter().fold(0, |sum, s| {
                sum.wrapping_add(field(s).load(Ordering::Relaxed))
            })
        };
        MetricsSnapshot {
            processed: sum(|s| &s.processed),
            duplicates: sum(|s| &s.duplicates),
            in_flight_conflicts: sum(|s| &s.in_flight_conflicts),
            released: sum(|s| &s.released),
            store_errors: sum(|s| &s.store_errors),
            store_full: sum(|s| &s.store_full),
            handler_timeouts: sum(|s| &s.handler_timeouts),
            fingerprint_mismatches: sum(|s| &s.fingerprint_mismatches),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts from many threads land in different stripes; a snapshot adds
    /// every stripe up.
    #[test]
    fn counts_from_every_thread_add_up() {
        let counters = Counters::default();
        std::thread::scope(|scope| {
            for _ in 0..2 * STRIPES {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        counters.incr(Counter::Processed);
                    }
                    counters.incr(Counter::Released);
                });
            }
        });
        let used = counters
            .0
            .0
            .iter()
            .filter(|s| s.processed.load(Ordering::Relaxed) > 0)
            .count();
        assert!(used > 1, "all threads counted in one stripe");
        let snapshot = counters.snapshot();
        assert_eq!(snapshot.processed, 2000 * STRIPES as u64);
        assert_eq!(snapshot.released, 2 * STRIPES as u64);
        assert_eq!(snapshot.duplicates, 0);
    }
}
