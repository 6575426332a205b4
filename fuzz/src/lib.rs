//! Shared driver of the verify fuzz targets.

use http::{HeaderMap, HeaderName, HeaderValue};
use webhook_verify::{Scheme, Verifier};

/// Splits the input into header values and a body, puts the values under
/// every header name the scheme reads, and verifies. Whatever the bytes,
/// verification must return (never panic), and success with random bytes
/// would mean a forged signature.
pub fn verify_arbitrary(scheme: Scheme, header_names: &[HeaderName], data: &[u8]) {
    let mut parts = data.splitn(header_names.len() + 1, |b| *b == b'\n');
    let mut headers = HeaderMap::new();
    for name in header_names {
        let Some(raw) = parts.next() else { break };
        if let Ok(value) = HeaderValue::from_bytes(raw) {
            headers.append(name.clone(), value);
        }
    }
    let body = parts.next().unwrap_or_default();
    let secret = if scheme == Scheme::Standard { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } else { "fuzz" };
    let verifier = Verifier::builder(scheme)
        .secret(secret)
        .clock(|| 1_700_000_000)
        .build()
        .expect("a fixed valid configuration");
    if let Ok(verified) = verifier.verify(&headers, body) {
        panic!("random input verified: {verified:?}");
    }
    let _ = verifier.verify_at(&headers, body, i64::MIN);
    let _ = verifier.verify_at(&headers, body, i64::MAX);
}
