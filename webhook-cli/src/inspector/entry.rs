//! [`Entry`]: one request as the inspector keeps it (bodies cut at the
//! cap), and its two JSON views: the summary a list row shows and the
//! detail the detail view shows.
//!
//! Header values that are not UTF-8 are shown as escaped bytes (`\xe9`,
//! a backslash as `\\`) with `"binary": true`; repeated headers are one
//! row each. A body is text when it is UTF-8 (`"json"` and a pretty form
//! when it parses), otherwise a hex dump; `"truncated": true` with `size`
//! says the capture file has the rest.

use std::fmt::Write as _;
use std::time::SystemTime;

use axum::body::Bytes;
use http::HeaderMap;
use serde::Serialize;
use serde_json::{Value, json};

use super::Observed;
use crate::capture::VerificationRecord;
use crate::receiver::ForwardLog;

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Source {
    /// A request the listener received (a replay to the listener too).
    Listener,
    /// A replay the inspector sent through the `--forward-to` routes
    /// directly.
    ForwardReplay,
}

/// A body as kept: the first `cap` bytes and the full size.
#[derive(Debug, Clone)]
pub(super) struct KeptBody {
    pub(super) bytes: Bytes,
    pub(super) size: usize,
}

impl KeptBody {
    pub(super) fn new(body: &Bytes, cap: usize) -> Self {
        // A slice of a longer body would keep all of it alive: copy the
        // part kept, so the cap bounds memory.
        let bytes = if body.len() > cap {
            Bytes::copy_from_slice(&body[..cap])
        } else {
            body.clone()
        };
        Self {
            bytes,
            size: body.len(),
        }
    }

    pub(super) fn truncated(&self) -> bool {
        self.bytes.len() < self.size
    }

    /// The JSON view (see the module docs).
    fn view(&self) -> Value {
        let text = utf8_prefix(&self.bytes, self.truncated());
        let parsed = text
            .filter(|_| !self.truncated())
            .and_then(|t| serde_json::from_str::<Value>(t).ok());
        json!({
            "size": self.size,
            "kept": self.bytes.len(),
            "truncated": self.truncated(),
            "text": text,
            "json": parsed.is_some(),
            // A serde_json::Value always serializes.
            "pretty": parsed.map(|v| serde_json::to_string_pretty(&v).expect("JSON values serialize")),
            "hex": text.is_none().then(|| hex_dump(&self.bytes)),
        })
    }
}

/// The bytes as text when they are UTF-8; for a cut body, a character cut
/// in two at the end is dropped.
fn utf8_prefix(bytes: &[u8], cut: bool) -> Option<&str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(err) if cut && err.error_len().is_none() => {
            // Only the last character is incomplete: the prefix before it is valid.
            std::str::from_utf8(&bytes[..err.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}

/// `00000000  7b 22 69 64  …  |{"id…|`, 16 bytes a line.
fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 + bytes.len() / 16 * 12);
    for (line, chunk) in bytes.chunks(16).enumerate() {
        // Writing to a String can't fail.
        let _ = write!(out, "{:08x} ", line * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, " {b:02x}");
                }
                None => out.push_str("   "),
            }
        }
        out.push_str("  |");
        out.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '.'
            }
        }));
        out.push_str("|\n");
    }
    out
}

/// A header value as shown: the text when UTF-8, else every byte outside
/// printable ASCII as `\xNN` (and `\` as `\\`); `true` for the latter.
pub(super) fn show_value(value: &[u8]) -> (String, bool) {
    if let Ok(text) = std::str::from_utf8(value) {
        return (text.to_owned(), false);
    }
    let mut out = String::with_capacity(value.len() * 2);
    for &b in value {
        match b {
            b'\\' => out.push_str("\\\\"),
            b' '..=b'~' => out.push(char::from(b)),
            _ => {
                // Writing to a String can't fail.
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    (out, true)
}

fn headers_view(headers: &HeaderMap) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(name, value)| {
                let (value, binary) = show_value(value.as_bytes());
                json!({ "name": name.as_str(), "value": value, "binary": binary })
            })
            .collect(),
    )
}

/// One request as the inspector keeps it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub(super) id: u64,
    pub(super) received_at: SystemTime,
    pub(super) source: Source,
    pub(super) method: String,
    /// The path and query.
    pub(super) path: String,
    pub(super) headers: HeaderMap,
    pub(super) body: KeptBody,
    pub(super) event_id: Option<String>,
    pub(super) event_id_verified: bool,
    pub(super) event_type: Option<String>,
    pub(super) verification: Option<VerificationRecord>,
    pub(super) refused: Option<String>,
    pub(super) dedupe: Option<&'static str>,
    /// The status answered.
    pub(super) status: u16,
    pub(super) latency_ms: f64,
    pub(super) response_headers: HeaderMap,
    pub(super) response_body: KeptBody,
    /// What each `--forward-to` target answered.
    pub(super) forwards: Vec<ForwardLog>,
    /// Routes were configured and none matched.
    pub(super) no_route_matched: bool,
    pub(super) replay_of: Option<u64>,
    pub(super) replays: Vec<u64>,
}

