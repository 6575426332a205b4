//! Writing data on stdout: a line at a time, flushed, or a value as JSON.

use std::io::{self, Write};

use anyhow::Context as _;

/// Writes a line to stdout and flushes it (readiness lines, per-request lines).
pub(crate) fn println_flush(line: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Prints a value as pretty JSON on stdout.
pub(crate) fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value).context("serializing output")?;
    println_flush(&text).context("writing to stdout")
}

/// Quotes `text` for a POSIX shell.
pub(crate) fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `x-hub-signature-256` → `X-Hub-Signature-256`, for display.
pub(crate) fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_and_quote() {
        assert_eq!(title_case("x-hub-signature-256"), "X-Hub-Signature-256");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
