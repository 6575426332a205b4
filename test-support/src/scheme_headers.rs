//! Which header carries what, per built-in [`Scheme`], for tests that
//! rewrite or remove one header of a signed request: the names
//! `webhook-verify` publishes, so test code never spells them again.

use http::HeaderName;
use webhook_verify::Scheme;

/// The header that carries the signature(s).
pub fn signature_header(scheme: Scheme) -> HeaderName {
    scheme.signature_header()
}

/// The header that carries the signed timestamp, for schemes that give it
/// a header of its own; `None` for Stripe (a `t=` in its signature header)
/// and GitHub (no timestamp).
pub fn timestamp_header(scheme: Scheme) -> Option<HeaderName> {
    scheme.timestamp_header()
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
