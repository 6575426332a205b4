//! Run with: cargo run -p example-stripe-receiver
//!
//! A Stripe webhook endpoint:
//!
//! - `Scheme::Stripe` checks `Stripe-Signature: t=…,v1=…` with the endpoint's
//!   signing secret from `STRIPE_WEBHOOK_SECRET` (the `whsec_…` text from the
//!   dashboard or `stripe listen`, used as-is — it is not base64-decoded);
//! - Stripe puts the event id in the body, not in a header, so the
//!   idempotency layer reads it with `IdSource::json("/id")`. The body is
//!   signed, so the id cannot be changed by whoever replays a request;
//! - the handler parses a typed [`StripeEvent`] and dispatches on its `type`.
//!   An unknown type is answered 422 and recorded as *final*
//!   (`final_statuses`): `fn idempotency` below says why.
//!
//! Environment: `STRIPE_WEBHOOK_SECRET` (a public development default
//! otherwise, with a warning), `PORT` (default 3000), `RUST_LOG` (default `info`).
//!
//! ```sh
//! cargo run -p webhook-cli -- send http://127.0.0.1:3000/webhooks/stripe \
//!     --scheme stripe --secret whsec_dev_only_stripe_secret --event invoice.paid
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use webhook_idempotency::{IdSource, IdempotencyLayer, MemoryStore, Store};
use webhook_verify::extract::VerifiedEvent;
use webhook_verify::{Scheme, Verifier, VerifyLayer};

/// Used when `STRIPE_WEBHOOK_SECRET` is unset. Public (it is in this file
/// and in `examples/README.md`): local experiments only.
const DEV_SECRET: &str = "whsec_dev_only_stripe_secret";

/// Stripe's event envelope (the fields this receiver reads; serde ignores
/// the rest, such as `created`, `livemode` or `api_version`).
#[derive(Debug, Deserialize)]
struct StripeEvent {
    /// `evt_…`, the same on every retry of the event.
    id: String,
    /// E.g. `invoice.paid`.
    #[serde(rename = "type")]
    kind: String,
    /// `{"object": {...}}`: the invoice, payment intent, … the event is about.
    data: Value,
}

/// The ids of the events the handler ran for, in order (the tests check
/// that a retry does not run it again).
#[derive(Debug, Clone, Default)]
struct AppState {
    handled: Arc<Mutex<Vec<String>>>,
}

/// The idempotency layer for Stripe events.
///
/// - **The id comes from the body** (`/id`): `Stripe-Signature` carries no id.
/// - **Retention** stays at the default 72 h, Stripe's retry window
///   (Stripe retries a failed delivery for up to three days).
/// - **A 422 is final.** Stripe retries every non-2xx answer. A 422 means
///   "this receiver does not handle this event type": retrying the same
///   event can never change that, so recording the 422 as the event's
///   outcome lets every retry get the recorded 422 at once, without running
///   the handler again. A 5xx (a database down, a bug) stays retryable: the
///   claim is released and the next retry runs the handler. Only the
///   handler's statuses are affected — the layers' own 4xx (bad signature,
///   missing id) never reach the store. If you later add a handler for that
///   type, clear the records (or use a new `scope`) to process the recorded
///   events again. (Answering 200 for types you ignore, as Stripe suggests,
///   also stops the retries; the 422 keeps them visible in the dashboard.)
fn idempotency(store: impl Store) -> IdempotencyLayer {
    IdempotencyLayer::builder(store)
        .event_id(IdSource::json("/id"))
        .scope("stripe")
        .final_statuses(|status| status == StatusCode::UNPROCESSABLE_ENTITY)
        .build()
        // Cannot fail: the durations are the non-zero defaults, the scope is
        // not empty and no header is cached.
        .expect("a valid idempotency configuration")
}

/// The router: `POST /webhooks/stripe`, verified, deduplicated, handled.
fn app(verifier: Verifier, store: impl Store, state: AppState) -> Router {
    Router::new()
        .route("/webhooks/stripe", post(handle))
        .with_state(state)
        // Outermost last: verify first, then the store.
        .layer(idempotency(store))
        .layer(VerifyLayer::new(verifier))
}

async fn handle(
    State(state): State<AppState>,
    VerifiedEvent { event, .. }: VerifiedEvent<StripeEvent>,
) -> (StatusCode, Json<Value>) {
    state
        .handled
        .lock()
        // Only poisoned if another handler panicked while pushing; the data
        // (a list of ids) is still consistent.
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(event.id.clone());
    let object = &event.data["object"];
    match event.kind.as_str() {
        "invoice.paid" => {
            tracing::info!(
                event = %event.id,
                invoice = object["id"].as_str().unwrap_or_default(),
                amount_paid = object["amount_paid"].as_i64().unwrap_or_default(),
                "invoice paid"
            );
            (StatusCode::OK, Json(json!({ "received": event.id })))
        }
        "payment_intent.succeeded" | "checkout.session.completed" => {
            tracing::info!(event = %event.id, kind = %event.kind, "payment completed");
            (StatusCode::OK, Json(json!({ "received": event.id })))
        }
        other => {
            tracing::warn!(event = %event.id, kind = other, "unhandled Stripe event type");
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "error": "unhandled_event_type" })),
            )
        }
    }
}

