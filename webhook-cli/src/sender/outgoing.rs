//! One request to deliver: [`Outgoing`], built from an event body or from a
//! captured request.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method};
use reqwest::Url;

use crate::capture::{self, CaptureError, CapturedRequest};

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
    ) -> Result<Self, CaptureError> {
        let mut headers = record.header_map()?;
        for name in capture::HOP_BY_HOP_HEADERS {
            headers.remove(name);
        }
        if strip_signature {
            for name in capture::SIGNATURE_HEADERS {
                headers.remove(name);
            }
        }
        let body = Bytes::from(record.body()?);
        let id = record
            .dead_letter
            .as_ref()
            .map(|d| d.id.clone())
            .or_else(|| capture::event_id(&headers, &body))
            .unwrap_or_else(fallback_id);
        let method = Method::from_bytes(record.method.as_bytes())
            .map_err(|_| CaptureError::Header(format!("method {}", record.method)))?;
        Ok(Self {
            id,
            method,
            url,
            headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured() -> CapturedRequest {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.com"));
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-webhook-signature", HeaderValue::from_static("v1=00"));
        headers.insert("x-webhook-id", HeaderValue::from_static("evt_header"));
        CapturedRequest::from_parts("PUT", "/hooks", None, &headers, br#"{"id":"evt_body"}"#)
    }

    #[test]
    fn a_capture_loses_its_connection_headers_and_optionally_its_signature() {
        let url: Url = "http://127.0.0.1:3000/x".parse().unwrap();
        let kept =
            Outgoing::from_capture(&captured(), url.clone(), false, || unreachable!()).unwrap();
        assert_eq!(kept.method, Method::PUT);
        assert_eq!(kept.url, url);
        assert_eq!(kept.id, "evt_header");
        assert!(kept.headers.get("host").is_none());
        assert!(kept.headers.get("x-webhook-signature").is_some());
        assert_eq!(&kept.body[..], br#"{"id":"evt_body"}"#);

        let stripped = Outgoing::from_capture(&captured(), url, true, || unreachable!()).unwrap();
        assert!(stripped.headers.get("x-webhook-signature").is_none());
        assert_eq!(stripped.headers[CONTENT_TYPE], "application/json");
    }

    #[test]
    fn json_is_a_post_with_a_json_content_type() {
        let url: Url = "http://127.0.0.1:3000/x".parse().unwrap();
        let outgoing = Outgoing::json(&url, "evt_1", "{}");
        assert_eq!(outgoing.method, Method::POST);
        assert_eq!(outgoing.headers[CONTENT_TYPE], "application/json");
        assert_eq!(outgoing.id, "evt_1");
    }
}
