//! End to end: a real axum server on `127.0.0.1:0` with both real layers
//! (`VerifyLayer` outermost, then `IdempotencyLayer` over a `RedisStore` on a
//! real `redis-server`), a handler that counts its runs per event id, and
//! real clients — reqwest for single requests, a raw `TcpStream` for a
//! chunked body, and the CLI's delivery engine (`webhook_cli::sender`, the
//! code behind `webhook deliver`) for the 2,000-event outage run.
//!
//! Nothing here is a fake of our own code; every Redis is a real process,
//! killed and restarted for the outage.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Extension, State};
use axum::response::Response;
use axum::routing::post;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::util::MapResponseLayer;
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use webhook_cli::sender::{Backoff, BackoffKind, Hooks, Outgoing, Sender, SenderConfig, Summary};
use webhook_idempotency::{EventKey, IdSource, IdempotencyLayer, MetricsSnapshot, RedisStore};
use webhook_test_support::{PATIENCE, Poll, RedisServer};
use webhook_verify::{Scheme, Signer, Verifier, VerifyLayer};

const SECRET: &str = "e2e-secret";
/// The verify layer's body limit: 64 KiB is accepted, one byte more is 413.
const BODY_LIMIT: usize = 64 * 1024;
/// The claim lease of the idempotency layer: the outage test brings Redis
/// back well within it (a restart takes a fraction of a second), which is
/// the condition under which no event may run twice.
const LEASE: Duration = Duration::from_secs(5);
const HANDLER_TIMEOUT: Duration = Duration::from_secs(1);
/// The bound on one Redis operation (the store's default is 2 s).
const STORE_TIMEOUT: Duration = Duration::from_millis(500);

/// Event ids the idempotency layer reported as "outcome not recorded" (it
/// gave up recording, or its claim was lost). Filled from the layer's own
/// `tracing` events; the outage test expects none.
static NOT_RECORDED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// A `tracing` layer that collects [`NOT_RECORDED`].
struct NotRecordedReports;

impl<S: Subscriber> tracing_subscriber::Layer<S> for NotRecordedReports {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if meta.target().starts_with("webhook_idempotency") && *meta.level() <= tracing::Level::WARN
        {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        #[derive(Default)]
        struct Fields {
            message: String,
            event_id: Option<String>,
        }
        impl Visit for Fields {
            fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
                match field.name() {
                    "message" => self.message = format!("{value:?}"),
                    "event_id" => self.event_id = Some(format!("{value:?}")),
                    _ => {}
                }
            }
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.message.contains("outcome not recorded")
            && let Some(id) = fields.event_id
        {
            NOT_RECORDED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id);
        }
    }
}

/// Installs [`NotRecordedReports`] as the process's subscriber (once; the
/// other tests of this file have no outage and report nothing).
fn collect_not_recorded_reports() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(NotRecordedReports),
        )
        .expect("no other global tracing subscriber in this test binary");
    });
}

/// What the handler saw: its runs per event id (the id parsed from the
/// verified body, independently of the layer) and the layer's store key.
#[derive(Debug, Default)]
struct Executions {
    runs: Mutex<HashMap<String, Run>>,
}

#[derive(Debug, Clone)]
struct Run {
    count: u32,
    key: String,
}

impl Executions {
    fn record(&self, id: String, key: &str) {
        // Nothing panics while the lock is held.
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.entry(id)
            .or_insert_with(|| Run {
                count: 0,
                key: key.to_owned(),
            })
            .count += 1;
    }

