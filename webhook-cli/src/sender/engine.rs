//! The delivery engine behind `webhook deliver`, `webhook replay` and
//! `webhook roundtrip`: a production-like webhook sender.
//!
//! - one pooled keep-alive [`reqwest::Client`], at most `concurrency` requests
//!   in flight, an optional token-bucket rate limit on requests;
//! - every attempt is signed afresh (new timestamp) by a
//!   [`webhook_verify::Signer`], or sent verbatim;
//! - network errors, timeouts, 408, 409 (an idempotency layer's "in progress"), 429 and 5xx are retried with exponential
//!   backoff and jitter; `Retry-After` (seconds or an HTTP date) can only
//!   postpone a retry, never bring it forward; other statuses are final;
//! - `410 Gone` stops the endpoint: the event and every event not yet
//!   delivered go to the dead letters;
//! - events are streamed from an iterator with a bounded number pending, so
//!   memory stays flat however many events there are;
//! - a [`StopSignal`] (Ctrl-C) stops the intake, gives requests in flight a
//!   grace period, and dead-letters whatever was accepted but not delivered.
//!
//! ```no_run
//! use std::time::Duration;
//! use webhook_cli::sender::{Hooks, Outgoing, Sender, SenderConfig};
//! use webhook_verify::{Scheme, Signer};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SenderConfig {
//!     signer: Some(Signer::new(Scheme::Webhook, "s3cret")?),
//!     ..SenderConfig::default()
//! };
//! let url: reqwest::Url = "http://127.0.0.1:3000/hooks".parse()?;
//! let events = (0..100).map(move |n| {
//!     let body = format!(r#"{{"id":"evt_{n}"}}"#);
//!     Ok::<_, std::convert::Infallible>(Outgoing::json(&url, format!("evt_{n}"), body))
//! });
//! let summary = Sender::new(config)?.run(events, Hooks::default()).await?;
//! assert_eq!(summary.delivered, 100);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use rand::Rng as _;
use reqwest::Url;
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use webhook_verify::Signer;

use crate::capture::{CaptureWriter, CapturedRequest, DeadLetterInfo};
use crate::error_chain::error_chain;
use crate::http_client::{ClientSettings, TlsOptions, build_client};

/// One request to deliver: an event with its target.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The event id: signed into the headers where the scheme carries one,
    /// reported in results and dead letters.
    pub id: String,
    /// Usually `POST`.
    pub method: Method,
    /// The full target URL.
    pub url: Url,
    /// Headers sent besides the signature (for verbatim sends: all of them).
    pub headers: HeaderMap,
    /// The exact body.
    pub body: Bytes,
}

impl Outgoing {
    /// A JSON `POST` to `url`.
    pub fn json(url: &Url, id: impl Into<String>, body: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::with_capacity(2);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Self {
            id: id.into(),
            method: Method::POST,
            url: url.clone(),
            headers,
            body: body.into(),
        }
    }
}

impl Outgoing {
    /// A captured request aimed at `url` (the captured path and query are
    /// not applied: pass the final URL). Connection headers are dropped;
    /// with `strip_signature` the signature headers of every built-in
    /// scheme are dropped too, so the request can be signed afresh. The id
    /// is the dead-letter id, else [`event_id`](crate::capture::event_id),
    /// else `fallback_id`.
    pub fn from_capture(
        record: &CapturedRequest,
        url: Url,
        strip_signature: bool,
        fallback_id: impl FnOnce() -> String,
    ) -> Result<Self, crate::capture::CaptureError> {
        let mut headers = record.header_map()?;
        for name in crate::capture::HOP_BY_HOP_HEADERS {
            headers.remove(name);
        }
        if strip_signature {
            for name in crate::capture::SIGNATURE_HEADERS {
                headers.remove(name);
            }
        }
        let body = Bytes::from(record.body()?);
        let id = record
            .dead_letter
            .as_ref()
            .map(|d| d.id.clone())
            .or_else(|| crate::capture::event_id(&headers, &body))
            .unwrap_or_else(fallback_id);
        let method = Method::from_bytes(record.method.as_bytes()).map_err(|_| {
            crate::capture::CaptureError::Header(format!("method {}", record.method))
        })?;
        Ok(Self {
            id,
            method,
            url,
            headers,
            body,
        })
    }
}

