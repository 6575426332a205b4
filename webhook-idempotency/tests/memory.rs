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
