//! Run with: cargo run -p example-axum-receiver
//!
//! A webhook receiver on axum with both layers:
//!
//! - `VerifyLayer` checks the signature (this toolkit's default `webhook`
//!   scheme: `X-Webhook-Timestamp`, `X-Webhook-Signature`, `X-Webhook-Id`);
//! - `IdempotencyLayer` runs each event id once — in memory by default, in
//!   Redis when `REDIS_URL` is set (so several receiver processes share it);
//! - the handler parses the verified body with serde through
//!   `webhook_verify::extract::VerifiedEvent<T>`.
//!
//! Environment:
//!
//! | variable | default | |
//! |---|---|---|
//! | `WEBHOOK_SECRET` | a development secret ([`DEV_SECRET`]), with a warning | the signing secret |
//! | `REDIS_URL` | unset: in-memory store | e.g. `redis://127.0.0.1:6379/` |
//! | `PORT` | `3000` | listens on `127.0.0.1:$PORT` |
//! | `RUST_LOG` | `info` | tracing filter |
//!
//! Exercise it from another terminal:
//!
//! ```sh
//! cargo run -p webhook-cli -- send http://127.0.0.1:3000/webhooks \
//!     --secret dev-only-webhook-secret --event invoice.paid
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use webhook_idempotency::{IdempotencyLayer, MemoryStore, RedisStore, Store};
use webhook_verify::extract::VerifiedEvent;
use webhook_verify::{Scheme, Verifier, VerifyLayer};

/// The secret used when `WEBHOOK_SECRET` is not set. It is public (it is in
/// this file and in `examples/README.md`): anyone can sign requests with it.
/// For local experiments only — never deploy a receiver that uses it.
const DEV_SECRET: &str = "dev-only-webhook-secret";

/// The part of the event this receiver cares about; serde ignores the rest.
#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

/// Shared by the handlers: how many events were processed (the test
/// checks that a duplicate does not run the handler again).
#[derive(Debug, Clone, Default)]
struct AppState {
    processed: Arc<AtomicUsize>,
}

/// The router: `POST /webhooks`, verified, then deduplicated, then handled.
fn app(verifier: Verifier, store: impl Store, state: AppState) -> Router {
    Router::new()
        .route("/webhooks", post(handle))
        .with_state(state)
        // `Router::layer` wraps outermost-last: VerifyLayer (added last) runs
        // first, so unverified requests never touch the idempotency store.
        //
        // The event id comes from signed bytes only (the default
        // `IdSource::Verified`): `X-Webhook-Id` is not covered by the MAC, so
        // the key is the signed body's `"id"` (or, without one, the body's
        // SHA-256). A captured request resent under a new `X-Webhook-Id` is
        // still the same event.
        .layer(IdempotencyLayer::new(store))
        .layer(VerifyLayer::new(verifier))
}

/// Runs once per event id. Answering 2xx records the event as done (a
/// retry gets the recorded answer with `Idempotent-Replayed: true`); a 5xx
/// releases it so the sender's retry runs the handler again.
async fn handle(
    State(state): State<AppState>,
    VerifiedEvent { meta, event }: VerifiedEvent<Event>,
) -> Json<serde_json::Value> {
    state.processed.fetch_add(1, Ordering::SeqCst);
    tracing::info!(
        id = %event.id,
        kind = %event.kind,
        scheme = meta.scheme,
        secret_index = meta.secret_index,
        "processing event"
    );
    // Your side effects go here (write to a database, enqueue a job, …).
    Json(json!({ "received": event.id, "type": event.kind }))
}

/// The secret from `WEBHOOK_SECRET`, or the development default with a warning.
fn secret_from_env() -> String {
    match std::env::var("WEBHOOK_SECRET") {
        Ok(secret) if !secret.is_empty() => secret,
        _ => {
            tracing::warn!(
                "WEBHOOK_SECRET is not set: using the public development secret \
                 (DEV_SECRET in examples/axum-receiver/src/main.rs); anyone can sign \
                 requests with it, never use it outside local experiments"
            );
            DEV_SECRET.to_owned()
        }
    }
}

/// Redis when a URL is given (`REDIS_URL`), memory otherwise.
async fn store_from(redis_url: Option<String>) -> anyhow::Result<Arc<dyn Store>> {
    match redis_url.filter(|url| !url.is_empty()) {
        Some(url) => {
            // The URL may contain a password: never log it.
            let store = RedisStore::connect(&url)
                .await
                .context("cannot connect to the Redis server in REDIS_URL")?;
            tracing::info!("idempotency store: Redis (REDIS_URL)");
            Ok(Arc::new(store))
        }
        None => {
            tracing::info!(
                "idempotency store: in memory (set REDIS_URL to share it between processes)"
            );
            Ok(Arc::new(MemoryStore::new()))
        }
    }
}

