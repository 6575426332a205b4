//! The capture format: NDJSON, one HTTP request per line.
//!
//! Written by `webhook listen --capture` and `webhook deliver --dead-letter`,
//! read by `webhook replay` and `webhook verify --capture`.
//!
//! ```text
//! {"v":1,"method":"POST","path":"/hooks","query":null,
//!  "headers":[["content-type","application/json"],["x-odd",{"b64":"/w=="}]],
//!  "body_b64":"e30=","body_sha256":"44136fa3…","received_at":"2026-11-23T15:00:00.123Z",
//!  "verification":{"ok":true,"scheme":"webhook","error":null}}
//! ```
//!
//! - `headers` is the list of `[name, value]` pairs as received (lowercase
//!   names, in arrival order except that repeats of a name follow its first
//!   occurrence, as `http::HeaderMap` keeps them), so repeated headers survive. A value that is valid UTF-8 is a JSON string;
//!   any other value (HTTP allows opaque bytes) is `{"b64": "<base64>"}`, so
//!   nothing is lost or re-encoded.
//! - `body_b64` holds the exact body bytes; `body_sha256` (lowercase hex) lets
//!   a reader check them.
//! - `received_at` is RFC 3339 UTC with milliseconds.
//! - `verification` is `null` when the writer did not verify.
//! - `dead_letter` (optional, written by `deliver`) says why an event was
//!   given up: attempts, last status, last error.
//!
//! ```
//! use webhook_cli::capture::{CapturedRequest, HeaderEntry};
//!
//! let request = CapturedRequest::new("POST", "/hooks", None, vec![
//!     HeaderEntry::new("content-type", b"application/json"),
//!     HeaderEntry::new("x-odd", b"\xff"),
//! ], b"{}");
//! let line = request.to_line();
//! let back = CapturedRequest::from_line(&line)?;
//! assert_eq!(back.body()?, b"{}");
//! assert_eq!(back.headers[1].value_bytes()?, b"\xff");
//! # Ok::<(), webhook_cli::capture::CaptureError>(())
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use webhook_verify::headers;

/// The format version this crate writes and reads.
pub const VERSION: u32 = 1;

/// Why a capture line or file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The line is not a capture record.
    #[error("line {line}: not a capture record: {source}")]
    Json {
        /// 1-based line number (0 when unknown).
        line: usize,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The record has a version this build does not read.
    #[error("unsupported capture version {0} (this build reads version {VERSION})")]
    Version(u32),
    /// A base64 field does not decode.
    #[error("field {0} is not valid base64")]
    Base64(&'static str),
    /// The body does not match its recorded SHA-256.
    #[error("body does not match body_sha256")]
    Checksum,
    /// A header name or value is not valid HTTP.
    #[error("invalid header {0:?}")]
    Header(String),
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

/// A header value as stored: text when it is UTF-8, base64 otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StoredValue {
    /// A UTF-8 value, stored as is.
    Text(String),
    /// Any other bytes.
    Bytes {
        /// The value, base64 (standard alphabet, padded).
        b64: String,
    },
}

/// One `[name, value]` header pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderEntry(pub String, pub StoredValue);

impl HeaderEntry {
    /// Stores a header, choosing text or base64 for the value.
    pub fn new(name: &str, value: &[u8]) -> Self {
        let value = match std::str::from_utf8(value) {
            Ok(text) => StoredValue::Text(text.to_owned()),
            Err(_) => StoredValue::Bytes {
                b64: B64.encode(value),
            },
        };
        Self(name.to_owned(), value)
    }

    /// The header name as recorded.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The value's exact bytes.
    pub fn value_bytes(&self) -> Result<Vec<u8>, CaptureError> {
        match &self.1 {
            StoredValue::Text(text) => Ok(text.as_bytes().to_vec()),
            StoredValue::Bytes { b64 } => {
                B64.decode(b64).map_err(|_| CaptureError::Base64("headers"))
            }
        }
    }
}

/// The verification result recorded with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationRecord {
    /// Whether the signature verified.
    pub ok: bool,
    /// The scheme checked.
    pub scheme: String,
    /// Why it failed (`None` when it passed).
    pub error: Option<String>,
}

