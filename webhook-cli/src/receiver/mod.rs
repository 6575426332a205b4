//! The local receiver behind `webhook listen` and `webhook roundtrip`: an
//! axum router built from the real [`VerifyLayer`] and [`IdempotencyLayer`],
//! with an outer layer that captures and reports every request — including
//! the ones the verify layer rejects and the ones whose body is refused —
//! and optional fault injection. [`crate::serve`] serves it.
//!
//! Layers, outermost first:
//!
//! 1. **observe** — reads the body under the verify layer's rules, before
//!    anything else runs, so they hold on every path and ahead of any
//!    buffering:
//!    - **413** `{"error":"payload_too_large"}` when `Content-Length` (or the
//!      body's size hint) exceeds the body limit, without reading anything —
//!      so a client that sent `Expect: 100-continue` never gets
//!      `100 Continue`;
//!    - otherwise reads through [`http_body_util::Limited`] under the body
//!      timeout: **413** when the body grows past the limit, **408**
//!      `{"error":"request_timeout"}` when it is not complete in time,
//!      **400** `{"error":"body_read_error"}` when the read fails otherwise
//!      (malformed chunked framing, a client gone mid-body).
//!
//!    These are the verify layer's codes for the same conditions
//!    ([`ErrorKind::PayloadTooLarge`], [`ErrorKind::BodyTimeout`],
//!    [`ErrorKind::BodyRead`]). Then it calls the rest with the exact bytes,
//!    appends the request to the capture file and reports a [`RequestLog`];
//!    a refused request is captured with the bytes that arrived before the
//!    refusal. The verification result comes from the verify layer's
//!    response: a rejection carries the typed [`webhook_verify::Error`] in
//!    its extensions, a verified request the [`Verified`] metadata.
//! 2. **lost acknowledgements** (optional) — replaces a fraction of 2xx
//!    answers by 503 *after* the handler ran, as if the response got lost:
//!    the sender retries and dedupe must catch it.
//! 3. [`VerifyLayer`] (optional; 400/401 for bad signatures), then
//!    [`IdempotencyLayer`] (optional), on the route only.
//! 4. the [`Handler`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use webhook_cli::receiver::{Handler, ReceiverConfig, Simulation, router};
//! use webhook_cli::serve::{DEFAULT_HEADER_TIMEOUT, serve};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let handler: Handler = Arc::new(Simulation::default());
//! let app = router(ReceiverConfig::default(), handler);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! serve(listener, app, DEFAULT_HEADER_TIMEOUT, std::future::pending()).await;
//! # Ok(()) }
//! ```

use std::fmt::{self, Write as _};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use bytes::BytesMut;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use rand::Rng as _;
use serde::Serialize;
use webhook_idempotency::{IDEMPOTENT_REPLAYED, IdempotencyLayer};
use webhook_verify::layer::{JsonErrorResponse, RejectionResponse as _};
use webhook_verify::{ErrorKind, Verified, Verifier, VerifyLayer};

use crate::capture::{CaptureWriter, CapturedRequest, VerificationRecord, event_id};

/// The largest body the receiver reads by default (the verify layer's
/// default limit, 1 MiB).
pub const DEFAULT_BODY_LIMIT: usize = webhook_verify::layer::DEFAULT_BODY_LIMIT;

/// How long the whole body may take to arrive by default (the verify
/// layer's default, 10 s).
pub const DEFAULT_BODY_TIMEOUT: Duration = webhook_verify::layer::DEFAULT_BODY_TIMEOUT;

/// A request as the handler sees it (after verification and dedupe).
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The method.
    pub method: Method,
    /// The URI (path and query).
    pub uri: Uri,
    /// The headers.
    pub headers: HeaderMap,
    /// The exact body.
    pub body: Bytes,
    /// What the verify layer established, when it ran.
    pub verified: Option<Verified>,
    /// The event id: the verified one, else the headers', else the body's `"id"`.
    pub event_id: Option<String>,
}

/// A boxed response future.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The innermost handler: what the receiver does with an accepted request.
pub trait HandleRequest: Send + Sync + 'static {
    /// Answers one request.
    fn handle(&self, request: Inbound) -> HandlerFuture;
}

/// A shared handler.
pub type Handler = Arc<dyn HandleRequest>;

