//! Everything the commands print as data on stdout, in one place: the
//! output format ([`OutputFormat`], chosen by `--json`) and a function per
//! report that writes it to any [`Write`], so tests render into a `Vec<u8>`.
//! Progress and diagnostics go to stderr elsewhere.
//!
//! | file | renders |
//! |---|---|
//! | `sign.rs` | `sign`: the signature headers, or a curl command |
//! | `verify.rs` | `verify`: one verdict line per request |
//! | `send.rs` | `send`: the response |
//! | `listen.rs` | `listen`: the readiness line and a line per request |
//! | `summary.rs` | `deliver`, `replay`: the sender's summary |
//! | `roundtrip.rs` | `roundtrip`: the summary and the exactly-once check |
//! | `secret.rs` | `secret new`: the secret |

use std::io::{self, Write};

use anyhow::Context as _;

use crate::cli::OutputArgs;

mod listen;
mod roundtrip;
mod secret;
mod send;
mod sign;
mod summary;
mod verify;

pub(crate) use listen::{write_inspector_url, write_listening, write_request_log};
pub(crate) use roundtrip::{RoundtripReport, write_roundtrip};
pub(crate) use secret::write_secret;
pub(crate) use send::{SendReport, write_event_list, write_send};
pub(crate) use sign::{CurlData, write_curl, write_signature_headers};
pub(crate) use summary::write_summary;
pub(crate) use verify::write_verdict;

/// How a command prints its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputFormat {
    /// Lines for people (the default).
    Text,
    /// JSON (`--json`).
    Json,
}

impl OutputArgs {
    /// The format `--json` asks for.
    pub(crate) fn format(self) -> OutputFormat {
        if self.json {
            OutputFormat::Json
        } else {
            OutputFormat::Text
        }
    }
}

/// Renders onto stdout and flushes, so every line is out before the command
/// goes on (readiness lines, per-request lines).
pub(crate) fn print(render: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    render(&mut out)
        .and_then(|()| out.flush())
        .context("writing to stdout")
}

/// Writes `value` as pretty JSON and a newline.
fn write_json<W: Write + ?Sized>(out: &mut W, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}