/// Why `deliver` gave an event up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterInfo {
    /// The event id.
    pub id: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last HTTP status, if any response came back.
    pub last_status: Option<u16>,
    /// The last error or the reason for giving up.
    pub reason: String,
}

/// One captured HTTP request (one line of a capture file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedRequest {
    /// Format version, [`VERSION`].
    pub v: u32,
    /// The HTTP method.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    /// Headers in the order received.
    pub headers: Vec<HeaderEntry>,
    /// The exact body, base64.
    pub body_b64: String,
    /// SHA-256 of the body, lowercase hex.
    pub body_sha256: String,
    /// When it was received (or, for a dead letter, given up), RFC 3339.
    pub received_at: String,
    /// The verification result, `None` when not verified.
    pub verification: Option<VerificationRecord>,
    /// Present on dead-letter records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<DeadLetterInfo>,
}

impl CapturedRequest {
    /// A record received now, without verification result.
    pub fn new(
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: Vec<HeaderEntry>,
        body: &[u8],
    ) -> Self {
        Self {
            v: VERSION,
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            headers,
            body_b64: B64.encode(body),
            body_sha256: hex::encode(Sha256::digest(body)),
            received_at: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            verification: None,
            dead_letter: None,
        }
    }

    /// A record from an `http::HeaderMap` (in its iteration order, which
    /// keeps repeated values together and in order).
    pub fn from_parts(
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let headers = headers
            .iter()
            .map(|(name, value)| HeaderEntry::new(name.as_str(), value.as_bytes()))
            .collect();
        Self::new(method, path, query, headers, body)
    }

    /// Parses one line, checking the version, the body's base64 and checksum.
    pub fn from_line(line: &str) -> Result<Self, CaptureError> {
        let record: Self =
            serde_json::from_str(line).map_err(|source| CaptureError::Json { line: 0, source })?;
        if record.v != VERSION {
            return Err(CaptureError::Version(record.v));
        }
        let body = record.body()?;
        if hex::encode(Sha256::digest(&body)) != record.body_sha256.to_ascii_lowercase() {
            return Err(CaptureError::Checksum);
        }
        Ok(record)
    }

    /// The record as one JSON line (without the newline).
    pub fn to_line(&self) -> String {
        // Serializing plain strings, numbers and options can't fail.
        serde_json::to_string(self).expect("capture records always serialize")
    }

    /// The exact body bytes.
    pub fn body(&self) -> Result<Vec<u8>, CaptureError> {
        B64.decode(&self.body_b64)
            .map_err(|_| CaptureError::Base64("body_b64"))
    }

    /// The headers as an `http::HeaderMap` (order and repeats kept).
    pub fn header_map(&self) -> Result<HeaderMap, CaptureError> {
        let mut map = HeaderMap::with_capacity(self.headers.len());
        for entry in &self.headers {
            let name = HeaderName::from_bytes(entry.0.as_bytes())
                .map_err(|_| CaptureError::Header(entry.0.clone()))?;
            let value = HeaderValue::from_bytes(&entry.value_bytes()?)
                .map_err(|_| CaptureError::Header(entry.0.clone()))?;
            map.append(name, value);
        }
        Ok(map)
    }

    /// The path with the query, as sent on the request line.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }
}

/// Headers that carry a signature or signed timestamp in any built-in
/// scheme: dropped before a captured request is re-signed.
pub const SIGNATURE_HEADERS: [HeaderName; 11] = [
    headers::X_WEBHOOK_SIGNATURE,
    headers::X_WEBHOOK_TIMESTAMP,
    headers::STRIPE_SIGNATURE,
    headers::WEBHOOK_SIGNATURE,
    headers::WEBHOOK_TIMESTAMP,
    headers::SVIX_SIGNATURE,
    headers::SVIX_TIMESTAMP,
    headers::X_HUB_SIGNATURE_256,
    headers::X_HUB_SIGNATURE,
    headers::X_SLACK_SIGNATURE,
    headers::X_SLACK_REQUEST_TIMESTAMP,
];

/// Connection-level headers a client sets itself: never resent.
pub const HOP_BY_HOP_HEADERS: [&str; 10] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "expect",
];

