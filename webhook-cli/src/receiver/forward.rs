//! Forwarding a request to every [`Route`] that matches it, concurrently,
//! and choosing the answer for the sender; each target's outcome is a
//! [`ForwardLog`].
//!
//! The answer rule, so that a sender retries until every target took the
//! event (at least once per target):
//!
//! 1. no route matches: the caller answers as if not forwarding;
//! 2. else the first target, in route order, that did not answer 2xx gives
//!    the response (a target that failed — refused, timed out, TLS — is
//!    **502**);
//! 3. else the first matching target's response.
//!
//! The response is the target's status, `Content-Type` and body.

use std::time::Instant;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::Serialize;

use super::{Inbound, Route};
use crate::capture::{HOP_BY_HOP_HEADERS, HeaderEntry, StoredValue};
use crate::error_chain::error_chain;
use crate::redact::redact_url;

/// How much of a target's response body a [`ForwardLog`] keeps.
pub const LOGGED_BODY_LIMIT: usize = 64 * 1024;

/// What one forwarding target answered, as reported in
/// [`RequestLog::forwards`](super::RequestLog::forwards).
///
/// Data only: the header values and body are the target's, unescaped.
#[derive(Debug, Clone, Serialize)]
pub struct ForwardLog {
    /// The route's target URL, without credentials.
    pub target: String,
    /// The status it answered; `None` when the request failed.
    pub status: Option<u16>,
    /// Why the request failed (no connection, timeout, TLS); `None` when it
    /// answered.
    pub error: Option<String>,
    /// From sending to the end of the response body, in milliseconds (to
    /// the microsecond).
    pub latency_ms: f64,
    /// The response headers, as the capture format stores them.
    pub headers: Vec<HeaderEntry>,
    /// The response body, its first [`LOGGED_BODY_LIMIT`] bytes: text when
    /// UTF-8, else `{"b64": …}`. `None` when the request failed.
    pub body: Option<StoredValue>,
    /// Whether [`body`](Self::body) was cut at [`LOGGED_BODY_LIMIT`].
    pub body_truncated: bool,
}

impl ForwardLog {
    /// The status class as the metrics label it (`2xx`, `4xx`, …), or
    /// `error` for a request that failed.
    pub fn outcome(&self) -> &'static str {
        match self.status.map(|s| s / 100) {
            None => "error",
            Some(1) => "1xx",
            Some(2) => "2xx",
            Some(3) => "3xx",
            Some(4) => "4xx",
            Some(_) => "5xx",
        }
    }
}

/// The routing outcome, carried from the handler to the observe layer in
/// the response extensions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forwarded {
    pub(crate) forwards: Vec<ForwardLog>,
    pub(crate) no_route_matched: bool,
}

/// What came back from one target, whole, for the answer.
struct Answer {
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Bytes,
}

/// Forwards `request` to every route that matches it (see the module docs);
/// `None` when none does. The response carries a [`Forwarded`] extension.
pub(crate) async fn forward(
    client: &reqwest::Client,
    routes: &[Route],
    request: Inbound,
) -> Option<Response> {
    let path = request.uri.path();
    let matching: Vec<&Route> = routes
        .iter()
        .filter(|route| route.matches(request.event_type.as_deref(), path))
        .collect();
    if matching.is_empty() {
        return None;
    }
    let mut headers = request.headers;
    for name in HOP_BY_HOP_HEADERS {
        headers.remove(name);
    }
    let query = request.uri.query();
    let outcomes = futures_util::future::join_all(matching.iter().map(|route| {
        forward_one(
            client,
            &route.to,
            query,
            request.method.clone(),
            headers.clone(),
            request.body.clone(),
        )
    }))
    .await;
    let chosen = outcomes
        .iter()
        .position(|(_, answer)| !answer.as_ref().is_some_and(|a| a.status.is_success()))
        .unwrap_or(0);
    let mut logs = Vec::with_capacity(outcomes.len());
    let mut response = None;
    for (index, (log, answer)) in outcomes.into_iter().enumerate() {
        if index == chosen {
            response = Some(match answer {
                Some(answer) => {
                    let mut response = (answer.status, answer.body).into_response();
                    if let Some(content_type) = answer.content_type {
                        response
                            .headers_mut()
                            .insert(http::header::CONTENT_TYPE, content_type);
                    }
                    response
                }
                None => StatusCode::BAD_GATEWAY.into_response(),
            });
        }
        logs.push(log);
    }
    // `chosen` indexes `outcomes`, which has one entry per matching route
    // (at least one, checked above).
    let mut response = response.unwrap_or_else(|| StatusCode::BAD_GATEWAY.into_response());
    response.extensions_mut().insert(Forwarded {
        forwards: logs,
        no_route_matched: false,
    });
    Some(response)
}