/// One finished request, as reported to [`ReceiverConfig::on_request`].
///
/// Its `Display` is `webhook listen`'s text line:
///
/// ```text
/// POST /hooks id=evt_1 sig=ok new -> 200 (0.4 ms)
/// POST /hooks id?=evt_2 sig=invalid(no signature matched: …) -> 401 (0.2 ms)
/// POST /hooks id?=evt_3 -> 200 (0.3 ms)
/// POST /hooks id=- refused(payload too large: limit is 1048576 bytes) -> 413 (0.1 ms)
/// ```
///
/// - `id=` is an event id the signature vouches for: the request verified,
///   and the id is the scheme's signed id header (Standard Webhooks'
///   `webhook-id`) or the signed body's `"id"`.
/// - `id?=` is a *claimed* id, which anyone could have written: taken from
///   the id headers or the body of a request that was not verified (no
///   `--verify`, a rejected signature, a refused body), or from an id header
///   the scheme does not sign. `id=-`: no id at all.
/// - `sig=` is the verification result (absent without verification),
///   `refused(…)` says why the body itself was refused (413, 408, 400 before
///   verification), then the dedupe outcome, the status and the latency.
/// - Everything taken from the request (method, path, id, error text) is
///   printed with control characters escaped, so a client can neither start
///   a line of its own nor send escape sequences to the terminal: `\r`,
///   `\n`, `\t`, a backslash as `\\`, the other C0 characters and DEL as
///   `\xNN`, C1 characters (`\u{9b}`), the Unicode line separators and the
///   bidirectional controls (`\u{202e}`) as `\u{…}`. Spaces in the method,
///   path and id are printed as `\x20`, so each stays one field.
///
/// [`to_json`](Self::to_json) is the `--json` line: the same fields, with
/// `event_id_verified` telling the two kinds of id apart.
#[derive(Debug, Clone, Serialize)]
pub struct RequestLog {
    /// The method.
    pub method: String,
    /// The path and query.
    pub path: String,
    /// The event id: the verified one (see
    /// [`event_id_verified`](Self::event_id_verified)), else the one the
    /// request claims in its headers or body.
    pub event_id: Option<String>,
    /// Whether [`event_id`](Self::event_id) is covered by a signature that
    /// verified; `false` for a claimed id.
    pub event_id_verified: bool,
    /// `None` when not verified. A refused body counts as a failed
    /// verification when verifying (as the verify layer would have answered).
    pub verification: Option<VerificationRecord>,
    /// Why the body was refused before anything else ran (over the limit,
    /// not complete within the body timeout, unreadable); `None` otherwise.
    pub refused: Option<String>,
    /// `"new"`, `"duplicate"` (a replayed response), `"in-progress"` (409
    /// from dedupe) or `None` without dedupe.
    pub dedupe: Option<&'static str>,
    /// The status answered.
    pub status: u16,
    /// Time spent answering, in milliseconds (to the microsecond).
    pub latency_ms: f64,
}

impl RequestLog {
    /// The log as one JSON object (the `--json` line, without the newline).
    ///
    /// serde_json escapes C0 characters in strings; DEL, C1 and the other
    /// characters the text form escapes are escaped here too (`\u007f`,
    /// `\u009b`, `\u202e`), so the line is as safe to print on a terminal
    /// as the text form.
    pub fn to_json(&self) -> String {
        // Strings, numbers, booleans and options: serialization can't fail.
        let json = serde_json::to_string(self).expect("request logs serialize");
        // Outside strings a JSON text is ASCII, so these are inside strings.
        let mut escaped = String::with_capacity(json.len());
        for c in json.chars() {
            // (serde_json already wrote C0 characters as escapes.)
            if is_unprintable(c) {
                // Writing to a String can't fail.
                let _ = write!(escaped, "\\u{:04x}", u32::from(c));
            } else {
                escaped.push(c);
            }
        }
        escaped
    }
}

