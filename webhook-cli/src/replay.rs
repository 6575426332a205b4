//! `webhook replay`: resend captured requests byte-exact.

use anyhow::Context as _;
use reqwest::Url;
use webhook_cli::capture::{self, CapturedRequest};
use webhook_cli::sender::{Outgoing, Sender, SenderConfig};

use crate::cli::ReplayArgs;
use crate::errors::UsageError;
use crate::random_id::random_id;
use crate::target_url::parse_target_url;
use crate::{Run, RunContext};

/// One `--select` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Filter {
    Lines(usize, usize),
    Id(String),
    Path(String),
    Failed,
    Ok,
}

impl Filter {
    fn parse(text: &str) -> Result<Self, UsageError> {
        let bad = || {
            UsageError(format!(
                "--select {text:?}: expected N, N-M, id=ID, path=PATH, failed or ok"
            ))
        };
        if let Some(id) = text.strip_prefix("id=") {
            return Ok(Self::Id(id.to_owned()));
        }
        if let Some(path) = text.strip_prefix("path=") {
            return Ok(Self::Path(path.to_owned()));
        }
        match text {
            "failed" => return Ok(Self::Failed),
            "ok" => return Ok(Self::Ok),
            _ => {}
        }
        let (from, to) = text.split_once('-').unwrap_or((text, text));
        let from = from.trim().parse().map_err(|_| bad())?;
        let to = to.trim().parse().map_err(|_| bad())?;
        if from == 0 || to < from {
            return Err(bad());
        }
        Ok(Self::Lines(from, to))
    }

    fn matches(&self, line: usize, record: &CapturedRequest, id: &str) -> bool {
        match self {
            Self::Lines(from, to) => (*from..=*to).contains(&line),
            Self::Id(wanted) => wanted == id,
            Self::Path(path) => &record.path == path,
            Self::Failed => record.verification.as_ref().is_some_and(|v| !v.ok),
            Self::Ok => record.verification.as_ref().is_some_and(|v| v.ok),
        }
    }
}

/// Where a record goes: `--to` as given, else `http://` + the captured
/// `Host` header + the captured path and query.
fn target_url(to: Option<&Url>, record: &CapturedRequest) -> anyhow::Result<Url> {
    if let Some(to) = to {
        return Ok(to.clone());
    }
    let host = record
        .headers
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case("host"))
        .and_then(|h| h.value_bytes().ok())
        .and_then(|v| String::from_utf8(v).ok())
        .ok_or_else(|| UsageError("the capture has no Host header: pass --to URL".to_owned()))?;
    let url = format!("http://{host}{}", record.path_and_query());
    url.parse()
        .map_err(|e| UsageError(format!("invalid target URL {url:?}: {e}")).into())
}

impl Run for ReplayArgs {
    async fn run(self, ctx: &RunContext) -> anyhow::Result<()> {
        let filters = self
            .select
            .iter()
            .map(|s| Filter::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let signer = if self.verbatim {
            None
        } else {
            Some(self.signing.signer()?)
        };
        let to = self
            .to
            .as_deref()
            .map(|to| parse_target_url(to, "--to"))
            .transpose()?;
        let config = SenderConfig {
            signer,
            max_attempts: self.max_attempts,
            tls: self.tls.options(ctx)?,
            ..self.sender.config()
        };
        let sender = Sender::new(config)?;
        let records = capture::read_file(&self.capture)
            .with_context(|| format!("opening {}", self.capture.display()))?;
        let verbatim = self.verbatim;
        let events = records.filter_map(move |item| {
            let (line, record) = match item {
                Ok(item) => item,
                Err(err) => return Some(Err(anyhow::Error::from(err))),
            };
            let result = (|| {
                let url = target_url(to.as_ref(), &record)?;
                let outgoing =
                    Outgoing::from_capture(&record, url, !verbatim, || random_id("evt_"))
                        .with_context(|| format!("line {line}"))?;
                Ok::<_, anyhow::Error>(outgoing)
            })();
            match result {
                Ok(outgoing) => {
                    let selected = filters.is_empty()
                        || filters
                            .iter()
                            .any(|f| f.matches(line, &record, &outgoing.id));
                    selected.then_some(Ok(outgoing))
                }
                Err(err) => Some(Err(err)),
            }
        });
        let nothing = if self.select.is_empty() {
            format!("no captured request in {}", self.capture.display())
        } else {
            format!(
                "no captured request in {} matched --select {}",
                self.capture.display(),
                self.select.join(" --select ")
            )
        };
        self.sender
            .run_engine(&sender, events, None, &nothing, ctx)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse() {
        assert_eq!(Filter::parse("3").unwrap(), Filter::Lines(3, 3));
        assert_eq!(Filter::parse("2-5").unwrap(), Filter::Lines(2, 5));
        assert_eq!(
            Filter::parse("id=evt_1").unwrap(),
            Filter::Id("evt_1".to_owned())
        );
        assert_eq!(Filter::parse("failed").unwrap(), Filter::Failed);
        for bad in ["0", "5-2", "x", "1-"] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
