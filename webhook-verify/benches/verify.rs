//! Verification throughput of every scheme at 1 KiB and 64 KiB bodies, next
//! to the bare primitive each one is built on, over the same bytes: HMAC-SHA256
//! (the ceiling most schemes are measured against; what `openssl speed -hmac
//! sha256` measures), HMAC-SHA1, Ed25519 and ECDSA P-256 verification.
//!
//! Run with `cargo bench -p webhook-verifier --bench verify`, or
//! `scripts/bench-verify.sh` for the table with the OpenSSL figures.
//! Throughput is reported in decimal MB/s, the unit `openssl speed` uses.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, Method, Uri};
use sha1::Sha1;
use sha2::Sha256;
use webhook_verify::scheme::{KeyPair, WebhookRequest};
use webhook_verify::{Scheme, SignatureScheme, Signer, Verifier};

const SIZES: [(usize, &str); 2] = [(1024, "1KiB"), (64 * 1024, "64KiB")];
const TIMESTAMP: i64 = 1_700_000_000;
const URL: &str = "https://example.com/hooks/bench";

/// A deterministic body of `len` bytes in the shape the scheme reads: a
/// form for Twilio, else a JSON object (Linear's carries its
/// `webhookTimestamp`, Mailgun's its `event-data`).
fn body(scheme: Scheme, len: usize) -> Vec<u8> {
    let (head, tail) = match scheme.name() {
        "twilio" => ("Body=".to_owned(), String::new()),
        "mailgun" => (r#"{"event-data":{"pad":""#.to_owned(), r#""}}"#.to_owned()),
        _ => (
            format!(r#"{{"webhookTimestamp":{},"pad":""#, TIMESTAMP * 1000),
            r#""}"#.to_owned(),
        ),
    };
    let fill = len.saturating_sub(head.len() + tail.len());
    let pad: String = (0..fill)
        .map(|i| char::from(b'a' + u8::try_from(i % 26).expect("below 26")))
        .collect();
    format!("{head}{pad}{tail}").into_bytes()
}

/// (verifying key, signing key) as each provider shows them.
fn keys(scheme: Scheme) -> (String, String) {
    if !scheme.algorithm().is_symmetric() {
        let pair = KeyPair::generate(scheme, [7; 32]).expect("a valid seed");
        return (pair.verifying().to_owned(), pair.signing().to_owned());
    }
    let secret = match scheme {
        Scheme::Standard => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        _ => "whsec_benchmark_secret_0123456789",
    };
    (secret.to_owned(), secret.to_owned())
}

fn verify(c: &mut Criterion) {
    let uri: Uri = URL.parse().expect("a valid URL");
    let none = HeaderMap::new();
    for (len, label) in SIZES {
        let mut group = c.benchmark_group(format!("verify/{label}"));
        group.throughput(Throughput::BytesDecimal(len as u64));

        for &scheme in Scheme::ALL {
            let (verifying, signing) = keys(scheme);
            let unsigned = body(scheme, len);
            let request = WebhookRequest::new(&none, &unsigned)
                .with_method(&Method::POST)
                .with_uri(&uri);
            let (headers, signed) = Signer::new(scheme, &signing)
                .expect("valid key")
                .sign_request_body(&request, TIMESTAMP, Some("msg_2Lk3bench"))
                .expect("signing");
            let body = signed.unwrap_or(unsigned);
            let verifier = Verifier::builder(scheme)
                .secret(&verifying)
                .clock(|| TIMESTAMP)
                .build()
                .expect("valid key");
            let check = |body: &[u8]| {
                verifier.verify_request(
                    &WebhookRequest::new(&headers, body)
                        .with_method(&Method::POST)
                        .with_uri(&uri),
                )
            };
            // Fail fast rather than time the error path.
            check(&body).unwrap_or_else(|e| panic!("{scheme}: {e}"));
            group.bench_with_input(BenchmarkId::from_parameter(scheme), &body, |b, body| {
                b.iter(|| check(black_box(body)));
            });
        }

        // Baselines over a body of the same length: keyed once, then the
        // least a verifier has to do per message.
        let body = body(Scheme::Webhook, len);
        let key = Hmac::<Sha256>::new_from_slice(b"whsec_benchmark_secret_0123456789")
            .expect("HMAC takes any key length");
        group.bench_with_input(
            BenchmarkId::from_parameter("hmac-sha256"),
            &body,
            |b, body| {
                b.iter(|| {
                    let mut mac = key.clone();
                    mac.update(black_box(body));
                    mac.finalize().into_bytes()
                });
            },
        );
        let key = Hmac::<Sha1>::new_from_slice(b"whsec_benchmark_secret_0123456789")
            .expect("HMAC takes any key length");
        group.bench_with_input(
            BenchmarkId::from_parameter("hmac-sha1"),
            &body,
            |b, body| {
                b.iter(|| {
                    let mut mac = key.clone();
                    mac.update(black_box(body));
                    mac.finalize().into_bytes()
                });
            },
        );
        // The least a verifier of the default format can do by hand: three
        // hashed header lookups, the timestamp's digits, a hex decode, the
        // MAC over `{ts}.{body}`, `verify_slice`, an owned id. No duplicate
        // or ASCII checks, no tolerance, no rotation: a floor to measure the
        // library's per-request cost against, not a verifier to copy.
        let secret = "whsec_benchmark_secret_0123456789";
        let headers = Signer::new(Scheme::Webhook, secret)
            .expect("valid key")
            .sign(&body, TIMESTAMP, Some("msg_2Lk3bench"))
            .expect("signing");
        let key = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        let minimal = |headers: &HeaderMap, body: &[u8]| -> Option<(i64, String)> {
            let timestamp = headers.get("x-webhook-timestamp")?.as_bytes();
            let signature = headers.get("x-webhook-signature")?.as_bytes();
            let id = headers.get("x-webhook-id")?.to_str().ok()?.to_owned();
            let seconds = std::str::from_utf8(timestamp).ok()?.parse().ok()?;
            let mut tag = [0u8; 32];
            const_hex::decode_to_slice(signature.strip_prefix(b"v1=")?, &mut tag).ok()?;
            let mut mac = key.clone();
            mac.update(timestamp);
            mac.update(b".");
            mac.update(body);
            mac.verify_slice(&tag).ok()?;
            Some((seconds, id))
        };
        assert!(
            minimal(&headers, &body).is_some(),
            "the minimal verifier accepts"
        );
        group.bench_with_input(
            BenchmarkId::from_parameter("minimal-webhook"),
            &body,
            |b, body| {
                b.iter(|| minimal(black_box(&headers), black_box(body)));
            },
        );

        let ed = SigningKey::from_bytes(&[7; 32]);
        let ed_public = ed.verifying_key();
        let ed_signature = ed.sign(&body);
        group.bench_with_input(BenchmarkId::from_parameter("ed25519"), &body, |b, body| {
            b.iter(|| ed_public.verify(black_box(body), &ed_signature));
        });
        let ec = p256::ecdsa::SigningKey::from_slice(&[7; 32]).expect("a valid scalar");
        let ec_public = *ec.verifying_key();
        let ec_signature: p256::ecdsa::Signature = ec.sign(&body);
        group.bench_with_input(
            BenchmarkId::from_parameter("ecdsa-p256"),
            &body,
            |b, body| {
                b.iter(|| ec_public.verify(black_box(body), &ec_signature));
            },
        );
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = verify
}
criterion_main!(benches);
