//! Replays from the page: an entry sent again, re-signed (fresh
//! timestamp, the same event id) or verbatim, optionally with an edited
//! body and headers, to the listener itself (a real HTTP request to its
//! bound address, through every layer) or to the `--forward-to` target.
//!
//! A replay to the listener carries a one-time
//! [`REPLAY_MARKER_HEADER`](super::REPLAY_MARKER_HEADER) that the observe
//! layer removes before anything else sees the request, and links the new
//! entry to its original. A replay to the forward target is recorded by
//! the inspector itself, with the target's answer.
//!
//! Re-signing needs the signing key: the listener's `--secret` for the
//! symmetric schemes. For the public-key schemes the listener holds only
//! the public key, so a re-signed replay is refused (400
//! `resign_unavailable`, with the reason); a verbatim one still works.

use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Clock as _, SystemClock};

use super::api::ApiError;
use super::entry::{Entry, KeptBody, Source};
use super::{Inspector, REPLAY_MARKER_HEADER};
use crate::capture;

/// Where a replay goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayTarget {
    /// The listener's own address, through every layer.
    #[default]
    Listener,
    /// The `--forward-to` target, directly.
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
    let url = match request.target {
        ReplayTarget::Listener => listener_url(inspector, &entry.path),
        ReplayTarget::Forward => {
            let Some(target) = &settings.forward_to else {
                return Err(bad(
                    "no_forward_target",
                    "the listener has no --forward-to target",
                ));
            };
            let mut url = target.clone();
            if url.query().is_none() {
                url.set_query(entry.path.split_once('?').map(|(_, q)| q));
            }
            url.to_string()
        }
    };
    let url = reqwest::Url::parse(&url)
        .map_err(|e| bad("bad_url", format!("the replay URL is not valid: {e}")))?;
    let mut body = body;
    if let Some(signer) = signer {
        let uri: http::Uri = url
            .as_str()
            .parse()
            .map_err(|_| bad("bad_url", "the replay URL is not a valid URI"))?;
        let path_only: http::Uri = entry.path.parse().unwrap_or_else(|_| uri.clone());
        let none = HeaderMap::new();
        let mut signing = WebhookRequest::new(&none, &body).with_method(&method);
        // A receiver behind --public-url verifies the URL the provider
        // signed: the public base plus the path.
        signing = match (&settings.public_url, request.target) {
            (Some(public), ReplayTarget::Listener) => {
                signing.with_uri(&path_only).with_public_url(public)
            }
            _ => signing.with_uri(&uri),
        };
        let (signature, signed_body) = signer
            .sign_request_body(&signing, SystemClock.now_unix(), entry.event_id.as_deref())
            .map_err(|e| bad("resign_failed", format!("cannot re-sign: {e}")))?;
        headers.extend(signature);
        if let Some(signed_body) = signed_body {
            body = Bytes::from(signed_body);
        }
    }
    let pending = (request.target == ReplayTarget::Listener).then(|| Pending::new(inspector, id));
    let mut sent_headers = headers.clone();
    if let Some(pending) = &pending {
        // The token is hex: always a valid header value.
        sent_headers.insert(
            REPLAY_MARKER_HEADER,
            HeaderValue::from_str(&pending.token).expect("hex is a valid header value"),
        );
    }
    let started = Instant::now();
    let sent_at = SystemTime::now();
    let result = async {
        let response = settings
            .client
            .request(method.clone(), url.clone())
            .headers(sent_headers)
            .body(body.clone())
            .send()
            .await?;
        let status = response.status();
        let response_headers = response.headers().clone();
        let response_body = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, response_headers, response_body))
    }
    .await;
    let latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    let shown_url = crate::redact::redact_url(url.as_str());
    let result = result.map_err(|err| crate::error_chain::error_chain(&err.without_url()));
    if let Some(pending) = pending {
        let recorded = pending.recorded();
        return match result {
            Ok((status, _, _)) => Ok(json!({
                "target": "listener",
                "url": shown_url,
                "status": status.as_u16(),
                "entry": recorded,
            })),
            Err(message) => Err(ApiError::new(
                StatusCode::BAD_GATEWAY,
                "replay_failed",
                format!("replaying to {shown_url} failed: {message}"),
            )),
        };
    }
    let cap = settings.body_cap;
    let (status, response_headers, response_body, error) = match &result {
        Ok((status, headers, body)) => (Some(status.as_u16()), headers.clone(), body.clone(), None),
        Err(message) => (None, HeaderMap::new(), Bytes::new(), Some(message.clone())),
    };
    let replayed = Entry {
        id: 0,
        received_at: sent_at,
        source: Source::ForwardReplay,
        target: Some(shown_url.clone()),
        method: method.to_string(),
        path: entry.path.clone(),
        event_type: crate::event_type::event_type(&headers, &body),
        headers,
        body: KeptBody::new(&body, cap),
        event_id: entry.event_id.clone(),
        event_id_verified: false,
        verification: None,
        refused: None,
        dedupe: None,
        status,
        latency_ms,
        response_headers,
        response_body: KeptBody::new(&response_body, cap),
        error: error.clone(),
        replay_of: Some(id),
        replays: Vec::new(),
    };
    let new_id = inspector.history.push(replayed);
    match error {
        None => Ok(json!({
            "target": "forward",
            "url": shown_url,
            "status": status,
            "entry": new_id,
        })),
        Some(message) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "replay_failed",
            format!("replaying to {shown_url} failed: {message}"),
        )),
    }
}
