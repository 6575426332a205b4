//! The layer's own cost per request, without HTTP: [`IdempotencyLayer`]
//! over a [`MemoryStore`] around a handler that answers `200 ok` at once,
//! driven with `tower::ServiceExt::oneshot`, for a first delivery (claim,
//! run, record) and for a duplicate (answered from the record). A 1 KiB
//! body, the id from a header, as in `scripts/bench.sh http`.
//!
//! Run with `cargo bench -p webhook-idempotency --bench layer`. The
//! `layer/memory` group runs on a current-thread runtime: the figure is the
//! layer's CPU work per request. `layer/memory, 2 workers` sends first
//! deliveries from two tasks at once on a two-worker runtime: the figure is
//! wall time per request, half the first group's if the workers never wait
//! for each other or pass the same memory back and forth (store shards,
//! heartbeat, counters).

use std::convert::Infallible;
use std::hint::black_box;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, Response};
use http_body_util::Full;
use tower::{Layer, Service, ServiceExt, service_fn};
use webhook_idempotency::{BufferedBody, IdSource, IdempotencyLayer, MemoryStore};
use webhook_verify::headers;

fn request(id: &str, body: &Bytes) -> Request<Full<Bytes>> {
    Request::post("/")
        .header(headers::X_WEBHOOK_ID, id)
        .body(Full::new(body.clone()))
        .expect("a valid request")
}

/// First deliveries of the ids `evt_{n}` for `n` in `ids`, one after the
/// other: the same loop for one worker and for each of two.
async fn first_deliveries<S>(service: &S, body: &Bytes, ids: Range<u64>)
where
    S: Service<Request<Full<Bytes>>, Error = Infallible> + Clone,
{
    for n in ids {
        let id = format!("evt_{n}");
        let res = service.clone().oneshot(request(&id, body)).await;
        black_box(res.expect("infallible"));
    }
}

fn layer(c: &mut Criterion) {
    // One thread: the spawned tasks run where the request does, so this
    // measures the layer's work, not thread wake-up latency.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    // A retention of a second keeps the store at a steady size (about a
    // second of deliveries), as in a receiver that has run for longer than
    // its retention: expiry is part of the work, and the map does not
    // rehash its way through millions of records mid-measurement. (The
    // duplicate group's one id then runs again once a second: one request
    // in hundreds of thousands.)
    let layer = IdempotencyLayer::builder(MemoryStore::new().max_entries(100_000_000))
        .event_id(IdSource::Header(headers::X_WEBHOOK_ID))
        .retention(Duration::from_secs(1))
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
                let first = next.fetch_add(iters, Ordering::Relaxed);
                let started = Instant::now();
                first_deliveries(&service, &body, first..first + iters).await;
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

    // Two workers, one loop of first deliveries on each.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let mut group = c.benchmark_group("layer/memory, 2 workers");
    group.bench_function("first delivery", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                let loops: Vec<_> = (0..2)
                    .map(|half| {
                        let (service, body) = (service.clone(), body.clone());
                        let n = iters / 2 + (iters % 2) * half;
                        let first = next.fetch_add(n, Ordering::Relaxed);
                        tokio::spawn(async move {
                            first_deliveries(&service, &body, first..first + n).await;
                        })
                    })
                    .collect();
                for task in loops {
                    task.await.expect("a delivery loop panicked");
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