/// Characters a terminal may act on rather than show: C0, DEL, C1 (which
/// includes NEL and CSI), the line and paragraph separators, and the
/// bidirectional controls that reorder what is displayed.
fn is_unprintable(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// Writes request-supplied text with control characters escaped (see
/// [`RequestLog`]); with `token`, spaces too.
struct Escaped<'a> {
    text: &'a str,
    token: bool,
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.text.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '\r' => f.write_str("\\r")?,
                '\n' => f.write_str("\\n")?,
                '\t' => f.write_str("\\t")?,
                ' ' if self.token => f.write_str("\\x20")?,
                '\0'..='\u{1f}' | '\u{7f}' => write!(f, "\\x{:02x}", u32::from(c))?,
                c if is_unprintable(c) => write!(f, "\\u{{{:x}}}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

fn token(text: &str) -> Escaped<'_> {
    Escaped { text, token: true }
}

fn free_text(text: &str) -> Escaped<'_> {
    Escaped { text, token: false }
}

impl fmt::Display for RequestLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", token(&self.method), token(&self.path))?;
        match (&self.event_id, self.event_id_verified) {
            (None, _) => write!(f, " id=-")?,
            (Some(id), true) => write!(f, " id={}", token(id))?,
            (Some(id), false) => write!(f, " id?={}", token(id))?,
        }
        match (&self.refused, &self.verification) {
            (Some(reason), _) => write!(f, " refused({})", free_text(reason))?,
            (None, None) => {}
            (None, Some(v)) if v.ok => write!(f, " sig=ok")?,
            (None, Some(v)) => write!(
                f,
                " sig=invalid({})",
                free_text(v.error.as_deref().unwrap_or("?"))
            )?,
        }
        if let Some(dedupe) = self.dedupe {
            write!(f, " {dedupe}")?;
        }
        write!(f, " -> {} ({:.1} ms)", self.status, self.latency_ms)
    }
}

/// A callback per finished request.
pub type OnRequest = Arc<dyn Fn(&RequestLog) + Send + Sync>;

/// How the receiver is assembled.
#[derive(Clone)]
pub struct ReceiverConfig {
    /// The route served (other paths get 404, still captured and reported).
    pub path: String,
    /// Verify signatures with this verifier.
    pub verifier: Option<Verifier>,
    /// Dedupe with this layer (placed inside verification).
    pub dedupe: Option<IdempotencyLayer>,
    /// Append every request here.
    pub capture: Option<Arc<CaptureWriter>>,
    /// Fraction of 2xx answers replaced by 503 after the handler ran.
    pub lost_ack_rate: f64,
    /// Counts the acknowledgements dropped by `lost_ack_rate`.
    pub lost_acks: Arc<AtomicU64>,
    /// The largest body read; a larger one is answered 413 (before reading
    /// when `Content-Length` says so).
    pub body_limit: usize,
    /// How long the whole body may take to arrive; a slower one is answered
    /// 408.
    pub body_timeout: Duration,
    /// Called once per finished request.
    pub on_request: Option<OnRequest>,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        Self {
            path: "/".to_owned(),
            verifier: None,
            dedupe: None,
            capture: None,
            lost_ack_rate: 0.0,
            lost_acks: Arc::new(AtomicU64::new(0)),
            body_limit: DEFAULT_BODY_LIMIT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            on_request: None,
        }
    }
}

impl fmt::Debug for ReceiverConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverConfig")
            .field("path", &self.path)
            .field("verifier", &self.verifier)
            .field("dedupe", &self.dedupe.is_some())
            .field("capture", &self.capture)
            .field("lost_ack_rate", &self.lost_ack_rate)
            .field("body_limit", &self.body_limit)
            .field("body_timeout", &self.body_timeout)
            .finish_non_exhaustive()
    }
}

struct Observer {
    verifying: Option<&'static str>,
    deduping: bool,
    capture: Option<Arc<CaptureWriter>>,
    body_limit: usize,
    body_timeout: Duration,
    on_request: Option<OnRequest>,
}

/// Builds the receiver's router (see the module docs for the layer order).
pub fn router(config: ReceiverConfig, handler: Handler) -> Router {
    let observer = Arc::new(Observer {
        verifying: config.verifier.as_ref().map(Verifier::scheme_name),
        deduping: config.dedupe.is_some(),
        capture: config.capture.clone(),
        body_limit: config.body_limit,
        body_timeout: config.body_timeout,
        on_request: config.on_request.clone(),
    });
    let mut route = Router::new().route(&config.path, any(handle));
    if let Some(dedupe) = config.dedupe {
        route = route.route_layer(dedupe);
    }
    if let Some(verifier) = config.verifier {
        route = route
            .route_layer(middleware::from_fn(report_verified))
            .route_layer(
                VerifyLayer::new(verifier)
                    .body_limit(config.body_limit)
                    .body_timeout(config.body_timeout),
            );
    }
    let mut app = route.fallback(not_found).with_state(handler);
    if config.lost_ack_rate > 0.0 {
        let state = (config.lost_ack_rate, Arc::clone(&config.lost_acks));
        app = app.layer(middleware::from_fn_with_state(state, lose_acks));
    }
    app.layer(middleware::from_fn_with_state(observer, observe))
}

