//! The store operations the layer performs per request, without HTTP: a
//! claim of a new event, its completion, a duplicate's lookup of a
//! completed record, and a release — on [`MemoryStore`] and on a
//! [`RedisStore`] talking to a real `redis-server` on loopback (started
//! here, on a free port). Redis is measured one operation at a time
//! (latency) and 64 at a time (what concurrent requests achieve through one
//! multiplexed connection).
//!
//! Run with `cargo bench -p webhook-idempotency --bench store` (needs
//! `redis-server` on `PATH` or `REDIS_SERVER_BIN`). Numbers go to the
//! README with the command; nothing here is asserted.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::StatusCode;
use webhook_idempotency::store::{Fingerprint, Outcome, OwnerToken, Store};
use webhook_idempotency::{MemoryStore, RedisStore};
use webhook_test_support::RedisServer;

const LEASE: Duration = Duration::from_secs(60);
const RETENTION: Duration = Duration::from_secs(3600);

/// A new key per call: every claim is a first delivery.
fn fresh_key() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "webhook:idem:bench:{:064x}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

/// claim → complete; claim of a completed key; claim → release.
async fn first_delivery(store: &dyn Store, key: &str) {
    let token = OwnerToken::random();
    let fp = Fingerprint::of(b"{}");
    black_box(store.acquire(key, token, fp, LEASE).await.expect("acquire"));
    let ok = Outcome::new(StatusCode::OK);
    black_box(
        store
            .complete(key, token, &ok, None, RETENTION)
            .await
            .expect("complete"),
    );
}

fn bench_store(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    store: &'static dyn Store,
    batch: usize,
) {
    let fp = Fingerprint::of(b"{}");
    let mut group = c.benchmark_group(format!("store/{name}"));
    group.throughput(Throughput::Elements(batch as u64));

    group.bench_function("claim+complete", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let keys: Vec<String> = (0..batch).map(|_| fresh_key()).collect();
                    futures_util::future::join_all(
                        keys.iter().map(|key| first_delivery(store, key)),
                    )
                    .await;
                }
                started.elapsed()
            })
        });
    });

    let completed = fresh_key();
    rt.block_on(first_delivery(store, &completed));
    group.bench_function("duplicate", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    futures_util::future::join_all((0..batch).map(|_| async {
                        black_box(
                            store
                                .acquire(&completed, OwnerToken::random(), fp, LEASE)
                                .await
                                .expect("acquire"),
                        )
                    }))
                    .await;
                }
                started.elapsed()
            })
        });
    });

    group.bench_function("claim+release", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let keys: Vec<String> = (0..batch).map(|_| fresh_key()).collect();
                    futures_util::future::join_all(keys.iter().map(|key| async move {
                        let token = OwnerToken::random();
                        store.acquire(key, token, fp, LEASE).await.expect("acquire");
                        black_box(store.release(key, token).await.expect("release"));
                    }))
                    .await;
                }
                started.elapsed()
            })
        });
    });
    group.finish();
}

fn stores(c: &mut Criterion) {
    // One runtime for everything: the Redis connection lives in it.
    let rt = runtime();
    let memory: &'static MemoryStore =
        Box::leak(Box::new(MemoryStore::new().max_entries(100_000_000)));
    bench_store(c, &rt, "memory", memory, 1);

    // Not leaked (unlike the stores, which the benchmarks borrow for
    // 'static): dropping it at the end stops the redis-server process.
    let server = RedisServer::start();
    let redis: &'static RedisStore = Box::leak(Box::new(
        rt.block_on(RedisStore::connect(&server.url()))
            .expect("connecting to the bench redis-server"),
    ));
    bench_store(c, &rt, "redis-1", redis, 1);
    bench_store(c, &rt, "redis-64", redis, 64);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    targets = stores
}
criterion_main!(benches);
