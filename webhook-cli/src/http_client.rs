//! The one place HTTP clients are built: every command that sends (`send`,
//! `deliver`, `replay`, `listen --forward-to`) and the [`Sender`] engine get
//! their [`reqwest::Client`] from [`build_client`].
//!
//! - HTTPS through rustls, with the [ring] crypto provider installed as the
//!   process-wide default before the first client is built;
//! - server certificates are checked against the platform's roots plus any
//!   [`TlsOptions::extra_roots`] (PEM files given with `--cacert`), or not at
//!   all with [`TlsOptions::insecure`];
//! - no redirects followed, no proxy, `TCP_NODELAY`.
//!
//! ```
//! use webhook_cli::http_client::{ClientSettings, TlsOptions, build_client, certificates_from_pem};
//!
//! # fn demo(ca_pem: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! let tls = TlsOptions {
//!     extra_roots: certificates_from_pem(ca_pem)?,
//!     ..TlsOptions::default()
//! };
//! let client = build_client(&tls, &ClientSettings::default())?;
//! # drop(client);
//! # Ok(()) }
//! ```
//!
//! [`Sender`]: crate::sender::Sender
//! [ring]: https://docs.rs/ring

use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::error_chain::error_chain;

/// How the server's certificate is checked.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// Accept any certificate (expired, self-signed, for another name):
    /// `--insecure`. Anyone on the path can then read and change requests.
    pub insecure: bool,
    /// Trusted in addition to the platform's roots: CA certificates, or a
    /// server's own self-signed certificate (`--cacert`). Parse PEM with
    /// [`certificates_from_pem`].
    pub extra_roots: Vec<CertificateDer<'static>>,
}

/// Per-use settings on top of the shared ones (TLS, no redirects, no proxy).
#[derive(Debug, Clone, Default)]
pub struct ClientSettings {
    /// Limit on a whole request (connect, response, body); `None`: no limit
    /// on the client (a request may still set its own).
    pub timeout: Option<Duration>,
    /// Idle keep-alive connections kept per host; `None`: reqwest's default.
    pub max_idle_per_host: Option<usize>,
    /// `User-Agent` sent on requests that carry none; `None`: no header.
    pub user_agent: Option<String>,
}

/// Why a PEM file gave no usable certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PemError {
    /// The text holds no `BEGIN CERTIFICATE` section.
    #[error("no PEM certificate (-----BEGIN CERTIFICATE-----) found")]
    NoCertificate,
    /// A section could not be decoded.
    #[error("invalid PEM: {0}")]
    Syntax(String),
    /// A section decoded, but is not an X.509 certificate rustls can use.
    #[error("certificate {number} is not a usable X.509 certificate: {reason}")]
    Certificate {
        /// 1-based position in the file.
        number: usize,
        /// What rustls said.
        reason: String,
    },
}

/// Every `CERTIFICATE` section of a PEM text (one certificate or a bundle;
/// other sections such as keys are skipped), each checked to be a
/// certificate rustls accepts as a trust anchor.
///
/// # Errors
///
/// [`PemError`] when a section is malformed, a certificate unusable, or
/// there is no certificate at all.
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PemError::Syntax(e.to_string()))?;
    if certificates.is_empty() {
        return Err(PemError::NoCertificate);
    }
    for (index, certificate) in certificates.iter().enumerate() {
        rustls::RootCertStore::empty()
            .add(certificate.clone())
            .map_err(|e| PemError::Certificate {
                number: index + 1,
                reason: e.to_string(),
            })?;
    }
    Ok(certificates)
}

/// Installs ring as the process-wide rustls crypto provider (reqwest is
/// built without one and uses the installed default).
fn install_crypto_provider() {
    // Fails only when a provider is installed already (an earlier call, or
    // the embedding program chose its own): either way one is in place.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Builds a client with `tls` and `settings` (see the module docs for what
/// every client shares).
///
/// Where the platform has no root certificates at all (a minimal container
/// without a CA bundle), the client trusts only `tls.extra_roots` and says
/// so in a warning, so plain `http://` and `--cacert` targets still work.
///
/// # Errors
///
/// The reqwest builder's error, for example an extra root rustls rejects.
pub fn build_client(
    tls: &TlsOptions,
    settings: &ClientSettings,
) -> Result<reqwest::Client, reqwest::Error> {
    install_crypto_provider();
    let extra = || {
        tls.extra_roots
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
    };
    let base = || {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tcp_nodelay(true)
            .tls_danger_accept_invalid_certs(tls.insecure);
        if let Some(timeout) = settings.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(max) = settings.max_idle_per_host {
            builder = builder.pool_max_idle_per_host(max);
        }
        if let Some(agent) = &settings.user_agent {
            builder = builder.user_agent(agent.as_str());
        }
        builder
    };
    match base().tls_certs_merge(extra()?).build() {
        Ok(client) => Ok(client),
        Err(err) if !tls.insecure && tls.extra_roots.is_empty() => {
            // Most likely the platform has no CA certificates to load (the
            // only fallible step here without extra roots): trust none.
            let Ok(client) = base().tls_certs_only(Vec::new()).build() else {
                return Err(err);
            };
            tracing::warn!(
                "{}: https:// servers are checked against the extra roots (--cacert) only",
                error_chain(&err)
            );
            Ok(client)
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_a_certificate_is_an_error() {
        assert!(matches!(
            certificates_from_pem(b"not pem at all"),
            Err(PemError::NoCertificate)
        ));
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            certificates_from_pem(broken),
            Err(PemError::Syntax(_))
        ));
        // Valid base64, but not DER.
        let junk = b"-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            certificates_from_pem(junk),
            Err(PemError::Certificate { number: 1, .. })
        ));
    }

    #[test]
    fn default_options_build_a_client() {
        build_client(&TlsOptions::default(), &ClientSettings::default()).unwrap();
        let insecure = TlsOptions {
            insecure: true,
            ..TlsOptions::default()
        };
        build_client(&insecure, &ClientSettings::default()).unwrap();
    }
}