/// Marks answers from outside the route (no verification, no dedupe ran).
#[derive(Debug, Clone, Copy)]
struct Unrouted;

async fn not_found() -> Response {
    let mut response = StatusCode::NOT_FOUND.into_response();
    response.extensions_mut().insert(Unrouted);
    response
}

/// Copies what the verify layer established onto the response (it sits
/// right inside the verify layer), so the observe layer can tell an event id
/// the signature covers from a claimed one — also for answers the dedupe
/// layer replays without running the handler.
async fn report_verified(request: Request, next: Next) -> Response {
    let verified = request.extensions().get::<Verified>().cloned();
    let mut response = next.run(request).await;
    if let Some(verified) = verified {
        response.extensions_mut().insert(verified);
    }
    response
}

async fn handle(State(handler): State<Handler>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The body was read whole by the observe layer already: this can't exceed it.
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let verified = parts.extensions.get::<Verified>().cloned();
    let event_id = verified
        .as_ref()
        .and_then(|v| v.event_id.clone())
        .or_else(|| event_id(&parts.headers, &body));
    handler
        .handle(Inbound {
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
            verified,
            event_id,
        })
        .await
}

async fn lose_acks(
    State((rate, lost)): State<(f64, Arc<AtomicU64>)>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if response.status().is_success() && rand::rng().random_bool(rate.clamp(0.0, 1.0)) {
        lost.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("fault injection: dropping a 2xx acknowledgement");
        let mut lost = StatusCode::SERVICE_UNAVAILABLE.into_response();
        // Keep what the inner layers reported (verification, routing).
        *lost.extensions_mut() = response.into_parts().0.extensions;
        lost.headers_mut()
            .insert("x-fault", HeaderValue::from_static("lost-ack"));
        return lost;
    }
    response
}

/// A body the observe layer refused, with the bytes that arrived first.
struct RefusedBody {
    error: webhook_verify::Error,
    received: Bytes,
}

/// Reads the body the way the verify layer does (see the module docs):
/// 413 up front on a declared length over the limit, then a read through
/// [`Limited`] under the body timeout.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, RefusedBody> {
    let too_large = || {
        webhook_verify::Error::new(ErrorKind::PayloadTooLarge)
            .with_detail(format!("limit is {limit} bytes"))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if declared.is_some_and(|len| len > limit_u64) || body.size_hint().lower() > limit_u64 {
        // Nothing polled the body yet, so hyper has not sent `100 Continue`.
        return Err(RefusedBody {
            error: too_large(),
            received: Bytes::new(),
        });
    }
    // Kept outside the timed read, so a refusal still has what arrived.
    let mut received = BytesMut::new();
    let mut body = Limited::new(body, limit);
    let read = async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                received.extend_from_slice(&data);
            }
        }
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    };
    let error = match tokio::time::timeout(timeout, read).await {
        Ok(Ok(())) => return Ok(received.freeze()),
        Ok(Err(err)) if err.is::<LengthLimitError>() => too_large(),
        Ok(Err(err)) => {
            tracing::debug!(%err, "request body could not be read");
            webhook_verify::Error::new(ErrorKind::BodyRead)
        }
        Err(_elapsed) => webhook_verify::Error::new(ErrorKind::BodyTimeout)
            .with_detail(format!("body not received within {timeout:?}")),
    };
    Err(RefusedBody {
        error,
        received: received.freeze(),
    })
}

/// The id the signature vouches for: the scheme's signed id header, else
/// the signed body's `"id"`.
fn verified_event_id(verified: &Verified, body: &[u8]) -> Option<String> {
    verified
        .event_id
        .clone()
        .filter(|_| verified.event_id_signed)
        .or_else(|| event_id(&HeaderMap::new(), body))
}

