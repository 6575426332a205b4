//! The shared driver of the `verify_*` fuzz targets: [`verify_scheme`]
//! turns any bytes into a request for one scheme (see [`input`] for the
//! layout) and verifies it.
//!
//! Adding a scheme takes one file, `fuzz_targets/verify_<name, - as _>.rs`:
//!
//! ```text
//! #![no_main]
//! //! Fuzzes the `acme` scheme through `webhook_fuzz::verify_scheme`.
//!
//! use libfuzzer_sys::fuzz_target;
//! use webhook_verify::Scheme;
//!
//! fuzz_target!(|data: &[u8]| webhook_fuzz::verify_scheme(Scheme::Acme, data));
//! ```
//!
//! and its `[[bin]]` in `Cargo.toml`; `tests/targets.rs` (run by
//! `scripts/fuzz.sh`) fails until both exist. A scheme that reads a header
//! besides its signature, timestamp and id headers, or a body field, also
//! gets a row in [`reads`].

pub mod input;
pub mod reads;

use std::collections::HashMap;
use std::sync::OnceLock;

use webhook_verify::scheme::{KeyPair, WebhookRequest};
use webhook_verify::{Scheme, SignatureScheme, Signer, Verifier};

use crate::input::FuzzRequest;

/// The verifier's clock: Unix seconds.
pub const NOW: i64 = 1_700_000_000;

/// The public URL every verifier is built with (Square, Twilio and HubSpot
/// sign the URL).
pub const PUBLIC_URL: &str = "https://hooks.example.test/app";

/// The secret of the symmetric schemes: valid text for all of them and
/// `whsec_` base64 for Standard Webhooks; long enough that a token scheme
/// (GitLab) can't be guessed.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The seed of the asymmetric schemes' key pair.
pub const SEED: [u8; 32] = [7; 32];

/// Decodes `data` into a request for `scheme` and verifies it at the clock
/// and at `i64::MIN` and `i64::MAX`; asks for the unsigned handshake with
/// an empty body and with the body, as the layer does.
///
/// Whatever the bytes, nothing may panic, and random bytes must never
/// verify: that would be a forged signature.
pub fn verify_scheme(scheme: Scheme, data: &[u8]) {
    let input = FuzzRequest::decode(scheme, data);
    let request = input.request();
    let verifier = verifier(scheme);
    let results = [
        verifier.verify_request(&request),
        verifier.verify_request_at(&request, i64::MIN),
        verifier.verify_request_at(&request, i64::MAX),
    ];
    for result in results {
        match result {
            Ok(verified) => panic!("random input verified for {scheme}: {verified:?}"),
            Err(error) => drop(error.to_string()),
        }
    }
    drop(verifier.unsigned_handshake(&input.request_with_body(b"")));
    drop(verifier.unsigned_handshake(&request));
    let _ = signed_round_trip(scheme, &input);
}

/// Signs the decoded request with the driver's key (the signer's headers
/// replace the input's, the others stay: Twitch's message type, Slack's
/// content type), verifies it, and when it verifies asks for the signed
/// handshake's reply — so Slack's `url_verification`, Zoom's
/// `endpoint.url_validation`, Twitch's challenge and Discord's PING parse
/// arbitrary bodies behind a valid signature.
///
/// A signed request need not verify (Linear's body must carry its
/// timestamp, a fuzzed URI may not be what the signer saw), but it must
/// never panic, and a request that verifies must verify again.
///
/// Returns whether it verified and whether a handshake was answered.
pub fn signed_round_trip(scheme: Scheme, input: &FuzzRequest) -> (bool, bool) {
    let request = input.request().with_public_url(PUBLIC_URL);
    let Ok((signed_headers, signed_body)) =
        signer(scheme).sign_request_body(&request, NOW, Some("evt_fuzz"))
    else {
        return (false, false);
    };
    let mut headers = input.headers.clone();
    for (name, value) in &signed_headers {
        headers.insert(name.clone(), value.clone());
    }
    let body = signed_body.as_deref().unwrap_or(&input.body);
    let mut signed = WebhookRequest::new(&headers, body).with_method(&input.method);
    if let Some(uri) = &input.uri {
        signed = signed.with_uri(uri);
    }
    let verifier = verifier(scheme);
    let Ok(verified) = verifier.verify_request(&signed) else {
        return (false, false);
    };
    assert_eq!(
        verifier.verify_request(&signed).ok().as_ref(),
        Some(&verified),
        "{scheme}: verification is not deterministic"
    );
    (true, verifier.handshake(&signed, &verified).is_some())
}

/// The key a verifier for `scheme` is built with: the public half of the
/// [`SEED`] pair for asymmetric schemes, [`SECRET`] otherwise; the signer's
/// key is the other half (the same secret for symmetric schemes).
pub fn keys(scheme: Scheme) -> (String, String) {
    if scheme.algorithm().is_symmetric() {
        return (SECRET.to_owned(), SECRET.to_owned());
    }
    let pair = KeyPair::generate(scheme, SEED).expect("the seed is a valid key for every scheme");
    (pair.verifying().to_owned(), pair.signing().to_owned())
}

/// One signer per scheme (the other half of [`keys`]), built once per
/// process.
pub fn signer(scheme: Scheme) -> &'static Signer {
    static SIGNERS: OnceLock<HashMap<Scheme, Signer>> = OnceLock::new();
    let signers = SIGNERS.get_or_init(|| {
        Scheme::ALL
            .iter()
            .map(|&scheme| {
                let signer = Signer::new(scheme, keys(scheme).1)
                    .unwrap_or_else(|e| panic!("{scheme}: the driver's key is invalid: {e}"));
                (scheme, signer)
            })
            .collect()
    });
    &signers[&scheme]
}

