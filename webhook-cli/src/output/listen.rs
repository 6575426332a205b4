//! `webhook listen`: the readiness line, then a line per finished request
//! ([`RequestLog`]), as text or JSON.
//!
//! The text line:
//!
//! ```text
//! POST /hooks id=evt_1 sig=ok new -> 200 (0.4 ms)
//! POST /hooks id?=evt_2 sig=invalid(no signature matched: …) -> 401 (0.2 ms)
//! POST /hooks id?=evt_3 -> 200 (0.3 ms)
//! POST /hooks id=- refused(payload too large: limit is 1048576 bytes) -> 413 (0.1 ms)
//! POST /hooks id?=evt_4 type=invoice.paid -> 500 (3.2 ms) → http://127.0.0.1:4000/billing 200 (1.1 ms) → http://127.0.0.1:4001/all 500 (2.9 ms)
//! POST /hooks id?=evt_5 type=customer.created -> 200 (0.2 ms) → no route matched
//! ```
//!
//! - `id=` is an event id the signature vouches for: the request verified,
//!   and the id is the scheme's signed id header (Standard Webhooks'
//!   `webhook-id`) or the signed body's `"id"`.
//! - `id?=` is a *claimed* id, which anyone could have written: taken from
//!   the id headers or the body of a request that was not verified (no
//!   `--verify`, a rejected signature, a refused body), or from an id header
//!   the scheme does not sign. `id=-`: no id at all.
//! - `type=` is the event type the request announces, when it names one
//!   (always a claim: see [`event_type`](webhook_cli::event_type)).
//! - `sig=` is the verification result (absent without verification),
//!   `refused(…)` says why the body itself was refused (413, 408, 400 before
//!   verification), then the dedupe outcome, the status and the latency.
//! - With forwarding, `→ TARGET STATUS (LATENCY)` per matching route, in
//!   route order (`→ TARGET failed(…)` when the target could not be
//!   reached), or `→ no route matched`. With `-v`, each target's response
//!   body follows on a line of its own, `  ↳ TARGET: BODY` (escaped like
//!   request text; `… (truncated)` past 64 KiB).
//! - Everything taken from the request (method, path, id, error text) is
//!   printed with control characters escaped, so a client can neither start
//!   a line of its own nor send escape sequences to the terminal: `\r`,
//!   `\n`, `\t`, a backslash as `\\`, the other C0 characters and DEL as
//!   `\xNN`, C1 characters (`\u{9b}`), the Unicode line separators and the
//!   bidirectional controls (`\u{202e}`) as `\u{…}`. Spaces in the method,
//!   path and id are printed as `\x20`, so each stays one field.
//!
//! The JSON line has the same fields, with `event_id_verified` telling the
//! two kinds of id apart, plus `event_type` and `forwards` (each target's
//! status or error, latency, response headers and body) whatever `-v` says. serde_json escapes C0 characters in strings; DEL,
//! C1 and the other characters the text form escapes are escaped too
//! (`\u007f`, `\u009b`, `\u202e`), so the line is as safe to print on a
//! terminal as the text form.

use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::net::SocketAddr;

use webhook_cli::capture::StoredValue;
use webhook_cli::receiver::{ForwardLog, RequestLog};

use super::OutputFormat;

/// Writes the readiness line scripts wait for: `listening on http://ADDR`,
/// or `{"listening":"http://ADDR"}`.
pub(crate) fn write_listening<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    bound: SocketAddr,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => writeln!(
            out,
            "{}",
            serde_json::json!({ "listening": format!("http://{bound}") })
        ),
        OutputFormat::Text => writeln!(out, "listening on http://{bound}"),
    }
}

/// Writes the inspector's readiness line (`listen --ui`), after
/// [`write_listening`]: `inspector on http://ADDR/_webhook/`, or
/// `{"inspector":"http://ADDR/_webhook/"}`.
pub(crate) fn write_inspector_url<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    bound: SocketAddr,
) -> io::Result<()> {
    let url = format!("http://{bound}{}/", webhook_cli::inspector::PREFIX);
    match format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::json!({ "inspector": url })),
        OutputFormat::Text => writeln!(out, "inspector on {url}"),
    }
}

/// Writes one finished request as a line (see the module docs); in text,
/// with `bodies` (`-v`), the forwarding targets' response bodies on lines
/// of their own.
pub(crate) fn write_request_log<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    log: &RequestLog,
    bodies: bool,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => writeln!(out, "{}", json_line(log)?),
        OutputFormat::Text => {
            writeln!(out, "{}", TextLine(log))?;
            if bodies {
                for forward in &log.forwards {
                    if let Some(body) = &forward.body {
                        writeln!(out, "{}", BodyLine { forward, body })?;
                    }
                }
            }
            Ok(())
        }
    }
}

/// The log as one compact JSON object, with the characters a terminal acts
/// on escaped.
fn json_line(log: &RequestLog) -> io::Result<String> {
    let json = serde_json::to_string(log)?;
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
    Ok(escaped)
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

/// Writes request-supplied text with control characters escaped (see the
/// module docs); with `token`, spaces too.
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

/// The text line of a [`RequestLog`], without the newline.
struct TextLine<'a>(&'a RequestLog);

