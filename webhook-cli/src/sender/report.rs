//! What the engine tells about each event as it finishes: an
//! [`EventReport`], written by a [`ResultsWriter`] and passed to the
//! [`Hooks`].

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::{SenderError, StopSignal, rounded};
use crate::capture::CaptureWriter;

/// What happened to one event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventReport {
    /// The event id.
    pub id: String,
    /// Attempts made (0 when the endpoint was already gone).
    pub attempts: u32,
    /// The final HTTP status, if a response came back.
    pub status: Option<u16>,
    /// Delivered (a 2xx) or not (dead-lettered).
    pub delivered: bool,
    /// Latency of the last attempt in milliseconds (µs precision).
    #[serde(serialize_with = "rounded::opt_ms")]
    pub latency_ms: Option<f64>,
    /// The last error, for undelivered events.
    pub error: Option<String>,
}

/// Writes one NDJSON [`EventReport`] per finished event.
#[derive(Debug, Clone)]
pub struct ResultsWriter {
    inner: Arc<Mutex<BufWriter<File>>>,
}

impl ResultsWriter {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> Result<Self, SenderError> {
        let file =
            File::create(path).map_err(|e| SenderError::Io(format!("{}: {e}", path.display())))?;
        Ok(Self {
            inner: Arc::new(Mutex::new(BufWriter::new(file))),
        })
    }

    pub(super) fn write(&self, report: &EventReport) -> Result<(), SenderError> {
        // Plain fields: serialization can't fail.
        let mut line = serde_json::to_vec(report).expect("reports always serialize");
        line.push(b'\n');
        // A poisoned lock means a writer panicked; the buffer is still usable.
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .write_all(&line)
            .map_err(|e| SenderError::Io(e.to_string()))
    }

    pub(super) fn flush(&self) -> Result<(), SenderError> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.flush().map_err(|e| SenderError::Io(e.to_string()))
    }
}

/// A per-event callback.
pub type OnEvent = Arc<dyn Fn(&EventReport) + Send + Sync>;

/// Where the engine reports to, all optional.
#[derive(Default)]
pub struct Hooks {
    /// Events given up are appended here (capture format, replayable).
    pub dead_letter: Option<Arc<CaptureWriter>>,
    /// One NDJSON line per finished event.
    pub results: Option<ResultsWriter>,
    /// Called once per finished event (progress bars, counters).
    pub on_event: Option<OnEvent>,
    /// Stops the run early (see [`StopSignal`]).
    pub stop: Option<StopSignal>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("dead_letter", &self.dead_letter)
            .field("results", &self.results)
            .field("on_event", &self.on_event.as_ref().map(|_| "Fn"))
            .field("stop", &self.stop)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_one_json_line_per_event() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.ndjson");
        let writer = ResultsWriter::create(&path).unwrap();
        let report = EventReport {
            id: "evt_1".to_owned(),
            attempts: 2,
            status: Some(200),
            delivered: true,
            latency_ms: Some(0.461_925_000_000_000_03),
            error: None,
        };
        writer.write(&report).unwrap();
        writer.flush().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"id\":\"evt_1\",\"attempts\":2,\"status\":200,\"delivered\":true,\
             \"latency_ms\":0.462,\"error\":null}\n"
        );
    }
}
