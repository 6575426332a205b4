//! What a run counts while it goes ([`Stats`], shared by the event tasks)
//! and what it reports at the end ([`Summary`], [`Latency`]).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hdrhistogram::Histogram;
use http::StatusCode;
use serde::Serialize;

use super::rounded;

/// A run shorter than this has no meaningful rate: its throughput is not
/// reported (`null`).
pub const MIN_RATE_INTERVAL: Duration = Duration::from_millis(100);

/// The longest latency the histogram tells apart, in microseconds (1 h);
/// longer ones count as this.
const MAX_LATENCY_MICROS: u64 = 3_600_000_000;

/// What one request came to, as counted in [`Summary::statuses`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A response with this status.
    Status(StatusCode),
    /// No response within the timeout.
    Timeout,
    /// The connection could not be made.
    Connect,
    /// Any other failure before a response.
    Error,
    /// Given up by a [`StopSignal`](super::StopSignal) after it was sent.
    Interrupted,
}

impl Outcome {
    /// The outcomes without a response, in no particular order.
    const WITHOUT_RESPONSE: [Self; 4] =
        [Self::Timeout, Self::Connect, Self::Error, Self::Interrupted];

    /// Its key in [`Summary::statuses`]: the status code, or a name.
    fn key(self) -> String {
        match self {
            Self::Status(status) => status.as_u16().to_string(),
            Self::Timeout => "timeout".to_owned(),
            Self::Connect => "connect".to_owned(),
            Self::Error => "error".to_owned(),
            Self::Interrupted => "interrupted".to_owned(),
        }
    }
}

/// The status codes an [`http::StatusCode`] can hold.
const STATUS_CODES: std::ops::Range<u16> = 100..1000;

/// Counters shared by the event tasks.
pub(super) struct Stats {
    /// Responses per status code, at `code - 100` (see [`STATUS_CODES`]).
    responses: Box<[AtomicU64]>,
    timeouts: AtomicU64,
    connect_failures: AtomicU64,
    errors: AtomicU64,
    interrupted: AtomicU64,
    requests: AtomicU64,
    pub(super) sent: AtomicU64,
    pub(super) delivered_first_try: AtomicU64,
    pub(super) delivered_eventually: AtomicU64,
    pub(super) replayed: AtomicU64,
    pub(super) retried: AtomicU64,
    pub(super) dead_lettered: AtomicU64,
    latency: Mutex<Histogram<u64>>,
}

impl Stats {
    pub(super) fn new() -> Self {
        Self {
            responses: STATUS_CODES.map(|_| AtomicU64::new(0)).collect(),
            timeouts: AtomicU64::new(0),
            connect_failures: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            interrupted: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            delivered_first_try: AtomicU64::new(0),
            delivered_eventually: AtomicU64::new(0),
            replayed: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            // 1 µs to 1 h at 3 significant digits: valid bounds, can't fail.
            latency: Mutex::new(
                Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, 3)
                    .expect("valid histogram bounds"),
            ),
        }
    }

    /// The counter of `outcome`.
    fn counter(&self, outcome: Outcome) -> &AtomicU64 {
        match outcome {
            // A StatusCode is within STATUS_CODES, so the index is in bounds.
            Outcome::Status(status) => {
                &self.responses[usize::from(status.as_u16() - STATUS_CODES.start)]
            }
            Outcome::Timeout => &self.timeouts,
            Outcome::Connect => &self.connect_failures,
            Outcome::Error => &self.errors,
            Outcome::Interrupted => &self.interrupted,
        }
    }

    /// Counts one request and its latency.
    pub(super) fn record(&self, outcome: Outcome, latency: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.counter(outcome).fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .clamp(1, MAX_LATENCY_MICROS);
        // Nothing panics while the lock is held.
        let mut histogram = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        histogram.saturating_record(micros);
    }

    /// The summary so far; `elapsed` is the run's wall time, `gone` whether
    /// a 410 stopped the endpoint.
    pub(super) fn summary(&self, elapsed: Duration, gone: bool) -> Summary {
        let outcomes = STATUS_CODES
            .filter_map(|code| StatusCode::from_u16(code).ok())
            .map(Outcome::Status)
            .chain(Outcome::WITHOUT_RESPONSE);
        let mut statuses = BTreeMap::new();
        for outcome in outcomes {
            let count = self.counter(outcome).load(Ordering::Relaxed);
            if count > 0 {
                statuses.insert(outcome.key(), count);
            }
        }
        let histogram = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let ms = |micros: u64| micros as f64 / 1000.0;
        let latency_ms = if histogram.is_empty() {
            Latency::default()
        } else {
            Latency {
                p50: ms(histogram.value_at_quantile(0.50)),
                p90: ms(histogram.value_at_quantile(0.90)),
                p99: ms(histogram.value_at_quantile(0.99)),
                max: ms(histogram.max()),
            }
        };
        let first = self.delivered_first_try.load(Ordering::Relaxed);
        let eventually = self.delivered_eventually.load(Ordering::Relaxed);
        let requests = self.requests.load(Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        let rate = |count: u64| (elapsed >= MIN_RATE_INTERVAL).then(|| count as f64 / secs);
        Summary {
            sent: self.sent.load(Ordering::Relaxed),
            requests,
            delivered: first + eventually,
            delivered_first_try: first,
            delivered_eventually: eventually,
            replayed: self.replayed.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
            endpoint_gone: gone,
            interrupted: false,
            statuses,
            latency_ms,
            elapsed_s: elapsed.as_secs_f64(),
            events_per_s: rate(first + eventually),
            requests_per_s: rate(requests),
        }
    }
}