/// One verifier per scheme, built once per process.
pub fn verifier(scheme: Scheme) -> &'static Verifier {
    static VERIFIERS: OnceLock<HashMap<Scheme, Verifier>> = OnceLock::new();
    let verifiers = VERIFIERS.get_or_init(|| {
        Scheme::ALL
            .iter()
            .map(|&scheme| {
                let verifier = Verifier::builder(scheme)
                    .secret(keys(scheme).0)
                    .public_url(PUBLIC_URL)
                    .clock(|| NOW)
                    .build()
                    .unwrap_or_else(|e| panic!("{scheme}: the driver's key is invalid: {e}"));
                (scheme, verifier)
            })
            .collect()
    });
    &verifiers[&scheme]
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use http::{Method, Uri};

    use super::*;
    use crate::reads::header_names;

    /// Writes a request as an input for `scheme` in the raw shape: POST,
    /// `/hooks`, the headers the driver knows, then the body.
    fn encode(scheme: Scheme, headers: &http::HeaderMap, body: &[u8]) -> Vec<u8> {
        let names = header_names(scheme);
        let mut left_out = 0u8;
        let mut lines = vec![b"/hooks".to_vec()];
        for (i, name) in names.iter().enumerate() {
            match headers.get(name) {
                Some(value) => lines.push(value.as_bytes().to_vec()),
                None => {
                    left_out |= 1 << i;
                    lines.push(Vec::new());
                }
            }
        }
        lines.push(body.to_vec());
        let mut input = vec![0, left_out, 0];
        input.extend(lines.join(&b'\n'));
        input
    }

    /// A request signed for each scheme, written as an input, verifies:
    /// the input can say everything a sender sends, and `verify_scheme`
    /// then reports a forgery.
    #[test]
    fn a_signed_request_written_as_input_verifies_and_the_driver_panics() {
        let body = format!(r#"{{"webhookTimestamp":{}000,"id":"evt_1"}}"#, NOW);
        let uri: Uri = "/hooks".parse().unwrap();
        let empty = http::HeaderMap::new();
        for &scheme in Scheme::ALL {
            let signer = Signer::new(scheme, keys(scheme).1).unwrap();
            let unsigned = WebhookRequest::new(&empty, body.as_bytes())
                .with_method(&Method::POST)
                .with_uri(&uri)
                .with_public_url(PUBLIC_URL);
            let (headers, signed_body) = signer
                .sign_request_body(&unsigned, NOW, Some("evt_1"))
                .unwrap();
            let body = signed_body.unwrap_or_else(|| body.as_bytes().to_vec());
            for name in headers.keys() {
                assert!(
                    header_names(scheme).contains(name),
                    "{scheme}: the driver does not write {name}: add it to reads.rs"
                );
            }
            let input = encode(scheme, &headers, &body);
            let decoded = FuzzRequest::decode(scheme, &input);
            if let Err(e) = verifier(scheme).verify_request(&decoded.request()) {
                panic!("{scheme}: a signed request, decoded, does not verify: {e}");
            }
            let caught = catch_unwind(AssertUnwindSafe(|| verify_scheme(scheme, &input)));
            assert!(
                caught.is_err(),
                "{scheme}: the driver accepted a valid signature silently"
            );
        }
    }

    /// The round trip is not a dead path: an ordinary body verifies for
    /// every scheme, and the handshake bodies reach the handshakes.
    #[test]
    fn signed_round_trips_verify_and_reach_the_handshakes() {
        let body = format!(r#"{{"webhookTimestamp":{}000,"id":"evt_1"}}"#, NOW);
        let none = http::HeaderMap::new();
        for &scheme in Scheme::ALL {
            let input = FuzzRequest::decode(scheme, &encode(scheme, &none, body.as_bytes()));
            assert_eq!(
                signed_round_trip(scheme, &input),
                (true, false),
                "{scheme}: an ordinary event"
            );
        }
        type Extra = &'static [(&'static str, &'static str)];
        let handshakes: [(Scheme, Extra, &str); 4] = [
            (
                Scheme::Slack,
                &[],
                r#"{"type":"url_verification","challenge":"c"}"#,
            ),
            (
                Scheme::Zoom,
                &[],
                r#"{"event":"endpoint.url_validation","payload":{"plainToken":"p"}}"#,
            ),
            (
                Scheme::Twitch,
                &[(
                    "twitch-eventsub-message-type",
                    "webhook_callback_verification",
                )],
                r#"{"challenge":"c","subscription":{}}"#,
            ),
            (Scheme::Discord, &[], r#"{"type":1}"#),
        ];
        for (scheme, extra, body) in handshakes {
            let mut headers = http::HeaderMap::new();
            for (name, value) in extra {
                headers.insert(*name, value.parse().unwrap());
            }
            let input = FuzzRequest::decode(scheme, &encode(scheme, &headers, body.as_bytes()));
            assert_eq!(
                signed_round_trip(scheme, &input),
                (true, true),
                "{scheme}: its handshake"
            );
        }
    }

    #[test]
    fn short_and_odd_inputs_never_panic() {
        for &scheme in Scheme::ALL {
            for input in [
                &b""[..],
                b"\xff",
                b"\xff\xff\xff",
                b"\x06\0\0/\n\n\n\n\n\n\n\n\n",
                b"\x03\0\xff*\n\x00\n\xff",
            ] {
                verify_scheme(scheme, input);
            }
        }
    }
}
