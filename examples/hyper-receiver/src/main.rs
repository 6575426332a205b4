//! Run with: cargo run -p example-hyper-receiver
//!
//! The same two layers as `axum-receiver`, without axum: a
//! `tower::ServiceBuilder` stacks `VerifyLayer` and `IdempotencyLayer` in
//! front of a bare `tower::service_fn`, and hyper 1 serves it through
//! `hyper_util::service::TowerToHyperService`, one `http1` connection task
//! per accepted socket.
//!
//! The handler is an `async fn(Request<BufferedBody>)`: the idempotency layer
//! hands it the verified bytes as `webhook_idempotency::BufferedBody`, with
//! `webhook_verify::Verified` and `webhook_idempotency::EventKey` in the
//! request extensions.
//!
//! Environment: `WEBHOOK_SECRET` (a public development default otherwise,
//! with a warning), `PORT` (default 3000), `RUST_LOG` (default `info`).
//!
//! ```sh
//! cargo run -p webhook-cli -- send http://127.0.0.1:3000/webhooks \
//!     --secret dev-only-webhook-secret --event invoice.paid
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::net::TcpListener;
use tower::{Service, ServiceBuilder, service_fn};
use tracing_subscriber::EnvFilter;
use webhook_idempotency::{BufferedBody, EventKey, IdempotencyLayer, MemoryStore, Store};
use webhook_verify::{Scheme, Verified, Verifier, VerifyLayer};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The public development secret used when `WEBHOOK_SECRET` is unset (the
/// same as the other examples', so `sign-and-send` works against it). Never
/// use it outside local experiments.
const DEV_SECRET: &str = "dev-only-webhook-secret";

#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The whole receiver as one tower service over hyper's request body.
///
/// `ServiceBuilder` wraps in the order written: `VerifyLayer` is outermost
/// and runs first, so unverified requests never touch the store.
fn app(
    verifier: Verifier,
    store: impl Store,
    processed: Arc<AtomicUsize>,
) -> impl Service<
    Request<Incoming>,
    Response = Response<impl Body<Data = Bytes, Error: Into<BoxError>> + Send + 'static>,
    Error = Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ 'static {
    ServiceBuilder::new()
        .layer(VerifyLayer::new(verifier))
        .layer(IdempotencyLayer::new(store))
        .service(service_fn(move |req| handle(processed.clone(), req)))
}

/// Runs once per event id (2xx records it as done; anything else lets the
/// sender's retry run it again).
async fn handle(
    processed: Arc<AtomicUsize>,
    req: Request<BufferedBody>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    // Every request reaching this service has been verified; without a
    // router, the path and method are checked here.
    if req.uri().path() != "/webhooks" {
        return Ok(json(StatusCode::NOT_FOUND, r#"{"error":"not_found"}"#));
    }
    if req.method() != Method::POST {
        return Ok(json(
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"error":"method_not_allowed"}"#,
        ));
    }
    let scheme = req.extensions().get::<Verified>().map(|v| v.scheme);
    let key = req
        .extensions()
        .get::<EventKey>()
        .map(|k| k.id().to_owned());
    let event: Event = match serde_json::from_slice(&req.into_body().into_bytes()) {
        Ok(event) => event,
        Err(err) => {
            // The position and expected type only, never the payload.
            tracing::debug!(error = %err, "verified body is not the expected JSON");
            return Ok(json(StatusCode::BAD_REQUEST, r#"{"error":"invalid_json"}"#));
        }
    };
    processed.fetch_add(1, Ordering::SeqCst);
    tracing::info!(
        id = %event.id,
        kind = %event.kind,
        delivery = key.as_deref().unwrap_or_default(),
        scheme = scheme.unwrap_or_default(),
        "processing event"
    );
    // Your side effects go here.
    let body = serde_json::json!({ "received": event.id, "type": event.kind });
    Ok(json(StatusCode::OK, body.to_string()))
}

fn json(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(body.into()));
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    res
}

/// Accepts connections until `shutdown` completes, serving each with hyper's
/// HTTP/1 connection in its own task (connections still open at shutdown
/// are dropped with the runtime).
async fn serve<S, B>(listener: TcpListener, service: S, shutdown: impl Future<Output = ()>)
where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(err) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            if let Err(err) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %err, %peer, "connection ended with an error");
            }
        });
    }
}

