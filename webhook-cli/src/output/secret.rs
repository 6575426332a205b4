//! `webhook secret new`: the new secret, bare or as a JSON object.

use std::io::{self, Write};

use webhook_verify::Scheme;

use super::{OutputFormat, write_json};

/// Writes the secret alone on a line, or `{"scheme": …, "secret": …}`.
pub(crate) fn write_secret<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    scheme: Scheme,
    secret: &str,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => write_json(
            out,
            &serde_json::json!({ "scheme": scheme.to_string(), "secret": secret }),
        ),
        OutputFormat::Text => writeln!(out, "{secret}"),
    }
}
