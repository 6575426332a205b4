//! `webhook roundtrip`: the self-test. An in-process receiver (the real
//! verify and idempotency layers, memory or Redis store) with injected
//! faults, the real sender against it with injected duplicate deliveries,
//! then the check: every event's handler ran exactly once.
//!
//! Faults: the handler fails (503, before doing any work) on the first
//! delivery of a `--fail-rate` fraction of events; a `--lost-ack-rate`
//! fraction of successful answers is replaced by 503 after the handler ran
//! (the sender must retry and dedupe must answer from its record); a
//! `--duplicate-rate` fraction of events is sent twice, concurrently.
//!
//! Retries use short delays (10 ms doubling to 200 ms, jitter 0.25, up to 10
//! attempts) so the default 10,000 events finish in seconds; a duplicate
//! that meets its twin in progress gets 409 and retries until the twin's
//! outcome is recorded (then it gets the replayed answer, or runs the handler
//! itself if the twin failed and released the event). The receiver's lease
//! is 2 s rather than the layer's 60 s default, since a 409's `Retry-After`
//! is the lease remaining.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use rand::Rng as _;
use webhook_cli::receiver::{self, HandleRequest, HandlerFuture, Inbound, ReceiverConfig};
use webhook_cli::sender::{Backoff, BackoffKind, Hooks, Outgoing, Sender, SenderConfig};
use webhook_cli::serve::{DEFAULT_HEADER_TIMEOUT, serve};
use webhook_verify::{Scheme, Signer, Verifier};

use crate::cli::RoundtripArgs;
use crate::dedupe::dedupe_layer;
use crate::errors::Failure;
use crate::output::{self, RoundtripReport, write_roundtrip};
use crate::progress;
use crate::random_id::random_id;
use crate::secret_new::{NewKey, new_key};
use crate::{Run, RunContext};
use webhook_verify::{Clock as _, SystemClock};

/// The claim lease of the roundtrip's receiver.
const ROUNDTRIP_LEASE: Duration = Duration::from_secs(2);

/// How long the roundtrip's records live in a user's Redis if removing them
/// at the end fails: long enough to cover the run and the signature
/// tolerance, short enough not to leave 10,000 records for 72 h.
const ROUNDTRIP_RETENTION: Duration = Duration::from_secs(10 * 60);

/// The handler under test: counts how often each event was processed.
#[derive(Debug, Default)]
struct Counter {
    fail_rate: f64,
    processed: Mutex<HashMap<String, u32>>,
    seen: Mutex<HashSet<String>>,
    injected_failures: AtomicU64,
}

impl Counter {
    fn answer(&self, request: &Inbound) -> Response {
        let Some(id) = &request.event_id else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        // Nothing panics while these locks are held.
        let first = self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone());
        if first && self.fail_rate > 0.0 && rand::rng().random_bool(self.fail_rate) {
            self.injected_failures.fetch_add(1, Ordering::Relaxed);
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        *self
            .processed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id.clone())
            .or_default() += 1;
        StatusCode::OK.into_response()
    }
}

impl HandleRequest for Counter {
    fn handle(self: Arc<Self>, request: Inbound) -> HandlerFuture {
        let response = self.answer(&request);
        Box::pin(std::future::ready(response))
    }
}

