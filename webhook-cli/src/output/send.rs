//! `webhook send`: the response to the one request.

use std::io::{self, Write};
use std::time::Duration;

use http::StatusCode;

use super::{OutputFormat, write_json};
use crate::templates::Template;

/// What `send` got back.
#[derive(Debug, Clone)]
pub(crate) struct SendReport {
    /// The event id signed.
    pub(crate) id: String,
    /// The status answered.
    pub(crate) status: StatusCode,
    /// From sending the request to the end of the response body.
    pub(crate) latency: Duration,
    /// Whether an idempotency layer answered with its recorded response.
    pub(crate) replayed: bool,
    /// The response body (lossy UTF-8).
    pub(crate) body: String,
}

/// Writes `200 OK  1.2 ms  id evt_1` and the body, or one JSON object.
pub(crate) fn write_send<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    report: &SendReport,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => write_json(
            out,
            &serde_json::json!({
                "id": report.id,
                "status": report.status.as_u16(),
                // Measured in µs: three decimals of a millisecond.
                "latency_ms": (report.latency.as_secs_f64() * 1e6).round() / 1e3,
                "replayed": report.replayed,
                "body": report.body,
            }),
        ),
        OutputFormat::Text => {
            writeln!(
                out,
                "{} {}  {:.1} ms  id {}{}",
                report.status.as_u16(),
                report.status.canonical_reason().unwrap_or(""),
                report.latency.as_secs_f64() * 1000.0,
                report.id,
                if report.replayed {
                    "  (replayed duplicate)"
                } else {
                    ""
                }
            )?;
            if !report.body.is_empty() {
                writeln!(out, "{}", report.body)?;
            }
            Ok(())
        }
    }
}

/// `send --list-events`: one template per line, `SCHEME EVENT ABOUT` in
/// aligned columns (`any` for the generic ones), or a JSON array.
pub(crate) fn write_event_list<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    templates: &[Template],
) -> io::Result<()> {
    let scheme = |t: &Template| t.scheme.unwrap_or("any");
    if format == OutputFormat::Json {
        let list: Vec<_> = templates
            .iter()
            .map(|t| serde_json::json!({"scheme": scheme(t), "event": t.event, "about": t.about}))
            .collect();
        return write_json(out, &serde_json::Value::Array(list));
    }
    let width = |f: fn(&Template) -> &str| templates.iter().map(|t| f(t).len()).max();
    let scheme_width = width(|t| t.scheme.unwrap_or("any")).unwrap_or(0).max(6);
    let event_width = width(|t| t.event).unwrap_or(0);
    writeln!(
        out,
        "{:scheme_width$}  {:event_width$}  ABOUT",
        "SCHEME", "EVENT"
    )?;
    for t in templates {
        writeln!(
            out,
            "{:scheme_width$}  {:event_width$}  {}",
            scheme(t),
            t.event,
            t.about
        )?;
    }
    Ok(())
}
