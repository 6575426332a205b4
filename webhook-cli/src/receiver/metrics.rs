//! `GET /metrics`: the receiver's counters in the Prometheus text format
//! (version 0.0.4), kept by [`ReceiverMetrics`].
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `webhook_listen_requests_total` | counter | `verification`, `dedupe`, `status` |
//! | `webhook_listen_request_duration_seconds` | histogram | |
//! | `webhook_listen_forwards_total` | counter | `target`, `outcome` |
//! | `webhook_listen_forward_duration_seconds` | histogram | `target` |
//! | `webhook_listen_dedupe_{processed,duplicates,in_flight_conflicts,released,store_errors,store_full,handler_timeouts,fingerprint_mismatches}_total` | counter | |
//!
//! - `verification`: `ok`, `none` (not verifying, or a request outside the
//!   route), or the verify error kind in snake case (`signature_mismatch`,
//!   `timestamp_too_old`, `payload_too_large`, …);
//! - `dedupe`: `new`, `duplicate`, `in_progress`, or `none` (no dedupe, or
//!   a request refused before it);
//! - `status`: the status answered;
//! - `target`: a route's target URL as configured (without credentials);
//!   `outcome`: `2xx`, `4xx`, `5xx` (`1xx`, `3xx`), or `error` when the
//!   target could not be reached or timed out;
//! - the `dedupe_*` counters are the idempotency layer's own
//!   ([`MetricsSnapshot`](webhook_idempotency::MetricsSnapshot)), read at
//!   scrape time; present only with dedupe.
//!
//! Label values come from small fixed sets or from the user's own
//! configuration (target URLs), never from request content — paths, event
//! types, ids — which a sender could vary without bound and so blow up the
//! number of series a scraper stores.
//!
//! Everything lives on a recorder of its own, never the process-wide
//! `metrics` recorder (which can be set once): several receivers in one
//! process keep separate counts.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use http::header;
use metrics::{Key, KeyName, Label, Level, Metadata, Recorder as _, SharedString};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use webhook_idempotency::IdempotencyLayer;

use super::ForwardLog;

/// Where the receiver serves its metrics (a user route on this path is
/// not possible: the listen command refuses `--path /metrics`).
pub const METRICS_PATH: &str = "/metrics";

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const REQUESTS: &str = "webhook_listen_requests_total";
const REQUEST_DURATION: &str = "webhook_listen_request_duration_seconds";
const FORWARDS: &str = "webhook_listen_forwards_total";
const FORWARD_DURATION: &str = "webhook_listen_forward_duration_seconds";

/// The idempotency layer's counters
/// ([`MetricsSnapshot`](webhook_idempotency::MetricsSnapshot)), in its
/// field order, with their help text.
const DEDUPE_COUNTERS: [(&str, &str); 8] = [
    (
        "webhook_listen_dedupe_processed_total",
        "Events whose handler run was final (recorded as completed).",
    ),
    (
        "webhook_listen_dedupe_duplicates_total",
        "Duplicates answered with the recorded outcome.",
    ),
    (
        "webhook_listen_dedupe_in_flight_conflicts_total",
        "Deliveries answered 409 because the event was in progress.",
    ),
    (
        "webhook_listen_dedupe_released_total",
        "Claims released after a non-final answer, so a retry runs the event again.",
    ),
    (
        "webhook_listen_dedupe_store_errors_total",
        "Store operations that failed or timed out.",
    ),
    (
        "webhook_listen_dedupe_store_full_total",
        "New events refused because the store was full.",
    ),
    (
        "webhook_listen_dedupe_handler_timeouts_total",
        "Handlers still running at the handler timeout.",
    ),
    (
        "webhook_listen_dedupe_fingerprint_mismatches_total",
        "Duplicates whose body differs from the one processed.",
    ),
];

/// Histogram buckets, in seconds: a local receiver answers in microseconds
/// to milliseconds; forwards may take up to the 30 s forward timeout.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// The metadata every registration carries (the Prometheus recorder does
/// not read it).
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// The receiver's metrics: a Prometheus recorder of its own, the handle that
/// renders it, and the dedupe layer whose counters are read at scrape time.
/// Cheap to clone (shared).
#[derive(Clone)]
pub struct ReceiverMetrics {
    inner: Arc<Inner>,
}

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    dedupe: Option<IdempotencyLayer>,
}

impl std::fmt::Debug for ReceiverMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverMetrics")
            .field("dedupe", &self.inner.dedupe.is_some())
            .finish_non_exhaustive()
    }
}

/// What [`ReceiverMetrics`] counts for one finished request.
#[derive(Debug, Clone, Copy)]
pub(super) struct RequestOutcome<'a> {
    pub(super) verification: &'a str,
    pub(super) dedupe: &'static str,
    pub(super) status: u16,
    pub(super) latency: Duration,
    pub(super) forwards: &'a [ForwardLog],
}

