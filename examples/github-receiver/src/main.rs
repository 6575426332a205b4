//! Run with: cargo run -p example-github-receiver
//!
//! A GitHub webhook endpoint:
//!
//! - `Scheme::GitHub` checks `X-Hub-Signature-256: sha256=<hex>` (an HMAC of
//!   the body alone) with the secret from `GITHUB_WEBHOOK_SECRET`;
//! - the idempotency layer keys on the SHA-256 of the signed body (the
//!   default `IdSource::Verified`: GitHub's `X-GitHub-Delivery` is not
//!   covered by the signature, and its bodies carry no top-level `id`);
//! - the handler reads the event name from `X-GitHub-Event` (`ping`, `push`,
//!   …) and parses the verified body accordingly.
//!
//! Environment: `GITHUB_WEBHOOK_SECRET` (a public development default
//! otherwise, with a warning), `PORT` (default 3000), `RUST_LOG` (default `info`).
//!
//! ```sh
//! cargo run -p webhook-cli -- send http://127.0.0.1:3000/webhooks/github \
//!     --scheme github --secret dev-only-github-secret --event push -H 'X-GitHub-Event: push'
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use webhook_idempotency::{IdempotencyLayer, MemoryStore, Store};
use webhook_verify::extract::VerifiedEvent;
use webhook_verify::{Scheme, Verified, Verifier, VerifyLayer};

/// Used when `GITHUB_WEBHOOK_SECRET` is unset. Public (it is in this file
/// and in `examples/README.md`): local experiments only.
const DEV_SECRET: &str = "dev-only-github-secret";

/// The parts of a `push` event this receiver reads.
#[derive(Debug, Deserialize)]
struct PushEvent {
    #[serde(rename = "ref")]
    git_ref: String,
    after: String,
    repository: Repository,
}

#[derive(Debug, Deserialize)]
struct Repository {
    full_name: String,
}

/// The delivery ids the handler ran for, in order.
#[derive(Debug, Clone, Default)]
struct AppState {
    handled: Arc<Mutex<Vec<String>>>,
}

/// The idempotency layer for GitHub deliveries.
///
/// GitHub signs no timestamp: a captured delivery verifies forever, and the
/// verify layer cannot refuse a replay. This layer is the only replay
/// protection, and only while the delivery's record is kept: the retention
/// TTL (72 h by default) is how long a replay is answered from the record
/// instead of running the handler; after that it runs again. Keep it at
/// least as long as you may redeliver from GitHub's settings page, longer if
/// replays worry you more than Redis memory.
///
/// The key is the SHA-256 of the signed body, not `X-GitHub-Delivery`:
/// that header is not covered by the MAC, so whoever holds a captured
/// request could resend it under a new delivery id (the test
/// `a_forged_delivery_id_is_still_a_duplicate` does, and gets the recorded
/// answer). A redelivery from GitHub's settings page sends the same body,
/// so it is a duplicate too.
fn idempotency(store: impl Store) -> IdempotencyLayer {
    IdempotencyLayer::builder(store)
        .scope("github")
        // No timestamp, so no tolerance for the retention to cover.
        .signature_tolerance(None)
        .build()
        // Cannot fail: the durations are the non-zero defaults, the scope is
        // not empty and no header is cached.
        .expect("a valid idempotency configuration")
}

/// The router: `POST /webhooks/github`, verified, deduplicated, handled.
fn app(verifier: Verifier, store: impl Store, state: AppState) -> Router {
    Router::new()
        .route("/webhooks/github", post(handle))
        .with_state(state)
        // Outermost last: verify first, then the store.
        .layer(idempotency(store))
        .layer(VerifyLayer::new(verifier))
}

async fn handle(
    State(state): State<AppState>,
    verified: Verified,
    headers: HeaderMap,
    VerifiedEvent { event, .. }: VerifiedEvent<Value>,
) -> (StatusCode, Json<Value>) {
    // For logs only: the delivery id is not signed, so it is not the key.
    let delivery = verified.event_id.unwrap_or_default();
    let Some(kind) = headers
        .get("x-github-event")
        .and_then(|value| value.to_str().ok())
    else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "missing_x_github_event" })),
        );
    };
    state
        .handled
        .lock()
        // Only poisoned if another handler panicked while pushing; the list
        // of ids is still consistent.
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(delivery.clone());
    match kind {
        // Sent once when the webhook is created.
        "ping" => (StatusCode::OK, Json(json!({ "msg": "pong" }))),
        "push" => match serde_json::from_value::<PushEvent>(event) {
            Ok(push) => {
                tracing::info!(
                    %delivery,
                    repository = %push.repository.full_name,
                    git_ref = %push.git_ref,
                    after = %push.after,
                    "push"
                );
                (StatusCode::OK, Json(json!({ "received": delivery })))
            }
            Err(err) => {
                tracing::debug!(%delivery, error = %err, "push payload has an unexpected shape");
                (
                    StatusCode::BAD_REQUEST,
                    Json(json!({ "error": "invalid_push_event" })),
                )
            }
        },
        // GitHub does not retry failed deliveries; answering 2xx for events
        // we don't use keeps the webhook's delivery log green.
        other => {
            tracing::debug!(%delivery, event = other, "ignored GitHub event");
            (StatusCode::OK, Json(json!({ "ignored": other })))
        }
    }
}