async fn observe(State(observer): State<Arc<Observer>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let uri = parts.uri.clone();
    let headers = parts.headers.clone();
    let read = read_body(
        &parts.headers,
        body,
        observer.body_limit,
        observer.body_timeout,
    )
    .await;

    let (body, response, refused) = match read {
        Ok(body) => {
            let response = next
                .run(Request::from_parts(parts, Body::from(body.clone())))
                .await;
            (body, response, None)
        }
        Err(RefusedBody { error, received }) => {
            tracing::debug!(%error, "request body refused");
            let response = JsonErrorResponse.response(&error).map(Body::from);
            (received, response, Some(error))
        }
    };

    let routed = response.extensions().get::<Unrouted>().is_none();
    let verification = observer.verifying.filter(|_| routed).map(|scheme| {
        let error = refused
            .as_ref()
            .or_else(|| response.extensions().get::<webhook_verify::Error>())
            .map(ToString::to_string);
        VerificationRecord {
            ok: error.is_none(),
            scheme: scheme.to_owned(),
            error,
        }
    });
    let rejected = refused.is_some() || verification.as_ref().is_some_and(|v| !v.ok);
    let dedupe = (observer.deduping && routed && !rejected).then(|| {
        if response.headers().contains_key(IDEMPOTENT_REPLAYED) {
            "duplicate"
        } else if response.status() == StatusCode::CONFLICT {
            "in-progress"
        } else {
            "new"
        }
    });
    if let Some(writer) = &observer.capture {
        let mut record =
            CapturedRequest::from_parts(method.as_str(), uri.path(), uri.query(), &headers, &body);
        record.verification = verification.clone();
        if let Err(err) = writer.write(&record) {
            tracing::error!(%err, "writing the capture file failed");
        }
    }
    if let Some(on_request) = &observer.on_request {
        let verified_id = response
            .extensions()
            .get::<Verified>()
            .filter(|_| !rejected)
            .and_then(|verified| verified_event_id(verified, &body));
        let event_id_verified = verified_id.is_some();
        let log = RequestLog {
            method: method.to_string(),
            path: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), ToString::to_string),
            event_id: verified_id.or_else(|| event_id(&headers, &body)),
            event_id_verified,
            verification,
            refused: refused.map(|error| error.to_string()),
            dedupe,
            status: response.status().as_u16(),
            // Measured in µs: three decimals of a millisecond, no noise digits.
            latency_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
        };
        on_request(&log);
    }
    response
}

/// The `listen` handler: answers a fixed status, or simulates failures,
/// slowness and rate limiting, or forwards byte-exact to another URL.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The status of a normal answer.
    pub respond: StatusCode,
    /// Fraction of requests failed on purpose.
    pub fail_rate: f64,
    /// The status of a simulated failure (when `retry_after` is `None`).
    pub fail_status: StatusCode,
    /// Simulated failures are `429` with this `Retry-After` (seconds).
    pub retry_after: Option<u64>,
    /// Delay before every answer.
    pub delay: Option<Duration>,
    /// Forward accepted requests here and answer with its response.
    pub forward_to: Option<reqwest::Url>,
    /// The client used to forward (build it with
    /// [`build_client`](crate::http_client::build_client) for `https://`).
    pub client: reqwest::Client,
}

impl Default for Simulation {
    fn default() -> Self {
        Self {
            respond: StatusCode::OK,
            fail_rate: 0.0,
            fail_status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: None,
            delay: None,
            forward_to: None,
            // With default options the only fallible step, loading the
            // platform's roots, falls back to trusting none (see
            // `build_client`), and ring supports every TLS version asked for.
            client: crate::http_client::build_client(
                &crate::http_client::TlsOptions::default(),
                &crate::http_client::ClientSettings::default(),
            )
            .expect("a client with default options always builds"),
        }
    }
}

impl Simulation {
    async fn answer(self: Arc<Self>, request: Inbound) -> Response {
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        if self.fail_rate > 0.0 && rand::rng().random_bool(self.fail_rate.clamp(0.0, 1.0)) {
            return match self.retry_after {
                Some(seconds) => {
                    let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
                    response
                        .headers_mut()
                        .insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
                    response
                }
                None => self.fail_status.into_response(),
            };
        }
        if let Some(target) = &self.forward_to {
            return self.forward(target, request).await;
        }
        (
            self.respond,
            [(http::header::CONTENT_TYPE, "application/json")],
            "{\"received\":true}\n",
        )
            .into_response()
    }

