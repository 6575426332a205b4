//! `webhook verify`: check a signature, exit 0 when valid, 1 when not.
//!
//! With `--capture`, every verdict (valid or not) is a line on stdout, so
//! `| grep invalid` works; the tally and errors go to stderr.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use webhook_cli::capture;
use webhook_verify::scheme::WebhookRequest;

use crate::cli::{VerifyArgs, parse_absolute_url};
use crate::errors::{Failure, UsageError};
use crate::headers::parse_headers;
use crate::input::read_input;
use crate::output::{self, write_verdict};
use crate::{Run, RunContext};

impl Run for VerifyArgs {
    async fn run(self, _ctx: &RunContext) -> anyhow::Result<()> {
        // With --capture, --url is the public base each captured path is
        // appended to; for one request it is the request's full URL.
        let public_base = self.capture.as_ref().and(self.request.url.as_deref());
        let verifier = self.signing.verifier(self.tolerance, public_base)?;
        let check = |request: &WebhookRequest<'_>| match self.now {
            Some(now) => verifier.verify_request_at(request, now),
            None => verifier.verify_request(request),
        };

        let Some(path) = &self.capture else {
            // Mailgun's signature is in the body: no header is needed.
            if self.headers.is_empty() && self.signing.scheme().signature_header().is_some() {
                return Err(UsageError(
                    "give the signature headers with -H 'Name: value'".to_owned(),
                )
                .into());
            }
            let headers = parse_headers(&self.headers)?;
            let input = self.input.as_deref().unwrap_or(Path::new("-"));
            let body = read_input(input)?;
            let uri = match &self.request.url {
                Some(url) => Some(parse_absolute_url(url)?),
                None => None,
            };
            let mut request =
                WebhookRequest::new(&headers, &body).with_method(&self.request.method);
            if let Some(uri) = &uri {
                request = request.with_uri(uri);
            }
            return match check(&request) {
                Ok(verified) => output::print(|out| write_verdict(out, None, Ok(&verified))),
                Err(err) => Err(Failure(format!("invalid signature: {err}")).into()),
            };
        };

        let mut checked = 0usize;
        let mut invalid = 0usize;
        for record in capture::read_file(path)? {
            let (line, record) = record?;
            if self.line.is_some_and(|wanted| wanted != line) {
                continue;
            }
            checked += 1;
            let headers = record
                .header_map()
                .with_context(|| format!("{}:{line}", path.display()))?;
            let body = record.body()?;
            let method = http::Method::from_bytes(record.method.as_bytes())
                .with_context(|| format!("{}:{line}: method", path.display()))?;
            let uri: http::Uri = record
                .path_and_query()
                .parse()
                .with_context(|| format!("{}:{line}: path", path.display()))?;
            let request = WebhookRequest::new(&headers, &body)
                .with_method(&method)
                .with_uri(&uri);
            let verdict = check(&request);
            if verdict.is_err() {
                invalid += 1;
            }
            output::print(|out| write_verdict(out, Some(line), verdict.as_ref()))?;
        }
        if checked == 0 {
            return Err(Failure(format!(
                "no captured request to verify in {}",
                path.display()
            ))
            .into());
        }
        if invalid > 0 {
            return Err(Failure(format!(
                "{invalid} of {checked} captured request(s) failed verification"
            ))
            .into());
        }
        // The verdicts are data (stdout); the tally is a diagnostic (stderr),
        // and a closed stderr is no reason to fail.
        let _ = writeln!(
            std::io::stderr().lock(),
            "{checked} captured request(s) verified"
        );
        Ok(())
    }
}
