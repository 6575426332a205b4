//! `webhook sign`: print the signature headers for a body.

use std::path::Path;

use anyhow::Context as _;
use webhook_verify::SignatureScheme as _;
use webhook_verify::scheme::WebhookRequest;

use crate::cli::{SignArgs, parse_absolute_url};
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
        let scheme = self.signing.scheme();
        // A scheme that signs the id needs one: generate it.
        let id = match &self.id {
            Some(id) => Some(id.clone()),
            None if scheme.signs_event_id() => Some(random_id("msg_")),
            None => None,
        };
        // The URL the request goes to is signed by some schemes.
        let uri = match self.request.url.as_deref().or(self.curl.as_deref()) {
            Some(url) => Some(parse_absolute_url(url)?),
            None => None,
        };
        let none = http::HeaderMap::new();
        let mut request = WebhookRequest::new(&none, &body).with_method(&self.request.method);
        if let Some(uri) = &uri {
            request = request.with_uri(uri);
        }
        // Mailgun carries its signature in the body: then the signed body
        // is what gets printed (or sent by --curl).
        let (headers, signed_body) = signer
            .sign_request_body(&request, timestamp, id.as_deref())
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
            if let Some(signed) = &signed_body {
                return output::print(|out| out.write_all(signed));
            }
            return output::print(|out| write_signature_headers(out, format, &pairs));
        };
        let data = if let Some(signed) = &signed_body {
            CurlData::Inline(std::str::from_utf8(signed).context("the signed body is not UTF-8")?)
        } else if self.input == Path::new("-") {
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
