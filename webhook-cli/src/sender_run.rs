//! The sender options shared by `deliver` and `replay` ([`SenderArgs`],
//! [`RetryArgs`]) turned into the engine's configuration, and the run of the
//! engine with their outputs: dead letters, results, progress, the summary
//! and the error that decides the exit code.

use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use webhook_cli::capture::CaptureWriter;
use webhook_cli::sender::{
    self, Backoff, Hooks, Outgoing, ResultsWriter, Sender, SenderConfig, StopSignal, Summary,
};

use crate::RunContext;
use crate::cli::{RetryArgs, SenderArgs};
use crate::errors::{Failure, Interrupted};
use crate::output::{self, write_summary};
use crate::progress;
use crate::signals::stop_on_interrupt;

impl RetryArgs {
    pub(crate) fn backoff(&self) -> Backoff {
        Backoff {
            kind: self.backoff.into(),
            initial: self.initial,
            max: self.max,
            jitter: self.jitter,
        }
    }
}

impl SenderArgs {
    pub(crate) fn config(&self) -> SenderConfig {
        SenderConfig {
            concurrency: self.concurrency.max(1),
            rate: self.rate,
            burst: self.burst,
            timeout: self.timeout,
            ..SenderConfig::default()
        }
    }

    /// Runs the engine with this command's outputs (dead letters, results,
    /// progress), prints the summary, and fails when events were not delivered.
    /// `nothing` names what was expected when the source yields no event at
    /// all (an error, exit 1: doing nothing silently looks like success).
    pub(crate) async fn run_engine<I, E>(
        &self,
        sender: &Sender,
        events: I,
        total: Option<u64>,
        nothing: &str,
        ctx: &RunContext,
    ) -> anyhow::Result<Summary>
    where
        I: IntoIterator<Item = Result<Outgoing, E>>,
        I::IntoIter: Send + 'static,
        E: std::fmt::Display,
    {
        let dead_letter = match &self.dead_letter {
            Some(path) => Some(Arc::new(
                CaptureWriter::append(path).context("opening the dead-letter file")?,
            )),
            None => None,
        };
        let results = match &self.results {
            Some(path) => Some(ResultsWriter::create(path).context("creating the results file")?),
            None => None,
        };
        let bar = progress::bar(total, ctx.quiet);
        // The first reason an event was not delivered, for the error line
        // (a refused certificate, a refused connection, …).
        let first_error = Arc::new(OnceLock::new());
        let on_event = {
            let bar = bar.clone();
            let first_error = Arc::clone(&first_error);
            Arc::new(move |report: &sender::EventReport| {
                bar.inc(1);
                if let Some(error) = report.error.as_ref().filter(|_| !report.delivered) {
                    let _ = first_error.set(error.clone());
                }
            })
        };
        let stop = StopSignal::new();
        let hooks = Hooks {
            dead_letter,
            results,
            on_event: Some(on_event),
            stop: Some(stop.clone()),
        };
        let signals = stop_on_interrupt(stop);
        let summary = sender.run(events, hooks).await;
        signals.abort();
        // Cleared on every path, so no half-drawn bar is left behind.
        bar.finish_and_clear();
        let summary = summary?;
        if summary.sent == 0 && !summary.interrupted {
            return Err(Failure(format!("nothing to send: {nothing}")).into());
        }
        output::print(|out| write_summary(out, self.output.format(), &summary))?;
        if summary.interrupted {
            let whereto = self
                .dead_letter
                .as_ref()
                .map(|p| format!(" (written to {})", p.display()))
                .unwrap_or_default();
            return Err(Interrupted(format!(
                "interrupted: {} event(s) delivered, {} accepted but not delivered{whereto}",
                summary.delivered, summary.dead_lettered
            ))
            .into());
        }
        if summary.dead_lettered > 0 {
            let whereto = self
                .dead_letter
                .as_ref()
                .map(|p| format!(" (written to {})", p.display()))
                .unwrap_or_default();
            let reason = first_error
                .get()
                .map(|e| format!("; first error: {e}"))
                .unwrap_or_default();
            return Err(Failure(format!(
                "{} of {} event(s) not delivered{whereto}{reason}",
                summary.dead_lettered, summary.sent
            ))
            .into());
        }
        Ok(summary)
    }
}
