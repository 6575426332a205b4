//! The rules every scheme keeps, checked for every built-in scheme through a
//! signer/verifier round trip: what verifies, what is rejected and with
//! which kind and status. Scheme-specific malformed inputs live in
//! `rules.rs` (the original five) and the provider vector files.

use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use webhook_verify::scheme::WebhookRequest;
use webhook_verify::{Error, ErrorKind, Scheme, SignatureScheme, Signer, Verified, Verifier};

#[path = "common/fixtures.rs"]
mod fixtures;

const NOW: i64 = 1_700_000_000;
const ID: &str = "evt_123";
const PUBLIC_URL: &str = "https://example.test";

fn uri() -> Uri {
    Uri::from_static("/hooks/in?x=1")
}

fn verifier_with(scheme: Scheme, keys: &[&str]) -> Verifier {
    keys.iter()
        .fold(Verifier::builder(scheme), |b, key| b.secret(key))
        .clock(|| NOW)
        .public_url(PUBLIC_URL)
        .build()
        .unwrap_or_else(|err| panic!("{scheme}: {err}"))
}

fn verifier(scheme: Scheme) -> Verifier {
    verifier_with(scheme, &[fixtures::keys(scheme).verify])
}

/// The headers and the body to send: the body as given, or with the
/// signature embedded for schemes that carry it there (Mailgun).
fn sign_with(scheme: Scheme, key: &str, body: &[u8], timestamp: i64) -> (HeaderMap, Vec<u8>) {
    let none = HeaderMap::new();
    let uri = uri();
    let request = WebhookRequest::new(&none, body)
        .with_method(&Method::POST)
        .with_uri(&uri)
        .with_public_url(PUBLIC_URL);
    Signer::new(scheme, key)
        .unwrap_or_else(|err| panic!("{scheme}: {err}"))
        .sign_request_body(&request, timestamp, Some(ID))
        .map(|(headers, signed)| (headers, signed.unwrap_or_else(|| body.to_vec())))
        .unwrap_or_else(|err| panic!("{scheme}: {err}"))
}

fn sign(scheme: Scheme, body: &[u8], timestamp: i64) -> (HeaderMap, Vec<u8>) {
    sign_with(scheme, fixtures::keys(scheme).sign, body, timestamp)
}

fn verify(verifier: &Verifier, headers: &HeaderMap, body: &[u8]) -> Result<Verified, Error> {
    let uri = uri();
    let request = WebhookRequest::new(headers, body)
        .with_method(&Method::POST)
        .with_uri(&uri);
    verifier.verify_request(&request)
}

fn verify_signed(
    verifier: &Verifier,
    (headers, body): &(HeaderMap, Vec<u8>),
) -> Result<Verified, Error> {
    verify(verifier, headers, body)
}

fn expect_err(scheme: Scheme, result: Result<Verified, Error>, kind: ErrorKind, case: &str) {
    let err = result.expect_err(&format!("{scheme}: {case} must be rejected"));
    assert_eq!(err.kind(), kind, "{scheme}: {case}: {err}");
    let status = err.status();
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED,
        "{scheme}: {case}: status {status}"
    );
}

#[test]
fn what_a_scheme_signs_it_verifies_with_the_metadata() {
    for &scheme in Scheme::ALL {
        let body = fixtures::body(scheme);
        let verified = verify_signed(&verifier(scheme), &sign(scheme, &body, NOW))
            .unwrap_or_else(|err| panic!("{scheme}: round trip rejected: {err}"));
        assert_eq!(verified.scheme, scheme.name());
        assert_eq!(verified.secret_index, 0);
        assert_eq!(
            verified.timestamp,
            scheme.has_timestamp().then_some(NOW),
            "{scheme}"
        );
        if verified.event_id_signed {
            assert!(scheme.signs_event_id(), "{scheme}");
            assert_eq!(verified.event_id.as_deref(), Some(ID), "{scheme}");
        }
    }
}

#[test]
fn a_changed_body_byte_is_a_mismatch() {
    for &scheme in Scheme::ALL {
        if !fixtures::body_is_signed(scheme) {
            continue;
        }
        let body = fixtures::body(scheme);
        let (headers, body) = sign(scheme, &body, NOW);
        let verifier = verifier(scheme);
        // Flip a byte inside the event id, which every fixture body carries.
        let at = body
            .windows(3)
            .position(|w| w == b"123")
            .expect("the fixture body carries evt_123");
        let mut tampered = body.clone();
        tampered[at] = b'9';
        expect_err(
            scheme,
            verify(&verifier, &headers, &tampered),
            ErrorKind::SignatureMismatch,
            "a tampered body",
        );
    }
}

