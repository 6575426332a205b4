//! `webhook verify`: one verdict line per request checked.

use std::io::{self, Write};

use webhook_verify::Verified;

/// Writes a verdict: `valid (webhook, id evt_1)` or `invalid signature: …`,
/// prefixed by `line N: ` for a request read from a capture file.
pub(crate) fn write_verdict<W: Write + ?Sized>(
    out: &mut W,
    line: Option<usize>,
    verdict: Result<&Verified, &webhook_verify::Error>,
) -> io::Result<()> {
    if let Some(line) = line {
        write!(out, "line {line}: ")?;
    }
    match verdict {
        Ok(verified) => {
            let id = verified.event_id.as_deref().unwrap_or("-");
            writeln!(out, "valid ({}, id {id})", verified.scheme)
        }
        Err(err) => writeln!(out, "invalid signature: {err}"),
    }
}
