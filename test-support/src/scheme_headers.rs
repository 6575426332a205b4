//! Which header carries what, per built-in [`Scheme`], for tests that
//! rewrite or remove one header of a signed request.
//!
//! The one place test code maps a scheme to its header names. The names
//! are written here as the schemes' wire formats define them; when
//! `webhook-verify` publishes them as constants, these functions delegate.

use http::HeaderName;
use webhook_verify::Scheme;

/// The header that carries the signature(s).
///
/// # Panics
///
/// For a scheme this table does not know yet (`Scheme` is
/// `#[non_exhaustive]`): add it here.
pub fn signature_header(scheme: Scheme) -> HeaderName {
    HeaderName::from_static(match scheme {
        Scheme::Webhook => "x-webhook-signature",
        Scheme::Stripe => "stripe-signature",
        Scheme::Standard => "webhook-signature",
        Scheme::GitHub => "x-hub-signature-256",
        Scheme::Slack => "x-slack-signature",
        other => panic!("test-support has no signature header for {other}: add it"),
    })
}

/// The header that carries the signed timestamp, for schemes that give it
/// a header of its own; `None` for Stripe (a `t=` in its signature header)
/// and GitHub (no timestamp).
///
/// # Panics
///
/// For a scheme this table does not know yet (`Scheme` is
/// `#[non_exhaustive]`): add it here.
pub fn timestamp_header(scheme: Scheme) -> Option<HeaderName> {
    match scheme {
        Scheme::Webhook => Some(HeaderName::from_static("x-webhook-timestamp")),
        Scheme::Standard => Some(HeaderName::from_static("webhook-timestamp")),
        Scheme::Slack => Some(HeaderName::from_static("x-slack-request-timestamp")),
        Scheme::Stripe | Scheme::GitHub => None,
        other => panic!("test-support has no timestamp header for {other}: add it"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webhook_verify::Signer;

    /// Each named header is one the signer writes, and only timestamped
    /// schemes other than Stripe have a timestamp header.
    #[test]
    fn every_named_header_is_one_the_signer_writes() {
        for scheme in Scheme::ALL {
            let secret = match scheme {
                Scheme::Standard => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                _ => "a-test-secret-of-some-length",
            };
            let headers = Signer::new(scheme, secret)
                .expect("a valid secret")
                .sign(b"{}", 1_700_000_000, Some("evt_1"))
                .expect("signable");
            assert!(
                headers.contains_key(signature_header(scheme)),
                "{scheme}: {headers:?}"
            );
            match timestamp_header(scheme) {
                Some(name) => assert!(headers.contains_key(name), "{scheme}: {headers:?}"),
                None => assert!(
                    matches!(scheme, Scheme::Stripe | Scheme::GitHub),
                    "{scheme}"
                ),
            }
        }
    }
}