fn secret_from_env() -> String {
    match std::env::var("STRIPE_WEBHOOK_SECRET") {
        Ok(secret) if !secret.is_empty() => secret,
        _ => {
            tracing::warn!(
                "STRIPE_WEBHOOK_SECRET is not set: using the public development secret \
                 (DEV_SECRET in examples/stripe-receiver/src/main.rs); never use it \
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

    let verifier = Verifier::new(Scheme::Stripe, secret_from_env())?;
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
        "listening on http://{}/webhooks/stripe (Ctrl-C to stop)",
        listener.local_addr()?
    );
    // One process: memory. Several: a shared RedisStore (see axum-receiver).
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

    const SECRET: &str = "whsec_test_secret";

    fn now() -> i64 {
        use webhook_verify::Clock as _;
        webhook_verify::SystemClock.now_unix()
    }

    /// Signed as Stripe signs: `Stripe-Signature: t=…,v1=…`, no id header.
    fn signed(body: &str) -> Request<Body> {
        let headers = Signer::new(Scheme::Stripe, SECRET)
            .unwrap()
            .sign(body.as_bytes(), now(), None)
            .unwrap();
        assert!(headers.contains_key("stripe-signature"));
        let mut req = Request::post("/webhooks/stripe")
            .header("content-type", "application/json")
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
        let verifier = Verifier::new(Scheme::Stripe, SECRET).unwrap();
        (app(verifier, MemoryStore::new(), state.clone()), state)
    }

    fn handled(state: &AppState) -> Vec<String> {
        state.handled.lock().unwrap().clone()
    }

    const INVOICE_PAID: &str = r#"{"id":"evt_1","object":"event","type":"invoice.paid","data":{"object":{"id":"in_1","amount_paid":4200}}}"#;

    #[tokio::test]
    async fn processes_each_event_once() {
        let (app, state) = setup();

        let (status, replayed, body) = send(&app, signed(INVOICE_PAID)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(replayed, None);
        assert_eq!(body, r#"{"received":"evt_1"}"#);

        // Stripe retries (e.g. our 200 was lost): a new signature, same body.
        let (status, replayed, body) = send(&app, signed(INVOICE_PAID)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(replayed.as_deref(), Some("true"));
        assert_eq!(body, r#"{"received":"evt_1"}"#);
        assert_eq!(handled(&state), ["evt_1"]);
    }

    #[tokio::test]
    async fn unknown_type_is_final() {
        let (app, state) = setup();
        let body = r#"{"id":"evt_2","type":"customer.deleted","data":{"object":{}}}"#;

        let (status, replayed, text) = send(&app, signed(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(replayed, None);
        assert_eq!(text, r#"{"error":"unhandled_event_type"}"#);

        // Stripe retries the 422: answered from the record, handler not run.
        let (status, replayed, text) = send(&app, signed(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(replayed.as_deref(), Some("true"));
        assert_eq!(text, r#"{"error":"unhandled_event_type"}"#);
        assert_eq!(handled(&state), ["evt_2"]);
    }

    #[tokio::test]
    async fn rejects_what_is_not_an_authentic_event() {
        let (app, state) = setup();

        // Tampered after signing.
        let mut req = signed(INVOICE_PAID);
        *req.body_mut() = Body::from(INVOICE_PAID.replace("4200", "1"));
        let (status, _, _) = send(&app, req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Signed with another endpoint's secret.
        let mut req = signed(INVOICE_PAID);
        req.headers_mut().extend(
            Signer::new(Scheme::Stripe, "whsec_other")
                .unwrap()
                .sign(INVOICE_PAID.as_bytes(), now(), None)
                .unwrap(),
        );
        let (status, _, _) = send(&app, req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Signed too long ago (outside the 5-minute tolerance): a replay.
        let mut req = signed(INVOICE_PAID);
        req.headers_mut().extend(
            Signer::new(Scheme::Stripe, SECRET)
                .unwrap()
                .sign(INVOICE_PAID.as_bytes(), now() - 3600, None)
                .unwrap(),
        );
        let (status, _, _) = send(&app, req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Authentic but without an id: the idempotency layer answers 400.
        let (status, _, text) = send(&app, signed(r#"{"type":"invoice.paid","data":{}}"#)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(text, r#"{"error":"missing_event_id"}"#);

        assert!(handled(&state).is_empty());
    }
}