    /// Distinct ids processed so far.
    fn distinct(&self) -> usize {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Handler runs so far.
    fn total(&self) -> u64 {
        let runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.values().map(|r| u64::from(r.count)).sum()
    }

    fn snapshot(&self) -> HashMap<String, Run> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn count(&self, id: &str) -> u32 {
        let runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.get(id).map_or(0, |r| r.count)
    }
}

/// The handler: counts one run for the body's `/id` and answers 200.
async fn handle(
    State(executions): State<Arc<Executions>>,
    Extension(event): Extension<EventKey>,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("id")?.as_str().map(str::to_owned));
    match id {
        Some(id) => {
            executions.record(id, event.key());
            (StatusCode::OK, "processed")
        }
        // Cannot happen: the layer took the id from the same body. A 422 (not
        // retried) would show up in the sender's summary.
        None => (StatusCode::UNPROCESSABLE_ENTITY, "no id"),
    }
}

/// A running receiver: the server task, what its handler ran, the statuses it
/// answered, and the idempotency layer (for its counters).
struct Receiver {
    addr: SocketAddr,
    executions: Arc<Executions>,
    statuses: Arc<Mutex<BTreeMap<u16, u64>>>,
    idempotency: IdempotencyLayer,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(redis_url: &str) -> Receiver {
        let store = RedisStore::connect(redis_url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect the RedisStore to {redis_url}: {e}"))
            .timeout(STORE_TIMEOUT);
        let idempotency = IdempotencyLayer::builder(store)
            // The id from the signed body (the webhook scheme's X-Webhook-Id
            // header is not covered by the MAC).
            .event_id(IdSource::json("/id"))
            .lease(LEASE)
            .handler_timeout(HANDLER_TIMEOUT)
            .store_retry_after(Duration::from_secs(1))
            .build()
            .expect("a valid idempotency configuration");
        let verifier = Verifier::new(Scheme::Webhook, SECRET).expect("a valid secret");
        let executions = Arc::new(Executions::default());
        let statuses = Arc::new(Mutex::new(BTreeMap::new()));
        let counted = statuses.clone();
        let app = Router::new()
            .route("/webhooks", post(handle))
            .with_state(executions.clone())
            // Router::layer wraps outermost-last: the status counter sees
            // every answer, the verify layer runs before the idempotency
            // layer, so unverified requests never touch Redis.
            .layer(idempotency.clone())
            .layer(VerifyLayer::new(verifier).body_limit(BODY_LIMIT))
            .layer(MapResponseLayer::new(move |res: Response| {
                let mut statuses = counted.lock().unwrap_or_else(|e| e.into_inner());
                *statuses.entry(res.status().as_u16()).or_insert(0) += 1;
                res
            }));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind 127.0.0.1:0 for the receiver");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the receiver failed");
        });
        Receiver {
            addr,
            executions,
            statuses,
            idempotency,
            server,
        }
    }

    fn url(&self) -> reqwest::Url {
        format!("http://{}/webhooks", self.addr)
            .parse()
            .expect("a valid URL")
    }

    /// How many answers had `status` so far.
    fn answered(&self, status: u16) -> u64 {
        let statuses = self.statuses.lock().unwrap_or_else(|e| e.into_inner());
        statuses.get(&status).copied().unwrap_or(0)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn now() -> i64 {
    use webhook_verify::Clock as _;
    webhook_verify::SystemClock.now_unix()
}

fn signer() -> Signer {
    Signer::new(Scheme::Webhook, SECRET).expect("a valid secret")
}

/// Signature headers for `body`, signed now, with the event id.
fn sign(body: &[u8], id: &str) -> HeaderMap {
    signer().sign(body, now(), Some(id)).expect("signable")
}

fn event(id: &str) -> String {
    format!(r#"{{"id":"{id}","type":"invoice.paid"}}"#)
}

/// A JSON event of exactly `len` bytes (padded).
fn event_of_len(id: &str, len: usize) -> Vec<u8> {
    let head = format!(r#"{{"id":"{id}","pad":""#);
    let tail = r#""}"#;
    let pad = len - head.len() - tail.len();
    let body = format!("{head}{}{tail}", "x".repeat(pad));
    assert_eq!(body.len(), len);
    body.into_bytes()
}

async fn post_signed(url: &reqwest::Url, headers: HeaderMap, body: Vec<u8>) -> reqwest::Response {
    // webhook-cli's builder: reqwest's TLS needs the crypto provider it installs.
    webhook_cli::http_client::build_client(&Default::default(), &Default::default())
        .expect("a client with default options builds")
        .post(url.clone())
        .headers(headers)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .expect("the receiver answers")
}

fn replayed(res: &reqwest::Response) -> Option<&str> {
    res.headers()
        .get(webhook_idempotency::IDEMPOTENT_REPLAYED)
        .map(|v| v.to_str().expect("an ASCII header"))
}

/// A signed event runs the handler once; the same event again (re-signed
/// with a new timestamp, as a sender's retry would be) gets the recorded
/// answer with `Idempotent-Replayed: true` and does not run it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_event_runs_once_and_its_duplicate_is_replayed() {
    let redis = RedisServer::start_async().await;
    let receiver = Receiver::start(&redis.url()).await;
    let url = receiver.url();
    let body = event("evt_once");

    let first = post_signed(&url, sign(body.as_bytes(), "evt_once"), body.clone().into()).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(replayed(&first), None, "the first delivery is not a replay");
    assert_eq!(first.text().await.expect("a body"), "processed");
    assert_eq!(receiver.executions.count("evt_once"), 1);

    let again = post_signed(&url, sign(body.as_bytes(), "evt_once"), body.into()).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(replayed(&again), Some("true"));
    assert_eq!(
        again.text().await.expect("a body"),
        "processed",
        "the duplicate gets the recorded body"
    );
    assert_eq!(
        receiver.executions.count("evt_once"),
        1,
        "the handler did not run again"
    );
    let metrics = receiver.idempotency.metrics();
    assert_eq!(
        (metrics.processed, metrics.duplicates),
        (1, 1),
        "{metrics:?}"
    );
}

/// A body changed after signing is refused by the verify layer with 401: the
/// handler does not run and the idempotency store is never consulted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_body_is_rejected_before_the_handler() {
    let redis = RedisServer::start_async().await;
    let receiver = Receiver::start(&redis.url()).await;
    let signed = event("evt_tampered");
    let tampered = signed.replace("invoice.paid", "invoice.void");
    assert_eq!(signed.len(), tampered.len());

    let res = post_signed(
        &receiver.url(),
        sign(signed.as_bytes(), "evt_tampered"),
        tampered.into(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.text().await.expect("a body"),
        r#"{"error":"invalid_signature"}"#
    );
    assert_eq!(receiver.executions.total(), 0, "the handler ran");
    assert_eq!(
        receiver.idempotency.metrics(),
        MetricsSnapshot::default(),
        "an unverified request reached the idempotency layer"
    );
}

/// Sends `body` with `Transfer-Encoding: chunked` (so no `Content-Length`)
/// over a raw connection and returns the response's status code.
async fn post_chunked(addr: SocketAddr, headers: &HeaderMap, body: &[u8]) -> u16 {
    let mut request = format!(
        "POST /webhooks HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n"
    )
    .into_bytes();
    for (name, value) in headers {
        request.extend_from_slice(name.as_str().as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    for chunk in body.chunks(8 * 1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");

    let exchange = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .expect("connect to the receiver");
        // The server may answer 413 and close before it has read the whole
        // body; a failed write is fine as long as the answer arrives.
        let _ = stream.write_all(&request).await;
        let mut response = Vec::new();
        let mut buf = [0u8; 4096];
        while !response.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => response.extend_from_slice(&buf[..n]),
                Err(e) => panic!(
                    "reading the answer failed after {:?}: {e}",
                    String::from_utf8_lossy(&response)
                ),
            }
        }
        response
    };
    let response = tokio::time::timeout(PATIENCE, exchange)
        .await
        .expect("the receiver answered the chunked request");
    let head = String::from_utf8_lossy(&response);
    head.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP/1.1 answer: {head:?}"))
}

/// The verify layer's body limit holds whether or not the body announces
/// its size: 64 KiB passes, 64 KiB + 1 is 413 with `Content-Length` and
/// with a chunked body, and the handler never sees an oversize body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_body_gets_413_with_and_without_content_length() {
    let redis = RedisServer::start_async().await;
    let receiver = Receiver::start(&redis.url()).await;
    let url = receiver.url();

    // At the limit: accepted and processed (so the 413s below are about size).
    let at_limit = event_of_len("evt_at_limit", BODY_LIMIT);
    let res = post_signed(&url, sign(&at_limit, "evt_at_limit"), at_limit).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(receiver.executions.count("evt_at_limit"), 1);

    // One byte over, correctly signed, announced by Content-Length.
    let over = event_of_len("evt_over", BODY_LIMIT + 1);
    let headers = sign(&over, "evt_over");
    let res = post_signed(&url, headers.clone(), over.clone()).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        res.text().await.expect("a body"),
        r#"{"error":"payload_too_large"}"#
    );

    // The same, chunked: the size is only known while reading.
    assert_eq!(post_chunked(receiver.addr, &headers, &over).await, 413);
    // Control: the chunked path itself works for a body within the limit.
    let small = event("evt_chunked");
    let status = post_chunked(
        receiver.addr,
        &sign(small.as_bytes(), "evt_chunked"),
        small.as_bytes(),
    )
    .await;
    assert_eq!(status, 200);

    assert_eq!(receiver.executions.count("evt_over"), 0, "the handler ran");
    assert_eq!(
        receiver.executions.total(),
        2,
        "{:?}",
        receiver.executions.snapshot()
    );
    assert_eq!(receiver.answered(413), 2);
}

