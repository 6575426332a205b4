//! The layer's own cost per request, without HTTP: [`IdempotencyLayer`]
//! over a [`MemoryStore`] around a handler that answers `200 ok` at once,
//! driven with `tower::ServiceExt::oneshot`, for a first delivery (claim,
//! run, record) and for a duplicate (answered from the record). A 1 KiB
//! body, the id from a header, as in `scripts/bench.sh http`.
//!
//! Run with `cargo bench -p webhook-idempotency --bench layer`. It runs on a
//! current-thread runtime: the figure is the layer's CPU work per request.

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, Response};
use http_body_util::Full;
use tower::{Layer, ServiceExt, service_fn};
use webhook_idempotency::{BufferedBody, IdSource, IdempotencyLayer, MemoryStore};

fn request(id: &str, body: &Bytes) -> Request<Full<Bytes>> {
    Request::post("/")
        .header("x-webhook-id", id)
        .body(Full::new(body.clone()))
        .expect("a valid request")
}

fn layer(c: &mut Criterion) {
    // One thread: the spawned tasks run where the request does, so this
    // measures the layer's work, not thread wake-up latency.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let layer = IdempotencyLayer::builder(MemoryStore::new().max_entries(100_000_000))
        .event_id(IdSource::header("x-webhook-id"))
        .build()
        .expect("a valid configuration");
    let service = layer.layer(service_fn(|_req: Request<BufferedBody>| async {
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
    }));
    let body = Bytes::from(vec![b'x'; 1024]);
    let next = AtomicU64::new(0);
    let mut group = c.benchmark_group("layer/memory");
    group.bench_function("first delivery", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let id = format!("evt_{}", next.fetch_add(1, Ordering::Relaxed));
                    let res = service.clone().oneshot(request(&id, &body)).await;
                    black_box(res.expect("infallible"));
                }
                started.elapsed()
            })
        });
    });
    rt.block_on(async {
        let res = service.clone().oneshot(request("evt_dup", &body)).await;
        black_box(res.expect("infallible"));
    });
    group.bench_function("duplicate", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let res = service.clone().oneshot(request("evt_dup", &body)).await;
                    black_box(res.expect("infallible"));
                }
                started.elapsed()
            })
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    targets = layer
}
criterion_main!(benches);