/// How the delay grows between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackoffKind {
    /// `initial * 2^(attempt-1)`, capped at `max`.
    #[default]
    Exponential,
    /// Always `initial`.
    Constant,
}

/// Backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Exponential or constant.
    pub kind: BackoffKind,
    /// The delay after the first failed attempt.
    pub initial: Duration,
    /// The cap on the computed delay (a `Retry-After` may exceed it).
    pub max: Duration,
    /// Relative jitter: the delay is multiplied by a uniform factor in
    /// `[1 - jitter, 1 + jitter]` (then capped at `max`). `0.0..=1.0`.
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            kind: BackoffKind::Exponential,
            initial: Duration::from_secs(1),
            max: Duration::from_secs(3600),
            jitter: 0.25,
        }
    }
}

impl Backoff {
    /// The delay before the retry that follows failed attempt number
    /// `attempt` (1-based), before jitter: `initial * 2^(attempt-1)`, capped.
    pub fn base_delay(&self, attempt: u32) -> Duration {
        if self.kind == BackoffKind::Constant {
            return self.initial.min(self.max);
        }
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// The delay with jitter applied, and postponed to `retry_after` when the
    /// receiver asked for a longer wait (it never shortens the backoff).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let base = self.base_delay(attempt);
        let jitter = self.jitter.clamp(0.0, 1.0);
        let jittered = if jitter > 0.0 {
            let factor = rand::rng().random_range((1.0 - jitter)..=(1.0 + jitter));
            // try_from: no panic whatever --max is (an overflow just caps).
            Duration::try_from_secs_f64(base.as_secs_f64() * factor)
                .unwrap_or(self.max)
                .min(self.max)
        } else {
            base
        };
        match retry_after {
            Some(wait) => jittered.max(wait),
            None => jittered,
        }
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date (relative to
/// `now`; a date in the past is no wait).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use webhook_cli::sender::parse_retry_after;
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480);
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Whether a status is worth retrying: 408, 409, 429 and every 5xx.
///
/// 409 Conflict is what an idempotency layer answers while another delivery
/// of the same event is still in progress (with `Retry-After`). That other
/// delivery may yet fail and release the event, so only a retry learns the
/// outcome: giving up on a 409 could lose the event.
pub fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::CONFLICT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// How the engine behaves.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Requests in flight at once (at least 1).
    pub concurrency: usize,
    /// Requests per second, `None` for unlimited.
    pub rate: Option<f64>,
    /// Token-bucket size: requests allowed at once above the rate.
    pub burst: u32,
    /// Attempts per event, including the first (at least 1).
    pub max_attempts: u32,
    /// Delay between attempts.
    pub backoff: Backoff,
    /// Per-attempt timeout (connect + response + body).
    pub timeout: Duration,
    /// Signs every attempt with a fresh timestamp; `None` sends the
    /// headers as given (verbatim replay).
    pub signer: Option<Signer>,
    /// Events accepted but not finished (in flight or waiting to retry);
    /// bounds memory. At least `concurrency`.
    pub max_pending: usize,
    /// After a [`StopSignal::stop`], how long requests in flight may still
    /// take before they are given up.
    pub stop_grace: Duration,
    /// How `https://` targets are verified (default: the platform's roots).
    pub tls: TlsOptions,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            concurrency: 64,
            rate: None,
            burst: 1,
            max_attempts: 5,
            backoff: Backoff::default(),
            timeout: Duration::from_secs(30),
            signer: None,
            max_pending: 4096,
            stop_grace: Duration::from_secs(5),
            tls: TlsOptions::default(),
        }
    }
}

