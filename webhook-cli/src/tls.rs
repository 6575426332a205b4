//! `--insecure` and `--cacert`: the TLS options of the commands that send,
//! turned into the library's [`TlsOptions`].

use std::io::Write as _;

use webhook_cli::http_client::{TlsOptions, certificates_from_pem};

use crate::RunContext;
use crate::cli::TlsArgs;
use crate::errors::UsageError;

impl TlsArgs {
    /// Reads every `--cacert` file (a missing or unparsable one is a usage
    /// error) and warns on stderr about `--insecure` unless `--quiet`.
    pub(crate) fn options(&self, ctx: &RunContext) -> Result<TlsOptions, UsageError> {
        let mut extra_roots = Vec::new();
        for path in &self.cacert {
            let bad = |reason: String| UsageError(format!("--cacert {}: {reason}", path.display()));
            let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
            extra_roots.extend(certificates_from_pem(&pem).map_err(|e| bad(e.to_string()))?);
        }
        if self.insecure && !ctx.quiet {
            // A closed stderr is no reason to fail (or to panic).
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: --insecure: TLS certificates are not checked; anyone on the \
                 path can read and change these requests"
            );
        }
        Ok(TlsOptions {
            insecure: self.insecure,
            extra_roots,
        })
    }
}

/// What to try when a request failed because the server's certificate was
/// rejected (`None` for any other failure).
pub(crate) fn certificate_hint(err: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let mut cause = Some(err);
    while let Some(error) = cause {
        let tls = rustls_error(error);
        if let Some(rustls::Error::InvalidCertificate(reason)) = tls {
            return Some(match reason {
                // webpki's error type is not ours to name: match its text.
                rustls::CertificateError::Other(other)
                    if other.to_string().contains("CaUsedAsEndEntity") =>
                {
                    "the server presents a CA certificate as its own, which rustls refuses: \
                     serve a certificate signed by that CA, or one made with \
                     basicConstraints=CA:FALSE"
                }
                _ => {
                    "--cacert FILE trusts the server's CA or self-signed certificate; \
                      --insecure skips the check"
                }
            });
        }
        cause = error.source();
    }
    None
}

/// `error` as a rustls error, looking inside `io::Error`s: the TLS stream
/// wraps the rustls error in one (and the connector in another), and an
/// `io::Error`'s `source()` skips what it wraps.
fn rustls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    rustls_error(inner)
}