/// Sends one copy: the target URL as given, the request's query when the
/// URL has none, the same method, headers (hop-by-hop ones removed) and
/// body bytes.
async fn forward_one(
    client: &reqwest::Client,
    target: &reqwest::Url,
    query: Option<&str>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> (ForwardLog, Option<Answer>) {
    let mut url = target.clone();
    if url.query().is_none() {
        url.set_query(query);
    }
    let started = Instant::now();
    let result = async {
        let response = client
            .request(method, url)
            .headers(headers)
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, headers, body))
    }
    .await;
    // Measured in µs: three decimals of a millisecond, no noise digits.
    let latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    let shown = redact_url(target.as_str());
    match result {
        Ok((status, headers, body)) => {
            let (logged, body_truncated) = logged_body(&body);
            let log = ForwardLog {
                target: shown,
                status: Some(status.as_u16()),
                error: None,
                latency_ms,
                headers: headers
                    .iter()
                    .map(|(name, value)| HeaderEntry::new(name.as_str(), value.as_bytes()))
                    .collect(),
                body: Some(logged),
                body_truncated,
            };
            let answer = Answer {
                status,
                content_type: headers.get(http::header::CONTENT_TYPE).cloned(),
                body,
            };
            (log, Some(answer))
        }
        Err(err) => {
            // reqwest's message carries the URL, credentials and all.
            let error = error_chain(&err.without_url());
            tracing::warn!(target = %shown, %error, "forwarding failed");
            let log = ForwardLog {
                target: shown,
                status: None,
                error: Some(error),
                latency_ms,
                headers: Vec::new(),
                body: None,
                body_truncated: false,
            };
            (log, None)
        }
    }
}

/// The first [`LOGGED_BODY_LIMIT`] bytes of `body`, as text when they are
/// UTF-8 (a character cut by the limit is left out), else base64; and
/// whether anything was cut.
fn logged_body(body: &[u8]) -> (StoredValue, bool) {
    let truncated = body.len() > LOGGED_BODY_LIMIT;
    let kept = &body[..body.len().min(LOGGED_BODY_LIMIT)];
    let text = match std::str::from_utf8(kept) {
        Ok(text) => Some(text),
        // Only the last character is incomplete: the limit cut it.
        Err(err) if truncated && err.error_len().is_none() => {
            std::str::from_utf8(&kept[..err.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    let value = match text {
        Some(text) => StoredValue::Text(text.to_owned()),
        // Not UTF-8: the capture format's base64 form (`{"b64": …}`).
        None => HeaderEntry::new("", kept).1,
    };
    (value, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_bodies_are_capped_and_cut_at_a_character() {
        assert_eq!(
            logged_body(b"{\"ok\":true}"),
            (StoredValue::Text("{\"ok\":true}".to_owned()), false)
        );
        // The limit falls inside the last "é": it is left out, whole.
        let long = format!("a{}", "é".repeat(LOGGED_BODY_LIMIT));
        let (value, truncated) = logged_body(long.as_bytes());
        assert!(truncated);
        let StoredValue::Text(text) = value else {
            panic!("{value:?}")
        };
        assert_eq!(text.len(), LOGGED_BODY_LIMIT - 1);
        let (value, truncated) = logged_body(b"\xff\x00");
        assert!(!truncated);
        assert!(matches!(value, StoredValue::Bytes { .. }), "{value:?}");
    }

    #[test]
    fn outcomes_are_status_classes() {
        let mut log = ForwardLog {
            target: "http://x/".to_owned(),
            status: Some(204),
            error: None,
            latency_ms: 0.0,
            headers: Vec::new(),
            body: None,
            body_truncated: false,
        };
        assert_eq!(log.outcome(), "2xx");
        log.status = Some(503);
        assert_eq!(log.outcome(), "5xx");
        log.status = None;
        assert_eq!(log.outcome(), "error");
    }
}
