//! The behavioural suite against `MemoryStore`.

mod common;

common::suite!(memory_fixture);

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::sync::Notify;
use tower::{Layer, Service};
use webhook_idempotency::{IdSource, IdempotencyLayer, MemoryStore, WhenFull};

use common::{Calls, after_gate, delivery, handler, reply, send};
use webhook_test_support::eventually;

/// The suite's fixture: a fresh `MemoryStore`.
async fn memory_fixture() -> common::Fixture {
    common::Fixture {
        store: Arc::new(MemoryStore::new()),
        _redis: None,
    }
}

/// The layer on a bare hyper server (no axum): the request body is
/// hyper's `Incoming`, streamed over a real socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_on_a_bare_hyper_server() {
    let calls = Calls::default();
    let svc = IdempotencyLayer::builder(MemoryStore::new())
        .event_id(IdSource::json("/id"))
        .lease(Duration::from_secs(2))
        .build()
        .unwrap()
        .layer(handler(calls.clone(), |_| async { reply(200, "handled") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let svc = TowerToHyperService::new(svc.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let post = |body: &'static str| {
        Request::post(format!("http://{addr}/webhooks"))
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap()
    };
    let first = client.request(post(r#"{"id":"evt_h"}"#)).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().get("idempotent-replayed").is_none());
    assert_eq!(
        first.into_body().collect().await.unwrap().to_bytes(),
        "handled"
    );
    let dup = client.request(post(r#"{"id":"evt_h"}"#)).await.unwrap();
    assert_eq!(dup.status(), StatusCode::OK);
    assert_eq!(dup.headers()["idempotent-replayed"], "true");
    assert_eq!(
        dup.into_body().collect().await.unwrap().to_bytes(),
        "handled"
    );
    let bad = client.request(post("not json")).await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(calls.get(), 1);
    server.abort();
}

/// Item 7: a full memory store refuses new events (503, counted, warned)
/// rather than forgetting a completed one within its retention; evicting
/// is an explicit, documented choice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_memory_store_refuses_rather_than_forgets() {
    for policy in [WhenFull::Refuse, WhenFull::EvictCompleted] {
        let calls = Calls::default();
        let layer = IdempotencyLayer::builder(MemoryStore::new().max_entries(2).when_full(policy))
            .event_id(IdSource::header("x-event-id"))
            .build()
            .unwrap();
        let svc = layer.layer(handler(calls.clone(), |_| async { reply(200, "ok") }));
        for id in ["a", "b"] {
            assert_eq!(
                common::send(&svc, common::delivery(id, "{}")).await.status,
                StatusCode::OK
            );
        }
        let third = common::send(&svc, common::delivery("c", "{}")).await;
        match policy {
            WhenFull::Refuse => {
                assert_eq!(third.status, StatusCode::SERVICE_UNAVAILABLE);
                assert_eq!(third.body, r#"{"error":"store_unavailable"}"#);
                assert_eq!(third.retry_after(), Some(5));
                let m = layer.metrics();
                assert_eq!((m.store_full, m.store_errors), (1, 0), "{m:?}");
                // Both completed events are still remembered.
                for id in ["a", "b"] {
                    assert!(
                        common::send(&svc, common::delivery(id, "{}"))
                            .await
                            .replayed()
                    );
                }
                assert_eq!(calls.get(), 2);
            }
            _ => {
                assert_eq!(third.status, StatusCode::OK);
                assert!(!third.replayed());
                // The completed record closest to expiry ("a") was forgotten.
                assert!(
                    common::send(&svc, common::delivery("b", "{}"))
                        .await
                        .replayed()
                );
                assert!(
                    !common::send(&svc, common::delivery("a", "{}"))
                        .await
                        .replayed()
                );
                assert_eq!(
                    calls.get(),
                    4,
                    "a ran again: the documented cost of eviction"
                );
            }
        }
    }
}

/// A memory store full of live claims refuses new ones even when evicting
/// completed records is allowed: a claim is never forgotten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_full_of_claims_answers_503() {
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let calls = Calls::default();
    let store = MemoryStore::new()
        .max_entries(2)
        .when_full(WhenFull::EvictCompleted);
    let layer = IdempotencyLayer::builder(store)
        .event_id(IdSource::header("x-event-id"))
        .build()
        .unwrap();
    let g = gate.clone();
    let svc = layer.layer(handler(calls.clone(), move |_| {
        let gate = g.clone();
        async move {
            gate.acquire().await.unwrap().forget();
            reply(200, "ok")
        }
    }));
    let mut running = Vec::new();
    for id in ["a", "b"] {
        let svc = svc.clone();
        running.push(tokio::spawn(async move {
            common::send(&svc, common::delivery(id, "{}")).await
        }));
    }
    eventually("both handlers run", || async { calls.get() == 2 }).await;
    let refused = common::send(&svc, common::delivery("c", "{}")).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(layer.metrics().store_full, 1);
    gate.add_permits(3); // a, b, then c
    for task in running {
        assert_eq!(task.await.unwrap().status, StatusCode::OK);
    }
    assert_eq!(
        common::send(&svc, common::delivery("c", "{}")).await.status,
        StatusCode::OK
    );
}

/// The heartbeat task runs on the runtime of the claim that started it. A
/// layer that outlives that runtime (a server restarted in-process, a
/// layer shared by tests) starts a new one with its next claim, so claims
/// on the new runtime are still renewed: a handler held for several leases
/// there keeps its event (duplicates get 409, never a second run).
#[test]
fn layer_outliving_its_runtime_still_renews_claims() {
    let calls = Calls::default();
    let gate = Arc::new(Notify::new());
    // Renewed every lease / 3: a claim is lost only if the heartbeat misses
    // two renewals in a row (a 1.3 s stall).
    let lease = Duration::from_secs(2);
    let svc = gated_layer(&calls, &gate, lease);
    let first = multi_thread_runtime();
    first.block_on(async {
        gate.notify_one();
        assert_eq!(send(&svc, delivery("evt-rt-1", "{}")).await.status, 200);
        // Gives the workers time to start the heartbeat task: this test is
        // about a runtime that ran it (the next, one that never did).
        tokio::time::sleep(Duration::from_millis(50)).await;
    });
    drop(first);
    held_claim_keeps_its_event(&svc, &calls, &gate, "evt-rt-2", lease * 5 / 2);
}

/// The same, when the first runtime shuts down before any of its workers
/// polled the heartbeat task the layer spawned there (a short-lived runtime
/// whose workers were busy or not yet started). That task never ran, yet
/// the next runtime must start one of its own.
///
/// Deterministic: the first request is polled by hand inside a runtime's
/// context, so the task is spawned onto a runtime nothing ever drives.
#[test]
fn layer_outliving_a_runtime_that_never_ran_its_heartbeat_still_renews_claims() {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    let calls = Calls::default();
    let gate = Arc::new(Notify::new());
    let lease = Duration::from_millis(300);
    let svc = gated_layer(&calls, &gate, lease);
    let idle = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    {
        let _context = idle.enter();
        gate.notify_one();
        // The memory store and this handler answer without waiting on the
        // runtime; the layer yields once after spawning its heartbeat.
        let mut first = pin!(send(&svc, delivery("evt-idle-1", "{}")));
        let mut cx = Context::from_waker(Waker::noop());
        let reply = (0..100)
            .find_map(|_| match first.as_mut().poll(&mut cx) {
                Poll::Ready(reply) => Some(reply),
                Poll::Pending => None,
            })
            .expect("the first delivery is answered without the runtime running");
        assert_eq!(reply.status, StatusCode::OK);
    }
    drop(idle); // drops the heartbeat task, never polled
    held_claim_keeps_its_event(&svc, &calls, &gate, "evt-idle-2", lease * 4);
}

/// A layer over a handler that counts its calls and answers once `gate`
/// lets it.
fn gated_layer(
    calls: &Calls,
    gate: &Arc<Notify>,
    lease: Duration,
) -> impl Service<
    Request<Full<Bytes>>,
    Response = Response<impl Body<Data = Bytes, Error: std::fmt::Debug> + Send>,
    Error: std::fmt::Debug + Send,
    Future: Send,
> + Clone
+ Send
+ Sync
+ 'static {
    IdempotencyLayer::builder(MemoryStore::new())
        .event_id(IdSource::header("x-event-id"))
        .lease(lease)
        .handler_timeout(Duration::from_secs(30))
        .build()
        .unwrap()
        .layer(handler(calls.clone(), after_gate(gate, "ok")))
}

fn multi_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

/// On a new runtime: holds event `id` in the handler for `hold` while
/// duplicates arrive every 200 ms; each must be refused (409) without a
/// second run. `calls` counts one handler run per event so far.
fn held_claim_keeps_its_event<S, B>(
    svc: &S,
    calls: &Calls,
    gate: &Notify,
    id: &'static str,
    hold: Duration,
) where
    S: Service<Request<Full<Bytes>>, Response = Response<B>> + Clone + Send + Sync + 'static,
    S::Error: std::fmt::Debug + Send,
    S::Future: Send,
    B: Body<Data = Bytes, Error: std::fmt::Debug> + Send,
{
    let runs = calls.get() + 1;
    multi_thread_runtime().block_on(async {
        let held = tokio::spawn({
            let svc = svc.clone();
            async move { send(&svc, delivery(id, "{}")).await }
        });
        eventually("the handler starts", || async { calls.get() == runs }).await;
        let until = tokio::time::Instant::now() + hold;
        while tokio::time::Instant::now() < until {
            // A second run would wait at the gate, so the duplicate's
            // answer never comes: watch the handler's call count instead of
            // timing the answer, which a loaded machine can delay.
            let dup = tokio::spawn({
                let svc = svc.clone();
                async move { send(&svc, delivery(id, "{}")).await }
            });
            eventually("the duplicate is answered without a second run", || async {
                assert_eq!(
                    calls.get(),
                    runs,
                    "a duplicate ran the handler again (its claim was not renewed)"
                );
                dup.is_finished()
            })
            .await;
            let dup = dup.await.unwrap();
            assert_eq!(dup.status, StatusCode::CONFLICT, "{dup:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(calls.get(), runs);
        gate.notify_one();
        assert_eq!(held.await.unwrap().status, StatusCode::OK);
    });
}