#[test]
fn another_key_is_a_mismatch_and_rotation_reports_the_matching_key() {
    for &scheme in Scheme::ALL {
        let keys = fixtures::keys(scheme);
        let body = fixtures::body(scheme);
        let (headers, body) = sign_with(scheme, keys.other_sign, &body, NOW);
        expect_err(
            scheme,
            verify(&verifier(scheme), &headers, &body),
            ErrorKind::SignatureMismatch,
            "a signature by another key",
        );
        let rotating = verifier_with(scheme, &[keys.verify, keys.other_verify]);
        let verified = verify(&rotating, &headers, &body)
            .unwrap_or_else(|err| panic!("{scheme}: rotation rejected: {err}"));
        assert_eq!(verified.secret_index, 1, "{scheme}");
    }
}

#[test]
fn timestamps_outside_the_tolerance_are_rejected_in_both_directions() {
    for &scheme in Scheme::ALL.iter().filter(|s| s.has_timestamp()) {
        let verifier = verifier(scheme);
        let tolerance = i64::try_from(
            verifier
                .tolerance()
                .expect("a timestamped scheme has a default tolerance")
                .as_secs(),
        )
        .expect("a tolerance fits i64");
        // The body at each time (Linear's carries its timestamp).
        // (`sign` returns the body as sent: Mailgun's carries the signature.)
        let at = |ts| sign(scheme, &fixtures::body_at(scheme, ts), ts);
        for edge in [NOW - tolerance, NOW + tolerance] {
            let (headers, body) = at(edge);
            verify(&verifier, &headers, &body)
                .unwrap_or_else(|err| panic!("{scheme}: at the edge {edge}: {err}"));
        }
        let (headers, body) = at(NOW - tolerance - 1);
        expect_err(
            scheme,
            verify(&verifier, &headers, &body),
            ErrorKind::TimestampTooOld,
            "one second too old",
        );
        let (headers, body) = at(NOW + tolerance + 1);
        expect_err(
            scheme,
            verify(&verifier, &headers, &body),
            ErrorKind::TimestampInFuture,
            "one second in the future",
        );
    }
}

#[test]
fn missing_repeated_and_non_ascii_headers_are_bad_requests() {
    for &scheme in Scheme::ALL {
        let body = fixtures::body(scheme);
        let (good, body) = sign(scheme, &body, NOW);
        let verifier = verifier(scheme);
        let read = [scheme.signature_header(), scheme.timestamp_header()];
        for name in read.into_iter().flatten() {
            let mut missing = good.clone();
            missing.remove(&name);
            expect_err(
                scheme,
                verify(&verifier, &missing, &body),
                ErrorKind::MissingHeader,
                &format!("without {name}"),
            );
            let mut repeated = good.clone();
            let value = good.get(&name).expect("the signer sent it").clone();
            repeated.append(&name, value);
            expect_err(
                scheme,
                verify(&verifier, &repeated, &body),
                ErrorKind::DuplicateHeader,
                &format!("{name} twice"),
            );
            let mut non_ascii = good.clone();
            non_ascii.insert(
                &name,
                HeaderValue::from_bytes(b"\xff\xfe").expect("opaque bytes are a valid value"),
            );
            expect_err(
                scheme,
                verify(&verifier, &non_ascii, &body),
                ErrorKind::MalformedHeader,
                &format!("{name} not ASCII"),
            );
        }
    }
}

#[test]
fn a_signed_event_id_cannot_be_changed() {
    for &scheme in Scheme::ALL.iter().filter(|s| s.signs_event_id()) {
        let Some(name) = scheme.id_header() else {
            continue;
        };
        let body = fixtures::body(scheme);
        let (mut headers, body) = sign(scheme, &body, NOW);
        headers.insert(&name, HeaderValue::from_static("evt_other"));
        expect_err(
            scheme,
            verify(&verifier(scheme), &headers, &body),
            ErrorKind::SignatureMismatch,
            "a changed signed id",
        );
    }
}

