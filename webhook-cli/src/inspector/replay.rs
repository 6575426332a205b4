//! Replays from the page: an entry sent again, re-signed (fresh
//! timestamp, the same event id) or verbatim, optionally with an edited
//! body and headers, to the listener itself (a real HTTP request to its
//! bound address, through every layer) or through the `--forward-to`
//! routes (every target that matches it, as the listener forwards).
//!
//! A replay to the listener carries a one-time
//! [`REPLAY_MARKER_HEADER`](super::REPLAY_MARKER_HEADER) that the observe
//! layer removes before anything else sees the request, and links the new
//! entry to its original. A replay through the routes is recorded by the
//! inspector itself, with each target's answer.
//!
//! Re-signing needs the signing key: the listener's `--secret` for the
//! symmetric schemes. For the public-key schemes the listener holds only
//! the public key, so a re-signed replay is refused (400
//! `resign_unavailable`, with the reason); a verbatim one still works.

use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt as _;
use serde::Deserialize;
use serde_json::{Value, json};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Clock as _, SystemClock};

use super::api::ApiError;
use super::entry::{Entry, KeptBody, Source};
use super::{Inspector, REPLAY_MARKER_HEADER};
use crate::capture;
use crate::event_type::event_type;
use crate::receiver::{Forwarded, Inbound, forward};

/// Where a replay goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayTarget {
    /// The listener's own address, through every layer.
    #[default]
    Listener,
    /// Every `--forward-to` route that matches it, directly (as the
    /// listener forwards).
    Forward,
}

/// How a replay is signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayMode {
    /// The signature headers replaced by fresh ones: a new timestamp, the
    /// same event id.
    #[default]
    Resign,
    /// The captured headers unchanged (a stale timestamp is rejected by a
    /// verifying receiver: that is the point).
    Verbatim,
}

/// The replay endpoint's JSON body; every field is optional.
///
/// ```json
/// {"target":"listener","mode":"resign","body":"{\"id\":\"evt_1\"}","headers":[["content-type","application/json"]]}
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// Where to send it (default: the listener).
    #[serde(default)]
    pub target: ReplayTarget,
    /// Re-signed (default) or verbatim.
    #[serde(default)]
    pub mode: ReplayMode,
    /// An edited body (default: the original's).
    #[serde(default)]
    pub body: Option<String>,
    /// Edited headers, replacing the original's (default: the original's).
    #[serde(default)]
    pub headers: Option<Vec<(String, String)>>,
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// The headers to send: the edited ones or the original's, without the
/// ones a client sets itself, and for a re-signed replay without the
/// signature headers.
fn outgoing_headers(
    inspector: &Inspector,
    entry: &Entry,
    edited: Option<&[(String, String)]>,
    resign: bool,
) -> Result<HeaderMap, ApiError> {
    let mut headers = match edited {
        None => entry.headers.clone(),
        Some(edited) => {
            let mut headers = HeaderMap::with_capacity(edited.len());
            for (name, value) in edited {
                let name = HeaderName::from_bytes(name.trim().as_bytes())
                    .map_err(|_| bad("bad_header", format!("invalid header name {name:?}")))?;
                let value = HeaderValue::from_str(value.trim())
                    .map_err(|_| bad("bad_header", format!("invalid value for header {name}")))?;
                headers.append(name, value);
            }
            headers
        }
    };
    for name in capture::HOP_BY_HOP_HEADERS {
        headers.remove(name);
    }
    headers.remove(&REPLAY_MARKER_HEADER);
    if resign {
        let scheme = inspector.settings.scheme;
        for name in capture::SIGNATURE_HEADERS
            .into_iter()
            .chain(scheme.signature_header())
            .chain(scheme.timestamp_header())
        {
            headers.remove(name);
        }
    }
    Ok(headers)
}

/// The URL of the listener for `path_and_query`: its bound address, with
/// loopback for an unspecified one (`0.0.0.0`).
pub(super) fn listener_url(inspector: &Inspector, path_and_query: &str) -> String {
    let mut addr = inspector.settings.listener;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{addr}{path_and_query}")
}

/// A replay to the listener in flight: its marker token, registered with
/// the inspector until dropped (also when the page goes away mid-replay,
/// so no token outlives its request).
struct Pending<'a> {
    inspector: &'a Inspector,
    token: String,
}

impl<'a> Pending<'a> {
    fn new(inspector: &'a Inspector, of: u64) -> Self {
        let token = format!("{:032x}", rand::random::<u128>());
        inspector.pending().insert(token.clone(), (of, None));
        Self { inspector, token }
    }

    /// The id the replay was recorded under, once the listener answered.
    fn recorded(&self) -> Option<u64> {
        self.inspector.pending().get(&self.token).and_then(|p| p.1)
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.inspector.pending().remove(&self.token);
    }
}

