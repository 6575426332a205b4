//! `webhook sign`: print the signature headers for a body.

use std::path::Path;

use anyhow::Context as _;
use webhook_verify::Scheme;

use crate::cli::SignArgs;
use crate::input::read_input;
use crate::output::{self, CurlData, write_curl, write_signature_headers};
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

        let format = self.output.format();
        let Some(url) = &self.curl else {
            return output::print(|out| write_signature_headers(out, format, &pairs));
        };
        let data = if self.input == Path::new("-") {
            CurlData::Inline(
                std::str::from_utf8(&body)
                    .context("the body from stdin is not UTF-8: pass it as a file for --curl")?,
            )
        } else {
            CurlData::File(&self.input)
        };
        output::print(|out| write_curl(out, url, &pairs, data))
    }
}