/// Stops a [`Sender::run`] early, e.g. on Ctrl-C.
///
/// [`stop`](Self::stop): no more events are taken from the source, events
/// waiting for a retry (or for their first attempt) are given up, and
/// requests in flight get [`SenderConfig::stop_grace`] to finish;
/// [`abort`](Self::abort) gives those up at once too. Given-up events are
/// dead-lettered (reason `interrupted`) and reported; the run returns its
/// summary with [`Summary::interrupted`] set.
#[derive(Debug, Clone, Default)]
pub struct StopSignal {
    stop: CancellationToken,
    abort: CancellationToken,
}

impl StopSignal {
    /// A signal that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stop taking events; let requests in flight finish within the grace.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Give up requests in flight now as well.
    pub fn abort(&self) {
        self.stop.cancel();
        self.abort.cancel();
    }

    /// Whether [`stop`](Self::stop) (or [`abort`](Self::abort)) was called.
    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }
}

/// A per-event callback.
pub type OnEvent = Arc<dyn Fn(&EventReport) + Send + Sync>;

/// Where the engine reports to, all optional.
#[derive(Default)]
pub struct Hooks {
    /// Events given up are appended here (capture format, replayable).
    pub dead_letter: Option<Arc<CaptureWriter>>,
    /// One NDJSON line per finished event.
    pub results: Option<ResultsWriter>,
    /// Called once per finished event (progress bars, counters).
    pub on_event: Option<OnEvent>,
    /// Stops the run early (see [`StopSignal`]).
    pub stop: Option<StopSignal>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("dead_letter", &self.dead_letter)
            .field("results", &self.results)
            .field("on_event", &self.on_event.as_ref().map(|_| "Fn"))
            .field("stop", &self.stop)
            .finish()
    }
}

/// Writes one NDJSON [`EventReport`] per finished event.
#[derive(Debug, Clone)]
pub struct ResultsWriter {
    inner: Arc<Mutex<BufWriter<File>>>,
}

impl ResultsWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> Result<Self, SenderError> {
        let file =
            File::create(path).map_err(|e| SenderError::Io(format!("{}: {e}", path.display())))?;
        Ok(Self {
            inner: Arc::new(Mutex::new(BufWriter::new(file))),
        })
    }

    fn write(&self, report: &EventReport) -> Result<(), SenderError> {
        // Plain fields: serialization can't fail.
        let mut line = serde_json::to_vec(report).expect("reports always serialize");
        line.push(b'\n');
        // A poisoned lock means a writer panicked; the buffer is still usable.
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .write_all(&line)
            .map_err(|e| SenderError::Io(e.to_string()))
    }

    fn flush(&self) -> Result<(), SenderError> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.flush().map_err(|e| SenderError::Io(e.to_string()))
    }
}

/// What happened to one event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventReport {
    /// The event id.
    pub id: String,
    /// Attempts made (0 when the endpoint was already gone).
    pub attempts: u32,
    /// The final HTTP status, if a response came back.
    pub status: Option<u16>,
    /// Delivered (a 2xx) or not (dead-lettered).
    pub delivered: bool,
    /// Latency of the last attempt in milliseconds (µs precision).
    #[serde(serialize_with = "rounded::opt_ms")]
    pub latency_ms: Option<f64>,
    /// The last error, for undelivered events.
    pub error: Option<String>,
}

/// Why the engine could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SenderError {
    /// The HTTP client could not be built.
    #[error("building the HTTP client: {0}")]
    Client(String),
    /// Signing failed (for example Standard Webhooks without an event id).
    #[error("signing event {id}: {source}")]
    Sign {
        /// The event.
        id: String,
        /// The signer's error.
        source: webhook_verify::Error,
    },
    /// The event source failed.
    #[error("reading events: {0}")]
    Source(String),
    /// Writing dead letters or results failed.
    #[error("writing output: {0}")]
    Io(String),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(&'static str),
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

/// Serializes measurements to the precision they have, so JSON shows
/// `0.462` rather than `0.46192500000000003`.
mod rounded {
    use serde::Serializer;

    fn round(value: f64, decimals: i32) -> f64 {
        let scale = 10f64.powi(decimals);
        (value * scale).round() / scale
    }

    /// Milliseconds measured in microseconds: 3 decimals.
    pub(super) fn ms<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(round(*value, 3))
    }

    pub(super) fn opt_ms<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => ms(value, s),
            None => s.serialize_none(),
        }
    }

    /// Seconds: milliseconds are what a wall clock over a run means.
    pub(super) fn secs<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(round(*value, 3))
    }

    /// A rate: one decimal.
    pub(super) fn rate<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => s.serialize_f64(round(*value, 1)),
            None => s.serialize_none(),
        }
    }
}