impl ReceiverMetrics {
    /// Metrics for a receiver; with `dedupe`, the layer's own counters are
    /// exported too.
    pub fn new(dedupe: Option<IdempotencyLayer>) -> Self {
        let mut builder = PrometheusBuilder::new();
        for name in [REQUEST_DURATION, FORWARD_DURATION] {
            builder = builder
                .set_buckets_for_metric(Matcher::Full(name.to_owned()), &BUCKETS)
                // The only error is an empty bucket list; BUCKETS is not.
                .expect("non-empty buckets");
        }
        let recorder = builder.build_recorder();
        let describe = |name: &'static str, help: &'static str| {
            (KeyName::from_const_str(name), SharedString::const_str(help))
        };
        let dedupe_counters = DEDUPE_COUNTERS
            .into_iter()
            .filter(|_| dedupe.is_some())
            .map(|(name, help)| describe(name, help));
        for (name, help) in [
            describe(
                REQUESTS,
                "Requests answered, by verification result, dedupe outcome and status.",
            ),
            describe(
                FORWARDS,
                "Requests forwarded, by target and outcome (status class or error).",
            ),
        ]
        .into_iter()
        .chain(dedupe_counters)
        {
            recorder.describe_counter(name, None, help);
        }
        for (name, help) in [
            describe(REQUEST_DURATION, "Time to answer a request, in seconds."),
            describe(
                FORWARD_DURATION,
                "Time a target took to answer a forward, in seconds.",
            ),
        ] {
            recorder.describe_histogram(name, Some(metrics::Unit::Seconds), help);
        }
        let handle = recorder.handle();
        Self {
            inner: Arc::new(Inner {
                recorder,
                handle,
                dedupe,
            }),
        }
    }

    /// Counts one finished request and its forwards.
    pub(super) fn record(&self, outcome: &RequestOutcome<'_>) {
        let recorder = &self.inner.recorder;
        let labels = vec![
            Label::new("verification", outcome.verification.to_owned()),
            Label::new("dedupe", outcome.dedupe),
            Label::new("status", outcome.status.to_string()),
        ];
        recorder
            .register_counter(&Key::from_parts(REQUESTS, labels), &METADATA)
            .increment(1);
        recorder
            .register_histogram(&Key::from_name(REQUEST_DURATION), &METADATA)
            .record(outcome.latency.as_secs_f64());
        for forward in outcome.forwards {
            let target = Label::new("target", forward.target.clone());
            let labels = vec![target.clone(), Label::new("outcome", forward.outcome())];
            recorder
                .register_counter(&Key::from_parts(FORWARDS, labels), &METADATA)
                .increment(1);
            recorder
                .register_histogram(&Key::from_parts(FORWARD_DURATION, vec![target]), &METADATA)
                .record(forward.latency_ms / 1e3);
        }
    }

    /// The metrics in the Prometheus text format, the dedupe layer's
    /// counters read now.
    pub fn render(&self) -> String {
        if let Some(dedupe) = &self.inner.dedupe {
            let snapshot = dedupe.metrics();
            let values = [
                snapshot.processed,
                snapshot.duplicates,
                snapshot.in_flight_conflicts,
                snapshot.released,
                snapshot.store_errors,
                snapshot.store_full,
                snapshot.handler_timeouts,
                snapshot.fingerprint_mismatches,
            ];
            for ((name, _), value) in DEDUPE_COUNTERS.into_iter().zip(values) {
                self.inner
                    .recorder
                    .register_counter(&Key::from_name(name), &METADATA)
                    .absolute(value);
            }
        }
        self.inner.handle.render()
    }

    /// Moves recorded histogram samples into their buckets. Rendering does
    /// it too; call this now and then when nobody scrapes, so samples don't
    /// pile up.
    pub fn run_upkeep(&self) {
        self.inner.handle.run_upkeep();
    }
}

/// The `verification` label of a verify error kind: its name in snake case
/// (`SignatureMismatch` → `signature_mismatch`). The kinds are a fixed set
/// of the verify crate's, so the label stays bounded.
pub(super) fn verification_label(kind: webhook_verify::ErrorKind) -> String {
    let name = format!("{kind:?}");
    let mut label = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                label.push('_');
            }
            label.push(c.to_ascii_lowercase());
        } else {
            label.push(c);
        }
    }
    label
}

/// `GET /metrics` (and `HEAD`).
pub(super) async fn serve_metrics(State(metrics): State<ReceiverMetrics>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.render()).into_response()
}

#[cfg(test)]
mod tests {
    use webhook_verify::ErrorKind;

    use super::*;

    #[test]
    fn error_kinds_are_labelled_in_snake_case() {
        assert_eq!(
            verification_label(ErrorKind::SignatureMismatch),
            "signature_mismatch"
        );
        assert_eq!(
            verification_label(ErrorKind::PayloadTooLarge),
            "payload_too_large"
        );
        assert_eq!(verification_label(ErrorKind::BodyRead), "body_read");
    }

    #[test]
    fn receivers_count_separately() {
        let first = ReceiverMetrics::new(None);
        let second = ReceiverMetrics::new(None);
        let outcome = RequestOutcome {
            verification: "ok",
            dedupe: "none",
            status: 200,
            latency: Duration::from_millis(2),
            forwards: &[],
        };
        first.record(&outcome);
        first.record(&outcome);
        second.record(&outcome);
        let line = r#"webhook_listen_requests_total{verification="ok",dedupe="none",status="200"}"#;
        assert!(
            first.render().contains(&format!("{line} 2\n")),
            "{}",
            first.render()
        );
        assert!(
            second.render().contains(&format!("{line} 1\n")),
            "{}",
            second.render()
        );
        assert!(
            first
                .render()
                .contains("webhook_listen_request_duration_seconds_count 2\n")
        );
    }
}
