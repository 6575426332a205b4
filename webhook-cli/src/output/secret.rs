//! `webhook secret new`: the new secret, bare or as a JSON object.

use std::io::{self, Write};

use webhook_verify::Scheme;

use super::{OutputFormat, write_json};
use crate::secret_new::NewKey;

/// Writes a shared secret alone on a line, or `{"scheme": …, "secret":
/// …}`; a key pair as two lines, `public KEY` (for the receiver's
/// `--secret`) and `private KEY` (for the sender's), or `{"scheme": …,
/// "public": …, "private": …}`.
pub(crate) fn write_secret<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    scheme: Scheme,
    key: &NewKey,
) -> io::Result<()> {
    match (format, key) {
        (OutputFormat::Json, NewKey::Shared(secret)) => write_json(
            out,
            &serde_json::json!({ "scheme": scheme.to_string(), "secret": secret }),
        ),
        (OutputFormat::Json, NewKey::Pair(pair)) => write_json(
            out,
            &serde_json::json!({
                "scheme": scheme.to_string(),
                "public": pair.verifying(),
                "private": pair.signing(),
            }),
        ),
        (OutputFormat::Text, NewKey::Shared(secret)) => writeln!(out, "{secret}"),
        (OutputFormat::Text, NewKey::Pair(pair)) => {
            writeln!(out, "public {}", pair.verifying())?;
            writeln!(out, "private {}", pair.signing())
        }
    }
}