/// Sends the replay `request` of entry `id`; the JSON answer names the new
/// entry.
pub(super) async fn replay(
    inspector: &Inspector,
    id: u64,
    request: ReplayRequest,
) -> Result<Value, ApiError> {
    let entry = inspector.get(id).ok_or_else(|| ApiError::not_found(id))?;
    let settings = &inspector.settings;
    let resign = request.mode == ReplayMode::Resign;
    let signer = match (&settings.signer, resign) {
        (Some(signer), true) => Some(signer),
        (None, true) => {
            return Err(bad(
                "resign_unavailable",
                format!(
                    "cannot re-sign: {} (a verbatim replay still works)",
                    settings.resign_unavailable
                ),
            ));
        }
        (_, false) => None,
    };
    let body = match request.body {
        Some(body) => Bytes::from(body),
        None if entry.body.truncated() => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "body_truncated",
                super::commands::TRUNCATED,
            ));
        }
        None => entry.body.bytes.clone(),
    };
    let mut headers = outgoing_headers(inspector, &entry, request.headers.as_deref(), resign)?;
    let method = Method::from_bytes(entry.method.as_bytes())
        .map_err(|_| bad("bad_method", "the request's method can't be sent again"))?;
    if request.target == ReplayTarget::Forward && settings.routes.is_empty() {
        return Err(bad(
            "no_forward_target",
            "the listener has no --forward-to target",
        ));
    }
    // Signed for the listener's URL in both cases: the listener passes a
    // request on to its targets byte-exact, signature and all.
    let url = reqwest::Url::parse(&listener_url(inspector, &entry.path))
        .map_err(|e| bad("bad_url", format!("the replay URL is not valid: {e}")))?;
    let mut body = body;
    if let Some(signer) = signer {
        let uri: http::Uri = url
            .as_str()
            .parse()
            .map_err(|_| bad("bad_url", "the replay URL is not a valid URI"))?;
        let path_only: http::Uri = entry.path.parse().unwrap_or_else(|_| uri.clone());
        let none = HeaderMap::new();
        let signing = WebhookRequest::new(&none, &body).with_method(&method);
        // A receiver behind --public-url verifies the URL the provider
        // signed: the public base plus the path.
        let signing = match &settings.public_url {
            Some(public) => signing.with_uri(&path_only).with_public_url(public),
            None => signing.with_uri(&uri),
        };
        let (signature, signed_body) = signer
            .sign_request_body(&signing, SystemClock.now_unix(), entry.event_id.as_deref())
            .map_err(|e| bad("resign_failed", format!("cannot re-sign: {e}")))?;
        headers.extend(signature);
        if let Some(signed_body) = signed_body {
            body = Bytes::from(signed_body);
        }
    }
    match request.target {
        ReplayTarget::Listener => to_listener(inspector, &entry, url, method, headers, body).await,
        ReplayTarget::Forward => through_routes(inspector, &entry, method, headers, body).await,
    }
}

/// Sends the replay to the listener's own address, through every layer;
/// the observe layer records it.
async fn to_listener(
    inspector: &Inspector,
    entry: &Entry,
    url: reqwest::Url,
    method: Method,
    mut headers: HeaderMap,
    body: Bytes,
) -> Result<Value, ApiError> {
    let pending = Pending::new(inspector, entry.id);
    // The token is hex: always a valid header value.
    headers.insert(
        REPLAY_MARKER_HEADER,
        HeaderValue::from_str(&pending.token).expect("hex is a valid header value"),
    );
    let result = async {
        let response = inspector
            .settings
            .client
            .request(method, url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await?;
        let status = response.status();
        // Read to the end, so the listener has recorded it.
        response.bytes().await?;
        Ok::<_, reqwest::Error>(status)
    }
    .await;
    let shown_url = crate::redact::redact_url(url.as_str());
    match result {
        Ok(status) => Ok(json!({
            "target": "listener",
            "url": shown_url,
            "status": status.as_u16(),
            "entry": pending.recorded(),
        })),
        Err(err) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "replay_failed",
            format!(
                "replaying to {shown_url} failed: {}",
                crate::error_chain::error_chain(&err.without_url())
            ),
        )),
    }
}

/// Sends the replay to every `--forward-to` route that matches it, as the
/// listener forwards, and records it with each target's answer.
async fn through_routes(
    inspector: &Inspector,
    entry: &Entry,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Value, ApiError> {
    let settings = &inspector.settings;
    let uri: http::Uri = entry
        .path
        .parse()
        .map_err(|_| bad("bad_url", "the request's path is not a valid URI"))?;
    let inbound_type = event_type(&headers, &body);
    let inbound = Inbound {
        method: method.clone(),
        uri,
        headers: headers.clone(),
        body: body.clone(),
        verified: None,
        event_id: entry.event_id.clone(),
        // The (possibly edited) request's own, as the listener would read it.
        event_type: inbound_type.clone(),
    };
    let started = Instant::now();
    let sent_at = SystemTime::now();
    let Some(response) = forward(&settings.client, &settings.routes, inbound).await else {
        return Err(bad(
            "no_route_matched",
            format!(
                "no --forward-to route matches this request (event type {}, path {})",
                inbound_type.as_deref().unwrap_or("none"),
                entry.path
            ),
        ));
    };
    let (parts, response_body) = response.into_parts();
    // The answer was read whole by the forwarder: collecting it can't fail.
    let response_body = response_body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    let forwards = parts
        .extensions
        .get::<Forwarded>()
        .map(|f| f.forwards.clone())
        .unwrap_or_default();
    let cap = settings.body_cap;
    let summary: Vec<Value> = forwards
        .iter()
        .map(|f| json!({ "target": f.target, "status": f.status, "error": f.error }))
        .collect();
    let replayed = Entry {
        id: 0,
        received_at: sent_at,
        source: Source::ForwardReplay,
        method: method.to_string(),
        path: entry.path.clone(),
        event_type: inbound_type,
        headers,
        body: KeptBody::new(&body, cap),
        event_id: entry.event_id.clone(),
        event_id_verified: false,
        verification: None,
        refused: None,
        dedupe: None,
        status: parts.status.as_u16(),
        latency_ms,
        response_headers: parts.headers,
        response_body: KeptBody::new(&response_body, cap),
        forwards,
        no_route_matched: false,
        replay_of: Some(entry.id),
        replays: Vec::new(),
    };
    let new_id = inspector.history.push(replayed);
    Ok(json!({
        "target": "forward",
        "status": parts.status.as_u16(),
        "forwards": summary,
        "entry": new_id,
    }))
}
