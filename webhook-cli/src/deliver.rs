//! `webhook deliver`: the full sender, over generated or file-read events.

use std::fs::File;
use std::io::{BufRead as _, BufReader, Read};
use std::path::Path;

use anyhow::Context as _;
use webhook_cli::capture::CapturedRequest;
use webhook_cli::sender::{Outgoing, Sender, SenderConfig};

use crate::cli::DeliverArgs;
use crate::errors::UsageError;
use crate::random_id::random_id;
use crate::target_url::parse_target_url;
use crate::templates::{self, Fill};
use crate::{Run, RunContext};
use webhook_verify::SignatureScheme as _;
use webhook_verify::{Clock as _, SystemClock};

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
        // Find the template before starting.
        let scheme = self.signing.scheme();
        let template = templates::find(scheme.name(), &self.event)?;
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
            let created = SystemClock.now_unix();
            let id_header = scheme.id_header();
            let events = (1..=count).map(move |n| {
                let id = format!("evt_{run}_{n}");
                let payload = template.payload(&Fill {
                    id: &id,
                    now: created,
                });
                let mut event = Outgoing::json(&url, id, payload.to_bytes());
                event.headers = template.headers(&payload);
                // The provider's delivery id header, where it has one (the
                // signer overwrites it where the id is signed).
                if let Some(name) = &id_header {
                    let value = http::HeaderValue::from_str(&event.id).map_err(|_| {
                        UsageError(format!("event id {:?} is not a header value", event.id))
                    })?;
                    event.headers.insert(name, value);
                }
                Ok::<_, UsageError>(event)
            });
            self.sender
                .run_engine(&sender, events, Some(count), "--count is 0", ctx)
                .await
        }?;
        tracing::debug!(?summary, "deliver finished");
        Ok(())
    }
}