impl Entry {
    /// An entry for a request the listener answered (id assigned by the
    /// history).
    pub(super) fn received(observed: Observed<'_>, cap: usize, replay_of: Option<u64>) -> Self {
        let log = observed.log;
        Self {
            id: 0,
            received_at: SystemTime::now(),
            source: Source::Listener,
            method: log.method.clone(),
            path: log.path.clone(),
            headers: observed.headers.clone(),
            body: KeptBody::new(observed.body, cap),
            event_id: log.event_id.clone(),
            event_id_verified: log.event_id_verified,
            event_type: log.event_type.clone(),
            verification: log.verification.clone(),
            refused: log.refused.clone(),
            dedupe: log.dedupe,
            status: log.status,
            latency_ms: log.latency_ms,
            response_headers: observed.response.headers.clone(),
            response_body: KeptBody::new(observed.response_body, cap),
            forwards: log.forwards.clone(),
            no_route_matched: log.no_route_matched,
            replay_of,
            replays: Vec::new(),
        }
    }

    /// The entry's id (1 for the first request).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The request's path and query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The event type the request announces, if any.
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }

    /// The status answered.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// `ok`, `invalid` (the signature was rejected), `refused` (the body
    /// was, before verification) or `unverified` (no `--verify`).
    pub fn verdict(&self) -> &'static str {
        match (&self.refused, &self.verification) {
            (Some(_), _) => "refused",
            (None, Some(v)) if v.ok => "ok",
            (None, Some(_)) => "invalid",
            (None, None) => "unverified",
        }
    }

    /// Whether `needle` (lowercase) is in the request or response body
    /// (read as UTF-8, lossily), ignoring case.
    pub(super) fn bodies_contain(&self, needle: &str) -> bool {
        [&self.body.bytes, &self.response_body.bytes]
            .iter()
            .any(|b| String::from_utf8_lossy(b).to_lowercase().contains(needle))
    }

    /// The list row's JSON.
    pub fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "received_at": humantime::format_rfc3339_millis(self.received_at).to_string(),
            "source": self.source,
            "method": self.method,
            "path": self.path,
            "event_id": self.event_id,
            "event_id_verified": self.event_id_verified,
            "event_type": self.event_type,
            "verdict": self.verdict(),
            "verification": self.verification,
            "refused": self.refused,
            "dedupe": self.dedupe,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "replay_of": self.replay_of,
            "replays": self.replays,
            // Each target's outcome; the detail adds its headers and body.
            "forwards": self.forwards.iter().map(|f| json!({
                "target": f.target,
                "status": f.status,
                "error": f.error,
                "latency_ms": f.latency_ms,
            })).collect::<Vec<_>>(),
            "no_route_matched": self.no_route_matched,
            "body_size": self.body.size,
            "body_truncated": self.body.truncated(),
        })
    }

    /// The detail view's JSON: the summary with the request and response
    /// in full (as kept).
    pub fn detail(&self) -> Value {
        let mut detail = self.summary();
        detail["request"] = json!({
            "method": self.method,
            "path": self.path,
            "headers": headers_view(&self.headers),
            "body": self.body.view(),
        });
        detail["response"] = json!({
            "status": self.status,
            "headers": headers_view(&self.response_headers),
            "body": self.response_body.view(),
        });
        // ForwardLog is plain data: it always serializes.
        detail["forwards"] = serde_json::to_value(&self.forwards).expect("forward logs serialize");
        detail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_header_values_are_escaped_and_marked() {
        assert_eq!(show_value(b"plain"), ("plain".to_owned(), false));
        assert_eq!(show_value("é".as_bytes()), ("é".to_owned(), false));
        assert_eq!(
            show_value(b"caf\xe9 \\ \x01"),
            (r"caf\xe9 \\ \x01".to_owned(), true)
        );
    }

    #[test]
    fn a_body_over_the_cap_is_cut_and_marked() {
        let body = Bytes::from(format!("{{\"a\":\"{}\"}}", "é".repeat(10)));
        let kept = KeptBody::new(&body, 8);
        let view = kept.view();
        assert_eq!(view["truncated"], true);
        assert_eq!(view["size"], body.len());
        assert_eq!(view["kept"], 8);
        // `{"a":"é` is 8 bytes: 6 ASCII and one 2-byte character.
        assert_eq!(view["text"], "{\"a\":\"é");
        assert_eq!(view["json"], false);
        let cut_mid_char = KeptBody::new(&body, 7).view();
        assert_eq!(cut_mid_char["text"], "{\"a\":\"");
        let whole = KeptBody::new(&body, 1024).view();
        assert_eq!(whole["truncated"], false);
        assert_eq!(whole["json"], true);
        assert!(whole["pretty"].as_str().unwrap().contains("\n  \"a\""));
    }

    #[test]
    fn a_binary_body_is_a_hex_dump() {
        let view = KeptBody::new(&Bytes::from_static(b"\x00\xffAB"), 64).view();
        assert_eq!(view["text"], Value::Null);
        assert_eq!(
            view["hex"],
            "00000000  00 ff 41 42                                      |..AB|\n"
        );
    }
}