/// The event id of a request: the first of `X-Webhook-Id`, `webhook-id`,
/// `svix-id`, `X-GitHub-Delivery`, else the body's top-level `"id"` string.
///
/// ```
/// use http::HeaderMap;
/// use webhook_cli::capture::event_id;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(event_id(&headers, br#"{"id":"evt_9"}"#).as_deref(), Some("evt_9"));
/// headers.insert("webhook-id", "msg_1".parse().unwrap());
/// assert_eq!(event_id(&headers, br#"{"id":"evt_9"}"#).as_deref(), Some("msg_1"));
/// ```
pub fn event_id(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    for name in [
        headers::X_WEBHOOK_ID,
        headers::WEBHOOK_ID,
        headers::SVIX_ID,
        headers::X_GITHUB_DELIVERY,
    ] {
        if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok())
            && !value.is_empty()
        {
            return Some(value.to_owned());
        }
    }
    #[derive(Deserialize)]
    struct WithId {
        id: Option<serde_json::Value>,
    }
    match serde_json::from_slice::<WithId>(body).ok()?.id? {
        serde_json::Value::String(id) if !id.is_empty() => Some(id),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a capture file (`-` for stdin) line by line (blank lines are
/// skipped), without loading it whole.
pub fn read_file(
    path: &Path,
) -> Result<
    impl Iterator<Item = Result<(usize, CapturedRequest), CaptureError>> + Send + use<>,
    CaptureError,
> {
    let reader: Box<dyn Read + Send> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(path).map_err(|source| CaptureError::Io {
            path: path.to_owned(),
            source,
        })?)
    };
    let path = path.to_owned();
    Ok(BufReader::new(reader)
        .lines()
        .enumerate()
        .filter_map(move |(index, line)| {
            let number = index + 1;
            match line {
                Err(source) => Some(Err(CaptureError::Io {
                    path: path.clone(),
                    source,
                })),
                Ok(line) if line.trim().is_empty() => None,
                Ok(line) => Some(
                    CapturedRequest::from_line(&line)
                        .map(|record| (number, record))
                        .map_err(|err| match err {
                            CaptureError::Json { source, .. } => CaptureError::Json {
                                line: number,
                                source,
                            },
                            other => other,
                        }),
                ),
            }
        }))
}

/// Appends records to a capture file, one `write` per line, so concurrent
/// writers and a crash never leave half a line behind a complete one.
#[derive(Debug)]
pub struct CaptureWriter {
    path: PathBuf,
    file: Mutex<File>,
}

impl CaptureWriter {
    /// Opens `path` for appending, creating it if needed.
    pub fn append(path: &Path) -> Result<Self, CaptureError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| CaptureError::Io {
                path: path.to_owned(),
                source,
            })?;
        Ok(Self {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    /// The file written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record.
    pub fn write(&self, record: &CapturedRequest) -> Result<(), CaptureError> {
        let mut line = record.to_line();
        line.push('\n');
        // A poisoned lock only means another writer panicked mid-call; the
        // file itself is still fine to append to.
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes())
            .map_err(|source| CaptureError::Io {
                path: self.path.clone(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_repeated_and_binary_headers() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", HeaderValue::from_static("1"));
        headers.append("x-a", HeaderValue::from_static("2"));
        headers.append("x-bin", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        let record = CapturedRequest::from_parts("POST", "/p", Some("a=b"), &headers, b"\x00\xff");
        let line = record.to_line();
        assert!(line.contains(r#"["x-bin",{"b64":"Y2Fm6Q=="}]"#), "{line}");
        let back = CapturedRequest::from_line(&line).unwrap();
        assert_eq!(back.header_map().unwrap(), headers);
        assert_eq!(back.body().unwrap(), b"\x00\xff");
        assert_eq!(back.path_and_query(), "/p?a=b");
    }

    #[test]
    fn rejects_tampered_body_and_unknown_version() {
        let record = CapturedRequest::new("POST", "/", None, vec![], b"{}");
        let mut tampered = record.clone();
        tampered.body_b64 = B64.encode(b"{ }");
        assert!(matches!(
            CapturedRequest::from_line(&tampered.to_line()),
            Err(CaptureError::Checksum)
        ));
        let mut future = record;
        future.v = 2;
        assert!(matches!(
            CapturedRequest::from_line(&future.to_line()),
            Err(CaptureError::Version(2))
        ));
    }
}
