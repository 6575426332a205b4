//! Verification throughput of every scheme at 1 KiB and 64 KiB bodies, next to
//! a bare HMAC-SHA256 over the same bytes (the ceiling: what `openssl speed
//! -hmac sha256` measures).
//!
//! Run with `cargo bench -p webhook-verify --bench verify`, or
//! `scripts/bench-verify.sh` for the table with the OpenSSL figures.
//! Throughput is reported in decimal MB/s, the unit `openssl speed` uses.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use webhook_verify::{Scheme, Signer, Verifier};

const SIZES: [(usize, &str); 2] = [(1024, "1KiB"), (64 * 1024, "64KiB")];
const TIMESTAMP: i64 = 1_700_000_000;

/// A deterministic, non-UTF-8 body of `len` bytes.
fn body(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 131 + 7) % 251).expect("below 251"))
        .collect()
}

/// The secret as each provider shows it (Standard Webhooks base64-encodes it).
fn secret(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Standard => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        _ => "whsec_benchmark_secret_0123456789",
    }
}

fn verify(c: &mut Criterion) {
    for (len, label) in SIZES {
        let body = body(len);
        let mut group = c.benchmark_group(format!("verify/{label}"));
        group.throughput(Throughput::BytesDecimal(len as u64));

        for &scheme in Scheme::ALL {
            let headers = Signer::new(scheme, secret(scheme))
                .expect("valid secret")
                .sign(&body, TIMESTAMP, Some("msg_2Lk3bench"))
                .expect("signing");
            let verifier = Verifier::builder(scheme)
                .secret(secret(scheme))
                .clock(|| TIMESTAMP)
                .build()
                .expect("valid secret");
            // Fail fast rather than time the error path.
            verifier.verify(&headers, &body).expect("verifies");
            group.bench_with_input(BenchmarkId::from_parameter(scheme), &body, |b, body| {
                b.iter(|| verifier.verify(black_box(&headers), black_box(body)));
            });
        }

        // Baseline: keyed once, then clone + update + finalize per message,
        // which is what a verifier has to do at the least.
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