fn secret_from_env() -> String {
    match std::env::var("WEBHOOK_SECRET") {
        Ok(secret) if !secret.is_empty() => secret,
        _ => {
            tracing::warn!(
                "WEBHOOK_SECRET is not set: using the public development secret \
                 (DEV_SECRET in examples/hyper-receiver/src/main.rs); anyone can sign \
                 requests with it, never use it outside local experiments"
            );
            DEV_SECRET.to_owned()
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let verifier = Verifier::new(Scheme::Webhook, secret_from_env())?;
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .with_context(|| format!("PORT must be a port number, got {port:?}"))?,
        Err(_) => 3000,
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!(
        "listening on http://{}/webhooks (Ctrl-C to stop)",
        listener.local_addr()?
    );

    let service = app(verifier, MemoryStore::new(), Arc::default());
    serve(listener, service, async {
        // If the signal handler cannot be installed, run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {

    use http::HeaderMap;
    use http_body_util::BodyExt;
    use tokio::net::TcpStream;
    use webhook_verify::Signer;

    use super::*;

    const SECRET: &str = "test-secret";

    fn now() -> i64 {
        use webhook_verify::Clock as _;
        webhook_verify::SystemClock.now_unix()
    }

    /// The real receiver on a real socket.
    async fn start() -> (SocketAddr, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind a test server on 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let processed = Arc::new(AtomicUsize::new(0));
        let service = app(
            Verifier::new(Scheme::Webhook, SECRET).unwrap(),
            MemoryStore::new(),
            processed.clone(),
        );
        tokio::spawn(serve(listener, service, std::future::pending()));
        (addr, processed)
    }

    /// POSTs through hyper's client over a fresh connection.
    async fn post(
        addr: SocketAddr,
        path: &str,
        body: &str,
        headers: HeaderMap,
    ) -> (StatusCode, HeaderMap, String) {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let mut req = Request::post(path)
            .header(header::HOST, addr.to_string())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.to_owned())))
            .unwrap();
        req.headers_mut().extend(headers);
        let res = sender.send_request(req).await.unwrap();
        let (parts, body) = res.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        (
            parts.status,
            parts.headers,
            String::from_utf8(bytes.to_vec()).unwrap(),
        )
    }

    fn sign(body: &str, id: &str) -> HeaderMap {
        Signer::new(Scheme::Webhook, SECRET)
            .unwrap()
            .sign(body.as_bytes(), now(), Some(id))
            .unwrap()
    }

    #[tokio::test]
    async fn verifies_and_processes_each_event_once() {
        let (addr, processed) = start().await;
        let body = r#"{"id":"evt_1","type":"invoice.paid"}"#;
        let expected = r#"{"received":"evt_1","type":"invoice.paid"}"#;

        let (status, headers, text) = post(addr, "/webhooks", body, sign(body, "evt_1")).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert!(headers.get("idempotent-replayed").is_none());
        assert_eq!(text, expected);
        assert_eq!(processed.load(Ordering::SeqCst), 1);

        // A retry of the same delivery: the recorded answer, handler not run.
        let (status, headers, text) = post(addr, "/webhooks", body, sign(body, "evt_1")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["idempotent-replayed"], "true");
        assert_eq!(text, expected);
        assert_eq!(processed.load(Ordering::SeqCst), 1);

        // Tampered after signing.
        let tampered = body.replace("paid", "void");
        let (status, _, text) = post(addr, "/webhooks", &tampered, sign(body, "evt_2")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(text, r#"{"error":"invalid_signature"}"#);

        // Not signed at all.
        let (status, _, text) = post(addr, "/webhooks", body, HeaderMap::new()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(text, r#"{"error":"malformed_signature"}"#);

        // Signed, but not the JSON the handler expects.
        let odd = r#"{"id":"evt_3"}"#;
        let (status, _, text) = post(addr, "/webhooks", odd, sign(odd, "evt_3")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(text, r#"{"error":"invalid_json"}"#);

        // Signed, wrong path.
        let other = r#"{"id":"evt_4","type":"ping"}"#;
        let (status, _, _) = post(addr, "/elsewhere", other, sign(other, "evt_4")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        assert_eq!(processed.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_attempt_stays_retryable() {
        // 400 from the handler is not final: once the sender fixes the body
        // (same id), the event is processed.
        let (addr, processed) = start().await;
        let bad = r#"{"id":"evt_9"}"#;
        let (status, _, _) = post(addr, "/webhooks", bad, sign(bad, "evt_9")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let good = r#"{"id":"evt_9","type":"ping"}"#;
        let (status, headers, _) = post(addr, "/webhooks", good, sign(good, "evt_9")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("idempotent-replayed").is_none());
        assert_eq!(processed.load(Ordering::SeqCst), 1);
    }
}
