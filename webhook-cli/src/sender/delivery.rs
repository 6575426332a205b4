//! One event's delivery: attempts (rate limit, connection slot, a fresh
//! signature), retries after the backoff, and at the end the report, the
//! dead letter and the counters.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use http::header::RETRY_AFTER;
use http::{HeaderMap, StatusCode};
use tokio::sync::Semaphore;

use super::rate_limit::RateLimiter;
use super::retry::{is_retryable, parse_retry_after};
use super::stats::{Outcome, Stats};
use super::{EventReport, Hooks, Outgoing, SenderConfig, SenderError, StopSignal};
use crate::capture::{CapturedRequest, DeadLetterInfo};
use crate::error_chain::error_chain;
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Clock as _, SystemClock};

/// The state of one run, shared by its event tasks.
pub(super) struct Shared {
    pub(super) client: reqwest::Client,
    pub(super) config: SenderConfig,
    /// Connection slots: `concurrency` permits.
    pub(super) inflight: Semaphore,
    pub(super) limiter: Option<RateLimiter>,
    /// Set by the first 410 Gone.
    pub(super) gone: AtomicBool,
    pub(super) stop: StopSignal,
    pub(super) stats: Stats,
    pub(super) hooks: Hooks,
    /// The first failure to write a dead letter or a result.
    pub(super) io_error: Mutex<Option<SenderError>>,
}

/// The result of one attempt.
enum Attempt {
    /// A response came back: final, retried or delivered by its status.
    Response {
        status: StatusCode,
        retry_after: Option<Duration>,
        /// `Idempotent-Replayed: true`: a recorded answer.
        replayed: bool,
    },
    /// No response (timeout, connection, …): retried.
    Failed { error: String },
    /// Could not even be signed (e.g. an id with a control character, which
    /// no header may carry): not retried. Reachable from `deliver --from`.
    Unsendable { error: String },
    /// Given up because of a [`StopSignal`]; `sent` when the request had
    /// left (the receiver may have processed it).
    Interrupted { sent: bool },
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
            () = shared.stop.stopped() => return stopped(),
            () = limiter.acquire() => {}
        }
    }
    let _permit = tokio::select! {
        biased;
        () = shared.stop.stopped() => return stopped(),
        // The semaphore is never closed.
        permit = shared.inflight.acquire() => permit.expect("inflight semaphore is never closed"),
    };
    if shared.gone.load(Ordering::Relaxed) {
        return None;
    }
    // The body sent: the event's, or the re-signed one for a scheme that
    // carries its signature in the body (Mailgun).
    let mut body = event.body.clone();
    if let Some(signer) = &config.signer {
        headers.clone_from(&event.headers);
        // Schemes that sign the URL (square, twilio, hubspot) sign the one
        // the request goes to; a reqwest URL is always a valid URI.
        let uri: Option<http::Uri> = event.url.as_str().parse().ok();
        let none = HeaderMap::new();
        let mut request = WebhookRequest::new(&none, &event.body).with_method(&event.method);
        if let Some(uri) = &uri {
            request = request.with_uri(uri);
        }
        match signer.sign_request_body(&request, SystemClock.now_unix(), Some(&event.id)) {
            Ok((signature, signed_body)) => {
                for (name, value) in &signature {
                    headers.insert(name, value.clone());
                }
                if let Some(signed) = signed_body {
                    body = signed.into();
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
        .body(body)
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
        () = shared.stop.aborted() => None,
        result = exchange => Some(result),
    };
    let latency = started.elapsed();
    let Some(result) = result else {
        shared.stats.record(Outcome::Interrupted, latency);
        return Some((Attempt::Interrupted { sent: true }, latency));
    };
    let outcome = match result {
        Ok((status, retry_after, replayed)) => {
            shared.stats.record(Outcome::Status(status), latency);
            Attempt::Response {
                status,
                retry_after,
                replayed,
            }
        }
        Err(err) => {
            let outcome = if err.is_timeout() {
                Outcome::Timeout
            } else if err.is_connect() {
                Outcome::Connect
            } else {
                Outcome::Error
            };
            shared.stats.record(outcome, latency);
            Attempt::Failed {
                // Without reqwest's copy of the URL, which may hold credentials.
                error: error_chain(&err.without_url()),
            }
        }
    };
    Some((outcome, latency))
}

const GONE: &str = "endpoint stopped after 410 Gone";
const INTERRUPTED: &str = "interrupted (Ctrl-C) before it was delivered";

/// Sends one event until it is delivered, final, or out of attempts, then
/// reports it to the hooks.
pub(super) async fn deliver_one(shared: &Shared, event: Outgoing) {
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
            () = shared.stop.stopped() => {
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
}

fn keep_io_error(shared: &Shared, err: SenderError) {
    tracing::error!(%err, "writing output failed");
    let mut slot = shared.io_error.lock().unwrap_or_else(|e| e.into_inner());
    slot.get_or_insert(err);
}