    async fn forward(&self, target: &reqwest::Url, request: Inbound) -> Response {
        let mut headers = request.headers;
        for name in crate::capture::HOP_BY_HOP_HEADERS {
            headers.remove(name);
        }
        let mut url = target.clone();
        if url.query().is_none() {
            url.set_query(request.uri.query());
        }
        let result = async {
            let response = self
                .client
                .request(request.method, url)
                .headers(headers)
                .body(request.body)
                .send()
                .await?;
            let status = response.status();
            let content_type = response.headers().get(http::header::CONTENT_TYPE).cloned();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, content_type, body))
        }
        .await;
        match result {
            Ok((status, content_type, body)) => {
                let mut response = (status, body).into_response();
                if let Some(content_type) = content_type {
                    response
                        .headers_mut()
                        .insert(http::header::CONTENT_TYPE, content_type);
                }
                response
            }
            Err(err) => {
                // reqwest's message carries the URL, credentials and all.
                tracing::warn!(
                    target = %crate::redact::redact_url(target.as_str()),
                    error = %crate::error_chain::error_chain(&err.without_url()),
                    "forwarding failed"
                );
                StatusCode::BAD_GATEWAY.into_response()
            }
        }
    }
}

impl HandleRequest for Simulation {
    fn handle(&self, request: Inbound) -> HandlerFuture {
        Box::pin(Arc::new(self.clone()).answer(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(event_id: Option<&str>, event_id_verified: bool) -> RequestLog {
        RequestLog {
            method: "POST".to_owned(),
            path: "/hooks".to_owned(),
            event_id: event_id.map(str::to_owned),
            event_id_verified,
            verification: Some(VerificationRecord {
                ok: event_id_verified,
                scheme: "webhook".to_owned(),
                error: (!event_id_verified).then(|| "no signature matched".to_owned()),
            }),
            refused: None,
            dedupe: event_id_verified.then_some("new"),
            status: if event_id_verified { 200 } else { 401 },
            latency_ms: 0.4,
        }
    }

    #[test]
    fn a_verified_id_prints_as_before_and_a_claimed_one_is_marked() {
        assert_eq!(
            log(Some("evt_1"), true).to_string(),
            "POST /hooks id=evt_1 sig=ok new -> 200 (0.4 ms)"
        );
        assert_eq!(
            log(Some("evt_1"), false).to_string(),
            "POST /hooks id?=evt_1 sig=invalid(no signature matched) -> 401 (0.4 ms)"
        );
        assert_eq!(
            log(None, false).to_string(),
            "POST /hooks id=- sig=invalid(no signature matched) -> 401 (0.4 ms)"
        );
    }

    #[test]
    fn request_text_is_printed_with_controls_escaped() {
        let mut forged = log(
            Some("x\r\nPOST /admin id=evt sig=ok\x1b[2J\u{9b}1m\u{7f}\t\\\u{202e}\u{85}é"),
            false,
        );
        forged.path = "/a\u{9b}b".to_owned();
        forged.verification = None;
        forged.refused = Some("bad\nthing".to_owned());
        let line = forged.to_string();
        assert_eq!(
            line,
            r"POST /a\u{9b}b id?=x\r\nPOST\x20/admin\x20id=evt\x20sig=ok\x1b[2J\u{9b}1m\x7f\t\\\u{202e}\u{85}é refused(bad\nthing) -> 401 (0.4 ms)"
        );
        assert!(!line.chars().any(is_unprintable), "{line:?}");
    }

    #[test]
    fn the_json_form_escapes_what_serde_json_leaves_raw() {
        let id = "x\r\n\x1b[2J\u{9b}\u{7f}\u{202e}é";
        let json = log(Some(id), false).to_json();
        assert!(!json.chars().any(is_unprintable), "{json:?}");
        assert!(json.contains(r"\u009b") && json.contains(r"\u007f") && json.contains(r"\u202e"));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["event_id"], id);
        assert_eq!(back["event_id_verified"], false);
    }
}
