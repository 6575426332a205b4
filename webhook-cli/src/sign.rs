//! `webhook sign`: print the signature headers for a body.

use std::path::Path;

use anyhow::Context as _;
use webhook_verify::Scheme;

use crate::cli::SignArgs;
use crate::input::read_input;
use crate::output::{print_json, println_flush, shell_quote, title_case};
use crate::random_id::random_id;
use crate::{Run, RunContext};
use webhook_verify::{Clock as _, SystemClock};

impl Run for SignArgs {
    async fn run(self, _ctx: &RunContext) -> anyhow::Result<()> {
        let signer = self.signing.signer()?;
        let body = read_input(&self.input)?;
        let timestamp = self.timestamp.unwrap_or_else(|| SystemClock.now_unix());
        let id = match (&self.id, self.signing.scheme()) {
            (Some(id), _) => Some(id.clone()),
            // Standard Webhooks signs the id: one is required.
            (None, Scheme::Standard) => Some(random_id("msg_")),
            (None, _) => None,
        };
        let headers = signer
            .sign(&body, timestamp, id.as_deref())
            .context("signing the body")?;
        let pairs: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| {
                // Signature headers are built from ASCII text by the signer.
                let value = value.to_str().unwrap_or_default().to_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();

        if self.json {
            let object: serde_json::Map<String, serde_json::Value> = pairs
                .into_iter()
                .map(|(name, value)| (name, serde_json::Value::String(value)))
                .collect();
            return print_json(&object);
        }
        if let Some(url) = &self.curl {
            let mut command = format!("curl -sS -X POST {}", shell_quote(url));
            command.push_str(" -H 'Content-Type: application/json'");
            for (name, value) in &pairs {
                command.push_str(&format!(
                    " -H {}",
                    shell_quote(&format!("{}: {value}", title_case(name)))
                ));
            }
            if self.input == Path::new("-") {
                let text = std::str::from_utf8(&body)
                    .context("the body from stdin is not UTF-8: pass it as a file for --curl")?;
                command.push_str(&format!(" --data-binary {}", shell_quote(text)));
            } else {
                let path = self.input.display().to_string();
                command.push_str(&format!(
                    " --data-binary {}",
                    shell_quote(&format!("@{path}"))
                ));
            }
            return println_flush(&command).context("writing to stdout");
        }
        for (name, value) in pairs {
            println_flush(&format!("{}: {value}", title_case(&name)))
                .context("writing to stdout")?;
        }
        Ok(())
    }
}
