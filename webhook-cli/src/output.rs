//! Output helpers and the error types `main` maps to exit codes.

use std::io::{self, Read, Write};
use std::path::Path;

use anyhow::Context as _;
use http::{HeaderMap, HeaderName, HeaderValue};

/// A usage error found after parsing (no secret, a bad header): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(pub(crate) String);

/// The command ran and the answer is "no" (invalid signature, non-2xx,
/// undelivered events): exit code 1, message on stderr.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Failure(pub(crate) String);

/// The user stopped the run (Ctrl-C, SIGTERM): exit code 130, after the
/// summary and the output files were written for what was sent.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Interrupted(pub(crate) String);

/// Whether `err` comes from writing to a pipe whose reader went away.
pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes, each said once (see
/// [`error_chain`](webhook_cli::error_chain::error_chain)).
pub(crate) fn describe(err: &anyhow::Error) -> String {
    webhook_cli::error_chain::error_chain(err.as_ref())
}

/// Reads a body from a file, or stdin for `-`.
pub(crate) fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut body = Vec::new();
        io::stdin()
            .read_to_end(&mut body)
            .context("reading the body from stdin")?;
        Ok(body)
    } else {
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))
    }
}

/// Parses `Name: value` header arguments.
pub(crate) fn parse_headers(args: &[String]) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::with_capacity(args.len());
    for arg in args {
        let Some((name, value)) = arg.split_once(':') else {
            return Err(UsageError(format!("header {arg:?} is not 'Name: value'")).into());
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| UsageError(format!("invalid header name in {arg:?}")))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| UsageError(format!("invalid header value for {name}")))?;
        headers.append(name, value);
    }
    Ok(headers)
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

/// A random id with a prefix, e.g. `evt_4f9c…` (16 random bytes, hex).
pub(crate) fn random_id(prefix: &str) -> String {
    let bytes: [u8; 12] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_reject() {
        let headers = parse_headers(&["X-A: 1".to_owned(), "x-a:2".to_owned()]).unwrap();
        assert_eq!(headers.get_all("x-a").iter().count(), 2);
        assert!(parse_headers(&["nocolon".to_owned()]).is_err());
        assert!(parse_headers(&["bad name: 1".to_owned()]).is_err());
    }

    #[test]
    fn causes_are_said_once() {
        let io = io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        #[derive(Debug, thiserror::Error)]
        #[error("store unavailable: {0}")]
        struct Wrapper(#[source] io::Error);
        let err = anyhow::Error::new(Wrapper(io)).context("connecting to Redis");
        assert_eq!(
            describe(&err),
            "connecting to Redis: store unavailable: Connection refused (os error 111)"
        );
        let pipe =
            anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert!(is_broken_pipe(&pipe));
        assert!(!is_broken_pipe(&err));
    }

    #[test]
    fn title_and_quote() {
        assert_eq!(title_case("x-hub-signature-256"), "X-Hub-Signature-256");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
