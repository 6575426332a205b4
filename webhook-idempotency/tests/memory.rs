//! The behavioural suite against `MemoryStore`.

mod common;

common::suite!(common::memory);

use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tower::Layer;
use webhook_idempotency::{IdSource, IdempotencyLayer, MemoryStore};

use common::{Calls, handler, reply};

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

/// A memory store full of live claims refuses new ones (503 by the
/// fail-closed policy) rather than growing or forgetting a claim.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_memory_store_answers_503_not_unbounded_growth() {
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let calls = Calls::default();
    let layer = IdempotencyLayer::builder(MemoryStore::new().max_entries(2))
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
    common::eventually("both handlers run", || async { calls.get() == 2 }).await;
    let refused = common::send(&svc, common::delivery("c", "{}")).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.body, r#"{"error":"store_unavailable"}"#);
    assert_eq!(layer.metrics().store_errors, 2, "acquire is tried twice");
    gate.add_permits(3); // a, b, then c
    for task in running {
        assert_eq!(task.await.unwrap().status, StatusCode::OK);
    }
    // Completed records can be evicted (oldest first) to make room.
    assert_eq!(
        common::send(&svc, common::delivery("c", "{}")).await.status,
        StatusCode::OK
    );
}