impl fmt::Display for TextLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let log = self.0;
        write!(f, "{} {}", token(&log.method), token(&log.path))?;
        match (&log.event_id, log.event_id_verified) {
            (None, _) => write!(f, " id=-")?,
            (Some(id), true) => write!(f, " id={}", token(id))?,
            (Some(id), false) => write!(f, " id?={}", token(id))?,
        }
        if let Some(event_type) = &log.event_type {
            write!(f, " type={}", token(event_type))?;
        }
        match (&log.refused, &log.verification) {
            (Some(reason), _) => write!(f, " refused({})", free_text(reason))?,
            (None, None) => {}
            (None, Some(v)) if v.ok => write!(f, " sig=ok")?,
            (None, Some(v)) => write!(
                f,
                " sig=invalid({})",
                free_text(v.error.as_deref().unwrap_or("?"))
            )?,
        }
        if let Some(dedupe) = log.dedupe {
            write!(f, " {dedupe}")?;
        }
        write!(f, " -> {} ({:.1} ms)", log.status, log.latency_ms)?;
        for forward in &log.forwards {
            write!(f, " → {}", token(&forward.target))?;
            match (forward.status, &forward.error) {
                (Some(status), _) => write!(f, " {status}")?,
                (None, error) => {
                    write!(f, " failed({})", free_text(error.as_deref().unwrap_or("?")))?
                }
            }
            write!(f, " ({:.1} ms)", forward.latency_ms)?;
        }
        if log.no_route_matched {
            write!(f, " → no route matched")?;
        }
        Ok(())
    }
}

/// A forwarding target's response body, on a line of its own (`-v`).
struct BodyLine<'a> {
    forward: &'a ForwardLog,
    body: &'a StoredValue,
}

impl fmt::Display for BodyLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "  ↳ {}: ", token(&self.forward.target))?;
        match self.body {
            StoredValue::Text(text) => write!(f, "{}", free_text(text))?,
            StoredValue::Bytes { b64 } => write!(f, "(not UTF-8, base64) {b64}")?,
        }
        if self.forward.body_truncated {
            write!(f, " … (truncated)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use webhook_cli::capture::VerificationRecord;

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
            event_type: None,
            forwards: Vec::new(),
            no_route_matched: false,
        }
    }

    fn render(format: OutputFormat, log: &RequestLog) -> String {
        let mut out = Vec::new();
        write_request_log(&mut out, format, log, false).unwrap();
        let line = String::from_utf8(out).unwrap();
        line.strip_suffix('\n').unwrap().to_owned()
    }

    #[test]
    fn a_verified_id_prints_as_before_and_a_claimed_one_is_marked() {
        assert_eq!(
            render(OutputFormat::Text, &log(Some("evt_1"), true)),
            "POST /hooks id=evt_1 sig=ok new -> 200 (0.4 ms)"
        );
        assert_eq!(
            render(OutputFormat::Text, &log(Some("evt_1"), false)),
            "POST /hooks id?=evt_1 sig=invalid(no signature matched) -> 401 (0.4 ms)"
        );
        assert_eq!(
            render(OutputFormat::Text, &log(None, false)),
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
        let line = render(OutputFormat::Text, &forged);
        assert_eq!(
            line,
            r"POST /a\u{9b}b id?=x\r\nPOST\x20/admin\x20id=evt\x20sig=ok\x1b[2J\u{9b}1m\x7f\t\\\u{202e}\u{85}é refused(bad\nthing) -> 401 (0.4 ms)"
        );
        assert!(!line.chars().any(is_unprintable), "{line:?}");
    }

    #[test]
    fn the_json_form_escapes_what_serde_json_leaves_raw() {
        let id = "x\r\n\x1b[2J\u{9b}\u{7f}\u{202e}é";
        let json = render(OutputFormat::Json, &log(Some(id), false));
        assert!(!json.chars().any(is_unprintable), "{json:?}");
        assert!(json.contains(r"\u009b") && json.contains(r"\u007f") && json.contains(r"\u202e"));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["event_id"], id);
        assert_eq!(back["event_id_verified"], false);
    }

    #[test]
    fn the_readiness_line() {
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let mut text = Vec::new();
        write_listening(&mut text, OutputFormat::Text, addr).unwrap();
        assert_eq!(text, b"listening on http://127.0.0.1:8080\n");
        let mut json = Vec::new();
        write_listening(&mut json, OutputFormat::Json, addr).unwrap();
        assert_eq!(json, b"{\"listening\":\"http://127.0.0.1:8080\"}\n");
        let mut ui = Vec::new();
        write_inspector_url(&mut ui, OutputFormat::Text, addr).unwrap();
        assert_eq!(ui, b"inspector on http://127.0.0.1:8080/_webhook/\n");
        let mut ui_json = Vec::new();
        write_inspector_url(&mut ui_json, OutputFormat::Json, addr).unwrap();
        assert_eq!(
            ui_json,
            b"{\"inspector\":\"http://127.0.0.1:8080/_webhook/\"}\n"
        );
    }
}