fn port_from_env() -> anyhow::Result<u16> {
    match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .with_context(|| format!("PORT must be a port number, got {port:?}")),
        Err(_) => Ok(3000),
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
    let store = store_from(std::env::var("REDIS_URL").ok()).await?;
    let port = port_from_env()?;

    // Loopback only; bind 0.0.0.0 to accept connections from other hosts.
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!(
        "listening on http://{}/webhooks (Ctrl-C to stop)",
        listener.local_addr()?
    );

    axum::serve(listener, app(verifier, store, AppState::default()))
        .with_graceful_shutdown(async {
            // If the signal handler cannot be installed, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {

    use axum::body::Body;
    use http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    use webhook_test_support::RedisServer;
    use webhook_verify::Signer;

    use super::*;

    const SECRET: &str = "test-secret";

    fn now() -> i64 {
        use webhook_verify::Clock as _;
        webhook_verify::SystemClock.now_unix()
    }

    /// A request signed like a real sender would (`webhook send`, `Signer`).
    fn signed(body: &str, id: &str) -> Request<Body> {
        signed_with(SECRET, body, id)
    }

    fn signed_with(secret: &str, body: &str, id: &str) -> Request<Body> {
        let headers = Signer::new(Scheme::Webhook, secret)
            .unwrap()
            .sign(body.as_bytes(), now(), Some(id))
            .unwrap();
        let mut req = Request::post("/webhooks")
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        req.headers_mut().extend(headers);
        req
    }

    async fn text(res: axum::response::Response) -> String {
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// Signed → 200 once; duplicate → replayed, handler not run again;
    /// tampered → 401; wrong shape → 400. The same for any store.
    async fn receives_each_event_once(store: Arc<dyn Store>) {
        let state = AppState::default();
        let app = app(
            Verifier::new(Scheme::Webhook, SECRET).unwrap(),
            store,
            state.clone(),
        );
        let body = r#"{"id":"evt_1","type":"invoice.paid","data":{"amount":4200}}"#;

        let res = app.clone().oneshot(signed(body, "evt_1")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get("idempotent-replayed").is_none());
        assert_eq!(
            text(res).await,
            r#"{"received":"evt_1","type":"invoice.paid"}"#
        );
        assert_eq!(state.processed.load(Ordering::SeqCst), 1);

        // The sender retries the same event: same answer, handler not called.
        let res = app.clone().oneshot(signed(body, "evt_1")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["idempotent-replayed"], "true");
        assert_eq!(
            text(res).await,
            r#"{"received":"evt_1","type":"invoice.paid"}"#
        );
        assert_eq!(state.processed.load(Ordering::SeqCst), 1);

        // One byte changed after signing: rejected before the store or handler.
        let mut req = signed(body, "evt_2");
        *req.body_mut() = Body::from(body.replace("4200", "9999"));
        let res = app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(text(res).await, r#"{"error":"invalid_signature"}"#);

        // Signed with another secret: 401 as well.
        let req = signed_with("not-the-secret", body, "evt_3");
        let res = app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

        // Authentic but not the JSON the handler expects: 400 from the extractor.
        let res = app
            .clone()
            .oneshot(signed(r#"{"id":"evt_4"}"#, "evt_4"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(text(res).await, r#"{"error":"invalid_json"}"#);

        // A new event still runs.
        let res = app
            .oneshot(signed(r#"{"id":"evt_5","type":"ping"}"#, "evt_5"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(state.processed.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn memory_store_by_default() {
        let store = store_from(None).await.unwrap();
        assert!(format!("{store:?}").contains("MemoryStore"), "{store:?}");
        receives_each_event_once(store).await;
    }

    #[tokio::test]
    async fn redis_url_switches_to_redis() {
        let server = RedisServer::start();
        let store = store_from(Some(server.url())).await.unwrap();
        assert!(format!("{store:?}").contains("RedisStore"), "{store:?}");
        receives_each_event_once(store).await;

        // The records are in Redis: a second receiver process (a new store and
        // router on the same server) replays instead of running its handler.
        let state = AppState::default();
        let other = app(
            Verifier::new(Scheme::Webhook, SECRET).unwrap(),
            store_from(Some(server.url())).await.unwrap(),
            state.clone(),
        );
        let body = r#"{"id":"evt_1","type":"invoice.paid","data":{"amount":4200}}"#;
        let res = other.oneshot(signed(body, "evt_1")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["idempotent-replayed"], "true");
        assert_eq!(state.processed.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn unreachable_redis_is_a_clear_error() {
        // Port 1 on loopback: nothing listens there.
        let err = store_from(Some("redis://127.0.0.1:1/".to_owned()))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("REDIS_URL"), "{err:#}");
    }
}
