//! `webhook deliver` and `webhook replay`: the sender's [`Summary`], as
//! aligned lines or JSON.

use std::io::{self, Write};

use webhook_cli::sender::Summary;

use super::{OutputFormat, write_json};

/// Writes the summary: a line per figure, or the JSON object.
pub(crate) fn write_summary<W: Write + ?Sized>(
    out: &mut W,
    format: OutputFormat,
    summary: &Summary,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => write_json(out, summary),
        OutputFormat::Text => write_text(out, summary),
    }
}

/// The text lines, each ending in a newline (also the top of the
/// roundtrip's report).
pub(super) fn write_text<W: Write + ?Sized>(out: &mut W, summary: &Summary) -> io::Result<()> {
    writeln!(out, "sent              {}", summary.sent)?;
    writeln!(out, "requests          {}", summary.requests)?;
    writeln!(
        out,
        "delivered         {} ({} first try, {} eventually)",
        summary.delivered, summary.delivered_first_try, summary.delivered_eventually
    )?;
    writeln!(
        out,
        "duplicates        {} (answered from the receiver's idempotency record)",
        summary.replayed
    )?;
    writeln!(out, "retried           {}", summary.retried)?;
    let why = match (summary.endpoint_gone, summary.interrupted) {
        (true, _) => " (endpoint answered 410 Gone: stopped)",
        (false, true) => " (interrupted: accepted but not delivered)",
        (false, false) => "",
    };
    writeln!(out, "dead-lettered     {}{why}", summary.dead_lettered)?;
    let statuses = summary
        .statuses
        .iter()
        .map(|(status, count)| format!("{status}: {count}"))
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(out, "statuses          {statuses}")?;
    let l = &summary.latency_ms;
    writeln!(
        out,
        "latency           p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        l.p50, l.p90, l.p99, l.max
    )?;
    match (summary.events_per_s, summary.requests_per_s) {
        (Some(events), Some(requests)) => writeln!(
            out,
            "throughput        {events:.0} events/s, {requests:.0} requests/s over {:.2} s",
            summary.elapsed_s
        ),
        _ => writeln!(
            out,
            "throughput        n/a (the run took {:.3} s: too short for a rate)",
            summary.elapsed_s
        ),
    }
}

#[cfg(test)]
mod tests {
    use webhook_cli::sender::Latency;

    use super::*;

    fn sample() -> Summary {
        Summary {
            sent: 3,
            requests: 5,
            delivered: 2,
            delivered_first_try: 1,
            delivered_eventually: 1,
            replayed: 1,
            retried: 1,
            dead_lettered: 1,
            endpoint_gone: false,
            interrupted: true,
            statuses: [("200".to_owned(), 2), ("503".to_owned(), 3)].into(),
            latency_ms: Latency {
                p50: 1.0,
                p90: 2.5,
                p99: 3.0,
                max: 4.0,
            },
            elapsed_s: 1.5,
            events_per_s: Some(1.333),
            requests_per_s: Some(3.333),
        }
    }

    #[test]
    fn the_text_summary() {
        let mut out = Vec::new();
        write_summary(&mut out, OutputFormat::Text, &sample()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "sent              3\n\
             requests          5\n\
             delivered         2 (1 first try, 1 eventually)\n\
             duplicates        1 (answered from the receiver's idempotency record)\n\
             retried           1\n\
             dead-lettered     1 (interrupted: accepted but not delivered)\n\
             statuses          200: 2, 503: 3\n\
             latency           p50 1.00 ms, p90 2.50 ms, p99 3.00 ms, max 4.00 ms\n\
             throughput        1 events/s, 3 requests/s over 1.50 s\n"
        );
        let short = Summary {
            events_per_s: None,
            ..sample()
        };
        let mut out = Vec::new();
        write_summary(&mut out, OutputFormat::Text, &short).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with("throughput        n/a (the run took 1.500 s: too short for a rate)\n"),
            "{text}"
        );
    }

    #[test]
    fn the_json_summary_is_the_serialized_struct() {
        let mut out = Vec::new();
        write_summary(&mut out, OutputFormat::Json, &sample()).unwrap();
        let expected = serde_json::to_string_pretty(&sample()).unwrap() + "\n";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
