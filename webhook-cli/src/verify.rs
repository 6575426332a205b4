//! `webhook verify`: check a signature, exit 0 when valid, 1 when not.
//!
//! With `--capture`, every verdict (valid or not) is a line on stdout, so
//! `| grep invalid` works; the tally and errors go to stderr.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use webhook_cli::capture;

use crate::cli::VerifyArgs;
use crate::errors::{Failure, UsageError};
use crate::headers::parse_headers;
use crate::input::read_input;
use crate::output::{self, write_verdict};
use crate::{Run, RunContext};

impl Run for VerifyArgs {
    async fn run(self, _ctx: &RunContext) -> anyhow::Result<()> {
        let verifier = self.signing.verifier(self.tolerance)?;
        let check = |headers: &http::HeaderMap, body: &[u8]| match self.now {
            Some(now) => verifier.verify_at(headers, body, now),
            None => verifier.verify(headers, body),
        };

        let Some(path) = &self.capture else {
            if self.headers.is_empty() {
                return Err(UsageError(
                    "give the signature headers with -H 'Name: value'".to_owned(),
                )
                .into());
            }
            let headers = parse_headers(&self.headers)?;
            let input = self.input.as_deref().unwrap_or(Path::new("-"));
            let body = read_input(input)?;
            return match check(&headers, &body) {
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
            let verdict = check(&headers, &body);
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