/// A run shorter than this has no meaningful rate: its throughput is not
/// reported (`null`).
pub const MIN_RATE_INTERVAL: Duration = Duration::from_millis(100);

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
    /// Whether a [`StopSignal`] ended the run early: accepted events not
    /// delivered were dead-lettered; events not yet taken were not sent.
    pub interrupted: bool,
    /// Responses per status (`"timeout"`, `"connect"`, `"error"` for
    /// attempts without a response).
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

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "sent              {}", self.sent)?;
        writeln!(f, "requests          {}", self.requests)?;
        writeln!(
            f,
            "delivered         {} ({} first try, {} eventually)",
            self.delivered, self.delivered_first_try, self.delivered_eventually
        )?;
        writeln!(
            f,
            "duplicates        {} (answered from the receiver's idempotency record)",
            self.replayed
        )?;
        writeln!(f, "retried           {}", self.retried)?;
        let why = match (self.endpoint_gone, self.interrupted) {
            (true, _) => " (endpoint answered 410 Gone: stopped)",
            (false, true) => " (interrupted: accepted but not delivered)",
            (false, false) => "",
        };
        writeln!(f, "dead-lettered     {}{why}", self.dead_lettered)?;
        let statuses = self
            .statuses
            .iter()
            .map(|(status, count)| format!("{status}: {count}"))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(f, "statuses          {statuses}")?;
        let l = &self.latency_ms;
        writeln!(
            f,
            "latency           p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            l.p50, l.p90, l.p99, l.max
        )?;
        match (self.events_per_s, self.requests_per_s) {
            (Some(events), Some(requests)) => write!(
                f,
                "throughput        {events:.0} events/s, {requests:.0} requests/s over {:.2} s",
                self.elapsed_s
            ),
            _ => write!(
                f,
                "throughput        n/a (the run took {:.3} s: too short for a rate)",
                self.elapsed_s
            ),
        }
    }
}

/// A token bucket: `rate` tokens per second, at most `burst` saved up.
/// Callers reserve a token and sleep until it is due, so waiting never holds
/// the lock.
#[derive(Debug)]
struct RateLimiter {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, tokio::time::Instant)>,
}

impl RateLimiter {
    fn new(rate: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            rate,
            burst,
            state: Mutex::new((burst, tokio::time::Instant::now())),
        }
    }

    async fn acquire(&self) {
        let wait = {
            // Nothing panics while the lock is held.
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = tokio::time::Instant::now();
            let refill = now.duration_since(state.1).as_secs_f64() * self.rate;
            state.0 = (state.0 + refill).min(self.burst) - 1.0;
            state.1 = now;
            if state.0 >= 0.0 {
                None
            } else {
                Some(Duration::from_secs_f64(-state.0 / self.rate))
            }
        };
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
    }
}

const ERROR_SLOTS: usize = 4;

/// Counters shared by the event tasks.
struct Stats {
    statuses: Vec<AtomicU64>,
    requests: AtomicU64,
    sent: AtomicU64,
    delivered_first_try: AtomicU64,
    delivered_eventually: AtomicU64,
    replayed: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    latency: Mutex<Histogram<u64>>,
}