/// Polls `done` every 2 ms (so that a wait for "N events processed" ends
/// close to N) until it holds; panics with `what` after [`PATIENCE`].
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    Poll::default()
        .every(Duration::from_millis(2))
        .until(what, || std::future::ready(done()))
        .await;
}

/// The state of each event's record in Redis: `"completed"` (the value
/// starts with the status's digits), `"in progress"` (it starts with `p`,
/// the claim's tag), `None` when there is no record. See the record format
/// in `webhook-idempotency/src/store/redis.rs`.
fn record_states(url: &str, keys: &[String]) -> Vec<Option<String>> {
    let client = redis::Client::open(url).expect("a valid Redis URL");
    let mut con = client
        .get_connection_with_timeout(Duration::from_secs(2))
        .unwrap_or_else(|e| panic!("cannot connect to Redis at {url}: {e}"));
    let mut pipe = redis::pipe();
    for key in keys {
        pipe.cmd("GET").arg(key);
    }
    let records: Vec<Option<Vec<u8>>> = pipe.query(&mut con).expect("GET every record");
    records
        .into_iter()
        .map(|record| {
            record.map(|record| {
                match record.first() {
                    Some(b'0'..=b'9') => "completed",
                    Some(b'p') => "in progress",
                    _ => "unknown",
                }
                .to_owned()
            })
        })
        .collect()
}