#[test]
fn an_empty_key_or_no_key_is_a_configuration_error() {
    for &scheme in Scheme::ALL {
        assert!(Verifier::builder(scheme).build().is_err(), "{scheme}");
        assert!(Verifier::new(scheme, "").is_err(), "{scheme}");
        assert!(Signer::new(scheme, "").is_err(), "{scheme}");
    }
}

#[test]
fn spoiled_signature_headers_are_rejected() {
    for &scheme in Scheme::ALL {
        let Some(name) = scheme.signature_header() else {
            continue;
        };
        let body = fixtures::body(scheme);
        let (good, body) = sign(scheme, &body, NOW);
        let verifier = verifier(scheme);
        let value = good[&name].to_str().expect("ASCII").to_owned();
        let middle = value.len() / 2;
        let changed = |c: char| match c {
            '0'..='8' | 'a'..='y' | 'A'..='Y' => char::from(u8::try_from(c).expect("ASCII") + 1),
            '9' => '0',
            _ => 'a',
        };
        let flipped: String = value
            .char_indices()
            .map(|(i, c)| if i == middle { changed(c) } else { c })
            .collect();
        let cases = [
            // (Padding `=` is optional, so drop a data character.)
            ("last character dropped", {
                let end = value.trim_end_matches('=');
                format!("{}{}", &end[..end.len() - 1], &value[end.len()..])
            }),
            ("first character dropped", value[1..].to_owned()),
            ("a character appended", format!("{value}0")),
            ("a middle character changed", flipped),
            ("empty", String::new()),
        ];
        for (case, spoiled) in cases {
            let mut headers = good.clone();
            headers.insert(
                &name,
                HeaderValue::from_str(&spoiled).expect("visible ASCII"),
            );
            let err = verify(&verifier, &headers, &body)
                .expect_err(&format!("{scheme}: {case} must be rejected"));
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::SignatureMismatch
                        | ErrorKind::MalformedHeader
                        | ErrorKind::TooManySignatures
                ),
                "{scheme}: {case}: {err}"
            );
        }
    }
}

#[test]
fn debug_never_contains_a_key() {
    for &scheme in Scheme::ALL {
        let keys = fixtures::keys(scheme);
        let verifier = verifier(scheme);
        let signer = Signer::new(scheme, keys.sign).expect("valid key");
        for debug in [
            format!("{verifier:?} {verifier:#?}"),
            format!("{signer:?} {signer:#?}"),
        ] {
            for key in [keys.sign, keys.verify] {
                assert!(!debug.contains(key), "{scheme}: {debug}");
            }
            assert!(debug.contains("redacted"), "{scheme}: {debug}");
        }
    }
}

#[test]
fn errors_never_contain_a_key_or_the_signature() {
    for &scheme in Scheme::ALL {
        let keys = fixtures::keys(scheme);
        let body = fixtures::body(scheme);
        let verifier = verifier(scheme);
        let mut requests = vec![
            sign_with(scheme, keys.other_sign, &body, NOW),
            sign(scheme, &body, NOW - 100_000),
        ];
        // The raw signatures, as hex and base64 (Mailgun's is in the body).
        let raw: Vec<String> = Signer::new(scheme, keys.sign)
            .expect("valid key")
            .signatures(&body, NOW, Some(ID))
            .iter()
            .flat_map(|sig| [sig.to_hex(), sig.to_base64()])
            .collect();
        let (good, body) = sign(scheme, &body, NOW);
        let mut tampered = body.clone();
        tampered[0] ^= 1;
        requests.push((good.clone(), tampered));
        if let Some(name) = scheme.signature_header() {
            let mut missing = good.clone();
            missing.remove(&name);
            requests.push((missing, body.clone()));
        }
        let signatures: Vec<String> = good
            .values()
            .filter_map(|v| v.to_str().ok())
            .filter(|v| v.len() > 16)
            .map(str::to_owned)
            .chain(raw)
            .collect();
        for (headers, body) in requests {
            let Err(err) = verify(&verifier, &headers, &body) else {
                continue; // e.g. a scheme that signs no timestamp
            };
            let shown = format!("{err} {err:?} {err:#?}");
            for secret in [keys.sign, keys.verify]
                .iter()
                .map(|s| s.to_string())
                .chain(signatures.clone())
            {
                assert!(!shown.contains(&secret), "{scheme}: {shown}");
            }
        }
    }
}
