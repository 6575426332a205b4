//! The detail view's copy and download actions: the request as a `curl`
//! command (headers and body verbatim), as a `webhook send` command (the
//! body and the headers that are not a signature, signed afresh by `send`
//! with `WEBHOOK_SECRET`), and as a capture line (`webhook replay` reads
//! it). Each needs the whole body: a body cut at the cap gives none of
//! them, and says why.

use http::HeaderMap;
use webhook_verify::{Scheme, SignatureScheme as _};

use super::Entry;
use crate::capture::{self, CapturedRequest};

/// Why a command can't be written for an entry.
pub(super) const TRUNCATED: &str =
    "the body was cut in the inspector's history: use the capture file (--capture)";
const NOT_UTF8: &str =
    "the body or a header is not UTF-8: download the capture line and use webhook replay";

/// Quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The headers a client sends itself (`Host`, `Content-Length`, …) are
/// left to it.
fn resent_headers(headers: &HeaderMap) -> impl Iterator<Item = (&str, &[u8])> {
    headers
        .iter()
        .filter(|(name, _)| !capture::HOP_BY_HOP_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
}

fn text_body(entry: &Entry) -> Result<&str, &'static str> {
    if entry.body.truncated() {
        return Err(TRUNCATED);
    }
    std::str::from_utf8(&entry.body.bytes).map_err(|_| NOT_UTF8)
}

/// `curl -sS -X POST 'URL' -H 'name: value' … --data-binary 'BODY'`.
pub(super) fn curl(entry: &Entry, url: &str) -> Result<String, &'static str> {
    let body = text_body(entry)?;
    let mut command = format!("curl -sS -X {} {}", entry.method, shell_quote(url));
    for (name, value) in resent_headers(&entry.headers) {
        let value = std::str::from_utf8(value).map_err(|_| NOT_UTF8)?;
        command.push_str(&format!(" -H {}", shell_quote(&format!("{name}: {value}"))));
    }
    command.push_str(&format!(" --data-binary {}", shell_quote(body)));
    Ok(command)
}

/// `webhook send 'URL' --scheme S --data 'BODY' -H 'name: value' …`, without
/// the signature headers of any scheme (`send` signs afresh).
pub(super) fn send_command(
    entry: &Entry,
    url: &str,
    scheme: Scheme,
) -> Result<String, &'static str> {
    let body = text_body(entry)?;
    let signature_headers: Vec<_> = capture::SIGNATURE_HEADERS
        .into_iter()
        .chain(scheme.signature_header())
        .chain(scheme.timestamp_header())
        .collect();
    let mut command = format!(
        "webhook send {} --scheme {} --data {}",
        shell_quote(url),
        scheme.name(),
        shell_quote(body)
    );
    for (name, value) in resent_headers(&entry.headers) {
        if signature_headers.iter().any(|s| s == name) {
            continue;
        }
        let value = std::str::from_utf8(value).map_err(|_| NOT_UTF8)?;
        command.push_str(&format!(" -H {}", shell_quote(&format!("{name}: {value}"))));
    }
    Ok(command)
}

/// The request as one capture line (with its verification result).
pub(super) fn capture_line(entry: &Entry) -> Result<String, &'static str> {
    if entry.body.truncated() {
        return Err(TRUNCATED);
    }
    let (path, query) = match entry.path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (entry.path.as_str(), None),
    };
    let mut record = CapturedRequest::from_parts(
        &entry.method,
        path,
        query,
        &entry.headers,
        &entry.body.bytes,
    );
    record.received_at = humantime::format_rfc3339_millis(entry.received_at).to_string();
    record.verification = entry.verification.clone();
    Ok(record.to_line())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_survive_the_shell() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