const EVENTS: usize = 2_000;
const CONCURRENCY: usize = 32;

fn event_id(n: usize) -> String {
    format!("evt_{n:05}")
}

/// Delivers the 2,000 events with the CLI's engine (signed per attempt, 409
/// and 503 retried with backoff, honouring `Retry-After`).
async fn deliver_all(url: reqwest::Url) -> Summary {
    let config = SenderConfig {
        concurrency: CONCURRENCY,
        // Paced (binding in release builds) so the outage surely lands in
        // the middle of the run.
        rate: Some(2_000.0),
        burst: CONCURRENCY as u32,
        max_attempts: 50,
        backoff: Backoff {
            kind: BackoffKind::Exponential,
            initial: Duration::from_millis(20),
            max: Duration::from_millis(500),
            jitter: 0.25,
        },
        // Longer than the receiver can take for one request (2 acquire
        // attempts of STORE_TIMEOUT, HANDLER_TIMEOUT, then recording retried
        // for up to a LEASE), so an attempt is not abandoned while its
        // handler may run. (Were it abandoned, the retry would meet the
        // claim — 409 — not run the handler.)
        timeout: Duration::from_secs(30),
        signer: Some(signer()),
        max_pending: 4_096,
        // Plain http:// here: the platform's roots are never consulted.
        ..SenderConfig::default()
    };
    let sender = Sender::new(config).expect("a valid sender configuration");
    let events = (0..EVENTS).map(move |n| {
        let id = event_id(n);
        let body = event(&id);
        Ok::<_, Infallible>(Outgoing::json(&url, id, body))
    });
    sender
        .run(events, Hooks::default())
        .await
        .expect("the delivery runs")
}