fn secret_from_env() -> String {
    match std::env::var("GITHUB_WEBHOOK_SECRET") {
        Ok(secret) if !secret.is_empty() => secret,
        _ => {
            tracing::warn!(
                "GITHUB_WEBHOOK_SECRET is not set: using the public development secret \
                 (DEV_SECRET in examples/github-receiver/src/main.rs); never use it \
                 outside local experiments"
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

    let verifier = Verifier::new(Scheme::GitHub, secret_from_env())?;
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
        "listening on http://{}/webhooks/github (Ctrl-C to stop)",
        listener.local_addr()?
    );
    let app = app(verifier, MemoryStore::new(), AppState::default());
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
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
    use http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    use webhook_verify::Signer;

    use super::*;

    const SECRET: &str = "test-secret";
    const PUSH: &str = r#"{"ref":"refs/heads/main","before":"0000000","after":"1a2b3c4","repository":{"full_name":"octo/hello"}}"#;

    /// Signed as GitHub signs (`X-Hub-Signature-256`, `X-GitHub-Delivery`),
    /// with the event name in `X-GitHub-Event`.
    fn delivery(event: &str, body: &str, delivery: &str) -> Request<Body> {
        // GitHub signs no timestamp: the value passed here is ignored.
        let headers = Signer::new(Scheme::GitHub, SECRET)
            .unwrap()
            .sign(body.as_bytes(), 0, Some(delivery))
            .unwrap();
        assert_eq!(headers["x-github-delivery"], delivery);
        let mut req = Request::post("/webhooks/github")
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .body(Body::from(body.to_owned()))
            .unwrap();
        req.headers_mut().extend(headers);
        req
    }

    async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Option<String>, String) {
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let replayed = res
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, replayed, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn setup() -> (Router, AppState) {
        let state = AppState::default();
        let verifier = Verifier::new(Scheme::GitHub, SECRET).unwrap();
        (app(verifier, MemoryStore::new(), state.clone()), state)
    }

    fn handled(state: &AppState) -> Vec<String> {
        state.handled.lock().unwrap().clone()
    }

    #[tokio::test]
    async fn processes_each_delivery_once() {
        let (app, state) = setup();

        let (status, replayed, body) = send(&app, delivery("push", PUSH, "d-1")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(replayed, None);
        assert_eq!(body, r#"{"received":"d-1"}"#);

        // The same delivery again (a redelivery, or a replay of a captured
        // request — the signature never expires): the recorded answer.
        let (status, replayed, body) = send(&app, delivery("push", PUSH, "d-1")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(replayed.as_deref(), Some("true"));
        assert_eq!(body, r#"{"received":"d-1"}"#);

        let (status, _, body) = send(&app, delivery("ping", r#"{"zen":"hi"}"#, "d-2")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, r#"{"msg":"pong"}"#);

        let (status, _, body) = send(&app, delivery("star", "{}", "d-3")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, r#"{"ignored":"star"}"#);

        assert_eq!(handled(&state), ["d-1", "d-2", "d-3"]);
    }

    #[tokio::test]
    async fn rejects_what_is_not_an_authentic_delivery() {
        let (app, state) = setup();

        let mut req = delivery("push", PUSH, "d-1");
        *req.body_mut() = Body::from(PUSH.replace("main", "evil"));
        let (status, _, body) = send(&app, req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, r#"{"error":"invalid_signature"}"#);

        // Authentic, but no X-GitHub-Event: the handler refuses (not final,
        // so a corrected redelivery of d-3 would run).
        let mut req = delivery("push", PUSH, "d-3");
        req.headers_mut().remove("x-github-event");
        let (status, _, _) = send(&app, req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        assert!(handled(&state).is_empty());
    }

    #[tokio::test]
    async fn a_forged_delivery_id_is_still_a_duplicate() {
        // X-GitHub-Delivery is not signed: a captured push resent under
        // another delivery id (or none) verifies, and is the same event.
        let (app, state) = setup();
        let (status, _, _) = send(&app, delivery("push", PUSH, "d-1")).await;
        assert_eq!(status, StatusCode::OK);
        let (status, replayed, body) = send(&app, delivery("push", PUSH, "d-forged")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(replayed.as_deref(), Some("true"));
        assert_eq!(body, r#"{"received":"d-1"}"#);
        let mut without_id = delivery("push", PUSH, "d-2");
        without_id.headers_mut().remove("x-github-delivery");
        let (_, replayed, _) = send(&app, without_id).await;
        assert_eq!(replayed.as_deref(), Some("true"));
        assert_eq!(handled(&state), ["d-1"]);

        // Another push is another body, so another event.
        let other = PUSH.replace("1a2b3c4", "5d6e7f8");
        let (_, replayed, _) = send(&app, delivery("push", &other, "d-3")).await;
        assert_eq!(replayed, None);
        assert_eq!(handled(&state), ["d-1", "d-3"]);
    }
}
