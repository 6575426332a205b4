//! `webhook roundtrip`: the sender's summary, what was injected, what
//! dedupe and the handler saw, and the verdict — as aligned lines or JSON.

use std::io::{self, Write};

use serde_json::json;
use webhook_cli::sender::Summary;
use webhook_idempotency::MetricsSnapshot;
use webhook_verify::Scheme;

use super::{OutputFormat, write_json};

/// The outcome of a roundtrip run.
#[derive(Debug, Clone)]
pub(crate) struct RoundtripReport {
    /// Every event was processed exactly once.
    pub(crate) ok: bool,
    /// Events delivered (`--count`).
    pub(crate) events: u64,
    /// The signature scheme used end to end.
    pub(crate) scheme: Scheme,
    /// `"memory"` or `"redis"`.
    pub(crate) store: &'static str,
    /// Events whose handler ran once.
    pub(crate) processed_exactly_once: u64,
    /// Events whose handler never ran.
    pub(crate) lost: usize,
    /// Events whose handler ran more than once.
    pub(crate) processed_more_than_once: usize,
    /// Events sent twice on purpose.
    pub(crate) duplicate_deliveries: u64,
    /// First deliveries failed on purpose.
    pub(crate) handler_failures: u64,
    /// 2xx answers replaced by 503 after the handler ran.
    pub(crate) lost_acks: u64,
    /// The dedupe layer's counters.
    pub(crate) dedupe: MetricsSnapshot,
    /// The sender's summary.
    pub(crate) deliver: Summary,
    /// Records removed from the user's Redis at the end (`--redis` only).
    pub(crate) records_removed: Option<u64>,
}

/// Writes the report: the summary's lines and the roundtrip's, or one JSON
/// object.
pub(crate) fn write_roundtrip<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    report: &RoundtripReport,
) -> io::Result<()> {
    let metrics = &report.dedupe;
    match format {
        OutputFormat::Json => write_json(
            out,
            &json!({
                "ok": report.ok,
                "events": report.events,
                "scheme": report.scheme.to_string(),
                "store": report.store,
                "processed_exactly_once": report.processed_exactly_once,
                "lost": report.lost,
                "processed_more_than_once": report.processed_more_than_once,
                "injected": {
                    "duplicate_deliveries": report.duplicate_deliveries,
                    "handler_failures": report.handler_failures,
                    "lost_acks": report.lost_acks,
                },
                "dedupe": {
                    "processed": metrics.processed,
                    "duplicates": metrics.duplicates,
                    "in_flight_conflicts": metrics.in_flight_conflicts,
                    "released": metrics.released,
                    "store_errors": metrics.store_errors,
                },
                "deliver": report.deliver,
                "records_removed": report.records_removed,
            }),
        ),
        OutputFormat::Text => {
            super::summary::write_text(out, &report.deliver)?;
            writeln!(
                out,
                "roundtrip         {} events over {}, {} store",
                report.events, report.scheme, report.store
            )?;
            writeln!(
                out,
                "injected          {} duplicate deliveries, {} handler failures, {} lost acks",
                report.duplicate_deliveries, report.handler_failures, report.lost_acks
            )?;
            writeln!(
                out,
                "dedupe            {} completed, {} duplicates answered, {} in-flight conflicts (409), {} released, {} store errors",
                metrics.processed,
                metrics.duplicates,
                metrics.in_flight_conflicts,
                metrics.released,
                metrics.store_errors,
            )?;
            writeln!(
                out,
                "handler           {} processed exactly once, {} lost, {} processed more than once",
                report.processed_exactly_once, report.lost, report.processed_more_than_once
            )?;
            writeln!(
                out,
                "result            {}",
                if report.ok {
                    "OK: every event was processed exactly once"
                } else {
                    "FAILED"
                }
            )?;
            if let Some(removed) = report.records_removed {
                writeln!(
                    out,
                    "cleanup           {removed} records removed from Redis"
                )?;
            }
            Ok(())
        }
    }
}