/// Redis is killed (SIGKILL) in the middle of a 2,000-event delivery and
/// restarted on the same port within the claim lease; the sender retries
/// through the outage. At the end every event was processed exactly once:
/// the handler ran once per id, none is missing, none was given up — and
/// every outcome is recorded, so redelivering everything runs nothing again.
///
/// # Why exactly once holds here
///
/// While Redis is down the idempotency layer fails closed: `acquire` fails,
/// the answer is 503 and the handler does not run, so the sender's retry is
/// the event's first run. The dangerous moment is the kill landing *after* a
/// handler ran but *before* its outcome was recorded. The layer keeps
/// retrying the recording with backoff for up to a lease, and its heartbeat
/// keeps renewing the claim meanwhile; Redis comes back (with every claim,
/// thanks to AOF) before the claims' leases run out, so the recording lands
/// and the claim never expires under a processed event. The sender only
/// retries a delivery it did not get a 2xx for, and its timeout (30 s) is
/// longer than anything the receiver takes for one request.
///
/// The strict checks: the handler ran `== 1` time per id; after the run
/// every record in Redis is `completed`; the layer never reported "outcome
/// not recorded"; and a redelivery of all 2,000 events (a provider's
/// duplicate storm, a `webhook replay`) is answered from the records
/// without running the handler once.
///
/// # Persistence
///
/// Redis runs with `--appendonly yes --appendfsync always` (and
/// `noeviction`), the configuration the idempotency crate recommends
/// (`webhook_idempotency` docs, "What exactly once means here"): a record
/// Redis acknowledged is in the AOF before the reply leaves, so `restart()`
/// reloads every claim and every completed outcome. Without it the restarted
/// Redis is empty and the completed records of the first few hundred events
/// are gone (tried: 327 lost records with `--appendonly no`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_mid_delivery_every_event_runs_exactly_once() {
    let redis = RedisServer::start_with_args_async([
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--maxmemory-policy",
        "noeviction",
    ])
    .await;
    let redis_url = redis.url();
    collect_not_recorded_reports();
    let receiver = Receiver::start(&redis_url).await;
    let delivery = tokio::spawn(deliver_all(receiver.url()));

    // Kill Redis once a few hundred events are through (not all of them).
    wait_until("300 events were processed", || {
        receiver.executions.distinct() >= 300
    })
    .await;
    let killed_at = Instant::now();
    let mut redis = tokio::task::spawn_blocking(move || {
        let mut redis = redis;
        redis.kill();
        redis
    })
    .await
    .expect("killing redis-server");
    let processed_at_kill = receiver.executions.distinct();
    assert!(
        processed_at_kill < EVENTS,
        "the delivery finished before the outage: nothing was tested"
    );

    // Keep it down until the receiver has refused a request with 503
    // (fail-closed), then bring it back on the same port: a restart, well
    // within the lease. (Not after many refusals: requests whose handler
    // ran keep their sender slots while the layer retries recording their
    // outcome, so refusals trickle in, and waiting for many has stretched
    // the outage past the lease, which is not what this test is about.)
    let refused_before = receiver.answered(503);
    wait_until("the receiver answered a request with 503", || {
        receiver.answered(503) > refused_before
    })
    .await;
    let processed_during_outage = receiver.executions.distinct() - processed_at_kill;
    redis = tokio::task::spawn_blocking(move || {
        redis.restart();
        redis
    })
    .await
    .expect("restarting redis-server");
    let outage = killed_at.elapsed();

    let summary = tokio::time::timeout(Duration::from_secs(120), delivery)
        .await
        .expect("the delivery finishes")
        .expect("the delivery task did not panic");
    let metrics = receiver.idempotency.metrics();
    let runs = receiver.executions.snapshot();
    let report = format!(
        "sender:\n{summary:#?}\nreceiver statuses: {:?}\nlayer: {metrics:?}\n\
         processed at kill: {processed_at_kill}, during the outage: {processed_during_outage}; \
         Redis down for {outage:?} (lease {LEASE:?})",
        receiver.statuses.lock().unwrap_or_else(|e| e.into_inner())
    );
    eprintln!("{report}");

    // The sender got every event through, some only after 503s.
    assert_eq!(summary.sent, EVENTS as u64, "{report}");
    assert_eq!(summary.delivered, EVENTS as u64, "{report}");
    assert_eq!(summary.dead_lettered, 0, "{report}");
    assert!(
        summary.statuses.get("503").copied().unwrap_or(0) > 0,
        "the sender never saw a 503: {report}"
    );
    // The outage was real: the layer's store operations failed.
    assert!(metrics.store_errors > 0, "{report}");
    // No handler ran while Redis was down (fail-closed).
    assert!(processed_during_outage <= CONCURRENCY, "{report}");

    // Every event exactly once: none missing, none twice.
    let missing: Vec<String> = (0..EVENTS)
        .map(event_id)
        .filter(|id| !runs.contains_key(id))
        .collect();
    let twice: Vec<(&String, u32)> = runs
        .iter()
        .filter(|(_, run)| run.count != 1)
        .map(|(id, run)| (id, run.count))
        .collect();
    assert!(missing.is_empty(), "never processed: {missing:?}\n{report}");
    assert!(
        twice.is_empty(),
        "processed more than once: {twice:?}\n{report}"
    );
    assert_eq!(runs.len(), EVENTS, "unexpected ids: {report}");

    // The records after the restart: every one completed.
    let ids: Vec<String> = (0..EVENTS).map(event_id).collect();
    let keys: Vec<String> = ids.iter().map(|id| runs[id].key.clone()).collect();
    let states = {
        let url = redis_url.clone();
        tokio::task::spawn_blocking(move || record_states(&url, &keys))
            .await
            .expect("reading the records")
    };
    let unrecorded: Vec<&String> = ids
        .iter()
        .zip(&states)
        .filter(|(_, state)| state.as_deref() != Some("completed"))
        .map(|(id, _)| id)
        .collect();
    let reported = NOT_RECORDED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    assert!(
        unrecorded.is_empty() && reported.is_empty(),
        "outcomes not recorded across the outage: {} in Redis {unrecorded:?}, \
         {} reported by the layer {reported:?}\n{report}",
        unrecorded.len(),
        reported.len()
    );

    // Redeliver everything: every event is answered from its record.
    let again = deliver_all(receiver.url()).await;
    assert_eq!(again.delivered, EVENTS as u64, "{again:#?}");
    let after = receiver.executions.snapshot();
    let rerun: Vec<(&String, u32)> = ids
        .iter()
        .map(|id| (id, after.get(id).map_or(0, |r| r.count)))
        .filter(|(_, count)| *count != 1)
        .collect();
    assert!(
        rerun.is_empty(),
        "run again on redelivery: {rerun:?}\n{again:#?}"
    );
    let replays = receiver.idempotency.metrics().duplicates - metrics.duplicates;
    assert_eq!(
        replays, EVENTS as u64,
        "every event is answered from its record"
    );
    drop(redis);
}