/// Latency percentiles in milliseconds (µs precision).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Latency {
    /// Median.
    #[serde(serialize_with = "rounded::ms")]
    pub p50: f64,
    /// 90th percentile.
    #[serde(serialize_with = "rounded::ms")]
    pub p90: f64,
    /// 99th percentile.
    #[serde(serialize_with = "rounded::ms")]
    pub p99: f64,
    /// Maximum.
    #[serde(serialize_with = "rounded::ms")]
    pub max: f64,
}

/// The outcome of a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Events taken from the source.
    pub sent: u64,
    /// HTTP requests made (all attempts).
    pub requests: u64,
    /// Events that got a 2xx.
    pub delivered: u64,
    /// Delivered on the first attempt.
    pub delivered_first_try: u64,
    /// Delivered after one or more retries.
    pub delivered_eventually: u64,
    /// Delivered events whose 2xx was an idempotency layer's recorded
    /// answer (`Idempotent-Replayed: true`): the receiver had processed them
    /// before.
    pub replayed: u64,
    /// Events that needed more than one attempt.
    pub retried: u64,
    /// Events given up (dead letters).
    pub dead_lettered: u64,
    /// Whether a 410 Gone stopped the endpoint.
    pub endpoint_gone: bool,
    /// Whether a [`StopSignal`](super::StopSignal) ended the run early:
    /// accepted events not delivered were dead-lettered; events not yet
    /// taken were not sent.
    pub interrupted: bool,
    /// Responses per status code; requests without a response under
    /// `"timeout"`, `"connect"`, `"error"`, or `"interrupted"` (sent, then
    /// given up by a stop).
    pub statuses: BTreeMap<String, u64>,
    /// Per-request latency.
    pub latency_ms: Latency,
    /// Wall time of the run in seconds.
    #[serde(serialize_with = "rounded::secs")]
    pub elapsed_s: f64,
    /// Delivered events per second; `None` for a run shorter than
    /// [`MIN_RATE_INTERVAL`].
    #[serde(serialize_with = "rounded::rate")]
    pub events_per_s: Option<f64>,
    /// Requests per second; `None` for a run shorter than
    /// [`MIN_RATE_INTERVAL`].
    #[serde(serialize_with = "rounded::rate")]
    pub requests_per_s: Option<f64>,
}

/// The summary as its JSON object (what `--json` prints): compact, or
/// pretty with `{:#}`. The text layout of `webhook deliver` belongs to the
/// binary, not to this type.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_keyed_by_code_or_by_what_happened() {
        let stats = Stats::new();
        let ms = Duration::from_millis(1);
        for outcome in [
            Outcome::Status(StatusCode::OK),
            Outcome::Status(StatusCode::OK),
            Outcome::Status(StatusCode::SERVICE_UNAVAILABLE),
            Outcome::Timeout,
            Outcome::Connect,
            Outcome::Error,
            Outcome::Interrupted,
        ] {
            stats.record(outcome, ms);
        }
        let summary = stats.summary(Duration::from_secs(1), false);
        let statuses: Vec<_> = summary
            .statuses
            .iter()
            .map(|(key, count)| (key.as_str(), *count))
            .collect();
        assert_eq!(
            statuses,
            [
                ("200", 2),
                ("503", 1),
                ("connect", 1),
                ("error", 1),
                ("interrupted", 1),
                ("timeout", 1),
            ]
        );
        assert_eq!(summary.requests, 7);
    }

    #[test]
    fn a_status_above_599_is_a_status() {
        let stats = Stats::new();
        let odd = StatusCode::from_u16(999).unwrap();
        stats.record(Outcome::Status(odd), Duration::from_millis(1));
        let summary = stats.summary(Duration::ZERO, false);
        assert_eq!(summary.statuses.get("999"), Some(&1));
        assert_eq!(summary.statuses.len(), 1);
        assert_eq!(summary.events_per_s, None);
    }
}