impl Run for RoundtripArgs {
    async fn run(self, ctx: &RunContext) -> anyhow::Result<()> {
        let scheme: Scheme = self.scheme.into();
        let run = random_id("")[..8].to_owned();
        // A fresh key in the scheme's format: one secret, or a key pair.
        let (verifying, signing) = match new_key(scheme)? {
            NewKey::Shared(secret) => (secret.clone(), secret),
            NewKey::Pair(pair) => (pair.verifying().to_owned(), pair.signing().to_owned()),
        };
        let verifier = Verifier::new(scheme, &verifying).context("building the verifier")?;
        let signer = Signer::new(scheme, &signing).context("building the signer")?;
        let prefix = format!("webhook:roundtrip:{run}");
        // A short lease: the handler is instant, and a duplicate that meets its
        // twin in progress gets 409 with Retry-After = the lease remaining,
        // which the sender honours. With the 60 s default one such conflict
        // would stall the run for a minute.
        let dedupe = dedupe_layer(
            self.redis.as_deref(),
            &prefix,
            Some(ROUNDTRIP_LEASE),
            Some(ROUNDTRIP_RETENTION),
            webhook_verify::layer::DEFAULT_BODY_LIMIT,
        )
        .await?;
        let counter = Arc::new(Counter {
            fail_rate: self.fail_rate,
            ..Counter::default()
        });
        let config = ReceiverConfig {
            verifier: Some(verifier),
            dedupe: Some(dedupe.clone()),
            lost_ack_rate: self.lost_ack_rate,
            ..ReceiverConfig::default()
        };
        let lost_acks = Arc::clone(&config.lost_acks);
        let app = receiver::router(config, Arc::clone(&counter) as receiver::Handler);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the receiver on 127.0.0.1:0")?;
        let addr = listener
            .local_addr()
            .context("reading the receiver address")?;
        let server = tokio::spawn(serve(
            listener,
            app,
            DEFAULT_HEADER_TIMEOUT,
            std::future::pending(),
        ));

        let sender = Sender::new(SenderConfig {
            concurrency: self.concurrency.max(1),
            max_attempts: 10,
            backoff: Backoff {
                kind: BackoffKind::Exponential,
                initial: Duration::from_millis(10),
                max: Duration::from_millis(200),
                jitter: 0.25,
            },
            timeout: Duration::from_secs(10),
            signer: Some(signer),
            ..SenderConfig::default()
        })?;
        let url: reqwest::Url = format!("http://{addr}/")
            .parse()
            .context("building the receiver URL")?;
        let duplicates = Arc::new(AtomicU64::new(0));
        let injected = Arc::clone(&duplicates);
        let duplicate_rate = self.duplicate_rate;
        let created = SystemClock.now_unix();
        // Linear signs its timestamp into the body (ms); other schemes
        // ignore the field.
        let created_ms = created.saturating_mul(1000);
        let event_run = run.clone();
        let events = (1..=self.count).flat_map(move |n| {
            let id = format!("evt_{event_run}_{n}");
            let body = format!(
                r#"{{"id":"{id}","type":"roundtrip.test","created":{created},"webhookTimestamp":{created_ms},"data":{{"seq":{n}}}}}"#
            );
            let event = Outgoing::json(&url, id, body);
            let twice = duplicate_rate > 0.0 && rand::rng().random_bool(duplicate_rate);
            if twice {
                injected.fetch_add(1, Ordering::Relaxed);
                vec![Ok::<_, std::convert::Infallible>(event.clone()), Ok(event)]
            } else {
                vec![Ok(event)]
            }
        });

        let bar = progress::bar(None, ctx.quiet);
        let on_event = {
            let bar = bar.clone();
            Arc::new(move |_: &webhook_cli::sender::EventReport| bar.inc(1))
        };
        let summary = sender
            .run(
                events,
                Hooks {
                    on_event: Some(on_event),
                    ..Hooks::default()
                },
            )
            .await?;
        bar.finish_and_clear();
        server.abort();
        let removed = match &self.redis {
            Some(url) => Some(remove_records(url, &prefix).await),
            None => None,
        };

        let processed = counter.processed.lock().unwrap_or_else(|e| e.into_inner());
        let mut exactly_once = 0u64;
        let mut lost = Vec::new();
        let mut repeated = Vec::new();
        for n in 1..=self.count {
            let id = format!("evt_{run}_{n}");
            match processed.get(&id).copied().unwrap_or(0) {
                0 => lost.push(id),
                1 => exactly_once += 1,
                _ => repeated.push(id),
            }
        }
        let ok = lost.is_empty() && repeated.is_empty();
        let report = RoundtripReport {
            ok,
            events: self.count,
            scheme,
            store: if self.redis.is_some() {
                "redis"
            } else {
                "memory"
            },
            processed_exactly_once: exactly_once,
            lost: lost.len(),
            processed_more_than_once: repeated.len(),
            duplicate_deliveries: duplicates.load(Ordering::Relaxed),
            handler_failures: counter.injected_failures.load(Ordering::Relaxed),
            lost_acks: lost_acks.load(Ordering::Relaxed),
            dedupe: dedupe.metrics(),
            deliver: summary,
            records_removed: removed,
        };
        output::print(|out| write_roundtrip(out, self.output.format(), &report))?;
        if ok {
            Ok(())
        } else {
            let sample: Vec<_> = lost.iter().chain(&repeated).take(5).cloned().collect();
            Err(Failure(format!(
                "exactly-once violated: {} lost, {} processed more than once (e.g. {})",
                lost.len(),
                repeated.len(),
                sample.join(", ")
            ))
            .into())
        }
    }
}

/// Deletes the run's records from the user's Redis (the run is over; they
/// would otherwise stay until [`ROUNDTRIP_RETENTION`]). Best effort, bounded:
/// a failure is a warning and 0.
async fn remove_records(url: &str, prefix: &str) -> u64 {
    let removal = async {
        let client = redis::Client::open(url)?;
        let mut con = client.get_multiplexed_async_connection().await?;
        let pattern = format!("{prefix}:*");
        let (mut cursor, mut removed) = (0u64, 0u64);
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut con)
                .await?;
            if !keys.is_empty() {
                removed += redis::cmd("UNLINK")
                    .arg(&keys)
                    .query_async::<u64>(&mut con)
                    .await?;
            }
            if next == 0 {
                return Ok::<_, redis::RedisError>(removed);
            }
            cursor = next;
        }
    };
    match tokio::time::timeout(Duration::from_secs(10), removal).await {
        Ok(Ok(removed)) => removed,
        Ok(Err(err)) => {
            tracing::warn!(%err, "could not remove the roundtrip's records; they expire in 10 minutes");
            0
        }
        Err(_) => {
            tracing::warn!("removing the roundtrip's records timed out; they expire in 10 minutes");
            0
        }
    }
}
