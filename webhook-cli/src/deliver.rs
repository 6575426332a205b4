//! `webhook deliver`: the full sender, over generated or file-read events.

use std::fs::File;
use std::io::{BufRead as _, BufReader, Read};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use webhook_cli::capture::{CaptureWriter, CapturedRequest};
use webhook_cli::sender::{
    self, Backoff, Hooks, Outgoing, ResultsWriter, Sender, SenderConfig, StopSignal, Summary,
};

use crate::cli::{DeliverArgs, RetryArgs, SenderArgs};
use crate::errors::{Failure, Interrupted, UsageError};
use crate::output::{print_json, println_flush};
use crate::progress;
use crate::random_id::random_id;
use crate::signals::stop_on_interrupt;
use crate::target_url::parse_target_url;
use crate::templates::template;
use crate::{Run, RunContext};
use webhook_verify::{Clock as _, SystemClock};

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
        if self.json {
            print_json(&summary)?;
        } else {
            println_flush(&summary.to_string()).context("writing to stdout")?;
        }
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

/// How many "not a JSON object" warnings `--from` prints before it only
/// counts them.
const MAX_SHAPE_WARNINGS: usize = 5;

/// The events of `--from FILE`: capture records are resent (re-signed),
/// other lines are event bodies sent byte-exact. A line that is not a JSON
/// object is still sent byte-exact (with a generated id), and warned about.
fn events_from_file(
    file: Box<dyn Read + Send>,
    url: reqwest::Url,
    run: String,
) -> impl Iterator<Item = anyhow::Result<Outgoing>> + Send + 'static {
    let mut odd_lines = 0usize;
    BufReader::new(file)
        .lines()
        .enumerate()
        .filter(|(_, line)| !matches!(line, Ok(l) if l.trim().is_empty()))
        .map(move |(index, line)| {
            let number = index + 1;
            let line = line.with_context(|| format!("reading line {number}"))?;
            let fallback = || format!("evt_{run}_{number}");
            if line.contains("\"body_b64\"") {
                let record =
                    CapturedRequest::from_line(&line).with_context(|| format!("line {number}"))?;
                return Outgoing::from_capture(&record, url.clone(), true, fallback)
                    .with_context(|| format!("line {number}"));
            }
            let object = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&line);
            let id = webhook_cli::capture::event_id(&http::HeaderMap::new(), line.as_bytes())
                .unwrap_or_else(fallback);
            if object.is_err() {
                odd_lines += 1;
                if odd_lines <= MAX_SHAPE_WARNINGS {
                    tracing::warn!(
                        "--from line {number} is not a JSON object: sent byte-exact as the body, \
                         as event {id}{}",
                        if odd_lines == MAX_SHAPE_WARNINGS {
                            " (further such lines are not reported)"
                        } else {
                            ""
                        }
                    );
                }
            }
            Ok(Outgoing::json(&url, id, line))
        })
}

impl Run for DeliverArgs {
    async fn run(self, ctx: &RunContext) -> anyhow::Result<()> {
        let url = parse_target_url(&self.url, "URL")?;
        // Check the template name before starting.
        template(&self.event, "evt", 0)?;
        let config = SenderConfig {
            signer: Some(self.signing.signer()?),
            max_attempts: self.retry.max_attempts,
            backoff: self.retry.backoff(),
            tls: self.tls.options(ctx)?,
            ..self.sender.config()
        };
        let sender = Sender::new(config)?;
        let run = random_id("")[..8].to_owned();
        let summary = if let Some(path) = &self.from {
            let file: Box<dyn Read + Send> = if path == Path::new("-") {
                Box::new(std::io::stdin())
            } else {
                Box::new(File::open(path).with_context(|| format!("opening {}", path.display()))?)
            };
            let events = events_from_file(file, url, run);
            let nothing = format!("no event in {}", path.display());
            self.sender
                .run_engine(&sender, events, None, &nothing, ctx)
                .await
        } else {
            let count = self.count.unwrap_or(1000);
            let kind = self.event.clone();
            let created = SystemClock.now_unix();
            let events = (1..=count).map(move |n| {
                let id = format!("evt_{run}_{n}");
                let value = template(&kind, &id, created)?;
                // A serde_json::Value always serializes.
                let body = serde_json::to_vec(&value).expect("JSON values serialize");
                Ok::<_, UsageError>(Outgoing::json(&url, id, body))
            });
            self.sender
                .run_engine(&sender, events, Some(count), "--count is 0", ctx)
                .await
        }?;
        tracing::debug!(?summary, "deliver finished");
        Ok(())
    }
}
