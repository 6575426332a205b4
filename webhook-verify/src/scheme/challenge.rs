//! The replies to providers' handshakes (group B: Zoom, Twitch, Slack,
//! Dropbox): a 200 with the provider's content type and body, built the
//! same way for every scheme.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

/// `application/json`.
pub(crate) const JSON: HeaderValue = HeaderValue::from_static("application/json");
/// `text/plain` (Twitch, Dropbox).
pub(crate) const TEXT: HeaderValue = HeaderValue::from_static("text/plain");

/// A 200 reply with `content_type` and `body`.
pub(crate) fn reply(content_type: HeaderValue, body: impl Into<Bytes>) -> Response<Bytes> {
    let mut response = Response::new(body.into());
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// The body as a JSON object, when it may be a handshake: a cheap search
/// for `marker` first, so an ordinary event is not parsed twice.
pub(crate) fn json_with(body: &[u8], marker: &[u8]) -> Option<serde_json::Value> {
    if !body.windows(marker.len()).any(|w| w == marker) {
        return None;
    }
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .filter(serde_json::Value::is_object)
}