impl Stats {
    fn new() -> Self {
        Self {
            statuses: (0..600 + ERROR_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            requests: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            delivered_first_try: AtomicU64::new(0),
            delivered_eventually: AtomicU64::new(0),
            replayed: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            // 1 µs to 1 h at 3 significant digits: valid bounds, can't fail.
            latency: Mutex::new(
                Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds"),
            ),
        }
    }

    fn record(&self, slot: usize, latency: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.statuses[slot.min(599 + ERROR_SLOTS)].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .clamp(1, 3_600_000_000);
        // Nothing panics while the lock is held.
        let mut histogram = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        histogram.saturating_record(micros);
    }

    fn summary(&self, elapsed: Duration, gone: bool) -> Summary {
        let mut statuses = BTreeMap::new();
        for (slot, count) in self.statuses.iter().enumerate() {
            let count = count.load(Ordering::Relaxed);
            if count == 0 {
                continue;
            }
            let key = match slot {
                600 => "timeout".to_owned(),
                601 => "connect".to_owned(),
                602 => "error".to_owned(),
                603 => "interrupted".to_owned(),
                status => status.to_string(),
            };
            statuses.insert(key, count);
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

struct Shared {
    client: reqwest::Client,
    config: SenderConfig,
    inflight: Semaphore,
    limiter: Option<RateLimiter>,
    gone: AtomicBool,
    stop: StopSignal,
    stats: Stats,
    hooks: Hooks,
    io_error: Mutex<Option<SenderError>>,
}

/// The sender. Build once, [`run`](Self::run) as often as needed; every run
/// shares the connection pool.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    config: SenderConfig,
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Sender {
    /// Builds the HTTP client ([`build_client`]: rustls with
    /// [`SenderConfig::tls`], no redirects followed, no proxy,
    /// `TCP_NODELAY`) with a keep-alive pool sized to the concurrency.
    pub fn new(config: SenderConfig) -> Result<Self, SenderError> {
        if config.concurrency == 0 {
            return Err(SenderError::Config("concurrency must be at least 1"));
        }
        if config.max_attempts == 0 {
            return Err(SenderError::Config("max attempts must be at least 1"));
        }
        if matches!(config.rate, Some(rate) if !(rate > 0.0 && rate.is_finite())) {
            return Err(SenderError::Config("rate must be a positive number"));
        }
        let settings = ClientSettings {
            max_idle_per_host: Some(config.concurrency),
            user_agent: Some(concat!("webhook-cli/", env!("CARGO_PKG_VERSION")).to_owned()),
            ..ClientSettings::default()
        };
        let client = build_client(&config.tls, &settings)
            .map_err(|e| SenderError::Client(error_chain(&e)))?;
        Ok(Self { client, config })
    }

    /// The configuration.
    pub fn config(&self) -> &SenderConfig {
        &self.config
    }

    /// Delivers every event of `events` and returns the summary once all are
    /// delivered or dead-lettered.
    ///
    /// The iterator runs on a blocking thread (it may read a file), and is
    /// pulled only as fast as events finish, so memory stays bounded by
    /// `max_pending`. An `Err` from the iterator stops the intake, lets the
    /// accepted events finish, and is returned.
    pub async fn run<I, E>(&self, events: I, hooks: Hooks) -> Result<Summary, SenderError>
    where
        I: IntoIterator<Item = Result<Outgoing, E>>,
        I::IntoIter: Send + 'static,
        E: fmt::Display,
    {
        let config = self.config.clone();
        let max_pending = config.max_pending.max(config.concurrency);
        let stop = hooks.stop.clone().unwrap_or_default();
        // After a stop, requests in flight get the grace period, then are given up.
        let grace = {
            let (stop, grace) = (stop.clone(), config.stop_grace);
            tokio::spawn(async move {
                stop.stop.cancelled().await;
                tokio::time::sleep(grace).await;
                stop.abort.cancel();
            })
        };
        let shared = Arc::new(Shared {
            client: self.client.clone(),
            inflight: Semaphore::new(config.concurrency),
            limiter: config.rate.map(|rate| RateLimiter::new(rate, config.burst)),
            config,
            gone: AtomicBool::new(false),
            stop: stop.clone(),
            stats: Stats::new(),
            hooks,
            io_error: Mutex::new(None),
        });

        let (tx, mut rx) = mpsc::channel::<Result<Outgoing, String>>(256);
        let iter = events.into_iter();
        let producer = tokio::task::spawn_blocking(move || {
            for item in iter {
                let stop = item.is_err();
                if tx.blocking_send(item.map_err(|e| e.to_string())).is_err() || stop {
                    break;
                }
            }
        });

        let started = Instant::now();
        let pending = Arc::new(Semaphore::new(max_pending));
        let mut source_error = None;
        loop {
            let permit = tokio::select! {
                biased;
                () = stop.stop.cancelled() => break,
                // Nothing ever calls `close` on this semaphore, and acquiring
                // fails only when closed.
                permit = Arc::clone(&pending).acquire_owned() => {
                    permit.expect("pending semaphore is never closed")
                }
            };
            let item = tokio::select! {
                biased;
                () = stop.stop.cancelled() => break,
                item = rx.recv() => item,
            };
            let Some(item) = item else { break };
            let event = match item {
                Ok(event) => event,
                Err(err) => {
                    source_error = Some(SenderError::Source(err));
                    break;
                }
            };
            shared.stats.sent.fetch_add(1, Ordering::Relaxed);
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                let report = deliver_one(&shared, event).await;
                drop(report);
                drop(permit);
            });
        }
        drop(rx);
        // Wait for every accepted event to finish: they each hold a permit.
        let all = u32::try_from(max_pending).unwrap_or(u32::MAX);
        let _all = pending
            .acquire_many(all)
            .await
            .expect("pending semaphore is never closed");
        grace.abort();
        let interrupted = stop.is_stopped();
        // After a stop the producer may be blocked reading a source that will
        // not end (stdin): leave it; it ends when it next tries to send.
        if !interrupted {
            let _ = producer.await;
        }
        let elapsed = started.elapsed();

        if let Some(results) = &shared.hooks.results {
            results.flush()?;
        }
        if let Some(err) = shared
            .io_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            return Err(err);
        }
        if let Some(err) = source_error {
            return Err(err);
        }
        let mut summary = shared
            .stats
            .summary(elapsed, shared.gone.load(Ordering::Relaxed));
        summary.interrupted = interrupted;
        Ok(summary)
    }
}

/// The result of one attempt.
enum Attempt {
    Response {
        status: StatusCode,
        retry_after: Option<Duration>,
        /// `Idempotent-Replayed: true`: a recorded answer.
        replayed: bool,
    },
    Failed {
        error: String,
    },
    /// Could not even be signed: not retried.
    Unsendable {
        error: String,
    },
    /// Given up because of a [`StopSignal`]; `sent` when the request had
    /// left (the receiver may have processed it).
    Interrupted {
        sent: bool,
    },
}

/// One attempt: wait for the rate limit and a connection slot, then (unless
/// the endpoint is gone by now) sign with a fresh timestamp and send.
/// `headers` receives what was sent, for the dead letter.
async fn attempt(
    shared: &Shared,
    event: &Outgoing,
    headers: &mut HeaderMap,
) -> Option<(Attempt, Duration)> {
    let config = &shared.config;
    let stopped = || Some((Attempt::Interrupted { sent: false }, Duration::ZERO));
    if let Some(limiter) = &shared.limiter {
        tokio::select! {
            biased;
            () = shared.stop.stop.cancelled() => return stopped(),
            () = limiter.acquire() => {}
        }
    }
    let _permit = tokio::select! {
        biased;
        () = shared.stop.stop.cancelled() => return stopped(),
        // The semaphore is never closed.
        permit = shared.inflight.acquire() => permit.expect("inflight semaphore is never closed"),
    };
    if shared.gone.load(Ordering::Relaxed) {
        return None;
    }
    if let Some(signer) = &config.signer {
        headers.clone_from(&event.headers);
        match signer.sign(&event.body, unix_now(), Some(&event.id)) {
            Ok(signature) => {
                for (name, value) in &signature {
                    headers.insert(name, value.clone());
                }
            }
            Err(source) => {
                let error = SenderError::Sign {
                    id: event.id.clone(),
                    source,
                };
                return Some((
                    Attempt::Unsendable {
                        error: error.to_string(),
                    },
                    Duration::ZERO,
                ));
            }
        }
    }
    let request = shared
        .client
        .request(event.method.clone(), event.url.clone())
        .headers(headers.clone())
        .body(event.body.clone())
        .timeout(config.timeout);
    let started = Instant::now();
    let exchange = async {
        let response = request.send().await?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let replayed = response
            .headers()
            .get(webhook_idempotency::IDEMPOTENT_REPLAYED)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        // Drain the body so the connection goes back to the pool.
        response.bytes().await?;
        Ok::<_, reqwest::Error>((status, retry_after, replayed))
    };
    let result = tokio::select! {
        biased;
        () = shared.stop.abort.cancelled() => None,
        result = exchange => Some(result),
    };
    let latency = started.elapsed();
    let Some(result) = result else {
        shared.stats.record(603, latency);
        return Some((Attempt::Interrupted { sent: true }, latency));
    };
    let outcome = match result {
        Ok((status, retry_after, replayed)) => {
            shared.stats.record(usize::from(status.as_u16()), latency);
            Attempt::Response {
                status,
                retry_after,
                replayed,
            }
        }
        Err(err) => {
            let slot = if err.is_timeout() {
                600
            } else if err.is_connect() {
                601
            } else {
                602
            };
            shared.stats.record(slot, latency);
            Attempt::Failed {
                // Without reqwest's copy of the URL, which may hold credentials.
                error: error_chain(&err.without_url()),
            }
        }
    };
    Some((outcome, latency))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

const GONE: &str = "endpoint stopped after 410 Gone";
const INTERRUPTED: &str = "interrupted (Ctrl-C) before it was delivered";

/// Sends one event until it is delivered, final, or out of attempts.
async fn deliver_one(shared: &Shared, event: Outgoing) -> EventReport {
    let config = &shared.config;
    let mut attempts = 0u32;
    let mut last_status = None;
    let mut last_error: Option<String>;
    let mut last_latency = None;
    let mut headers = event.headers.clone();
    let delivered = loop {
        if shared.gone.load(Ordering::Relaxed) {
            last_error = Some(GONE.to_owned());
            break false;
        }
        if shared.stop.is_stopped() {
            last_error = Some(INTERRUPTED.to_owned());
            break false;
        }
        let Some((outcome, latency)) = attempt(shared, &event, &mut headers).await else {
            last_error = Some(GONE.to_owned());
            break false;
        };
        let retry_after = match outcome {
            Attempt::Unsendable { error } => {
                last_error = Some(error);
                break false;
            }
            Attempt::Interrupted { sent } => {
                if sent {
                    attempts += 1;
                    last_latency = Some(latency);
                    last_status = None;
                }
                last_error = Some(INTERRUPTED.to_owned());
                break false;
            }
            Attempt::Response {
                status,
                retry_after,
                replayed,
            } => {
                attempts += 1;
                last_latency = Some(latency);
                last_status = Some(status.as_u16());
                if status.is_success() {
                    if replayed {
                        shared.stats.replayed.fetch_add(1, Ordering::Relaxed);
                    }
                    last_error = None;
                    break true;
                }
                last_error = Some(format!("HTTP {status}"));
                if status == StatusCode::GONE {
                    // Reported once, however many requests were in flight.
                    if !shared.gone.swap(true, Ordering::Relaxed) {
                        tracing::warn!(url = %event.url, "410 Gone: stopping deliveries to this endpoint");
                    }
                    break false;
                }
                if !is_retryable(status) {
                    break false;
                }
                retry_after
            }
            Attempt::Failed { error } => {
                attempts += 1;
                last_latency = Some(latency);
                last_status = None;
                last_error = Some(error);
                None
            }
        };
        if attempts >= config.max_attempts {
            break false;
        }
        let delay = config.backoff.delay(attempts, retry_after);
        tracing::debug!(id = %event.id, attempts, ?delay, ?retry_after, "retrying");
        tokio::select! {
            biased;
            () = shared.stop.stop.cancelled() => {
                last_error = Some(INTERRUPTED.to_owned());
                break false;
            }
            () = tokio::time::sleep(delay) => {}
        }
    };

    let stats = &shared.stats;
    if attempts > 1 {
        stats.retried.fetch_add(1, Ordering::Relaxed);
    }
    if delivered {
        if attempts == 1 {
            stats.delivered_first_try.fetch_add(1, Ordering::Relaxed);
        } else {
            stats.delivered_eventually.fetch_add(1, Ordering::Relaxed);
        }
    } else {
        stats.dead_lettered.fetch_add(1, Ordering::Relaxed);
    }
    let report = EventReport {
        id: event.id.clone(),
        attempts,
        status: last_status,
        delivered,
        latency_ms: last_latency.map(|l| l.as_secs_f64() * 1000.0),
        error: last_error,
    };
    if !delivered && let Some(writer) = &shared.hooks.dead_letter {
        let mut record = CapturedRequest::from_parts(
            event.method.as_str(),
            event.url.path(),
            event.url.query(),
            &headers,
            &event.body,
        );
        record.dead_letter = Some(DeadLetterInfo {
            id: event.id.clone(),
            attempts,
            last_status,
            reason: report.error.clone().unwrap_or_default(),
        });
        if let Err(err) = writer.write(&record) {
            keep_io_error(shared, SenderError::Io(err.to_string()));
        }
    }
    if let Some(results) = &shared.hooks.results
        && let Err(err) = results.write(&report)
    {
        keep_io_error(shared, err);
    }
    if let Some(on_event) = &shared.hooks.on_event {
        on_event(&report);
    }
    report
}

fn keep_io_error(shared: &Shared, err: SenderError) {
    tracing::error!(%err, "writing output failed");
    let mut slot = shared.io_error.lock().unwrap_or_else(|e| e.into_inner());
    slot.get_or_insert(err);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let backoff = Backoff {
            kind: BackoffKind::Exponential,
            initial: Duration::from_secs(1),
            max: Duration::from_secs(10),
            jitter: 0.0,
        };
        let delays: Vec<_> = (1..=6).map(|n| backoff.delay(n, None).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff.base_delay(200), Duration::from_secs(10));
    }

    #[test]
    fn jitter_stays_in_band() {
        let backoff = Backoff {
            kind: BackoffKind::Exponential,
            initial: Duration::from_millis(1000),
            max: Duration::from_secs(3600),
            jitter: 0.25,
        };
        for _ in 0..1000 {
            let delay = backoff.delay(1, None);
            assert!(
                delay >= Duration::from_millis(750) && delay <= Duration::from_millis(1250),
                "{delay:?}"
            );
        }
    }

    #[test]
    fn retry_after_only_postpones() {
        let backoff = Backoff {
            kind: BackoffKind::Exponential,
            initial: Duration::from_secs(4),
            max: Duration::from_secs(60),
            jitter: 0.0,
        };
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(1))),
            Duration::from_secs(4)
        );
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(90))),
            Duration::from_secs(90)
        );
    }

    #[test]
    fn retryable_statuses() {
        for code in [408, 409, 429, 500, 502, 503, 504] {
            assert!(is_retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [200, 301, 400, 401, 404, 410, 422] {
            assert!(!is_retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }

    #[tokio::test]
    async fn rate_limiter_spaces_requests_after_the_burst() {
        tokio::time::pause();
        let limiter = RateLimiter::new(10.0, 2);
        let start = tokio::time::Instant::now();
        for _ in 0..4 {
            limiter.acquire().await;
        }
        // Two from the burst, then two more at 10/s: at least 0.2 s of
        // (paused, virtual) time.
        assert!(
            start.elapsed() >= Duration::from_millis(190),
            "{:?}",
            start.elapsed()
        );
    }
}
